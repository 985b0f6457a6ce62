"""the calls browser in SQL: what each summary keeps for its filters, and the calls' time indexes

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

The calls browser reads one screen of calls at a time, filtered and sorted by the
database, so a summary now keeps what it filters by (core/calls.py BrowseFacts): the
excuses raised, the scorecard items failed, the call's length, and the text its search
box looks in, also without personal data for a trainer. Indexes on the calls' start
(all, and per collector) give the newest first without a sort; the one on their end
makes "did a call end since?" one lookup. The summaries already written get these
columns from their events; every ended call without a summary gets one, from its
events, judged by the content in use (`db upgrade` says which; else the shipped one).
SQLite's trigger that keeps a summary unchanged now covers the new columns too.
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

NEW_COLUMNS = ("excuses", "flags", "seconds", "search", "search_masked")


def _kept_trigger(columns: tuple[str, ...]) -> str:
    return f"CREATE TRIGGER summary_kept BEFORE UPDATE OF {', '.join(columns)} ON callsummary BEGIN SELECT RAISE(ABORT, 'a call''s summary is never changed'); END"


def _old_columns() -> tuple[str, ...]:
    base = context.script.get_revision("0015").module
    return tuple(c for c in base.SUMMARY_COLUMNS if c != "promise_status")


def upgrade() -> None:
    with op.batch_alter_table("callsummary", schema=None, recreate="never") as batch_op:
        for name in ("excuses", "flags", "search", "search_masked"):
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("seconds", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("call", schema=None, recreate="never") as batch_op:
        batch_op.create_index("ix_call_started", ["started_at"], unique=False)
        batch_op.create_index("ix_call_collector_started", ["collector_id", "started_at"], unique=False)
        batch_op.create_index("ix_call_ended", ["ended_at"], unique=False)
    bind = op.get_bind()
    sqlite = bind.dialect.name != "postgresql"
    if sqlite:
        op.execute("DROP TRIGGER summary_kept")
    _fill(bind)
    if sqlite:
        op.execute(_kept_trigger(_old_columns() + NEW_COLUMNS))


def _fill(bind) -> None:
    """The new columns of the summaries written before, and the summaries of the ended calls that have none."""
    from callassist.store import summaries  # the one definition of a summary, now as later

    summed = bind.execute(sa.text("SELECT call_id, practice FROM callsummary")).all()
    waiting = bind.execute(sa.text("SELECT 1 FROM call WHERE ended_at IS NOT NULL AND id NOT IN (SELECT call_id FROM callsummary) LIMIT 1")).first()
    if not summed and not waiting:
        return
    judge = _judge()
    summaries.fill_browse_columns(bind, summed, judge)
    summaries.backfill(bind, judge)


def _judge():
    made = context.config.attributes.get("judge")
    if made is not None:
        return made()
    from callassist.core.judge import SHIPPED_SCRIPT, load_judge
    from callassist.core.shipped import SHIPPED_OBJECTIONS, SHIPPED_SCRIPTS

    return load_judge(SHIPPED_SCRIPTS, SHIPPED_SCRIPT, SHIPPED_OBJECTIONS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER summary_kept")
        op.execute(_kept_trigger(_old_columns()))
    with op.batch_alter_table("call", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_call_ended")
        batch_op.drop_index("ix_call_collector_started")
        batch_op.drop_index("ix_call_started")
    with op.batch_alter_table("callsummary", schema=None, recreate="never") as batch_op:
        for name in NEW_COLUMNS:
            batch_op.drop_column(name)
