"""ledger: payments, promise follow-through, callbacks and the facts priority needs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import callassist.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("debtor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("work_starts", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("income_day", sa.Integer(), nullable=True))
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("flags", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("broken_promises", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_broken_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("calls_month", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("calls_in_month", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("callback_at", callassist.store.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("next_promise_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("next_promise_amount", callassist.store.types.Amount(), nullable=True))
        batch_op.create_index("ix_account_callback", ["collector_id", "closed", "callback_at"], unique=False)
        batch_op.create_index("ix_account_promise_due", ["collector_id", "closed", "next_promise_due"], unique=False)
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
    with op.batch_alter_table("instalment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid", callassist.store.types.Amount(), nullable=False, server_default="0"))
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("amount", callassist.store.types.Amount(), nullable=False),
        sa.Column("unmatched", callassist.store.types.Amount(), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", callassist.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_account_id"))
    op.drop_table("payment")
    with op.batch_alter_table("instalment", schema=None) as batch_op:
        batch_op.drop_column("paid")
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.drop_column("decided_on")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index("ix_account_promise_due")
        batch_op.drop_index("ix_account_callback")
        for column in ("next_promise_amount", "next_promise_due", "callback_at", "calls_in_month", "calls_month", "last_broken_on", "broken_promises", "flags", "priority_on"):
            batch_op.drop_column(column)
    with op.batch_alter_table("debtor", schema=None) as batch_op:
        batch_op.drop_column("income_day")
        batch_op.drop_column("work_starts")
