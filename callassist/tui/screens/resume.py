"""Offer to resume a call that was interrupted (a crash, a killed terminal)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from callassist.core.calls import UnfinishedCall
from callassist.core.i18n import fmt_datetime, label


class ResumeScreen(ModalScreen[bool]):
    CSS_PATH = "resume.tcss"
    BINDINGS = [Binding("escape", "later", "Later"), Binding("y", "resume", "Resume"), Binding("enter", "resume", "Resume")]

    def __init__(self, unfinished: UnfinishedCall, step_label: str, locale: str) -> None:
        super().__init__()
        self.unfinished = unfinished
        self.step_label = step_label
        self.locale = locale

    def compose(self) -> ComposeResult:
        when = fmt_datetime(self.unfinished.started_at.astimezone(), self.locale)
        with Vertical(id="resume-box"):
            yield Static(label("resume_title", self.locale), classes="title", markup=False)
            yield Static(label("resume_body", self.locale, debtor=self.unfinished.debtor, step=self.step_label, when=when), markup=False)
            with Horizontal(classes="buttons"):
                yield Button(f"y {label('resume', self.locale)}", id="resume", variant="primary", compact=True)
                yield Button(f"Esc {label('later', self.locale)}", id="later", compact=True)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "resume")

    def action_resume(self) -> None:
        self.dismiss(True)

    def action_later(self) -> None:
        self.dismiss(False)
