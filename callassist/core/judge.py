"""What reads an ended call for its summary (core/figures.py Judge), from the content in use."""

from __future__ import annotations

from pathlib import Path

from callassist.core.call import Event
from callassist.core.compliance import PROFILES, Profile
from callassist.core.figures import Flagger, Judge
from callassist.core.flow import Flow
from callassist.core.forbidden import ForbiddenLanguage
from callassist.core.lint import check_content, forbidden_list
from callassist.core.objections import Catalog
from callassist.core.scorecard import same_day_contacts, scorecard
from callassist.core.shipped import SHIPPED_OBJECTIONS, SHIPPED_SCRIPTS

SHIPPED_SCRIPT = "standard"


def failed_items(flow: Flow, forbidden: ForbiddenLanguage | None, rules: Profile) -> Flagger:
    """The scorecard items a call fails, judged by this script, list and contact rules;
    `others`, the earlier calls to the same account (their same-day contacts count)."""

    def failed(events: list[Event], others: list[list[Event]]) -> tuple[str, ...]:
        lines = scorecard(events, flow, "en", forbidden, same_day_contacts(events, others), rules)
        return tuple(line.item for line in lines if line.result == "fail")

    return failed


def judge_of(flow: Flow, catalog: Catalog, forbidden: ForbiddenLanguage | None, rules: Profile) -> Judge:
    return Judge(catalog.finder().detect, failed_items(flow, forbidden, rules))


def load_judge(scripts_dir: Path, script: str, objections_dir: Path, rules: Profile = PROFILES["cn"]) -> Judge:
    """The judge of this content, or of the content the program ships with when this
    has problems (a script being edited does not stop a migration's back-fill)."""
    loaded, catalog, problems = check_content(scripts_dir, script, objections_dir, rehearse=False)
    if problems or loaded is None or catalog is None:
        scripts_dir, objections_dir = SHIPPED_SCRIPTS, SHIPPED_OBJECTIONS
        loaded, catalog, _ = check_content(scripts_dir, SHIPPED_SCRIPT, objections_dir, rehearse=False)
        assert loaded is not None and catalog is not None, "the shipped content loads (tests/content)"
    return judge_of(loaded.flow, catalog, forbidden_list(scripts_dir)[0], rules)
