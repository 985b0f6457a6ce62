"""team roles and row-level security on PostgreSQL: a collector's connection reads only
their own accounts, the team's queue and their own calls, whatever SQL it runs

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Nothing changes on SQLite, a single desk's file. On PostgreSQL three group roles are made
(if the database has none yet): callassist_collector, callassist_supervisor and
callassist_trainer. `callassist db grant` makes each person a login role in one of them
(store/team.py). The owner of the tables, who runs the migrations, is not subject to the
policies.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

GROUPS = {"collector": "callassist_collector", "supervisor": "callassist_supervisor", "trainer": "callassist_trainer"}
_READ_BY_ALL = ["alembic_version", "collector", "call", "callevent", "review"]
_LEDGER = ["account", "debtor", "contact", "invoice", "promise", "instalment", "payment", "claim"]
# What each group may do to which tables; which rows, the policies below say.
TEAM_TABLES = {
    "collector": [
        ("SELECT", _READ_BY_ALL + _LEDGER),
        ("INSERT", ["call", "callevent", "promise", "instalment", "payment", "claim"]),
        ("UPDATE", ["account", "contact", "call", "promise", "instalment", "payment", "claim"]),
        ("DELETE", ["claim"]),
    ],
    "supervisor": [
        ("SELECT", _READ_BY_ALL + _LEDGER + ["purgelog"]),
        ("INSERT", ["call", "callevent", "promise", "instalment", "payment", "claim", "review", "purgelog", "collector", "debtor", "contact", "account", "invoice"]),
        ("UPDATE", ["account", "contact", "call", "promise", "instalment", "payment", "claim", "debtor", "invoice"]),
        ("DELETE", ["claim", "call", "callevent", "review"]),
    ],
    # Practice calls of their own; the ledger's tables are read only for the joins of
    # the calls browser, where the policies leave a trainer no rows.
    "trainer": [
        ("SELECT", _READ_BY_ALL + ["account", "debtor"]),
        ("INSERT", ["call", "callevent"]),
        ("UPDATE", ["call"]),
    ],
}

# Whose rows the current database user may read: a supervisor everyone's; anyone their
# own; a collector also the team's queue (store/sql.py TEAM_POOL). Plain SQL, so the
# planner folds it into each query; the lookups run once a statement, not once a row.
MAY_READ = """
CREATE OR REPLACE FUNCTION callassist_may_read(owner integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT pg_has_role(current_user, 'callassist_supervisor', 'MEMBER')
        OR owner = (SELECT id FROM collector WHERE name = current_user)
        OR (owner = (SELECT id FROM collector WHERE name = '@team') AND pg_has_role(current_user, 'callassist_collector', 'MEMBER'))
$$
"""
SUPERVISING = "pg_has_role(current_user, 'callassist_supervisor', 'MEMBER')"

# Each table's rows, by whom they belong to (through the account, the call or the promise).
POLICIES = {
    "account": "callassist_may_read(collector_id)",
    "debtor": "EXISTS (SELECT 1 FROM account a WHERE a.debtor_id = debtor.id)",
    "contact": "EXISTS (SELECT 1 FROM account a WHERE a.debtor_id = contact.debtor_id)",
    "invoice": "EXISTS (SELECT 1 FROM account a WHERE a.id = invoice.account_id)",
    "promise": "EXISTS (SELECT 1 FROM account a WHERE a.id = promise.account_id)",
    "payment": "EXISTS (SELECT 1 FROM account a WHERE a.id = payment.account_id)",
    "instalment": "EXISTS (SELECT 1 FROM promise p WHERE p.id = instalment.promise_id)",
    "call": "callassist_may_read_call(collector_id)",
    "callevent": "EXISTS (SELECT 1 FROM call c WHERE c.id = callevent.call_id)",
    "review": "EXISTS (SELECT 1 FROM call c WHERE c.id = review.call_id)",
}
# A call is read by its collector and by supervisors (the team's queue is no one's call).
MAY_READ_CALL = """
CREATE OR REPLACE FUNCTION callassist_may_read_call(owner integer) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT pg_has_role(current_user, 'callassist_supervisor', 'MEMBER') OR owner = (SELECT id FROM collector WHERE name = current_user)
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for group in GROUPS.values():
        op.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN CREATE ROLE {group} NOLOGIN; END IF; END $$")
    op.execute(MAY_READ)
    op.execute(MAY_READ_CALL)
    for table, condition in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY team_rows ON {table} USING ({condition})")
    # Who holds which account is no secret (it names no one); taking and giving back a
    # hold is one's own, or a supervisor's.
    op.execute("ALTER TABLE claim ENABLE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY team_reads ON claim FOR SELECT USING (true)")
    own_claim = f"collector_id = (SELECT id FROM collector WHERE name = current_user) OR {SUPERVISING}"
    op.execute(f"CREATE POLICY team_takes ON claim FOR INSERT WITH CHECK ({own_claim})")
    op.execute(f"CREATE POLICY team_renews ON claim FOR UPDATE USING (true) WITH CHECK ({own_claim})")
    op.execute(f"CREATE POLICY team_releases ON claim FOR DELETE USING ({own_claim})")
    for group, grants in TEAM_TABLES.items():
        for privileges, tables in grants:
            op.execute(f"GRANT {privileges} ON {', '.join(tables)} TO {GROUPS[group]}")
        op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {GROUPS[group]}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for group, grants in TEAM_TABLES.items():
        for privileges, tables in grants:
            op.execute(f"REVOKE {privileges} ON {', '.join(tables)} FROM {GROUPS[group]}")
        op.execute(f"REVOKE USAGE ON ALL SEQUENCES IN SCHEMA public FROM {GROUPS[group]}")
    for policy in ("team_reads", "team_takes", "team_renews", "team_releases"):
        op.execute(f"DROP POLICY {policy} ON claim")
    op.execute("ALTER TABLE claim DISABLE ROW LEVEL SECURITY")
    for table in POLICIES:
        op.execute(f"DROP POLICY team_rows ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION callassist_may_read_call(integer)")
    op.execute("DROP FUNCTION callassist_may_read(integer)")
