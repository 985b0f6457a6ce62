"""Contact rules with an injected clock: each window edge (daylight-saving days too), each
cap at the call it stops, and an unknown zone read the strictest way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from callassist.core.compliance import Attempt, ContactRules, profile

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
PHONE = "+86 21 5550 1001"


def _rules(name: str, zone: str, attempts=()) -> ContactRules:
    return ContactRules(profile(name), zone, 1, PHONE, tuple(attempts))


def _rules_blocking(rules: ContactRules, local: datetime) -> list[str]:
    return [block.rule for block in rules.budget(local.astimezone(UTC)).blocks]


@pytest.mark.parametrize(
    ("clock", "blocked"),
    [
        ((7, 59, 59), ["hours"]),
        ((8, 0, 0), []),
        ((21, 59, 59), []),
        ((22, 0, 0), ["hours"]),
        ((23, 30, 0), ["hours"]),
    ],
)
def test_cn_calls_only_from_eight_to_ten_in_the_evening(clock, blocked):
    local = datetime(2026, 11, 20, *clock, tzinfo=SHANGHAI)
    assert _rules_blocking(_rules("cn", "Asia/Shanghai"), local) == blocked


@pytest.mark.parametrize(
    ("day", "clock", "blocked"),
    [
        # 8 March 2026: clocks go forward at 02:00, so 08:00 is 12:00 UTC, not 13:00.
        ((2026, 3, 8), (7, 59, 59), ["hours"]),
        ((2026, 3, 8), (8, 0, 0), []),
        ((2026, 3, 8), (20, 59, 59), []),
        ((2026, 3, 8), (21, 0, 0), ["hours"]),
        # 1 November 2026: clocks go back at 02:00, and the day has 25 hours.
        ((2026, 11, 1), (7, 59, 59), ["hours"]),
        ((2026, 11, 1), (8, 0, 0), []),
        ((2026, 11, 1), (21, 0, 0), ["hours"]),
    ],
)
def test_us_hours_hold_on_daylight_saving_days(day, clock, blocked):
    local = datetime(*day, *clock, tzinfo=NEW_YORK)
    assert _rules_blocking(_rules("us", "America/New_York"), local) == blocked
    utc = {((2026, 3, 8), (8, 0, 0)): (12, 0), ((2026, 11, 1), (8, 0, 0)): (13, 0)}.get((day, clock))
    if utc:
        assert local.astimezone(UTC).hour == utc[0]


def test_us_seven_attempts_in_seven_days_the_eighth_is_stopped():
    start = datetime(2026, 11, 16, 10, 0, tzinfo=NEW_YORK)  # a Monday
    made = [Attempt((start + timedelta(days=n)).astimezone(UTC), 1, PHONE, answered=False, conversation=False) for n in range(6)]
    saturday = start + timedelta(days=5, hours=3)
    budget = _rules("us", "America/New_York", made).budget(saturday.astimezone(UTC))
    assert budget.attempts_this_week == 6 and budget.blocks == ()  # the 7th may be made
    made.append(Attempt(saturday.astimezone(UTC), 1, PHONE, answered=False, conversation=False))
    later = _rules("us", "America/New_York", made).budget((saturday + timedelta(hours=1)).astimezone(UTC))
    assert later.attempts_this_week == 7 and [b.rule for b in later.blocks] == ["attempts_cap"]
    # A week after the first, it has left the window: the 8th may go on the Monday after.
    monday = (start + timedelta(days=7)).astimezone(UTC)
    assert _rules("us", "America/New_York", made).budget(monday).blocks == ()
    # Another debt of the same debtor has its own count.
    other = ContactRules(profile("us"), "America/New_York", 2, PHONE, tuple(made))
    assert other.budget((saturday + timedelta(hours=1)).astimezone(UTC)).attempts_this_week == 0


def test_us_no_call_in_the_seven_days_after_a_conversation():
    talked = datetime(2026, 11, 2, 10, 0, tzinfo=NEW_YORK)  # day 1
    made = [Attempt(talked.astimezone(UTC), 1, PHONE, answered=True, conversation=True)]
    rules = _rules("us", "America/New_York", made)
    day7 = rules.budget((talked + timedelta(days=6, hours=1)).astimezone(UTC))
    assert [b.rule for b in day7.blocks] == ["after_conversation"] and dict(day7.blocks[0].values)["day"] == 7
    day8 = rules.budget((talked + timedelta(days=7)).astimezone(UTC))
    assert day8.blocks == () and day8.last_conversation_days == 7


def test_cn_caps_conversations_per_debtor_and_unanswered_per_number():
    morning = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)
    at = lambda minutes: (morning + timedelta(minutes=minutes)).astimezone(UTC)  # noqa: E731
    # Two conversations on this account and one on another account of the same debtor.
    talks = [Attempt(at(0), 1, PHONE, True, True), Attempt(at(10), 2, "+86 21 5550 9999", True, True)]
    rules = _rules("cn", "Asia/Shanghai", talks)
    assert rules.budget(at(20)).conversations_today == 2 and rules.budget(at(20)).blocks == ()
    talks.append(Attempt(at(30), 1, PHONE, True, True))
    assert [b.rule for b in _rules("cn", "Asia/Shanghai", talks).budget(at(40)).blocks] == ["conversations_cap"]
    # Yesterday's do not count.
    assert _rules("cn", "Asia/Shanghai", talks).budget(at(24 * 60)).blocks == ()
    missed = [Attempt(at(n), 1, PHONE, False, False) for n in range(5)] + [Attempt(at(5), 1, "+86 21 5550 0000", False, False)]
    assert _rules("cn", "Asia/Shanghai", missed).budget(at(50)).unanswered_today == 5
    missed.append(Attempt(at(6), 1, PHONE, False, False))
    budget = _rules("cn", "Asia/Shanghai", missed).budget(at(50))
    assert budget.unanswered_today == 6 and [b.rule for b in budget.blocks] == ["unanswered_cap"]


def test_an_unknown_zone_is_flagged_and_read_the_strictest_way():
    # 14:00 in New York is 09:00 in Honolulu: every US zone allows it.
    fine = datetime(2026, 11, 20, 14, 0, tzinfo=NEW_YORK).astimezone(UTC)
    assert [b.rule for b in _rules("us", "America/Nowhere", ()).budget(fine).blocks] == ["unknown_zone"]
    # 09:00 in New York is before eight in Chicago and everywhere west of it.
    early = datetime(2026, 11, 20, 9, 0, tzinfo=NEW_YORK).astimezone(UTC)
    budget = _rules("us", "America/Nowhere", ()).budget(early)
    assert [b.rule for b in budget.blocks] == ["unknown_zone", "hours"] and budget.local_time is None and not budget.zone_known


def test_an_unknown_profile_names_the_ones_there_are():
    with pytest.raises(ValueError, match="unknown compliance profile 'eu': use one of cn, us"):
        profile("eu")


def test_records_are_kept_the_profiles_years():
    from datetime import date

    from callassist.core.compliance import retention_floor

    assert retention_floor(profile("cn").retention_years, date(2026, 12, 1)) == date(2021, 12, 1)
    assert retention_floor(profile("us").retention_years, date(2026, 12, 1)) == date(2023, 12, 1)
    assert retention_floor(profile("us").retention_years, date(2028, 2, 29)) == date(2025, 2, 28)


def test_a_contact_who_asked_not_to_be_called_is_blocked_for_good():
    rules = ContactRules(profile("cn"), "Asia/Shanghai", 1, PHONE, (), stop="do_not_call")
    noon = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI).astimezone(UTC)
    blocks = rules.budget(noon).blocks
    assert [b.rule for b in blocks] == ["do_not_call"] and not blocks[0].overridable
    assert [b.rule for b in ContactRules(profile("us"), "America/Nowhere", 1, PHONE, (), stop="cease_contact").budget(noon).blocks][0] == "cease_contact"


@pytest.mark.parametrize(
    ("rules", "reason", "overridable"),
    [
        ("us", "has_lawyer", False),
        ("us", "cease_contact", False),
        ("us", "dispute", False),
        ("us", "bankruptcy", False),
        ("us", "hardship", True),
        ("cn", "bankruptcy", False),
        ("cn", "deceased", False),
        ("cn", "dispute", True),
        ("cn", "has_lawyer", True),
    ],
)
def test_a_hold_blocks_the_dial_and_only_where_the_law_allows_is_overridable(rules, reason, overridable):
    from callassist.core.compliance import Hold

    noon = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI).astimezone(UTC)
    zone = "Asia/Shanghai" if rules == "cn" else "America/New_York"
    held = ContactRules(profile(rules), zone, 1, PHONE, (), holds=(Hold(7, 1, reason, noon, "wang"),))
    at = noon if rules == "cn" else datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    [block] = held.budget(at).blocks
    assert block.rule == "hold" and dict(block.values)["reason"] == reason and block.overridable is overridable
    assert ContactRules(profile(rules), zone, 1, PHONE, ()).budget(at).blocks == ()


def test_the_debt_collector_disclosure_is_said_by_agencies_and_where_configured_on_consumer_debts():
    from callassist.core.compliance import needs_disclosure

    assert needs_disclosure(profile("us"), "company") and needs_disclosure(profile("us"), "consumer")
    assert not needs_disclosure(profile("us-creditor"), "company") and not needs_disclosure(profile("us-creditor"), "consumer")
    consumer_too = profile("us-creditor")._replace(disclosure_consumer=True)
    assert needs_disclosure(consumer_too, "consumer") and not needs_disclosure(consumer_too, "company")
    assert not needs_disclosure(profile("cn"), "consumer")


def test_a_creditors_own_desk_opens_the_purpose_step_without_the_disclosure(standard_flow, catalog, sample_account):
    from callassist.core.account import build_context
    from callassist.core.call import Call

    said = {}
    for name in ("us", "us-creditor"):
        context = build_context(sample_account, locale="en", collector="Wang", creditor="Northbridge", now=datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
        call = Call(standard_flow, catalog, context, sample_account.money, clock=lambda: datetime(2026, 11, 20, 15, 0, tzinfo=UTC), contact_rules=ContactRules(profile(name), "America/New_York", 1, PHONE, ()))
        call.render_at("purpose")
        said[name] = call.step.text
    assert "“I am a debt collector." in said["us"] and "debt collector" not in said["us-creditor"]


def test_who_may_release_a_hold_and_when():
    from callassist.core.compliance import Hold, release_refused

    held = (Hold(7, 1, "dispute", datetime(2026, 11, 20, tzinfo=UTC), "wang"),)
    assert release_refused(held, dialled=False, role="supervisor") is None
    assert release_refused(held, dialled=False, role="collector") == "release_supervisor_only"
    assert release_refused(held, dialled=True, role="supervisor") == "release_nothing", "once dialled, the call is under way"
    assert release_refused((), dialled=False, role="supervisor") == "release_nothing"


def test_who_may_override_the_contact_rules_and_when(make_call):
    from callassist.core.call import CallError
    from callassist.core.compliance import Hold

    call = make_call()
    call.start({})
    assert call.override_refused("supervisor") == "override_nothing", "nothing blocks the call"
    noon = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI).astimezone(UTC)
    call.contact_rules = ContactRules(profile("cn"), "Asia/Shanghai", 1, PHONE, (), holds=(Hold(7, 1, "dispute", noon, "wang"),))
    call.clock = lambda: noon
    assert call.override_refused("collector") == "override_supervisor_only"
    with pytest.raises(CallError):
        call.override("the bank confirms the payment", "wang", "collector")
    assert call.override_refused("supervisor") is None
    assert [event.kind for event in call.override("the bank confirms the payment", "boss", "supervisor")][0] == "compliance_override"
    assert call.override_refused("supervisor") == "override_nothing", "overridden once for the call"
    stopped = make_call()
    stopped.start({})
    stopped.contact_rules, stopped.clock = ContactRules(profile("cn"), "Asia/Shanghai", 1, PHONE, (), stop="do_not_call"), lambda: noon
    assert stopped.override_refused("supervisor") == "override_stop", "no one lifts a stop"
    with pytest.raises(CallError):
        stopped.override("they asked, but", "boss", "supervisor")


def test_an_override_does_not_lift_a_stop_that_came_after_it(make_call):
    """Found by the attacker's pass: an override made the call dialable whatever came later."""
    from callassist.core.compliance import Hold

    call = make_call()
    call.start({})
    noon = datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI).astimezone(UTC)
    call.contact_rules, call.clock = ContactRules(profile("cn"), "Asia/Shanghai", 1, PHONE, (), holds=(Hold(7, 1, "dispute", noon, "wang"),)), lambda: noon
    call.override("the bank confirms the payment", "boss", "supervisor")
    assert call.blocks_now() == () and call.choices()
    call.contact_rules = call.contact_rules._replace(stop="do_not_call")  # read again at the dial
    assert [block.rule for block in call.blocks_now()] == ["do_not_call"] and call.choices() == []
