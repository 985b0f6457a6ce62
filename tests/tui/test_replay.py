"""Replay: a call played back event by event shows what the collector saw, whatever the
script says now, and a tampered call says "integrity broken"."""

from __future__ import annotations

import shutil
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select
from textual.widgets import OptionList, Static

from callassist.settings import Settings
from callassist.store import db
from callassist.store.models import Review
from callassist.tui.screens.call import CallScreen
from callassist.tui.screens.replay import ReplayScreen
from callassist.tui.screens.scorecard import ScorecardScreen
from tests.conftest import OBJECTIONS, SCRIPTS
from tests.tui.conftest import make_two_calls, press, settle, stored_calls, until


@pytest.fixture
def settings(tmp_path) -> Settings:
    shutil.copytree(SCRIPTS, tmp_path / "scripts")
    return Settings(data_dir=tmp_path, collector="wang", scripts_dir=tmp_path / "scripts", objections_dir=OBJECTIONS)


def _seen(screen: CallScreen) -> tuple[str, str, tuple[str, ...]]:
    step = screen.call.step
    return (step.label, step.text, tuple(c.key for c in step.choices))


def _then(replay: ReplayScreen) -> str:
    return "\n".join(str(replay.query_one(f"#then-{part}", Static).render()) for part in ("step", "text", "choices", "ladder", "extra"))


async def _open_replay(pilot, call_id: str) -> ReplayScreen:
    replay = ReplayScreen(call_id)
    await pilot.app.push_screen(replay)
    await settle(pilot)
    return replay


async def test_a_call_played_back_shows_what_the_collector_saw(make_app, settings, db_url):
    async with make_app("en").run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = pilot.app.screen
        seen = [_seen(screen)]
        for key in ("d", "r", "y", "o", "y", "4", "4"):
            await press(pilot, key)
            if _seen(screen) != seen[-1]:
                seen.append(_seen(screen))
        await press(pilot, "r", "h", "x")
        pilot.app.screen.query_one("#note").value = "handed to the team lead"
        await press(pilot, "ctrl+s")
        [(call, events)] = stored_calls(db_url)
        # Today's script says something else: the replay still shows what was said then.
        (settings.scripts_dir / "standard" / "en" / "purpose.j2").write_text("REWRITTEN AFTER THE CALL", encoding="utf-8")
        await press(pilot, "r")
        replay = await _open_replay(pilot, call.id)
        assert "hash chain intact" in str(replay.query_one("#integrity", Static).render())
        assert len(replay.shown) == len(events)
        played = []
        for index in range(len(events)):
            frame = replay.shown[replay.index]
            assert frame.seq == index + 1 and replay.query_one(OptionList).highlighted == index
            if frame.kind == "step_entered":
                played.append((frame.step_label, frame.step_text, tuple(key for key, _ in frame.choices)))
                assert "".join(frame.step_text.split()) in "".join(_then(replay).split())  # folded to the width
            await press(pilot, "right")
        assert [step for step in played if step[0] != "Change roles" and step[0] != "Wrap up"] == seen
        assert "REWRITTEN" not in "".join(step[1] for step in played)
        rungs = [frame.ladder.rung if frame.ladder else None for frame in replay.shown if frame.kind == "step_entered"]
        assert 1 in rungs and 2 in rungs and rungs[-1] is None  # shown with its step, gone once the call moved on
        # Jump: the first and the last event, then back one.
        await press(pilot, "home")
        assert replay.index == 0 and "Card as shown" in _then(replay)
        await press(pilot, "end", "left")
        assert replay.index == len(events) - 2
        # Play at 4x with silences skipped runs to the end by itself.
        await press(pilot, "home", "4", "s", "space")
        await until(pilot, lambda: replay.timer is None, len(events) * 0.3)  # each step the shortest: the clock stood still
        assert replay.index == len(events) - 1
        assert "handed to the team lead" in _then(replay)
        # The scorecard: Enter on a line jumps to the event that proves it.
        await press(pilot, "c")
        card = pilot.app.screen
        assert isinstance(card, ScorecardScreen)
        lines = {line.item: line for line in card.lines}
        assert lines["verified_before_debt"].result == "pass" and lines["promise_read_back"].result == "n/a"
        options = card.query_one(OptionList)
        options.highlighted = list(lines).index("verified_before_debt")
        await press(pilot, "enter")
        assert pilot.app.screen is replay and replay.index == lines["verified_before_debt"].seq - 1
        assert replay.shown[replay.index].kind == "step_entered"
        # A supervisor's review: score and comment, stored with who and when.
        await press(pilot, "m")
        form = pilot.app.screen
        await press(pilot, "ctrl+s")
        assert "Choose a score" in str(form.query_one("#review-error", Static).render())
        form.query_one("#score").value = 4
        form.query_one("#comment").value = "Good ladder; ask for the date sooner."
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is replay and "4/5 by wang" in str(replay.query_one("#reviews", Static).render())
    engine = db.make_engine(db_url)
    with db.session(engine) as session:
        [review] = session.exec(select(Review)).all()
        assert (review.call_id, review.reviewer, review.score, review.comment) == (call.id, "wang", 4, "Good ladder; ask for the date sooner.")
        assert review.created_at.tzinfo is not None
    engine.dispose()


async def test_an_undone_choice_shows_in_the_replay_and_the_scorecard(make_app, db_url):
    async with make_app("en").run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "d", "r", "y", "o", "y", "r", "u", "d", "l", "x")
        pilot.app.screen.query_one("#note").value = "dispute: delivery notes to send"
        await press(pilot, "ctrl+s")
        [(call, events)] = stored_calls(db_url)
        replay = await _open_replay(pilot, call.id)
        undone = next(frame for frame in replay.shown if frame.kind == "undone")
        assert undone.happened == "undone: Refuses to pay"
        await press(pilot, "c")
        card = pilot.app.screen
        [line] = [line for line in card.lines if line.item == "undone"]
        assert line.seq == undone.seq and f"Event {undone.seq - 2} (Refuses to pay) was taken back" in line.detail
        card.query_one(OptionList).highlighted = card.lines.index(line)
        await press(pilot, "enter")
        assert pilot.app.screen is replay and replay.index == undone.seq - 1


async def test_a_tampered_call_says_integrity_broken(make_app, db_url):
    async with make_app("zh").run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "d", "r", "y")
        call_id = pilot.app.screen.active.call_id
        await press(pilot, "escape")
        engine = db.make_engine(db_url)
        with engine.begin() as connection:
            connection.execute(text("UPDATE callevent SET payload = replace(payload, '是否方便', '改过的') WHERE call_id = :c AND kind = 'step_entered' AND seq > 4"), {"c": call_id})
            broken_at = connection.execute(text("SELECT min(seq) FROM callevent WHERE call_id = :c AND payload LIKE '%改过的%'"), {"c": call_id}).scalar()
        engine.dispose()
        assert broken_at
        replay = await _open_replay(pilot, call_id)
        warning = str(replay.query_one("#integrity", Static).render())
        assert "完整性受损" in warning and f"第 {broken_at} 条" in warning
        assert len(replay.shown) == broken_at - 1
        assert all("改过的" not in frame.step_text for frame in replay.shown)


async def test_the_calls_browser_finds_a_call_and_replays_it(make_app, db_url):
    from callassist.tui.screens.calls import CallsScreen
    from callassist.tui.widgets.line_table import LineTable

    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await make_two_calls(pilot)
        await press(pilot, "v")
        browser = pilot.app.screen
        assert isinstance(browser, CallsScreen)
        table = browser.query_one(LineTable)
        assert len(table.keys) == 2
        calls = {call.disposition: call.id for call, _ in stored_calls(db_url)}
        browser.query_one("#search").value = "DELIVERY"
        await settle(pilot)
        assert list(table.keys.values()) == [calls["callback"]] and "callback" in table.row_text(0).lower()
        browser.query_one("#search").value = ""
        browser.query_one("#disposition").value = "no_answer"
        await settle(pilot)
        assert list(table.keys.values()) == [calls["no_answer"]]
        browser.query_one("#from").value = "2026-13-01"
        await settle(pilot)
        assert "Not a date" in str(browser.query_one("#calls-problem", Static).render())
        browser.query_one("#from").value = ""
        table.focus()
        await press(pilot, "enter")
        replay = pilot.app.screen
        assert isinstance(replay, ReplayScreen) and replay.call_id == calls["no_answer"]
        await press(pilot, "escape")
        assert pilot.app.screen is browser


async def test_the_dashboard_shows_the_team_figures(make_app, db_url):
    from callassist.tui.screens.dashboard import DashboardScreen

    async with make_app("zh").run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "a", "x", "ctrl+s")
        await press(pilot, "enter", "d", "r", "y", "o", "y", "f")
        form = pilot.app.screen
        await pilot.press("tab", *"2026-11-27")
        form.query_one("#method").value = "bank_transfer"
        form.query_one("#channel").value = "wechat"
        await press(pilot, "ctrl+s", "y", "x", "ctrl+s", "f")
        dashboard = pilot.app.screen
        assert isinstance(dashboard, DashboardScreen)
        await settle(pilot)
        result = dashboard.result
        assert (result.calls, result.right_party, result.promises) == (2, 1, 1)
        summary = str(dashboard.query_one("#summary", Static).render())
        assert "通话数 2" in summary and "联系到本人 1 (50%)" in summary
        assert {"prepare", "promise", "wrap_up"} <= set(result.phase_seconds)
        assert str(dashboard.query_one("#per-day", Static).render()).count("█") >= 1, "today's two calls have their column"
        # Every rung and excuse has its line, named in Chinese, never by its id.
        rungs = str(dashboard.query_one("#rungs", Static).render()).splitlines()
        assert len(rungs) == len(result.rungs) and all("第" in line and "步" in line for line in rungs)
        bars = "\n".join(rungs) + str(dashboard.query_one("#excuses", Static).render())
        assert not any(excuse_id in bars for excuse_id in ("stall", "dodge", "wear_down", "deflect"))
        assert "通话" in str(dashboard.query(".chart-title").first().render()) and "calls" not in str(dashboard.query(".chart-title").first().render())
        # The steps in the script's order.
        steps = [line.split()[0] for line in str(dashboard.query_one("#phases", Static).render()).splitlines()[1:] if line.strip()]
        flow = list(pilot.app.workspace.content.flow.flow.state_labels("zh").values())
        assert steps == sorted(steps, key=flow.index)
        await press(pilot, "escape")
        assert not isinstance(pilot.app.screen, DashboardScreen)


def test_a_rung_stored_with_words_the_program_lacks_is_shown_as_stored():
    from callassist.core.call import LadderPosition
    from callassist.tui.widgets.objection_panel import describe_rung

    shown = describe_rung(LadderPosition("Stall", 1, 3, "zzz", ("persist", "yyy")), "zh").plain
    assert "zzz" in shown and "缠、yyy" in shown and "心法：zzz" in shown


async def test_a_supervisor_leaving_the_dashboard_signs_a_checkpoint(tmp_path, db_url):
    import json

    from callassist.core.checkpoints import Checkpoint, signature_problem
    from callassist.services.workspace import Workspace
    from callassist.startup import daily_checkpoint
    from callassist.tui.app import CallAssistApp
    from tests.conftest import NOW

    boss = Settings(data_dir=tmp_path / "boss", collector="zhou", role="supervisor", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)
    app = CallAssistApp(lambda: Workspace.open(boss, db_url, "en"), "en", "zhou", clock=lambda: NOW)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        await settle(pilot)
        await press(pilot, "escape")
        await settle(pilot)
        file = boss.checkpoint_file(db_url)
        lines = file.read_text().splitlines()
        assert len(lines) == 1 and signature_problem(Checkpoint(**json.loads(lines[0]))) is None
        assert (boss.signing_key.stat().st_mode & 0o777) == 0o600
        assert any("Checkpoint 1 of the log" in str(n.message) for n in pilot.app._notifications)
    # The day's first run signs on leaving; a second run that day does not.
    desk = Settings(data_dir=tmp_path / "wang", collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)
    workspace = Workspace.open(desk, db_url, "en")
    workspace.clock = lambda: NOW
    daily_checkpoint(workspace)
    assert not desk.checkpoint_file(db_url).exists()  # boss signed today already: the desk's day has its checkpoint
    workspace.clock = lambda: NOW + timedelta(days=1)
    daily_checkpoint(workspace)
    assert len(desk.checkpoint_file(db_url).read_text().splitlines()) == 1  # the desk's own file had none
    workspace.content.ensure()
    active = workspace.calls.begin_call(workspace.ledger.worklist().rows[0].account_id)
    workspace.calls.store(active.call_id, active.call.end("no_answer", "", None))
    daily_checkpoint(workspace)
    assert len(desk.checkpoint_file(db_url).read_text().splitlines()) == 1  # one a day
    workspace.clock = lambda: NOW + timedelta(days=2)
    daily_checkpoint(workspace)
    lines = desk.checkpoint_file(db_url).read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["size"] > json.loads(lines[0])["size"]
    workspace.engine.dispose()


async def test_a_replayed_promise_says_what_became_of_it(make_app, db_url):
    """The call is replayed as it was; beside its promise the replay says what the ledger
    holds today: open, then replaced by the next call's promise."""
    from datetime import date, datetime

    from callassist.store import ledger
    from callassist.store.models import Promise

    async with make_app("en").run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "d", "r", "y", "o", "y", "f")
        form = pilot.app.screen
        await pilot.press("tab", *"2026-11-27")
        form.query_one("#method").value = "bank_transfer"
        form.query_one("#channel").value = "wechat"
        await press(pilot, "ctrl+s", "y", "x", "ctrl+s")
        [(call, _)] = stored_calls(db_url)

        async def promise_line() -> str:
            replay = await _open_replay(pilot, call.id)
            await press(pilot, "end")
            shown = _then(replay)
            await press(pilot, "escape")
            return shown

        assert "This promise since: open" in await promise_line()
        engine = db.make_engine(db_url)
        with db.session(engine) as session:
            first = session.exec(select(Promise).where(Promise.call_id == call.id)).one()
            ledger.add_promise(first.account_id, None, first.currency, first.total, "bank_transfer", "phone", [(date(2026, 12, 4), first.total)], datetime(2026, 11, 24, 9, tzinfo=UTC), session=session)
            session.commit()
        engine.dispose()
        assert "This promise since: replaced by a newer promise (Nov 24, 2026)" in await promise_line()


async def test_an_open_calls_browser_reads_the_calls_again_only_when_they_changed(make_app, db_url):
    """Left open, the browser looked again every few seconds and read every call and its
    events each time (3% of a core on the demo); now it reads a page when a call was
    stored, ended or purged, and the cursor stays on the call it was on."""
    from callassist.core.call import Event
    from callassist.store import db, queries
    from callassist.store.models import Call
    from callassist.tui.screens.calls import CallsScreen
    from callassist.tui.widgets.line_table import LineTable

    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await make_two_calls(pilot)
        workspace = pilot.app.workspace
        reads = []
        read = workspace.reports.calls_page
        workspace.reports.calls_page = lambda *args: reads.append(1) or read(*args)
        await press(pilot, "v")
        browser = pilot.app.screen
        assert isinstance(browser, CallsScreen) and len(reads) == 1
        table = browser.query_one(LineTable)
        await press(pilot, "down")
        chosen = table.cursor_key
        for _ in range(2):
            browser.follow_calls()
            await settle(pilot)
        assert len(reads) == 1  # nothing changed: nothing read
        engine = db.make_engine(db_url)  # another desk stores a newer call
        with db.session(engine) as session:
            first, _ = stored_calls(db_url)[0]
            later = max(call.started_at for call, _ in stored_calls(db_url)) + timedelta(hours=1)
            queries.record_call(
                Call(id="from-another-desk", account_id=first.account_id, collector_id=first.collector_id, script="standard", script_hash="x", locale="en", started_at=later, state="greeting"),
                [Event("call_started", {"debtor": "x"}, later)],
                session=session,
            )
            session.commit()
        engine.dispose()
        browser.follow_calls()
        await settle(pilot)
        assert len(reads) == 2 and table.count == 3 and table.keys[0] == "from-another-desk"
        assert table.cursor_key == chosen and table.cursor == 2


async def test_an_open_dashboard_reads_the_figures_again_only_when_they_may_have_changed(make_app, db_url):
    """At a million calls the figures take 0.4 s to read: read every 5 s, an idle dashboard
    kept 7% of a core busy. It now reads them when a call, promise, payment or purge was
    stored since (or on a new day, or after five minutes)."""
    from callassist.tui.screens.dashboard import DashboardScreen

    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await make_two_calls(pilot)
        workspace = pilot.app.workspace
        reads = []
        read = workspace.reports.team_figures
        workspace.reports.team_figures = lambda: reads.append(1) or read()
        await press(pilot, "f")
        dashboard = pilot.app.screen
        assert isinstance(dashboard, DashboardScreen) and len(reads) == 1
        for _ in range(2):
            dashboard.load()
            await settle(pilot)
        assert len(reads) == 1
        await press(pilot, "escape", "enter", "a", "x", "ctrl+s")  # another call, no answer
        await press(pilot, "f")
        dashboard = pilot.app.screen
        await settle(pilot)
        assert len(reads) == 2 and dashboard.result.calls == 3
        dashboard.load()
        await settle(pilot)
        assert len(reads) == 2


async def test_the_whole_dashboard_can_be_read_at_80x24(make_app, db_url, demo_copy):
    """A supervisor's attack: at 80x24 scrolling stopped at "Negotiate", four steps short,
    and rung lines wrapped once the scrollbar took its room."""
    from rich.cells import cell_len

    from callassist.tui.screens.dashboard import DashboardScreen

    demo_copy(Path(db_url.removeprefix("sqlite:///")))  # the demo's 300 calls: more than a screen of figures
    for locale in ("en", "zh"):
        async with make_app(locale).run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "f")
            dashboard = pilot.app.screen
            assert isinstance(dashboard, DashboardScreen)
            await settle(pilot)
            body = dashboard.query_one("#dashboard-body")
            assert body.max_scroll_y > 0  # more than a screen: the point is reaching its end
            body.scroll_end(animate=False, immediate=True)
            await settle(pilot)
            for chart in ("#phases", "#rungs"):
                assert dashboard.query_one(chart).region.bottom <= body.region.bottom, (locale, chart)
            for chart in ("#rungs", "#excuses", "#phases"):
                widget = dashboard.query_one(chart, Static)
                lines = widget.render().plain.splitlines() if hasattr(widget.render(), "plain") else []
                assert all(cell_len(line) <= widget.content_size.width for line in lines), (locale, chart)
            assert len(dashboard.query_one("#rungs", Static).render().plain.splitlines()) == len(dashboard.result.rungs)


async def test_the_browser_keeps_its_call_highlighted_when_it_moves_to_another_page(make_app, db_url, demo_copy):
    """A supervisor's attack: on the 100th row (the last of the first page read), a newer
    call moved the highlight to the row above, as only the page at the old row was read."""
    from callassist.core.call import Event
    from callassist.store import queries
    from callassist.store.models import Call
    from callassist.tui.screens.calls import PAGE, CallsScreen
    from callassist.tui.widgets.line_table import LineTable

    demo_copy(Path(db_url.removeprefix("sqlite:///")))  # the demo's 300 calls: three pages
    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "v")
        browser = pilot.app.screen
        assert isinstance(browser, CallsScreen)
        table = browser.query_one(LineTable)
        assert table.count > PAGE
        table.move_cursor(PAGE - 1)
        await settle(pilot)
        chosen = table.cursor_key
        assert chosen is not None and str(browser.query_one("#calls-detail", Static).render()).startswith(chosen)
        engine = db.make_engine(db_url)  # another desk stores a newer call
        with db.session(engine) as session:
            first, _ = stored_calls(db_url)[0]
            mine = session.exec(text("SELECT id FROM collector WHERE name = :name").bindparams(name=pilot.app.collector)).one()[0]
            later = max(call.started_at for call, _ in stored_calls(db_url)) + timedelta(hours=1)
            queries.record_call(
                Call(id="from-another-desk", account_id=first.account_id, collector_id=mine, script="standard", script_hash="x", locale="en", started_at=later, state="greeting"), [Event("call_started", {"debtor": "x"}, later)], session=session
            )
            session.commit()
        engine.dispose()
        browser.follow_calls()
        await settle(pilot)
        assert table.cursor == PAGE and table.cursor_key == chosen
        # A date no calendar reaches is a date like any other, not a crash.
        browser.query_one("#to").value = "9999-12-31"
        await settle(pilot)
        assert pilot.app.return_code is None and table.count > PAGE


async def test_a_bug_in_a_worker_ends_the_app_with_the_internal_errors_status(make_app, db_url):
    """The helper's attack: a worker's failure closed the app with one line, as promised,
    but the shell was told 0 (and the day's checkpoint was signed as after a good day)."""
    from textual.worker import WorkerFailed

    from callassist.core.crash import INTERNAL_ERROR

    app = make_app("en")
    with pytest.raises(WorkerFailed):  # (run_test raises it again for the test's sake)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)

            def broken(*_args):
                raise RuntimeError("a bug")

            pilot.app.workspace.reports.calls_count = broken
            await press(pilot, "v")
            await pilot.pause(0.5)
    assert app.return_code == INTERNAL_ERROR
