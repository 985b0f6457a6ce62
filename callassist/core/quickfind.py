"""Objection quick-find: from a few of the debtor's words to the excuse they are using.

The knowledge is the catalog's: each excuse lists cue phrases and example utterances per
locale (objections/<id>.yaml). Nothing is downloaded or trained; the finder compares what
was typed with every cue and example and ranks the six excuses by their best match.

How text is compared, so that the way a collector types does not matter:
- Traditional Chinese is converted to simplified (OpenCC), full-width letters to
  half-width, case is folded; the catalog goes through the same steps.
- English is compared by word stems and pairs of neighbouring words, Chinese by pairs of
  neighbouring characters; mixed input is both at once.
- Typos: an English word one edit away from a catalog word counts as that word (a word
  misspelt is still the word), and a Chinese character typed as a homophone (the usual
  slip of a pinyin keyboard: 会记 for 会计) adds the catalog pair it sounds like, at a
  little less weight, since a pair that only sounds right may be another word.
- Words found in many cues say little (inverse document frequency), so "pay" or "钱"
  rank nothing on their own.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol, cast

EXAMPLE_WEIGHT = 0.9  # an example utterance is evidence, a trainer's cue a little more
REPAIRED = 0.8  # a homophone's repair counts a little less than what was typed right
SINGLE_CHARACTER = 0.5  # one Chinese character alone says less than a pair
SECOND_MATCH = 0.4  # a second cue of the same excuse adds to the first
NEAREST = 0.7  # the score: mostly the best-matching cue, the rest the words' votes across all cues
DEFAULT_CONVERSION = "t2s"
# A note names an excuse when it matches one this well, and better than any note that is none.
DETECT_AT = 0.3
DETECT_MARGIN = 0.1
DETECT_COVERAGE = 0.6
DETECT_EVIDENCE = 6.0  # a cue of at least two telling words (idf about 3-5 each)
# Regional vocabulary as well as characters: 帳單 in Taiwan, 軟體 for 软件.
CONVERSIONS = {"zh-tw": "tw2sp", "zh-hk": "hk2s"}
# Simplified variants that OpenCC leaves apart from the form the catalog is written in.
_VARIANTS = str.maketrans({"帐": "账", "於": "于", "裏": "里"})
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\s]")
_PARTICLES = frozenset("的了吗呢吧啊呀嘛哦喔啦么哈嗯")
_STOPWORDS = frozenset(
    "a an the is are was were be been being am i im ive ill id me my we our us you your youre he hes she shes him her his "
    "it its its they them their theyre this that thats these those to of in on at for with and or but so as by from "
    "just really very please yes ok okay well oh um uh do does did have has had will would shall should can could may "
    "might there here then than what who".split()
)


def conversion_for(locale: str | None) -> str:
    """The OpenCC conversion for utterances in `locale`: Taiwan and Hong Kong Chinese
    get their regional vocabulary converted too; anything else, characters only."""
    return CONVERSIONS.get((locale or "").replace("_", "-").casefold(), DEFAULT_CONVERSION)


class _Converter(Protocol):
    """What is used of an opencc.OpenCC (opencc ships no types)."""

    def convert(self, text: str) -> str: ...


@cache
def _converter(conversion: str) -> _Converter:
    import opencc  # its dictionaries load once, on first use

    return cast(_Converter, opencc.OpenCC(conversion))  # opencc ships no types: typed where it is left


def simplified(text: str) -> str:
    """Traditional characters (and the catalog's variant forms) as simplified ones,
    character for character."""
    return _converter(DEFAULT_CONVERSION).convert(text).translate(_VARIANTS) if _CJK.search(text) else text


_INVISIBLE = frozenset(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))  # soft hyphen, zero widths, word joiner, BOM
_INVISIBLE_TEXT = re.compile("[" + "".join(map(chr, sorted(_INVISIBLE))) + "]")


_POLITE = str.maketrans("您", "你")


class _HeardChar(dict[int, str | None]):
    """str.translate's table: each character as heard (NFKC; invisible ones dropped),
    worked out the first time it is met."""

    def __missing__(self, code: int) -> str | None:
        heard = None if code in _INVISIBLE else unicodedata.normalize("NFKC", chr(code))
        self[code] = heard
        return heard


_HEARD = _HeardChar()


@lru_cache(maxsize=4096)  # lint and preflight check the same texts again and again
def heard_as(text: str) -> tuple[str, tuple[int, ...]]:
    """The text as it would be heard: full-width letters as plain ones, traditional
    characters as simplified, invisible characters dropped; and for each of its characters
    the offset of the one it came from, so a hit is named at its own line."""
    chars = text.translate(_HEARD)
    if len(chars) == len(text) and not _INVISIBLE_TEXT.search(text):  # nothing dropped, so nothing grew: each where it was
        where: tuple[int, ...] = tuple(range(len(text)))
    else:
        plain = [(_HEARD[ord(ch)] or "", index) for index, ch in enumerate(text)]
        where = tuple(index for heard, index in plain for _ in heard)
    converted = simplified(chars)
    # OpenCC's t2s maps character for character; 您 is heard as 你, so the polite form of a threat is one too.
    return (converted if len(converted) == len(chars) else chars).translate(_POLITE), where


def normalise(text: str, conversion: str = DEFAULT_CONVERSION) -> str:
    """What both the catalog and the collector's input become before they are compared."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'").replace("‘", "'")
    if _CJK.search(text):
        text = _converter(conversion).convert(text).translate(_VARIANTS)
    return text


def _stem(word: str) -> str:
    """A crude English stem; the same on both sides, so only consistency matters."""
    word = word.replace("'", "")
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


# Words that say little alone in everyday English: they count, but less.
LIGHT_WORD = 0.4
_LIGHT_WORDS = frozenset(
    _stem(w)
    for w in (
        "get got go going come know say said tell told make take give let want need see look think thing things like "
        "back out up down over all any some more much one two now then time today day last first next still even also "
        "always never ever about around because if when where why how man guy people way sure right good".split()
    )
)


def _runs(normalised: str) -> tuple[list[str], list[list[str]]]:
    """English stems in order, and the runs of Chinese characters (punctuation splits runs)."""
    words: list[str] = []
    runs: list[list[str]] = [[]]
    for token in _TOKEN.findall(normalised):
        if _CJK.fullmatch(token):
            if token not in _PARTICLES:
                runs[-1].append(token)
        elif token[0].isalnum():
            words.append(token.replace("'", "") if token in _STOPWORDS else _stem(token))
            if runs[-1]:
                runs.append([])
        elif runs[-1]:
            runs.append([])
    return words, [run for run in runs if run]


def _features(words: list[str], runs: list[list[str]]) -> dict[str, float]:
    """Feature -> how much it counts: stems, stem pairs, character pairs, lone characters.

    A word like "the" or "you" is no feature alone, but "you know" is one."""
    found: dict[str, float] = {}
    for word in words:
        if word not in _STOPWORDS:
            found[word] = LIGHT_WORD if word in _LIGHT_WORDS else 1.0
    for first, second in zip(words, words[1:]):
        if not (first in _STOPWORDS and second in _STOPWORDS):
            found[f"{first} {second}"] = 1.0
    for run in runs:
        for char in run:
            found.setdefault(char, SINGLE_CHARACTER)
        for first, second in zip(run, run[1:]):
            found[first + second] = 1.0
    return found


@cache
def _readings(char: str) -> frozenset[str]:
    """A Chinese character's readings without tones (会: hui, kuai)."""
    from pypinyin.pinyin_dict import pinyin_dict  # 42,000 characters: loaded on first need

    marked = pinyin_dict.get(ord(char), "")
    return frozenset("".join(c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c)) for r in marked.split(",") if r)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class Pattern:
    """One cue phrase or example utterance of the catalog, as the finder compares it."""

    excuse: str
    locale: str
    text: str  # as the trainer wrote it
    weight: float


@dataclass(frozen=True)
class Match:
    """One excuse's standing for an utterance: its score and the cue that matched best."""

    excuse: str
    score: float
    cue: str  # as written in the catalog; empty when nothing matched
    cue_locale: str = ""


class ExcuseFinder:
    """Ranks the six excuses for an utterance, using the catalog's cues and examples."""

    def __init__(self, patterns: list[Pattern], excuse_ids: tuple[str, ...], ordinary: Sequence[str] = (), detectable: tuple[str, ...] | None = None, family: Callable[[str], str] | None = None) -> None:
        """`ordinary`: notes that are no excuse. They are never ranked and change no
        ranking; they tell detect() what an ordinary note looks like. `detectable`: the
        ids detect() may name (the excuses; a note speaking of a situation names none).
        `family`: which excuse an id belongs to (a case's, its excuse): a ranking names
        each family once, by its best member, so three cases of one excuse do not push
        the other excuses out of sight."""
        self.excuse_ids = excuse_ids
        self.family = family
        self.detectable = frozenset(detectable or excuse_ids)
        self.patterns = patterns
        raw = [_features(*_runs(normalise(p.text))) for p in patterns]
        document_frequency: dict[str, int] = defaultdict(int)
        for features in raw:
            for feature in features:
                document_frequency[feature] += 1
        count = len(patterns)
        self._idf = {f: math.log((count + 1) / (n + 0.5)) for f, n in document_frequency.items()}
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._mass: list[float] = []
        for index, features in enumerate(raw):
            mass = 0.0
            for feature, share in features.items():
                weight = share * self._idf[feature]
                self._postings[feature].append((index, weight))
                mass += weight
            self._mass.append(mass or 1.0)
        self._frequency = document_frequency
        # Which excuses use each feature, and how much: the evidence of all cues together.
        used: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for pattern, features in zip(patterns, raw):
            for feature in features:
                used[feature][pattern.excuse] += pattern.weight
        self._share = {f: {e: n / sum(by.values()) for e, n in by.items()} for f, by in used.items()}
        self._unseen_idf = math.log((count + 1) / 0.5)
        self._ordinary = [(weighed, sum(weighed.values())) for weighed in (self._weigh(_features(*_runs(normalise(text)))) for text in ordinary) if weighed]
        # Typo repair: English stems by their one-letter deletions, Chinese characters by reading.
        self._by_deletion: dict[str, list[str]] = defaultdict(list)
        self._by_reading: dict[str, list[str]] = defaultdict(list)
        for feature in document_frequency:
            if _CJK.fullmatch(feature):
                for reading in _readings(feature):
                    self._by_reading[reading].append(feature)
            elif " " not in feature and not _CJK.match(feature) and len(feature) >= 4:
                for deleted in _deletes(feature) | {feature}:
                    self._by_deletion[deleted].append(feature)

    def rank(self, utterance: str, conversion: str = DEFAULT_CONVERSION, top: int | None = None) -> list[Match]:
        """The excuses (and situations) for `utterance`, best first (all, or the first `top`)."""
        wanted = self._query(utterance, conversion)
        matches = self._standings(wanted, self._overlap(wanted))
        return matches[:top] if top else matches

    def detect(self, text: str, conversion: str = DEFAULT_CONVERSION) -> Match | None:
        """The excuse a note speaks of, if it clearly speaks of one: for supervisors looking
        for objections a collector heard but did not answer."""
        wanted = self._query(text, conversion)
        overlap = self._overlap(wanted)
        # A word or two in common is enough to rank, not to say a note speaks of an excuse:
        # one of the excuse's cues or examples must be there nearly whole.
        whole = {self.patterns[i].excuse for i, shared in overlap.items() if shared >= DETECT_COVERAGE * self._mass[i] and self._mass[i] >= DETECT_EVIDENCE}
        standings = [m for m in self._standings(wanted, overlap) if m.excuse in whole]
        if not standings or standings[0].score < DETECT_AT:
            return None
        best = standings[0]
        if best.excuse not in self.detectable:
            return None
        return best if best.score - self._like_ordinary(wanted) >= DETECT_MARGIN else None

    def _weigh(self, features: dict[str, float]) -> dict[str, float]:
        return {f: share * self._idf.get(f, self._unseen_idf) for f, share in features.items()}

    def _like_ordinary(self, wanted: dict[str, float]) -> float:
        """How closely the text matches the closest of the notes that are no excuse."""
        text = self._weigh(wanted)
        mass = sum(text.values())
        closest = 0.0
        for features, their_mass in self._ordinary:
            shared = sum(min(weight, text[f]) for f, weight in features.items() if f in text)
            closest = max(closest, shared / math.sqrt(their_mass * mass))
        return closest

    def _overlap(self, wanted: dict[str, float]) -> dict[int, float]:
        """Pattern index -> the weight of its features the text shares (idf-weighted)."""
        overlap: dict[int, float] = defaultdict(float)
        for feature, share in wanted.items():
            idf = self._idf.get(feature)
            if idf is not None:
                for index, weight in self._postings[feature]:
                    overlap[index] += min(weight, share * idf)
        return overlap

    def _standings(self, wanted: dict[str, float], overlap: dict[int, float]) -> list[Match]:
        total = sum(self._idf.get(f, 0.0) * share for f, share in wanted.items())
        best: dict[str, list[tuple[float, int]]] = defaultdict(list)
        votes: dict[str, float] = defaultdict(float)
        if total > 0:
            for feature, share in wanted.items():
                idf = self._idf.get(feature)
                if idf is not None:
                    for excuse, share_of in self._share[feature].items():
                        votes[excuse] += share * idf * share_of / total
            for index, shared in overlap.items():
                pattern = self.patterns[index]
                similarity = shared / math.sqrt(self._mass[index] * total) * pattern.weight
                best[pattern.excuse].append((similarity, index))
        matches: list[Match] = []
        for excuse in self.excuse_ids:
            found = sorted(best.get(excuse, ()), reverse=True)
            if not found:
                matches.append(Match(excuse, 0.0, ""))
                continue
            nearest = (found[0][0] + (SECOND_MATCH * found[1][0] if len(found) > 1 else 0.0)) / (1 + SECOND_MATCH)
            score = NEAREST * nearest + (1 - NEAREST) * votes[excuse]
            pattern = self.patterns[found[0][1]]
            matches.append(Match(excuse, round(score, 4), pattern.text, pattern.locale))
        matches.sort(key=lambda m: -m.score)  # stable: ties keep the catalog's order
        if self.family is not None:
            seen: set[str] = set()
            matches = [m for m in matches if not (self.family(m.excuse) in seen or seen.add(self.family(m.excuse)))]
        return matches

    def _query(self, utterance: str, conversion: str) -> dict[str, float]:
        words, runs = _runs(normalise(utterance, conversion))
        words = [self._spelled(word) for word in words]
        wanted = _features(words, runs)
        for run in runs:
            for first, second in zip(run, run[1:]):
                if first + second not in self._idf:
                    repaired = self._homophone_pair(first, second)
                    if repaired:
                        wanted.setdefault(repaired, REPAIRED)
        return wanted

    def _spelled(self, word: str) -> str:
        """A word the catalog lacks, as the catalog word one edit away (the most common)."""
        if word in self._idf or len(word) < 4:
            return word
        candidates = {c for deleted in _deletes(word) | {word} for c in self._by_deletion.get(deleted, ())}
        if not candidates:
            return word
        return max(candidates, key=lambda c: (self._frequency[c], c))

    def _homophone_pair(self, first: str, second: str) -> str | None:
        """The catalog pair these two characters sound like, one of them mistyped."""
        found: list[str] = []
        for reading in _readings(first):
            found += [c + second for c in self._by_reading.get(reading, ()) if c + second in self._idf]
        for reading in _readings(second):
            found += [first + c for c in self._by_reading.get(reading, ()) if first + c in self._idf]
        return max(found, key=lambda pair: (self._frequency[pair], pair)) if found else None


def same_phrase(text: str) -> str:
    """The form two cue phrases share when they are the same phrase (for the lint)."""
    words, runs = _runs(normalise(text))
    return " ".join(words + ["".join(run) for run in runs])
