"""When storing fails the screen says so and does not move on; a broken script is refused."""

from __future__ import annotations

import shutil

from textual.widgets import Static

from callassist.core.errors import StoreError
from callassist.core.i18n import resolve_locale
from callassist.services.calls import Calls
from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.tui.app import CallAssistApp
from callassist.tui.screens.call import CallScreen
from callassist.tui.screens.worklist import WorklistScreen
from tests.conftest import NOW, OBJECTIONS, SCRIPTS
from tests.tui.conftest import press, settle, stored_calls


async def test_a_failed_commit_is_shown_and_retried(make_app, db_url, monkeypatch):
    app = make_app("en")
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = pilot.app.screen
        assert isinstance(screen, CallScreen)
        real_store = Calls.store
        failures = {"left": 2}

        def flaky_store(self, call_id, events):
            if failures["left"]:
                failures["left"] -= 1
                raise StoreError("database is locked")
            return real_store(self, call_id, events)

        monkeypatch.setattr(Calls, "store", flaky_store)
        await pilot.press("d")
        await pilot.pause(0.3)
        status = str(screen.query_one("#status", Static).render())
        assert "Not saved: database is locked" in status
        assert screen.query_one("#prompt-title").text.plain == "Prepare"
        await pilot.press("a")  # ignored while the change waits to be stored
        await settle(pilot)
        assert failures["left"] == 0
        assert screen.call.state == "reach_party"
        assert screen.query_one("#prompt-title").text.plain == "Reach the right person"
        assert not screen.query_one("#status").display
        drafts = pilot.app.workspace.calls.drafts
        failures["left"] = 1
        await press(pilot, "n")
        await pilot.press(*"gatekeeper was rude")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert drafts.load(screen.active.call_id, "note") == {"text": "gatekeeper was rude"}, "kept until stored"
        await settle(pilot)
        assert drafts.load(screen.active.call_id, "note") is None
    [(call, events)] = stored_calls(db_url)
    assert [e.kind for e in events] == ["call_started", "step_entered", "choice_made", "step_entered", "note_added"]


async def test_a_broken_script_is_refused_with_file_and_line(tmp_path, db_url):
    scripts = tmp_path / "scripts"
    shutil.copytree(SCRIPTS, scripts)
    flow = scripts / "standard" / "flow.yaml"
    flow.write_text(flow.read_text(encoding="utf-8").replace("conditions: [amount_confirmed]", "conditions: [debtor_is_rich]"), encoding="utf-8")
    settings = Settings(data_dir=tmp_path, collector="wang", scripts_dir=scripts, objections_dir=OBJECTIONS)
    app = CallAssistApp(lambda: Workspace.open(settings, db_url, "en"), "en", "wang", clock=lambda: NOW)
    async with app.run_test() as pilot:
        await settle(pilot)
        shown = str(pilot.app.screen.query_one("#content-problems", Static).render())
        assert "flow.yaml:" in shown and "E021" in shown and "debtor_is_rich" in shown
        await press(pilot, "enter")
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, WorklistScreen)
    assert stored_calls(db_url) == []


def test_locale_resolution(monkeypatch):
    assert resolve_locale("zh_TW") == "zh" and resolve_locale("zh-Hant") == "zh" and resolve_locale("en_GB") == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert resolve_locale(None) == "zh"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert resolve_locale(None) == "en"


async def test_a_database_that_cannot_be_opened_ends_the_app_with_its_reason():
    def cannot_open():
        raise StoreError("cannot open the database sqlite:////proc/nope/x.db: no such directory")

    app = CallAssistApp(cannot_open, "en", "wang", clock=lambda: NOW)
    async with app.run_test() as pilot:
        await pilot.pause(0.5)
    assert app.return_code == 1


async def test_keys_typed_ahead_while_a_change_is_stored_are_kept_in_order(make_app, db_url, monkeypatch):
    """A collector who knows the script types the next step's key before the last one is
    stored (a slow disk, a busy team database): the key is kept, not dropped with a bell."""
    import time

    app = make_app("en")
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = pilot.app.screen
        real_store = Calls.store

        def slow_store(self, call_id, events):
            time.sleep(0.3)
            return real_store(self, call_id, events)

        monkeypatch.setattr(Calls, "store", slow_store)
        await pilot.press("d", "r", "y")  # answered, the right person, a good time: each before the last is stored
        await settle(pilot)
        assert screen.call.state == "purpose" and screen.query_one("#prompt-title").text.plain == "Who we are and why we call"
    [(_call, events)] = stored_calls(db_url)
    assert [e.payload["trigger"] for e in events if e.kind == "choice_made"] == ["dial", "right_party", "can_talk"]
