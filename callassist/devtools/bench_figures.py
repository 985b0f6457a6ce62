"""`callassist bench --only report_1m` (and `browse_1m`): the team's figures, and the
calls browser, over a year of a 50-person team.

A million calls and their events are stored as the program stores them: each call's
summary written with its end, the database's triggers adding it to the day's sums. The
calls are copies, under new ids, days and collectors, of the demo's calls (so every kind
of call, excuse, rung and promise is there). The figure is what `report` and the
dashboard read: figures_from(team_totals(...)) over the whole year; the floor is one
aggregate query over the same summaries. The browser's figure is what opening it
reads (store/browse.py: the stamp, the collectors, two counts and the first page); the
floor, the first page's ids alone; and then a page in the middle, one at the end, and
the first page under a filter, a search and each order.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

REPORT_CALLS = int(os.environ.get("CALLASSIST_BENCH_CALLS", 1_000_000))
REPORT_COLLECTORS = 50
REPORT_DAYS = 365
TODAY = date(2026, 12, 1)


def _say(message: str) -> None:
    print(message, flush=True)


def _templates(work: Path) -> tuple[list[tuple], dict[str, list[tuple]], dict[str, tuple], dict[str, tuple]]:
    """The demo's calls: rows of call, of its events, of its summary and of its promise."""
    from callassist.core.lint import check_content
    from callassist.settings import Settings
    from callassist.store import db, demo
    from callassist.store.demo_history import populate_history

    path = work / "templates.db"
    if not path.exists():  # made once for both databases
        settings = Settings()
        engine = db.open_engine(db.sqlite_url(path))
        flow, catalog, _ = check_content(settings.scripts_dir, settings.script, settings.objections_dir, rehearse=False)
        with db.session(engine) as session:
            demo.populate(session, "bench", TODAY)
            populate_history(session, flow, catalog, TODAY)
        engine.dispose()
    raw = sqlite3.connect(path)
    calls = raw.execute("SELECT id, script, script_hash, locale, started_at, ended_at, state, disposition FROM call WHERE NOT practice").fetchall()
    events: dict[str, list[tuple]] = {}
    for row in raw.execute("SELECT call_id, seq, kind, at, payload, prev_hash, hash FROM callevent ORDER BY call_id, seq"):
        events.setdefault(row[0], []).append(row[1:])
    summaries = {
        row[0]: row[1:] for row in raw.execute("SELECT call_id, damaged, dialled, right_party, promised, promise_id IS NOT NULL, parts, missed_excuse, missed_score, missed_note, excuses, flags, seconds, search, search_masked FROM callsummary")
    }
    promises = {
        row[0]: row[1:]
        for row in raw.execute(
            "SELECT p.call_id, p.currency, p.total, p.method, p.channel, p.status, p.created_at, p.decided_on, min(i.due_on) FROM callsummary s JOIN promise p ON p.id = s.promise_id JOIN instalment i ON i.promise_id = p.id GROUP BY p.id"
        )
    }
    raw.close()
    return calls, events, summaries, promises


TABLES = {
    "call": "id, account_id, collector_id, script, script_hash, locale, started_at, ended_at, state, disposition, practice",
    "callevent": "call_id, seq, kind, at, payload, prev_hash, hash",
    "promise": "id, account_id, call_id, currency, total, method, channel, status, created_at, decided_on",
    "instalment": "id, promise_id, seq, due_on, amount, paid, status",
    "callsummary": "call_id, collector_id, day, practice, damaged, dialled, right_party, promised, promise_id, promise_due, promise_status, parts, missed_excuse, missed_score, missed_note, excuses, flags, seconds, search, search_masked",
}
LEDGER = [
    "INSERT INTO debtor (id, external_id, name, kind, timezone) VALUES (1, 'D-1', 'Bench debtor', 'company', 'Asia/Shanghai')",
    "INSERT INTO contact (id, debtor_id, name, role, salutation, phone, is_primary) VALUES (1, 1, 'Li', 'accountant', '', '+86 21 1', true)",
    "INSERT INTO account (id, external_id, debtor_id, contact_id, collector_id, currency, balance, priority, clock, closed, flags, broken_promises, calls_in_month) VALUES (1, 'A-1', 1, 1, 1, 'CNY', 1000.00, 0, 'Asia/Shanghai|', false, '', 0, 0)",
]
CHUNK = 20_000


def _batches(work: Path, calls: int):
    """The rows of `calls` calls spread over the year and the collectors, a chunk at a
    time: {table: rows} in TABLES' columns."""
    calls_made, events_of, summaries, promises = _templates(work)
    first = TODAY - timedelta(days=REPORT_DAYS)
    batch = {table: [] for table in TABLES}
    for number in range(calls):
        template = calls_made[number % len(calls_made)]
        source = template[0]
        call_id = f"bench-{number:07d}"
        day = first + timedelta(days=number * REPORT_DAYS // calls)
        collector = number % REPORT_COLLECTORS + 1
        moment = f"{day.isoformat()}{template[4][10:]}"
        batch["call"].append((call_id, 1, collector, template[1], template[2], template[3], moment, moment, template[6], template[7], False))
        batch["callevent"].extend((call_id,) + row for row in events_of[source])
        damaged, dialled, right_party, promised, has_promise, *rest = summaries[source]
        promise_id, due, status = None, None, None
        if has_promise:
            currency, total, method, channel, status, created, decided, due = promises[source]
            promise_id = number + 1
            batch["promise"].append((promise_id, 1, call_id, currency, total, method, channel, status, created, decided))
            batch["instalment"].append((promise_id, promise_id, 1, due, total, "0", status))
        batch["callsummary"].append((call_id, collector, day.isoformat(), False, bool(damaged), bool(dialled), bool(right_party), bool(promised), promise_id, due, status, *rest))
        if len(batch["call"]) == CHUNK or number == calls - 1:
            yield batch
            batch = {table: [] for table in TABLES}


def build(work: Path, calls: int = REPORT_CALLS) -> tuple[str, int]:
    """A SQLite database of `calls` calls over a year; its URL and the number of events."""
    from callassist.store import db

    path = work / "report.db"
    db.open_engine(db.sqlite_url(path)).dispose()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=OFF")  # the build only; the figures are read as the program reads them
    raw.execute("BEGIN")
    raw.executemany("INSERT INTO collector (id, name, display_name) VALUES (?, ?, ?)", [(n, f"c{n:02d}", f"Collector {n}") for n in range(1, REPORT_COLLECTORS + 1)])
    for statement in LEDGER:
        raw.execute(statement)
    events, started = 0, time.perf_counter()
    for stored, batch in enumerate(_batches(work, calls), 1):
        for table, rows in batch.items():
            columns = TABLES[table]
            raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(columns.split(',')))})", rows)
        events += len(batch["callevent"])
        _say(f"  {min(stored * CHUNK, calls):,} calls stored in SQLite ({time.perf_counter() - started:.0f} s)")
    raw.execute("COMMIT")
    _say(f"  {calls:,} calls and {events:,} events in SQLite")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.execute("ANALYZE")
    raw.close()
    return db.sqlite_url(path), events


def build_postgres(work: Path, url: str, calls: int = REPORT_CALLS) -> tuple[str, int]:
    """The same calls in a PostgreSQL database at `url` (its owner's, a superuser's); the
    URL of a supervisor's login to it, whose rows the team's policies choose, and the
    number of events. Events, promises and calls are copied in as they are (their own
    triggers, which check and chain what a login stores, are for logins); each summary is
    stored as the program stores it, so the database's triggers add it to the sums."""
    import psycopg

    from callassist.devtools.bench_team import login
    from callassist.store import db, team

    engine = db.open_engine(url)
    with db.session(engine) as session:
        connection = session.connection()
        for n in range(1, REPORT_COLLECTORS + 1):
            connection.exec_driver_sql("INSERT INTO collector (id, name, display_name) VALUES (%(id)s, %(name)s, %(shown)s)", {"id": n, "name": f"c{n:02d}", "shown": f"Collector {n}"})
        connection.exec_driver_sql("SELECT setval(pg_get_serial_sequence('collector', 'id'), (SELECT max(id) FROM collector))")
        for statement in LEDGER:
            connection.exec_driver_sql(statement)
        team.grant("boss", "supervisor", session=session)
        session.commit()
    engine.dispose()
    parsed = url.replace("postgresql+psycopg://", "postgresql://")
    events, started = 0, time.perf_counter()
    with psycopg.connect(parsed) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        for stored, batch in enumerate(_batches(work, calls), 1):
            connection.execute("SET session_replication_role = replica")
            with connection.cursor() as cursor:
                for table in ("call", "callevent", "promise", "instalment"):
                    with cursor.copy(f"COPY {table} ({TABLES[table]}) FROM STDIN") as copy:
                        for row in batch[table]:
                            copy.write_row(row)
            connection.execute("SET session_replication_role = origin")
            with connection.cursor() as cursor:
                columns = TABLES["callsummary"]
                cursor.executemany(f"INSERT INTO callsummary ({columns}) VALUES ({', '.join(['%s'] * len(columns.split(',')))})", batch["callsummary"])
            connection.commit()
            events += len(batch["callevent"])
            _say(f"  {min(stored * CHUNK, calls):,} calls stored in PostgreSQL ({time.perf_counter() - started:.0f} s)")
        connection.execute("SELECT setval(pg_get_serial_sequence('promise', 'id'), (SELECT max(id) FROM promise))")
        connection.execute("SELECT setval(pg_get_serial_sequence('instalment', 'id'), (SELECT max(id) FROM instalment))")
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
    _say(f"  {calls:,} calls and {events:,} events in PostgreSQL")
    return login(url, "boss"), events


def measure(url: str, samples: int = 7) -> tuple[list[float], list[float]]:
    """Milliseconds of the team's figures over the year, and of the floor, `samples` each."""
    from callassist.core.compliance import Viewer
    from callassist.core.figures import figures_from
    from callassist.store import db, queries

    engine = db.open_engine(url)
    viewer = Viewer("boss", "supervisor")
    taken, floor = [], []
    for _ in range(samples):
        with db.session(engine) as session:
            started = time.perf_counter()
            result = figures_from(queries.team_totals(session=session, viewer=viewer, today=TODAY))
            taken.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            session.connection().exec_driver_sql("SELECT count(*), sum(CASE WHEN promised THEN 1 ELSE 0 END) FROM callsummary").one()
            floor.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    if result.calls == 0:
        raise RuntimeError("the benchmark's database gave no figures")
    _say(f"  {result.calls:,} calls counted; median {statistics.median(taken):.0f} ms, floor {statistics.median(floor):.0f} ms")
    return taken, floor


BROWSE_CASES = {  # what a supervisor does next: (filter's fields, offset: "middle", "end" or a row)
    "page_middle": ({}, "middle"),
    "page_end": ({}, "end"),
    "collector": ({"collector": "c07"}, 0),
    "excuse": ({"excuse": "stall"}, 0),
    "search": ({"text": "tomorrow"}, 0),
    "longest": ({"sort": "longest"}, 0),
    "debtor": ({"sort": "debtor"}, 0),
    "collector_order": ({"sort": "collector"}, 0),
}


def measure_browse(url: str, samples: int = 7) -> tuple[list[float], list[float], dict]:
    """Milliseconds to open the calls browser over the year (what its first read does),
    and of its floor, `samples` each; and the median of each of BROWSE_CASES."""
    from callassist.core.calls import CallFilter
    from callassist.core.compliance import Viewer
    from callassist.store import browse, db
    from callassist.tui.screens.calls import PAGE

    engine = db.open_engine(url)
    viewer = Viewer("boss", "supervisor")
    opened, floor, cases = [], [], {name: [] for name in BROWSE_CASES}
    for _ in range(samples):
        with engine.connect() as connection:
            started = time.perf_counter()
            browse.stamp(connection)
            browse.collectors(connection, viewer)
            browse.count(connection, CallFilter(practice=True), viewer)
            total = browse.count(connection, CallFilter(), viewer)
            rows = browse.page(connection, CallFilter(), viewer, 0, PAGE, total)
            opened.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            connection.exec_driver_sql(f"SELECT id FROM call ORDER BY started_at DESC LIMIT {PAGE}").all()
            floor.append((time.perf_counter() - started) * 1000)
            for name, (fields, where) in BROWSE_CASES.items():
                wanted = CallFilter(**fields)
                started = time.perf_counter()
                found = browse.count(connection, wanted, viewer)
                offset = found // 2 if where == "middle" else max(0, found - PAGE) if where == "end" else where
                browse.page(connection, wanted, viewer, offset, PAGE, found)
                cases[name].append((time.perf_counter() - started) * 1000)
    engine.dispose()
    if len(rows) != PAGE:
        raise RuntimeError("the benchmark's database gave no calls to browse")
    medians = {name: round(statistics.median(taken), 1) for name, taken in cases.items()}
    _say(f"  {total:,} calls; opened in {statistics.median(opened):.0f} ms (floor {statistics.median(floor):.1f} ms); then, ms: {medians}")
    return opened, floor, medians
