"""Calls dialled through a phone, driven with the keyboard, with a phone the test plays:
Enter dials the account's number once the contact rules allow it, what the line reports is
stored in the call's log in order, an answer offers the next step, a hang-up opens the end
form, and a phone that dies mid-call leaves the call to be finished by hand, nothing lost.
(tests/phone/test_phone_screen.py does the same with two real baresip phones.)"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import Input, Select, Static

from callassist.core.phone import Answered, BaresipSetting, Dialling, DialStopped, HungUp, LineLost, LineStatus, PhoneError, Ringing, line_event_of
from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.tui.app import CallAssistApp
from callassist.tui.screens.call import CallScreen
from callassist.tui.screens.disposition import DispositionScreen
from callassist.tui.screens.worklist import WorklistScreen
from tests.conftest import NOW, OBJECTIONS, SCRIPTS
from tests.tui.conftest import as_team_login, call_a_shanghai_debtor, press, settle, stored_calls, until

LATE = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai


class PlayedPhone:
    """A phone whose line the test reports by hand: it only notes what it was asked."""

    reports_line = True

    def __init__(self) -> None:
        self.left_up = 0  # hung up as it was reached: said once
        self.dial_in_doubt = False
        self.reached = 0
        self.dialled: list[str] = []
        self.hung_up: list[str] = []

    def reach(self) -> None:
        self.reached += 1

    def hung_up_left_up(self) -> int:
        count, self.left_up = self.left_up, 0
        return count

    def dial(self, number: str, still_allowed=lambda: True) -> str:
        if not still_allowed():  # as every phone asks, once ready to dial
            raise DialStopped("the account no longer allows this call")
        self.dialled.append(number)
        return f"phone-{len(self.dialled)}"

    def hang_up(self, call_id: str) -> None:
        self.hung_up.append(call_id)

    def close(self) -> None:
        pass


def _app(tmp_path, db_url, clock, phone: PlayedPhone, locale: str = "en") -> CallAssistApp:
    settings = Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)
    app = CallAssistApp(lambda: Workspace.open(settings, db_url, locale), locale, "wang", clock=clock, phone=BaresipSetting("127.0.0.1", 4444))
    app.phone = phone  # reached already: connect_phone finds it there
    return app


def _line(screen: CallScreen) -> str:
    line = screen.query_one("#line", Static)
    return str(line.render()) if line.display else ""


async def _report(pilot, event) -> None:
    pilot.app.line_reported(event)
    await settle(pilot)


async def _dial_then_lose_the_line(pilot, phone: PlayedPhone, answered: bool, reason: str = "baresip said nothing for 7 s") -> CallScreen:
    """A call dialled through `phone`, ringing or answered, then its link lost."""
    screen = await call_a_shanghai_debtor(pilot)
    await press(pilot, "enter")
    await _report(pilot, Dialling("phone-1", NOW, phone.dialled[0]))
    await _report(pilot, Answered("phone-1", NOW) if answered else Ringing("phone-1", NOW))
    await _report(pilot, LineLost("phone-1", NOW, reason))
    return screen


@pytest.fixture(params=["sqlite", "postgresql, wang's own login"])
def any_db_url(request, db_url) -> str:
    """The demo on SQLite, or on a team's PostgreSQL as wang's own login: there the
    database holds each phone event to the shape the program writes."""
    return db_url if request.param == "sqlite" else as_team_login(request.getfixturevalue("pg_demo_url"), "wang")


async def test_a_call_dialled_answered_and_hung_up_through_the_phone(tmp_path, any_db_url):
    db_url = any_db_url
    phone, now = PlayedPhone(), [NOW]
    app = _app(tmp_path, db_url, lambda: now[0], phone)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        number = screen.active.snapshot.phone
        assert "Dial " + number in screen.query_one("#choices").text.plain
        await press(pilot, "enter")
        assert phone.dialled == [number]  # the account's own number, never typed
        await _report(pilot, Dialling("phone-1", now[0], number))
        await press(pilot, "enter")  # a second Enter while the line is busy dials nothing
        assert phone.dialled == [number] and f"Dialling {number}" in _line(screen)
        await _report(pilot, Ringing("phone-1", now[0]))
        assert f"Ringing {number}" in _line(screen)
        await _report(pilot, Answered("phone-1", now[0]))
        assert screen.call.state == "reach_party"  # the answer offers the next step's choices
        await press(pilot, "r", "y")
        now[0] += timedelta(seconds=75)
        await pilot.pause(1.2)  # the screen's clock ticks every second
        assert "talk time 01:15" in _line(screen)
        await _report(pilot, HungUp("phone-1", now[0], by="them"))
        await until(pilot, lambda: isinstance(app.screen, DispositionScreen))  # a hang-up goes to wrap-up
        await press(pilot, "escape")
        assert app.screen is screen and "They hung up; talk time 01:15" in _line(screen)
        await press(pilot, "x")
        app.screen.query_one("#disposition", Select).value = "refused"
        app.screen.query_one("#note", Input).value = "hung up after hearing who called"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, WorklistScreen)
    [(call, events)] = stored_calls(db_url)
    phone_events = [e for e in events if e.kind.startswith("phone_")]
    assert [e.kind for e in phone_events] == ["phone_dialling", "phone_ringing", "phone_answered", "phone_hung_up"]
    assert all(line_event_of(e).call_id == "phone-1" for e in phone_events) and phone_events[0].payload["number"] == number
    kinds = [e.kind for e in events]
    assert kinds.index("phone_answered") < kinds.index("choice_made") and kinds[-1] == "call_ended"
    assert call.disposition == "refused" and phone.hung_up == []  # they hung up: nothing left to hang up


async def test_the_phone_dies_mid_call_and_the_call_is_finished_by_hand(tmp_path, db_url):
    phone = PlayedPhone()
    app = _app(tmp_path, db_url, lambda: NOW, phone, locale="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _dial_then_lose_the_line(pilot, phone, answered=True, reason="baresip closed the connection")
        assert "电话软件没有响应了" in _line(screen) and app.phone is None  # the next dial reaches it again
        assert app.screen is screen  # no end form: the call goes on by hand
        await press(pilot, "r", "y")
        assert screen.call.state == "purpose"
        await press(pilot, "x")
        app.screen.query_one("#disposition", Select).value = "callback"
        app.screen.query_one("#note", Input).value = "电话断了，约好明天上午再打"
        app.screen.query_one("#next-contact", Input).value = "2026-11-23 10:00"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, WorklistScreen)
    [(call, events)] = stored_calls(db_url)
    assert [e.kind for e in events if e.kind.startswith("phone_")] == ["phone_dialling", "phone_answered", "phone_line_lost"]
    assert call.ended_at is not None


async def test_the_phone_is_not_asked_to_dial_outside_the_debtors_hours(tmp_path, db_url):
    phone = PlayedPhone()
    app = _app(tmp_path, db_url, lambda: LATE, phone)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        assert "Dial " not in screen.query_one("#choices").text.plain
        await press(pilot, "enter")
        assert phone.dialled == [] and not screen.call.dialled


def _stop_contact(db_url: str, account_id: int, stop: str) -> None:
    """Another program marks the account's contact, as a supervisor's screen would."""
    from sqlmodel import select

    from callassist.store import db
    from callassist.store.models import Account, Contact

    engine = db.make_engine(db_url)
    with db.session(engine) as session:
        account = session.get(Account, account_id)
        contact = session.exec(select(Contact).where(Contact.id == account.contact_id)).one()
        contact.stop = stop
        session.add(contact)
        session.commit()
    engine.dispose()


async def test_a_contact_stopped_after_the_call_opened_is_not_dialled_nor_redialled(tmp_path, db_url):
    """Found by the attacker: do not call, set from another program after the call opened,
    did not stop Enter (only holds were read again). Nor may a redial after no answer."""
    phone = PlayedPhone()
    app = _app(tmp_path, db_url, lambda: NOW, phone)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        account_id = screen.active.snapshot.account_id
        _stop_contact(db_url, account_id, "do_not_call")
        await press(pilot, "enter")
        assert phone.dialled == [] and not screen.call.dialled and screen.call.step.choices == ()
        await press(pilot, "escape")
        await settle(pilot)
        _stop_contact(db_url, account_id, None)
        screen = await call_a_shanghai_debtor(pilot)
        await press(pilot, "enter")
        await _report(pilot, Dialling("phone-1", NOW, phone.dialled[0]))
        await _report(pilot, HungUp("phone-1", NOW, by="them"))
        _stop_contact(db_url, screen.active.snapshot.account_id, "cease_contact")
        await press(pilot, "enter")  # a redial, on the first step still
        assert len(phone.dialled) == 1


async def test_line_events_that_come_while_a_change_is_stored_are_kept_in_order(tmp_path, db_url):
    phone = PlayedPhone()
    app = _app(tmp_path, db_url, lambda: NOW, phone)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        await press(pilot, "enter")
        for event in (Dialling("phone-1", NOW, phone.dialled[0]), Ringing("phone-1", NOW), Answered("phone-1", NOW)):
            app.line_reported(event)  # one after the other, each before the one before is stored
        await settle(pilot)
        assert screen.call.state == "reach_party"
        await press(pilot, "x")  # ending the call hangs the phone up
        assert phone.hung_up == ["phone-1"] and isinstance(app.screen, DispositionScreen)
    [(_call, events)] = stored_calls(db_url)
    assert [e.kind for e in events if e.kind.startswith("phone_")] == ["phone_dialling", "phone_ringing", "phone_answered"]


async def test_an_end_saved_before_the_phone_says_it_hung_up_waits_for_it(tmp_path, db_url, monkeypatch):
    """Found by the attacker: `x`, then the form saved at once, stored the end before the
    phone's hang-up, which then had no call to go in (nor the recording after it). The end
    now waits for the line to end, and for no longer than the phone is given to say so."""
    from callassist.tui.screens import call as call_screen

    phone = PlayedPhone()
    app = _app(tmp_path, db_url, lambda: NOW, phone)
    monkeypatch.setattr(call_screen, "HANG_UP_WAIT", 60.0)  # its timer is played by hand below: no clock in the test
    async with app.run_test(size=(80, 24)) as pilot:
        for hung_up in (True, False):  # the phone says so in time; it never does
            screen = await call_a_shanghai_debtor(pilot)
            await press(pilot, "enter")
            await _report(pilot, Dialling("phone-1", NOW, phone.dialled[-1]))
            await _report(pilot, Answered("phone-1", NOW))
            await press(pilot, "x")
            app.screen.query_one("#disposition", Select).value = "refused"
            app.screen.query_one("#note", Input).value = "hung up on hearing who called"
            await press(pilot, "ctrl+s")
            assert not screen.call.ended and app.screen is screen  # the end waits for the line
            await press(pilot, "x")  # a second x opens no second form while the end waits
            assert app.screen is screen
            if hung_up:
                await _report(pilot, HungUp("phone-1", NOW, by="us"))
            else:
                screen.line_settled(waited=True)  # as the HANG_UP_WAIT timer does when it fires
            await until(pilot, lambda: isinstance(app.screen, WorklistScreen))
    first, second = ([e.kind for e in events if e.kind.startswith("phone_") or e.kind == "call_ended"] for _, events in stored_calls(db_url))
    assert first == ["phone_dialling", "phone_answered", "phone_hung_up", "call_ended"]
    assert second == ["phone_dialling", "phone_answered", "phone_line_lost", "call_ended"]  # what became of the line is not known, and the log says so
    lost = next(e for _, events in stored_calls(db_url)[1:] for e in events if e.kind == "phone_line_lost")
    assert "did not say it hung up" in lost.payload["reason"]


async def test_a_recorded_call_where_everyone_must_consent_says_so_in_its_greeting(tmp_path, any_db_url):
    """Under the us rules, with a phone that keeps recordings: the first words after the
    answer say the call is recorded, on screen and in the call's log (the program's words,
    whatever the script's greeting says: tests/core/test_recording_notice.py); a team
    member's own login stores the step that carries it."""
    db_url = any_db_url
    recorded = f"baresip://127.0.0.1:4444?recordings={tmp_path / 'snd'}"
    settings = Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS, compliance="us", phone=recorded)
    phone = PlayedPhone()
    app = CallAssistApp(lambda: Workspace.open(settings, db_url, "en"), "en", "wang", clock=lambda: NOW, phone=settings.phone_setting)
    app.phone = phone
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        await press(pilot, "enter")
        await _report(pilot, Dialling("phone-1", NOW, phone.dialled[0]))
        await _report(pilot, Answered("phone-1", NOW))
        assert screen.call.state == "reach_party" and "this call is recorded" in " ".join(screen.query_one("#prompt-text").text.plain.split())
    [(_call, events)] = stored_calls(db_url)
    greeting = next(e for e in events if e.kind == "step_entered" and e.payload["state"] == "reach_party")
    assert "Just so you know, this call is recorded." in greeting.payload["text"] and greeting.payload["recording_notice"] is True


async def test_a_call_resumed_after_a_crash_mid_line_says_the_line_is_no_longer_followed(tmp_path, db_url):
    """callassist dies while the debtor is on the line: the phone's call is no longer
    followed (a new link knows nothing of it), so the resumed call says so and the log
    ends the line there, where its screen went on counting talk time and `x` waited for a
    hang-up that could never come."""
    from callassist.tui.screens.resume import ResumeScreen

    phone = PlayedPhone()
    async with _app(tmp_path, db_url, lambda: NOW, phone).run_test(size=(80, 24)) as pilot:
        await call_a_shanghai_debtor(pilot)
        await press(pilot, "enter")
        await _report(pilot, Dialling("phone-1", NOW, phone.dialled[0]))
        await _report(pilot, Answered("phone-1", NOW))
        # The process dies here: no end, no hang-up.
    later = NOW + timedelta(minutes=3)
    again = PlayedPhone()
    app = _app(tmp_path, db_url, lambda: later, again)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ResumeScreen)
        await press(pilot, "y")
        screen = app.screen
        assert isinstance(screen, CallScreen) and screen.call.line.status not in (LineStatus.DIALLING, LineStatus.RINGING, LineStatus.TALKING)
        assert "talk time" not in _line(screen) or "03:00" in _line(screen)
        await press(pilot, "x")
        assert isinstance(app.screen, DispositionScreen)  # the form opens at once: nothing to wait for
        await until(pilot, lambda: again.hung_up == ["phone-1"])  # the phone may still hold the call, recorded: it is hung up
    [(_call, events)] = stored_calls(db_url)
    assert [e.kind for e in events if e.kind.startswith("phone_")] == ["phone_dialling", "phone_answered", "phone_line_lost"]


def _recording_pair(snd, seconds: float = 1.0) -> None:
    """What baresip's sndfile writes for a call: what the collector said, what they heard,
    last written as the call ended (the tests' clock)."""
    import os
    import wave

    snd.mkdir(exist_ok=True)
    for side in ("enc", "dec"):
        path = snd / f"dump-20261120-100000-{side}.wav"
        with wave.open(str(path), "wb") as voice:
            voice.setnchannels(1)
            voice.setsampwidth(2)
            voice.setframerate(8000)
            voice.writeframes(b"\0\0" * int(8000 * seconds))
        os.utime(path, (NOW.timestamp(), NOW.timestamp()))


async def test_a_call_resumed_after_a_crash_between_hang_up_and_recording_takes_the_recording(tmp_path, db_url, monkeypatch):
    """Found by the attacker: x, then kill -9 50 ms later. The log ended at the hang-up;
    the resumed call never took the recording baresip had finished, which stayed in its
    folder, readable by others."""
    from callassist.core.phone import PhoneError
    from callassist.tui.screens import call as call_screen
    from callassist.tui.screens.resume import ResumeScreen

    snd = tmp_path / "snd"
    settings = Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS, phone=f"baresip://127.0.0.1:4444?recordings={snd}")

    def recorded_app(phone: PlayedPhone) -> CallAssistApp:
        app = CallAssistApp(lambda: Workspace.open(settings, db_url, "en"), "en", "wang", clock=lambda: NOW, phone=settings.phone_setting, data_dir=tmp_path)
        app.phone = phone
        return app

    collect = call_screen.collect

    def dies_first(*args, **kwargs):
        raise PhoneError("the process died here")  # as kill -9 would: nothing comes into the log

    monkeypatch.setattr(call_screen, "collect", dies_first)
    phone = PlayedPhone()
    async with recorded_app(phone).run_test(size=(80, 24)) as pilot:
        await call_a_shanghai_debtor(pilot)
        await press(pilot, "enter")
        await _report(pilot, Dialling("phone-1", NOW, phone.dialled[0]))
        await _report(pilot, Answered("phone-1", NOW))
        await _report(pilot, HungUp("phone-1", NOW + timedelta(seconds=1), by="them"))
    monkeypatch.setattr(call_screen, "collect", collect)
    _recording_pair(snd)
    app = recorded_app(PlayedPhone())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ResumeScreen)
        await press(pilot, "y")
        await until(pilot, lambda: isinstance(app.screen, CallScreen) and not app.screen.recording, seconds=8)
    [(_call, events)] = stored_calls(db_url)
    kinds = [e.kind for e in events if e.kind.startswith("phone_") or e.kind == "recording_attached"]
    assert kinds == ["phone_dialling", "phone_answered", "phone_hung_up", "recording_attached"]
    assert (tmp_path / "recordings").is_dir() and not list(snd.glob("dump-*"))  # moved into the data folder


async def test_a_forged_number_with_a_line_break_is_shown_on_one_line_and_not_dialled(tmp_path, db_url):
    """Found by the attacker: a number holding a newline (a row written past the import,
    which refuses one) broke the key bar's line; the dial refused it already."""
    from sqlmodel import select

    from callassist.store import db
    from callassist.store.models import Contact

    engine = db.make_engine(db_url)
    with db.session(engine) as session:
        for contact in session.exec(select(Contact)).all():
            contact.phone = "+86 21 5550\n0101 hangup"
            session.add(contact)
        session.commit()
    engine.dispose()
    phone = PlayedPhone()
    async with _app(tmp_path, db_url, lambda: NOW, phone).run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        assert screen.dial_number == "+86 21 5550 0101 hangup"
        assert "Dial +86 21 5550 0101 hangup" in screen.query_one("#choices").text.plain


@pytest.mark.parametrize("answered", [False, True], ids=["lost while ringing", "lost while talking"])
async def test_x_on_a_lost_line_reaches_the_phone_again_and_hangs_the_call_up(tmp_path, db_url, monkeypatch, answered):
    """Found by the second attacker: once the link was lost the app let go of the phone,
    and x asked nobody to hang up, so a frozen baresip that came back kept the debtor on a
    recorded line; nor was a line lost while ringing (answered during the freeze) hung up."""
    import callassist.phone

    phone, again = PlayedPhone(), PlayedPhone()
    monkeypatch.setattr(callassist.phone, "open_phone", lambda *args, **kwargs: again)  # the phone reached again
    app = _app(tmp_path, db_url, lambda: NOW, phone)
    async with app.run_test(size=(80, 24)) as pilot:
        await _dial_then_lose_the_line(pilot, phone, answered)
        assert app.phone is None  # let go of, as the app does
        await press(pilot, "x")
        await until(pilot, lambda: again.hung_up == ["phone-1"])


@pytest.mark.parametrize("lost", ["talking", "ringing, answered unseen", "ringing, never answered"])
async def test_x_on_a_lost_line_takes_the_recording_the_phone_finished_once_hung_up(tmp_path, db_url, monkeypatch, lost):
    """Found by the second attacker: frozen while ringing, the debtor answered meanwhile; x
    hung nothing up, and the phone's recording stayed in its folder, readable by others and
    outside the call's log. Tried as a collector: frozen while talking, the half-written
    recording was read at the loss ("cannot be read"), though x took it whole later. A
    line lost and never answered has no recording to take, and nothing is said of one."""
    import callassist.phone

    snd = tmp_path / "snd"
    settings = Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS, phone=f"baresip://127.0.0.1:4444?recordings={snd}")
    app = CallAssistApp(lambda: Workspace.open(settings, db_url, "en"), "en", "wang", clock=lambda: NOW, phone=settings.phone_setting, data_dir=tmp_path)
    app.phone, again = PlayedPhone(), PlayedPhone()
    monkeypatch.setattr(callassist.phone, "open_phone", lambda *args, **kwargs: again)
    notices: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kwargs: notices.append(str(message)))
    recorded = lost != "ringing, never answered"
    async with app.run_test(size=(80, 24)) as pilot:
        if recorded:  # being written as the line is lost: no header yet
            snd.mkdir()
            for side in ("enc", "dec"):
                (snd / f"dump-20261120-100000-{side}.wav").write_bytes(b"\1\0" * 800)
        screen = await _dial_then_lose_the_line(pilot, app.phone, answered=lost == "talking")
        await pilot.pause(0.3)
        assert not screen.recording  # not read while the phone may still be writing it
        if recorded:
            _recording_pair(snd)  # the phone hung up: finished
        await press(pilot, "x")
        await until(pilot, lambda: again.hung_up == ["phone-1"] and screen.call.recorded is recorded)
        await settle(pilot)
    [(_call, events)] = stored_calls(db_url)
    kinds = [e.kind for e in events if e.kind.startswith("phone_") or e.kind == "recording_attached"]
    assert kinds == ["phone_dialling", "phone_answered" if lost == "talking" else "phone_ringing", "phone_line_lost"] + (["recording_attached"] if recorded else [])
    assert not list(snd.glob("dump-*"))
    assert not [notice for notice in notices if "recording" in notice.lower()], notices


class FrozenPhone(PlayedPhone):
    """A phone that does not answer a hang-up until `back` (frozen, then thawed)."""

    def __init__(self) -> None:
        super().__init__()
        self.back = False

    def hang_up(self, call_id: str) -> None:
        if not self.back:
            raise PhoneError("baresip at 127.0.0.1:4444 did not answer 'callfind' within 5 s")
        super().hang_up(call_id)


@pytest.mark.parametrize("line", ["ringing", "talking"])
async def test_a_hang_up_the_phone_never_confirmed_is_asked_again_until_it_is_back(tmp_path, db_url, monkeypatch, line):
    """Found by the third attacker: x pressed while the phone froze, before the loss was
    seen; the hang-up failed, the call was saved, and once baresip came back the debtor's
    line stayed up, recorded (ringing: it rang on, and picking up gave a recorded line)."""
    import callassist.tui.app
    from callassist.tui.screens import call as call_screen

    monkeypatch.setattr(callassist.tui.app, "HANG_UP_AGAIN_SECONDS", 0.1)
    monkeypatch.setattr(call_screen, "HANG_UP_WAIT", 0.3)
    phone = FrozenPhone()
    app = _app(tmp_path, db_url, lambda: NOW, phone)
    async with app.run_test(size=(80, 24)) as pilot:
        await call_a_shanghai_debtor(pilot)
        await press(pilot, "enter")
        await _report(pilot, Dialling("phone-1", NOW, phone.dialled[0]))
        await _report(pilot, Answered("phone-1", NOW) if line == "talking" else Ringing("phone-1", NOW))
        await press(pilot, "x")  # frozen: the hang-up is not answered
        await until(pilot, lambda: isinstance(app.screen, DispositionScreen))
        app.screen.query_one("#disposition", Select).value = "no_answer"
        await press(pilot, "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, WorklistScreen))
        assert phone.hung_up == [] and app.hang_ups_owed == {"phone-1"}  # said at exit were it to end now (startup.run_tui)
        phone.back = True  # thawed
        await until(pilot, lambda: phone.hung_up == ["phone-1"], seconds=5)
        await until(pilot, lambda: not app.hang_ups_owed)
    [(_call, events)] = stored_calls(db_url)
    assert [e.kind for e in events][-2:] == ["phone_line_lost", "call_ended"]


async def test_a_call_whose_line_was_lost_is_not_dialled_again(tmp_path, db_url):
    """Found by the third attacker: a redial after a line lost while ringing (answered and
    recorded while nobody watched) left that first recording outside the log for good, as a
    call keeps one recording. x ends the call, hanging up and taking what the phone made; a
    new call dials again."""
    phone = PlayedPhone()
    app = _app(tmp_path, db_url, lambda: NOW, phone)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _dial_then_lose_the_line(pilot, phone, answered=False)
        assert not screen.dial_offered() and "Dial" not in screen.query_one("#choices").text.plain
        await press(pilot, "enter")
        assert phone.dialled == [phone.dialled[0]]  # dialled once


async def test_the_calls_a_phone_held_when_it_was_reached_are_said_hung_up(tmp_path, db_url, monkeypatch):
    """The fourth attacker: calls left up by a crash or a lost link stayed up, recorded,
    nobody told. The phone hangs them up as it is reached; the collector is told."""
    import callassist.phone

    found = PlayedPhone()
    found.left_up = 2
    monkeypatch.setattr(callassist.phone, "open_phone", lambda *args, **kwargs: found)
    app = CallAssistApp(lambda: Workspace.open(Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS), db_url, "en"), "en", "wang", clock=lambda: NOW, phone=BaresipSetting("127.0.0.1", 4444))
    notices: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kwargs: notices.append(str(message)))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.phone is found)
        await settle(pilot)
    assert [notice for notice in notices if "The phone still held 2 calls callassist had lost track of" in notice and "hung up" in notice]


class FrozenWithTheDialPhone(PlayedPhone):
    """A phone that froze with the dial in hand: no answer to it, and nothing links to it
    until it wakes, when it makes the dial (hung up by the new link) and is watched a while."""

    AWAKE_AFTER = 3  # reaches

    def __init__(self) -> None:
        super().__init__()
        self.reached_since_dial = 0

    def dial(self, number: str, still_allowed=lambda: True) -> str:
        self.dialled.append(number)
        self.dial_in_doubt = True
        raise PhoneError("baresip at 127.0.0.1:4444 did not answer 'dial' within 5 s")

    def reach(self) -> None:
        super().reach()
        if not self.dial_in_doubt:
            return
        self.reached_since_dial += 1
        if self.reached_since_dial < self.AWAKE_AFTER:
            raise PhoneError("baresip at 127.0.0.1:4444 did not answer 'listcalls' within 5 s")
        if self.reached_since_dial == self.AWAKE_AFTER:
            self.left_up += 1  # the dial it made on waking, hung up by the new link
        elif self.reached_since_dial == self.AWAKE_AFTER + 2:
            self.dial_in_doubt = False  # watched long enough


async def test_a_dial_the_phone_never_answered_keeps_the_phone_reached_until_it_is_settled(tmp_path, db_url, monkeypatch):
    """Found by the fifth attacker: baresip froze with the dial in hand and dialled the
    debtor on waking; nothing reached it again until the next Enter (which dialled a second
    time), and leaving said nothing. While a dial is in doubt the app reaches the phone
    every few seconds, whatever screen is open (a new link hangs up what it dialled, and the
    collector is told); leaving meanwhile is said at exit (startup.run_tui)."""
    import callassist.tui.app

    monkeypatch.setattr(callassist.tui.app, "HANG_UP_AGAIN_SECONDS", 0.1)
    phone = FrozenWithTheDialPhone()
    app = _app(tmp_path, db_url, lambda: NOW, phone)
    notices: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        monkeypatch.setattr(app, "notify", lambda message, **kwargs: notices.append(str(message)))
        await press(pilot, "enter")
        assert "may still dial" in str(screen.status[0]) and app.dial_in_doubt
        await press(pilot, "escape")  # the call left, stored as not dialled: the phone is still watched
        await until(pilot, lambda: isinstance(app.screen, WorklistScreen))
        await until(pilot, lambda: not phone.dial_in_doubt, seconds=5)
        assert phone.reached_since_dial == phone.AWAKE_AFTER + 2 and not app.dial_in_doubt
        await settle(pilot)
    assert [notice for notice in notices if "The phone still held a call callassist had lost track of" in notice]
    assert phone.dialled == [phone.dialled[0]]  # dialled once


class SlowToDialPhone(PlayedPhone):
    """A phone whose own checks before dialling take a while (a busy baresip, a slow link),
    during which `meanwhile` happens."""

    def __init__(self, meanwhile) -> None:
        super().__init__()
        self.meanwhile = meanwhile

    def dial(self, number: str, still_allowed=lambda: True) -> str:
        self.meanwhile()
        return super().dial(number, still_allowed)


async def test_a_stop_set_while_the_phone_gets_ready_to_dial_stops_the_dial(tmp_path, db_url):
    """Found by the fourth attacker: a do-not-call committed while the phone's own check
    before dialling was held 4 s did not stop the dial; the account was read only before
    the phone was asked. It is read again as the phone is about to dial."""
    app = _app(tmp_path, db_url, lambda: NOW, PlayedPhone())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        app.phone = phone = SlowToDialPhone(lambda: _stop_contact(db_url, screen.active.snapshot.account_id, "do_not_call"))
        await press(pilot, "enter")
        assert phone.dialled == [] and not screen.call.dialled and screen.call.step.choices == ()


async def test_a_phone_another_window_here_may_be_using_is_reached_without_hanging_up_its_calls(tmp_path, db_url, monkeypatch):
    """Found by the fifth attacker: a second window, reaching the phone at start, hung up
    the call the first window was on (a debtor cut off mid-sentence). The sixth: a window
    started alone asked only then, and hung up the other's call at its next link. While
    another window on this computer has a call on screen, asked at each link, the calls
    the phone holds are left as they are."""
    import callassist.phone
    from tests.store.test_open_calls import a_program_with_a_call_open

    asked: list[dict] = []

    def reached(*args, **kwargs):
        asked.append(kwargs)
        return PlayedPhone()

    monkeypatch.setattr(callassist.phone, "open_phone", reached)
    app = CallAssistApp(lambda: Workspace.open(Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS), db_url, "en"), "en", "wang", clock=lambda: NOW, phone=BaresipSetting("127.0.0.1", 4444))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.phone is not None)
        [linking] = asked
        assert linking["hang_up_left_up"]()  # alone: what the phone holds is nobody's
        holder, _call_id = a_program_with_a_call_open(tmp_path, db_url)  # a second window opens a call
        try:
            assert not linking["hang_up_left_up"]()
        finally:
            holder.kill()
            holder.wait()
        assert linking["hang_up_left_up"]()  # gone (as kill -9 leaves it): alone again


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_what_the_phone_may_still_do_is_said_as_the_program_ends(capsys, locale):
    """Quitting (q, Ctrl+Q, SIGTERM) with a hang-up unconfirmed or a dial unanswered: one
    line each on the terminal, which stays once the screen has gone."""
    from types import SimpleNamespace

    from callassist.startup import say_phone_unsettled

    say_phone_unsettled(SimpleNamespace(hang_ups_owed={"b2", "a1"}, dial_in_doubt=True), locale)
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 2 and all(line.startswith("callassist: ") for line in said) and "a1, b2" in said[0]
    assert ("may still make it" if locale == "en" else "可能还会拨出去") in said[1]
    say_phone_unsettled(SimpleNamespace(hang_ups_owed=set(), dial_in_doubt=False), locale)
    assert capsys.readouterr().err == ""


class AnsweringPhone(PlayedPhone):
    """A phone that says it hung up as soon as it is asked, as baresip does."""

    def __init__(self) -> None:
        super().__init__()
        self.app: CallAssistApp | None = None

    def hang_up(self, call_id: str) -> None:
        super().hang_up(call_id)
        assert self.app is not None
        self.app.call_from_thread(self.app.line_reported, HungUp(call_id, NOW, by="us"))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
async def test_a_program_told_to_stop_mid_call_hangs_up_first_and_the_call_can_be_resumed(tmp_path, db_url, signum):
    """Found by the sixth attacker: SIGTERM, SIGINT or SIGHUP with the line up ended the
    program at once, the debtor left ringing (then answering, recorded, in no log). The
    line is hung up as x would, stored, and the program leaves with 128 + the signal; the
    call stays unfinished, to be resumed."""
    phone = AnsweringPhone()
    app = _app(tmp_path, db_url, lambda: NOW, phone)
    phone.app = app
    async with app.run_test(size=(80, 24)) as pilot:
        await call_a_shanghai_debtor(pilot)
        await press(pilot, "enter")
        await _report(pilot, Dialling("phone-1", NOW, phone.dialled[0]))
        await _report(pilot, Ringing("phone-1", NOW))
        app.leave_on_signal(signum)
        for _ in range(500):
            if app.return_code is not None:
                break
            await asyncio.sleep(0.01)
    assert app.return_code == 128 + signum and phone.hung_up == ["phone-1"]
    [(call, events)] = stored_calls(db_url)
    assert [e.kind for e in events][-2:] == ["phone_ringing", "phone_hung_up"] and call.ended_at is None


class SlowToAnswerDialPhone(AnsweringPhone):
    """A phone whose reply to the dial takes a while, its Dialling coming with it."""

    def dial(self, number: str, still_allowed=lambda: True) -> str:
        time.sleep(0.5)
        phone_call = super().dial(number, still_allowed)
        assert self.app is not None
        self.app.call_from_thread(self.app.line_reported, Dialling(phone_call, NOW, number))
        return phone_call


async def test_a_program_told_to_stop_while_the_phone_dials_waits_for_it_then_hangs_up(tmp_path, db_url):
    """Found by the seventh attacker: SIGTERM while baresip's reply to the dial was on its
    way left at once (no line up yet), and the debtor rang on, then answered, recorded, with
    no number in the log. The dial is waited for, its line hung up and stored."""
    phone = SlowToAnswerDialPhone()
    app = _app(tmp_path, db_url, lambda: NOW, phone)
    phone.app = app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        await pilot.press("enter")  # not settled: the phone is still dialling
        assert screen.dialling
        app.leave_on_signal(signal.SIGTERM)
        for _ in range(500):
            if app.return_code is not None:
                break
            await asyncio.sleep(0.01)
    assert app.return_code == 128 + signal.SIGTERM and phone.hung_up == ["phone-1"]
    [(call, events)] = stored_calls(db_url)
    assert [e.kind for e in events][-2:] == ["phone_dialling", "phone_hung_up"] and call.ended_at is None


@pytest.mark.parametrize("told", ["talking", "once they hung up"])
async def test_a_program_told_twice_to_stop_stores_the_recording_before_it_leaves(tmp_path, db_url, told):
    """Found by the seventh attacker: SIGTERM, then SIGTERM or SIGINT 50 ms later, during an
    answered call: the second left at once, the hang-up stored but not the recording, which
    lay in the data folder with no log naming it. Told again, it goes on as first told. The
    eighth: told once, 8 ms after the debtor hung up, it left as the recording was taken."""
    snd = tmp_path / "snd"
    _recording_pair(snd)
    settings = Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS, phone=f"baresip://127.0.0.1:4444?recordings={snd}")
    app = CallAssistApp(lambda: Workspace.open(settings, db_url, "en"), "en", "wang", clock=lambda: NOW, phone=settings.phone_setting, data_dir=tmp_path)
    app.phone = phone = PlayedPhone()
    async with app.run_test(size=(80, 24)) as pilot:
        await call_a_shanghai_debtor(pilot)
        await press(pilot, "enter")
        await _report(pilot, Dialling("phone-1", NOW, phone.dialled[0]))
        await _report(pilot, Answered("phone-1", NOW))
        if told == "talking":
            app.leave_on_signal(signal.SIGTERM)
            await until(pilot, lambda: phone.hung_up == ["phone-1"])
        app.line_reported(HungUp("phone-1", NOW, by="us" if told == "talking" else "them"))  # the recording is being taken now
        app.leave_on_signal(signal.SIGTERM if told != "talking" else signal.SIGINT)
        for _ in range(500):
            if app.return_code is not None:
                break
            await asyncio.sleep(0.01)
    assert app.return_code == 128 + signal.SIGTERM
    [(call, events)] = stored_calls(db_url)
    assert [e.kind for e in events][-2:] == ["phone_hung_up", "recording_attached"] and call.ended_at is None
