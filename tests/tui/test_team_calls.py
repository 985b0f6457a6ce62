"""A collector's screen in a team: the next free account with one key, an account someone
else is calling refused with who and since when, and a call that goes on while the
database is out of reach, saying so, until it is back."""

from __future__ import annotations

from sqlmodel import select

from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.store import db, queries
from callassist.store.models import Call
from callassist.tui.app import CallAssistApp
from callassist.tui.screens.call import CallScreen
from callassist.tui.screens.worklist import WorklistScreen
from callassist.tui.widgets.line_table import LineTable
from tests.conftest import NOW, OBJECTIONS, SCRIPTS
from tests.tui.conftest import press, settle, until, with_demo_ledger


def supervisor(tmp_path, url: str) -> Workspace:
    desk = Workspace.open(Settings(data_dir=tmp_path / "boss", collector="boss", role="supervisor", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS), url, "en")
    desk.clock = lambda: NOW
    return desk


async def test_n_calls_the_best_account_no_one_else_is_calling(make_app, db_url, tmp_path):
    async with make_app("en").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        listed = [row.account_id for row in pilot.app.screen.rows]
        boss = supervisor(tmp_path, db_url)
        theirs = boss.calls.begin_call(listed[0])  # taken while wang's list is on screen
        await press(pilot, "n")
        screen = pilot.app.screen
        assert isinstance(screen, CallScreen) and screen.active.snapshot.account_id == listed[1]
        await press(pilot, "a", "x", "ctrl+s")  # no answer, and the call ends
        assert isinstance(pilot.app.screen, WorklistScreen)
        assert listed[0] not in [row.account_id for row in pilot.app.screen.rows], "the list leaves out what someone is calling"
    boss.calls.store(theirs.call_id, theirs.call.end("no_answer", "", None))


async def test_an_account_someone_else_is_calling_is_refused_with_who(make_app, db_url, tmp_path):
    async with make_app("zh").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = pilot.app.screen.rows[0].account_id
        boss = supervisor(tmp_path, db_url)
        boss.calls.begin_call(first)
        assert pilot.app.screen.query_one(LineTable).cursor_key == str(first)
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, WorklistScreen)
        notices = [str(n.message) for n in pilot.app._notifications]
        assert any("这个账户正在由别人通话" in n and "boss" in n for n in notices), notices
        await settle(pilot)
        assert first not in [row.account_id for row in pilot.app.screen.rows]


async def test_a_call_goes_on_while_the_database_is_down_and_the_screen_says_so(tmp_path, killable_postgres):
    url = with_demo_ledger(killable_postgres.new_database())
    settings = Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)
    app = CallAssistApp(lambda: Workspace.open(settings, url, "en"), "en", "wang", clock=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "d")
        screen = pilot.app.screen
        killable_postgres.kill()
        await press(pilot, "r")
        assert screen.call.state == "good_time", "the call goes on"
        status = str(screen.query_one("#status").render())
        assert "Database out of reach" in status and "kept on this computer" in status
        await press(pilot, "y")
        assert screen.call.state == "purpose"
        killable_postgres.launch()
        for _ in range(60):  # the program tries again every couple of seconds
            await pilot.pause(0.1)
            if not pilot.app.workspace.calls.offline:
                break
        await settle(pilot)
        assert not pilot.app.workspace.calls.offline
        assert any("Database back" in str(n.message) for n in pilot.app._notifications)
        assert not screen.query_one("#status").display
        call_id = screen.active.call_id
    engine = db.make_engine(url)
    with db.session(engine) as session:
        events = queries.call_events(call_id, session=session)
        assert queries.verify_call(call_id, session=session) is None
        assert session.exec(select(Call)).one().state == "purpose"
    engine.dispose()
    assert [e.payload.get("trigger") for e in events if e.kind == "choice_made"] == ["dial", "right_party", "can_talk"]


async def test_a_supervisor_sees_the_teams_calls_as_they_happen(db_url, tmp_path, quick_live):
    from textual.widgets import OptionList

    from callassist.tui.screens.calls import CallsScreen
    from callassist.tui.screens.dashboard import DashboardScreen
    from callassist.tui.screens.replay import ReplayScreen

    boss_settings = Settings(data_dir=tmp_path / "boss-app", collector="boss", role="supervisor", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)
    app = CallAssistApp(lambda: Workspace.open(boss_settings, db_url, "en"), "en", "boss", clock=lambda: NOW)
    wang = Workspace.open(Settings(data_dir=tmp_path / "wang", collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS), db_url, "en")
    wang.clock = lambda: NOW

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        assert isinstance(pilot.app.screen, DashboardScreen)
        live = pilot.app.screen.query_one("#live")
        await until(pilot, lambda: "In calls now: 0" in str(live.render()))
        active = wang.calls.begin_call(wang.ledger.worklist().rows[0].account_id)
        await until(pilot, lambda: "In calls now: 1" in str(live.render()) and "wang" in str(live.render()))
        await press(pilot, "escape", "v")
        assert isinstance(pilot.app.screen, CallsScreen)
        table = pilot.app.screen.query_one(LineTable)
        await until(pilot, lambda: active.call_id in table.keys.values())
        table.move_cursor(next(row for row, key in table.keys.items() if key == active.call_id))
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, ReplayScreen)
        timeline = pilot.app.screen.query_one(OptionList)
        await until(pilot, lambda: timeline.option_count > 0)
        before = timeline.option_count
        wang.calls.store(active.call_id, active.call.choose("dial"))
        await until(pilot, lambda: timeline.option_count > before)
