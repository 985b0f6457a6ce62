"""Ledger files as collectors' back offices export them: accounts with their invoices, and
payments received. Every row is checked before anything is stored, and every problem is
reported as `file:line: column: problem`, so one pass over the file fixes them all.

Files are UTF-8 (with or without a byte-order mark) or, for Chinese files, GBK.
"""

from __future__ import annotations

import csv
import difflib
import gc
import io
import operator
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import NamedTuple

from callassist.core.money import MAX_WHOLE_DIGITS, MoneyError, check_currency, currency_places, parse_amount
from callassist.core.names import TEAM_POOL, user_name_problem
from callassist.core.priority import ACCOUNT_FACTS, WARNING_SIGNS, parse_flags
from callassist.core.promises import parse_date

# A ledger file's columns: each name, whether it is required, and what it holds.
Columns = dict[str, tuple[bool, str]]
ACCOUNT_COLUMNS: Columns = {
    "debtor_id": (True, "the debtor's id in your ledger"),
    "debtor_name": (True, "company or person"),
    "debtor_kind": (False, "company (default) or consumer"),
    "timezone": (True, "the debtor's IANA time zone, e.g. Asia/Shanghai"),
    "work_starts": (False, "when the debtor's working day starts, HH:MM local"),
    "income_day": (False, "day of the month their money comes in, 1-31"),
    "contact_name": (True, "the person to ask for"),
    "contact_role": (False, "e.g. finance manager"),
    "salutation": (False, "how the collector addresses them, e.g. 陈经理 or Ms Mitchell (default: worked out from name and role)"),
    "phone": (True, "the contact's phone number"),
    "account_id": (True, "the account's id in your ledger"),
    "collector": (False, "who owns the account (default: who imports)"),
    "currency": (True, "ISO 4217 code, e.g. CNY"),
    "flags": (False, f"warning signs and facts, separated by ';': {', '.join(WARNING_SIGNS + ACCOUNT_FACTS)}"),
    "invoice_number": (True, "unique within the account"),
    "invoice_date": (True, "YYYY-MM-DD"),
    "due_date": (True, "YYYY-MM-DD"),
    "amount": (True, "what is still owed on the invoice, e.g. 12500.00"),
}
PAYMENT_COLUMNS: Columns = {
    "payment_id": (True, "the payment's id in your ledger (a bank reference will do)"),
    "account_id": (True, "the account it was paid on"),
    "paid_on": (True, "YYYY-MM-DD"),
    "amount": (True, "e.g. 5000.00"),
    "currency": (False, "must be the account's currency when given"),
    "method": (False, "e.g. bank_transfer"),
    "reference": (False, "free text"),
}
DEBTOR_KINDS = ("company", "consumer")


@dataclass(frozen=True)
class RowProblem:
    path: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.column}: {self.message}"


class LedgerFileError(Exception):
    """A file that cannot be imported; carries every problem found, in file order."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class InvoiceIn(NamedTuple):
    line: int
    number: str
    issued_on: date
    due_on: date
    amount: Decimal


@dataclass(slots=True)
class AccountIn:
    """One account with its debtor, contact and invoices, as the file says them."""

    line: int
    external_id: str
    debtor_id: str
    debtor_name: str
    debtor_kind: str
    timezone: str
    work_starts: str | None
    income_day: int | None
    contact_name: str
    contact_role: str
    salutation: str
    phone: str
    collector: str | None
    currency: str
    flags: str
    invoices: list[InvoiceIn] = field(default_factory=list)


@dataclass(frozen=True)
class PaymentIn:
    line: int
    external_id: str
    account_id: str
    paid_on: date
    amount: Decimal
    currency: str | None
    method: str
    reference: str


@contextmanager
def gc_paused() -> Generator[None]:
    """Python's cycle collector kept out of a large import: it would walk the millions
    of objects being built over and over (a third of the time at 100,000 rows, more
    beyond), and those objects hold no cycles to collect."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def read_text(path: Path) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped), else GBK when the whole file
    is GBK and nothing in it reads as UTF-8. LedgerFileError when it is neither (with the
    line and column of the first byte UTF-8 cannot read), or cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LedgerFileError([RowProblem(str(path), 0, "file", f"cannot be read: {exc.strerror or exc}")]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as utf8:
        if not _reads_as_utf8(raw):
            try:
                return raw.decode("gb18030")
            except UnicodeDecodeError:
                pass
        start = raw.rfind(b"\n", 0, utf8.start) + 1
        line = raw.count(b"\n", 0, utf8.start) + 1
        column = len(raw[start : utf8.start].decode("utf-8", errors="replace")) + 1
        raise LedgerFileError([RowProblem(str(path), line, "file", f"column {column}: byte 0x{raw[utf8.start]:02X} is not UTF-8 text (nor is the file GBK): save it as UTF-8 CSV")]) from None


def _reads_as_utf8(raw: bytes) -> bool:
    """A UTF-8 file with a stray byte or two, rather than a GBK one: more of its non-ASCII
    text reads as UTF-8 than not (GBK text seldom forms a valid UTF-8 sequence, Chinese
    UTF-8 text always does)."""
    text = raw.decode("utf-8", errors="replace")
    unreadable = text.count("\ufffd")
    readable = sum(1 for char in text if char > "\x7f") - unreadable
    return readable > unreadable


MAX_COLUMNS = 64  # a ledger file has 17 at most; a header far wider is not one
MAX_LINE = 4096  # characters in one row: a row of a ledger is a few hundred
MAX_SALUTATION = 40  # 陈经理, Ms Mitchell: a few words, said aloud at every step
# Characters refused in any value: control characters, invisible formatting (byte-order
# marks, zero-width spaces, direction overrides), unassigned and private-use code points.
_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def _hidden_character(values: list[str]) -> tuple[int, str] | None:
    """The first value holding a character nobody sees or types on purpose: (its index,
    what to say of it)."""
    for index, value in enumerate(values):
        if value.isprintable():
            continue
        for position, char in enumerate(value, 1):
            if unicodedata.category(char) in _HIDDEN:
                name = unicodedata.name(char, "")
                return index, f"character {position} is U+{ord(char):04X}" + (f" ({name.lower()})" if name else "") + ", a control or invisible character: remove it"
    return None


def _rows(path: Path, columns: Columns, problems: list[RowProblem]) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(line, values) for each data row, the values stripped and in the order of `columns`
    ("" for an optional column the file leaves out); header and shape problems are added
    to `problems`. Lines are those an editor shows (a quoted value may span lines)."""
    shown = str(path)
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        problems.append(RowProblem(shown, 1, "header", f"the file is empty; the first line names the columns: {', '.join(columns)}"))
        return
    except csv.Error as exc:
        problems.append(RowProblem(shown, 1, "header", f"not CSV: {exc}"))
        return
    if len(header) > MAX_COLUMNS:
        problems.append(RowProblem(shown, 1, "header", f"{len(header)} columns, where a ledger file has at most {MAX_COLUMNS}: is this the right file? The columns are: {', '.join(columns)}"))
        return
    if hidden := _hidden_character(header):
        problems.append(RowProblem(shown, 1, "header", f"column {hidden[0] + 1}: {hidden[1]}"))
        return
    missing = [name for name, (required, _) in columns.items() if required and name not in header]
    if missing:
        problems.append(RowProblem(shown, 1, "header", f"missing {'columns' if len(missing) > 1 else 'column'} {', '.join(missing)}; the columns are: {', '.join(columns)}"))
    for name in header:
        if name not in columns:
            close = difflib.get_close_matches(name, list(columns), n=1)
            hint = f" (did you mean {close[0]}?)" if close else f"; the columns are: {', '.join(columns)}"
            problems.append(RowProblem(shown, 1, name or "header", f"unknown column{hint}"))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(RowProblem(shown, 1, name, "the column appears twice"))
        seen.add(name)
    if problems:
        return
    # A column the file leaves out is read from the "" put after each row's values.
    pick = operator.itemgetter(*(header.index(name) if name in header else len(header) for name in columns))
    width = len(header)
    line = reader.line_num + 1
    try:
        for values in reader:
            if len(values) == width:
                values = list(map(str.strip, values))
                if sum(map(len, values)) > MAX_LINE:
                    problems.append(RowProblem(shown, line, "row", f"{sum(map(len, values))} characters, where a row holds at most {MAX_LINE}"))
                else:
                    if hidden := _hidden_character(values):  # reported, and the row checked on
                        problems.append(RowProblem(shown, line, header[hidden[0]], hidden[1]))
                    if any(values):
                        values.append("")
                        yield line, pick(values)
            elif values and any(value.strip() for value in values):
                problems.append(RowProblem(shown, line, "row", f"{len(values)} values, but the header names {width} columns"))
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(RowProblem(shown, line, "row", f"a value of more than {csv.field_size_limit()} characters, where a row holds at most {MAX_LINE}" if "field larger" in str(exc) else f"not CSV: {exc}"))


@cache
def _zone_problem(name: str) -> str | None:
    if not name:
        return "a time zone is required, e.g. Asia/Shanghai"
    if re.fullmatch(r"(?:UTC|GMT)?\s*[+-]\s*\d{1,2}(?::?\d{2})?", name, re.IGNORECASE):
        return f"{name!r} is an offset from UTC, not a time zone (offsets move with summer time): use the IANA name of the debtor's place, e.g. Asia/Shanghai, Europe/Berlin, America/New_York"
    try:
        zoneinfo.ZoneInfo(name)
        return None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1)
        return f"unknown time zone {name!r}" + (f" (did you mean {close[0]}?)" if close else "; use an IANA name such as Asia/Shanghai or America/New_York")


@cache
def _currency_problem(code: str) -> str | None:
    try:
        check_currency(code)
        return None
    except MoneyError as exc:
        return str(exc)


@cache
def _plain_amount(currency: str | None) -> re.Pattern[str]:
    """What a ledger usually holds, digits in the currency's places: read at once, where
    money.parse_amount would also look for what is wrong."""
    places = currency_places(currency) if currency and _currency_problem(currency) is None else 6
    return re.compile(rf"[0-9]{{1,{MAX_WHOLE_DIGITS}}}" + (rf"(?:\.[0-9]{{1,{places}}})?" if places else ""))


def _amount(text: str, currency: str | None, number_format: str) -> tuple[Decimal | None, str | None]:
    """A positive amount, as money.parse_amount reads it (in the currency's decimal places
    when the currency is known), or the problem with it."""
    if _plain_amount(currency).fullmatch(text):
        value = Decimal(text)
    else:
        try:
            value = parse_amount(text, currency if currency and _currency_problem(currency) is None else None, number_format)
        except MoneyError as exc:
            return None, str(exc)
    if value <= 0:
        return None, f"{text!r}: the amount must be above zero"
    return value, None


def _date(text: str) -> tuple[date | None, str | None]:
    try:
        return date.fromisoformat(text), None
    except ValueError:
        found = parse_date(text)
        if found is None:
            return None, f"{text!r} is not a real date: use YYYY-MM-DD, e.g. 2026-11-30" if text else "a date is required, YYYY-MM-DD"
        return found, None


@cache
def _work_starts(text: str) -> tuple[str | None, str | None]:
    try:
        return time.fromisoformat(text).strftime("%H:%M"), None
    except ValueError:
        return text, f"{text!r} is not a time of day: use HH:MM, e.g. 08:30"


@cache
def _income_day(text: str) -> tuple[int | None, str | None]:
    if text.isdigit() and 1 <= int(text) <= 31:
        return int(text), None
    return None, f"{text!r}: use a day of the month, 1 to 31"


@cache
def _flags(text: str) -> tuple[str, tuple[str, ...]]:
    """The warning signs and facts as stored ("moving,legal_referred"), and the problem
    with each unknown one."""
    flags = parse_flags(text)
    known = WARNING_SIGNS + ACCOUNT_FACTS
    problems: list[str] = []
    for flag in flags:
        if flag not in known:
            close = difflib.get_close_matches(flag, known, n=1)
            problems.append(f"unknown warning sign or fact {flag!r}" + (f" (did you mean {close[0]}?)" if close else f"; use {', '.join(known)}"))
    return ",".join(flags), tuple(problems)


def read_accounts(path: Path, progress: Callable[[int], None] | None = None, number_format: str = "plain") -> list[AccountIn]:
    """Every account of an accounts file (one row per invoice), checked; LedgerFileError
    with every problem when any row is wrong. `progress(n)` hears of every n rows read."""
    with gc_paused():
        return _read_accounts(path, progress, number_format)


# ACCOUNT_COLUMNS up to the invoice's own: what the rows of one account repeat.
_ACCOUNT_PART = list(ACCOUNT_COLUMNS).index("invoice_number")


def _read_accounts(path: Path, progress: Callable[[int], None] | None, number_format: str) -> list[AccountIn]:
    problems: list[RowProblem] = []
    shown = str(path)
    accounts: dict[str, AccountIn] = {}
    debtors: dict[str, AccountIn] = {}
    line = 0

    def report(column: str, message: str | None) -> None:
        if message:
            problems.append(RowProblem(shown, line, column, message))

    # An account's rows usually follow one another with the same account columns: those
    # are checked on the first of them, and again only where they differ or were wrong.
    last_part: tuple[str, ...] | None = None
    last_account: AccountIn | None = None
    for count, (line, values) in enumerate(_rows(path, ACCOUNT_COLUMNS, problems), 1):
        if progress and count % 10000 == 0:
            progress(10000)
        part = values[:_ACCOUNT_PART]
        number, issued_text, due_text, amount_text = values[_ACCOUNT_PART:]
        if part == last_part and last_account is not None:
            known = last_account
        else:
            found = len(problems)
            known = _account_part(line, part, accounts, debtors, report)
            last_part, last_account = (part, known) if len(problems) == found else (None, None)
        if not number:
            report("invoice_number", "a value is required")
        issued, problem = _date(issued_text)
        if problem:
            report("invoice_date", problem)
        due, problem = _date(due_text)
        if problem:
            report("due_date", problem)
        if issued and due and due < issued:
            report("due_date", f"{due.isoformat()} is before the invoice date {issued.isoformat()}")
        amount, problem = _amount(amount_text, known.currency, number_format)
        if problem:
            report("amount", problem)
        first = next((invoice.line for invoice in known.invoices if invoice.number == number), None) if number and known.invoices else None
        if first is not None:
            report("invoice_number", f"invoice {number} of account {known.external_id} is already on line {first}")
        if issued and due and amount is not None:
            known.invoices.append(InvoiceIn(line, number, issued, due, amount))
    if problems:
        raise LedgerFileError(in_file_order(problems, ACCOUNT_COLUMNS))
    return list(accounts.values())


def _account_part(line: int, part: tuple[str, ...], accounts: dict[str, AccountIn], debtors: dict[str, AccountIn], report: Callable[[str, str | None], None]) -> AccountIn:
    """Check the debtor, contact and account columns of a row; the account they name (new,
    or the one an earlier row gave, which they must agree with)."""
    (debtor_id, debtor_name, kind, zone, work_starts, income, contact_name, contact_role, salutation, phone, account_id, collector, currency, flags) = part
    if not (debtor_id and debtor_name and account_id and contact_name and phone):
        for column, value in (("debtor_id", debtor_id), ("debtor_name", debtor_name), ("account_id", account_id)):
            if not value:
                report(column, "a value is required")
        if not contact_name:
            report("contact_name", "missing contact: the person to ask for is required")
        if not phone:
            report("phone", "missing contact: a phone number is required")
    if problem := _zone_problem(zone):
        report("timezone", problem)
    currency = currency.upper()
    if problem := _currency_problem(currency):
        report("currency", problem)
    if len(salutation) > MAX_SALUTATION:
        report("salutation", f"{len(salutation)} characters: how the contact is addressed takes at most {MAX_SALUTATION} (陈经理, Ms Mitchell)")
    kind = kind or "company"
    if kind not in DEBTOR_KINDS:
        report("debtor_kind", f"{kind!r}: use company or consumer")
    if work_starts:
        work_starts, problem = _work_starts(work_starts)
        report("work_starts", problem)
    else:
        work_starts = None
    income_day = None
    if income:
        income_day, problem = _income_day(income)
        report("income_day", problem)
    if flags:
        flags, flag_problems = _flags(flags)
        for problem in flag_problems:
            report("flags", problem)
    if collector:
        report("collector", None if collector == TEAM_POOL else user_name_problem(collector))
    else:
        collector = None
    known = accounts.get(account_id)
    if known is None:
        known = accounts[account_id] = AccountIn(line, account_id, debtor_id, debtor_name, kind, zone, work_starts, income_day, contact_name, contact_role, salutation, phone, collector, currency, flags)
    else:
        mine = (debtor_id, contact_name, phone, collector, currency, flags)
        theirs = (known.debtor_id, known.contact_name, known.phone, known.collector, known.currency, known.flags)
        if mine != theirs:
            fields = ("debtor_id", "contact_name", "phone", "collector", "currency", "flags")
            report("account_id", f"duplicate account: {account_id} is already on line {known.line} with other values ({_differences(fields, theirs, mine)}); each of its rows must agree")
    # A debtor's first account keeps what the file says of the debtor.
    first = debtors.setdefault(debtor_id, known)
    if first is not known or first.line != line:
        mine = (debtor_name, kind, zone, work_starts, income_day)
        theirs = (first.debtor_name, first.debtor_kind, first.timezone, first.work_starts, first.income_day)
        if mine != theirs:
            fields = ("debtor_name", "debtor_kind", "timezone", "work_starts", "income_day")
            report("debtor_id", f"debtor {debtor_id} is already on line {first.line} with other values ({_differences(fields, theirs, mine)})")
    return known


def read_payments(path: Path, today: date, number_format: str = "plain") -> tuple[list[PaymentIn], list[RowProblem]]:
    """The payments of a payments file that are well formed, and the problems of the rest:
    the store checks the accounts they name before anything is stored (all or nothing)."""
    problems: list[RowProblem] = []
    shown = str(path)
    payments: dict[str, PaymentIn] = {}
    line = 0

    def report(column: str, message: str | None) -> None:
        if message:
            problems.append(RowProblem(shown, line, column, message))

    for line, (payment_id, account_id, paid_text, amount_text, currency, method, reference) in _rows(path, PAYMENT_COLUMNS, problems):
        if not payment_id:
            report("payment_id", "a value is required")
        if not account_id:
            report("account_id", "a value is required")
        currency = currency.upper() or None
        if currency:
            report("currency", _currency_problem(currency))
        paid_on, problem = _date(paid_text)
        report("paid_on", problem)
        if paid_on and paid_on > today:
            report("paid_on", f"{paid_on.isoformat()} is in the future (today is {today.isoformat()})")
        amount, problem = _amount(amount_text, currency, number_format)
        report("amount", problem)
        if paid_on is None or amount is None:
            continue
        payment = PaymentIn(line, payment_id, account_id, paid_on, amount, currency, method, reference)
        earlier = payments.setdefault(payment.external_id, payment)
        if earlier is not payment:
            report("payment_id", f"payment {payment.external_id} is already on line {earlier.line}")
    return list(payments.values()), problems


def in_file_order(problems: list[RowProblem], columns: Columns) -> list[RowProblem]:
    """Problems by line, and within a line in the order of the columns."""
    places = {name: place for place, name in enumerate(columns)}
    return sorted(problems, key=lambda p: (p.line, places.get(p.column, -1)))


def _differences(names: tuple[str, ...], before: tuple[object, ...], now: tuple[object, ...]) -> str:
    return ", ".join(f"{name} {old!r} there, {new!r} here" for name, old, new in zip(names, before, now) if old != new)
