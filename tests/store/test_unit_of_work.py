"""The services' unit of work: all of its work or none of it, and a database failure as
one line, never a traceback (services/unit.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from callassist.core.errors import StoreError
from callassist.services.unit import retrying, unit_of_work
from callassist.store import db
from callassist.store.models import Collector


def _names(engine) -> list[str]:
    with db.session(engine) as session:
        return [row.name for row in session.exec(select(Collector)).all()]


def test_a_unit_that_fails_halfway_leaves_nothing_behind(ledger_engine):
    before = _names(ledger_engine)
    with pytest.raises(RuntimeError), unit_of_work(ledger_engine, "adding a collector") as session:
        session.add(Collector(name="half", display_name="half"))
        session.flush()  # written to the transaction, not yet committed
        raise RuntimeError("the work broke off")
    assert _names(ledger_engine) == before
    with unit_of_work(ledger_engine, "adding a collector") as session:
        session.add(Collector(name="whole", display_name="whole"))
    assert _names(ledger_engine) == [*before, "whole"]


def test_a_database_failure_is_one_line_saying_what_was_being_done(ledger_engine):
    with pytest.raises(StoreError) as raised, unit_of_work(ledger_engine, "reading the calls") as session:
        session.exec(text("SELECT * FROM no_such_table"))
    assert str(raised.value).startswith("reading the calls: ") and "\n" not in str(raised.value)
    with pytest.raises(StoreError, match="^storing events: "):
        retrying(ledger_engine, "storing events", lambda session: session.exec(text("INSERT INTO no_such_table VALUES (1)")))
