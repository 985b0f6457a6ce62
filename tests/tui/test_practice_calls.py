"""Practice mode in the TUI: two personas rehearsed, each call stored as practice with its score."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from textual.widgets import Input, OptionList, Select, Static

from callassist.store import db
from callassist.store.models import Account, Promise
from callassist.tui.screens.call import CallScreen
from callassist.tui.screens.disposition import DispositionScreen
from callassist.tui.screens.practice import PracticeScreen, ScoreScreen
from callassist.tui.screens.promise import PromiseScreen
from callassist.tui.screens.worklist import WorklistScreen
from tests.conftest import NOW, TODAY
from tests.tui.conftest import press, settle, stored_calls


async def _rehearse(pilot, persona_id: str) -> CallScreen:
    await press(pilot, "p")
    picker = pilot.app.screen
    assert isinstance(picker, PracticeScreen)
    options = picker.query_one(OptionList)
    options.highlighted = next(i for i in range(options.option_count) if options.get_option_at_index(i).id == persona_id)
    await press(pilot, "enter")
    screen = pilot.app.screen
    assert isinstance(screen, CallScreen) and screen.active.rehearsal.persona.id == persona_id
    return screen


def _debtor_says(screen: CallScreen) -> str:
    return str(screen.query_one("#persona-line", Static).render())


async def _end(pilot, disposition: str | None = None, note: str = "") -> dict:
    await press(pilot, "x")
    dialog = pilot.app.screen
    assert isinstance(dialog, DispositionScreen)
    if disposition:
        dialog.query_one("#disposition", Select).value = disposition
    dialog.query_one("#note", Input).value = note
    await press(pilot, "ctrl+s")
    score = pilot.app.screen
    assert isinstance(score, ScoreScreen)
    shown = str(score.query_one("#score-items", Static).render())
    await press(pilot, "enter")
    assert isinstance(pilot.app.screen, WorklistScreen)
    return {"payload": score.payload, "shown": shown}


async def test_two_personas_rehearsed_and_scored(make_app, db_url):
    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        # A stalling owner, answered rung by rung, then a dated written promise.
        screen = await _rehearse(pilot, "stall_busy_owner")
        persona = screen.active.rehearsal.persona
        await press(pilot, "d", "r", "y", "o", "y")
        assert persona.excuses[0].says.en in _debtor_says(screen)
        await press(pilot, "4", "4")
        assert persona.excuses[0].replies[1].en in _debtor_says(screen)
        await press(pilot, "y")
        form = pilot.app.screen
        assert isinstance(form, PromiseScreen)
        await pilot.press("tab", *(TODAY + timedelta(days=7)).isoformat())
        form.query_one("#row-0-amount", Input).value = "36800.00"
        form.query_one("#method", Select).value = "bank_transfer"
        form.query_one("#channel", Select).value = "email"
        await press(pilot, "ctrl+s", "y")
        first = await _end(pilot)
        assert first["payload"]["score"] == 100 and "✗" not in first["shown"]

        # A mixed persona answered with the wrong ladder and no promise.
        screen = await _rehearse(pilot, "mixed_stall_then_dispute")
        await press(pilot, "d", "r", "y", "o", "y", "2")
        assert "(says it again)" in _debtor_says(screen)
        await press(pilot, "r", "h")
        second = await _end(pilot, note="rehearsal: escalated too early")
        assert second["payload"]["score"] < 50 and "Old friend against Stall (1x)" in second["shown"]

    calls = stored_calls(db_url)
    assert [(c.practice, c.persona, c.account_id, c.disposition) for c, _ in calls] == [(True, "stall_busy_owner", None, "promise"), (True, "mixed_stall_then_dispute", None, "escalated")]
    for (_call, events), shown in zip(calls, (first, second)):
        assert events[0].kind == "call_started" and events[0].payload["practice"] is True
        assert [e.kind for e in events[-2:]] == ["call_ended", "practice_scored"]
        assert events[-1].payload == shown["payload"]
    engine = db.make_engine(db_url)
    with db.session(engine) as session:
        practice_ids = [call.id for call, _ in calls]
        assert session.exec(select(Promise).where(Promise.call_id.in_(practice_ids))).all() == []  # binds no account
        assert session.exec(select(Account).where(Account.last_contact_at >= NOW)).all() == []  # no account was called
    engine.dispose()


async def test_a_notice_in_practice_leaves_the_debtors_line_in_sight(make_app, db_url):
    """A rung taken back says so in a notice: below the debtor's words, not over them."""
    from textual.widgets._toast import Toast

    async with make_app("en").run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = await _rehearse(pilot, "stall_busy_owner")
        await press(pilot, "d", "r", "y", "o", "y", "1", "u")
        line = screen.query_one("#persona-line", Static).region
        toasts = list(screen.query(Toast))
        assert toasts, "the undo is said in a notice"
        assert not any(toast.region.overlaps(line) for toast in toasts), (line, [t.region for t in toasts])
