"""Claims: while a call is open its account is held, so no two collectors call it at once.

A claim is a row keyed by the account, written in the transaction that starts the call
and deleted by the one that ends it. The program renews it while the call is on screen;
if the program dies, or loses the database for longer than LEASE, the claim lapses and
the account is free again. Taking a claim is one upsert on the account's key, which only
succeeds over a lapsed claim or one of the same call (a resumed call), so two takers of
the same account cannot both succeed on any database. On PostgreSQL the next free
account of a list is found in the same statement, skipping the accounts other
collectors are claiming at that moment (FOR UPDATE SKIP LOCKED), so they never queue
behind one another.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from callassist.store.errors import AccountBusy
from callassist.store.models import Account, Claim, Collector

# How long a claim outlives the last sign of its program: longer than any pause in a
# call (a form being filled in), short enough for a team not to miss an account for long.
LEASE = timedelta(minutes=5)
# How often the program renews the claims of the call on screen.
RENEW_EVERY = timedelta(minutes=1)

_CLAIMS = Claim.__table__
_ACCOUNTS = Account.__table__


def _upsert(session: Session):
    return (postgresql if session.connection().dialect.name == "postgresql" else sqlite).insert(_CLAIMS)


def _taking(statement, now: datetime):
    """The upsert that takes an account over a lapsed claim or one of the same call."""
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[_CLAIMS.c.account_id],
        set_={"collector_id": excluded.collector_id, "call_id": excluded.call_id, "claimed_at": excluded.claimed_at, "expires_at": excluded.expires_at},
        where=(_CLAIMS.c.expires_at <= now) | (_CLAIMS.c.call_id == excluded.call_id),
    ).returning(_CLAIMS.c.account_id)


def claim_account(account_id: int, collector_id: int, call_id: str, now: datetime, *, session: Session) -> None:
    """Hold the account for this call (the caller commits); AccountBusy, saying who holds
    it and since when, when another open call does."""
    statement = _upsert(session).values(account_id=account_id, collector_id=collector_id, call_id=call_id, claimed_at=now, expires_at=now + LEASE)
    if session.connection().execute(_taking(statement, now)).first() is None:
        raise busy(account_id, session=session)


def claim_first(account_ids: list[int], collector_id: int, call_id: str, now: datetime, *, session: Session) -> int | None:
    """Hold the first account of `account_ids` (best first) that no open call holds, for
    this call; its id, or None when every one is held. The caller commits."""
    if not account_ids:
        return None
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        # One writer at a time on SQLite: the first free one is simply tried in turn.
        for account_id in account_ids:
            statement = _upsert(session).values(account_id=account_id, collector_id=collector_id, call_id=call_id, claimed_at=now, expires_at=now + LEASE)
            if connection.execute(_taking(statement, now)).first() is not None:
                return account_id
        return None
    wanted = postgresql.array(account_ids)
    held = select(_CLAIMS.c.account_id).where(_CLAIMS.c.account_id == _ACCOUNTS.c.id, _CLAIMS.c.expires_at > now, _CLAIMS.c.call_id != call_id)
    free = (
        select(_ACCOUNTS.c.id).where(_ACCOUNTS.c.id == func.any(wanted), _ACCOUNTS.c.closed == False, ~held.exists())  # noqa: E712
        .order_by(func.array_position(wanted, _ACCOUNTS.c.id)).limit(1).with_for_update(of=_ACCOUNTS, skip_locked=True).cte("free")
    )
    rows = select(free.c.id, literal(collector_id), literal(call_id), literal(now, _CLAIMS.c.claimed_at.type), literal(now + LEASE, _CLAIMS.c.expires_at.type))
    statement = postgresql.insert(_CLAIMS).from_select(["account_id", "collector_id", "call_id", "claimed_at", "expires_at"], rows)
    taken = connection.execute(_taking(statement, now)).first()
    if taken is not None:
        return taken[0]
    # Lost a race with a claim committed after this statement began, or all are held:
    # the accounts found held are left out and the rest tried again.
    free_now = [account_id for account_id in account_ids if account_id not in held_accounts(account_ids, now, session=session, but=call_id)]
    return claim_first(free_now, collector_id, call_id, now, session=session) if len(free_now) < len(account_ids) else None


def held_accounts(account_ids: list[int] | None, now: datetime, *, session: Session, but: str | None = None) -> set[int]:
    """Which of these accounts (all, for None) an open call other than `but` holds now."""
    query = select(_CLAIMS.c.account_id).where(_CLAIMS.c.expires_at > now)
    if account_ids is not None:
        query = query.where(_CLAIMS.c.account_id.in_(account_ids))
    if but is not None:
        query = query.where(_CLAIMS.c.call_id != but)
    return set(session.connection().execute(query).scalars())


def renew(call_id: str, now: datetime, *, session: Session) -> bool:
    """Keep the call's claim for another LEASE; False when it lapsed and someone else
    holds the account now (the caller commits)."""
    result = session.connection().execute(update(_CLAIMS).where(_CLAIMS.c.call_id == call_id).values(expires_at=now + LEASE))
    return result.rowcount > 0


def release(call_id: str, *, session: Session) -> None:
    """The call is over: its account is free (in the transaction that ends it)."""
    session.connection().execute(delete(_CLAIMS).where(_CLAIMS.c.call_id == call_id))


def busy(account_id: int, *, session: Session) -> AccountBusy:
    """Who holds the account, as the error that says so."""
    collectors = Collector.__table__
    row = session.connection().execute(select(collectors.c.name, _CLAIMS.c.claimed_at).join(collectors, collectors.c.id == _CLAIMS.c.collector_id).where(_CLAIMS.c.account_id == account_id)).first()
    return AccountBusy(account_id, *(row or (None, None)))
