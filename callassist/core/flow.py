"""The schema of a script's flow file (scripts/NAME/flow.yaml), loaded and checked.

A flow names states, the choices between them, which states disclose debt details,
and where the six excuses lead. Everything a collector sees is in the per-locale
templates beside it (scripts/NAME/<locale>/<state>.j2).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callassist.core.conditions import CONDITIONS, FACTS
from callassist.core.problems import ContentError, Problem, display_path
from callassist.core.yamlfile import line_of, read_yaml, validate

FLOW_FILE = "flow.yaml"
DISPOSITIONS = ("promise", "callback", "dispute", "no_answer", "wrong_party", "refused", "escalated", "abusive")
# Keys the call screen keeps for itself: the six excuses, notes, end call, help, quit.
RESERVED_KEYS = frozenset("123456nx?q")
TRIGGER_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """One short text in every supported locale."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, locale: str) -> str:
        return getattr(self, locale)


class State(Strict):
    label: Text
    template: str | None = None
    discloses_debt: bool = False
    final: bool = False
    form: Literal["promise"] | None = None

    def template_name(self, state_id: str) -> str:
        return self.template or f"{state_id}.j2"


class Transition(Strict):
    trigger: str
    key: str = Field(min_length=1, max_length=1)
    label: Text
    source: str | list[str]
    dest: str
    conditions: list[str] = []
    unless: list[str] = []
    sets: list[str] = []
    disposition: Literal[DISPOSITIONS] | None = None  # type: ignore[valid-type]

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
    state: str
    allowed_from: list[str]
    conditions: list[str] = ["right_party_verified"]


class Flow(Strict):
    name: str
    title: Text
    initial: str
    promise_state: str
    states: dict[str, State]
    transitions: list[Transition]
    objections: Objections


class LoadedFlow:
    """A validated flow, with where it came from and the hash that pins its version."""

    def __init__(self, flow: Flow, directory: Path, content_hash: str) -> None:
        self.flow = flow
        self.directory = directory
        self.content_hash = content_hash

    @property
    def name(self) -> str:
        return self.flow.name


def script_hash(directory: Path) -> str:
    """A hash of every file of a script, so a call records which version it used."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_flow(directory: Path) -> LoadedFlow:
    """Load and check scripts/NAME/flow.yaml; raise ContentError listing every problem."""
    path = directory / FLOW_FILE
    data, lines = read_yaml(path)
    flow = validate(Flow, data, lines, path)
    problems = check_flow(flow, lines, path)
    if problems:
        raise ContentError(problems)
    return LoadedFlow(flow, directory, script_hash(directory))


def check_flow(flow: Flow, lines: dict, path: Path) -> list[Problem]:
    """What the schema cannot say: names that must exist, guards from the allow-list, keys."""
    shown = display_path(path)
    problems: list[Problem] = []

    def add(loc: tuple, code: str, message: str, hint: str = "") -> None:
        line, col = line_of(lines, loc)
        problems.append(Problem(shown, line, col, code, message, hint))

    def state_exists(name: str, loc: tuple) -> None:
        if name not in flow.states:
            close = difflib.get_close_matches(name, list(flow.states), n=1)
            add(loc, "E020", f"unknown state {name!r}", f"did you mean {close[0]!r}?" if close else "declare it under states:")

    def guard_allowed(name: str, loc: tuple) -> None:
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
    return problems

