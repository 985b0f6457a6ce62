"""The schema of a script's flow file (scripts/NAME/flow.yaml), loaded and checked.

A flow names states, the choices between them, which states disclose debt details,
and where the six excuses lead. Everything a collector sees is in the per-locale
templates beside it (scripts/NAME/<locale>/<state>.j2).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callassist.core.conditions import CONDITIONS, FACTS
from callassist.core.problems import ContentError, Problem, display_path, link_problem
from callassist.core.templates import ScriptTemplates
from callassist.core.yamlfile import LineMap, YamlPath, line_of, load_model

FLOW_FILE = "flow.yaml"
Disposition = Literal["promise", "callback", "dispute", "no_answer", "wrong_party", "refused", "escalated", "abusive", "on_hold", "left_message", "reminded"]
DISPOSITIONS: tuple[Disposition, ...] = get_args(Disposition)
# A call left from its first step, before anything was dialled: stored and replayable,
# never an attempt, a conversation or a flag. Not offered by the end form.
NOT_DIALLED = "not_dialled"
# Outcomes of a call that spoke with nobody (no answer, a machine).
UNANSWERED = ("no_answer", "left_message")
ENDINGS = DISPOSITIONS + (NOT_DIALLED,)  # every outcome a stored call may have
# Keys the call screen keeps for itself: the six excuses, note, promise form, end call, help, quit.
RESERVED_KEYS = frozenset("123456nmx?q/Hu")
TRIGGER_RE = re.compile(r"^[a-z][a-z0-9_]*$")
VERIFIED = "right_party_verified"
PURPOSE = "purpose_stated"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """One short text in every supported locale."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        return getattr(self, locale)


class Phrases(Strict):
    """Several short texts in every supported locale."""

    en: list[str] = Field(min_length=1)
    zh: list[str] = Field(min_length=1)


class State(Strict):
    """One step of the call: what the collector reads is in <locale>/<state>.j2."""

    label: Text = Field(description="The step's name on the call screen, in every locale.")
    template: str | None = Field(None, description="The template file name when it is not <state>.j2.")
    discloses_debt: bool = Field(False, description="True when this step names the debt (amount, invoices): only for a verified debtor.")
    final: bool = Field(False, description="True for a step that ends the call (the outcome is recorded from there).")
    form: Literal["promise"] | None = Field(None, description="promise: this step opens the written-promise form.")

    def template_name(self, state_id: str) -> str:
        return self.template or f"{state_id}.j2"


class Transition(Strict):
    """A choice: what the debtor did, one key on the choice bar, and where the call goes."""

    trigger: str = Field(description="A name for the choice: lower-case letters, digits and _.")
    key: str = Field(min_length=1, max_length=1, description="The key that takes this choice; not one of 1-6 n m x ? q /.")
    label: Text = Field(description="What the choice bar says, in every locale.")
    source: str | list[str] = Field(description="The state (or states) this choice is offered in.")
    dest: str = Field(description="The state the call moves to.")
    conditions: list[str] = Field([], description="Offered only when all these hold (names from the allow-list).")
    unless: list[str] = Field([], description="Not offered when any of these holds.")
    sets: list[str] = Field([], description="Facts this choice establishes, e.g. right_party_verified.")
    disposition: Disposition | None = Field(None, description="The outcome this choice suggests for the end of the call.")

    @field_validator("trigger")
    @classmethod
    def _trigger_name(cls, value: str) -> str:
        if not TRIGGER_RE.match(value):
            raise ValueError("use lower-case letters, digits and _ and start with a letter")
        return value

    @property
    def sources(self) -> list[str]:
        return [self.source] if isinstance(self.source, str) else list(self.source)


class Objections(Strict):
    """Where keys 1-6 (the six excuses) lead, and from which states they work."""

    state: str = Field(description="The state that shows the rebuttal ladder.")
    allowed_from: list[str] = Field(description="States in which the debtor's excuses are answered.")
    conditions: list[str] = Field(["right_party_verified"], description="Guards for raising an excuse; keep right_party_verified.")


class Flow(Strict):
    """scripts/NAME/flow.yaml: the steps of a call and the choices between them."""

    name: str
    title: Text
    initial: str
    promise_state: str
    states: dict[str, State]
    transitions: list[Transition]
    objections: Objections

    def state_labels(self, locale: str) -> dict[str, str]:
        return {state: spec.label.get(locale) for state, spec in self.states.items()}


class LoadedFlow:
    """A validated flow with its templates read into memory, and the hash of that version.

    Everything a call renders comes from here, so a call keeps the words it started
    with however the files change while it runs.
    """

    def __init__(self, flow: Flow, directory: Path, templates: dict[str, str], content_hash: str, lines: LineMap) -> None:
        self.flow = flow
        self.directory = directory
        self.templates = templates  # "en/purpose.j2" -> its text
        self.content_hash = content_hash
        self.lines = lines  # where each key of flow.yaml stands, for problems found later
        self._compiled: dict[str, ScriptTemplates] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.flow.name

    def template_path(self, locale: str, name: str) -> Path:
        return self.directory / locale / name

    def template_source(self, locale: str, name: str) -> str | None:
        return self.templates.get(f"{locale}/{name}")

    def templates_for(self, locale: str) -> ScriptTemplates:
        """This version's templates in `locale`, compiled once for every call that uses them."""
        with self._lock:
            if locale not in self._compiled:
                self._compiled[locale] = ScriptTemplates(self, locale)
            return self._compiled[locale]


def _read_script(directory: Path) -> tuple[dict[str, str], str]:
    """Every template of a script as text, and a hash of all its files (its version)."""
    digest = hashlib.sha256()
    templates: dict[str, str] = {}
    problems: list[Problem] = []
    for path in sorted(directory.rglob("*")):
        if link := link_problem(path):
            problems.append(link)
            continue
        if not path.is_file():
            continue
        relative = path.relative_to(directory).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(display_path(path), 1, 1, "E001", f"cannot read file: {exc.strerror or exc}"))
            continue
        digest.update(relative.encode() + b"\0" + data)
        if path.suffix == ".j2":
            try:
                templates[relative] = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(Problem(display_path(path), 1, 1, "E001", f"not UTF-8 text: {exc.reason}", "save the file as UTF-8"))
    if problems:
        raise ContentError(problems)
    return templates, digest.hexdigest()[:16]


def load_flow(directory: Path) -> LoadedFlow:
    """Load and check scripts/NAME/flow.yaml and read its templates; raise ContentError
    listing every problem."""
    path = directory / FLOW_FILE
    if link := link_problem(directory):
        raise ContentError([link])
    flow, lines = load_model(Flow, path)
    problems = check_flow(flow, lines, path)
    if problems:
        raise ContentError(problems)
    templates, content_hash = _read_script(directory)
    return LoadedFlow(flow, directory, templates, content_hash, lines)


def check_flow(flow: Flow, lines: LineMap, path: Path) -> list[Problem]:
    """What the schema cannot say: names that must exist, guards from the allow-list, keys."""
    shown = display_path(path)
    problems: list[Problem] = []

    def add(loc: YamlPath, code: str, message: str, hint: str = "") -> None:
        line, col = line_of(lines, loc)
        problems.append(Problem(shown, line, col, code, message, hint))

    def state_exists(name: str, loc: YamlPath) -> None:
        if name not in flow.states:
            close = difflib.get_close_matches(name, list(flow.states), n=1)
            add(loc, "E020", f"unknown state {name!r}", f"did you mean {close[0]!r}?" if close else "declare it under states:")

    def guard_allowed(name: str, loc: YamlPath) -> None:
        if name not in CONDITIONS:
            close = difflib.get_close_matches(name, list(CONDITIONS), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(sorted(CONDITIONS))}"
            add(loc, "E021", f"condition {name!r} is not on the allow-list", hint)

    state_exists(flow.initial, ("initial",))
    state_exists(flow.promise_state, ("promise_state",))
    state_exists(flow.objections.state, ("objections", "state"))
    for index, name in enumerate(flow.objections.allowed_from):
        state_exists(name, ("objections", "allowed_from", index))
    for index, name in enumerate(flow.objections.conditions):
        guard_allowed(name, ("objections", "conditions", index))

    keys_by_source: dict[str, dict[str, str]] = {}
    for index, transition in enumerate(flow.transitions):
        loc = ("transitions", index)
        for source in transition.sources:
            state_exists(source, loc + ("source",))
            taken = keys_by_source.setdefault(source, {})
            other = taken.get(transition.key)
            if other and other != transition.trigger:
                add(loc + ("key",), "E022", f"key {transition.key!r} is used by {other!r} from state {source!r} too", "give each choice of a state its own key")
            taken[transition.key] = transition.trigger
        state_exists(transition.dest, loc + ("dest",))
        if transition.key in RESERVED_KEYS:
            add(loc + ("key",), "E023", f"key {transition.key!r} is reserved by the call screen", f"reserved: {' '.join(sorted(RESERVED_KEYS))}")
        for field in ("conditions", "unless"):
            for i, name in enumerate(getattr(transition, field)):
                guard_allowed(name, loc + (field, i))
        for i, name in enumerate(transition.sets):
            if name not in FACTS:
                add(loc + ("sets", i), "E024", f"{name!r} is not a fact a choice can set", f"allowed: {', '.join(sorted(FACTS))}")
    if not problems:  # paths are only worth following once every name resolves
        _check_paths(flow, add)
    return problems


def _exits(flow: Flow) -> dict[str, set[str]]:
    """Where each state can lead: its choices, and the objection step from where excuses are allowed."""
    leads: dict[str, set[str]] = {state: set() for state in flow.states}
    for transition in flow.transitions:
        for source in transition.sources:
            leads[source].add(transition.dest)
    for source in flow.objections.allowed_from:
        leads[source].add(flow.objections.state)
    return leads


def _check_paths(flow: Flow, add: Callable[[YamlPath, str, str, str], None]) -> None:
    """States a call can never reach, and states a call can enter but never leave for an end."""
    leads = _exits(flow)
    reached = _closure({flow.initial}, leads)
    finals = {state for state, spec in flow.states.items() if spec.final}
    if not finals:
        add(("states",), "E029", "no state is final, so no call can end", "mark the closing state with final: true")
    backwards: dict[str, set[str]] = {state: set() for state in flow.states}
    for source, dests in leads.items():
        for dest in dests:
            backwards[dest].add(source)
    can_end = _closure(finals, backwards)
    for state, spec in flow.states.items():
        if state not in reached:
            add(("states", state), "E025", f"state {state!r} can never be reached from {flow.initial!r}", "lead a choice to it, or remove it")
        elif not spec.final and not leads[state]:
            add(("states", state), "E026", f"state {state!r} has no way out and is not final", "add a choice from it, or mark it final: true")
        elif finals and state not in can_end:
            add(("states", state), "E026", f"from state {state!r} no choice ever leads to a final state", "add a choice towards the end of the call")


def _closure(start: set[str], leads: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    frontier = list(start)
    while frontier:
        for nxt in leads.get(frontier.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


def states_before(flow: Flow, fact: str) -> set[str]:
    """States a call can be in, with someone on the line, before `fact` is established
    (right_party_verified: no debt details there yet). The initial state is read before
    dialling, so it counts only if a choice leads back into it."""
    leads: dict[str, set[str]] = {state: set() for state in flow.states}
    for transition in flow.transitions:
        if fact in transition.conditions or fact in transition.sets:
            continue
        for source in transition.sources:
            leads[source].add(transition.dest)
    if fact not in flow.objections.conditions:
        for source in flow.objections.allowed_from:
            leads[source].add(flow.objections.state)
    return _closure(set(leads[flow.initial]), leads)


def purpose_states(flow: Flow) -> set[str]:
    """The steps where the collector says who they are and why they call: those a choice
    setting purpose_stated leaves. The only steps that may name the debt before it."""
    return {source for transition in flow.transitions if PURPOSE in transition.sets for source in transition.sources}
