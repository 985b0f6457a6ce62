"""Broken trainer files give a clear error with file, line and a hint, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from callassist.core.flow import load_flow
from callassist.core.objections import load_catalog
from callassist.core.problems import ContentError
from tests.conftest import OBJECTIONS, SCRIPTS


@pytest.fixture
def script_copy(tmp_path: Path) -> Path:
    target = tmp_path / "standard"
    shutil.copytree(SCRIPTS / "standard", target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_yaml_syntax_error_names_the_line(script_copy):
    flow = script_copy / "flow.yaml"
    _edit(flow, "initial: prepare", "initial: [prepare")
    with pytest.raises(ContentError) as info:
        load_flow(script_copy)
    problem = info.value.problems[0]
    assert problem.code == "E002" and problem.path.endswith("flow.yaml") and problem.line >= _line_of(flow, "initial: [prepare")


def test_unknown_key_gets_did_you_mean(script_copy):
    flow = script_copy / "flow.yaml"
    _edit(flow, "    discloses_debt: true\n    form: promise", "    discloses_debt: true\n    from: promise")
    with pytest.raises(ContentError) as info:
        load_flow(script_copy)
    problem = info.value.problems[0]
    assert problem.code == "E010" and "'form'" in problem.hint
    assert problem.line == _line_of(flow, "from: promise")


def test_condition_outside_the_allow_list_is_refused(script_copy):
    flow = script_copy / "flow.yaml"
    _edit(flow, "conditions: [right_party_verified]\n    sets: [good_time_confirmed]", "conditions: [os.system]\n    sets: [good_time_confirmed]")
    with pytest.raises(ContentError) as info:
        load_flow(script_copy)
    assert [p.code for p in info.value.problems] == ["E021"]
    assert info.value.problems[0].line == _line_of(flow, "conditions: [os.system]")


def test_unknown_state_and_reserved_key_are_all_reported(script_copy):
    flow = script_copy / "flow.yaml"
    _edit(flow, "dest: reach_party\n  - trigger: no_answer", "dest: reach_partyy\n  - trigger: no_answer")
    _edit(flow, 'key: d\n    label: {en: "Someone answered"', 'key: x\n    label: {en: "Someone answered"')
    with pytest.raises(ContentError) as info:
        load_flow(script_copy)
    codes = {p.code: p for p in info.value.problems}
    assert set(codes) == {"E020", "E023"}
    assert "'reach_party'" in codes["E020"].hint


def test_template_errors_name_file_and_line(script_copy, standard_flow, catalog, make_call):
    from callassist.core.call import Call

    template = script_copy / "en" / "purpose.j2"
    template.write_text("line one\n{{ balance }}\n{{ balanse }}\n", encoding="utf-8")
    loaded = load_flow(script_copy)
    base = make_call()
    call = Call(loaded, catalog, base.context, base.balance)
    call.machine.set_state("purpose", model=call.cursor)
    with pytest.raises(ContentError) as info:
        call._enter("purpose")
    problem = info.value.problems[0]
    assert problem.code == "E030" and problem.path.endswith("purpose.j2") and problem.line == 3 and "balanse" in problem.message

    template.write_text("ok\n{% if %}\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        Call(load_flow(script_copy), catalog, base.context, base.balance)._enter("purpose")
    assert info.value.problems[0].code == "E031" and info.value.problems[0].line == 2


def test_sandbox_blocks_python_internals(script_copy, catalog, make_call):
    from callassist.core.call import Call

    (script_copy / "en" / "prepare.j2").write_text("{{ debtor.__class__.__mro__ }}", encoding="utf-8")
    base = make_call()
    with pytest.raises(ContentError) as info:
        Call(load_flow(script_copy), catalog, base.context, base.balance)._enter("prepare")
    assert info.value.problems[0].code in {"E030", "E032"}


def test_objection_file_errors(tmp_path):
    target = tmp_path / "objections"
    shutil.copytree(OBJECTIONS, target)
    stall = target / "stall.yaml"
    text = stall.read_text(encoding="utf-8")
    stall.write_text(text.replace("principle: reason", "principle: threats", 1), encoding="utf-8")
    (target / "dodge.yaml").unlink()
    with pytest.raises(ContentError) as info:
        load_catalog(target)
    problems = info.value.problems
    assert {p.code for p in problems} == {"E040", "E012"}
    bad = next(p for p in problems if p.code == "E012")
    assert bad.path.endswith("stall.yaml") and bad.line == _line_of(stall, "principle: threats")


def test_preflight_finds_a_broken_template_at_load(script_copy, catalog):
    from callassist.core.preflight import preflight

    (script_copy / "zh" / "negotiate.j2").write_text("好的\n{{ debtor_name }}\n", encoding="utf-8")
    problems = preflight(load_flow(script_copy), catalog)
    assert [(p.code, p.line) for p in problems] == [("E030", 2)]
    assert problems[0].path.endswith("zh/negotiate.j2")
