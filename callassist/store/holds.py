"""Account holds: placed by a call's `hold_placed` event (in the transaction that stores
it), honoured by the worklist (store/sql.py NOT_HELD) and the dial gate, released only
by a supervisor, with a reason. On PostgreSQL migration 0012 makes the database keep
to the same: a team login's name and the server's time, a release once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from callassist.core.compliance import DEBTOR_WIDE_HOLDS, Hold
from callassist.core.errors import StoreError
from callassist.store.models import Account, AccountHold, Call, Collector, Debtor, row_of, saved_id


def _in_force(debtor_id: int, account_id: int):
    return (AccountHold.debtor_id == debtor_id, col(AccountHold.released_at).is_(None), or_(col(AccountHold.account_id) == account_id, col(AccountHold.reason).in_(sorted(DEBTOR_WIDE_HOLDS))))


def holds_in_force(account_id: int, *, session: Session) -> tuple[Hold, ...]:
    """The holds that stop collection on this account now: its own, and those on its
    debtor that concern the person (DEBTOR_WIDE_HOLDS), oldest first."""
    account = session.get(Account, account_id)
    if account is None:
        return ()
    rows = session.exec(select(AccountHold).where(*_in_force(account.debtor_id, account_id)).order_by(col(AccountHold.placed_at), col(AccountHold.id))).all()
    return tuple(Hold(saved_id(row), row.account_id, row.reason, row.placed_at, row.placed_by, row.details) for row in rows)


def place_hold(call_id: str, payload: dict[str, Any], at: datetime, *, session: Session) -> None:
    """The hold a call's `hold_placed` event places on the call's account (none for a
    practice call, which holds no account)."""
    call = session.get(Call, call_id)
    if call is None or call.account_id is None:
        return
    account = row_of(session, Account, call.account_id)
    placed_by = row_of(session, Collector, call.collector_id).name
    session.add(AccountHold(account_id=call.account_id, debtor_id=account.debtor_id, call_id=call_id, reason=payload["reason"], details=payload.get("details") or "", placed_by=placed_by, placed_at=at))
    session.flush()


def release_hold(hold_id: int, by: str, reason: str, at: datetime, *, session: Session) -> AccountHold:
    """Release a hold, with the reason (required); StoreError when there is no such hold
    or it was released already. The caller commits."""
    reason = reason.strip()
    if not reason:
        raise StoreError("a hold is released with a reason: say why collection may go on (--reason)")
    hold = session.get(AccountHold, hold_id)
    if hold is None:
        raise StoreError(f"no hold {hold_id}: `callassist holds list` shows the holds in force")
    if hold.released_at is not None:
        raise StoreError(f"hold {hold_id} was released already, on {hold.released_at:%Y-%m-%d %H:%M} UTC by {hold.released_by}")
    hold.released_at, hold.released_by, hold.release_reason = at, by, reason
    session.add(hold)
    session.flush()
    return hold


def open_holds(*, session: Session) -> list[tuple[AccountHold, str, str]]:
    """Every hold in force that the session may read, with its account's external id
    and debtor's name, oldest first."""
    rows = session.exec(
        select(AccountHold, Account.external_id, Debtor.name)
        .join(Account, col(Account.id) == AccountHold.account_id)
        .join(Debtor, col(Debtor.id) == AccountHold.debtor_id)
        .where(col(AccountHold.released_at).is_(None))
        .order_by(col(AccountHold.placed_at), col(AccountHold.id))
    ).all()
    return [(hold, external_id, debtor) for hold, external_id, debtor in rows]
