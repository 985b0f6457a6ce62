"""Issue 20, item 5: what is overdue is told apart from what is owed but not yet due, in
the call's values, the standard script's words (both languages) and the account card."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from callassist.core.account import InvoiceLine, build_context
from callassist.core.call import Call
from tests.conftest import NOW


def _mixed(sample_account):
    """CN¥48,250.00 owed: CN¥30,000.00 past due, CN¥18,250.00 due on Dec 5 (NOW is Nov 20)."""
    return replace(sample_account, invoices=(InvoiceLine("INV-1001", date(2026, 7, 1), date(2026, 8, 1), Decimal("30000.00")), InvoiceLine("INV-1002", date(2026, 11, 5), date(2026, 12, 5), Decimal("18250.00"))))


def test_item_05_the_call_knows_what_is_overdue_and_what_is_not_yet_due(sample_account):
    context = build_context(_mixed(sample_account), locale="en", collector="Wang Fang", creditor="Northbridge Supply", now=NOW)
    assert (context.balance, context.overdue, context.not_yet_due, context.next_due) == ("CN¥48,250.00", "CN¥30,000.00", "CN¥18,250.00", "Dec 5, 2026")
    all_late = build_context(sample_account, locale="en", collector="Wang Fang", creditor="Northbridge Supply", now=NOW)
    assert (all_late.overdue, all_late.not_yet_due, all_late.next_due) == ("CN¥48,250.00", None, None)


def test_item_05_the_standard_script_asks_for_the_overdue_part_and_names_what_comes_next(standard_flow, catalog, sample_account):
    account = _mixed(sample_account)
    said = {}
    for locale in ("en", "zh"):
        context = build_context(account, locale=locale, collector="Wang Fang", creditor="Northbridge Supply", now=NOW)
        call = Call(standard_flow, catalog, context, account.money, clock=lambda: NOW)
        for state in ("purpose", "confirm_amount", "ask_payment"):
            call.render_at(state)
            said[(locale, state)] = call.step.text
    assert "There's CN¥30,000.00 past due" in said[("en", "purpose")] and "CN¥18,250.00 isn't due yet; the next part falls due on Dec 5, 2026" in said[("en", "purpose")]
    assert "48,250" not in said[("en", "purpose")] + said[("en", "ask_payment")]
    assert "INV-1002: CN¥18,250.00, due Dec 5, 2026 (not yet due)" in said[("en", "confirm_amount")] and "(0 days overdue)" not in said[("en", "confirm_amount")]
    assert "transfer the CN¥30,000.00 that's past due today" in said[("en", "ask_payment")]
    assert "¥30,000.00的货款已经过了账期" in said[("zh", "purpose")] and "¥18,250.00还没到期" in said[("zh", "purpose")]
    assert "（尚未到期）" in said[("zh", "confirm_amount")] and "已经到期的¥30,000.00" in said[("zh", "ask_payment")]


def test_item_05_an_account_with_nothing_overdue_is_said_in_plain_words(standard_flow, catalog, sample_account):
    """Found by the attacker: "There's CN¥33,603.25 isn't due yet"."""
    account = replace(sample_account, invoices=(InvoiceLine("INV-1002", date(2026, 11, 5), date(2026, 12, 5), Decimal("48250.00")),))
    context = build_context(account, locale="en", collector="Wang Fang", creditor="Northbridge Supply", now=NOW)
    call = Call(standard_flow, catalog, context, account.money, clock=lambda: NOW)
    call.render_at("purpose")
    assert "Nothing on it is past due yet: CN¥48,250.00 will fall due, the first part on Dec 5, 2026." in call.step.text
    assert "There's" not in call.step.text and "past due on it" not in call.step.text
