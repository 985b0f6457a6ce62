"""The automatic scorecard: each item from the events, with the event that proves it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from callassist.core.forbidden import load_forbidden
from callassist.core.promises import Instalment, Promise
from callassist.core.scorecard import ITEMS, scorecard
from tests.conftest import SCRIPTS


def _forbidden():
    forbidden, problems = load_forbidden(SCRIPTS / "forbidden.yaml")
    assert problems == []
    return forbidden


def _by_item(lines):
    assert [line.item for line in lines] == list(ITEMS)
    return {line.item: line for line in lines}


def test_a_good_call_passes_with_the_proving_events(make_call, standard_flow):
    call = make_call("en")
    events = call.start({"debtor_local_time": "2026-11-20T10:00:00+08:00"})
    for move in ("dial", "right_party", "can_talk", "purpose_stated", "amount_agreed"):
        events += call.choose(move)
    events += call.raise_objection("stall") + call.raise_objection("stall") + call.choose("softens")
    events += call.capture_promise(Promise("CNY", Decimal("48250.00"), (Instalment(date(2026, 11, 27), Decimal("48250.00")),), "bank_transfer", "email"))
    events += call.choose("promise_confirmed") + call.add_note("agreed on Friday") + call.end("promise")
    lines = _by_item(scorecard(events, standard_flow.flow, "en", _forbidden()))
    assert {item: line.result for item, line in lines.items()} == {item: "pass" for item in ITEMS} | {"contact_caps": "n/a"}
    disclosed = next(seq for seq, e in enumerate(events, 1) if e.kind == "step_entered" and e.payload["discloses_debt"])
    assert lines["verified_before_debt"].seq == disclosed and "before any debt detail" in lines["verified_before_debt"].detail
    assert events[lines["promise_read_back"].seq - 1].payload["trigger"] == "promise_confirmed"
    assert lines["rebuttal_matched"].detail == "1 excuse, answered with its own ladder."


def _stamped(events, at):
    """The events as the database stamped them, at `at` (a team's server's clock)."""
    return [replace(e, at=at) for e in events]


def test_failures_and_not_applicable(make_call, standard_flow):
    call = make_call("zh")
    # The desk's clock (and so its card) said 10:00; the server stamped the call 23:10 Shanghai time.
    events = call.start({"debtor_local_time": "2026-11-20T10:00:00+08:00"})
    events += call.choose("dial") + call.choose("someone_else") + call.add_note("前台说他是个骗子") + call.choose("contact_unavailable")
    events = _stamped(events, datetime(2026, 11, 20, 15, 10, tzinfo=UTC))
    lines = _by_item(scorecard(events, standard_flow.flow, "zh", _forbidden()))
    assert lines["identity_purpose"].result == "n/a" and lines["verified_before_debt"].result == "n/a"
    assert lines["call_hours"].result == "fail" and "23:10" in lines["call_hours"].detail
    note = next(seq for seq, e in enumerate(events, 1) if e.kind == "note_added")
    assert (lines["clean_notes"].result, lines["clean_notes"].seq) == ("fail", note) and "骗子" in lines["clean_notes"].detail
    # A debt detail before verification fails, naming the step that showed it.
    tampered = [e for e in events]
    first_step = next(i for i, e in enumerate(tampered) if e.kind == "step_entered" and e.payload["state"] == "reach_party")
    tampered[first_step] = type(tampered[first_step])("step_entered", tampered[first_step].payload | {"discloses_debt": True}, tampered[first_step].at)
    failed = _by_item(scorecard(tampered, standard_flow.flow, "zh"))["verified_before_debt"]
    assert (failed.result, failed.seq) == ("fail", first_step + 1)


def test_contact_caps_count_the_debtors_day(make_call, standard_flow):
    from callassist.core.scorecard import same_day_contacts
    from tests.conftest import NOW

    def call(hours: int, connected: bool) -> list:
        c = make_call("en")
        events = c.start({"debtor_local_time": "2026-11-20T10:00:00+08:00"})
        events += c.choose("dial") + c.choose("right_party") if connected else c.choose("no_answer")
        return _stamped(events, NOW + timedelta(hours=hours))

    earlier = [call(0, True), call(1, True), call(2, True), call(3, False), call(-20, True)]  # the last: the day before, 14:00 Shanghai time
    fourth = call(5, True)
    assert same_day_contacts(fourth, earlier) == (3, 1)
    line = _by_item(scorecard(fourth, standard_flow.flow, "en", same_day=same_day_contacts(fourth, earlier)))["contact_caps"]
    assert line.result == "fail" and "Conversation 4" in line.detail
    unanswered = call(5, False)
    line = _by_item(scorecard(unanswered, standard_flow.flow, "en", same_day=same_day_contacts(unanswered, earlier)))["contact_caps"]
    assert line.result == "pass" and "Unanswered attempt 2" in line.detail
    assert same_day_contacts(call(0, True), earlier[1:]) == (0, 0)  # only calls before it count


def test_a_debtor_who_asks_to_talk_later_is_not_a_failure(make_call, standard_flow):
    call = make_call("en")
    events = call.start({"debtor_local_time": "2026-11-20T10:00:00+08:00"})
    for move in ("dial", "right_party", "not_now", "callback_agreed"):
        events += call.choose(move)
    events += call.end("callback", "after 3 pm")
    lines = _by_item(scorecard(events, standard_flow.flow, "en", same_day=(0, 0)))
    assert [item for item, line in lines.items() if line.result == "fail"] == []
    assert lines["good_time"].result == "pass" and lines["identity_purpose"].result == "n/a"


def test_hours_are_those_of_the_rules_the_call_was_made_under(make_call, standard_flow):
    from callassist.core.compliance import profile

    def hours(rules_named: str | None, in_force: str) -> str:
        card = {"debtor_local_time": "2026-11-20T21:30:00-05:00"} | ({"contact_rules": {"profile": rules_named}} if rules_named else {})
        events = _stamped(make_call("en").start(card), datetime(2026, 11, 21, 2, 30, tzinfo=UTC))
        line = _by_item(scorecard(events, standard_flow.flow, "en", rules=profile(in_force)))["call_hours"]
        return f"{line.result}: {line.detail}"

    assert hours("us", "cn") == "fail: Called at 21:30, the debtor's time: outside 08:00-21:00."
    assert hours("cn", "us") == "pass: Called at 21:30, the debtor's time: inside 08:00-22:00."
    assert hours(None, "us").startswith("fail")  # a call from before the rules were recorded: those in force
