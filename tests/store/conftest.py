"""Shared by the store's tests: a ledger of the fixture's three accounts, made on MADE."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from callassist.core.ledger_csv import read_accounts
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.store import db, ledger

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ledger"
MADE = date(2026, 11, 2)  # the day the promises are made
NOON = datetime(2026, 11, 2, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def ledger_engine(store_url):
    """An engine on a database holding the fixture's accounts file, imported on MADE."""
    engine = db.open_engine(store_url)
    with db.session(engine) as session:
        ledger.import_accounts(read_accounts(FIXTURES / "accounts.csv"), default_collector="wang", today=MADE, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    yield engine
    engine.dispose()
