"""The calls browser's rows: one summary per stored call, and the filters over them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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


def browse(calls: list[CallSummary], wanted: CallFilter) -> list[CallSummary]:
    """The calls that pass every filter, in the chosen order."""
    needle = wanted.text.strip().casefold()

    def keep(call: CallSummary) -> bool:
        day = call.started_at.date()
        return (
            (wanted.practice or not call.practice)
            and (wanted.collector is None or call.collector == wanted.collector)
            and (wanted.date_from is None or day >= wanted.date_from)
            and (wanted.date_to is None or day <= wanted.date_to)
            and (wanted.disposition is None or call.disposition == wanted.disposition)
            and (wanted.excuse is None or wanted.excuse in call.excuses)
            and (wanted.promised is None or call.promised == wanted.promised)
            and (wanted.flag is None or (bool(call.flags) if wanted.flag == ANY_FLAG else wanted.flag in call.flags))
            and (not needle or any(needle in note.casefold() for note in call.notes) or needle in call.debtor.casefold())
        )

    kept = [call for call in calls if keep(call)]
    order = {
        "newest": (lambda c: c.started_at, True),
        "oldest": (lambda c: c.started_at, False),
        "longest": (lambda c: c.seconds, True),
        "debtor": (lambda c: c.debtor.casefold(), False),
        "collector": (lambda c: c.collector.casefold(), False),
    }
    key, reverse = order[wanted.sort]
    newest_first = sorted(kept, key=lambda c: c.started_at, reverse=True)  # within equal keys
    return sorted(newest_first, key=key, reverse=reverse)
