"""The team's figures worked out from calls' events, in memory: what the stored summaries
must always add up to (core/figures.py has the one definition of a call's facts; the
program reads the sums in SQL, store/summaries.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from callassist.core.call import Event
from callassist.core.figures import Detector, Figures, Totals, call_facts, figures_from


@dataclass(frozen=True)
class CallRecord:
    """One call as the figures need it: who, when, its events, and its promise's fate."""

    call_id: str
    collector: str
    day: date
    events: list[Event]
    promise_status: str | None = None  # open, kept, partly_kept, broken
    promise_due: date | None = None  # its first payment date


def figures(records: list[CallRecord], today: date, detect: Detector | None = None) -> Figures:
    """The figures of these calls worked out from their events (what the stored
    summaries must always add up to); with `detect`, also the objections missed in their notes."""
    totals = Totals()
    for record in records:
        facts = call_facts(record.call_id, record.collector, record.day, record.events, detect)
        if facts.damaged:
            totals.damaged.append(record.call_id)
            continue
        totals.add(record.day, facts)
        if facts.promised and record.promise_due is not None and record.promise_due < today:
            totals.promises_due += 1
            totals.kept += record.promise_status == "kept"
            totals.broken += record.promise_status == "broken"
    return figures_from(totals)
