"""Holds in a call: a situation typed into the quick-find opens its exit (what to say,
what to write down, the hold), the end form follows with its outcome; the account leaves
the worklist, its card says so, the dial gate stops it (a collector cannot override,
nor release), and a supervisor releases it with a reason. On SQLite, on PostgreSQL, and
there as the team's own logins."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import Input, Select, Static

from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.store import db
from callassist.store.models import AccountHold
from callassist.tui.app import CallAssistApp
from callassist.tui.screens.call import CallScreen
from callassist.tui.screens.disposition import DispositionScreen
from callassist.tui.screens.hold import HoldScreen
from callassist.tui.screens.note import NoteScreen
from callassist.tui.screens.worklist import WorklistScreen
from tests.conftest import NOW, OBJECTIONS, SCRIPTS
from tests.tui.conftest import as_owner, as_team_login, paste, press, settle, stored_calls, with_demo_ledger
from tests.tui.test_quickfind_calls import type_words


@pytest.fixture(params=["sqlite", "postgresql, own logins"])
def logins(request, tmp_path) -> tuple[str, str, str]:
    """(the collector's URL, the supervisor's URL, the owner's URL)."""
    if request.param == "sqlite":
        url = with_demo_ledger(f"sqlite:///{tmp_path / 'store.db'}")
        return url, url, url
    url = request.getfixturevalue("pg_demo_url")
    return as_team_login(url, "wang"), as_team_login(url, "li", "supervisor"), as_owner(url)


def _app(tmp_path, url: str, collector: str, role: str, locale: str = "en") -> CallAssistApp:
    settings = Settings(data_dir=tmp_path / collector, collector=collector, scripts_dir=SCRIPTS, objections_dir=OBJECTIONS, role=role)
    return CallAssistApp(lambda: Workspace.open(settings, url, locale), locale, collector, clock=lambda: NOW)


def _holds(url: str) -> list[AccountHold]:
    engine = db.make_engine(url)
    try:
        with db.session(engine) as session:
            return list(session.exec(select(AccountHold).order_by(AccountHold.id)).all())
    finally:
        engine.dispose()


async def _open(pilot, account_id: int) -> CallScreen:
    pilot.app.begin_call(account_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, CallScreen)
    return pilot.app.screen


async def test_i_already_paid_holds_the_account_until_a_supervisor_releases_it(tmp_path, logins):
    collector_url, supervisor_url, owner_url = logins
    app = _app(tmp_path, collector_url, "wang", "collector")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        account_id = app.screen.rows[0].account_id
        screen = await _open(pilot, account_id)
        await press(pilot, "d", "r", "/")
        await type_words(pilot, "we paid that last month")
        assert "⚑ Already paid" in str(screen.query_one("#finder-ranking", Static).render()).splitlines()[0]
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, HoldScreen)
        said = str(form.query_one("#hold-say", Static).render())
        assert "already paid" in said and "transfer slip" in said
        assert form.query_one("#hold-reason", Select).value == "already_paid"
        form.query_one("#hold-details", Input).value = "paid 2026-10-30 by transfer, ref 88213"
        await press(pilot, "ctrl+s")
        ending = app.screen
        assert isinstance(ending, DispositionScreen)
        assert ending.query_one("#disposition", Select).value == "on_hold"
        assert ending.query_one("#note", Input).value == "paid 2026-10-30 by transfer, ref 88213"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, WorklistScreen)
        await settle(pilot)
        assert account_id not in [row.account_id for row in app.screen.rows], "a held account is offered again"
        assert [debtor for key, debtor, _, _ in app.accounts if key == account_id][0].endswith("(ON HOLD)"), "the palette no longer finds it"

        # Opened again (as from Ctrl+P): the card says it, nothing can be dialled, and
        # a collector neither overrides nor releases.
        screen = await _open(pilot, account_id)
        assert "ON HOLD" in str(screen.query_one("AccountCard").render())
        rules = str(screen.query_one("#rules", Static).render())
        assert "on hold since" in rules and "says it was paid, being verified" in rules
        assert screen.call.step.choices == ()
        await press(pilot, "ctrl+o", "ctrl+r")
        assert app.screen is screen and screen.call.step.choices == ()
        await press(pilot, "escape")
    [(call, events)] = [(c, e) for c, e in stored_calls(owner_url) if c.disposition == "on_hold"]
    placed = next(e.payload for e in events if e.kind == "hold_placed")
    assert placed["reason"] == "already_paid" and placed["situation"] == "already_paid" and placed["state"] == "good_time"
    [hold] = _holds(owner_url)
    assert (hold.account_id, hold.reason, hold.placed_by, hold.call_id, hold.released_at) == (account_id, "already_paid", "wang", call.id, None)
    assert hold.details == "paid 2026-10-30 by transfer, ref 88213"

    supervisor = _app(tmp_path, supervisor_url, "li" if supervisor_url != collector_url else "wang", "supervisor")
    async with supervisor.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await _open(pilot, account_id)
        await press(pilot, "ctrl+r")
        assert isinstance(supervisor.screen, NoteScreen)
        supervisor.screen.query_one(Input).value = "bank confirms nothing arrived"
        await press(pilot, "enter")
        await settle(pilot)
        assert supervisor.screen is screen and [c.key for c in screen.call.step.choices] == ["d", "a", "v"]
        assert "ON HOLD" not in str(screen.query_one("AccountCard").render())
        await press(pilot, "escape")
    [hold] = _holds(owner_url)
    assert hold.release_reason == "bank confirms nothing arrived" and hold.released_by in ("li", "wang") and hold.released_at is not None


@pytest.mark.parametrize("locale", ["en", "zh"])
async def test_every_situation_with_a_hold_is_found_and_placed(tmp_path, locale):
    from callassist.core.objections import load_catalog

    url = with_demo_ledger(f"sqlite:///{tmp_path / 'store.db'}")
    situations = [s for s in load_catalog(OBJECTIONS).situations.values() if s.hold]
    app = _app(tmp_path, url, "wang", "collector", locale)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        accounts = [row.account_id for row in app.screen.rows]
        for situation, account_id in zip(situations, accounts):
            await _open(pilot, account_id)
            await press(pilot, "d", "r", "/")
            await paste(pilot, getattr(situation.examples, locale)[0])  # typed letter by letter in test_quickfind_calls
            await press(pilot, "enter")
            form = app.screen
            assert isinstance(form, HoldScreen) and form.query_one("#hold-reason", Select).value == situation.hold, situation.id
            form.query_one("#hold-details", Input).value = "陈律师 13800138000" if locale == "zh" else "J. Park, Park & Lee, 555-0100"
            await press(pilot, "ctrl+s")
            assert isinstance(app.screen, DispositionScreen)
            await press(pilot, "ctrl+s")
            assert isinstance(app.screen, WorklistScreen), situation.id
    assert sorted(hold.reason for hold in _holds(url)) == sorted(s.hold for s in situations)


@pytest.fixture
def on_sqlite(tmp_path) -> tuple[str, CallAssistApp]:
    """A collector's app on a demo ledger in a SQLite file, and the file's URL."""
    url = with_demo_ledger(f"sqlite:///{tmp_path / 'store.db'}")
    return url, _app(tmp_path, url, "wang", "collector")


async def _first_account_called(pilot) -> CallScreen:
    await settle(pilot)
    return await _open(pilot, pilot.app.screen.rows[0].account_id)


async def test_a_lawyer_hold_needs_the_lawyers_name_and_phone(on_sqlite):
    _, app = on_sqlite
    async with app.run_test(size=(80, 24)) as pilot:
        await _first_account_called(pilot)
        await press(pilot, "d", "r", "H")
        form = app.screen
        assert isinstance(form, HoldScreen)
        form.query_one("#hold-reason", Select).value = "has_lawyer"
        for typed in ("", "John Smith", "张律师", "555 0100 22"):  # found by the attacker: a name alone was taken
            form.query_one("#hold-details", Input).value = typed
            await press(pilot, "ctrl+s")
            assert app.screen is form and "lawyer's name and phone" in str(form.query_one("#hold-errors", Static).render()), typed
        form.query_one("#hold-details", Input).value = "张律师 １３８００１３８０００"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, DispositionScreen)


async def test_a_wrong_number_ends_as_wrong_party_with_the_number_stopped_and_no_hold(on_sqlite):
    url, app = on_sqlite
    async with app.run_test(size=(80, 24)) as pilot:
        await _first_account_called(pilot)
        await press(pilot, "d", "/")
        await type_words(pilot, "there's nobody by that name here")
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, HoldScreen) and not form.query("#hold-reason")
        assert "take this number off our list" in str(form.query_one("#hold-say", Static).render())
        await press(pilot, "ctrl+s")
        ending = app.screen
        assert isinstance(ending, DispositionScreen)
        assert (ending.query_one("#disposition", Select).value, ending.query_one("#contact-stop", Select).value) == ("wrong_party", "do_not_call")
        ending.query_one("#note", Input).value = "a print shop"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, WorklistScreen)
    [(call, events)] = stored_calls(url)
    assert call.disposition == "wrong_party" and events[-1].payload["contact_stop"] == "do_not_call"
    assert _holds(url) == []


async def test_a_supervisor_records_a_legal_referral_and_only_then_the_script_speaks_of_it(tmp_path):
    from callassist.store.models import Account
    from callassist.tui.screens.facts import FactsScreen

    url = with_demo_ledger(f"sqlite:///{tmp_path / 'store.db'}")
    collector = _app(tmp_path, url, "wang", "collector")
    async with collector.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        account_id = collector.screen.rows[0].account_id
        await press(pilot, "F")
        assert isinstance(collector.screen, WorklistScreen)  # a collector records no facts
        screen = await _open(pilot, account_id)
        assert not screen.call.context.legal_referred
        await press(pilot, "escape")
    supervisor = _app(tmp_path, url, "wang", "supervisor")
    async with supervisor.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        supervisor.screen.query_one("LineTable").move_cursor([row.account_id for row in supervisor.screen.rows].index(account_id))
        await press(pilot, "F")
        form = supervisor.screen
        assert isinstance(form, FactsScreen)
        form.query_one("#facts").select("legal_referred")
        await press(pilot, "ctrl+s")
        await settle(pilot)
        screen = await _open(pilot, account_id)
        assert screen.call.context.legal_referred
        assert "referred to our legal department" in str(screen.query_one("AccountCard").render())
        screen.call.render_at("escalate")
        assert "our legal department, who already have your file" in screen.call.step.text
    engine = db.make_engine(url)
    with db.session(engine) as session:
        assert "legal_referred" in session.get(Account, account_id).flags.split(",")
    engine.dispose()


async def test_a_hold_placed_elsewhere_while_the_first_step_is_open_stops_the_dial(on_sqlite):
    """Found by the attacker: the holds were read once, when the call opened."""
    from callassist.store.models import Account

    url, app = on_sqlite
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _first_account_called(pilot)
        account_id = screen.active.snapshot.account_id
        engine = db.make_engine(url)
        with db.session(engine) as session:  # another collector's call, on another window
            account = session.get(Account, account_id)
            session.add(AccountHold(account_id=account_id, debtor_id=account.debtor_id, reason="cease_contact", placed_by="li", placed_at=NOW))
            session.commit()
        engine.dispose()
        await press(pilot, "d")
        assert not screen.call.dialled and screen.call.step.choices == ()
        assert "asked for no more contact" in str(screen.query_one("#rules", Static).render())
        await press(pilot, "escape")
    [(call, events)] = stored_calls(url)
    assert call.disposition == "not_dialled" and "choice_made" not in [e.kind for e in events]
