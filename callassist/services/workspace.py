"""One login's workspace: the desk (settings, database, identity, clock) and the services
over it. The app holds one; the screens call its services and get core dataclasses back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import Engine

from callassist.core.call import utc_now
from callassist.core.compliance import Viewer
from callassist.core.errors import StoreError
from callassist.core.redact import display_url
from callassist.services.audit import Audit
from callassist.services.calls import Calls
from callassist.services.content import Content
from callassist.services.ledger import Ledger
from callassist.services.reports import Reports
from callassist.services.unit import Desk, unit_of_work
from callassist.settings import Settings
from callassist.store import db, queries, team


@dataclass
class Workspace:
    """The services of one desk; `clock` may be set (a team's server clock, a test's)."""

    desk: Desk
    content: Content
    calls: Calls
    ledger: Ledger
    reports: Reports
    audit: Audit

    @classmethod
    def on(cls, desk: Desk) -> Workspace:
        """The services over `desk`; nothing is read yet."""
        content = Content(desk.settings)
        return cls(desk, content, Calls(desk, content), Ledger(desk), Reports(desk), Audit(desk))

    @classmethod
    def open(cls, settings: Settings, url: str, locale: str) -> Workspace:
        """Open the database (migrating it if needed); content loads later, see Content.ensure.

        StoreError, with the URL and the reason, when the database cannot be opened.
        """
        engine = db.open_engine(url, settings.contact_rules.retention_years, settings.judge)
        with unit_of_work(engine, f"cannot open the database {display_url(url)}") as session:
            member = team.identity(session)
            if member is not None:
                # A team's database says who this is and what they may do (store/team.py).
                settings = replace(settings, collector=member[0], role=member[1])
            collector = queries.collector_by_name(settings.collector, session=session, create=member is None)
            if collector is None or collector.id is None:
                raise StoreError(f"{settings.collector} may log in to {display_url(url)} but is not in its team: a supervisor runs callassist db grant {settings.collector} --role {settings.role}")
            collector_id = collector.id
            offset = team.clock_offset(session) if member is not None else None
        desk = Desk(settings, engine, locale, settings.collector, collector_id)
        if offset is not None:
            # The server stamps a team's events: the contact rules go by its clock, so a
            # desk whose clock is wrong neither dials out of hours nor blocks in hours.
            desk.clock = lambda: utc_now() + offset
        workspace = cls.on(desk)
        # Events left waiting by a program that lost the database and then stopped: stored
        # before anything is read, so a call to resume is whole.
        workspace.calls.flush_outbox()
        return workspace

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.desk.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        self.desk.clock = clock

    @property
    def settings(self) -> Settings:
        return self.desk.settings

    @property
    def engine(self) -> Engine:
        return self.desk.engine

    @property
    def collector(self) -> str:
        return self.desk.collector

    @property
    def viewer(self) -> Viewer:
        """Who runs the app, and so which stored calls they may read."""
        return self.desk.viewer

    @property
    def class_days(self) -> tuple[int, ...]:
        """The days of the month the creditor's classes are counted on (core/priority.py)."""
        return self.desk.settings.class_days

    def close(self) -> None:
        """Let go of what this program holds (the calls on its screen)."""
        self.calls.close()
