"""Language a collector must never use, kept by trainers as content (scripts/forbidden.yaml).

DOMAIN.md's first rule: no insults, no threats, no pressure beyond what is lawful. The
list names phrases per category and locale; lint refuses any step or rebuttal that uses
one, and a note is checked against it before it is saved. Text is matched as it would be
heard: full-width letters as plain ones, traditional characters as simplified, invisible
characters dropped; English phrases match whole words in any case, Chinese phrases match
with or without spaces between their characters ("黑 名單" is "黑名单").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from callassist.core.flow import Phrases
from callassist.core.i18n import label
from callassist.core.problems import ContentError, Problem, display_path
from callassist.core.quickfind import heard_as
from callassist.core.yamlfile import line_of, load_model

FORBIDDEN_FILE = "forbidden.yaml"
Category = Literal["insult", "threat", "impersonation", "blacklist", "exaggeration", "false_legal", "accusation", "profanity", "harassment"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
# What each category is and what to say instead (lint's messages are in English).
HINTS = {category: (label(f"forbidden_{category}", "en"), label(f"forbidden_{category}_instead", "en")) for category in CATEGORIES}


class ForbiddenFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    categories: dict[Category, Phrases]


@dataclass(frozen=True)
class Hit:
    start: int  # offset in the text
    phrase: str
    category: str


class ForbiddenLanguage:
    """The compiled list: finds every forbidden phrase in a text of one locale."""

    def __init__(self, phrases: dict[str, list[tuple[str, str]]]) -> None:
        self.phrases = phrases  # locale -> [(phrase, category)]
        # Each phrase's first word, which a text must hold before the phrase's pattern is
        # worth running: most texts hold none, and a substring test is far cheaper.
        self._patterns = {locale: [(_first(p), re.compile(_pattern(p), re.IGNORECASE), p, c) for p, c in items] for locale, items in phrases.items()}

    def find(self, text: str, locale: str) -> list[Hit]:
        hits: list[Hit] = []
        heard, where = heard_as(text)
        lowered = heard.lower()
        for first, pattern, phrase, category in self._patterns.get(locale, []):
            if first not in lowered:
                continue
            for match in pattern.finditer(heard):
                hits.append(Hit(where[match.start()], phrase, category))
        return sorted(hits, key=lambda hit: hit.start)

    def problems(self, text: str, locale: str, shown: str, line_offset: int = 0) -> list[Problem]:
        """Every forbidden phrase in `text`, at its line (`line_offset` lines above the text's first)."""
        return [Problem(shown, text.count("\n", 0, hit.start) + 1 + line_offset, 1, "E050", f"forbidden language ({HINTS[hit.category][0]}): {hit.phrase!r}", HINTS[hit.category][1]) for hit in self.find(text, locale)]


def _first(phrase: str) -> str:
    """What a text must hold before the phrase's pattern is worth running: an English
    phrase's first word, a Chinese phrase's first character (it may come spaced)."""
    return phrase.split()[0].lower() if phrase.isascii() else phrase.replace(" ", "")[0]


def _pattern(phrase: str) -> str:
    if phrase.isascii():  # whole words: "police" must not match "policy"
        escaped = r"\s+".join(re.escape(word) for word in phrase.split())
        return rf"(?<![\w]){escaped}(?![\w])"
    return r"\s*".join(re.escape(ch) for ch in phrase.replace(" ", ""))


def load_forbidden(path: Path) -> tuple[ForbiddenLanguage | None, list[Problem]]:
    """Load the list and check it. Problems in single phrases leave the rest of the list
    in use (a typo must not switch the check off); a file that does not parse gives None."""
    try:
        return _load(path)
    except ContentError as exc:
        return None, exc.problems


def _load(path: Path) -> tuple[ForbiddenLanguage, list[Problem]]:
    parsed, lines = load_model(ForbiddenFile, path)
    shown = display_path(path)
    problems: list[Problem] = []
    phrases: dict[str, list[tuple[str, str]]] = {"en": [], "zh": []}
    seen: dict[tuple[str, str], str] = {}
    for category in CATEGORIES:
        if category not in parsed.categories:
            line, col = line_of(lines, ("categories",))
            problems.append(Problem(shown, line, col, "E051", f"category {category!r} has no phrases", f"every category needs phrases: {', '.join(CATEGORIES)}"))
            continue
        for locale in ("en", "zh"):
            for index, phrase in enumerate(getattr(parsed.categories[category], locale)):
                line, col = line_of(lines, ("categories", category, locale, index))
                normal = " ".join(heard_as(phrase)[0].split()).lower()
                if len(normal) < 2:
                    problems.append(Problem(shown, line, col, "E052", f"phrase {phrase!r} is too short to look for", "use a word or a phrase of two characters or more"))
                elif (locale, normal) in seen:
                    problems.append(Problem(shown, line, col, "E053", f"phrase {phrase!r} is listed twice", f"it is already under {seen[(locale, normal)]!r}"))
                else:
                    seen[(locale, normal)] = category
                    phrases[locale].append((normal, category))
    return ForbiddenLanguage(phrases), problems
