"""A supervisor's review of a call: a score from 1 to 5 and a comment."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from callassist.core.i18n import label

SCORES = (1, 2, 3, 4, 5)


class ReviewScreen(ModalScreen[tuple[int, str] | None]):
    CSS_PATH = "review.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, locale: str) -> None:
        super().__init__()
        self.locale = locale

    def compose(self) -> ComposeResult:
        t = lambda key: label(key, self.locale)  # noqa: E731
        with Vertical(id="review-box"):
            yield Static(Text(t("review_title"), style="bold"))
            yield Static(t("review_score"), markup=False)
            yield Select([(f"{n} / 5", n) for n in SCORES], prompt="—", id="score", compact=True)
            yield Static(t("review_comment"), markup=False)
            yield Input(id="comment", compact=True)
            yield Static(id="review-error")
            yield Static(Text(f"Ctrl+S {t('save')} · Esc {t('cancel')}", style="dim"))

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        score = self.query_one("#score", Select).value
        if score is Select.NULL:
            self.query_one("#review-error", Static).update(Text(label("review_needs_score", self.locale), style="bold red"))
            return
        self.dismiss((int(score), self.query_one("#comment", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
