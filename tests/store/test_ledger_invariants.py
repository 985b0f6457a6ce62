"""Issue 20: the ledger tells the truth. `db check` finds every kind of drift between
balances, payments and promises; an overpayment is refused; a paid-off account settles
its open promise; a new promise supersedes the open one; the demo keeps every invariant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from callassist.cli import app as cli
from callassist.core.ledger_csv import LedgerFileError, PaymentIn
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.store import db, ledger
from callassist.store.ledger_check import INVARIANTS, check_ledger
from callassist.store.models import Account, Instalment, Promise
from tests.store.conftest import MADE, NOON


@pytest.fixture
def engine(ledger_engine):
    return ledger_engine


def _promise(engine, plan: list[tuple[date, str]], account: str = "A-2") -> int:
    """A promise stored as a call stores it (ledger.add_promise): any open one is superseded."""
    with db.session(engine) as session:
        account_id = session.exec(select(Account.id).where(Account.external_id == account)).one()
        planned = [(due, Decimal(amount)) for due, amount in plan]
        made = ledger.add_promise(account_id, None, "USD", sum(amount for _, amount in planned), "bank_transfer", "email", planned, NOON, session=session)
        session.commit()
        return made


def _pay(engine, paid_on: date, amount: str, today: date, account: str = "A-2", ref: str = "P") -> dict:
    with db.session(engine) as session:
        result = ledger.import_payments([PaymentIn(2, f"{ref}-{paid_on}-{amount}", account, paid_on, Decimal(amount), None, "", "")], path="p.csv", source="import", today=today, grace_days=3, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    return result.details


def _violations(engine) -> list[str]:
    with db.session(engine) as session:
        return [str(v) for v in check_ledger(session=session)]


def _status(engine, promise_id: int) -> str:
    with db.session(engine) as session:
        return session.get(Promise, promise_id).status


def test_db_check_finds_every_kind_of_drift(engine):
    assert _violations(engine) == []
    promise = _promise(engine, [(date(2026, 11, 10), "100.00")])
    _pay(engine, date(2026, 11, 5), "100.00", MADE)
    assert _violations(engine) == []
    forged = [
        ("UPDATE account SET balance = '1.00' WHERE external_id = 'A-2'", "A-2: balance: stored 1"),
        ("UPDATE account SET closed = true WHERE external_id = 'A-1'", "A-1: closed: closed while"),
        (f"INSERT INTO promise (account_id, currency, total, method, channel, status, created_at) SELECT account_id, currency, total, method, channel, 'open', created_at FROM promise WHERE id = {promise}", None),
        ("UPDATE instalment SET paid = '7.00'", "payments_matched"),
        ("UPDATE promise SET total = '999.00'", "instalments: promise"),
        # A promise with no instalments; an invoice that cancels the balance out.
        (f"INSERT INTO promise (account_id, currency, total, method, channel, status, created_at) SELECT account_id, currency, '100.00', method, channel, 'kept', created_at FROM promise WHERE id = {promise}", "has no instalments"),
        ("INSERT INTO invoice (account_id, number, issued_on, due_on, amount) SELECT id, 'CREDIT', '2026-11-01', '2026-11-01', '-50.00' FROM account WHERE external_id = 'A-1'", "A-1: positive: invoice CREDIT is for -50"),
    ]
    for statement, expected in forged:
        with engine.begin() as connection:
            connection.execute(text(statement))
        found = _violations(engine)
        if expected:
            assert any(expected in violation for violation in found), (statement, found)
    with engine.begin() as connection:
        connection.execute(text("UPDATE promise SET status = 'open'"))
    assert any(v.startswith("A-2: open_promises: 3 open promises") for v in _violations(engine))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO payment (external_id, account_id, paid_on, currency, amount, unmatched, method, reference, source, created_at) "
                "SELECT 'forged', id, '2026-11-02', currency, '99999.00', '99999.00', '', '', 'import', '2026-11-02 04:00:00' FROM account WHERE external_id = 'A-3'"
            )
        )
    assert any(v.startswith("A-3: below_zero: payments exceed the invoices") for v in _violations(engine))
    result = CliRunner().invoke(cli, ["--db", engine.url.render_as_string(hide_password=False), "db", "check"])
    assert result.exit_code == 1 and "A-3: below_zero" in result.output
    assert set(INVARIANTS) >= {v.split(": ")[1] for v in _violations(engine)}


def test_item_01_an_overpayment_is_refused_and_nothing_is_stored(engine):
    with db.session(engine) as session:
        balance = session.exec(select(Account.balance).where(Account.external_id == "A-2")).one()
    with pytest.raises(LedgerFileError, match=rf"p.csv:2: amount: 99999.00 USD is more than account A-2 owes \({balance:.2f} USD\)"):
        _pay(engine, date(2026, 11, 5), "99999.00", MADE)
    _pay(engine, date(2026, 11, 5), str(balance), MADE)  # exactly what is owed is fine
    with pytest.raises(LedgerFileError, match=r"more than account A-2 owes \(0.00 USD\)"):
        _pay(engine, date(2026, 11, 6), "0.01", MADE)
    assert _violations(engine) == []


def test_item_02_a_paid_off_account_settles_its_promise_and_it_never_turns_broken(engine):
    with db.session(engine) as session:
        balance = session.exec(select(Account.balance).where(Account.external_id == "A-2")).one()
    promise = _promise(engine, [(date(2026, 11, 10), str(balance / 2)), (date(2026, 12, 12), str(balance - balance / 2))])
    settled = _pay(engine, date(2026, 11, 30), str(balance), date(2026, 11, 30))  # late for the first date, but everything
    assert _status(engine, promise) == "kept" and settled == {"kept": 1, "partly_kept": 0, "broken": 0}  # and the summary says so
    with db.session(engine) as session:
        ledger.evaluate_promises(today=date(2026, 12, 20), grace_days=3, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
        account = session.exec(select(Account).where(Account.external_id == "A-2")).one()
    assert _status(engine, promise) == "kept" and account.closed and account.broken_promises == 0 and account.next_promise_due is None
    assert _violations(engine) == []


def test_item_03_a_new_promise_supersedes_the_open_one(engine):
    first = _promise(engine, [(date(2026, 11, 10), "100.00")])
    second = _promise(engine, [(date(2026, 11, 20), "50.00"), (date(2026, 12, 20), "50.00")])
    assert (_status(engine, first), _status(engine, second)) == ("superseded", "open")
    _pay(engine, date(2026, 11, 19), "50.00", date(2026, 11, 19))
    with db.session(engine) as session:
        paid = session.exec(select(Instalment.paid).where(Instalment.promise_id == second).order_by(Instalment.seq)).all()
        counts = ledger.evaluate_promises(today=date(2026, 11, 30), grace_days=3, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
        account = session.exec(select(Account).where(Account.external_id == "A-2")).one()
    assert paid == [Decimal("50.00"), Decimal(0)]  # matched to the promise in force
    assert counts == {"kept": 0, "partly_kept": 0, "broken": 0} and _status(engine, first) == "superseded" and account.broken_promises == 0
    assert account.next_promise_due == date(2026, 12, 20)
    assert _violations(engine) == []


def test_item_04_promises_are_judged_by_each_debtors_own_date(engine):
    shanghai = _promise(engine, [(date(2026, 11, 10), "100.00")], account="A-1")
    new_york = _promise(engine, [(date(2026, 11, 10), "100.00")], account="A-2")
    evening_utc = datetime(2026, 11, 13, 20, 0, tzinfo=UTC)  # Nov 14 04:00 in Shanghai, Nov 13 15:00 in New York
    with db.session(engine) as session:
        counts = ledger.evaluate_promises(today=date.max, now=evening_utc, grace_days=3, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    assert counts["broken"] == 1 and (_status(engine, shanghai), _status(engine, new_york)) == ("broken", "open")
    with db.session(engine) as session:  # --today only ever judges as of an earlier day, never a later one
        ledger.evaluate_promises(today=date(2026, 11, 20), now=evening_utc, grace_days=3, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    assert _status(engine, new_york) == "open"


def test_item_04_evaluating_on_a_future_day_is_a_usage_error(engine):
    promise = _promise(engine, [(date(2026, 11, 10), "100.00")])
    url = engine.url.render_as_string(hide_password=False)
    future = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    result = CliRunner().invoke(cli, ["--db", url, "promises", "evaluate", "--today", future])
    assert result.exit_code == 2 and f"--today {future} is in the future" in result.output
    assert _status(engine, promise) == "open"
    past = CliRunner().invoke(cli, ["--db", url, "promises", "evaluate", "--today", "2026-11-20"])
    assert past.exit_code == 0 and "2026-11-20: 0 kept, 0 partly kept, 1 broken" in past.output


def test_a_payments_reference_never_keeps_a_card_number(engine):
    with db.session(engine) as session:
        ledger.import_payments(
            [PaymentIn(2, "P-card", "A-2", date(2026, 11, 5), Decimal("10.00"), None, "", "paid by card 4111 1111 1111 1111 cvv 123")], path="entered", source="entered", today=MADE, grace_days=3, class_days=DEFAULT_CLASS_DAYS, session=session
        )
        session.commit()
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT reference FROM payment WHERE external_id = 'P-card'")).scalar()
    assert stored == "paid by card [card ····1111] cvv [···]"


def test_a_payment_file_without_currencies_is_held_to_each_accounts_decimal_places(engine):
    """An amount read before its account's currency was known is checked against it."""
    for amount in ("0.0000001", "1.001"):
        with pytest.raises(LedgerFileError, match=r"USD takes at most 2 decimal places, got “(0\.0000001|1\.001)”"):
            _pay(engine, date(2026, 11, 5), amount, MADE)
    assert _violations(engine) == []
