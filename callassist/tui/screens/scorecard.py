"""A call's automatic scorecard: each item passed, failed or not applicable; Enter jumps
to the event that proves it."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from callassist.core.i18n import label
from callassist.core.scorecard import UNDONE_MARK

MARKS = {"pass": ("✓", "bold green"), "fail": ("✗", "bold red"), "n/a": ("–", "dim"), UNDONE_MARK: ("↶", "bold yellow")}


class ScorecardScreen(ModalScreen[int | None]):
    CSS_PATH = "scorecard.tcss"
    BINDINGS = [Binding("escape,c,q", "close", "Close")]

    def __init__(self, locale: str, lines: list) -> None:
        super().__init__()
        self.locale = locale
        self.lines = lines

    def compose(self) -> ComposeResult:
        counts = {result: sum(line.result == result for line in self.lines) for result in MARKS}
        with Vertical(id="scorecard-box"):
            yield Static(Text(label("scorecard", self.locale), style="bold"))
            yield Static(Text(label("scorecard_total", self.locale, passed=counts["pass"], failed=counts["fail"], na=counts["n/a"]), style="bold"), id="scorecard-total")
            options = []
            for index, line in enumerate(self.lines):
                mark, style = MARKS[line.result]
                prompt = Text(f" {mark} ", style=style)
                prompt.append(line.detail)
                options.append(Option(prompt, id=str(index)))
            yield OptionList(*options, id="scorecard-lines")
            yield Static(Text(label("scorecard_jump", self.locale), style="dim"))

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.lines[int(event.option.id)].seq)

    def action_close(self) -> None:
        self.dismiss(None)
