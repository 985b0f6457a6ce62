"""Render every step and every rebuttal of a script in every locale with sample data,
so a broken template is refused when the script loads, never found on a live call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from itertools import product
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from callassist.core.account import AccountSnapshot, InvoiceLine, PastPromise, build_context
from callassist.core.call import Call, ObjectionState
from callassist.core.claims import claims_in
from callassist.core.context import CallContext
from callassist.core.flow import VERIFIED, LoadedFlow, states_before
from callassist.core.forbidden import HINTS, ForbiddenLanguage, Hit
from callassist.core.i18n import LOCALES
from callassist.core.money import Money
from callassist.core.objections import EXCUSE_IDS, Catalog
from callassist.core.priority import ACCOUNT_FACTS
from callassist.core.problems import ContentError, Problem, display_path
from callassist.core.promises import Instalment, Promise

SAMPLE_NOW = datetime(2026, 3, 6, 1, 30, tzinfo=UTC)


# The sample accounts a practice call may run on (a persona's `account`): what the
# balance stands at, and who owes it.
SampleStanding = Literal["overdue", "not_yet_due", "promise_open"]
SAMPLE_STANDINGS: tuple[SampleStanding, ...] = get_args(SampleStanding)
SampleDebtor = Literal["company", "consumer"]
SAMPLE_DEBTORS: tuple[SampleDebtor, ...] = get_args(SampleDebtor)
SAMPLE_TIMEZONE = "Asia/Shanghai"


def sample_snapshot(with_history: bool = True, *, standing: str = "overdue", debtor: str = "company", now: datetime | None = None) -> AccountSnapshot:
    """A plausible account for previews, checks and practice calls.

    `standing`: overdue (two invoices long past due and a broken promise: the default),
    not_yet_due (nothing late, two invoices falling due in the next weeks: a reminder call)
    or promise_open (past due, with a promise falling due in a few days: a check call).
    `debtor`: a company (a finance manager to ask for) or a consumer (the person who owes).
    `now` places the dates of the last two, so that they stand so on the day of the call
    (default: SAMPLE_NOW)."""
    if standing not in SAMPLE_STANDINGS:
        raise ValueError(f"unknown sample standing {standing!r}: use one of {', '.join(SAMPLE_STANDINGS)}")
    if debtor not in SAMPLE_DEBTORS:
        raise ValueError(f"unknown sample debtor {debtor!r}: use one of {', '.join(SAMPLE_DEBTORS)}")
    today = (now or SAMPLE_NOW).astimezone(ZoneInfo(SAMPLE_TIMEZONE)).date()

    def days(n: int) -> date:
        return today + timedelta(days=n)

    invoices: tuple[InvoiceLine, ...]
    promises: tuple[PastPromise, ...]
    if standing == "not_yet_due":
        invoices = (InvoiceLine("INV-0003", days(-20), days(10), Decimal("20000.00")), InvoiceLine("INV-0004", days(-5), days(25), Decimal("16800.00")))
        promises = ()
    elif standing == "promise_open":
        invoices = (InvoiceLine("INV-0001", days(-70), days(-40), Decimal("20000.00")), InvoiceLine("INV-0002", days(-40), days(-10), Decimal("16800.00")))
        # A plan, so that the words for one are rendered too.
        promises = (PastPromise(Decimal("20000.00"), days(4), "open", Decimal(0), days(4), Decimal("10000.00"), 2, days(34)),)
    else:
        invoices = (InvoiceLine("INV-0001", date(2025, 10, 1), date(2025, 11, 1), Decimal("20000.00")), InvoiceLine("INV-0002", date(2025, 11, 1), date(2025, 12, 1), Decimal("16800.00")))
        promises = (PastPromise(Decimal("10000.00"), date(2026, 2, 20), "broken"),)
    if debtor == "consumer":
        names: dict[str, Any] = {"debtor": "Wang Lei 王磊", "contact_name": "Wang Lei 王磊", "contact_role": "", "phone": "+86 139 5550 0000", "debtor_kind": "consumer"}
    else:
        names = {"debtor": "Sample Trading Co. 示例贸易有限公司", "contact_name": "Chen Jing 陈静", "contact_role": "finance manager", "phone": "+86 21 5550 0000"}
    return AccountSnapshot(
        account_id=0,
        timezone=SAMPLE_TIMEZONE,
        currency="CNY",
        balance=Decimal("36800.00"),
        invoices=invoices if with_history else (),
        promises=promises if with_history else (),
        **names,
    )


def sample_promise(balance: Money, today: date) -> Promise:
    """The whole balance in two instalments, a week and five weeks from today."""
    first = (balance.amount / 2).quantize(Decimal("0.01"))
    instalments = (Instalment(today + timedelta(days=7), first), Instalment(today + timedelta(days=35), balance.amount - first))
    return Promise(balance.currency, balance.amount, instalments, "bank_transfer", "email")


# Every shape of account the ledger can hold, so that each branch of a template runs at
# least once: the last promise (none, open, kept, partly kept, broken twice) against no
# invoice, one and several, with the debt classes spread over them (0, 45, 120, 250 and
# 400 days late), a contact with and without a role, mornings in Shanghai and evenings in
# New York, a promise captured in the call or not, and the account's facts (a lawyer, a
# stopped supply, a final letter) none, some or all.
PROMISE_SHAPES = (None, "open", "kept", "partly_kept", "broken")
INVOICE_COUNTS = (0, 1, 3)
DAYS_LATE = (0, 45, 120, 250, 400)


@dataclass(frozen=True)
class AccountShape:
    snapshot: AccountSnapshot
    promised: bool  # a promise captured in the call
    description: str


def account_shapes() -> list[AccountShape]:
    """The accounts lint renders every template against (see PROMISE_SHAPES)."""
    shapes: list[AccountShape] = []
    for index, (status, count) in enumerate(product(PROMISE_SHAPES, INVOICE_COUNTS)):
        late = DAYS_LATE[index % len(DAYS_LATE)] if count else 0
        evening = index % 3 == 2
        zone, currency = ("America/New_York", "USD") if evening else ("Asia/Shanghai", "CNY")
        today = SAMPLE_NOW.astimezone(ZoneInfo(zone)).date()
        invoices = tuple(InvoiceLine(f"INV-{number:04d}", today - timedelta(days=late + 30 - 20 * number), today - timedelta(days=late - 20 * number), Decimal("12000.00") + number) for number in range(count))
        balance = sum((invoice.amount for invoice in invoices), Decimal("0.00"))
        promises: tuple[PastPromise, ...] = ()
        if status is not None:
            paid = {"kept": Decimal("5000.00"), "partly_kept": Decimal("2000.00")}.get(status, Decimal(0))
            promises = (PastPromise(Decimal("5000.00"), today - timedelta(days=10), status, paid),)
            if status == "broken":
                promises += (PastPromise(Decimal("3000.00"), today - timedelta(days=40), "broken"),)
        role = "" if index % 4 == 3 else "finance manager"
        facts = ACCOUNT_FACTS[: index % (len(ACCOUNT_FACTS) + 1)]  # none, then one, two and all three of them
        snapshot = AccountSnapshot(0, "Sample Trading Co. 示例贸易有限公司", "Chen Jing 陈静", role, "+86 21 5550 0000", zone, currency, balance, invoices, promises, flags=facts)
        said = (
            f"last promise {status or 'none'}, {count} {'invoice' if count == 1 else 'invoices'}, {late} days late, {'evening in New York' if evening else 'morning in Shanghai'}"
            + (", no contact role" if not role else "")
            + (f", {', '.join(facts)}" if facts else "")
        )
        shapes.append(AccountShape(snapshot, index % 2 == 1, said))
    return shapes


def preflight(flow: LoadedFlow, catalog: Catalog, forbidden: ForbiddenLanguage | None = None) -> list[Problem]:
    """Every problem rendering the script and catalog would meet on any account, found
    now: each template run against every shape of account in both locales. What they
    print is checked too: no forbidden phrase however it was put together, and no debt
    detail before the right party is verified."""
    found: dict[tuple[str, int, str], Problem] = {}  # the first shape each problem shows on

    def note(problems: list[Problem], shape: AccountShape) -> None:
        for problem in problems:
            key = (problem.path, problem.line, problem.code)
            if key not in found:
                found[key] = replace(problem, message=f"{problem.message} (on an account with {shape.description})")

    # Most shapes of account print the same words at a step: each text is searched once.
    find = cache(forbidden.find) if forbidden is not None else None
    claims = cache(claims_in)
    before_verified = states_before(flow.flow, VERIFIED)
    shown = {(locale, state): display_path(flow.template_path(locale, spec.template_name(state))) for locale in LOCALES for state, spec in flow.flow.states.items()}
    for shape in account_shapes():
        snapshot = shape.snapshot
        promise = sample_promise(snapshot.money, SAMPLE_NOW.astimezone(ZoneInfo(snapshot.timezone)).date()) if shape.promised and snapshot.balance else None
        for locale in LOCALES:
            context = build_context(snapshot, locale=locale, collector="Sample", creditor="Sample Creditor", now=SAMPLE_NOW)
            for ladder in catalog.ladders():
                for rung in range(1, catalog.rungs(ladder, locale) + 1):
                    try:
                        view = catalog.rebuttal(ladder, rung, context)
                    except ContentError as exc:
                        note(exc.problems, shape)
                        continue
                    source = catalog.rung(ladder, rung, locale)
                    path, line = catalog.source_of(ladder, rung, locale)
                    note(_printed_forbidden(find, f"{view.text}\n{view.commitment}", f"{source.text}\n{source.commitment}", locale, path, line), shape)
                    note(_printed_claims(claims, f"{view.text}\n{view.commitment}", context, path, line), shape)
            call = Call(flow, catalog, context, snapshot.money)
            call.promise = promise
            for state in flow.flow.states:
                objection = ObjectionState(EXCUSE_IDS[0], 1) if state == flow.flow.objections.state else None
                try:
                    rendered = call.text_at(state, objection)
                except ContentError as exc:
                    note(exc.problems, shape)
                    continue
                text = rendered if objection is None else rendered.replace(catalog.rebuttal(EXCUSE_IDS[0], 1, context).text, "")
                source = flow.template_source(locale, flow.flow.states[state].template_name(state)) or ""
                note(_printed_forbidden(find, text, source, locale, shown[(locale, state)], 1), shape)
                note(_printed_claims(claims, text, context, shown[(locale, state)], 1), shape)
                if state in before_verified:
                    note(_printed_debt(text, context, state, shown[(locale, state)]), shape)
    return sorted(found.values())


def _printed_forbidden(find: Callable[[str, str], list[Hit]] | None, printed: str, source: str, locale: str, shown: str, line: int) -> list[Problem]:
    """Forbidden phrases a template prints without writing them (put together from pieces,
    or from a value): the ones it writes out are found in its source, at their line.
    `find`: the forbidden list's (None without a list)."""
    if find is None:
        return []
    written = {hit.phrase for hit in find(source, locale)}
    return [Problem(shown, line, 1, "E050", f"forbidden language ({HINTS[hit.category][0]}) in what it prints: {hit.phrase!r}", HINTS[hit.category][1]) for hit in find(printed, locale) if hit.phrase not in written]


def _printed_claims(claims: Callable[[str], list[tuple[str, str]]], printed: str, context: CallContext, shown: str, line: int) -> list[Problem]:
    """A claim a template prints on an account that does not support it, however it was
    put together (pieces joined, a filter, a condition that does not hold the fact)."""
    return [
        Problem(shown, line, 1, "E054", f"“{words}” in what it prints, on an account without {fact}", f"say it only under a condition on the account's fact: {{% if {fact} %}}…{{% endif %}}")
        for fact, words in claims(printed)
        if not getattr(context, fact)
    ]


def _printed_debt(printed: str, context: CallContext, state: str, shown: str) -> list[Problem]:
    details = [context.balance] * bool(context.invoices) + [invoice.number for invoice in context.invoices] + [invoice.amount for invoice in context.invoices]
    if any(detail in printed for detail in details):
        return [Problem(shown, 1, 1, "E027", f"prints debt details in state {state!r}, which can be reached before the right party is verified", "say only your name, company and a callback request to anyone else")]
    return []
