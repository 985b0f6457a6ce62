"""The ledger kept up to date: accounts and payments imported, promises followed
through, and each account's standing (the stored part of its worklist score).

Every function takes `session=` and leaves committing to the caller, so an import or an
evaluation is stored whole or not at all.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Generator, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypedDict, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Date, Row, Table, bindparam, func, insert, select, update
from sqlmodel import Session

from callassist.core.ledger_csv import PAYMENT_COLUMNS, AccountIn, LedgerFileError, PaymentIn, RowProblem, gc_paused, in_file_order
from callassist.core.money import currency_places, decimal_places, too_many_places
from callassist.core.priority import AccountFacts, clock_key, parse_flags, standing
from callassist.core.promises import OpenInstalment, judge_instalment, judge_promise, match_payment, open_position
from callassist.core.redact import redact
from callassist.store import db
from callassist.store.models import ACCOUNTS, COLLECTORS, CONTACTS, DEBTORS, INSTALMENTS, INVOICES, PAYMENTS, PROMISES, Instalment, Promise, saved_id
from callassist.store.sql import month_of

# Rows per statement when reading by id lists: well under every database's parameter limit.
CHUNK = 500
NOTHING_PAID = Decimal(0)
BULK_CACHE_KIB = 512 * 1024  # SQLite's page cache during an import (it takes pages only as it needs them)

_T = TypeVar("_T")
# A row to insert: its values in the order of the columns named with it (_insert_rows).
_Values = tuple[object, ...]


@dataclass
class ImportResult:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    details: dict[str, int] = field(default_factory=dict)  # e.g. invoices added, promises kept


def _chunks(values: list[_T], size: int = CHUNK) -> Iterable[list[_T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class DebtorClock(TypedDict):
    clock: str
    income_day: int | None


def debtor_clock(timezone: str, work_starts: str | None, income_day: int | None) -> DebtorClock:
    """The account columns that copy the debtor's clock and income day for the worklist."""
    return {"clock": clock_key(timezone, work_starts), "income_day": income_day}


def _collector_ids(names: set[str], session: Session) -> dict[str, int]:
    connection = session.connection()
    table = COLLECTORS
    known = dict(connection.execute(select(table.c.name, table.c.id).where(table.c.name.in_(names))).all()) if names else {}
    for name in sorted(names - known.keys()):
        known[name] = connection.execute(insert(table).values(name=name, display_name=name).returning(table.c.id)).scalar_one()
    return known


def _insert_rows(table: Table, columns: tuple[str, ...], rows: list[_Values], session: Session) -> None:
    """Insert rows (tuples in the order of `columns`) in one executemany through the
    driver. Values are converted as SQLAlchemy would for this database (money as exact
    text on SQLite), without its work per row, most of a large import's time otherwise."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    converted: list[Iterable[object]] = []
    for name, values in zip(columns, zip(*rows)):
        kind = table.c[name].type
        process = kind.dialect_impl(dialect).bind_processor(dialect)
        if process is not None and isinstance(kind, (Date, Boolean)):
            process = lru_cache(maxsize=4096)(process)  # few distinct values: each converted once
        converted.append(values if process is None else map(process, values))
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) VALUES ({', '.join([marker] * len(columns))})"
    connection.exec_driver_sql(statement, list(zip(*converted)))


def _insert_with_ids(table: Table, columns: tuple[str, ...], rows: list[_Values], session: Session) -> list[int]:
    """Insert rows as _insert_rows does, with ids taken beforehand (an insert that returns
    ids runs row by row on SQLite); returns the ids, in the order of the rows."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        ids = list(connection.execute(select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows)))).scalars())
    else:  # SQLite: one writer at a time, inside this transaction
        start = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        ids = list(range(start, start + len(rows)))
    _insert_rows(table, ("id", *columns), [(key, *row) for key, row in zip(ids, rows)], session)
    return ids


@contextmanager
def _bulk_load(tables: list[Table], session: Session) -> Generator[None]:
    """Room for a large import: the secondary indexes of the tables still empty are
    dropped while their rows go in and built again after (one sort each, where a large
    ledger would otherwise insert into every index at random places), and on SQLite the
    page cache is made large enough for the ledger's pages for the transaction. On
    PostgreSQL the tables' statistics are taken again after, so that the very next
    queries are planned for the rows now there, not for the empty tables."""
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite and not db.driver(session).in_transaction:
        # Python's sqlite3 opens a transaction only before a row is written, so a DROP INDEX
        # before the first insert would be committed at once, whatever became of the import.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    empty = [table for table in tables if connection.execute(select(table.c.id).limit(1)).first() is None]
    indexes = [index for table in empty for index in table.indexes]
    cache = connection.exec_driver_sql("PRAGMA cache_size").scalar() if sqlite else None
    if sqlite:
        connection.exec_driver_sql(f"PRAGMA cache_size={-BULK_CACHE_KIB}")
    for index in indexes:
        index.drop(connection, checkfirst=True)
    try:
        yield
        # Built again with any an older version's failed import left dropped.
        for index in (index for table in tables for index in table.indexes):
            index.create(connection, checkfirst=True)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"ANALYZE {', '.join(table.name for table in tables)}")
    finally:
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA cache_size={cache}")


_DEBTOR_COLUMNS = ("external_id", "name", "kind", "timezone", "work_starts", "income_day")
_CONTACT_COLUMNS = ("debtor_id", "name", "role", "salutation", "phone", "is_primary")
_ACCOUNT_COLUMNS = ("external_id", "debtor_id", "contact_id", "collector_id", "currency", "flags", "clock", "income_day", "balance", "oldest_due", "closed", "priority", "priority_on")
_INVOICE_COLUMNS = ("account_id", "number", "issued_on", "due_on", "amount")


def import_accounts(accounts: list[AccountIn], *, default_collector: str, today: date, class_days: tuple[int, ...], session: Session, progress: Callable[[int], None] | None = None, path: str = "accounts") -> ImportResult:
    """Store checked accounts: new ones added, changed ones updated, the same ones left
    alone (keyed by the ledger's ids), so importing a file twice changes nothing.
    `progress(n)` hears of every n accounts handled."""
    with gc_paused(), _bulk_load([DEBTORS, CONTACTS, ACCOUNTS, INVOICES], session):
        return _import_accounts(accounts, default_collector, today, class_days, session, progress, path)


def _import_accounts(accounts: list[AccountIn], default_collector: str, today: date, class_days: tuple[int, ...], session: Session, progress: Callable[[int], None] | None, path: str) -> ImportResult:
    connection = session.connection()
    result = ImportResult(details={"invoices_added": 0, "invoices_changed": 0})
    collectors = _collector_ids({a.collector or default_collector for a in accounts}, session)
    debtor_rows = {row.external_id: row for row in connection.execute(select(DEBTORS)).all()}
    account_rows = {
        row.external_id: row
        for row in connection.execute(select(ACCOUNTS.c.id, ACCOUNTS.c.external_id, ACCOUNTS.c.debtor_id, ACCOUNTS.c.contact_id, ACCOUNTS.c.collector_id, ACCOUNTS.c.currency, ACCOUNTS.c.flags, ACCOUNTS.c.clock, ACCOUNTS.c.income_day)).all()
    }
    changed_debtors: set[str] = set()

    # Debtors first: contacts and accounts refer to them.
    debtor_ids: dict[str, int] = {}
    new_debtors: dict[str, _Values] = {}
    for account in accounts:
        if account.debtor_id in debtor_ids or account.debtor_id in new_debtors:
            continue  # the file has one set of values per debtor (ledger_csv checks)
        values = (account.debtor_name, account.debtor_kind, account.timezone, account.work_starts, account.income_day)
        stored = debtor_rows.get(account.debtor_id)
        if stored is None:
            new_debtors[account.debtor_id] = (account.debtor_id, *values)
            continue
        debtor_ids[account.debtor_id] = stored.id
        if (stored.name, stored.kind, stored.timezone, stored.work_starts, stored.income_day) != values:
            connection.execute(update(DEBTORS).where(DEBTORS.c.id == stored.id).values(dict(zip(_DEBTOR_COLUMNS[1:], values))))
            connection.execute(update(ACCOUNTS).where(ACCOUNTS.c.debtor_id == stored.id).values(**debtor_clock(account.timezone, account.work_starts, account.income_day)))
            changed_debtors.add(account.debtor_id)
    debtor_ids.update(zip(new_debtors, _insert_with_ids(DEBTORS, _DEBTOR_COLUMNS, list(new_debtors.values()), session)))

    # Contacts are the debtor's people, one per phone number.
    contact_rows: dict[tuple[int, str], Row[*tuple[Any, ...]]] = {}
    if debtor_rows:
        for row in connection.execute(select(CONTACTS.c.id, CONTACTS.c.debtor_id, CONTACTS.c.phone, CONTACTS.c.name, CONTACTS.c.role, CONTACTS.c.salutation)).all():
            contact_rows[(row.debtor_id, row.phone)] = row
    contact_ids: dict[tuple[int, str], int] = {}
    new_contacts: dict[tuple[int, str], _Values] = {}
    changed_contacts: set[tuple[int, str]] = set()
    for account in accounts:
        key = (debtor_ids[account.debtor_id], account.phone)
        if key in contact_ids or key in new_contacts:
            continue
        stored = contact_rows.get(key)
        if stored is None:
            new_contacts[key] = (key[0], account.contact_name, account.contact_role, account.salutation, account.phone, True)
            continue
        contact_ids[key] = stored.id
        if (stored.name, stored.role, stored.salutation) != (account.contact_name, account.contact_role, account.salutation):
            connection.execute(update(CONTACTS).where(CONTACTS.c.id == stored.id).values(name=account.contact_name, role=account.contact_role, salutation=account.salutation))
            changed_contacts.add(key)
    contact_ids.update(zip(new_contacts, _insert_with_ids(CONTACTS, _CONTACT_COLUMNS, list(new_contacts.values()), session)))

    # Accounts, then their invoices.
    new_accounts: list[AccountIn] = []
    new_rows: list[_Values] = []
    existing: list[tuple[AccountIn, int]] = []
    changed: set[int] = set()
    clocks: dict[tuple[str, str | None], str] = {}
    for done, account in enumerate(accounts, 1):
        debtor_id = debtor_ids[account.debtor_id]
        contact_key = (debtor_id, account.phone)
        zone_start = (account.timezone, account.work_starts)
        clock = clocks.get(zone_start) or clocks.setdefault(zone_start, clock_key(*zone_start))
        values = (debtor_id, contact_ids[contact_key], collectors[account.collector or default_collector], account.currency, account.flags, clock, account.income_day)
        stored = account_rows.get(account.external_id)
        if stored is None:
            balance, oldest = open_position([(i.due_on, i.amount) for i in account.invoices], NOTHING_PAID)
            facts = AccountFacts(oldest, balance, account.currency, 0, None, None, parse_flags(account.flags) if account.flags else ())
            new_accounts.append(account)
            new_rows.append((account.external_id, *values, balance, oldest, balance <= 0, standing(facts, today, class_days, explain=False).points, today))
        else:
            existing.append((account, stored.id))
            if (stored.debtor_id, stored.contact_id, stored.collector_id, stored.currency, stored.flags, stored.clock, stored.income_day) != values:
                connection.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == stored.id).values(dict(zip(_ACCOUNT_COLUMNS[1:8], values))))
                changed.add(stored.id)
            elif account.debtor_id in changed_debtors or contact_key in changed_contacts:
                changed.add(stored.id)
        if progress and done % 10000 == 0:
            progress(10000)
    invoice_rows: list[_Values] = []
    for account, account_id in zip(new_accounts, _insert_with_ids(ACCOUNTS, _ACCOUNT_COLUMNS, new_rows, session)):
        invoice_rows += [(account_id, i.number, i.issued_on, i.due_on, i.amount) for i in account.invoices]
    result.details["invoices_added"] = len(invoice_rows)
    changed |= _update_invoices(existing, invoice_rows, result, session)
    _insert_rows(INVOICES, _INVOICE_COLUMNS, invoice_rows, session)
    _refuse_below_zero(existing, changed, path, session)
    if changed:
        settle_accounts(sorted(changed), today=today, class_days=class_days, session=session)
    if progress:
        progress(len(accounts) % 10000)
    result.added = len(new_accounts)
    result.changed = len(changed)
    result.unchanged = len(existing) - len(changed)
    return result


def _refuse_below_zero(existing: list[tuple[AccountIn, int]], changed: set[int], path: str, session: Session) -> None:
    """An import that would leave an account owing less than nothing (its invoices lowered
    below what was paid) is refused whole, naming the account's line."""
    if not changed:
        return
    left = owed(sorted(changed), session)
    problems = [
        RowProblem(path, account.line, "amount", f"account {account.external_id}'s invoices would total {abs(left[key])} less than what was already paid on it: correct the invoices, or record a credit in your ledger")
        for account, key in existing
        if key in changed and left[key] < 0
    ]
    if problems:
        raise LedgerFileError(problems)


def _update_invoices(existing: list[tuple[AccountIn, int]], invoice_rows: list[_Values], result: ImportResult, session: Session) -> set[int]:
    """Invoices of accounts already stored: new ones queued in `invoice_rows`, changed ones
    updated. Returns the accounts whose invoices or details changed."""
    connection = session.connection()
    touched: set[int] = set()
    ids = [account_id for _, account_id in existing]
    stored: dict[tuple[int, str], Any] = {}  # the invoice rows as read
    for chunk in _chunks(ids):
        for row in connection.execute(select(INVOICES.c.id, INVOICES.c.account_id, INVOICES.c.number, INVOICES.c.issued_on, INVOICES.c.due_on, INVOICES.c.amount).where(INVOICES.c.account_id.in_(chunk))).all():
            stored[(row.account_id, row.number)] = row
    for account, account_id in existing:
        for invoice in account.invoices:
            row = stored.get((account_id, invoice.number))
            if row is None:
                invoice_rows.append((account_id, invoice.number, invoice.issued_on, invoice.due_on, invoice.amount))
                result.details["invoices_added"] += 1
                touched.add(account_id)
            elif (row.issued_on, row.due_on, row.amount) != (invoice.issued_on, invoice.due_on, invoice.amount):
                connection.execute(update(INVOICES).where(INVOICES.c.id == row.id).values(issued_on=invoice.issued_on, due_on=invoice.due_on, amount=invoice.amount))
                result.details["invoices_changed"] += 1
                touched.add(account_id)
    return touched


def next_promises(account_ids: list[int], *, session: Session) -> dict[int, tuple[date, Decimal]]:
    """Each account's next open instalment of an open promise: its date and what is still
    to come that day."""
    found: dict[int, tuple[date, Decimal]] = {}
    query = select(PROMISES.c.account_id, INSTALMENTS.c.due_on, INSTALMENTS.c.amount, INSTALMENTS.c.paid).join(PROMISES, PROMISES.c.id == INSTALMENTS.c.promise_id).where(PROMISES.c.status == "open", INSTALMENTS.c.status == "open")
    for chunk in _chunks(account_ids):
        for account_id, due, amount, paid in session.connection().execute(query.where(PROMISES.c.account_id.in_(chunk))).all():
            owed = amount - paid
            if owed <= 0:
                continue  # paid in full, not yet judged: nothing more is due on that date
            earliest = found.get(account_id)
            if earliest is None or due < earliest[0]:
                found[account_id] = (due, owed)
            elif due == earliest[0]:
                found[account_id] = (due, earliest[1] + owed)
    return found


SUPERSEDED = "superseded"


def supersede_open_promises(account_id: int, day: date, *, session: Session) -> int:
    """A new promise replaces the account's open one: the old is kept in the history as
    superseded (its instalments too), and no payment is matched to it any more."""
    connection = session.connection()
    ids = connection.execute(select(PROMISES.c.id).where(PROMISES.c.account_id == account_id, PROMISES.c.status == "open")).scalars().all()
    if ids:
        connection.execute(update(PROMISES).where(PROMISES.c.id.in_(ids)).values(status=SUPERSEDED, decided_on=day))
        connection.execute(update(INSTALMENTS).where(INSTALMENTS.c.promise_id.in_(ids), INSTALMENTS.c.status == "open").values(status=SUPERSEDED))
    return len(ids)


def call_promise_status(call_id: str, *, session: Session) -> tuple[str, date | None] | None:
    """What became of the promise made on a call since: its status and the day it was
    decided (None while open); None when the call made no promise."""
    row = session.connection().execute(select(PROMISES.c.status, PROMISES.c.decided_on).where(PROMISES.c.call_id == call_id).order_by(PROMISES.c.id.desc()).limit(1)).first()
    return None if row is None else (row.status, row.decided_on)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(now: datetime, zone: str) -> date:
    """The debtor's date at `now`."""
    return now.astimezone(_zone(zone)).date()


def add_promise(account_id: int, call_id: str | None, currency: str, total: Decimal, method: str, channel: str, plan: list[tuple[date, Decimal]], at: datetime, *, session: Session) -> int:
    """Store a promise made on a call, in place of the account's open one (superseded);
    the account's next promised payment follows. Returns the promise's id."""
    supersede_open_promises(account_id, at.date(), session=session)
    promise = Promise(account_id=account_id, call_id=call_id, currency=currency, total=total, method=method, channel=channel, created_at=at)
    session.add(promise)
    session.flush()
    for seq, (due, amount) in enumerate(plan, 1):
        session.add(Instalment(promise_id=saved_id(promise), seq=seq, due_on=due, amount=amount))
    session.flush()
    due, amount = next_promises([account_id], session=session).get(account_id, (None, None))
    session.connection().execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account_id).values(next_promise_due=due, next_promise_amount=amount))
    return saved_id(promise)


def _settle_paid_off(account_ids: list[int], today: date, session: Session) -> Counter[str]:
    """The open promises of accounts where nothing is owed any more are settled: kept when
    what came in since the promise was made covers it, else partly kept with what came in
    (the debt went another way, a credit note): never broken, and never counted as such.
    How many became kept and partly kept."""
    settled: Counter[str] = Counter()
    if not account_ids:
        return settled
    connection = session.connection()
    open_promises = connection.execute(select(PROMISES.c.id, PROMISES.c.account_id, PROMISES.c.total, PROMISES.c.created_at).where(PROMISES.c.account_id.in_(account_ids), PROMISES.c.status == "open")).all()
    for promise in open_promises:
        matched = connection.execute(select(func.coalesce(func.sum(INSTALMENTS.c.paid), 0)).where(INSTALMENTS.c.promise_id == promise.id)).scalar()
        since = connection.execute(select(PAYMENTS.c.unmatched).where(PAYMENTS.c.account_id == promise.account_id, PAYMENTS.c.paid_on >= promise.created_at.date())).scalars().all()
        came_in = Decimal(str(matched)) + sum(since, Decimal(0))
        verdict = "kept" if came_in >= promise.total else "partly_kept"
        connection.execute(update(PROMISES).where(PROMISES.c.id == promise.id).values(status=verdict, decided_on=today))
        connection.execute(update(INSTALMENTS).where(INSTALMENTS.c.promise_id == promise.id, INSTALMENTS.c.status == "open").values(status=verdict))
        settled[verdict] += 1
    return settled


class _Settled(TypedDict):
    """An account's columns as settle_accounts writes them, `key` being its id."""

    key: int
    balance: Decimal
    oldest_due: date | None
    closed: bool
    priority: float
    priority_on: date
    next_promise_due: date | None
    next_promise_amount: Decimal | None


def settle_accounts(account_ids: list[int], *, today: date, class_days: tuple[int, ...], session: Session) -> Counter[str]:
    """Work out again what follows from an account's invoices, payments and promises: its
    balance, oldest unpaid due date, whether it is closed, its next promised payment and
    its standing. How many promises the accounts paid off settled, kept and partly kept."""
    settled: Counter[str] = Counter()
    connection = session.connection()
    rows: list[_Settled] = []
    for chunk in _chunks(account_ids):
        invoices: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
        for account_id, due, amount in connection.execute(select(INVOICES.c.account_id, INVOICES.c.due_on, INVOICES.c.amount).where(INVOICES.c.account_id.in_(chunk))).all():
            invoices[account_id].append((due, amount))
        paid: dict[int, Decimal] = defaultdict(Decimal)
        for account_id, amount in connection.execute(select(PAYMENTS.c.account_id, PAYMENTS.c.amount).where(PAYMENTS.c.account_id.in_(chunk))).all():
            paid[account_id] += amount
        promised = next_promises(chunk, session=session)
        columns = (ACCOUNTS.c.id, ACCOUNTS.c.currency, ACCOUNTS.c.broken_promises, ACCOUNTS.c.last_broken_on, ACCOUNTS.c.last_contact_at, ACCOUNTS.c.flags, ACCOUNTS.c.calls_month, ACCOUNTS.c.calls_in_month)
        for account in connection.execute(select(*columns).where(ACCOUNTS.c.id.in_(chunk))).all():
            balance, oldest = open_position(invoices[account.id], paid[account.id])
            calls = account.calls_in_month if account.calls_month == month_of(today) else 0
            due, amount = promised.get(account.id, (None, None))
            facts = AccountFacts(oldest, balance, account.currency, account.broken_promises, account.last_broken_on, account.last_contact_at.date() if account.last_contact_at else None, parse_flags(account.flags), calls, due)
            rows.append(
                {"key": account.id, "balance": balance, "oldest_due": oldest, "closed": balance <= 0, "priority": standing(facts, today, class_days, explain=False).points, "priority_on": today, "next_promise_due": due, "next_promise_amount": amount}
            )
    paid_off = [row["key"] for row in rows if row["closed"] and row["next_promise_due"] is not None]
    if paid_off:
        settled = _settle_paid_off(paid_off, today, session)
        for row in rows:
            if row["key"] in paid_off:
                row["next_promise_due"] = row["next_promise_amount"] = None
    if rows:
        statement = update(ACCOUNTS).where(ACCOUNTS.c.id == bindparam("key")).values({name: bindparam(name) for name in rows[0] if name != "key"})
        connection.execute(statement, rows)
    return settled


def refresh_standing(collector_id: int, *, today: date, class_days: tuple[int, ...], session: Session) -> int:
    """Settle the collector's open accounts whose standing is from an earlier day or was
    made stale by a call; returns how many were settled."""
    stale = (
        session.connection()
        .execute(
            select(ACCOUNTS.c.id).where(ACCOUNTS.c.collector_id == collector_id, ACCOUNTS.c.closed == False, (ACCOUNTS.c.priority_on == None) | (ACCOUNTS.c.priority_on < today))  # noqa: E711, E712
        )
        .scalars()
        .all()
    )
    settle_accounts(list(stale), today=today, class_days=class_days, session=session)
    return len(stale)


def import_payments(payments: list[PaymentIn], *, path: str, source: str, today: date, grace_days: int, class_days: tuple[int, ...], session: Session, problems: list[RowProblem] | None = None) -> ImportResult:
    """Store checked payments, each matched to the open promises it pays; a payment already
    stored with the same values is left alone. LedgerFileError, with every problem and
    nothing stored, for an unknown account, another currency, or a payment id stored with
    other values; `problems` already found in the file are reported with these."""
    connection = session.connection()
    accounts: dict[str, tuple[int, str]] = {}
    stored: dict[str, tuple[int, date, Decimal]] = {}
    for chunk in _chunks(sorted({p.account_id for p in payments})):
        for row in connection.execute(select(ACCOUNTS.c.external_id, ACCOUNTS.c.id, ACCOUNTS.c.currency).where(ACCOUNTS.c.external_id.in_(chunk))).all():
            accounts[row.external_id] = (row.id, row.currency)
    for chunk in _chunks([p.external_id for p in payments]):
        for row in connection.execute(select(PAYMENTS.c.external_id, PAYMENTS.c.account_id, PAYMENTS.c.paid_on, PAYMENTS.c.amount).where(PAYMENTS.c.external_id.in_(chunk))).all():
            stored[row.external_id] = (row.account_id, row.paid_on, row.amount)
    problems = list(problems or ())
    new: list[tuple[PaymentIn, int, str]] = []
    for payment in payments:
        account = accounts.get(payment.account_id)
        if account is None:
            problems.append(RowProblem(path, payment.line, "account_id", f"unknown account {payment.account_id!r}: import its accounts file first"))
            continue
        currency = payment.currency or account[1]
        if currency != account[1]:
            problems.append(RowProblem(path, payment.line, "currency", f"{currency}, but account {payment.account_id} is kept in {account[1]}"))
            continue
        if decimal_places(payment.amount) > currency_places(currency):  # read before the account's currency was known
            problems.append(RowProblem(path, payment.line, "amount", too_many_places(currency, format(payment.amount, "f"))))
            continue
        earlier = stored.get(payment.external_id)
        if earlier is None:
            new.append((payment, account[0], currency))
        elif earlier != (account[0], payment.paid_on, payment.amount):
            problems.append(RowProblem(path, payment.line, "payment_id", f"payment {payment.external_id} is already stored with other values (paid on {earlier[1].isoformat()}, {earlier[2]})"))
    problems += _overpayments(new, path, session)
    if problems:
        raise LedgerFileError(in_file_order(problems, PAYMENT_COLUMNS))
    touched = sorted({account_id for _, account_id, _ in new})
    unmatched = _match_payments(new, grace_days, session)
    now = datetime.now(UTC)
    rows = [
        {"external_id": p.external_id, "account_id": account_id, "paid_on": p.paid_on, "currency": currency, "amount": p.amount, "unmatched": left, "method": p.method, "reference": redact(p.reference)[0], "source": source, "created_at": now}
        for (p, account_id, currency), left in zip(new, unmatched)
    ]
    if rows:
        connection.execute(insert(PAYMENTS), rows)
    # Settled first: an account these payments paid off settles its promise as kept
    # (whatever its dates), before a date they missed could judge it broken.
    settled = settle_accounts(touched, today=today, class_days=class_days, session=session)
    verdicts = evaluate_promises(today=today, grace_days=grace_days, class_days=class_days, session=session, account_ids=touched)
    return ImportResult(added=len(rows), unchanged=len(payments) - len(rows), details={verdict: count + settled[verdict] for verdict, count in verdicts.items()})


def owed(account_ids: list[int], session: Session) -> dict[int, Decimal]:
    """What each account owes now: its invoices less its payments."""
    connection = session.connection()
    found: dict[int, Decimal] = defaultdict(Decimal)
    for chunk in _chunks(account_ids):
        for account_id, amount in connection.execute(select(INVOICES.c.account_id, INVOICES.c.amount).where(INVOICES.c.account_id.in_(chunk))).all():
            found[account_id] += amount
        for account_id, amount in connection.execute(select(PAYMENTS.c.account_id, PAYMENTS.c.amount).where(PAYMENTS.c.account_id.in_(chunk))).all():
            found[account_id] -= amount
    return found


def _overpayments(payments: list[tuple[PaymentIn, int, str]], path: str, session: Session) -> list[RowProblem]:
    """A payment beyond what its account still owes is refused: money received is not a
    balance below zero (a refund or a credit is a matter for the ledger it came from)."""
    left = owed(sorted({account_id for _, account_id, _ in payments}), session)
    problems: list[RowProblem] = []
    for payment, account_id, currency in sorted(payments, key=lambda item: (item[0].paid_on, item[0].line)):
        if payment.amount > left[account_id]:
            owes = max(left[account_id], Decimal(0)).quantize(Decimal(1).scaleb(-currency_places(currency)))
            problems.append(
                RowProblem(
                    path,
                    payment.line,
                    "amount",
                    f"{payment.amount} {currency} is more than account {payment.account_id} owes ({owes} {currency}): an overpayment is not stored; enter what is owed, and settle the rest as a refund or credit in your ledger",
                )
            )
        else:
            left[account_id] -= payment.amount
    return problems


def _match_payments(payments: list[tuple[PaymentIn, int, str]], grace_days: int, session: Session) -> list[Decimal]:
    """Match new payments, oldest first, to the open instalments of their accounts' open
    promises; instalments' `paid` is updated. Returns what each payment left unmatched."""
    connection = session.connection()
    open_by_account: dict[int, list[OpenInstalment]] = defaultdict(list)
    query = (
        select(INSTALMENTS.c.id, PROMISES.c.account_id, PROMISES.c.created_at, INSTALMENTS.c.due_on, INSTALMENTS.c.amount, INSTALMENTS.c.paid)
        .join(PROMISES, PROMISES.c.id == INSTALMENTS.c.promise_id)
        .where(PROMISES.c.status == "open", INSTALMENTS.c.status == "open")
    )
    for chunk in _chunks(sorted({account_id for _, account_id, _ in payments})):
        for row in connection.execute(query.where(PROMISES.c.account_id.in_(chunk))).all():
            open_by_account[row.account_id].append(OpenInstalment(row.id, row.created_at.date(), row.due_on, row.amount, row.paid))
    left_over: dict[int, Decimal] = {}
    paid_now: dict[object, Decimal] = defaultdict(Decimal)
    for index in sorted(range(len(payments)), key=lambda i: payments[i][0].paid_on):
        payment, account_id, _ = payments[index]
        instalments = open_by_account.get(account_id, [])
        taken, left_over[index] = match_payment(payment.amount, payment.paid_on, instalments, grace_days)
        shares = dict(taken)
        open_by_account[account_id] = [OpenInstalment(i.key, i.promised_on, i.due, i.amount, i.paid + shares.get(i.key, Decimal(0))) for i in instalments]
        for key, share in taken:
            paid_now[key] += share
    if paid_now:
        paid_of = {i.key: i.paid for instalments in open_by_account.values() for i in instalments}
        connection.execute(update(INSTALMENTS).where(INSTALMENTS.c.id == bindparam("key")).values(paid=bindparam("paid")), [{"key": key, "paid": paid_of[key]} for key in paid_now])
    return [left_over[index] for index in range(len(payments))]


def evaluate_promises(*, today: date, grace_days: int, class_days: tuple[int, ...], session: Session, account_ids: list[int] | None = None, now: datetime | None = None) -> dict[str, int]:
    """Judge open promises as of `today` (with `now`, as of each debtor's own date at that
    instant, never later than `today`): each instalment paid in full is kept; past its
    date and the grace period it is partly kept or broken; a promise follows its
    instalments (see core.promises.judge_promise). A promise that fails counts against the
    account and puts it at the top of the worklist for a follow-up. Returns how many
    promises became kept, partly_kept and broken."""
    connection = session.connection()
    query = (
        select(PROMISES.c.id.label("promise_id"), PROMISES.c.account_id, INSTALMENTS.c.id, INSTALMENTS.c.due_on, INSTALMENTS.c.amount, INSTALMENTS.c.paid, INSTALMENTS.c.status, DEBTORS.c.timezone)
        .join(INSTALMENTS, INSTALMENTS.c.promise_id == PROMISES.c.id)
        .join(ACCOUNTS, ACCOUNTS.c.id == PROMISES.c.account_id)
        .join(DEBTORS, DEBTORS.c.id == ACCOUNTS.c.debtor_id)
        .where(PROMISES.c.status == "open")
        .order_by(PROMISES.c.id, INSTALMENTS.c.seq)
    )
    promises: dict[int, list[Row[*tuple[Any, ...]]]] = defaultdict(list)
    for chunk in _chunks(account_ids) if account_ids is not None else [None]:
        for row in connection.execute(query if chunk is None else query.where(PROMISES.c.account_id.in_(chunk))).all():
            promises[row.promise_id].append(row)
    counts = {"kept": 0, "partly_kept": 0, "broken": 0}
    instalment_updates: list[dict[str, object]] = []
    promise_updates: list[dict[str, object]] = []
    failures: dict[int, list[date]] = defaultdict(list)
    decided: set[int] = set()
    for promise_id, instalments in promises.items():
        statuses: list[str] = []
        day = today if now is None else min(today, local_date(now, instalments[0].timezone))
        for row in instalments:
            status = judge_instalment(row.due_on, row.amount, row.paid, day, grace_days) if row.status == "open" else row.status
            if status != row.status:
                instalment_updates.append({"key": row.id, "status": status})
            statuses.append(status)
        verdict = judge_promise(statuses, sum((row.paid for row in instalments), Decimal(0)))
        if verdict == "open":
            continue
        counts[verdict] += 1
        promise_updates.append({"key": promise_id, "status": verdict, "decided_on": day})
        decided.add(instalments[0].account_id)
        if verdict != "kept":
            failures[instalments[0].account_id].append(min(row.due_on for row, status in zip(instalments, statuses) if status in ("broken", "partly_kept")))
    if instalment_updates:
        connection.execute(update(INSTALMENTS).where(INSTALMENTS.c.id == bindparam("key")).values(status=bindparam("status")), instalment_updates)
    if promise_updates:
        connection.execute(update(PROMISES).where(PROMISES.c.id == bindparam("key")).values(status=bindparam("status"), decided_on=bindparam("decided_on")), promise_updates)
    for account_id, dues in failures.items():
        connection.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account_id).values(broken_promises=ACCOUNTS.c.broken_promises + len(dues), last_broken_on=max(dues)))
    settle_accounts(sorted(decided), today=today if now is None else min(today, now.date()), class_days=class_days, session=session)
    return counts
