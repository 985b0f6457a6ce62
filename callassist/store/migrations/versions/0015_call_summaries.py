"""call summaries: what each ended call adds to the figures, and their sums per day

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

`callsummary` holds, for each ended call, what the figures count of it (core/figures.py
CallFacts): dialled, right party, promised, its promise and first payment date, its
parts (time per step, excuses, rungs, holds) and the objection its notes spoke of that it
never answered. `figureday` holds the parts added up per day and collector; triggers add
a summary's parts when it is stored and take them away when it is deleted (a purge of
its call deletes it), and copy its promise's status when the ledger changes it; nothing
else of a summary is ever changed. The calls ended before are summed up by migration
0016, which has every column of a summary (a summary is written by the program's one
definition, store/summaries.py, which writes them all).

On PostgreSQL a login reads the summaries and sums of the calls it may read (its own; a
supervisor's, all); it adds a summary only to an ended call of its own, once; no login
changes or deletes one; only the triggers, as the keeper, write the sums.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

LOCKED = "SET search_path = pg_catalog, pg_temp"
SUMMARY_COLUMNS = ("call_id", "collector_id", "day", "practice", "damaged", "dialled", "right_party", "promised", "promise_id", "promise_due", "promise_status", "parts", "missed_excuse", "missed_score", "missed_note")

SQLITE_TRIGGERS = {
    "figures_add": (
        "AFTER INSERT ON callsummary BEGIN"
        " INSERT INTO figureday (day, collector_id, item, n, total)"
        " SELECT NEW.day, NEW.collector_id, key, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(NEW.parts) WHERE true"
        " ON CONFLICT (day, collector_id, item) DO UPDATE SET n = n + excluded.n, total = total + excluded.total; END"
    ),
    "figures_remove": (
        "AFTER DELETE ON callsummary BEGIN"
        " UPDATE figureday SET n = n - (SELECT json_extract(value, '$[0]') FROM json_each(OLD.parts) WHERE key = figureday.item),"
        " total = total - (SELECT json_extract(value, '$[1]') FROM json_each(OLD.parts) WHERE key = figureday.item)"
        " WHERE day = OLD.day AND collector_id = OLD.collector_id AND item IN (SELECT key FROM json_each(OLD.parts));"
        " DELETE FROM figureday WHERE day = OLD.day AND collector_id = OLD.collector_id AND n <= 0; END"
    ),
    "summary_kept": (f"BEFORE UPDATE OF {', '.join(c for c in SUMMARY_COLUMNS if c != 'promise_status')} ON callsummary BEGIN SELECT RAISE(ABORT, 'a call''s summary is never changed'); END"),
    "summary_promise_status": ("AFTER UPDATE OF status ON promise WHEN OLD.status IS NOT NEW.status BEGIN UPDATE callsummary SET promise_status = NEW.status WHERE promise_id = NEW.id; END"),
}


def _pg_functions(s: str) -> list[str]:
    return [
        f"""CREATE FUNCTION callassist.add_figures() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        BEGIN
            INSERT INTO {s}.figureday AS f (day, collector_id, item, n, total)
            SELECT NEW.day, NEW.collector_id, p.key, (p.value->>0)::bigint, (p.value->>1)::float8 FROM jsonb_each(NEW.parts::jsonb) p
            ON CONFLICT (day, collector_id, item) DO UPDATE SET n = f.n + excluded.n, total = f.total + excluded.total;
            RETURN NULL;
        END $$""",
        f"""CREATE FUNCTION callassist.remove_figures() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        BEGIN
            UPDATE {s}.figureday f SET n = f.n - (p.value->>0)::bigint, total = f.total - (p.value->>1)::float8
            FROM jsonb_each(OLD.parts::jsonb) p WHERE f.day = OLD.day AND f.collector_id = OLD.collector_id AND f.item = p.key;
            DELETE FROM {s}.figureday f WHERE f.day = OLD.day AND f.collector_id = OLD.collector_id AND f.n <= 0;
            RETURN NULL;
        END $$""",
        f"""CREATE FUNCTION callassist.follow_promise() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        BEGIN
            UPDATE {s}.callsummary SET promise_status = NEW.status WHERE promise_id = NEW.id;
            RETURN NULL;
        END $$""",
    ]


def upgrade() -> None:
    op.create_table(
        "callsummary",
        sa.Column("call_id", sa.Text(), nullable=False),
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("practice", sa.Boolean(), nullable=False),
        sa.Column("damaged", sa.Boolean(), nullable=False),
        sa.Column("dialled", sa.Boolean(), nullable=False),
        sa.Column("right_party", sa.Boolean(), nullable=False),
        sa.Column("promised", sa.Boolean(), nullable=False),
        sa.Column("promise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("promise_due", sa.Date(), nullable=True),
        sa.Column("promise_status", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("parts", sa.Text(), nullable=False),
        sa.Column("missed_excuse", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("missed_score", sa.Float(), nullable=True),
        sa.Column("missed_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["collector_id"],
            ["collector.id"],
        ),
        sa.ForeignKeyConstraint(["promise_id"], ["promise.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("call_id"),
    )
    with op.batch_alter_table("callsummary", schema=None) as batch_op:
        batch_op.create_index("ix_callsummary_day", ["day", "collector_id"], unique=False)
        batch_op.create_index("ix_callsummary_due", ["promise_due", "day", "collector_id", "promised", "promise_status"], unique=False, sqlite_where=sa.text("promise_id IS NOT NULL"), postgresql_where=sa.text("promise_id IS NOT NULL"))
        batch_op.create_index("ix_callsummary_promise", ["promise_id"], unique=False, sqlite_where=sa.text("promise_id IS NOT NULL"), postgresql_where=sa.text("promise_id IS NOT NULL"))
        batch_op.create_index("ix_callsummary_missed", ["day", "collector_id"], unique=False, sqlite_where=sa.text("missed_excuse IS NOT NULL"), postgresql_where=sa.text("missed_excuse IS NOT NULL"))
        batch_op.create_index("ix_callsummary_damaged", ["day", "collector_id"], unique=False, sqlite_where=sa.text("damaged = 1"), postgresql_where=sa.text("damaged"))
    op.create_table(
        "figureday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("item", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "collector_id", "item"),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        _secure(bind)


def _secure(bind) -> None:
    base = context.script.get_revision("0009").module
    s = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    r = dict(bind.execute(sa.text("SELECT substr(name, 6), value FROM storesetting WHERE name LIKE 'role\\_%'")).all())
    me = f"(SELECT id FROM {s}.collector WHERE name = {base.LOGIN.format(user='current_user')})"
    supervising = f"pg_has_role(current_user, '{r['supervisor']}', 'USAGE')"
    own_ended_call = (
        f"EXISTS (SELECT 1 FROM {s}.call c WHERE c.id = callsummary.call_id AND c.collector_id = {me} AND c.collector_id = callsummary.collector_id"
        " AND c.ended_at IS NOT NULL AND c.practice = callsummary.practice AND (c.started_at AT TIME ZONE 'UTC')::date = callsummary.day)"
    )
    for table in ("callsummary", "figureday"):
        op.execute(f"ALTER TABLE {s}.{table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY team_select ON {s}.{table} FOR SELECT USING ({supervising} OR collector_id = {me})")
    op.execute(f"CREATE POLICY team_insert ON {s}.callsummary FOR INSERT WITH CHECK ({own_ended_call})")
    op.execute(f"CREATE POLICY keeper ON {s}.figureday TO {r['keeper']} USING (true) WITH CHECK (true)")
    for statement in _pg_functions(s):
        op.execute(statement)
    for function in ("add_figures()", "remove_figures()", "follow_promise()"):
        op.execute(f"REVOKE ALL ON FUNCTION callassist.{function} FROM PUBLIC")
        op.execute(f"ALTER FUNCTION callassist.{function} OWNER TO {r['keeper']}")
    op.execute(f"CREATE TRIGGER figures_add AFTER INSERT ON {s}.callsummary FOR EACH ROW EXECUTE FUNCTION callassist.add_figures()")
    op.execute(f"CREATE TRIGGER figures_remove AFTER DELETE ON {s}.callsummary FOR EACH ROW EXECUTE FUNCTION callassist.remove_figures()")
    op.execute(f"CREATE TRIGGER follow_promise AFTER UPDATE OF status ON {s}.promise FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION callassist.follow_promise()")
    op.execute(f"CREATE POLICY keeper ON {s}.callsummary TO {r['keeper']} USING (true) WITH CHECK (true)")
    op.execute(f"GRANT SELECT (promise_id), UPDATE (promise_status) ON {s}.callsummary TO {r['keeper']}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.figureday TO {r['keeper']}")
    roles = ", ".join(r[role] for role in ("collector", "supervisor", "trainer"))
    op.execute(f"GRANT SELECT, INSERT ON {s}.callsummary TO {roles}")
    op.execute(f"GRANT SELECT ON {s}.figureday TO {roles}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        s = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
        op.execute(f"DROP TRIGGER figures_add ON {s}.callsummary")
        op.execute(f"DROP TRIGGER figures_remove ON {s}.callsummary")
        op.execute(f"DROP TRIGGER follow_promise ON {s}.promise")
        op.execute("DROP FUNCTION callassist.follow_promise()")
        op.execute("DROP FUNCTION callassist.add_figures()")
        op.execute("DROP FUNCTION callassist.remove_figures()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("figureday")
    with op.batch_alter_table("callsummary", schema=None) as batch_op:
        batch_op.drop_index("ix_callsummary_damaged", sqlite_where=sa.text("damaged = 1"), postgresql_where=sa.text("damaged"))
        batch_op.drop_index("ix_callsummary_missed", sqlite_where=sa.text("missed_excuse IS NOT NULL"), postgresql_where=sa.text("missed_excuse IS NOT NULL"))
        batch_op.drop_index("ix_callsummary_promise", sqlite_where=sa.text("promise_id IS NOT NULL"), postgresql_where=sa.text("promise_id IS NOT NULL"))
        batch_op.drop_index("ix_callsummary_due", sqlite_where=sa.text("promise_id IS NOT NULL"), postgresql_where=sa.text("promise_id IS NOT NULL"))
        batch_op.drop_index("ix_callsummary_day")
    op.drop_table("callsummary")
