"""The interface's own words in each supported locale, and locale resolution."""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime, format_time

LOCALES = ("en", "zh")


def resolve_locale(requested: str | None = None) -> str:
    """Map `--locale`, or the system locale when none is given, onto a supported one.

    Any Chinese variant (zh_CN, zh_TW, zh_Hant, zh-HK) maps to `zh`: the scripts are
    written in simplified Chinese and traditional input is accepted everywhere.
    """
    candidate = requested
    if not candidate:
        for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
            if os.environ.get(var):
                candidate = os.environ[var]
                break
    candidate = (candidate or "en").replace("-", "_").lower()
    if candidate.startswith("zh"):
        return "zh"
    return "en"


def is_supported(locale: str) -> bool:
    return locale in LOCALES


def babel_locale(locale: str) -> str:
    """The babel locale used to format numbers and dates for a supported locale."""
    return {"zh": "zh_Hans_CN", "en": "en_US"}.get(locale, locale)


def fmt_date(value: date, locale: str) -> str:
    return format_date(value, format="medium", locale=babel_locale(locale))


def fmt_datetime(value: datetime, locale: str) -> str:
    return format_datetime(value, format="medium", tzinfo=value.tzinfo, locale=babel_locale(locale))


def fmt_short_date(value: date, locale: str) -> str:
    return format_date(value, format="short", locale=babel_locale(locale))


def fmt_clock(value: datetime, locale: str) -> str:
    """The time of day to the second (replay timelines)."""
    return format_time(value, format="medium", tzinfo=value.tzinfo, locale=babel_locale(locale))


def fmt_time(value: datetime, locale: str) -> str:
    return format_time(value, format="short", tzinfo=value.tzinfo, locale=babel_locale(locale))


# The interface's words are gettext catalogs, one per locale: callassist/locale/<locale>/
# LC_MESSAGES/callassist.po, edited with any gettext tool and compiled to the .mo beside it
# (pybabel compile -d callassist/locale -D callassist; a test keeps the two the same).
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "callassist"

# The value each plural message counts (its `n = {...}` comment in the catalogs, which a
# test holds to this): "1 day past due", "2 days past due".
COUNTED = {
    "audit_checkpoint_beyond_log": "count",
    "audit_events": "count",
    "cli_purge_recordings": "count",
    "cli_purge_recordings_elsewhere": "count",
    "ledger_closed_with_promise": "count",
    "ledger_open_promises": "count",
    "ledger_instalments_overpaid": "count",
    "reason_days_past_due": "days",
    "reason_due_soon": "days",
    "reason_promise_broken": "days",
    "reason_broken_count": "count",
    "reason_calls_this_month": "count",
    "reason_before_income": "days",
    "days_late": "days",
    "score_excuse_ok": "rungs",
    "card_rebuttal_matched_pass": "count",
    "card_commitment_asked_pass": "count",
    "card_clean_notes_pass": "count",
    "outbox_sent": "count",
    "checkpoint_signed": "size",
    "rules_last_conversation": "days",
    "block_conversations_cap": "count",
    "block_unanswered_cap": "count",
    "block_attempts_cap": "count",
    "block_after_conversation": "days",
    "worklist_sub": "count",
    "phone_left_up_hung_up": "count",
    "cli_problems": "count",
    "cli_script_problems": "count",
    "cli_import_refused": "count",
    "cli_calls_checked": "count",
    "cli_findings": "count",
    "cli_log_checked": "checked",
    "cli_proof_written": "count",
    "cli_later_events": "count",
    "cli_n_calls": "count",
    "cli_n_events": "count",
    "cli_n_reviews": "count",
    "cli_n_accounts": "count",
    "cli_violations": "count",
    "cli_n_entries": "count",
    "cli_records_kept": "years",
    "cli_n_past_calls": "count",
    "cli_demo_made": "count",
    "cli_imported_invoices_added": "count",
    "cli_imported_invoices_changed": "count",
    "cli_accounts_imported": "count",
    "cli_payments_imported": "count",
    "cli_promises_judged_on": "days",
    "cli_promises_judged_today": "days",
    "cli_daily_checkpoint_signed": "size",
}


_ABSENT = "\x00absent"  # what a catalog answers for an id it does not have ("palette" may say "palette")


class _Absent(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return _ABSENT

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return _ABSENT


@cache
def catalog(locale: str) -> gettext.GNUTranslations:
    """The compiled catalog of a supported locale (read once: under a millisecond)."""
    with (LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    # A message a translation lacks (left out of the .mo, say, because a tool marked it fuzzy)
    # reads in English rather than stopping the screen.
    translations.add_fallback(catalog("en") if locale != "en" else _Absent())
    return translations


def message_keys(locale: str) -> frozenset[str]:
    """Every message id in the locale's catalog."""
    return frozenset(key if isinstance(key, str) else key[0] for key in catalog(locale)._catalog if key)  # type: ignore[attr-defined]


def fmt_list(items: Iterable[str], locale: str) -> str:
    """Items one after the other, as the language lists them: a、b in Chinese, a, b in English."""
    return ("、" if locale == "zh" else ", ").join(items)


def _text(key: str, locale: str, values: dict[str, object]) -> str | None:
    translations = catalog(locale)
    counted = COUNTED.get(key)
    if counted is not None and counted in values:
        text = translations.ngettext(key, key, int(values[counted]))  # type: ignore[arg-type]
    else:
        text = translations.gettext(key)
    return None if text is _ABSENT else text


def label(key: str, locale: str, **values: object) -> str:
    """The interface text `key` in `locale`, with {placeholders} filled in (the plural form
    a counted value asks for); KeyError for a key the catalog does not have."""
    text = _text(key, locale, values)
    if text is None:
        raise KeyError(key)
    return text.format(**values)


@dataclass(frozen=True)
class Phrase:
    """A sentence to be said later, in whichever language is asked for then: a message id
    and its values, any of which may be a Phrase itself (a clause in a sentence). What the
    store finds (audit findings) is made before anyone says in which language to tell it."""

    key: str
    values: dict[str, object] = field(default_factory=dict)

    def said(self, locale: str) -> str:
        return label(self.key, locale, **{name: value.said(locale) if isinstance(value, Phrase) else value for name, value in self.values.items()})

    def holds(self, key: str) -> bool:
        """Whether this phrase, or a clause in it, is message `key`."""
        return self.key == key or any(isinstance(value, Phrase) and value.holds(key) for value in self.values.values())


def value_label(group: str, value: object, locale: str) -> str:
    """The words for a value read from stored data (`group`_`value`: an outcome, a status,
    an event's kind): the value itself when it is none the program knows, so a row
    written by other means is shown as it is rather than stopping the screen."""
    text = _text(f"{group}_{value}", locale, {})
    return text if text is not None else str(value)
