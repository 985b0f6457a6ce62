"""Claims: an open call holds its account; no one else is offered it or can start on it
until the call ends or its hold lapses. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from callassist.core.call import Event
from callassist.core.errors import AccountBusy
from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.store import claims, db, demo
from callassist.store.models import Claim
from callassist.store.sql import TEAM_POOL
from callassist.tui.screens.call import RENEW_CLAIM_SECONDS
from tests.conftest import NOW, OBJECTIONS, SCRIPTS, TODAY


@pytest.fixture
def team_url(store_url) -> str:
    """The demo ledger as the team's shared queue."""
    engine = db.make_engine(store_url)
    db.upgrade(engine)
    with db.session(engine) as session:
        demo.populate(session, TEAM_POOL, TODAY)
    engine.dispose()
    return store_url


def desk(tmp_path, url: str, name: str, clock=lambda: NOW) -> Workspace:
    settings = Settings(data_dir=tmp_path / name, collector=name, scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)
    workspace = Workspace.open(settings, url, "en")
    workspace.clock = clock
    return workspace


def end(workspace: Workspace, active) -> None:
    workspace.calls.store(active.call_id, active.call.end("no_answer", "", None))


def test_a_held_account_is_offered_to_no_one_else_until_the_call_ends(tmp_path, team_url):
    wang, li = desk(tmp_path, team_url, "wang"), desk(tmp_path, team_url, "li")
    shared = [row.account_id for row in li.ledger.worklist().rows]
    assert [row.account_id for row in wang.ledger.worklist().rows] == shared  # the team's queue, in both lists
    active = wang.calls.begin_next_call()
    assert active.snapshot.account_id == shared[0]
    assert shared[0] not in [row.account_id for row in li.ledger.worklist().rows]
    assert li.ledger.worklist().total == wang.ledger.worklist().total  # still open, only held
    with pytest.raises(AccountBusy) as refused:
        li.calls.begin_call(shared[0])
    assert refused.value.holder == "wang" and refused.value.since == NOW
    theirs = li.calls.begin_next_call()
    assert theirs.snapshot.account_id == shared[1]
    end(wang, active)
    assert shared[0] in [row.account_id for row in li.ledger.worklist().rows]
    again = li.calls.begin_call(shared[0])  # free once the call ended
    end(li, again)
    end(li, theirs)
    with db.session(li.engine) as session:
        assert session.exec(select(Claim)).all() == []


def test_a_hold_lapses_when_its_program_stops_renewing_it(tmp_path, team_url):
    now = [NOW]
    wang, li = desk(tmp_path, team_url, "wang", lambda: now[0]), desk(tmp_path, team_url, "li", lambda: now[0])
    active = wang.calls.begin_next_call()
    account = active.snapshot.account_id
    now[0] = NOW + claims.LEASE / 2
    assert wang.calls.renew_claim(active) is None
    now[0] = NOW + claims.LEASE  # renewed half-way: still held
    with pytest.raises(AccountBusy):
        li.calls.begin_call(account)
    now[0] = NOW + claims.LEASE / 2 + claims.LEASE  # wang's program died after renewing
    taken = li.calls.begin_call(account)
    assert wang.calls.renew_claim(active) == "li"  # wang is told, if his program comes back
    end(li, taken)


def test_a_resumed_call_takes_its_account_again(tmp_path, team_url):
    wang, li = desk(tmp_path, team_url, "wang"), desk(tmp_path, team_url, "li")
    active = wang.calls.begin_next_call()
    wang.calls.store(active.call_id, active.call.choose(active.call.step.choices[0].trigger))
    wang.calls.open_calls.close()  # the program stopped, mid-call
    again = desk(tmp_path, team_url, "wang")  # and started again
    resumed = again.calls.resume_call(active.call_id)
    assert resumed.snapshot.account_id == active.snapshot.account_id
    with pytest.raises(AccountBusy):
        li.calls.begin_call(active.snapshot.account_id)
    end(again, resumed)


def test_no_free_account_is_none(tmp_path, team_url):
    wang, li = desk(tmp_path, team_url, "wang"), desk(tmp_path, team_url, "li")
    held = []
    while (active := wang.calls.begin_next_call()) is not None:
        held.append(active)
    assert len(held) == wang.ledger.worklist().total
    assert li.calls.begin_next_call() is None and li.ledger.worklist().rows == []


def test_the_screen_renews_as_often_as_the_store_expects():
    assert RENEW_CLAIM_SECONDS == claims.RENEW_EVERY.total_seconds()
    assert claims.RENEW_EVERY * 3 < claims.LEASE


def test_a_call_end_releases_only_its_own_claim(tmp_path, team_url):
    wang = desk(tmp_path, team_url, "wang")
    first, second = wang.calls.begin_next_call(), wang.calls.begin_next_call()
    assert first.snapshot.account_id != second.snapshot.account_id
    wang.calls.store(first.call_id, [Event("call_ended", {"disposition": "no_answer"}, NOW)])
    with db.session(wang.engine) as session:
        assert [claim.call_id for claim in session.exec(select(Claim)).all()] == [second.call_id]


def test_an_account_called_since_the_list_was_read_is_not_claimed(tmp_path, team_url):
    wang, li = desk(tmp_path, team_url, "wang"), desk(tmp_path, team_url, "li")
    listed = [row.account_id for row in li.ledger.worklist().rows[:2]]
    end(wang, wang.calls.begin_call(listed[0]))  # called and done while li's list was on screen
    with db.session(li.engine) as session:
        assert claims.claim_first(listed, li.desk.collector_id, "li-call", NOW, session=session) == listed[1]
