"""The calls browser's rows worked out in memory from every call's events: what the
database's filters and orders (store/browse.py) must always give."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import select

from callassist.core.call import DAMAGED
from callassist.core.calls import ANY_FLAG, CallFilter, CallSummary, browse_facts
from callassist.core.compliance import Viewer, call_masker
from callassist.core.figures import Judge
from callassist.store import queries
from callassist.store.models import Account, Call, Collector, Debtor


def every_call(session, viewer: Viewer, judge: Judge) -> list[CallSummary]:
    """Each call `viewer` may read, as the browser shows it, judged from its events."""
    rows = session.exec(select(Call, Collector.name, Debtor.name).join(Collector, Collector.id == Call.collector_id).join(Account, Account.id == Call.account_id, isouter=True).join(Debtor, Debtor.id == Account.debtor_id, isouter=True)).all()
    events = {call.id: queries.call_events(call.id, session=session) for call, _, _ in rows}
    by_account = defaultdict(list)
    for call, _, _ in rows:
        if call.account_id is not None:
            by_account[call.account_id].append(call.id)
    found = []
    for call, collector, debtor in rows:
        if not viewer.may_see(collector):
            continue
        stored = events[call.id]
        facts = browse_facts(stored)
        card = stored[0].payload if stored and stored[0].kind == "call_started" else {}
        shown, notes = debtor or card.get("debtor", ""), facts.notes
        if not viewer.sees_personal_data:
            hide = call_masker(card, shown)
            shown, notes = hide(shown), tuple(hide(note) for note in notes)
        others = [events[other] for other in by_account.get(call.account_id, ()) if other != call.id]
        damaged = any(e.kind == DAMAGED for e in stored)
        flags = (DAMAGED,) if damaged else judge.failed(stored, others) if call.ended_at and judge.failed else ()
        promised = facts.promised and not (damaged and not call.practice and call.ended_at)
        found.append(CallSummary(call.id, call.started_at, call.ended_at, collector, shown, call.practice, call.disposition, facts.excuses, promised, notes, flags))
    return found


def browse(calls: list[CallSummary], wanted: CallFilter, viewer: Viewer) -> list[CallSummary]:
    """The calls that pass every filter, in the chosen order. What a call came to (its
    excuses, promise, flags, notes) is known once it ended: before, it is found by its
    debtor alone, and only by someone who may read that."""
    needle = wanted.text.strip().casefold()

    def found_by_text(call: CallSummary) -> bool:
        """The notes of an ended call; its debtor by the name shown (a practice call's
        once it ended); a trainer's, what a trainer is shown, once it ended."""
        if call.ended_at is None:
            return viewer.sees_personal_data and not call.practice and needle in call.debtor.casefold()
        return needle in "\n".join((call.debtor, *call.notes)).casefold()

    def debtor_order(call: CallSummary):
        if not viewer.sees_personal_data:
            return (call.ended_at is None, call.debtor.casefold() if call.ended_at else "")
        return "" if call.practice and call.ended_at is None else call.debtor.casefold()

    def keep(call: CallSummary) -> bool:
        ended = call.ended_at is not None
        day = call.started_at.date()
        return (
            (wanted.practice or not call.practice)
            and (wanted.collector is None or call.collector == wanted.collector)
            and (wanted.date_from is None or day >= wanted.date_from)
            and (wanted.date_to is None or day <= wanted.date_to)
            and (wanted.disposition is None or call.disposition == wanted.disposition)
            and (wanted.excuse is None or (ended and wanted.excuse in call.excuses))
            and (wanted.promised is None or (ended and call.promised) == wanted.promised)
            and (wanted.flag is None or (ended and (bool(call.flags) if wanted.flag == ANY_FLAG else wanted.flag in call.flags)))
            and (not needle or found_by_text(call))
        )

    kept = sorted((call for call in calls if keep(call)), key=lambda c: (c.started_at, c.call_id), reverse=True)  # newest first within equal keys
    if wanted.sort == "oldest":
        return kept[::-1]
    if wanted.sort == "longest":
        return sorted(kept, key=lambda c: c.seconds, reverse=True)
    if wanted.sort == "debtor":
        return sorted(kept, key=debtor_order)
    if wanted.sort == "collector":
        return sorted(kept, key=lambda c: c.collector)
    return kept
