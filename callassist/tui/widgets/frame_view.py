"""What the collector's screen showed at one moment of a stored call: the step, its words,
the choices, the ladder, notes, promise and card. It shows the `frame` it is bound to."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from callassist.core.i18n import fmt_date, label, value_label
from callassist.core.replay import Frame, card_balance
from callassist.tui.widgets.objection_panel import describe_rung
from callassist.tui.widgets.spoken import fold


class FrameView(VerticalScroll):
    """The screen as it was just after one event (core/replay.py Frame)."""

    frame: reactive[Frame | None] = reactive(None)

    def __init__(self, locale: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.locale = locale
        self.promise_now: tuple[str, object] | None = None  # the call's promise as the ledger holds it today

    def compose(self) -> ComposeResult:
        for part in ("step", "text", "choices", "ladder", "extra"):
            yield Static(id=f"then-{part}")

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is not None:
            self.draw(frame)

    def on_resize(self) -> None:
        # The step's text is folded to its width (Chinese punctuation never starts a line).
        if self.frame is not None:
            self.call_after_refresh(self.draw, self.frame)

    def draw(self, frame: Frame) -> None:
        self.query_one("#then-step", Static).update(Text(frame.step_label, style="bold"))
        then_text = self.query_one("#then-text", Static)
        then_text.update(Text(fold(frame.step_text, then_text.content_size.width)))
        choices = Text()
        for key, words in frame.choices:
            choices.append(f" {key} ", style="reverse bold")
            choices.append(f" {words}   ")
        self.query_one("#then-choices", Static).update(choices)
        self.query_one("#then-ladder", Static).update(describe_rung(frame.ladder, self.locale) if frame.ladder else Text())
        self.query_one("#then-extra", Static).update(self.extra(frame))

    def extra(self, frame: Frame) -> Text:
        """The notes, the promise and its fate, the ending and the card, as they stood."""
        extra = Text()
        if frame.notes:
            extra.append(label("replay_notes", self.locale) + "\n", style="bold")
            for note in frame.notes:
                extra.append(f"· {note}\n")
        if frame.promise and self.promise_now is not None:
            status, day = self.promise_now
            words = value_label("status", status, self.locale)
            line = label("replay_promise_decided", self.locale, status=words, day=fmt_date(day, self.locale)) if day else label("replay_promise_now", self.locale, status=words)
            extra.append(line + "\n", style="bold")
        if frame.disposition:
            extra.append(label("replay_ended", self.locale, disposition=value_label("disp", frame.disposition, self.locale)) + "\n", style="bold")
        card = frame.card
        if card.get("debtor"):
            balance = card_balance(card, self.locale) if card.get("balance") else ""
            extra.append("\n" + label("replay_card", self.locale, debtor=card["debtor"], contact=card.get("contact", ""), phone=card.get("phone", ""), balance=balance), style="dim")
        return extra
