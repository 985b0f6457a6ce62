"""One entry of a call's log: what happened, its details, and when (timezone-aware). Its own
module so that what the phone reports (core/phone.py) and the call (core/call.py) can both
make them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    kind: str
    payload: dict[str, Any]
    at: datetime
