"""Every key that works now, in the collector's language."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from callassist.core.call import Choice
from callassist.core.i18n import label


class KeysScreen(ModalScreen[None]):
    CSS_PATH = "keys.tcss"
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, locale: str, choices: list[Choice] | None, extra: list[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.locale = locale
        self.choices = choices  # None: the worklist's keys
        self.extra = list(extra)  # the call's other keys that work now

    def rows(self) -> list[tuple[str, str]]:
        """Every key that works on the screen below, with what it does."""
        t = lambda key: label(key, self.locale)  # noqa: E731
        rows: list[tuple[str, str]] = []
        if self.choices is None:
            rows += [("↑ ↓", t("worklist")), ("Enter", t("start_call")), ("n", t("next_call_long")), ("r", t("reload")), ("p", t("practice")), ("m", t("payment_key")), ("v", t("calls_key")), ("f", t("dashboard_key")), ("q", t("quit"))]
            return rows + [("Ctrl+P", t("find_account_key")), ("?", t("help"))]
        rows += [(c.key, c.label) for c in self.choices] + self.extra
        return rows + [("Ctrl+P", t("find_account_key")), ("?", t("help"))]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold reverse", justify="center")
        table.add_column()
        for key, words in self.rows():
            table.add_row(Text(f" {key} "), Text(words))
        with VerticalScroll(id="keys-box"):
            yield Static(Text(label("help", self.locale), style="bold"))
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
