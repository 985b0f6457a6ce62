"""The real program on a pseudo-terminal, killed with SIGKILL mid-call, then started again:
every step that was on screen is stored, the half-typed note survives, the call resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from callassist.devtools.bench import Terminal
from callassist.store import db, queries
from tests.tui.conftest import stored_calls


def _start(db_url: str, data_dir) -> Terminal:
    env = dict(os.environ, TERM="xterm-256color", CALLASSIST_DATA_DIR=str(data_dir), LANG="en_US.UTF-8")
    argv = [sys.executable, "-m", "callassist", "--db", db_url, "--collector", "wang", "--locale", "en"]
    return Terminal(argv, env, size=(120, 40))


def _reach_the_right_person(terminal: Terminal) -> None:
    """The best call opened and its first choice made: the call is at its second step."""
    terminal.wait_for("best call first")
    terminal.send("\r")
    terminal.wait_for("Someone answered")
    terminal.send("d")
    terminal.wait_for("Right person confirmed")


def test_sigkill_mid_call_loses_nothing(db_url, settings):
    """Killed, started again, the call resumed; then told to stop (the fifth attacker's
    SIGTERM: the program ended at once, the terminal left in its raw, alternate screen,
    what the phone still owed unsaid): it leaves as `q` would, with 128 + the signal."""
    terminal = _start(db_url, settings.data_dir)
    try:
        _reach_the_right_person(terminal)
        for key, next_choice in (("r", "Yes, can talk now"), ("y", "Purpose and amount stated")):
            terminal.send(key)
            terminal.wait_for(next_choice)
        terminal.send("n")
        terminal.wait_for("What the debtor said")
        terminal.send("wants the statement first")
        terminal.wait_for("statement first")
        time.sleep(0.5)  # the draft is written by a worker a moment after the keystroke
    finally:
        terminal.close()  # SIGKILL: no clean-up of any kind

    [(call, events)] = stored_calls(db_url)
    assert call.ended_at is None and call.state == "purpose"
    assert [e.payload["state"] for e in events if e.kind == "step_entered"] == ["prepare", "reach_party", "good_time", "purpose"]
    engine = db.make_engine(db_url)
    with db.session(engine) as session:
        assert queries.verify_call(call.id, session=session) is None
    engine.dispose()

    terminal = _start(db_url, settings.data_dir)
    try:
        terminal.wait_for("Unfinished call")
        terminal.send("y")
        terminal.wait_for("Purpose and amount stated")
        terminal.send("n")
        terminal.wait_for("wants the statement first")
        # Told to stop, its terminal still there (SIGHUP from `kill`, the ninth attacker's,
        # not a closed window): the terminal is given back, as q gives it back.
        terminal.process.send_signal(signal.SIGHUP)
        terminal.wait_for("\x1b[?1049l", timeout=15)  # the terminal's own screen back
        try:
            assert terminal.process.wait(timeout=15) == 128 + signal.SIGHUP
        except subprocess.TimeoutExpired:
            raise AssertionError("the program is still running after SIGTERM") from None
    finally:
        terminal.close()
    [(call, events)] = stored_calls(db_url)
    assert [e.kind for e in events].count("call_resumed") == 1 and call.ended_at is None and call.state == "purpose"


def test_a_program_whose_terminal_goes_away_leaves_and_loses_nothing(db_url, settings):
    """The window closed or the connection dropped mid-call (the terminal's other end
    gone, no signal sent): the program used to stay, waiting for keys at a fifth of a core."""
    terminal = _start(db_url, settings.data_dir)
    try:
        _reach_the_right_person(terminal)
        os.close(terminal.master)
        terminal.master = os.open(os.devnull, os.O_RDONLY)  # what close() closes
        try:
            assert terminal.process.wait(timeout=15) == 128 + signal.SIGHUP  # as if told: its terminal hung up
        except subprocess.TimeoutExpired:
            raise AssertionError("the program is still running without its terminal") from None
    finally:
        terminal.close()
    [(call, events)] = stored_calls(db_url)
    assert call.ended_at is None and [e.payload["state"] for e in events if e.kind == "step_entered"] == ["prepare", "reach_party"]
