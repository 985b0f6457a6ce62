"""Check trainer content: every problem in scripts/ and objections/, all at once, sorted.

The app loads a script through `check_content`, which runs the same checks, so what lints
clean is exactly what a collector can get and anything else is refused before a call.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from pathlib import Path

from callassist.core.context import DEBT_DETAILS
from callassist.core.flow import FLOW_FILE, PURPOSE, VERIFIED, LoadedFlow, load_flow, purpose_states, states_before
from callassist.core.forbidden import FORBIDDEN_FILE, ForbiddenLanguage, load_forbidden
from callassist.core.i18n import LOCALES
from callassist.core.objections import FULL_WIDTH, Catalog, ascii_marks_in_chinese, load_catalog
from callassist.core.personas import PERSONAS_DIR, load_personas
from callassist.core.preflight import preflight
from callassist.core.problems import ContentError, Problem, display_path
from callassist.core.shipped import SHIPPED_SCRIPTS
from callassist.core.templates import inspect_template, make_environment, missing_template
from callassist.core.yamlfile import line_of


def forbidden_list(scripts_dir: Path) -> tuple[ForbiddenLanguage | None, list[Problem]]:
    """The trainers' list beside their scripts, or the packaged one when they keep none."""
    path = scripts_dir / FORBIDDEN_FILE
    if not path.exists():
        path = SHIPPED_SCRIPTS / FORBIDDEN_FILE
    return load_forbidden(path)


def check_script(directory: Path, forbidden: ForbiddenLanguage | None) -> tuple[LoadedFlow | None, list[Problem]]:
    """The flow file, then every template of every state in every locale, read but not run."""
    try:
        loaded = load_flow(directory)
    except ContentError as exc:
        return None, exc.problems
    flow, lines = loaded.flow, loaded.lines
    flow_path = directory / FLOW_FILE
    before = states_before(flow, VERIFIED)
    unannounced = states_before(flow, PURPOSE) - purpose_states(flow)
    problems: list[Problem] = []
    env = make_environment()
    for state_id, state in flow.states.items():
        line, col = line_of(lines, ("states", state_id))
        if state_id in before and state.discloses_debt:
            problems.append(
                Problem(
                    display_path(flow_path), line, col, "E027", f"state {state_id!r} discloses the debt but can be reached before the right party is verified", "only a verified debtor may hear debt details; require right_party_verified on the way in"
                )
            )
        elif state_id in unannounced and state.discloses_debt:
            problems.append(
                Problem(
                    display_path(flow_path),
                    line,
                    col,
                    "E019",
                    f"state {state_id!r} names the debt but can be reached before the collector has said who they are and why they call",
                    "require purpose_stated on the way in (set by the choice that leaves the purpose step)",
                )
            )
        for locale in LOCALES:
            path = loaded.template_path(locale, state.template_name(state_id))
            source = loaded.template_source(locale, state.template_name(state_id))
            if source is None:
                problems.append(missing_template(path))
                continue
            shown = display_path(path)
            report = inspect_template(env, source, shown)
            problems.extend(report.problems)
            if forbidden is not None:
                problems.extend(forbidden.problems(source, locale, shown))
            if locale == "zh":
                problems.extend(Problem(shown, number, 1, "E048", f"the ASCII {mark!r} in Chinese", f"write the full-width {FULL_WIDTH[mark]!r}") for number, text in enumerate(source.splitlines(), 1) for mark in ascii_marks_in_chinese(text))
            debt = sorted(report.names & DEBT_DETAILS)
            if debt and state_id in before:
                problems.append(
                    Problem(shown, 1, 1, "E027", f"uses debt details ({', '.join(debt)}) in state {state_id!r}, which can be reached before the right party is verified", "say only your name, company and a callback request to anyone else")
                )
            elif debt and not state.discloses_debt and state_id != flow.initial:  # the initial state is read before dialling
                problems.append(
                    Problem(display_path(flow_path), line, col, "E028", f"state {state_id!r} uses debt details ({', '.join(debt)}) in {shown} but is not marked discloses_debt", "add discloses_debt: true, so the call's record says what was disclosed")
                )
    return (None if problems else loaded), problems


Checked = tuple[LoadedFlow | None, Catalog | None, list[Problem]]
_CHECKED: OrderedDict[tuple[object, ...], Checked] = OrderedDict()
_CHECKED_KEPT = 4  # a script and the packaged one, each with and without rehearsal


def content_digest(*folders: Path) -> str:
    """A SHA-256 over every file under `folders` (names and bytes, symlinks followed) and
    the packaged forbidden list, which a folder without its own list falls back on."""
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(f"{folder.resolve()}\0".encode())
        for root, dirs, files in os.walk(folder, followlinks=True):
            dirs.sort()
            for name in sorted(files):
                path = Path(root, name)
                digest.update(f"{path.relative_to(folder)}\0".encode())
                digest.update(path.read_bytes())
    digest.update((SHIPPED_SCRIPTS / FORBIDDEN_FILE).read_bytes())
    return digest.hexdigest()


def check_content(scripts_dir: Path, script: str, objections_dir: Path, rehearse: bool = True) -> Checked:
    """One script and the catalog, as the app uses them: both, or the problems found.
    `rehearse`: also render every step and rung (preflight); what only reads their names
    (a report) does without, a second and a half sooner.

    The same files are checked once per process (two seconds each time): the answer is
    kept under a digest of every byte read, so a trainer's edit is always checked anew."""
    try:
        key = (content_digest(scripts_dir, objections_dir), script, rehearse, Path.cwd())
    except OSError:  # a folder that cannot be read: the checks say what is wrong with it
        return _check_content(scripts_dir, script, objections_dir, rehearse)
    if key not in _CHECKED:
        _CHECKED[key] = _check_content(scripts_dir, script, objections_dir, rehearse)
        while len(_CHECKED) > _CHECKED_KEPT:
            _CHECKED.popitem(last=False)
    _CHECKED.move_to_end(key)
    flow, catalog, problems = _CHECKED[key]
    return flow, catalog, list(problems)


def _check_content(scripts_dir: Path, script: str, objections_dir: Path, rehearse: bool) -> Checked:
    forbidden, problems = forbidden_list(scripts_dir)
    flow, found = check_script(scripts_dir / script, forbidden)
    problems += found
    catalog = _catalog(objections_dir, forbidden, problems)
    if rehearse and flow is not None and catalog is not None:
        problems += preflight(flow, catalog, forbidden)
    problems = sorted(set(problems))
    if problems:
        return None, None, problems
    return flow, catalog, []


def lint(scripts_dir: Path, objections_dir: Path, practice_script: str = "standard") -> list[Problem]:
    """Every problem in every script under `scripts_dir`, in the catalog, and in the
    practice personas (whose lines follow `practice_script`)."""
    forbidden, problems = forbidden_list(scripts_dir)
    catalog = _catalog(objections_dir, forbidden, problems)
    scripts = sorted(p for p in scripts_dir.iterdir() if p.is_dir()) if scripts_dir.is_dir() else []
    if not scripts:
        problems.append(Problem(display_path(scripts_dir), 1, 1, "E003", "no script here", f"a script is a folder with a {FLOW_FILE} and a folder of templates per locale"))
    for directory in scripts:
        if not (directory / FLOW_FILE).exists():
            problems.append(Problem(display_path(directory / FLOW_FILE), 1, 1, "E003", f"the folder {directory.name!r} has no {FLOW_FILE}", "every folder under scripts/ is a script"))
            continue
        flow, found = check_script(directory, forbidden)
        problems += found
        if flow is not None and catalog is not None:
            problems += preflight(flow, catalog, forbidden)
            if directory.name == practice_script:
                problems += load_personas(objections_dir / PERSONAS_DIR, flow.flow, catalog)[1]
    return sorted(set(problems))


def _catalog(directory: Path, forbidden: ForbiddenLanguage | None, problems: list[Problem]) -> Catalog | None:
    try:
        return load_catalog(directory, forbidden)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None
