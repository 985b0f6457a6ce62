"""Team mode on PostgreSQL: each person connects as a database role of their own, in one
of the database's three groups, and the database decides what they read and write
(migrations 0008 and 0009).

`grant` is what `callassist db grant` runs, as the tables' owner: the login role, its
group and the person's name in the collector table. `identity` tells the program who a
connection is, so that the database, not a command-line flag, says whose work it is.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session, col, select

from callassist.core.call import utc_now
from callassist.core.errors import StoreError
from callassist.store import db
from callassist.store.models import Collector

ROLES = ("collector", "supervisor", "trainer")


def groups(session: Session) -> dict[str, str]:
    """This database's group role of each team role (its own, made by migration 0009)."""
    rows = session.connection().execute(text("SELECT name, value FROM storesetting WHERE name IN ('role_collector', 'role_supervisor', 'role_trainer')")).all()
    return {name.removeprefix("role_"): value for name, value in rows}


def _postgresql(session: Session) -> None:
    if session.connection().dialect.name != "postgresql":
        raise StoreError("database roles are for a team's PostgreSQL database; a SQLite file is one desk's, with no roles")


def grant(name: str, role: str, *, session: Session, password: str | None = None) -> bool:
    """Let `name` log in as a `role` of the team (one of ROLES: this database's group of
    it), with `password` if given, and only that role; True when the login role was made,
    False when it existed. The caller commits."""
    import psycopg
    from psycopg import sql as psql

    _postgresql(session)
    if role not in ROLES:
        raise StoreError(f"role {role!r}: use {', '.join(ROLES)}")
    team = groups(session)
    connection = session.connection()
    made = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}).first() is None
    login = psql.SQL("CREATE ROLE {} LOGIN" if made else "ALTER ROLE {} LOGIN").format(psql.Identifier(name))
    if password is not None:
        login = psql.SQL("{} PASSWORD {}").format(login, psql.Literal(password))
    try:
        with db.driver(session).cursor() as cursor:
            cursor.execute(login)
            for other in team.values():
                if other != team[role]:
                    cursor.execute(psql.SQL("REVOKE {} FROM {}").format(psql.Identifier(other), psql.Identifier(name)))
            cursor.execute(psql.SQL("GRANT {} TO {}").format(psql.Identifier(team[role]), psql.Identifier(name)))
    except psycopg.Error as exc:  # not the owner, or no right to make roles
        raise StoreError(f"cannot grant {name} the {role} role: {str(exc).splitlines()[0]}") from exc
    if session.exec(select(Collector).where(col(Collector.name) == name)).first() is None:
        session.add(Collector(name=name, display_name=name))
    session.flush()
    return made


def clock_offset(session: Session) -> timedelta:
    """How far the database server's clock is ahead of this machine's: a team's events are
    stamped by the server, and the contact rules must read the same clock."""
    before = utc_now()
    server = session.connection().execute(text("SELECT clock_timestamp()")).scalar_one()
    after = utc_now()
    return server - (before + (after - before) / 2)


def identity(session: Session) -> tuple[str, str] | None:
    """The connection's user and team role (collector, supervisor or trainer) as the
    database itself decides it (callassist.caller(), migration 0009), or None for the
    tables' owner and on any database but PostgreSQL. StoreError for a login that is in
    none of the team's groups."""
    if session.connection().dialect.name != "postgresql":
        return None
    role, user = session.connection().execute(text("SELECT callassist.caller(), session_user")).one()
    if role is None:
        raise StoreError(f"{user} may log in but is in none of the team's groups: a supervisor runs callassist db grant {user} --role collector (or supervisor, trainer)")
    return None if role == "owner" else (user, role)
