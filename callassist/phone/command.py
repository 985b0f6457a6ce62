"""A program that dials, e.g. `command:xdg-open tel:{number}` to hand the number to the
desktop's softphone. The program is started with the number in place of {number}, as one
argument and never through a shell, and left to run; no line events come."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable

from callassist.core.phone import CommandSetting, DialStopped, PhoneError, dial_target
from callassist.phone.none import PhoneWithoutLine


class CommandPhone(PhoneWithoutLine):
    """The `command:` setting."""

    def __init__(self, setting: CommandSetting) -> None:
        self._setting = setting
        self._started: list[subprocess.Popen[bytes]] = []

    def dial(self, number: str, still_allowed: Callable[[], bool] = lambda: True) -> str:
        """Starts the program for the checked number; PhoneError when it cannot start."""
        command = self._setting.command_for(dial_target(number))
        if not still_allowed():
            raise DialStopped("the account no longer allows this call")
        self._reap()
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        except OSError as error:
            raise PhoneError(f"the phone command {command[0]!r} could not start: {error.strerror or error}") from None
        self._started.append(process)
        return f"command-{process.pid}-{uuid.uuid4().hex[:8]}"

    def hang_up(self, call_id: str) -> None:
        """The softphone the program handed the number to hangs up by itself."""

    def close(self) -> None:
        """Collects the programs that have finished; the others go on (a softphone may)."""
        self._reap()

    def _reap(self) -> None:
        self._started = [process for process in self._started if process.poll() is None]
