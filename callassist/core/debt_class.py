"""The five debt classes of DOMAIN.md, from how late the oldest invoice is.

Kept apart from the account snapshot: the worklist's first paint needs only this.
"""

from __future__ import annotations

# Days past due at which an account moves into the next of the five classes.
CLASS_THRESHOLDS = ((0, "current"), (90, "collection"), (180, "watch"), (365, "doubtful"))


def debt_class(days_past_due: int) -> str:
    """One of the five classes, from how late the oldest invoice is."""
    for limit, name in CLASS_THRESHOLDS:
        if days_past_due <= limit:
            return name
    return "write_off"
