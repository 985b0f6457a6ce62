"""The Call driven by the standard script: choices, objections, promises, resumption."""

from __future__ import annotations

from decimal import Decimal

import pytest

from callassist.core.call import CallError
from callassist.core.promises import check_promise
from tests.conftest import TODAY

HAPPY = ["dial", "right_party", "can_talk", "purpose_stated", "amount_agreed"]


def test_start_offers_only_what_the_machine_allows(make_call):
    call = make_call()
    events = call.start({"account_id": 1})
    assert [e.kind for e in events] == ["call_started", "step_entered"]
    assert events[0].payload["script"] == "standard" and len(events[0].payload["script_hash"]) == 16
    assert [c.trigger for c in call.choices()] == ["dial", "no_answer", "reached_voicemail"]
    with pytest.raises(CallError):
        call.choose("can_talk")


def test_no_debt_detail_before_the_right_party(make_call):
    call = make_call()
    call.start({})
    call.choose("dial")
    assert not call.can_raise_objection()
    with pytest.raises(CallError):
        call.raise_objection("stall")
    for event in call.choose("someone_else"):
        if event.kind == "step_entered":
            assert "48,250" not in event.payload["text"]
            assert event.payload["discloses_debt"] is False
    assert "purpose" not in {c.dest for c in call.choices()}


def test_objection_ladder_climbs_and_stops_at_the_last_rung(make_call):
    call = make_call()
    call.start({})
    for trigger in HAPPY:
        call.choose(trigger)
    first = call.raise_objection("stall")
    assert [e.kind for e in first] == ["objection_raised", "choice_made", "rebuttal_shown", "step_entered"]
    assert call.state == "objection"
    second = call.raise_objection("stall")
    assert [e.kind for e in second] == ["rebuttal_shown", "step_entered"]
    assert second[0].payload["rung"] == 2
    rungs = [call.raise_objection("stall")[0].payload["rung"] for _ in range(3)]
    assert rungs == [3, 4, 4]
    other = call.raise_objection("deflect")
    assert other[0].kind == "objection_raised" and other[1].payload["rung"] == 1
    shown = other[1].payload
    assert shown["principle"] in {"reason", "relationship", "interest", "law"} and shown["counters"]
    assert shown["commitment"].endswith("?")
    assert shown["text"] in other[-1].payload["text"]


def test_instalment_promise_is_read_back(make_call):
    call = make_call("zh")
    call.start({})
    for trigger in HAPPY + ["asks_for_plan", "terms_agreed"]:
        call.choose(trigger)
    assert "promise_confirmed" not in {c.trigger for c in call.choices()}
    promise, errors = check_promise("48250", [("2026-12-01", "20000"), ("2026-12-15", "28250")], "bank_transfer", "wechat", call.balance, TODAY)
    assert errors == []
    events = call.capture_promise(promise)
    readback = events[0].payload["readback"]
    assert "¥20,000.00" in readback and "2026年12月15日" in readback and "微信" in readback
    assert "promise_confirmed" in {c.trigger for c in call.choices()}
    call.choose("promise_confirmed")
    ended = call.end("promise")
    assert ended[0].payload["disposition"] == "promise"
    assert call.choices() == []


def test_dispositions_that_need_a_note(make_call):
    call = make_call()
    call.start({})
    with pytest.raises(CallError, match="needs a note"):
        call.end("refused")
    with pytest.raises(CallError, match="no promise"):
        call.end("promise")
    assert call.end("no_answer")[0].payload["note"] == ""


def test_resume_folds_events_back_to_the_same_step(make_call):
    call = make_call()
    events = call.start({})
    for trigger in HAPPY:
        events += call.choose(trigger)
    events += call.raise_objection("stall")
    events += call.raise_objection("stall")
    events += call.add_note("accountant back on Monday")

    resumed = make_call()
    resumed.resume(events)
    assert resumed.state == "objection" == call.state
    assert resumed.step == call.step
    assert resumed.facts == call.facts
    assert resumed.objection == call.objection
    assert [c.trigger for c in resumed.choices()] == [c.trigger for c in call.choices()]
    assert resumed.raise_objection("stall")[0].payload["rung"] == 3


def test_a_case_of_an_excuse_has_its_own_ladder_stored_as_the_excuse_and_its_case(make_call):
    """Issue 22: deflect's cases. The calls keep `excuse: deflect` (the figures count
    deflect) and the case beside it, and a resumed call stands on the case's ladder."""
    call = make_call()
    events = call.start({})
    for trigger in HAPPY:
        events += call.choose(trigger)
    general = call.raise_objection("deflect")
    events += general
    case = call.raise_objection("deflect.invoice_not_received")
    events += case
    assert case[0].kind == "objection_raised" and case[0].payload == {"excuse": "deflect", "case": "invoice_not_received", "state": "objection"}
    shown = case[1].payload
    assert (shown["excuse"], shown["case"], shown["rung"], shown["rungs"], shown["principle"]) == ("deflect", "invoice_not_received", 1, 4, "reason")
    own = next(e.payload for e in general if e.kind == "rebuttal_shown")
    assert shown["text"] != own["text"], "the case's ladder is not the excuse's own"
    assert "case" not in own
    events += call.raise_objection("deflect.invoice_not_received")
    assert call.ladder_position().rung == 2 and ":" in call.ladder_position().excuse_name
    resumed = make_call()
    resumed.resume(events)
    assert resumed.objection == call.objection and resumed.objection.ladder == "deflect.invoice_not_received"
    assert resumed.raise_objection("deflect.invoice_not_received")[0].payload["rung"] == 3


def test_promise_form_rules():
    from callassist.core.money import Money

    balance = Money(Decimal("1000.00"), "CNY")
    ok, errors = check_promise("1000", [("2026-11-20", "")], "cash", "sms", balance, TODAY)
    assert errors == [] and ok.instalments[0].amount == Decimal("1000")
    cases = {
        ("0", (("2026-12-01", ""),)): {"err_amount_positive"},
        ("1200", (("2026-12-01", ""),)): {"err_above_balance"},
        ("abc", (("2026-12-01", "1"),)): {"err_amount"},
        ("500", (("2026-11-19", ""),)): {"err_date_past"},
        ("500", (("2026-02-30", ""),)): {"err_date"},
        ("500", (("2026-12-01", "100"), ("2026-12-15", "100"))): {"err_plan_sum"},
        ("500", (("2026-12-15", "250"), ("2026-12-01", "250"))): {"err_dates_order"},
        ("500", ()): {"err_need_date"},
        ("10.005", (("2026-12-01", ""),)): {"err_amount"},
    }
    for (total, rows), expected in cases.items():
        promise, errors = check_promise(total, list(rows), "cash", "sms", balance, TODAY)
        assert promise is None
        assert {e.key for e in errors} >= expected, (total, rows, errors)
    _, errors = check_promise("1000", [("2026-12-01", "")], None, "pigeon", balance, TODAY)
    assert {e.key for e in errors} == {"err_choose_method", "err_choose_channel"}
    fee_ok, errors = check_promise("1050", [("2026-12-01", "")], "cash", "sms", balance, TODAY, fee_allowance=Decimal("50"))
    assert errors == [] and fee_ok.total == Decimal("1050")


def test_ladder_position_follows_the_call(make_call):
    call = make_call("zh")
    call.start({})
    for trigger in HAPPY:
        call.choose(trigger)
    assert call.ladder_position() is None
    call.raise_objection("old_friend")
    call.raise_objection("old_friend")
    position = call.ladder_position()
    assert (position.excuse_name, position.rung, position.rungs) == ("拉", 2, 4)
    assert position.principle == "relationship" and position.counters == ("stick", "persist")
    call.choose("softens")
    assert call.ladder_position() is None


def test_a_call_keeps_the_words_of_the_version_it_started_with(tmp_path, catalog, sample_account):
    import shutil

    from callassist.core.account import build_context
    from callassist.core.call import Call
    from callassist.core.flow import load_flow
    from tests.conftest import NOW, SCRIPTS

    shutil.copytree(SCRIPTS / "standard", tmp_path / "standard")
    loaded = load_flow(tmp_path / "standard")
    context = build_context(sample_account, locale="en", collector="Wang", creditor="Northbridge", now=NOW)
    call = Call(loaded, catalog, context, sample_account.money, clock=lambda: NOW)
    call.start({})
    (tmp_path / "standard" / "en" / "reach_party.j2").write_text("EDITED WHILE THE CALL RAN", encoding="utf-8")
    entered = call.choose("dial")[-1]
    assert entered.payload["state"] == "reach_party" and "EDITED" not in entered.payload["text"]
    assert load_flow(tmp_path / "standard").content_hash != loaded.content_hash


def test_words_typed_into_the_quick_find_are_kept_masked_with_the_rebuttal(make_call):
    from callassist.core.replay import frames

    call = make_call()
    events = call.start({})
    for trigger in HAPPY:
        events += call.choose(trigger)
    found = call.raise_objection("stall", found_with="  card 4111 1111 1111 1111, accountant away ")
    rebuttal = next(e for e in found if e.kind == "rebuttal_shown")
    assert rebuttal.payload["found_with"].endswith("accountant away") and "4111 1111" not in rebuttal.payload["found_with"]
    assert rebuttal.payload["redacted"]
    plain = call.raise_objection("stall")
    assert "found_with" not in plain[0].payload
    shown = frames(events + found + plain, "en")
    rungs = [f.happened for f in shown if f.kind == "rebuttal_shown"]
    assert rungs[0].startswith("rebuttal, rung 1 of 4 (found from “card") and rungs[1] == "rebuttal, rung 2 of 4"


def test_a_hold_is_placed_once_dialled_with_what_it_must_capture(make_call):
    from callassist.core.call import CallError

    call = make_call()
    call.start({})
    with pytest.raises(CallError, match="once it is dialled"):
        call.place_hold("hardship")
    call.choose("dial")
    for details, missing in (("", "a phone number"), ("Chen Lei", "a phone number"), ("021 5555 0100", "a name")):
        with pytest.raises(CallError, match=f"lawyer's name and phone number: {missing} is missing"):
            call.place_hold("has_lawyer", details)
    with pytest.raises(CallError, match="unknown hold 'vacation'"):
        call.place_hold("vacation")
    [placed] = call.place_hold("has_lawyer", "Chen Lei, Lei & Partners, 021 5555 0100, card 4111 1111 1111 1111", "has_lawyer")
    assert placed.payload["reason"] == "has_lawyer" and placed.payload["situation"] == "has_lawyer" and "4111 1111" not in placed.payload["details"]
    assert call.suggested_disposition == "on_hold"


def test_event_times_never_run_backwards_within_a_call(make_call):
    """Issue 23: a wall clock stepping back (NTP, a VM resumed) must not make seq 31 older than seq 30."""
    from datetime import timedelta
    from itertools import chain, repeat

    from tests.conftest import NOW

    ticks = chain([NOW, NOW + timedelta(seconds=5), NOW + timedelta(seconds=1), NOW + timedelta(seconds=1)], repeat(NOW))
    template = make_call()
    call = type(template)(template.loaded, template.catalog, template.context, template.balance, clock=lambda: next(ticks))
    events = call.start({}) + call.choose("dial") + call.choose("right_party")
    times = [event.at for event in events]
    assert times == sorted(times) and len(set(times)) == len(times), times
    resumed = type(call)(call.loaded, call.catalog, call.context, call.balance, clock=lambda: NOW)
    resumed.resume(events)
    assert resumed.add_note("later")[0].at > times[-1]


def test_the_wrap_up_thanks_only_someone_who_was_on_the_line(make_call):
    """Issue 23: after "no answer" the wrap-up thanked the debtor "for your time"."""
    unanswered = make_call("en")
    unanswered.start({})
    unanswered.choose("no_answer")
    assert unanswered.state == "wrap_up" and unanswered.reached() == "nobody"
    assert "Thanks" not in unanswered.step.text and "Nobody to thank" in unanswered.step.text
    gatekeeper = make_call("en")
    gatekeeper.start({})
    for trigger in ("dial", "someone_else", "contact_unavailable", "callback_agreed"):
        gatekeeper.choose(trigger)
    assert gatekeeper.reached() == "someone_else" and "Thanks for your help" in gatekeeper.step.text
    assert gatekeeper.context.salutation not in gatekeeper.step.text.split("\n")[0]
    spoken = make_call("zh")
    spoken.start({})
    for trigger in ("dial", "right_party", "not_now", "callback_agreed"):
        spoken.choose(trigger)
    assert spoken.reached() == "contact" and "谢谢您抽时间" in spoken.step.text


def test_every_kind_of_change_is_stamped_in_the_order_it_is_stored(make_call):
    """Found by the whole-call test: the promise's read-back was stamped before the promise."""
    from decimal import Decimal

    from callassist.core.promises import Instalment, Promise
    from tests.conftest import NOW, TODAY

    call = make_call()
    events = call.start({})
    for trigger in HAPPY:
        events += call.choose(trigger)
    events += call.raise_objection("stall") + call.choose("softens") + call.add_note("ok")
    events += call.capture_promise(Promise("CNY", Decimal("100.00"), (Instalment(TODAY, Decimal("100.00")),), "bank_transfer", "email"))
    events += call.choose("promise_confirmed") + call.end("promise")
    times = [event.at for event in events]
    assert times == sorted(set(times)) and times[0] == NOW


def test_a_call_resumed_after_its_case_was_removed_stands_on_the_excuses_own_ladder(make_call):
    """A trainer renames a case between a crash and the resume, or a row is forged: the
    call resumes on deflect's own ladder, never a KeyError."""
    from dataclasses import replace

    call = make_call()
    events = call.start({})
    for trigger in HAPPY:
        events += call.choose(trigger)
    events += call.raise_objection("deflect.signer_away") + call.raise_objection("deflect.signer_away")
    forged = [replace(e, payload=e.payload | {"case": "no_such_case", "rung": 9} if "rung" in e.payload else e.payload | {"case": "no_such_case"}) if e.kind in ("objection_raised", "rebuttal_shown") else e for e in events]
    resumed = make_call()
    resumed.resume(forged)
    assert resumed.objection.ladder == "deflect" and resumed.objection.rung == 4
    assert resumed.ladder_position().rung == 4
    unknown = [replace(e, payload=e.payload | {"excuse": "bribe"}) if e.kind in ("objection_raised", "rebuttal_shown") else e for e in events]
    again = make_call()
    again.resume(unknown)
    assert again.objection is None and again.ladder_position() is None
