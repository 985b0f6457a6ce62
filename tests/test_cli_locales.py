"""The command line in both languages: its sentences and counts in English and Chinese
(zh_TW reads the one Chinese catalog), an unknown name a one-line usage error (exit 2) in
either, the report's table with no line ending in blanks, and the store closed however a
command ends."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callassist.cli import app
from callassist.core.i18n import LOCALES

LEDGER = Path(__file__).resolve().parent / "fixtures" / "ledger"
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_copy) -> Path:
    """lin's demo database (a copy of the one the process made); a test that changes it works on a copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    demo_copy(path, "lin")
    return path


def _run(db: Path, *argv: str, locale: str = "en", **kwargs):
    return runner.invoke(app, ["--db", f"sqlite:///{db}", "--locale", locale, *argv], **kwargs)


def test_an_unknown_name_is_one_line_and_exit_2_in_either_language(demo):
    said = {
        ("graph", "nope"): ("no script 'nope' in ", "里没有话术 'nope'：可以选 standard"),
        ("preview", "nope"): ("no script 'nope' in ", "里没有话术 'nope'：可以选 standard"),
        ("preview", "standard", "--state", "nope"): ("no state 'nope' in 'standard': choose from prepare, ", "话术 'standard' 里没有步骤 'nope'：可以选 prepare、"),
        ("schema", "nope"): ("no trainer file 'nope': choose from flow, objection, ", "没有 'nope' 这种培训文件：可以选 flow、objection、"),
        ("replay", "nope"): ("no call 'nope' in sqlite:///", "里没有通话 'nope'；用 `callassist export calls` 可以列出所有通话"),
        ("report", "--collector", "nope"): ("--collector 'nope': no collector of that name", "--collector 'nope'：这个数据库里没有叫这个名字的催收员"),
    }
    for argv, (english, chinese) in said.items():
        for locale, expected in (("en", english), ("zh", chinese), ("zh_TW", chinese)):
            result = _run(demo, *argv, locale=locale)
            # replay says so before any screen: without a terminal the TUI would have said "need a terminal"
            assert result.exit_code == 2 and result.stderr.count("\n") == 1 and expected in result.stderr, (argv, locale, result.stderr)
            assert result.stderr.startswith("callassist: ") and "Traceback" not in result.stderr


def test_replay_refuses_another_collectors_call_before_any_screen(demo, monkeypatch):
    """A collector's replay of a call someone else made is refused in one line, exit 2, as
    the replay screen would refuse it, and no screen is started; a supervisor replays it."""
    from callassist.cli import figures

    started = []
    monkeypatch.setattr(figures, "run_tui", lambda options, url, replay: started.append(replay))
    every = _run(demo, "--role", "supervisor", "audit", "verify")
    call = every.stdout.split()[1]  # "ok      <call id>", a call lin made
    for locale, expected in (("en", f"call '{call}' was made by another collector"), ("zh", f"通话 '{call}' 是别的催收员打的")):
        other = _run(demo, "--collector", "wang", "replay", call, locale=locale)
        assert other.exit_code == 2 and other.stderr == f"callassist: {other.stderr.removeprefix('callassist: ')}" and expected in other.stderr, other.stderr
    assert started == []
    assert _run(demo, "--collector", "lin", "replay", call).exit_code == 0 and started == [call]
    assert _run(demo, "--role", "supervisor", "replay", call).exit_code == 0 and started == [call, call]


def test_counts_and_sentences_in_both_languages(demo, tmp_path):
    db = tmp_path / "demo.db"
    shutil.copy(demo, db)
    checked = {locale: _run(db, "db", "check", locale=locale) for locale in LOCALES}
    assert checked["en"].exit_code == 0 and re.fullmatch(r"\d+ accounts: the \d+ invariants of the ledger hold \(\d+\.\d s\)\n", checked["en"].output)
    assert checked["zh"].exit_code == 0 and re.fullmatch(r"\d+ 个账户：账本的 \d+ 条规则全都成立（用时 \d+\.\d 秒）\n", checked["zh"].output)
    again = {locale: _run(db, "--collector", "lin", "demo", "--no-open", locale=locale).output for locale in LOCALES}
    assert again["en"].startswith("Demo database already there (use --reset to start over): sqlite:///")
    assert again["zh"].startswith("演示数据库已经有了（想从头来就加 --reset）：sqlite:///")
    assert _run(db, "holds", "list").output == "no holds in force\n"
    assert _run(db, "holds", "list", locale="zh").output == "目前没有在生效的暂停催收\n"
    judged = _run(db, "promises", "evaluate", "--today", "2026-11-20", locale="zh")
    assert judged.exit_code == 0 and re.fullmatch(r"2026-11-20：兑现 \d+ 个，部分兑现 \d+ 个，未兑现 \d+ 个（宽限 3 天）\n", judged.output), judged.output
    judged = _run(db, "promises", "evaluate", "--today", "2026-11-20")
    assert re.fullmatch(r"2026-11-20: \d+ kept, \d+ partly kept, \d+ broken \(grace 3 days\)\n", judged.output), judged.output
    every = _run(db, "--role", "supervisor", "audit", "verify")
    assert every.exit_code == 0 and re.fullmatch(r"\d+ calls checked, 0 broken\n", every.stderr.splitlines(keepends=True)[0]), every.stderr
    call = every.stdout.split()[1]  # "ok      <call id>"
    one = {locale: _run(db, "--role", "supervisor", "audit", "verify", "--call", call, locale=locale) for locale in LOCALES}
    assert one["en"].stdout == one["zh"].stdout == f"ok      {call}\n"  # the marks are the same in every language
    assert one["en"].stderr == "1 call checked, 0 broken\n" and one["zh"].stderr == "核对了 1 通电话的记录，0 通对不上\n"


def test_an_import_says_what_it_did_in_the_right_number_in_both_languages(tmp_path):
    db = tmp_path / "ledger.db"
    assert _run(db, "db", "upgrade", locale="zh").output.endswith("通话记录至少保存 5 年（没满这个年限的记录，清理时不会删）。\n")
    accounts = _run(db, "import", "accounts", str(LEDGER / "accounts.csv"), locale="zh")
    assert accounts.exit_code == 0 and re.fullmatch(rf"{re.escape(str(LEDGER / 'accounts.csv'))}：新增账户 3 个，修改 0 个，0 个没变；新增发票 4 张、修改发票 0 张（用时 \d+\.\d 秒）\n", accounts.output), accounts.output
    again = _run(db, "import", "accounts", str(LEDGER / "accounts.csv"))
    assert "0 accounts added, 0 changed, 3 unchanged; 0 invoices added, 0 invoices changed (" in again.output, again.output
    refused = _run(db, "import", "payments", str(LEDGER / "payments_with_mistakes.csv"), locale="zh")
    assert refused.exit_code == 1 and re.search(r"^callassist: 一条也没有导入，\S+ 里有 \d+ 处问题$", refused.stderr, re.MULTILINE), refused.stderr
    assert "payments_with_mistakes.csv:2" in refused.stderr  # each problem still names its file, line and field


def test_the_report_table_ends_no_line_in_blanks(demo):
    """Rich padded each row to the table's width: "calls  218" ended in the share column's spaces."""
    for locale, row in (("en", re.compile(r"^  calls +\d+$", re.MULTILINE)), ("zh", re.compile(r"^  通话数 +\d+$", re.MULTILINE))):
        table = _run(demo, "--role", "supervisor", "report", locale=locale)
        assert table.exit_code == 0 and row.search(table.stdout), table.stdout
        assert [line for line in table.stdout.splitlines() if line != line.rstrip()] == [], locale


def test_open_store_disposes_of_its_engine_however_the_command_ends(demo, monkeypatch):
    """A command that fails inside the store's block still closes it (open_store's finally)."""
    from callassist.cli.root import open_store
    from callassist.startup import Options
    from callassist.store import db as store_db

    disposed: list[bool] = []
    opened = store_db.open_engine

    def watched(*args, **kwargs):
        engine = opened(*args, **kwargs)
        dispose = engine.dispose
        disposed.append(False)
        at = len(disposed) - 1

        def counting(*a, **k):
            disposed[at] = True
            dispose(*a, **k)

        engine.dispose = counting  # type: ignore[method-assign]
        return engine

    monkeypatch.setattr(store_db, "open_engine", watched)
    with pytest.raises(RuntimeError), open_store(Options(db=f"sqlite:///{demo}")):
        raise RuntimeError("the command's body failed")
    assert disposed == [True]
    # A usage error raised inside the block (typer.Exit), through the command line.
    assert _run(demo, "report", "--collector", "nope").exit_code == 2
    assert disposed == [True, True]


def test_holds_are_listed_and_released_in_both_languages(demo, tmp_path):
    from callassist.services.workspace import Workspace
    from callassist.settings import Settings
    from tests.conftest import OBJECTIONS, SCRIPTS

    db = tmp_path / "demo.db"
    shutil.copy(demo, db)
    desk = Workspace.open(Settings(data_dir=tmp_path, collector="lin", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS), f"sqlite:///{db}", "en")
    desk.content.ensure()
    active = desk.calls.begin_call(desk.ledger.worklist().rows[0].account_id)
    desk.calls.store(active.call_id, active.call.choose("dial"))
    desk.calls.store(active.call_id, active.call.place_hold("dispute", "says the invoice was never delivered", None))
    desk.calls.store(active.call_id, active.call.end("on_hold", ""))
    desk.engine.dispose()
    listed = {locale: _run(db, "holds", "list", locale=locale).output.rstrip("\n").split("\t") for locale in LOCALES}
    assert re.fullmatch(r"since \d{4}-\d\d-\d\d \d\d:\d\d UTC by lin · says the invoice was never delivered", listed["en"][-1]), listed["en"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d（UTC）起，lin 设的 · says the invoice was never delivered", listed["zh"][-1]), listed["zh"]
    assert listed["en"][3] == "dispute, validation pending" and listed["zh"][3] == "有争议，待核实"
    hold = listed["en"][0]
    refused = _run(db, "holds", "release", hold, "--reason", "paid", locale="zh")
    assert refused.exit_code == 2 and refused.stderr == "callassist: 只有主管才能解除暂停催收（--role supervisor）；你现在的角色是 collector\n"
    released = _run(db, "--role", "supervisor", "holds", "release", hold, "--reason", "the delivery note was found", locale="zh")
    assert released.exit_code == 0 and re.fullmatch(rf"已解除账户 \d+ 上的第 {hold} 号暂停催收（有争议，待核实）：the delivery note was found\n", released.output), released.output


def test_a_broken_ledger_is_told_in_either_language(demo, tmp_path):
    """db check names the account and the invariant as they are and says what is wrong in
    the session's language, a count with its plural form."""
    import sqlite3

    db = tmp_path / "demo.db"
    shutil.copy(demo, db)
    with sqlite3.connect(db) as connection:
        account = connection.execute("SELECT external_id FROM account WHERE closed = 0 ORDER BY id LIMIT 1").fetchone()[0]
        connection.execute("UPDATE account SET balance = '1.00' WHERE external_id = ?", (account,))
    english, chinese = _run(db, "db", "check"), _run(db, "db", "check", locale="zh")
    assert english.exit_code == chinese.exit_code == 1
    assert re.search(rf"^{account}: balance: stored 1, but invoices [\d.]+ less payments [\d.]+ is [\d.]+$", english.stdout, re.M), english.stdout
    assert re.search(rf"^{account}: balance: 记的余额是 1，可发票 [\d.]+ 减去付款 [\d.]+ 是 [\d.]+$", chinese.stdout, re.M), chinese.stdout
