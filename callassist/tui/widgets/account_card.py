"""The account at a glance: who, how to reach them, their time, what is owed, past promises."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_skeleton
from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from callassist.core.account import AccountSnapshot
from callassist.core.i18n import babel_locale, fmt_short_date, fmt_time, label, value_label
from callassist.core.money import Money, format_money
from callassist.core.priority import ACCOUNT_FACTS

MAX_INVOICES = 4
MAX_PROMISES = 3
CARD_WIDTH = 31  # the card's text at 80 columns, before it is laid out
INDENT = "   "


def fitted(fields: tuple[str, ...], last: str, width: int) -> str:
    """A card row: ` fields last`, the last field on a line of its own when the row would
    not fit (an invoice number or a date is never cut off)."""
    row = " " + " ".join(fields)
    if not last:
        return row
    return f"{row} {last}" if cell_len(row) + 1 + cell_len(last) <= width else f"{row}\n{INDENT}{last}"


def fmt_day(day: date, today: date, locale: str) -> str:
    """A date on the card: month and day within this year, with the year otherwise."""
    if day.year != today.year:
        return fmt_short_date(day, locale)
    return format_skeleton("Md", day, locale=babel_locale(locale))


class AccountCard(Static):
    """Every value comes from data, so it is built as Text and never parsed as markup."""

    def show(self, snapshot: AccountSnapshot, locale: str, now: datetime, class_days: tuple[int, ...], debt: bool = True) -> None:
        """The card; without what is owed (`debt` False) while someone not yet verified is
        on the line, so nothing on screen invites saying it to them."""
        local = snapshot.local_now(now)
        today = local.date()
        dpd = snapshot.days_past_due(today)
        money = lambda amount: format_money(Money(amount, snapshot.currency), locale)  # noqa: E731
        text = Text()
        text.append(snapshot.debtor + "\n", style="bold")
        text.append(" · ".join(filter(None, (snapshot.contact_name, snapshot.contact_role))) + "\n")
        width = self.content_size.width or CARD_WIDTH
        phone_label = label("phone", locale)
        # The number whole, on a line of its own when the card is narrow.
        text.append(phone_label + (" " if cell_len(f"{phone_label} {snapshot.phone}") <= width else "\n"), style="dim")
        text.append(snapshot.phone + "\n")
        text.append(f"{label('local_time', locale)} ", style="dim")
        text.append(f"{fmt_time(local, locale)} {local.tzname()}\n")
        facts = [label(f"fact_{fact}", locale) for fact in ACCOUNT_FACTS if fact in snapshot.flags]
        if facts and debt:
            text.append(" · ".join(facts) + "\n", style="bold magenta")
        for hold in snapshot.holds:  # collection is stopped: said before anything else about the debt
            text.append(f"{label('card_holds', locale)} ", style="bold white on red")
            text.append(f" {label('hold_' + hold.reason, locale)}\n", style="bold red")
            # When, and what was captured (a lawyer's number), on a line of its own: never cut off.
            text.append(f" {fmt_short_date(hold.placed_at.date(), locale)}" + (f" · {hold.details}" if hold.details else "") + "\n", style="red")
        if not debt:
            text.append(label("debt_hidden", locale), style="yellow")
            self.update(text)
            return
        text.append(f"{label('balance', locale)} ", style="dim")
        text.append(money(snapshot.balance), style="bold")
        overdue = sum((i.amount for i in snapshot.invoices if i.due < today), Decimal(0))
        upcoming = [i for i in snapshot.invoices if i.due >= today]
        if upcoming:  # what is owed but not due yet is not asked for as if it were late
            text.append("\n" + label("card_overdue", locale, amount=money(overdue)), style="bold" if overdue else "")
            text.append("\n" + label("card_not_yet_due", locale, amount=money(sum((i.amount for i in upcoming), Decimal(0))), date=fmt_short_date(min(i.due for i in upcoming), locale)), style="dim")
        text.append("\n" + label("days_late", locale, days=dpd) + f" · {label('class_' + snapshot.debt_class(today, class_days), locale)}\n")
        text.append(f"{label('invoices', locale)}\n", style="dim")
        invoices = sorted(snapshot.invoices, key=lambda i: i.due)
        day = lambda due: fmt_day(due, today, locale)  # noqa: E731
        for invoice in invoices[:MAX_INVOICES]:
            text.append(fitted((day(invoice.due), money(invoice.amount)), invoice.number, width) + "\n")
        if len(invoices) > MAX_INVOICES:
            text.append(f" +{len(invoices) - MAX_INVOICES}\n")
        text.append(f"{label('promises', locale)}\n", style="dim")
        if not snapshot.promises:
            text.append(f" {label('none', locale)}\n")
        for promise in snapshot.promises[:MAX_PROMISES]:
            style = {"broken": "red", "partly_kept": "yellow", "kept": "green", "superseded": "dim"}.get(promise.status, "")
            row = fitted((day(promise.due), money(promise.amount)), "", width)
            status = value_label("status", promise.status, locale)
            text.append(row)
            text.append((" " if cell_len(row) + 1 + cell_len(status) <= width else "\n" + INDENT) + status + "\n", style=style)
        text.rstrip()
        self.update(text)
