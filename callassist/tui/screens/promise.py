"""The written promise: total, one or more dated payments, method, and the channel by
which the debtor confirms it in writing. Checked before anything is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from callassist.core.i18n import label
from callassist.core.money import Money, format_money
from callassist.core.promises import CHANNELS, METHODS, FieldError, Promise, check_promise
from callassist.tui.screens.drafted import DraftedForm

MAX_ROWS = 12


class PromiseScreen(DraftedForm[Promise | None]):
    CSS_PATH = "promise.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        Binding("f2", "add_row", "+"),
        Binding("f3", "remove_row", "-"),
    ]

    def __init__(self, balance: Money, today: date, fee_allowance: Decimal, locale: str, draft: dict, keep: Callable[[dict], None]) -> None:
        super().__init__(draft, keep)
        self.balance = balance
        self.today = today
        self.fee_allowance = fee_allowance
        self.locale = locale
        self.row_count = 0
        self.errors_shown = False

    def compose(self) -> ComposeResult:
        t = lambda key, **v: label(key, self.locale, **v)  # noqa: E731
        with Vertical(id="promise-box"):
            yield Static(t("promise_title"), classes="title", markup=False)
            with VerticalScroll(id="promise-fields"):
                yield Label(t("promise_total", currency=self.balance.currency, balance=format_money(self.balance, self.locale)), markup=False)
                yield Input(str(self.balance.amount), id="total", compact=True, select_on_focus=True)
                yield Label(t("promise_rows"), markup=False)
                with Vertical(id="rows"):
                    for due, amount in self.draft.get("rows") or [["", ""]]:
                        yield self._row(due, amount)
                with Horizontal(classes="buttons"):
                    yield self._key_button(f"F2 {t('promise_add_row')}", "add-row")
                    yield self._key_button(f"F3 {t('promise_remove_row')}", "remove-row")
                with Horizontal(id="how"):
                    with Vertical():
                        yield Label(t("promise_method"), markup=False)
                        yield Select([(t(f"method_{m}"), m) for m in METHODS], id="method", compact=True, prompt="—")
                    with Vertical():
                        yield Label(t("promise_channel"), markup=False)
                        yield Select([(t(f"channel_{c}"), c) for c in CHANNELS], id="channel", compact=True, prompt="—")
            yield Static(id="promise-errors")
            with Horizontal(classes="buttons"):
                yield Button(f"Ctrl+S {t('save')}", id="save", variant="primary", compact=True)
                yield Button(f"Esc {t('cancel')}", id="cancel", compact=True)

    def on_mount(self) -> None:
        if "total" in self.draft:
            self.query_one("#total", Input).value = self.draft["total"]
        for name in ("method", "channel"):
            if self.draft.get(name):
                self.query_one(f"#{name}", Select).value = self.draft[name]
        # From the top: the total (the balance, selected: typing replaces it), then the dates.
        self.query_one("#total", Input).focus()

    @staticmethod
    def _key_button(text: str, button_id: str) -> Button:
        """A button its key already works; Tab passes it by, from the amounts to the method."""
        button = Button(text, id=button_id, compact=True)
        button.can_focus = False
        return button

    def _row(self, due: str = "", amount: str = "") -> Horizontal:
        n = self.row_count
        self.row_count += 1
        return Horizontal(
            Static(f"{n + 1:>2}", classes="row-number"),
            Input(due, placeholder=label("promise_date", self.locale), id=f"row-{n}-due", classes="due", compact=True),
            Input(amount, placeholder=label("promise_amount", self.locale), id=f"row-{n}-amount", classes="amount", compact=True),
            id=f"row-{n}",
            classes="row",
        )

    async def action_add_row(self) -> None:
        if self.row_count >= MAX_ROWS:
            return
        row = self._row()
        await self.query_one("#rows", Vertical).mount(row)
        row.query_one(".due", Input).focus()

    async def action_remove_row(self) -> None:
        if self.row_count > 1:
            self.row_count -= 1
            await self.query_one(f"#row-{self.row_count}").remove()
            self.keep_draft()

    def fields(self) -> dict:
        def value(name: str) -> str | None:
            selected = self.query_one(f"#{name}", Select).value
            return None if selected is Select.NULL else str(selected)

        rows = [[self.query_one(f"#row-{n}-due", Input).value, self.query_one(f"#row-{n}-amount", Input).value] for n in range(self.row_count)]
        return {"total": self.query_one("#total", Input).value, "rows": rows, "method": value("method"), "channel": value("channel")}

    @on(Input.Changed)
    @on(Select.Changed)
    def keep_draft(self) -> None:
        if self.row_count and self.is_mounted:
            self.keep_fields(self.fields())
            if self.errors_shown:  # what is fixed is no longer said to be wrong
                self.show_errors(self.check()[1], move_focus=False)

    @on(Button.Pressed)
    async def pressed(self, event: Button.Pressed) -> None:
        button = event.button.id
        if button == "add-row":
            await self.action_add_row()
        elif button == "remove-row":
            await self.action_remove_row()
        elif button == "save":
            self.action_save()
        else:
            self.action_cancel()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def check(self) -> tuple[Promise | None, list[FieldError]]:
        fields = self.fields()
        return check_promise(fields["total"], [tuple(r) for r in fields["rows"]], fields["method"], fields["channel"], self.balance, self.today, self.fee_allowance)

    def action_save(self) -> None:
        promise, errors = self.check()
        if errors:
            self.show_errors(errors)
            return
        self.dismiss(promise)

    def show_errors(self, errors: list[FieldError], move_focus: bool = True) -> None:
        """Each error by its field; the cursor to the first, unless the collector is typing."""
        self.errors_shown = bool(errors)
        text = Text(style="red")
        for error in errors:
            text.append(self.field_name(error.field) + ("：" if self.locale == "zh" else ": "), style="bold red")
            text.append(label(error.key, self.locale, **dict(error.params)) + "\n")
        text.rstrip()
        self.query_one("#promise-errors", Static).update(text)
        if not errors or not move_focus:
            return
        first = errors[0].field
        widget_id = {"total": "total", "method": "method", "channel": "channel"}.get(first) or first.replace("row", "row-").replace(".", "-")
        self.query_one(f"#{widget_id}").focus()

    def field_name(self, field: str) -> str:
        if field.startswith("row"):
            index, part = field[3:].split(".")
            return label("field_due" if part == "due" else "field_amount", self.locale, n=int(index) + 1)
        return label(f"field_{field}", self.locale)

    def action_cancel(self) -> None:
        self.dismiss(None)
