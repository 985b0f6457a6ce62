"""claims: the account each open call holds, so that two collectors never call it at once

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import callassist.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claim",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("collector_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("claimed_at", callassist.store.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", callassist.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["collector_id"],
            ["collector.id"],
        ),
        sa.PrimaryKeyConstraint("account_id"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index("ix_contact_stopped", ["id"], unique=False, sqlite_where=sa.text("stop IS NOT NULL"), postgresql_where=sa.text("stop IS NOT NULL"))


def downgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_stopped", sqlite_where=sa.text("stop IS NOT NULL"), postgresql_where=sa.text("stop IS NOT NULL"))
    op.drop_table("claim")
