"""The linter: one broken file per check, every problem found at once, at its exact line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from callassist.core.flow import load_flow
from callassist.core.lint import lint
from callassist.core.objections import load_catalog
from callassist.core.problems import ContentError
from callassist.core.templates import ScriptTemplates
from tests.conftest import OBJECTIONS, SCRIPTS


def _edit(path: Path, old: str, new: str) -> int:
    """Replace `old` once; return the line where the new text starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.fixture
def content(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)  # problems name paths relative to here
    scripts, objections = tmp_path / "scripts", tmp_path / "objections"
    shutil.copytree(SCRIPTS, scripts)
    shutil.copytree(OBJECTIONS, objections)
    return scripts, objections


def _script(scripts: Path, name: str) -> Path:
    target = scripts / name
    shutil.copytree(scripts / "standard", target)
    _edit(target / "flow.yaml", "name: standard", f"name: {name}")
    return target


def test_the_shipped_content_lints_clean():
    assert lint(SCRIPTS, OBJECTIONS) == []


def test_every_check_finds_its_broken_file_at_its_line(content):
    scripts, objections = content
    expected: set[tuple[str, str, int]] = set()

    def expect(code: str, path: Path, line: int) -> None:
        expected.add((code, str(path.relative_to(scripts.parent)), line))

    # YAML syntax (E002)
    broken = _script(scripts, "yaml_syntax")
    # (YAML notices the missing ] on the next line; the message names the line it opened on)
    expect("E002", broken / "flow.yaml", _edit(broken / "flow.yaml", "initial: prepare", "initial: [prepare") + 1)

    # Schema: an unknown key with a did-you-mean (E010), a label missing in one locale (E011)
    broken = _script(scripts, "schema")
    expect("E010", broken / "flow.yaml", _edit(broken / "flow.yaml", "    discloses_debt: true\n  confirm_amount", "    discloses_dept: true\n  confirm_amount"))
    expect("E011", broken / "flow.yaml", _edit(broken / "flow.yaml", 'label: {en: "Prepare", zh: "通话准备"}', 'label: {en: "Prepare"}'))

    # Names: a transition to an unknown state (E020), a condition outside the allow-list (E021)
    broken = _script(scripts, "names")
    expect("E020", broken / "flow.yaml", _edit(broken / "flow.yaml", "    dest: reach_party\n  - trigger: no_answer", "    dest: reach_prty\n  - trigger: no_answer"))
    expect("E021", broken / "flow.yaml", _edit(broken / "flow.yaml", "conditions: [right_party_verified]", "conditions: [os.system]"))

    # Paths: a state nothing leads to (E025), a state with no way out that is not final (E026)
    broken = _script(scripts, "paths")
    flow = broken / "flow.yaml"
    _edit(flow, "  wrap_up:\n", "  orphan:\n    label: {en: Orphan, zh: 孤立}\n  wrap_up:\n")
    expect("E025", flow, _line(flow, "  orphan:"))
    for locale in ("en", "zh"):
        (broken / locale / "orphan.j2").write_text("-", encoding="utf-8")
    _edit(flow, "    source: callback\n    dest: wrap_up", "    source: gatekeeper\n    dest: wrap_up")
    expect("E026", flow, _line(flow, "  callback:"))  # its one way out now starts elsewhere

    # Debt details before the right party is verified (E027)
    broken = _script(scripts, "debt")
    expect("E027", broken / "en" / "gatekeeper.j2", 1)
    _edit(broken / "en" / "gatekeeper.j2", "Be courteous.", "Be courteous. He owes {{ balance }}.")

    # The debt named before the collector said who calls and why (E019): excuses answered
    # from the purpose step itself lead to every step after it.
    broken = _script(scripts, "purpose")
    flow = broken / "flow.yaml"
    _edit(flow, "  allowed_from: [confirm_amount,", "  allowed_from: [purpose, confirm_amount,")
    _edit(flow, "  conditions: [right_party_verified, purpose_stated]", "  conditions: [right_party_verified]")
    for state in ("dispute", "objection", "negotiate", "promise", "escalate"):
        expect("E019", flow, _line(flow, f"  {state}:"))

    # Templates of the standard copy: an unknown variable (E030), Jinja syntax (E031),
    # reaching for Python internals (E032), a template missing in one locale (E034),
    # forbidden language (E050)
    standard = scripts / "standard"
    expect("E030", standard / "en" / "purpose.j2", 1)
    _edit(standard / "en" / "purpose.j2", "{{ creditor }}", "{{ creditr }}")
    expect("E031", standard / "zh" / "callback.j2", 1)
    (standard / "zh" / "callback.j2").write_text("{% if contact_name %}没有结束", encoding="utf-8")
    expect("E032", standard / "en" / "negotiate.j2", 2)
    (standard / "en" / "negotiate.j2").write_text("Offer a plan.\n{{ debtor.__class__.__mro__ }}", encoding="utf-8")
    (standard / "zh" / "escalate.j2").unlink()
    expect("E034", standard / "zh" / "escalate.j2", 1)
    expect("E050", standard / "en" / "abusive.j2", 3)
    (standard / "en" / "abusive.j2").write_text("Stay calm.\n\nTell him the police will come.", encoding="utf-8")

    # Objections: a ladder too short (E013), a commitment that does not ask (E043),
    # forbidden language in a rebuttal (E050)
    stall = objections / "stall.yaml"
    text = stall.read_text(encoding="utf-8")
    third = text.index("    - principle: law", text.index("  en:"))
    end = text.index("\n  zh:", third) + 1
    stall.write_text(text[:third] + text[end:], encoding="utf-8")
    expect("E013", stall, _line(stall, "ladder:") + 1)
    dodge = objections / "dodge.yaml"
    # The ladder's first question made a statement, its first text an insult (found by shape, not by words that change).
    asked = next(row for row in dodge.read_text(encoding="utf-8").splitlines() if row.startswith('      commitment: "') and row.endswith('?"'))
    expect("E043", dodge, _edit(dodge, asked, asked[:-2] + '."'))
    said = next(row for row in dodge.read_text(encoding="utf-8").splitlines() if row.startswith('      text: "'))
    expect("E050", dodge, _edit(dodge, said, said.replace('text: "', 'text: "You deadbeat. ', 1)))

    # The forbidden-language list itself: a phrase listed twice (E053)
    forbidden = scripts / "forbidden.yaml"
    expect("E053", forbidden, _edit(forbidden, "    en: [jail,", "    en: [idiot, jail,"))

    problems = lint(scripts, objections)
    found = {(p.code, p.path, p.line) for p in problems}
    assert found == expected
    assert problems == sorted(problems)
    by_code = {p.code: p for p in problems}
    assert by_code["E010"].hint == "did you mean 'discloses_debt'?"
    assert by_code["E030"].hint == "did you mean 'creditor'?"
    assert "needs at least 4" in by_code["E013"].message
    assert "flow sequence at line" in by_code["E002"].message


def test_a_folder_without_a_flow_and_an_empty_scripts_dir_are_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scripts" / "notes").mkdir(parents=True)
    found = {(p.code, p.path) for p in lint(tmp_path / "scripts", OBJECTIONS)}
    assert found == {("E003", "scripts/notes/flow.yaml")}
    (tmp_path / "empty").mkdir()
    assert {p.code for p in lint(tmp_path / "empty", OBJECTIONS)} == {"E003"}


HOSTILE = [
    ("{{ ''.__class__.__mro__ }}", "E032"),
    ("{{ range(10**9) | list | length }}", "E035"),
    ("{{ debtor | attr('__class__') }}", "E032"),
    ("{{ lipsum.__globals__['os'].system('touch pwned') }}", "E030"),  # no lipsum in a trainer's sandbox at all
    ("{{ cycler.__init__.__globals__ }}", "E032"),
]


@pytest.mark.parametrize(("source", "runtime_code"), HOSTILE)
def test_a_hostile_template_is_refused_by_lint_and_never_runs(content, make_call, source, runtime_code):
    scripts, objections = content
    target = scripts / "standard" / "en" / "purpose.j2"
    target.write_text(source, encoding="utf-8")
    codes = {p.code for p in lint(scripts, objections) if p.path.endswith("en/purpose.j2")}
    assert codes and codes <= {"E030", "E032", "E035"}
    call = make_call("en")
    templates = ScriptTemplates(load_flow(scripts / "standard"), "en")
    with pytest.raises(ContentError) as info:
        templates.render("purpose.j2", call.context)
    assert [p.code for p in info.value.problems] == [runtime_code]
    assert not Path("pwned").exists()


def test_a_hostile_rebuttal_is_refused_when_the_catalog_loads(content):
    _, objections = content
    dodge = objections / "dodge.yaml"
    said = next(row for row in dodge.read_text(encoding="utf-8").splitlines() if row.startswith('      text: "'))
    line = _edit(dodge, said, '      text: "{{ contact_name.__class__.__base__.__subclasses__() }}"')
    with pytest.raises(ContentError) as info:
        load_catalog(objections)
    assert {(p.code, p.line) for p in info.value.problems} == {("E032", line)}


@pytest.mark.parametrize(
    ("line", "refused"),
    [
        ("I'll hand this to our lawyer today.", True),
        ("{% if days_past_due > 120 %}Our legal department will write to you.{% endif %}", True),  # late is not referred
        ("{% if not legal_referred %}Our lawyers will sue.{% endif %}", True),
        ("{{ 'our lawyers' if broken_promises else 'my lead' }} will call.", True),
        ("If you pay now, supply to you won't be interrupted.", True),
        ("我们会给您发律师函。", True),
        ("This is your final notice before we act.", True),  # false urgency: no letter was sent
        ("这是最后通知。", True),
        ("{% if final_letter_sent %}You'll have had our final notice by post.{% endif %}", False),
        ("{% if legal_referred %}Our legal department has the file now.{% endif %}", False),
        ("{{ 'our lawyers' if legal_referred else 'my lead' }} will call.", False),
        ("{% if supply_stopped and final_letter_sent %}Deliveries stay on hold; you have our final letter.{% endif %}", False),
        ("Please be courteous; that was the issue.", False),  # "court", "sue" inside other words
        # Found by the attacker: words put together, guards that do not hold the fact, other spellings.
        ('{{ "law" ~ "yer" }} will call.', True),
        ('{{ "reywal"|reverse }} will call.', True),
        ("{% filter upper %}law{% endfilter %}yer", True),
        ("{% if legal_referred or true %}Our lawyer will call.{% endif %}", True),
        ("{% set legal_referred = true %}{% if legal_referred %}Our lawyer will call.{% endif %}", True),
        ("Our legal\naction starts.", True),
        ("Our ｌａｗｙｅｒ will call.", True),
        ("Our law\u00adyer will call.", True),
        ("我們的律師會聯絡您。", True),
        ("We will no longer deliver to you.", True),
        ("这是最后一次通知。", True),
        ("再不付就跟你打官司。", True),
    ],
)
def test_lint_refuses_a_claim_the_account_may_not_support(content, line, refused):
    scripts, objections = content
    escalate = scripts / "standard" / "en" / "escalate.j2"
    _edit(escalate, "Never threaten and never exaggerate what will happen.", line)
    found = [p for p in lint(scripts, objections) if p.code == "E054"]
    assert bool(found) is refused, found
    assert all(p.path == "scripts/standard/en/escalate.j2" for p in found)


def test_a_claim_written_out_is_named_at_its_line(content):
    scripts, objections = content
    escalate = scripts / "standard" / "en" / "escalate.j2"
    at = _edit(escalate, "Never threaten and never exaggerate what will happen.", "Stay calm.\nOur lawyers will write.")
    assert {(p.path, p.line) for p in lint(scripts, objections) if p.code == "E054"} == {("scripts/standard/en/escalate.j2", at + 1)}


def test_a_situations_words_make_no_claim_of_ours(content):
    scripts, objections = content
    path = objections / "situations" / "stop_calling.yaml"
    line = _edit(path, "Thanks for telling me. Goodbye.", "Our lawyers will sue you, and we'll stop supply.")
    found = {(p.code, p.path, p.line) for p in lint(scripts, objections) if p.code == "E054"}
    assert ("E054", "objections/situations/stop_calling.yaml", line) in found


def test_lint_refuses_an_unguarded_lawyer_line_in_a_rung_at_its_line(content):
    scripts, objections = content
    path = objections / "stall.yaml"
    line = _edit(path, "I'd much rather keep it with me and sort it out with you.", "Our lawyer will call you after that.")
    problems = [p for p in lint(scripts, objections) if p.code == "E054"]
    assert [(p.path, p.line) for p in problems] == [("objections/stall.yaml", line)]
    assert "“lawyer” claims what the account may not support" in problems[0].message and "{% if legal_referred %}" in problems[0].hint


def test_an_accounts_file_records_facts_beside_warning_signs(tmp_path):
    from callassist.core.ledger_csv import LedgerFileError, read_accounts

    header = "debtor_id,debtor_name,debtor_kind,timezone,work_starts,income_day,contact_name,contact_role,phone,account_id,collector,currency,flags,invoice_number,invoice_date,due_date,amount\n"
    row = "D-1,Acme,company,Asia/Shanghai,08:30,25,Chen,AP,+86 512 5550 1001,A-1,wang,CNY,{flags},INV-1,2026-07-01,2026-08-01,100.00\n"
    good = tmp_path / "good.csv"
    good.write_text(header + row.format(flags="moving;legal_referred;final_letter_sent"), encoding="utf-8")
    [account] = read_accounts(good)
    assert account.flags == "moving,legal_referred,final_letter_sent"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + row.format(flags="legal_refered"), encoding="utf-8")
    with pytest.raises(LedgerFileError) as refused:
        read_accounts(bad)
    assert "unknown warning sign or fact 'legal_refered' (did you mean legal_referred?)" in str(refused.value.problems[0])


def test_situation_files_are_linted_like_the_excuses(content):
    scripts, objections = content
    situations = objections / "situations"
    (situations / "complaint.yaml").unlink()
    renamed = _edit(situations / "hardship.yaml", "id: hardship", "id: deceased")
    shared = _edit(situations / "stop_calling.yaml", '    - "别再找我了"\n', '    - "会计不在"\n')  # a stall cue, without a weight
    found = {(p.code, p.path, p.line) for p in lint(scripts, objections)}
    assert ("E040", "objections/situations/complaint.yaml", 1) in found
    assert ("E041", "objections/situations/hardship.yaml", renamed) in found
    assert ("E045", "objections/situations/stop_calling.yaml", shared) in found


def test_found_by_the_attacker_ascii_marks_in_chinese_and_a_question_asked_twice(content):
    """E048: an ASCII question mark or comma in Chinese, in a rung or a template; E049: two
    rungs of the catalog asking the same question. Each at its own line."""
    scripts, objections = content
    stall = objections / "stall.yaml"
    text = stall.read_text(encoding="utf-8")
    zh = text.index("\n  zh:", text.index("\nladder:"))
    first = text.index('      commitment: "', zh) + len('      commitment: "')
    end = text.index('"\n', first)
    stall.write_text(text[:first] + text[first:end].replace("？", "?") + text[end:], encoding="utf-8")
    asked_line = text[:first].count("\n") + 1
    dodge = objections / "dodge.yaml"
    dodge_text = dodge.read_text(encoding="utf-8")
    en_first = dodge_text.index('      commitment: "') + len('      commitment: "')
    en_end = dodge_text.index('"\n', en_first)
    stall_en = text.index('      commitment: "') + len('      commitment: "')
    copied = text[stall_en : text.index('"\n', stall_en)]
    dodge.write_text(dodge_text[:en_first] + copied + dodge_text[en_end:], encoding="utf-8")
    copied_line = text[:stall_en].count("\n") + 1  # named where it is asked the second time: stall comes after dodge
    template = scripts / "standard" / "zh" / "callback.j2"
    template.write_text("“您看什么时候方便,我再打给您？”\n", encoding="utf-8")
    found = {(p.code, p.path, p.line) for p in lint(scripts, objections) if p.code in ("E048", "E049")}
    assert found == {("E048", "objections/stall.yaml", asked_line), ("E049", "objections/stall.yaml", copied_line), ("E048", "scripts/standard/zh/callback.j2", 1)}
