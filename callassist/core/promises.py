"""Promises to pay: what a collector types in, checked before anything is stored.

A promise is one or more dated amounts (a single payment, part now and the rest later,
or an instalment plan), a payment method, and the channel through which the debtor
confirms it in writing. "A promise is not a payment": it is stored `open` and followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from callassist.core.money import Money, MoneyError, parse_amount

METHODS = ("bank_transfer", "online", "cheque", "cash")
CHANNELS = ("email", "wechat", "sms", "fax", "letter")
# Days after an instalment's date before it is judged: bank transfers take a while.
DEFAULT_GRACE_DAYS = 3
_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


@dataclass(frozen=True)
class FieldError:
    """A problem in one field of the promise form, as a label key and its values."""

    field: str
    key: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Instalment:
    due: date
    amount: Decimal


@dataclass(frozen=True)
class Promise:
    currency: str
    total: Decimal
    instalments: tuple[Instalment, ...]
    method: str
    channel: str

    @property
    def first_due(self) -> date:
        return self.instalments[0].due

    def as_payload(self) -> dict[str, object]:
        return {
            "currency": self.currency,
            "total": str(self.total),
            "method": self.method,
            "channel": self.channel,
            "instalments": [{"due": i.due.isoformat(), "amount": str(i.amount)} for i in self.instalments],
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Promise:
        return cls(
            currency=payload["currency"],
            total=Decimal(payload["total"]),
            method=payload["method"],
            channel=payload["channel"],
            instalments=tuple(Instalment(date.fromisoformat(i["due"]), Decimal(i["amount"])) for i in payload["instalments"]),
        )


def parse_date(text: str) -> date | None:
    """A date as typed: 2026-12-01, 2026/12/1 or 2026年12月1日; None if not a real date."""
    match = _DATE_RE.match(text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


_CLOCK_RE = re.compile(r"^\s*(?:(?P<day>.+?)\s+)?(?P<hour>\d{1,2})\s*[:：]\s*(?P<minute>\d{2})\s*$")


def parse_when(text: str, local_now: datetime, day_starts: time) -> tuple[datetime, bool] | None:
    """A next contact as typed, in the debtor's local time, and whether a time of day was
    given: "2026-12-01 10:30", "10:30" (today), or a date alone (at the start of their
    working day). None if not understood."""
    match = _CLOCK_RE.match(text)
    if match is None:
        day = parse_date(text)
        return None if day is None else (datetime.combine(day, day_starts, local_now.tzinfo), False)
    day = parse_date(match["day"]) if match["day"] else local_now.date()
    hour, minute = int(match["hour"]), int(match["minute"])
    if day is None or hour > 23 or minute > 59:
        return None
    return datetime.combine(day, time(hour, minute), local_now.tzinfo), True


def check_payment(amount_text: str, date_text: str, currency: str, today: date, owed: Money | None = None) -> tuple[tuple[Decimal, date] | None, list[FieldError]]:
    """A payment typed in: a positive amount in the account's currency, no more than the
    account owes (an overpayment is not a balance below zero), paid on a real day that is
    not in the future."""
    errors: list[FieldError] = []
    amount = _amount(amount_text, currency, "amount", errors)
    if amount is not None and amount <= 0:
        errors.append(FieldError("amount", "err_amount_positive"))
    elif amount is not None and owed is not None and amount > owed.amount:
        errors.append(FieldError("amount", "err_overpayment", (("owed", str(owed.amount)), ("currency", owed.currency))))
    paid_on = parse_date(date_text)
    if paid_on is None:
        errors.append(FieldError("paid_on", "err_date", (("value", date_text.strip()),)))
    elif paid_on > today:
        errors.append(FieldError("paid_on", "err_paid_future", (("today", today.isoformat()),)))
    if errors or amount is None or paid_on is None:
        return None, errors
    return (amount, paid_on), []


def check_promise(
    total_text: str,
    rows: list[tuple[str, str]],
    method: str | None,
    channel: str | None,
    balance: Money,
    today: date,
    fee_allowance: Decimal = Decimal(0),
) -> tuple[Promise | None, list[FieldError]]:
    """Validate the form: total > 0 and within balance (+ configured fee), each row a
    future date and a positive amount, dates ascending, rows summing to the total."""
    errors: list[FieldError] = []
    currency = balance.currency
    total = _amount(total_text, currency, "total", errors)
    if total is not None:
        if total <= 0:
            errors.append(FieldError("total", "err_amount_positive"))
        elif total > balance.amount + fee_allowance:
            errors.append(FieldError("total", "err_above_balance", (("balance", str(balance.amount)),)))
    instalments: list[Instalment] = []
    filled = [(i, d, a) for i, (d, a) in enumerate(rows) if d.strip() or a.strip()]
    if not filled:
        errors.append(FieldError("row0.due", "err_need_date"))
    for index, due_text, amount_text in filled:
        due = parse_date(due_text)
        if due is None:
            errors.append(FieldError(f"row{index}.due", "err_date", (("value", due_text.strip()),)))
        elif due < today:
            errors.append(FieldError(f"row{index}.due", "err_date_past", (("today", today.isoformat()),)))
        amount_source = amount_text if amount_text.strip() or len(filled) > 1 else total_text
        amount = _amount(amount_source, currency, f"row{index}.amount", errors)
        if amount is not None and amount <= 0:
            errors.append(FieldError(f"row{index}.amount", "err_amount_positive"))
        if due is not None and amount is not None:
            instalments.append(Instalment(due, amount))
    if instalments and len(instalments) == len(filled):
        dues = [i.due for i in instalments]
        if dues != sorted(set(dues)):
            errors.append(FieldError("row0.due", "err_dates_order"))
        planned = sum((i.amount for i in instalments), Decimal(0))
        if total is not None and planned != total:
            errors.append(FieldError("total", "err_plan_sum", (("planned", str(planned)), ("total", str(total)))))
    if method not in METHODS:
        errors.append(FieldError("method", "err_choose_method"))
    if channel not in CHANNELS:
        errors.append(FieldError("channel", "err_choose_channel"))
    if errors or total is None or method is None or channel is None:
        return None, errors
    return Promise(currency, total, tuple(instalments), method, channel), []


def _amount(text: str, currency: str, field: str, errors: list[FieldError]) -> Decimal | None:
    if not text.strip():
        errors.append(FieldError(field, "err_amount_required"))
        return None
    try:
        return parse_amount(text, currency)
    except MoneyError as exc:
        errors.append(FieldError(field, "err_amount", (("detail", str(exc)),)))
        return None


# Following a promise through: payments are matched to what is due, and each instalment
# is judged once its date and the grace period have passed.


@dataclass(frozen=True)
class OpenInstalment:
    """An instalment still waiting for money: `key` is whatever the store needs to find it."""

    key: object
    promised_on: date  # the day the promise was made
    due: date
    amount: Decimal
    paid: Decimal


def match_payment(amount: Decimal, paid_on: date, open_instalments: list[OpenInstalment], grace_days: int) -> tuple[list[tuple[object, Decimal]], Decimal]:
    """Share a payment among open instalments, earliest due first: only those promised by
    the day it was paid and not yet past their grace period take from it. Returns what
    each took and what is left over."""
    taken: list[tuple[object, Decimal]] = []
    left = amount
    for instalment in sorted(open_instalments, key=lambda i: (i.due, i.promised_on)):
        if left <= 0:
            break
        if instalment.promised_on > paid_on or paid_on > instalment.due + timedelta(days=grace_days):
            continue
        share = min(left, instalment.amount - instalment.paid)
        if share > 0:
            taken.append((instalment.key, share))
            left -= share
    return taken, left


def judge_instalment(due: date, amount: Decimal, paid: Decimal, today: date, grace_days: int) -> str:
    """open, or once settled: kept (paid in full, whenever that happened), or after the
    grace period: partly_kept (some paid) or broken (nothing paid)."""
    if paid >= amount:
        return "kept"
    if today <= due + timedelta(days=grace_days):
        return "open"
    return "partly_kept" if paid > 0 else "broken"


def judge_promise(statuses: list[str], paid: Decimal) -> str:
    """A promise is kept when every instalment is; as soon as one is not, it is broken
    (nothing paid toward it) or partly kept; until then it stays open."""
    if all(status == "kept" for status in statuses):
        return "kept"
    if any(status in ("broken", "partly_kept") for status in statuses):
        return "partly_kept" if paid > 0 else "broken"
    return "open"


def outstanding(amounts: list[Decimal], paid: Decimal) -> list[Decimal]:
    """What is still owed on each of `amounts` (in due order) once `paid` has settled the
    oldest first."""
    left: list[Decimal] = []
    for amount in amounts:
        covered = min(amount, max(paid, Decimal(0)))
        paid -= covered
        left.append(amount - covered)
    return left


def open_position(invoices: list[tuple[date, Decimal]], paid: Decimal) -> tuple[Decimal, date | None]:
    """The balance and the due date of the oldest invoice not yet covered, when payments
    settle the oldest invoices first."""
    if not paid and invoices and all(amount > 0 for _, amount in invoices):  # as an import finds most accounts
        return sum((amount for _, amount in invoices), Decimal(0)), min(due for due, _ in invoices)
    ordered = sorted(invoices)
    balance = sum((amount for _, amount in ordered), Decimal(0)) - paid
    owed = outstanding([amount for _, amount in ordered], paid)
    return balance, next((due for (due, _), left in zip(ordered, owed) if left > 0), None)
