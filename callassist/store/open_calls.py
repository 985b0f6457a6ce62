"""Which calls a program on this desk has open, so that a second window never takes over a
live call.

Each open call has a file `<call>.lock` in the data folder's `open/`, locked (flock) by the
program that shows the call, for as long as it does. The system lets go of a lock when its
program dies, however it dies: a call whose file is there and unlocked was left by a
program of this desk that is gone (a crash, kill -9), and may be taken up at once. A call
held by a program on another desk leaves no file here; its account's hold in the database
(store/claims.py) says it is open until the hold lapses.
"""

from __future__ import annotations

import fcntl
import os
from enum import Enum
from pathlib import Path

from callassist.core.private import open_private, private_dir


class Here(Enum):
    """What this desk knew of a call when a program asked to hold it."""

    OPEN = "open"  # another program on this desk has it on screen: not held
    LEFT = "left"  # held now; a program on this desk had it open and is gone
    UNKNOWN = "unknown"  # held now; no program on this desk had it open


class OpenCalls:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._held: dict[str, int] = {}  # the calls this program holds: their locked files

    def _path(self, call_id: str) -> Path:
        return self.directory / f"{call_id}.lock"

    def hold(self, call_id: str) -> Here:
        """Lock the call for this program, unless another program of this desk has it."""
        if call_id in self._held:
            return Here.UNKNOWN
        private_dir(self.directory)
        path = self._path(call_id)
        existed = path.exists()
        descriptor = open_private(path, os.O_RDWR)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return Here.OPEN
        self._held[call_id] = descriptor
        return Here.LEFT if existed else Here.UNKNOWN

    def peek(self, call_id: str) -> Here:
        """What this desk knows of the call, without holding it."""
        if call_id in self._held:
            return Here.UNKNOWN
        try:
            descriptor = os.open(self._path(call_id), os.O_RDONLY)
        except FileNotFoundError:
            return Here.UNKNOWN
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return Here.OPEN
        finally:
            os.close(descriptor)
        return Here.LEFT

    def any_open_elsewhere(self) -> bool:
        """Whether another program of this desk has a call on screen (its phone calls may be
        that call's)."""
        try:
            names = [path.name.removesuffix(".lock") for path in self.directory.glob("*.lock")]
        except OSError:
            return False
        return any(self.peek(call_id) is Here.OPEN for call_id in names)

    def release(self, call_id: str) -> None:
        """The call is no longer on screen here (ended, or given up)."""
        descriptor = self._held.pop(call_id, None)
        if descriptor is None:
            return
        self._path(call_id).unlink(missing_ok=True)
        os.close(descriptor)  # closing lets go of the lock

    def close(self) -> None:
        """This program stops with calls unfinished: they are let go as a program that died
        lets go of them (files left, unlocked), so the next program resumes them at once."""
        for descriptor in self._held.values():
            os.close(descriptor)
        self._held.clear()
