"""The unit of work: one transaction per thing a service does, committed once at its end,
and what a login is (the desk) that every service shares."""

from __future__ import annotations

from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from callassist.core.call import utc_now
from callassist.core.compliance import Viewer
from callassist.core.errors import StoreError
from callassist.settings import Settings
from callassist.store import db

Result = TypeVar("Result")


@dataclass
class Desk:
    """Who works, where and by which clock: the settings, the database, the interface's
    language, the login's collector (name and id) and the clock the contact rules go by
    (a team's server clock; tests set their own)."""

    settings: Settings
    engine: Engine
    locale: str
    collector: str
    collector_id: int
    clock: Callable[[], datetime] = utc_now

    @property
    def viewer(self) -> Viewer:
        """Who runs the app, and so which stored calls they may read."""
        return Viewer(self.collector, self.settings.role)


def first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@contextmanager
def database_errors(doing: str) -> Generator[None]:
    """Database failures become StoreError: the interface says what failed, never a traceback."""
    try:
        yield
    except (SQLAlchemyError, OSError) as exc:
        raise StoreError(f"{doing}: {first_line(exc)}") from exc


@contextmanager
def unit_of_work(engine: Engine, doing: str) -> Generator[Session]:
    """A session whose work is committed once, when the block ends without an error (and
    rolled back otherwise); a database failure is a StoreError saying `doing`."""
    with database_errors(doing), db.session(engine) as session:
        yield session
        session.commit()


def retrying(engine: Engine, doing: str, work: Callable[[Session], Result]) -> Result:
    """`work(session)` as one unit of work, run again when the database undid it to break a
    deadlock or a conflict (store/db.py run_retrying): the work must be safe to run twice."""

    def committed(session: Session) -> Result:
        result = work(session)
        session.commit()
        return result

    with database_errors(doing):
        return db.run_retrying(engine, committed)
