"""the team's database decides: policies that no login's own objects can bend; holds,
calls and purges only through the database's functions; each event's time, place in its
call and hash set by the database; a retention floor stored at set-up

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

On every database: a `storesetting` table holding the retention floor (the years of the
profile `db upgrade` ran under, see store/db.py), and triggers that give a stored event
its effect on the call's row (the step it is at, its end), release the account's hold
when the call ends and record the contact's stop it asked for, so that no program writes
those rows itself; and one that carries a contact's stop to the contact its account
moves to. SQLite rebuilds a table
to alter it (batch mode) and drops its triggers then: a later migration that alters
`callevent` must make them again.

On PostgreSQL, what 0008 left to each program's good faith moves into the database:
- Roles of this database's own. PostgreSQL's roles belong to the whole server, and 0008's
  three groups were shared by every team on it: a member of one team's group was one of
  every team's. Now each database has its groups and its keeper
  (`callassist_<database>_collector`, ..., named in `storesetting`); the members of 0008's
  groups who are in this team's collector table move to them; only they (and the owner)
  may connect to the database.
- The policies name every table by schema and call no helper function: PostgreSQL binds
  their tables when they are made, so a temporary table named `collector` changes nothing
  a policy sees. Logins may not make temporary objects at all (TEMP revoked from PUBLIC).
- Functions in the `callassist` schema, each with a fixed search_path and tables named by
  schema. Those that must read or write what no login may (holds, calls, purges, the
  effects of an event, the debtor's earlier calls that the contact rules count) are
  SECURITY DEFINER, owned by the keeper, a role no one logs in as.
- `callassist.caller()` says who a session is: a team login by its group, or the owner
  (the tables' owner, a member of the keeper, or a superuser), who runs the migrations
  and imports and may state times (a demo's past calls); a team login's times are the
  server's.
- Holds: no login writes `claim`; claim_account, claim_first and renew take, search and
  renew a hold for the caller's own collector, on accounts the caller may work, with a
  lease of 5 minutes from the server's clock (store/claims.py LEASE). A team login's hold
  must be for an open call of theirs on that account, at the end of the transaction that
  takes or renews it; they hold at most MAX_HOLDS accounts at once.
- Calls: no login inserts or updates `call`; start_call opens one under the caller's own
  name at the server's time, on an account the caller holds for it and whose contact's
  number has not asked to stop, under any contact (or none, practice); it commits with its
  first event. A stopped contact's number never changes.
  Events, promises and their instalments are added to one's own calls only; a contact's
  stop is written by the end of the call that records it, never by a login, and never
  lifted. Rows are added with the ids their sequences give.
- Events: a trigger refuses an event that does not extend its call's chain (its seq must
  be the next) or follows the call's end, refuses a payload that is not a JSON object, sets the
  time (the server's, never earlier than the event before) and computes the hash chain
  exactly as store/events.py does. A team login's event must have the shape the program
  writes (EVENT_SHAPES, EVENT_LIMITS).
- Ids: the rows a call or a review adds take 64-bit identities, whose sequences no login
  may draw from. The ledger's dates and amounts stay within what the program reads
  (LEDGER_BOUNDS). What speaks for a person must name the login: a call's
  card its collector, an override of the contact rules a supervisor. Reviews are signed
  by the session's login.
- Deletion: no login deletes calls, events or reviews; purge deletes, in the database,
  what is older than the floor, and logs itself in the same transaction.
"""

import re

import sqlalchemy as sa
from alembic import context, op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# 0008's groups, shared by every database on the server.
SHARED_GROUPS = {"collector": "callassist_collector", "supervisor": "callassist_supervisor", "trainer": "callassist_trainer"}
ROLES = ("collector", "supervisor", "trainer", "keeper")
LEASE = "interval '5 minutes'"
TEAM_POOL = "'@team'"
DEFAULT_RETENTION_YEARS = 5  # the cn profile's, when db upgrade names none
LOCKED = "SET search_path = pg_catalog, pg_temp"
# A login's name as the collector table's index can find it (a name's own collation is C).
LOGIN = '{user}::text COLLATE "default"'
ENTERED = "entered-"  # workspace.record_payment: the id of a payment typed in at the desk
VERIFIED = "right_party_verified"  # core/conditions.py: the fact that makes a call a conversation
MAX_HOLDS = 3  # accounts a team login holds at once: a call on screen, one or two a crash left
DIGITS = "regexp_replace({phone}, '[^0-9]', '', 'g')"  # a phone number as its digits alone

# Each kind of event as core/call.py and core/practice.py write it: the fields every
# reader of the log relies on, by type. "?" lets a field be absent or null; "[part]" is a
# list of objects of that part's shape, "{part}" one such object. An event a team login
# writes by hand must fit, so no hand-made row stops a report, a replay or another
# collector's contact rules. COMMON fields may come with any kind.
EVENT_SHAPES = {
    "call_started": {
        "script": "text",
        "locale": "text",
        "collector": "text",
        "phone": "text?",
        "debtor": "text?",
        "contact": "text?",
        "balance": "amount?",
        "currency": "currency?",
        "account_id": "integer?",
        "practice": "boolean?",
        "persona": "text?",
        "debtor_local_time": "moment?",
        "contact_rules": "{rules}?",
    },
    "step_entered": {"state": "text", "label": "text", "text": "text", "discloses_debt": "boolean?", "choices": "[choice]?"},
    "choice_made": {"trigger": "text", "from": "text", "to": "text", "label": "text", "sets": "texts", "disposition": "disposition?"},
    "objection_raised": {"excuse": "text", "state": "text"},
    "rebuttal_shown": {"excuse": "text", "rung": "integer", "rungs": "integer", "principle": "text", "counters": "texts", "text": "text", "commitment": "text?", "found_with": "text?"},
    "promise_captured": {"currency": "currency", "total": "amount", "method": "text", "channel": "text", "instalments": "[instalment]", "readback": "text?"},
    "compliance_override": {"rules": "texts", "reason": "text", "by": "text", "role": "text", "state": "text"},
    "note_added": {"text": "text", "state": "text"},
    "call_resumed": {"state": "text", "after_seq": "integer"},
    "call_ended": {"disposition": "disposition", "note": "text?", "state": "text", "next_contact": "date?", "callback_at": "moment?", "contact_stop": "stop?"},
    "practice_scored": {"persona": "text", "passed": "integer", "items": "integer", "score": "integer", "results": "[result]"},
}
COMMON = {"redacted": "texts?", "kept_offline_at": "moment?"}
PARTS = {
    "choice": {"key": "text", "label": "text", "trigger": "text", "dest": "text"},
    "instalment": {"due": "date", "amount": "amount"},
    "result": {"item": "text", "passed": "boolean", "detail": "text"},
    "rules": {"profile": "text?", "local_time": "moment?", "zone_known": "boolean?", "conversations_today": "integer?", "unanswered_today": "integer?", "attempts_this_week": "integer?", "last_conversation_days": "integer?", "blocks": "texts?"},
}
EVENT_LIMITS = {"bytes": 65536, "depth": 4, "number": "1e15"}  # a payload's size, its nesting, its numbers' size
STOPS = ("do_not_call", "cease_contact")  # core/compliance.py
# What a login may write in the ledger's dates, times and amounts: within what the program
# reads (no infinity, no year past 9999 or near it, no NaN), for every login and the owner.
_DAYS = "BETWEEN '1900-01-01' AND '2199-12-31'"
_MONEY = "BETWEEN -1e14 AND 1e14"
LEDGER_BOUNDS = {
    "account": {"balance": _MONEY, "next_promise_amount": _MONEY, "priority": "BETWEEN -1e9 AND 1e9", "oldest_due": _DAYS, "priority_on": _DAYS, "last_contact_at": _DAYS, "callback_at": _DAYS, "next_promise_due": _DAYS, "last_broken_on": _DAYS},
    "promise": {"total": _MONEY, "created_at": _DAYS, "decided_on": _DAYS},
    "instalment": {"amount": _MONEY, "paid": _MONEY, "due_on": _DAYS},
    "payment": {"amount": _MONEY, "unmatched": _MONEY, "paid_on": _DAYS, "created_at": _DAYS},
}
DISPOSITIONS = ("promise", "callback", "dispute", "no_answer", "wrong_party", "refused", "escalated", "abusive")  # core/flow.py
_DATE = r"\d{{4}}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_TIME = r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{{1,6}})?([+-]([01]\d|2[0-3]):[0-5]\d|Z)"
_TYPE_TESTS = {
    "text": "jsonb_typeof({v}) = 'string'",
    "boolean": "jsonb_typeof({v}) = 'boolean'",
    "integer": "jsonb_typeof({v}) = 'number' AND ({v})::numeric = trunc(({v})::numeric)",
    "texts": """jsonb_typeof({v}) = 'array' AND NOT jsonb_path_exists({v}, 'strict $[*] ? (@.type() != "string")')""",
    "amount": r"jsonb_typeof({v}) = 'string' AND {v} #>> '{{}}' ~ '^-?\d{{1,15}}(\.\d{{1,6}})?$'",
    "currency": r"jsonb_typeof({v}) = 'string' AND {v} #>> '{{}}' ~ '^[A-Z]{{3}}$'",
    "date": rf"jsonb_typeof({{v}}) = 'string' AND {{v}} #>> '{{{{}}}}' ~ '^{_DATE}$' AND callassist.parses({{v}} #>> '{{{{}}}}', 'date')",
    "moment": rf"jsonb_typeof({{v}}) = 'string' AND {{v}} #>> '{{{{}}}}' ~ '^{_DATE}T{_TIME}$' AND callassist.parses({{v}} #>> '{{{{}}}}', 'timestamptz')",
    "stop": f"jsonb_typeof({{v}}) = 'string' AND {{v}} #>> '{{{{}}}}' IN ({', '.join(repr(stop) for stop in STOPS)})",
    # Used from 0018 on (the phone's events): a length of time, who hung up, a SHA-256.
    "seconds": "jsonb_typeof({v}) = 'number' AND ({v})::numeric >= 0",
    "side": "jsonb_typeof({v}) = 'string' AND {v} #>> '{{}}' IN ('us', 'them')",
    "sha256": "jsonb_typeof({v}) = 'string' AND {v} #>> '{{}}' ~ '^[0-9a-f]{{64}}$'",
}


def _one_of(names: tuple[str, ...]) -> str:
    return f"jsonb_typeof({{v}}) = 'string' AND {{v}} #>> '{{{{}}}}' IN ({', '.join(repr(name) for name in names)})"


_TYPE_TESTS["disposition"] = _one_of(DISPOSITIONS)
_TYPE_NAMES = {
    "text": "text",
    "boolean": "true or false",
    "integer": "a whole number",
    "texts": "a list of texts",
    "amount": "an amount such as 1200.50",
    "currency": "a currency code such as CNY",
    "date": "a date such as 2026-12-03",
    "moment": "a time with its offset such as 2026-12-03T09:30:00+08:00",
    "stop": " or ".join(STOPS),
    "disposition": "one of " + ", ".join(DISPOSITIONS),
    "seconds": "a number of seconds, 0 or more",
    "side": "us or them",
    "sha256": "a SHA-256 in 64 lowercase hex digits",
}


def _field_test(name: str, kind: str, dispositions: tuple[str, ...] = DISPOSITIONS) -> str:
    """PL/pgSQL returning what is wrong with the field `name` of `said` as a `kind`
    (a disposition: one of `dispositions`)."""
    value = f"(said -> '{name}')"
    optional, kind = kind.endswith("?"), kind.rstrip("?")
    if kind.startswith("["):
        test = f"""IF jsonb_typeof({value}) IS DISTINCT FROM 'array' THEN RETURN '{name} must be a list'; END IF;
                FOR item IN SELECT * FROM jsonb_array_elements({value}) LOOP
                    problem := callassist.shape_problem('{kind.strip("[]")}', item);
                    IF problem IS NOT NULL THEN RETURN '{name}: ' || problem; END IF;
                END LOOP;"""
    elif kind.startswith("{"):
        test = f"""problem := callassist.shape_problem('{kind.strip("{}")}', {value});
                IF problem IS NOT NULL THEN RETURN '{name}: ' || problem; END IF;"""
    else:
        tests, names = _TYPE_TESTS, _TYPE_NAMES
        if kind == "disposition":
            tests, names = {kind: _one_of(dispositions)}, {kind: "one of " + ", ".join(dispositions)}
        test = f"IF NOT coalesce({tests[kind].format(v=value)}, false) THEN RETURN '{name} must be {names[kind]}'; END IF;"
    return f"IF coalesce(jsonb_typeof({value}), 'null') <> 'null' THEN {test} END IF;" if optional else test


def _shape_checks(events: dict = EVENT_SHAPES, parts: dict = PARTS, dispositions: tuple[str, ...] = DISPOSITIONS) -> str:
    """The branches of shape_problem: one for each kind of event (with COMMON) and each
    part (later revisions pass theirs)."""
    shapes = {kind: fields | COMMON for kind, fields in events.items()} | parts
    return "\n            ".join(f"WHEN '{shape}' THEN\n                " + "\n                ".join(_field_test(name, kind, dispositions) for name, kind in fields.items()) for shape, fields in shapes.items())


def shape_problem_function(checks: str, replace: bool = False) -> str:
    """callassist.shape_problem: what is wrong with a payload as a shape, or NULL."""
    return f"""CREATE {"OR REPLACE " if replace else ""}FUNCTION callassist.shape_problem(shape text, said jsonb) RETURNS text LANGUAGE plpgsql STABLE {LOCKED} AS $$
        DECLARE item jsonb; problem text;
        BEGIN
            IF jsonb_typeof(said) IS DISTINCT FROM 'object' THEN RETURN 'it is not a JSON object'; END IF;
            CASE shape
            {checks}
            ELSE RETURN 'it is no kind of event the program writes';
            END CASE;
            RETURN NULL;
        END $$"""


_READ_BY_ALL = ["alembic_version", "collector", "storesetting", "call", "callevent", "review"]
_LEDGER = ["account", "debtor", "contact", "invoice", "promise", "instalment", "payment", "claim"]
# What a collector's program changes on an account: its standing, what a call or a
# payment leaves on it; never whose it is, whom it is for, its currency or warning signs.
_ACCOUNT_WORK = "balance, oldest_due, priority, priority_on, closed, last_contact_at, last_outcome, broken_promises, last_broken_on, calls_month, calls_in_month, callback_at, next_promise_due, next_promise_amount"
# Rows a call or a payment adds, without their ids: those come from the sequences, so no
# login can take an id that another's next row will need.
_ADDED = {
    "callevent": "call_id, seq, kind, at, payload, prev_hash, hash",
    "promise": "account_id, call_id, currency, total, method, channel, status, created_at, decided_on",
    "instalment": "promise_id, seq, due_on, amount, paid, status",
    "payment": "external_id, account_id, paid_on, currency, amount, unmatched, method, reference, source, created_at",
    "review": "call_id, reviewer, score, comment, created_at",
}
TEAM_TABLES = {
    "collector": [
        ("SELECT", _READ_BY_ALL + _LEDGER),
        *((f"INSERT ({_ADDED[table]})", [table]) for table in ("callevent", "promise", "instalment", "payment")),
        (f"UPDATE ({_ACCOUNT_WORK})", ["account"]),
        ("UPDATE (status, decided_on)", ["promise"]),
        ("UPDATE (paid, status)", ["instalment"]),
    ],
    "supervisor": [
        ("SELECT", _READ_BY_ALL + _LEDGER + ["purgelog"]),
        *((f"INSERT ({_ADDED[table]})", [table]) for table in ("callevent", "promise", "instalment", "payment", "review")),
        # Imports take their ids beforehand (store/ledger.py) and never touch a stop.
        ("INSERT", ["collector", "debtor", "account", "invoice"]),
        ("INSERT (id, debtor_id, name, role, phone, is_primary)", ["contact"]),
        ("UPDATE", ["account", "debtor", "invoice"]),
        ("UPDATE (debtor_id, name, role, phone, is_primary)", ["contact"]),
        ("UPDATE (status, decided_on)", ["promise"]),
        ("UPDATE (paid, status)", ["instalment"]),
    ],
    # Practice calls of their own; the ledger's tables are read only for the joins of
    # the calls browser and the figures, where the policies leave a trainer no rows.
    "trainer": [
        ("SELECT", _READ_BY_ALL + ["account", "debtor", "promise", "instalment"]),
        (f"INSERT ({_ADDED['callevent']})", ["callevent"]),
    ],
}
# The rows a call or a review adds take their ids from an identity: PostgreSQL asks no
# right on its sequence then, so no login may draw ids (nextval) by the million until
# none is left for the team; and 64-bit ones, which no login's refused inserts (each
# takes an id) use up. A supervisor's imports take theirs beforehand.
IDENTITY_TABLES = ["callevent", "promise", "instalment", "payment", "review"]
SEQUENCES = {"supervisor": ["collector", "debtor", "contact", "account", "invoice"]}
# What the keeper's functions touch, and only that.
KEEPER_TABLES = [
    ("SELECT, INSERT, UPDATE, DELETE", ["claim"]),
    ("SELECT, INSERT, DELETE", ["call"]),
    ("UPDATE (state, ended_at, disposition)", ["call"]),
    ("SELECT, DELETE", ["callevent", "review"]),
    ("SELECT", ["account", "contact", "collector", "storesetting", "promise"]),
    ("UPDATE (display_name)", ["collector"]),  # to lock a collector's row while their holds are counted (FOR NO KEY UPDATE)
    ("UPDATE (call_id)", ["promise"]),
    ("UPDATE (stop)", ["contact"]),  # a call's end records it; a new number of the contact's keeps it
    ("UPDATE (closed)", ["account"]),  # to lock the account being claimed (FOR UPDATE)
    ("SELECT, INSERT", ["purgelog"]),
]
_KEEPER_POLICY_TABLES = ["claim", "call", "callevent", "review", "promise", "account", "contact"]


def role_names(bind) -> dict[str, str]:
    """This database's own roles: callassist_<database>_<role>, or callassist_<oid>_<role>
    when its name is not a plain short identifier (a plain name never starts with a digit,
    so no other database's roles have that name)."""
    database, oid = bind.execute(sa.text("SELECT datname, oid FROM pg_database WHERE datname = current_database()")).one()
    tag = database if re.fullmatch(r"[a-z_][a-z0-9_]{0,30}", database) else str(oid)
    return {role: f"callassist_{tag}_{role}" for role in ROLES}


def _policies(s: str, r: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Each table's rows, by whom they belong to, as (which rows a login reads and changes,
    which rows it may add when that is narrower: an event, a promise, an instalment only
    to one's own call). Tables are named by schema and bound when
    the policy is made; `current_user` is the login (or the keeper, inside its functions)."""
    me = f"(SELECT id FROM {s}.collector WHERE name = {LOGIN.format(user='current_user')})"
    supervising = f"pg_has_role(current_user, '{r['supervisor']}', 'USAGE')"
    team_queue = f"(collector_id = (SELECT id FROM {s}.collector WHERE name = {TEAM_POOL}) AND pg_has_role(current_user, '{r['collector']}', 'USAGE'))"
    own_call = f"SELECT 1 FROM {s}.call c WHERE c.collector_id = {me} AND c.id = "
    return {
        "account": (f"{supervising} OR collector_id = {me} OR {team_queue}", None),
        "debtor": (f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.debtor_id = debtor.id)", None),
        "contact": (f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.debtor_id = contact.debtor_id)", None),
        "invoice": (f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = invoice.account_id)", None),
        "promise": (f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = promise.account_id)", f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = promise.account_id) AND EXISTS ({own_call}promise.call_id AND c.account_id = promise.account_id)"),
        # A collector's payment is one typed in at the desk (workspace.record_payment): its
        # id is the program's, so no login takes an id the next import of the bank's needs.
        "payment": (f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = payment.account_id)", f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = payment.account_id) AND ({supervising} OR payment.external_id LIKE '{ENTERED}%')"),
        "instalment": (f"EXISTS (SELECT 1 FROM {s}.promise p WHERE p.id = instalment.promise_id)", f"EXISTS (SELECT 1 FROM {s}.promise p WHERE p.id = instalment.promise_id AND EXISTS ({own_call}p.call_id))"),
        "call": (f"{supervising} OR collector_id = {me}", None),
        "callevent": (f"EXISTS (SELECT 1 FROM {s}.call c WHERE c.id = callevent.call_id)", f"EXISTS ({own_call}callevent.call_id)"),
        "review": (f"EXISTS (SELECT 1 FROM {s}.call c WHERE c.id = review.call_id)", None),
    }


def chain_event_function(s: str, r: dict[str, str], kinds: tuple[str, ...] = tuple(EVENT_SHAPES), replace: bool = False) -> str:
    """Each event as it is stored: the next of its call's chain, not after its end, a
    JSON object of one of `kinds` (later revisions pass theirs), at the server's time for a
    team login, with its hash (store/events.py). What speaks for a person says the login's
    own name: the card that opens a call, a supervisor's override of the contact rules."""
    iso = "to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN extract(microseconds FROM NEW.at)::bigint % 1000000 = 0 THEN '' ELSE to_char(NEW.at AT TIME ZONE 'UTC', '.US') END || '+00:00'"
    return f"""CREATE {"OR REPLACE " if replace else ""}FUNCTION callassist.chain_event() RETURNS trigger LANGUAGE plpgsql {LOCKED} AS $$
        DECLARE said jsonb; last_seq integer; last_kind text; last_at timestamptz; last_hash text; problem text;
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
            said := NEW.payload::jsonb;
            IF jsonb_typeof(said) <> 'object' THEN
                RAISE EXCEPTION 'call %: event % is not a JSON object', NEW.call_id, NEW.seq USING ERRCODE = '22P02';
            END IF;
            -- The owner, as caller() says, asked the cheap way: this runs for every event.
            IF NOT pg_has_role(session_user, '{r["keeper"]}', 'USAGE') THEN
                NEW.at := greatest(clock_timestamp(), last_at);
                IF NEW.kind = 'call_started' AND (said ->> 'collector') IS DISTINCT FROM session_user THEN
                    RAISE EXCEPTION 'a call''s card names its own collector, %', session_user USING ERRCODE = '42501';
                END IF;
                IF NEW.kind = 'compliance_override' AND (callassist.caller() IS DISTINCT FROM 'supervisor' OR (said ->> 'by') IS DISTINCT FROM session_user OR (said ->> 'role') IS DISTINCT FROM 'supervisor') THEN
                    RAISE EXCEPTION 'only a supervisor overrides the contact rules, in their own name' USING ERRCODE = '42501';
                END IF;
                problem := CASE
                    WHEN NEW.kind NOT IN ({", ".join(repr(kind) for kind in kinds)}) THEN 'it is no kind of event the program writes'
                    WHEN (NEW.seq = 1) <> (NEW.kind = 'call_started') THEN 'a call opens with its call_started, and has one'
                    WHEN NEW.kind = 'practice_scored' AND last_kind IS DISTINCT FROM 'call_ended' THEN 'a practice call is scored once it has ended'
                    WHEN octet_length(NEW.payload) > {EVENT_LIMITS["bytes"]} THEN 'it is longer than {EVENT_LIMITS["bytes"]} bytes'
                    WHEN jsonb_path_exists(said, 'strict $.**{{{EVENT_LIMITS["depth"]} to last}}') THEN 'it nests deeper than {EVENT_LIMITS["depth"] - 1} levels'
                    WHEN jsonb_path_exists(said, 'lax $.** ? (@.type() == "number" && (@ > {EVENT_LIMITS["number"]} || @ < -{EVENT_LIMITS["number"]}))') THEN 'it holds a number beyond {EVENT_LIMITS["number"]}'
                    ELSE callassist.shape_problem(NEW.kind, said) END;
                IF problem IS NOT NULL THEN
                    RAISE EXCEPTION 'call %: event % (%) is not as the program writes it: %', NEW.call_id, NEW.seq, NEW.kind, problem USING ERRCODE = '23514';
                END IF;
            ELSIF NEW.at IS NULL THEN
                NEW.at := greatest(clock_timestamp(), last_at);
            END IF;
            NEW.prev_hash := last_hash;
            NEW.hash := encode(sha256(convert_to(concat_ws(E'\\x1f', NEW.call_id, NEW.seq::text, NEW.kind, {iso}, NEW.payload, NEW.prev_hash) || E'\\x1f', 'UTF8')), 'hex');
            RETURN NEW;
        END $$"""


def _functions(s: str, r: dict[str, str]) -> list[str]:
    """The schema callassist's functions, in the order they are made."""
    team_member = "who IS NULL OR who <> 'owner'"
    must_be_in_team = f"""
        IF who IS NULL THEN RAISE EXCEPTION '% is not in this database''s team', session_user USING ERRCODE = '42501'; END IF;
        me := (SELECT c.id FROM {s}.collector c WHERE c.name = {LOGIN.format(user="session_user")});
        IF me IS NULL THEN RAISE EXCEPTION '% is not in this database''s team', session_user USING ERRCODE = '42501'; END IF;"""
    own_name = """
        IF collector IS DISTINCT FROM me THEN RAISE EXCEPTION '% works under their own name only', session_user USING ERRCODE = '42501'; END IF;"""
    no_trainer = """
        IF who = 'trainer' THEN RAISE EXCEPTION 'a trainer works with scripts and practice calls, not with accounts' USING ERRCODE = '42501'; END IF;"""
    take = """
        ON CONFLICT (account_id) DO UPDATE SET collector_id = excluded.collector_id, call_id = excluded.call_id,
            claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
        WHERE held.expires_at <= excluded.claimed_at OR (held.call_id = excluded.call_id AND held.collector_id = excluded.collector_id)
        RETURNING held.account_id INTO taken;"""
    # Counted one transaction of the collector's at a time (their collector row locked,
    # which no login may lock itself), each count seeing what the last one committed.
    few_holds = f"""
                IF current_setting('transaction_isolation') <> 'read committed' THEN
                    RAISE EXCEPTION 'holds are taken in read committed transactions' USING ERRCODE = '25001';
                END IF;
                PERFORM 1 FROM {s}.collector c WHERE c.id = me FOR NO KEY UPDATE;
                IF (SELECT count(*) FROM {s}.claim h WHERE h.collector_id = me AND h.call_id <> call AND h.expires_at > moment) >= {MAX_HOLDS} THEN
                    RAISE EXCEPTION '% holds {MAX_HOLDS} accounts already: a call ends, or its hold lapses, before another starts', session_user USING ERRCODE = '53400';
                END IF;"""
    # A number someone asked not to be called, whichever contact row holds it, however it
    # is spaced (ix_contact_stopped_digits).
    stopped = f"EXISTS (SELECT 1 FROM {s}.contact c JOIN {s}.contact t ON {DIGITS.format(phone='t.phone')} = {DIGITS.format(phone='c.phone')} WHERE c.id = a.contact_id AND t.stop IS NOT NULL)"
    may_work = f"(who IN ('owner', 'supervisor') OR a.collector_id = me OR a.collector_id = (SELECT p.id FROM {s}.collector p WHERE p.name = {TEAM_POOL}))"
    no_account = f"""
        IF NOT EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = account AND {may_work}) THEN
            RAISE EXCEPTION 'no account % that % may work', account, session_user USING ERRCODE = '42501';
        END IF;"""
    return [
        # Who the session is: the owner (a superuser, or a member of the keeper with its
        # rights: the tables' owner, whom the policies do not bind whatever groups it is
        # in), else its group, the one that may do least if it is in two.
        # PL/pgSQL, not SQL: its plan is kept for the session.
        f"""CREATE FUNCTION callassist.caller() RETURNS text LANGUAGE plpgsql STABLE {LOCKED} AS $$
        BEGIN
            RETURN CASE
                WHEN pg_has_role(session_user, '{r["keeper"]}', 'USAGE') THEN 'owner'
                WHEN pg_has_role(session_user, '{r["trainer"]}', 'USAGE') THEN 'trainer'
                WHEN pg_has_role(session_user, '{r["collector"]}', 'USAGE') THEN 'collector'
                WHEN pg_has_role(session_user, '{r["supervisor"]}', 'USAGE') THEN 'supervisor'
            END;
        END $$""",
        f"""CREATE FUNCTION callassist.claim_account(account integer, collector integer, call text, stated timestamptz) RETURNS boolean
        LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        DECLARE who text := callassist.caller(); me integer; moment timestamptz := stated; taken integer;
        BEGIN
            IF {team_member} THEN {must_be_in_team} {own_name} {no_trainer} {no_account}
                moment := clock_timestamp(); {few_holds}
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
                moment := clock_timestamp(); {few_holds}
            END IF;
            INSERT INTO {s}.claim AS held (account_id, collector_id, call_id, claimed_at, expires_at)
            SELECT free.id, collector, call, moment, moment + {LEASE} FROM (
                SELECT a.id FROM {s}.account a
                WHERE a.id = ANY(listed) AND {may_work} AND NOT a.closed AND (a.last_contact_at IS NULL OR a.last_contact_at < listed_at)
                  AND NOT {stopped}
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
                IF EXISTS (SELECT 1 FROM {s}.claim h WHERE h.call_id = call AND h.collector_id = me AND h.expires_at <= moment) THEN {few_holds}
                END IF;
            END IF;
            UPDATE {s}.claim SET expires_at = moment + {LEASE} WHERE call_id = call AND (who = 'owner' OR collector_id = me);
            RETURN FOUND;
        END $$""",
        # A team login's hold is for a call of theirs on that account, open when its
        # transaction commits: no holding accounts without calling them.
        f"""CREATE FUNCTION callassist.hold_has_its_call() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        BEGIN
            IF callassist.caller() IS DISTINCT FROM 'owner'
                    AND EXISTS (SELECT 1 FROM {s}.claim h WHERE h.account_id = NEW.account_id AND h.call_id = NEW.call_id)
                    AND NOT EXISTS (SELECT 1 FROM {s}.call c WHERE c.id = NEW.call_id AND c.collector_id = NEW.collector_id AND c.account_id = NEW.account_id
                                    AND NOT c.practice AND c.ended_at IS NULL) THEN
                RAISE EXCEPTION 'account % is held for call %, which is not an open call of %', NEW.account_id, NEW.call_id, session_user USING ERRCODE = '23503';
            END IF;
            RETURN NULL;
        END $$""",
        # A team login's call is stored with its first event, in the same transaction.
        f"""CREATE FUNCTION callassist.call_has_its_card() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        BEGIN
            IF callassist.caller() IS DISTINCT FROM 'owner' AND NOT EXISTS (SELECT 1 FROM {s}.callevent e WHERE e.call_id = NEW.id) THEN
                RAISE EXCEPTION 'call % has no events: a call is stored with its first', NEW.id USING ERRCODE = '23503';
            END IF;
            RETURN NULL;
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
                ELSIF EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = account AND {stopped}) THEN
                    RAISE EXCEPTION 'account %: its contact''s number asked not to be called', account USING ERRCODE = '42501';
                END IF;
            END IF;
            INSERT INTO {s}.call (id, account_id, collector_id, script, script_hash, locale, started_at, state, practice, persona)
            VALUES (call, account, collector, script, script_hash, locale, started, state, practice, persona);
            RETURN started;
        END $$""",
        # What the contact rules count of the debtor's earlier calls, whoever made them:
        # for each call dialled, when, whether on this account and on its number, whether
        # anyone answered and whether the right party was reached. Nothing else: no
        # words, steps, outcomes or ids, no other number.
        f"""CREATE FUNCTION callassist.debtor_calls(account integer, since timestamptz, excluding text)
        RETURNS TABLE (dialled_at timestamptz, this_account boolean, phone text, answered boolean, conversation boolean)
        LANGUAGE plpgsql STABLE SECURITY DEFINER {LOCKED} AS $$
        DECLARE who text := callassist.caller(); me integer;
        BEGIN
            IF {team_member} THEN {must_be_in_team} {no_trainer} {no_account}
            END IF;
            RETURN QUERY
                SELECT min(e.at) FILTER (WHERE e.kind = 'choice_made'), bool_or(a.id = mine.id),
                       max(t.phone::text) FILTER (WHERE e.kind = 'call_started' AND t.phone = e.payload::jsonb ->> 'phone'),
                       NOT coalesce(bool_or(e.kind = 'choice_made' AND e.payload::jsonb ->> 'disposition' = 'no_answer'), false),
                       coalesce(bool_or(e.kind = 'choice_made' AND e.payload::jsonb -> 'sets' ? '{VERIFIED}'), false)
                FROM {s}.account mine JOIN {s}.contact t ON t.id = mine.contact_id JOIN {s}.account a ON a.debtor_id = mine.debtor_id
                JOIN {s}.call c ON c.account_id = a.id JOIN {s}.callevent e ON e.call_id = c.id
                WHERE mine.id = account AND NOT c.practice AND c.started_at >= since AND c.id IS DISTINCT FROM excluding
                  AND e.kind IN ('call_started', 'choice_made')
                GROUP BY c.id HAVING bool_or(e.kind = 'choice_made')
                ORDER BY 1;
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
        chain_event_function(s, r),
        f"""CREATE FUNCTION callassist.parses(value text, type text) RETURNS boolean LANGUAGE plpgsql STABLE {LOCKED} AS $$
        BEGIN
            CASE type WHEN 'date' THEN PERFORM value::date; WHEN 'timestamptz' THEN PERFORM value::timestamptz; END CASE;
            RETURN true;
        EXCEPTION WHEN others THEN
            RETURN false;
        END $$""",
        # What is wrong with a payload as a shape of EVENT_SHAPES, or NULL.
        shape_problem_function(_shape_checks()),
        f"""CREATE FUNCTION callassist.event_effects() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        BEGIN
            IF NEW.kind = 'step_entered' THEN
                UPDATE {s}.call SET state = NEW.payload::json ->> 'state' WHERE id = NEW.call_id;
            ELSE
                UPDATE {s}.call SET ended_at = NEW.at, disposition = NEW.payload::json ->> 'disposition' WHERE id = NEW.call_id;
                DELETE FROM {s}.claim WHERE call_id = NEW.call_id;
                UPDATE {s}.contact SET stop = NEW.payload::json ->> 'contact_stop'
                WHERE stop IS NULL AND NEW.payload::json ->> 'contact_stop' IS NOT NULL
                  AND id = (SELECT a.contact_id FROM {s}.call c JOIN {s}.account a ON a.id = c.account_id WHERE c.id = NEW.call_id);
            END IF;
            RETURN NULL;
        END $$""",
        # A contact who asked to stop keeps their number: a supervisor's edit would otherwise
        # free it for another contact row.
        f"""CREATE FUNCTION callassist.keep_stopped_number() RETURNS trigger LANGUAGE plpgsql {LOCKED} AS $$
        BEGIN
            IF OLD.stop IS NOT NULL AND NEW.phone IS DISTINCT FROM OLD.phone AND callassist.caller() IS DISTINCT FROM 'owner' THEN
                RAISE EXCEPTION 'contact %: asked not to be called, its number stays as it was', OLD.id USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END $$""",
        # An account moved to another contact of the debtor (an import's new number, a
        # supervisor's change) keeps the stop its contact asked for.
        f"""CREATE FUNCTION callassist.carry_stop() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        BEGIN
            UPDATE {s}.contact SET stop = (SELECT o.stop FROM {s}.contact o WHERE o.id = OLD.contact_id)
            WHERE id = NEW.contact_id AND stop IS NULL AND EXISTS (SELECT 1 FROM {s}.contact o WHERE o.id = OLD.contact_id AND o.stop IS NOT NULL);
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
DEFINERS = [
    "claim_account(integer, integer, text, timestamptz)",
    "claim_first(integer[], integer, text, timestamptz)",
    "renew(text, timestamptz)",
    "hold_has_its_call()",
    "call_has_its_card()",
    "start_call(text, integer, integer, text, text, text, text, boolean, text, timestamptz)",
    "debtor_calls(integer, timestamptz, text)",
    "purge(date, text, integer, date, text)",
    "event_effects()",
    "carry_stop()",
]
EXECUTE = {
    "claim_account(integer, integer, text, timestamptz)": ["collector", "supervisor"],
    "claim_first(integer[], integer, text, timestamptz)": ["collector", "supervisor"],
    "renew(text, timestamptz)": ["collector", "supervisor"],
    "start_call(text, integer, integer, text, text, text, text, boolean, text, timestamptz)": ["collector", "supervisor", "trainer"],
    "debtor_calls(integer, timestamptz, text)": ["collector", "supervisor"],
    "purge(date, text, integer, date, text)": ["supervisor"],
    # What an event's trigger asks of its payload, as the login that writes it.
    "shape_problem(text, jsonb)": ["collector", "supervisor", "trainer"],
    "parses(text, text)": ["collector", "supervisor", "trainer"],
}
# SQLite: the same effects of an event on its call's row, its hold and its contact, and
# the same stop kept when an account moves to another contact.
SQLITE_TRIGGERS = {
    "event_effects_step": "AFTER INSERT ON callevent WHEN NEW.kind = 'step_entered' BEGIN UPDATE call SET state = json_extract(NEW.payload, '$.state') WHERE id = NEW.call_id; END",
    "event_effects_end": (
        "AFTER INSERT ON callevent WHEN NEW.kind = 'call_ended' BEGIN"
        " UPDATE call SET ended_at = NEW.at, disposition = json_extract(NEW.payload, '$.disposition') WHERE id = NEW.call_id;"
        " DELETE FROM claim WHERE call_id = NEW.call_id;"
        " UPDATE contact SET stop = json_extract(NEW.payload, '$.contact_stop')"
        " WHERE stop IS NULL AND json_extract(NEW.payload, '$.contact_stop') IS NOT NULL"
        " AND id = (SELECT a.contact_id FROM call c JOIN account a ON a.id = c.account_id WHERE c.id = NEW.call_id); END"
    ),
    "carry_stop": (
        "AFTER UPDATE OF contact_id ON account WHEN OLD.contact_id IS NOT NEW.contact_id BEGIN"
        " UPDATE contact SET stop = (SELECT o.stop FROM contact o WHERE o.id = OLD.contact_id)"
        " WHERE id = NEW.contact_id AND stop IS NULL AND EXISTS (SELECT 1 FROM contact o WHERE o.id = OLD.contact_id AND o.stop IS NOT NULL); END"
    ),
}


def _on(s: str, tables: list[str]) -> str:
    return ", ".join(f"{s}.{table}" for table in tables)


def upgrade() -> None:
    op.create_table("storesetting", sa.Column("name", sa.String(), nullable=False), sa.Column("value", sa.String(), nullable=False), sa.PrimaryKeyConstraint("name"))
    years = context.config.attributes.get("retention_years") or DEFAULT_RETENTION_YEARS
    op.execute(sa.text("INSERT INTO storesetting (name, value) VALUES ('retention_years', :years)").bindparams(years=str(years)))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        return
    s = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    database = bind.execute(sa.text("SELECT current_database()")).scalar_one()
    r = role_names(bind)
    groups = [r[role] for role in SHARED_GROUPS]
    for role, name in r.items():
        op.execute(sa.text("INSERT INTO storesetting (name, value) VALUES (:name, :value)").bindparams(name=f"role_{role}", value=name))
        op.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN CREATE ROLE {name} NOLOGIN; END IF; END $$")
    op.execute(f"DO $$ BEGIN IF NOT pg_has_role(current_user, '{r['keeper']}', 'MEMBER') THEN EXECUTE 'GRANT {r['keeper']} TO ' || quote_ident(current_user); END IF; END $$")
    # This team's members of 0008's shared groups: the same role, in this database's group.
    for role, shared in SHARED_GROUPS.items():
        op.execute(f"""DO $$ DECLARE login text; BEGIN
            FOR login IN SELECT u.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
                         JOIN {s}.collector c ON c.name = u.rolname WHERE g.rolname = '{shared}' LOOP
                EXECUTE format('GRANT %I TO %I', '{r[role]}', login);
            END LOOP; END $$""")
    # Only this team connects, and no login makes objects that could stand in for the
    # schema's: no temporary tables, nothing new in the tables' schema.
    op.execute(f'REVOKE CONNECT, TEMPORARY ON DATABASE "{database}" FROM PUBLIC')
    op.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {", ".join(groups)}')
    op.execute(f'REVOKE CREATE ON SCHEMA "{s}" FROM PUBLIC')
    if bind.execute(sa.text("SELECT has_database_privilege('public', current_database(), 'TEMP') OR has_database_privilege('public', current_database(), 'CONNECT')")).scalar_one():
        raise RuntimeError(f"every login may still connect to {database} and make temporary tables there: run callassist db upgrade as the database's owner (or, as one, REVOKE CONNECT, TEMPORARY ON DATABASE {database} FROM PUBLIC)")
    op.execute("CREATE SCHEMA callassist")
    op.execute("GRANT USAGE ON SCHEMA callassist TO PUBLIC")  # what is in it, each function says
    op.execute(f"GRANT CREATE ON SCHEMA callassist TO {r['keeper']}")  # to own its functions
    # 0008's policies called helpers whose tables were found at run time, and asked only
    # for the shared groups: gone, with everything 0008 granted those groups here.
    for table in _policies(s, r):
        op.execute(f"DROP POLICY team_rows ON {s}.{table}")
    for policy in ("team_reads", "team_takes", "team_renews", "team_releases"):
        op.execute(f"DROP POLICY {policy} ON {s}.claim")
    op.execute("DROP FUNCTION callassist_may_read_call(integer)")
    op.execute("DROP FUNCTION callassist_may_read(integer)")
    op.execute(f"ALTER TABLE {s}.instalment ALTER COLUMN promise_id TYPE bigint")
    for table in IDENTITY_TABLES:
        op.execute(f"ALTER TABLE {s}.{table} ALTER COLUMN id DROP DEFAULT")
        op.execute(f"DROP SEQUENCE {s}.{table}_id_seq")
        op.execute(f"ALTER TABLE {s}.{table} ALTER COLUMN id TYPE bigint")
        op.execute(f"ALTER TABLE {s}.{table} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        op.execute(f"SELECT setval(pg_get_serial_sequence('{s}.{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {s}.{table}")
    tables = sorted(set(_READ_BY_ALL + _LEDGER + ["purgelog"]))
    for shared in SHARED_GROUPS.values():
        op.execute(f"REVOKE ALL ON {_on(s, tables)} FROM {shared}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {shared}")
    for table, (rows, added) in _policies(s, r).items():
        if added is None:
            op.execute(f"CREATE POLICY team_rows ON {s}.{table} USING ({rows})")
        else:
            for command in ("SELECT", "UPDATE", "DELETE"):
                op.execute(f"CREATE POLICY team_{command.lower()} ON {s}.{table} FOR {command} USING ({rows})")
            op.execute(f"CREATE POLICY team_insert ON {s}.{table} FOR INSERT WITH CHECK ({added})")
    op.execute(f"CREATE POLICY team_reads ON {s}.claim FOR SELECT USING (EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = claim.account_id))")
    for table in _KEEPER_POLICY_TABLES:
        op.execute(f"CREATE POLICY keeper ON {s}.{table} TO {r['keeper']} USING (true) WITH CHECK (true)")
    for statement in _functions(s, r):
        op.execute(statement)
    op.execute("REVOKE ALL ON ALL FUNCTIONS IN SCHEMA callassist FROM PUBLIC")
    for signature in DEFINERS:
        op.execute(f"ALTER FUNCTION callassist.{signature} OWNER TO {r['keeper']}")
    op.execute("GRANT EXECUTE ON FUNCTION callassist.caller() TO PUBLIC")  # who one is, to anyone
    for signature, callers in EXECUTE.items():
        op.execute(f"GRANT EXECUTE ON FUNCTION callassist.{signature} TO {', '.join(r[role] for role in callers)}")
    op.execute(f"CREATE TRIGGER event_chain BEFORE INSERT ON {s}.callevent FOR EACH ROW EXECUTE FUNCTION callassist.chain_event()")
    op.execute(f"CREATE TRIGGER event_effects AFTER INSERT ON {s}.callevent FOR EACH ROW WHEN (NEW.kind IN ('step_entered', 'call_ended')) EXECUTE FUNCTION callassist.event_effects()")
    op.execute(f"CREATE TRIGGER sign_review BEFORE INSERT ON {s}.review FOR EACH ROW EXECUTE FUNCTION callassist.sign_review()")
    for table, checks in LEDGER_BOUNDS.items():
        for column, bound in checks.items():
            # NOT VALID: rows stored before are not read again, every new or changed one is checked.
            op.execute(f"ALTER TABLE {s}.{table} ADD CONSTRAINT ck_{table}_{column}_bounded CHECK ({column} IS NULL OR {column} {bound}) NOT VALID")
    op.execute(f"CREATE TRIGGER keep_stopped_number BEFORE UPDATE OF phone ON {s}.contact FOR EACH ROW EXECUTE FUNCTION callassist.keep_stopped_number()")
    op.execute(f"CREATE INDEX ix_contact_stopped_digits ON {s}.contact ({DIGITS.format(phone='phone')}) WHERE stop IS NOT NULL")
    op.execute(f"CREATE TRIGGER carry_stop AFTER UPDATE OF contact_id ON {s}.account FOR EACH ROW WHEN (OLD.contact_id IS DISTINCT FROM NEW.contact_id) EXECUTE FUNCTION callassist.carry_stop()")
    op.execute(f"CREATE CONSTRAINT TRIGGER hold_has_its_call AFTER INSERT OR UPDATE ON {s}.claim DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION callassist.hold_has_its_call()")
    op.execute(f"CREATE CONSTRAINT TRIGGER call_has_its_card AFTER INSERT ON {s}.call DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION callassist.call_has_its_card()")
    for role, grants in TEAM_TABLES.items():
        for privileges, names in grants:
            op.execute(f"GRANT {privileges} ON {_on(s, names)} TO {r[role]}")
    for role, tables in SEQUENCES.items():
        op.execute(f"GRANT USAGE ON SEQUENCE {', '.join(f'{s}.{table}_id_seq' for table in tables)} TO {r[role]}")
    for privileges, names in KEEPER_TABLES:
        op.execute(f"GRANT {privileges} ON {_on(s, names)} TO {r['keeper']}")
    op.execute(f"GRANT USAGE ON SEQUENCE {s}.purgelog_id_seq TO {r['keeper']}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.drop_table("storesetting")
        return
    s = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    database = bind.execute(sa.text("SELECT current_database()")).scalar_one()
    r = role_names(bind)
    for trigger, table in (("event_chain", "callevent"), ("event_effects", "callevent"), ("sign_review", "review"), ("hold_has_its_call", "claim"), ("call_has_its_card", "call"), ("carry_stop", "account"), ("keep_stopped_number", "contact")):
        op.execute(f"DROP TRIGGER {trigger} ON {s}.{table}")
    op.execute(f"DROP INDEX {s}.ix_contact_stopped_digits")
    for table, checks in LEDGER_BOUNDS.items():
        for column in checks:
            op.execute(f"ALTER TABLE {s}.{table} DROP CONSTRAINT ck_{table}_{column}_bounded")
    op.execute("DROP SCHEMA callassist CASCADE")
    for table, (_, added) in _policies(s, r).items():
        for policy in ("team_rows",) if added is None else ("team_select", "team_update", "team_delete", "team_insert"):
            op.execute(f"DROP POLICY {policy} ON {s}.{table}")
    op.execute(f"DROP POLICY team_reads ON {s}.claim")
    for table in _KEEPER_POLICY_TABLES:
        op.execute(f"DROP POLICY keeper ON {s}.{table}")
    for table in IDENTITY_TABLES:
        op.execute(f"ALTER TABLE {s}.{table} ALTER COLUMN id DROP IDENTITY")
        op.execute(f"ALTER TABLE {s}.{table} ALTER COLUMN id TYPE integer")
        op.execute(f"CREATE SEQUENCE {s}.{table}_id_seq AS integer OWNED BY {s}.{table}.id")
        op.execute(f"ALTER TABLE {s}.{table} ALTER COLUMN id SET DEFAULT nextval('{s}.{table}_id_seq')")
        op.execute(f"SELECT setval('{s}.{table}_id_seq', coalesce(max(id), 0) + 1, false) FROM {s}.{table}")
    op.execute(f"ALTER TABLE {s}.instalment ALTER COLUMN promise_id TYPE integer")
    tables = sorted(set(_READ_BY_ALL + _LEDGER + ["purgelog"]))
    for name in r.values():
        op.execute(f"REVOKE ALL ON {_on(s, tables)} FROM {name}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {name}")
        op.execute(f'REVOKE ALL ON DATABASE "{database}" FROM {name}')
    op.execute(f'GRANT CONNECT ON DATABASE "{database}" TO PUBLIC')
    op.drop_table("storesetting")
    # 0008's policies, helpers and grants, made as 0008 makes them; its shared groups'
    # members are who they were (this database's roles are left, holding nothing here).
    context.script.get_revision("0008").module.upgrade()
