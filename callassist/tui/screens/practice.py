"""Practice: pick a simulated debtor to rehearse a call against, and see the score after."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from callassist.core.i18n import label
from callassist.tui.widgets.spoken import fold

BOX_WIDTH = 76  # practice.tcss
BOX_INSIDE = 12  # its border and padding, the list's border, an option's padding, the scrollbar


class PracticeScreen(ModalScreen[str | None]):
    """The personas, each with its description and excuses; Enter starts the rehearsal."""

    CSS_PATH = "practice.tcss"
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, locale: str, personas: dict, excuse_names: dict[str, str], problems: list[str]) -> None:
        super().__init__()
        self.locale = locale
        self.personas = personas
        self.excuse_names = excuse_names
        self.problems = problems

    def compose(self) -> ComposeResult:
        t = lambda key, **values: label(key, self.locale, **values)  # noqa: E731
        width = min(BOX_WIDTH, self.app.size.width) - BOX_INSIDE  # what an option's text has, folded (Chinese never starts a line with a closing mark)
        with Vertical(id="practice-box"):
            yield Static(Text(t("practice_title"), style="bold"))
            yield Static(Text(t("practice_help"), style="dim"), id="practice-help")
            options: list[Option | None] = []
            for persona_id, persona in self.personas.items():
                if options:
                    options.append(None)  # a rule between two personas
                prompt = Text(persona.name.get(self.locale), style="bold")
                if persona.excuses:  # a voicemail or a reminder call has none
                    excuses = " → ".join(self.excuse_names.get(e.excuse, e.excuse) for e in persona.excuses)
                    prompt.append("\n" + t("practice_excuses", excuses=excuses), style="italic")
                prompt.append("\n" + fold(persona.description.get(self.locale), width))
                options.append(Option(prompt, id=persona_id))
            yield OptionList(*options, id="personas")
            if self.problems:
                text = Text(t("practice_none") + "\n", style="bold red")
                for problem in self.problems[:6]:
                    text.append(problem + "\n", style="red")
                yield Static(text, id="persona-problems")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)


class ScoreScreen(ModalScreen[None]):
    """The practice call's score: each item passed or not, with what happened."""

    CSS_PATH = "practice.tcss"
    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, locale: str, persona_name: str, payload: dict) -> None:
        super().__init__()
        self.locale = locale
        self.persona_name = persona_name
        self.payload = payload

    def compose(self) -> ComposeResult:
        t = lambda key, **values: label(key, self.locale, **values)  # noqa: E731
        width = min(BOX_WIDTH, self.app.size.width) - BOX_INSIDE - 3  # after the mark
        with VerticalScroll(id="score-box"):
            yield Static(Text(t("score_title", persona=self.persona_name), style="bold"))
            total = Text(t("score_total", passed=self.payload["passed"], items=self.payload["items"], score=self.payload["score"]), style="bold")
            yield Static(total, id="score-total")
            lines = Text()
            for result in self.payload["results"]:
                lines.append(" ✓ " if result["passed"] else " ✗ ", style="bold green" if result["passed"] else "bold red")
                lines.append(fold(result["detail"], width).replace("\n", "\n   ") + "\n")
            yield Static(lines, id="score-items")
            yield Static(Text(f"Enter · {t('close')}", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
