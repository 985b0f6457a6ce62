"""Shared by the store's tests: a ledger of the fixture's three accounts, made on MADE."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from callassist.cli import app as cli
from callassist.core.ledger_csv import read_accounts
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.store import db, demo, ledger
from callassist.store.sql import TEAM_POOL
from tests.conftest import TODAY

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ledger"
MADE = date(2026, 11, 2)  # the day the promises are made
NOON = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)


@pytest.fixture
def ledger_engine(store_url):
    """An engine on a database holding the fixture's accounts file, imported on MADE."""
    engine = db.open_engine(store_url)
    with db.session(engine) as session:
        ledger.import_accounts(read_accounts(FIXTURES / "accounts.csv"), default_collector="wang", today=MADE, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def team_db(pg_url) -> str:
    """Wang's and a colleague's ledgers and the team's queue; wang, li, a supervisor and a
    trainer let in with `callassist db grant`, as the owner."""
    engine = db.open_engine(pg_url)
    with db.session(engine) as session:
        demo.populate(session, "wang", TODAY)
    engine.dispose()
    runner = CliRunner()
    for name, role in (("wang", "collector"), ("li", "collector"), ("boss", "supervisor"), ("tina", "trainer")):
        result = runner.invoke(cli, ["--db", pg_url, "db", "grant", name, "--role", role])
        assert result.exit_code == 0, result.output
        # Roles belong to the server, not to one database: an earlier test's are changed.
        assert f"the login {name}: {role} of the team" in result.output
    # The team's queue: the colleague's accounts handed to the whole team.
    with psycopg.connect(libpq(pg_url)) as owner:
        owner.execute("UPDATE collector SET name = %s WHERE name = 'colleague'", (TEAM_POOL,))
    return pg_url


def libpq(url: str, user: str | None = None) -> str:
    parsed = make_url(url)
    return f"host={parsed.host} port={parsed.port} dbname={parsed.database} user={user or parsed.username}"
