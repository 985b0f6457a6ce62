"""`callassist bench`: performance figures, each beside a floor measured in the same run.

Terminal figures are taken through a real pseudo-terminal: the process is started (or
a key is written) and the clock stops when the expected text arrives on the terminal,
that is, when the frame has been painted. Nothing here runs inside the test suite.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callassist.devtools.bench_parts import LEDGER_ACCOUNTS, LEDGER_COLLECTORS, Figure, timed_notes, write_ledger

# A million-account ledger takes minutes and gigabytes to build: only on request (--only).
LEDGER_NAMES = ("worklist_next_1m", "import_rows", "db_check_1m")
# Team mode on a PostgreSQL server of the bench's own, also a million accounts (bench_team.py).
TEAM_NAMES = ("pg_claim_next", "pg_worklist_next", "pg_event_append", "pg_team_keypress_p99")
AUDIT_NAMES = ("audit_verify_1m",)
FIGURES_NAMES = ("report_1m", "pg_report_1m", "browse_1m", "pg_browse_1m")
# A supervisor's screens left open, half a minute each (issue 24: under 1% of a core).
IDLE_NAMES = ("idle_cpu",)
IDLE_SECONDS = 30.0
# The start's own work first (the script and catalog checked, the quick-find built): not idleness.
IDLE_SETTLE_SECONDS = 10.0
ON_REQUEST = LEDGER_NAMES + TEAM_NAMES + AUDIT_NAMES + FIGURES_NAMES + IDLE_NAMES
NAMES = ("cold_start", "keypress_to_prompt", "event_append", "template_render", "classify") + ON_REQUEST
# What a collector types into the quick-find, and a note's worth: both scripts, mixed, misspelt.
CLASSIFY_UTTERANCES = (
    "accountant away",
    "we never got the invoce",
    "他不在",
    "貨品質有問題，要打折",
    "会记请假了",
    "invoice还没收到",
    "trust me, we have known each other for twenty years and I have never once let you down",
    "这次一定，上次是真的出了意外，下周五之前肯定把钱打过去",
    "head office",
    "the boxes arrived damaged and half the order was missing",
)
AUDIT_EVENTS = int(os.environ.get("CALLASSIST_BENCH_EVENTS", 1_000_000))
AUDIT_EVENTS_PER_CALL = 30
BARE_APP = """
import sys
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("bare app ready alpha state", id="s")
    def on_key(self, event):
        s = self.query_one("#s")
        s.update("bare app beta state" if "alpha" in str(s.render()) else "bare app ready alpha state")

Bare().run()
"""


class Terminal:
    """A process on a pseudo-terminal of a fixed size, read until expected text shows."""

    def __init__(self, argv: list[str], env: dict, size=(120, 40)) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.buffer = b""
        self.transcript = b""

    def wait_for(self, text: str, timeout: float = 20.0) -> float:
        """Read until `text` arrives; return the time it arrived (perf_counter)."""
        needle = text.encode()
        deadline = time.perf_counter() + timeout
        while needle not in self.buffer:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"{text!r} did not appear on the terminal; it shows:\n{self.screen_text()}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    raise TimeoutError(f"the process ended before {text!r} appeared; it showed:\n{self.screen_text()}") from None
                self.buffer += chunk
                self.transcript = (self.transcript + chunk)[-200_000:]
        arrived = time.perf_counter()
        self.buffer = self.buffer[self.buffer.index(needle) + len(needle) :]
        return arrived

    def screen_text(self, tail: int = 3000) -> str:
        """What the terminal was sent lately, without escape sequences (for error messages)."""
        plain = re.sub(rb"\x1b\[[0-9;?]*[ -/]*[@-~]", b" ", self.transcript).decode("utf-8", "replace")
        return re.sub(r"\s+", " ", plain)[-tail:]

    def send(self, keys: str) -> float:
        self.buffer = b""
        sent = time.perf_counter()
        os.write(self.master, keys.encode())
        return sent

    def close(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        os.close(self.master)


def _env(compiled: bool = False) -> dict:
    """The programs' environment: a colour terminal; `compiled`: the program's modules
    compiled to bytecode first, as an installed program has them (a machine that sets
    PYTHONDONTWRITEBYTECODE would otherwise compile each of them from source at every start)."""
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", LANG="en_US.UTF-8")
    env.pop("TEXTUAL", None)
    if compiled:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[1])], env=env, check=True)
    return env


def _demo_database(directory: Path) -> str:
    from callassist.store import db, demo

    url = db.sqlite_url(directory / "bench.db")
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.session(engine) as session:
        demo.populate(session, "bench", datetime.now(UTC).date())
    engine.dispose()
    return url


def _callassist_argv(url: str) -> list[str]:
    return [sys.executable, "-m", "callassist", "--db", url, "--collector", "bench", "--locale", "en"]


def bench_cold_start(work: Path, url: str, runs: int) -> Figure:
    env = _env(compiled=True) | {"CALLASSIST_DATA_DIR": str(work)}
    bare = work / "bare.py"
    bare.write_text(BARE_APP)
    samples, floor = [], []
    for _ in range(runs):
        terminal = Terminal([sys.executable, str(bare)], env)
        floor.append((terminal.wait_for("bare app ready") - terminal.started) * 1000)
        terminal.close()
        terminal = Terminal(_callassist_argv(url), env)
        samples.append((terminal.wait_for("best call first") - terminal.started) * 1000)
        terminal.close()
    return Figure(samples, floor)


def bench_keypress(work: Path, url: str, presses: int) -> Figure:
    """A choice's key to its step on screen, stored first; the floor is a bare Textual app's
    key-to-frame plus one raw durable commit, both measured in this run."""
    env = _env(compiled=True) | {"CALLASSIST_DATA_DIR": str(work)}
    samples, floor = [], []
    bare = work / "bare.py"
    bare.write_text(BARE_APP)
    terminal = Terminal([sys.executable, str(bare)], env)
    terminal.wait_for("bare app ready")
    time.sleep(0.3)
    for n in range(presses):
        expected = "beta state" if n % 2 == 0 else "ready alpha state"
        sent = terminal.send("k")
        floor.append((terminal.wait_for(expected) - sent) * 1000)
        time.sleep(0.02)
    terminal.close()
    # A durable keystroke cannot beat a bare app's key-to-frame plus one durable commit.
    commits = raw_commits(work / "raw-keys.db", presses)
    floor = [frame + commit for frame, commit in zip(floor, commits)]

    trace = work / "keys.jsonl"
    terminal = Terminal(_callassist_argv(url), env | {"CALLASSIST_KEY_TRACE": str(trace)})
    terminal.wait_for("best call first")
    terminal.send("\r")
    terminal.wait_for("Someone answered")
    terminal.send("d")
    terminal.wait_for("Right person confirmed")
    time.sleep(0.3)
    # Someone else answers, then puts us through: two steps that can repeat for ever.
    for n in range(presses):
        key, expected = ("g", "Put through to the contact") if n % 2 == 0 else ("t", "Right person confirmed")
        sent = terminal.send(key)
        samples.append((terminal.wait_for(expected) - sent) * 1000)
        time.sleep(0.02)
    terminal.close()
    return Figure(samples, floor, key_stages(trace, presses))


@dataclass
class Idle:
    percent: dict[str, float]  # each screen's share of one core, left open IDLE_SECONDS
    floor: float  # the bare Textual app's, as long

    def summary(self) -> dict:
        return {"idle_percent": self.percent, "floor_percent": self.floor, "seconds": IDLE_SECONDS}


def _idle_share(terminal: Terminal) -> float:
    """The process's share of one core (user and system time) over IDLE_SECONDS, its
    output read all the while, as a terminal would."""

    def cpu() -> float:
        fields = Path(f"/proc/{terminal.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    before, started = cpu(), time.perf_counter()
    _drain(terminal, IDLE_SECONDS)
    return round(100 * (cpu() - before) / (time.perf_counter() - started), 2)


def _drain(terminal: Terminal, seconds: float) -> None:
    """Read what the program paints for `seconds`, as a terminal would (a program whose
    output nobody reads stops when the terminal's buffer is full)."""
    started = time.perf_counter()
    while (left := started + seconds - time.perf_counter()) > 0:
        if select.select([terminal.master], [], [], left)[0]:
            os.read(terminal.master, 65536)


def bench_idle(work: Path) -> Idle:
    """The dashboard, the calls browser and a replay on the demo, each opened by a
    supervisor and left alone after its first reads: how much of a core each keeps busy;
    beside the bare app."""
    url = f"sqlite:///{work / 'idle.db'}"
    env = _env(compiled=True) | {"CALLASSIST_DATA_DIR": str(work)}
    # `callassist demo` itself: its 300 past calls are what the screens show.
    subprocess.run([sys.executable, "-m", "callassist", "--db", url, "--collector", "bench", "demo", "--no-open"], env=env, check=True, capture_output=True)
    bare = work / "bare.py"
    bare.write_text(BARE_APP)
    terminal = Terminal([sys.executable, str(bare)], env)
    terminal.wait_for("bare app ready")
    floor = _idle_share(terminal)
    terminal.close()
    with sqlite3.connect(work / "idle.db") as demo:
        newest = demo.execute("SELECT id FROM call WHERE NOT practice ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    shares = {}
    # Each screen as a supervisor opens it: the dashboard and the browser from the worklist,
    # a replay with `callassist replay ID` (keys written here do not open one from the browser).
    for screen, extra, ready, steps in (("dashboard", [], "best call first", (("f", "Team figures"),)), ("calls_browser", [], "best call first", (("v", "Started"),)), ("replay", ["replay", newest], "Replay", ())):
        terminal = Terminal(_callassist_argv(url) + ["--role", "supervisor"] + extra, env)
        try:  # never left running: a program whose terminal is gone keeps a core busy
            terminal.wait_for(ready)
            _drain(terminal, IDLE_SETTLE_SECONDS)
            for key, shown in steps:
                terminal.send(key)
                terminal.wait_for(shown)
            _drain(terminal, IDLE_SETTLE_SECONDS)  # its first reads done: what is measured is the screen left open
            shares[screen] = _idle_share(terminal)
        finally:
            terminal.close()
    return Idle(shares, floor)


def key_stages(trace: Path, last: int) -> dict:
    """Median milliseconds of each stage of the last `last` keystrokes the call screen
    traced (tui/keytrace.py), the slowest keystroke's stages, and the collector's pauses."""
    from callassist.tui.keytrace import STAGES

    lines = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()][-last:] if trace.exists() else []
    if not lines:
        return {}
    steps = list(zip(STAGES, STAGES[1:]))
    spans = [{f"{a}_to_{b}": (line["stamps"][b] - line["stamps"][a]) * 1000 for a, b in steps} for line in lines]
    slowest = max(spans, key=lambda span: sum(span.values()))
    pauses = [pause * 1000 for line in lines for pause in line["gc"]]
    return {
        "median": {name: round(statistics.median(span[name] for span in spans), 3) for name in spans[0]},
        "slowest": {name: round(value, 3) for name, value in slowest.items()},
        "gc_pauses": len(pauses),
        "gc_longest_ms": round(max(pauses, default=0.0), 3),
    }


def bench_event_append(work: Path, url: str, appends: int) -> Figure:
    from callassist.services.workspace import Workspace
    from callassist.settings import Settings

    settings = Settings(data_dir=work, collector="bench")
    workspace = Workspace.open(settings, url, "en")
    first = workspace.ledger.worklist().rows[0].account_id
    active = workspace.calls.begin_call(first)
    samples = timed_notes(workspace, active.call_id, appends)
    workspace.engine.dispose()

    return Figure(samples, raw_commits(work / "raw.db", appends))


def raw_commits(path: Path, count: int) -> list[float]:
    """Milliseconds of each of `count` durable commits of one event row by sqlite3 alone,
    with the store's settings (WAL, synchronous=FULL): what storing an event cannot beat."""
    raw = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=5000"):
        raw.execute(f"PRAGMA {pragma}")
    raw.execute("CREATE TABLE IF NOT EXISTS ev (id INTEGER PRIMARY KEY, call_id TEXT, seq INTEGER, kind TEXT, at TEXT, payload TEXT, prev_hash TEXT, hash TEXT, UNIQUE(call_id, seq))")
    call_id = str(uuid.uuid4())
    took = []
    for n in range(count):
        started = time.perf_counter()
        raw.execute("BEGIN")
        raw.execute("INSERT INTO ev (call_id, seq, kind, at, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)", (call_id, n, "note_added", "2026-01-01T00:00:00+00:00", '{"text":"x"}', "0" * 64, "1" * 64))
        raw.execute("COMMIT")
        took.append((time.perf_counter() - started) * 1000)
    raw.close()
    return took


def bench_template_render(renders: int) -> Figure:
    import jinja2

    from callassist.core.account import build_context
    from callassist.core.flow import load_flow
    from callassist.core.preflight import SAMPLE_NOW, sample_snapshot
    from callassist.core.templates import ScriptTemplates
    from callassist.settings import Settings

    loaded = load_flow(Settings().scripts_dir / "standard")
    templates = ScriptTemplates(loaded, "en")
    context = build_context(sample_snapshot(), locale="en", collector="Bench", creditor="Bench Co.", now=SAMPLE_NOW)
    name = "purpose.j2"
    source = loaded.template_source("en", name)
    templates.render(name, context)
    samples = []
    for _ in range(renders):
        started = time.perf_counter()
        templates.render(name, context)
        samples.append((time.perf_counter() - started) * 1000)
    bare = jinja2.Environment().from_string(source)
    values = context.template_vars
    floor = []
    for _ in range(renders):
        started = time.perf_counter()
        bare.render(values)
        floor.append((time.perf_counter() - started) * 1000)
    return Figure(samples, floor)


def bench_classify(rounds: int) -> Figure:
    """The quick-find ranking one utterance, beside the least a matcher can do: prepare the
    text and look for every cue in it once."""
    from callassist.core.objections import load_catalog
    from callassist.core.quickfind import normalise
    from callassist.settings import Settings

    finder = load_catalog(Settings().objections_dir).finder()
    for utterance in CLASSIFY_UTTERANCES:  # OpenCC's and pypinyin's tables load on first use
        finder.rank(utterance)
    cues = [normalise(pattern.text) for pattern in finder.patterns]
    samples, floor = [], []
    for _ in range(rounds):
        for utterance in CLASSIFY_UTTERANCES:
            started = time.perf_counter()
            finder.rank(utterance)
            samples.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            typed = normalise(utterance)
            [cue for cue in cues if cue in typed]
            floor.append((time.perf_counter() - started) * 1000)
    return Figure(samples, floor)


@dataclass
class Rate:
    rows: int
    seconds: float
    floor_seconds: float  # the same rows written by sqlite3 alone

    def summary(self) -> dict:
        return {"rows": self.rows, "seconds": round(self.seconds, 2), "rows_per_s": round(self.rows / self.seconds), "floor_rows_per_s": round(self.rows / self.floor_seconds), "ratio": round(self.seconds / self.floor_seconds, 2)}


def _raw_store_seconds(stored: Path, work: Path) -> float:
    """How long sqlite3 alone takes to write what the import stored, in one transaction
    on the same schema and settings, secondary indexes built after: the import's floor."""
    tables = ("debtor", "contact", "account", "invoice")
    source = sqlite3.connect(stored)
    schema = [row[0] for row in source.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL")]
    indexes = [row[0] for row in source.execute(f"SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN {tables}")]
    rows = {table: source.execute(f"SELECT * FROM {table}").fetchall() for table in tables + ("collector",)}
    source.close()
    raw = sqlite3.connect(work / "floor.db", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "cache_size=-524288"):
        raw.execute(f"PRAGMA {pragma}")
    for statement in schema:
        raw.execute(statement)
    raw.executemany(f"INSERT INTO collector VALUES ({', '.join('?' * len(rows['collector'][0]))})", rows["collector"])
    started = time.perf_counter()
    raw.execute("BEGIN")
    for table in tables:
        raw.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[table][0]))})", rows[table])
    for statement in indexes:
        raw.execute(statement)
    raw.execute("COMMIT")
    seconds = time.perf_counter() - started
    raw.close()
    return seconds


def bench_ledger(work: Path, names: list[str], samples: int = 300) -> dict:
    """import_rows: the accounts file of a million accounts checked and stored, beside
    sqlite3 writing the same rows; worklist_next_1m: the next 20 calls for one of 100
    collectors, beside a raw sqlite3 query on the same index."""
    import random

    from callassist.core.ledger_csv import read_accounts
    from callassist.core.priority import DEFAULT_CLASS_DAYS
    from callassist.store import db, ledger, queries

    path = work / "ledger.csv"
    rows = write_ledger(path, LEDGER_ACCOUNTS, LEDGER_COLLECTORS)
    url = f"sqlite:///{work / 'ledger.db'}"
    engine = db.open_engine(url)
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    with db.session(engine) as session:
        ledger.import_accounts(read_accounts(path), default_collector="bench", today=today, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    results = {}
    if "import_rows" in names:
        results["import_rows"] = Rate(rows, time.perf_counter() - started, _raw_store_seconds(work / "ledger.db", work))
    if "worklist_next_1m" in names:
        rng = random.Random(3)
        with db.session(engine) as session:
            ids = [queries.collector_by_name(f"c{n}", session=session).id for n in range(LEDGER_COLLECTORS)]
            timed = []
            midnight = datetime.combine(today, datetime.min.time(), UTC)
            for _ in range(samples):
                collector = rng.choice(ids)
                # Any hour of the day the standings are for: each zone's working hours,
                # lunch and night, so each collector's clocks weigh differently.
                now = midnight + timedelta(seconds=rng.uniform(0, 86400))
                begun = time.perf_counter()
                queries.next_calls(collector, now, session=session, limit=20)
                timed.append((time.perf_counter() - begun) * 1000)
        raw = sqlite3.connect(work / "ledger.db")
        floor = []
        for _ in range(samples):
            collector = rng.choice(ids)
            begun = time.perf_counter()
            # The best 20 by standing of one clock: one seek in ix_account_worklist.
            raw.execute("SELECT id FROM account WHERE collector_id = ? AND closed = 0 AND clock = ? ORDER BY priority DESC, id DESC LIMIT 20", (collector, "Asia/Shanghai|")).fetchall()
            floor.append((time.perf_counter() - begun) * 1000)
        raw.close()
        results["worklist_next_1m"] = Figure(timed, floor)
    if "db_check_1m" in names:
        from callassist.store.ledger_check import check_ledger

        with db.session(engine) as session:
            begun = time.perf_counter()
            found = check_ledger(session=session)
            seconds = time.perf_counter() - begun
        if found:
            raise RuntimeError(f"db check found violations in the bench's ledger ({len(found)}), e.g. {found[0]}")
        raw = sqlite3.connect(work / "ledger.db")
        begun = time.perf_counter()
        # The floor: the first invariant alone, each account's stored balance beside its invoices.
        raw.execute("SELECT a.external_id, a.balance, (SELECT SUM(i.amount) FROM invoice i WHERE i.account_id = a.id) FROM account a").fetchall()
        floor = time.perf_counter() - begun
        raw.close()
        results["db_check_1m"] = Rate(LEDGER_ACCOUNTS, seconds, floor)
    engine.dispose()
    return results


def bench_audit_verify(work: Path, events: int = AUDIT_EVENTS) -> Rate:
    """`audit verify --checkpoints` over `events` stored events (calls of 30, one
    checkpoint): every chain, then the log against the checkpoint. The floor is sqlite3
    alone reading the same rows in the same order."""
    from datetime import datetime, timedelta

    from callassist.core.checkpoints import load_key, make_key
    from callassist.store import auditlog, db
    from callassist.store.events import GENESIS, canonical, event_hash

    url = f"sqlite:///{work / 'audit.db'}"
    engine = db.open_engine(url)
    engine.dispose()
    raw = sqlite3.connect(work / "audit.db", isolation_level=None)
    raw.execute("BEGIN")
    raw.execute("INSERT INTO collector (name, display_name) VALUES ('bench', 'Bench')")
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    payload = canonical({"text": "Said she would ask the owner today and call back before five; invoice INV-1001 is the one in question.", "redacted": []})
    card = canonical({"collector": "bench", "script": "standard", "locale": "en", "practice": False})  # what the call's row must agree with
    rows, calls = [], []
    for n in range(events):
        call_number, seq = divmod(n, AUDIT_EVENTS_PER_CALL)
        call_id = f"bench-{call_number:07d}"
        if seq == 0:
            prev = GENESIS
            calls.append((call_id, (start + timedelta(minutes=call_number)).strftime("%Y-%m-%d %H:%M:%S.%f")))
        at = start + timedelta(minutes=call_number, seconds=seq)
        kind, body = ("call_started", card) if seq == 0 else ("note_added", payload)
        digest = event_hash(call_id, seq + 1, kind, at.isoformat(), body, prev)
        rows.append((call_id, seq + 1, kind, at.strftime("%Y-%m-%d %H:%M:%S.%f"), body, prev, digest))
        prev = digest
    raw.executemany("INSERT INTO call (id, collector_id, script, script_hash, locale, started_at, state, practice) VALUES (?, 1, 'standard', 'x', 'en', ?, 'wrap_up', 0)", calls)
    raw.executemany("INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    raw.execute("COMMIT")
    del rows
    make_key(work / "audit.pem")
    engine = db.open_engine(url)
    with db.session(engine) as session:
        checkpoint = auditlog.take_checkpoint(load_key(work / "audit.pem"), "bench", work / "checkpoints.jsonl", session=session, floor_years=5, now=datetime.now(UTC))
    engine.dispose()
    started = time.perf_counter()  # as audit verify does it: the log read in a second process
    log = auditlog.check_against_elsewhere(url, [checkpoint], floor_years=5, now=datetime.now(UTC))
    with db.session(engine) as session:
        found = auditlog.verify_chains([call_id for call_id, _ in calls], session=session)
    check = log.result()
    seconds = time.perf_counter() - started
    engine.dispose()
    if any(found.values()) or check.findings:
        raise RuntimeError(f"the benchmark's own log does not verify: {[b for b in found.values() if b][:3]} {check.findings[:3]}")
    started = time.perf_counter()
    for _ in raw.execute("SELECT call_id, seq, kind, at, payload, prev_hash, hash FROM callevent ORDER BY call_id, seq"):
        pass
    floor = time.perf_counter() - started
    raw.close()
    return Rate(events, seconds, floor)


def _figures_and_browser(url: str, chosen: list[str], report: str, browser: str) -> dict:
    """The report's and the calls browser's figures asked for, on one database of a year's calls."""
    from callassist import bench_figures

    results = {}
    if report in chosen:
        results[report] = Figure(*bench_figures.measure(url)).summary()
    if browser in chosen:
        opened, floor, cases = bench_figures.measure_browse(url)
        results[browser] = Figure(opened, floor).summary() | {"then_ms": cases}
    return results


def run(only: list[str] | None = None, runs: int = 7, presses: int = 40, appends: int = 200, renders: int = 2000) -> dict:
    chosen = [name for name in NAMES if (name in only if only else name not in ON_REQUEST)]
    work = Path(tempfile.mkdtemp(prefix="callassist-bench-"))
    try:
        results = {}
        ledger_names = [name for name in chosen if name in LEDGER_NAMES]
        if ledger_names:
            results.update({name: figure.summary() for name, figure in bench_ledger(work, ledger_names).items()})
        if "audit_verify_1m" in chosen:
            results["audit_verify_1m"] = bench_audit_verify(work).summary()
        if {"report_1m", "browse_1m"} & set(chosen):
            from callassist import bench_figures

            url, _ = bench_figures.build(work)
            results.update(_figures_and_browser(url, chosen, "report_1m", "browse_1m"))
        if {"pg_report_1m", "pg_browse_1m"} & set(chosen):
            from callassist import bench_figures
            from callassist.devtools.pgtemp import Server, binaries

            server = Server(binaries(), durable=True)
            server.start()
            try:
                url, _ = bench_figures.build_postgres(work, server.new_database())
                results.update(_figures_and_browser(url, chosen, "pg_report_1m", "pg_browse_1m"))
            finally:
                server.stop()
        if "idle_cpu" in chosen:
            results["idle_cpu"] = bench_idle(work).summary()
        team_names = [name for name in chosen if name in TEAM_NAMES]
        if team_names:
            from callassist.devtools.bench_team import bench_team

            results.update({name: figure.summary() for name, figure in bench_team(work, team_names).items()})
        desk_names = [name for name in chosen if name not in ON_REQUEST]
        url = _demo_database(work) if set(desk_names) - {"template_render", "classify"} else None
        for name in desk_names:
            if name == "cold_start":
                figure = bench_cold_start(work, url, runs)
            elif name == "keypress_to_prompt":
                figure = bench_keypress(work, url, presses)
            elif name == "event_append":
                figure = bench_event_append(work, url, appends)
            elif name == "classify":
                figure = bench_classify(renders // len(CLASSIFY_UTTERANCES))
            else:
                figure = bench_template_render(renders)
            results[name] = figure.summary()
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def format_table(results: dict) -> str:
    lines = [f"{'name':<20}{'median ms':>11}{'p99 ms':>10}{'floor ms':>10}{'ratio':>8}"]
    for name, r in results.items():
        if "idle_percent" in r:
            said = ", ".join(f"{screen} {percent}%" for screen, percent in r["idle_percent"].items())
            lines.append(f"{name:<20}share of a core over {r['seconds']:.0f} s: {said} (the bare app: {r['floor_percent']}%)")
            continue
        if "rows_per_s" in r:
            lines.append(f"{name:<20}{r['rows']:,} rows in {r['seconds']} s: {r['rows_per_s']:,} rows/s (sqlite3 alone: {r['floor_rows_per_s']:,} rows/s, ratio {r['ratio']})")
            continue
        lines.append(f"{name:<20}{r['median_ms']:>11.3f}{r['p99_ms']:>10.3f}{r['floor_ms']:>10.3f}{r['ratio']:>8.2f}")
        if r.get("stages"):
            stages = r["stages"]
            said = ", ".join(f"{stage} {ms}" for stage, ms in stages["median"].items())
            lines.append(f"{'':<20}where it goes (median ms): {said}; gc pauses {stages['gc_pauses']}, longest {stages['gc_longest_ms']} ms")
            lines.append(f"{'':<20}slowest key: " + ", ".join(f"{stage} {ms}" for stage, ms in stages["slowest"].items()))
    return "\n".join(lines)


def as_json(results: dict) -> str:
    return json.dumps(results, indent=2)
