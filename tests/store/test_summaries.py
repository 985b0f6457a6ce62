"""Issue 24: the team's figures come from each call's summary, written with its end, and
added up in SQL; they must always equal the figures worked out from the events
themselves, on the demo and on any ledger, on SQLite and PostgreSQL, after a purge too."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, text
from sqlmodel import select

from callassist.core.compliance import Viewer
from callassist.core.figures import Figures, Judge, as_data, figures_from
from callassist.store import db, demo, queries
from callassist.store.demo_history import populate_history
from callassist.store.models import Call, Collector, Instalment, Promise, PurgeLog
from tests.conftest import TODAY
from tests.figures_from_events import CallRecord, figures

SUPERVISOR = Viewer("boss", "supervisor")


def from_events(session, today: date, detect, collector: str | None = None, date_from: date | None = None, date_to: date | None = None) -> Figures:
    """The figures worked out from every stored event, as the program did before summaries."""
    query = select(Call, Collector.name).join(Collector, Collector.id == Call.collector_id).where(Call.practice == False)  # noqa: E712
    chosen = [(call, name) for call, name in session.exec(query).all() if (collector is None or name == collector) and (date_from is None or call.started_at.date() >= date_from) and (date_to is None or call.started_at.date() <= date_to)]
    fates = {}
    due = select(Promise.call_id, Promise.status, func.min(Instalment.due_on)).join(Instalment, Instalment.promise_id == Promise.id).group_by(Promise.id).order_by(Promise.id)
    for call_id, status, first in session.exec(due).all():
        fates[call_id] = (status, first)
    records = [CallRecord(call.id, name, call.started_at.date(), queries.call_events(call.id, session=session), *fates.get(call.id, (None, None))) for call, name in chosen]
    return figures(records, today, detect)


def from_summaries(session, today: date, **filters) -> Figures:
    return figures_from(queries.team_totals(session=session, viewer=SUPERVISOR, today=today, **filters))


def assert_same(found: Figures, expected: Figures) -> None:
    """Equal in everything; the mean seconds per step to the float's last places (SQL adds
    them in another order)."""
    assert found.phase_seconds == pytest.approx(expected.phase_seconds)
    assert as_data(found) | {"seconds_per_step": None} == as_data(expected) | {"seconds_per_step": None}
    assert found.missed == expected.missed and sorted(found.damaged) == sorted(expected.damaged)


@pytest.fixture(scope="module")
def detect(catalog):
    return catalog.finder().detect


def _demo(engine, standard_flow, catalog, calls: int, days: int, seed: int) -> None:
    with db.session(engine) as session:
        demo.populate(session, "wang", TODAY)
    with db.session(engine) as session:
        populate_history(session, standard_flow, catalog, TODAY, calls=calls, days=days, seed=seed)


def test_the_demos_figures_from_summaries_are_those_of_its_events(store_url, standard_flow, catalog, detect):
    engine = db.open_engine(store_url)
    _demo(engine, standard_flow, catalog, calls=120, days=30, seed=11)
    with db.session(engine) as session:
        expected = from_events(session, TODAY, detect)
        assert expected.calls > 100 and expected.rungs and expected.excuses and expected.kept and expected.missed  # the comparison covers every section
        assert_same(from_summaries(session, TODAY), expected)
        wang, first, last = "wang", TODAY - timedelta(days=20), TODAY - timedelta(days=5)
        assert_same(from_summaries(session, TODAY, collector=wang, date_from=first, date_to=last), from_events(session, TODAY, detect, wang, first, last))
        # A week later more promises are due: their fates are read as they are then.
        later = TODAY + timedelta(days=7)
        assert_same(from_summaries(session, later), from_events(session, later, detect))
    engine.dispose()


def test_a_purge_takes_its_calls_out_of_the_sums(tmp_path, standard_flow, catalog, detect):
    engine = db.open_engine(db.sqlite_url(tmp_path / "purge.db"))
    _demo(engine, standard_flow, catalog, calls=60, days=30, seed=5)
    with db.session(engine) as session:
        before = from_summaries(session, TODAY)
        cut = TODAY - timedelta(days=15)
        session.connection().execute(text("UPDATE storesetting SET value = '0' WHERE name = 'retention_years'"))
        log = queries.purge_calls(PurgeLog(purged_at=datetime.now(UTC), by="boss", role="supervisor", profile="cn", before=cut, calls=0, events=0, reviews=0), 0, session=session)
        session.commit()
        assert log.calls > 0
        after = from_summaries(session, TODAY)
        assert 0 < after.calls < before.calls
        assert_same(after, from_events(session, TODAY, detect))
    engine.dispose()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), calls=st.integers(1, 40), days=st.integers(1, 30), look=st.integers(-10, 40))
def test_any_ledgers_figures_from_summaries_are_those_of_its_events(tmp_path_factory, standard_flow, catalog, detect, seed, calls, days, look):
    engine = db.open_engine(db.sqlite_url(tmp_path_factory.mktemp("random") / "calls.db"))
    _demo(engine, standard_flow, catalog, calls=calls, days=days, seed=seed)
    today = TODAY + timedelta(days=look)
    with db.session(engine) as session:
        assert_same(from_summaries(session, today), from_events(session, today, detect))
    engine.dispose()


def test_a_summary_is_never_changed(tmp_path, standard_flow, catalog):
    engine = db.open_engine(db.sqlite_url(tmp_path / "kept.db"))
    _demo(engine, standard_flow, catalog, calls=5, days=5, seed=1)
    with pytest.raises(Exception, match="never changed"), engine.begin() as connection:
        connection.execute(text("UPDATE callsummary SET promised = NOT promised"))
    engine.dispose()


def test_the_sums_are_the_summaries_added_up(tmp_path, standard_flow, catalog):
    """What the triggers keep: each collector-day's items, from the summaries' own parts."""
    import json

    engine = db.open_engine(db.sqlite_url(tmp_path / "sums.db"))
    _demo(engine, standard_flow, catalog, calls=40, days=10, seed=3)
    with engine.connect() as connection:
        expected: dict = defaultdict(lambda: [0, 0.0])
        for day, collector_id, parts in connection.execute(text("SELECT day, collector_id, parts FROM callsummary")):
            for item, (count, total) in json.loads(parts).items():
                expected[(day, collector_id, item)][0] += count
                expected[(day, collector_id, item)][1] += total
        stored = {(day, collector_id, item): [n, total] for day, collector_id, item, n, total in connection.execute(text("SELECT day, collector_id, item, n, total FROM figureday"))}
    assert stored.keys() == expected.keys()
    assert all(stored[key][0] == expected[key][0] and stored[key][1] == pytest.approx(expected[key][1]) for key in stored)
    engine.dispose()


def test_a_call_damaged_before_it_was_summed_up_is_left_out_and_named(tmp_path, standard_flow, catalog, detect):
    """Migration 0016 sums up the calls stored before it; one whose row no longer parses
    is counted as damaged, as the figures from events leave it out."""
    from callassist.store import summaries

    engine = db.open_engine(db.sqlite_url(tmp_path / "old.db"))
    _demo(engine, standard_flow, catalog, calls=20, days=10, seed=2)
    with engine.begin() as connection:
        victim = connection.execute(text("SELECT call_id FROM callsummary WHERE dialled ORDER BY call_id LIMIT 1")).scalar_one()
        connection.execute(text("DELETE FROM callsummary"))
        assert connection.execute(text("SELECT count(*) FROM figureday")).scalar_one() == 0  # the sums went with them
        connection.execute(text("UPDATE callevent SET payload = 'not json {' WHERE call_id = :call AND seq = 2"), {"call": victim})
        assert summaries.backfill(connection, Judge(detect)) == 20
    with db.session(engine) as session:
        found = from_summaries(session, TODAY)
        assert found.damaged == [victim] and found.calls == 19
        assert_same(found, from_events(session, TODAY, detect))
    engine.dispose()


def test_a_trainer_gets_the_missed_objections_without_their_notes(tmp_path, standard_flow, catalog):
    """A note may name the debtor or their number: a trainer reads no personal data."""
    engine = db.open_engine(db.sqlite_url(tmp_path / "trainer.db"))
    _demo(engine, standard_flow, catalog, calls=120, days=30, seed=11)
    with db.session(engine) as session:
        supervised = queries.team_totals(session=session, viewer=SUPERVISOR, today=TODAY).missed
        trained = queries.team_totals(session=session, viewer=Viewer("tina", "trainer"), today=TODAY).missed
    assert supervised and all(m.note for m in supervised)
    assert [(m.call_id, m.excuse) for m in trained] == [(m.call_id, m.excuse) for m in supervised] and not any(m.note for m in trained)
    engine.dispose()
