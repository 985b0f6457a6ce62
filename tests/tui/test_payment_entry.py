"""A payment typed in on the worklist: checked, stored, matched to the open promise, and
the list follows (Pilot, asserting on what the database holds)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlmodel import select

from callassist.store import db
from callassist.store.ledger_check import check_ledger
from callassist.store.models import Account, Instalment, Payment, Promise
from callassist.tui.screens.payment import PaymentScreen
from callassist.tui.widgets.line_table import LineTable
from tests.tui.conftest import press, settle


async def test_a_payment_keeps_the_promise_it_pays(make_app, db_url):
    async with make_app("zh").run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        worklist = pilot.app.screen
        index = next(n for n, row in enumerate(worklist.rows) if row.promise_due is not None)
        row = worklist.rows[index]
        table = worklist.query_one(LineTable)
        table.move_cursor(index)
        await press(pilot, "m")
        form = pilot.app.screen
        assert isinstance(form, PaymentScreen)
        form.query_one("#amount").value = "12,5OO"
        await press(pilot, "ctrl+s")
        assert "金额无效" in str(form.query_one("#payment-errors").render()), "a typo is refused before anything is stored"
        form.query_one("#amount").value = str(row.promise_amount)
        form.query_one("#paid-on").value = "2026-11-21"
        await press(pilot, "ctrl+s")
        assert "不能是未来日期" in str(form.query_one("#payment-errors").render())
        form.query_one("#paid-on").value = "2026-11-20"
        form.query_one("#reference").value = "回单 8812"
        await press(pilot, "ctrl+s")
        for _ in range(100):  # the list is read again after the payment is stored
            await pilot.app.workers.wait_for_complete()
            await settle(pilot)
            if all(r.promise_due is None for r in pilot.app.screen.rows if r.account_id == row.account_id):
                break
        assert all(r.promise_due is None for r in pilot.app.screen.rows if r.account_id == row.account_id)
    engine = db.make_engine(db_url)
    with db.session(engine) as session:
        [payment] = session.exec(select(Payment).where(Payment.source == "entered")).all()
        assert (payment.account_id, payment.amount, payment.source, payment.reference, payment.unmatched) == (row.account_id, row.promise_amount, "entered", "回单 8812", Decimal(0))
        promise = session.exec(select(Promise).where(Promise.account_id == row.account_id, Promise.status == "kept", Promise.decided_on.is_not(None))).one()
        assert session.exec(select(Instalment).where(Instalment.promise_id == promise.id)).one().paid == row.promise_amount
        assert session.get(Account, row.account_id).balance == row.balance - row.promise_amount
    engine.dispose()


async def test_item_01_an_overpayment_typed_in_is_refused_and_nothing_is_stored(make_app, db_url):
    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        worklist = pilot.app.screen
        row = worklist.rows[0]
        worklist.query_one(LineTable).move_cursor(0)
        await press(pilot, "m")
        form = pilot.app.screen
        assert isinstance(form, PaymentScreen)
        form.query_one("#amount").value = str(row.balance + Decimal("0.01"))
        await press(pilot, "ctrl+s")
        shown = str(form.query_one("#payment-errors").render())
        assert f"That is more than the account owes ({row.balance}\u00a0{row.currency})" in shown
        form.query_one("#amount").value = str(row.balance)
        await press(pilot, "ctrl+s")
        await pilot.app.workers.wait_for_complete()
        for _ in range(100):  # the list follows once the worker's reload arrives
            await settle(pilot)
            if all(r.account_id != row.account_id for r in pilot.app.screen.rows):
                break
        assert all(r.account_id != row.account_id for r in pilot.app.screen.rows)  # paid off: closed, off the list
    engine = db.make_engine(db_url)
    with db.session(engine) as session:
        assert session.get(Account, row.account_id).closed and check_ledger(session=session) == []
    engine.dispose()


async def test_a_read_of_the_list_arriving_after_a_newer_one_is_not_shown(make_app, db_url):
    """The reload on coming back from the form and the read after the payment finish in
    either order; the older list would bring back an account the payment just closed."""
    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        worklist = pilot.app.screen
        full = pilot.app.workspace.ledger.worklist()
        paid_off = full.rows[0].account_id
        after = dataclasses.replace(full, rows=full.rows[1:])
        older, newer = worklist.next_read(), worklist.next_read()
        worklist.post_message(worklist.Loaded(after, newer))
        worklist.post_message(worklist.Loaded(full, older))
        await settle(pilot)
        assert paid_off not in [row.account_id for row in worklist.rows]
        worklist.post_message(worklist.Loaded(full, worklist.next_read()))
        await settle(pilot)
        assert worklist.rows[0].account_id == paid_off, "a newer read is shown"
