"""Secrets taken out of what is stored or shown: payment card numbers and security codes
out of a note before it is stored, a password out of a database URL before it is shown.

A debtor sometimes reads a card number out on the phone and a collector types it into a
note; the call log is kept for years and replayed to supervisors, so it must never hold
one. A card number is 13 to 19 digits (spaces or dashes between groups allowed) that pass
the Luhn check; its last four stay, as on a receipt. A security code is 3 or 4 digits
after a word that names one (CVV, CVC, security code, 安全码...).
"""

from __future__ import annotations

import re

CARD = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
SECURITY_CODE = re.compile(
    r"(?P<word>\b(?:cvv2?|cvc2?|cid|csc|security\s+code|card\s+code)\b|安全码|校验码|验证码|背面三位数?)"
    r"(?P<gap>\s*(?:[:：=#]|is|是|为)?\s*)(?P<code>\d{3,4})(?![\d])",
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


def redact(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with card numbers and security codes masked, and which kinds were found
    ("card", "security_code")."""
    found: list[str] = []

    def card(match: re.Match) -> str:
        digits = re.sub(r"[ -]", "", match.group())
        if not luhn_valid(digits):
            return match.group()
        found.append("card")
        return f"[card ····{digits[-4:]}]"

    def code(match: re.Match) -> str:
        found.append("security_code")
        return f"{match.group('word')}{match.group('gap')}[···]"

    text = SECURITY_CODE.sub(code, CARD.sub(card, text))
    return text, tuple(dict.fromkeys(found))
