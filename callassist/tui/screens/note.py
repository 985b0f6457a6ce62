"""A note at any moment of the call; what is typed is kept as a draft until saved."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from callassist.core.i18n import label


class NoteScreen(ModalScreen[str | None]):
    CSS_PATH = "note.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, call_id: str, locale: str) -> None:
        super().__init__()
        self.call_id = call_id
        self.locale = locale

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static(label("note", self.locale), classes="title", markup=False)
            yield Input(placeholder=label("note_placeholder", self.locale), id="note-input")
            yield Static(f"Enter {label('save', self.locale)} · Esc {label('cancel', self.locale)}", classes="hint", markup=False)

    def on_mount(self) -> None:
        draft = self.app.workspace.drafts.load(self.call_id, "note")
        field = self.query_one(Input)
        if draft:
            field.value = draft.get("text", "")
        field.focus()

    @on(Input.Changed)
    def keep_draft(self, event: Input.Changed) -> None:
        self.save_draft(event.value)

    @work(thread=True, exclusive=True, group="draft")
    def save_draft(self, text: str) -> None:
        self.app.workspace.drafts.save(self.call_id, "note", {"text": text})

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
