"""Secrets taken out of what is stored or shown: payment card numbers and security codes
out of a note before it is stored, a password out of a database URL before it is shown.

A debtor sometimes reads a card number out on the phone and a collector types it into a
note; the call log is kept for years and replayed to supervisors, so it must never hold
one. A card number is 13 to 19 digits that pass the Luhn check and begin as payment cards
do (2 to 6, or UnionPay's 81), typed in any width (a Chinese keyboard's full-width digits
too), run together or in groups split by spaces of any kind, hyphens or dots; its last four
stay, as on a receipt. Groups of one or two digits count only under one kind of separator
throughout (41 11 11 ...), so that dates and phone numbers ("2026.12.28 - 2027.01.04",
"86 138 0013 8002") stay as typed. A security code is 3 or 4
digits after a word that names one (CVV, CVC, security code, 安全码, 安全碼...).
"""

from __future__ import annotations

import re

# What may stand between a card's digits: up to three spaces (a no-break or a full-width
# one too), hyphens or dots, in their ASCII, typographic and full-width forms.
_GAP = r"(?:[^\S\r\n]|[-.\u2010-\u2015\uff0d\uff0e\u30fb])"
DIGIT_RUN = re.compile(rf"(?<!\d)\d+(?:{_GAP}{{1,3}}\d+)*(?!\d)")
SECURITY_CODE = re.compile(
    r"(?P<word>(?<![a-z])(?:cvv2?|cvc2?|cid|csc|security\s+code|card\s+(?:verification\s+)?(?:code|value)|(?:three|3)[\s-]digits?\s+on\s+the\s+back(?:\s+of\s+the\s+card)?)"
    r"|安全[码碼]|校[验驗][码碼]|[验驗][证證][码碼]|(?:卡)?背面?(?:的)?(?:三|3)位[数數]?|卡背[码碼])"
    r"(?P<gap>[^\S\r\n]*(?:[:：=#-]|is|are|是|为|為)?[^\S\r\n]*(?:[:：=#-])?[^\S\r\n]*)(?P<code>\d(?:[^\S\r\n]?\d){2,3})(?!\d)",
    re.IGNORECASE,
)


# A URL's password: after user: up to the last @ of the URL (a password may hold / ? # @;
# more is hidden than the password when a query holds an @, never less), or a password=
# parameter.
_URL_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][\w+.-]*://[^/:@]*:).*@", re.DOTALL)
_PARAMETER_PASSWORD = re.compile(r"(?P<head>[?&]password=)[^&]*", re.IGNORECASE)


def display_url(url: str) -> str:
    """A database URL as it may be shown or logged: its password, if any, as ***."""
    return _PARAMETER_PASSWORD.sub(r"\g<head>***", _URL_PASSWORD.sub(r"\g<head>***@", url, count=1))


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and (digits[0] in "23456" or digits.startswith("81")) and luhn_valid(digits)


def _cards_in(run: str) -> list[tuple[int, int, str]]:
    """The card numbers in a run of digit groups: (start, end, digits) within it. A card
    is a span of whole groups; the longest are taken first, so a digit typed before a card
    never leaves part of it showing."""
    groups = [(m.start(), m.end(), "".join(str(int(c)) for c in m.group())) for m in re.finditer(r"\d+", run)]
    gaps = [run[a[1]:b[0]] for a, b in zip(groups, groups[1:])]
    spans = []
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last][2]
            if len(digits) > 19:
                break
            # Short groups count only under one kind of separator throughout (41 11 11 ...).
            if _is_card(digits) and (all(len(g[2]) >= 3 for g in groups[first:last + 1]) or len(set(gaps[first:last])) <= 1):
                spans.append((first, last, digits))
    taken: set[int] = set()
    found = []
    for first, last, digits in sorted(spans, key=lambda span: (-len(span[2]), span[0])):
        if taken.isdisjoint(range(first, last + 1)):
            taken.update(range(first, last + 1))
            found.append((groups[first][0], groups[last][1], digits))
    return sorted(found)


def redact(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with card numbers and security codes masked, and which kinds were found
    ("card", "security_code")."""
    found: list[str] = []

    def cards(match: re.Match) -> str:
        run = match.group()
        pieces, at = [], 0
        for start, end, digits in _cards_in(run):
            pieces += [run[at:start], f"[card ····{digits[-4:]}]"]
            at = end
            found.append("card")
        return "".join(pieces) + run[at:]

    def code(match: re.Match) -> str:
        found.append("security_code")
        return f"{match.group('word')}{match.group('gap')}[···]"

    text = SECURITY_CODE.sub(code, DIGIT_RUN.sub(cards, text))
    return text, tuple(dict.fromkeys(found))
