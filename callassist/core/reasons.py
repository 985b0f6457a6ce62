"""The reasons behind a worklist row, and what the contact rules allow, in the collector's words."""

from __future__ import annotations

from typing import Any

from babel.dates import get_day_names

from callassist.core.compliance import Block, Budget, Profile
from callassist.core.i18n import babel_locale, fmt_short_date, fmt_time, label
from callassist.core.money import Money, format_money
from callassist.core.priority import Reason


def describe_reason(reason: Reason, locale: str) -> str:
    """One reason as a short phrase: "promise broken 2 days ago", "callback due 10:30"."""
    values: dict[str, Any] = dict(reason.values)
    words: dict[str, object] = {}
    if "amount" in values and values["amount"] is not None:
        words["amount"] = format_money(Money(values["amount"], values["currency"]), locale)
    if "at" in values:
        at = values["at"]
        words["time"] = fmt_time(at, locale) if values.get("today", True) else f"{fmt_short_date(at.date(), locale)} {fmt_time(at, locale)}"
    if "due" in values:
        words["date"] = fmt_short_date(values["due"], locale)
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
    if "minutes" in values:
        hours, minutes = divmod(values["minutes"], 60)
        if hours >= 3 or not minutes:  # a long wait in hours; a short one to the minute
            words["wait"] = label("wait_hours", locale, hours=hours)
        else:
            words["wait"] = label("wait_hours_minutes", locale, hours=hours, minutes=minutes) if hours else label("wait_minutes", locale, minutes=minutes)
    return label(f"reason_{reason.key}", locale, **words)


def describe_block(block: Block, profile: str, locale: str) -> str:
    """A rule that stops a dial, with the figures that break it."""
    values: dict[str, Any] = dict(block.values)
    words: dict[str, object] = {name: values[name] for name in ("count", "cap", "day", "days", "zone") if name in values}
    if "local" in values:
        words["time"] = fmt_time(values["local"], locale)
        words["opens"], words["closes"] = (moment.strftime("%H:%M") for moment in (values["opens"], values["closes"]))
    if "reason" in values:
        words["reason"] = label(f"hold_{values['reason']}", locale)
        words["since"] = fmt_short_date(values["since"].date(), locale)
        words["lift"] = label("hold_absolute" if values["absolute"] else "hold_overridable", locale, profile=profile)
    return label(f"block_{block.rule}", locale, profile=profile, **words)


def describe_budget(budget: Budget, rules: Profile, locale: str) -> str:
    """What the contact rules leave before dialling, on one line."""
    if budget.local_time is None:
        parts = [label("rules_line_unknown_zone", locale, profile=rules.name)]
    else:
        parts = [label("rules_line", locale, profile=rules.name, time=fmt_time(budget.local_time, locale))]
    if rules.conversations_per_debtor_day is not None:
        parts.append(label("rules_conversations", locale, count=budget.conversations_today, cap=rules.conversations_per_debtor_day))
    if rules.unanswered_per_phone_day is not None:
        parts.append(label("rules_unanswered", locale, count=budget.unanswered_today, cap=rules.unanswered_per_phone_day))
    if rules.attempts_per_debt_week is not None:
        parts.append(label("rules_attempts", locale, count=budget.attempts_this_week, cap=rules.attempts_per_debt_week))
    if budget.last_conversation_days is not None:
        parts.append(label("rules_last_conversation_today", locale) if budget.last_conversation_days == 0 else label("rules_last_conversation", locale, days=budget.last_conversation_days))
    return " · ".join(parts)
