"""What the phone reports goes into the call's log and moves the call only as far as the
line knows: an answer offers the next step, busy and no answer suggest their outcome, and a
call resumed from its log stands where the line left it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callassist.core.call import Call
from callassist.core.phone import Answered, Busy, Dialling, HungUp, LineLost, LineStatus, NoAnswer, Ringing

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _started(make_call) -> tuple[Call, list]:
    call = make_call("en")
    return call, call.start({"account": 1})


def _resumed(make_call, events: list) -> Call:
    again = make_call("en")
    again.resume(events)
    return again


def test_an_answer_offers_the_next_step_and_the_log_keeps_the_line(make_call):
    call, log = _started(make_call)
    assert not call.dialled
    log += call.record_line(Dialling("c1", AT, "+862155500000"))
    assert call.dialled and call.state == "prepare" and call.line.status is LineStatus.DIALLING
    log += call.record_line(Ringing("c1", AT))
    answered = call.record_line(Answered("c1", AT + timedelta(seconds=4)))
    assert [e.kind for e in answered] == ["phone_answered", "choice_made", "step_entered"]
    assert answered[1].payload["trigger"] == "dial" and call.state == "reach_party"
    log += answered
    assert [e.kind for e in log[:4]] == ["call_started", "step_entered", "phone_dialling", "phone_ringing"]
    assert log[2].payload == {"phone_call_id": "c1", "number": "+862155500000"}
    assert all(earlier.at < later.at for earlier, later in zip(log, log[1:], strict=False))
    log += call.record_line(HungUp("c1", AT + timedelta(seconds=64), by="them"))
    assert call.line.status is LineStatus.ENDED and call.state == "reach_party"  # where to go next is the collector's
    again = _resumed(make_call, log)
    assert again.dialled and again.state == "reach_party" and again.line.status is LineStatus.ENDED and again.line.call_id == "c1"


def test_busy_and_no_answer_suggest_their_outcome_and_leave_the_step(make_call):
    for end in (Busy("c2", AT, "486 Busy Here"), NoAnswer("c2", AT, timedelta(seconds=30))):
        call, log = _started(make_call)
        log += call.record_line(Dialling("c2", AT, "+862155500000"))
        log += call.record_line(end)
        assert call.state == "prepare" and call.suggested_disposition == "no_answer" and call.line.status is LineStatus.ENDED
        again = _resumed(make_call, log)
        assert again.suggested_disposition == "no_answer" and again.dialled and again.state == "prepare"


def test_a_lost_line_ends_nothing_but_the_line_and_an_ended_call_takes_no_more(make_call):
    call, log = _started(make_call)
    log += call.record_line(Dialling("c3", AT, "+862155500000"))
    log += call.record_line(Answered("c3", AT))
    log += call.record_line(LineLost("c3", AT, "the phone stopped answering"))
    assert call.line.status is LineStatus.ENDED and not call.ended and call.choices()  # finished by hand
    log += call.end("wrong_party", "not them", None)
    assert call.record_line(HungUp("c3", AT, by="them")) == []


def test_a_forged_phone_row_does_not_stop_the_resume(make_call):
    call, log = _started(make_call)
    log += call.record_line(Dialling("c4", AT, "+862155500000"))
    forged = [*log, type(log[0])("phone_answered", {"no": "call id"}, AT)]
    again = _resumed(make_call, forged)
    assert again.line.status is LineStatus.DIALLING and again.state == "prepare"


def test_the_figures_take_talk_time_from_the_phone_not_the_screen(make_call):
    from callassist.core.figures import Totals, call_facts, figures_from

    call, log = _started(make_call)
    log += call.record_line(Dialling("c5", AT, "+862155500000"))
    log += call.record_line(Answered("c5", AT + timedelta(seconds=5)))
    log += call.record_line(HungUp("c5", AT + timedelta(seconds=95), by="them"))
    log += call.end("refused", "hung up", None)  # the screen's own clock stood still meanwhile
    totals = Totals()
    totals.add(AT.date(), call_facts("x", "wang", AT.date(), log))
    unanswered, more = _started(make_call)
    more += unanswered.record_line(Dialling("c6", AT, "+862155500000"))
    more += unanswered.record_line(Busy("c6", AT, "486 Busy Here"))
    more += unanswered.end("no_answer", "", None)
    totals.add(AT.date(), call_facts("y", "wang", AT.date(), more))
    figures = figures_from(totals)
    assert (figures.calls, figures.talked, figures.talk_seconds) == (2, 1, 90.0)


def test_the_replay_places_each_event_in_the_recording(make_call):
    from callassist.core.replay import frames

    call, log = _started(make_call)
    log += call.record_line(Dialling("c7", AT, "+862155500000"))
    log += call.record_line(Answered("c7", AT + timedelta(seconds=5)))
    call.clock = lambda: AT + timedelta(seconds=20)
    log += call.choose("right_party")
    log += call.record_line(HungUp("c7", AT + timedelta(seconds=65), by="them"))
    log += call.attach_recording({"file": "recordings/x.wav", "sha256": "0" * 64, "seconds": 60.0, "format": "wav"})
    shown = {frame.kind: frame for frame in frames(log, "zh")}
    assert shown["phone_dialling"].recording_at is None and shown["phone_dialling"].happened == "☎ 拨出 +862155500000"
    assert shown["phone_answered"].recording_at == 0.0 and shown["choice_made"].recording_at == 15.0 and shown["phone_hung_up"].recording_at == 60.0
    assert shown["phone_hung_up"].happened == "☎ 对方挂断" and shown["recording_attached"].recording == "recordings/x.wav"
    assert all(frame.recording_at is None for frame in frames(log[:-1], "en"))  # no recording attached: no place in one


def test_a_call_the_phone_never_said_ended_talks_until_the_call_ends(make_call):
    """A phone that stopped reporting mid-call (the program restarted, the link gone quiet)
    leaves an answer with no end: the talk lasted until the collector ended the call, not
    nothing."""
    from callassist.core.figures import call_facts

    call, log = _started(make_call)
    log += call.record_line(Dialling("c7", AT, "+862155500000"))
    log += call.record_line(Answered("c7", AT + timedelta(seconds=5)))
    call.clock = lambda: AT + timedelta(seconds=65)
    log += call.end("refused", "line went quiet", None)
    assert call_facts("z", "wang", AT.date(), log).parts["talk"] == (1, 60.0)


def test_each_dial_of_a_call_counts_against_the_caps_across_resumes(make_call):
    """Found by the attacker: quit and resume, and one call dialled five times while the
    rules counted it once. Each dial is an attempt; a resumed call knows its dials."""
    from callassist.core.compliance import ContactRules, profile

    noon = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    later = noon + timedelta(minutes=30)
    call = make_call("en")
    call.contact_rules, call.clock = ContactRules(profile("cn"), "Asia/Shanghai", 1, "+862155500000", ()), lambda: later
    log = call.start({"account": 1})
    for n in range(6):  # the cn rules allow six unanswered calls to a number a day
        assert call.blocks_now() == (), n
        log += call.record_line(Dialling(f"c{n}", noon, "+862155500000")) + call.record_line(NoAnswer(f"c{n}", noon, after=timedelta(seconds=30)))
    assert [block.rule for block in call.blocks_now()] == ["unanswered_cap"]
    again = make_call("en")
    again.contact_rules, again.clock = call.contact_rules, lambda: later
    again.resume(log)
    assert [block.rule for block in again.blocks_now()] == ["unanswered_cap"]
    answered = make_call("en")
    answered.contact_rules, answered.clock = call.contact_rules, lambda: later
    answered.start({"account": 1})
    for n in range(6):
        answered.record_line(Dialling(f"a{n}", noon, "+862155500000"))
        answered.record_line(Answered(f"a{n}", noon))
        answered.record_line(HungUp(f"a{n}", noon, by="them"))
    assert answered.blocks_now() == ()  # answered calls are not unanswered ones


def test_a_line_already_ended_is_not_lost_again(make_call):
    """Found by the second attacker: after x on a frozen phone the log said the line was
    lost (the hang-up unconfirmed), then the heartbeat said so again."""
    call, log = _started(make_call)
    log += call.record_line(Dialling("c1", AT, "+862155500000")) + call.record_line(Answered("c1", AT))
    assert [e.kind for e in call.record_line(LineLost("c1", AT, "the phone did not say it hung up within 5 s"))] == ["phone_line_lost"]
    assert call.record_line(LineLost("c1", AT, "baresip said nothing for 7 s")) == []
