"""Replay frames: built from stored events only; pauses follow the real gaps or skip them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from callassist.core.replay import frames, pauses
from tests.conftest import NOW


def test_frames_follow_the_events_and_pauses_skip_silences(make_call):
    call = make_call("en")
    events = call.start({"debtor": "Acme"}) + call.choose("dial") + call.add_note("asked for Li")
    events = [replace(event, at=NOW + timedelta(seconds=10 * index)) for index, event in enumerate(events)]
    shown = frames(events, "en")
    assert [f.kind for f in shown] == [e.kind for e in events]
    entered = [f for f in shown if f.kind == "step_entered"]
    assert entered[-1].step_text == events[3].payload["text"] and entered[-1].choices == tuple((c["key"], c["label"]) for c in events[3].payload["choices"])
    assert shown[-1].notes == ("asked for Li",) and shown[-1].card == {"debtor": "Acme"} | {k: v for k, v in events[0].payload.items() if k != "debtor"}
    assert shown[-1].happened == "note: asked for Li"
    assert pauses(shown, skip_silences=False) == [0.0, 10.0, 10.0, 10.0, 10.0]
    assert pauses(shown, skip_silences=True) == [0.0, 1.0, 1.0, 1.0, 1.0]


def test_a_cards_balance_is_shown_as_stored_when_it_is_no_amount():
    from callassist.core.replay import card_balance

    assert card_balance({"balance": "48250.00", "currency": "CNY"}, "en") == "CN¥48,250.00"
    assert card_balance({"balance": "1.00", "currency": "ZZZ"}, "en") == "1.00 ZZZ"
    assert card_balance({"balance": "abc"}, "zh") == "abc"


def test_a_case_of_an_excuse_is_replayed_by_its_own_name(make_call, catalog):
    call = make_call("en")
    events = call.start({})
    for trigger in ("dial", "right_party", "can_talk", "purpose_stated"):
        events += call.choose(trigger)
    events += call.raise_objection("deflect.invoice_not_received")
    shown = frames(events, "en", catalog.ladder_names("en"))
    raised = next(f for f in shown if f.kind == "objection_raised")
    assert raised.happened == f"excuse: {catalog.ladder_name('deflect.invoice_not_received', 'en')}" and "Deflect: " in raised.happened
    assert shown[-1].ladder.excuse_name == raised.happened.removeprefix("excuse: ")
