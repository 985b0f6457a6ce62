"""A whole call dialled from the call screen through a real baresip (conftest.py): Enter
dials the debtor's softphone, its answer offers the next step, the debtor hangs up and the
end form opens; the call's log holds what the line reported, in order, with baresip's call
id. Then the collector's phone dies, or freezes, mid-call: the screen says so and the call is
finished by hand, nothing lost."""

from __future__ import annotations

import asyncio
import os
import signal
import time

from sqlmodel import update
from textual.widgets import Input, Select
from typer.testing import CliRunner

from callassist.cli import app as cli
from callassist.core.phone import BaresipSetting, line_event_of, talk_time
from callassist.phone.baresip import HEARTBEAT, REPLY_TIMEOUT
from callassist.phone.recording import file_digest
from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.store import db
from callassist.store.models import Contact
from callassist.tui.app import CallAssistApp
from callassist.tui.screens.disposition import DispositionScreen
from callassist.tui.screens.worklist import WorklistScreen
from tests.conftest import NOW, OBJECTIONS, SCRIPTS
from tests.phone.conftest import run
from tests.tui.conftest import call_a_shanghai_debtor, press, settle, stored_calls, until, with_demo_ledger


def _ledger_calling(tmp_path, uri: str) -> str:
    """The demo ledger with every contact's number the debtor's softphone."""
    url = with_demo_ledger(f"sqlite:///{tmp_path / 'store.db'}")
    engine = db.make_engine(url)
    with db.session(engine) as session:
        session.exec(update(Contact).values(phone=uri))  # type: ignore[call-overload]
        session.commit()
    engine.dispose()
    return url


def _app(tmp_path, url: str, setting) -> CallAssistApp:
    settings = Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)
    return CallAssistApp(lambda: Workspace.open(settings, url, "en"), "en", "wang", clock=lambda: NOW, phone=setting, data_dir=tmp_path)


async def _end(pilot, disposition: str, note: str) -> None:
    await settle(pilot)  # a form the hang-up opened is drawn before it is filled in
    if not isinstance(pilot.app.screen, DispositionScreen):
        await press(pilot, "x")
    pilot.app.screen.query_one("#disposition", Select).value = disposition
    pilot.app.screen.query_one("#note", Input).value = note
    await press(pilot, "ctrl+s")
    assert isinstance(pilot.app.screen, WorklistScreen), [str(w.render()) for w in pilot.app.screen.query("Static") if w.display]


async def test_a_whole_call_dialled_through_baresip_and_recorded(tmp_path, collector, debtor, monkeypatch):
    url = _ledger_calling(tmp_path, debtor.uri)
    app = _app(tmp_path, url, BaresipSetting("127.0.0.1", collector.ctrl_port, str(collector.recordings)))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        await until(pilot, lambda: app.phone is not None)  # reached at start
        await press(pilot, "enter")
        await until(pilot, lambda: screen.call.state == "reach_party")  # the debtor's phone answered
        await press(pilot, "r", "y")
        await asyncio.sleep(2.0)
        debtor.command("hangup")
        await until(pilot, lambda: isinstance(app.screen, DispositionScreen))
        await _end(pilot, "refused", "hung up after hearing who called")
    [(call, events)] = stored_calls(url)
    line = [line_event_of(e) for e in events if e.kind.startswith("phone_")]
    kinds = [event.kind for event in line if event is not None]
    assert kinds[0] == "dialling" and "answered" in kinds and kinds[-1] == "hung_up", kinds
    assert line[-1].by == "them" and len({event.call_id for event in line}) == 1  # baresip's own call id
    assert line[0].number == debtor.uri and call.disposition == "refused"
    assert "Active calls (0)" in debtor.command("listcalls")
    # The recording: in the log before the end, in the data folder, private, as long as the talk.
    kinds = [e.kind for e in events]
    attached = events[kinds.index("recording_attached")]
    assert kinds.index("recording_attached") < kinds.index("call_ended") and attached.payload["phone_call_id"] == line[0].call_id
    kept = tmp_path / attached.payload["file"]
    assert kept.parent == tmp_path / "recordings" and kept.stat().st_mode & 0o077 == 0
    assert file_digest(kept) == attached.payload["sha256"]
    talked = talk_time([event for event in line if event is not None], now=NOW).total_seconds()
    measured = float(run("soxi", "-D", kept))
    assert abs(measured - talked) < 1.0 and abs(measured - attached.payload["seconds"]) < 0.01, (measured, talked)
    assert run("soxi", "-c", kept).strip() == "2" and not list(collector.recordings.glob("dump-*.wav"))  # moved, not copied
    # The replay says where each event falls in the recording and plays it from there.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aplay").write_text(f'#!/bin/sh\nfor last; do :; done\n/bin/cp "$last" {tmp_path / "played.wav"}\n')
    (bin_dir / "aplay").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    replay = CallAssistApp(lambda: Workspace.open(Settings(data_dir=tmp_path, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS), url, "en"), "en", "wang", replay=call.id, data_dir=tmp_path)
    async with replay.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: bool(getattr(replay.screen, "shown", None)))
        await settle(pilot)  # the timeline's first highlight, posted as it filled, comes before the jump below
        hung_up = next(index for index, frame in enumerate(replay.screen.shown) if frame.kind == "phone_hung_up")
        replay.screen.show(hung_up)
        await settle(pilot)
        assert "recording 00:0" in str(replay.screen.query_one("#replay-status").render())
        await press(pilot, "p")
        await until(pilot, lambda: (tmp_path / "played.wav").exists())
    monkeypatch.undo()
    # export recordings copies them out, private, with a list; a trainer may not hear them.
    out = tmp_path.with_name(f"{tmp_path.name}-out")  # out of the data folder
    exported = CliRunner().invoke(cli, ["--db", url, "--collector", "wang", "export", "recordings", "--out", str(out)], env={"CALLASSIST_DATA_DIR": str(tmp_path)})
    assert exported.exit_code == 0 and exported.stdout.splitlines()[1].startswith(f"{call.id},{call.id}.wav,{attached.payload['sha256']},") and exported.stdout.rstrip().endswith(",True,True"), exported.output
    assert file_digest(out / f"{call.id}.wav") == attached.payload["sha256"] and out.stat().st_mode & 0o077 == 0
    trainer = CliRunner().invoke(cli, ["--db", url, "--role", "trainer", "export", "recordings", "--out", str(out.with_name("t"))], env={"CALLASSIST_DATA_DIR": str(tmp_path)})
    assert trainer.exit_code == 2 and "may not hear the debtors' voices" in trainer.output and not out.with_name("t").exists()
    # audit verify reads the recording against its hash: intact, then changed, then elsewhere.
    verify = lambda: CliRunner().invoke(cli, ["--db", url, "--collector", "wang", "audit", "verify"], env={"CALLASSIST_DATA_DIR": str(tmp_path)})  # noqa: E731
    intact = verify()
    assert intact.exit_code == 0 and f"ok      {call.id}: its recording {attached.payload['file']} is as it was recorded" in intact.stdout, intact.output
    with kept.open("r+b") as file:
        file.seek(100)
        file.write(b"\x7f")
    changed = verify()
    assert changed.exit_code == 1 and f"BROKEN  {call.id}: its recording {attached.payload['file']} is not what was recorded" in changed.stdout
    kept.unlink()
    elsewhere = verify()
    assert elsewhere.exit_code == 0 and f"absent  {call.id}: its recording" in elsewhere.stdout
    # Found by the third attacker: a directory or a pipe put in its place read as absent.
    kept.mkdir()
    put_in_place = verify()
    assert put_in_place.exit_code == 1 and f"BROKEN  {call.id}: its recording {attached.payload['file']} is not a file" in put_in_place.stdout, put_in_place.output
    kept.rmdir()
    os.mkfifo(kept)
    put_in_place = verify()
    assert put_in_place.exit_code == 1 and f"BROKEN  {call.id}: its recording {attached.payload['file']} is not a file" in put_in_place.stdout, put_in_place.output
    kept.unlink()
    kept.symlink_to(kept)  # the fourth attacker: a link to itself ended the check in a traceback
    put_in_place = verify()
    assert put_in_place.exit_code == 1 and f"BROKEN  {call.id}: the recording it names, {attached.payload['file']}, leads outside" in put_in_place.stdout, put_in_place.output


async def test_the_phone_dies_mid_call_and_the_call_is_finished_by_hand(tmp_path, collector, debtor):
    url = _ledger_calling(tmp_path, debtor.uri)
    app = _app(tmp_path, url, collector.setting)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        await until(pilot, lambda: app.phone is not None)
        await press(pilot, "enter")
        await until(pilot, lambda: screen.call.state == "reach_party")
        collector.process.kill()
        await until(pilot, lambda: screen.call.line.end is not None)
        await settle(pilot)  # the lost line stored: a key while a change is stored is refused
        assert "The phone stopped answering" in str(screen.query_one("#line").render())
        assert app.screen is screen and app.phone is None
        await press(pilot, "r", "y")  # by hand
        assert screen.call.state == "purpose"
        await _end(pilot, "refused", "line dropped after they refused to talk")
    [(call, events)] = stored_calls(url)
    assert [e.kind for e in events if e.kind.startswith("phone_")][-1] == "phone_line_lost"
    assert call.ended_at is not None and call.disposition == "refused"


async def test_the_phone_freezes_mid_call_and_the_line_is_lost_within_the_bound(tmp_path, collector, debtor):
    url = _ledger_calling(tmp_path, debtor.uri)
    app = _app(tmp_path, url, collector.setting)
    bound = HEARTBEAT + REPLY_TIMEOUT + 1  # silence, then the unanswered question, then a read slice and the screen
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await call_a_shanghai_debtor(pilot)
        await until(pilot, lambda: app.phone is not None)
        await press(pilot, "enter")
        await until(pilot, lambda: screen.call.state == "reach_party")
        os.kill(collector.process.pid, signal.SIGSTOP)  # the connection stays open; nothing answers
        try:
            frozen = time.monotonic()
            await until(pilot, lambda: screen.call.line.end is not None, seconds=bound)
            assert time.monotonic() - frozen < bound
            await settle(pilot)
            shown = str(screen.query_one("#line").render())
            assert "The phone stopped answering" in shown and "did not answer" in shown, shown
            assert app.screen is screen and app.phone is None
            await press(pilot, "r", "y")  # by hand
            assert screen.call.state == "purpose"
            await _end(pilot, "refused", "line froze after they refused to talk")
        finally:
            os.kill(collector.process.pid, signal.SIGCONT)
    [(call, events)] = stored_calls(url)
    line = [event for e in events if (event := line_event_of(e)) is not None]
    assert [event.kind for event in line] == ["dialling", "ringing", "answered", "line_lost"]
    assert f"({line[-1].reason})" in shown  # what the screen said is what the log keeps
    assert call.ended_at is not None and call.disposition == "refused"
