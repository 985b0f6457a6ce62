"""Each ended call's summary, and the team's figures added up from them in SQL.

A call's summary (core/figures.py CallFacts) is written in the transaction that stores
its end, so `report` and the dashboard never read events: they add up `figureday`, which
the database keeps equal to the sum of the summaries (triggers of migration 0015), and
read the promises' fates and the missed objections from the summaries themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any, NotRequired, TypedDict

from sqlalchemy import ColumnElement, Row, Table, and_, case, func, insert, select
from sqlalchemy.engine import Connection

from callassist.core.call import DAMAGED, Event
from callassist.core.calls import browse_facts, search_text, words
from callassist.core.compliance import call_masker
from callassist.core.figures import CallFacts, Judge, MissedObjection, Totals, call_facts
from callassist.store.events import stored_event
from callassist.store.models import ACCOUNTS, CALLS, COLLECTORS, DEBTORS, EVENTS, FIGURE_DAYS, INSTALMENTS, PROMISES, SUMMARIES


def parts_json(facts: CallFacts) -> str:
    return json.dumps({item: [count, total] for item, (count, total) in sorted(facts.parts.items())}, separators=(",", ":"))


def write(call_id: str, connection: Connection, judge: Judge = Judge()) -> CallFacts | None:
    """Sum up the ended call `call_id` from its stored events and store its summary (the
    caller commits); its facts, or None for a practice call (which counts for nothing)."""
    call = connection.execute(select(CALLS.c.collector_id, CALLS.c.started_at, CALLS.c.ended_at, CALLS.c.practice, CALLS.c.account_id, COLLECTORS.c.name).join(COLLECTORS, COLLECTORS.c.id == CALLS.c.collector_id).where(CALLS.c.id == call_id)).one()
    day = call.started_at.date()
    events = events_of(connection, [call_id]).get(call_id, [])
    row = {"call_id": call_id, "collector_id": call.collector_id, "day": day, "practice": call.practice} | browse_columns(connection, call, call_id, events, judge)
    if call.practice:
        connection.execute(insert(SUMMARIES), [row | {"parts": "{}"}])
        return None
    facts = call_facts(call_id, call.name, day, events, judge.detect)
    promise = connection.execute(
        select(PROMISES.c.id, func.min(INSTALMENTS.c.due_on), PROMISES.c.status)
        .join(INSTALMENTS, INSTALMENTS.c.promise_id == PROMISES.c.id)
        .where(PROMISES.c.call_id == call_id)
        .group_by(PROMISES.c.id, PROMISES.c.status)
        .order_by(PROMISES.c.id.desc())
        .limit(1)
    ).first()
    missed = facts.missed
    connection.execute(
        insert(SUMMARIES),
        [
            row
            | {
                "damaged": facts.damaged,
                "dialled": facts.dialled,
                "right_party": facts.right_party,
                "promised": facts.promised,
                "promise_id": promise[0] if promise else None,
                "promise_due": promise[1] if promise else None,
                "promise_status": promise[2] if promise else None,
                "parts": parts_json(facts),
                "missed_excuse": missed.excuse if missed else None,
                "missed_score": missed.score if missed else None,
                "missed_note": missed.note if missed else None,
            }
        ],
    )
    return facts


class BrowseColumns(TypedDict):
    """A summary's columns for the calls browser."""

    excuses: str
    flags: str
    promised: NotRequired[bool]  # always given; fill_browse_columns leaves it out for a real call
    seconds: int
    search: str
    search_masked: str


def browse_columns(connection: Connection, call: Row[*tuple[Any, ...]], call_id: str, events: list[Event], judge: Judge) -> BrowseColumns:
    """What the calls browser filters a call by (core/calls.py BrowseFacts): its excuses,
    promise, failed scorecard items, length and searchable text (also without personal
    data, for a trainer). `call`: its row's collector, times, practice flag and account."""
    facts = browse_facts(events)
    card = events[0].payload if events and events[0].kind == "call_started" else {}
    debtor = card.get("debtor", "")
    if call.account_id is not None:
        debtor = connection.execute(select(DEBTORS.c.name).join(ACCOUNTS, ACCOUNTS.c.debtor_id == DEBTORS.c.id).where(ACCOUNTS.c.id == call.account_id)).scalar_one_or_none() or debtor
    if any(event.kind == DAMAGED for event in events):
        flags: tuple[str, ...] = (DAMAGED,)  # a row that does not parse: shown, flagged, not scored
    elif judge.failed is not None:
        flags = judge.failed(events, list(_earlier_calls(connection, call, call_id).values()))
    else:
        flags = ()
    hide = call_masker(card, debtor)
    return {
        "excuses": words(facts.excuses),
        "flags": words(flags),
        "promised": facts.promised,
        "seconds": max(0, int((call.ended_at - call.started_at).total_seconds())) if call.ended_at else 0,
        # A real call's debtor is found by the name the ledger gives now (store/browse.py);
        # a practice call's is its card's.
        "search": search_text(debtor if call.account_id is None else "", facts.notes),
        "search_masked": search_text(hide(debtor), tuple(hide(note) for note in facts.notes)),
    }


def _earlier_calls(connection: Connection, call: Row[*tuple[Any, ...]], call_id: str) -> dict[str, list[Event]]:
    """The events of the calls to the same account in the two days before this one (the
    scorecard keeps those of the debtor's same day)."""
    if call.account_id is None:
        return {}
    ids = connection.execute(select(CALLS.c.id).where(CALLS.c.account_id == call.account_id, CALLS.c.id != call_id, CALLS.c.started_at >= call.started_at - timedelta(days=2), CALLS.c.started_at <= call.started_at)).scalars().all()
    return events_of(connection, list(ids))


def events_of(connection: Connection, call_ids: list[str]) -> dict[str, list[Event]]:
    """The stored events of these calls, each call's in order."""
    found: dict[str, list[Event]] = {call_id: [] for call_id in call_ids}
    if call_ids:
        for row in connection.execute(select(EVENTS).where(EVENTS.c.call_id.in_(call_ids)).order_by(EVENTS.c.call_id, EVENTS.c.seq)):
            found[row.call_id].append(stored_event(row))
    return found


def backfill(connection: Connection, judge: Judge = Judge()) -> int:
    """Summaries for the ended calls that have none (migration 0015); how many were written."""
    waiting = select(CALLS.c.id).where(CALLS.c.ended_at.is_not(None), ~select(SUMMARIES.c.call_id).where(SUMMARIES.c.call_id == CALLS.c.id).exists())
    ids = list(connection.execute(waiting.order_by(CALLS.c.started_at, CALLS.c.id)).scalars())
    for call_id in ids:
        write(call_id, connection, judge)
    return len(ids)


def fill_browse_columns(connection: Connection, summed: Sequence[Row[*tuple[Any, ...]]], judge: Judge) -> None:
    """The browser's columns of summaries written before they existed (migration 0016):
    `summed`, their (call id, practice) rows. A practice call's promise is kept for the
    browser too; a real call's stays what its figures counted."""
    calls = select(CALLS.c.id, CALLS.c.collector_id, CALLS.c.started_at, CALLS.c.ended_at, CALLS.c.practice, CALLS.c.account_id)
    for start in range(0, len(summed), 500):
        chunk = summed[start : start + 500]
        rows = {row.id: row for row in connection.execute(calls.where(CALLS.c.id.in_([call_id for call_id, _ in chunk])))}
        events = events_of(connection, list(rows))
        for call_id, practice in chunk:
            columns = browse_columns(connection, rows[call_id], call_id, events[call_id], judge)
            if not practice:
                del columns["promised"]
            connection.execute(SUMMARIES.update().where(SUMMARIES.c.call_id == call_id).values(**columns))


def totals(connection: Connection, today: date, *, collector_id: int | None = None, date_from: date | None = None, date_to: date | None = None) -> Totals:
    """The summaries of real calls added up, for the days and the collector asked (every
    collector with None), as far as the login may read them (row-level security on a
    team's database): core/figures.py figures_from makes the figures of them."""

    def within(table: Table) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if date_from is not None:
            found.append(table.c.day >= date_from)
        if date_to is not None:
            found.append(table.c.day <= date_to)
        if collector_id is not None:
            found.append(table.c.collector_id == collector_id)
        return found

    result = Totals()
    parts = select(FIGURE_DAYS.c.item, func.sum(FIGURE_DAYS.c.n), func.sum(FIGURE_DAYS.c.total)).where(*within(FIGURE_DAYS)).group_by(FIGURE_DAYS.c.item)
    result.parts = {item: (int(count), float(total)) for item, count, total in connection.execute(parts)}
    per_day = (
        select(FIGURE_DAYS.c.day, func.sum(case((FIGURE_DAYS.c.item == "calls", FIGURE_DAYS.c.n), else_=0)), func.sum(case((FIGURE_DAYS.c.item == "promises", FIGURE_DAYS.c.n), else_=0)))
        .where(FIGURE_DAYS.c.item.in_(("calls", "promises")), *within(FIGURE_DAYS))
        .group_by(FIGURE_DAYS.c.day)
    )
    result.per_day = {day: (int(calls), int(promises)) for day, calls, promises in connection.execute(per_day) if calls}
    status = SUMMARIES.c.promise_status
    due = select(func.count(), func.sum(case((status == "kept", 1), else_=0)), func.sum(case((status == "broken", 1), else_=0))).where(SUMMARIES.c.promise_id.is_not(None), SUMMARIES.c.promised, SUMMARIES.c.promise_due < today, *within(SUMMARIES))
    count, kept, broken = connection.execute(due).one()
    result.promises_due, result.kept, result.broken = int(count or 0), int(kept or 0), int(broken or 0)
    result.missed = list(_missed(connection, within(SUMMARIES)))
    # `damaged` as it stands (`= 1` on SQLite): the condition of ix_callsummary_damaged.
    result.damaged = list(connection.execute(select(SUMMARIES.c.call_id).where(SUMMARIES.c.damaged, *within(SUMMARIES))).scalars())
    return result


def _missed(connection: Connection, conditions: list[ColumnElement[bool]]) -> Iterator[MissedObjection]:
    names = COLLECTORS
    rows = connection.execute(
        select(SUMMARIES.c.call_id, names.c.name, SUMMARIES.c.day, SUMMARIES.c.missed_excuse, SUMMARIES.c.missed_score, SUMMARIES.c.missed_note)
        .join(names, names.c.id == SUMMARIES.c.collector_id)
        .where(and_(SUMMARIES.c.missed_excuse.is_not(None), *conditions))
    )
    for call_id, collector, day, excuse, score, note in rows:
        yield MissedObjection(call_id, collector, day, excuse, score, note)
