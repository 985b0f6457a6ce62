"""The interface's gettext catalogs: compiled as they are written, the same messages and
placeholders in every locale, plural forms where a number is counted, and no message the
code asks for missing or one it never asks for kept."""

from __future__ import annotations

import ast
import gettext
import io
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from callassist.core.i18n import COUNTED, DOMAIN, LOCALE_DIR, LOCALES, label, message_keys, value_label

CODE = Path(__file__).resolve().parents[2] / "callassist"
PLACEHOLDER = re.compile(r"\{(\w+)(?:![rsa])?(?::[^}]*)?\}")
# What takes a message id: t is a screen's shorthand for label, and the command line's
# words, say and counted are label in the session's language; value_label takes a group's prefix.
ASKING = {"label", "value_label", "t", "words", "say", "counted"}


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


IRREGULAR_PLURALS = {"is": "are", "was": "were", "has": "have", "this": "these", "that": "those", "it": "they", "its": "their"}


def _plural_of(singular: str, plural: str) -> bool:
    """Whether `plural` is the English plural of `singular` (day days, entry entries, is are)."""
    return plural in (singular + "s", singular + "es", singular[:-1] + "ies") or IRREGULAR_PLURALS.get(singular) == plural


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", PLACEHOLDER.sub("", text).lower()))


def test_english_plural_forms_read_one_then_many():
    """msgstr[0] is said of one, msgstr[1] of many: forms written the other way round
    ("1 days", "2 day") are refused, as are forms that do not differ by a plural."""
    for message in _po("en"):
        if not isinstance(message.id, tuple):
            continue
        one, many = (_words(form) for form in message.string)
        key = message.id[0]
        assert any(_plural_of(a, b) for a in one for b in many), f"en {key}: its second form has no plural of a word of its first: {message.string}"
        swapped = sorted(f"{a} / {b}" for a in many for b in one if _plural_of(a, b))
        assert not swapped, f"en {key}: its first form (said of one) has the plural of a word of its second: {swapped}; are the forms swapped?"


def test_english_says_one_day_and_two_days_and_chinese_has_one_form():
    assert label("reason_days_past_due", "en", days=1) == "1 day past due"
    assert label("reason_days_past_due", "en", days=2) == "2 days past due"
    assert label("reason_broken_count", "en", count=1) == "1 broken promise"
    assert label("reason_broken_count", "zh", count=3) == "失约 3 次"
    assert label("palette", "en") == "palette", "a message that reads as its id is still found"
    with pytest.raises(KeyError):
        label("no_such_message", "en")
    assert value_label("disp", "something_new", "en") == "something_new"


Hole = tuple[tuple[str, str], ...]  # a value in a message id, and the replacements that spell it there


def _parts(node: ast.expr) -> tuple[str | Hole, ...]:
    """A message id as the code builds it, part by part: what is written in the code, and
    holes where a value goes (`f"hold_{reason}"` is "hold_" then a hole; in
    `f"card_{item}_{result.replace('/', '')}"` the last hole spells n/a as na)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _parts(node.left) + _parts(node.right)
    if isinstance(node, ast.JoinedStr):
        return tuple(part for value in node.values for part in _parts(value.value if isinstance(value, ast.FormattedValue) else value))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace" and len(node.args) == 2 and all(isinstance(a, ast.Constant) for a in node.args):
        inner = _parts(node.func.value)
        if len(inner) == 1 and not isinstance(inner[0], str):
            return (inner[0] + ((node.args[0].value, node.args[1].value),),)  # type: ignore[attr-defined]
    return ((),)


def _either(node: ast.expr) -> list[ast.expr]:
    """What an argument may be: each side of a conditional expression."""
    return _either(node.body) + _either(node.orelse) if isinstance(node, ast.IfExp) else [node]


def _asked() -> tuple[set[str], list[tuple[str | Hole, ...]], set[str]]:
    """What the code names: message ids passed literally, ids it builds (a group's prefix
    and a value: `value_label("disp", outcome)`, `label(f"hold_{reason}")`), and every
    string it holds (an id kept in a table, a value that fills a built id)."""
    literal: set[str] = set()
    built: list[tuple[str | Hole, ...]] = []
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
            for asked in _either(node.args[0]):  # say("a" if x else "b"): both
                parts = _parts(asked) + (("_", ()) if name == "value_label" else ())
                if len(parts) == 1 and isinstance(parts[0], str):
                    literal.add(parts[0])
                elif any(isinstance(part, str) for part in parts):
                    built.append(parts)
    return literal, built, strings


def _reaches(key: str, parts: tuple[str | Hole, ...], spelled) -> bool:
    """Whether the id built of `parts` can be `key`: each hole filled by a value the code holds."""
    if not parts:
        return key == ""
    first, rest = parts[0], parts[1:]
    if isinstance(first, str):
        return key.startswith(first) and _reaches(key[len(first) :], rest, spelled)
    return any(key[:end] in spelled(first) and _reaches(key[end:], rest, spelled) for end in range(len(key) + 1))


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
    """A message is asked for by its id, or built from a group and a value the code holds:
    `hold_retired` is kept for nothing once no code says "retired"."""
    literal, built, strings = _asked()

    @cache
    def spelled(hole: Hole) -> frozenset[str]:
        values = set(strings)
        for old, new in hole:
            values = {value.replace(old, new) for value in values}
        return frozenset(values)

    unused = {key for key in message_keys("en") if key not in literal and key not in strings and not any(_reaches(key, parts, spelled) for parts in built)}
    assert unused == set()
