"""No phone: the collector dials by hand, as without callassist. Nothing is sent and no line
events come; a dialled number is still checked, so what the screen logs is dialable."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from callassist.core.phone import DialStopped, dial_target


class NoPhone:
    """The `none` setting."""

    reports_line = False
    left_up = 0  # it cannot see calls it did not make

    def dial(self, number: str, still_allowed: Callable[[], bool] = lambda: True) -> str:
        """A fresh id for the call the collector makes by hand (no phone names it)."""
        dial_target(number)
        if not still_allowed():
            raise DialStopped("the account no longer allows this call")
        return f"manual-{uuid.uuid4().hex[:12]}"

    def hang_up(self, call_id: str) -> None:
        """The collector hangs up their own phone."""

    def close(self) -> None:
        """Nothing to let go of."""
