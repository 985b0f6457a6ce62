"""what the phone reports, and the call's recording, are events a login may store

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05

A call dialled through a phone (core/phone.py) stores what the line reported as
`phone_*` events, with the phone's own call id, and its recording as
`recording_attached` (core/call.py). On PostgreSQL the shape every stored event must fit
gains these kinds, so a team member's login can dial through the phone; SQLite has no
such check.
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_LINE = {"phone_call_id": "text"}
_ENDED = _LINE | {"reason": "text"}
PHONE_EVENTS = {
    "phone_dialling": _LINE | {"number": "text"},
    "phone_ringing": _LINE,
    "phone_answered": _LINE,
    "phone_busy": _ENDED,
    "phone_failed": _ENDED,
    "phone_no_answer": _LINE | {"after": "seconds"},
    "phone_hung_up": _LINE | {"by": "side"},
    "phone_line_lost": _ENDED,
    "recording_attached": _LINE | {"file": "text", "sha256": "sha256", "seconds": "seconds", "format": "text"},
}


def _event_kinds(with_phone: bool) -> None:
    """The kinds of event a login may store, and the shape of each (see 0009 and 0014)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    base = context.script.get_revision("0009").module
    endings = context.script.get_revision("0013").module
    undone = context.script.get_revision("0014").module
    kinds = base.EVENT_SHAPES | {"hold_placed": endings.HOLD_PLACED, "undone": undone.UNDONE} | (PHONE_EVENTS if with_phone else {})
    schema = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    roles = dict(bind.execute(sa.text("SELECT substr(name, 6), value FROM storesetting WHERE name LIKE 'role\\_%'")).all())
    op.execute(base.shape_problem_function(base._shape_checks(events=kinds, dispositions=endings.ENDINGS), replace=True))
    op.execute(base.chain_event_function(schema, roles, tuple(kinds), replace=True))


def upgrade() -> None:
    _event_kinds(True)


def downgrade() -> None:
    _event_kinds(False)
