"""Team figures from stored calls: contact, promise and kept rates, time per phase,
excuses, and which rebuttal rungs lead to promises. Practice calls are never counted.

Definitions (also in docs/supervisor.md): a right-party contact is a call in which the right party
was verified; the promise rate is promises taken per right-party contact; kept and
broken rates count promises whose first payment date has passed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from callassist.core.call import DAMAGED, Event, standing
from callassist.core.flow import VERIFIED
from callassist.core.i18n import label
from callassist.core.objections import excuse_of
from callassist.core.phone import Answered, line_event_in, talk_time
from callassist.core.quickfind import Match
from callassist.core.scorecard import not_dialled


@dataclass
class RungFigure:
    used: int = 0
    led_to_promise: int = 0

    @property
    def share(self) -> float:
        return self.led_to_promise / self.used if self.used else 0.0


@dataclass(frozen=True)
class MissedObjection:
    """A call whose notes speak of an excuse the collector did not answer with its ladder."""

    call_id: str
    collector: str
    day: date
    excuse: str
    score: float
    note: str  # the note it was found in, as stored (masked)


# A note's text -> the excuse it clearly speaks of, if any (ExcuseFinder.detect).
Detector = Callable[[str], "Match | None"]
# A call's events and those of the calls to its account before it -> the scorecard items it failed.
Flagger = Callable[[list[Event], list[list[Event]]], tuple[str, ...]]


class Judge(NamedTuple):
    """What reads an ended call with the content in use, for its summary: `detect` its
    notes for an objection it never answered, `failed` its scorecard."""

    detect: Detector | None = None
    failed: Flagger | None = None


@dataclass
class Figures:
    calls: int = 0
    right_party: int = 0
    promises: int = 0
    promises_due: int = 0
    kept: int = 0
    broken: int = 0
    phase_seconds: dict[str, float] = field(default_factory=dict)  # state -> mean seconds spent there
    excuses: list[tuple[str, int]] = field(default_factory=list)  # most frequent first
    rungs: dict[tuple[str, int], RungFigure] = field(default_factory=dict)
    per_day: list[tuple[date, int, int]] = field(default_factory=list)  # (day, calls, promises)
    missed: list[MissedObjection] = field(default_factory=list)  # newest first
    damaged: list[str] = field(default_factory=list)  # calls left out: a stored row of theirs does not parse
    not_dialled: int = 0  # calls left from their first step, nothing dialled: not in `calls`
    holds: list[tuple[str, int]] = field(default_factory=list)  # holds placed on the calls, by reason, most first
    talked: int = 0  # calls the phone saw answered
    talk_seconds: float = 0.0  # their mean talk time, as the phone measured it (not the screen)

    @property
    def missed_by_excuse(self) -> list[tuple[str, int]]:
        # A case counts as its excuse (a note about the accountant away is deflect's).
        counts = Counter(excuse_of(m.excuse)[0] for m in self.missed)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    @property
    def right_party_rate(self) -> float:
        return self.right_party / self.calls if self.calls else 0.0

    @property
    def promise_rate(self) -> float:
        return self.promises / self.right_party if self.right_party else 0.0

    @property
    def kept_rate(self) -> float:
        return self.kept / self.promises_due if self.promises_due else 0.0

    @property
    def broken_rate(self) -> float:
        return self.broken / self.promises_due if self.promises_due else 0.0


@dataclass(frozen=True)
class CallFacts:
    """What one ended call adds to the figures, worked out once when it ends (stored as
    its summary, store/summaries.py). `parts` maps an item to (count, total): "calls",
    "not_dialled", "right_party", "promises" count the call; "step:<state>" is (1, seconds
    spent there); "excuse:<id>" and "hold:<reason>" are (times, 0); "rung:<excuse>:<n>"
    is (times shown, how many of those a promise followed)."""

    damaged: bool = False
    dialled: bool = False
    right_party: bool = False
    promised: bool = False
    parts: dict[str, tuple[int, float]] = field(default_factory=dict)
    missed: MissedObjection | None = None


def call_facts(call_id: str, collector: str, day: date, events: list[Event], detect: Detector | None = None) -> CallFacts:
    """The facts of one call from its events; with `detect`, the objection its notes
    speak of that it never answered. A call with a row that does not parse, or left
    before dialling, adds only that."""
    if any(event.kind == DAMAGED for event in events):
        return CallFacts(damaged=True)
    if not_dialled(events):
        return CallFacts(parts={"not_dialled": (1, 0.0)})
    standing_events = standing(events)  # a choice taken back counts for nothing
    right_party = any(e.kind == "choice_made" and VERIFIED in e.payload.get("sets", ()) for e in standing_events)
    promised = any(e.kind == "promise_captured" for e in standing_events)
    counts: Counter[str] = Counter({"calls": 1, "right_party": int(right_party), "promises": int(promised)})
    led: Counter[str] = Counter()  # of each rung shown, the showings a promise followed
    for index, event in enumerate(standing_events):
        # A stored event without the values its kind carries (written by hand, not by the
        # program) counts for nothing rather than stopping the team's figures.
        excuse = event.payload.get("excuse")
        excuse = excuse if isinstance(excuse, str) and excuse else None
        if event.kind == "objection_raised" and excuse:
            counts[f"excuse:{excuse}"] += 1
        elif event.kind == "rebuttal_shown" and excuse and isinstance(rung := event.payload.get("rung"), int) and not isinstance(rung, bool):
            counts[f"rung:{excuse}:{rung}"] += 1
            led[f"rung:{excuse}:{rung}"] += any(e.kind == "promise_captured" for e in standing_events[index + 1 :])
        elif event.kind == "hold_placed" and isinstance(reason := event.payload.get("reason"), str) and reason:
            counts[f"hold:{reason}"] += 1
    parts = {item: (count, float(led[item])) for item, count in counts.items() if count}
    parts |= {f"step:{state}": (1, seconds) for state, seconds in _phases(standing_events).items()}
    line = [reported for event in standing_events if (reported := line_event_in(event)) is not None]
    if any(isinstance(reported, Answered) for reported in line):
        # A line the phone never said ended (it went quiet, the program restarted) talked
        # until the call's end at most.
        ended = next((e.at for e in reversed(standing_events) if e.kind == "call_ended"), line[-1].at)
        parts["talk"] = (1, talk_time(line, now=max(ended, line[-1].at)).total_seconds())
    missed = _missed(call_id, collector, day, standing_events, detect) if detect is not None else None
    return CallFacts(False, True, right_party, promised, parts, missed)


@dataclass
class Totals:
    """Facts of many calls added up, as the store's summaries give them: each item's
    (count, total), calls and promises per day, the fate of the promises now due, the
    missed objections and the damaged calls."""

    parts: dict[str, tuple[int, float]] = field(default_factory=dict)
    per_day: dict[date, tuple[int, int]] = field(default_factory=dict)
    promises_due: int = 0
    kept: int = 0
    broken: int = 0
    missed: list[MissedObjection] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    def add(self, day: date, facts: CallFacts) -> None:
        for item, (count, total) in facts.parts.items():
            before = self.parts.get(item, (0, 0.0))
            self.parts[item] = (before[0] + count, before[1] + total)
        if facts.dialled:
            calls, promises = self.per_day.get(day, (0, 0))
            self.per_day[day] = (calls + 1, promises + facts.promised)
        if facts.missed is not None:
            self.missed.append(facts.missed)


def figures_from(totals: Totals) -> Figures:
    """The figures of added-up facts (the one place the team's figures are made)."""

    def count(item: str) -> int:
        return int(totals.parts.get(item, (0, 0.0))[0])

    result = Figures(calls=count("calls"), right_party=count("right_party"), promises=count("promises"), not_dialled=count("not_dialled"), promises_due=totals.promises_due, kept=totals.kept, broken=totals.broken, damaged=sorted(totals.damaged))
    excuses: list[tuple[str, int]] = []
    holds: list[tuple[str, int]] = []
    for item, (used, total) in totals.parts.items():
        kind, _, key = item.partition(":")
        if used <= 0:
            continue
        if kind == "step":
            result.phase_seconds[key] = total / used
        elif kind == "talk":
            result.talked, result.talk_seconds = int(used), total / used
        elif kind == "excuse":
            excuses.append((key, int(used)))
        elif kind == "hold":
            holds.append((key, int(used)))
        elif kind == "rung":
            excuse, _, rung = key.rpartition(":")
            result.rungs[(excuse, int(rung))] = RungFigure(int(used), int(round(total)))
    result.excuses = sorted(excuses, key=lambda item: (-item[1], item[0]))
    result.holds = sorted(holds, key=lambda item: (-item[1], item[0]))
    result.rungs = dict(sorted(result.rungs.items()))
    result.per_day = [(day, calls, promises) for day, (calls, promises) in sorted(totals.per_day.items())]
    result.missed = sorted(totals.missed, key=lambda m: (m.day, m.call_id), reverse=True)
    return result


def _missed(call_id: str, collector: str, day: date, events: list[Event], detect: Detector) -> MissedObjection | None:
    """The clearest excuse in the notes of a call in which no excuse was answered (a
    dispute logged through the script's own steps counts as answered)."""
    if any(e.kind == "objection_raised" for e in events):
        return None
    if any(e.kind == "choice_made" and "dispute_logged" in e.payload.get("sets", ()) for e in events):
        return None
    notes = [e.payload["text"] for e in events if e.kind == "note_added" and e.payload.get("text")]
    notes += [e.payload["note"] for e in events if e.kind == "call_ended" and e.payload.get("note")]
    found = [(detected, note) for note in notes if isinstance(note, str) and (detected := detect(note)) is not None]
    if not found:
        return None
    detected, note = max(found, key=lambda item: item[0].score)
    return MissedObjection(call_id, collector, day, detected.excuse, round(detected.score, 3), note)


def _phases(events: list[Event]) -> dict[str, float]:
    """Seconds from entering each step to the next step (or the end of the call), summed per step."""
    spent: dict[str, float] = defaultdict(float)
    entered = None
    for event in events:
        if entered is not None and event.kind in ("step_entered", "call_ended"):
            state, at = entered
            spent[state] += (event.at - at).total_seconds()
        if event.kind == "step_entered" and isinstance(event.payload.get("state"), str) and event.payload["state"]:
            entered = (event.payload["state"], event.at)
        elif event.kind == "call_ended":
            entered = None
    return dict(spent)


def in_flow_order(phase_seconds: dict[str, float], states: list[str]) -> list[tuple[str, float]]:
    """The time per step in the order the script takes them (steps it no longer has, last)."""
    rank = {state: index for index, state in enumerate(states)}
    return sorted(phase_seconds.items(), key=lambda item: rank.get(item[0], len(rank)))


def count_ticks(largest: int, most: int = 6) -> list[int]:
    """Whole-number ticks from 0 past `largest`, at most `most` of them, a step of 1, 2 or
    5 times a power of ten (a chart of counts never shows 2.8 calls)."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            intervals = max(1, -(-largest // step))
            if intervals < most:
                return list(range(0, intervals * step + 1, step))
        magnitude *= 10


# The columns of `report --format csv`: each row fills those its section has (as_data).
DATA_COLUMNS = ("section", "metric", "state", "excuse", "reason", "rung", "day", "call_id", "collector", "value", "share", "note")


def as_data(result: Figures, states: Sequence[str] = ()) -> dict[str, list[dict[str, object]]]:
    """The figures for programs (`report --format json|csv`): stable ids whatever the
    language (metric names, step states, excuse ids, hold reasons, rung numbers), one
    object per item, shares as fractions, steps in the order of `states` (the flow's).
    docs/supervisor.md's "Report formats" gives the schema."""

    def share(value: float) -> float:
        return round(value, 4)

    totals = [
        ("calls", result.calls, None),
        ("right_party_contacts", result.right_party, result.right_party_rate),
        ("promises", result.promises, result.promise_rate),
        ("promises_due", result.promises_due, None),
        ("kept", result.kept, result.kept_rate),
        ("broken", result.broken, result.broken_rate),
        ("not_dialled", result.not_dialled, None),
        ("damaged", len(result.damaged), None),
        ("talked", result.talked, None),
        ("talk_seconds_mean", round(result.talk_seconds, 1), None),
    ]
    return {
        "calls": [{"metric": metric, "value": value, "share": None if rate is None else share(rate)} for metric, value, rate in totals],
        "seconds_per_step": [{"state": state, "value": round(seconds, 1)} for state, seconds in in_flow_order(result.phase_seconds, list(states))],
        "excuses": [{"excuse": excuse, "value": count} for excuse, count in result.excuses],
        "holds": [{"reason": reason, "value": count} for reason, count in result.holds],
        "rungs": [{"excuse": excuse, "rung": rung, "value": figure.used, "share": share(figure.share)} for (excuse, rung), figure in result.rungs.items()],
        "per_day": [{"day": day.isoformat(), "metric": metric, "value": value} for day, calls, promises in result.per_day for metric, value in (("calls", calls), ("promises", promises))],
        "missed_objections": [{"excuse": excuse, "value": count} for excuse, count in result.missed_by_excuse],
        "missed_objection_calls": [{"call_id": m.call_id, "day": m.day.isoformat(), "collector": m.collector, "excuse": m.excuse, "value": round(m.score, 4), "note": m.note} for m in result.missed],
    }


def as_rows(result: Figures, state_names: dict[str, str], excuse_names: dict[str, str], hold_names: dict[str, str] | None = None, locale: str = "en") -> list[tuple[str, str, float | int, float | None]]:
    """The figures as (section, what, value, share) rows: one shape for table, CSV and JSON."""
    hold_names = hold_names or {}
    rows: list[tuple[str, str, float | int, float | None]] = [
        ("calls", "calls_count", result.calls, None),
        ("calls", "right_party_contacts", result.right_party, result.right_party_rate),
        ("calls", "promises", result.promises, result.promise_rate),
        ("calls", "promises_due", result.promises_due, None),
        ("calls", "kept", result.kept, result.kept_rate),
        ("calls", "broken", result.broken, result.broken_rate),
    ]
    rows += [("calls", "not_dialled_calls", result.not_dialled, None)] if result.not_dialled else []
    rows += [("calls", "damaged_calls", len(result.damaged), None)] if result.damaged else []
    rows += [("calls", "talked_calls", result.talked, None), ("calls", "talk_seconds_mean", round(result.talk_seconds, 1), None)] if result.talked else []
    rows += [("seconds_per_phase", state_names.get(state, state), round(seconds, 1), None) for state, seconds in in_flow_order(result.phase_seconds, list(state_names))]
    rows += [("excuses", excuse_names.get(excuse, excuse), count, None) for excuse, count in result.excuses]
    rows += [("holds", hold_names.get(reason, str(reason)), count, None) for reason, count in result.holds]
    rows += [("rungs", label("rung_name", locale, excuse=excuse_names.get(excuse, excuse), rung=rung), figure.used, figure.share) for (excuse, rung), figure in result.rungs.items()]
    rows += [("missed_objections", excuse_names.get(excuse, excuse), count, None) for excuse, count in result.missed_by_excuse]
    rows += [("missed_objection_calls", f"{m.day} {m.call_id} {m.collector} · {excuse_names.get(m.excuse, m.excuse)}: {m.note}", m.score, None) for m in result.missed]
    return rows
