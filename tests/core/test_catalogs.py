"""The interface's gettext catalogs: compiled as they are written, the same messages and
placeholders in every locale, plural forms where a number is counted, and no message the
code asks for missing or one it never asks for kept."""

from __future__ import annotations

import ast
import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from callassist.core.i18n import COUNTED, DOMAIN, LOCALE_DIR, LOCALES, label, message_keys, value_label

CODE = Path(__file__).resolve().parents[2] / "callassist"
PLACEHOLDER = re.compile(r"\{(\w+)(?:![rsa])?(?::[^}]*)?\}")
ASKING = {"label", "value_label", "t", "say"}  # what takes a message id (t: a screen's shorthand for label; value_label: a group's prefix)


def _po(locale: str):
    with (LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as source:
        return read_po(source)


def _messages(locale: str) -> dict[str, tuple[str, ...]]:
    return {m.id[0] if isinstance(m.id, tuple) else m.id: (m.string if isinstance(m.string, tuple) else (m.string,)) for m in _po(locale) if m.id}


def _compiled(data: bytes) -> dict:
    """A .mo's messages (its header aside), as gettext reads them: whichever tool made it."""
    return {key: text for key, text in gettext.GNUTranslations(io.BytesIO(data))._catalog.items() if key not in ("", ("", 0))}  # type: ignore[attr-defined]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalog_is_the_written_one(locale):
    """Compiled by pybabel or by msgfmt (Poedit), the .mo holds what the .po says, and
    every message of it: one marked fuzzy would be left out of the .mo."""
    written = _po(locale)
    fuzzy = sorted(m.id[0] if isinstance(m.id, tuple) else m.id for m in written if m.id and m.fuzzy)
    assert fuzzy == [], f"{locale}: messages marked fuzzy are left out of the compiled catalog: {fuzzy}"
    compiled = io.BytesIO()
    write_mo(compiled, written)
    shipped = (LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").read_bytes()
    assert _compiled(compiled.getvalue()) == _compiled(shipped), f"run: pybabel compile -d callassist/locale -D {DOMAIN}"


def test_every_locale_has_the_same_messages_with_the_same_placeholders():
    written = {locale: _messages(locale) for locale in LOCALES}
    assert set(written["en"]) == set(written["zh"])
    for key, forms in written["en"].items():
        for locale in LOCALES:
            for form in written[locale][key]:
                assert form, (locale, key)
                assert set(PLACEHOLDER.findall(form)) <= set(PLACEHOLDER.findall(forms[-1])) | {COUNTED.get(key)}, (locale, key, form)
    assert message_keys("en") == set(written["en"])


def test_a_plural_message_counts_what_the_code_says_it_counts():
    for locale in LOCALES:
        catalog = _po(locale)
        plural = {m.id[0]: m for m in catalog if isinstance(m.id, tuple)}
        assert set(plural) == set(COUNTED), locale
        for key, message in plural.items():
            assert message.auto_comments == [f"n = {{{COUNTED[key]}}}"], (locale, key)
            assert len(message.string) == catalog.num_plurals, (locale, key)


def test_english_says_one_day_and_two_days_and_chinese_has_one_form():
    assert label("reason_days_past_due", "en", days=1) == "1 day past due"
    assert label("reason_days_past_due", "en", days=2) == "2 days past due"
    assert label("reason_broken_count", "en", count=1) == "1 broken promise"
    assert label("reason_broken_count", "zh", count=3) == "失约 3 次"
    assert label("palette", "en") == "palette", "a message that reads as its id is still found"
    with pytest.raises(KeyError):
        label("no_such_message", "en")
    assert value_label("disp", "something_new", "en") == "something_new"


def _asked() -> tuple[set[str], set[str], set[str]]:
    """What the code names: message ids passed literally, prefixes of ids built with an
    f-string or from a group, and every other string it holds (an id kept in a table)."""
    literal: set[str] = set()
    prefixes: set[str] = set()
    strings: set[str] = set()
    for path in CODE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            if name not in ASKING:
                continue
            first = node.args[0]
            if name == "value_label" and isinstance(first, ast.Constant):
                prefixes.add(f"{first.value}_")
            elif isinstance(first, ast.Constant) and isinstance(first.value, str):
                literal.add(first.value)
            elif isinstance(first, ast.JoinedStr) and first.values and isinstance(first.values[0], ast.Constant):
                prefixes.add(str(first.values[0].value))
    return literal, prefixes, strings


def test_no_message_the_code_asks_for_is_missing():
    literal, _, _ = _asked()
    for locale in LOCALES:
        assert literal - message_keys(locale) == set(), locale


def test_a_message_missing_from_a_translation_reads_in_english(monkeypatch):
    """Never a crash on a screen: found by the helper, a fuzzy Chinese message stopped the report."""
    from callassist.core import i18n

    zh = i18n.catalog("zh")
    monkeypatch.delitem(zh._catalog, "report_calls_count")  # type: ignore[attr-defined]
    assert label("report_calls_count", "zh") == label("report_calls_count", "en")


def test_no_message_is_kept_that_the_code_never_asks_for():
    literal, prefixes, strings = _asked()
    unused = {key for key in message_keys("en") if key not in literal and key not in strings and not any(key.startswith(prefix) for prefix in prefixes)}
    assert unused == set()
