"""The worklist's SQL, written once: SQLAlchemy runs it on any database, and on SQLite
the first paint runs it through the standard library before SQLAlchemy is even loaded.

Both drivers accept :named parameters. Values are normalised by `score_row`, since
SQLite returns text where PostgreSQL returns dates and numerics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from callassist.core.priority import (
    DEFAULT_CLASS_DAYS, MOMENT_CEILING, AccountFacts, Moment, Reason, days_past_due, moment, parse_flags,
    parse_work_starts, standing, top_reasons,
)

SCHEMA_HEAD = "0004"  # the newest Alembic revision; a test keeps it in step

COLLECTOR_ID = "SELECT id FROM collector WHERE name = :name"

# What scoring needs of an account, and what the worklist shows of it.
ACCOUNT_COLUMNS = """
SELECT a.id, d.name, c.name, c.phone, a.currency, a.balance, a.oldest_due, a.last_contact_at, a.last_outcome,
       a.broken_promises, a.last_broken_on, a.flags, a.calls_month, a.calls_in_month,
       a.callback_at, a.next_promise_due, a.next_promise_amount, d.timezone, d.work_starts, d.income_day, a.priority
FROM account a
JOIN debtor d ON d.id = a.debtor_id
JOIN contact c ON c.id = a.contact_id
WHERE a.collector_id = :collector_id AND a.closed = :closed
"""
# Each walks its own index (see models.Account); none scans the collector's accounts.
BY_STANDING = ACCOUNT_COLUMNS + "ORDER BY a.priority DESC, a.id DESC LIMIT :limit"
# The next page starts after the last row read (an OFFSET would walk the index again from the top).
BY_STANDING_AFTER = ACCOUNT_COLUMNS + "AND (a.priority < :priority OR (a.priority = :priority AND a.id < :after)) ORDER BY a.priority DESC, a.id DESC LIMIT :limit"
CALLBACKS = ACCOUNT_COLUMNS + "AND a.callback_at IS NOT NULL ORDER BY a.callback_at LIMIT :limit"
PROMISES_DUE = ACCOUNT_COLUMNS + "AND a.next_promise_due BETWEEN :first AND :last ORDER BY a.next_promise_due LIMIT :limit"
OPEN_COUNT = "SELECT count(*) FROM account WHERE collector_id = :collector_id AND closed = :closed"
PAGE = 40
# How many accounts the worklist offers: a day's calls and more, never the whole ledger.
WORKLIST_SIZE = 100

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
    debt_class: str
    score: float
    reasons: tuple[Reason, ...]  # every reason, the heaviest first
    days_late: int  # days past due (negative: not due yet)


@dataclass(frozen=True)
class Worklist:
    rows: list[WorklistRow]  # the best calls now, best first
    total: int  # the collector's open accounts


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


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def score_row(row, now: datetime, class_days: tuple[int, ...]) -> WorklistRow:
    """A worklist row from an ACCOUNT_COLUMNS row: its score now, with the reasons."""
    (account_id, debtor, contact, phone, currency, balance, oldest, last_at, outcome, broken, last_broken,
     flags, calls_month, calls_in_month, callback_at, promise_due, promise_amount, zone, work_starts, income_day, _) = row
    balance = Decimal(str(balance))
    oldest, last_at, last_broken, promise_due = as_date(oldest), as_datetime(last_at), as_date(last_broken), as_date(promise_due)
    promise_amount = None if promise_amount is None else Decimal(str(promise_amount))
    # The day the stored standing was worked out for (see ledger.refresh_standing): the
    # early stop in read_worklist needs the standing here to be the stored one.
    today = now.astimezone(timezone.utc).date()
    facts = AccountFacts(oldest, balance, currency, broken or 0, last_broken, last_at.date() if last_at else None, parse_flags(flags), calls_in_month if calls_month == month_of(today) else 0)
    kept = standing(facts, today, class_days)
    when = Moment(zone, parse_work_starts(work_starts), income_day, as_datetime(callback_at), promise_due, promise_amount, currency)
    now_points, now_reasons = moment(when, now)
    score = round(kept.points + now_points, 3)
    return WorklistRow(account_id, debtor, contact, phone, currency, balance, oldest, last_at, outcome, promise_due, promise_amount, kept.debt_class, score, top_reasons(kept.reasons + now_reasons), days_past_due(oldest, today))


def unfinished_row(row) -> UnfinishedCall:
    call_id, account_id, debtor, state, started = row
    return UnfinishedCall(call_id, account_id, debtor, state, as_datetime(started))


def read_worklist(execute, collector_id: int, now: datetime, class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS, limit: int = WORKLIST_SIZE) -> Worklist:
    """The `limit` best calls now, through `execute(sql, params) -> rows`, whichever driver.

    Accounts come in order of their stored standing; the clock can add at most
    MOMENT_CEILING to any of them, so reading stops once the next account could not
    overtake the last one kept. Callbacks and promises due (which can add more) are
    read by their own indexes. The result is the exact top `limit`.
    """
    params = {"collector_id": collector_id, "closed": False}
    scored: dict[int, WorklistRow] = {}

    def keep(rows) -> None:
        for row in rows:
            if row[0] not in scored:
                scored[row[0]] = score_row(row, now, class_days)

    today = now.date()
    keep(execute(CALLBACKS, params | {"limit": limit}))
    # A day either side: the debtors' local dates, whatever their zones.
    keep(execute(PROMISES_DUE, params | {"first": (today - timedelta(days=1)).isoformat(), "last": (today + timedelta(days=1)).isoformat(), "limit": limit}))
    page = execute(BY_STANDING, params | {"limit": PAGE})
    while True:
        keep(page)
        if len(page) < PAGE:
            break
        best = sorted((row.score for row in scored.values()), reverse=True)
        if len(best) >= limit and float(page[-1][-1]) + MOMENT_CEILING < best[limit - 1]:
            break
        page = execute(BY_STANDING_AFTER, params | {"limit": PAGE, "priority": page[-1][-1], "after": page[-1][0]})
    rows = sorted(scored.values(), key=lambda row: (-row.score, row.account_id))[:limit]
    total = execute(OPEN_COUNT, params)[0][0]
    return Worklist(rows, total)


def read_unfinished(execute, collector_id: int) -> list[UnfinishedCall]:
    return [unfinished_row(row) for row in execute(UNFINISHED, {"collector_id": collector_id, "practice": False})]


def quick_sqlite_read(path: str, collector: str, now: datetime, class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS) -> Worklist | None:
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
            return Worklist([], 0)

        def execute(sql, params):
            return connection.execute(sql, params).fetchall()

        return read_worklist(execute, found[0], now, class_days)
    except sqlite3.Error:
        return None
    finally:
        connection.close()
