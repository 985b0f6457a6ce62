"""The reasons behind a worklist row, in the collector's words."""

from __future__ import annotations

from babel.dates import get_day_names

from callassist.core.i18n import babel_locale, fmt_short_date, fmt_time, label
from callassist.core.money import Money, format_money
from callassist.core.priority import Reason


def describe_reason(reason: Reason, locale: str) -> str:
    """One reason as a short phrase: "promise broken 2 days ago", "callback due 10:30"."""
    values = dict(reason.values)
    words: dict[str, object] = {}
    if "amount" in values and values["amount"] is not None:
        words["amount"] = format_money(Money(values["amount"], values["currency"]), locale)
    if "at" in values:
        at = values["at"]
        words["time"] = fmt_time(at, locale) if values.get("today", True) else f"{fmt_short_date(at.date(), locale)} {fmt_time(at, locale)}"
    if "weekday" in values:
        words["day"] = get_day_names("wide", locale=babel_locale(locale))[values["weekday"]]
        words["part"] = label(f"part_{values['part']}", locale)
    if "class" in values:
        words["cls"] = label(f"class_{values['class']}", locale)
    if "sign" in values:
        words["sign"] = label(f"sign_{values['sign']}", locale)
    for name in ("days", "count"):
        if name in values:
            words[name] = values[name]
    return label(f"reason_{reason.key}", locale, **words)
