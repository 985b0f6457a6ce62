"""The trainers' content in use: the script, the catalog of excuses, the practice personas
and the forbidden list, loaded once (in a worker) and checked again when edited."""

from __future__ import annotations

import threading

from callassist.core.call import Event
from callassist.core.calls import StoredCall
from callassist.core.figures import Judge
from callassist.core.flow import LoadedFlow
from callassist.core.forbidden import ForbiddenLanguage
from callassist.core.i18n import label
from callassist.core.judge import judge_of
from callassist.core.lint import check_content, forbidden_list
from callassist.core.objections import Catalog
from callassist.core.personas import PERSONAS_DIR, Persona, load_personas
from callassist.core.problems import ContentError, Problem
from callassist.core.scorecard import ScoreLine, scorecard
from callassist.settings import Settings


def load_content(settings: Settings) -> tuple[LoadedFlow | None, Catalog | None, list[Problem]]:
    """Load the script and the catalog with every lint check; problems are returned, never
    raised, so the app can list them."""
    return check_content(settings.scripts_dir, settings.script, settings.objections_dir)


class Content:
    """The content a desk works with. A version with problems is never put in use: the last
    good one stays (calls under way keep their own)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.flow: LoadedFlow | None = None
        self.catalog: Catalog | None = None
        self.problems: list[Problem] = []
        self.personas: dict[str, Persona] = {}
        self.persona_problems: list[Problem] = []
        self.forbidden: ForbiddenLanguage | None = None  # the trainers' list, once loaded (None: it does not parse)
        self._lock = threading.Lock()
        self._loaded = False

    def ensure(self) -> list[Problem]:
        """Load and check the script and the catalog once; returns the problems found."""
        with self._lock:
            if not self._loaded:
                self._use(*load_content(self.settings))
            return self.problems

    def reload(self) -> list[Problem]:
        """Check the script and the catalog again, as edited; returns the new version's problems."""
        loaded = load_content(self.settings)
        with self._lock:
            self._use(*loaded)
        return self.problems

    def _use(self, flow: LoadedFlow | None, catalog: Catalog | None, problems: list[Problem]) -> None:
        self._loaded = True
        # Read here, in the worker that loads the content: the note forms check against it
        # on the UI thread, which must never wait for a file.
        self.forbidden = forbidden_list(self.settings.scripts_dir)[0]
        if not problems and flow is not None and catalog is not None:
            self.flow, self.catalog = flow, catalog
            self.personas, self.persona_problems = load_personas(self.settings.objections_dir / PERSONAS_DIR, flow.flow, catalog)
        self.problems = problems

    def in_use(self) -> tuple[LoadedFlow, Catalog]:
        """The script and the catalog a new call uses; ContentError when none loads."""
        self.ensure()
        if self.flow is None or self.catalog is None:
            raise ContentError(self.problems)
        return self.flow, self.catalog

    def excuse_names(self, locale: str) -> dict[str, str]:
        """The names of the six excuses and their cases' ladders in `locale` (empty until a catalog has loaded)."""
        return self.catalog.ladder_names(locale) if self.catalog else {}

    def note_warnings(self, text: str, locale: str) -> list[str]:
        """What in a note a collector must not write (the trainers' forbidden list), each
        with what to say instead; shown before the note is saved."""
        if self.forbidden is None:
            return []
        return [label("note_forbidden", locale, phrase=hit.phrase, what=label(f"forbidden_{hit.category}", locale), instead=label(f"forbidden_{hit.category}_instead", locale)) for hit in self.forbidden.find(text, locale)]

    def judge(self, events: list[Event]) -> Judge:
        """What reads an ending call for its summary (core/figures.py Judge): nothing for
        events that do not end a call, or before the content has loaded."""
        if self.catalog is None or self.flow is None or not any(event.kind == "call_ended" for event in events):
            return Judge()
        return judge_of(self.flow.flow, self.catalog, self.forbidden, self.settings.contact_rules)

    def scorecard(self, stored: StoredCall, locale: str) -> list[ScoreLine]:
        """The automatic scorecard of a stored call, against the script in use."""
        self.ensure()
        if self.flow is None:
            return []
        return scorecard(stored.events, self.flow.flow, locale, self.forbidden, stored.same_day, self.settings.contact_rules)
