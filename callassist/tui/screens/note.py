"""One line of text during a call (a note, an override's reason); what is typed is kept
as a draft until saved."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from callassist.core.i18n import label
from callassist.tui.screens.drafted import DraftedForm


class NoteScreen(DraftedForm[str | None]):
    CSS_PATH = "note.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, locale: str, draft: dict, keep: Callable[[dict], None], title: str | None = None, intro: str = "", placeholder: str | None = None, check: Callable[[str], list[str]] | None = None) -> None:
        super().__init__(draft, keep, check)
        self.locale = locale
        self.title_text = title or label("note", locale)
        self.intro = intro
        self.placeholder = placeholder or label("note_placeholder", locale)

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static(self.title_text, classes="title", markup=False)
            if self.intro:
                yield Static(self.intro, classes="intro", markup=False)
            yield Static(id="note-warning", markup=False)
            yield Input(placeholder=self.placeholder, id="note-input")
            yield Static(f"Enter {label('save', self.locale)} · Esc {label('cancel', self.locale)}", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#note-warning", Static).display = False
        field = self.query_one(Input)
        field.value = self.draft.get("text", "")
        field.focus()

    @on(Input.Changed)
    def keep_draft(self, event: Input.Changed) -> None:
        self.keep_fields({"text": event.value})

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        problems = self.warnings_first(text)
        if problems:
            warning = self.query_one("#note-warning", Static)
            warning.update("\n".join(problems + [label("note_check", self.locale)]))
            warning.display = True
            return
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
