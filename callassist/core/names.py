"""What a person's user name may be: their login, their name in callassist and in the
ledger's files. Letters (any script), digits, '.', '@', '_' or '-', and not beginning
with a character a spreadsheet would read as the start of a formula."""

from __future__ import annotations

import re
from functools import lru_cache

USER_NAME = re.compile(r"\w[\w.@-]{0,63}")  # the whole name (fullmatch: "$" would let a final newline through)
# The team's shared queue: the collector an accounts file names for accounts any collector
# of the team may take (a name no login can have).
TEAM_POOL = "@team"


@lru_cache(maxsize=None)  # an accounts file names the same few collectors on every row
def user_name_problem(name: str) -> str | None:
    """What is wrong with a user name, or None."""
    return None if USER_NAME.fullmatch(name) else f"{name!r}: a user name of up to 64 letters, digits, '.', '@', '_' or '-', beginning with a letter, digit or '_'"
