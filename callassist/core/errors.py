"""The errors storing raises: declared in the core, so that the screens and the commands
catch them without importing the store or a database library."""

from __future__ import annotations

from datetime import datetime


class StoreError(Exception):
    """Storing failed (database unreachable, disk full, locked too long); the text says why."""


class AccessDenied(StoreError):
    """The role in use may not read these records; the text says which and why."""


class CallOpen(StoreError):
    """A call another program has on screen, so not to be resumed here: in another window
    of this desk, or on another desk (its collector, and when its hold lapses)."""

    def __init__(self, call_id: str, same_desk: bool, holder: str | None = None, until: datetime | None = None) -> None:
        self.call_id, self.same_desk, self.holder, self.until = call_id, same_desk, holder, until
        where = "in another window on this computer" if same_desk else f"by {holder} on another computer until {until:%H:%M} UTC"
        super().__init__(f"call {call_id} is open {where}")


class AccountBusy(StoreError):
    """Someone else's open call holds the account: who (None while their claim is being
    made), and since when."""

    def __init__(self, account_id: int, holder: str | None, since: datetime | None) -> None:
        self.account_id, self.holder, self.since = account_id, holder, since
        if holder is None:
            super().__init__(f"account {account_id} is being claimed by someone else right now")
        else:
            super().__init__(f"{holder} is on a call with account {account_id} since {since:%H:%M} UTC")


class LogRefused(ValueError):
    """The log no longer extends a checkpoint, or the checkpoint file is another log's:
    nothing is signed over it. `why` in a line; the findings are the message."""

    def __init__(self, findings: str, why: str = "the log no longer extends its checkpoints") -> None:
        super().__init__(findings)
        self.why = why
