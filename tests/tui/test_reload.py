"""Reloading scripts and objections while the app runs: refused edits keep the last good
version, and a call under way keeps the version it started with."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from textual.widgets import Static

from callassist.settings import Settings
from callassist.tui.screens.call import CallScreen
from tests.conftest import OBJECTIONS, SCRIPTS
from tests.tui.conftest import press, settle, stored_calls


@pytest.fixture
def settings(tmp_path) -> Settings:
    shutil.copytree(SCRIPTS, tmp_path / "scripts")
    return Settings(data_dir=tmp_path, collector="wang", scripts_dir=tmp_path / "scripts", objections_dir=OBJECTIONS)


def _problems_panel(app) -> Static:
    return app.screen.query_one("#content-problems", Static)


async def _palette(pilot, words: str) -> None:
    await press(pilot, "ctrl+p")
    await pilot.press(*words)
    await pilot.pause(0.3)
    await press(pilot, "enter")
    await settle(pilot)


async def test_a_broken_edit_is_refused_and_the_last_good_version_stays(make_app, settings, db_url):
    purpose = settings.scripts_dir / "standard" / "en" / "purpose.j2"
    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        good = pilot.app.workspace.content.flow.content_hash
        assert not _problems_panel(pilot.app).display
        original = purpose.read_text(encoding="utf-8")
        purpose.write_text(original.replace("{{ creditor }}", "{{ creditr }}", 1), encoding="utf-8")
        await press(pilot, "r")  # the worklist's reload key
        await settle(pilot)
        panel = _problems_panel(pilot.app)
        shown = str(panel.render())
        assert panel.display and "last good version" in shown and good[:8] in shown
        assert "purpose.j2:" in shown and "E030" in shown and "creditr" in shown
        assert pilot.app.workspace.content.flow.content_hash == good
        # Calls go on with the last good version.
        await press(pilot, "enter", "d", "r", "y")
        screen = pilot.app.screen
        assert isinstance(screen, CallScreen) and screen.call.state == "purpose"
        assert screen.call.context.creditor in screen.call.step.text
        await press(pilot, "escape")
        # Fixed, and reloaded from the command palette: the new version is in use, the list is gone.
        purpose.write_text(original + "\nEDITED", encoding="utf-8")
        await _palette(pilot, "Reload scripts")
        assert pilot.app.workspace.content.flow.content_hash != good
        assert pilot.app.workspace.content.problems == []
    [(call, _)] = stored_calls(db_url)
    assert call.script_hash == good


async def test_a_call_under_way_keeps_the_version_it_started_with(make_app, settings, db_url):
    reach = settings.scripts_dir / "standard" / "en" / "reach_party.j2"
    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        screen = pilot.app.screen
        assert isinstance(screen, CallScreen)
        reach.write_text("A NEW OPENING LINE", encoding="utf-8")
        await _palette(pilot, "Reload scripts")
        assert pilot.app.screen is screen
        await press(pilot, "d")
        assert screen.call.state == "reach_party" and "A NEW OPENING LINE" not in screen.call.step.text
        assert screen.call.loaded.content_hash != pilot.app.workspace.content.flow.content_hash
    [(call, events)] = stored_calls(db_url)
    entered = [e for e in events if e.kind == "step_entered" and e.payload["state"] == "reach_party"]
    assert entered and "A NEW OPENING LINE" not in entered[0].payload["text"]


async def test_a_collector_without_accounts_is_told_so_and_a_fixed_script_clears_its_problems(settings, db_url):
    from callassist.services.workspace import Workspace
    from callassist.tui.app import CallAssistApp
    from tests.conftest import NOW

    flow = settings.scripts_dir / "standard" / "flow.yaml"
    original = flow.read_text(encoding="utf-8")
    flow.write_text(original.replace("conditions: [amount_confirmed]", "conditions: [amount_confimed]"), encoding="utf-8")
    nobody = replace(settings, collector="nobody")
    app = CallAssistApp(lambda: Workspace.open(nobody, db_url, "en"), "en", "nobody", clock=lambda: NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        shown = str(_problems_panel(pilot.app).render())
        assert "cannot be used" in shown and "amount_confimed" in shown and "No accounts are assigned to nobody" in shown
        flow.write_text(original, encoding="utf-8")
        await press(pilot, "r")
        await settle(pilot)
        shown = str(_problems_panel(pilot.app).render())
        assert "amount_confimed" not in shown and "No accounts are assigned to nobody" in shown
