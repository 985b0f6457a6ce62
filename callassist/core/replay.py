"""Replay: a stored call as the collector saw it, one frame per event.

Frames are built from the stored events only (the text each step showed, the choices it
offered, the rebuttals, notes and promise as stored), never from today's templates, so
a replay is the same however the script has changed since.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from callassist.core.call import OBJECTION_TRIGGER, UNDONE, Event, LadderPosition
from callassist.core.i18n import label, value_label
from callassist.core.money import Money, format_money
from callassist.core.objections import ladder_id
from callassist.core.phone import PHONE_KIND_PREFIX, Answered, Busy, Dialling, HungUp, LineEvent, LineLost, NoAnswer, Ringing, line_event_in

# With "skip silences", no pause between two events lasts longer than this.
SILENCE = timedelta(seconds=1)


@dataclass(frozen=True)
class Frame:
    """The collector's screen just after event `seq`."""

    seq: int
    at: datetime
    kind: str
    happened: str  # the event in a few words, for the timeline
    step_label: str = ""
    step_text: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (key, label)
    ladder: LadderPosition | None = None
    notes: tuple[str, ...] = ()
    promise: dict[str, Any] | None = None  # the promise_captured payload
    card: dict[str, Any] = field(default_factory=dict)  # the call_started payload
    disposition: str | None = None
    recording: str = ""  # the call's recording (relative to the data folder), once one is attached
    recording_at: float | None = None  # where this event falls in it, in seconds (None: before the answer)


def frames(events: list[Event], locale: str, excuse_names: dict[str, str] | None = None) -> list[Frame]:
    """One frame per stored event, each carrying everything shown at that moment.

    A rebuttal shows with the step entered after it (the screen changed once, for both);
    an undo puts back the ladder that stood before the choice it took back."""
    names = excuse_names or {}
    shown: list[Frame] = []
    current = None
    ladder: LadderPosition | None = None
    ladders: list[LadderPosition | None] = []  # the ladder standing after each event
    # The phone records from the answer to the hang-up: each event's place in the recording.
    recording = next((str(e.payload.get("file", "")) for e in events if e.kind == "recording_attached"), "")
    answered = next((e.at for e in events if e.kind == "phone_answered"), None) if recording else None
    for seq, event in enumerate(events, 1):
        payload = event.payload
        base = current or Frame(seq, event.at, event.kind, "")
        changes: dict[str, Any] = {"seq": seq, "at": event.at, "kind": event.kind, "happened": _happened(event, locale, names), "recording": recording}
        changes["recording_at"] = round((event.at - answered).total_seconds(), 1) if answered is not None and event.at >= answered else None
        if event.kind == "call_started":
            changes["card"] = dict(payload)
        elif event.kind == "step_entered":
            changes.update(step_label=payload["label"], step_text=payload["text"], choices=tuple((c["key"], c["label"]) for c in payload.get("choices", ())), ladder=ladder)
        elif event.kind == "rebuttal_shown":
            shown_ladder = ladder_id(payload["excuse"], payload.get("case"))
            ladder = LadderPosition(names.get(shown_ladder, shown_ladder), payload["rung"], payload["rungs"], payload["principle"], tuple(payload["counters"]))
        elif event.kind == "choice_made" and payload["trigger"] != OBJECTION_TRIGGER:
            ladder = None  # any other choice leaves the objection step
        elif event.kind == UNDONE and isinstance(taken := payload.get("events"), int) and 0 < taken < seq:
            ladder = ladders[seq - 2 - taken] if seq - 2 - taken >= 0 else None
        elif event.kind == "note_added":
            changes["notes"] = base.notes + (payload["text"],)
        elif event.kind == "promise_captured":
            changes["promise"] = dict(payload)
        elif event.kind == "call_ended":
            changes["disposition"] = payload["disposition"]
            if payload.get("note"):
                changes["notes"] = base.notes + (payload["note"],)
        current = replace(base, **changes)
        shown.append(current)
        ladders.append(ladder)
    return shown


def _happened(event: Event, locale: str, excuse_names: dict[str, str]) -> str:
    payload = event.payload
    kind = event.kind
    if kind == "step_entered":
        return payload["label"]
    if kind == "choice_made":
        return f"→ {payload['label']}"
    if kind == "rebuttal_shown":
        found = label("replay_found_with", locale, typed=payload["found_with"]) if payload.get("found_with") else ""
        return label("replay_rebuttal", locale, rung=payload["rung"], rungs=payload["rungs"]) + found
    if kind == "objection_raised":
        ladder = ladder_id(payload["excuse"], payload.get("case"))
        return label("replay_excuse", locale, excuse=excuse_names.get(ladder, ladder))
    if kind == "note_added":
        return label("replay_note", locale, text=payload["text"])
    if kind == UNDONE:
        return label("replay_undone", locale, what=str(payload.get("what", "")))
    if kind == "promise_captured":
        return label("replay_promise", locale, total=payload["total"], currency=payload["currency"])
    if kind == "call_ended":
        return label("replay_ended", locale, disposition=value_label("disp", payload["disposition"], locale))
    if kind == "hold_placed":
        details = f" · {payload['details']}" if payload.get("details") else ""
        return label("replay_hold", locale, reason=value_label("hold", payload["reason"], locale)) + details
    if kind.startswith(PHONE_KIND_PREFIX) and (reported := line_event_in(event)) is not None:
        return "☎ " + _line_words(reported, locale)
    if kind == "recording_attached":
        return label("replay_recording", locale, seconds=payload.get("seconds", "?"))
    return value_label("replay", kind, locale)


def _line_words(reported: LineEvent, locale: str) -> str:
    match reported:
        case Dialling(number=number):
            return label("replay_phone_dialling", locale, number=number)
        case Ringing():
            return label("replay_phone_ringing", locale)
        case Answered():
            return label("replay_phone_answered", locale)
        case HungUp(by="us"):
            return label("replay_phone_hung_up_us", locale)
        case HungUp():
            return label("replay_phone_hung_up_them", locale)
        case NoAnswer(after=after):
            return label("replay_phone_no_answer", locale, seconds=int(after.total_seconds()))
        case Busy(reason=reason):
            return label("replay_phone_busy", locale, reason=reason)
        case LineLost(reason=reason):
            return label("replay_phone_lost", locale, reason=reason)
        case _:
            return label("replay_phone_failed", locale, reason=getattr(reported, "reason", ""))


def pauses(shown: list[Frame], skip_silences: bool) -> list[float]:
    """Seconds to wait before each frame when playing at 1x (the first: none)."""
    waits = [0.0]
    for before, after in zip(shown, shown[1:]):
        gap = after.at - before.at
        if skip_silences:
            gap = min(gap, SILENCE)
        waits.append(max(gap.total_seconds(), 0.0))
    return waits


def card_balance(card: dict[str, Any], locale: str) -> str:
    """The balance a call's card showed, formatted; as it is stored when it is no amount
    and currency the program would have written."""
    try:
        return format_money(Money(Decimal(card["balance"]), card["currency"]), locale)
    except (KeyError, TypeError, ArithmeticError, ValueError):
        return " ".join(str(card.get(key) or "") for key in ("balance", "currency")).strip()
