"""What has been done on an account that the script may speak of (a supervisor's):
referred to legal, supply stopped, final letter sent. Lines about lawyers, stopped supply
or a final letter are said only when the account records them (core/claims.py)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static

from callassist.core.i18n import label
from callassist.core.priority import ACCOUNT_FACTS


class FactsScreen(ModalScreen[frozenset[str] | None]):
    """Dismissed with the facts chosen, or None when cancelled."""

    CSS_PATH = "facts.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, locale: str, debtor: str, facts: frozenset[str]) -> None:
        super().__init__()
        self.locale = locale
        self.debtor = debtor
        self.facts = facts

    def compose(self) -> ComposeResult:
        with Vertical(id="facts-box"):
            yield Static(label("facts_title", self.locale, debtor=self.debtor), classes="title", markup=False)
            yield Static(label("facts_intro", self.locale), classes="intro", markup=False)
            yield SelectionList[str](*((label(f"fact_{fact}", self.locale), fact, fact in self.facts) for fact in ACCOUNT_FACTS), id="facts")
            yield Static(f"Space {label('facts_toggle', self.locale)} · Ctrl+S {label('save', self.locale)} · Esc {label('cancel', self.locale)}", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_save(self) -> None:
        self.dismiss(frozenset(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)
