"""Calls as the services hand them to the screens: the call on screen, a stored call for
replay with its reviews, the calls browser's rows and filters, and what a call's summary
keeps for them.

The filters run in the database (store/browse.py) over what each call's summary keeps
(`BrowseFacts`), so the browser reads only the rows on screen, however many calls
there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from callassist.core.account import AccountSnapshot
from callassist.core.call import Call, Event, standing
from callassist.core.practice import Rehearsal


@dataclass
class ActiveCall:
    """A call on screen: its id, the machine-driven Call and the account as it was loaded."""

    call_id: str
    call: Call
    snapshot: AccountSnapshot
    started_at: datetime
    resumed: bool = False
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)  # forms half filled in when the call stopped
    rehearsal: Rehearsal | None = None  # a practice call: the persona on the other end


@dataclass(frozen=True)
class ChainBreak:
    """Where a call's stored events stop being what was written, and why."""

    seq: int
    reason: str


@dataclass(frozen=True)
class CallReview:
    """A supervisor's score of a call (1 to 5) and comment, with who and when."""

    reviewer: str
    score: int
    comment: str
    created_at: datetime


@dataclass(frozen=True)
class StoredCall:
    """A stored call for replay, as far as its chain holds."""

    call_id: str
    debtor: str
    collector: str
    started_at: datetime
    practice: bool
    events: list[Event]
    broken: ChainBreak | None  # where the stored events stop being what was written
    reviews: list[CallReview] = field(default_factory=list)
    same_day: tuple[int, int] | None = None  # earlier calls to the debtor that day: (conversations, unanswered)
    promise_now: tuple[str, date | None] | None = None  # the call's promise as the ledger holds it today


SORTS = ("newest", "oldest", "longest", "debtor", "collector")
ANY_FLAG = "any"


@dataclass(frozen=True)
class CallSummary:
    call_id: str
    started_at: datetime
    ended_at: datetime | None
    collector: str
    debtor: str
    practice: bool
    disposition: str | None
    excuses: tuple[str, ...]
    promised: bool
    notes: tuple[str, ...]
    flags: tuple[str, ...] = ()  # compliance: the scorecard items the call failed

    @property
    def seconds(self) -> int:
        return int((self.ended_at - self.started_at).total_seconds()) if self.ended_at else 0


@dataclass(frozen=True)
class CallFilter:
    collector: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    disposition: str | None = None
    excuse: str | None = None
    promised: bool | None = None
    flag: str | None = None  # a failed scorecard item; ANY_FLAG: any of them
    text: str = ""
    practice: bool = False  # practice calls too
    sort: str = "newest"


@dataclass(frozen=True)
class BrowseFacts:
    """What the browser shows and filters of one call, from its events."""

    excuses: tuple[str, ...]  # as raised, each once, a raise taken back not counted
    notes: tuple[str, ...]
    promised: bool


def browse_facts(events: list[Event]) -> BrowseFacts:
    kept = standing(events)
    excuses = tuple(dict.fromkeys(e.payload["excuse"] for e in kept if e.kind == "objection_raised" and isinstance(e.payload.get("excuse"), str)))
    notes = tuple(note for e in events if e.kind in ("note_added", "call_ended") for note in [e.payload.get("text") or e.payload.get("note")] if isinstance(note, str) and note)
    return BrowseFacts(excuses, notes, any(e.kind == "promise_captured" for e in kept))


def words(values: tuple[str, ...]) -> str:
    """Ids as one column a LIKE '% id %' finds whole: ' stall refuse '."""
    return f" {' '.join(values)} " if values else ""


def unwords(column: str | None) -> tuple[str, ...]:
    return tuple((column or "").split())


def search_text(debtor: str, notes: tuple[str, ...]) -> str:
    """What the browser's search box looks in, casefolded: a debtor's name (its first
    line, which the debtor order reads) and the notes."""
    return "\n".join((debtor, *notes)).casefold()


@dataclass(frozen=True)
class UnfinishedCall:
    """A call its collector left before it ended: Enter or the palette resumes it."""

    call_id: str
    account_id: int
    debtor: str
    state: str
    started_at: datetime
    contact: str = ""
    phone: str = ""
