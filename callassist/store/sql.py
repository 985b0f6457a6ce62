"""The worklist's SQL, written once: SQLAlchemy runs it on any database, and on SQLite
the first paint runs it through the standard library before SQLAlchemy is even loaded.

Both drivers accept :named parameters. Values are normalised by `score_row`, since
SQLite returns text where PostgreSQL returns dates and numerics.
"""

from __future__ import annotations

import heapq
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from callassist.core.calls import UnfinishedCall
from callassist.core.compliance import DEBTOR_WIDE_HOLDS
from callassist.core.names import TEAM_POOL
from callassist.core.priority import (
    CALLBACK_EARLY,
    DEFAULT_CLASS_DAYS,
    AccountFacts,
    Moment,
    Worklist,
    WorklistRow,
    days_past_due,
    income_days_soon,
    local_zone,
    moment,
    parse_clock_key,
    parse_flags,
    parse_work_starts,
    standing,
    top_reasons,
)

SCHEMA_HEAD = "0018"  # the newest Alembic revision; a test keeps it in step

# A row as the database's driver gives it (sqlite3's and psycopg's are tuples), each
# value as that driver reads it: SQLite's dates and amounts as text (score_row reads both).
DriverRow = tuple[Any, ...]
# What runs a statement with :named parameters, on either driver: `execute(sql, params) -> rows`.
Execute = Callable[[str, Mapping[str, object]], list[DriverRow]]

COLLECTOR_ID = "SELECT id FROM collector WHERE name = :name"
# Accounts an open call holds now (store/claims.py): offered to no one else.
HELD = "SELECT account_id FROM claim WHERE expires_at > :now"

# An account no hold stops: none on it, none on its debtor that concerns the person
# (ix_accounthold_open: a few rows in any ledger).
_DEBTOR_WIDE = ", ".join(f"'{reason}'" for reason in sorted(DEBTOR_WIDE_HOLDS))
NOT_HELD = f"NOT EXISTS (SELECT 1 FROM accounthold h WHERE h.debtor_id = {{a}}.debtor_id AND h.released_at IS NULL AND (h.account_id = {{a}}.id OR h.reason IN ({_DEBTOR_WIDE})))"

# What scoring needs of an account, and what the worklist shows of it.
ACCOUNT_COLUMNS = """
SELECT a.id, d.name, c.name, c.phone, a.currency, a.balance, a.oldest_due, a.last_contact_at, a.last_outcome,
       a.broken_promises, a.last_broken_on, a.flags, a.calls_month, a.calls_in_month,
       a.callback_at, a.next_promise_due, a.next_promise_amount, d.timezone, d.work_starts, d.income_day, a.priority
FROM account a
JOIN debtor d ON d.id = a.debtor_id
JOIN contact c ON c.id = a.contact_id
"""
# A contact who asked not to be called is never offered (core/compliance.py STOPS).
COLLECTOR_OPEN_ACCOUNTS = ACCOUNT_COLUMNS + "WHERE a.collector_id = :collector_id AND a.closed = :closed AND c.stop IS NULL AND " + NOT_HELD.format(a="a") + "\n"
# The collector's distinct clocks, one index seek each (a loose index scan).
CLOCKS = """
WITH RECURSIVE clocks(clock) AS (
    SELECT min(clock) FROM account WHERE collector_id = :collector_id AND closed = :closed
    UNION ALL
    SELECT (SELECT min(a.clock) FROM account a WHERE a.collector_id = :collector_id AND a.closed = :closed AND a.clock > clocks.clock)
    FROM clocks WHERE clocks.clock IS NOT NULL
)
SELECT clock FROM clocks WHERE clock IS NOT NULL
"""
# One clock's accounts by standing (ix_account_worklist), or those of its debtors whose
# income day is `day` (ix_account_income); a page starts after the last row read.
# Accounts whose contact asked not to be called are passed over here, by the few rows of
# ix_contact_stopped, not read and dropped after: they may be many at the top.
_WALK = (
    "SELECT {n} AS walk, id, priority FROM (SELECT id, priority FROM account WHERE collector_id = :collector_id AND closed = :closed AND clock = :clock_{n}{day}{after}"
    " AND NOT EXISTS (SELECT 1 FROM contact WHERE contact.id = account.contact_id AND contact.stop IS NOT NULL) AND "
    + NOT_HELD.format(a="account").replace("{", "{{").replace("}", "}}")
    + " ORDER BY priority DESC, id DESC LIMIT :limit_{n}) AS walk_{n}"
)
_WALK_DAY = " AND income_day = :day_{n}"
_WALK_AFTER = " AND (priority < :priority_{n} OR (priority = :priority_{n} AND id < :after_{n}))"
# By id alone: the collector's index would be walked otherwise.
FIRST_ROWS = 4
BY_ID = ACCOUNT_COLUMNS + "WHERE a.id IN ({ids}) AND c.stop IS NULL AND " + NOT_HELD.format(a="a").replace("{", "{{").replace("}", "}}")
# These can add more than any clock, so all of them are read, each by its own index (see
# models.Account): callbacks due now, and promises due on the debtor's local date.
CALLBACKS_DUE = COLLECTOR_OPEN_ACCOUNTS + "AND a.callback_at <= :due"
PROMISES_DUE = COLLECTOR_OPEN_ACCOUNTS + "AND a.next_promise_due BETWEEN :first AND :last"
OPEN_COUNT = "SELECT count(*) FROM account WHERE collector_id = :collector_id AND closed = :closed"
# How many accounts the worklist offers: a day's calls and more, never the whole ledger.
WORKLIST_SIZE = 100

# The collector's open accounts a hold keeps off the worklist, for the palette: a card to
# read, a hold to release.
# Read from the holds in force (a few rows, ix_accounthold_open), never by a walk of the
# collector's accounts: the worklist is read on every reload.
HELD_ACCOUNTS = f"""
SELECT DISTINCT a.id, d.name, c.name, c.phone FROM accounthold h
JOIN account a ON a.debtor_id = h.debtor_id AND (a.id = h.account_id OR h.reason IN ({_DEBTOR_WIDE}))
JOIN debtor d ON d.id = a.debtor_id
JOIN contact c ON c.id = a.contact_id
WHERE h.released_at IS NULL AND a.collector_id = :collector_id AND a.closed = :closed
ORDER BY d.name, a.id"""

UNFINISHED = """
SELECT c.id, c.account_id, d.name, c.state, c.started_at, t.name, t.phone
FROM call c JOIN account a ON a.id = c.account_id JOIN debtor d ON d.id = a.debtor_id JOIN contact t ON t.id = a.contact_id
WHERE c.collector_id = :collector_id AND c.ended_at IS NULL AND c.practice = :practice
ORDER BY c.started_at DESC
"""


def as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_datetime(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sql_instant(instant: datetime) -> str:
    """An instant as a parameter both drivers compare with a stored time: SQLite compares
    the text SQLAlchemy wrote ("2026-11-18 19:15:00.000000"), PostgreSQL reads the zone."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00:00")


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def score_row(row: DriverRow, now: datetime, class_days: tuple[int, ...], window: tuple[time, time] | None = None) -> WorklistRow:
    """A worklist row from an ACCOUNT_COLUMNS row: its score now, with the reasons
    (`window`: the contact rules' hours, see priority.moment)."""
    (account_id, debtor, contact, phone, currency, balance, oldest, last_at, outcome, broken, last_broken, flags, calls_month, calls_in_month, callback_at, promise_due, promise_amount, zone, work_starts, income_day, _) = row
    balance = Decimal(str(balance))
    oldest, last_at, last_broken, promise_due = as_date(oldest), as_datetime(last_at), as_date(last_broken), as_date(promise_due)
    promise_amount = None if promise_amount is None else Decimal(str(promise_amount))
    # The day the stored standing was worked out for (see ledger.refresh_standing): the
    # early stop in read_worklist needs the standing here to be the stored one.
    today = now.astimezone(UTC).date()
    facts = AccountFacts(oldest, balance, currency, broken or 0, last_broken, last_at.date() if last_at else None, parse_flags(flags), calls_in_month if calls_month == month_of(today) else 0, promise_due)
    kept = standing(facts, today, class_days)
    when = Moment(zone, parse_work_starts(work_starts), income_day, as_datetime(callback_at), promise_due, promise_amount, currency)
    now_points, now_reasons = moment(when, now, window)
    score = round(kept.points + now_points, 3)
    return WorklistRow(account_id, debtor, contact, phone, currency, balance, oldest, last_at, outcome, promise_due, promise_amount, kept.debt_class, score, top_reasons(kept.reasons + now_reasons), days_past_due(oldest, today))


def unfinished_row(row: DriverRow) -> UnfinishedCall:
    call_id, account_id, debtor, state, started, contact, phone = row
    started_at = as_datetime(started)
    assert started_at is not None, "a call's start is NOT NULL"
    return UnfinishedCall(call_id, account_id, debtor, state, started_at, contact, phone)


@dataclass
class _Walk:
    """Accounts in order of standing whose moment is the same now: those of one clock, or
    those of its debtors with one income day (worth INCOME_POINTS more in its days)."""

    clock: str
    day: int | None
    points: float  # what the clock adds now
    rows: list[tuple[int, float]]  # (id, standing) read and not yet taken, the next one last
    after: tuple[float, int] | None = None  # the last row read
    done: bool = False  # nothing is left past `rows`


def _walks(clocks: list[str], now: datetime, window: tuple[time, time] | None) -> list[_Walk]:
    walks: list[_Walk] = []
    for clock in clocks:
        zone_name, starts = parse_clock_key(clock)
        walks.append(_Walk(clock, None, moment(Moment(zone_name, starts), now, window)[0], []))
        zone = local_zone(zone_name)
        days = sorted(income_days_soon(now.astimezone(zone).date())) if zone is not None else []
        if days:  # every one of these days adds the same
            points = moment(Moment(zone_name, starts, days[0]), now, window)[0]
            walks += [_Walk(clock, day, points, []) for day in days]
    return walks


@lru_cache(maxsize=256)
def _walks_statement(shape: tuple[tuple[bool, bool], ...]) -> str:
    """One statement reading every walk of `shape` (by an income day?, after a row read?)."""
    return " UNION ALL ".join(_WALK.format(n=n, day=_WALK_DAY.format(n=n) if by_day else "", after=_WALK_AFTER.format(n=n) if after else "") for n, (by_day, after) in enumerate(shape))


def _read_walks(execute: Execute, params: Mapping[str, object], walks: list[_Walk], size: int) -> None:
    """The next `size` rows of each walk, in one statement."""
    values: dict[str, object] = dict(params)
    for n, walk in enumerate(walks):
        values[f"clock_{n}"] = walk.clock
        values[f"limit_{n}"] = size
        if walk.day is not None:
            values[f"day_{n}"] = walk.day
        if walk.after:
            values[f"priority_{n}"], values[f"after_{n}"] = walk.after
    got: list[list[tuple[int, float]]] = [[] for _ in walks]
    read: list[tuple[int, int, float]] = execute(_walks_statement(tuple((walk.day is not None, walk.after is not None) for walk in walks)), values)  # walk, id, priority
    for n, account_id, priority in read:
        got[n].append((account_id, float(priority)))
    for walk, rows in zip(walks, got):
        walk.rows = rows[::-1]  # taken from the end
        walk.done = len(rows) < size
        if rows:
            walk.after = (rows[-1][1], rows[-1][0])


def read_worklist(execute: Execute, collector_id: int, now: datetime, class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS, limit: int = WORKLIST_SIZE, window: tuple[time, time] | None = None) -> Worklist:
    """The worklist: the `limit` best calls now, and how many accounts the collector has
    open, the team's included (a count that reads the collector's whole index: a third of
    the time on 10,000)."""
    owners = worklist_owners(execute, collector_id)
    rows = read_next_calls(execute, owners, now, class_days, limit, window)
    return Worklist(rows, sum(execute(OPEN_COUNT, {"collector_id": owner, "closed": False})[0][0] for owner in owners), now)


def read_held(execute: Execute, collector_id: int) -> tuple[tuple[int, str, str, str], ...]:
    """The open accounts of the collector's worklist owners that a hold keeps off it."""
    return tuple((row[0], row[1], row[2], row[3]) for owner in worklist_owners(execute, collector_id) for row in execute(HELD_ACCOUNTS, {"collector_id": owner, "closed": False}))


def worklist_owners(execute: Execute, collector_id: int) -> tuple[int, ...]:
    """Whose accounts a collector's worklist offers: their own, and the team's queue if there is one."""
    pool = execute(COLLECTOR_ID, {"name": TEAM_POOL})
    return (collector_id,) if not pool or pool[0][0] == collector_id else (collector_id, pool[0][0])


def read_next_calls(execute: Execute, owners: tuple[int, ...], now: datetime, class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS, limit: int = WORKLIST_SIZE, window: tuple[time, time] | None = None) -> list[WorklistRow]:
    """The `limit` best calls now among the open accounts of `owners` that no open call
    holds, through `execute(sql, params) -> rows`, whichever driver."""
    held = {row[0] for row in execute(HELD, {"now": sql_instant(now)})}
    best = [row for owner in owners for row in _read_best(execute, owner, now, class_days, limit + len(held), window) if row.account_id not in held]
    return sorted(best, key=lambda row: (-row.score, row.account_id))[:limit]


def _read_best(execute: Execute, collector_id: int, now: datetime, class_days: tuple[int, ...], limit: int, window: tuple[time, time] | None) -> list[WorklistRow]:
    """The `limit` best calls now among one collector's open accounts.

    Outside callbacks and promises due (read by their own indexes, since they can add
    much), an account's score is its stored standing plus what its clock adds now, the
    same for every account of the clock, or of the clock and an income day. So each such
    walk is read in order of standing, the walks are merged by score, and reading stops
    once no walk's next account could overtake the last one kept. Only the accounts
    taken are scored in full; the result is the exact top `limit`.
    """
    params = {"collector_id": collector_id, "closed": False}
    scored: dict[int, WorklistRow] = {}

    def keep(rows: Iterable[DriverRow]) -> None:
        for row in rows:
            if row[0] not in scored:
                scored[row[0]] = score_row(row, now, class_days, window)

    today = now.date()
    keep(execute(CALLBACKS_DUE, params | {"due": sql_instant(now + CALLBACK_EARLY)}))
    # A day either side: the debtors' local dates, whatever their zones.
    keep(execute(PROMISES_DUE, params | {"first": (today - timedelta(days=1)).isoformat(), "last": (today + timedelta(days=1)).isoformat()}))
    walks = _walks([row[0] for row in execute(CLOCKS, params)], now, window)
    if walks:
        # A few rows of each to begin with: the best calls come from few of them, which
        # are then read further.
        _read_walks(execute, params, walks, FIRST_ROWS)
    heap: list[tuple[float, int, int]] = []

    def advance(n: int) -> None:
        walk = walks[n]
        if not walk.rows and not walk.done:
            _read_walks(execute, params, [walk], limit)
        if walk.rows:
            account_id, priority = walk.rows.pop()
            heapq.heappush(heap, (-round(priority + walk.points, 3), account_id, n))

    for n in range(len(walks)):
        advance(n)
    while heap:
        best = sorted((row.score for row in scored.values()), reverse=True)
        floor = best[limit - 1] if len(best) >= limit else None
        taken: dict[int, None] = {}
        while heap and len(taken) < limit and (floor is None or -heap[0][0] >= floor):
            _, account_id, n = heapq.heappop(heap)
            if account_id not in scored:
                taken[account_id] = None
            advance(n)
        if not taken:
            break
        ids = list(taken) + [0] * (limit - len(taken))  # one statement text for every batch
        keep(execute(BY_ID.format(ids=", ".join(f":id_{n}" for n in range(len(ids)))), {f"id_{n}": key for n, key in enumerate(ids)}))
    return sorted(scored.values(), key=lambda row: (-row.score, row.account_id))[:limit]


def read_unfinished(execute: Execute, collector_id: int) -> list[UnfinishedCall]:
    return [unfinished_row(row) for row in execute(UNFINISHED, {"collector_id": collector_id, "practice": False})]


QUICK_READ_WAIT = 0.1  # seconds the first paint's read waits on a lock (WAL readers never do)


def quick_sqlite_read(path: str, collector: str, now: datetime, class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS, window: tuple[time, time] | None = None) -> Worklist | None:
    """The worklist straight from a SQLite file already at the newest schema, else None.

    Only the standard library is imported here: this is what the first frame waits for,
    on the UI thread, so a locked file is given up at once (QUICK_READ_WAIT) and left to
    the worker's full read.
    """
    import sqlite3

    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=QUICK_READ_WAIT)
    except sqlite3.Error:
        return None
    try:
        version = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if not version or version[0] != SCHEMA_HEAD:
            return None
        found = connection.execute(COLLECTOR_ID, {"name": collector}).fetchone()
        if found is None:
            return Worklist([], 0)

        def execute(sql: str, params: Mapping[str, object]) -> list[DriverRow]:
            return connection.execute(sql, params).fetchall()

        return read_worklist(execute, found[0], now, class_days, window=window)
    except sqlite3.Error:
        return None
    finally:
        connection.close()


_SQLITE_URL = re.compile(r"^sqlite(\+\w+)?://(?:/(?P<database>[^?]*))?(?:\?.*)?$")


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, read as SQLAlchemy reads it (sqlite:///relative.db,
    sqlite:////absolute.db) but without importing it, which would cost the first paint a
    third of a second; None for another database or one in memory. A leading ~ is the
    home folder (~name another user's; left as it is when there is no such user)."""
    matched = _SQLITE_URL.match(url)
    database = unquote(matched["database"] or "") if matched else ""
    return Path(os.path.expanduser(database)) if database and database != ":memory:" else None


def missing_file(url: str) -> Path | None:
    """The file a SQLite URL names when there is none there yet (a typo in --db, or a desk
    with no database so far); None for any other URL."""
    path = sqlite_file(url)
    return path if path is not None and not path.exists() else None
