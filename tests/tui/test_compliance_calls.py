"""Compliance on a live call. The contact rules: outside the debtor's hours nothing can
be dialled, a collector cannot override, a supervisor can with a reason (stored as an
event), and a window that opens while the call is on screen lets the dial through. The
disclosure gates: no step naming the debt before the right person is verified and has
heard who calls and why; under `us`, the purpose step opens with the disclosure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Input, Static

from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.tui.app import CallAssistApp
from callassist.tui.screens.call import CallScreen
from callassist.tui.screens.note import NoteScreen
from tests.conftest import NOW, OBJECTIONS, SCRIPTS
from tests.tui.conftest import call_a_shanghai_debtor, press, settle, stored_calls, with_demo_ledger


@pytest.fixture
def db_url(store_url) -> str:
    """These calls run on SQLite and on PostgreSQL alike."""
    return with_demo_ledger(store_url)


LATE = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # Friday 23:00 in Shanghai


def _app(tmp_path, db_url, role: str, clock, compliance: str = "cn") -> CallAssistApp:
    settings = Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS, role=role, compliance=compliance)
    return CallAssistApp(lambda: Workspace.open(settings, db_url, "en"), "en", "wang", clock=clock)


def _rules_line(screen: CallScreen) -> str:
    line = screen.query_one("#rules", Static)
    return str(line.render()).replace("\u202f", " ") if line.display else ""


async def test_a_collector_cannot_dial_or_override_outside_the_debtors_hours(tmp_path, db_url):
    app = _app(tmp_path, db_url, "collector", lambda: LATE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        assert "cn rules · their time 11:00 PM" in _rules_line(screen)
        assert "Blocked: outside call hours (11:00 PM there; cn allows 08:00-22:00)." in _rules_line(screen)
        assert screen.call.step.choices == ()
        await press(pilot, "d", "a", "ctrl+o")
        assert not isinstance(app.screen, NoteScreen)
        assert app.screen is screen
    ((call, events),) = stored_calls(db_url)
    assert [e.kind for e in events] == ["call_started", "step_entered"]
    assert events[0].payload["contact_rules"]["blocks"] == ["hours"] and events[1].payload["choices"] == []


async def test_a_supervisor_overrides_with_a_reason_and_the_call_is_dialled(tmp_path, db_url):
    app = _app(tmp_path, db_url, "supervisor", lambda: LATE)
    async with app.run_test(size=(80, 24)) as pilot:
        await call_a_shanghai_debtor(pilot)
        await press(pilot, "ctrl+o")
        assert isinstance(app.screen, NoteScreen)
        app.screen.query_one(Input).value = "the debtor asked to be called tonight"
        await press(pilot, "enter")
        assert isinstance(app.screen, CallScreen)
        assert "blocked" not in _rules_line(app.screen) and "overridden for this call" in _rules_line(app.screen)
        await press(pilot, "d")
        assert app.screen.call.state == "reach_party"
    ((call, events),) = stored_calls(db_url)
    assert [e.kind for e in events] == ["call_started", "step_entered", "compliance_override", "step_entered", "choice_made", "step_entered"]
    override = events[2].payload
    assert override == {"rules": ["hours"], "reason": "the debtor asked to be called tonight", "by": "wang", "role": "supervisor", "state": "prepare"}
    assert [c["trigger"] for c in events[3].payload["choices"]] == ["dial", "no_answer", "reached_voicemail"]


async def test_the_dial_is_offered_once_the_debtors_morning_comes(tmp_path, db_url):
    now = [datetime(2026, 11, 19, 23, 59, 58, tzinfo=UTC)]  # 07:59:58 in Shanghai
    app = _app(tmp_path, db_url, "collector", lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        assert screen.call.step.choices == ()
        now[0] += timedelta(seconds=3)
        await pilot.pause(1.3)  # the screen's clock ticks every second
        await settle(pilot)
        assert [c.key for c in screen.call.step.choices] == ["d", "a", "v"] and "outside" not in _rules_line(screen)
        await press(pilot, "a")
        assert screen.call.state == "wrap_up" or app.screen is not screen
    ((call, events),) = stored_calls(db_url)
    assert [e.kind for e in events][:4] == ["call_started", "step_entered", "step_entered", "choice_made"]


async def test_the_amount_cannot_be_reached_before_verification(tmp_path, db_url):
    app = _app(tmp_path, db_url, "collector", lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        await press(pilot, "d")
        # Someone answered, not yet known to be the debtor: the purpose, the amount, the
        # excuses and the promise form are all out of reach.
        await press(pilot, "o", "y", "4", "m", "p")
        assert screen.call.state == "reach_party"
        card = lambda: str(screen.query_one("#account", Static).render())  # noqa: E731
        assert "Owed: shown once verified" in card() and "CN¥" not in card()
        await press(pilot, "r")
        assert "CN¥" in card() and "shown once verified" not in card()
        await press(pilot, "y")
        assert screen.call.state == "purpose"
        await press(pilot, "4")  # an excuse before the collector said who calls and why
        assert screen.call.state == "purpose" and screen.call.objection is None
        await press(pilot, "o")
        assert screen.call.state == "confirm_amount"
    ((call, events),) = stored_calls(db_url)
    named = [e.payload["state"] for e in events if e.kind == "step_entered" and e.payload["discloses_debt"]]
    assert named == ["purpose", "confirm_amount"]
    assert "debt collector" not in next(e.payload["text"] for e in events if e.kind == "step_entered" and e.payload["state"] == "purpose")  # cn asks no disclosure
    verified = next(i for i, e in enumerate(events) if e.kind == "choice_made" and "right_party_verified" in e.payload["sets"])
    first_named = next(i for i, e in enumerate(events) if e.kind == "step_entered" and e.payload["discloses_debt"])
    assert verified < first_named


async def test_under_us_rules_the_purpose_step_opens_with_the_disclosure(tmp_path, db_url):
    app = _app(tmp_path, db_url, "collector", lambda: NOW, compliance="us")  # 10:00 for the debtor
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        assert "us rules" in _rules_line(screen) and "attempts 0/7 this week" in _rules_line(screen)
        await press(pilot, "d", "r", "y")
        assert screen.call.step.text.startswith("Say this first, word for word: \u201cI am a debt collector. This is an attempt to collect a debt")
    ((call, events),) = stored_calls(db_url)
    purpose = next(e for e in events if e.kind == "step_entered" and e.payload["state"] == "purpose")
    assert "This is an attempt to collect a debt" in purpose.payload["text"]
    assert events[0].payload["contact_rules"]["profile"] == "us"


async def test_a_contact_who_asks_not_to_be_called_is_never_offered_again(tmp_path, db_url):
    from textual.widgets import Select

    from callassist.tui.screens.disposition import DispositionScreen
    from callassist.tui.screens.worklist import WorklistScreen

    app = _app(tmp_path, db_url, "supervisor", lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        account_id = screen.active.snapshot.account_id
        await press(pilot, "d", "g")  # someone else answered, and asks us not to call this number
        await press(pilot, "x")
        form = app.screen
        assert isinstance(form, DispositionScreen)
        form.query_one("#disposition", Select).value = "wrong_party"
        form.query_one("#note", Input).value = "the shop next door; asked us to stop calling"
        form.query_one("#contact-stop", Select).value = "do_not_call"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, WorklistScreen)
        await settle(pilot)
        assert account_id not in [row.account_id for row in app.screen.rows]
        # Opened some other way, the call cannot be dialled, not even by a supervisor.
        app.begin_call(account_id)
        await settle(pilot)
        again = app.screen
        assert isinstance(again, CallScreen) and again.call.step.choices == ()
        assert "this contact asked not to be called on this number; no override lifts that" in _rules_line(again) and "^o" not in _rules_line(again)
        await press(pilot, "ctrl+o", "d")
        assert not isinstance(app.screen, NoteScreen) and again.call.state == "prepare"
    calls = stored_calls(db_url)
    assert calls[0][1][-1].payload["contact_stop"] == "do_not_call"
    assert [e.kind for e in calls[1][1]] == ["call_started", "step_entered"]
    assert calls[1][1][0].payload["contact_rules"]["blocks"] == ["do_not_call"]


async def test_item_21_3_the_window_closing_mid_call_is_said_at_once(tmp_path, db_url):
    """Issue 21: at 22:00 in Shanghai the cn window closes; a call under way is told at once
    and offered the polite close, and nothing on screen is lost."""
    now = [datetime(2026, 11, 20, 13, 58, tzinfo=UTC)]  # 21:58 there
    app = _app(tmp_path, db_url, "collector", lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        await press(pilot, "d", "r", "y")
        assert screen.call.state == "purpose" and not _rules_line(screen)
        shown = screen.call.step.text
        now[0] = datetime(2026, 11, 20, 14, 0, 5, tzinfo=UTC)  # 22:00:05 there
        await pilot.pause(1.2)
        await settle(pilot)
        assert "Their call hours ended at 22:00, their time: close politely now" in _rules_line(screen)
        assert any("Their call hours ended" in str(notice.message) for notice in app._notifications)
        assert screen.call.step.text == shown and screen.call.state == "purpose"


async def test_a_blocked_account_is_left_not_dialled_and_counts_for_nothing(tmp_path, db_url):
    """Esc on the first step leaves the call as "not dialled": stored and replayable, no
    attempt for the contact rules, nothing on the account, no flag on the scorecard, not
    a call in the figures. Once dialled, Esc leaves nothing."""
    from callassist.core.replay import frames
    from callassist.store import db, queries
    from callassist.store.models import Account
    from callassist.tui.screens.worklist import WorklistScreen
    from tests.figures_from_events import CallRecord, figures

    app = _app(tmp_path, db_url, "collector", lambda: LATE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        account_id = screen.active.snapshot.account_id
        engine = db.make_engine(db_url)
        with db.session(engine) as session:
            before = session.get(Account, account_id)
            before = (before.last_contact_at, before.last_outcome, before.calls_in_month)
        assert "esc" in screen.query_one("#choices").text.plain.lower()
        await press(pilot, "escape")
        assert isinstance(app.screen, WorklistScreen)
        # A call that was dialled cannot be left that way.
        await call_a_shanghai_debtor(pilot)
        await press(pilot, "ctrl+o")  # a collector cannot override: still blocked, still undialled
        await press(pilot, "x")
        assert isinstance(app.screen, WorklistScreen)
    calls = stored_calls(db_url)
    assert [call.disposition for call, _ in calls] == ["not_dialled", "not_dialled"]
    for _call, events in calls:
        assert [e.kind for e in events] == ["call_started", "step_entered", "call_ended"]
    with db.session(engine) as session:
        after = session.get(Account, account_id)
        assert (after.last_contact_at, after.last_outcome, after.calls_in_month) == before
        assert queries.contact_attempts(account_id, LATE - timedelta(days=7), session=session) == []
    engine.dispose()
    workspace = Workspace.open(Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS, role="supervisor"), db_url, "en")
    try:
        stored = workspace.calls.replay(calls[0][0].id)
        card = workspace.content.scorecard(stored, "en")
        assert not [line for line in card if line.result == "fail"], card
        assert frames(stored.events, "en")[-1].happened == "ended: Not dialled"
    finally:
        workspace.engine.dispose()
    counted = figures([CallRecord(call.id, "wang", LATE.date(), events) for call, events in calls], LATE.date())
    assert (counted.calls, counted.not_dialled) == (0, 2)


async def test_once_dialled_esc_leaves_nothing(tmp_path, db_url):
    app = _app(tmp_path, db_url, "collector", lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        await press(pilot, "d", "escape")
        assert app.screen is screen and not screen.call.ended
        assert "Leave, not dialled" not in str(screen.query_one("KeyBar").render())
        with pytest.raises(Exception, match="dialled"):
            screen.call.leave_undialled()


async def test_the_worklist_puts_accounts_the_rules_block_last_and_says_when_they_open(tmp_path, db_url):
    """Friday 23:00 in Shanghai, 16:00 in Europe: every account whose debtor's hours are
    closed comes after every one they allow, and its row says when they open."""
    from sqlalchemy import text as sql

    from callassist.core.priority import local_zone
    from callassist.store import db

    engine = db.make_engine(db_url)
    with engine.connect() as connection:
        zones = dict(connection.execute(sql("SELECT a.id, d.timezone FROM account a JOIN debtor d ON d.id = a.debtor_id")).all())
    engine.dispose()
    app = _app(tmp_path, db_url, "collector", lambda: LATE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rows = app.screen.rows
        closed = [not 8 <= LATE.astimezone(local_zone(zones[row.account_id])).hour < 22 for row in rows]
        assert any(closed) and not all(closed)
        assert closed == sorted(closed), "a blocked account ranks above one the rules allow"
        table = app.screen.query_one("LineTable")
        assert "opens in 9 h" in table.row_text(closed.index(True))
        table.move_cursor(closed.index(True))
        await settle(pilot)
        assert "opens in 9 h (8:00 AM their time)" in str(app.screen.query_one("#worklist-detail").render()).replace("\u202f", " ")
