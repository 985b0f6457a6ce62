"""Queries the app needs, each a function taking `session=`.

Writes that belong together (events and what they imply: the call's state, a promise,
the account's last contact) are committed in one transaction, so a crash leaves either
all of them or none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any, NotRequired, TypedDict

from sqlalchemy import Connection, bindparam, case, func, insert, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from callassist.core.account import AccountSnapshot, InvoiceLine, PastPromise, calls_missed
from callassist.core.call import DAMAGED, Event
from callassist.core.calls import CallReview, ChainBreak, UnfinishedCall
from callassist.core.compliance import Attempt, Masker, Viewer, masker, retention_floor
from callassist.core.errors import AccessDenied, StoreError
from callassist.core.figures import Judge, Totals
from callassist.core.flow import NOT_DIALLED, VERIFIED
from callassist.core.priority import DEFAULT_CLASS_DAYS, Worklist, parse_flags, parse_work_starts
from callassist.core.promises import outstanding
from callassist.store import db, sql, summaries
from callassist.store.events import GENESIS, canonical, event_hash, same_event, stored_event, verify_chain
from callassist.store.holds import holds_in_force, place_hold
from callassist.store.ledger import add_promise
from callassist.store.models import ACCOUNTS, CALLS, CLAIMS, COLLECTORS, DEBTORS, EVENTS, PROMISES, REVIEWS, Account, Call, CallEvent, Collector, Contact, Debtor, Instalment, Invoice, Promise, PurgeLog, Review, row_of, saved_id
from callassist.store.sql import month_of
from callassist.store.types import DAMAGED_TIME, UTCDateTime


def collector_by_name(name: str, *, session: Session, create: bool = False) -> Collector | None:
    found = session.exec(select(Collector).where(Collector.name == name)).first()
    if found is None and create:
        found = Collector(name=name, display_name=name)
        session.add(found)
        session.flush()  # its id, for the caller's transaction
    return found


def worklist(collector_id: int, now: datetime, *, session: Session, class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS, limit: int = sql.WORKLIST_SIZE, window: tuple[time, time] | None = None) -> Worklist:
    """The collector's best calls now, best first, each with the reasons for its place;
    those outside the contact rules' `window` (their hours) after all the others."""
    return sql.read_worklist(_executor(session), collector_id, now, class_days, limit, window)


def held_accounts(collector_id: int, *, session: Session) -> tuple[tuple[int, str, str, str], ...]:
    """The open accounts of the collector's worklist that holds keep off it: (id, debtor, contact, phone)."""
    return sql.read_held(_executor(session), collector_id)


def worklist_owners(collector_id: int, *, session: Session) -> tuple[int, ...]:
    """Whose accounts the collector's worklist offers: their own and the team's queue."""
    return sql.worklist_owners(_executor(session), collector_id)


def next_calls(collector_id: int, now: datetime, *, session: Session, class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS, limit: int = 20, window: tuple[time, time] | None = None) -> list[sql.WorklistRow]:
    """Only the best `limit` calls now, with their reasons (the worklist without its count)."""
    execute = _executor(session)
    return sql.read_next_calls(execute, sql.worklist_owners(execute, collector_id), now, class_days, limit, window)


@lru_cache(maxsize=256)
def _for_psycopg(statement: str) -> str:
    """A statement as psycopg takes it, compiled by SQLAlchemy (its :named parameters as
    %(named)s, its percent signs doubled); the worklist's statements are few and run
    often, so each is compiled once."""
    return str(text(statement).compile(dialect=_PSYCOPG))


_PSYCOPG = psycopg_dialect()


def _executor(session: Session) -> sql.Execute:
    """Runs sql's statements in the session's transaction, straight through the driver:
    SQLAlchemy's work per statement would be most of the worklist's time (measured by
    `callassist bench --only worklist`). SQLite takes
    their :named parameters as they are (as on the first paint); psycopg its own way."""
    raw = db.driver(session)
    if session.connection().dialect.name == "sqlite":
        return lambda statement, params: raw.execute(statement, params).fetchall()

    def execute(statement: str, params: Mapping[str, object]) -> list[sql.DriverRow]:
        with raw.cursor() as cursor:
            cursor.execute(_for_psycopg(statement), params)
            return cursor.fetchall()

    return execute


def account_snapshot(account_id: int, *, session: Session) -> AccountSnapshot:
    account = row_of(session, Account, account_id)
    debtor = row_of(session, Debtor, account.debtor_id)
    contact = row_of(session, Contact, account.contact_id)
    invoices = session.exec(select(Invoice).where(Invoice.account_id == account_id).order_by(col(Invoice.due_on), col(Invoice.id))).all()
    # What payments have settled (the oldest invoices first) is not owed, and not said, any more.
    owed = outstanding([i.amount for i in invoices], sum((i.amount for i in invoices), Decimal(0)) - account.balance)
    # Newest first, the one in force before all: it is what the call speaks of as the last promise.
    promises = session.exec(select(Promise).where(Promise.account_id == account_id).order_by((col(Promise.status) == "open").desc(), col(Promise.created_at).desc(), col(Promise.id).desc())).all()
    past: list[PastPromise] = []
    for promise in promises:
        instalments = session.exec(select(Instalment).where(Instalment.promise_id == promise.id).order_by(col(Instalment.seq))).all()
        due = instalments[0].due_on if instalments else promise.created_at.date()
        coming = next((i for i in instalments if i.paid < i.amount), None)
        past.append(
            PastPromise(
                promise.total,
                due,
                promise.status,
                sum((i.paid for i in instalments), Decimal(0)),
                coming.due_on if coming else None,
                coming.amount - coming.paid if coming else None,
                max(1, len(instalments)),
                instalments[-1].due_on if instalments else due,
            )
        )
    return AccountSnapshot(
        account_id=account_id,
        debtor=debtor.name,
        contact_name=contact.name,
        contact_role=contact.role,
        salutation=contact.salutation,
        phone=contact.phone,
        contact_stop=contact.stop,
        timezone=debtor.timezone,
        currency=account.currency,
        balance=account.balance,
        invoices=tuple(InvoiceLine(i.number, i.issued_on, i.due_on, left) for i, left in zip(invoices, owed) if left > 0),
        promises=tuple(past),
        flags=parse_flags(account.flags),
        work_starts=parse_work_starts(debtor.work_starts),
        holds=holds_in_force(account_id, session=session),
        debtor_kind=debtor.kind,
        missed_calls=missed_calls(account_id, session=session),
    )


def missed_calls(account_id: int, *, session: Session) -> int:
    """The account's calls since one last reached a person, that reached nobody or a machine."""
    return calls_missed(session.exec(select(Call.disposition).where(Call.account_id == account_id, col(Call.ended_at).is_not(None)).order_by(col(Call.started_at).desc()).limit(50)).all())


# On PostgreSQL a call is opened only through the database's function (migration 0009),
# which stamps a team login's call with the server's time and checks the account is held.
_START_CALL = text("SELECT callassist.start_call(:id, :account, :collector, :script, :hash, :locale, :state, :practice, :persona, :started)").bindparams(bindparam("started", type_=UTCDateTime()))


def record_call(call: Call, events: list[Event], *, session: Session, judge: Judge = Judge()) -> tuple[int, str]:
    """Add the call row and its events to the session's transaction (the caller commits);
    `call.started_at` becomes the time the database gave it. `judge`: see append_events."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        started = connection.execute(
            _START_CALL,
            {
                "id": call.id,
                "account": call.account_id,
                "collector": call.collector_id,
                "script": call.script,
                "hash": call.script_hash,
                "locale": call.locale,
                "state": call.state,
                "practice": call.practice,
                "persona": call.persona,
                "started": call.started_at,
            },
        ).scalar_one()
        call.started_at = started.astimezone(UTC)
    else:
        session.add(call)
        session.flush()
    return _append(call.id, events, session, judge=judge)


def append_events(call_id: str, events: list[Event], *, session: Session, after_seq: int | None = None, chain_end: tuple[int, str] | None = None, judge: Judge = Judge()) -> tuple[int, str]:
    """Add events at the end of the call's chain, and what they imply, to the session's
    transaction (the caller commits); the chain's end (seq, hash) after them.

    With `after_seq` (the last event the caller knows is stored) the events are stored
    only there: if the chain already holds them there (a commit whose answer was lost),
    nothing is stored; StoreError if the chain holds anything else. With `chain_end` (the
    end the caller's last store left) the end is not read first, which saves a round trip
    on every keystroke; should the chain have moved on meanwhile, its unique (call, seq)
    refuses the events, and they go the checked way. Core statements, not ORM objects:
    this is on every keystroke's path. The call's end stores its summary too
    (store/summaries.py), judged by `judge` (its notes read for an objection left
    unanswered, its scorecard's failed items).
    """
    try:
        return _append(call_id, events, session, after_seq, chain_end, judge)
    except IntegrityError:
        if chain_end is None:
            raise
        session.rollback()  # the caller's unit of work holds nothing else (calls.store)
        return _append(call_id, events, session, chain_end[0], judge=judge)


class _EventValues(TypedDict):
    """An event's row as it is inserted; on SQLite the store adds the chain's hashes."""

    call_id: str
    seq: int
    kind: str
    at: datetime
    payload: str
    prev_hash: NotRequired[str]
    hash: NotRequired[str]


def _append(call_id: str, events: list[Event], session: Session, after_seq: int | None = None, chain_end: tuple[int, str] | None = None, judge: Judge = Judge()) -> tuple[int, str]:
    connection = session.connection()
    if chain_end is not None:
        seq, prev = chain_end
    else:
        last = connection.execute(select(EVENTS.c.seq, EVENTS.c.hash).where(EVENTS.c.call_id == call_id).order_by(EVENTS.c.seq.desc()).limit(1)).first()
        seq, prev = (last[0], last[1]) if last else (0, GENESIS)
        if after_seq is not None and seq != after_seq:
            stored = _stored_as(call_id, events, after_seq, connection)
            if stored is None:
                raise StoreError(f"call {call_id}: these events follow event {after_seq}, but the database holds {seq} events of the call, and not these")
            return stored
    if not events:
        return seq, prev
    rows: list[_EventValues] = [{"call_id": call_id, "seq": seq + n, "kind": event.kind, "at": event.at, "payload": canonical(event.payload)} for n, event in enumerate(events, 1)]
    if connection.dialect.name == "postgresql":
        # The database sets a team login's times and makes the chain (migration 0009).
        end = max(connection.execute(_insert_events(len(rows)), {f"{name}_{n}": value for n, row in enumerate(rows) for name, value in row.items()}).all())
    else:
        for row in rows:
            row["prev_hash"] = prev
            row["hash"] = prev = event_hash(call_id, row["seq"], row["kind"], row["at"].isoformat(), row["payload"], prev)
        connection.execute(insert(EVENTS), rows)
        end = (rows[-1]["seq"], prev)
    for event in events:
        _apply(call_id, event, session, judge)
    return tuple(end)


@lru_cache(maxsize=16)
def _insert_events(count: int):
    """`count` events in one statement, their chain's end back (PostgreSQL). One text per
    count, compiled once: the driver prepares it, so the table's policies and trigger are
    not planned again on every keystroke."""
    rows = ", ".join(f"(:call_id_{n}, :seq_{n}, :kind_{n}, :at_{n}, :payload_{n})" for n in range(count))
    return text(f"INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES {rows} RETURNING seq, hash").bindparams(*(bindparam(f"at_{n}", type_=UTCDateTime()) for n in range(count)))


def _stored_as(call_id: str, events: list[Event], after_seq: int, connection: Connection) -> tuple[int, str] | None:
    """Where the chain ends after these events if it already holds them after `after_seq`,
    else None. Compared by kind and payload: the database may have set their times."""
    stored = connection.execute(select(EVENTS.c.seq, EVENTS.c.hash, EVENTS.c.kind, EVENTS.c.payload).where(EVENTS.c.call_id == call_id, EVENTS.c.seq > after_seq, EVENTS.c.seq <= after_seq + len(events)).order_by(EVENTS.c.seq)).all()
    if len(stored) != len(events) or not all(row.kind == event.kind and same_event(row.payload, event.payload) for row, event in zip(stored, events)):
        return None
    return (stored[-1].seq, stored[-1].hash) if stored else None


def _promise_captured(call_id: str, event: Event, session: Session, judge: Judge) -> None:
    connection = session.connection()
    account_id = connection.execute(select(CALLS.c.account_id).where(CALLS.c.id == call_id)).scalar_one()
    if account_id is None:
        return  # a practice call: the promise is in its events, and no account owes it
    payload = event.payload
    plan = [(date.fromisoformat(instalment["due"]), Decimal(instalment["amount"])) for instalment in payload["instalments"]]
    add_promise(account_id, call_id, payload["currency"], Decimal(payload["total"]), payload["method"], payload["channel"], plan, event.at, session=session)


def _hold_placed(call_id: str, event: Event, session: Session, judge: Judge) -> None:
    place_hold(call_id, event.payload, event.at, session=session)


def _call_ended(call_id: str, event: Event, session: Session, judge: Judge) -> None:
    connection = session.connection()
    payload = event.payload
    summaries.write(call_id, connection, judge)
    if payload["disposition"] == NOT_DIALLED:  # nothing happened to the account
        return
    account_id = connection.execute(select(CALLS.c.account_id).where(CALLS.c.id == call_id)).scalar_one()
    if account_id is None:
        return
    month = month_of(event.at.date())
    callback = payload.get("callback_at")
    # The standing is left stale (priority_on NULL): the workspace settles it with its settings.
    connection.execute(
        update(ACCOUNTS)
        .where(ACCOUNTS.c.id == account_id)
        .values(
            last_contact_at=event.at,
            last_outcome=payload["disposition"],
            priority_on=None,
            callback_at=datetime.fromisoformat(callback) if callback else None,
            calls_in_month=case((ACCOUNTS.c.calls_month == month, ACCOUNTS.c.calls_in_month + 1), else_=1),
            calls_month=month,
        )
    )


# What an event changes in the ledger, by its kind; a kind not here changes nothing in it.
# Its effect on the call's own row (the step, the end), on the account's hold and on the
# contact's stop is the database's (triggers of migration 0009).
EFFECTS: dict[str, Callable[[str, Event, Session, Judge], None]] = {
    "promise_captured": _promise_captured,
    "hold_placed": _hold_placed,
    "call_ended": _call_ended,
}


def _apply(call_id: str, event: Event, session: Session, judge: Judge) -> None:
    effect = EFFECTS.get(event.kind)
    if effect is not None:
        effect(call_id, event, session, judge)


def call_events(call_id: str, *, session: Session) -> list[Event]:
    """The stored events of a call, in order, as the core's Event values."""
    rows = session.exec(select(CallEvent).where(CallEvent.call_id == call_id).order_by(col(CallEvent.seq))).all()
    return [stored_event(row) for row in rows]


def attached_recordings(call_ids: list[str], *, session: Session) -> list[tuple[str, dict[str, Any]]]:
    """The recordings attached to these calls, as (call id, what the log keeps of each)."""
    if not call_ids:
        return []
    rows = session.exec(select(CallEvent).where(CallEvent.kind == "recording_attached", col(CallEvent.call_id).in_(call_ids)).order_by(col(CallEvent.call_id), col(CallEvent.seq))).all()
    return [(row.call_id, stored_event(row).payload) for row in rows]


def recordings_before(day: date, *, session: Session) -> list[str]:
    """The recording files (relative to the data folder) of the calls started before `day`
    (UTC): what a purge of those calls takes with them."""
    cutoff = datetime.combine(day, time(0, 0), UTC)
    ids = list(session.exec(select(Call.id).where(Call.started_at < cutoff)).all())
    return [str(kept.get("file", "")) for start in range(0, len(ids), 500) for _, kept in attached_recordings(ids[start : start + 500], session=session)]


def verify_call(call_id: str, *, session: Session) -> ChainBreak | None:
    """Where the call's stored events stop being what was written, or None when intact.

    LookupError when there is no such call."""
    call = session.get(Call, call_id)
    if call is None:
        raise LookupError(f"no call {call_id}")
    rows = session.exec(select(CallEvent).where(CallEvent.call_id == call_id).order_by(col(CallEvent.seq))).all()
    return verify_chain(call_id, rows, ended=call.ended_at is not None)


def calls_in_progress(now: datetime, viewer: Viewer, *, session: Session) -> list[tuple[str, str, str, str, datetime]]:
    """The calls on someone's screen now (their account held, store/claims.py), oldest
    first, as (call id, collector, debtor, step, started) that `viewer` may read; none for
    a viewer who may not see personal data."""
    if not viewer.sees_personal_data:
        return []
    # sqlmodel's exec() has no select of five columns: SQLAlchemy's execute, which it deprecates.
    rows = session.execute(  # pyright: ignore[reportDeprecated]
        sa_select(CALLS.c.id, COLLECTORS.c.name, DEBTORS.c.name, CALLS.c.state, CALLS.c.started_at)
        .join(CLAIMS, CLAIMS.c.call_id == CALLS.c.id)
        .join(COLLECTORS, COLLECTORS.c.id == CALLS.c.collector_id)
        .join(ACCOUNTS, ACCOUNTS.c.id == CALLS.c.account_id)
        .join(DEBTORS, DEBTORS.c.id == ACCOUNTS.c.debtor_id)
        .where(CLAIMS.c.expires_at > now, CALLS.c.ended_at.is_(None))
        .order_by(CALLS.c.started_at)
    ).all()
    return [tuple(row) for row in rows if viewer.may_see(row[1])]


def check_account_access(account_id: int, viewer: Viewer, collector_id: int, *, session: Session) -> None:
    """AccessDenied unless `viewer` may work this account: a collector their own and the
    team's queue, a supervisor any; a trainer none (content and practice calls, not the ledger)."""
    if not viewer.sees_personal_data:
        raise AccessDenied("a trainer works with scripts and practice calls, not with accounts (--role collector or supervisor)")
    account = session.get(Account, account_id)
    if account is None:  # or, on a team's database, one its policies keep from this user
        raise AccessDenied(f"no account {account_id} that {viewer.name} may work")
    if not viewer.reads_team and account.collector_id not in sql.worklist_owners(_executor(session), collector_id):
        raise AccessDenied(f"account {account.external_id} belongs to another collector: a collector works only their own accounts")


def readable_call(call_id: str, viewer: Viewer, *, session: Session) -> list[Event]:
    """A call's events as `viewer` may read them: AccessDenied for another collector's
    call, personal data masked for a viewer who may not see it; LookupError if none."""
    call = session.get(Call, call_id)
    if call is None:
        raise LookupError(call_id)
    made_by = row_of(session, Collector, call.collector_id).name
    if not viewer.may_see(made_by):
        raise AccessDenied(f"call {call_id} was made by {made_by}: a collector reads only their own calls (--role supervisor reads the team's)")
    events = call_events(call_id, session=session)
    if viewer.sees_personal_data or not events:
        return events
    hide = masker(events[0].payload)
    return [Event(event.kind, hide(event.payload), event.at) for event in events]


def sibling_events(call_id: str, *, session: Session) -> list[list[Event]] | None:
    """The events of every other call to the same account (None for a practice call)."""
    account_id = row_of(session, Call, call_id).account_id
    if account_id is None:
        return None
    others = session.exec(select(Call.id).where(Call.account_id == account_id, Call.id != call_id)).all()
    return [call_events(other, session=session) for other in others]


# What the contact rules count of a debtor's earlier calls: their first event and their
# choices, reduced to the facts the rules need. On PostgreSQL the database's own function
# reads them, whoever made the calls (a login reads only its own calls).
_DEBTOR_CALLS_SQL = {
    "postgresql": "SELECT * FROM callassist.debtor_calls(:account, :since, :excluding)",
    "sqlite": """
        SELECT min(CASE WHEN e.kind = 'choice_made' THEN e.at END) AS dialled_at, max(a.id = mine.id) AS this_account,
               max(CASE WHEN e.kind = 'call_started' AND t.phone IS json_extract(e.payload, '$.phone') THEN t.phone END) AS phone,
               NOT max(e.kind = 'choice_made' AND json_extract(e.payload, '$.disposition') IS 'no_answer') AS answered,
               max(e.kind = 'choice_made' AND EXISTS (SELECT 1 FROM json_each(e.payload, '$.sets') WHERE value = :verified)) AS conversation
        FROM account mine JOIN contact t ON t.id = mine.contact_id JOIN account a ON a.debtor_id = mine.debtor_id
        JOIN call c ON c.account_id = a.id JOIN callevent e ON e.call_id = c.id
        WHERE mine.id = :account AND NOT c.practice AND c.started_at >= :since AND c.id IS NOT :excluding AND e.kind IN ('call_started', 'choice_made')
        GROUP BY c.id HAVING max(e.kind = 'choice_made')
        ORDER BY dialled_at""",
}
_DEBTOR_CALLS = {name: text(statement).bindparams(bindparam("since", type_=UTCDateTime())).columns(dialled_at=UTCDateTime()) for name, statement in _DEBTOR_CALLS_SQL.items()}


def contact_attempts(account_id: int, since: datetime, *, session: Session, excluding: str | None = None) -> list[Attempt]:
    """The calls dialled since `since` to any account of this account's debtor, by anyone
    (practice calls never count), as the contact rules count them. A call is dialled once
    its first step has a choice made (what the phone did); `excluding` leaves out the call
    under way. Of each only what the rules count is read (migration 0009's
    callassist.debtor_calls on PostgreSQL): an attempt on another account has account_id
    None, and on another number than this account's contact's phone None."""
    connection = session.connection()
    parameters = {"account": account_id, "since": since, "excluding": excluding} | ({"verified": VERIFIED} if connection.dialect.name == "sqlite" else {})
    return [Attempt(dialled_at, account_id if this_account else None, phone, bool(answered), bool(conversation)) for dialled_at, this_account, phone, answered, conversation in connection.execute(_DEBTOR_CALLS[connection.dialect.name], parameters)]


def purge_calls(log: PurgeLog, years: int, *, session: Session, dry_run: bool = False) -> PurgeLog:
    """Delete every call started before `log.before` (UTC), with its events and reviews;
    promises made on those calls stay in the ledger, no longer tied to a call. Refused
    (StoreError) while that day is younger than `years` (the profile's) or the floor the
    database keeps to, whichever is longer. `log` gets the counts and is stored in the
    same transaction (nothing is stored or deleted on a dry run). On PostgreSQL the
    database's own purge deletes, checks and logs (migration 0009); the caller commits."""
    kept = max(years, db.retention_years(session))
    latest = retention_floor(kept, log.purged_at.date())
    if log.before > latest:
        raise StoreError(f"call records are kept at least {kept} years here: --before may be {latest.isoformat()} at the latest (today is {log.purged_at.date().isoformat()})")
    cutoff = datetime.combine(log.before, time(0, 0), UTC)
    ids = list(session.exec(select(Call.id).where(Call.started_at < cutoff)).all())
    log.calls, log.events, log.reviews = len(ids), 0, 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        log.events += session.exec(select(func.count()).select_from(CallEvent).where(col(CallEvent.call_id).in_(chunk))).one()
        log.reviews += session.exec(select(func.count()).select_from(Review).where(col(Review.call_id).in_(chunk))).one()
    if dry_run or not ids:
        return log
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        found = connection.execute(text("SELECT * FROM callassist.purge(:before, :profile, :years, :today, :by)"), {"before": log.before, "profile": log.profile, "years": years, "today": log.purged_at.date(), "by": log.by}).one()
        log.id, log.calls, log.events, log.reviews = found
        return log
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        connection.execute(update(PROMISES).where(PROMISES.c.call_id.in_(chunk)).values(call_id=None))
        for table in (EVENTS, REVIEWS):
            connection.execute(table.delete().where(table.c.call_id.in_(chunk)))
        connection.execute(CALLS.delete().where(CALLS.c.id.in_(chunk)))
    session.add(log)
    session.flush()
    return log


def team_totals(*, session: Session, viewer: Viewer, today: date, date_from: date | None = None, date_to: date | None = None, collector: str | None = None) -> Totals:
    """The summaries of real (not practice) calls added up, for team figures
    (core/figures.py figures_from); a collector's are of their own calls, and a trainer's
    missed objections come without their notes."""
    if not viewer.reads_team:
        collector = viewer.name
    collector_id = None
    if collector:
        found = collector_by_name(collector, session=session)
        if found is None:
            return Totals()
        collector_id = found.id
    totals = summaries.totals(session.connection(), today, collector_id=collector_id, date_from=date_from, date_to=date_to)
    if not viewer.sees_personal_data:  # a note may name the debtor: a trainer gets the excuse and its score
        totals.missed = [replace(missed, note="") for missed in totals.missed]
    return totals


def add_review(call_id: str, reviewer: str, score: int, comment: str, at: datetime, *, session: Session) -> None:
    """Add a supervisor's score and comment on a call to the session's transaction."""
    session.add(Review(call_id=call_id, reviewer=reviewer, score=score, comment=comment, created_at=at))


def reviews(call_id: str, *, session: Session) -> list[CallReview]:
    """A call's manual reviews, oldest first."""
    rows = session.exec(select(Review).where(Review.call_id == call_id).order_by(col(Review.created_at), col(Review.id))).all()
    return [CallReview(row.reviewer, row.score, row.comment, row.created_at) for row in rows]


EXPORTS = ("calls", "events", "promises")


def export_rows(what: str, *, session: Session, viewer: Viewer):
    """Rows of plain values for other tools: every call, every event, or every promise that
    `viewer` may read (a collector's own; for a trainer, without personal data)."""
    collectors = dict(session.exec(select(Collector.id, Collector.name)).all())
    made_by = {call_id: collectors[collector_id] for call_id, collector_id in session.exec(select(Call.id, Call.collector_id)).all()}
    masking = not viewer.sees_personal_data
    if what == "calls":
        for call, collector in session.exec(select(Call, Collector.name).join(Collector, col(Collector.id) == Call.collector_id).order_by(col(Call.started_at))).all():
            if viewer.may_see(collector):
                yield {
                    "call_id": call.id,
                    "started_at": call.started_at.isoformat(),
                    "ended_at": call.ended_at.isoformat() if call.ended_at else None,
                    "collector": collector,
                    "account_id": None if masking else call.account_id,
                    "disposition": call.disposition,
                    "practice": call.practice,
                    "persona": call.persona,
                    "script": call.script,
                    "script_hash": call.script_hash,
                    "locale": call.locale,
                }
    elif what == "events":
        hide: Masker = masker({})
        masked_call = None
        for row in session.exec(select(CallEvent).order_by(col(CallEvent.call_id), col(CallEvent.seq))).all():
            if not viewer.may_see(made_by[row.call_id]):
                continue
            payload, event = row.payload, stored_event(row)
            if masking:
                if row.call_id != masked_call:  # the call's first event read is its card
                    hide, masked_call = masker(event.payload if event.kind != DAMAGED else {}), row.call_id
                payload = canonical(event.payload if event.kind == DAMAGED else hide(event.payload))
            yield {"call_id": row.call_id, "seq": row.seq, "kind": row.kind, "at": None if row.at == DAMAGED_TIME else row.at.isoformat(), "payload": payload, "hash": row.hash}
    else:
        first_due = dict(session.exec(select(Instalment.promise_id, func.min(Instalment.due_on)).group_by(col(Instalment.promise_id))).all())
        owners = {account_id: collectors[collector_id] for account_id, collector_id in session.exec(select(Account.id, Account.collector_id)).all()}
        for promise in session.exec(select(Promise).order_by(col(Promise.id))).all():
            if not viewer.may_see(owners[promise.account_id]):
                continue
            due = first_due.get(saved_id(promise))
            yield {
                "promise_id": promise.id,
                "account_id": None if masking else promise.account_id,
                "call_id": promise.call_id,
                "currency": promise.currency,
                "total": str(promise.total),
                "method": promise.method,
                "channel": promise.channel,
                "status": promise.status,
                "created_at": promise.created_at.isoformat(),
                "first_due": due.isoformat() if due else None,
            }


def readable_call_ids(viewer: Viewer, *, session: Session) -> list[str]:
    """Every call `viewer` may read (a collector their own), oldest first."""
    rows = session.exec(select(Call.id, Collector.name).join(Collector, col(Collector.id) == Call.collector_id).order_by(col(Call.started_at), col(Call.id))).all()
    return [call_id for call_id, made_by in rows if viewer.may_see(made_by)]


def unfinished_calls(collector_id: int, *, session: Session) -> list[UnfinishedCall]:
    """Calls this collector started and never ended (a crash, a killed terminal), newest first."""
    return sql.read_unfinished(_executor(session), collector_id)
