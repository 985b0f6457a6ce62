"""The calls browser's rows, a screen at a time: the calls a login may read, filtered and
sorted by the database over what each call's summary keeps (core/calls.py BrowseFacts).

A call not yet ended has no summary: it is listed, sorted and found by its debtor's
name, and its excuses and notes are read from its events when its row is shown; the
filters of what a call came to (excuse, promise, flag) pass only ended calls. A row
damaged after its call ended is flagged when shown; the flag filter finds the calls
damaged when they ended (`audit verify` finds every one).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, false, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from callassist.core.call import DAMAGED
from callassist.core.calls import ANY_FLAG, CallFilter, CallSummary, browse_facts, unwords
from callassist.core.compliance import Viewer, call_masker
from callassist.store.models import ACCOUNTS, CALLS, COLLECTORS, DEBTORS, PAYMENTS, PROMISES, PURGE_LOGS, SUMMARIES
from callassist.store.summaries import events_of


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _folded(text: ColumnElement[str], dialect: str) -> ColumnElement[str]:
    """`text` casefolded as Python does (SQLite's lower() knows only ASCII: store/db.py
    gives each connection a casefold function); PostgreSQL's lower() knows every script."""
    return func.lower(text) if dialect == "postgresql" else func.casefold(text)


def _conditions(wanted: CallFilter, viewer: Viewer, dialect: str) -> tuple[list[ColumnElement[bool]], bool, bool]:
    """The filters as SQL; whether they read the summary, and the debtor."""
    found: list[ColumnElement[bool]] = []
    debtor = False
    if not viewer.reads_team:
        found.append(CALLS.c.collector_id == _collector_id(viewer.name))
    if not wanted.practice:
        found.append(CALLS.c.practice == False)  # noqa: E712
    if wanted.collector is not None:
        found.append(CALLS.c.collector_id == _collector_id(wanted.collector))
    if wanted.date_from is not None:  # days as the summaries count them: UTC
        found.append(CALLS.c.started_at >= datetime.combine(wanted.date_from, time(), UTC))
    if wanted.date_to is not None and wanted.date_to < date.max:  # (the day after the last is the bound)
        found.append(CALLS.c.started_at < datetime.combine(wanted.date_to + timedelta(days=1), time(), UTC))
    if wanted.disposition is not None:
        found.append(CALLS.c.disposition == wanted.disposition)
    if wanted.excuse is not None:
        found.append(SUMMARIES.c.excuses.like(f"% {_escaped(wanted.excuse)} %", escape="\\"))
    if wanted.promised is not None:
        found.append(SUMMARIES.c.promised == True if wanted.promised else or_(SUMMARIES.c.call_id.is_(None), SUMMARIES.c.promised == False))  # noqa: E712
    if wanted.flag is not None:
        found.append(SUMMARIES.c.flags != "" if wanted.flag == ANY_FLAG else SUMMARIES.c.flags.like(f"% {_escaped(wanted.flag)} %", escape="\\"))
    needle = wanted.text.strip().casefold()
    if "\x00" in needle or not _encodable(needle):
        # No stored text holds a NUL (PostgreSQL refuses it; SQLite's LIKE would stop the
        # pattern there) or half of a surrogate pair (no database can store one).
        found.append(false())
    elif needle:
        pattern = f"%{_escaped(needle)}%"
        if viewer.sees_personal_data:  # the notes, and the debtor by the name the ledger gives now
            found.append(or_(SUMMARIES.c.search.like(pattern, escape="\\"), _folded(DEBTORS.c.name, dialect).like(pattern, escape="\\")))
            debtor = True
        else:  # a trainer finds what a trainer is shown
            found.append(SUMMARIES.c.search_masked.like(pattern, escape="\\"))
    summary = bool(needle) or any(value is not None for value in (wanted.excuse, wanted.promised, wanted.flag))
    return found, summary, debtor


def _collector_id(name: str):
    # A subquery, not a join: a count then reads only the calls' index.
    return select(COLLECTORS.c.id).where(COLLECTORS.c.name == name).scalar_subquery()


def _joined(summary: bool, debtor: bool, names: bool = False):
    joined = CALLS.join(COLLECTORS, COLLECTORS.c.id == CALLS.c.collector_id) if names else CALLS
    if summary:
        joined = joined.outerjoin(SUMMARIES, SUMMARIES.c.call_id == CALLS.c.id)
    if debtor:
        joined = joined.outerjoin(ACCOUNTS, ACCOUNTS.c.id == CALLS.c.account_id).outerjoin(DEBTORS, DEBTORS.c.id == ACCOUNTS.c.debtor_id)
    return joined


def count(connection: Connection, wanted: CallFilter, viewer: Viewer) -> int:
    """How many calls pass the filters."""
    found, summary, debtor = _conditions(wanted, viewer, connection.dialect.name)
    return connection.execute(select(func.count()).select_from(_joined(summary, debtor)).where(*found)).scalar_one()


def _order(wanted: CallFilter, viewer: Viewer, dialect: str) -> list[tuple[ColumnElement[Any], bool]]:
    """The sort as (column, descending) pairs, ending on the call's id so it is total."""
    newest: list[tuple[ColumnElement[Any], bool]] = [(CALLS.c.started_at, True), (CALLS.c.id, True)]
    if wanted.sort == "oldest":
        return [(CALLS.c.started_at, False), (CALLS.c.id, False)]
    if wanted.sort == "longest":
        return [(func.coalesce(SUMMARIES.c.seconds, 0), True), *newest]
    if wanted.sort == "collector":  # by the name as it is: the names' index gives the order
        return [(_by_code_point(COLLECTORS.c.name, dialect), False), *newest]
    if wanted.sort == "debtor":
        text = SUMMARIES.c.search if viewer.sees_personal_data else SUMMARIES.c.search_masked
        first_line = func.coalesce(func.split_part(text, "\n", 1) if dialect == "postgresql" else func.substr(text, 1, func.instr(text + "\n", "\n") - 1), "")
        if viewer.sees_personal_data:  # the name the ledger gives now; a practice call's card's
            return [(_by_code_point(func.coalesce(_folded(DEBTORS.c.name, dialect), first_line), dialect), False), *newest]
        # A trainer's, the name as a trainer saw it when the call ended (masked): a call not yet ended, last.
        return [(SUMMARIES.c.call_id.is_(None), False), (_by_code_point(first_line, dialect), False), *newest]
    return newest


def _by_code_point(text: ColumnElement[str], dialect: str) -> ColumnElement[str]:
    """Names in the same order on both databases (PostgreSQL's default collation would
    follow the server's language)."""
    return text.collate("C") if dialect == "postgresql" else text


def _sorted_joins(wanted: CallFilter, viewer: Viewer, summary: bool, debtor: bool) -> tuple[bool, bool, bool]:
    """What the filters and the order read besides the calls: the summary, the debtor, the collector."""
    by_debtor = wanted.sort == "debtor"
    return summary or wanted.sort == "longest" or by_debtor, debtor or (by_debtor and viewer.sees_personal_data), wanted.sort == "collector"


def page(connection: Connection, wanted: CallFilter, viewer: Viewer, offset: int, limit: int, total: int | None = None) -> list[CallSummary]:
    """The rows `offset` to `offset + limit` of the filtered, sorted calls. With `total`
    (count's answer), a page past the middle is read from the end, backwards, so that
    the database skips the fewer rows."""
    found, summary, debtor = _conditions(wanted, viewer, connection.dialect.name)
    order = _order(wanted, viewer, connection.dialect.name)
    backwards = total is not None and offset > total // 2
    skip = offset
    if backwards and total is not None:
        skip = max(0, total - offset - limit)
        limit = min(limit, total - offset)
        order = [(column, not descending) for column, descending in order]
    if limit <= 0:
        return []
    ids = select(CALLS.c.id).select_from(_joined(*_sorted_joins(wanted, viewer, summary, debtor))).where(*found).order_by(*(column.desc() if descending else column.asc() for column, descending in order)).offset(skip).limit(limit)
    chosen = list(connection.execute(ids).scalars())
    if backwards:
        chosen.reverse()
    return _rows(connection, chosen, viewer)


def position(connection: Connection, wanted: CallFilter, viewer: Viewer, call_id: str) -> int | None:
    """Where the call `call_id` now is among the filtered, sorted calls (so a screen
    read again keeps it highlighted); None when it no longer passes the filters."""
    found, summary, debtor = _conditions(wanted, viewer, connection.dialect.name)
    order = _order(wanted, viewer, connection.dialect.name)
    joined = _joined(*_sorted_joins(wanted, viewer, summary, debtor))
    values = connection.execute(select(*(column for column, _ in order)).select_from(joined).where(CALLS.c.id == call_id, *found)).first()
    if values is None:
        return None
    before = None  # the rows sorted before it: by the first key, or equal on it and before by the next
    for (column, descending), value in reversed(list(zip(order, values))):
        value = literal(value)  # (a boolean key too)
        ahead = column > value if descending else column < value
        before = ahead if before is None else or_(ahead, and_(column == value, before))
    assert before is not None, "every order has a key"
    return connection.execute(select(func.count()).select_from(joined).where(*found, before)).scalar_one()


def _rows(connection: Connection, call_ids: list[str], viewer: Viewer) -> list[CallSummary]:
    if not call_ids:
        return []
    rows = connection.execute(
        select(
            CALLS.c.id,
            CALLS.c.started_at,
            CALLS.c.ended_at,
            CALLS.c.practice,
            CALLS.c.disposition,
            COLLECTORS.c.name.label("collector"),
            DEBTORS.c.name.label("debtor"),
            SUMMARIES.c.call_id.label("summed"),
            SUMMARIES.c.excuses,
            SUMMARIES.c.flags,
            SUMMARIES.c.promised,
        )
        .select_from(_joined(True, True, True))
        .where(CALLS.c.id.in_(call_ids))
    ).all()
    by_id = {row.id: row for row in rows}
    # Its events give a row its card (the debtor of a practice call, what hides personal
    # data) and notes, and show a row damaged since the call was summed up.
    events = events_of(connection, call_ids)
    found: list[CallSummary] = []
    for call_id in call_ids:
        row, stored = by_id[call_id], events[call_id]
        facts = browse_facts(stored)
        card = stored[0].payload if stored and stored[0].kind == "call_started" else {}
        shown, notes = row.debtor or card.get("debtor", ""), facts.notes
        if not viewer.sees_personal_data:
            hide = call_masker(card, shown)
            shown, notes = hide(shown), tuple(hide(note) for note in notes)
        if row.summed is None:  # not ended: what its events say so far
            excuses, flags, promised = facts.excuses, (), facts.promised
        else:
            excuses, flags, promised = unwords(row.excuses), unwords(row.flags), bool(row.promised)
        if any(e.kind == DAMAGED for e in stored):
            flags = (DAMAGED,)  # its scorecard no longer holds
        found.append(CallSummary(call_id, row.started_at, row.ended_at, row.collector, shown, bool(row.practice), row.disposition, excuses, promised, notes, flags))
    return found


def collectors(connection: Connection, viewer: Viewer) -> list[str]:
    """The names of the collectors whose calls the login may read, who made one."""
    made = select(CALLS.c.id).where(CALLS.c.collector_id == COLLECTORS.c.id).exists()
    names = select(COLLECTORS.c.name).where(made).order_by(COLLECTORS.c.name)
    if not viewer.reads_team:
        names = names.where(COLLECTORS.c.name == viewer.name)
    return list(connection.execute(names).scalars())


def figures_stamp(connection: Connection) -> tuple[object, ...]:
    """What changes when the figures may have: the calls' stamp, and the latest promise
    and payment (one index lookup each). A promise judged later (its day passed) moves
    none of them: the dashboard reads the figures again on a new day and now and then."""
    latest = [select(func.max(table.c.id)).scalar_subquery() for table in (PROMISES, PAYMENTS)]
    return stamp(connection) + tuple(connection.execute(select(*latest)).one())


def stamp(connection: Connection) -> tuple[object, ...]:
    """What changes when a call is stored, ends or is purged: the latest start and end
    and the latest purge (each one index lookup, whatever the calls' number). A screen
    that lists calls reads them again only when this changed."""
    return tuple(connection.execute(select(select(func.max(CALLS.c.started_at)).scalar_subquery(), select(func.max(CALLS.c.ended_at)).scalar_subquery(), select(func.max(PURGE_LOGS.c.id)).scalar_subquery())).one())
