"""A call open in one program is never taken over by another: a second window on the same
desk is told the call is open there; a program on another desk waits until the call's hold
lapses; a program that died (kill -9) leaves its call to be resumed at once. Real second
processes, on SQLite and on PostgreSQL (a collector's own login)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from callassist.core.call import utc_now
from callassist.core.errors import CallOpen
from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.store.claims import LEASE
from tests.conftest import OBJECTIONS, SCRIPTS
from tests.tui.conftest import as_team_login, with_demo_ledger

HOLDER = """
import sys
from pathlib import Path
from callassist.settings import Settings
from callassist.services.workspace import Workspace
settings = Settings(data_dir=Path(sys.argv[1]), collector="wang", scripts_dir=Path(sys.argv[3]), objections_dir=Path(sys.argv[4]))
workspace = Workspace.open(settings, sys.argv[2], "en")
print(workspace.calls.begin_next_call().call_id, flush=True)
sys.stdin.read()  # the call stays on screen until the test says
"""


def a_program_with_a_call_open(desk: Path, url: str) -> tuple[subprocess.Popen, str]:
    program = subprocess.Popen([sys.executable, "-c", HOLDER, str(desk), url, str(SCRIPTS), str(OBJECTIONS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    call_id = program.stdout.readline().strip()
    assert call_id, "the holder did not open a call"
    return program, call_id


def desk_workspace(desk: Path, url: str) -> Workspace:
    return Workspace.open(Settings(data_dir=desk, collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS), url, "en")


def test_a_live_call_is_not_taken_over_by_another_program(store_url, tmp_path):
    url = with_demo_ledger(store_url)
    if make_url(url).get_backend_name() == "postgresql":
        url = as_team_login(url, "wang")
    desk, elsewhere = tmp_path / "desk", tmp_path / "other-desk"
    first, call_id = a_program_with_a_call_open(desk, url)
    try:
        second = desk_workspace(desk, url)
        assert call_id in [call.call_id for call in second.calls.unfinished()]
        found = second.calls.open_elsewhere(call_id)
        assert found is not None and found.same_desk
        with pytest.raises(CallOpen, match="in another window on this computer"):
            second.calls.resume_call(call_id)
    finally:
        first.kill()  # as kill -9 would: its lock goes with it
        first.wait()
    assert second.calls.open_elsewhere(call_id) is None
    assert second.calls.resume_call(call_id).call_id == call_id  # at once, not after the hold's lease

    third, far_call = a_program_with_a_call_open(elsewhere, url)
    try:
        found = second.calls.open_elsewhere(far_call)
        assert found is not None and not found.same_desk and found.holder == "wang" and found.until > utc_now()
        with pytest.raises(CallOpen, match="by wang on another computer until"):
            second.calls.resume_call(far_call)
        second.clock = lambda: utc_now() + LEASE + timedelta(minutes=1)  # the far program gone silent that long
        assert second.calls.open_elsewhere(far_call) is None
        assert second.calls.resume_call(far_call).call_id == far_call
    finally:
        third.kill()
        third.wait()
    second.engine.dispose()
