"""The command line: the demo, and bad input answered with one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

from typer.testing import CliRunner

from callassist.cli import app
from callassist.store import db, queries
from tests.conftest import NOW

runner = CliRunner()


def test_demo_creates_a_ledger_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = runner.invoke(app, ["--db", url, "--collector", "lin", "demo", "--no-open"])
    assert first.exit_code == 0 and first.output.startswith("Demo database with 63 accounts for lin")
    again = runner.invoke(app, ["--db", url, "--collector", "lin", "demo", "--no-open"])
    assert again.exit_code == 0 and "already there" in again.output
    engine = db.make_engine(url)
    with db.session(engine) as session:
        assert len(queries.worklist(queries.collector_by_name("lin", session=session).id, NOW, session=session).rows) >= 20
    engine.dispose()
    reset = runner.invoke(app, ["--db", url, "--collector", "lin", "demo", "--no-open", "--reset"])
    assert reset.exit_code == 0 and "63 accounts" in reset.output
    # Someone else (a supervisor looking in) opens it: it is not made again, nor a traceback.
    other = runner.invoke(app, ["--db", url, "--collector", "zhou", "--role", "supervisor", "demo", "--no-open"])
    assert other.exit_code == 0 and "already there, made for lin: its accounts are theirs (--collector lin" in other.output, other.output


def test_bad_input_gets_one_clear_line(tmp_path, monkeypatch):
    cases = [
        (["--db", "nonsense://x", "demo", "--no-open"], "unsupported database URL 'nonsense://x': use sqlite:///"),
        (["--locale", "fr", "demo", "--no-open"], "unsupported locale 'fr': use en or zh"),
        (["--db", "sqlite:////proc/nope/x.db", "demo", "--no-open"], "cannot open the database sqlite:////proc/nope/x.db"),
        (["--db", "postgresql+psycopg://u@127.0.0.1:1/x", "db", "upgrade"], "cannot open the database postgresql+psycopg"),
    ]
    for args, expected in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.output and "Traceback" not in result.output, result.output
    monkeypatch.setenv("CALLASSIST_PROMISE_FEE_ALLOWANCE", "abc")
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "demo", "--no-open"])
    assert result.exit_code == 2 and "CALLASSIST_PROMISE_FEE_ALLOWANCE='abc' is not a number" in result.output


def test_global_options_alone_skip_the_cli_framework():
    from callassist.startup import global_options_only

    assert global_options_only([]) == {}
    assert global_options_only(["--db", "sqlite:///a.db", "--locale=zh", "--scripts-dir", "s"]) == {"db": "sqlite:///a.db", "locale": "zh", "scripts_dir": Path("s")}
    # Anything else is Typer's: a command, help, an unknown or repeated option, a missing value.
    for argv in (["demo"], ["--help"], ["--locale", "en", "bench"], ["--nope", "x"], ["--db", "a", "--db", "b"], ["--locale"]):
        assert global_options_only(argv) is None, argv


def test_the_quick_start_path_refuses_bad_options_like_the_cli(tmp_path):
    env = dict(os.environ, CALLASSIST_DATA_DIR=str(tmp_path))
    for args, expected in ((["--locale", "fr"], "unsupported locale 'fr': use en or zh"), (["--db=nonsense://x"], "unsupported database URL 'nonsense://x'")):
        done = subprocess.run([sys.executable, "-m", "callassist", *args], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and done.stderr.startswith("callassist: ")
        assert expected in done.stderr and "Traceback" not in done.stderr, done.stderr
    # Help still comes from Typer, with the same options.
    done = subprocess.run([sys.executable, "-m", "callassist", "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--objections-dir" in done.stdout and "CALLASSIST_DB" in done.stdout
    # ... and that answer came without loading Typer or Click.
    probe = "import sys; from callassist import launch; sys.argv = ['callassist', '--locale', 'fr']\ntry:\n    launch.main()\nfinally:\n    print(sorted(m for m in ('typer', 'click') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout.strip() == "[]", (done.stdout, done.stderr)


def test_audit_verify_names_the_broken_call_and_event(tmp_path, demo_copy):
    import asyncio

    from sqlalchemy import text

    from callassist.services.workspace import Workspace
    from callassist.settings import Settings
    from callassist.store.sql import quick_sqlite_read
    from callassist.tui.app import CallAssistApp
    from tests.conftest import NOW
    from tests.tui.conftest import press, settle

    url = demo_copy(tmp_path / "demo.db")
    settings = Settings(data_dir=tmp_path, collector="wang")

    async def two_calls() -> None:
        tui = CallAssistApp(lambda: Workspace.open(settings, url, "en"), "en", "wang", lambda now: quick_sqlite_read(str(tmp_path / "demo.db"), "wang", now), clock=lambda: NOW)
        async with tui.run_test() as pilot:
            await settle(pilot)
            for _ in range(2):
                await press(pilot, "enter", "a", "x", "ctrl+s")

    asyncio.run(two_calls())
    clean = runner.invoke(app, ["--db", url, "--role", "supervisor", "audit", "verify"])
    assert clean.exit_code == 0 and clean.stdout.count("ok ") == 302 and "BROKEN" not in clean.stdout  # 300 demo calls and ours
    # A collector checks (and learns the ids of) their own calls only.
    own = runner.invoke(app, ["--db", url, "--collector", "wang", "audit", "verify"])
    with db.make_engine(url).connect() as connection:
        wangs = connection.execute(text("SELECT count(*) FROM call JOIN collector ON collector.id = call.collector_id WHERE collector.name = 'wang'")).scalar()
        someone_elses = connection.execute(text("SELECT call.id FROM call JOIN collector ON collector.id = call.collector_id WHERE collector.name <> 'wang'")).scalars().first()
    assert own.exit_code == 0 and own.stdout.count("ok ") == wangs < 302 and someone_elses not in own.stdout
    refused = runner.invoke(app, ["--db", url, "--collector", "wang", "audit", "verify", "--call", someone_elses])
    assert refused.exit_code == 2 and "no call" in refused.output
    engine = db.make_engine(url)
    with engine.begin() as connection:
        first, second = [row[0] for row in connection.execute(text("SELECT id FROM call WHERE id NOT LIKE 'demo-%' ORDER BY started_at, id"))]
        connection.execute(text("UPDATE callevent SET payload = replace(payload, 'Prepare', 'Prepared') WHERE call_id = :c AND seq = 2"), {"c": first})
        last = connection.execute(text("SELECT max(seq) FROM callevent WHERE call_id = :c"), {"c": second}).scalar()
        connection.execute(text("DELETE FROM callevent WHERE call_id = :c AND seq = :s"), {"c": second, "s": last})
    engine.dispose()
    broken = runner.invoke(app, ["--db", url, "--role", "supervisor", "audit", "verify"])
    assert broken.exit_code == 1
    assert f"BROKEN  {first}: event 2: its content was changed" in broken.stdout
    assert f"BROKEN  {second}: event {last}: the call ended, but the events after {last - 1} are missing" in broken.stdout
    one = runner.invoke(app, ["--db", url, "--role", "supervisor", "audit", "verify", "--call", first])
    assert one.exit_code == 1 and second not in one.stdout
    unknown = runner.invoke(app, ["--db", url, "audit", "verify", "--call", "nope"])
    assert unknown.exit_code == 2 and "no call 'nope'" in unknown.output


def test_report_and_export_on_the_demo_history(tmp_path, demo_copy):
    """The team's figures and records, as a supervisor reads them."""
    import csv
    import io
    import json

    url = demo_copy(tmp_path / "demo.db")
    figures = runner.invoke(app, ["--db", url, "--role", "supervisor", "report", "--format", "json"])
    assert figures.exit_code == 0, figures.output
    data = json.loads(figures.stdout)
    calls = list(csv.DictReader(io.StringIO(runner.invoke(app, ["--db", url, "--role", "supervisor", "export", "calls"]).stdout)))
    totals = {item["metric"]: item for item in data["calls"]}
    assert totals["calls"]["value"] == len(calls) == 300
    assert 0 < totals["promises"]["share"] <= 1 and data["excuses"] and data["rungs"]
    six = {"dodge", "old_friend", "dispute", "stall", "deflect", "wear_down"}
    assert {item["excuse"].split(".")[0] for item in data["excuses"] + data["rungs"]} <= six, "ids (a case as excuse.case), not names"
    assert all(isinstance(item["rung"], int) for item in data["rungs"])
    assert {item["state"] for item in data["seconds_per_step"]} >= {"prepare", "reach_party"}
    assert sum(item["value"] for item in data["missed_objections"]) == len(data["missed_objection_calls"]) > 0  # the demo has stalls left unanswered
    # Programs read the same keys whatever language the table is in.
    in_chinese = json.loads(runner.invoke(app, ["--db", url, "--role", "supervisor", "report", "--format", "json", "--locale", "zh"]).stdout)
    assert in_chinese == data
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["--db", url, "--role", "supervisor", "report", "--format", "csv", "--locale", "zh"]).stdout)))
    assert [(r["section"], r["excuse"], r["rung"], r["value"]) for r in rows if r["section"] == "rungs"] == [("rungs", item["excuse"], str(item["rung"]), str(item["value"])) for item in data["rungs"]]
    only = json.loads(runner.invoke(app, ["--db", url, "--role", "supervisor", "report", "--format", "json", "--collector", "li.na", "--from", "2000-01-01"]).stdout)
    assert only["calls"][0] == {"metric": "calls", "value": sum(c["collector"] == "li.na" for c in calls), "share": None}
    table = runner.invoke(app, ["--db", url, "--role", "supervisor", "report", "--locale", "zh"])
    assert table.exit_code == 0 and "联系到本人" in table.stdout
    events = [json.loads(line) for line in runner.invoke(app, ["--db", url, "--role", "supervisor", "export", "events", "--format", "jsonl"]).stdout.splitlines()]
    assert {e["call_id"] for e in events} == {c["call_id"] for c in calls} and events[0]["seq"] == 1
    assert events[0]["kind"] == "call_started" and isinstance(events[0]["payload"], dict) and "debtor" in events[0]["payload"], "a payload is an object, not JSON in a string"
    assert runner.invoke(app, ["--db", url, "--role", "supervisor", "report", "--from", "2026-02-30"]).exit_code == 2
    empty = runner.invoke(app, ["--db", url, "--role", "supervisor", "report", "--to", ""])  # not "no end": a mistake
    assert empty.exit_code == 2 and "--to '' is not a date" in empty.output, empty.output
    backwards = runner.invoke(app, ["--db", url, "--role", "supervisor", "report", "--from", "2026-12-05", "--to", "2026-12-01"])
    assert backwards.exit_code == 2 and "--from 2026-12-05 is after --to 2026-12-01" in backwards.output
    nobody = runner.invoke(app, ["--db", url, "--role", "supervisor", "report", "--collector", "nobody"])
    assert nobody.exit_code == 2 and "no collector of that name" in nobody.output
    assert runner.invoke(app, ["--db", url, "--role", "supervisor", "export", "accounts"]).exit_code == 2


def test_a_collector_reads_only_their_own_calls_and_a_trainer_none_of_the_personal_data(tmp_path, demo_copy):
    import csv
    import io
    import json

    url = demo_copy(tmp_path / "demo.db")
    team = list(csv.DictReader(io.StringIO(runner.invoke(app, ["--db", url, "--role", "supervisor", "export", "calls"]).stdout)))
    mine = list(csv.DictReader(io.StringIO(runner.invoke(app, ["--db", url, "--collector", "li.na", "export", "calls"]).stdout)))
    assert mine and {c["collector"] for c in mine} == {"li.na"} and len(mine) == sum(c["collector"] == "li.na" for c in team)
    figures = json.loads(runner.invoke(app, ["--db", url, "--collector", "li.na", "report", "--format", "json", "--collector", "chen.hao"]).stdout)
    assert figures["calls"][0]["value"] == len(mine)  # a collector's figures are their own, whichever they ask for

    events = [json.loads(line) for line in runner.invoke(app, ["--db", url, "--role", "trainer", "export", "events", "--format", "jsonl"]).stdout.splitlines()]
    raw = [json.loads(line) for line in runner.invoke(app, ["--db", url, "--role", "supervisor", "export", "events", "--format", "jsonl"]).stdout.splitlines()]
    assert len(events) == len(raw)
    names = {e["payload"]["debtor"] for e in raw if e["kind"] == "call_started"} | {e["payload"]["contact"] for e in raw if e["kind"] == "call_started"}
    phones = {e["payload"]["phone"] for e in raw if e["kind"] == "call_started"}
    shown = "".join(json.dumps(e["payload"], ensure_ascii=False) for e in events)
    assert not any(secret in shown for secret in names | phones)
    assert "[debtor]" in shown and "[phone]" in shown
    started = [e["payload"] for e in events if e["kind"] == "call_started"]
    assert all(card["account_id"] is None and card["debtor"] == "[debtor]" for card in started)
    calls = list(csv.DictReader(io.StringIO(runner.invoke(app, ["--db", url, "--role", "trainer", "export", "calls"]).stdout)))
    assert len(calls) == len(team) and all(c["account_id"] == "" for c in calls)

    # The same checks in the store, for a replay.
    import pytest

    from callassist.core.compliance import Viewer
    from callassist.core.errors import AccessDenied

    theirs = next(c["call_id"] for c in team if c["collector"] != "li.na" and c["practice"] == "False")
    engine = db.make_engine(url)
    with db.session(engine) as session:
        with pytest.raises(AccessDenied, match="a collector reads only their own calls"):
            queries.readable_call(theirs, Viewer("li.na", "collector"), session=session)
        card = queries.readable_call(theirs, Viewer("chen", "trainer"), session=session)[0].payload
        assert card["debtor"] == "[debtor]" and card["phone"] == "[phone]" and card["account_id"] is None
        assert queries.readable_call(theirs, Viewer("zhou", "supervisor"), session=session)[0].payload["debtor"] not in ("[debtor]", "")
    engine.dispose()


def test_purge_keeps_what_the_rules_require_and_logs_what_it_removes(tmp_path, demo_copy):
    from datetime import datetime, timedelta

    from callassist.core.compliance import profile, retention_floor

    url = demo_copy(tmp_path / "old.db", "lin")
    engine = db.make_engine(url)
    with engine.begin() as connection:
        recent = connection.exec_driver_sql("SELECT count(*) FROM call").scalar()
        account, collector = connection.exec_driver_sql("SELECT account_id, collector_id FROM call LIMIT 1").one()
        for n in (1, 2):
            connection.exec_driver_sql(
                f"INSERT INTO call (id, account_id, collector_id, script, script_hash, locale, started_at, state, practice) VALUES ('old{n}', {account}, {collector}, 'standard', 'h', 'en', '2019-05-0{n} 02:00:00.000000', 'wrap_up', 0)"
            )
            connection.exec_driver_sql(f"INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) VALUES ('old{n}', 1, 'call_started', '2019-05-0{n} 02:00:00.000000', '{{}}', 'g', 'h{n}')")
        connection.exec_driver_sql("INSERT INTO review (call_id, reviewer, score, comment, created_at) VALUES ('old1', 'zhou', 4, '', '2019-05-02 02:00:00.000000')")
        connection.exec_driver_sql(f"INSERT INTO promise (account_id, call_id, currency, total, method, channel, status, created_at) VALUES ({account}, 'old1', 'CNY', '10.00', 'cash', 'sms', 'kept', '2019-05-01 02:00:00.000000')")
    engine.dispose()
    floor = retention_floor(profile("cn").retention_years, datetime.now(UTC).date())

    as_collector = runner.invoke(app, ["--db", url, "purge", "--before", floor.isoformat(), "--yes"])
    assert as_collector.exit_code == 2 and "only a supervisor may purge records" in as_collector.output
    too_young = runner.invoke(app, ["--db", url, "--role", "supervisor", "purge", "--before", (floor + timedelta(days=1)).isoformat(), "--yes"])
    assert too_young.exit_code == 2 and f"kept at least 5 years here: --before may be {floor.isoformat()} at the latest" in too_young.output
    # Rules that keep records for less cannot lower the floor the desk was set up with,
    # whether built in or a file of one's own: they may only raise it.
    us_floor = retention_floor(profile("us").retention_years, datetime.now(UTC).date())
    assert "at least 5 years here" in runner.invoke(app, ["--db", url, "--role", "supervisor", "--compliance", "us", "purge", "--before", us_floor.isoformat()]).output
    short = tmp_path / "short.yaml"
    short.write_text('name: short\nsource: a hostile file\nwindow: {from: "08:00", to: "22:00"}\nzones: [Asia/Shanghai]\nretention_years: 1\n', encoding="utf-8")
    assert "at least 5 years here" in runner.invoke(app, ["--db", url, "--role", "supervisor", "--compliance", str(short), "purge", "--before", "2024-01-01", "--yes"]).output
    (tmp_path / "cn.yaml").write_text(short.read_text().replace("name: short", "name: cn"), encoding="utf-8")
    named_cn = runner.invoke(app, ["--db", url, "--role", "supervisor", "--compliance", str(tmp_path / "cn.yaml"), "purge", "--before", "2024-01-01", "--yes"])
    assert named_cn.exit_code == 2 and "'cn' is a built-in profile's name" in named_cn.output
    us_desk = f"sqlite:///{tmp_path / 'us.db'}"
    assert runner.invoke(app, ["--db", us_desk, "--compliance", "us", "db", "upgrade"]).output.endswith("kept at least 3 years (no purge goes further).\n")
    assert runner.invoke(app, ["--db", us_desk, "db", "upgrade"]).output.endswith("kept at least 5 years (no purge goes further).\n")  # cn raises it
    bad = runner.invoke(app, ["--db", url, "--role", "supervisor", "purge", "--before", "2019-02-30"])
    assert bad.exit_code == 2 and "'2019-02-30' is not a real date" in bad.output
    asked = runner.invoke(app, ["--db", url, "--role", "supervisor", "--collector", "zhou", "purge", "--before", floor.isoformat()], input="n\n")
    assert "2 calls, 2 events, 1 review\n" in asked.output and "nothing was deleted" in asked.output

    done = runner.invoke(app, ["--db", url, "--role", "supervisor", "--collector", "zhou", "purge", "--before", floor.isoformat(), "--yes"])
    assert done.exit_code == 0 and "deleted 2 calls, 2 events, 1 review; logged as purge 1 by zhou" in done.output
    engine = db.make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM call").scalar() == recent  # the demo's calls are younger
        assert connection.exec_driver_sql("SELECT count(*) FROM callevent WHERE call_id LIKE 'old%'").scalar() == 0
        assert connection.exec_driver_sql("SELECT call_id, status FROM promise WHERE created_at < '2020-01-01'").all() == [(None, "kept")]
        assert connection.exec_driver_sql("SELECT by, role, profile, before, calls, events, reviews FROM purgelog").all() == [("zhou", "supervisor", "cn", floor.isoformat(), 2, 2, 1)]
        connection.exec_driver_sql(
            f"INSERT INTO call (id, account_id, collector_id, script, script_hash, locale, started_at, state, practice) VALUES ('old3', {account}, {collector}, 'standard', 'h', 'en', '2018-05-01 02:00:00.000000', 'wrap_up', 0)"
        )
        connection.commit()
    engine.dispose()
    longer = tmp_path / "long.yaml"
    longer.write_text(short.read_text().replace("name: short", "name: hk").replace("retention_years: 1", "retention_years: 7"), encoding="utf-8")
    runner.invoke(app, ["--db", url, "--role", "supervisor", "--collector", "zhou", "--compliance", str(longer), "purge", "--before", "2019-01-01", "--yes"])
    engine = db.make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT profile FROM purgelog WHERE id = 2").scalar() == f"hk ({longer})"  # a file says it is one
    engine.dispose()


def test_a_name_a_spreadsheet_would_evaluate_is_refused_and_never_exported_as_a_formula(tmp_path, demo_copy):
    """OWASP's CSV injection: `--collector '=2+3'` is refused like a bad name in an accounts
    file, and a cell that would start a formula (a name stored before, a note) is written
    as text."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    for name in ("=2+3", "-2-3", "@SUM(A1)", "+1", "a b", "x" * 65, "bob\n"):
        refused = runner.invoke(app, ["--db", url, "--collector", name, "demo", "--no-open"])
        assert refused.exit_code == 2 and "a user name of up to 64 letters" in refused.output and "Traceback" not in refused.output, (name, refused.output)
    assert demo_copy(tmp_path / "demo.db") == url
    for name in ("王芳", "li.wang@corp", "_svc-desk"):
        assert runner.invoke(app, ["--db", url, "--collector", name, "--role", "supervisor", "export", "calls"]).exit_code == 0, name
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE collector SET name = '=HYPERLINK(\"http://x\",\"y\")' WHERE name = 'wang'")
    engine.dispose()
    exported = runner.invoke(app, ["--db", url, "--collector", "zhou", "--role", "supervisor", "export", "calls"])
    assert exported.exit_code == 0 and "'=HYPERLINK(" in exported.stdout
    report = runner.invoke(app, ["--db", url, "--collector", "zhou", "--role", "supervisor", "report", "--format", "csv"])
    import csv
    import io

    for table in (exported.stdout, report.stdout):
        cells = [cell for row in csv.reader(io.StringIO(table)) for cell in row]
        assert cells and not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not cell[1:].replace(".", "").isdigit())]


def test_a_trainer_sees_no_personal_data_in_a_note_full_of_it(tmp_path, demo_copy):
    """A note names the contact by surname and title or first name, and gives another
    phone, an e-mail, an ID number and an address: the trainer's replay and export hide
    each by its kind, not only the call's exact strings."""
    import json
    from datetime import datetime

    from callassist.core.call import Event
    from callassist.core.compliance import Viewer

    url = demo_copy(tmp_path / "demo.db")
    engine = db.make_engine(url)
    secrets: list[str] = []
    with db.session(engine) as session:
        for (call_id,) in session.connection().exec_driver_sql("SELECT id FROM call WHERE practice = 0 ORDER BY id LIMIT 40"):
            card = queries.call_events(call_id, session=session)[0].payload
            contact = card["contact"]
            if "\u4e00" <= contact[0] <= "\u9fff":
                said = [f"{contact[0]}总", f"老{contact[0]}", contact] + ([contact[1:]] if len(contact) == 3 else [])
                note = f"{said[0]}不在，{said[1]}让找{said[2]}；手机 139 1234 5678，邮箱 li.na@haixing.cn，身份证 11010519491231002X，住上海市浦东新区世纪大道100号"
            else:
                first, last = contact.split()[0], contact.split()[-1]
                said = [first, f"Mr {last}" if not first.endswith("a") else f"Ms {last}"]
                note = f"{said[0]} says {said[1]} is out; cell (415) 555-0199, mail {first.lower()}@example.com, SSN 123-45-6789, 42 Elm Street"
            secrets += said
            seq = len(queries.call_events(call_id, session=session))
            queries.append_events(call_id, [Event("note_added", {"text": note, "state": "wrap_up"}, datetime.now(UTC))], session=session, after_seq=seq)
            session.commit()
        replayed = [queries.readable_call(call_id, Viewer("chen", "trainer"), session=session) for (call_id,) in session.connection().exec_driver_sql("SELECT id FROM call WHERE practice = 0 ORDER BY id LIMIT 40")]
    engine.dispose()
    exported = runner.invoke(app, ["--db", url, "--role", "trainer", "export", "events", "--format", "jsonl"]).stdout
    shown = exported + json.dumps([e.payload for events in replayed for e in events], ensure_ascii=False)
    others = ("139 1234 5678", "555-0199", "haixing.cn", "example.com", "11010519491231002X", "123-45-6789", "世纪大道", "Elm Street")
    assert secrets and not [s for s in secrets + list(others) if s in shown]
    assert "[contact]" in shown and "[phone]" in shown and "[email]" in shown and "[id]" in shown and "[address]" in shown


def test_item_04_a_mistyped_database_path_is_an_error_never_a_new_empty_database(tmp_path):
    """Issue 19, item 4: every command but `db upgrade` and `demo` refuses a SQLite file
    that is not there, and makes none; those two say that they made it (the demo's
    words: test_demo_creates_a_ledger_once)."""
    typo = tmp_path / "dmeo.db"
    url = f"sqlite:///{typo}"
    for command in (["audit", "verify"], ["report"], ["export", "calls"], ["import", "accounts", "x.csv"], ["promises", "evaluate"], ["replay", "demo-1"], ["purge", "--before", "2019-01-01", "--yes"], []):
        result = runner.invoke(app, ["--db", url, "--role", "supervisor", *command])
        assert result.exit_code == 2, (command, result.output)
        assert f"no database at {typo} (check --db or CALLASSIST_DB for a typo)" in result.output and "Traceback" not in result.output, (command, result.output)
        assert not typo.exists() and list(tmp_path.iterdir()) == [], command
    made = runner.invoke(app, ["--db", url, "db", "upgrade"])
    assert made.exit_code == 0 and f"New database made: {typo}" in made.output and typo.exists()
    again = runner.invoke(app, ["--db", url, "db", "upgrade"])
    assert again.exit_code == 0 and "New database made" not in again.output


def test_a_global_option_after_the_command_says_where_it_goes(capsys, monkeypatch):
    """Issue 23: `callassist demo --locale zh` said only "No such option"."""
    import sys

    import pytest

    from callassist.cli import main, misplaced_global_option

    monkeypatch.setattr(sys, "argv", ["callassist", "demo", "--locale", "zh"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    # Said in the language the misplaced --locale asks for; else in the system's.
    assert capsys.readouterr().err == "callassist: --locale 是 callassist 本身的选项，要写在命令前面：callassist --locale zh demo\n"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert misplaced_global_option(["demo", "--locale=en"]) == "--locale is an option of callassist itself: put it before the command: callassist --locale=en demo"
    assert misplaced_global_option(["demo", "--collector", "lin"]) == "--collector is an option of callassist itself: put it before the command: callassist --collector lin demo"
    monkeypatch.setenv("LC_ALL", "zh_TW.UTF-8")  # traditional Chinese reads the one Chinese catalog (simplified)
    assert misplaced_global_option(["demo", "--collector", "lin"]) == "--collector 是 callassist 本身的选项，要写在命令前面：callassist --collector lin demo"
    monkeypatch.setenv("CALLASSIST_LOCALE", "en")  # the setting, as the commands read it, before the system's
    assert misplaced_global_option(["demo", "--collector", "lin"]).startswith("--collector is an option of callassist itself")
    assert misplaced_global_option(["preview", "standard", "--locale", "zh"]) is None  # preview has a --locale of its own
    assert misplaced_global_option(["--locale", "zh", "demo"]) is None
    # A global option's value that is also a command's name is the value, not the command.
    assert misplaced_global_option(["--collector", "bench", "--role", "supervisor", "replay", "x"]) is None
    assert misplaced_global_option(["--collector", "demo", "report", "--locale", "zh"]) is None  # report has a --locale of its own
    assert misplaced_global_option(["db", "upgrade", "--db", "x"]).endswith("callassist --db x db upgrade")


def test_after_the_demo_report_and_export_read_it_until_a_database_is_set_up(tmp_path, monkeypatch, demo_copy):
    """A newcomer runs `callassist demo`, then `callassist report`: the demo's figures, and
    a line saying which database they come from; once a database of their own exists, that."""
    import json

    monkeypatch.setenv("CALLASSIST_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CALLASSIST_DB", raising=False)
    demo_copy(tmp_path / "demo.db")  # what `callassist --collector wang demo --no-open` makes there
    report = runner.invoke(app, ["--role", "supervisor", "report", "--format", "json"])
    assert report.exit_code == 0 and "reading the demo database" in report.stderr and "demo.db" in report.stderr
    assert json.loads(report.stdout)["calls"][0]["value"] == 300
    exported = runner.invoke(app, ["--role", "supervisor", "export", "calls"])
    assert exported.exit_code == 0 and len(exported.stdout.splitlines()) == 301
    # What writes never falls back to the demo: imports are refused until a database exists.
    demo_file = tmp_path / "demo.db"
    before = demo_file.read_bytes()
    ledger = Path(__file__).parent / "fixtures" / "ledger"
    for what, name in (("accounts", "accounts.csv"), ("payments", "payments.csv")):
        imported = runner.invoke(app, ["--role", "supervisor", "import", what, str(ledger / name)])
        assert imported.exit_code != 0 and "db upgrade" in imported.output, imported.output
    assert demo_file.read_bytes() == before and not (tmp_path / "callassist.db").exists()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0  # a database of their own
    own = runner.invoke(app, ["--role", "supervisor", "report", "--format", "json"])
    assert own.exit_code == 0 and "demo" not in own.stderr and json.loads(own.stdout)["calls"][0]["value"] == 0


def test_the_screens_without_a_terminal_end_at_once_saying_so(tmp_path, monkeypatch, demo_copy):
    """Found by the helper: `callassist replay X` in a pipe drew its screens to nobody and
    kept a core busy waiting for keys."""
    import os
    import subprocess
    import sys

    from callassist.settings import default_data_dir

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    env = dict(os.environ)
    demo = default_data_dir() / "demo.db"  # where the programs below look for the demo
    demo.parent.mkdir()
    demo_copy(demo)
    before = demo.stat().st_mtime_ns
    for argv in ([], ["demo"]):
        ran = subprocess.run([sys.executable, "-m", "callassist", *argv], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        assert ran.returncode == 2 and "need a terminal" in ran.stderr, (argv, ran.stderr)
    # A call that is not there is said before any screen: no terminal needed to hear it.
    ran = subprocess.run([sys.executable, "-m", "callassist", "replay", "nope"], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 2 and ran.stderr.splitlines()[-1].startswith("callassist: no call 'nope' in ") and "Traceback" not in ran.stderr, ran.stderr
    assert demo.stat().st_mtime_ns == before  # they found it: none made a demo of its own


def test_an_unknown_script_is_a_usage_error_for_every_command_that_names_one():
    for command in (["graph", "nope"], ["preview", "nope"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "no script 'nope' in " in result.stderr and "choose from standard" in result.stderr, (command, result.output)


def test_purge_removes_the_recordings_of_the_calls_it_deletes(tmp_path, demo_copy):
    """A purged call's recording goes with it from this computer's data folder; one kept on
    another computer is said to be there; a row naming a file outside the recordings is not
    followed (the file stays)."""
    from datetime import datetime

    from callassist.core.compliance import profile, retention_floor

    url = demo_copy(tmp_path / "old.db", "lin")
    data = tmp_path / "data"
    (data / "recordings").mkdir(parents=True)
    (data / "recordings" / "old1.wav").write_bytes(b"RIFF")
    outside = tmp_path / "keep.txt"
    outside.write_text("not a recording")
    (data / "recordings" / "old4.wav").symlink_to(outside)  # found by the attacker: the link stayed after the purge
    engine = db.make_engine(url)
    with engine.begin() as connection:
        account, collector = connection.exec_driver_sql("SELECT account_id, collector_id FROM call LIMIT 1").one()
        for n, file in ((1, "recordings/old1.wav"), (2, "recordings/old2.wav"), (3, "../keep.txt"), (4, "recordings/old4.wav")):
            connection.exec_driver_sql(
                f"INSERT INTO call (id, account_id, collector_id, script, script_hash, locale, started_at, state, practice) VALUES ('old{n}', {account}, {collector}, 'standard', 'h', 'en', '2019-05-0{n} 02:00:00.000000', 'wrap_up', 0)"
            )
            connection.exec_driver_sql(f"INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) VALUES ('old{n}', 1, 'recording_attached', '2019-05-0{n} 02:00:00.000000', '{{\"file\": \"{file}\"}}', 'g', 'h{n}')")
    engine.dispose()
    floor = retention_floor(profile("cn").retention_years, datetime.now(UTC).date())
    done = runner.invoke(app, ["--db", url, "--role", "supervisor", "purge", "--before", floor.isoformat(), "--yes"], env={"CALLASSIST_DATA_DIR": str(data)})
    assert done.exit_code == 0, done.output
    assert "2 recordings removed from this computer's data folder\n" in done.output and "2 recordings of these calls are kept on another computer: purge there too\n" in done.output
    assert not (data / "recordings" / "old1.wav").exists() and outside.read_text() == "not a recording"
    assert not (data / "recordings" / "old4.wav").is_symlink()


def test_export_recordings_never_writes_through_a_link_nor_into_the_data_folder(tmp_path, demo_copy):
    """Found by the attacker: a link planted at <call>.wav in the export folder had the
    debtor's recording written to where it pointed, readable by anyone; --out the data
    folder's recordings/ or a file ended in a traceback."""
    import hashlib
    import stat

    url = demo_copy(tmp_path / "demo.db", "wang")
    data = tmp_path / "data"
    (data / "recordings").mkdir(parents=True)
    audio = b"RIFF" + b"\0" * 60
    (data / "recordings" / "rec1.wav").write_bytes(audio)
    engine = db.make_engine(url)
    with engine.begin() as connection:
        call_id = connection.exec_driver_sql("SELECT c.id FROM call c JOIN collector w ON w.id = c.collector_id WHERE w.name = 'wang' LIMIT 1").scalar_one()
        seq = connection.exec_driver_sql(f"SELECT max(seq) FROM callevent WHERE call_id = '{call_id}'").scalar_one()
        payload = f'{{"file": "recordings/rec1.wav", "sha256": "{hashlib.sha256(audio).hexdigest()}", "seconds": 1}}'
        connection.exec_driver_sql(f"INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) VALUES ('{call_id}', {seq + 1}, 'recording_attached', '2026-11-20 02:00:00.000000', '{payload}', 'g', 'h')")
    engine.dispose()
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere.wav"
    out.mkdir()
    elsewhere.write_bytes(b"")
    elsewhere.chmod(0o644)
    (out / f"{call_id}.wav").symlink_to(elsewhere)

    def export(*where: str):
        return runner.invoke(app, ["--db", url, "--collector", "wang", "export", "recordings", "--out", *where], env={"CALLASSIST_DATA_DIR": str(data)})

    done = export(str(out))
    assert done.exit_code == 0, done.output
    assert elsewhere.read_bytes() == b"" and not (out / f"{call_id}.wav").is_symlink()
    assert (out / f"{call_id}.wav").read_bytes() == audio and stat.S_IMODE((out / f"{call_id}.wav").stat().st_mode) == 0o600
    assert f"{call_id},{call_id}.wav," in done.stdout and done.stdout.rstrip().endswith("True,True")
    for inside in (data / "recordings", data, data / "recordings" / "sub"):
        refused = export(str(inside))
        assert refused.exit_code == 2 and "is inside the data folder" in refused.output and "Traceback" not in refused.output, refused.output
    refused = export(str(elsewhere))
    assert refused.exit_code == 2 and "is a file: give a folder" in refused.output, refused.output
    refused = export("")  # the fourth attacker's: an unset shell variable copied them into the current folder
    assert refused.exit_code == 2 and "say where with --out FOLDER" in refused.output, refused.output
    assert (data / "recordings" / "rec1.wav").read_bytes() == audio and not (data / "recordings" / "sub").exists()
    # Found by the second attacker: a folder that cannot be written, or a folder where the copy
    # goes, ended in a traceback (exit 70).
    (out / f"{call_id}.wav").unlink()
    (out / f"{call_id}.wav").mkdir()
    # The third attacker: a path that cannot be resolved, a name too long (exit 70 again);
    # the directory in the way is named, not the half-copy beside it.
    (tmp_path / "loop").symlink_to(tmp_path / "loop")  # the fourth attacker: a link to itself
    for where, said in ((out, f"{call_id}.wav"), (Path("/proc/self"), "/proc/self"), (Path("/proc/1/root/tmp/x"), "/proc/1/root"), (tmp_path / ("n" * 300), "File name too long"), (tmp_path / "loop", "loop"), (tmp_path / "loop" / "x", "loop")):
        refused = export(str(where))
        assert refused.exit_code == 2 and "cannot copy the recordings into" in refused.output and said in refused.output, refused.output
        assert "Traceback" not in refused.output
    assert not list(out.glob(".*.part"))  # no half-copy left beside it


def test_a_recordings_folder_that_cannot_be_the_phones_is_said_at_start(tmp_path, monkeypatch, demo_copy):
    """Found by the third attacker: ?recordings= naming no folder, a file, or callassist's
    own data folder was taken, and said only after an answered call ("could not be kept"),
    the phone's pair left where it was; by the fourth, a folder anyone may write into."""
    from callassist.settings import default_data_dir

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    data = default_data_dir()
    data.mkdir()
    demo_copy(data / "demo.db")
    (data / "recordings").mkdir()
    (tmp_path / "loop").symlink_to(tmp_path / "loop")  # the fifth attacker: exit 70
    refused = [(tmp_path / "loop", "cannot be read (Symlink loop"), (tmp_path / "nowhere", "is not there")]
    for folder, said in (*refused, (Path("/etc/passwd"), "is not a folder"), (data, "inside callassist's data folder"), (data / "recordings", "inside callassist's data folder")):
        ran = runner.invoke(app, ["--phone", f"baresip://127.0.0.1:4444?recordings={folder}", "demo"])
        assert ran.exit_code == 2 and said in ran.output and "Traceback" not in ran.output, (folder, ran.output)
    # /dev/shm (anyone may put a file there), a folder others may read.
    for mode in (0o1777, 0o755, 0o770):
        (tmp_path / "open").mkdir(mode=mode, exist_ok=True)
        (tmp_path / "open").chmod(mode)
        ran = runner.invoke(app, ["--phone", f"baresip://127.0.0.1:4444?recordings={tmp_path / 'open'}", "demo"])
        assert ran.exit_code == 2 and f"is not yours alone (mode {mode:o})" in ran.output and "chmod 700" in ran.output, (mode, ran.output)
    (tmp_path / "snd").mkdir(mode=0o700)
    ran = runner.invoke(app, ["--phone", f"baresip://127.0.0.1:4444?recordings={tmp_path / 'snd'}", "demo"])
    assert ran.exit_code == 2 and "need a terminal" in ran.output  # a folder of its own: on to the screens
