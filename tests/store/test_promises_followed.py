"""Promises followed through with a fixed clock: payments matched, instalments and
promises judged kept, partly kept or broken after the grace period, and a broken promise
moving the account up and into the next call's script."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from callassist.core.account import build_context
from callassist.core.call import Call as CoreCall
from callassist.core.ledger_csv import PaymentIn
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.core.promises import OpenInstalment, judge_instalment, judge_promise, match_payment
from callassist.store import db, ledger, queries
from callassist.store.models import Account, Collector, Instalment, Promise
from tests.store.conftest import MADE, NOON


@pytest.fixture
def engine(ledger_engine):
    return ledger_engine


def _account(session, external_id: str) -> Account:
    return session.exec(select(Account).where(Account.external_id == external_id)).one()


def _promise(engine, plan: list[tuple[date, str]], account: str = "A-1") -> int:
    with db.session(engine) as session:
        account_id = _account(session, account).id
        total = sum(Decimal(amount) for _, amount in plan)
        promise = Promise(account_id=account_id, currency="CNY", total=total, method="bank_transfer", channel="email", created_at=NOON)
        session.add(promise)
        session.flush()
        for seq, (due, amount) in enumerate(plan, 1):
            session.add(Instalment(promise_id=promise.id, seq=seq, due_on=due, amount=Decimal(amount)))
        session.commit()
        return promise.id


def _pay(engine, paid_on: date, amount: str, today: date, grace: int = 3, ref: str = "P") -> dict:
    with db.session(engine) as session:
        result = ledger.import_payments([PaymentIn(2, f"{ref}-{paid_on}-{amount}", "A-1", paid_on, Decimal(amount), None, "", "")], path="p.csv", source="import", today=today, grace_days=grace, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    return result.details


def _evaluate(engine, today: date, grace: int = 3) -> dict:
    with db.session(engine) as session:
        counts = ledger.evaluate_promises(today=today, grace_days=grace, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    return counts


def _statuses(engine, promise_id: int) -> tuple[str, list[tuple[str, Decimal]]]:
    with db.session(engine) as session:
        promise = session.get(Promise, promise_id)
        instalments = session.exec(select(Instalment).where(Instalment.promise_id == promise_id).order_by(Instalment.seq)).all()
        return promise.status, [(i.status, i.paid) for i in instalments]


def test_judging_rules():
    due = date(2026, 11, 10)
    assert judge_instalment(due, Decimal(100), Decimal(100), date(2026, 11, 1), 3) == "kept"  # paid early: kept at once
    assert judge_instalment(due, Decimal(100), Decimal(0), date(2026, 11, 13), 3) == "open"  # the last day of grace
    assert judge_instalment(due, Decimal(100), Decimal(0), date(2026, 11, 14), 3) == "broken"
    assert judge_instalment(due, Decimal(100), Decimal(40), date(2026, 11, 14), 3) == "partly_kept"
    assert judge_instalment(due, Decimal(100), Decimal(0), date(2026, 11, 11), 0) == "broken"
    assert judge_promise(["kept", "open"], Decimal(50)) == "open"
    assert judge_promise(["kept", "broken"], Decimal(50)) == "partly_kept"
    assert judge_promise(["broken", "open"], Decimal(0)) == "broken"
    first = OpenInstalment("a", MADE, date(2026, 11, 10), Decimal(100), Decimal(0))
    second = OpenInstalment("b", MADE, date(2026, 12, 10), Decimal(100), Decimal(0))
    assert match_payment(Decimal(150), date(2026, 11, 9), [second, first], 3) == ([("a", Decimal(100)), ("b", Decimal(50))], Decimal(0))
    # Paid after the first instalment's grace: it goes to the next one, not to save the first.
    assert match_payment(Decimal(100), date(2026, 11, 20), [first, second], 3) == ([("b", Decimal(100))], Decimal(0))
    assert match_payment(Decimal(100), date(2026, 11, 1), [first], 3) == ([], Decimal(100)), "paid before the promise was made"


def test_a_promise_paid_in_full_is_kept_when_the_money_arrives(engine):
    promise_id = _promise(engine, [(date(2026, 11, 10), "5000.00")])
    assert _pay(engine, date(2026, 11, 9), "5000.00", today=date(2026, 11, 9)) == {"kept": 1, "partly_kept": 0, "broken": 0}
    assert _statuses(engine, promise_id) == ("kept", [("kept", Decimal("5000.00"))])
    with db.session(engine) as session:
        account = _account(session, "A-1")
        assert account.balance == Decimal("15500.00") and account.next_promise_due is None and account.broken_promises == 0


@pytest.mark.parametrize("grace, open_until", [(3, date(2026, 11, 13)), (0, date(2026, 11, 10))])
def test_an_unpaid_promise_breaks_after_the_grace_period(engine, grace, open_until):
    promise_id = _promise(engine, [(date(2026, 11, 10), "5000.00")])
    assert _evaluate(engine, open_until, grace) == {"kept": 0, "partly_kept": 0, "broken": 0}
    assert _statuses(engine, promise_id)[0] == "open"
    assert _evaluate(engine, open_until + timedelta(days=1), grace)["broken"] == 1
    assert _statuses(engine, promise_id) == ("broken", [("broken", Decimal(0))])
    assert _evaluate(engine, open_until + timedelta(days=2), grace)["broken"] == 0, "judged once"
    with db.session(engine) as session:
        account = _account(session, "A-1")
        assert (account.broken_promises, account.last_broken_on) == (1, date(2026, 11, 10))


def test_a_short_payment_is_partly_kept(engine):
    promise_id = _promise(engine, [(date(2026, 11, 10), "5000.00")])
    _pay(engine, date(2026, 11, 12), "1200.00", today=date(2026, 11, 12))
    assert _statuses(engine, promise_id) == ("open", [("open", Decimal("1200.00"))])
    assert _evaluate(engine, date(2026, 11, 14))["partly_kept"] == 1
    assert _statuses(engine, promise_id) == ("partly_kept", [("partly_kept", Decimal("1200.00"))])


def test_instalments_are_judged_one_by_one(engine):
    promise_id = _promise(engine, [(date(2026, 11, 10), "3000.00"), (date(2026, 12, 10), "3000.00")])
    _pay(engine, date(2026, 11, 10), "3000.00", today=date(2026, 11, 10))
    assert _evaluate(engine, date(2026, 11, 30)) == {"kept": 0, "partly_kept": 0, "broken": 0}
    assert _statuses(engine, promise_id) == ("open", [("kept", Decimal("3000.00")), ("open", Decimal(0))])
    with db.session(engine) as session:
        account = _account(session, "A-1")
        assert (account.next_promise_due, account.next_promise_amount) == (date(2026, 12, 10), Decimal("3000.00"))
    assert _evaluate(engine, date(2026, 12, 14))["partly_kept"] == 1
    assert _statuses(engine, promise_id) == ("partly_kept", [("kept", Decimal("3000.00")), ("broken", Decimal(0))])


def test_a_broken_promise_moves_the_account_up_and_into_the_next_call(engine, standard_flow, catalog):
    _promise(engine, [(date(2026, 11, 10), "5000.00")])
    later = datetime(2026, 11, 16, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai
    with db.session(engine) as session:
        wang = session.exec(select(Collector).where(Collector.name == "wang")).one()
        before = queries.worklist(wang.id, later, session=session).rows
    _evaluate(engine, date(2026, 11, 16))
    with db.session(engine) as session:
        ledger.refresh_standing(wang.id, today=date(2026, 11, 16), class_days=DEFAULT_CLASS_DAYS, session=session)
        after = queries.worklist(wang.id, later, session=session).rows
        snapshot = queries.account_snapshot(_account(session, "A-1").id, session=session)
    score = lambda rows: next(r.score for r in rows if r.debtor == "苏州恒通机电有限公司")  # noqa: E731
    assert score(after) - score(before) >= 35 + 5  # the follow-up, and one broken promise on record
    assert after[0].debtor == "苏州恒通机电有限公司"
    assert after[0].reasons[0].key == "promise_broken" and after[0].reasons[0].values == (("days", 6),)
    context = build_context(snapshot, locale="en", collector="wang", creditor="Northbridge", now=later)
    call = CoreCall(standard_flow, catalog, context, snapshot.money, clock=lambda: later)
    call.start({})
    for trigger in ("dial", "right_party", "can_talk"):
        call.choose(trigger)
    assert "you said CN¥5,000.00 would be with us by Nov 10, 2026. It hasn't come in." in call.step.text


def test_what_payments_settled_is_no_longer_shown_or_said(engine, standard_flow, catalog):
    _pay(engine, date(2026, 11, 5), "13000.00", today=date(2026, 11, 5))
    with db.session(engine) as session:
        snapshot = queries.account_snapshot(_account(session, "A-1").id, session=session)
    # 12,500 due on Aug 1 is paid off, and 500 of the 8,000 due on Sep 1.
    assert [(i.number, i.amount) for i in snapshot.invoices] == [("INV-1002", Decimal("7500.00"))]
    assert snapshot.balance == Decimal("7500.00") and snapshot.days_past_due(date(2026, 11, 5)) == 65
    later = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
    call = CoreCall(standard_flow, catalog, build_context(snapshot, locale="en", collector="wang", creditor="Northbridge", now=later), snapshot.money, clock=lambda: later)
    call.start({})
    for trigger in ("dial", "right_party", "can_talk"):
        call.choose(trigger)
    assert "CN¥7,500.00 past due on it; the oldest invoice, INV-1002, was due on Sep 1, 2026." in call.step.text
