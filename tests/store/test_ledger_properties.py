"""Issue 20: the ledger's invariants hold after any sequence of what happens to a ledger:
imports and re-imports (invoices added, raised, lowered), payments (from a file and typed
in, some too large and refused), promises (single and plans, each superseding the last),
and evaluations on later days. After every step `db check` finds nothing, and the
balance is what the invoices and payments say. SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from callassist.core.ledger_csv import AccountIn, InvoiceIn, LedgerFileError, PaymentIn
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.store import db, ledger
from callassist.store.ledger_check import check_ledger

START = date(2026, 10, 1)
ACCOUNTS = ("A-1", "A-2")
CENTS = st.integers(min_value=1, max_value=500_000).map(lambda cents: Decimal(cents) / 100)

STEPS = st.one_of(
    st.tuples(st.just("import"), st.sampled_from(ACCOUNTS), st.lists(CENTS, min_size=1, max_size=3)),
    st.tuples(st.just("pay"), st.sampled_from(ACCOUNTS), CENTS, st.sampled_from(["import", "entered"])),
    st.tuples(st.just("pay_all"), st.sampled_from(ACCOUNTS)),
    st.tuples(st.just("promise"), st.sampled_from(ACCOUNTS), st.integers(1, 3), st.integers(1, 40)),
    st.tuples(st.just("evaluate"), st.integers(0, 30)),
)


_ENGINES: dict = {}


def _engine(url: str):
    """One engine per database for all of a test's examples (each starts from a wiped ledger)."""
    if url not in _ENGINES:
        _ENGINES[url] = db.open_engine(url)
    return _ENGINES[url]


def _wipe(engine) -> None:
    with engine.begin() as connection:
        for table in ("instalment", "promise", "payment", "invoice", "account", "contact", "debtor", "collector"):
            connection.execute(text(f"DELETE FROM {table}"))


def _account(external: str, amounts: list[Decimal]) -> AccountIn:
    account = AccountIn(2, external, f"D-{external}", f"Debtor {external}", "company", "Asia/Shanghai", None, None, "Li", "", "", f"+86 21 {external}", None, "CNY", "")
    account.invoices = [InvoiceIn(2 + n, f"INV-{n}", START - timedelta(days=60), START + timedelta(days=10 * n), amount) for n, amount in enumerate(amounts)]
    return account


def _account_id(session, external: str) -> int | None:
    return session.connection().execute(text("SELECT id FROM account WHERE external_id = :e"), {"e": external}).scalar()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.tuples(*(st.tuples(st.just("import"), st.just(a), st.lists(CENTS, min_size=1, max_size=3)) for a in ACCOUNTS)).flatmap(lambda opening: st.lists(STEPS, min_size=1, max_size=12).map(lambda later: [*opening, *later])))
def test_the_ledgers_invariants_hold_after_any_sequence_of_steps(store_url, steps):
    engine = _engine(store_url)
    _wipe(engine)
    day = START
    counter = 0
    for step in steps:
        counter += 1
        with db.session(engine) as session:
            kind = step[0]
            try:
                if kind == "import":
                    ledger.import_accounts([_account(step[1], step[2])], default_collector="wang", today=day, class_days=DEFAULT_CLASS_DAYS, session=session)
                elif kind in ("pay", "pay_all"):
                    account_id = _account_id(session, step[1])
                    if account_id is None:
                        continue
                    amount = step[2] if kind == "pay" else ledger.owed([account_id], session)[account_id]
                    if amount <= 0:
                        continue
                    source = step[3] if kind == "pay" else "import"
                    ledger.import_payments([PaymentIn(2, f"P-{counter}", step[1], day, amount, None, "", "")], path="p.csv", source=source, today=day, grace_days=3, class_days=DEFAULT_CLASS_DAYS, session=session)
                elif kind == "promise":
                    account_id = _account_id(session, step[1])
                    owed = ledger.owed([account_id], session)[account_id] if account_id else Decimal(0)
                    if account_id is None or owed <= 0:
                        continue
                    parts = min(step[2], int(owed * 100))  # as the promise form has it: every payment above zero
                    share = (owed / parts).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
                    plan = [(day + timedelta(days=step[3] + 30 * n), share) for n in range(parts - 1)]
                    plan.append((day + timedelta(days=step[3] + 30 * (parts - 1)), owed - share * (parts - 1)))
                    ledger.add_promise(account_id, None, "CNY", owed, "bank_transfer", "email", plan, datetime.combine(day, time(4), UTC), session=session)
                else:
                    day += timedelta(days=step[1])
                    ledger.evaluate_promises(today=day, grace_days=3, class_days=DEFAULT_CLASS_DAYS, session=session)
                session.commit()
            except LedgerFileError as exc:  # refused whole: an overpayment, invoices lowered below what was paid
                session.rollback()
                assert all(problem.column == "amount" for problem in exc.problems), exc
        with db.session(engine) as session:
            found = check_ledger(session=session)
        assert found == [], (step, [str(v) for v in found])
