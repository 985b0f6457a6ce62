"""The objection quick-find in a call: typed words open the matching ladder, stored as such."""

from __future__ import annotations

from textual.widgets import Input, Static

from callassist.core.objections import ladder_id
from callassist.tui.widgets.excuse_finder import ExcuseFinderPanel
from tests.tui.conftest import press, settle, stored_calls
from tests.tui.test_whole_calls import end_call, start_first_call


async def type_words(pilot, words: str) -> None:
    await pilot.press(*("space" if char == " " else char for char in words))
    await settle(pilot)


async def test_typing_the_debtors_words_opens_the_matching_ladder(make_app, db_url):
    app = make_app("en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        finder = screen.query_one(ExcuseFinderPanel)
        await press(pilot, "/")
        assert not finder.display, "nothing is found before the call is dialled"
        await press(pilot, "d", "/")
        assert finder.display, "a situation (a wrong number) may come before anyone is verified"
        await type_words(pilot, "our accountant is on leave")
        await press(pilot, "enter")
        assert screen.call.objection is None, "before the right person is verified, no excuse is answered"
        await press(pilot, "r", "y", "o")
        await press(pilot, "/")
        assert finder.display and app.focused is screen.query_one("#finder-input", Input)
        await type_words(pilot, "our acountant is on leave")
        shown = str(screen.query_one("#finder-ranking", Static).render())
        assert shown.splitlines()[0].startswith("▶ Deflect: Accountant away") and "the accountant is on leave" in shown
        await press(pilot, "enter")
        assert not finder.display and app.focused is None
        assert screen.call.objection.ladder == "deflect.accountant_away" and screen.call.objection.rung == 1
        assert "Deflect: Accountant away rung 1/4" in str(screen.query_one("#objections", Static).render())

        # Esc closes without answering anything; the call's keys work again at once.
        await press(pilot, "/")
        await type_words(pilot, "trust me")
        await press(pilot, "escape")
        assert not finder.display and screen.call.objection.ladder == "deflect.accountant_away"

        # The second best, chosen with the arrow key.
        await press(pilot, "/")
        await type_words(pilot, "we never got the invoice, the price is wrong too")
        ranked = [m.excuse for m in finder.ranked]
        await press(pilot, "down", "enter")
        assert screen.call.objection.ladder == ranked[1]
        await end_call(pilot, note="quick-find test", disposition="refused")

    [(call, events)] = stored_calls(db_url)
    raised = [ladder_id(e.payload["excuse"], e.payload.get("case")) for e in events if e.kind == "objection_raised"]
    assert raised == ["deflect.accountant_away", ranked[1]]
    found = [e.payload.get("found_with") for e in events if e.kind == "rebuttal_shown"]
    assert found == ["our acountant is on leave", "we never got the invoice, the price is wrong too"]


async def test_traditional_chinese_typed_in_a_chinese_call(make_app, db_url):
    app = make_app("zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await press(pilot, "d", "r", "y", "o", "/")
        await type_words(pilot, "我們沒收到發票")
        assert "没收到发票" in str(screen.query_one("#finder-ranking", Static).render())
        await press(pilot, "enter")
        assert screen.call.objection.ladder.startswith("deflect")
        assert "推" in str(screen.query_one("#objections", Static).render())


async def test_the_deflect_key_asks_which_case_and_then_climbs_that_ladder(make_app, db_url):
    """Issue 22: key 5 asks which of deflect's cases the debtor means; the case's ladder
    opens, key 5 again climbs it, and the call stores the case beside the excuse."""
    from callassist.tui.screens.cases import CasePickerScreen

    app = make_app("en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_first_call(pilot)
        await press(pilot, "d", "r", "y", "o", "5")
        assert isinstance(app.screen, CasePickerScreen)
        await press(pilot, "3")
        assert screen.call.objection.ladder == "deflect.signer_away" and screen.call.objection.rung == 1
        await press(pilot, "5")
        assert screen.call.objection.ladder == "deflect.signer_away" and screen.call.objection.rung == 2
        assert "Deflect: " in str(screen.query_one("#objections", Static).render())
        await end_call(pilot, note="case test", disposition="refused")
    _, events = stored_calls(db_url)[0]
    shown = [(e.payload["excuse"], e.payload.get("case"), e.payload["rung"]) for e in events if e.kind == "rebuttal_shown"]
    assert shown == [("deflect", "signer_away", 1), ("deflect", "signer_away", 2)]
