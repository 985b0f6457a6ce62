"""The ledger as a desk works it: the worklist (after settling stale standings), payments
typed in, promises followed up, and what has been done on an account."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from callassist.core.compliance import SUPERVISOR
from callassist.core.errors import StoreError
from callassist.core.ledger_csv import PaymentIn
from callassist.core.priority import ACCOUNT_FACTS, Worklist, parse_flags
from callassist.services.unit import Desk, retrying, unit_of_work
from callassist.store import ledger, queries
from callassist.store.models import Account as AccountRow


class Ledger:
    """The accounts of one desk (see Desk)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    @property
    def fee_allowance(self) -> Decimal:
        """How much above the balance a promise may be (fees the creditor may add)."""
        return self.desk.settings.promise_fee_allowance

    def worklist(self) -> Worklist:
        """The best calls now, after settling any account whose standing is stale (none
        for a trainer, who works with content and practice calls)."""
        desk = self.desk
        if not desk.viewer.sees_personal_data:
            return Worklist([], 0)
        now = desk.clock()
        settings = desk.settings

        def read(session: Session) -> Worklist:
            # The team's queue too: a call by anyone leaves its account's standing stale.
            owners = queries.worklist_owners(desk.collector_id, session=session)
            if sum(ledger.refresh_standing(owner, today=now.date(), class_days=settings.class_days, session=session) for owner in owners):
                session.commit()  # settled before the worklist is read, as a unit of its own
            listed = queries.worklist(desk.collector_id, now, session=session, class_days=settings.class_days, window=settings.contact_rules.window)
            return replace(listed, held=queries.held_accounts(desk.collector_id, session=session))

        # Collectors settling the same accounts of the queue at once may deadlock; one is run again.
        return retrying(desk.engine, "cannot read the worklist", read)

    def follow_up_promises(self) -> dict[str, int]:
        """Judge every open promise as of today (start-up and on demand): how many became
        kept, partly kept and broken."""
        settings = self.desk.settings
        with unit_of_work(self.desk.engine, "cannot evaluate promises") as session:
            return ledger.evaluate_promises(today=date.max, now=self.desk.clock(), grace_days=settings.promise_grace_days, class_days=settings.class_days, session=session)

    def record_payment(self, account_id: int, amount: Decimal, paid_on: date, method: str, reference: str) -> dict[str, int]:
        """Store a payment typed in by the collector, matched to the account's open promises;
        how many promises it settled as kept, partly kept or broken."""
        desk = self.desk
        with unit_of_work(desk.engine, "cannot store the payment") as session:
            queries.check_account_access(account_id, desk.viewer, desk.collector_id, session=session)
            external = _account(session, account_id).external_id
            payment = PaymentIn(0, f"entered-{uuid.uuid4()}", external, paid_on, amount, None, method, reference.strip())
            result = ledger.import_payments([payment], path="entered", source="entered", today=desk.clock().date(), grace_days=desk.settings.promise_grace_days, class_days=desk.settings.class_days, session=session)
            return result.details

    def account_facts(self, account_id: int) -> frozenset[str]:
        """What the account records having been done (core/priority.py ACCOUNT_FACTS)."""
        desk = self.desk
        with unit_of_work(desk.engine, "cannot read the account") as session:
            queries.check_account_access(account_id, desk.viewer, desk.collector_id, session=session)
            return frozenset(flag for flag in parse_flags(_account(session, account_id).flags) if flag in ACCOUNT_FACTS)

    def set_account_facts(self, account_id: int, facts: frozenset[str]) -> None:
        """Record what has been done on the account (a supervisor's); its warning signs stay."""
        role = self.desk.settings.role
        if role != SUPERVISOR:
            raise StoreError(f"only a supervisor records what has been done on an account; this session's role is {role}")
        with unit_of_work(self.desk.engine, "cannot store the account's facts") as session:
            account = _account(session, account_id)
            signs = [flag for flag in parse_flags(account.flags) if flag not in ACCOUNT_FACTS]
            account.flags = ",".join(signs + [fact for fact in ACCOUNT_FACTS if fact in facts])
            session.add(account)


def _account(session: Session, account_id: int) -> AccountRow:
    account = session.get(AccountRow, account_id)
    if account is None:
        raise LookupError(f"no account {account_id}")
    return account
