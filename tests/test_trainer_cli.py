"""The trainers' commands: lint, preview, graph and the published JSON Schemas."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from callassist.cli import app
from callassist.core.flow import load_flow
from callassist.core.schemas import SCHEMAS, schema_text
from tests.conftest import OBJECTIONS, ROOT, SCRIPTS

runner = CliRunner()


def test_lint_exit_status_and_formats(tmp_path, monkeypatch):
    clean = runner.invoke(app, ["lint", "--scripts-dir", str(SCRIPTS), "--objections-dir", str(OBJECTIONS)])
    assert clean.exit_code == 0 and "No problems found." in clean.output
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SCRIPTS, tmp_path / "scripts")
    template = tmp_path / "scripts" / "standard" / "zh" / "purpose.j2"
    template.write_text("您好 {{ contat_name }}", encoding="utf-8")
    args = ["lint", "--scripts-dir", "scripts", "--objections-dir", str(OBJECTIONS)]
    text = runner.invoke(app, args)
    assert text.exit_code == 1 and text.stderr == "1 problem\n"  # one, not "1 problem(s)"
    assert runner.invoke(app, ["--locale", "zh", *args]).stderr == "共 1 处问题\n"
    assert runner.invoke(app, ["--locale", "zh", "lint", "--scripts-dir", str(SCRIPTS), "--objections-dir", str(OBJECTIONS)]).stderr == "没有发现问题。\n"
    assert "scripts/standard/zh/purpose.j2:1:1: E030 template variable 'contat_name' is not a value of the call (did you mean 'contact_name'?)" in text.output
    as_json = runner.invoke(app, [*args, "--format", "json"])
    assert as_json.exit_code == 1
    problems = json.loads(as_json.stdout)
    assert {"path": "scripts/standard/zh/purpose.j2", "line": 1, "col": 1, "code": "E030"}.items() <= problems[0].items()
    usage = runner.invoke(app, [*args, "--format", "yaml"])
    assert usage.exit_code == 2 and "'yaml' is not one of 'text', 'json'" in " ".join(usage.output.replace("│", " ").split())


def test_the_commands_choices_are_the_cores():
    """The CLI's Enum choices name what the core and the store accept, no more, no less."""
    from callassist.cli.content import GraphFormat, SchemaKind
    from callassist.cli.figures import ExportKind
    from callassist.core.graph import FORMATS
    from callassist.core.schemas import SCHEMAS
    from callassist.store.queries import EXPORTS

    assert [kind.value for kind in SchemaKind] == list(SCHEMAS)
    assert tuple(fmt.value for fmt in GraphFormat) == FORMATS
    assert tuple(kind.value for kind in ExportKind) == (*EXPORTS, "recordings")  # recordings are files, copied out, not rows


def test_preview_renders_the_happy_path_and_one_step():
    whole = runner.invoke(app, ["--collector", "Lin", "preview", "standard", "--sample", "--locale", "en"])
    assert whole.exit_code == 0, whole.output
    states = [line.split("[")[-1].rstrip("]") for line in whole.output.splitlines() if line[:1].isdigit()]
    assert states[0] == "prepare" and states[-1] == "wrap_up" and "promise" in states
    assert "this is Lin from" in whole.output and "¥36,800.00" in whole.output  # the sample account's balance
    one = runner.invoke(app, ["preview", "standard", "--state", "gatekeeper", "--locale", "zh"])
    assert one.exit_code == 0 and "1. 他人接听  [gatekeeper]" in one.output and "2." not in one.output
    wrong = runner.invoke(app, ["preview", "standard", "--state", "nowhere"])
    assert wrong.exit_code == 2 and "no state 'nowhere'" in wrong.output
    missing = runner.invoke(app, ["preview", "nosuch"])
    assert missing.exit_code == 2 and "choose from standard" in missing.output


def test_preview_with_an_account_from_the_database(tmp_path, demo_copy):
    url = demo_copy(tmp_path / "demo.db", "lin")
    shown = runner.invoke(app, ["--db", url, "--collector", "lin", "preview", "standard", "--account", "1", "--state", "purpose", "--locale", "en"])
    assert shown.exit_code == 0 and "Sample Trading" not in shown.output and "[purpose]" in shown.output
    absent = runner.invoke(app, ["--db", url, "preview", "standard", "--account", "9999"])
    assert absent.exit_code == 2 and "no account 9999" in absent.output


def test_graph_draws_every_state_and_choice_in_the_locale():
    flow = load_flow(SCRIPTS / "standard").flow
    mermaid = runner.invoke(app, ["graph", "standard", "--locale", "zh"])
    assert mermaid.exit_code == 0 and mermaid.output.startswith('---\ntitle: "标准催收通话"')
    for state, spec in flow.states.items():
        assert f'{state}["{spec.label.zh}"]' in mermaid.output or f'{state}(["{spec.label.zh}"])' in mermaid.output
    arrows = sum(len(t.sources) for t in flow.transitions) + len(flow.objections.allowed_from)
    assert mermaid.output.count(" -->|") == arrows
    dot = runner.invoke(app, ["graph", "standard", "--format", "dot", "--locale", "en"])
    assert dot.exit_code == 0 and dot.output.startswith('digraph "standard" {') and dot.output.count(" -> ") == arrows
    assert 'wrap_up [label="Wrap up", shape=ellipse];' in dot.output


def test_the_published_json_schemas_are_up_to_date():
    for kind, (_, folder, name) in SCHEMAS.items():
        published = (ROOT / folder / name).read_text(encoding="utf-8")
        assert published == schema_text(kind), f"{folder}/{name} is out of date: run `callassist schema {kind} --write`"
    printed = runner.invoke(app, ["schema", "flow"])
    assert json.loads(printed.output)["$id"] == "flow.schema.json"


def test_objections_classify_reads_lines_and_prints_ids_and_scores(tmp_path, monkeypatch):
    typed = "the accountant is on leave\n\n我們沒收到發票\nhe is not in\n"
    result = runner.invoke(app, ["--objections-dir", str(OBJECTIONS), "objections", "classify", "--top", "2"], input=typed.encode("utf-8"))
    assert result.exit_code == 0, result.output
    lines = result.output.split("\n")
    assert lines[1] == "" and len(lines) == 5  # one answer a line, the empty line kept
    first = lines[0].split("\t")
    assert first[0] == "deflect.accountant_away" and len(first) == 4 and float(first[1]) > float(first[3]) > 0
    assert lines[2].split("\t")[0].startswith("deflect") and lines[3].split("\t")[0] == "dodge"
    assert len(runner.invoke(app, ["--objections-dir", str(OBJECTIONS), "objections", "classify"], input=b"trust me\n").output.split("\t")) == 6  # three by default

    taiwan = runner.invoke(app, ["--objections-dir", str(OBJECTIONS), "objections", "classify", "--locale", "zh_TW", "--top", "1"], input="帳單沒收到\n".encode())
    assert taiwan.exit_code == 0 and taiwan.output.startswith("deflect\t")

    bad_locale = runner.invoke(app, ["objections", "classify", "--locale", "fr"], input=b"x\n")
    assert bad_locale.exit_code == 2 and "unsupported locale 'fr'" in bad_locale.output
    not_utf8 = runner.invoke(app, ["--objections-dir", str(OBJECTIONS), "objections", "classify"], input=b"fine\n\xff\xfe broken\n")
    assert not_utf8.exit_code == 2 and "standard input line 2: byte 1 is not UTF-8" in not_utf8.output and "Traceback" not in not_utf8.output

    monkeypatch.chdir(tmp_path)
    shutil.copytree(OBJECTIONS, tmp_path / "objections")
    stall = tmp_path / "objections" / "stall.yaml"
    stall.write_text(stall.read_text(encoding="utf-8").replace('    - "business is slow"', '    - "head office decides"'), encoding="utf-8")
    broken = runner.invoke(app, ["--objections-dir", "objections", "objections", "classify"], input=b"x\n")
    assert broken.exit_code == 1 and "objections/stall.yaml:" in broken.output and "E045" in broken.output


def test_preview_says_what_the_rules_have_said():
    """Found by the attacker: `preview` left out the disclosure `us` puts on the purpose step."""
    agency = runner.invoke(app, ["--compliance", "us", "preview", "standard", "--state", "purpose"])
    creditor = runner.invoke(app, ["--compliance", "us-creditor", "preview", "standard", "--state", "purpose"])
    assert agency.exit_code == creditor.exit_code == 0
    assert "“I am a debt collector." in agency.output and "debt collector" not in creditor.output
    recorded = ["--phone", "baresip://127.0.0.1:4444?recordings=/var/tmp/calls", "preview", "standard", "--state", "reach_party"]
    assert "this call is recorded" in runner.invoke(app, ["--compliance", "us", *recorded]).output
    assert "this call is recorded" not in runner.invoke(app, ["--compliance", "cn", *recorded]).output


def test_preview_reads_the_reminder_the_check_call_and_a_ladder_on_a_sample_that_fits():
    reminder = runner.invoke(app, ["preview", "standard", "--state", "reminder", "--standing", "not_yet_due", "--locale", "en"])
    assert reminder.exit_code == 0 and "CN¥20,000.00 on your account falls due on" in reminder.output and "out of CN¥36,800.00 coming due" in reminder.output
    check = runner.invoke(app, ["preview", "standard", "--state", "check_promise", "--standing", "promise_open", "--debtor", "consumer", "--locale", "en"])
    assert check.exit_code == 0 and "Wang Lei" in check.output and "CN¥10,000.00 you arranged to pay" in check.output
    ladder = runner.invoke(app, ["preview", "standard", "--excuse", "deflect.signer_away", "--locale", "zh"])
    assert ladder.exit_code == 0 and [line[:2] for line in ladder.output.splitlines() if line[:1].isdigit()] == ["1.", "2.", "3.", "4."]
    assert "reason" in ladder.output and "law" in ladder.output
    wrong = runner.invoke(app, ["preview", "standard", "--excuse", "deflect.nowhere"])
    assert wrong.exit_code == 2 and "deflect.signer_away" in wrong.output
    bad = runner.invoke(app, ["preview", "standard", "--standing", "late"])
    assert bad.exit_code == 2 and "not_yet_due" in bad.output
