"""Every file and folder the program makes is its user's alone (0600 / 0700) when it is
made, whatever the umask; what an older version left readable is tightened when opened.
Modes are read from the disk, after real processes."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from callassist.core.call import Event
from callassist.core.checkpoints import Checkpoint, append, load_key, make_key, sign
from callassist.store.drafts import Drafts
from callassist.store.outbox import Batch, Outbox


def run(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"CALLASSIST_DATA_DIR": str(data), "CALLASSIST_COLLECTOR": "wang"}
    return subprocess.run(
        [sys.executable, "-m", "callassist", *args], env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, preexec_fn=lambda: os.umask(0o022)
    )  # a usual login's umask: files 0644 unless the program says otherwise


def readable_by_others(root: Path) -> list[str]:
    found = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            found.append(f"{path.relative_to(root.parent)} {mode:o}")
    return found


def test_what_the_program_makes_is_private_from_the_first_byte(tmp_path):
    data = tmp_path / "data"
    made = run(data, "demo", "--no-open")
    assert made.returncode == 0, made.stderr
    signed = run(data, "--role", "supervisor", "--db", f"sqlite:///{data / 'demo.db'}", "audit", "keygen")
    assert signed.returncode == 0, signed.stderr
    assert run(data, "--role", "supervisor", "--db", f"sqlite:///{data / 'demo.db'}", "audit", "checkpoint").returncode == 0
    assert {path.name for path in data.rglob("*")} >= {"demo.db", "audit", "signing-key.pem", "signing-key.pem.pub"}
    assert readable_by_others(data) == []
    old = os.umask(0o022)
    try:  # SQLite's journal files, while a program has the database open, take the file's mode
        with sqlite3.connect(data / "demo.db") as live:
            live.execute("PRAGMA journal_mode=WAL")
            live.execute("INSERT INTO storesetting (name, value) VALUES ('probe', 'x')")
            live.commit()
            assert (data / "demo.db-wal").exists() and readable_by_others(data) == []
    finally:
        os.umask(old)


def test_drafts_outbox_and_checkpoints_are_private_under_any_umask(tmp_path):
    old = os.umask(0o022)
    try:
        drafts = Drafts(tmp_path / "drafts")
        drafts.keep("c1", "note", {"text": "call back at five"})
        drafts.write("c1", "note")
        Outbox(tmp_path / "outbox").add("c1", Batch(0, [Event("note_added", {"text": "x"}, datetime.now(UTC))]))
        make_key(tmp_path / "audit" / "key.pem")
        head = Checkpoint(log="x", number=1, size=0, root="00" * 32, time="2026-12-03T09:00:00+00:00", by="zhou", key="")
        append(tmp_path / "signed" / "log.checkpoints.jsonl", sign(load_key(tmp_path / "audit" / "key.pem"), head))
    finally:
        os.umask(old)
    assert readable_by_others(tmp_path) == []


def test_an_older_readable_demo_is_tightened_when_opened(tmp_path, demo_copy):
    data = tmp_path / "data"
    data.mkdir()
    demo_copy(data / "demo.db")  # the demo an older version made, and left readable:
    for path in (data, data / "demo.db"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert readable_by_others(data)
    again = run(data, "demo", "--no-open")
    assert again.returncode == 0 and "already there" in again.stdout
    assert readable_by_others(data) == []
