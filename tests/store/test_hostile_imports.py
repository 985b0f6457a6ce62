"""Issue 19, imports: a killed or failed import leaves the database exactly as before, and
hostile files (odd amounts, broken encodings, control characters, absurd headers) are refused
with their line, never stored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from callassist.core.ledger_csv import MAX_COLUMNS, LedgerFileError, read_accounts, read_payments
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.store import db, ledger

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ledger"
TODAY = date(2026, 11, 20)

IMPORTER = """
import sys, time
from datetime import date
from decimal import Decimal
from pathlib import Path
from callassist.core.ledger_csv import read_accounts
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.store import db, ledger

def stop_here(_count):
    # The rows are in, the indexes not yet built again: the test kills the program now.
    Path(sys.argv[3]).write_text("inserted")
    time.sleep(600)

engine = db.open_engine(sys.argv[1])
with db.session(engine) as session:
    ledger.import_accounts(read_accounts(Path(sys.argv[2])), default_collector="wang", today=date(2026, 11, 20),
                           class_days=DEFAULT_CLASS_DAYS, session=session, progress=stop_here)
    session.commit()
"""


def _indexes(engine) -> dict[str, list[str]]:
    found = inspect(engine)
    return {table: sorted(index["name"] for index in found.get_indexes(table)) for table in ("debtor", "contact", "account", "invoice")}


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in ("debtor", "contact", "account", "invoice")}


def _import(engine, path: Path):
    with db.session(engine) as session:
        result = ledger.import_accounts(read_accounts(path), default_collector="wang", today=TODAY, class_days=DEFAULT_CLASS_DAYS, session=session)
        session.commit()
    return result


def test_item_01_an_import_killed_mid_way_leaves_the_database_as_before(store_url, tmp_path):
    engine = db.open_engine(store_url)
    indexes = _indexes(engine)
    assert indexes["contact"], "the schema has its indexes"
    marker = tmp_path / "inserted"
    program = subprocess.Popen([sys.executable, "-c", IMPORTER, store_url, str(FIXTURES / "accounts.csv"), str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert program.poll() is None and time.monotonic() < deadline, "the import did not reach its rows"
            time.sleep(0.05)
    finally:
        os.kill(program.pid, signal.SIGKILL)
        program.wait()
    engine.dispose()
    engine = db.open_engine(store_url)
    assert _indexes(engine) == indexes
    assert _counts(engine) == {"debtor": 0, "contact": 0, "account": 0, "invoice": 0}
    result = _import(engine, FIXTURES / "accounts.csv")
    assert result.added == 3 and _indexes(engine) == indexes
    engine.dispose()


def test_item_01_an_import_that_fails_leaves_the_indexes_and_no_rows(store_url):
    engine = db.open_engine(store_url)
    indexes = _indexes(engine)

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    accounts = read_accounts(FIXTURES / "accounts.csv")
    with db.session(engine) as session:
        with pytest.raises(OSError):
            ledger.import_accounts(accounts, default_collector="wang", today=TODAY, class_days=DEFAULT_CLASS_DAYS, session=session, progress=lambda _n: disk_full())
    assert _indexes(engine) == indexes
    assert _counts(engine) == {"debtor": 0, "contact": 0, "account": 0, "invoice": 0}
    assert _import(engine, FIXTURES / "accounts.csv").added == 3
    engine.dispose()


def test_item_01_indexes_an_older_version_lost_are_built_again_by_the_next_import(store_url):
    engine = db.open_engine(store_url)
    indexes = _indexes(engine)
    _import(engine, FIXTURES / "accounts.csv")
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_contact_phone"))
    assert _import(engine, FIXTURES / "accounts.csv").unchanged == 3
    assert _indexes(engine) == indexes
    engine.dispose()


HEADER = "debtor_id,debtor_name,timezone,contact_name,phone,account_id,currency,invoice_number,invoice_date,due_date,amount"


def _accounts_file(tmp_path: Path, *rows: str, name: str = "accounts.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join((HEADER, *rows)) + "\n").encode(encoding))
    return path


def _problems(path: Path, **options) -> list[str]:
    with pytest.raises(LedgerFileError) as caught:
        read_accounts(path, **options)
    return [str(problem).split(": ", 1)[1] for problem in caught.value.problems]


def _row(amount: str, currency: str = "EUR", zone: str = "Europe/Berlin", invoice: str = "I-1", name: str = "Müller GmbH") -> str:
    return f"D-1,{name},{zone},Anna,+49 30 1234,A-1,{currency},{invoice},2026-01-01,2026-02-01,{amount}"


@pytest.mark.parametrize(
    ("amount", "hint"),
    [
        ("1e5", "without an exponent"),
        ("1E+5", "without an exponent"),
        ("1_000", "without '_'"),
        ("$5", "without a currency sign (the account is in EUR)"),
        ("¥100", "without a currency sign (the account is in EUR)"),
        ("€5", "without a currency sign"),
        ('"1.234,56"', "not an amount: write digits with at most one decimal point and no thousands separators"),
        ('"1,234.56"', "not an amount: write digits with at most one decimal point and no thousands separators"),
        ("12 500", "no thousands separators"),
        ("-5", "without a sign"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("0x10", "not an amount"),
        ("9999999999999", "too large"),
        ("5.001", "EUR takes at most 2 decimal places"),
    ],
)
def test_item_02_an_amount_in_anything_but_plain_decimal_notation_is_refused_with_a_hint(tmp_path, amount, hint):
    found = _problems(_accounts_file(tmp_path, _row(amount)))
    assert len(found) == 1 and found[0].startswith("amount: ") and hint in found[0], found


def test_item_02_grouped_amounts_are_read_only_when_the_form_is_named(tmp_path):
    european = _accounts_file(tmp_path, _row('"1.234,56"'), name="de.csv")
    assert read_accounts(european, number_format="1.234,56")[0].invoices[0].amount == Decimal("1234.56")
    american = _accounts_file(tmp_path, _row('"1,234.56"'), name="us.csv")
    assert read_accounts(american, number_format="1,234.56")[0].invoices[0].amount == Decimal("1234.56")
    assert "in the form 1,234.56" in _problems(european, number_format="1,234.56")[0]
    assert "no thousands separators" in _problems(american)[0]  # plain by default
    yen = _accounts_file(tmp_path, _row("1500", currency="JPY"), _row("15.5", currency="JPY", invoice="I-2"), name="jpy.csv")
    assert _problems(yen) == ["amount: JPY has no decimal places, got “15.5”"]


def test_item_02_an_offset_is_not_taken_for_a_time_zone(tmp_path):
    for offset in ("UTC+8", "GMT-5", "+08:00", "utc+5:30"):
        found = _problems(_accounts_file(tmp_path, _row("10", zone=offset)))
        assert found == [f"timezone: {offset!r} is an offset from UTC, not a time zone (offsets move with summer time): use the IANA name of the debtor's place, e.g. Asia/Shanghai, Europe/Berlin, America/New_York"]


def test_item_02_a_repeated_row_names_the_line_it_repeats(tmp_path):
    path = _accounts_file(tmp_path, _row("10"), _row("20", invoice="I-2"), _row("10"), _row("20", invoice="I-2"))
    assert _problems(path) == ["invoice_number: invoice I-1 of account A-1 is already on line 2", "invoice_number: invoice I-2 of account A-1 is already on line 3"]
    payments = tmp_path / "payments.csv"
    payments.write_text("payment_id,account_id,paid_on,amount\nP-1,A-1,2026-11-18,5\nP-2,A-1,2026-11-18,x\nP-2,A-1,2026-11-18,5\nP-1,A-1,2026-11-18,5\n", encoding="utf-8")
    _, found = read_payments(payments, TODAY)
    assert [str(p).split(": ", 1)[1] for p in found][-1] == "payment_id: payment P-1 is already on line 2"
    assert found[-1].line == 5


def test_item_03_a_stray_byte_in_a_utf8_file_is_named_not_read_as_gbk(tmp_path):
    text = ("\n".join((HEADER, _row("10", name="上海恒通机电有限公司"))) + "\n").encode("utf-8")
    broken = text.replace("恒通".encode(), "恒".encode() + b"\xfe" + "通".encode())
    path = tmp_path / "stray.csv"
    path.write_bytes(broken)
    found = _problems(path)
    assert found == ["file: column 8: byte 0xFE is not UTF-8 text (nor is the file GBK): save it as UTF-8 CSV"]
    gbk = _accounts_file(tmp_path, _row("10", name="上海恒通机电有限公司"), name="gbk.csv", encoding="gbk")
    assert read_accounts(gbk)[0].debtor_name == "上海恒通机电有限公司"


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("Müller\x00GmbH", "U+0000"),
        ("\ufeffMüller GmbH", "U+FEFF (zero width no-break space)"),
        ("Müller\u200bGmbH", "U+200B (zero width space)"),
        ("Müller\u202eHbmG", "U+202E (right-to-left override)"),
        ("Mül\x1bler", "U+001B"),
        ('"Müller\nGmbH"', "U+000A"),
    ],
)
def test_item_03_control_and_invisible_characters_are_refused_with_their_line(tmp_path, name, what):
    path = _accounts_file(tmp_path, _row("10", name=name))
    found = _problems(path)
    assert found == [f"debtor_name: character {found[0].split()[2]} is {what}, a control or invisible character: remove it"], found
    with pytest.raises(LedgerFileError) as caught:
        read_accounts(path)
    assert caught.value.problems[0].line == 2
    # the rest of the row is checked too: one pass finds every problem
    found = _problems(_accounts_file(tmp_path, _row("$5", name=name, zone="UTC+8")))
    assert [problem.split(":")[0] for problem in found] == ["debtor_name", "timezone", "amount"], found


def test_item_03_a_header_of_a_million_columns_is_refused_at_once(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{n}" for n in range(1_000_000)) + "\n1\n", encoding="utf-8")
    found = _problems(path)
    assert found == [f"header: 1000000 columns, where a ledger file has at most {MAX_COLUMNS}: is this the right file? The columns are: " + ", ".join(__import__("callassist.core.ledger_csv", fromlist=["x"]).ACCOUNT_COLUMNS)]


def test_item_03_an_overlong_row_is_refused(tmp_path):
    found = _problems(_accounts_file(tmp_path, _row("10", name="M" * 5000)))
    assert found and found[0].startswith("row: ") and "at most 4096" in found[0]
    found = _problems(_accounts_file(tmp_path, _row("10", name="M" * 200_000)))
    assert found and found[0].startswith("row: ") and "at most 4096" in found[0]


CELLS = st.one_of(
    st.sampled_from(
        ["D-1", "A-1", "I-1", "Europe/Berlin", "UTC+8", "EUR", "JPY", "2026-01-01", "2026-02-30", "12500.00", "1e5", "$5", '"1,234.56"', "Müller", "上海恒通", "\ufeff", "\x00", "\u202e", '"', '""', "\n", "\r\n", ",", "-5", "0", "9" * 20]
    ),
    st.text(max_size=12),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, min_size=0, max_size=13), max_size=6), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "latin-1"]), junk=st.binary(max_size=8))
def test_fuzzed_account_files_give_clear_problems_or_accounts(tmp_path, rows, encoding, junk):
    text = "\n".join([HEADER, *(",".join(row) for row in rows)]) + "\n"
    path = tmp_path / "fuzz.csv"
    path.write_bytes(text.encode(encoding, errors="replace") + junk)
    try:
        accounts = read_accounts(path)
    except LedgerFileError as exc:
        assert exc.problems and all(str(problem).startswith(f"{path}:") for problem in exc.problems)
        return
    for account in accounts:
        assert account.invoices and all(invoice.amount > 0 for invoice in account.invoices)
        for value in (account.debtor_name, account.contact_name, account.phone):
            assert not any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for char in value), value
