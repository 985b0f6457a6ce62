"""Holds in the store: placed only by a call's event, honoured by the worklist for the
account (and, for those about the person, every account of the debtor), released once,
with a reason, by a supervisor. On a team's PostgreSQL the database keeps to it whatever
SQL a login sends: no hold without one's own open call, no release but a supervisor's,
no name or time but one's own and the server's, no second release."""

from __future__ import annotations

from datetime import UTC

import psycopg
import pytest

from callassist.core.errors import StoreError
from callassist.store import holds
from tests.conftest import NOW
from tests.store.conftest import libpq
from tests.store.test_rls import desk, own_accounts


def _hold_on_a_call(workspace, account_id: int, reason: str, details: str = "") -> str:
    active = workspace.calls.begin_call(account_id)
    call = active.call
    workspace.calls.store(active.call_id, call.choose("dial"))
    workspace.calls.store(active.call_id, call.place_hold(reason, details, None))
    workspace.calls.store(active.call_id, call.end("on_hold", details))
    return active.call_id


def test_a_hold_takes_the_account_and_a_person_hold_the_debtor_out_of_the_worklist_until_released(tmp_path, team_db):
    wang = desk(tmp_path, team_db, "wang")
    mine = own_accounts(team_db)
    first, second = [row.account_id for row in wang.ledger.worklist().rows if row.account_id in mine][:2]
    # The second debtor owes on two accounts: a lawyer for the person stops both.
    with psycopg.connect(libpq(team_db, "postgres")) as owner:
        owner.execute(f"CREATE TEMP TABLE copied AS SELECT * FROM account WHERE id = {second}")
        twin = owner.execute("UPDATE copied SET id = (SELECT max(id) + 1 FROM account), external_id = external_id || '-B', priority = priority + 1 RETURNING id").fetchone()[0]
        owner.execute("INSERT INTO account SELECT * FROM copied")
    assert twin in [row.account_id for row in wang.ledger.worklist().rows]
    _hold_on_a_call(wang, first, "hardship", "lost his job in October")
    _hold_on_a_call(wang, second, "has_lawyer", "Chen Lei, Lei & Partners, 021-5555-0100")
    listed = wang.ledger.worklist()
    assert not {first, second, twin} & {row.account_id for row in listed.rows}
    assert {first, second, twin} == {held[0] for held in listed.held}  # found by the palette, each once
    with psycopg.connect(libpq(team_db, "wang")) as connection:
        placed = connection.execute("SELECT reason, placed_by, released_at FROM accounthold ORDER BY id").fetchall()
    assert placed == [("hardship", "wang", None), ("has_lawyer", "wang", None)]
    with psycopg.connect(libpq(team_db, "boss")) as boss:
        boss.execute("UPDATE accounthold SET released_at = now(), release_reason = 'the lawyer asked us to call the client directly' WHERE reason = 'has_lawyer'")
    listed = [row.account_id for row in wang.ledger.worklist().rows]
    assert first not in listed and second in listed and twin in listed


def test_a_collectors_raw_sql_cannot_forge_release_or_rewrite_a_hold(tmp_path, team_db):
    wang = desk(tmp_path, team_db, "wang")
    account = next(row.account_id for row in wang.ledger.worklist().rows if row.account_id in own_accounts(team_db))
    call_id = _hold_on_a_call(wang, account, "dispute", "says INV-2 was never delivered")
    with psycopg.connect(libpq(team_db, "postgres")) as owner:
        debtor = owner.execute("SELECT debtor_id FROM account WHERE id = %s", (account,)).fetchone()[0]
    attacks = {
        # A hold placed by hand, without an open call of one's own on the account.
        "forged": f"INSERT INTO accounthold (account_id, debtor_id, call_id, reason, details, placed_by, placed_at) VALUES ({account}, {debtor}, '{call_id}', 'dispute', '', 'wang', now())",
        # A collector lifting the hold, or rewriting what it says.
        "released": "UPDATE accounthold SET released_at = now(), released_by = 'boss', release_reason = 'x'",
        "rewritten": "UPDATE accounthold SET reason = 'hardship'",
        "deleted": "DELETE FROM accounthold",
    }
    for name, statement in attacks.items():
        with psycopg.connect(libpq(team_db, "wang")) as connection:
            try:
                changed = connection.execute(statement).rowcount
            except psycopg.Error:
                changed = 0
            assert changed == 0, name
    with psycopg.connect(libpq(team_db, "postgres")) as owner:
        assert owner.execute("SELECT count(*), min(reason), bool_and(released_at IS NULL) FROM accounthold").fetchone() == (1, "dispute", True)


def test_a_supervisor_releases_once_under_their_own_name_and_the_servers_time(tmp_path, team_db):
    wang = desk(tmp_path, team_db, "wang")
    account = next(row.account_id for row in wang.ledger.worklist().rows if row.account_id in own_accounts(team_db))
    _hold_on_a_call(wang, account, "complaint", "says the calls are too frequent")
    with psycopg.connect(libpq(team_db, "boss")) as boss:
        with pytest.raises(psycopg.Error, match="with a reason"):
            boss.execute("UPDATE accounthold SET released_at = now(), release_reason = ' '")
    with psycopg.connect(libpq(team_db, "boss")) as boss:
        boss.execute("UPDATE accounthold SET released_at = '2000-01-01', released_by = 'wang', release_reason = 'complaint answered in writing'")
    with psycopg.connect(libpq(team_db, "postgres")) as owner:
        by, at, reason = owner.execute("SELECT released_by, released_at, release_reason FROM accounthold").fetchone()
    assert by == "boss" and at.year > 2000 and reason == "complaint answered in writing"
    with psycopg.connect(libpq(team_db, "boss")) as boss:
        with pytest.raises(psycopg.Error, match="released already"):
            boss.execute("UPDATE accounthold SET release_reason = 'changed my mind'")
    assert account in [row.account_id for row in wang.ledger.worklist().rows]


def test_release_needs_a_reason_and_happens_once(store_url):
    from datetime import datetime

    from sqlmodel import select

    from callassist.store import db, demo
    from callassist.store.models import Account, AccountHold
    from tests.conftest import TODAY

    engine = db.open_engine(store_url)
    with db.session(engine) as session:
        demo.populate(session, "wang", TODAY)
        account = session.exec(select(Account)).first()
        session.add(AccountHold(account_id=account.id, debtor_id=account.debtor_id, reason="deceased", placed_by="wang", placed_at=NOW))
        session.commit()
        [(hold, _, _)] = holds.open_holds(session=session)
        with pytest.raises(StoreError, match="with a reason"):
            holds.release_hold(hold.id, "boss", "  ", NOW, session=session)
        holds.release_hold(hold.id, "boss", "the estate's executor asked us to write", datetime.now(UTC), session=session)
        session.commit()
        with pytest.raises(StoreError, match="released already"):
            holds.release_hold(hold.id, "boss", "again", NOW, session=session)
        with pytest.raises(StoreError, match="no hold 999"):
            holds.release_hold(999, "boss", "x", NOW, session=session)
        assert holds.open_holds(session=session) == []
    engine.dispose()
