"""a call may end as not dialled: left from its first step, nothing dialled

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

No table changes. On PostgreSQL the shape every stored event must fit (0009's
callassist.shape_problem) gains the outcome `not_dialled`, so that a team login's
program may store it; no other outcome is added.
"""

from alembic import context, op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ENDINGS = ("promise", "callback", "dispute", "no_answer", "wrong_party", "refused", "escalated", "abusive", "not_dialled")  # core/flow.py


def _shape_problem(endings: tuple[str, ...]) -> str:
    base = context.script.get_revision("0009").module
    return base.shape_problem_function(base._shape_checks(dispositions=endings), replace=True)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_shape_problem(ENDINGS))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_shape_problem(ENDINGS[:-1]))
