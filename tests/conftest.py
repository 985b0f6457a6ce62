"""Shared fixtures: the real content, a sample account, a fixed clock."""

from __future__ import annotations

import fcntl
import gc
import os
import shutil
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from callassist.core.account import AccountSnapshot, InvoiceLine, PastPromise, build_context
from callassist.core.call import Call
from callassist.core.flow import load_flow
from callassist.core.objections import load_catalog

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
OBJECTIONS = ROOT / "objections"
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai
TODAY = date(2026, 11, 20)


# Each test process rewrites the test modules' asserts as it imports them (2.7 CPU-s of the
# 4.7 its collection takes), unless it finds them kept from an earlier run: kept, even where
# the environment says PYTHONDONTWRITEBYTECODE (this machine's image does).
sys.dont_write_bytecode = False

# The machines are noisy: drawing an example may wait for a core (3 s once, on a loaded
# machine), which says nothing of the code; a property still fails on a wrong answer.
settings.register_profile("suite", suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


def pytest_collection_finish(session) -> None:
    """What a test process has imported and collected stays for the whole run: kept out of
    the garbage collector's scans from here, as the app does once it has started
    (tui/app.py resume_gc). Paired runs, 2026-12-05: the Pilot tests spent 4% less CPU,
    the core's and a store file's 10% less. The youngest objects are collected after 50,000
    allocations, not 700: a test makes and drops many (an app's widgets, a call's events),
    and each collection walked them again; paired runs, 2026-12-05 evening: 6 to 10% less
    CPU in the Pilot, store and audit tests."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    # The app has Python hand the GIL between threads every 0.5 ms, not 5, for a keystroke's
    # latency (tui/app.py); the suite measures no latency (the benchmarks do, with it), and
    # four test processes on two cores spent 5 to 10% more CPU switching (paired runs of the
    # Pilot tests, 2026-12-05 evening).
    if (app_module := sys.modules.get("callassist.tui.app")) is not None:  # imported by the Pilot tests collected
        app_module.GIL_SWITCH_INTERVAL = sys.getswitchinterval()
        _share_parsed_css()


def _share_parsed_css() -> None:
    """Textual keeps the CSS it parsed per stylesheet, and makes a new one for every app
    (and every reparse): a test process running hundreds of apps parsed the same CSS with
    the same variables hundreds of times, a sixth of an app's start (0.17 CPU-s to 0.14,
    2026-12-05). Parsed rules are never changed once made (Textual hands the same ones to
    each parse of a sheet), so they are shared between sheets whose variables are the same."""
    from textual.css.stylesheet import Stylesheet

    parsed: dict[tuple, list] = {}
    parse_rules = Stylesheet._parse_rules

    def shared(self, css, read_from, is_default_rules=False, tie_breaker=0, scope=""):
        variables = self._variables
        known = getattr(self, "_suite_variables", None)
        if known is None or known[0] is not variables:  # set_variables gives a sheet new ones
            known = self._suite_variables = (variables, tuple(sorted(variables.items())))
        key = (css, read_from, is_default_rules, tie_breaker, scope, known[1])
        if key not in parsed:
            parsed[key] = parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
        return parsed[key]

    Stylesheet._parse_rules = shared


def pytest_xdist_auto_num_workers(config) -> int:
    """Two workers more than the cores: a good part of the suite waits (a program starting,
    a phone ringing, PostgreSQL answering, another process making the shared demo), and
    the extra workers fill those waits. On two idle cores, 2026-12-05: four workers 185 s
    for the whole suite, three 194 s."""
    return (os.cpu_count() or 1) + 2


@pytest.fixture(scope="session")
def standard_flow():
    return load_flow(SCRIPTS / "standard")


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(OBJECTIONS)


@pytest.fixture
def sample_account() -> AccountSnapshot:
    return AccountSnapshot(
        account_id=1,
        debtor="[bold]张三[/] Trading",
        contact_name="Li Wei",
        contact_role="finance manager",
        phone="+86 21 5555 0101",
        timezone="Asia/Shanghai",
        currency="CNY",
        balance=Decimal("48250.00"),
        invoices=(
            InvoiceLine("INV-1001", date(2026, 7, 1), date(2026, 8, 1), Decimal("30000.00")),
            InvoiceLine("INV-1002", date(2026, 8, 1), date(2026, 9, 1), Decimal("18250.00")),
        ),
        promises=(PastPromise(Decimal("10000.00"), date(2026, 10, 30), "broken"),),
    )


@pytest.fixture
def make_call(standard_flow, catalog, sample_account):
    def make(locale: str = "en") -> Call:
        context = build_context(sample_account, locale=locale, collector="Wang Fang", creditor="Northbridge Supply", now=NOW)
        return Call(standard_flow, catalog, context, sample_account.money, clock=lambda: NOW)

    return make


@pytest.fixture(scope="session")
def demo_copy(tmp_path_factory, worker_id):
    """Puts a copy of the demo database at a path, for a test that works on one: made by
    `callassist demo --no-open` once per collector for the whole run (its 300 calls take
    seconds; the test processes share it), copied in milliseconds after. Returns the
    copy's URL."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # the run's folder, above each test process's own

    def copy(path: Path, collector: str = "wang") -> str:
        pristine = shared / f"demo-{collector}.db"
        with open(shared / f"demo-{collector}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one process makes it, the others wait for it
            if not pristine.exists():
                from typer.testing import CliRunner

                from callassist.cli import app

                making = tmp_path_factory.mktemp("demo") / "demo.db"
                result = CliRunner().invoke(app, ["--db", f"sqlite:///{making}", "--collector", collector, "demo", "--no-open"])
                assert result.exit_code == 0, result.output
                assert not making.with_name("demo.db-wal").exists(), "the copy holds every row"
                os.replace(making, pristine)
        shutil.copy(pristine, path)  # and its mode: private, as the command made it
        return f"sqlite:///{path}"

    return copy


def _own_server():
    """A PostgreSQL server of the suite's own (see callassist/pgtemp.py); skipped, saying
    why, only on a machine without PostgreSQL."""
    from callassist.devtools.pgtemp import Server, binaries

    bindir = binaries()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed here (no initdb): the PostgreSQL tests need its binaries")
    server = Server(bindir, autovacuum=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres():
    """The server most PostgreSQL tests share, each on a database of its own."""
    yield from _own_server()


@pytest.fixture
def killable_postgres():
    """A server of the test's own, which it may kill and start again."""
    yield from _own_server()


@pytest.fixture
def pg_url(postgres) -> str:
    """A fresh database on the suite's PostgreSQL."""
    return postgres.new_database()


@pytest.fixture(scope="session")
def _sqlite_schema(tmp_path_factory) -> Path:
    """A SQLite file at the newest schema, migrated once per test process for store_url to copy."""
    from callassist.store import db

    path = tmp_path_factory.mktemp("schema") / "store.db"
    db.open_engine(db.sqlite_url(path)).dispose()
    assert not path.with_name("store.db-wal").exists(), "the copy holds the whole schema"
    return path


@pytest.fixture(scope="session")
def _pg_schema(postgres) -> str:
    """The name of a database on the suite's PostgreSQL at the newest schema, migrated once
    per test process for store_url to copy."""
    from sqlalchemy.engine import make_url

    from callassist.store import db

    url = postgres.new_database()
    db.open_engine(url).dispose()
    return make_url(url).database


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A fresh database of each kind the store runs on, at the newest schema (as opening it
    would make it): the store's tests run on both. Each is a copy of one migrated once per
    test process (a SQLite file; a PostgreSQL template database, whose team groups its
    copies share); pg_url gives an empty one."""
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("_sqlite_schema"), tmp_path / "store.db")
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres").new_database(template=request.getfixturevalue("_pg_schema"))
