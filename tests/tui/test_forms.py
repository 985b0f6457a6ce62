"""The call's forms as a collector types in them: the cursor goes where the fix is typed,
an error goes once it is fixed, and no example looks like a value."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, Select, Static

from callassist.tui.screens.disposition import DispositionScreen
from callassist.tui.screens.payment import PaymentScreen
from callassist.tui.screens.promise import PromiseScreen
from callassist.tui.screens.worklist import WorklistScreen
from tests.conftest import TODAY
from tests.tui.conftest import press, settle, stored_calls


def _said(screen, error_id: str) -> str:
    return str(screen.query_one(error_id, Static).render())


async def test_after_an_outcome_needs_a_note_the_note_is_typed_into_the_note(make_app, db_url):
    async with make_app("en").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "d", "r", "y", "o", "y", "r", "x")
        form = pilot.app.screen
        assert isinstance(form, DispositionScreen) and form.focused.id == "disposition"
        assert form.query_one("#next-contact", Input).placeholder == "a date and time, or a time for today"
        form.query_one("#disposition", Select).value = "refused"
        await press(pilot, "ctrl+s")
        assert "needs a note" in _said(form, "#disposition-errors")
        assert form.focused.id == "note", "the note is what is missing: the cursor waits there"
        await pilot.press(*"says the goods were late")
        await settle(pilot)
        assert _said(form, "#disposition-errors") == "", "fixed: the error is gone before saving"
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, WorklistScreen)
    [(call, events)] = stored_calls(db_url)
    assert call.disposition == "refused" and events[-1].payload["note"] == "says the goods were late"


async def test_the_promise_form_clears_each_error_once_its_field_is_filled(make_app, db_url):
    async with make_app("zh").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "d", "r", "y", "o", "y", "f")
        form = pilot.app.screen
        assert isinstance(form, PromiseScreen) and form.focused.id == "total"
        await press(pilot, "ctrl+s")
        errors = _said(form, "#promise-errors")
        assert "付款方式" in errors and "书面确认" in errors and form.focused.id == "row-0-due"
        await pilot.press(*(TODAY + timedelta(days=3)).isoformat())
        form.query_one("#method", Select).value = "bank_transfer"
        form.query_one("#channel", Select).value = "email"
        await settle(pilot)
        assert _said(form, "#promise-errors") == ""


async def test_the_payment_amount_starts_empty_and_its_error_goes_once_typed(make_app, db_url):
    async with make_app("en").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "m")
        form = pilot.app.screen
        assert isinstance(form, PaymentScreen)
        amount = form.query_one("#amount", Input)
        assert amount.value == "" and not any(ch.isdigit() for ch in amount.placeholder), "no example that reads as an amount"
        await press(pilot, "ctrl+s")
        assert "An amount is required." in _said(form, "#payment-errors"), "empty is missing, not malformed"
        amount.focus()
        await pilot.press(*"120.50")
        await settle(pilot)
        assert _said(form, "#payment-errors") == ""


async def test_tab_walks_the_promise_form_in_the_order_it_is_filled(make_app, db_url):
    """Total, each payment's date then amount, method, channel, Save; F2 and F3 add and
    remove rows from the keyboard, so their buttons are not stops on the way."""
    async with make_app("en").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "d", "r", "y", "o", "y", "f")
        form = pilot.app.screen
        assert isinstance(form, PromiseScreen)
        await press(pilot, "f2")
        assert form.focused.id == "row-1-due", "a new row takes the cursor to its date"
        form.query_one("#total", Input).focus()
        await settle(pilot)
        order = [form.focused.id]
        for _ in range(7):
            await press(pilot, "tab")
            order.append(form.focused.id)
        assert order == ["total", "row-0-due", "row-0-amount", "row-1-due", "row-1-amount", "method", "channel", "save"]


async def test_notices_said_again_do_not_pile_up_over_the_choices(make_app, db_url):
    """An excuse key pressed six times before the right person is verified: one notice
    says why, not six stacked down the screen over the choices and the keys."""
    from textual.widgets._toast import Toast

    from callassist.tui.widgets.choice_bar import ChoiceBar

    async with make_app("en").run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "d", "1", "1", "1", "1", "1", "1")
        screen = pilot.app.screen
        messages = [str(n.message) for n in pilot.app._notifications]
        assert len(messages) <= 2 and len(set(messages)) == len(messages), messages
        choices = screen.query_one(ChoiceBar).region
        for toast in screen.query(Toast):
            assert not toast.region.overlaps(choices), (toast.region, choices)
