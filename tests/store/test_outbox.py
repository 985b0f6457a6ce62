"""The database lost mid-call: events wait on this computer, durably, and are stored once
each, in order, when it is back. A real PostgreSQL server is killed and started again."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from callassist.core.call import Event
from callassist.core.errors import StoreError
from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.store import db, demo, queries
from callassist.store.claims import LEASE
from callassist.store.events import kept_offline
from callassist.store.models import Call, Claim
from callassist.store.outbox import Batch, Outbox, OutboxError
from callassist.store.sql import TEAM_POOL
from tests.conftest import NOW, OBJECTIONS, SCRIPTS, TODAY
from tests.tui.conftest import with_demo_ledger


def test_the_outbox_keeps_batches_in_order_and_drops_what_was_sent(tmp_path):
    box = Outbox(tmp_path / "outbox")
    first, second = Batch(3, [Event("note_added", {"text": "张三 [b]"}, NOW)]), Batch(4, [Event("step_entered", {"state": "x"}, NOW)])
    box.add("c1", first)
    box.add("c1", second)
    assert box.calls() == ["c1"] and box.waiting() == 2
    assert box.batches("c1") == [first, second]
    box.sent("c1", 1)
    assert box.batches("c1") == [second]
    box.sent("c1", 1)
    assert box.calls() == [] and not box.has("c1")


def test_a_line_cut_short_by_a_crash_is_left_out_and_a_broken_one_is_named(tmp_path):
    box = Outbox(tmp_path / "outbox")
    box.add("c1", Batch(3, [Event("note_added", {"text": "a"}, NOW)]))
    path = tmp_path / "outbox" / "c1.jsonl"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"after_seq": 4, "ev')  # the program died writing it: never shown as stored
    assert [batch.after_seq for batch in box.batches("c1")] == [3]
    path.write_text("not json\n" + json.dumps({"after_seq": 4, "events": []}) + "\n", encoding="utf-8")
    with pytest.raises(OutboxError, match=r"c1\.jsonl:1: not a batch of events"):
        box.batches("c1")


def open_desk(tmp_path, url: str) -> Workspace:
    settings = Settings(data_dir=tmp_path / "desk", collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)
    workspace = Workspace.open(settings, url, "en")
    workspace.clock = lambda: NOW
    return workspace


def stored_events(url: str, call_id: str):
    engine = db.make_engine(url)
    try:
        with db.session(engine) as session:
            return queries.call_events(call_id, session=session), queries.verify_call(call_id, session=session), session.exec(select(Claim)).all()
    finally:
        engine.dispose()


def test_a_call_goes_on_while_the_server_is_down_and_is_whole_once_it_is_back(tmp_path, killable_postgres):
    url = killable_postgres.new_database()
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.session(engine) as session:
        demo.populate(session, TEAM_POOL, TODAY)
    engine.dispose()
    desk = open_desk(tmp_path, url)
    active = desk.calls.begin_next_call()
    call = active.call
    assert desk.calls.store(active.call_id, call.choose("dial")) is True
    killable_postgres.kill()
    kept = []
    for trigger in ("right_party", "can_talk"):  # the collector goes on: each change is kept on this computer
        events = call.choose(trigger)
        assert desk.calls.store(active.call_id, events) is False
        kept += events
    note = call.add_note("说好了 [b]周五[/b]")
    assert desk.calls.store(active.call_id, note) is False
    kept += note
    assert desk.calls.offline and desk.calls.outbox.waiting() == len(kept)
    with pytest.raises(StoreError):
        desk.calls.flush_outbox()  # still down
    killable_postgres.launch()
    assert desk.calls.flush_outbox() == len(kept)
    assert not desk.calls.offline and desk.calls.outbox.calls() == []
    assert desk.calls.store(active.call_id, call.end("callback", "rings back after lunch", None)) is True  # straight to the database again
    events, broken, claims = stored_events(url, active.call_id)
    assert broken is None and claims == []
    # Each says when it happened, should the database have stamped it when it arrived.
    assert [(e.kind, e.payload) for e in events[-len(kept) - 1 : -1]] == [(e.kind, kept_offline(e.payload, e.at)) for e in kept]
    assert sum(e.kind == "note_added" for e in events) == 1


def test_events_stored_before_the_answer_was_lost_are_not_stored_twice(tmp_path, pg_url):
    with_demo_ledger(pg_url)
    desk = open_desk(tmp_path, pg_url)
    active = desk.calls.begin_call(desk.ledger.worklist().rows[0].account_id)
    events = active.call.choose(active.call.step.choices[0].trigger)
    after = len(stored_events(pg_url, active.call_id)[0])
    assert desk.calls.store(active.call_id, events) is True
    # The commit went through but its answer never came back: the program kept the events.
    desk.calls.outbox.add(active.call_id, Batch(after, events))
    desk.calls.offline = True
    assert desk.calls.flush_outbox() == len(events)
    stored, broken, _ = stored_events(pg_url, active.call_id)
    assert broken is None and len(stored) == after + len(events)
    # Something else in their place is refused, not stored after them.
    desk.calls.outbox.add(active.call_id, Batch(after, [Event("note_added", {"text": "other"}, NOW)]))
    with pytest.raises(StoreError, match="holds"):
        desk.calls.flush_outbox()


def test_events_left_waiting_by_a_stopped_program_are_stored_when_it_opens_again(tmp_path, pg_url):
    with_demo_ledger(pg_url)
    desk = open_desk(tmp_path, pg_url)
    active = desk.calls.begin_call(desk.ledger.worklist().rows[0].account_id)
    after = len(stored_events(pg_url, active.call_id)[0])
    events = active.call.choose(active.call.step.choices[0].trigger)
    desk.calls.outbox.add(active.call_id, Batch(after, events))  # then the program was killed
    desk.calls.open_calls.close()  # as its death would
    again = open_desk(tmp_path, pg_url)
    assert again.calls.outbox.calls() == []
    assert [call.call_id for call in again.calls.unfinished()] == [active.call_id]
    resumed = again.calls.resume_call(active.call_id)
    assert resumed.call.state == active.call.state
    with db.session(again.engine) as session:
        assert session.get(Call, active.call_id).state == active.call.state


def test_a_chain_moved_on_by_another_program_is_never_forked(tmp_path, store_url):
    with_demo_ledger(store_url)
    first = open_desk(tmp_path, store_url)
    active = first.calls.begin_call(first.ledger.worklist().rows[0].account_id)
    assert first.calls.store(active.call_id, active.call.choose("dial")) is True  # the chain's end known, not read
    # The same call taken up on another computer, once the first program had been silent
    # longer than its hold's lease (it lost the database, say).
    other = open_desk(tmp_path / "elsewhere", store_url)
    other.clock = lambda: NOW + LEASE + timedelta(minutes=1)
    other.calls.resume_call(active.call_id)
    with pytest.raises(StoreError, match="holds"):
        first.calls.store(active.call_id, active.call.choose("right_party"))
    stored, broken, _ = stored_events(store_url, active.call_id)
    assert broken is None and stored[-1].kind == "call_resumed"
