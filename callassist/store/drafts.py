"""Drafts of what a collector is typing (a note, a promise, an outcome), kept on disk.

A form is not an event until it is saved; until then its fields are written here on
every change, so a crash or a killed terminal does not lose what was typed: masked as the
stored note will be (no card number or security code in clear), private to the user, and
gone once the form is saved or closed, and at the end of the call. Writes may come from
several worker threads at once: they are serialised and the newest wins.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, TypeVar, cast

from callassist.core.private import open_private, private_dir
from callassist.core.redact import redact_partial

Typed = TypeVar("Typed")


def masked(value: Typed) -> Typed:
    """A draft's fields with card numbers and security codes masked, as a stored note
    would have them: nothing typed reaches the disk in clear."""
    if isinstance(value, str):
        return cast(Typed, redact_partial(value))
    if isinstance(value, dict):
        return cast(Typed, {key: masked(item) for key, item in cast(dict[object, object], value).items()})
    if isinstance(value, list):
        return cast(Typed, [masked(item) for item in cast(list[object], value)])
    return value


class Drafts:
    """A call's drafts, one file a form (`<call>.<form>.json`). `keep` is called on the
    screen's thread as the collector types, in order; `write` (on a worker) puts the newest
    on disk; `forget` (the screen's thread) and `discard` take a form's away, so a write
    still queued after a form was closed finds nothing to write."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._latest: dict[Path, dict[str, Any]] = {}
        self._latest_lock = threading.Lock()
        self._write_lock = threading.Lock()

    def _path(self, call_id: str, form: str) -> Path:
        return self.directory / f"{call_id}.{form}.json"

    def keep(self, call_id: str, form: str, fields: dict[str, Any]) -> None:
        """The form's newest fields, masked, to be written."""
        fields = masked(fields)
        with self._latest_lock:
            self._latest[self._path(call_id, form)] = fields

    def write(self, call_id: str, form: str) -> None:
        """Put the form's newest fields on disk, written through (nothing, if a later write
        or a discard came first)."""
        path = self._path(call_id, form)
        with self._write_lock:
            with self._latest_lock:
                newest = self._latest.pop(path, None)
            if newest is None:
                return
            private_dir(self.directory)
            temporary = path.with_suffix(".tmp")
            with os.fdopen(open_private(temporary, os.O_WRONLY | os.O_TRUNC), "w", encoding="utf-8") as handle:
                json.dump(newest, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)

    def load(self, call_id: str, form: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._path(call_id, form).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def forget(self, call_id: str, form: str) -> None:
        """Nothing more of this form is to be written (its draft file goes with discard)."""
        with self._latest_lock:
            self._latest.pop(self._path(call_id, form), None)

    def discard(self, call_id: str, form: str) -> None:
        path = self._path(call_id, form)
        self.forget(call_id, form)
        with self._write_lock:
            path.unlink(missing_ok=True)

    def discard_all(self, call_id: str) -> None:
        """Every draft of a call, at its end: what was typed and never saved goes with it."""
        for path in self.directory.glob(f"{call_id}.*.json"):
            self.discard(call_id, path.name.split(".")[1])

    def load_all(self, call_id: str) -> dict[str, dict[str, Any]]:
        """Every draft kept for a call, by form."""
        forms = sorted(p.name.split(".")[1] for p in self.directory.glob(f"{call_id}.*.json"))
        return {form: draft for form in forms if (draft := self.load(call_id, form)) is not None}
