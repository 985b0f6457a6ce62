"""`callassist bench --only report_1m`: the team's figures over a year of a 50-person team.

A million calls and their events are stored as the program stores them: each call's
summary written with its end, the database's triggers adding it to the day's sums. The
calls are copies, under new ids, days and collectors, of the demo's calls (so every kind
of call, excuse, rung and promise is there). The figure is what `report` and the
dashboard read: figures_from(team_totals(...)) over the whole year; the floor is one
aggregate query over the same summaries.
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


def _templates(work: Path) -> tuple[list[tuple], dict[str, list[tuple]], dict[str, tuple], dict[str, list[tuple]]]:
    """The demo's calls: rows of call, of its events, of its summary and of its promise."""
    from callassist.core.lint import check_content
    from callassist.settings import Settings
    from callassist.store import db, demo
    from callassist.store.demo_history import populate_history

    path = work / "templates.db"
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
    summaries = {row[0]: row[1:] for row in raw.execute(
        "SELECT call_id, damaged, dialled, right_party, promised, promise_due IS NOT NULL, parts, missed_excuse, missed_score, missed_note FROM callsummary")}
    promises: dict[str, list[tuple]] = {}
    for row in raw.execute("SELECT p.call_id, p.currency, p.total, p.method, p.channel, p.status, p.created_at, p.decided_on, min(i.due_on) FROM promise p JOIN instalment i ON i.promise_id = p.id WHERE p.call_id IS NOT NULL GROUP BY p.id"):
        promises.setdefault(row[0], []).append(row[1:])
    raw.close()
    return calls, events, summaries, promises


def build(work: Path, calls: int = REPORT_CALLS) -> tuple[str, int]:
    """A database of `calls` calls over a year; its URL and the number of events."""
    from callassist.store import db

    calls_made, events_of, summaries, promises = _templates(work)
    path = work / "report.db"
    db.open_engine(db.sqlite_url(path)).dispose()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=OFF")  # the build only; the figures are read as the program reads them
    raw.execute("BEGIN")
    raw.executemany("INSERT INTO collector (id, name, display_name) VALUES (?, ?, ?)", [(n, f"c{n:02d}", f"Collector {n}") for n in range(1, REPORT_COLLECTORS + 1)])
    raw.execute("INSERT INTO debtor (id, external_id, name, kind, timezone) VALUES (1, 'D-1', 'Bench debtor', 'company', 'Asia/Shanghai')")
    raw.execute("INSERT INTO contact (id, debtor_id, name, role, salutation, phone, is_primary) VALUES (1, 1, 'Li', 'accountant', '', '+86 21 1', 1)")
    raw.execute("INSERT INTO account (id, external_id, debtor_id, contact_id, collector_id, currency, balance, priority, clock, closed, flags, broken_promises, calls_in_month)"
                " VALUES (1, 'A-1', 1, 1, 1, 'CNY', '1000.00', 0, 'Asia/Shanghai|', 0, '', 0, 0)")
    first = TODAY - timedelta(days=REPORT_DAYS)
    events = 0
    chunk_calls, chunk_events, chunk_summaries, chunk_promises = [], [], [], []

    def flush() -> None:
        raw.executemany("INSERT INTO call (id, account_id, collector_id, script, script_hash, locale, started_at, ended_at, state, disposition, practice) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, 0)", chunk_calls)
        raw.executemany("INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)", chunk_events)
        for call_id, currency, total, method, channel, status, created, decided, due in chunk_promises:
            promise_id = raw.execute("INSERT INTO promise (account_id, call_id, currency, total, method, channel, status, created_at, decided_on) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
                                     (call_id, currency, total, method, channel, status, created, decided)).lastrowid
            raw.execute("INSERT INTO instalment (promise_id, seq, due_on, amount, paid, status) VALUES (?, 1, ?, ?, '0', ?)", (promise_id, due, total, status))
            summary_due[call_id] = (promise_id, due)
        raw.executemany("INSERT INTO callsummary (call_id, collector_id, day, practice, damaged, dialled, right_party, promised, promise_id, promise_due, parts, missed_excuse, missed_score, missed_note)"
                        " VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [row[:7] + summary_due.pop(row[0], (None, None)) + row[7:] for row in chunk_summaries])
        for part in (chunk_calls, chunk_events, chunk_summaries, chunk_promises):
            part.clear()

    summary_due: dict[str, tuple] = {}
    started = time.perf_counter()
    for number in range(calls):
        template = calls_made[number % len(calls_made)]
        source = template[0]
        call_id = f"bench-{number:07d}"
        day = first + timedelta(days=number * REPORT_DAYS // calls)
        collector = number % REPORT_COLLECTORS + 1
        shift = f"{day.isoformat()}{template[4][10:]}"
        chunk_calls.append((call_id, collector, template[1], template[2], template[3], shift, shift, template[6], template[7]))
        chunk_events.extend((call_id,) + row for row in events_of[source])
        events += len(events_of[source])
        summary = summaries[source]
        chunk_summaries.append((call_id, collector, day.isoformat(), *summary[:4], summary[5], *summary[6:]))
        for promise in promises.get(source, ())[-1:] if summary[4] else ():
            chunk_promises.append((call_id, *promise))
        if len(chunk_calls) == 20_000:
            flush()
            _say(f"  {number + 1:,} calls stored ({time.perf_counter() - started:.0f} s)")
    if chunk_calls:
        flush()
    raw.execute("COMMIT")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.execute("ANALYZE")
    raw.close()
    return db.sqlite_url(path), events


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
            session.connection().exec_driver_sql("SELECT count(*), sum(promised), sum(right_party) FROM callsummary").one()
            floor.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    if result.calls == 0:
        raise RuntimeError("the benchmark's database gave no figures")
    _say(f"  {result.calls:,} calls counted; median {statistics.median(taken):.0f} ms, floor {statistics.median(floor):.0f} ms")
    return taken, floor
