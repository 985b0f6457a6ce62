"""Attacks on a team's PostgreSQL database, each made with a team member's own login (two
collectors, a supervisor, a trainer; never the owner), as someone who wants row-level
security to fail would make them: their own SQL, as through psql. Every attack must be
refused, or find nothing, and leave the database exactly as it was.

The database is set up as README's team section says: a tables' owner with CREATEROLE
and no superuser rights, `db upgrade`, `db grant` for each person. wang and li are
collectors with ledgers of their own and the team's queue between them; boss supervises;
tina trains.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg import errors
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from callassist.cli import app as cli
from callassist.core.phone import Answered, Busy, Dialling, Failed, HungUp, LineLost, NoAnswer, Ringing
from callassist.phone.recording import Recording
from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.store import claims, db, demo, queries
from callassist.store.sql import TEAM_POOL
from tests.conftest import NOW, OBJECTIONS, SCRIPTS, TODAY

runner = CliRunner()
TABLES = ("account", "debtor", "contact", "invoice", "promise", "instalment", "payment", "call", "callevent", "review", "claim", "collector", "purgelog", "storesetting", "logentry", "logcheckpoint", "callsummary", "figureday")


@dataclass(frozen=True)
class Team:
    url: str  # the owner's
    ids: dict  # collector ids by name
    wang_account: int  # one of wang's own, held by no one
    li_account: int  # li's, held by li's open call
    pool_account: int  # the team's queue
    wang_ended: str  # a call of wang's that ended
    wang_open: str  # a call of wang's under way
    li_open: str  # li's call under way
    stopped_account: int  # wang's, whose contact asked not to be called
    roles: dict  # this database's group roles and keeper, by team role

    def libpq(self, user: str) -> str:
        parsed = make_url(self.url)
        return f"host={parsed.host} port={parsed.port} dbname={parsed.database} user={user}"

    def login_url(self, user: str) -> str:
        return make_url(self.url).set(username=user).render_as_string(hide_password=False)

    def sql(self, user: str, statement: str, params=()) -> list[tuple]:
        with psycopg.connect(self.libpq(user), autocommit=True) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else []


def desk(tmp_path, team: Team, user: str) -> Workspace:
    workspace = Workspace.open(Settings(data_dir=tmp_path / user, collector=user, scripts_dir=SCRIPTS, objections_dir=OBJECTIONS), team.login_url(user), "en")
    workspace.clock = lambda: NOW
    return workspace


def make_team(postgres, tmp_path) -> Team:
    """A team's database as README sets one up, with a little history."""
    owner, name = f"owner_{uuid.uuid4().hex[:8]}", f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=postgres dbname=postgres", autocommit=True) as superuser:
        superuser.execute(f"CREATE ROLE {owner} LOGIN CREATEROLE")
        superuser.execute(f'CREATE DATABASE "{name}" OWNER {owner}')
    url = f"postgresql+psycopg://{owner}@127.0.0.1:{postgres.port}/{name}"
    upgraded = runner.invoke(cli, ["--db", url, "db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    engine = db.open_engine(url)
    with db.session(engine) as session:
        demo.populate(session, "wang", TODAY)
        session.commit()
    engine.dispose()
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user={owner} dbname={name}", autocommit=True) as owned:
        owned.execute("UPDATE collector SET name = 'li' WHERE name = 'colleague'")
        owned.execute("INSERT INTO collector (name, display_name) VALUES (%s, 'the team')", (TEAM_POOL,))
        ids = dict(owned.execute("SELECT name, id FROM collector").fetchall())
        owned.execute("UPDATE account SET collector_id = %s WHERE id IN (SELECT id FROM account WHERE collector_id = %s AND NOT closed ORDER BY id DESC LIMIT 5)", (ids[TEAM_POOL], ids["wang"]))
        own = [row[0] for row in owned.execute("SELECT id FROM account WHERE collector_id = %s AND NOT closed ORDER BY id", (ids["wang"],))]
        lis = [row[0] for row in owned.execute("SELECT id FROM account WHERE collector_id = %s AND NOT closed ORDER BY id", (ids["li"],))]
        pool = owned.execute("SELECT min(id) FROM account WHERE collector_id = %s", (ids[TEAM_POOL],)).fetchone()[0]
    for person, role in (("wang", "collector"), ("li", "collector"), ("boss", "supervisor"), ("tina", "trainer")):
        granted = runner.invoke(cli, ["--db", url, "db", "grant", person, "--role", role])
        assert granted.exit_code == 0, granted.output
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user={owner} dbname={name}") as owned:
        ids = dict(owned.execute("SELECT name, id FROM collector").fetchall())
    roles = {name.removeprefix("role_"): value for name, value in psycopg.connect(f"host=127.0.0.1 port={postgres.port} user={owner} dbname={name}").execute("SELECT name, value FROM storesetting WHERE name LIKE 'role_%'")}
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user={owner} dbname={name}", autocommit=True) as owned:
        owned.execute("UPDATE contact SET stop = 'cease_contact' WHERE id = (SELECT contact_id FROM account WHERE id = %s)", (own[4],))
    team = Team(url, ids, own[2], lis[0], pool, "", "", "", own[4], roles)
    wang = desk(tmp_path, team, "wang")
    ended = wang.calls.begin_call(own[0])
    wang.calls.store(ended.call_id, ended.call.choose(ended.call.step.choices[0].trigger))
    wang.calls.store(ended.call_id, ended.call.end("no_answer", "", None))
    under_way = wang.calls.begin_call(own[1])
    wang.ledger.record_payment(own[3], Decimal("100.00"), TODAY, "bank_transfer", "")  # what a collector's login may write, it can
    li = desk(tmp_path, team, "li")
    done = li.calls.begin_call(lis[1])  # a figure of li's, which wang's login must not read
    li.calls.store(done.call_id, done.call.choose(done.call.step.choices[0].trigger))
    li.calls.store(done.call_id, done.call.end("no_answer", "", None))
    theirs = li.calls.begin_call(lis[0])
    for workspace in (wang, li):
        workspace.engine.dispose()
    return Team(url, ids, own[2], lis[0], pool, ended.call_id, under_way.call_id, theirs.call_id, own[4], roles)


@pytest.fixture(scope="module")
def team(postgres, tmp_path_factory) -> Team:
    return make_team(postgres, tmp_path_factory.mktemp("team"))


def fingerprint(team: Team) -> dict[str, str]:
    """Every row of every table, as the owner reads them."""
    with psycopg.connect(team.libpq(make_url(team.url).username)) as owner:
        return {table: owner.execute(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t").fetchone()[0] for table in TABLES}


ATTACKS = {}


def attack(login: str):
    """An attack made with `login`'s own connection (autocommit: each statement alone)."""

    def register(function):
        ATTACKS[function.__name__] = (login, function)
        return function

    return register


def refused(connection, statement: str, params=(), error=errors.InsufficientPrivilege, match: str | None = None) -> None:
    with pytest.raises(error, match=match):
        connection.execute(statement, params)


# 1. Temporary objects that would shadow what the policies read.
@attack("wang")
def temporary_table_named_collector(c, team):
    refused(c, "CREATE TEMP TABLE collector (id integer, name text, display_name text)", match="temporary tables")


@attack("tina")
def trainer_temporary_table_named_account(c, team):
    refused(c, "CREATE TEMP TABLE account (id integer, collector_id integer)", match="temporary tables")


@attack("wang")
def objects_in_the_tables_schema(c, team):
    refused(c, "CREATE TABLE public.collector_copy (id integer)")
    refused(c, "CREATE VIEW public.every_debtor AS SELECT * FROM debtor")
    refused(c, "CREATE FUNCTION public.me() RETURNS integer LANGUAGE sql AS 'SELECT 1'")
    refused(c, "CREATE SCHEMA mine")


@attack("wang")
def replace_the_databases_functions(c, team):
    refused(c, "CREATE OR REPLACE FUNCTION callassist.caller() RETURNS text LANGUAGE sql AS $$ SELECT 'supervisor' $$")
    refused(c, "CREATE FUNCTION callassist.helper() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$")
    refused(c, "ALTER FUNCTION callassist.caller() OWNER TO wang")


@attack("wang")
def turn_the_policies_off(c, team):
    refused(c, "ALTER TABLE account DISABLE ROW LEVEL SECURITY", match="must be owner")
    refused(c, "DROP POLICY team_rows ON account", match="must be owner")
    refused(c, "ALTER TABLE callevent DISABLE TRIGGER event_chain", match="must be owner")
    c.execute("SET row_security = off")
    refused(c, "SELECT * FROM debtor", match="row-level security")


# 2. Holds: stolen, frozen, or made on accounts that are not one's own.
@attack("wang")
def steal_every_hold(c, team):
    refused(c, "UPDATE claim SET collector_id = %s, expires_at = 'infinity'", (team.ids["wang"],))
    refused(c, "DELETE FROM claim")
    refused(c, "INSERT INTO claim (account_id, collector_id, call_id, claimed_at, expires_at) VALUES (%s, %s, 'mine', now(), 'infinity')", (team.pool_account, team.ids["wang"]))


@attack("wang")
def hold_another_collectors_account(c, team):
    refused(c, "SELECT callassist.claim_account(%s, %s, 'mine', now())", (team.li_account, team.ids["wang"]), match=f"no account {team.li_account} that wang may work")
    refused(c, "SELECT callassist.claim_account(%s, %s, 'mine', now())", (team.pool_account, team.ids["li"]), match="own name only")
    assert c.execute("SELECT callassist.claim_first(%s, %s, 'mine', now())", ([team.li_account], team.ids["wang"])).fetchone() == (None,)
    assert c.execute("SELECT callassist.renew(%s, 'infinity')", (team.li_open,)).fetchone() == (False,)


@attack("wang")
def learn_which_accounts_exist_from_errors(c, team):
    errors_said = []
    for account in (team.li_account, 999999):
        with pytest.raises(errors.InsufficientPrivilege) as caught:
            c.execute("SELECT callassist.claim_account(%s, %s, 'mine', now())", (account, team.ids["wang"]))
        errors_said.append(str(caught.value).replace(str(account), "N"))
        with pytest.raises(errors.InsufficientPrivilege) as caught:
            c.execute("INSERT INTO payment (external_id, account_id, paid_on, currency, amount, unmatched, source, created_at) VALUES ('x', %s, current_date, 'CNY', 1, 1, 'entered', now())", (account,))
        errors_said.append(str(caught.value))
    assert errors_said[0] == errors_said[2] and errors_said[1] == errors_said[3], errors_said


@attack("wang")
def hold_an_account_without_calling_it(c, team):
    # Held, and renewed every minute, with no call on it: refused when the hold commits.
    refused(c, "SELECT callassist.claim_account(%s, %s, 'squat', now())", (team.pool_account, team.ids["wang"]), error=errors.ForeignKeyViolation, match="not an open call")
    refused(c, "SELECT callassist.claim_first(%s, %s, 'squat', now())", ([team.pool_account], team.ids["wang"]), error=errors.ForeignKeyViolation, match="not an open call")
    assert c.execute("SELECT callassist.renew(%s, now())", (team.wang_ended,)).fetchone() == (False,)


@attack("wang")
def hold_an_account_for_a_call_on_another(c, team):
    # His open call is on another account; a practice call is on none: neither holds this one.
    refused(c, "SELECT callassist.claim_account(%s, %s, %s, now())", (team.pool_account, team.ids["wang"], team.wang_open), error=errors.ForeignKeyViolation, match="not an open call")
    with pytest.raises(errors.ForeignKeyViolation, match="not an open call"), c.transaction():
        c.execute("SELECT callassist.start_call('drill', NULL, %s, 'standard', 'h', 'en', 'prepare', true, 'stall', now())", (team.ids["wang"],))
        c.execute("""INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES ('drill', 1, 'call_started', now(), '{"script": "standard", "locale": "en", "collector": "wang"}')""")
        c.execute("SELECT callassist.claim_account(%s, %s, 'drill', now())", (team.pool_account, team.ids["wang"]))


@attack("wang")
def call_a_contact_who_asked_not_to_be_called(c, team):
    refused(
        c,
        "SELECT callassist.claim_account(%s, %s, 'again', now()), callassist.start_call('again', %s, %s, 'standard', 'h', 'en', 'prepare', false, NULL, now())",
        (team.stopped_account, team.ids["wang"], team.stopped_account, team.ids["wang"]),
        match="asked not to be called",
    )
    assert c.execute("SELECT callassist.claim_first(%s, %s, 'again', now())", ([team.stopped_account], team.ids["wang"])).fetchone() == (None,)


@attack("tina")
def trainer_holds_an_account(c, team):
    refused(c, "SELECT callassist.claim_account(%s, %s, 'mine', now())", (team.pool_account, team.ids["tina"]))
    refused(c, "SELECT callassist.claim_first(%s, %s, 'mine', now())", ([team.pool_account], team.ids["tina"]))


@attack("wang")
def read_other_collectors_holds(c, team):
    assert team.li_account not in {row[0] for row in c.execute("SELECT account_id FROM claim")}


# 3. The call log forged by its writers.
@attack("wang")
def insert_a_call_directly(c, team):
    refused(c, "INSERT INTO call (id, account_id, collector_id, script, script_hash, locale, started_at, state, practice) VALUES ('forged', %s, %s, 'standard', 'h', 'en', '2025-01-01', 'wrap_up', false)", (team.wang_account, team.ids["wang"]))


@attack("wang")
def start_a_call_on_an_account_not_held(c, team):
    refused(c, "SELECT callassist.start_call('forged', %s, %s, 'standard', 'h', 'en', 'prepare', false, NULL, '2025-01-01')", (team.wang_account, team.ids["wang"]), match="not held")
    refused(c, "SELECT callassist.start_call('forged', %s, %s, 'standard', 'h', 'en', 'prepare', false, NULL, '2025-01-01')", (team.li_account, team.ids["li"]), match="own name only")


@attack("tina")
def trainer_starts_a_call_on_an_account(c, team):
    refused(c, "SELECT callassist.start_call('forged', %s, %s, 'standard', 'h', 'en', 'prepare', false, NULL, now())", (team.pool_account, team.ids["tina"]))


@attack("wang")
def a_new_ending_for_an_ended_call(c, team):
    last = c.execute("SELECT max(seq) FROM callevent WHERE call_id = %s", (team.wang_ended,)).fetchone()[0]
    refused(c, "INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES (%s, %s, 'call_ended', now(), '{\"disposition\": \"promise\"}')", (team.wang_ended, last + 1), error=errors.ObjectNotInPrerequisiteState, match="has ended")


@attack("wang")
def events_out_of_their_place(c, team):
    last = c.execute("SELECT max(seq) FROM callevent WHERE call_id = %s", (team.wang_open,)).fetchone()[0]
    for seq in (1, last, last + 2):
        refused(c, "INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES (%s, %s, 'note_added', now(), '{}')", (team.wang_open, seq), error=errors.UniqueViolation, match="does not extend its chain")
    refused(c, "INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES (%s, %s, 'note_added', now(), 'not json')", (team.wang_open, last + 1), error=errors.InvalidTextRepresentation)


@attack("wang")
def forge_a_supervisors_override(c, team):
    last = c.execute("SELECT max(seq) FROM callevent WHERE call_id = %s", (team.wang_open,)).fetchone()[0]
    override = '{"by": "boss", "role": "supervisor", "reason": "approved", "rules": ["hours"], "state": "prepare"}'
    refused(c, "INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES (%s, %s, 'compliance_override', now(), %s)", (team.wang_open, last + 1, override), match="only a supervisor")


@attack("boss")
def supervisor_writes_into_a_collectors_call(c, team):
    last = c.execute("SELECT max(seq) FROM callevent WHERE call_id = %s", (team.wang_open,)).fetchone()[0]
    for kind, payload in (("note_added", '{"text": "written by boss", "state": "prepare"}'), ("call_ended", '{"disposition": "refused", "state": "wrap_up"}')):
        refused(c, "INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES (%s, %s, %s, now(), %s)", (team.wang_open, last + 1, kind, payload), match="row-level security")


@attack("wang")
def tie_a_promise_to_another_collectors_call(c, team):
    refused(c, "INSERT INTO promise (account_id, call_id, currency, total, method, channel, status, created_at) VALUES (%s, %s, 'CNY', 1, 'cash', 'sms', 'broken', now())", (team.pool_account, team.li_open), match="row-level security")
    refused(
        c, "INSERT INTO promise (account_id, call_id, currency, total, method, channel, status, created_at) VALUES (%s, %s, 'CNY', 1, 'cash', 'sms', 'broken', now())", (team.wang_account, team.wang_open), match="row-level security"
    )  # his own call, but on another account


@attack("wang")
def take_the_ids_others_will_need(c, team):
    last = c.execute("SELECT max(seq) FROM callevent WHERE call_id = %s", (team.wang_open,)).fetchone()[0]
    refused(c, "INSERT INTO callevent (id, call_id, seq, kind, at, payload) VALUES (nextval('callevent_id_seq') + 1, %s, %s, 'note_added', now(), '{}')", (team.wang_open, last + 1))
    refused(c, "SELECT nextval('purgelog_id_seq')")
    refused(c, "SELECT nextval('review_id_seq')")


@attack("wang")
def an_event_that_is_no_object(c, team):
    last = c.execute("SELECT max(seq) FROM callevent WHERE call_id = %s", (team.wang_open,)).fetchone()[0]
    for payload in ("[]", '"text"', "null"):
        refused(c, "INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES (%s, %s, 'note_added', now(), %s)", (team.wang_open, last + 1, payload), error=errors.InvalidTextRepresentation)


@attack("wang")
def lift_a_stop(c, team):
    contact = "(SELECT contact_id FROM account WHERE id = %s)"
    refused(c, f"UPDATE contact SET stop = NULL WHERE id = {contact}", (team.wang_account,))
    refused(c, f"UPDATE contact SET stop = 'do_not_call' WHERE id = {contact}", (team.pool_account,))


@attack("boss")
def supervisor_lifts_a_stop(c, team):
    refused(c, "UPDATE contact SET stop = NULL")
    debtor = c.execute("SELECT debtor_id FROM account WHERE id = %s", (team.stopped_account,)).fetchone()[0]
    refused(c, "INSERT INTO contact (id, debtor_id, name, role, phone, is_primary, stop) VALUES (nextval('contact_id_seq'), %s, 'x', 'debtor', '+86 21 5550 0101', true, 'do_not_call')", (debtor,))
    # A new number for the contact (as an import brings one): the account keeps the stop.
    with c.transaction():
        fresh = c.execute("INSERT INTO contact (id, debtor_id, name, role, phone, is_primary) VALUES (nextval('contact_id_seq'), %s, 'x', 'debtor', '+86 21 5550 0102', true) RETURNING id", (debtor,)).fetchone()[0]
        c.execute("UPDATE account SET contact_id = %s WHERE id = %s", (fresh, team.stopped_account))
        assert c.execute("SELECT stop FROM contact WHERE id = %s", (fresh,)).fetchone() == ("cease_contact",)
        raise psycopg.Rollback()


@attack("boss")
def free_a_stopped_number_for_another_contact(c, team):
    refused(c, "UPDATE contact SET phone = '+86 10 0000 0001' WHERE id = (SELECT contact_id FROM account WHERE id = %s)", (team.stopped_account,), match="stays as it was")


@attack("wang")
def dates_and_amounts_no_reader_can_read(c, team):
    for column, value in (
        ("last_contact_at", "infinity"),
        ("callback_at", "9999-12-31 23:59:59+00"),
        ("oldest_due", "infinity"),
        ("next_promise_due", "20000-01-01"),
        ("last_broken_on", "-infinity"),
        ("balance", "NaN"),
        ("next_promise_amount", "NaN"),
        ("priority", "Infinity"),
    ):
        refused(c, f"UPDATE account SET {column} = %s WHERE id = %s", (value, team.pool_account), error=errors.CheckViolation, match="bounded")
    account = c.execute("SELECT account_id FROM call WHERE id = %s", (team.wang_open,)).fetchone()[0]
    refused(c, "INSERT INTO promise (account_id, call_id, currency, total, method, channel, status, created_at) VALUES (%s, %s, 'CNY', 'NaN', 'cash', 'sms', 'open', now())", (account, team.wang_open), error=errors.CheckViolation, match="bounded")


@attack("wang")
def take_a_payment_id_the_bank_file_will_bring(c, team):
    refused(c, "INSERT INTO payment (external_id, account_id, paid_on, currency, amount, unmatched, source, created_at) VALUES ('BANK-2026-0001', %s, current_date, 'CNY', 1, 1, 'entered', now())", (team.wang_account,), match="row-level security")


@attack("wang")
def learn_other_collectors_calls_from_the_contact_rules(c, team):
    debtor = c.execute("SELECT debtor_id FROM account WHERE id = %s", (team.pool_account,)).fetchone()[0]
    cursor = c.execute("SELECT * FROM callassist.debtor_calls(%s, '-infinity', NULL)", (team.pool_account,))
    assert [column.name for column in cursor.description] == ["dialled_at", "this_account", "phone", "answered", "conversation"]
    said = repr(cursor.fetchall())
    assert team.li_open not in said and str(team.li_account) not in said and str(debtor) not in said


def _event(c, team, kind: str, payload: str) -> None:
    last = c.execute("SELECT max(seq) FROM callevent WHERE call_id = %s", (team.wang_open,)).fetchone()[0]
    c.execute("INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES (%s, %s, %s, now(), %s)", (team.wang_open, last + 1, kind, payload))


HAND_MADE_EVENTS = [  # each would stop a report, a replay or another collector's contact rules
    ("choice_made", '{"trigger": "dial", "from": "prepare", "to": "reach_party", "label": "Dial", "sets": 5, "disposition": null}'),
    ("choice_made", '{"trigger": "dial", "from": "prepare", "to": "reach_party", "label": "Dial", "sets": [["x"]], "disposition": null}'),
    ("choice_made", '{"trigger": "dial", "from": "prepare", "to": "reach_party", "sets": [], "disposition": null}'),
    ("objection_raised", '{"state": "objections"}'),
    ("objection_raised", '{"excuse": {"id": "stall"}, "state": "objections"}'),
    ("rebuttal_shown", '{"excuse": "stall", "rung": 1e400, "rungs": 3, "principle": "reason", "counters": [], "text": "t"}'),
    ("rebuttal_shown", '{"excuse": "stall", "rung": 1.5, "rungs": 3, "principle": "reason", "counters": [], "text": "t"}'),
    ("note_added", "{}"),
    ("note_added", '{"text": "' + "x" * 70000 + '", "state": "prepare"}'),
    ("note_added", '{"text": "n", "state": "prepare", "extra": ' + "[" * 40 + "]" * 40 + "}"),
    ("call_ended", '{"disposition": "refused", "state": "wrap_up", "next_contact": "2026-02-30"}'),
    ("call_ended", '{"disposition": "refused", "state": "wrap_up", "callback_at": "tomorrow"}'),
    ("call_ended", '{"disposition": "refused", "state": "wrap_up", "contact_stop": "please"}'),
    ("promise_captured", '{"currency": "CNY", "total": "1e5", "method": "cash", "channel": "sms", "instalments": []}'),
    ("promise_captured", '{"currency": "CNY", "total": "100", "method": "cash", "channel": "sms", "instalments": [{"due": "soon", "amount": "100"}]}'),
    ("call_started", '{"script": "standard", "locale": "en", "collector": "wang", "debtor_local_time": "10 am"}'),
    ("step_entered", '{"state": "prepare", "label": "Prepare", "text": "t", "choices": [{"key": "1"}]}'),
    ("made_up", '{"anything": true}'),
    ("instalment", '{"due": "2026-01-01", "amount": "1"}'),  # a part of an event, not a kind
    ("call_started", '{"script": "standard", "locale": "en", "collector": "wang"}'),  # a second card
    ("practice_scored", '{"persona": "x", "passed": 0, "items": 0, "score": 0, "results": []}'),  # before the end: the call could never end
    ("call_ended", '{"disposition": "zzz", "state": "wrap_up"}'),
    ("choice_made", '{"trigger": "dial", "from": "prepare", "to": "reach_party", "label": "Dial", "sets": [], "disposition": "zzz"}'),
    ("note_added", '{"text": "n", "state": "prepare", "redacted": "card"}'),
    ("undone", '{"events": "2", "what": "x", "from": "a", "to": "b"}'),
    ("undone", '{"what": "x", "from": "a", "to": "b"}'),
    ("phone_dialling", '{"number": "+8613800000000"}'),
    ("phone_hung_up", '{"phone_call_id": "b-1", "by": "nobody"}'),
    ("phone_no_answer", '{"phone_call_id": "b-1", "after": -30}'),
    ("phone_no_answer", '{"phone_call_id": "b-1", "after": "30"}'),
    ("recording_attached", '{"phone_call_id": "b-1", "file": "recordings/c.wav", "sha256": "not a digest", "seconds": 1, "format": "wav"}'),
    ("recording_attached", '{"phone_call_id": "b-1", "file": "recordings/c.wav", "sha256": "' + "ab" * 32 + '", "seconds": 1}'),
]
# A second card, as a call's first event would carry it: each field a reader takes from it.
HAND_MADE_CARDS = [
    '{"script": "standard", "locale": "en", "collector": "wang", "contact_rules": {"profile": ["cn"]}}',
    '{"script": "standard", "locale": "en", "collector": "wang", "debtor_local_time": "2026-12-03T24:00:00+08:00"}',
    '{"script": "standard", "locale": "en", "collector": "wang", "debtor_local_time": "2026-12-03T23:59:60+08:00"}',
    '{"script": "standard", "locale": "en", "collector": "wang", "debtor": "X", "balance": "abc", "currency": "CNY"}',
    '{"script": "standard", "locale": "en", "collector": "wang", "debtor": "X", "balance": "1.00", "currency": "yuan"}',
]


@attack("wang")
def events_not_as_the_program_writes_them(c, team):
    for kind, payload in HAND_MADE_EVENTS:
        with pytest.raises(errors.CheckViolation, match="not as the program writes it"):
            _event(c, team, kind, payload)


@attack("wang")
def a_call_whose_card_no_reader_can_read(c, team):
    for card in HAND_MADE_CARDS:
        with pytest.raises(errors.CheckViolation, match="not as the program writes it"), c.transaction():
            c.execute(
                "SELECT callassist.claim_account(%(account)s, %(me)s, 'odd', now()), callassist.start_call('odd', %(account)s, %(me)s, 'standard', 'h', 'en', 'prepare', false, NULL, now())", {"account": team.wang_account, "me": team.ids["wang"]}
            )
            c.execute("INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES ('odd', 1, 'call_started', now(), %s)", (card,))


@attack("wang")
def a_call_with_no_events(c, team):
    refused(
        c,
        "SELECT callassist.claim_account(%(account)s, %(me)s, 'bare', now()), callassist.start_call('bare', %(account)s, %(me)s, 'standard', 'h', 'en', 'prepare', false, NULL, now())",
        {"account": team.wang_account, "me": team.ids["wang"]},
        error=errors.ForeignKeyViolation,
        match="has no events",
    )


@attack("wang")
def hold_many_accounts_at_once(c, team):
    free = [row[0] for row in c.execute("SELECT id FROM account a WHERE NOT closed AND NOT EXISTS (SELECT 1 FROM claim h WHERE h.account_id = a.id) ORDER BY id LIMIT 4")]
    takes = ", ".join(f"callassist.claim_account({account}, {team.ids['wang']}, 'many{n}', now())" for n, account in enumerate(free))
    refused(c, f"SELECT {takes}", error=errors.ConfigurationLimitExceeded, match="holds 3 accounts already")


@attack("wang")
def draw_ids_until_none_are_left(c, team):
    for table in ("callevent", "promise", "instalment", "payment", "review"):
        refused(c, f"SELECT nextval('{table}_id_seq')")


@attack("li")
def append_to_another_collectors_call(c, team):
    refused(c, 'INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES (%s, 1, \'call_started\', now(), \'{"script": "standard", "locale": "en", "collector": "li"}\')', (team.wang_open,), match="row-level security")


@attack("wang")
def rewrite_the_log(c, team):
    refused(c, "UPDATE callevent SET payload = '{}' WHERE call_id = %s", (team.wang_ended,))
    refused(c, "DELETE FROM callevent WHERE call_id = %s", (team.wang_ended,))
    refused(c, "TRUNCATE callevent")
    refused(c, "UPDATE call SET disposition = 'promise', ended_at = NULL WHERE id = %s", (team.wang_ended,))
    refused(c, "DELETE FROM call WHERE id = %s", (team.wang_ended,))


# 4. Deletion without trace.
@attack("boss")
def supervisor_deletes_calls_with_sql(c, team):
    for table, column in (("review", "call_id"), ("callevent", "call_id"), ("call", "id")):
        refused(c, f"DELETE FROM {table} WHERE {column} = %s", (team.wang_ended,))
    refused(c, "TRUNCATE call CASCADE")
    refused(c, "INSERT INTO purgelog (purged_at, by, role, profile, before, calls, events, reviews) VALUES (now(), 'someone', 'supervisor', 'cn', current_date, 0, 0, 0)")


# 5. The retention floor lowered.
@attack("boss")
def supervisor_purges_younger_records(c, team):
    refused(c, "SELECT * FROM callassist.purge(current_date, 'cn', 1, current_date, 'boss')", match="kept at least 5 years")
    refused(c, "UPDATE storesetting SET value = '1'")


@attack("wang")
def collector_purges(c, team):
    refused(c, "SELECT * FROM callassist.purge('2000-01-01', 'cn', 5, current_date, 'wang')", match="permission denied for function")


# What one thinks of next: roles, copies, files, sequences, statistics, side channels.
@attack("wang")
def become_someone_else(c, team):
    for role in (team.roles["supervisor"], "boss", team.roles["keeper"], make_url(team.url).username, "postgres"):
        refused(c, f"SET ROLE {role}")
    refused(c, "SET SESSION AUTHORIZATION boss")
    refused(c, f"GRANT {team.roles['supervisor']} TO wang")
    refused(c, "ALTER ROLE wang BYPASSRLS")


@attack("li")
def copy_the_tables_out_and_in(c, team):
    with c.cursor().copy("COPY account (collector_id) TO STDOUT") as copy:
        owners = {int(row[0]) for row in copy.rows()}
    assert owners == {team.ids["li"], team.ids[TEAM_POOL]}
    with pytest.raises(errors.InsufficientPrivilege):  # ids are the sequences' to give
        with c.cursor().copy("COPY callevent FROM STDIN") as copy:
            copy.write_row((1, team.wang_open, 99, "note_added", "2020-01-01", "{}", "x", "y"))
    with pytest.raises(errors.FeatureNotSupported, match="row-level security"):
        with c.cursor().copy("COPY callevent (call_id, seq, kind, at, payload) FROM STDIN") as copy:
            copy.write_row((team.wang_open, 99, "note_added", "2020-01-01", "{}"))
    refused(c, "COPY debtor TO '/tmp/debtors.csv'")


@attack("wang")
def read_the_servers_files(c, team):
    refused(c, "SELECT pg_read_file('postgresql.conf')")
    refused(c, "SELECT pg_ls_dir('.')")
    refused(c, "SELECT lo_import('/etc/passwd')")
    refused(c, "CREATE EXTENSION dblink", error=psycopg.Error)


@attack("wang")
def reset_a_sequence(c, team):
    refused(c, "SELECT setval('callevent_id_seq', 1)")
    refused(c, "ALTER SEQUENCE promise_id_seq RESTART")


@attack("li")
def read_names_from_the_planners_statistics(c, team):
    owner = make_url(team.url).username
    team.sql(owner, "ANALYZE")
    assert team.sql(owner, "SELECT count(*) FROM pg_stats WHERE tablename = 'debtor'")[0][0] > 0  # there is something to find
    assert c.execute("SELECT count(*) FROM pg_stats WHERE tablename IN ('debtor', 'contact', 'callevent')").fetchone() == (0,)


@attack("li")
def a_side_channel_through_an_error(c, team):
    wangs = team.sql(make_url(team.url).username, "SELECT d.name FROM debtor d JOIN account a ON a.debtor_id = d.id WHERE a.id = %s", (team.wang_account,))[0][0]
    # A filter that fails on one of wang's debtors would tell li it exists, if it ran on his rows.
    assert c.execute("SELECT count(*) FROM debtor WHERE 1 / (CASE WHEN name = %s THEN 0 ELSE 1 END) = 1", (wangs,)).fetchone()[0] > 0


@attack("li")
def stop_another_collectors_session(c, team):
    with psycopg.connect(team.libpq("wang")) as wang:
        pid = wang.info.backend_pid
        refused(c, "SELECT pg_terminate_backend(%s)", (pid,))
        assert c.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone() == ("<insufficient privilege>",)


# The ledger: others' rows, and what a collector may never change on their own.
@attack("wang")
def change_another_collectors_account(c, team):
    assert c.execute("UPDATE account SET balance = 0, closed = true WHERE id = %s", (team.li_account,)).rowcount == 0
    assert c.execute("UPDATE promise SET status = 'kept' WHERE account_id = %s", (team.li_account,)).rowcount == 0


@attack("wang")
def take_an_account_for_oneself(c, team):
    refused(c, "UPDATE account SET collector_id = %s WHERE id = %s", (team.ids["wang"], team.pool_account))
    refused(c, "UPDATE account SET collector_id = %s WHERE id = %s", (team.ids[TEAM_POOL], team.wang_account))
    refused(c, "UPDATE contact SET phone = '000' WHERE id = (SELECT contact_id FROM account WHERE id = %s)", (team.wang_account,))


@attack("tina")
def trainer_reads_the_ledger(c, team):
    assert c.execute("SELECT count(*) FROM debtor").fetchone() == (0,)
    assert c.execute("SELECT count(*) FROM account").fetchone() == (0,)
    assert c.execute("SELECT count(*) FROM callevent").fetchone() == (0,)
    refused(c, "SELECT * FROM contact")
    refused(c, "SELECT * FROM payment")


# 6. The team-wide log (issue 17): only its function adds to it, no one rewrites it.
@attack("wang")
def collector_writes_or_reads_the_log(c, team):
    refused(c, "SELECT callassist.sequence_log()", match="permission denied for function")
    refused(c, "SELECT * FROM logentry")
    refused(c, "INSERT INTO logentry (position, call_id, seq, at, hash) VALUES (1000000, 'forged', 1, now(), 'x')")
    refused(c, "INSERT INTO logcheckpoint (number, size, root, taken_at, by, key, sig) VALUES (99, 1, 'x', now(), 'wang', 'k', 's')")
    refused(c, "SELECT * FROM logcheckpoint")


@attack("tina")
def trainer_writes_or_reads_the_log(c, team):
    refused(c, "SELECT callassist.sequence_log()", match="permission denied for function")
    refused(c, "SELECT * FROM logentry")


@attack("boss")
def supervisor_rewrites_the_log(c, team):
    c.execute("SELECT callassist.sequence_log()")  # what a checkpoint does first: it may
    before = c.execute("SELECT md5(string_agg(l::text, '|' ORDER BY position)) FROM logentry l").fetchone()
    refused(c, "UPDATE logentry SET hash = 'forged'")
    refused(c, "DELETE FROM logentry")
    refused(c, "TRUNCATE logentry")
    refused(c, "INSERT INTO logentry (position, call_id, seq, at, hash) VALUES (1000000, 'forged', 1, now(), 'x')")
    refused(c, "UPDATE logcheckpoint SET root = 'forged'")
    refused(c, "DELETE FROM logcheckpoint")
    refused(c, "ALTER FUNCTION callassist.sequence_log() OWNER TO CURRENT_USER", error=errors.InsufficientPrivilege)
    assert c.execute("SELECT md5(string_agg(l::text, '|' ORDER BY position)) FROM logentry l").fetchone() == before


# 7. The figures (issue 24): a summary only for an ended call of one's own, once; the sums
# only through the summaries; no one changes either.
@attack("wang")
def collector_forges_the_figures(c, team):
    assert c.execute("SELECT count(*) FROM callsummary WHERE call_id = %s", (team.wang_ended,)).fetchone() == (1,)
    assert c.execute("SELECT count(*) FROM callsummary WHERE collector_id <> %s", (team.ids["wang"],)).fetchone() == (0,)
    assert c.execute("SELECT count(*) FROM figureday WHERE collector_id <> %s", (team.ids["wang"],)).fetchone() == (0,)
    parts = '{"calls": [1000, 0], "promises": [1000, 0], "right_party": [1000, 0]}'
    forged = "INSERT INTO callsummary (call_id, collector_id, day, practice, damaged, dialled, right_party, promised, parts) VALUES (%s, %s, %s, false, false, true, true, true, %s)"
    refused(c, forged, (team.li_open, team.ids["li"], TODAY, parts), error=errors.InsufficientPrivilege)
    refused(c, forged, (team.wang_open, team.ids["wang"], TODAY, parts), error=errors.InsufficientPrivilege)  # not ended
    refused(c, forged, (team.wang_ended, team.ids["wang"], TODAY, parts), error=(errors.UniqueViolation, errors.InsufficientPrivilege))
    refused(c, "UPDATE callsummary SET parts = %s", (parts,))
    refused(c, "UPDATE callsummary SET promise_status = 'kept'")  # only the ledger's change of the promise moves it
    refused(c, "DELETE FROM callsummary")
    refused(c, "INSERT INTO figureday (day, collector_id, item, n, total) VALUES (%s, %s, 'promises', 1000, 0)", (TODAY, team.ids["wang"]))
    refused(c, "UPDATE figureday SET n = n * 10")
    refused(c, "DELETE FROM figureday")
    refused(c, "SELECT callassist.add_figures()", match="permission denied for function")


@attack("boss")
def supervisor_rewrites_the_figures(c, team):
    assert c.execute("SELECT count(DISTINCT collector_id) FROM figureday").fetchone()[0] >= 2  # the team's
    refused(c, "UPDATE callsummary SET promised = true")
    refused(c, "DELETE FROM callsummary")
    refused(c, "TRUNCATE figureday")
    refused(c, "UPDATE figureday SET n = n * 10")


@attack("tina")
def trainer_reads_the_teams_figures(c, team):
    assert c.execute("SELECT count(*) FROM figureday").fetchone() == (0,)
    assert c.execute("SELECT count(*) FROM callsummary WHERE NOT practice").fetchone() == (0,)


@pytest.mark.parametrize("name", list(ATTACKS))
def test_the_attack_is_refused_and_changes_nothing(team, name):
    login, made = ATTACKS[name]
    team.sql(make_url(team.url).username, "SELECT callassist.sequence_log()")  # the log up to date, as after a checkpoint
    before = fingerprint(team)
    with psycopg.connect(team.libpq(login), autocommit=True) as connection:
        made(connection, team)
    assert fingerprint(team) == before


def test_policies_and_functions_name_their_tables_and_fix_their_search_path(team):
    owner = make_url(team.url).username
    functions = team.sql(owner, "SELECT p.proname, p.prosecdef, r.rolcanlogin, p.proconfig FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'callassist'")
    assert {name for name, *_ in functions} >= {"caller", "claim_account", "claim_first", "renew", "start_call", "purge", "chain_event", "event_effects", "sign_review"}
    assert all(config == ["search_path=pg_catalog, pg_temp"] for *_, config in functions), functions
    assert all(not can_login for _, definer, can_login, _ in functions if definer), "SECURITY DEFINER functions belong to a role no one logs in as"
    assert team.sql(owner, "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'") == [(0,)]
    assert team.sql(owner, "SELECT has_database_privilege('public', current_database(), 'TEMP')") == [(False,)]


def test_shadowing_tables_change_nothing_even_where_temp_is_allowed(postgres, tmp_path):
    """Were TEMP granted again by mistake, the policies still read the real tables."""
    team = make_team(postgres, tmp_path)
    owner = make_url(team.url).username
    team.sql(owner, f'GRANT TEMPORARY ON DATABASE "{make_url(team.url).database}" TO wang')
    with psycopg.connect(team.libpq("wang"), autocommit=True) as wang:
        own = wang.execute("SELECT count(*) FROM account").fetchone()[0]
        wang.execute("CREATE TEMP TABLE collector (id integer, name text, display_name text)")
        wang.execute("INSERT INTO pg_temp.collector VALUES (%s, 'wang', 'wang'), (%s, 'wang', 'wang')", (team.ids["li"], team.ids["wang"]))
        assert wang.execute("SELECT count(*) FROM account").fetchone()[0] == own
        assert wang.execute("SELECT count(*) FROM account WHERE id = %s", (team.li_account,)).fetchone() == (0,)
        assert wang.execute("SELECT callassist.caller()").fetchone() == ("collector",)


def test_a_forged_call_gets_the_servers_time_and_chain(team):
    """wang states a time years ago for a call, its hold and its events, and a hash of his
    own: the database keeps its own time and makes the chain, which verifies."""
    owner = make_url(team.url).username
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    with psycopg.connect(team.libpq("wang")) as wang:
        server_now = wang.execute("SELECT clock_timestamp()").fetchone()[0]
        assert wang.execute("SELECT callassist.claim_account(%s, %s, 'forged', %s)", (team.wang_account, team.ids["wang"], long_ago)).fetchone() == (True,)
        started = wang.execute("SELECT callassist.start_call('forged', %s, %s, 'standard', 'h', 'en', 'prepare', false, NULL, %s)", (team.wang_account, team.ids["wang"], long_ago)).fetchone()[0]
        with pytest.raises(errors.InsufficientPrivilege, match="names its own collector"), wang.transaction():  # a card in li's name
            wang.execute("INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES ('forged', 1, 'call_started', %s, '{\"collector\": \"li\"}')", (long_ago,))
        for seq, kind, payload in ((1, "call_started", '{"script": "standard", "locale": "en", "collector": "wang"}'), (2, "call_ended", '{"disposition": "promise", "state": "wrap_up"}')):
            wang.execute("INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) VALUES ('forged', %s, %s, %s, %s, 'mine', 'mine')", (seq, kind, long_ago, payload))
    held = team.sql(owner, "SELECT claimed_at, expires_at FROM claim WHERE call_id = 'forged'")
    assert held == [], "the call's end released its hold"
    times = [at for (at,) in team.sql(owner, "SELECT at FROM callevent WHERE call_id = 'forged' ORDER BY seq")]
    assert started >= server_now and all(at >= started for at in times) and times == sorted(times)
    engine = db.make_engine(team.login_url("boss"))
    with db.session(engine) as session:
        assert queries.verify_call("forged", session=session) is None
        ended = session.connection().exec_driver_sql("SELECT ended_at, disposition FROM call WHERE id = 'forged'").one()
    engine.dispose()
    assert ended == (times[1], "promise")


def test_a_hold_lasts_the_servers_lease_whatever_the_program_says(tmp_path, team):
    wang = desk(tmp_path, team, "wang")
    wang.clock = lambda: NOW + timedelta(days=3650)  # a program whose clock says 2036
    active = wang.calls.begin_call(team.pool_account)
    claimed, expires = team.sql(make_url(team.url).username, "SELECT claimed_at, expires_at FROM claim WHERE call_id = %s", (active.call_id,))[0]
    assert expires - claimed == claims.LEASE and abs(claimed - datetime.now(UTC)) < timedelta(minutes=1)
    assert wang.calls.renew_claim(active) is None
    wang.calls.store(active.call_id, active.call.end("no_answer", "", None))
    wang.engine.dispose()


def test_a_review_is_signed_by_its_login(team):
    with psycopg.connect(team.libpq("boss")) as boss:
        boss.execute("INSERT INTO review (call_id, reviewer, score, comment, created_at) VALUES (%s, 'li', 5, 'not mine', '2019-01-01')", (team.wang_ended,))
    assert team.sql("boss", "SELECT reviewer, created_at > now() - interval '1 minute' FROM review WHERE comment = 'not mine'") == [("boss", True)]


def test_purge_runs_in_the_database_and_logs_itself(tmp_path, postgres):
    team = make_team(postgres, tmp_path)
    owner = make_url(team.url).username
    old = datetime(2019, 5, 1, 2, tzinfo=UTC)
    # Calls of long ago, as a migration from an older system would have brought them in.
    with psycopg.connect(team.libpq(owner)) as owned:
        owned.execute("SELECT callassist.start_call('old', NULL, %s, 'standard', 'h', 'en', 'wrap_up', true, NULL, %s)", (team.ids["wang"], old))
        owned.execute("INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES ('old', 1, 'call_started', %s, '{}')", (old,))
    short = tmp_path / "short.yaml"
    short.write_text('name: short\nsource: x\nwindow: {from: "08:00", to: "22:00"}\nzones: [Asia/Shanghai]\nretention_years: 1\n', encoding="utf-8")
    lowered = runner.invoke(cli, ["--db", team.login_url("boss"), "--compliance", str(short), "purge", "--before", (datetime.now(UTC) - timedelta(days=800)).date().isoformat(), "--yes"])
    assert lowered.exit_code == 2 and "kept at least 5 years here" in lowered.output
    as_collector = runner.invoke(cli, ["--db", team.login_url("wang"), "--role", "supervisor", "purge", "--before", "2020-01-01", "--yes"])
    assert as_collector.exit_code == 2 and "only a supervisor may purge" in as_collector.output
    done = runner.invoke(cli, ["--db", team.login_url("boss"), "--collector", "li", "purge", "--before", "2020-01-01", "--yes"])
    assert done.exit_code == 0 and "deleted 1 call, 1 event, 0 reviews" in done.output, done.output
    assert team.sql(owner, "SELECT by, role, profile, calls, events FROM purgelog") == [("boss", "supervisor", "cn", 1, 1)]
    assert team.sql(owner, "SELECT count(*) FROM call WHERE id = 'old'") == [(0,)]


def test_audit_verify_lists_only_what_the_login_may_read(team):
    li = runner.invoke(cli, ["--db", team.login_url("li"), "--role", "supervisor", "audit", "verify"])
    lis = {call_id for (call_id,) in team.sql(make_url(team.url).username, "SELECT id FROM call WHERE collector_id = %s", (team.ids["li"],))}
    assert li.exit_code == 0 and team.li_open in lis and len(lis) == 2
    assert sorted(li.stdout.split()) == sorted(["ok"] * len(lis) + list(lis))
    boss = runner.invoke(cli, ["--db", team.login_url("boss"), "audit", "verify"])
    assert {team.li_open, team.wang_open, team.wang_ended} <= set(boss.stdout.split())


def test_passwords_are_never_printed(team):
    owner = make_url(team.url).username
    team.sql(owner, f"ALTER ROLE {owner} PASSWORD 'hunter2-secret'")
    with_password = make_url(team.url).set(password="hunter2-secret").render_as_string(hide_password=False)
    upgraded = runner.invoke(cli, ["--db", with_password, "db", "upgrade"])
    assert upgraded.exit_code == 0 and "hunter2" not in upgraded.output and f"{owner}:***@" in upgraded.output
    unreachable = make_url(with_password).set(port=1).render_as_string(hide_password=False)
    for argv in (["db", "upgrade"], ["audit", "verify"], ["report"]):
        failed = runner.invoke(cli, ["--db", unreachable, *argv])
        assert failed.exit_code == 2 and "hunter2" not in failed.output and "***" in failed.output, failed.output
    for odd in ("Zm9v/YmFy+hunter2", "a?b#c@hunter2", "#hunter2?x=1", "secret\nhunter2"):
        typed = unreachable.replace("hunter2-secret", odd)  # as typed, not as a URL would escape it
        said = runner.invoke(cli, ["--db", typed, "report"])
        assert said.exit_code == 2 and "hunter2" not in said.output and odd[:4] not in said.output, said.output
    unsupported = runner.invoke(cli, ["--db", "mysql://root:hunter2-secret@db/x", "report"])
    assert unsupported.exit_code == 2 and "hunter2" not in unsupported.output


def test_a_database_whose_name_is_not_plain_has_roles_no_other_can_name(postgres):
    """callassist_<oid>_…: a plain name starts with a letter, so no database's roles clash."""
    owner, name = f"owner_{uuid.uuid4().hex[:8]}", f"Team {uuid.uuid4().hex[:6]}"
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=postgres dbname=postgres", autocommit=True) as superuser:
        superuser.execute(f"CREATE ROLE {owner} LOGIN CREATEROLE")
        superuser.execute(f'CREATE DATABASE "{name}" OWNER {owner}')
        oid = superuser.execute("SELECT oid FROM pg_database WHERE datname = %s", (name,)).fetchone()[0]
    url = f"postgresql+psycopg://{owner}@127.0.0.1:{postgres.port}/{name.replace(' ', '%20')}"
    assert runner.invoke(cli, ["--db", url, "db", "upgrade"]).exit_code == 0
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user={owner} dbname='{name}'") as owned:
        assert dict(owned.execute("SELECT name, value FROM storesetting WHERE name = 'role_collector'").fetchall()) == {"role_collector": f"callassist_{oid}_collector"}


def test_a_number_that_asked_to_stop_is_not_called_under_another_contact(team):
    """boss gives another account's contact the number whose contact asked to stop: wang
    may not call it there either."""
    owner = make_url(team.url).username
    stopped_phone = team.sql(owner, "SELECT c.phone FROM contact c JOIN account a ON a.contact_id = c.id WHERE a.id = %s", (team.stopped_account,))[0][0].replace(" ", "")
    contact, phone = team.sql(owner, "SELECT c.id, c.phone FROM contact c JOIN account a ON a.contact_id = c.id WHERE a.id = %s", (team.wang_account,))[0]
    team.sql("boss", "UPDATE contact SET phone = %s WHERE id = %s", (stopped_phone, contact))
    try:
        with psycopg.connect(team.libpq("wang"), autocommit=True) as wang:
            refused(
                wang,
                "SELECT callassist.claim_account(%(account)s, %(me)s, 'renamed', now()), callassist.start_call('renamed', %(account)s, %(me)s, 'standard', 'h', 'en', 'prepare', false, NULL, now())",
                {"account": team.wang_account, "me": team.ids["wang"]},
                match="asked not to be called",
            )
            assert wang.execute("SELECT callassist.claim_first(%s, %s, 'renamed', now())", ([team.wang_account], team.ids["wang"])).fetchone() == (None,)
    finally:
        team.sql(owner, "UPDATE contact SET phone = %s WHERE id = %s", (phone, contact))


def test_holds_taken_at_once_or_revived_stay_within_the_limit(postgres, tmp_path):
    """wang opens six calls at the same moment in six sessions, holding one already: two
    more commit. With his holds lapsed he takes three anew; an old one is not revived."""
    team = make_team(postgres, tmp_path)
    owner = make_url(team.url).username
    # Accounts a call may start on: free, and not the one whose contact asked to stop (else
    # whichever session got there first would fail for that reason, not the count's).
    free = [row[0] for row in team.sql("wang", "SELECT id FROM account a WHERE NOT closed AND id <> %s AND NOT EXISTS (SELECT 1 FROM claim h WHERE h.account_id = a.id) ORDER BY id LIMIT 9", (team.stopped_account,))]
    card = '{"script": "standard", "locale": "en", "collector": "wang"}'
    barrier = threading.Barrier(6)

    def open_call(account: int, wait: bool = False) -> bool:
        call = f"call-{account}"
        with psycopg.connect(team.libpq("wang")) as c:
            if wait:
                barrier.wait()
            try:
                c.execute("SELECT callassist.claim_account(%s, %s, %s, now())", (account, team.ids["wang"], call))
                c.execute("SELECT callassist.start_call(%s, %s, %s, 'standard', 'h', 'en', 'prepare', false, NULL, now())", (call, account, team.ids["wang"]))
                c.execute("INSERT INTO callevent (call_id, seq, kind, at, payload) VALUES (%s, 1, 'call_started', now(), %s)", (call, card))
                c.commit()
                return True
            except errors.ConfigurationLimitExceeded:
                return False

    with ThreadPoolExecutor(6) as pool:
        taken = list(pool.map(lambda account: open_call(account, wait=True), free[:6]))
    live = "SELECT count(*) FROM claim WHERE collector_id = %s AND expires_at > now()"
    assert (sum(taken), team.sql(owner, live, (team.ids["wang"],))) == (2, [(3,)])
    team.sql(owner, "UPDATE claim SET expires_at = now() - interval '1 minute' WHERE collector_id = %s", (team.ids["wang"],))
    assert [open_call(account) for account in free[6:]] == [True, True, True]
    lapsed = f"call-{free[taken.index(True)]}"
    with psycopg.connect(team.libpq("wang"), autocommit=True) as wang:
        refused(wang, "SELECT callassist.renew(%s, now())", (lapsed,), error=errors.ConfigurationLimitExceeded, match="holds 3 accounts already")
    assert team.sql(owner, live, (team.ids["wang"],)) == [(3,)]


def test_a_desk_with_a_wrong_clock_goes_by_the_servers(tmp_path, team, monkeypatch):
    """A desk three hours fast neither dials out of hours nor blocks in hours: the contact
    rules read the server's clock, which stamps the events."""
    from callassist.core import call as core_call
    from callassist.services import workspace as desk_module
    from callassist.store import team as store_team

    fast = lambda: datetime.now(UTC) + timedelta(hours=3)  # noqa: E731
    for module in (core_call, store_team, desk_module):
        monkeypatch.setattr(module, "utc_now", fast)
    workspace = Workspace.open(Settings(data_dir=tmp_path / "fast", collector="wang", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS), team.login_url("wang"), "en")
    server = team.sql("wang", "SELECT clock_timestamp()")[0][0]
    assert abs(workspace.clock() - server) < timedelta(seconds=5)
    workspace.engine.dispose()


def test_a_login_of_another_team_on_the_same_server_is_kept_out(postgres, tmp_path, team):
    """Roles belong to the whole server; each team's groups and connections are its own."""
    owner, name = f"owner_{uuid.uuid4().hex[:8]}", f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=postgres dbname=postgres", autocommit=True) as superuser:
        superuser.execute(f"CREATE ROLE {owner} LOGIN CREATEROLE")
        superuser.execute(f'CREATE DATABASE "{name}" OWNER {owner}')
    other = f"postgresql+psycopg://{owner}@127.0.0.1:{postgres.port}/{name}"
    assert runner.invoke(cli, ["--db", other, "db", "upgrade"]).exit_code == 0
    for person, role in (("zhang", "collector"), ("wang", "trainer")):  # wang trains the other team
        assert runner.invoke(cli, ["--db", other, "db", "grant", person, "--role", role]).exit_code == 0
    for login, database in (("zhang", make_url(team.url).database), ("boss", name), ("li", name)):
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            psycopg.connect(f"host=127.0.0.1 port={postgres.port} user={login} dbname={database}")
    assert team.sql("wang", "SELECT callassist.caller()") == [("collector",)], "a role in one team is not a role in another"
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=wang dbname={name}") as elsewhere:
        assert elsewhere.execute("SELECT callassist.caller()").fetchone() == ("trainer",)


ALL_DAY = 'name: all-day\nsource: a test\nwindow: {from: "00:00", to: "23:59"}\nzones: [Asia/Shanghai]\nconversations_per_debtor_day: 3\nretention_years: 5\n'


def test_the_contact_rules_count_every_collectors_calls(tmp_path, team):
    """li talks to a debtor of the team's queue three times today; wang's next call to the
    same debtor is blocked, though his login cannot read li's calls."""
    rules = tmp_path / "all-day.yaml"
    rules.write_text(ALL_DAY, encoding="utf-8")
    desks = {}
    for person in ("li", "wang"):
        desks[person] = Workspace.open(Settings(data_dir=tmp_path / person, collector=person, scripts_dir=SCRIPTS, objections_dir=OBJECTIONS, compliance=str(rules)), team.login_url(person), "en")
    owner = make_url(team.url).username
    account = team.sql(owner, "SELECT max(id) FROM account WHERE collector_id = %s", (team.ids[TEAM_POOL],))[0][0]
    for _ in range(3):
        active = desks["li"].calls.begin_call(account)
        for trigger in ("dial", "right_party"):
            desks["li"].calls.store(active.call_id, active.call.choose(trigger))
        desks["li"].calls.store(active.call_id, active.call.end("refused", "not today", None))
    assert team.sql("wang", "SELECT count(*) FROM call WHERE account_id = %s", (account,)) == [(0,)]
    active = desks["wang"].calls.begin_call(account)
    now = datetime.now(UTC)
    assert "conversations_cap" in [block.rule for block in active.call.contact_rules.budget(now).blocks]
    desks["wang"].calls.store(active.call_id, active.call.end("no_answer", "", None))
    for desk_of in desks.values():
        desk_of.engine.dispose()


def test_a_choice_taken_back_is_stored_by_a_collectors_login(tmp_path, team):
    """The program's own undo fits the shape the database holds every event to."""
    wang = desk(tmp_path, team, "wang")
    active = wang.calls.begin_call(team.wang_account)
    active.call.contact_rules = None  # whatever the hour the suite runs at: the shape is what is tried
    wang.calls.store(active.call_id, active.call.choose("dial"))
    wang.calls.store(active.call_id, active.call.choose("right_party"))
    wang.calls.store(active.call_id, active.call.undo())
    wang.calls.store(active.call_id, active.call.choose("someone_else"))
    assert team.sql("wang", "SELECT kind FROM callevent WHERE call_id = %s ORDER BY seq DESC LIMIT 4", (active.call_id,)) == [("step_entered",), ("choice_made",), ("step_entered",), ("undone",)]
    wang.calls.store(active.call_id, active.call.end("callback", "ask for Li Wei", None))
    wang.engine.dispose()


def test_an_event_written_by_hand_does_not_stop_the_teams_figures(team):
    """An event in the program's shape but of no excuse, step or state the program knows."""
    with psycopg.connect(team.libpq("wang"), autocommit=True) as wang:
        _event(wang, team, "objection_raised", '{"excuse": "no_such_excuse", "state": "nowhere"}')
        _event(wang, team, "rebuttal_shown", '{"excuse": "no_such_excuse", "rung": 7, "rungs": 2, "principle": "none", "counters": ["x"], "text": "[b]hi[/b]"}')
    for login in ("boss", "wang", "tina"):
        for fmt in ("table", "json"):
            figures = runner.invoke(cli, ["--db", team.login_url(login), "report", "--format", fmt])
            assert figures.exit_code == 0, (login, figures.output)


def test_a_supervisors_checkpoints_catch_the_owners_rewrite(tmp_path, postgres):
    """The owner bypasses every policy: a checkpoint signed with a key on the supervisor's
    own machine still shows what the owner changed afterwards. (A team of its own: the
    shared one holds calls other tests forged by hand, which verify rightly calls broken.)"""
    team = make_team(postgres, tmp_path)
    key, checkpoints = tmp_path / "boss.pem", tmp_path / "boss-checkpoints.jsonl"
    boss = ["--db", team.login_url("boss"), "audit"]
    assert runner.invoke(cli, [*boss, "keygen", "--key", str(key)]).exit_code == 0
    refused = runner.invoke(cli, ["--db", team.login_url("wang"), "audit", "checkpoint", "--key", str(key), "--checkpoints", str(checkpoints)])
    assert refused.exit_code == 2 and "a supervisor's to sign" in refused.output
    signed = runner.invoke(cli, [*boss, "checkpoint", "--key", str(key), "--checkpoints", str(checkpoints)])
    assert signed.exit_code == 0 and "checkpoint 1:" in signed.stdout, signed.output
    check = [*boss, "verify", "--checkpoints", str(checkpoints), "--trust", f"{key}.pub"]
    clean = runner.invoke(cli, check)
    assert clean.exit_code == 0 and "0 findings" in clean.stderr, clean.output
    owner = make_url(team.url).username
    last = team.sql(owner, "SELECT max(seq) FROM callevent WHERE call_id = %s", (team.wang_ended,))[0][0]
    payload = team.sql(owner, "SELECT payload FROM callevent WHERE call_id = %s AND seq = %s", (team.wang_ended, last))[0][0]
    forged = payload.replace('"no_answer"', '"promise"')
    assert forged != payload
    at, prev = team.sql(owner, "SELECT at, prev_hash FROM callevent WHERE call_id = %s AND seq = %s", (team.wang_ended, last))[0]

    from callassist.store.events import event_hash

    digest = event_hash(team.wang_ended, last, "call_ended", at.astimezone(UTC).isoformat(), forged, prev)
    team.sql(owner, "UPDATE callevent SET payload = %s, hash = %s WHERE call_id = %s AND seq = %s", (forged, digest, team.wang_ended, last))
    team.sql(owner, "UPDATE call SET disposition = 'promise' WHERE id = %s", (team.wang_ended,))
    assert runner.invoke(cli, [*boss, "verify"]).exit_code == 0  # the chain alone cannot tell
    found = runner.invoke(cli, check)
    assert found.exit_code == 1 and f"CHANGED {team.wang_ended}: event {last}: not as it was at checkpoint 1" in found.stdout
    again = runner.invoke(cli, [*boss, "checkpoint", "--key", str(key), "--checkpoints", str(checkpoints)])
    assert again.exit_code == 1 and "nothing was signed" in again.stderr
    team.sql(owner, "UPDATE callevent SET payload = %s, hash = %s WHERE call_id = %s AND seq = %s", (payload, team.sql(owner, "SELECT hash FROM logentry WHERE call_id = %s AND seq = %s", (team.wang_ended, last))[0][0], team.wang_ended, last))
    team.sql(owner, "UPDATE call SET disposition = 'no_answer' WHERE id = %s", (team.wang_ended,))
    assert runner.invoke(cli, check).exit_code == 0


def test_a_call_dialled_through_the_phone_is_stored_by_a_collectors_login(tmp_path, team):
    """Every phone event and the recording fit the shape the database holds events to."""
    wang = desk(tmp_path, team, "wang")
    active = wang.calls.begin_call(team.wang_account)
    active.call.contact_rules = None  # whatever the hour the suite runs at: the shape is what is tried
    at = datetime.now(UTC)
    for reported in (Dialling("b-1", at, "+8613800000000"), Ringing("b-1", at), Answered("b-1", at), HungUp("b-1", at, by="them")):
        wang.calls.store(active.call_id, active.call.record_line(reported))
    wang.calls.store(active.call_id, active.call.attach_recording(Recording("recordings/c.wav", "ab" * 32, 61.5).as_payload()))
    for reported in (Busy("b-2", at, "486 Busy Here"), Failed("b-3", at, "no route"), NoAnswer("b-4", at, timedelta(seconds=30)), LineLost("b-5", at, "baresip closed the connection")):
        wang.calls.store(active.call_id, [reported.as_event()])
    wang.calls.store(active.call_id, active.call.end("refused", "hung up on hearing who called", None))
    kinds = [kind for (kind,) in team.sql("wang", "SELECT kind FROM callevent WHERE call_id = %s AND (kind LIKE 'phone%%' OR kind LIKE 'recording%%') ORDER BY seq", (active.call_id,))]
    assert kinds == ["phone_dialling", "phone_ringing", "phone_answered", "phone_hung_up", "recording_attached", "phone_busy", "phone_failed", "phone_no_answer", "phone_line_lost"]
    wang.engine.dispose()
