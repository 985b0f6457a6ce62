"""No phone: the collector dials by hand, as without callassist. Nothing is sent and no line
events come; a dialled number is still checked, so what the screen logs is dialable."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from callassist.core.phone import DialStopped, dial_target


class PhoneWithoutLine:
    """What a phone that reports nothing of its line says: no line events, no call left up
    that it could see, no dial in doubt (a dial is done once `dial` returns)."""

    reports_line = False
    dial_in_doubt = False

    def reach(self) -> None:
        """Nothing to link to again."""

    def hung_up_left_up(self) -> int:
        return 0


class NoPhone(PhoneWithoutLine):
    """The `none` setting."""

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
