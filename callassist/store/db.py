"""Engines and sessions for a database URL; the schema brought up to date by Alembic.

SQLite (the embedded default) runs in WAL mode with synchronous=FULL, so a committed
event survives a crash or power loss, and a busy timeout, so a reader never fails a writer.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

from callassist.core.errors import StoreError
from callassist.core.figures import Judge
from callassist.core.private import open_private, private_dir, tighten
from callassist.core.redact import display_url
from callassist.store.sql import SCHEMA_HEAD, sqlite_file

if TYPE_CHECKING:
    from sqlite3 import Connection as SQLiteConnection

    from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def open_engine(url: str, retention_years: int | None = None, judge: Callable[[], Judge] | None = None) -> Engine:
    """An engine on an up-to-date schema; StoreError naming the URL (never its password)
    and the reason if not. `retention_years`: the floor a new database keeps to (see
    upgrade); `judge`, what makes the content in use's judge (see upgrade)."""
    try:
        engine = make_engine(url)
        upgrade(engine, retention_years, judge)
    except ImportError as exc:
        raise StoreError(f"cannot open the database {display_url(url)}: its driver is not installed ({exc.name}); for PostgreSQL: pip install 'psycopg[binary]'") from exc
    except (SQLAlchemyError, OSError, RuntimeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(f"cannot open the database {display_url(url)}: {reason}") from exc
    return engine


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and (path := sqlite_file(url)) is not None:
            _private_file(path)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _private_file(path: Path) -> None:
    """A SQLite file only its user may read: made 0600 before SQLite opens it (its journal
    files take its mode), or tightened, with them, when an older version left it readable."""
    try:
        private_dir(path.parent)
        os.close(open_private(path, os.O_RDONLY))
    except OSError:  # a folder or file this login may not write: SQLite says why when it opens it
        return
    for suffix in ("", "-wal", "-shm"):
        tighten(path.with_name(path.name + suffix))


def _casefold(value: str | bytes | int | float | None) -> str | bytes | int | float | None:
    return value.casefold() if isinstance(value, str) else value


def _sqlite_pragmas(dbapi_connection: SQLiteConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Python's casefold, for searches in any script (store/browse.py): SQLite's lower() knows only ASCII.
    dbapi_connection.create_function("casefold", 1, _casefold, deterministic=True)
    cursor.close()


def alembic_config(engine: Engine | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def schema_version(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, retention_years: int | None = None, judge: Callable[[], Judge] | None = None) -> None:
    """Bring the schema to the newest migration; Alembic is loaded only when there is work.

    `retention_years` (the profile in force) is the floor under any purge that a database
    set up now keeps to, stored in it by migration 0009 (5 years when not given); a later
    profile may raise it (raise_retention), never lower it. `judge` makes what migration
    0016 reads the calls it sums up with (core/figures.py Judge), called only when there
    are some (the shipped content's when not given)."""
    if schema_version(engine) == SCHEMA_HEAD:
        return
    from alembic import command

    config = alembic_config(engine)
    config.attributes["retention_years"] = retention_years
    config.attributes["judge"] = judge
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # A migration that changes a column rebuilds its table on SQLite; the rows that
            # refer to it must not be checked half-way (the whole schema is checked after).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # SQLite ignores the pragma inside a transaction
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise StoreError("the migration left rows that refer to missing ones; nothing was changed")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


RETENTION = "retention_years"


def retention_years(session: Session) -> int:
    """The floor under any purge that this database keeps to, in years."""
    return int(session.connection().execute(text("SELECT value FROM storesetting WHERE name = :name"), {"name": RETENTION}).scalar_one())


def raise_retention(session: Session, years: int) -> int:
    """Keep records at least `years` from now on, if that is more than the stored floor
    (only the tables' owner may, on a team's database); the floor now. The caller commits."""
    stored = retention_years(session)
    if years > stored:
        session.connection().execute(text("UPDATE storesetting SET value = :years WHERE name = :name"), {"years": str(years), "name": RETENTION})
        return years
    return stored


def session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


Result = TypeVar("Result")

# PostgreSQL's "try the transaction again": a serialization failure or a deadlock.
RETRY_STATES = frozenset({"40001", "40P01"})
RETRIES = 3


def must_retry(exc: BaseException) -> bool:
    """The database undid the transaction and asks for it to be run again."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in RETRY_STATES


def out_of_reach(exc: BaseException) -> bool:
    """The database cannot be reached now (connection lost or refused, server gone, SQLite
    file locked too long), as opposed to refusing what was asked of it."""
    return isinstance(exc, (OperationalError, InterfaceError, OSError)) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def run_retrying(engine: Engine, work: Callable[[Session], Result]) -> Result:
    """`work(session)` in a transaction of its own, run again (up to RETRIES times) when
    the database asks for that; the work must commit, and be safe to run twice."""
    for attempt in range(1, RETRIES + 1):
        try:
            with session(engine) as current:
                return work(current)
        except DBAPIError as exc:
            if attempt == RETRIES or not must_retry(exc):
                raise
    raise AssertionError("RETRIES is at least 1")


def driver(session: Session) -> Any:
    """The database driver's own connection, in the session's transaction: for the few
    statements that go around SQLAlchemy (the worklist's, measured; roles it cannot say)."""
    raw = session.connection().connection.driver_connection
    if raw is None:
        raise StoreError("the database connection is closed")
    return raw
