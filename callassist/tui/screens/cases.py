"""Which case of an excuse the debtor means (deflect: the accountant is away, the invoice
never came, the signer is away, waiting on their own customer): one key each, or Enter
for the excuse's own ladder."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from callassist.core.i18n import label


class CasePickerScreen(ModalScreen[str | None]):
    """Dismissed with the ladder chosen (deflect or deflect.signer_away), or None."""

    CSS_PATH = "cases.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, locale: str, excuse_name: str, ladders: list[tuple[str, str]]) -> None:
        """`ladders`: (ladder, name), the excuse's own first, then its cases'."""
        super().__init__()
        self.locale = locale
        self.excuse_name = excuse_name
        self.ladders = ladders

    def compose(self) -> ComposeResult:
        with Vertical(id="cases-box"):
            yield Static(label("cases_title", self.locale, excuse=self.excuse_name), classes="title", markup=False)
            yield OptionList(*(Option(f"{index}  {name}", id=ladder) for index, (ladder, name) in enumerate(self.ladders)), id="cases")
            yield Static(label("cases_hint", self.locale, last=len(self.ladders) - 1), classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit() and int(event.character) < len(self.ladders):
            event.stop()
            self.dismiss(self.ladders[int(event.character)][0])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
