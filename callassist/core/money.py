"""Money as Decimal with a currency, parsed strictly and formatted per locale."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import cast

from babel.numbers import format_currency, get_currency_precision, is_currency

from callassist.core.i18n import babel_locale


class MoneyError(ValueError):
    """An amount or currency that cannot be used, with what would be valid."""


@dataclass(frozen=True, order=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        # Checked as anything: an untyped caller (a form, a CSV reader) may pass a float or a str.
        if not isinstance(cast(object, self.amount), Decimal):
            raise TypeError("Money.amount must be a Decimal")
        check_currency(self.currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")


def check_currency(code: str) -> str:
    """Return an ISO 4217 code if babel knows it, else raise MoneyError."""
    if not is_currency(code):
        usual = {"RMB": "CNY", "NTD": "TWD"}.get(code)
        raise MoneyError(f"unknown currency {code!r}: " + (f"{code} is written {usual} in ISO 4217" if usual else "use an ISO 4217 code such as CNY, USD, EUR"))
    return code


@cache
def currency_places(currency: str) -> int:
    """Decimal places the currency is counted in (2 for CNY, 0 for JPY); looked up once."""
    return get_currency_precision(currency)


# What a Chinese keyboard types for digits and the decimal point, read as their ASCII twins.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
MAX_WHOLE_DIGITS = 12  # a trillion and change: far beyond any invoice, well inside the columns
# How an amount's digits may be grouped: plain (the default) or a form chosen explicitly.
NUMBER_FORMATS = {"plain": ("", "."), "1,234.56": (",", "."), "1.234,56": (".", ",")}
_EXAMPLE = "12500.00"


def parse_amount(text: str, currency: str | None, number_format: str = "plain") -> Decimal:
    """An amount as typed or filed, in plain decimal notation (digits, at most one decimal
    point, the currency's places; None when the currency is itself in doubt). Grouped forms
    are read only when `number_format` names them; signs, exponents, underscores, currency
    symbols and separators are refused with a hint, as MoneyError."""
    shown = text.strip()
    cleaned = shown.translate(_FULL_WIDTH)
    group, point = NUMBER_FORMATS[number_format]
    whole = rf"[0-9]{{1,3}}(?:{re.escape(group)}[0-9]{{3}})*" if group else "[0-9]+"
    found = re.fullmatch(rf"({whole})(?:{re.escape(point)}([0-9]+))?", cleaned)
    if found is None:
        raise MoneyError(_why_not_an_amount(shown, cleaned, currency, number_format))
    digits, fraction = found.group(1).replace(group, "") if group else found.group(1), found.group(2)
    if len(digits.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise MoneyError(f"“{shown}” is too large for an amount: at most {MAX_WHOLE_DIGITS} digits before the decimal point")
    value = Decimal(digits + ("." + fraction if fraction is not None else ""))
    if currency is not None and fraction is not None and len(fraction) > currency_places(currency):
        raise MoneyError(too_many_places(currency, shown))
    return value


def decimal_places(amount: Decimal) -> int:
    """How many decimal places `amount` is written with (none for 100 or 1E+2)."""
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def too_many_places(currency: str, shown: str) -> str:
    """What is wrong with an amount finer than its currency's smallest unit."""
    places = currency_places(currency)
    return f"{currency} takes at most {places} decimal places, got “{shown}”" if places else f"{currency} has no decimal places, got “{shown}”"


def _why_not_an_amount(shown: str, cleaned: str, currency: str | None, number_format: str) -> str:
    if not cleaned:
        return f"an amount is required, for example {_EXAMPLE}"
    head = f"“{shown}” is not an amount"
    if any(unicodedata.category(char) == "Sc" for char in cleaned):
        return f"{head}: write it without a currency sign" + (f" (the account is in {currency})" if currency else "") + f", e.g. {_EXAMPLE}"
    if cleaned[0] in "+-":
        return f"{head}: write it without a sign; amounts are above zero, e.g. {_EXAMPLE}"
    if re.search(r"[0-9.][eE][+-]?[0-9]", cleaned):
        return f"{head}: write every digit out, without an exponent (1e5 is 100000)"
    if "_" in cleaned:
        return f"{head}: write the digits without '_', e.g. 1000"
    if re.fullmatch(r"[0-9][0-9 ,.\u00a0\u2009\u202f']*", cleaned):
        form = "" if number_format == "plain" else f" in the form {number_format}"
        return f"{head}{form}: write digits with at most one decimal point and no thousands separators, e.g. {_EXAMPLE}"
    return f"{head}: use digits and one decimal point, e.g. {_EXAMPLE}"


def format_money(money: Money, locale: str) -> str:
    """Format for display, e.g. ¥12,500.00 (zh) or CN¥12,500.00 (en)."""
    return format_currency(money.amount, money.currency, locale=babel_locale(locale))
