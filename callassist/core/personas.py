"""Debtor personas for practice calls: objections/personas/<id>.yaml, written by trainers.

A persona says a line when the call enters a step, raises its excuses (one, or several
in turn, as debtors mix them) at the steps the file names, and answers each rung of the
right rebuttal ladder; after its last reply it softens. The call runs on a sample account
that fits the persona (`account`: overdue, nothing due yet, or a promise open; a company
or a consumer), and is scored against the outcome a well-worked call with it ends in.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from callassist.core.flow import Disposition, Flow, Text
from callassist.core.i18n import LOCALES
from callassist.core.objections import EXCUSE_IDS, Catalog, ExcuseId
from callassist.core.preflight import SampleDebtor, SampleStanding
from callassist.core.problems import ContentError, Problem, display_path
from callassist.core.yamlfile import LineMap, YamlPath, line_of, load_model

PERSONAS_DIR = "personas"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonaExcuse(_Strict):
    """One excuse the persona uses, where it uses it, and how it answers the right ladder."""

    excuse: ExcuseId = Field(description="dodge, old_friend, dispute, stall, deflect or wear_down.")
    at: str = Field(description="The step at which the debtor raises it (one where excuses are answered).")
    says: Text = Field(description="The excuse in the debtor's words.")
    replies: list[Text] = Field(min_length=1, description="The debtor's answer to rung 1, 2, ... of the right ladder; after the last one the debtor softens.")


class PracticeAccount(_Strict):
    """The sample account a practice call with this persona runs on."""

    standing: SampleStanding = Field(default="overdue", description="overdue (past due, an earlier promise broken), not_yet_due (nothing late yet: a reminder call) or promise_open (a promise falls due in a few days: a check call).")
    debtor: SampleDebtor = Field(default="company", description="company (a business, its finance manager to ask for) or consumer (a person, on a private number).")


class Persona(_Strict):
    """objections/personas/<id>.yaml: a simulated debtor for practice calls."""

    id: str
    name: Text
    description: Text
    account: PracticeAccount = Field(PracticeAccount(), description="The sample account the call runs on; by default an overdue company account.")
    step: str | None = Field(None, description="The step this persona rehearses (by state name), when it is not on the way to a promise: the score expects the call to pass through it.")
    outcome: Disposition = Field("promise", description="How a well-worked call with this debtor ends (an outcome a choice of the script suggests): promise by default; left_message, reminded, callback...")
    says: dict[str, Text] = Field({}, description="The debtor's line when the call enters each step (by state name).")
    excuses: list[PersonaExcuse] = Field([], description="The excuses, in the order the debtor uses them. Only a debtor met where no excuse is answered (a voicemail, someone else on the line, a reminder) has none, and its outcome is not a promise.")


def load_personas(directory: Path, flow: Flow, catalog: Catalog) -> tuple[dict[str, Persona], list[Problem]]:
    """Every persona file that is valid for `flow` and `catalog`, and the problems of the others."""
    personas: dict[str, Persona] = {}
    problems: list[Problem] = []
    paths = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not paths:
        problems.append(Problem(display_path(directory), 1, 1, "E060", "no persona files", "practice needs at least one persona: objections/personas/<id>.yaml"))
    for path in paths:
        try:
            persona, lines = load_model(Persona, path)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        found = _check(persona, flow, catalog, lines, path)
        problems.extend(found)
        if not found:
            personas[persona.id] = persona
    # One-excuse personas first, in the order of DOMAIN.md's six; then the mixed ones; then
    # those who rehearse a step where no excuse is answered.
    personas = dict(sorted(personas.items(), key=lambda item: (not item[1].excuses, len(item[1].excuses), EXCUSE_IDS.index(item[1].excuses[0].excuse) if item[1].excuses else 0, item[0])))
    used = {excuse.excuse for persona in personas.values() for excuse in persona.excuses}
    for excuse_id in EXCUSE_IDS:
        if paths and excuse_id not in used:
            problems.append(Problem(display_path(directory), 1, 1, "E065", f"no persona rehearses the excuse {excuse_id!r}", "give every excuse at least one persona"))
    return personas, problems


def _check(persona: Persona, flow: Flow, catalog: Catalog, lines: LineMap, path: Path) -> list[Problem]:
    shown = display_path(path)
    problems: list[Problem] = []

    def add(loc: YamlPath, code: str, message: str, hint: str) -> None:
        line, col = line_of(lines, loc)
        problems.append(Problem(shown, line, col, code, message, hint))

    def state_exists(name: str, loc: YamlPath) -> bool:
        if name in flow.states:
            return True
        close = difflib.get_close_matches(name, list(flow.states), n=1)
        add(loc, "E061", f"unknown state {name!r} in script {flow.name!r}", f"did you mean {close[0]!r}?" if close else f"states: {', '.join(flow.states)}")
        return False

    if persona.id != path.stem:
        add(("id",), "E064", f"file {path.name} declares id {persona.id!r}", f"use id: {path.stem}")
    suggested = {transition.disposition for transition in flow.transitions if transition.disposition}
    if persona.outcome not in suggested:
        add(("outcome",) if "outcome" in persona.model_fields_set else ("id",), "E067", f"no choice of script {flow.name!r} ends a call as {persona.outcome!r}", f"use one of: {', '.join(sorted(suggested))}")
    if not persona.excuses and persona.outcome == "promise":
        add(("excuses",) if "excuses" in persona.model_fields_set else ("id",), "E068", "a persona without excuses must name the outcome it rehearses", "add its excuses, or outcome: left_message, reminded, callback ...")
    if persona.step is not None:
        state_exists(persona.step, ("step",))
    for state in persona.says:
        state_exists(state, ("says", state))
    seen: set[str] = set()
    for index, excuse in enumerate(persona.excuses):
        if state_exists(excuse.at, ("excuses", index, "at")) and excuse.at not in flow.objections.allowed_from:
            add(("excuses", index, "at"), "E062", f"excuses are not answered in state {excuse.at!r}", f"use one of: {', '.join(flow.objections.allowed_from)}")
        rungs = min(catalog.rungs(excuse.excuse, locale) for locale in LOCALES)
        if len(excuse.replies) > rungs:
            add(("excuses", index, "replies"), "E066", f"{len(excuse.replies)} replies, but the {excuse.excuse!r} ladder has {rungs} rungs", "the debtor must be able to soften: no more replies than rungs")
        if excuse.excuse in seen:
            add(("excuses", index, "excuse"), "E063", f"the excuse {excuse.excuse!r} is used twice", "a persona uses each excuse once; write another persona for more")
        seen.add(excuse.excuse)
    return problems
