"""Claims: while a call is open its account is held, so no two collectors call it at once.

A claim is a row keyed by the account, written in the transaction that starts the call
and deleted by the one that ends it. The program renews it while the call is on screen;
if the program dies, or loses the database for longer than LEASE, the claim lapses and
the account is free again. Taking a claim is one upsert on the account's key, which only
succeeds over a lapsed claim or one of the same call (a resumed call), so two takers of
the same account cannot both succeed on any database.

On PostgreSQL no login writes a claim itself: the database's functions take, search and
renew holds (migration 0009), for the caller's own name, on accounts the caller may work,
with the lease counted from the server's clock for a team login. The next free account
of a list is found in the same statement, skipping the accounts other collectors are
claiming at that moment (FOR UPDATE SKIP LOCKED), so they never queue behind one another.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, select, text, update
from sqlalchemy.dialects import postgresql
from sqlmodel import Session

from callassist.core.errors import AccountBusy
from callassist.store.models import CLAIMS, COLLECTORS
from callassist.store.types import UTCDateTime

# How long a claim outlives the last sign of its program: longer than any pause in a
# call (a form being filled in), short enough for a team not to miss an account for long.
# PostgreSQL's functions hold the same lease (migration 0009; a test keeps them in step).
LEASE = timedelta(minutes=5)
# How often the program renews the claims of the call on screen.
RENEW_EVERY = timedelta(minutes=1)


# Taking a hold: over no claim, a lapsed one, or one of the same call (a resumed call).
_TAKE = """
ON CONFLICT (account_id) DO UPDATE SET collector_id = excluded.collector_id, call_id = excluded.call_id,
    claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
WHERE claim.expires_at <= excluded.claimed_at OR (claim.call_id = excluded.call_id AND claim.collector_id = excluded.collector_id)
RETURNING account_id
"""
# The first listed account still to be called (one account a statement: SQLite has one
# writer at a time): open, its contact not stopped, not called since the list was read,
# held by no other call. PostgreSQL's claim_first says the same of a whole list.
_CLAIM_LISTED = (
    """
INSERT INTO claim (account_id, collector_id, call_id, claimed_at, expires_at)
SELECT id, :collector, :call, :now, :until FROM account a
WHERE a.id = :listed AND NOT a.closed AND (a.last_contact_at IS NULL OR a.last_contact_at < :now)
  AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.id = a.contact_id AND c.stop IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM claim h WHERE h.account_id = a.id AND h.expires_at > :now AND h.call_id <> :call)
"""
    + _TAKE
)
_TIMES = (bindparam("now", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime()))
_STATEMENTS = {
    "sqlite": {
        "claim_account": text("INSERT INTO claim (account_id, collector_id, call_id, claimed_at, expires_at) VALUES (:account, :collector, :call, :now, :until)" + _TAKE).bindparams(*_TIMES),
        "claim_first": text(_CLAIM_LISTED).bindparams(*_TIMES),
    },
    "postgresql": {
        "claim_account": text("SELECT callassist.claim_account(:account, :collector, :call, :now)").bindparams(_TIMES[0]),
        "claim_first": text("SELECT callassist.claim_first(:listed, :collector, :call, :now)").bindparams(_TIMES[0], bindparam("listed", type_=postgresql.ARRAY(Integer))),
        "renew": text("SELECT callassist.renew(:call, :now)").bindparams(_TIMES[0]),
    },
}


def claim_account(account_id: int, collector_id: int, call_id: str, now: datetime, *, session: Session) -> None:
    """Hold the account for this call (the caller commits); AccountBusy, saying who holds
    it and since when, when another open call does."""
    connection = session.connection()
    values = {"account": account_id, "collector": collector_id, "call": call_id, "now": now, "until": now + LEASE}
    if not connection.execute(_STATEMENTS[connection.dialect.name]["claim_account"], values).scalar():
        raise busy(account_id, session=session)


def claim_first(account_ids: list[int], collector_id: int, call_id: str, now: datetime, *, session: Session) -> int | None:
    """Hold the first account of `account_ids` (best first, as read at `now`) that is
    still to be called, for this call; its id, or None when none is. Still to be called:
    open, its contact not stopped, not called since `now`, and held by no open call. The
    caller commits; this must be the first write of its transaction (see below)."""
    if not account_ids:
        return None
    connection = session.connection()
    values = {"collector": collector_id, "call": call_id, "now": now, "until": now + LEASE}
    if connection.dialect.name != "postgresql":
        for account_id in account_ids:
            if connection.execute(_STATEMENTS["sqlite"]["claim_first"], values | {"listed": account_id}).first() is not None:
                return account_id
        return None
    taken = connection.execute(_STATEMENTS["postgresql"]["claim_first"], values | {"listed": account_ids}).scalar()
    if taken is not None:
        return taken
    # A claim that lost a race still locks the row it lost to: the transaction, which has
    # done nothing else yet, is undone at once, so that the call holding that account is
    # not kept waiting at its end while this one starts.
    session.rollback()
    # Lost a race with a claim committed after this statement began, or none is free:
    # the accounts found held are left out and the rest tried again.
    held = held_accounts(account_ids, now, session=session, but=call_id)
    free_now = [account_id for account_id in account_ids if account_id not in held]
    return claim_first(free_now, collector_id, call_id, now, session=session) if len(free_now) < len(account_ids) else None


def held_accounts(account_ids: list[int], now: datetime, *, session: Session, but: str) -> set[int]:
    """Which of these accounts an open call other than `but` holds now."""
    query = select(CLAIMS.c.account_id).where(CLAIMS.c.expires_at > now, CLAIMS.c.account_id.in_(account_ids), CLAIMS.c.call_id != but)
    return set(session.connection().execute(query).scalars())


def renew(call_id: str, now: datetime, *, session: Session) -> bool:
    """Keep the call's claim for another LEASE; False when it lapsed and someone else
    holds the account now (the caller commits)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return bool(connection.execute(_STATEMENTS["postgresql"]["renew"], {"call": call_id, "now": now}).scalar())
    return connection.execute(update(CLAIMS).where(CLAIMS.c.call_id == call_id).values(expires_at=now + LEASE)).rowcount > 0


def live_hold(call_id: str, now: datetime, *, session: Session) -> tuple[str, datetime] | None:
    """Who holds the call's account for it, and until when, while that hold is live."""
    collectors = COLLECTORS
    row = session.connection().execute(select(collectors.c.name, CLAIMS.c.expires_at).join(collectors, collectors.c.id == CLAIMS.c.collector_id).where(CLAIMS.c.call_id == call_id)).first()
    return (row[0], row[1]) if row is not None and row[1] > now else None


def busy(account_id: int, *, session: Session) -> AccountBusy:
    """Who holds the account, as the error that says so."""
    collectors = COLLECTORS
    row = session.connection().execute(select(collectors.c.name, CLAIMS.c.claimed_at).join(collectors, collectors.c.id == CLAIMS.c.collector_id).where(CLAIMS.c.account_id == account_id)).first()
    return AccountBusy(account_id, *(row or (None, None)))
