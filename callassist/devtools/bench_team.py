"""`callassist bench --only pg_...`: team mode on a PostgreSQL server of the bench's own,
with commits waiting for the disk (fsync and synchronous_commit on), on a ledger of a
million accounts over a hundred collectors, each working as their own login (`db grant`),
so that every figure includes the policies, functions and triggers of a team's database.

pg_claim_next    claiming the next account from the list on a collector's screen (the
                 first still to be called, skipping what others are claiming) through the
                 database's function, beside the same call sent through psycopg alone;
pg_worklist_next reading that list: the next 100 calls of one collector, with their
                 reasons, beside one raw query for the best 20 of one clock;
pg_event_append  one event stored where a keystroke stores it, beside a bare INSERT into
                 a table of the same columns with no trigger;
pg_team_keypress_p99
                 twenty collectors in calls at once, each a process of its own keying at
                 a brisk human pace: key to next prompt stored, beside one collector alone.
"""

from __future__ import annotations

import multiprocessing
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from callassist.devtools.bench_parts import LEDGER_ACCOUNTS, LEDGER_COLLECTORS, Figure, timed_notes, write_ledger

TEAM_COLLECTORS = 20
# A call's keys, as the standard script takes them, and two notes; ended after the amount
# is agreed.
CALL_KEYS = ("dial", "right_party", "can_talk", "purpose_stated", "amount_agreed")
NOTES_EACH = 2
# Seconds between a collector's keys: a brisk collector, who still reads the prompt out.
# Calls are far shorter than on the phone, so the team reads its worklists far more often.
KEY_GAP = (0.3, 1.0)
CALLS_EACH = 4


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def bench_team(work: Path, names: list[str], samples: int = 300) -> dict[str, Figure]:
    from callassist.core.ledger_csv import read_accounts
    from callassist.core.priority import DEFAULT_CLASS_DAYS
    from callassist.devtools.pgtemp import Server, binaries
    from callassist.store import db, ledger, team

    bindir = binaries()
    if bindir is None:
        raise RuntimeError("the pg_ benchmarks start a PostgreSQL server of their own: install PostgreSQL (initdb, pg_ctl)")
    server = Server(bindir, durable=True)
    server.start()
    try:
        url = server.new_database()
        path = work / "team.csv"
        write_ledger(path, LEDGER_ACCOUNTS, LEDGER_COLLECTORS, most_invoices=1)
        _say(f"importing {LEDGER_ACCOUNTS:,} accounts into PostgreSQL")
        engine = db.open_engine(url)
        with db.session(engine) as session:
            ledger.import_accounts(read_accounts(path), default_collector="bench", today=_moment().date(), class_days=DEFAULT_CLASS_DAYS, session=session)
            for n in range(LEDGER_COLLECTORS):
                team.grant(f"c{n}", "collector", session=session)
            session.commit()
        engine.dispose()
        libpq = f"host=127.0.0.1 port={server.port} dbname={url.rsplit('/', 1)[1]} user=postgres"
        results = {}
        if "pg_claim_next" in names or "pg_worklist_next" in names:
            results.update({name: figure for name, figure in _claim_next(url, libpq, samples).items() if name in names or name == "pg_worklist_next"})
        if "pg_event_append" in names:
            results["pg_event_append"] = _event_append(work, url, libpq, samples)
        if "pg_team_keypress_p99" in names:
            results["pg_team_keypress_p99"] = _team_keypress(work, url)
        return results
    finally:
        server.stop()


def _moment() -> datetime:
    """The bench's clock: 10:00 in Shanghai today, inside the call hours of most debtors."""
    return datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)


def login(url: str, name: str) -> str:
    """`name`'s own login to the database at `url`."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=name).render_as_string(hide_password=False)


def _claim_next(url: str, libpq: str, samples: int) -> dict[str, Figure]:
    """pg_claim_next, and pg_worklist_next: reading the list it claims from (the next 100
    calls of one collector, as the worklist screen does), beside the best 20 of one clock.
    The claims are the owner's, through the same function as a collector's: a collector's
    hold must open its call in the same transaction, which is not what is timed here."""
    import psycopg

    from callassist.store import claims, db, queries

    engine = db.open_engine(url)
    now = _moment()
    rng = random.Random(5)
    listed, reads = {}, []
    with db.session(engine) as session:
        owners = [queries.collector_by_name(f"c{n}", session=session).id for n in range(LEDGER_COLLECTORS)]
        for owner in owners:
            begun = time.perf_counter()
            listed[owner] = [row.account_id for row in queries.next_calls(owner, now, session=session, limit=100)]
            reads.append((time.perf_counter() - begun) * 1000)
    timed, floor = [], []
    with psycopg.connect(libpq) as raw:
        for _ in range(samples):
            owner = rng.choice(owners)
            call_id = str(uuid.uuid4())
            begun = time.perf_counter()
            with db.session(engine) as session:
                claims.claim_first(listed[owner], owner, call_id, now, session=session)
                session.commit()
            timed.append((time.perf_counter() - begun) * 1000)
            raw.execute("DELETE FROM claim WHERE call_id = %s", (call_id,))
            raw.commit()
            call_id = str(uuid.uuid4())
            begun = time.perf_counter()
            raw.execute("SELECT callassist.claim_first(%s, %s, %s, %s)", (listed[owner], owner, call_id, now)).fetchone()
            raw.commit()
            floor.append((time.perf_counter() - begun) * 1000)
            raw.execute("DELETE FROM claim WHERE call_id = %s", (call_id,))
            raw.commit()
        walk = []
        for owner in owners:
            begun = time.perf_counter()
            raw.execute("SELECT id FROM account WHERE collector_id = %s AND closed = false AND clock = %s ORDER BY priority DESC, id DESC LIMIT 20", (owner, "Asia/Shanghai|")).fetchall()
            walk.append((time.perf_counter() - begun) * 1000)
    engine.dispose()
    return {"pg_claim_next": Figure(timed, floor), "pg_worklist_next": Figure(reads, walk)}


def _desk(work: Path, url: str, name: str):
    from callassist.services.workspace import Workspace
    from callassist.settings import Settings

    desk = Workspace.open(Settings(data_dir=work / name, collector=name), login(url, name), "en")
    desk.clock = _moment
    desk.content.ensure()
    return desk


def _event_append(work: Path, url: str, libpq: str, samples: int) -> Figure:
    import psycopg

    desk = _desk(work, url, "c0")
    active = desk.calls.begin_next_call()
    timed = timed_notes(desk, active.call_id, samples)
    desk.calls.store(active.call_id, active.call.end("no_answer", "", None))
    desk.engine.dispose()
    floor = []
    with psycopg.connect(libpq) as raw:
        raw.execute("CREATE TABLE bench_floor (id serial PRIMARY KEY, call_id text, seq integer, kind text, at timestamptz, payload text, prev_hash text, hash text, UNIQUE (call_id, seq))")
        raw.commit()
        for n in range(samples):
            begun = time.perf_counter()
            raw.execute("INSERT INTO bench_floor (call_id, seq, kind, at, payload, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s)", (active.call_id, n, "note_added", datetime.now(UTC), '{"text":"x"}', "0" * 64, "1" * 64))
            raw.commit()
            floor.append((time.perf_counter() - begun) * 1000)
    return Figure(timed, floor)


def _collector(work: Path, url: str, name: str, start, results) -> None:
    """One collector's program in calls: the next account, the call's keys at a human
    pace, each timed from the key to the next prompt stored. Reports the times."""
    from callassist.core.call import CallError

    try:
        desk = _desk(work, url, name)
        rng = random.Random(name)
        times = []
        start.wait()
        for _ in range(CALLS_EACH):
            listed = desk.ledger.worklist()
            active = desk.calls.begin_next_call([row.account_id for row in listed.rows], listed.at)
            call = active.call
            for trigger in CALL_KEYS:
                time.sleep(rng.uniform(*KEY_GAP))
                begun = time.perf_counter()
                try:
                    events = call.choose(trigger)
                except CallError:  # the debtor's hours are closed now: the call ends undialled
                    break
                desk.calls.store(active.call_id, events)
                call.step.text  # noqa: B018 (the prompt the screen shows next, rendered now)
                times.append((time.perf_counter() - begun) * 1000)
            for n in range(NOTES_EACH if not call.ended else 0):
                time.sleep(rng.uniform(*KEY_GAP))
                begun = time.perf_counter()
                desk.calls.store(active.call_id, call.add_note(f"note {n}: asked to call the accounts office"))
                times.append((time.perf_counter() - begun) * 1000)
            time.sleep(rng.uniform(*KEY_GAP))
            begun = time.perf_counter()
            desk.calls.store(active.call_id, call.end("refused", "bench", None))
            times.append((time.perf_counter() - begun) * 1000)
        results.put(times)
    except BaseException as exc:  # noqa: BLE001 - said by the parent
        results.put(f"{name}: {type(exc).__name__}: {exc}")


def in_processes(target, work: Path, url: str, names: list[str], timeout: float) -> list:
    """Run `target(work, url, name, start, results)` in one forked process per name, all
    let go at once (the `start` barrier); what each put on `results`, a str for a failure."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(names))
    results = context.Queue()
    processes = [context.Process(target=target, args=(work, url, name, start, results)) for name in names]
    for process in processes:
        process.start()
    reports = [results.get(timeout=timeout) for _ in processes]
    for process in processes:
        process.join()
    return reports


def _in_calls(work: Path, url: str, names: list[str]) -> list[float]:
    reports = in_processes(_collector, work, url, names, timeout=900)
    failed = [report for report in reports if isinstance(report, str)]
    if failed:
        raise RuntimeError("; ".join(failed))
    return [sample for report in reports for sample in report]


def _team_keypress(work: Path, url: str) -> Figure:
    alone = _in_calls(work, url, ["c1"])
    together = _in_calls(work, url, [f"c{n}" for n in range(2, 2 + TEAM_COLLECTORS)])
    return Figure(together, alone)
