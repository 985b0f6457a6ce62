"""`callassist preview`: a script's steps as the collector would see them, without a call.

The happy path is the shortest way through the flow from the first step to a final one
that secures a written promise on the way; each step is rendered by a real Call, so
the preview says exactly what the call screen would.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, time

from callassist.core.account import AccountSnapshot, build_context
from callassist.core.call import Call, ObjectionState
from callassist.core.compliance import ContactRules, Profile
from callassist.core.flow import Flow, LoadedFlow
from callassist.core.objections import EXCUSE_IDS, Catalog
from callassist.core.preflight import sample_promise

CAPTURE = "<promise>"  # the move that fills in the promise form


@dataclass(frozen=True)
class PreviewStep:
    state: str
    label: str
    text: str
    choices: tuple[tuple[str, str], ...]  # (key, label) offered at this step


# A place in the search for the happy path: the step, the facts set on the way there, and
# whether a promise was captured.
_Node = tuple[str, frozenset[str], bool]


def happy_path(flow: Flow) -> list[str]:
    """Triggers (and CAPTURE) from the initial state to a final one, through a captured
    promise when the flow allows it; guards are honoured as a live call would."""
    start: _Node = (flow.initial, frozenset(), False)
    previous: dict[_Node, tuple[_Node, str] | None] = {start: None}  # node -> the node and move it was reached by
    queue: deque[_Node] = deque([start])
    fallback = None
    while queue:
        node = queue.popleft()
        state, facts, promised = node
        if flow.states[state].final:
            if promised:
                return _moves(previous, node)
            fallback = fallback or node
            continue
        moves = [(CAPTURE, (state, facts, True))] if state == flow.promise_state and not promised else []
        for transition in flow.transitions:
            if state in transition.sources and _allowed(transition.conditions, transition.unless, facts, promised):
                moves.append((transition.trigger, (transition.dest, facts | set(transition.sets), promised)))
        for move, nxt in moves:
            if nxt not in previous:
                previous[nxt] = (node, move)
                queue.append(nxt)
    return _moves(previous, fallback) if fallback else []


def _allowed(conditions: list[str], unless: list[str], facts: frozenset[str], promised: bool) -> bool:
    def holds(name: str) -> bool:
        return promised if name == "promise_captured" else name in facts  # no excuse on the happy path

    return all(holds(name) for name in conditions) and not any(holds(name) for name in unless)


def _moves(previous: dict[_Node, tuple[_Node, str] | None], node: _Node) -> list[str]:
    moves: list[str] = []
    while (step := previous[node]) is not None:
        node, move = step
        moves.append(move)
    return moves[::-1]


def _call(loaded: LoadedFlow, catalog: Catalog, snapshot: AccountSnapshot, locale: str, collector: str, creditor: str, now: datetime, rules: Profile | None, recording_notice: bool) -> Call:
    context = build_context(snapshot, locale=locale, collector=collector, creditor=creditor, now=now, recording_notice=recording_notice)
    # The rules' words (the disclosure), never their clock: a preview is read at any hour.
    allowed = None if rules is None else ContactRules(rules._replace(window=(time.min, time.max)), snapshot.timezone, snapshot.account_id, snapshot.phone, (), debtor_kind=snapshot.debtor_kind)
    return Call(loaded, catalog, context, snapshot.money, clock=lambda: now, contact_rules=allowed)


def _step(call: Call) -> PreviewStep:
    step = call.step
    assert step is not None, "a started call always stands at a step"
    return PreviewStep(call.state, step.label, step.text, tuple((c.key, c.label) for c in call.choices()))


def preview(loaded: LoadedFlow, catalog: Catalog, snapshot: AccountSnapshot, *, locale: str, collector: str, creditor: str, now: datetime, state: str | None = None, rules: Profile | None = None, recording_notice: bool = False) -> list[PreviewStep]:
    """The happy path, step by step; with `state`, only that step (as on the path when it is
    on it); with `rules`, as they have it said (the debt-collector disclosure), and with
    `recording_notice` the greeting's word that the call is recorded."""
    call = _call(loaded, catalog, snapshot, locale, collector, creditor, now, rules, recording_notice)
    call.start({})
    steps = [_step(call)]
    for move in happy_path(loaded.flow):
        if move == CAPTURE:
            call.capture_promise(sample_promise(snapshot.money, snapshot.local_now(now).date()))
        else:
            call.choose(move)
        steps.append(_step(call))
    if state is None:
        return steps
    on_path = [step for step in steps if step.state == state]
    if on_path:
        return on_path[-1:]
    call = _call(loaded, catalog, snapshot, locale, collector, creditor, now, rules, recording_notice)
    call.render_at(state, ObjectionState(EXCUSE_IDS[0], 1) if state == loaded.flow.objections.state else None)
    return [_step(call)]
