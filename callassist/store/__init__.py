"""Persistence: SQLModel tables, Alembic migrations, the event log. Imports core, never tui."""
