"""account holds: collection stopped on an account (or a debtor) until a supervisor
releases it; a call may place one (`hold_placed`) and end "on hold"

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

`accounthold` holds each hold: its account and debtor, the call that placed it, why
(core/compliance.py HOLD_REASONS), what was captured, who placed it and when, and, once
released, by whom, when and why.

On PostgreSQL a login reads the holds of the accounts it may read; it adds one only
from a call of its own on that account, stamped with its own name and the server's
time; only a supervisor releases one, once, under their own name and the server's time;
no login deletes a hold. The shape every stored event must fit gains `hold_placed` and
the outcome `on_hold`.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

import callassist.store.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

LOCKED = "SET search_path = pg_catalog, pg_temp"
ENDINGS = ("promise", "callback", "dispute", "no_answer", "wrong_party", "refused", "escalated", "abusive", "on_hold", "not_dialled")  # core/flow.py
HOLD_PLACED = {"reason": "text", "details": "text?", "state": "text", "situation": "text?"}  # core/call.py
PLACED = "account_id, debtor_id, call_id, reason, details, placed_by, placed_at"
RELEASED = "released_at, released_by, release_reason"


def _shape_problem(endings: tuple[str, ...], events: dict) -> str:
    base = context.script.get_revision("0009").module
    return base.shape_problem_function(base._shape_checks(events=events, dispositions=endings), replace=True)


def _stamp(s: str) -> str:
    """A team login's hold bears its own name and the server's time; a released hold is
    never changed again."""
    return f"""CREATE FUNCTION callassist.stamp_hold() RETURNS trigger LANGUAGE plpgsql {LOCKED} AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.released_at IS NOT NULL THEN
                RAISE EXCEPTION 'hold % was released already', OLD.id USING ERRCODE = '42501';
            END IF;
            IF callassist.caller() IS DISTINCT FROM 'owner' THEN
                IF TG_OP = 'INSERT' THEN
                    NEW.placed_by := session_user; NEW.placed_at := clock_timestamp();
                    NEW.released_at := NULL; NEW.released_by := NULL; NEW.release_reason := NULL;
                ELSE
                    IF NEW.released_at IS NULL OR coalesce(btrim(NEW.release_reason), '') = '' THEN
                        RAISE EXCEPTION 'a hold is released with a reason' USING ERRCODE = '23514';
                    END IF;
                    NEW.released_by := session_user; NEW.released_at := clock_timestamp();
                END IF;
            END IF;
            IF NEW.debtor_id IS DISTINCT FROM (SELECT a.debtor_id FROM {s}.account a WHERE a.id = NEW.account_id) THEN
                RAISE EXCEPTION 'a hold names its account''s own debtor' USING ERRCODE = '23514';
            END IF;
            RETURN NEW;
        END $$"""


def upgrade() -> None:
    op.create_table(
        "accounthold",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("details", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("placed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("placed_at", callassist.store.types.UTCDateTime(), nullable=False),
        sa.Column("released_at", callassist.store.types.UTCDateTime(), nullable=True),
        sa.Column("released_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("release_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["debtor_id"],
            ["debtor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("accounthold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounthold_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_accounthold_open", ["debtor_id", "account_id"], unique=False, sqlite_where=sa.text("released_at IS NULL"), postgresql_where=sa.text("released_at IS NULL"))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    base = context.script.get_revision("0009").module
    s = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    r = dict(bind.execute(sa.text("SELECT substr(name, 6), value FROM storesetting WHERE name LIKE 'role\\_%'")).all())
    kinds = base.EVENT_SHAPES | {"hold_placed": HOLD_PLACED}
    op.execute(_shape_problem(ENDINGS, kinds))
    op.execute(base.chain_event_function(s, r, tuple(kinds), replace=True))
    # Ids from an identity, as for every row a login adds (see 0009).
    op.execute(f"ALTER TABLE {s}.accounthold ALTER COLUMN id DROP DEFAULT")
    op.execute(f"DROP SEQUENCE IF EXISTS {s}.accounthold_id_seq")
    op.execute(f"ALTER TABLE {s}.accounthold ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
    op.execute(f"ALTER TABLE {s}.accounthold ENABLE ROW LEVEL SECURITY")
    readable = f"EXISTS (SELECT 1 FROM {s}.account a WHERE a.id = accounthold.account_id)"
    me = f"(SELECT id FROM {s}.collector WHERE name = {base.LOGIN.format(user='current_user')})"
    own_call = f"EXISTS (SELECT 1 FROM {s}.call c WHERE c.collector_id = {me} AND c.id = accounthold.call_id AND c.account_id = accounthold.account_id AND c.ended_at IS NULL)"
    supervising = f"pg_has_role(current_user, '{r['supervisor']}', 'USAGE')"
    op.execute(f"CREATE POLICY team_select ON {s}.accounthold FOR SELECT USING ({readable})")
    op.execute(f"CREATE POLICY team_insert ON {s}.accounthold FOR INSERT WITH CHECK ({readable} AND {own_call})")
    op.execute(f"CREATE POLICY team_update ON {s}.accounthold FOR UPDATE USING ({readable} AND {supervising}) WITH CHECK ({readable} AND {supervising})")
    op.execute(_stamp(s))
    op.execute("REVOKE ALL ON FUNCTION callassist.stamp_hold() FROM PUBLIC")
    op.execute(f"CREATE TRIGGER stamp_hold BEFORE INSERT OR UPDATE ON {s}.accounthold FOR EACH ROW EXECUTE FUNCTION callassist.stamp_hold()")
    # The release's columns too, as NULL: what a program writes of a new row (the stamp nulls them).
    op.execute(f"GRANT SELECT, INSERT ({PLACED}, {RELEASED}) ON {s}.accounthold TO {r['collector']}, {r['supervisor']}")
    op.execute(f"GRANT UPDATE ({RELEASED}) ON {s}.accounthold TO {r['supervisor']}")
    op.execute(f"GRANT SELECT ON {s}.accounthold TO {r['trainer']}")  # the joins of the figures; the policy leaves a trainer no rows


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        base = context.script.get_revision("0009").module
        op.execute(_shape_problem(tuple(ending for ending in ENDINGS if ending != "on_hold"), base.EVENT_SHAPES))
        s = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
        r = dict(bind.execute(sa.text("SELECT substr(name, 6), value FROM storesetting WHERE name LIKE 'role\\_%'")).all())
        op.execute(base.chain_event_function(s, r, replace=True))
        op.execute(f"DROP TRIGGER stamp_hold ON {s}.accounthold")
        op.execute("DROP FUNCTION callassist.stamp_hold()")
    with op.batch_alter_table("accounthold", schema=None) as batch_op:
        batch_op.drop_index("ix_accounthold_open", sqlite_where=sa.text("released_at IS NULL"), postgresql_where=sa.text("released_at IS NULL"))
        batch_op.drop_index(batch_op.f("ix_accounthold_account_id"))
    op.drop_table("accounthold")
