"""Money as Decimal with a currency, parsed strictly and formatted per locale."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision, is_currency

from callassist.core.i18n import babel_locale


class MoneyError(ValueError):
    """An amount or currency that cannot be used, with what would be valid."""


@dataclass(frozen=True, order=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
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


@lru_cache(maxsize=None)
def currency_places(currency: str) -> int:
    """Decimal places the currency is counted in (2 for CNY, 0 for JPY); looked up once."""
    return get_currency_precision(currency)


def parse_amount(text: str, currency: str | None) -> Decimal:
    """Parse what a user typed as an amount in `currency` (its decimal places checked;
    None when the currency is itself in doubt); thousands separators are allowed."""
    cleaned = text.strip().replace(",", "").replace("，", "").replace(" ", "")
    for symbol in ("¥", "￥", "$", "€", "£"):
        cleaned = cleaned.replace(symbol, "")
    if not cleaned:
        raise MoneyError("an amount is required, for example 12500.00")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError(f"{text.strip()!r} is not an amount: use digits and one decimal point, e.g. 12500.00") from None
    if not value.is_finite():
        raise MoneyError(f"{text.strip()!r} is not an amount: use digits and one decimal point, e.g. 12500.00")
    if currency is None:
        return value
    places = currency_places(currency)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise MoneyError(f"{currency} takes at most {places} decimal places, got {text.strip()!r}")
    return value


def format_money(money: Money, locale: str) -> str:
    """Format for display, e.g. ¥12,500.00 (zh) or CN¥12,500.00 (en)."""
    return format_currency(money.amount, money.currency, locale=babel_locale(locale))
