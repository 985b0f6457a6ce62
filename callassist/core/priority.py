"""Which account to call first: a score from lateness, size and broken promises."""

from __future__ import annotations

import math
from decimal import Decimal


def priority_score(days_past_due: int, balance: Decimal, broken_promises: int) -> float:
    """Higher is more urgent: the earlier a debt is chased the more is recovered, large
    balances matter more (logarithmically), and a broken promise calls for a prompt follow-up."""
    lateness = min(days_past_due, 365) / 365 * 50
    size = math.log10(max(float(balance), 1.0)) * 6
    broken = min(broken_promises, 3) * 12
    return round(lateness + size + broken, 3)
