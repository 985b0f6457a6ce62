"""Render every step and every rebuttal of a script in every locale with sample data,
so a broken template is refused when the script loads, never found on a live call."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from callassist.core.account import AccountSnapshot, InvoiceLine, PastPromise, build_context
from callassist.core.call import Call, ObjectionState
from callassist.core.flow import LoadedFlow
from callassist.core.i18n import LOCALES
from callassist.core.money import Money
from callassist.core.objections import EXCUSE_IDS, Catalog
from callassist.core.problems import ContentError, Problem
from callassist.core.promises import Instalment, Promise

SAMPLE_NOW = datetime(2026, 3, 6, 1, 30, tzinfo=timezone.utc)


def sample_snapshot(with_history: bool = True) -> AccountSnapshot:
    """A plausible account for previews and checks."""
    return AccountSnapshot(
        account_id=0,
        debtor="Sample Trading Co. 示例贸易有限公司",
        contact_name="Chen Jing 陈静",
        contact_role="finance manager",
        phone="+86 21 5550 0000",
        timezone="Asia/Shanghai",
        currency="CNY",
        balance=Decimal("36800.00"),
        invoices=(
            InvoiceLine("INV-0001", date(2025, 10, 1), date(2025, 11, 1), Decimal("20000.00")),
            InvoiceLine("INV-0002", date(2025, 11, 1), date(2025, 12, 1), Decimal("16800.00")),
        ) if with_history else (),
        promises=(PastPromise(Decimal("10000.00"), date(2026, 2, 20), "broken"),) if with_history else (),
    )


def sample_promise(balance: Money, today: date) -> Promise:
    """The whole balance in two instalments, a week and five weeks from today."""
    first = (balance.amount / 2).quantize(Decimal("0.01"))
    instalments = (Instalment(today + timedelta(days=7), first), Instalment(today + timedelta(days=35), balance.amount - first))
    return Promise(balance.currency, balance.amount, instalments, "bank_transfer", "email")


def preflight(flow: LoadedFlow, catalog: Catalog) -> list[Problem]:
    """Every problem rendering the script and catalog would meet, found now."""
    problems: set[Problem] = set()
    promised = sample_promise(sample_snapshot().money, SAMPLE_NOW.date())
    for locale in LOCALES:
        for with_history in (True, False):
            snapshot = sample_snapshot(with_history)
            context = build_context(snapshot, locale=locale, collector="Sample", creditor="Sample Creditor", now=SAMPLE_NOW)
            for excuse in EXCUSE_IDS:
                for rung in range(1, catalog.rungs(excuse, locale) + 1):
                    try:
                        catalog.rebuttal(excuse, rung, context)
                    except ContentError as exc:
                        problems.update(exc.problems)
            for promise in (None, promised):
                call = Call(flow, catalog, context, snapshot.money)
                call.promise = promise
                for state in flow.flow.states:
                    objection = ObjectionState(EXCUSE_IDS[0], 1) if state == flow.flow.objections.state else None
                    try:
                        call.render_at(state, objection)
                    except ContentError as exc:
                        problems.update(exc.problems)
    return sorted(problems)

