"""how a contact is addressed (`contact.salutation`); a call may end having left a
message or having reminded the debtor

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

`contact.salutation` holds how the collector addresses the contact when an accounts file
says (陈经理, 王总, Ms Mitchell); empty, it is worked out from the name and role
(core/names.py). A supervisor's import writes it as it writes the name and role. On
PostgreSQL the shape every stored event must fit gains the outcomes `left_message` and
`reminded`.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ENDINGS = ("promise", "callback", "dispute", "no_answer", "wrong_party", "refused", "escalated", "abusive", "on_hold", "left_message", "reminded", "not_dialled")  # core/flow.py
HOLD_PLACED = {"reason": "text", "details": "text?", "state": "text", "situation": "text?"}  # 0012
NEW_ENDINGS = ("left_message", "reminded")


def _shape_problem(endings: tuple[str, ...]) -> str:
    base = context.script.get_revision("0009").module
    return base.shape_problem_function(base._shape_checks(events=base.EVENT_SHAPES | {"hold_placed": HOLD_PLACED}, dispositions=endings), replace=True)


def _supervisor(bind) -> tuple[str, str]:
    schema = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    role = bind.execute(sa.text("SELECT value FROM storesetting WHERE name = 'role_supervisor'")).scalar_one()
    return schema, role


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("salutation", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_shape_problem(ENDINGS))
        schema, supervisor = _supervisor(bind)
        op.execute(f"GRANT INSERT (salutation), UPDATE (salutation) ON {schema}.contact TO {supervisor}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_shape_problem(tuple(ending for ending in ENDINGS if ending not in NEW_ENDINGS)))
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("salutation")
