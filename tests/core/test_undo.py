"""Undo: the last choice taken back while nothing else has happened since. The log keeps
the choice and its undoing; everything that reads the call's standing ignores the choice."""

from __future__ import annotations

import pytest

from callassist.core.call import TAKEN_BACK, UNDONE, CallError, Event, standing
from callassist.core.replay import frames
from callassist.core.scorecard import scorecard
from tests.conftest import TODAY
from tests.figures_from_events import CallRecord, figures

TO_PAYMENT = ["dial", "right_party", "can_talk", "purpose_stated", "amount_agreed"]


def _walk(call, moves) -> list[Event]:
    events = call.start({"debtor_local_time": "2026-11-20T10:00:00+08:00"})
    for move in moves:
        events += call.raise_objection(move.split(":")[1]) if move.startswith("excuse:") else call.choose(move)
    return events


def test_a_wrong_key_is_taken_back_and_the_call_stands_where_it_stood(make_call):
    call = make_call("en")
    events = _walk(call, TO_PAYMENT)
    before = (call.state, set(call.facts), call.step.text, call.suggested_disposition)
    events += call.choose("refuses")
    assert call.state == "escalate" and call.facts == before[1]
    undone = call.undo()
    assert [e.kind for e in undone] == [UNDONE, "step_entered"]
    assert undone[0].payload == {"events": 2, "what": events[-2].payload["label"], "from": events[-1].payload["state"], "to": before[0]}
    assert (call.state, call.facts, call.step.text, call.suggested_disposition) == before
    assert not call.can_undo()
    with pytest.raises(CallError):
        call.undo()  # one choice back, not a walk back through the call
    events += undone
    assert [e.kind for e in standing(events)][-4:] == [TAKEN_BACK, TAKEN_BACK, TAKEN_BACK, "step_entered"]
    resumed = make_call("en")
    resumed.resume(events)
    assert (resumed.state, resumed.facts, resumed.step.text, resumed.suggested_disposition) == before


def test_a_rung_taken_back_leaves_the_ladder_where_it_was(make_call):
    call = make_call("en")
    events = _walk(call, TO_PAYMENT + ["excuse:stall", "excuse:stall"])
    assert call.objection.rung == 2
    events += call.undo()
    assert call.objection.rung == 1 and call.raise_objection("stall")[-2].payload["rung"] == 2
    call = make_call("en")
    events = _walk(call, TO_PAYMENT)
    events += call.raise_objection("dodge")
    events += call.undo()  # the wrong excuse: back to the step it was raised from, no ladder
    assert call.state == "ask_payment" and call.objection is None
    shown = frames(events, "en")
    assert shown[-1].ladder is None and shown[-2].happened.startswith("undone: ")


def test_nothing_but_the_last_choice_can_be_undone(make_call):
    call = make_call("en")
    call.start({})
    with pytest.raises(CallError):
        call.undo()  # nothing chosen yet
    call.choose("dial")
    call.add_note("the line was bad")
    with pytest.raises(CallError):
        call.undo()  # a note since: the choice stands
    call.choose("right_party")
    call.end("refused", note="hung up")
    with pytest.raises(CallError):
        call.undo()


def test_an_undone_dial_is_still_a_dial(make_call):
    """The attack: press "no answer", undo, then leave as "not dialled" so no attempt is
    counted. The phone was dialled: the call cannot say otherwise, after a resume either."""
    call = make_call("en")
    events = _walk(call, ["no_answer"])
    events += call.undo()
    assert call.state == "prepare" and call.dialled and not call.dial_blocks()
    with pytest.raises(CallError):
        call.leave_undialled()
    resumed = make_call("en")
    resumed.resume(events)
    assert resumed.dialled
    with pytest.raises(CallError):
        resumed.leave_undialled()
    assert [c.trigger for c in resumed.choices()] == ["dial", "no_answer", "reached_voicemail"]


def test_figures_and_the_scorecard_count_an_undone_choice_for_nothing(make_call, standard_flow):
    call = make_call("en")
    events = _walk(call, ["dial", "right_party"])
    events += call.undo()  # it was someone else on the line after all
    events += call.choose("someone_else") + call.choose("contact_unavailable") + call.choose("callback_agreed")
    events += call.end("callback", note="ask for Li Wei tomorrow")
    lines = {line.item: line for line in scorecard(events, standard_flow.flow, "en")}
    assert lines["good_time"].result == "n/a" and lines["verified_before_debt"].result == "n/a"
    undone_seq = next(seq for seq, e in enumerate(events, 1) if e.kind == UNDONE)
    assert lines["undone"].seq == undone_seq and "taken back" in lines["undone"].detail
    counted = figures([CallRecord("c1", "wang", TODAY, events, None, None)], TODAY)
    assert counted.right_party == 0


def test_a_forged_undo_takes_back_nothing_but_a_choice(make_call):
    """A row written by hand that "undoes" 40 events (the start, a promise, notes) must not
    wipe them from the figures: only a choice's own events can be taken back."""
    call = make_call("en")
    events = _walk(call, TO_PAYMENT) + call.add_note("agreed the amount")
    forged = events + [Event(UNDONE, {"events": 3, "what": "x", "from": "a", "to": "b"}, events[-1].at)]
    assert standing(forged) == forged
    forged = events + [Event(UNDONE, {"events": True, "what": "x", "from": "a", "to": "b"}, events[-1].at)]
    assert standing(forged) == forged
