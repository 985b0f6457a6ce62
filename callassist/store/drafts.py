"""Drafts of what a collector is typing (a note, a promise, an outcome), kept on disk.

A form is not an event until it is saved; until then its fields are written here on
every change, so a crash or a killed terminal does not lose what was typed. Saves may
come from several worker threads at once: writes are serialised and the newest wins.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path


# The form whose draft an event makes obsolete.
DRAFTED_BY = {"note_added": "note", "promise_captured": "promise", "call_ended": "disposition", "compliance_override": "override"}


class Drafts:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._latest: dict[Path, dict] = {}
        self._latest_lock = threading.Lock()
        self._write_lock = threading.Lock()

    def _path(self, call_id: str, form: str) -> Path:
        return self.directory / f"{call_id}.{form}.json"

    def save(self, call_id: str, form: str, fields: dict[str, str]) -> None:
        path = self._path(call_id, form)
        with self._latest_lock:
            self._latest[path] = fields
        with self._write_lock:
            with self._latest_lock:
                newest = self._latest.pop(path, None)
            if newest is None:  # a later save already wrote it
                return
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(newest, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)

    def load(self, call_id: str, form: str) -> dict[str, str] | None:
        try:
            return json.loads(self._path(call_id, form).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def discard(self, call_id: str, form: str) -> None:
        path = self._path(call_id, form)
        with self._write_lock:
            with self._latest_lock:
                self._latest.pop(path, None)
            path.unlink(missing_ok=True)

    def load_all(self, call_id: str) -> dict[str, dict[str, str]]:
        """Every draft kept for a call, by form."""
        forms = sorted(p.name.split(".")[1] for p in self.directory.glob(f"{call_id}.*.json"))
        return {form: draft for form in forms if (draft := self.load(call_id, form)) is not None}
