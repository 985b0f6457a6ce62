"""a choice taken back: the `undone` event

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

A collector may take back the last choice of a call (core/call.py Call.undo); the log
keeps the choice and adds an `undone` event naming how many events it took back. On
PostgreSQL the shape every stored event must fit gains that kind; SQLite has no such check.
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UNDONE = {"events": "integer", "what": "text", "from": "text", "to": "text"}


def _event_kinds(with_undone: bool) -> None:
    """The kinds of event a login may store, and the shape of each (see 0009)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    base = context.script.get_revision("0009").module
    latest = context.script.get_revision("0013").module
    kinds = base.EVENT_SHAPES | {"hold_placed": latest.HOLD_PLACED} | ({"undone": UNDONE} if with_undone else {})
    schema = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    roles = dict(bind.execute(sa.text("SELECT substr(name, 6), value FROM storesetting WHERE name LIKE 'role\\_%'")).all())
    op.execute(base.shape_problem_function(base._shape_checks(events=kinds, dispositions=latest.ENDINGS), replace=True))
    op.execute(base.chain_event_function(schema, roles, tuple(kinds), replace=True))


def upgrade() -> None:
    _event_kinds(True)


def downgrade() -> None:
    _event_kinds(False)
