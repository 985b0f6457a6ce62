"""What supervisors read: the calls browser's pages, the team's figures and calls in
progress, the stamps that say when to read them again, and reviews."""

from __future__ import annotations

from datetime import datetime

from callassist.core.calls import CallFilter, CallReview, CallSummary
from callassist.core.figures import Figures, figures_from
from callassist.services.unit import Desk, unit_of_work
from callassist.store import browse, queries

READING_CALLS = "cannot read the calls"


class Reports:
    """The stored calls one login may read (see Desk.viewer)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def calls_count(self, wanted: CallFilter) -> int:
        """How many stored calls the login may read pass the calls browser's filters."""
        with unit_of_work(self.desk.engine, READING_CALLS) as session:
            return browse.count(session.connection(), wanted, self.desk.viewer)

    def calls_page(self, wanted: CallFilter, offset: int, limit: int, total: int | None = None) -> list[CallSummary]:
        """One screen of the calls browser: the calls from `offset` on (store/browse.py)."""
        with unit_of_work(self.desk.engine, READING_CALLS) as session:
            return browse.page(session.connection(), wanted, self.desk.viewer, offset, limit, total)

    def calls_position(self, wanted: CallFilter, call_id: str) -> int | None:
        """Where a call now is in the calls browser's list (store/browse.py position)."""
        with unit_of_work(self.desk.engine, READING_CALLS) as session:
            return browse.position(session.connection(), wanted, self.desk.viewer, call_id)

    def call_collectors(self) -> list[str]:
        """The collectors whose calls the login may read, for the browser's filter."""
        with unit_of_work(self.desk.engine, READING_CALLS) as session:
            return browse.collectors(session.connection(), self.desk.viewer)

    def figures_stamp(self) -> tuple[object, ...]:
        """A stamp that changes when the team's figures may have (store/browse.py figures_stamp)."""
        with unit_of_work(self.desk.engine, READING_CALLS) as session:
            return browse.figures_stamp(session.connection())

    def calls_stamp(self) -> tuple[object, ...]:
        """A stamp that changes when calls are stored, end or are purged (store/browse.py stamp)."""
        with unit_of_work(self.desk.engine, READING_CALLS) as session:
            return browse.stamp(session.connection())

    def calls_in_progress(self) -> list[tuple[str, str, str, str, datetime]]:
        """The team's calls on screen now: (call id, collector, debtor, step, started)."""
        with unit_of_work(self.desk.engine, "cannot read the calls in progress") as session:
            return queries.calls_in_progress(self.desk.clock(), self.desk.viewer, session=session)

    def team_figures(self) -> Figures:
        """The figures of every real call, as of today."""
        with unit_of_work(self.desk.engine, READING_CALLS) as session:
            return figures_from(queries.team_totals(session=session, viewer=self.desk.viewer, today=self.desk.clock().date()))

    def add_review(self, call_id: str, score: int, comment: str) -> list[CallReview]:
        """Store a supervisor's score (1-5) and comment, by whoever runs the app; the call's reviews."""
        with unit_of_work(self.desk.engine, "cannot store the review") as session:
            queries.add_review(call_id, self.desk.collector, score, comment.strip(), self.desk.clock(), session=session)
            session.flush()
            return queries.reviews(call_id, session=session)
