"""Issue 19, item 10: a stored row that does not parse (a payload that is not JSON, a time
that is not a time, written into the file by hand) is reported, never a traceback: audit
names the call and event, the calls browser flags the call and shows the rest, the
dashboard and the report count the call as it was when it ended (its summary, issue 24),
and no error shows a debtor's data."""

from __future__ import annotations

import re

from sqlalchemy import text
from typer.testing import CliRunner

from callassist.cli import app as cli
from callassist.store import db
from callassist.tui.screens.calls import CallsScreen
from callassist.tui.screens.dashboard import DashboardScreen
from callassist.tui.widgets.line_table import LineTable
from tests.tui.conftest import make_two_calls, press, settle, stored_calls


def _forge(db_url: str, call_id: str, column: str, value: str, seq: int = 2) -> None:
    engine = db.make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE callevent SET {column} = :value WHERE call_id = :call AND seq = :seq"), {"value": value, "call": call_id, "seq": seq})
    engine.dispose()


async def test_item_10_a_row_that_does_not_parse_is_flagged_and_the_rest_is_shown(make_app, db_url, settings):
    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await make_two_calls(pilot)
    calls = {call.disposition: call for call, _ in stored_calls(db_url)}
    damaged, intact = calls["no_answer"], calls["callback"]
    _forge(db_url, damaged.id, "payload", "not json {")

    async with make_app("en").run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "v")
        browser = pilot.app.screen
        assert isinstance(browser, CallsScreen)
        table = browser.query_one(LineTable)
        assert set(table.keys.values()) == {damaged.id, intact.id}
        flagged = {summary.call_id: summary.flags for summary in browser.rows.values()}
        assert flagged[damaged.id] == ("damaged_row",) and "damaged_row" not in flagged[intact.id]
        await press(pilot, "escape", "f")
        dashboard = pilot.app.screen
        assert isinstance(dashboard, DashboardScreen)
        await settle(pilot)
        # Summed up when it ended: a row changed since moves no figure (audit names it).
        assert dashboard.result.calls == 2 and dashboard.result.damaged == []
        assert pilot.app.return_code is None  # still running

    _forge(db_url, intact.id, "at", "yesterday-ish")
    runner = CliRunner()
    base = ["--db", db_url, "--collector", "wang", "--role", "supervisor"]
    report = runner.invoke(cli, [*base, "report"])
    assert report.exit_code == 0 and re.search(r"^ +calls +2 *$", report.output, re.M) and "left out" not in report.output, report.output
    for command in (["export", "events"], ["export", "calls"], ["--role", "trainer", "export", "events"]):
        result = runner.invoke(cli, [*base, *command])
        assert result.exit_code == 0 and "Traceback" not in result.output, (command, result.output)
    audit = runner.invoke(cli, [*base, "audit", "verify"])
    assert f"BROKEN  {damaged.id}: event 2: its content was changed" in audit.output
    assert f"BROKEN  {intact.id}: event 2: its time is not a time" in audit.output
    debtors = {card.payload["debtor"] for _, events in stored_calls(db_url) for card in events[:1] if isinstance(card.payload, dict) and "debtor" in card.payload}
    assert debtors and not any(name in report.output + audit.output for name in debtors)
