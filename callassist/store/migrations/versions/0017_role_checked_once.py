"""a team's row policies check the login's role once per query, not once per row

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

A policy such as "a supervisor, or the row's own collector" called pg_has_role for every
row it looked at: counting a million calls as a supervisor spent half its time there
(221 ms, 95 ms once checked once). Each policy's role check becomes a subquery, which
PostgreSQL evaluates once per query (an InitPlan) in the same login's name. What each
policy lets through is unchanged. SQLite has no policies: nothing to do there.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# The role check as PostgreSQL prints a policy back (pg_get_expr).
ROLE_CHECK = r"pg_has_role\(CURRENT_USER, '[a-z0-9_]+'::name, 'USAGE'::text\)"
ONCE = re.compile(rf"(?<!SELECT ){ROLE_CHECK}")
PER_ROW = re.compile(rf"\( SELECT ({ROLE_CHECK}) AS pg_has_role\)")


def _rewrite(change) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    policies = bind.execute(
        sa.text(
            "SELECT n.nspname, c.relname, p.polname, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)"
            " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
        )
    ).all()
    for schema, table, name, using, check in policies:
        clauses = [f"{word} ({change(expression)})" for word, expression in (("USING", using), ("WITH CHECK", check)) if expression and change(expression) != expression]
        if clauses:
            op.execute(f'ALTER POLICY "{name}" ON "{schema}"."{table}" {" ".join(clauses)}')


def upgrade() -> None:
    _rewrite(lambda expression: ONCE.sub(lambda found: f"(SELECT {found.group(0)})", expression))


def downgrade() -> None:
    _rewrite(lambda expression: PER_ROW.sub(lambda found: found.group(1), expression))
