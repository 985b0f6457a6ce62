"""A team on one PostgreSQL database: twenty collectors, each with a login of their own
(so holds, calls and events go through the database's functions and policies), work the
team's queue of 200 accounts at once. No account is in two calls at once, none is left
out, every call's hash chain verifies."""

from __future__ import annotations

import importlib
import os
import time
from collections import Counter, defaultdict

from sqlmodel import func, select

from callassist.core import templates
from callassist.core.ledger_csv import read_accounts
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.devtools.bench_parts import write_ledger
from callassist.devtools.bench_team import in_processes, login
from callassist.services.content import load_content
from callassist.services.workspace import Workspace
from callassist.settings import Settings
from callassist.store import db, ledger, queries, team
from callassist.store.models import Account, Call, Claim, Contact
from tests.conftest import NOW, OBJECTIONS, SCRIPTS, TODAY

COLLECTORS = 20  # processes, as each collector runs a program of their own
ACCOUNTS = 130  # more than the worklist each collector reads (store/sql.py WORKLIST_SIZE, 100): they run out of it and read it again


def collector(tmp_path, url: str, name: str, start, results) -> None:
    """One collector's program: the next call from the list on screen, until none is left.
    Reports (account, from, to, name) for every call, or what went wrong."""
    try:
        # Twenty processes on two cores: the other test processes go first, so their own
        # waits (a settle, a phone's reply) are not starved by this test's crowd.
        os.nice(10)
        settings = Settings(data_dir=tmp_path / name, collector=name, scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)
        desk = Workspace.open(settings, login(url, name), "en")
        desk.clock = lambda: NOW
        desk.content.ensure()
        worked, read_again = [], 0
        start.wait()
        listed = desk.ledger.worklist()  # as on the collector's screen
        while (active := desk.calls.begin_next_call([row.account_id for row in listed.rows], listed.at)) is not None:
            begun = time.monotonic()
            if active.snapshot.account_id not in {row.account_id for row in listed.rows}:
                listed = desk.ledger.worklist()  # the list on screen ran out: the screen reads it again
                read_again += 1
            # The debtor asks not to be called again: the account leaves every worklist.
            desk.calls.store(active.call_id, active.call.end("refused", "asked for no more calls", None, None, "cease_contact"))
            worked.append((active.snapshot.account_id, begun, time.monotonic(), name))
        results.put((worked, read_again))
    except BaseException as exc:  # noqa: BLE001 - the test reports it
        results.put(f"{name}: {type(exc).__name__}: {exc}")


def test_twenty_collectors_work_the_team_queue_at_once(tmp_path, pg_url, monkeypatch):
    # Twenty programs share two cores here, where each collector has a computer of their
    # own: a step's render, waiting seconds for its turn, is not a costly template.
    monkeypatch.setattr(templates, "RENDER_SECONDS", 60.0)
    path = tmp_path / "team.csv"
    write_ledger(path, ACCOUNTS, 1, most_invoices=1, team=True)
    engine = db.open_engine(pg_url)
    with db.session(engine) as session:
        ledger.import_accounts(read_accounts(path), default_collector="lead", today=TODAY, class_days=DEFAULT_CLASS_DAYS, session=session)
        names = [f"c{n}" for n in range(COLLECTORS)]
        for name in names:
            team.grant(name, "collector", session=session)
        session.commit()
    engine.dispose()  # nothing of the parent's shared with the collectors' processes
    # The content checked once, here, its quick-find built and the personal-data patterns
    # compiled: each forked program finds them ready (core/lint.py), as a program does
    # after its first call, and spends the test on its calls.
    _, catalog, _ = load_content(Settings(data_dir=tmp_path, collector="lead", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS))
    assert catalog is not None
    catalog.finder()
    importlib.import_module("callassist.core.personal")
    reports = in_processes(collector, tmp_path, pg_url, names, timeout=600)
    failures = [report for report in reports if isinstance(report, str)]
    held: dict[int, list[tuple[float, float, str]]] = defaultdict(list)  # account: (from, to, who), as each collector saw it
    read_again = 0
    for report in reports:
        if not isinstance(report, str):
            worked, again = report
            read_again += again
            for account_id, *span in worked:
                held[account_id].append(tuple(span))
    assert failures == []
    assert read_again > 0, "the lists on screen ran out and were read again"
    assert len(held) == ACCOUNTS, "every account was worked"
    assert all(len(spans) == 1 for spans in held.values()), "and each by one call"
    assert len({who for spans in held.values() for _, _, who in spans}) == COLLECTORS, "by the whole team"
    with db.session(engine) as session:
        calls = session.exec(select(Call)).all()
        assert Counter(call.account_id for call in calls).most_common(1)[0][1] == 1
        assert all(call.ended_at is not None for call in calls)
        assert session.exec(select(func.count()).select_from(Claim)).one() == 0
        assert session.exec(select(func.count()).select_from(Contact).where(Contact.stop == None)).one() == 0  # noqa: E711
        assert session.exec(select(func.count()).select_from(Account)).one() == ACCOUNTS
        assert [call.id for call in calls if queries.verify_call(call.id, session=session) is not None] == []
        # The database stamped each call and its events, not the programs (whose clock says NOW).
        assert all(call.started_at > NOW for call in calls)
    engine.dispose()
