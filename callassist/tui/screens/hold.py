"""A situation's exit, or a hold placed by hand (H): what to say, why collection stops
(the hold), and what to write down. What is typed is kept as a draft until saved."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from callassist.core.call import hold_details_problem
from callassist.core.compliance import HOLD_REASONS
from callassist.core.i18n import label
from callassist.tui.screens.drafted import DraftedForm


class HoldScreen(DraftedForm[tuple[str | None, str] | None]):
    """Dismissed with (hold reason or None, details), or None when cancelled."""

    CSS_PATH = "hold.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, locale: str, draft: dict, keep: Callable[[dict], None], title: str, say: str = "", reason: str | None = None, capture: str = "", choose_reason: bool = True) -> None:
        super().__init__(draft, keep)
        self.locale = locale
        self.title_text = title
        self.say = say
        self.reason = reason
        self.capture = capture or label("hold_details", locale)
        self.choose_reason = choose_reason  # a situation with no hold offers none

    def compose(self) -> ComposeResult:
        t = lambda key: label(key, self.locale)  # noqa: E731
        with Vertical(id="hold-box"):
            yield Static(self.title_text, classes="title", markup=False)
            if self.say:
                yield Label(t("hold_say"), markup=False)
                yield Static(Text(self.say), id="hold-say")
            if self.choose_reason:
                yield Label(t("hold_reason"), markup=False)
                yield Select([(t(f"hold_{reason}"), reason) for reason in HOLD_REASONS], id="hold-reason", compact=True, prompt="—", value=self.reason or Select.NULL)
            yield Label(self.capture, id="hold-details-label", markup=False)
            yield Input(id="hold-details", compact=True)
            yield Static(id="hold-errors", markup=False)
            yield Static(f"Ctrl+S {t('save')} · Esc {t('cancel')}", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#hold-details", Input).value = self.draft.get("details", "")
        if self.choose_reason and self.draft.get("reason") in HOLD_REASONS:
            self.query_one("#hold-reason", Select).value = self.draft["reason"]
        self.query_one("#hold-details", Input).focus()

    def _reason(self) -> str | None:
        if not self.choose_reason:
            return None
        value = self.query_one("#hold-reason", Select).value
        return None if value is Select.NULL else str(value)

    @on(Select.Changed)
    @on(Input.Changed)
    def changed(self) -> None:
        self.keep_fields({"reason": self._reason() or "", "details": self.query_one("#hold-details", Input).value})

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        reason, details = self._reason(), self.query_one("#hold-details", Input).value.strip()
        errors = self.query_one("#hold-errors", Static)
        if self.choose_reason and reason is None:
            errors.update(label("hold_needs_reason", self.locale))
            self.query_one("#hold-reason", Select).focus()
            return
        if reason is not None and hold_details_problem(reason, details):
            errors.update(label(f"hold_needs_{reason}", self.locale))
            self.query_one("#hold-details", Input).focus()
            return
        self.dismiss((reason, details))

    def action_cancel(self) -> None:
        self.dismiss(None)
