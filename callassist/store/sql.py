"""The worklist's SQL, written once: SQLAlchemy runs it on any database, and on SQLite
the first paint runs it through the standard library before SQLAlchemy is even loaded.

Both drivers accept :named parameters. Values are normalised by `worklist_row`, since
SQLite returns text where PostgreSQL returns dates and numerics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

SCHEMA_HEAD = "0003"  # the newest Alembic revision; a test keeps it in step

COLLECTOR_ID = "SELECT id FROM collector WHERE name = :name"

WORKLIST = """
SELECT a.id, d.name, c.name, c.phone, a.currency, a.balance, a.oldest_due, a.last_contact_at, a.last_outcome
FROM account a
JOIN debtor d ON d.id = a.debtor_id
JOIN contact c ON c.id = a.contact_id
WHERE a.collector_id = :collector_id AND a.closed = :closed
ORDER BY a.priority DESC, a.id
"""

# Amounts are added up in Python: SQLite would sum its exact text amounts as floats.
OPEN_INSTALMENTS = """
SELECT p.account_id, i.due_on, i.amount
FROM instalment i JOIN promise p ON p.id = i.promise_id JOIN account a ON a.id = p.account_id
WHERE a.collector_id = :collector_id AND a.closed = :closed AND p.status = 'open' AND i.status = 'open'
"""

UNFINISHED = """
SELECT c.id, c.account_id, d.name, c.state, c.started_at
FROM call c JOIN account a ON a.id = c.account_id JOIN debtor d ON d.id = a.debtor_id
WHERE c.collector_id = :collector_id AND c.ended_at IS NULL AND c.practice = :practice
ORDER BY c.started_at DESC
"""


@dataclass(frozen=True)
class WorklistRow:
    account_id: int
    debtor: str
    contact: str
    phone: str
    currency: str
    balance: Decimal
    oldest_due: date | None
    last_contact_at: datetime | None
    last_outcome: str | None
    promise_due: date | None
    promise_amount: Decimal | None


@dataclass(frozen=True)
class UnfinishedCall:
    call_id: str
    account_id: int
    debtor: str
    state: str
    started_at: datetime


def as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_datetime(value) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def worklist_row(row, next_payment: tuple[date, Decimal] | None) -> WorklistRow:
    account_id, debtor, contact, phone, currency, balance, oldest, last_at, outcome = row
    due, amount = next_payment or (None, None)
    return WorklistRow(account_id, debtor, contact, phone, currency, Decimal(str(balance)), as_date(oldest), as_datetime(last_at), outcome, due, amount)


def unfinished_row(row) -> UnfinishedCall:
    call_id, account_id, debtor, state, started = row
    return UnfinishedCall(call_id, account_id, debtor, state, as_datetime(started))


def read_worklist(execute, collector_id: int) -> list[WorklistRow]:
    """The worklist through `execute(sql, params) -> rows`, whichever driver is behind it:
    two statements however long the list, the next promised payment joined in here."""
    params = {"collector_id": collector_id, "closed": False}
    next_payment: dict[int, tuple[date, Decimal]] = {}
    for account_id, due_on, amount in execute(OPEN_INSTALMENTS, params):
        due, amount = as_date(due_on), Decimal(str(amount))
        earliest = next_payment.get(account_id)
        if earliest is None or due < earliest[0]:
            next_payment[account_id] = (due, amount)
        elif due == earliest[0]:
            next_payment[account_id] = (due, earliest[1] + amount)
    return [worklist_row(row, next_payment.get(row[0])) for row in execute(WORKLIST, params)]


def read_unfinished(execute, collector_id: int) -> list[UnfinishedCall]:
    return [unfinished_row(row) for row in execute(UNFINISHED, {"collector_id": collector_id, "practice": False})]


def quick_sqlite_read(path: str, collector: str) -> list[WorklistRow] | None:
    """The worklist straight from a SQLite file already at the newest schema, else None.

    Only the standard library is imported here: this is what the first frame waits for.
    """
    import sqlite3

    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        version = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if not version or version[0] != SCHEMA_HEAD:
            return None
        found = connection.execute(COLLECTOR_ID, {"name": collector}).fetchone()
        if found is None:
            return []

        def execute(sql, params):
            return connection.execute(sql, params).fetchall()

        return read_worklist(execute, found[0])
    except sqlite3.Error:
        return None
    finally:
        connection.close()
