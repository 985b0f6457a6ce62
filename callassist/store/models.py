"""The tables. Every change here needs an Alembic migration (a test compares them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, TypedDict, TypeVar, cast

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Table, Text, UniqueConstraint, inspect, text
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Field, Session, SQLModel

from callassist.store.types import Amount, UTCDateTime


class _Where(TypedDict):
    sqlite_where: TextClause
    postgresql_where: TextClause


def only_where(condition: str) -> _Where:
    """A partial index's condition, for both databases."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


def amount_field(default: Decimal | None = None) -> Decimal:
    """A NOT NULL amount; `default`, what a new row holds when it is not given."""
    column = Column(Amount(), nullable=False)
    return Field(sa_column=column) if default is None else Field(default=default, sa_column=column)


def time_field(nullable: bool = False) -> datetime:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable))


# The ids of what calls and reviews add, on PostgreSQL: 64 bits, so that no login's
# refused inserts (each takes an id) use them up (migration 0009). A SQLite row's id is
# its rowid, which is 64 bits already.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


def big_id_field() -> int | None:
    return Field(default=None, sa_column=Column(BIG_ID, primary_key=True))


class Collector(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    display_name: str


class Debtor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True)
    name: str
    kind: str = "company"  # company or consumer
    timezone: str
    work_starts: str | None = None  # "HH:MM" local: the first minutes of their day are the best time to call
    income_day: int | None = None  # day of the month their money comes in, when known


class Contact(SQLModel, table=True):
    # The few contacts who asked not to be called, found without a scan when an account is claimed.
    __table_args__ = (Index("ix_contact_stopped", "id", **only_where("stop IS NOT NULL")),)
    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    name: str
    role: str
    # How the collector addresses them, when the accounts file says (else core/names.py works it out).
    salutation: str = ""
    phone: str = Field(index=True)
    is_primary: bool = True
    # do_not_call (this number asked not to be called) or cease_contact (the debtor asked
    # for no more contact): never offered for a call again (core/compliance.py STOPS).
    stop: str | None = None


class Account(SQLModel, table=True):
    # The worklist walks each clock's accounts by standing (the first two indexes); the
    # other two find what is due now without a scan. All but the first hold only the
    # accounts that have what they index: a few in a large ledger.
    __table_args__ = (
        Index("ix_account_worklist", "collector_id", "closed", "clock", "priority", "id"),
        Index("ix_account_income", "collector_id", "closed", "clock", "income_day", "priority", "id", **only_where("income_day IS NOT NULL")),
        Index("ix_account_callback", "collector_id", "closed", "callback_at", **only_where("callback_at IS NOT NULL")),
        Index("ix_account_promise_due", "collector_id", "closed", "next_promise_due", **only_where("next_promise_due IS NOT NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    contact_id: int = Field(foreign_key="contact.id")
    collector_id: int = Field(foreign_key="collector.id")
    currency: str
    balance: Decimal = amount_field()
    oldest_due: date | None = None
    priority: float = 0.0  # the part of the score that does not depend on the hour (see core/priority.py)
    priority_on: date | None = None  # the day `priority` was worked out for
    # The debtor's clock and income day, kept here for the worklist's indexes (see ledger.debtor_clock).
    clock: str  # core.priority.clock_key: "Asia/Shanghai|08:30"
    income_day: int | None = None
    closed: bool = False
    last_contact_at: datetime | None = time_field(nullable=True)
    last_outcome: str | None = None
    flags: str = ""  # warning signs, comma-separated (see core/priority.py WARNING_SIGNS)
    broken_promises: int = 0
    last_broken_on: date | None = None
    calls_month: str | None = None  # "2026-11": the month calls_in_month counts
    calls_in_month: int = 0
    callback_at: datetime | None = time_field(nullable=True)  # agreed on the last call
    next_promise_due: date | None = None  # the next open instalment of an open promise
    next_promise_amount: Decimal | None = Field(default=None, sa_column=Column(Amount(), nullable=True))


class Invoice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    number: str
    issued_on: date
    due_on: date
    amount: Decimal = amount_field()


class Call(SQLModel, table=True):
    # The calls browser pages through the calls newest first (a collector's own, or all);
    # the latest end is part of what tells a screen that calls changed.
    __table_args__ = (
        Index("ix_call_started", "started_at"),
        Index("ix_call_collector_started", "collector_id", "started_at"),
        Index("ix_call_ended", "ended_at"),
    )
    id: str = Field(primary_key=True)  # a UUID, made before the first event
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)  # None: a practice call
    collector_id: int = Field(foreign_key="collector.id", index=True)
    script: str
    script_hash: str
    locale: str
    started_at: datetime = time_field()
    ended_at: datetime | None = time_field(nullable=True)
    state: str
    disposition: str | None = None
    practice: bool = False
    persona: str | None = None  # the persona a practice call rehearsed


class CallEvent(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_callevent_call_seq"),)
    id: int | None = big_id_field()
    call_id: str = Field(foreign_key="call.id", index=True)
    seq: int
    kind: str
    at: datetime = time_field()
    payload: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON
    prev_hash: str
    hash: str


class Promise(SQLModel, table=True):
    id: int | None = big_id_field()
    account_id: int = Field(foreign_key="account.id", index=True)
    call_id: str | None = Field(default=None, foreign_key="call.id")
    currency: str
    total: Decimal = amount_field()
    method: str
    channel: str
    status: str = "open"  # open, kept, partly_kept, broken, superseded
    created_at: datetime = time_field()
    decided_on: date | None = None  # when it stopped being open


class Instalment(SQLModel, table=True):
    id: int | None = big_id_field()
    promise_id: int = Field(sa_column=Column(BIG_ID, ForeignKey("promise.id"), index=True, nullable=False))
    seq: int
    due_on: date
    amount: Decimal = amount_field()
    paid: Decimal = amount_field(default=Decimal(0))  # payments matched to it
    status: str = "open"  # open, kept, partly_kept, broken


class Payment(SQLModel, table=True):
    """Money received on an account, from an import (keyed by its external id) or typed in."""

    id: int | None = big_id_field()
    external_id: str = Field(unique=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    paid_on: date
    currency: str
    amount: Decimal = amount_field()
    unmatched: Decimal = amount_field()  # what no open promise has taken yet
    method: str = ""
    reference: str = ""
    source: str  # import or entered
    created_at: datetime = time_field()


class AccountHold(SQLModel, table=True):
    """Collection stopped on an account until a supervisor releases it: a dispute being
    validated, a payment being verified, a lawyer, bankruptcy, a death, hardship, a
    complaint, cease contact (core/compliance.py HOLD_REASONS). Placed by a call's
    `hold_placed` event, in the same transaction; those that concern the person
    (DEBTOR_WIDE_HOLDS) stop every account of the debtor."""

    __table_args__ = (Index("ix_accounthold_open", "debtor_id", "account_id", **only_where("released_at IS NULL")),)
    id: int | None = big_id_field()
    account_id: int = Field(foreign_key="account.id", index=True)
    debtor_id: int = Field(foreign_key="debtor.id")
    call_id: str | None = None  # the call that placed it (no key: a purge of old calls keeps the hold)
    reason: str
    details: str = ""  # what was captured: the attorney's name and phone, the payment's reference
    placed_by: str
    placed_at: datetime = time_field()
    released_at: datetime | None = time_field(nullable=True)
    released_by: str | None = None
    release_reason: str | None = None


class Review(SQLModel, table=True):
    """A supervisor's score of a call (1 to 5) and comment, with who and when."""

    id: int | None = big_id_field()
    call_id: str = Field(foreign_key="call.id", index=True)
    reviewer: str
    score: int
    comment: str = ""
    created_at: datetime = time_field()


class PurgeLog(SQLModel, table=True):
    """A purge of old records (callassist purge): when, by whom, under which rules, and
    how much went."""

    id: int | None = Field(default=None, primary_key=True)
    purged_at: datetime = time_field()
    by: str
    role: str
    profile: str
    before: date  # calls started before this day were deleted
    calls: int
    events: int
    reviews: int


class Claim(SQLModel, table=True):
    """An account held by a collector's open call, so that no one else calls it meanwhile.

    A claim lasts until the call ends, or until `expires_at` when the collector's program
    stops renewing it (it died, or lost the database): then the account is free again."""

    account_id: int = Field(primary_key=True, foreign_key="account.id")
    collector_id: int = Field(foreign_key="collector.id")
    call_id: str  # the call that holds it (made in the same transaction, so no key to it)
    claimed_at: datetime = time_field()
    expires_at: datetime = time_field()


class StoreSetting(SQLModel, table=True):
    """What the database itself keeps to: `retention_years`, the floor under any purge,
    written when the database is set up (store/db.py) and raised, never lowered, after."""

    name: str = Field(primary_key=True)
    value: str


class LogEntry(SQLModel, table=True):
    """The team-wide log: every stored event, and every purge, in the one order they
    entered it (store/auditlog.py). Each row holds what its Merkle leaf is made of, so the
    log's root is known from these rows alone, after a purge too; no personal data."""

    position: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    call_id: str | None = None  # an event's call and place in it; null for a purge
    seq: int | None = None
    at: datetime | None = time_field(nullable=True)  # the event's time
    hash: str | None = None  # the event's chain hash
    purge_id: int | None = None  # a purge (purgelog.id); null for an event
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_logentry_call_seq"), UniqueConstraint("purge_id", name="uq_logentry_purge"))


class LogCheckpoint(SQLModel, table=True):
    """A signed checkpoint of the log as the database recorded it when it was taken: the
    file kept elsewhere is checked against these, so a line cut from it is noticed."""

    number: int = Field(primary_key=True)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    root: str
    taken_at: datetime = time_field()
    by: str
    key: str  # hex of the Ed25519 public key
    sig: str


class CallSummary(SQLModel, table=True):  # its table: callsummary
    """What an ended call adds to the figures (core/figures.py CallFacts), written in the
    same transaction as its end (store/summaries.py), so the figures never read events.
    Adding or deleting one adds its parts to, or takes them from, `figureday`; a change of
    its promise's status is copied to it; nothing else of it ever changes (triggers of
    migration 0015)."""

    __table_args__ = (
        Index("ix_callsummary_day", "day", "collector_id"),
        # The promises due, with their fates, read from this index alone.
        Index("ix_callsummary_due", "promise_due", "day", "collector_id", "promised", "promise_status", **only_where("promise_id IS NOT NULL")),
        Index("ix_callsummary_promise", "promise_id", **only_where("promise_id IS NOT NULL")),
        Index("ix_callsummary_missed", "day", "collector_id", **only_where("missed_excuse IS NOT NULL")),
        # (As each database writes the condition SQLAlchemy gives it, so each uses the index.)
        Index("ix_callsummary_damaged", "day", "collector_id", sqlite_where=text("damaged = 1"), postgresql_where=text("damaged")),
    )
    call_id: str = Field(sa_column=Column(Text, ForeignKey("call.id", ondelete="CASCADE"), primary_key=True))
    collector_id: int = Field(foreign_key="collector.id")
    day: date  # the day (UTC) the call started, as the filters count days
    practice: bool = False
    damaged: bool = False  # a stored row of the call did not parse when it was summed
    dialled: bool = False
    right_party: bool = False
    promised: bool = False
    promise_id: int | None = Field(default=None, sa_column=Column(BIG_ID, ForeignKey("promise.id", ondelete="SET NULL"), nullable=True))
    promise_due: date | None = None  # the promise's first payment date
    promise_status: str | None = None  # the promise's status now (a trigger follows the ledger's changes)
    parts: str = Field(sa_column=Column(Text, nullable=False))  # JSON: {item: [count, total]}
    missed_excuse: str | None = None
    missed_score: float | None = None
    missed_note: str | None = None
    # For the calls browser (core/calls.py BrowseFacts), filtered in SQL: ids as words.
    excuses: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    flags: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # the scorecard items it failed
    seconds: int = 0  # from its start to its end
    search: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # the debtor and notes, casefolded
    search_masked: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))  # the same without personal data


class FigureDay(SQLModel, table=True):
    """The summaries' parts added up per day and collector: what `report` and the
    dashboard aggregate, a few dozen rows per collector-day whatever the calls' number."""

    __table_args__ = {"sqlite_with_rowid": False}
    day: date = Field(primary_key=True)
    collector_id: int = Field(primary_key=True)
    item: str = Field(primary_key=True)
    n: int = Field(sa_column=Column(BigInteger, nullable=False))
    total: float = 0.0


Row = TypeVar("Row", bound=SQLModel)


class _Identified(Protocol):
    id: int | None


def saved_id(row: _Identified) -> int:
    """The id the database gave `row` (SQLModel types it None until then): add and flush first."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id before it is flushed")
    return row.id


def row_of(session: Session, model: type[Row], key: object) -> Row:
    """The row of `model` at `key`; LookupError naming both when there is none."""
    found = session.get(model, key)
    if found is None:
        raise LookupError(f"no {model.__name__.lower()} {key}")
    return found


def table_of(model: type[SQLModel]) -> Table:
    """A model's table (SQLModel declares no `__table__` for a type checker to see)."""
    # A table model's mapper maps its Table, which SQLAlchemy types as any FROM clause.
    return cast(Table, inspect(model).local_table)


# The tables themselves, for the queries written in SQLAlchemy Core (figures, the calls
# browser, the ledger), where a whole set of rows is read or changed in one statement.
ACCOUNTS = table_of(Account)
CALLS = table_of(Call)
CLAIMS = table_of(Claim)
COLLECTORS = table_of(Collector)
CONTACTS = table_of(Contact)
DEBTORS = table_of(Debtor)
EVENTS = table_of(CallEvent)
FIGURE_DAYS = table_of(FigureDay)
INSTALMENTS = table_of(Instalment)
INVOICES = table_of(Invoice)
PAYMENTS = table_of(Payment)
PROMISES = table_of(Promise)
SUMMARIES = table_of(CallSummary)
REVIEWS = table_of(Review)
PURGE_LOGS = table_of(PurgeLog)
