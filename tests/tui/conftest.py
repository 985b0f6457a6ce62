"""A demo workspace on a temporary SQLite file with a fixed clock, and the app on it."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import textual._wait
from sqlalchemy.engine import make_url
from sqlmodel import select
from textual import events

from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.store import db, demo, queries
from callassist.store.models import Call
from callassist.store.sql import quick_sqlite_read, sqlite_file
from callassist.tui.app import LASTING_PHONE_GROUPS, CallAssistApp
from tests.conftest import NOW, OBJECTIONS, SCRIPTS, TODAY


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)


_DEMO_FILE: list[Path] = []  # the demo ledger made once per test process, for SQLite files to copy


def with_demo_ledger(url: str) -> str:
    """The database at `url` brought to the newest schema and given the demo ledger (a new
    SQLite file is a copy of one made so, a fifth of a second sooner)."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        if not _DEMO_FILE:
            folder = tempfile.mkdtemp(prefix="callassist-demo-")
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            made = Path(folder) / "demo.db"
            _fill_demo(f"sqlite:///{made}")
            assert not made.with_name("demo.db-wal").exists(), "the copy holds every row"
            _DEMO_FILE.append(made)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_DEMO_FILE[0], path)
        os.chmod(path, 0o600)
        return url
    return _fill_demo(url)


@pytest.fixture(scope="session")
def _pg_demo_template(postgres) -> str:
    """The name of a database on the suite's PostgreSQL holding the demo ledger, made once
    per test process for pg_demo_url to copy."""
    return make_url(_fill_demo(postgres.new_database())).database


@pytest.fixture
def pg_demo_url(postgres, _pg_demo_template) -> str:
    """A database of the test's own on the suite's PostgreSQL, at the newest schema with
    the demo ledger: a copy of one made so, a third of a second sooner."""
    return postgres.new_database(template=_pg_demo_template)


def _fill_demo(url: str) -> str:
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.session(engine) as session:
        demo.populate(session, "wang", TODAY)
    engine.dispose()
    return url


@pytest.fixture(autouse=True)
def _quick_idle(monkeypatch):
    """Pilot waits after each key until the process looks idle, in 20 ms slices: the
    same test in 4 ms slices (a quarter of the CPU still reads as busy) takes a third
    of the time and waits for the same work."""
    monkeypatch.setattr(textual._wait, "SLEEP_GRANULARITY", 0.004)
    monkeypatch.setattr(textual._wait, "SLEEP_IDLE", 0.001)


@pytest.fixture
def quick_live(monkeypatch):
    """The screens that follow the team's calls read them again every fifth of a second,
    not every five: a test waits for what they show, not for the pause between reads."""
    from callassist.tui import live
    from callassist.tui.screens import calls, dashboard, replay

    for module in (live, calls, dashboard, replay):
        monkeypatch.setattr(module, "LIVE_SECONDS", 0.2)


def as_team_login(url: str, name: str, role: str = "collector") -> str:
    """The URL of `name`'s own login to the team's database at `url` (granted as its
    owner, as `callassist db grant` does): what they do goes through the policies,
    functions and triggers of a team's database."""
    from callassist.store import team

    engine = db.make_engine(url)
    with db.session(engine) as session:
        team.grant(name, role, session=session)
        session.commit()
    engine.dispose()
    return make_url(url).set(username=name).render_as_string(hide_password=False)


def as_owner(url: str) -> str:
    """The same database as its tables' owner (on PostgreSQL, the suite's superuser), for
    what a test sets up behind the app's back."""
    parsed = make_url(url)
    return url if parsed.get_backend_name() == "sqlite" else parsed.set(username="postgres").render_as_string(hide_password=False)


@pytest.fixture
def db_url(settings) -> str:
    return with_demo_ledger(settings.demo_url())


@pytest.fixture
def make_app(settings, db_url):
    def make(locale: str = "en") -> CallAssistApp:
        def open_workspace() -> Workspace:
            return Workspace.open(settings, db_url, locale)

        path = db_url.removeprefix("sqlite:///")
        # The first paint reads as startup.run_tui has it read: the same window, so the same order.
        window = settings.contact_rules.window
        return CallAssistApp(open_workspace, locale, settings.collector, lambda now: quick_sqlite_read(path, settings.collector, now, window=window), clock=lambda: NOW)

    return make


async def settle(pilot, seconds: float = 30.0) -> None:
    """Wait until workers are done and no change is waiting to be stored: seen twice in a
    row, each time after the screen has handled every message then queued (a worker's
    result may start another). Looked at again at once, not after a fixed pause: a
    hundredth of a second per keystroke was a tenth of the suite's time. `seconds` bounds
    only a failure: an app's first settle in a process checks the content (2 CPU-s), and
    once, with the twenty collectors' processes beside it, took more than ten."""
    app = pilot.app
    deadline = time.monotonic() + seconds
    quiet, pause = 0, 0.001
    while time.monotonic() < deadline:
        if _busy(app):
            # A worker is at work (a commit, a read): look again a little later each time, not
            # every millisecond, each look a message to every widget on screen, taking the
            # interpreter from the worker it waits for.
            quiet = 0
            await asyncio.sleep(pause)
            pause = min(2 * pause, 0.016)
            continue
        await pilot._wait_for_screen()
        quiet = 0 if _busy(app) else quiet + 1
        if quiet == 2:
            app.screen._on_timer_update()  # drawn as the pilot's pause draws it
            return
        pause = 0.001
        await asyncio.sleep(0)
    raise AssertionError("the app did not settle")


def _busy(app) -> bool:
    """A worker is running (but those that last until the phone is back), or a change waits to be stored."""
    return any(w.is_running and w.group not in LASTING_PHONE_GROUPS for w in app.workers) or bool(getattr(app.screen, "pending", None) or any(getattr(s, "pending", None) for s in app.screen_stack))


async def until(pilot, check, seconds: float = 12.0) -> None:
    """Wait until `check()` holds: for what the app does on its own, a message or two
    after its workers are done (a screen a resumed call opens, a live figure)."""
    for _ in range(int(seconds * 100)):
        if check():
            return
        await pilot.pause(0.01)
    raise AssertionError("not seen in time")


async def call_a_shanghai_debtor(pilot):
    """From the worklist, a call to the first debtor in Shanghai (10:00 there by the tests' clock)."""
    from callassist.tui.screens.call import CallScreen

    await settle(pilot)
    row = next(row for row in pilot.app.screen.rows if row.currency == "CNY")
    pilot.app.begin_call(row.account_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, CallScreen)
    return pilot.app.screen


async def paste(pilot, text: str) -> None:
    """`text` put in as a terminal pastes it: one event for the focused widget, where
    typing it would be a key, and a screen drawn, per letter."""
    pilot.app.post_message(events.Paste(text))
    await settle(pilot)


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def stored_calls(db_url: str) -> list[tuple[Call, list]]:
    engine = db.make_engine(db_url)
    try:
        with db.session(engine) as session:
            calls = session.exec(select(Call).order_by(Call.started_at)).all()
            return [(call, queries.call_events(call.id, session=session)) for call in calls]
    finally:
        engine.dispose()


async def make_two_calls(pilot) -> None:
    """From the worklist: a call with no answer, then one that reaches a receptionist
    (with a note) and ends in a callback on Monday."""
    await settle(pilot)
    await press(pilot, "enter", "a", "x", "ctrl+s")  # no answer
    await press(pilot, "down", "enter", "d", "g", "n")
    pilot.app.screen.query_one("#note-input").value = "receptionist asked for the delivery notes"
    await press(pilot, "enter", "c", "k", "x")
    pilot.app.screen.query_one("#note").value = "call back Monday"
    pilot.app.screen.query_one("#next-contact").value = "2026-11-23 10:00"
    await press(pilot, "ctrl+s")
