"""Team figures against a fixture of 22 calls worked out by hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from callassist.core.account import build_context
from callassist.core.call import Call
from callassist.core.figures import as_rows
from callassist.core.promises import Instalment, Promise
from tests.conftest import NOW, TODAY
from tests.figures_from_events import CallRecord, figures

TO_PAYMENT = ["dial", "right_party", "can_talk", "purpose_stated", "amount_agreed"]


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


def _call(standard_flow, catalog, sample_account, actions: list, disposition: str, note: str = "") -> list:
    """Every action 10 s after the one before, its events all at one instant."""
    clock = Clock()
    context = build_context(sample_account, locale="en", collector="Wang", creditor="Northbridge", now=NOW)
    call = Call(standard_flow, catalog, context, sample_account.money, clock=clock)
    events = call.start({})
    for action in actions:
        clock.now += timedelta(seconds=10)
        if action.startswith("excuse:"):
            events += call.raise_objection(action.split(":")[1])
        elif action == "promise":
            events += call.capture_promise(Promise("CNY", Decimal("48250.00"), (Instalment(TODAY, Decimal("48250.00")),), "bank_transfer", "email"))
        else:
            events += call.choose(action)
    clock.now += timedelta(seconds=10)
    return events + call.end(disposition, note)


@pytest.fixture
def records(standard_flow, catalog, sample_account) -> list[CallRecord]:
    def make(n: int, actions: list, disposition: str, fate=(None, None), note: str = "") -> CallRecord:
        return CallRecord(f"c{n}", "wang", TODAY, _call(standard_flow, catalog, sample_account, actions, disposition, note), *fate)

    past, future = TODAY - timedelta(days=3), TODAY + timedelta(days=3)
    made = [make(n, ["no_answer"], "no_answer") for n in range(8)]
    made += [make(10 + n, ["dial", "someone_else", "contact_unavailable", "callback_agreed"], "callback", note="later") for n in range(4)]
    full = TO_PAYMENT + ["will_pay_in_full", "promise", "promise_confirmed"]
    made += [make(20, full, "promise", ("kept", past)), make(21, full, "promise", ("kept", past)), make(22, full, "promise", ("broken", past)), make(23, full, "promise", ("open", future))]
    stalled = TO_PAYMENT + ["excuse:stall", "softens", "promise", "promise_confirmed"]
    made += [make(30, stalled, "promise", ("kept", past)), make(31, stalled, "promise", ("kept", past))]
    made += [make(32, TO_PAYMENT + ["excuse:stall", "excuse:stall", "refuses", "handed_over"], "escalated", note="lead")]
    made += [make(40 + n, TO_PAYMENT[:4] + ["amount_disputed", "dispute_logged"], "dispute", note="notes sent") for n in range(2)]
    made += [make(50, TO_PAYMENT[:4] + ["turns_abusive", "ended_politely"], "abusive", note="calm")]
    assert len(made) == 22
    return made


def test_figures_match_the_hand_count(records):
    result = figures(records, TODAY)
    assert (result.calls, result.right_party, result.promises) == (22, 10, 6)
    assert result.right_party_rate == pytest.approx(10 / 22) and result.promise_rate == pytest.approx(0.6)
    assert (result.promises_due, result.kept, result.broken) == (5, 4, 1)
    assert result.kept_rate == pytest.approx(0.8) and result.broken_rate == pytest.approx(0.2)
    assert result.excuses == [("stall", 3)]
    first, second = result.rungs[("stall", 1)], result.rungs[("stall", 2)]
    assert (first.used, first.led_to_promise, second.used, second.led_to_promise) == (3, 2, 1, 0)
    assert first.share == pytest.approx(2 / 3)
    # Every action takes 10 s. The escalated call spent 20 s on the objection (two rungs);
    # each promise call 20 s in the promise step (the form, then the read-back).
    assert result.phase_seconds["objection"] == pytest.approx((10 + 10 + 20) / 3)
    # (A call's events at one instant are a microsecond apart: a call's clock never stands still.)
    assert {s: round(v, 2) for s, v in result.phase_seconds.items() if round(v, 2) != 10} == {"objection": 13.33, "promise": 20.0}
    assert figures([], TODAY).promise_rate == 0.0


def test_missed_objections_are_excuses_in_the_notes_of_calls_that_raised_none(standard_flow, catalog, sample_account, records):
    def make(n: int, actions: list, disposition: str, note: str, day=TODAY) -> CallRecord:
        return CallRecord(f"m{n}", "li", day, _call(standard_flow, catalog, sample_account, actions, disposition, note))

    missed = [
        make(1, ["dial", "right_party", "not_now", "callback_agreed"], "callback", "Says the accountant is away until the end of the month.", TODAY - timedelta(days=1)),
        make(2, TO_PAYMENT + ["refuses"], "refused", "说没收到发票，不肯付。"),
    ]
    answered = make(3, TO_PAYMENT + ["excuse:stall", "refuses"], "refused", "Says the accountant is away until the end of the month.")
    disputed = make(4, TO_PAYMENT[:4] + ["amount_disputed", "dispute_logged"], "dispute", "Says the amount is wrong, not what we ordered.")
    ordinary = make(5, ["no_answer"], "no_answer", "Left a voicemail.")
    result = figures(records + missed + [answered, disputed, ordinary], TODAY, catalog.finder().detect)
    assert [(m.call_id, m.excuse) for m in result.missed] == [("m2", "deflect"), ("m1", "deflect.accountant_away")]
    assert result.missed[0].note == "说没收到发票，不肯付。" and result.missed[0].collector == "li" and result.missed[0].score > 0.3
    assert result.missed_by_excuse == [("deflect", 2)]
    rows = [row for row in as_rows(result, {}, catalog.names("en")) if row[0].startswith("missed")]
    assert rows[0] == ("missed_objections", "Deflect", 2, None) and rows[1][0] == "missed_objection_calls" and "m2 li · Deflect: 说没收到发票" in rows[1][1]
    assert figures(records + missed, TODAY).missed == []  # without a detector, nothing is looked for


def test_holds_are_counted_by_reason_and_calls_left_undialled_are_not_calls(standard_flow, catalog, sample_account, records):
    def made(n: int, build) -> CallRecord:
        context = build_context(sample_account, locale="en", collector="Wang", creditor="Northbridge", now=NOW)
        call = Call(standard_flow, catalog, context, sample_account.money, clock=lambda: NOW)
        return CallRecord(f"h{n}", "wang", TODAY, call.start({}) + build(call))

    held = [made(n, lambda call, reason=reason: call.choose("dial") + call.choose("right_party") + call.place_hold(reason, "x") + call.end("on_hold")) for n, reason in enumerate(["dispute", "hardship", "dispute"])]
    undialled = [made(9, lambda call: call.leave_undialled())]
    counted = figures(records + held + undialled, TODAY)
    assert (counted.calls, counted.not_dialled, counted.holds) == (25, 1, [("dispute", 2), ("hardship", 1)])
    rows = as_rows(counted, {}, {}, {"dispute": "dispute, validation pending"})
    assert ("holds", "dispute, validation pending", 2, None) in rows and ("calls", "not_dialled_calls", 1, None) in rows


def test_a_dialled_call_whose_end_is_forged_as_not_dialled_is_still_a_call(standard_flow, catalog, sample_account):
    """A team login writing the end by hand cannot hide a call dialled at 23:00 from the
    hours check or the figures: "not dialled" means no choice was ever made."""
    from dataclasses import replace as changed

    from callassist.core.scorecard import not_dialled

    context = build_context(sample_account, locale="en", collector="Wang", creditor="Northbridge", now=NOW)
    call = Call(standard_flow, catalog, context, sample_account.money, clock=lambda: NOW)
    events = call.start({}) + call.choose("no_answer") + call.end("no_answer")
    forged = events[:-1] + [changed(events[-1], payload={**events[-1].payload, "disposition": "not_dialled"})]
    assert not not_dialled(forged)
    assert figures([CallRecord("f1", "wang", TODAY, forged)], TODAY).calls == 1
