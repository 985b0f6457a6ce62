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
# (A Chinese input method types its own: 。 · 、 ， and the minus signs.)
_GAP = r"(?:[^\S\r\n]|[-.\u2010-\u2015\u2212\ufe63\uff0d\uff0e\u30fb\u00b7\u3002\u3001\uff0c])"
DIGIT_RUN = re.compile(rf"(?<!\d)\d+(?:{_GAP}{{1,8}}\d+)*(?!\d)")
# What may stand between a security code's name and its digits: spaces, colons, dashes of
# every width and a few words ("CVV code is 123", "CVV码是123", "卡背面的三位数字：123").
_CODE_FILLER = (
    r"(?:[^\S\r\n]|[:：=#\-\u2010-\u2015\u2212\ufe63\uff0d]|\b(?:code|number|no\.?|num|is|are|was|were|be|it'?s)\b"
    r"|码|碼|号|號|是|为|為|的|数字|數字|数|數)"
)
SECURITY_CODE = re.compile(
    r"(?P<word>(?<![a-z])(?:cvv2?|cvc2?|cid|csc|security\s+code|card\s+(?:verification\s+)?(?:code|value)|(?:three|3)[\s-]digits?\s+on\s+(?:the\s+)?back(?:\s+of\s+the\s+card)?)"
    r"|安全(?:代)?[码碼]|校[验驗][码碼]|[验驗][证證][码碼]|(?:卡)?背(?:面|后|後)?(?:的)?(?:三|3)位|卡背(?:面|后|後)?[码碼]?)"
    rf"(?P<gap>{_CODE_FILLER}{{0,12}}?)(?P<code>\d(?:[^\S\r\n]?\d){{2,3}})(?!\d)",
    re.IGNORECASE,
)
# A run of this many digits or more that begins as a card does is masked in a draft,
# Luhn or not: a card number typed but for its last digit (which the Luhn check gives
# away) must not sit on disk. Phone numbers (+86 ..., 11-digit mobiles) are left as typed.
DRAFT_DIGITS = 12


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
    gaps = [run[a[1] : b[0]] for a, b in zip(groups, groups[1:])]
    spans: list[tuple[int, int, str]] = []  # (first group, last group, the card's digits)
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last][2]
            if len(digits) > 19:
                break
            # Short groups count only under one kind of separator throughout (41 11 11 ...).
            if _is_card(digits) and (all(len(g[2]) >= 3 for g in groups[first : last + 1]) or len(set(gaps[first:last])) <= 1):
                spans.append((first, last, digits))
    taken: set[int] = set()
    found: list[tuple[int, int, str]] = []
    for first, last, digits in sorted(spans, key=lambda span: (-len(span[2]), span[0])):
        if taken.isdisjoint(range(first, last + 1)):
            taken.update(range(first, last + 1))
            found.append((groups[first][0], groups[last][1], digits))
    return sorted(found)


def redact_partial(text: str) -> str:
    """A text being typed, as a draft keeps it: redacted, and any run of DRAFT_DIGITS
    digits or more masked too (a card number half typed fails the Luhn check)."""
    text = redact(text)[0]

    def long_runs(match: re.Match[str]) -> str:
        digits = "".join(str(int(char)) for char in match.group() if char.isdigit())
        card_like = DRAFT_DIGITS <= len(digits) <= 19 and (digits[0] in "23456" or digits.startswith("81"))
        return f"[card? ····{digits[-4:]}]" if card_like else match.group()

    return DIGIT_RUN.sub(long_runs, text)


def redact(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with card numbers and security codes masked, and which kinds were found
    ("card", "security_code")."""
    found: list[str] = []

    def cards(match: re.Match[str]) -> str:
        run = match.group()
        pieces: list[str] = []
        at = 0
        for start, end, digits in _cards_in(run):
            pieces += [run[at:start], f"[card ····{digits[-4:]}]"]
            at = end
            found.append("card")
        return "".join(pieces) + run[at:]

    def code(match: re.Match[str]) -> str:
        found.append("security_code")
        return f"{match.group('word')}{match.group('gap')}[···]"

    text = SECURITY_CODE.sub(code, DIGIT_RUN.sub(cards, text))
    return text, tuple(dict.fromkeys(found))
