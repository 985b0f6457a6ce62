"""The standard script's everyday steps, driven through a real Call: a voicemail, a
reminder before anything is due, a check on an open promise, the balance confirmed in
writing, and someone else on the line at a company or at a consumer's home."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from callassist.core.account import build_context
from callassist.core.call import Call, CallError
from callassist.core.flow import PURPOSE, VERIFIED, _closure, _exits, states_before
from callassist.core.i18n import LOCALES
from callassist.core.preflight import sample_snapshot
from callassist.core.promises import Instalment, Promise
from tests.conftest import NOW

EVERYDAY = ("voicemail", "reminder", "check_promise", "acknowledge", "gatekeeper", "household")


def _call(flow, catalog, locale: str = "en", **variant) -> Call:
    snapshot = sample_snapshot(now=NOW, **variant)
    context = build_context(snapshot, locale=locale, collector="Wang Fang", creditor="Northbridge Supply", now=NOW)
    return Call(flow, catalog, context, snapshot.money, clock=lambda: NOW)


def _walk(call: Call, *moves: str) -> str:
    """Take the choices in turn; the text of the step the call stands at after them."""
    call.start({})
    for move in moves:
        call.choose(move)
    return call.step.text


def _offered(call: Call) -> list[str]:
    return [choice.trigger for choice in call.choices()]


def test_every_everyday_step_is_reachable_and_leads_to_an_end(standard_flow):
    flow = standard_flow.flow
    leads = _exits(flow)
    assert set(EVERYDAY) <= _closure({flow.initial}, leads)
    for state in EVERYDAY:
        assert "wrap_up" in _closure({state}, leads), state
    # Nothing about the debt on a machine or to anyone else; the reminder and the check
    # call name it only to the verified debtor, and say who calls and why themselves.
    before = states_before(flow, VERIFIED)
    assert {"voicemail", "gatekeeper", "household"} <= before and not {"reminder", "check_promise", "acknowledge"} & before
    assert [s for s in ("voicemail", "gatekeeper", "household") if flow.states[s].discloses_debt] == []
    assert all(flow.states[s].discloses_debt for s in ("reminder", "check_promise", "acknowledge"))
    assert "acknowledge" not in states_before(flow, PURPOSE)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("debtor", ["company", "consumer"])
def test_a_voicemail_says_a_name_and_asks_for_a_call_back_and_ends_as_a_message_left(standard_flow, catalog, locale, debtor):
    for moves in (("reached_voicemail",), ("dial", "reached_voicemail")):  # straight from the dial, or once the line picks up
        call = _call(standard_flow, catalog, locale, debtor=debtor)
        text = _walk(call, *moves)
        assert call.state == "voicemail" and not call.loaded.flow.states["voicemail"].discloses_debt
        assert "Wang Fang" in text and "36,800" not in text and "INV-" not in text
        assert ("Northbridge Supply" in text) == (debtor == "company")  # a household's machine never hears the company
        assert _offered(call) == ["no_answer", "message_left"]
        call.choose("message_left")
        assert call.state == "wrap_up" and call.suggested_disposition == "left_message"
        assert call.end("left_message")[0].payload["disposition"] == "left_message"


def test_a_reminder_before_the_due_date_ends_reminded(standard_flow, catalog):
    call = _call(standard_flow, catalog, standing="not_yet_due")
    _walk(call, "dial", "right_party")
    assert _offered(call) == ["can_talk", "reminder_call", "not_now", "turns_abusive"]
    call.choose("reminder_call")
    text = call.step.text
    assert "36,800" in text and "Nov 30, 2026" in text and "INV-0003" in text and "past due" not in text
    assert _offered(call) == ["payment_scheduled", "not_scheduled", "cannot_make_it", "invoice_questioned", "turns_abusive"]
    call.choose("payment_scheduled")
    assert call.state == "wrap_up" and call.suggested_disposition == "reminded"
    assert {"right_party_verified", "good_time_confirmed", "purpose_stated"} <= call.facts


def test_a_reminder_that_finds_a_problem_goes_on_to_ask_for_the_date_where_excuses_are_answered(standard_flow, catalog):
    call = _call(standard_flow, catalog, "zh", standing="not_yet_due")
    _walk(call, "dial", "right_party", "reminder_call", "not_scheduled")
    assert call.state == "ask_payment" and call.can_raise_objection()
    assert "amount_confirmed" in call.facts and "will_pay_in_full" in _offered(call)


def test_the_reminder_and_the_check_call_are_offered_only_on_accounts_they_fit(standard_flow, catalog):
    overdue = _call(standard_flow, catalog)
    _walk(overdue, "dial", "right_party")
    assert "reminder_call" not in _offered(overdue) and "check_call" not in _offered(overdue)
    with pytest.raises(CallError):
        overdue.choose("reminder_call")
    promised = _call(standard_flow, catalog, standing="promise_open")
    _walk(promised, "dial", "right_party")
    assert "check_call" in _offered(promised) and "reminder_call" not in _offered(promised)


def test_a_check_call_on_track_ends_reminded(standard_flow, catalog):
    call = _call(standard_flow, catalog, standing="promise_open")
    text = _walk(call, "dial", "right_party", "check_call")
    assert call.state == "check_promise" and "¥10,000.00" in text and "Nov 24, 2026" in text  # the next instalment of the plan
    call.choose("on_track")
    assert call.state == "wrap_up" and call.suggested_disposition == "reminded"


def test_a_check_call_that_cannot_make_the_date_takes_a_new_promise(standard_flow, catalog):
    call = _call(standard_flow, catalog, "zh", standing="promise_open")
    _walk(call, "dial", "right_party", "check_call", "cannot_make_it")
    assert call.state == "negotiate" and call.can_raise_objection()
    call.choose("terms_agreed")
    call.capture_promise(Promise("CNY", Decimal("20000.00"), (Instalment(date(2026, 11, 24), Decimal("10000.00")), Instalment(date(2026, 12, 8), Decimal("10000.00"))), "bank_transfer", "email"))
    call.choose("promise_confirmed")
    assert call.state == "wrap_up" and call.suggested_disposition == "promise"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_balance_is_asked_for_in_writing_once_agreed_and_the_call_goes_on(standard_flow, catalog, locale):
    call = _call(standard_flow, catalog, locale)
    text = _walk(call, "dial", "right_party", "can_talk", "purpose_stated", "ask_in_writing")
    assert call.state == "acknowledge" and "amount_confirmed" in call.facts
    assert "36,800" in text and ("art. 195" in text if locale == "en" else "第一百九十五条" in text)
    assert call.can_raise_objection()  # "I won't sign before INV-0002 is checked" is answered here
    assert _offered(call) == ["will_sign", "wont_sign_now", "amount_disputed", "escalate", "turns_abusive"]
    call.choose("will_sign")
    assert call.state == "ask_payment" and "will_pay_in_full" in _offered(call)


@pytest.mark.parametrize("locale", LOCALES)
def test_someone_else_on_a_company_line_hears_the_purpose_and_at_a_home_only_a_name(standard_flow, catalog, locale):
    company = _call(standard_flow, catalog, locale)
    _walk(company, "dial")
    assert "someone_else" in _offered(company) and "household_answers" not in _offered(company)
    company.choose("someone_else")
    text = company.step.text
    assert company.state == "gatekeeper" and "Northbridge Supply" in text and ("account" in text if locale == "en" else "对账" in text)
    assert "36,800" not in text and "INV-" not in text

    home = _call(standard_flow, catalog, locale, debtor="consumer")
    reach = _walk(home, "dial")
    assert "Northbridge Supply" not in reach  # not even when asking for the person
    assert "household_answers" in _offered(home) and "someone_else" not in _offered(home)
    home.choose("household_answers")
    text = home.step.text
    assert home.state == "household" and "Wang Fang" in text and "Northbridge Supply" not in text and "36,800" not in text
    assert _offered(home) == ["wrong_number", "put_through", "contact_unavailable", "message_taken", "turns_abusive"]
    assert not home.can_raise_objection()
    home.choose("message_taken")
    assert home.state == "wrap_up" and home.suggested_disposition == "left_message"


def test_sample_accounts_stand_as_asked_on_the_day_of_the_call():
    today = NOW.date()
    default = sample_snapshot()
    assert default == sample_snapshot(standing="overdue", debtor="company", now=NOW)  # the overdue sample never moves
    assert default.debtor_kind == "company" and default.promises[0].status == "broken"
    ahead = sample_snapshot(standing="not_yet_due", now=NOW)
    assert all(invoice.due > today for invoice in ahead.invoices) and ahead.promises == ()
    promised = sample_snapshot(standing="promise_open", now=NOW)
    assert promised.promises[0].status == "open" and promised.promises[0].due == today + timedelta(days=4)
    assert all(invoice.due < today for invoice in promised.invoices)
    consumer = sample_snapshot(debtor="consumer")
    assert consumer.debtor_kind == "consumer" and consumer.contact_role == "" and consumer.balance == default.balance
    with pytest.raises(ValueError, match="not_yet_due"):
        sample_snapshot(standing="later")
    with pytest.raises(ValueError, match="consumer"):
        sample_snapshot(debtor="household")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_plan_is_said_as_a_plan_never_its_total_on_its_first_date(standard_flow, catalog, locale):
    """A trial found "Last promise: CN¥214,287.00 by Dec 4" for a plan of two halves: the
    total was put on the first instalment's date, and read aloud."""
    from dataclasses import replace

    from callassist.core.account import PastPromise

    snapshot = sample_snapshot(now=NOW)
    plan = PastPromise(Decimal("20000.00"), date(2026, 11, 1), "broken", Decimal(0), date(2026, 11, 1), Decimal("10000.00"), 2, date(2026, 12, 1))
    snapshot = replace(snapshot, promises=(plan,))
    context = build_context(snapshot, locale=locale, collector="Wang Fang", creditor="Northbridge Supply", now=NOW)
    call = Call(standard_flow, catalog, context, snapshot.money, clock=lambda: NOW)
    prepared = _walk(call)
    said = _walk(Call(standard_flow, catalog, context, snapshot.money, clock=lambda: NOW), "dial", "right_party", "can_talk")
    if locale == "en":
        assert "¥20,000.00 in 2 payments, the first by Nov 1, 2026, the last by Dec 1, 2026" in prepared
        assert "The one due on Nov 1, 2026, CN¥10,000.00, hasn't come in." in said and "¥20,000.00 would be with us by" not in said
    else:
        assert "¥20,000.00分2期付，第一期2026年11月1日前，最后一期2026年12月1日前" in prepared
        assert "2026年11月1日那期的¥10,000.00到现在还没收到" in said
