"""account clock: the worklist walks each debtor clock's accounts by standing

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clock", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("income_day", sa.Integer(), nullable=True))
    # The format of core.priority.clock_key: "zone|HH:MM", the start empty when unknown.
    op.execute("UPDATE account SET clock = (SELECT d.timezone || '|' || coalesce(d.work_starts, '') FROM debtor d WHERE d.id = account.debtor_id), income_day = (SELECT d.income_day FROM debtor d WHERE d.id = account.debtor_id)")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column("clock", server_default=None)
        batch_op.drop_index("ix_account_worklist")
        batch_op.create_index("ix_account_worklist", ["collector_id", "closed", "clock", "priority", "id"], unique=False)
        batch_op.create_index("ix_account_income", ["collector_id", "closed", "clock", "income_day", "priority", "id"], unique=False, **_only_where("income_day IS NOT NULL"))
        # What is due now is on a few accounts: the indexes hold only those.
        batch_op.drop_index("ix_account_callback")
        batch_op.create_index("ix_account_callback", ["collector_id", "closed", "callback_at"], unique=False, **_only_where("callback_at IS NOT NULL"))
        batch_op.drop_index("ix_account_promise_due")
        batch_op.create_index("ix_account_promise_due", ["collector_id", "closed", "next_promise_due"], unique=False, **_only_where("next_promise_due IS NOT NULL"))


def _only_where(condition: str) -> dict:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index("ix_account_promise_due")
        batch_op.create_index("ix_account_promise_due", ["collector_id", "closed", "next_promise_due"], unique=False)
        batch_op.drop_index("ix_account_callback")
        batch_op.create_index("ix_account_callback", ["collector_id", "closed", "callback_at"], unique=False)
        batch_op.drop_index("ix_account_income")
        batch_op.drop_index("ix_account_worklist")
        batch_op.create_index("ix_account_worklist", ["collector_id", "closed", "priority"], unique=False)
        batch_op.drop_column("income_day")
        batch_op.drop_column("clock")
