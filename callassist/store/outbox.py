"""Events kept on this computer while the database is out of reach, sent in order later.

When a commit fails because the connection is lost, the call goes on: its events are
appended to a file of the call's own here, written through to the disk (fsync) before
the screen moves on, exactly as a commit would be. Each batch carries the sequence
number it follows, so sending is idempotent: a batch the database took before the
connection dropped (its answer lost on the way) is recognised and not stored twice.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from callassist.core.call import Event
from callassist.core.private import open_private, private_dir


@dataclass(frozen=True)
class Batch:
    """Events of one change, to be stored after the call's event `after_seq`."""

    after_seq: int
    events: list[Event]


class OutboxError(ValueError):
    """An outbox file that cannot be read back: which, where, and why."""


class Outbox:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def _path(self, call_id: str) -> Path:
        return self.directory / f"{call_id}.jsonl"

    def add(self, call_id: str, batch: Batch) -> None:
        """Append a batch, durably, behind whatever the call already has waiting."""
        with self._lock:
            new = not self.directory.exists()
            private_dir(self.directory)
            path = self._path(call_id)
            created = not path.exists()
            with os.fdopen(open_private(path, os.O_WRONLY | os.O_APPEND), "a", encoding="utf-8") as handle:
                handle.write(_line(batch))
                handle.flush()
                os.fsync(handle.fileno())
            if created or new:
                _sync_directory(self.directory)

    def has(self, call_id: str) -> bool:
        return self._path(call_id).exists()

    def calls(self) -> list[str]:
        """The calls with events waiting, the longest waiting first."""
        if not self.directory.exists():
            return []
        files = sorted(self.directory.glob("*.jsonl"), key=lambda path: path.stat().st_mtime)
        return [path.stem for path in files]

    def batches(self, call_id: str) -> list[Batch]:
        """A call's waiting batches, in order. A line cut short by a crash while it was
        being written was never shown as stored, and is left out."""
        path = self._path(call_id)
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except FileNotFoundError:
            return []
        batches: list[Batch] = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                batches.append(Batch(raw["after_seq"], [Event(e["kind"], e["payload"], datetime.fromisoformat(e["at"])) for e in raw["events"]]))
            except (ValueError, KeyError, TypeError) as exc:
                if number == len(lines):
                    break  # no newline after it: the last line, cut short
                raise OutboxError(f"{path}:{number}: not a batch of events ({exc}); move the file aside to go on") from exc
        return batches

    def waiting(self) -> int:
        """How many events wait, over every call."""
        return sum(len(batch.events) for call_id in self.calls() for batch in self.batches(call_id))

    def sent(self, call_id: str, count: int) -> None:
        """The call's first `count` batches are stored: they are dropped from the file."""
        with self._lock:
            rest = self.batches(call_id)[count:]
            path = self._path(call_id)
            if not rest:
                path.unlink(missing_ok=True)
            else:
                temporary = path.with_suffix(".tmp")
                with os.fdopen(open_private(temporary, os.O_WRONLY | os.O_TRUNC), "w", encoding="utf-8") as handle:
                    for batch in rest:
                        handle.write(_line(batch))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, path)
            _sync_directory(self.directory)


def _line(batch: Batch) -> str:
    return json.dumps({"after_seq": batch.after_seq, "events": [{"kind": e.kind, "payload": e.payload, "at": e.at.isoformat()} for e in batch.events]}, ensure_ascii=False) + "\n"


def _sync_directory(directory: Path) -> None:
    """A file created, renamed or removed is durable only once its folder is written."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
