"""The command line: the demo, and bad input answered with one clear line, never a traceback."""

from __future__ import annotations

from typer.testing import CliRunner

from callassist.cli import app
from callassist.store import db, queries

runner = CliRunner()


def test_demo_creates_a_ledger_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = runner.invoke(app, ["--db", url, "--collector", "lin", "demo", "--no-open"])
    assert first.exit_code == 0 and "63 accounts for lin" in first.output
    again = runner.invoke(app, ["--db", url, "--collector", "lin", "demo", "--no-open"])
    assert again.exit_code == 0 and "already there" in again.output
    engine = db.make_engine(url)
    with db.session(engine) as session:
        assert len(queries.worklist(queries.collector_by_name("lin", session=session).id, session=session)) == 63
    engine.dispose()
    reset = runner.invoke(app, ["--db", url, "--collector", "lin", "demo", "--no-open", "--reset"])
    assert reset.exit_code == 0 and "63 accounts" in reset.output


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
