"""one log across calls: every stored event and purge in one append-only order (logentry),
whose Merkle root signed checkpoints commit to; the checkpoints the database recorded

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

`logentry` holds, for each event or purge in the order it entered the log, what its
Merkle leaf is made of (store/auditlog.py); `logcheckpoint`, each signed checkpoint taken
(its file lives outside the database). `storesetting` gets `log_id`, the log's own name,
so that checkpoints of one database are never taken for another's.

On PostgreSQL no login writes `logentry`: `callassist.sequence_log()` (owned by the
keeper, run by a supervisor or the owner) appends what is not in it yet, one caller at a
time. Supervisors read the log and record the checkpoints they sign; no login changes or
deletes either table's rows, and collectors and trainers read neither.
"""

import uuid

import sqlalchemy as sa
import sqlmodel
from alembic import op

import callassist.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

LOCKED = "SET search_path = pg_catalog, pg_temp"


def _sequence_log(s: str) -> str:
    """Append the events, then the purges, not in the log yet; the log's size after."""
    size = f"(SELECT coalesce(max(l.position) + 1, 0) FROM {s}.logentry l)"
    return f"""CREATE FUNCTION callassist.sequence_log() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER {LOCKED} AS $$
        BEGIN
            IF callassist.caller() IS NULL OR callassist.caller() NOT IN ('owner', 'supervisor') THEN
                RAISE EXCEPTION '% may not add to the log: a supervisor takes its checkpoints', session_user USING ERRCODE = '42501';
            END IF;
            LOCK TABLE {s}.logentry IN SHARE ROW EXCLUSIVE MODE;  -- one sequencer at a time
            INSERT INTO {s}.logentry (position, call_id, seq, at, hash)
                SELECT {size} + row_number() OVER (ORDER BY e.id) - 1, e.call_id, e.seq, e.at, e.hash FROM {s}.callevent e
                WHERE NOT EXISTS (SELECT 1 FROM {s}.logentry l WHERE l.call_id = e.call_id AND l.seq = e.seq);
            INSERT INTO {s}.logentry (position, purge_id)
                SELECT {size} + row_number() OVER (ORDER BY p.id) - 1, p.id FROM {s}.purgelog p
                WHERE NOT EXISTS (SELECT 1 FROM {s}.logentry l WHERE l.purge_id = p.id);
            RETURN {size};
        END $$"""


def upgrade() -> None:
    op.create_table(
        "logentry",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("call_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("at", callassist.store.types.UTCDateTime(), nullable=True),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("purge_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("position"),
        sa.UniqueConstraint("call_id", "seq", name="uq_logentry_call_seq"),
        sa.UniqueConstraint("purge_id", name="uq_logentry_purge"),
    )
    op.create_table(
        "logcheckpoint",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("taken_at", callassist.store.types.UTCDateTime(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sig", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.execute(sa.text("INSERT INTO storesetting (name, value) VALUES ('log_id', :id)").bindparams(id=uuid.uuid4().hex))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    s = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    r = dict(bind.execute(sa.text("SELECT substr(name, 6), value FROM storesetting WHERE name LIKE 'role\\_%'")).all())
    op.execute(_sequence_log(s))
    op.execute("REVOKE ALL ON FUNCTION callassist.sequence_log() FROM PUBLIC")
    op.execute(f"ALTER FUNCTION callassist.sequence_log() OWNER TO {r['keeper']}")
    op.execute(f"GRANT EXECUTE ON FUNCTION callassist.sequence_log() TO {r['supervisor']}")
    # UPDATE only so that the sequencer may lock the table (LOCK TABLE asks for it); no
    # function of the keeper's updates a log entry.
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON {s}.logentry TO {r['keeper']}")
    op.execute(f"GRANT SELECT ON {s}.callevent, {s}.purgelog TO {r['keeper']}")
    op.execute(f"GRANT SELECT ON {s}.logentry TO {r['supervisor']}")
    op.execute(f"GRANT SELECT, INSERT ON {s}.logcheckpoint TO {r['supervisor']}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION callassist.sequence_log()")
    op.execute("DELETE FROM storesetting WHERE name = 'log_id'")
    op.drop_table("logcheckpoint")
    op.drop_table("logentry")
