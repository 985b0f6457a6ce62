"""The audit log's checkpoints as a desk takes them: the log's head signed with the desk's key."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from callassist.services.unit import Desk, unit_of_work
from callassist.store import db

if TYPE_CHECKING:
    from callassist.core.checkpoints import Checkpoint


class Audit:
    """Checkpoints of one desk (see Desk)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    @property
    def checkpoint_file(self) -> Path:
        """Where this desk keeps the checkpoints it signed of this database's log."""
        return self.desk.settings.checkpoint_file(str(self.desk.engine.url))

    def checkpoint(self, *, daily: bool) -> Checkpoint | None:
        """Sign the log's head (audit checkpoint) with this desk's key, made (mode 0600) the
        first time, into its checkpoint file. With `daily`, only when none was taken today.
        None when there is nothing to sign, or this login may not (a team's collectors and
        trainers: the team's supervisors sign); LogRefused when the log no longer extends
        a checkpoint; CheckpointError for a key that cannot be used."""
        # Loaded here, not at start-up: signing needs `cryptography`, which a start need not wait for.
        from callassist.core.checkpoints import own_key
        from callassist.store import auditlog

        desk = self.desk
        if desk.engine.dialect.name != "sqlite" and not desk.viewer.reads_team:
            return None
        now = desk.clock()
        with unit_of_work(desk.engine, "cannot take a checkpoint of the log") as session:
            if daily and any(kept.taken_at.astimezone().date() == now.astimezone().date() for kept in auditlog.recorded_checkpoints(session=session)):
                return None
            floor_years = max(db.retention_years(session), desk.settings.contact_rules.retention_years)
            return auditlog.take_checkpoint(own_key(desk.settings.signing_key, make=True), desk.collector, self.checkpoint_file, session=session, floor_years=floor_years, now=now, locale=desk.locale)
