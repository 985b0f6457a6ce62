"""The baresip adapter against real baresip processes on loopback (conftest.py): what the
line reports for an answered call hung up by either side, a refused one, one nobody
answers, the collector's phone dying or freezing mid-call, and the recording against the
talk time."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest

from callassist.core.phone import Answered, BaresipSetting, Busy, Dialling, HungUp, LineLost, NoAnswer, PhoneError, Ringing, talk_time
from callassist.phone import open_phone
from callassist.phone.baresip import BaresipPhone
from tests.phone.conftest import _free_port, run


@pytest.fixture
def phone(collector, events):
    opened = open_phone(collector.setting, events.put, no_answer_after=timedelta(seconds=1))
    yield opened
    opened.close()


def _kinds(events):
    return [(type(event), event.call_id) for event in events]


@pytest.mark.parametrize("by", ["us", "them"])
def test_an_answered_call_reports_each_step_in_order_then_who_hung_up(phone, debtor, events, by):
    call_id = phone.dial(debtor.uri)
    events.wait_for("answered")
    with pytest.raises(PhoneError, match="hang it up before dialling again"):
        phone.dial(debtor.uri)  # one call at a time
    time.sleep(0.5)
    if by == "us":
        phone.hang_up(call_id)
    else:
        debtor.command("hangup")
    ended = events.wait_for("hung_up")
    assert ended == HungUp(call_id, ended.at, by=by)
    seen = events.settle()
    assert _kinds(seen) == [(Dialling, call_id), (Ringing, call_id), (Answered, call_id), (HungUp, call_id)]
    assert seen[0] == Dialling(call_id, seen[0].at, debtor.uri)
    assert all(event.at.tzinfo is not None for event in seen)
    assert [event.at for event in seen] == sorted(event.at for event in seen)
    assert timedelta(seconds=0.4) < talk_time(seen, now=seen[-1].at) < timedelta(seconds=3)
    assert "Active calls (0)" in debtor.command("listcalls")


def test_a_refused_call_is_busy(collector, phones, events):
    debtor = phones.start("debtor", answermode="manual")
    phone = open_phone(collector.setting, events.put)
    try:
        call_id = phone.dial(debtor.uri)
        events.wait_for("ringing")
        debtor.command("hangup")  # the debtor turns the ringing call down
        busy = events.wait_for("busy")
        assert busy == Busy(call_id, busy.at, busy.reason) and busy.reason.startswith("486")
        assert _kinds(events.settle()) == [(Dialling, call_id), (Ringing, call_id), (Busy, call_id)]
    finally:
        phone.close()


def test_a_call_nobody_answers_is_given_up_after_the_set_time(phone, phones, events):
    debtor = phones.start("debtor", answermode="manual")
    started = time.monotonic()
    call_id = phone.dial(debtor.uri)
    no_answer = events.wait_for("no_answer", timeout=3)
    waited = time.monotonic() - started
    assert no_answer == NoAnswer(call_id, no_answer.at, timedelta(seconds=1))
    assert 1.0 <= waited < 3, waited  # not the 30 s baresip itself would ring for
    assert _kinds(events.settle()) == [(Dialling, call_id), (Ringing, call_id), (NoAnswer, call_id)]
    assert "Active calls (0)" in debtor.command("listcalls")  # the phone gave it up: the debtor's stopped ringing


def test_a_number_where_no_phone_listens_reads_as_no_answer(phone, events):
    nobody = f"sip:debtor@127.0.0.1:{_free_port()}"  # over UDP nothing says that nobody is there
    call_id = phone.dial(nobody)
    events.wait_for("no_answer", timeout=3)
    assert _kinds(events.settle()) == [(Dialling, call_id), (NoAnswer, call_id)]


def test_the_collectors_phone_dying_mid_call_loses_the_line_and_nothing_hangs(phone, collector, debtor, events):
    call_id = phone.dial(debtor.uri)
    events.wait_for("answered")
    os.kill(collector.process.pid, signal.SIGKILL)
    killed = time.monotonic()
    lost = events.wait_for("line_lost", timeout=2)
    assert isinstance(lost, LineLost) and lost.call_id == call_id
    assert f"baresip at 127.0.0.1:{collector.ctrl_port}" in lost.reason
    # Tried again: nobody there (or, the moment the killed process's listening socket still
    # lives while the kernel tears it down, a connection reset or a broken pipe at once).
    with pytest.raises(PhoneError, match="no baresip is listening|is gone: (Connection reset|Broken pipe)"):
        phone.dial(debtor.uri)
    with pytest.raises(PhoneError, match="no baresip is listening|is gone"):
        phone.hang_up(call_id)  # x on the lost line asks the phone again: nobody there, said at once
    phone.close()
    assert time.monotonic() - killed < 3
    assert _kinds(events.settle(0.2)) == [(Dialling, call_id), (Ringing, call_id), (Answered, call_id), (LineLost, call_id)]


def test_the_collectors_phone_freezing_loses_the_line_within_the_bound_and_is_reached_again(collector, debtor, events):
    heartbeat, reply_timeout = 0.2, 0.5
    phone = BaresipPhone(collector.setting, events.put, no_answer_after=timedelta(seconds=30), heartbeat=heartbeat, reply_timeout=reply_timeout)
    try:
        os.kill(collector.process.pid, signal.SIGSTOP)  # frozen with no call going on: let go of
        time.sleep(heartbeat + reply_timeout + 0.5)
        os.kill(collector.process.pid, signal.SIGCONT)
        call_id = phone.dial(debtor.uri)  # back: the dial reaches it again
        events.wait_for("answered")
        time.sleep(4 * (heartbeat + reply_timeout))  # baresip answers the reader's questions: the line holds
        assert _kinds(events.settle(0.1)) == [(Dialling, call_id), (Ringing, call_id), (Answered, call_id)]
        os.kill(collector.process.pid, signal.SIGSTOP)  # the connection stays open; nothing comes
        frozen = time.monotonic()
        lost = events.wait_for("line_lost", timeout=3)
        assert time.monotonic() - frozen < heartbeat + reply_timeout + 0.5
        assert lost == LineLost(call_id, lost.at, lost.reason) and "baresip said nothing" in lost.reason
        with pytest.raises(PhoneError):  # still frozen: x says the phone did not answer
            phone.hang_up(call_id)
        os.kill(collector.process.pid, signal.SIGCONT)  # back, and the call is still up (found by the attacker)
        assert "Active calls (1)" in debtor.command("listcalls")
        phone.hang_up(call_id)  # the link is made again and the call the lost one left up is ended
        deadline = time.monotonic() + 3
        while "Active calls (0)" not in debtor.command("listcalls") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Active calls (0)" in debtor.command("listcalls")
    finally:
        os.kill(collector.process.pid, signal.SIGCONT)
        phone.close()


@pytest.mark.parametrize("lost_while", ["ringing", "talking"])
def test_a_call_a_lost_link_left_up_is_hung_up_as_the_phone_is_reached_again(collector, phones, events, lost_while):
    """Found by the attackers: a link lost while ringing or talking (baresip frozen,
    callassist killed, even between the dial and baresip's reply to it), the debtor
    answering meanwhile; a resumed call's Dial rang them a second time, and nothing hung
    the first call up. A new link follows no call: what baresip dialled and holds is hung up."""
    debtor = phones.start("debtor", answermode="manual" if lost_while == "ringing" else "auto")
    first = open_phone(collector.setting, events.put)
    first.dial(debtor.uri)
    events.wait_for("ringing" if lost_while == "ringing" else "answered")
    first.close()  # the link let go of, the call up on the phone
    shared = open_phone(collector.setting, print, hang_up_left_up=lambda: False)  # another window here has a call on screen
    assert shared.hung_up_left_up() == 0 and "Active calls (1)" in debtor.command("listcalls")
    shared.close()
    again = open_phone(collector.setting, print)  # a resumed callassist
    try:
        assert again.hung_up_left_up() == 1
        deadline = time.monotonic() + 3
        while "Active calls (0)" not in debtor.command("listcalls") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Active calls (0)" in debtor.command("listcalls")
        again.dial(debtor.uri)  # nothing up any more: dialled, once
        assert "Active calls (1)" in debtor.command("listcalls")
    finally:
        again.close()


def test_a_call_coming_in_hides_none_of_the_calls_left_up_behind_it(collector, debtor):
    """Found by the fifth attacker: baresip names only its current call, and a call coming
    in becomes it; the sweep stopped there, and the debtor stayed on a recorded line nobody
    followed, which the refusal to dial said x would end (it could not). Every line is looked
    at; the call coming in is left to ring."""
    collector.command("dial", debtor.uri)  # left up by a lost link: the debtor answers
    collector.command("dial", debtor.uri)
    debtor.command("dial", collector.uri)  # now baresip's current call
    deadline = time.monotonic() + 5
    while "Active calls (3)" not in collector.command("listcalls") and time.monotonic() < deadline:
        time.sleep(0.05)
    again = open_phone(collector.setting, print)
    try:
        assert again.hung_up_left_up() == 2
        deadline = time.monotonic() + 3
        while "Active calls (1)" not in (calls := collector.command("listcalls")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Active calls (1)" in calls and "INCOMING" in calls
    finally:
        again.close()


def test_the_recording_lasts_as_long_as_the_talk(phone, collector, debtor, events):
    call_id = phone.dial(debtor.uri)
    events.wait_for("answered")
    time.sleep(3)
    phone.hang_up(call_id)
    events.wait_for("hung_up")
    phone.close()  # the collector's baresip may now be asked through ctrl_tcp
    assert "Active calls (0)" in collector.command("listcalls")  # the call, and so its files, closed
    spoken = talk_time(events.seen, now=events.seen[-1].at).total_seconds()
    recordings = sorted(collector.recordings.glob("dump-*.wav"))
    assert [path.name.rsplit("-", 1)[1] for path in recordings] == ["dec.wav", "enc.wav"], collector.log()  # heard, and said
    for recording in recordings:
        assert abs(float(run("soxi", "-D", recording)) - spoken) < 1.0, (recording.name, spoken)
    heard = next(path for path in recordings if path.name.endswith("-dec.wav"))
    assert _peak(heard) > 0.1  # the debtor's words, not silence


def _peak(recording) -> float:
    """The loudest sample of a recording, from 0 to 1 (sox's stat writes to stderr)."""
    report = subprocess.run(["sox", str(recording), "-n", "stat"], capture_output=True, text=True, check=True).stderr
    return float(next(line for line in report.splitlines() if line.startswith("Maximum amplitude")).split(":")[1])


def test_a_ctrl_tcp_not_listening_is_one_line_naming_where():
    port = _free_port()
    with pytest.raises(PhoneError) as raised:
        open_phone(BaresipSetting("127.0.0.1", port), print)
    message = str(raised.value)
    assert f"127.0.0.1:{port}" in message and "\n" not in message and "ctrl_tcp_listen" in message


def test_a_number_is_checked_before_baresip_hears_of_it(phone, collector, events):
    with pytest.raises(PhoneError, match="cannot dial"):
        phone.dial("555 0101; hangup")
    assert events.settle(0.3) == []
