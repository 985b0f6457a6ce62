"""Record a payment received on the highlighted account: amount, day, method, reference."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from callassist.core.i18n import label
from callassist.core.money import Money
from callassist.core.promises import METHODS, check_payment


class PaymentScreen(ModalScreen[tuple | None]):
    """Dismissed with (amount, paid_on, method, reference) once every field checks out."""

    CSS_PATH = "payment.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, locale: str, debtor: str, owed: Money, today: date) -> None:
        super().__init__()
        self.locale = locale
        self.debtor = debtor
        self.owed = owed
        self.currency = owed.currency
        self.today = today
        self.errors_shown = False

    def compose(self) -> ComposeResult:
        t = lambda key, **values: label(key, self.locale, **values)  # noqa: E731
        with Vertical(id="payment-box"):
            yield Static(Text(t("payment_title", debtor=self.debtor), style="bold"))
            yield Static(t("payment_amount", currency=self.currency), markup=False)
            yield Input(id="amount", compact=True, placeholder=t("payment_amount_placeholder"))
            yield Static(t("payment_date"), markup=False)
            yield Input(self.today.isoformat(), id="paid-on", compact=True)
            yield Static(t("payment_method"), markup=False)
            yield Select([(t(f"method_{m}"), m) for m in METHODS], value=METHODS[0], id="method", compact=True, allow_blank=False)
            yield Static(t("payment_reference"), markup=False)
            yield Input(id="reference", compact=True)
            yield Static(id="payment-errors")
            yield Static(Text(f"Ctrl+S {t('save')} · Esc {t('cancel')}", style="dim"))

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    @on(Input.Changed)
    def changed(self) -> None:
        if self.errors_shown:  # what is fixed is no longer said to be wrong
            self.show_errors(self.check()[1])

    def check(self) -> tuple:
        return check_payment(self.query_one("#amount", Input).value, self.query_one("#paid-on", Input).value, self.currency, self.today, self.owed)

    def show_errors(self, errors: list) -> None:
        self.errors_shown = bool(errors)
        text = Text(style="red")
        for error in errors:
            text.append(label(error.key, self.locale, **dict(error.params)) + "\n")
        text.rstrip()
        self.query_one("#payment-errors", Static).update(text)

    def action_save(self) -> None:
        checked, errors = self.check()
        if errors:
            self.show_errors(errors)
            return
        amount, paid_on = checked
        self.dismiss((amount, paid_on, str(self.query_one("#method", Select).value), self.query_one("#reference", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
