"""The contact rules on a live call: outside the debtor's hours nothing can be dialled, a
collector cannot override, a supervisor can with a reason (stored as an event), and a
window that opens while the call is on screen lets the dial through."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from textual.widgets import Input, Static

from callassist.settings import Settings
from callassist.tui.app import CallAssistApp
from callassist.tui.screens.call import CallScreen
from callassist.tui.screens.note import NoteScreen
from callassist.workspace import Workspace
from tests.conftest import OBJECTIONS, SCRIPTS
from tests.tui.conftest import press, settle, stored_calls

LATE = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)  # Friday 23:00 in Shanghai


def _app(tmp_path, db_url, role: str, clock) -> CallAssistApp:
    settings = Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS, role=role)
    return CallAssistApp(lambda: Workspace.open(settings, db_url, "en"), "en", "wang", clock=clock)


async def _call_a_shanghai_debtor(pilot) -> CallScreen:
    await settle(pilot)
    row = next(row for row in pilot.app.screen.rows if row.currency == "CNY")
    pilot.app.begin_call(row.account_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, CallScreen)
    return pilot.app.screen


def _rules_line(screen: CallScreen) -> str:
    line = screen.query_one("#rules", Static)
    return str(line.render()).replace("\u202f", " ") if line.display else ""


async def test_a_collector_cannot_dial_or_override_outside_the_debtors_hours(tmp_path, db_url):
    app = _app(tmp_path, db_url, "collector", lambda: LATE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _call_a_shanghai_debtor(pilot)
        assert "cn rules · their time 11:00 PM" in _rules_line(screen)
        assert "Blocked: outside call hours (11:00 PM there; cn allows 08:00-22:00)." in _rules_line(screen)
        assert screen.call.step.choices == ()
        await press(pilot, "d", "a", "ctrl+o")
        assert not isinstance(app.screen, NoteScreen)
        assert app.screen is screen
    (call, events), = stored_calls(db_url)
    assert [e.kind for e in events] == ["call_started", "step_entered"]
    assert events[0].payload["contact_rules"]["blocks"] == ["hours"] and events[1].payload["choices"] == []


async def test_a_supervisor_overrides_with_a_reason_and_the_call_is_dialled(tmp_path, db_url):
    app = _app(tmp_path, db_url, "supervisor", lambda: LATE)
    async with app.run_test(size=(80, 24)) as pilot:
        await _call_a_shanghai_debtor(pilot)
        await press(pilot, "ctrl+o")
        assert isinstance(app.screen, NoteScreen)
        app.screen.query_one(Input).value = "the debtor asked to be called tonight"
        await press(pilot, "enter")
        assert isinstance(app.screen, CallScreen)
        assert "blocked" not in _rules_line(app.screen) and "overridden for this call" in _rules_line(app.screen)
        await press(pilot, "d")
        assert app.screen.call.state == "reach_party"
    (call, events), = stored_calls(db_url)
    assert [e.kind for e in events] == ["call_started", "step_entered", "compliance_override", "step_entered", "choice_made", "step_entered"]
    override = events[2].payload
    assert override == {"rules": ["hours"], "reason": "the debtor asked to be called tonight", "by": "wang", "role": "supervisor", "state": "prepare"}
    assert [c["trigger"] for c in events[3].payload["choices"]] == ["dial", "no_answer"]


async def test_the_dial_is_offered_once_the_debtors_morning_comes(tmp_path, db_url):
    now = [datetime(2026, 11, 19, 23, 59, 58, tzinfo=timezone.utc)]  # 07:59:58 in Shanghai
    app = _app(tmp_path, db_url, "collector", lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _call_a_shanghai_debtor(pilot)
        assert screen.call.step.choices == ()
        now[0] += timedelta(seconds=3)
        await pilot.pause(1.3)  # the screen's clock ticks every second
        await settle(pilot)
        assert [c.key for c in screen.call.step.choices] == ["d", "a"] and "outside" not in _rules_line(screen)
        await press(pilot, "a")
        assert screen.call.state == "wrap_up" or app.screen is not screen
    (call, events), = stored_calls(db_url)
    assert [e.kind for e in events][:4] == ["call_started", "step_entered", "step_entered", "choice_made"]
