"""A practice call: a persona answers the trainee, and a score is worked out at the end.

Everything here is read from the call's events, so the persona's line and the score
follow exactly what was stored, and a supervisor can work the score out again.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from callassist.core.call import OBJECTION_TRIGGER, Call, Event, standing
from callassist.core.conditions import condition
from callassist.core.flow import Flow
from callassist.core.i18n import fmt_date, fmt_list, label, value_label
from callassist.core.objections import excuse_of
from callassist.core.personas import Persona, PersonaExcuse
from callassist.core.preview import happy_path


@dataclass(frozen=True)
class ScoreItem:
    key: str  # steps, excuse:<id>, promise (or outcome, for a persona whose call ends otherwise)
    passed: bool
    detail: str  # in the trainee's language


@dataclass
class Rehearsal:
    persona: Persona
    locale: str
    events: list[Event] = field(default_factory=list)

    def observe(self, events: list[Event]) -> None:
        """Events as they are stored: the persona follows the call through them."""
        self.events.extend(events)

    # ---- what the persona says now -----------------------------------------------------

    @property
    def standing(self) -> list[Event]:
        """The call's events as they stand: a choice taken back counts for nothing."""
        return standing(self.events)

    def _raised_with(self, answered: Counter[str], entered: set[str]) -> PersonaExcuse | None:
        """The excuse the persona is on: raised at its step, and not yet worn down by rungs
        of its own ladder."""
        for excuse in self.persona.excuses:
            if answered[excuse.excuse] >= len(excuse.replies):
                continue  # answered to the end: the debtor softened
            return excuse if excuse.at in entered else None
        return None

    def _progress(self) -> tuple[Counter[str], list[tuple[str, str | None]], PersonaExcuse | None]:
        """Rungs of each excuse's own ladder shown while the persona was on that excuse; every
        other ladder used (the ladder's excuse, and the excuse the persona was on, or None
        when on none); and the excuse the persona is on now. Only the right ladder moves the
        debtor: any other leaves them where they were."""
        answered: Counter[str] = Counter()
        wrong: list[tuple[str, str | None]] = []
        entered: set[str] = set()
        for event in self.standing:
            if event.kind == "step_entered":
                entered.add(event.payload["state"])
            elif event.kind == "rebuttal_shown":
                raised = self._raised_with(answered, entered)
                used = event.payload["excuse"]
                if raised is not None and used == raised.excuse:
                    answered[used] += 1
                elif not any(x.excuse == used and answered[used] >= len(x.replies) for x in self.persona.excuses):
                    wrong.append((used, raised.excuse if raised else None))  # rungs past a softened excuse are no mistake
        return answered, wrong, self._raised_with(answered, entered)

    def line(self, call: Call) -> str:
        """The debtor's words at this point of the call."""
        answered, _, raised = self._progress()
        if call.state == call.loaded.flow.objections.state and call.objection:
            used = excuse_of(call.objection.ladder)[0]
            excuse = next((e for e in self.persona.excuses if e.excuse == used), None)
            if excuse is not None and answered[used] and (raised is None or raised.excuse == used):
                return excuse.replies[min(answered[used], len(excuse.replies)) - 1].get(self.locale)
            if raised is not None:  # the wrong ladder: the debtor just says it again
                return label("persona_repeats", self.locale, line=raised.says.get(self.locale))
        if raised is not None and call.state in call.loaded.flow.objections.allowed_from:
            return raised.says.get(self.locale)
        said = self.persona.says.get(call.state)
        if said:
            return said.get(self.locale)
        return label("persona_not_dialled" if call.state == call.loaded.flow.initial else "persona_waits", self.locale)

    # ---- the score -------------------------------------------------------------------

    def score(self, call: Call) -> list[ScoreItem]:
        """Steps skipped, the right ladder for every excuse, a dated written promise."""
        locale = self.locale
        flow = call.loaded.flow
        entered = [e.payload["state"] for e in self.standing if e.kind == "step_entered"]
        expected = expected_steps(call, self.persona.outcome, self.persona.step)
        answered = self._answered_instead(call, expected)
        skipped = [state for state in dict.fromkeys(expected) if state and state not in entered and state not in answered]
        items = [ScoreItem("steps", not skipped, label("score_steps_ok", locale) if not skipped else label("score_steps_skipped", locale, steps=fmt_list((flow.states[s].label.get(locale) for s in skipped), locale)))]
        answered, wrong, _ = self._progress()

        def name(excuse_id: str) -> str:
            return call.catalog.excuse(excuse_id).name.get(locale)

        for excuse in self.persona.excuses:
            rungs = answered[excuse.excuse]
            if rungs >= len(excuse.replies):
                items.append(ScoreItem(f"excuse:{excuse.excuse}", True, label("score_excuse_ok", locale, excuse=name(excuse.excuse), rungs=rungs)))
            elif rungs:
                items.append(ScoreItem(f"excuse:{excuse.excuse}", False, label("score_excuse_short", locale, excuse=name(excuse.excuse), rungs=rungs, needed=len(excuse.replies))))
            else:
                items.append(ScoreItem(f"excuse:{excuse.excuse}", False, label("score_excuse_missed", locale, excuse=name(excuse.excuse))))
        if wrong:
            uses = Counter(wrong)
            said = [label("score_ladder_for" if raised else "score_ladder_unprompted", locale, used=name(used), raised=name(raised) if raised else "", times=times) for (used, raised), times in uses.items()]
            items.append(ScoreItem("ladders", False, label("score_ladder_wrong", locale, uses=fmt_list(said, locale))))
        items.append(self._promise_item(call) if self.persona.outcome == "promise" else self._outcome_item(call))
        return items

    def _answered_instead(self, call: Call, expected: list[str]) -> set[str]:
        """Expected steps an answered excuse stepped over: from the step where it was raised,
        through the rebuttal, on to a later step of the way (softened: straight to the promise)."""
        rebuttal = call.loaded.flow.objections.state
        over: set[str] = set()
        raised_from: str | None = None
        for event in self.standing:
            if event.kind != "choice_made":
                continue
            if event.payload["trigger"] == OBJECTION_TRIGGER:
                raised_from = event.payload["from"]
            elif event.payload["from"] == rebuttal and raised_from is not None:
                went = event.payload["to"]
                if raised_from in expected and went in expected and expected.index(raised_from) < expected.index(went):
                    over.update(expected[expected.index(raised_from) + 1 : expected.index(went)])
                raised_from = None
        return over

    def _outcome_item(self, call: Call) -> ScoreItem:
        """A choice ended the call as this persona's call should end (a message left, a reminder confirmed)."""
        outcome = self.persona.outcome
        reached = any(e.kind == "choice_made" and e.payload.get("disposition") == outcome and e.payload["to"] in _finals(call) for e in self.standing)
        return ScoreItem("outcome", reached, label("score_outcome_ok" if reached else "score_outcome_missed", self.locale, outcome=label(f"disp_{outcome}", self.locale)))

    def _promise_item(self, call: Call) -> ScoreItem:
        locale = self.locale
        captured = [e for e in self.standing if e.kind == "promise_captured"]
        confirmed = any(e.kind == "choice_made" and e.payload["to"] in _finals(call) and e.payload["from"] == call.loaded.flow.promise_state for e in self.standing)
        if captured and captured[-1].payload["instalments"] and captured[-1].payload["channel"] and confirmed:
            first = fmt_date(date.fromisoformat(captured[-1].payload["instalments"][0]["due"]), locale)
            return ScoreItem("promise", True, label("score_promise_ok", locale, due=first, channel=value_label("channel", captured[-1].payload["channel"], locale)))
        return ScoreItem("promise", False, label("score_promise_unread", locale) if captured else label("score_promise_none", locale))

    def scored(self, call: Call) -> Event:
        """The score as an event, stored with the call's end."""
        items = self.score(call)
        passed = sum(item.passed for item in items)
        payload = {"persona": self.persona.id, "passed": passed, "items": len(items), "score": round(100 * passed / len(items)), "results": [{"item": i.key, "passed": i.passed, "detail": i.detail} for i in items]}
        return Event("practice_scored", payload, call.clock())


def _dest(flow: Flow, move: str) -> str | None:
    return next((t.dest for t in flow.transitions if t.trigger == move), None)


# A place in the search for the shortest way: the step, the facts set on the way there,
# whether the promise form was filled in, and whether the way passed the step asked for.
_Node = tuple[str, frozenset[str], bool, bool]


def expected_steps(call: Call, outcome: str = "promise", through: str | None = None) -> list[str]:
    """The steps of the shortest way through the script, on this call's account (its guards
    read as the call would read them: a reminder only where nothing is overdue), to a final
    step that a choice suggesting `outcome` leads to, by way of the step `through` when one
    is named; for a promise, through the promise form. The happy path when there is no such way."""
    flow = call.loaded.flow
    finals = _finals(call)
    start: _Node = (flow.initial, frozenset(), False, through in (None, flow.initial))
    previous: dict[_Node, _Node | None] = {start: None}
    queue: deque[_Node] = deque([start])

    def holds(name: str, facts: frozenset[str], promised: bool) -> bool:
        return condition(name)(SimpleNamespace(facts=facts, promise=promised or None, objection=None, context=call.context))  # type: ignore[arg-type]

    while queue:
        node = queue.popleft()
        state, facts, promised, passed = node
        moves = [(state, facts, True, passed)] if state == flow.promise_state and not promised else []  # the promise form filled in
        for transition in flow.transitions:
            if state not in transition.sources or (transition.dest in finals and (transition.disposition != outcome or not (passed or transition.dest == through))):
                continue
            if not all(holds(name, facts, promised) for name in transition.conditions) or any(holds(name, facts, promised) for name in transition.unless):
                continue
            if transition.dest in finals:
                path = [transition.dest]
                step: _Node | None = node
                while step is not None:
                    if step[0] != path[-1]:
                        path.append(step[0])
                    step = previous[step]
                return path[::-1]
            moves.append((transition.dest, facts | frozenset(transition.sets), promised, passed or transition.dest == through))
        for nxt in moves:
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return [flow.initial] + [dest for move in happy_path(flow) if (dest := _dest(flow, move))]


def _finals(call: Call) -> set[str]:
    return {state for state, spec in call.loaded.flow.states.items() if spec.final}
