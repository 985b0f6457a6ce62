"""the team's database decides: policies that no login's own objects can bend; holds,
calls and purges only through the database's functions; each event's time, place in its
call and hash set by the database; a retention floor stored at set-up

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

On every database: a `storesetting` table holding the retention floor (the years of the
profile `db upgrade` ran under, see store/db.py), and triggers that give a stored event
its effect on the call's row (the step it is at, its end) and release the account's hold
when the call ends, so that no program writes those rows itself. SQLite rebuilds a table
to alter it (batch mode) and drops its triggers then: a later migration that alters
`callevent` must make them again.

On PostgreSQL, what 0008 left to each program's good faith moves into the database:
- The policies name every table by schema and call no helper function: PostgreSQL binds
  their tables when they are made, so a temporary table named `collector` changes nothing
  a policy sees. Logins may not make temporary objects at all (TEMP revoked from PUBLIC).
- Functions in the `callassist` schema, each with a fixed search_path and tables named by
  schema. Those that must write what no login may (holds, calls, purges, the effects of
  an event) are SECURITY DEFINER, owned by `callassist_keeper`, a role no one logs in as.
- `callassist.caller()` says who a session is: a team login by its group, or the owner
  (the tables' owner, a member of callassist_keeper, or a superuser), who runs the
  migrations and imports and may state times (a demo's past calls); a team login's times
  are the server's.
- Holds: no login writes `claim`; claim_account, claim_first and renew take, search and
  renew a hold for the caller's own collector, on accounts the caller may work, with a
  lease of 5 minutes from the server's clock (store/claims.py LEASE).
- Calls: no login inserts or updates `call`; start_call opens one under the caller's own
  name at the server's time, on an account the caller holds for it (or none, practice).
- Events: a trigger refuses an event that does not extend its call's chain (its seq must
  be the next) or follows the call's end, refuses a payload that is not JSON, sets the
  time (the server's, never earlier than the event before) and computes the hash chain
  exactly as store/events.py does. What speaks for a person must name the login: a call's
  card its collector, an override of the contact rules a supervisor. Reviews are signed
  by the session's login.
- Deletion: no login deletes calls, events or reviews; purge deletes, in the database,
  what is older than the floor, and logs itself in the same transaction.
"""

from alembic import context, op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

GROUPS = {"collector": "callassist_collector", "supervisor": "callassist_supervisor", "trainer": "callassist_trainer"}
KEEPER = "callassist_keeper"
LEASE = "interval '5 minutes'"
TEAM_POOL = "'@team'"
DEFAULT_RETENTION_YEARS = 5  # the cn profile's, when db upgrade names none
LOCKED = "SET search_path = pg_catalog, pg_temp"

_READ_BY_ALL = ["alembic_version", "collector", "storesetting", "call", "callevent", "review"]
_LEDGER = ["account", "debtor", "contact", "invoice", "promise", "instalment", "payment", "claim"]
# What a collector's program changes on an account: its standing, what a call or a
# payment leaves on it; never whose it is, whom it is for or its currency.
_ACCOUNT_WORK = "balance, oldest_due, priority, priority_on, closed, last_contact_at, last_outcome, broken_promises, last_broken_on, calls_month, calls_in_month, callback_at, next_promise_due, next_promise_amount"
TEAM_TABLES = {
    "collector": [
        ("SELECT", _READ_BY_ALL + _LEDGER),
        ("INSERT", ["callevent", "promise", "instalment", "payment"]),
        (f"UPDATE ({_ACCOUNT_WORK})", ["account"]),
        ("UPDATE (stop)", ["contact"]),
        ("UPDATE (status, decided_on)", ["promise"]),
        ("UPDATE (paid, status)", ["instalment"]),
    ],
    "supervisor": [
        ("SELECT", _READ_BY_ALL + _LEDGER + ["purgelog"]),
        ("INSERT", ["callevent", "promise", "instalment", "payment", "review", "collector", "debtor", "contact", "account", "invoice"]),
        ("UPDATE", ["account", "contact", "debtor", "invoice"]),
        ("UPDATE (status, decided_on)", ["promise"]),
        ("UPDATE (paid, status)", ["instalment"]),
    ],
    # Practice calls of their own; the ledger's tables are read only for the joins of
    # the calls browser, where the policies leave a trainer no rows.
    "trainer": [
        ("SELECT", _READ_BY_ALL + ["account", "debtor"]),
        ("INSERT", ["callevent"]),
    ],
}
# What the keeper's functions touch, and only that.
KEEPER_TABLES = [
    ("SELECT, INSERT, UPDATE, DELETE", ["claim"]),
    ("SELECT, INSERT, DELETE", ["call"]),
    ("UPDATE (state, ended_at, disposition)", ["call"]),
    ("SELECT, DELETE", ["callevent", "review"]),
    ("SELECT", ["account", "contact", "collector", "storesetting", "promise"]),
    ("UPDATE (call_id)", ["promise"]),
    ("UPDATE (closed)", ["account"]),  # to lock the account being claimed (FOR UPDATE)
    ("SELECT, INSERT", ["purgelog"]),
]
_KEEPER_POLICY_TABLES = ["claim", "call", "callevent", "review", "promise", "account", "contact"]


def _policies(s: str) -> dict[str, str]:
    """Each table's rows, by whom they belong to. Tables are named by schema and bound when
    the policy is made; `current_user` is the login (or the keeper, inside its functions)."""
    me = f"(SELECT id FROM {s}.collector WHERE name = current_user)"
    supervising = "pg_has_role(current_user, 'callassist_supervisor', 'USAGE')"
    team_queue = f"(collector_id = (SELECT id FROM {s}.collector WHERE name = {TEAM_POOL}) AND pg_has_role(current_user, 'callassist_collector', 'USAGE'))"
    return {
        "account": f"{supervising} OR collector_id = {me} OR {team_queue}",
        "debtor": f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.debtor_id = debtor.id)",
        "contact": f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.debtor_id = contact.debtor_id)",
        "invoice": f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = invoice.account_id)",
        "promise": f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = promise.account_id)",
        "payment": f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = payment.account_id)",
        "instalment": f"EXISTS (SELECT 1 FROM {s}.promise p WHERE p.id = instalment.promise_id)",
        "call": f"{supervising} OR collector_id = {me}",
        "callevent": f"EXISTS (SELECT 1 FROM {s}.call c WHERE c.id = callevent.call_id)",
        "review": f"EXISTS (SELECT 1 FROM {s}.call c WHERE c.id = review.call_id)",
    }


def _functions(s: str) -> list[str]:
    """The schema callassist's functions, in the order they are made."""
    team_member = "who IS NULL OR who <> 'owner'"
    must_be_in_team = f"""
        IF who IS NULL THEN RAISE EXCEPTION '% is not in this database''s team', session_user USING ERRCODE = '42501'; END IF;
        me := (SELECT c.id FROM {s}.collector c WHERE c.name = session_user);
        IF me IS NULL THEN RAISE EXCEPTION '% is not in this database''s team', session_user USING ERRCODE = '42501'; END IF;"""
    own_name = """
        IF collector IS DISTINCT FROM me THEN RAISE EXCEPTION '% works under their own name only', session_user USING ERRCODE = '42501'; END IF;"""
    no_trainer = """
        IF who = 'trainer' THEN RAISE EXCEPTION 'a trainer works with scripts and practice calls, not with accounts' USING ERRCODE = '42501'; END IF;"""
    take = f"""
        ON CONFLICT (account_id) DO UPDATE SET collector_id = excluded.collector_id, call_id = excluded.call_id,
            claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
        WHERE held.expires_at <= excluded.claimed_at OR (held.call_id = excluded.call_id AND held.collector_id = excluded.collector_id)
        RETURNING held.account_id INTO taken;"""
    may_work = f"(who IN ('owner', 'supervisor') OR a.collector_id = me OR a.collector_id = (SELECT p.id FROM {s}.collector p WHERE p.name = {TEAM_POOL}))"
    iso = ("to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
           " || CASE WHEN extract(microseconds FROM NEW.at)::bigint % 1000000 = 0 THEN '' ELSE to_char(NEW.at AT TIME ZONE 'UTC', '.US') END || '+00:00'")
    return [
        # Who the session is. The owner first by superuser, last by keeper membership, so
        # that an owner put in a group by hand is treated as that group (the lesser).
        # PL/pgSQL, not SQL: its plan is kept for the session, and a trigger asks per event.
        f"""CREATE FUNCTION callassist.caller() RETURNS text LANGUAGE plpgsql STABLE {LOCKED} AS $$
        BEGIN
            RETURN (SELECT CASE
                WHEN r.rolsuper THEN 'owner'
                WHEN pg_has_role(r.oid, 'callassist_trainer', 'USAGE') THEN 'trainer'
                WHEN pg_has_role(r.oid, 'callassist_collector', 'USAGE') THEN 'collector'
                WHEN pg_has_role(r.oid, 'callassist_supervisor', 'USAGE') THEN 'supervisor'
                WHEN pg_has_role(r.oid, '{KEEPER}', 'USAGE') THEN 'owner'
            END FROM pg_roles r WHERE r.rolname = session_user);
        END $$""",
        f"""CREATE FUNCTION callassist.claim_account(account integer, collector integer, call text, stated timestamptz) RETURNS boolean
        LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        DECLARE who text := callassist.caller(); me integer; moment timestamptz := stated; taken integer;
        BEGIN
            IF {team_member} THEN {must_be_in_team} {own_name} {no_trainer}
                moment := clock_timestamp();
                IF NOT EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = account AND {may_work}) THEN
                    RAISE EXCEPTION 'no account % that % may work', account, session_user USING ERRCODE = '42501';
                END IF;
            END IF;
            INSERT INTO {s}.claim AS held (account_id, collector_id, call_id, claimed_at, expires_at)
            VALUES (account, collector, call, moment, moment + {LEASE}) {take}
            RETURN taken IS NOT NULL;
        END $$""",
        f"""CREATE FUNCTION callassist.claim_first(listed integer[], collector integer, call text, listed_at timestamptz) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        DECLARE who text := callassist.caller(); me integer; moment timestamptz := listed_at; taken integer;
        BEGIN
            IF {team_member} THEN {must_be_in_team} {own_name} {no_trainer}
                moment := clock_timestamp();
            END IF;
            INSERT INTO {s}.claim AS held (account_id, collector_id, call_id, claimed_at, expires_at)
            SELECT free.id, collector, call, moment, moment + {LEASE} FROM (
                SELECT a.id FROM {s}.account a
                WHERE a.id = ANY(listed) AND {may_work} AND NOT a.closed AND (a.last_contact_at IS NULL OR a.last_contact_at < listed_at)
                  AND NOT EXISTS (SELECT 1 FROM {s}.contact c WHERE c.id = a.contact_id AND c.stop IS NOT NULL)
                  AND NOT EXISTS (SELECT 1 FROM {s}.claim h WHERE h.account_id = a.id AND h.expires_at > moment AND h.call_id <> call)
                ORDER BY array_position(listed, a.id) LIMIT 1 FOR UPDATE OF a SKIP LOCKED
            ) AS free {take}
            RETURN taken;
        END $$""",
        f"""CREATE FUNCTION callassist.renew(call text, stated timestamptz) RETURNS boolean
        LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        DECLARE who text := callassist.caller(); me integer; moment timestamptz := stated;
        BEGIN
            IF {team_member} THEN {must_be_in_team}
                moment := clock_timestamp();
            END IF;
            UPDATE {s}.claim SET expires_at = moment + {LEASE} WHERE call_id = call AND (who = 'owner' OR collector_id = me);
            RETURN FOUND;
        END $$""",
        f"""CREATE FUNCTION callassist.start_call(call text, account integer, collector integer, script text, script_hash text, locale text, state text, practice boolean, persona text, stated timestamptz) RETURNS timestamptz
        LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        DECLARE who text := callassist.caller(); me integer; started timestamptz := stated;
        BEGIN
            IF {team_member} THEN {must_be_in_team} {own_name}
                started := clock_timestamp();
                IF practice THEN
                    IF account IS NOT NULL THEN RAISE EXCEPTION 'a practice call works no account' USING ERRCODE = '42501'; END IF;
                ELSIF NOT EXISTS (SELECT 1 FROM {s}.claim h WHERE h.account_id = account AND h.call_id = call AND h.collector_id = me AND h.expires_at > started) THEN
                    RAISE EXCEPTION 'call %: its account is not held for it (a call starts on an account its collector holds)', call USING ERRCODE = '42501';
                END IF;
            END IF;
            INSERT INTO {s}.call (id, account_id, collector_id, script, script_hash, locale, started_at, state, practice, persona)
            VALUES (call, account, collector, script, script_hash, locale, started, state, practice, persona);
            RETURN started;
        END $$""",
        f"""CREATE FUNCTION callassist.purge(before date, profile text, years integer, stated_today date, stated_by text)
        RETURNS TABLE (log_id integer, calls integer, events integer, reviews integer)
        LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        DECLARE who text := callassist.caller(); today date := stated_today; by_whom text := stated_by; kept integer; latest date; cutoff timestamptz; doomed text[];
        BEGIN
            IF who IS NULL OR who NOT IN ('owner', 'supervisor') THEN
                RAISE EXCEPTION 'only a supervisor may purge records; % is not one', session_user USING ERRCODE = '42501';
            END IF;
            IF who <> 'owner' THEN
                today := (clock_timestamp() AT TIME ZONE 'UTC')::date;
                by_whom := session_user;
            END IF;
            kept := greatest(years, (SELECT s.value::integer FROM {s}.storesetting s WHERE s.name = 'retention_years'));
            latest := (today - make_interval(years => kept))::date;
            IF before IS NULL OR before > latest THEN
                RAISE EXCEPTION 'call records are kept at least % years here: --before may be % at the latest', kept, latest USING ERRCODE = '42501';
            END IF;
            cutoff := before::timestamp AT TIME ZONE 'UTC';
            doomed := ARRAY(SELECT c.id FROM {s}.call c WHERE c.started_at < cutoff);
            UPDATE {s}.promise p SET call_id = NULL WHERE p.call_id = ANY(doomed);
            DELETE FROM {s}.review r WHERE r.call_id = ANY(doomed);
            GET DIAGNOSTICS reviews = ROW_COUNT;
            DELETE FROM {s}.callevent e WHERE e.call_id = ANY(doomed);
            GET DIAGNOSTICS events = ROW_COUNT;
            DELETE FROM {s}.call c WHERE c.id = ANY(doomed);
            GET DIAGNOSTICS calls = ROW_COUNT;
            INSERT INTO {s}.purgelog (purged_at, "by", role, profile, "before", calls, events, reviews)
            VALUES (clock_timestamp(), by_whom, CASE WHEN who = 'owner' THEN 'owner' ELSE 'supervisor' END, profile, before, calls, events, reviews)
            RETURNING id INTO log_id;
            RETURN NEXT;
        END $$""",
        # Each event as it is stored: the next of its call's chain, not after its end,
        # JSON, at the server's time for a team login, with its hash (store/events.py).
        # What speaks for a person says the login's own name: the card that opens a call,
        # a supervisor's override of the contact rules.
        f"""CREATE FUNCTION callassist.chain_event() RETURNS trigger LANGUAGE plpgsql {LOCKED} AS $$
        DECLARE who text := callassist.caller(); said json; last_seq integer; last_kind text; last_at timestamptz; last_hash text;
        BEGIN
            SELECT e.seq, e.kind, e.at, e.hash INTO last_seq, last_kind, last_at, last_hash
            FROM {s}.callevent e WHERE e.call_id = NEW.call_id ORDER BY e.seq DESC LIMIT 1;
            IF NOT FOUND THEN last_seq := 0; last_hash := repeat('0', 64); END IF;
            IF last_kind = 'practice_scored' OR (last_kind = 'call_ended'
                    AND NOT (NEW.kind = 'practice_scored' AND EXISTS (SELECT 1 FROM {s}.call c WHERE c.id = NEW.call_id AND c.practice))) THEN
                RAISE EXCEPTION 'call % has ended: it takes no more events', NEW.call_id USING ERRCODE = '55000';
            END IF;
            IF NEW.seq IS DISTINCT FROM last_seq + 1 THEN
                RAISE EXCEPTION 'call %: event % does not extend its chain, which ends at event %', NEW.call_id, NEW.seq, last_seq USING ERRCODE = '23505';
            END IF;
            said := NEW.payload::json;
            IF who IS DISTINCT FROM 'owner' THEN
                NEW.at := greatest(clock_timestamp(), last_at);
                IF NEW.kind = 'call_started' AND (said ->> 'collector') IS DISTINCT FROM session_user THEN
                    RAISE EXCEPTION 'a call''s card names its own collector, %', session_user USING ERRCODE = '42501';
                END IF;
                IF NEW.kind = 'compliance_override' AND (who <> 'supervisor' OR (said ->> 'by') IS DISTINCT FROM session_user OR (said ->> 'role') IS DISTINCT FROM 'supervisor') THEN
                    RAISE EXCEPTION 'only a supervisor overrides the contact rules, in their own name' USING ERRCODE = '42501';
                END IF;
            ELSIF NEW.at IS NULL THEN
                NEW.at := greatest(clock_timestamp(), last_at);
            END IF;
            NEW.prev_hash := last_hash;
            NEW.hash := encode(sha256(convert_to(concat_ws(E'\\x1f', NEW.call_id, NEW.seq::text, NEW.kind, {iso}, NEW.payload, NEW.prev_hash) || E'\\x1f', 'UTF8')), 'hex');
            RETURN NEW;
        END $$""",
        f"""CREATE FUNCTION callassist.event_effects() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        BEGIN
            IF NEW.kind = 'step_entered' THEN
                UPDATE {s}.call SET state = NEW.payload::json ->> 'state' WHERE id = NEW.call_id;
            ELSE
                UPDATE {s}.call SET ended_at = NEW.at, disposition = NEW.payload::json ->> 'disposition' WHERE id = NEW.call_id;
                DELETE FROM {s}.claim WHERE call_id = NEW.call_id;
            END IF;
            RETURN NULL;
        END $$""",
        f"""CREATE FUNCTION callassist.sign_review() RETURNS trigger LANGUAGE plpgsql {LOCKED} AS $$
        BEGIN
            IF callassist.caller() IS DISTINCT FROM 'owner' THEN
                NEW.reviewer := session_user;
                NEW.created_at := clock_timestamp();
            END IF;
            RETURN NEW;
        END $$""",
    ]


# Which functions run with the keeper's rights, and who may call each.
DEFINERS = ["claim_account(integer, integer, text, timestamptz)", "claim_first(integer[], integer, text, timestamptz)", "renew(text, timestamptz)",
            "start_call(text, integer, integer, text, text, text, text, boolean, text, timestamptz)", "purge(date, text, integer, date, text)", "event_effects()"]
EXECUTE = {
    "claim_account(integer, integer, text, timestamptz)": ["collector", "supervisor"],
    "claim_first(integer[], integer, text, timestamptz)": ["collector", "supervisor"],
    "renew(text, timestamptz)": ["collector", "supervisor"],
    "start_call(text, integer, integer, text, text, text, text, boolean, text, timestamptz)": ["collector", "supervisor", "trainer"],
    "purge(date, text, integer, date, text)": ["supervisor"],
}
# SQLite: the same effects of an event on its call's row and hold.
SQLITE_TRIGGERS = {
    "event_effects_step": "AFTER INSERT ON callevent WHEN NEW.kind = 'step_entered' BEGIN UPDATE call SET state = json_extract(NEW.payload, '$.state') WHERE id = NEW.call_id; END",
    "event_effects_end": ("AFTER INSERT ON callevent WHEN NEW.kind = 'call_ended' BEGIN"
                          " UPDATE call SET ended_at = NEW.at, disposition = json_extract(NEW.payload, '$.disposition') WHERE id = NEW.call_id;"
                          " DELETE FROM claim WHERE call_id = NEW.call_id; END"),
}


def upgrade() -> None:
    op.create_table('storesetting',
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('value', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    years = context.config.attributes.get("retention_years") or DEFAULT_RETENTION_YEARS
    op.execute(sa.text("INSERT INTO storesetting (name, value) VALUES ('retention_years', :years)").bindparams(years=str(years)))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        return
    s = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    database = bind.execute(sa.text("SELECT current_database()")).scalar_one()
    # No login makes objects that could stand in for the schema's: no temporary tables,
    # nothing new in the tables' schema.
    op.execute(f'REVOKE TEMPORARY ON DATABASE "{database}" FROM PUBLIC')
    op.execute(f'REVOKE CREATE ON SCHEMA "{s}" FROM PUBLIC')
    if bind.execute(sa.text("SELECT has_database_privilege('public', current_database(), 'TEMP')")).scalar_one():
        raise RuntimeError(f"every login may still make temporary tables in {database}: run callassist db upgrade as the database's owner (or REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC as one)")
    op.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{KEEPER}') THEN CREATE ROLE {KEEPER} NOLOGIN; END IF; END $$")
    op.execute(f"DO $$ BEGIN IF NOT pg_has_role(current_user, '{KEEPER}', 'MEMBER') THEN EXECUTE 'GRANT {KEEPER} TO ' || quote_ident(current_user); END IF; END $$")
    op.execute("CREATE SCHEMA callassist")
    op.execute("GRANT USAGE ON SCHEMA callassist TO PUBLIC")  # what is in it, each function says
    op.execute(f"GRANT CREATE ON SCHEMA callassist TO {KEEPER}")  # to own its functions
    # 0008's policies called helpers whose tables were found at run time; gone.
    for table in _policies(s):
        op.execute(f"DROP POLICY team_rows ON {s}.{table}")
    for policy in ("team_reads", "team_takes", "team_renews", "team_releases"):
        op.execute(f"DROP POLICY {policy} ON {s}.claim")
    op.execute("DROP FUNCTION callassist_may_read_call(integer)")
    op.execute("DROP FUNCTION callassist_may_read(integer)")
    for table, condition in _policies(s).items():
        op.execute(f"CREATE POLICY team_rows ON {s}.{table} USING ({condition})")
    op.execute(f"CREATE POLICY team_reads ON {s}.claim FOR SELECT USING (EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = claim.account_id))")
    for table in _KEEPER_POLICY_TABLES:
        op.execute(f"CREATE POLICY keeper ON {s}.{table} TO {KEEPER} USING (true) WITH CHECK (true)")
    for statement in _functions(s):
        op.execute(statement)
    op.execute("REVOKE ALL ON ALL FUNCTIONS IN SCHEMA callassist FROM PUBLIC")
    for signature in DEFINERS:
        op.execute(f"ALTER FUNCTION callassist.{signature} OWNER TO {KEEPER}")
    op.execute("GRANT EXECUTE ON FUNCTION callassist.caller() TO PUBLIC")  # who one is, to anyone
    for signature, groups in EXECUTE.items():
        op.execute(f"GRANT EXECUTE ON FUNCTION callassist.{signature} TO {', '.join(GROUPS[group] for group in groups)}")
    op.execute(f"CREATE TRIGGER event_chain BEFORE INSERT ON {s}.callevent FOR EACH ROW EXECUTE FUNCTION callassist.chain_event()")
    op.execute(f"CREATE TRIGGER event_effects AFTER INSERT ON {s}.callevent FOR EACH ROW WHEN (NEW.kind IN ('step_entered', 'call_ended')) EXECUTE FUNCTION callassist.event_effects()")
    op.execute(f"CREATE TRIGGER sign_review BEFORE INSERT ON {s}.review FOR EACH ROW EXECUTE FUNCTION callassist.sign_review()")
    # Privileges from nothing: what 0008 granted goes, and each group gets what it needs.
    tables = sorted({table for grants in TEAM_TABLES.values() for _, names in grants for table in names} | {"purgelog"})
    for group in GROUPS.values():
        op.execute(f"REVOKE ALL ON {', '.join(f'{s}.{table}' for table in tables)} FROM {group}")
    for group, grants in TEAM_TABLES.items():
        for privileges, names in grants:
            op.execute(f"GRANT {privileges} ON {', '.join(f'{s}.{table}' for table in names)} TO {GROUPS[group]}")
    for privileges, names in KEEPER_TABLES:
        op.execute(f"GRANT {privileges} ON {', '.join(f'{s}.{table}' for table in names)} TO {KEEPER}")
    op.execute(f"GRANT USAGE ON SEQUENCE {s}.purgelog_id_seq TO {KEEPER}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.drop_table('storesetting')
        return
    s = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    for trigger, table in (("event_chain", "callevent"), ("event_effects", "callevent"), ("sign_review", "review")):
        op.execute(f"DROP TRIGGER {trigger} ON {s}.{table}")
    op.execute("DROP SCHEMA callassist CASCADE")
    for table in _policies(s):
        op.execute(f"DROP POLICY team_rows ON {s}.{table}")
    op.execute(f"DROP POLICY team_reads ON {s}.claim")
    for table in _KEEPER_POLICY_TABLES:
        op.execute(f"DROP POLICY keeper ON {s}.{table}")
    for privileges, names in KEEPER_TABLES:
        op.execute(f"REVOKE {privileges} ON {', '.join(f'{s}.{table}' for table in names)} FROM {KEEPER}")
    op.execute(f"REVOKE USAGE ON SEQUENCE {s}.purgelog_id_seq FROM {KEEPER}")
    for group, grants in TEAM_TABLES.items():
        for privileges, names in grants:
            op.execute(f"REVOKE {privileges} ON {', '.join(f'{s}.{table}' for table in names)} FROM {GROUPS[group]}")
    op.drop_table('storesetting')
    # 0008's policies, helpers and grants, made as 0008 makes them.
    context.script.get_revision("0008").module.upgrade()
