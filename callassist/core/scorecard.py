"""The automatic scorecard of a call, worked out from its stored events.

Each item passes, fails, or does not apply, and names the event that proves it, so a
supervisor can jump there in the replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from callassist.core.call import TAKEN_BACK, UNDONE, Event, standing
from callassist.core.compliance import PROFILES, Profile
from callassist.core.flow import NOT_DIALLED, VERIFIED, Flow
from callassist.core.forbidden import ForbiddenLanguage
from callassist.core.i18n import label
from callassist.core.jsonvalue import is_json_object
from callassist.core.objections import asks_question

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "n/a"
UNDONE_MARK = "undone"  # a line naming a choice taken back: neither passed nor failed
ITEMS = ("identity_purpose", "verified_before_debt", "good_time", "amount_confirmed", "rebuttal_matched", "commitment_asked", "promise_read_back", "call_hours", "contact_caps", "clean_notes")


@dataclass(frozen=True)
class ScoreLine:
    item: str
    result: str  # pass, fail or n/a
    seq: int | None  # the event that proves it
    detail: str


class _LineMaker(Protocol):
    """scorecard's `line`: one item's ScoreLine, its detail in the call's locale."""

    def __call__(self, item: str, result: str, seq: int | None, variant: str = "", **values: object) -> ScoreLine: ...


def _dialled_local(events: list[Event]) -> datetime | None:
    """When the call was dialled (its first choice; its start if it never was), in the
    debtor's time: the stored time of that event (a team's server's, not the desk's
    clock) at the offset the call's card showed."""
    local = events[0].payload.get("debtor_local_time") if events and events[0].kind == "call_started" else None
    try:
        zone = datetime.fromisoformat(local).tzinfo if isinstance(local, str) else None
    except ValueError:  # not written by the program: judged as a call with no card
        zone = None
    if zone is None:
        return None
    dialled = next((e.at for e in events if e.kind == "choice_made"), events[0].at)
    return dialled.astimezone(zone)


def _local_day(events: list[Event]) -> date | None:
    local = _dialled_local(events)
    return local.date() if local else None


def not_dialled(events: list[Event]) -> bool:
    """Whether the call was left from its first step, nothing dialled: its end says so and
    no choice was made (an end that says so after a dial, written by hand, hides nothing)."""
    return bool(events) and events[-1].kind == "call_ended" and events[-1].payload.get("disposition") == NOT_DIALLED and not any(event.kind == "choice_made" for event in events)


def reached_right_party(events: list[Event]) -> bool:
    """Whether a call was a conversation with the debtor: the right party verified (by a
    choice that was not taken back)."""
    return any(e.kind == "choice_made" and VERIFIED in e.payload.get("sets", ()) for e in standing(events))


def rules_of(events: list[Event], rules: Profile) -> Profile:
    """The contact rules a call was made under: the built-in profile its first event names,
    else `rules` (the ones in force now)."""
    recorded = events[0].payload.get("contact_rules") if events and events[0].kind == "call_started" else None
    name = recorded.get("profile") if is_json_object(recorded) else None
    return PROFILES[name] if isinstance(name, str) and name in PROFILES and name != rules.name else rules


def same_day_contacts(events: list[Event], others: list[list[Event]]) -> tuple[int, int] | None:
    """Calls to the same debtor earlier on the debtor's day of this call: (conversations, unanswered)."""
    day = _local_day(events)
    if day is None:
        return None
    earlier = [other for other in others if other and other[0].at < events[0].at and _local_day(other) == day]
    conversations = sum(reached_right_party(other) for other in earlier)
    return conversations, len(earlier) - conversations


def scorecard(events: list[Event], flow: Flow, locale: str, forbidden: ForbiddenLanguage | None = None, same_day: tuple[int, int] | None = None, rules: Profile = PROFILES["cn"]) -> list[ScoreLine]:
    """Every item of the scorecard, in ITEMS order. The call hours and caps are those of
    the contact rules the call was made under (see rules_of); `same_day` (see
    same_day_contacts) scores the caps, which without it do not apply. A choice taken back
    (Call.undo) counts for nothing; a line after the items names each undo."""
    rules = rules_of(events, rules)
    if not_dialled(events):
        same_day = None  # nothing was dialled: no hour or cap to keep
    made, events = events, standing(events)
    facts: dict[str, int] = {}  # fact -> seq of the choice that set it
    for seq, event in enumerate(events, 1):
        if event.kind == "choice_made":
            for fact in event.payload.get("sets", ()):
                facts.setdefault(fact, seq)
    verified = facts.get(VERIFIED)

    def line(item: str, result: str, seq: int | None, variant: str = "", **values: object) -> ScoreLine:
        return ScoreLine(item, result, seq, label(f"card_{item}{variant}_{result.replace('/', '')}", locale, seq=seq, **values))

    # Identity and purpose are owed once the debtor agreed to talk (or heard about the debt);
    # a verified debtor who asked to be called back later is owed neither yet.
    disclosed = any(e.kind == "step_entered" and e.payload.get("discloses_debt") for e in events)
    if "purpose_stated" in facts:
        purpose = line("identity_purpose", PASS, facts["purpose_stated"])
    else:
        purpose = line("identity_purpose", FAIL if "good_time_confirmed" in facts or disclosed else NOT_APPLICABLE, None)
    lines = [purpose, _disclosure(events, verified, line), _good_time(events, flow, verified, line)]
    if "amount_confirmed" in facts or "dispute_logged" in facts:
        lines.append(line("amount_confirmed", PASS, facts.get("amount_confirmed") or facts["dispute_logged"]))
    else:
        lines.append(line("amount_confirmed", FAIL if "purpose_stated" in facts else NOT_APPLICABLE, None))
    lines += [_rebuttals(events, line), _commitments(events, line), _read_back(events, flow, line), _hours(made, rules, line)]  # the dial stands, whatever was undone
    lines.append(_caps(events, same_day, rules, line))
    lines.append(_notes(events, locale, forbidden, line))
    return lines + undos(made, locale)


def undos(events: list[Event], locale: str) -> list[ScoreLine]:
    """One line per choice taken back, at its `undone` event: what it was, from which step."""
    stands = standing(events)
    return [
        ScoreLine(UNDONE_MARK, UNDONE_MARK, seq, label("card_undone", locale, seq=seq, what=str(e.payload.get("what", "")), taken=seq - e.payload["events"]))
        for seq, e in enumerate(events, 1)
        if e.kind == UNDONE and stands[seq - 1].kind == TAKEN_BACK
    ]


def _disclosure(events: list[Event], verified: int | None, line: _LineMaker) -> ScoreLine:
    first = next((seq for seq, e in enumerate(events, 1) if e.kind == "step_entered" and e.payload.get("discloses_debt")), None)
    if first is None:
        return line("verified_before_debt", NOT_APPLICABLE, None)
    if verified is not None and verified < first:
        return line("verified_before_debt", PASS, first, verified_at=verified)
    return line("verified_before_debt", FAIL, first, verified_at=verified)


def _good_time(events: list[Event], flow: Flow, verified: int | None, line: _LineMaker) -> ScoreLine:
    asking = {s for t in flow.transitions if "good_time_confirmed" in t.sets for s in t.sources}
    asked = next((seq for seq, e in enumerate(events, 1) if e.kind == "step_entered" and e.payload["state"] in asking), None)
    if asked is not None:
        return line("good_time", PASS, asked)
    return line("good_time", FAIL if verified else NOT_APPLICABLE, None)


def _rebuttals(events: list[Event], line: _LineMaker) -> ScoreLine:
    raised = [(seq, e.payload["excuse"]) for seq, e in enumerate(events, 1) if e.kind == "objection_raised"]
    if not raised:
        return line("rebuttal_matched", NOT_APPLICABLE, None)
    for seq, excuse in raised:
        answer = next((e for e in events[seq:] if e.kind == "rebuttal_shown"), None)
        if answer is None or answer.payload["excuse"] != excuse:
            return line("rebuttal_matched", FAIL, seq)
    return line("rebuttal_matched", PASS, raised[-1][0], count=len(raised))


def _commitments(events: list[Event], line: _LineMaker) -> ScoreLine:
    shown = [(seq, e.payload.get("commitment", "")) for seq, e in enumerate(events, 1) if e.kind == "rebuttal_shown"]
    if not shown:
        return line("commitment_asked", NOT_APPLICABLE, None)
    missing = next((seq for seq, question in shown if not asks_question(question)), None)
    if missing is not None:
        return line("commitment_asked", FAIL, missing)
    return line("commitment_asked", PASS, shown[-1][0], count=len(shown))


def _read_back(events: list[Event], flow: Flow, line: _LineMaker) -> ScoreLine:
    captured = [seq for seq, e in enumerate(events, 1) if e.kind == "promise_captured"]
    if not captured:
        return line("promise_read_back", NOT_APPLICABLE, None)
    finals = {state for state, spec in flow.states.items() if spec.final}
    confirmed = next((seq for seq, e in enumerate(events, 1) if seq > captured[-1] and e.kind == "choice_made" and e.payload["from"] == flow.promise_state and e.payload["to"] in finals), None)
    return line("promise_read_back", PASS if confirmed else FAIL, confirmed or captured[-1])


def _hours(events: list[Event], rules: Profile, line: _LineMaker) -> ScoreLine:
    at = None if not_dialled(events) else _dialled_local(events)
    if at is None:
        return line("call_hours", NOT_APPLICABLE, None)
    start, end = rules.window
    ok = start <= at.time() < end
    dialled = next((seq for seq, e in enumerate(events, 1) if e.kind == "choice_made"), 1)
    return line("call_hours", PASS if ok else FAIL, dialled, local=at.strftime("%H:%M"), opens=start.strftime("%H:%M"), closes=end.strftime("%H:%M"))


def _caps(events: list[Event], same_day: tuple[int, int] | None, rules: Profile, line: _LineMaker) -> ScoreLine:
    if same_day is None:
        return line("contact_caps", NOT_APPLICABLE, None)
    conversations, unanswered = same_day
    if reached_right_party(events):
        cap = rules.conversations_per_debtor_day
        if cap is None:
            return line("contact_caps", NOT_APPLICABLE, None)
        return line("contact_caps", PASS if conversations < cap else FAIL, 1, "_conversation", count=conversations + 1, limit=cap)
    cap = rules.unanswered_per_phone_day
    if cap is None:
        return line("contact_caps", NOT_APPLICABLE, None)
    return line("contact_caps", PASS if unanswered < cap else FAIL, 1, "_attempt", count=unanswered + 1, limit=cap)


def _notes(events: list[Event], locale: str, forbidden: ForbiddenLanguage | None, line: _LineMaker) -> ScoreLine:
    notes = [(seq, e.payload.get("text") or e.payload.get("note") or "") for seq, e in enumerate(events, 1) if e.kind in ("note_added", "call_ended")]
    notes = [(seq, text) for seq, text in notes if text]
    if not notes or forbidden is None:
        return line("clean_notes", NOT_APPLICABLE, None)
    for seq, text in notes:
        hits = forbidden.find(text, locale)
        if hits:
            return line("clean_notes", FAIL, seq, phrase=hits[0].phrase)
    return line("clean_notes", PASS, notes[-1][0], count=len(notes))
