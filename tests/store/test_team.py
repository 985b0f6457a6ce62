"""A team on one PostgreSQL database: twenty collectors work the team's queue of 5,000
accounts at once. No account is in two calls at once, none is left out, every call's
hash chain verifies."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict

from sqlmodel import func, select

from callassist.bench import write_ledger
from callassist.core.ledger_csv import read_accounts
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.settings import Settings
from callassist.store import db, ledger, queries
from callassist.store.models import Account, Call, Claim, Contact
from callassist.workspace import Workspace
from tests.conftest import NOW, OBJECTIONS, SCRIPTS, TODAY

COLLECTORS = 20
ACCOUNTS = 5000


def test_twenty_collectors_work_the_team_queue_at_once(tmp_path, pg_url):
    path = tmp_path / "team.csv"
    write_ledger(path, ACCOUNTS, 1, most_invoices=1, team=True)
    engine = db.open_engine(pg_url)
    with db.session(engine) as session:
        ledger.import_accounts(read_accounts(path), default_collector="lead", today=TODAY, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    desks = []
    for n in range(COLLECTORS):
        settings = Settings(data_dir=tmp_path / f"c{n}", collector=f"c{n}", scripts_dir=SCRIPTS, objections_dir=OBJECTIONS)
        desk = Workspace.open(settings, pg_url, "en")
        desk.clock = lambda: NOW
        desk.ensure_content()
        desks.append(desk)
    held: dict[int, list[tuple[float, float, str]]] = defaultdict(list)  # account: (from, to, who), as each desk saw it
    failures: list[BaseException] = []
    start = threading.Barrier(COLLECTORS)

    def work(desk: Workspace) -> None:
        try:
            start.wait()
            while (active := desk.begin_next_call()) is not None:
                begun = time.monotonic()
                # The debtor asks not to be called again: the account leaves every worklist.
                desk.store(active.call_id, active.call.end("refused", "asked for no more calls", None, None, "cease_contact"))
                held[active.snapshot.account_id].append((begun, time.monotonic(), desk.collector))
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
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
    engine.dispose()
