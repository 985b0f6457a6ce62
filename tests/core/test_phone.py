"""The phone line in the domain: the setting, the numbers that may be dialled, the line's
state after any events, and the talk time (callassist/core/phone.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callassist.core.call import Event
from callassist.core.phone import (
    PHONE_KINDS,
    Answered,
    BaresipSetting,
    Busy,
    CommandSetting,
    Dialling,
    Failed,
    HungUp,
    LineEvent,
    LineLost,
    LineState,
    LineStatus,
    NoAnswer,
    NoPhoneSetting,
    PhoneError,
    Ringing,
    dial_target,
    line_event_of,
    line_state,
    parse_phone_setting,
    talk_time,
)

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- the setting ---


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("none", NoPhoneSetting()),
        ("", NoPhoneSetting()),
        ("baresip://127.0.0.1:4444", BaresipSetting("127.0.0.1", 4444)),
        ("baresip://[::1]:5000", BaresipSetting("::1", 5000)),
        ("command:xdg-open tel:{number}", CommandSetting(("xdg-open", "tel:{number}"))),
        ("command:'my phone' --call '{number}'", CommandSetting(("my phone", "--call", "{number}"))),
    ],
)
def test_a_phone_setting_is_read_from_its_url(text, setting):
    assert parse_phone_setting(text) == setting
    assert parse_phone_setting(str(setting)) == setting


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("sip:debtor@127.0.0.1", "use none, baresip://HOST:PORT or command:"),
        ("baresip://127.0.0.1", "use baresip://HOST:PORT"),
        ("baresip://127.0.0.1:99999", "no valid port"),
        ("baresip://127.0.0.1:4444/path", "use baresip://HOST:PORT"),
        ("baresip:127.0.0.1:4444", "use baresip://HOST:PORT"),
        ("command:", "names no program"),
        ("command:xdg-open tel:", "needs {number} in an argument"),
        ("command:{number} --dial", "needs {number} in an argument"),
        ("command:dial 'unclosed {number}", "cannot be read"),
    ],
)
def test_a_wrong_phone_setting_says_what_would_be_valid(text, says):
    with pytest.raises(PhoneError) as raised:
        parse_phone_setting(text)
    message = str(raised.value)
    assert says in message and "\n" not in message and text in message


@given(st.text(max_size=40))
def test_any_setting_text_is_read_or_refused_in_one_line(text):
    try:
        setting = parse_phone_setting(text)
    except PhoneError as error:
        assert "\n" not in str(error)
    else:
        assert parse_phone_setting(str(setting)) == setting


@given(st.text(min_size=1, max_size=30))
def test_the_number_fills_its_argument_literally_and_stays_one_argument(number):
    setting = parse_phone_setting("command:softphone --dial tel:{number} --quiet")
    assert setting.command_for(number) == ["softphone", "--dial", f"tel:{number}", "--quiet"]  # type: ignore[union-attr]


# --- numbers ---


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("+86 21 5555 0101", "+862155550101"),
        ("(021) 5555-0101", "02155550101"),
        ("＋８６ ２１ ５５５５ ０１０１", "+862155550101"),  # typed with a Chinese keyboard's full-width digits
        ("*67#123", "*67#123"),
        ("sip:debtor@127.0.0.1:5100", "sip:debtor@127.0.0.1:5100"),
        ("sip:+8621555@pbx.example.com", "sip:+8621555@pbx.example.com"),
    ],
)
def test_a_contact_number_is_dialled_as_its_digits(text, target):
    assert dial_target(text) == target


@pytest.mark.parametrize("text", ["", "12", "555 0101; rm -rf ~", "$(reboot)", "`id`", "0101 | sh", "+86+21", "123456789012345678901", "sip:debtor", "sip:a b@host", "sip:x@host;transport=tcp", "tel:555", "555\n0101"])
def test_anything_else_is_refused_before_a_phone_hears_of_it(text):
    with pytest.raises(PhoneError, match="cannot dial") as raised:
        dial_target(text)
    assert "\n" not in str(raised.value).replace(repr(text), "")


@given(st.text(max_size=30))
def test_a_dialled_target_holds_nothing_a_shell_or_phone_would_read_as_more(text):
    try:
        target = dial_target(text)
    except PhoneError:
        return
    assert set(target) <= set("0123456789+*#") or target.startswith("sip:")
    assert not set(target) & set(" ;|&$`'\"\\<>(){}\n\t")


# --- the line ---


def test_an_answered_call_talks_from_the_answer_to_the_hang_up():
    events = [Dialling("c1", at(0), "+8621"), Ringing("c1", at(1)), Answered("c1", at(4)), HungUp("c1", at(64), by="them")]
    state = line_state(events)
    assert state.status is LineStatus.ENDED and state.end == events[-1]
    assert (state.dialled_at, state.answered_at, state.ended_at) == (at(0), at(4), at(64))
    assert talk_time(events, now=at(1000)) == timedelta(seconds=60)
    assert line_state(events[:3]).talk_time(now=at(10)) == timedelta(seconds=6)


@pytest.mark.parametrize("ending", [Busy("c1", at(3), "486 Busy Here"), NoAnswer("c1", at(30), after=timedelta(seconds=30)), Failed("c1", at(2), "408 Request Timeout"), LineLost("c1", at(5), "baresip stopped")])
def test_an_unanswered_call_ends_with_no_talk_time(ending):
    events = [Dialling("c1", at(0), "+8621"), Ringing("c1", at(1)), ending]
    assert line_state(events).end == ending
    assert talk_time(events, now=at(100)) == timedelta(0)


def test_busy_or_no_answer_cannot_end_a_call_already_answered():
    talking = line_state([Dialling("c1", at(0), "1"), Answered("c1", at(1))])
    assert talking.advance(Busy("c1", at(2), "486")) == talking
    assert talking.advance(NoAnswer("c1", at(2), timedelta(seconds=1))) == talking
    assert talking.advance(LineLost("c1", at(3), "gone")).status is LineStatus.ENDED


def test_events_of_another_call_or_after_the_end_change_nothing():
    ended = line_state([Dialling("c1", at(0), "1"), Answered("c1", at(1)), HungUp("c1", at(9), by="us")])
    assert ended.advance(Answered("c1", at(10))) == ended
    assert ended.advance(HungUp("c1", at(11), by="them")) == ended
    talking = line_state([Dialling("c2", at(20), "1"), Answered("c2", at(21))])
    assert talking.advance(HungUp("c1", at(22), by="them")) == talking
    assert talking.advance(Dialling("c3", at(23), "2")) == talking


def test_a_redialled_call_adds_its_talk_time_to_the_first():
    events = [Dialling("c1", at(0), "1"), Answered("c1", at(2)), LineLost("c1", at(12), "dropped"), Dialling("c2", at(20), "1"), Busy("c2", at(21), "486"), Dialling("c3", at(30), "1"), Answered("c3", at(31))]
    assert talk_time(events, now=at(36)) == timedelta(seconds=15)


def test_a_line_event_needs_a_timezone():
    with pytest.raises(ValueError, match="timezone-aware"):
        Ringing("c1", datetime(2026, 11, 20, 10, 0))
    with pytest.raises(ValueError, match="'us' or 'them'"):
        HungUp("c1", T0, by="someone")  # type: ignore[arg-type]


def test_the_kinds_the_chain_stores_stay_as_they_are():
    # Stored logs hold these names: renaming an event's class must not rename its kind unnoticed.
    assert sorted(PHONE_KINDS) == ["phone_answered", "phone_busy", "phone_dialling", "phone_failed", "phone_hung_up", "phone_line_lost", "phone_no_answer", "phone_ringing"]


def test_a_line_event_is_stored_in_the_chain_and_read_back():
    event = NoAnswer("3a9f", at(30), after=timedelta(seconds=30))
    stored = event.as_event()
    assert (stored.kind, stored.payload, stored.at) == ("phone_no_answer", {"phone_call_id": "3a9f", "after": 30.0}, at(30))
    assert line_event_of(stored) == event
    assert line_event_of(Event("step_entered", {"step": "greeting"}, T0)) is None
    with pytest.raises(ValueError, match="phone_busy event's payload does not fit"):
        line_event_of(Event("phone_busy", {"phone_call_id": "x"}, T0))


# --- any events at all ---

ZONES = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])
TIMES = st.builds(lambda seconds, zone: (T0 + timedelta(seconds=seconds)).astimezone(zone), st.integers(-3600, 3600), ZONES)
CALL_IDS = st.sampled_from(["c1", "c2", "c3"])


def _events() -> st.SearchStrategy[LineEvent]:
    return st.one_of(
        st.builds(Dialling, CALL_IDS, TIMES, st.sampled_from(["+8621", "sip:d@127.0.0.1"])),
        st.builds(Ringing, CALL_IDS, TIMES),
        st.builds(Answered, CALL_IDS, TIMES),
        st.builds(Busy, CALL_IDS, TIMES, st.just("486 Busy Here")),
        st.builds(Failed, CALL_IDS, TIMES, st.just("503")),
        st.builds(NoAnswer, CALL_IDS, TIMES, st.just(timedelta(seconds=30))),
        st.builds(HungUp, CALL_IDS, TIMES, st.sampled_from(["us", "them"])),
        st.builds(LineLost, CALL_IDS, TIMES, st.just("baresip stopped")),
    )


def _sane(state: LineState) -> None:
    if state.status is LineStatus.IDLE:
        assert state == LineState()
        return
    assert state.call_id and state.dialled_at is not None
    assert (state.answered_at is not None) == (state.status is LineStatus.TALKING or (state.status is LineStatus.ENDED and state.answered_at is not None))
    assert (state.status is LineStatus.ENDED) == (state.end is not None) == (state.ended_at is not None)
    if state.answered_at is not None:
        assert state.answered_at >= state.dialled_at
    if state.ended_at is not None:
        assert state.ended_at >= (state.answered_at or state.dialled_at)
    if state.end is not None:
        assert state.end.call_id == state.call_id


@settings(max_examples=300, deadline=None)
@given(st.lists(_events(), max_size=25), TIMES)
def test_any_events_leave_a_sane_line_and_a_talk_time_never_negative(events, now):
    state = LineState()
    for event in events:
        state = state.advance(event)
        _sane(state)
    assert line_state(events) == state
    spent = talk_time(events, now)
    assert spent >= timedelta(0)
    if events:
        latest = max([event.at for event in events] + [now])
        assert spent <= latest - min(event.at for event in events)


@settings(max_examples=200, deadline=None)
@given(_events())
def test_any_line_event_is_read_back_from_the_chain_as_it_was(event):
    assert line_event_of(event.as_event()) == event
