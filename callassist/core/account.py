"""An account as the collector sees it, and the template context built from it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from callassist.core.compliance import Hold
from callassist.core.context import CallContext, InvoiceView, PastPromiseView
from callassist.core.flow import NOT_DIALLED, UNANSWERED
from callassist.core.i18n import fmt_date, fmt_time, label, value_label
from callassist.core.money import Money, format_money
from callassist.core.names import salutation
from callassist.core.priority import DEFAULT_CLASS_DAYS, debt_class
from callassist.core.promises import Promise


@dataclass(frozen=True)
class InvoiceLine:
    number: str
    issued: date
    due: date
    amount: Decimal


@dataclass(frozen=True)
class PastPromise:
    amount: Decimal
    due: date
    status: str
    paid: Decimal = Decimal(0)  # what payments have covered of it so far
    # Its first instalment not yet paid in full: what is still to come, and when (None: nothing is).
    next_due: date | None = None
    next_amount: Decimal | None = None
    payments: int = 1  # how many instalments: a plan has more than one
    last_due: date | None = None  # when its last instalment falls due


@dataclass(frozen=True)
class AccountSnapshot:
    """What the store knows of one account at the moment a call starts."""

    account_id: int
    debtor: str
    contact_name: str
    contact_role: str
    phone: str
    timezone: str
    currency: str
    balance: Decimal
    invoices: tuple[InvoiceLine, ...]
    promises: tuple[PastPromise, ...]  # newest first
    flags: tuple[str, ...] = ()  # warning signs on the account
    work_starts: time | None = None  # when the debtor's working day starts, local time
    contact_stop: str | None = None  # what the contact asked (core/compliance.py STOPS)
    holds: tuple[Hold, ...] = ()  # in force on the account or its debtor when the call started
    debtor_kind: str = "company"  # company or consumer
    # Calls on the account since anyone last spoke with someone there, that reached nobody
    # or a machine: what a collector may truthfully say of the calls they made.
    missed_calls: int = 0
    salutation: str = ""  # how the contact is addressed, when the ledger says (else derived: core/names.py)

    def with_promise(self, promise: Promise) -> AccountSnapshot:
        """The account once a promise is made on the call: it is the open one, and any
        promise open before is superseded (as the ledger stores it)."""
        earlier = tuple(replace(past, status="superseded") if past.status == "open" else past for past in self.promises)
        first = promise.instalments[0]
        made = PastPromise(promise.total, promise.first_due, "open", Decimal(0), first.due, first.amount, len(promise.instalments), promise.instalments[-1].due)
        return replace(self, promises=(made,) + earlier)

    @property
    def broken_promises(self) -> int:
        return sum(1 for p in self.promises if p.status in ("broken", "partly_kept"))

    def debt_class(self, today: date, class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS) -> str:
        return debt_class(self.days_past_due(today), self.broken_promises, self.flags, class_days)

    @property
    def money(self) -> Money:
        return Money(self.balance, self.currency)

    def local_now(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.timezone))

    def card(self, collector: str, started: datetime) -> dict[str, Any]:
        """The account as a call's first event shows it: who calls whom, the number, the
        balance, and the debtor's own time when the call starts."""
        return {
            "collector": collector,
            "debtor": self.debtor,
            "contact": self.contact_name,
            "phone": self.phone,
            "balance": str(self.balance),
            "currency": self.currency,
            "debtor_local_time": self.local_now(started).isoformat(),
        }

    def days_past_due(self, today: date) -> int:
        if not self.invoices:
            return 0
        return max(0, (today - min(i.due for i in self.invoices)).days)


def calls_missed(outcomes: Iterable[str | None]) -> int:
    """Of the outcomes of an account's calls, newest first: how many in a row reached nobody
    or a machine (calls left before dialling do not count, and do not end the run)."""
    count = 0
    for outcome in outcomes:
        if outcome == NOT_DIALLED:
            continue
        if outcome not in UNANSWERED:
            break
        count += 1
    return count


def greeting_key(local: datetime) -> str:
    if local.hour < 12:
        return "greeting_morning"
    if local.hour < 18:
        return "greeting_afternoon"
    return "greeting_evening"


def build_context(snapshot: AccountSnapshot, *, locale: str, collector: str, creditor: str, now: datetime, class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS, recording_notice: bool = False) -> CallContext:
    """The values a template may use, formatted for the locale at the debtor's local time
    (`recording_notice`: see CallContext)."""
    local = snapshot.local_now(now)
    today = local.date()

    def money(amount: Decimal) -> str:
        return format_money(Money(amount, snapshot.currency), locale)

    invoices = tuple(InvoiceView(i.number, fmt_date(i.issued, locale), fmt_date(i.due, locale), money(i.amount), max(0, (today - i.due).days)) for i in sorted(snapshot.invoices, key=lambda i: i.due))
    last = snapshot.promises[0] if snapshot.promises else None
    last_view = (
        PastPromiseView(
            money(last.amount),
            fmt_date(last.due, locale),
            last.status,
            value_label("status", last.status, locale),
            money(last.paid),
            money(last.next_amount) if last.next_amount is not None else None,
            fmt_date(last.next_due, locale) if last.next_due else None,
            last.payments,
            fmt_date(last.last_due or last.due, locale),
        )
        if last
        else None
    )
    dpd = snapshot.days_past_due(today)
    overdue = sum((i.amount for i in snapshot.invoices if i.due < today), Decimal(0))
    upcoming = [i for i in snapshot.invoices if i.due >= today]
    return CallContext(
        recording_notice=recording_notice,
        locale=locale,
        collector=collector,
        creditor=creditor,
        debtor=snapshot.debtor,
        debtor_kind=snapshot.debtor_kind,
        missed_calls=snapshot.missed_calls,
        contact_name=snapshot.contact_name,
        contact_role=snapshot.contact_role,
        salutation=snapshot.salutation or salutation(snapshot.contact_name, snapshot.contact_role, locale, consumer=snapshot.debtor_kind == "consumer"),
        phone=snapshot.phone,
        balance=money(snapshot.balance),
        overdue=money(overdue) if overdue > 0 else None,
        not_yet_due=money(sum((i.amount for i in upcoming), Decimal(0))) if upcoming else None,
        next_due=fmt_date(min(i.due for i in upcoming), locale) if upcoming else None,
        next_due_amount=money(sum((i.amount for i in upcoming if i.due == min(u.due for u in upcoming)), Decimal(0))) if upcoming else None,
        currency=snapshot.currency,
        days_past_due=dpd,
        debt_class=label(f"class_{snapshot.debt_class(today, class_days)}", locale),
        invoices=invoices,
        oldest_invoice=invoices[0] if invoices else None,
        last_promise=last_view,
        broken_promises=snapshot.broken_promises,
        today=fmt_date(today, locale),
        debtor_local_time=fmt_time(local, locale),
        greeting=label(greeting_key(local), locale),
        legal_referred="legal_referred" in snapshot.flags,
        supply_stopped="supply_stopped" in snapshot.flags,
        final_letter_sent="final_letter_sent" in snapshot.flags,
    )
