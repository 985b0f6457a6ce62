"""The catalog of the six excuses: schema, loading, and the rebuttal ladders.

One YAML file per excuse id under objections/. Each rung of a ladder is a Jinja template
rendered with the call's context, tagged with its guiding principle and counters, and
ends with a commitment question (its own field, so no rung can forget to ask).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar, get_args

import jinja2
from pydantic import BaseModel, ConfigDict, Field

from callassist.core.claims import claims_in
from callassist.core.compliance import HoldReason, Stop
from callassist.core.context import CallContext, RebuttalView
from callassist.core.flow import Disposition, Phrases, Text
from callassist.core.forbidden import ForbiddenLanguage
from callassist.core.problems import ContentError, Problem, display_path
from callassist.core.quickfind import EXAMPLE_WEIGHT, ExcuseFinder, Pattern, same_phrase
from callassist.core.templates import inspect_template, make_environment, render_error, render_limited
from callassist.core.yamlfile import CONTENT, LineMap, YamlPath, line_of, load_model

ExcuseId = Literal["dodge", "old_friend", "dispute", "stall", "deflect", "wear_down"]
EXCUSE_IDS: tuple[ExcuseId, ...] = get_args(ExcuseId)
# What a debtor says that is no excuse but a fact that changes what may be done
# (DOMAIN.md): each has an exit, not a rebuttal (objections/situations/<id>.yaml).
SituationId = Literal["stop_calling", "wrong_number", "already_paid", "not_my_debt", "has_lawyer", "bankruptcy", "deceased", "hardship", "called_at_work", "complaint"]
SITUATION_IDS: tuple[SituationId, ...] = get_args(SituationId)
SITUATIONS_DIR = "situations"
SITUATION_WEIGHT = 0.7
# What a situation is about, which its words may name: the debtor's lawyer, their court.
SITUATION_TOPICS = {"has_lawyer": ("legal_referred",), "bankruptcy": ("legal_referred",)}
# A ladder climbs the seeds' four principles in this order, one rung each.
Principle = Literal["reason", "relationship", "interest", "law"]
PRINCIPLES: tuple[Principle, ...] = get_args(Principle)
Counter = Literal["persist", "stick", "frequent", "press", "quick"]
COUNTERS: tuple[Counter, ...] = get_args(Counter)
NOT_EXCUSES_FILE = "not_excuses.yaml"
RUNGS = len(PRINCIPLES)
# A case's ladder is named <excuse>.<case>: deflect.accountant_away.
CASE_SEPARATOR = "."
MIN_CUES = 3
MAX_CUE_WEIGHT = 3.0
CLOSING_QUOTES = "\"'”’」』)）"
# Jinja compiles a template made from a string under this file name.
_STRING_TEMPLATE = "<template>"


class Rung(BaseModel):
    """One rebuttal: what to say (a Jinja template), then the question that asks for a commitment."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    principle: Principle = Field(description="The guiding principle (DOMAIN.md): reason, relationship, interest or law.")
    counters: list[Counter] = Field(min_length=1, description="The counters it applies: persist, stick, frequent, press, quick.")
    text: str = Field(min_length=1, description="The rebuttal, a template with the call's values ({{ balance }} and so on).")
    commitment: str = Field(min_length=1, description="The closing question asking for a date or an amount; must end with ? or ？.")


class WeightedCue(BaseModel):
    """A cue phrase with how strongly it points at this excuse (1 unless said)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    phrase: str = Field(min_length=1)
    weight: float = Field(gt=0, le=MAX_CUE_WEIGHT, description="How strongly the phrase points at this excuse: 1 is a plain cue; a phrase listed under two excuses needs one under each.")


Cue = str | WeightedCue


class Cues(BaseModel):
    """Short phrases a debtor using this excuse says, per locale: what the quick-find matches."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: list[Cue] = Field(min_length=MIN_CUES)
    zh: list[Cue] = Field(min_length=MIN_CUES)


class Ladders(BaseModel):
    """Four rungs per locale, one for each principle in order: reason, relationship, interest, law."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: list[Rung] = Field(min_length=RUNGS, max_length=RUNGS)
    zh: list[Rung] = Field(min_length=RUNGS, max_length=RUNGS)


class Case(BaseModel):
    """One of an excuse's real sub-cases (deflect: the accountant is away, the invoice never
    came...), with cues of its own and a ladder that answers it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Lower-case letters, digits and _; the ladder is then <excuse>.<id>.")
    name: Text
    description: Text
    cues: Cues
    examples: Phrases = Field(description="Whole utterances a debtor in this case might say, per locale.")
    ladder: Ladders


class Excuse(BaseModel):
    """objections/<id>.yaml: one of the six excuses and its rebuttal ladder per locale."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: ExcuseId
    name: Text
    description: Text
    cues: Cues
    examples: Phrases = Field(description="Whole utterances a debtor might say, per locale; the quick-find learns from them as it does from cues.")
    ladder: Ladders = Field(description="The ladder for the excuse as a whole (when no case fits).")
    cases: list[Case] = Field([], description="The excuse's real sub-cases, each with its own cues and ladder; the quick-find ranks them beside the excuses.")


def ladder_id(excuse_id: str, case: str | None = None) -> str:
    """The name of a ladder: an excuse's own (deflect), or one of its cases' (deflect.signer_away)."""
    return f"{excuse_id}{CASE_SEPARATOR}{case}" if case else excuse_id


def excuse_of(ladder: str) -> tuple[str, str | None]:
    """The excuse and case a ladder name stands for."""
    excuse_id, _, case = ladder.partition(CASE_SEPARATOR)
    return excuse_id, case or None


class Situation(BaseModel):
    """objections/situations/<id>.yaml: something a debtor says that is no excuse but a
    fact that changes what may be done. The quick-find ranks it beside the excuses;
    choosing it opens its exit: what to say, what to write down, the hold it places and
    the outcome the end form suggests."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: SituationId
    name: Text
    description: Text
    hold: HoldReason | None = Field(description="The hold the exit places on the account (core/compliance.py), or null for none.")
    outcome: Disposition = Field(description="The outcome the end form suggests after the exit.")
    stop: Stop | None = Field(None, description="What the contact asked, suggested on the end form: do_not_call (this number) or cease_contact.")
    cues: Cues
    examples: Phrases = Field(description="Whole utterances a debtor might say, per locale.")
    say: Text = Field(description="What the collector says, read aloud: plain spoken words, no debt detail, no claim the account does not support.")
    capture: Text = Field(description="What to write down, shown in the details field.")


class NotExcuses(BaseModel):
    """objections/not_excuses.yaml: notes collectors write that are no excuse, per locale,
    so that looking for missed objections in notes leaves ordinary notes alone."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)


@dataclass
class _CompiledRung:
    rung: Rung
    text: jinja2.Template
    commitment: jinja2.Template
    path: str
    text_line: int
    commitment_line: int


class Catalog:
    """The six excuses and their cases, compiled; renders any rung for a call's context.

    A ladder is named by its excuse (deflect) or by its excuse and case
    (deflect.signer_away): see ladder_id()."""

    def __init__(self, excuses: dict[str, Excuse], compiled: dict[tuple[str, str], list[_CompiledRung]], not_excuses: NotExcuses | None = None, situations: dict[str, Situation] | None = None) -> None:
        self.excuses = excuses
        self.situations = situations or {}
        self._compiled = compiled
        self.not_excuses = not_excuses or NotExcuses()
        self.cases = {ladder_id(excuse_id, case.id): case for excuse_id, excuse in excuses.items() for case in excuse.cases}
        self._finder: ExcuseFinder | None = None
        self._finder_lock = threading.Lock()

    def finder(self) -> ExcuseFinder:
        """The quick-find over this catalog's cues and examples, built on first use (a
        call screen's worker builds it; anyone asking meanwhile waits for that one)."""
        with self._finder_lock:
            if self._finder is None:
                ordinary = self.not_excuses.en + self.not_excuses.zh
                self._finder = ExcuseFinder(list(_patterns(self.excuses | self.cases | self.situations)), self.ladders() + tuple(self.situations), ordinary, detectable=self.ladders(), family=lambda ladder: excuse_of(ladder)[0])
            return self._finder

    def ladders(self) -> tuple[str, ...]:
        """Every ladder: each excuse's own, then its cases', in DOMAIN.md's order."""
        return tuple(ladder for excuse_id in EXCUSE_IDS if excuse_id in self.excuses for ladder in (excuse_id, *(ladder_id(excuse_id, case.id) for case in self.excuses[excuse_id].cases)))

    def names(self, locale: str) -> dict[str, str]:
        """Each excuse's name in `locale`, by id, in DOMAIN.md's order."""
        return {excuse_id: self.excuses[excuse_id].name.get(locale) for excuse_id in EXCUSE_IDS}

    def ladder_names(self, locale: str) -> dict[str, str]:
        """Each ladder's name in `locale`: the excuse's, or the excuse's and its case's."""
        return {ladder: self.ladder_name(ladder, locale) for ladder in self.ladders()}

    def ladder_name(self, ladder: str, locale: str) -> str:
        excuse_id, case = excuse_of(ladder)
        name = self.excuses[excuse_id].name.get(locale)
        if case is None:
            return name
        return f"{name}{'：' if locale == 'zh' else ': '}{self.cases[ladder].name.get(locale)}"

    def situation_names(self, locale: str) -> dict[str, str]:
        """Each situation's name in `locale`, by id."""
        return {situation_id: situation.name.get(locale) for situation_id, situation in self.situations.items()}

    def excuse(self, excuse_id: str) -> Excuse:
        return self.excuses[excuse_id]

    def rungs(self, ladder: str, locale: str) -> int:
        return len(self._compiled[(ladder, locale)])

    def rung(self, ladder: str, rung: int, locale: str) -> Rung:
        """Rung `rung` (1-based) of a ladder: its principle and counters."""
        return self._compiled[(ladder, locale)][rung - 1].rung

    def source_of(self, ladder: str, rung: int, locale: str) -> tuple[str, int]:
        """The file and line of a rung's text, as lint names them."""
        compiled = self._compiled[(ladder, locale)][rung - 1]
        return compiled.path, compiled.text_line

    def rebuttal(self, ladder: str, rung: int, context: CallContext) -> RebuttalView:
        """Render rung `rung` (1-based) of a ladder in the context's locale."""
        locale = context.locale
        compiled_ladder = self._compiled[(ladder, locale)]
        compiled = compiled_ladder[rung - 1]
        values = context.with_rebuttal(None).template_vars
        text = _render(compiled.text, values, compiled.path, compiled.text_line)
        commitment = _render(compiled.commitment, values, compiled.path, compiled.commitment_line)
        excuse_id, case = excuse_of(ladder)
        return RebuttalView(
            excuse=excuse_id,
            case=case,
            excuse_name=self.ladder_name(ladder, locale),
            rung=rung,
            rungs=len(compiled_ladder),
            principle=compiled.rung.principle,
            counters=tuple(compiled.rung.counters),
            text=text,
            commitment=commitment,
        )


def _patterns(entries: dict[str, Excuse | Case | Situation]):
    for excuse_id, excuse in entries.items():
        # A situation stops the collection: it must be said nearly as written to rank
        # first, so a word in common does not send an excuse to an exit.
        scale = SITUATION_WEIGHT if isinstance(excuse, Situation) else 1.0
        for locale in ("en", "zh"):
            for cue in getattr(excuse.cues, locale):
                if isinstance(cue, WeightedCue):
                    yield Pattern(excuse_id, locale, cue.phrase, cue.weight * scale)
                else:
                    yield Pattern(excuse_id, locale, cue, scale)
            for example in getattr(excuse.examples, locale):
                yield Pattern(excuse_id, locale, example, EXAMPLE_WEIGHT * scale)


def _render(template: jinja2.Template, values: dict[str, object], path: str, line: int) -> str:
    try:
        return render_limited(template, values)
    except Exception as exc:  # a trainer's code failing in any way is a problem in their file, never a crash
        raise render_error(exc, path, _STRING_TEMPLATE, line_offset=line - 1) from None


# What an ASCII mark is written as in Chinese.
FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_ASCII_BY_HAN = re.compile(r"(?<=[\u3400-\u9fff“”（），。：；？！])[,:;?!()]|[,:;?!()](?=[\u3400-\u9fff“”（）])")


def ascii_marks_in_chinese(source: str) -> list[str]:
    """The ASCII punctuation beside Chinese in what a template says (its Jinja code aside)."""
    said = re.sub(r"\{\{.*?\}\}", "X", re.sub(r"\{%.*?%\}", "", source, flags=re.S), flags=re.S)
    return [match.group() for match in _ASCII_BY_HAN.finditer(said)]


def asks_question(text: str) -> bool:
    """Whether a commitment ends by asking (a question mark, perhaps inside closing quotes)."""
    return text.rstrip().rstrip(CLOSING_QUOTES).endswith(("?", "？"))


def load_catalog(directory: Path, forbidden: ForbiddenLanguage | None = None) -> Catalog:
    """Load objections/<id>.yaml for each of the six excuses; every problem at once.

    With a forbidden-language list, rebuttals that use its phrases are refused too."""
    env = make_environment()
    problems: list[Problem] = []
    excuses: dict[str, Excuse] = {}
    # Where each excuse's, case's and situation's fields are: its file, lines, and path in it.
    places: dict[str, _Place] = {}
    compiled: dict[tuple[str, str], list[_CompiledRung]] = {}
    for excuse_id in EXCUSE_IDS:
        path = directory / f"{excuse_id}.yaml"
        shown = display_path(path)
        loaded = _load_entry(Excuse, path, excuse_id, "excuse", problems)
        if loaded is None:
            continue
        excuse, lines = loaded
        excuses[excuse_id] = excuse
        places[excuse_id] = _Place(shown, lines, ())
        for index, case in enumerate(excuse.cases):
            places[ladder_id(excuse_id, case.id)] = _Place(shown, lines, ("cases", index))
        problems.extend(_repeated_cases(excuse, shown, lines))
        for ladder, entry in ((excuse_id, excuse), *((ladder_id(excuse_id, case.id), case) for case in excuse.cases)):
            for locale in ("en", "zh"):
                compiled[(ladder, locale)] = _compile_ladder(env, entry.ladder, locale, places[ladder], problems, forbidden)
    problems.extend(_repeated_questions(excuses, places))
    situations = _load_situations(directory / SITUATIONS_DIR, places, problems, forbidden)
    cases = {ladder_id(excuse_id, case.id): case for excuse_id, excuse in excuses.items() for case in excuse.cases}
    problems.extend(_shared_phrases(excuses | cases | situations, places))
    not_excuses = None
    if (directory / NOT_EXCUSES_FILE).exists():
        try:
            not_excuses, _ = load_model(NotExcuses, directory / NOT_EXCUSES_FILE)
        except ContentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ContentError(problems)
    return Catalog(excuses, compiled, not_excuses, situations)


@dataclass(frozen=True)
class _Place:
    shown: str  # the file, as problems name it
    lines: LineMap
    at: YamlPath  # the path to the entry in its file: () for a file's own, ("cases", 2) for a case

    def line(self, *path: str | int) -> tuple[int, int]:
        return line_of(self.lines, self.at + path)


def _repeated_questions(excuses: dict[str, Excuse], places: dict[str, _Place]) -> list[Problem]:
    """Each rung asks a step more than the others: no two rungs of the catalog ask the same question."""
    problems: list[Problem] = []
    asked: dict[tuple[str, str], str] = {}  # (locale, question) -> the rung that asks it first
    for excuse_id, excuse in excuses.items():
        for ladder, entry in ((excuse_id, excuse), *((ladder_id(excuse_id, case.id), case) for case in excuse.cases)):
            for locale in ("en", "zh"):
                for index, rung in enumerate(getattr(entry.ladder, locale)):
                    key = (locale, " ".join(rung.commitment.split()))
                    if key in asked:
                        line, col = places[ladder].line("ladder", locale, index, "commitment")
                        problems.append(Problem(places[ladder].shown, line, col, "E049", f"the same question as {asked[key]}", "ask each rung its own step further: a date, an amount, a name, a document"))
                    else:
                        asked[key] = f"{ladder} rung {index + 1} ({locale})"
    return problems


def _repeated_cases(excuse: Excuse, shown: str, lines: LineMap) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, case in enumerate(excuse.cases):
        if case.id in seen:
            line, col = line_of(lines, ("cases", index, "id"))
            problems.append(Problem(shown, line, col, "E046", f"the case {case.id!r} is listed twice", "give each case its own id"))
        seen.add(case.id)
    return problems


# What one file of the catalog holds: an excuse or a situation, named by its id.
_Entry = TypeVar("_Entry", Excuse, Situation)


def _load_entry(model: type[_Entry], path: Path, entry_id: str, kind: str, problems: list[Problem]) -> tuple[_Entry, LineMap] | None:
    """One excuse's or situation's file, validated, with its line map; None (and its
    problems added) when it is missing, broken or declares another id."""
    shown = display_path(path)
    if not path.exists():
        where = path.name if kind == "excuse" else f"{SITUATIONS_DIR}/{path.name}"
        problems.append(Problem(shown, 1, 1, "E040", f"the {kind} {entry_id!r} has no file", f"create {where}"))
        return None
    try:
        entry, lines = load_model(model, path)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None
    if entry.id != entry_id:
        line, col = line_of(lines, ("id",))
        problems.append(Problem(shown, line, col, "E041", f"file {path.name} declares id {entry.id!r}", f"use id: {entry_id}"))
        return None
    return entry, lines


def _load_situations(directory: Path, places: dict[str, _Place], problems: list[Problem], forbidden: ForbiddenLanguage | None) -> dict[str, Situation]:
    """objections/situations/<id>.yaml for each situation; what it says is checked
    against the forbidden language like a rebuttal."""
    situations: dict[str, Situation] = {}
    for situation_id in SITUATION_IDS:
        path = directory / f"{situation_id}.yaml"
        loaded = _load_entry(Situation, path, situation_id, "situation", problems)
        if loaded is None:
            continue
        situation, lines = loaded
        shown = display_path(path)
        for locale in ("en", "zh"):
            line, _ = line_of(lines, ("say", locale, CONTENT))
            said = situation.say.get(locale)
            if forbidden is not None:
                problems.extend(forbidden.problems(said, locale, shown, line_offset=line - 1))
            problems.extend(
                Problem(shown, line, 1, "E054", f"“{words}” claims what the account may not support", "a situation's words make no claim of ours: no lawyer, supply or final letter of ours")
                for fact, words in claims_in(said)
                if fact not in SITUATION_TOPICS.get(situation_id, ())
            )
        situations[situation_id] = situation
        places[situation_id] = _Place(shown, lines, ())
    return situations


def _shared_phrases(entries: dict[str, Excuse | Case | Situation], places: dict[str, _Place]) -> list[Problem]:
    """A phrase under two excuses, cases or situations must say, under each, how strongly
    it points there; an example under two, or one with nothing to match, teaches nothing."""
    where: dict[str, list[tuple[str, str, str, int, bool]]] = {}  # phrase -> (entry, field, locale, index, weighted)
    order = list(entries)
    problems: list[Problem] = []
    for entry_id, entry in entries.items():
        place = places[entry_id]
        for field in ("cues", "examples"):
            for locale in ("en", "zh"):
                for index, said in enumerate(getattr(getattr(entry, field), locale)):
                    text = said.phrase if isinstance(said, WeightedCue) else said
                    key = same_phrase(text)
                    if not key:
                        line, col = place.line(field, locale, index)
                        problems.append(Problem(place.shown, line, col, "E044", f"{text!r} has no words or characters to match", "write what a debtor says"))
                        continue
                    where.setdefault(key, []).append((entry_id, field, locale, index, isinstance(said, WeightedCue)))
    for key, found in where.items():
        entry_ids = sorted({place[0] for place in found}, key=order.index)
        if len(entry_ids) < 2:
            continue
        for entry_id, field, locale, index, weighted in found:
            if weighted:
                continue
            others = ", ".join(e for e in entry_ids if e != entry_id)
            line, col = places[entry_id].line(field, locale, index)
            hint = "give it a weight under each, e.g. {phrase: ..., weight: 0.5}, or keep it under one" if field == "cues" else "keep an example under one excuse or case only"
            problems.append(Problem(places[entry_id].shown, line, col, "E045", f"{key!r} is listed under {others} too, without a weight", hint))
    return problems


def _compile_ladder(env: jinja2.Environment, ladders: Ladders, locale: str, place: _Place, problems: list[Problem], forbidden: ForbiddenLanguage | None) -> list[_CompiledRung]:
    ladder: list[_CompiledRung] = []
    for index, rung in enumerate(getattr(ladders, locale)):
        if rung.principle != PRINCIPLES[index]:
            line, col = place.line("ladder", locale, index, "principle")
            problems.append(Problem(place.shown, line, col, "E047", f"rung {index + 1} is {rung.principle}, where the ladder needs {PRINCIPLES[index]}", "climb the four principles in order: " + ", ".join(PRINCIPLES)))
        parts: dict[str, tuple[jinja2.Template, int]] = {}  # field -> (compiled, its first line)
        for field in ("text", "commitment"):
            line, _ = place.line("ladder", locale, index, field, CONTENT)
            source = getattr(rung, field)
            report = inspect_template(env, source, place.shown, line_offset=line - 1)
            problems.extend(report.problems)
            if forbidden is not None:
                problems.extend(forbidden.problems(source, locale, place.shown, line_offset=line - 1))
            if report.template is not None:
                parts[field] = (report.template, line)
        if not asks_question(rung.commitment):
            line, col = place.line("ladder", locale, index, "commitment")
            problems.append(Problem(place.shown, line, col, "E043", "the commitment does not ask a question", "end every rung by asking for a date or an amount, with a question mark"))
        if locale == "zh":
            for field in ("text", "commitment"):
                for mark in ascii_marks_in_chinese(getattr(rung, field)):
                    line, col = place.line("ladder", locale, index, field)
                    problems.append(Problem(place.shown, line, col, "E048", f"the ASCII {mark!r} in Chinese", f"write the full-width {FULL_WIDTH[mark]!r}"))
        if len(parts) == 2:
            ladder.append(_CompiledRung(rung, parts["text"][0], parts["commitment"][0], place.shown, parts["text"][1], parts["commitment"][1]))
    return ladder
