"""Row-level security on a team's PostgreSQL: each person connects as their own role, and
the database itself keeps a collector's connection to their own accounts, the team's
queue and their own calls, whatever SQL it sends."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from callassist.cli import app as cli
from callassist.core.calls import CallFilter
from callassist.core.errors import AccessDenied, StoreError
from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.store import db, team
from callassist.store.sql import TEAM_POOL
from tests.conftest import NOW, OBJECTIONS, SCRIPTS
from tests.store.conftest import libpq


def as_user(url: str, user: str) -> str:
    return make_url(url).set(username=user).render_as_string(hide_password=False)


def raw(url: str, user: str, sql: str) -> list[tuple]:
    with psycopg.connect(libpq(url, user)) as connection:
        return connection.execute(sql).fetchall()


def desk(tmp_path, url: str, user: str, **settings) -> Workspace:
    workspace = Workspace.open(Settings(data_dir=tmp_path / user, collector="someone-else", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS, **settings), as_user(url, user), "en")
    workspace.clock = lambda: NOW
    return workspace


def owners(url: str, user: str) -> set[str]:
    return {name for (name,) in raw(url, user, "SELECT DISTINCT c.name FROM account a JOIN collector c ON c.id = a.collector_id")}


def test_a_collectors_raw_select_sees_only_their_own_rows(tmp_path, team_db):
    wang = desk(tmp_path, team_db, "wang")
    assert (wang.collector, wang.settings.role) == ("wang", "collector")  # the database says who this is
    active = wang.calls.begin_call(next(row.account_id for row in wang.ledger.worklist().rows if row.account_id in own_accounts(team_db)))
    wang.calls.store(active.call_id, active.call.end("no_answer", "", None))

    assert owners(team_db, "wang") == {"wang", TEAM_POOL}
    assert owners(team_db, "li") == {TEAM_POOL}
    assert owners(team_db, "boss") == {"wang", TEAM_POOL}
    assert owners(team_db, "tina") == set()
    # Wang's call, its events and his debtors are his (and the supervisor's) alone.
    assert raw(team_db, "li", "SELECT count(*) FROM call")[0][0] == 0
    assert raw(team_db, "li", "SELECT count(*) FROM callevent")[0][0] == 0
    assert raw(team_db, "wang", "SELECT count(*) FROM callevent")[0][0] == raw(team_db, "boss", "SELECT count(*) FROM callevent")[0][0] > 0
    debtors = raw(team_db, "postgres", "SELECT count(*) FROM debtor")[0][0]
    assert raw(team_db, "li", "SELECT count(*) FROM debtor")[0][0] == debtors - len(own_accounts(team_db))
    assert raw(team_db, "tina", "SELECT count(*) FROM debtor")[0][0] == 0
    # Writing another collector's rows changes nothing; the log is append-only for everyone.
    with psycopg.connect(libpq(team_db, "li")) as li:
        assert li.execute("UPDATE account SET priority = 0 WHERE collector_id = (SELECT id FROM collector WHERE name = 'wang')").rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw(team_db, "wang", "DELETE FROM callevent")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw(team_db, "li", "SELECT * FROM purgelog")


def own_accounts(url: str) -> set[int]:
    return {account_id for (account_id,) in raw(url, "postgres", "SELECT a.id FROM account a JOIN collector c ON c.id = a.collector_id WHERE c.name = 'wang'")}


EVERY_CALL = CallFilter(practice=True)


def test_the_program_works_as_each_role_under_the_policies(tmp_path, team_db):
    li = desk(tmp_path, team_db, "li", role="supervisor")
    assert li.settings.role == "collector", "a flag does not make a collector a supervisor"
    rows = li.ledger.worklist().rows
    assert rows and not own_accounts(team_db) & {row.account_id for row in rows}
    with pytest.raises(AccessDenied):
        li.calls.begin_call(min(own_accounts(team_db)))
    active = li.calls.begin_next_call([row.account_id for row in rows], NOW)
    li.calls.store(active.call_id, active.call.end("no_answer", "", None))
    boss = desk(tmp_path, team_db, "boss")
    assert boss.settings.role == "supervisor"
    assert any(summary.call_id == active.call_id for summary in boss.reports.calls_page(EVERY_CALL, 0, 100))
    assert not desk(tmp_path, team_db, "tina").reports.calls_page(EVERY_CALL, 0, 100)


def test_a_login_not_let_in_is_told_who_can(tmp_path, team_db):
    with psycopg.connect(libpq(team_db)) as owner:
        group = owner.execute("SELECT value FROM storesetting WHERE name = 'role_collector'").fetchone()[0]
        owner.execute(f"CREATE ROLE stranger LOGIN IN ROLE {group}")
    with pytest.raises(StoreError, match="callassist db grant stranger"):
        desk(tmp_path, team_db, "stranger")


def test_grant_says_what_it_needs(tmp_path, team_db):
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", f"sqlite:///{tmp_path / 'desk.db'}", "db", "upgrade"]).exit_code == 0
    result = runner.invoke(cli, ["--db", f"sqlite:///{tmp_path / 'desk.db'}", "db", "grant", "li"])
    assert result.exit_code == 2 and "a SQLite file is one desk's" in result.output
    result = runner.invoke(cli, ["--db", as_user(team_db, "li"), "db", "grant", "li2"])
    assert result.exit_code == 2 and "cannot grant li2" in result.output
    result = runner.invoke(cli, ["--db", team_db, "db", "grant", "li", "--role", "boss"])
    assert result.exit_code == 2 and "use collector, supervisor, trainer" in result.output
    result = runner.invoke(cli, ["--db", team_db, "db", "grant", "li", "--role", "supervisor", "--password-stdin"], input="s3cret\n")
    assert result.exit_code == 0 and "Changed the login li: supervisor" in result.output
    with db.session(db.make_engine(as_user(team_db, "li"))) as session:
        assert team.identity(session) == ("li", "supervisor")


def test_a_team_of_0008s_shared_groups_moves_to_the_databases_own(pg_url):
    """A database set up before 0009: its members of the server's shared groups become
    members of its own groups, and they alone (with the owner) may connect."""
    from alembic import command

    engine = db.make_engine(pg_url)
    config = db.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
    with psycopg.connect(libpq(pg_url), autocommit=True) as owner:
        owner.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'old_timer') THEN CREATE ROLE old_timer LOGIN; END IF; END $$")
        owner.execute("GRANT callassist_supervisor TO old_timer")
        owner.execute("INSERT INTO collector (name, display_name) VALUES ('old_timer', 'old timer')")
    db.upgrade(engine)
    engine.dispose()
    with db.session(db.make_engine(as_user(pg_url, "old_timer"))) as session:
        assert team.identity(session) == ("old_timer", "supervisor")
        assert session.connection().exec_driver_sql("SELECT has_database_privilege('public', current_database(), 'CONNECT')").scalar() is False
