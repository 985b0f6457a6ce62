"""Issue 19, templates: a hostile or broken template is refused by lint with its line and
never hangs, eats the machine, crashes, reads another file or slips past the disclosure
gate and the forbidden-language list; lint runs every branch against every shape of account."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callassist.core.flow import load_flow
from callassist.core.lint import check_content, lint
from callassist.core.preflight import PROMISE_SHAPES, account_shapes
from callassist.core.problems import ContentError
from callassist.core.templates import ScriptTemplates, inspect_template, make_environment, render_error, render_limited
from tests.conftest import OBJECTIONS, SCRIPTS


@pytest.fixture
def content(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    scripts, objections = tmp_path / "scripts", tmp_path / "objections"
    shutil.copytree(SCRIPTS, scripts)
    shutil.copytree(OBJECTIONS, objections)
    return scripts, objections


def _problems_in(scripts: Path, objections: Path, name: str) -> list[str]:
    return [str(p) for p in lint(scripts, objections) if p.path.endswith(name)]


COSTLY = [
    "{{ 'x' * 10**8 }}",
    "{{ (9**(9**9)) > 1 }}",
    "{{ ('x' * 10**9)|length }}",
    "{{ 'x'|center(10**9) }}",
    "{{ '%999999999d' % 1 }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{% set s = 'x' * 10000 %}{{ s|replace('', s) }}",
    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "{% set s = 'x' * 10000 %}{% macro m() %}{% for i in range(9000) %}{{ s }}{% endfor %}{% endmacro %}{{ m()|length }}",
    "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(1) }}",
    "{{ [1]|batch(10**9, 'x')|list|length }}",
    "{{ ([1] * 10**9)|length }}",
]


@pytest.mark.parametrize("source", COSTLY)
def test_item_05_a_costly_template_is_refused_by_lint_at_once_with_its_line(content, source):
    scripts, objections = content
    target = scripts / "standard" / "en" / "purpose.j2"
    target.write_text("Hello.\n" + source, encoding="utf-8")
    started = time.monotonic()
    found = _problems_in(scripts, objections, "en/purpose.j2")
    assert time.monotonic() - started < 30
    # range() is not a value of the call, so lint refuses it before anything runs.
    expected = ": E030 template variable 'range'" if "range(" in source else ": E035 template too costly: it "
    assert any(expected in problem and problem.startswith("scripts/standard/en/purpose.j2:2:") for problem in found), found


def test_item_05_a_costly_template_stops_within_bounds_when_rendered(make_call):
    env = make_environment()
    for source in COSTLY:
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            render_limited(env.from_string(source), {})
        assert time.monotonic() - started < 3, source
        assert render_error(caught.value, "t.j2", "<template>").problems[0].code == "E035", source


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ '{x}'.format() }}", "E033 template failed: KeyError: 'x'"),
        ("{{ '{x}'.format_map({}) }}", "E033 template failed: KeyError: 'x'"),
        ("{{ '{0}'.format() }}", "E033 template failed: IndexError"),
        ("{% include 'purpose.j2' %}", "E036 a template may not include, import or extend another file"),
        ("{% import 'purpose.j2' as me %}", "E036 a template may not include, import or extend another file"),
        ("{% extends 'purpose.j2' %}", "E036 a template may not include, import or extend another file"),
        ("{{ 9" + "9" * 5000 + " }}", "E03"),
    ],
)
def test_item_06_self_inclusion_and_failing_formats_are_problems_not_tracebacks(content, source, message):
    scripts, objections = content
    (scripts / "standard" / "en" / "purpose.j2").write_text(source, encoding="utf-8")
    found = _problems_in(scripts, objections, "en/purpose.j2")
    assert any(message in problem for problem in found), found
    flow, catalog, problems = check_content(scripts, "standard", objections)  # as the app loads it: a list, no raise
    assert flow is None and problems


def test_item_06_a_template_that_includes_itself_never_runs_even_unchecked(make_call, tmp_path):
    script = tmp_path / "standard"
    shutil.copytree(SCRIPTS / "standard", script)
    (script / "en" / "purpose.j2").write_text("again {% include 'purpose.j2' %}", encoding="utf-8")
    templates = ScriptTemplates(load_flow(script), "en")
    with pytest.raises(ContentError, match="E032 not allowed in a template: .*may not use another file"):
        templates.render("purpose.j2", make_call("en").context)


def test_item_07_no_include_carries_the_balance_or_forbidden_words_past_the_checks(content):
    scripts, objections = content
    reach = scripts / "standard" / "en" / "reach_party.j2"
    reach.write_text(reach.read_text(encoding="utf-8") + "\n{% include 'confirm_amount.j2' %}\n", encoding="utf-8")
    found = _problems_in(scripts, objections, "en/reach_party.j2")
    assert any("E036 a template may not include" in problem for problem in found), found
    reach.write_text(reach.read_text(encoding="utf-8").replace("{% include 'confirm_amount.j2' %}", '{{ "Think of your fam" ~ "ily." }}'), encoding="utf-8")
    found = _problems_in(scripts, objections, "en/reach_party.j2")
    assert any("E050 forbidden language (a threat) in what it prints: 'your family'" in problem for problem in found), found


def test_item_07_a_rebuttal_that_pieces_forbidden_words_together_is_refused(content):
    scripts, objections = content
    dodge = objections / "dodge.yaml"
    text = dodge.read_text(encoding="utf-8")
    first = text.index('text: "') + len('text: "')
    dodge.write_text(text[:first] + "{{ 'We know where your fam' ~ 'ily lives.' }} " + text[first:], encoding="utf-8")
    found = [str(p) for p in lint(scripts, objections) if p.path.endswith("dodge.yaml")]
    assert any("in what it prints: 'your family'" in problem for problem in found), found


def test_item_08_a_template_that_is_a_link_to_another_file_is_never_read(content, tmp_path):
    scripts, objections = content
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-TOKEN", encoding="utf-8")
    target = scripts / "standard" / "en" / "purpose.j2"
    target.unlink()
    os.symlink(secret, target)
    found = _problems_in(scripts, objections, "en/purpose.j2")
    assert any(f"E005 is a link to {secret}, which is not read" in problem for problem in found), found
    flow, _, problems = check_content(scripts, "standard", objections)
    assert flow is None and not any("SECRET-TOKEN" in str(problem) for problem in problems)
    (objections / "stall.yaml").unlink()
    os.symlink(OBJECTIONS / "stall.yaml", objections / "stall.yaml")
    assert any(p.code == "E005" and p.path.endswith("stall.yaml") for p in lint(scripts, objections))
    linked_folder = scripts / "linked"
    os.symlink(SCRIPTS / "standard", linked_folder)
    assert any(p.code == "E005" and "linked" in p.path for p in lint(scripts, objections))


def test_item_09_a_typo_in_a_branch_only_some_accounts_take_is_found(content):
    scripts, objections = content
    prepare = scripts / "standard" / "en" / "prepare.j2"
    text = prepare.read_text(encoding="utf-8")
    assert "Only {{ last_promise.paid }} of it arrived" in text
    prepare.write_text(text.replace("Only {{ last_promise.paid }} of it arrived", "Only {{ last_promise.piad }} of it arrived"), encoding="utf-8")
    found = _problems_in(scripts, objections, "en/prepare.j2")
    assert any("E030" in problem and "piad" in problem and "last promise partly_kept" in problem for problem in found), found


def test_item_09_lint_covers_every_shape_of_account():
    shapes = account_shapes()
    statuses = {shape.snapshot.promises[0].status if shape.snapshot.promises else None for shape in shapes}
    assert statuses == set(PROMISE_SHAPES)
    assert {len(shape.snapshot.invoices) for shape in shapes} == {0, 1, 3}
    from callassist.core.preflight import SAMPLE_NOW

    classes = {shape.snapshot.debt_class(SAMPLE_NOW.date()) for shape in shapes if shape.snapshot.invoices}
    assert classes == {"current", "collection", "watch", "doubtful", "write_off"}
    assert {shape.promised for shape in shapes} == {True, False}
    assert "" in {shape.snapshot.contact_role for shape in shapes}


JINJA_BITS = st.sampled_from(
    [
        "{{ ",
        " }}",
        "{% ",
        " %}",
        "{% for x in ",
        "{% endfor %}",
        "{% if ",
        "{% endif %}",
        "{% macro m() %}",
        "{% endmacro %}",
        "m()",
        "range(",
        ")",
        "'x'",
        " * ",
        " ** ",
        " ~ ",
        "|center(",
        "|replace(",
        "|join",
        "|batch(",
        "'%s'",
        " % ",
        ".format(",
        "9",
        "99999",
        "10**9",
        "balance",
        "contact_name",
        "last_promise",
        ".amount",
        "invoices",
        "[",
        "]",
        ",",
        "'{0}'",
        "'{x}'",
        "{% set s = ",
        "s",
        "{% include 'purpose.j2' %}",
        "__class__",
        "lipsum",
        "loop.index",
        "\n",
        "你好",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(JINJA_BITS, max_size=14).map("".join))
def test_fuzzed_templates_give_problems_or_text_never_a_crash(make_call, source):
    env = make_environment()
    report = inspect_template(env, source, "fuzz.j2")
    assert all(problem.path == "fuzz.j2" for problem in report.problems)
    if report.problems:
        return
    started = time.monotonic()
    try:
        text = render_limited(env.from_string(source), make_call("en").context.template_vars)
        assert len(text) <= 20_000
    except Exception as exc:  # noqa: BLE001 (what matters is that it becomes a problem)
        problems = render_error(exc, "fuzz.j2", "<template>").problems
        assert problems and problems[0].code.startswith("E03"), (source, exc)
    assert time.monotonic() - started < 5, source


def test_a_checked_script_edited_in_place_is_checked_again(tmp_path):
    """The check is kept per process under a digest of the files' bytes: an edit that keeps
    the file's size and time (as a careful attacker would) is still seen."""
    import os
    import shutil

    scripts, objections = tmp_path / "scripts", tmp_path / "objections"
    shutil.copytree(SCRIPTS, scripts)
    shutil.copytree(OBJECTIONS, objections)
    assert check_content(scripts, "standard", objections)[2] == []
    template = scripts / "standard" / "en" / "purpose.j2"
    before, stat = template.read_text(encoding="utf-8"), template.stat()
    edited = before.replace("{{ salutation }}", "{{ salutatio_ }}", 1)
    assert len(edited.encode()) == len(before.encode()) and edited != before
    template.write_text(edited, encoding="utf-8")
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    flow, catalog, problems = check_content(scripts, "standard", objections)
    assert flow is None and catalog is None and any(p.code == "E030" and "salutatio_" in p.message for p in problems)
    template.write_text(before, encoding="utf-8")
    assert check_content(scripts, "standard", objections)[2] == [], "and the good version passes again"
