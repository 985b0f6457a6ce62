"""Importing a ledger: every bad row reported and nothing stored, the fixed file stored,
a second import changing nothing, GBK and BOM files read alike."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from callassist.core.ledger_csv import ACCOUNT_COLUMNS, LedgerFileError, read_accounts, read_payments
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.store import db, ledger
from callassist.store.models import Account

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ledger"
TODAY = date(2026, 11, 20)
TABLES = ("debtor", "contact", "account", "invoice", "collector", "payment")


def _import(engine, path: Path):
    with db.session(engine) as session:
        result = ledger.import_accounts(read_accounts(path), default_collector="wang", today=TODAY, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    return result


def _dump(engine) -> dict[str, list]:
    with engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() for table in TABLES}


@pytest.fixture
def engine(store_url):
    engine = db.open_engine(store_url)
    yield engine
    engine.dispose()


def test_every_bad_row_is_reported_and_nothing_is_imported(engine):
    with pytest.raises(LedgerFileError) as caught:
        read_accounts(FIXTURES / "accounts_with_mistakes.csv")
    found = [(p.line, p.column) for p in caught.value.problems]
    assert found == [(2, "amount"), (3, "currency"), (4, "due_date"), (5, "account_id"), (6, "timezone"), (7, "phone")]
    messages = [str(p) for p in caught.value.problems]
    assert messages[0].endswith("accounts_with_mistakes.csv:2: amount: “12,5OO.00” is not an amount: use digits and one decimal point, e.g. 12500.00")
    assert "RMB is written CNY" in messages[1]
    assert "not a real date" in messages[2]
    assert "duplicate account: A-1 is already on line 2" in messages[3]
    assert "did you mean Asia/Shanghai?" in messages[4]
    assert "missing contact" in messages[5]
    assert all(rows == [] for name, rows in _dump(engine).items() if name != "collector")


def test_the_fixed_file_imports_and_a_second_import_changes_nothing(engine):
    first = _import(engine, FIXTURES / "accounts.csv")
    assert (first.added, first.changed, first.unchanged, first.details["invoices_added"]) == (3, 0, 0, 4)
    with db.session(engine) as session:
        account = session.exec(Account.__table__.select().where(Account.__table__.c.external_id == "A-1")).one()
        assert account.balance == Decimal("20500.00") and account.oldest_due == date(2026, 8, 1) and account.currency == "CNY"
        flagged = session.exec(Account.__table__.select().where(Account.__table__.c.external_id == "A-3")).one()
        assert flagged.flags == "moving,insolvency"
    before = _dump(engine)
    again = _import(engine, FIXTURES / "accounts.csv")
    assert (again.added, again.changed, again.unchanged, again.details) == (0, 0, 3, {"invoices_added": 0, "invoices_changed": 0})
    assert _dump(engine) == before


def test_a_changed_row_updates_only_its_account(engine, tmp_path):
    _import(engine, FIXTURES / "accounts.csv")
    edited = tmp_path / "edited.csv"
    edited.write_text((FIXTURES / "accounts.csv").read_text(encoding="utf-8").replace("4200.50", "4300.50"), encoding="utf-8")
    result = _import(engine, edited)
    assert (result.added, result.changed, result.unchanged, result.details["invoices_changed"]) == (0, 1, 2, 1)
    with db.session(engine) as session:
        assert Decimal(str(session.exec(text("SELECT balance FROM account WHERE external_id = 'A-2'")).one()[0])) == Decimal("4300.50")


def test_a_new_number_for_a_contact_who_asked_to_stop_keeps_the_stop(engine, tmp_path):
    """An import that brings a new phone for an account moves it to a new contact row; the
    stop the contact asked for goes with it (migration 0009, both databases)."""
    _import(engine, FIXTURES / "accounts.csv")
    with engine.begin() as connection:
        old_phone = connection.execute(text("SELECT c.phone FROM contact c JOIN account a ON a.contact_id = c.id WHERE a.external_id = 'A-1'")).scalar_one()
        connection.execute(text("UPDATE contact SET stop = 'cease_contact' WHERE id = (SELECT contact_id FROM account WHERE external_id = 'A-1')"))
    moved = tmp_path / "moved.csv"
    moved.write_text((FIXTURES / "accounts.csv").read_text(encoding="utf-8").replace(old_phone, "+86 21 5550 7777"), encoding="utf-8")
    _import(engine, moved)
    with engine.connect() as connection:
        now = connection.execute(text("SELECT c.phone, c.stop FROM contact c JOIN account a ON a.contact_id = c.id WHERE a.external_id = 'A-1'")).one()
    assert tuple(now) == ("+86 21 5550 7777", "cease_contact")


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_gbk_and_bom_files_import_alike(engine, tmp_path, encoding):
    copy = tmp_path / f"accounts-{encoding}.csv"
    copy.write_bytes((FIXTURES / "accounts.csv").read_text(encoding="utf-8").encode(encoding))
    assert read_accounts(copy) == read_accounts(FIXTURES / "accounts.csv")
    assert _import(engine, copy).added == 3


def test_a_file_in_neither_encoding_is_refused(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_bytes(b"debtor_id\n\xff\xfe\xfa\n")
    with pytest.raises(LedgerFileError, match="odd.csv:2: file: column 1: byte 0xFF is not UTF-8 text"):
        read_accounts(odd)


def test_a_header_with_a_misspelt_column_is_refused(tmp_path):
    typo = tmp_path / "typo.csv"
    typo.write_text((FIXTURES / "accounts.csv").read_text(encoding="utf-8").replace(",amount\n", ",amout\n", 1), encoding="utf-8")
    with pytest.raises(LedgerFileError) as caught:
        read_accounts(typo)
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "header: missing column amount; the columns are: " + ", ".join(ACCOUNT_COLUMNS),
        "amout: unknown column (did you mean amount?)",
    ]


def test_payments_are_checked_against_the_ledger_before_anything_is_stored(engine):
    _import(engine, FIXTURES / "accounts.csv")
    payments, problems = read_payments(FIXTURES / "payments_with_mistakes.csv", TODAY)
    with db.session(engine) as session, pytest.raises(LedgerFileError) as caught:
        ledger.import_payments(payments, path="payments_with_mistakes.csv", source="import", today=TODAY, grace_days=3, class_days=DEFAULT_CLASS_DAYS, session=session, problems=problems)
    assert [(p.line, p.column) for p in caught.value.problems] == [(2, "amount"), (3, "account_id"), (4, "paid_on"), (5, "currency")]
    assert _dump(engine)["payment"] == []
    payments, problems = read_payments(FIXTURES / "payments.csv", TODAY)
    assert problems == []
    for expected in ((2, 0), (0, 2)):  # the second import of the same file changes nothing
        with db.session(engine) as session:
            result = ledger.import_payments(payments, path="payments.csv", source="import", today=TODAY, grace_days=3, class_days=DEFAULT_CLASS_DAYS, session=session)
            session.commit()
        assert (result.added, result.unchanged) == expected
    with db.session(engine) as session:
        assert Decimal(str(session.exec(text("SELECT balance FROM account WHERE external_id = 'A-1'")).one()[0])) == Decimal("15500.00")


def test_rows_that_disagree_about_an_invoice_or_a_debtor_are_named_with_the_first_line(tmp_path):
    rows = (FIXTURES / "accounts.csv").read_text(encoding="utf-8").splitlines()
    rows += [
        "",  # a blank line is passed over
        rows[2].replace("8000.00", "8100.00"),  # INV-1002 of A-1 again (line 7)
        rows[3].replace("A-2", "A-9").replace("America/New_York", "America/Chicago"),  # D-2 somewhere else (line 8)
        "D-5,Short Row,company",  # line 9
    ]
    edited = tmp_path / "disagree.csv"
    edited.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(LedgerFileError) as caught:
        read_accounts(edited)
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "invoice_number: invoice INV-1002 of account A-1 is already on line 3",
        "debtor_id: debtor D-2 is already on line 4 with other values (timezone 'America/New_York' there, 'America/Chicago' here)",
        "row: 3 values, but the header names 17 columns",
    ]
    assert [p.line for p in caught.value.problems] == [7, 8, 9]


def test_a_salutation_column_says_how_the_contact_is_addressed_and_its_absence_works_it_out(engine, tmp_path):
    """Issue 22: 王建国, 财务经理 is 王经理 when the file says nothing; the file's own
    salutation wins, and a later file changing it changes it."""
    from datetime import datetime

    from callassist.core.account import build_context
    from callassist.store import queries

    def context_of(external_id: str):
        with db.session(engine) as session:
            account_id = session.exec(text(f"SELECT id FROM account WHERE external_id = '{external_id}'")).one()[0]
            snapshot = queries.account_snapshot(account_id, session=session)
        return build_context(snapshot, locale="zh", collector="wang", creditor="华信", now=datetime(2026, 12, 4, 2, tzinfo=UTC))

    _import(engine, FIXTURES / "accounts.csv")
    assert context_of("A-1").salutation == "王经理"
    lines = (FIXTURES / "accounts.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].replace("contact_role,", "contact_role,salutation,")
    rows = [line.replace("财务经理,", "财务经理,王科长,") if line.startswith("D-1,") else line.replace(",+", ",,+", 1) for line in lines[1:]]
    named = tmp_path / "named.csv"
    named.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    _import(engine, named)
    assert context_of("A-1").salutation == "王科长"


def test_a_salutation_too_long_to_say_is_refused_at_its_line(tmp_path):
    lines = (FIXTURES / "accounts.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].replace("contact_role,", "contact_role,salutation,")
    rows = [line.replace(",+", "," + "王" * 41 + ",+", 1) if number == 1 else line.replace(",+", ",,+", 1) for number, line in enumerate(lines[1:], 1)]
    hostile = tmp_path / "hostile.csv"
    hostile.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(LedgerFileError) as info:
        read_accounts(hostile)
    assert any(p.line == 2 and p.column == "salutation" and "at most 40" in p.message for p in info.value.problems), info.value.problems
