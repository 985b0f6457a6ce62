"""Weeks of demo call history: calls driven through the real script and stored as events.

Every call is made by the same Call machine a collector uses, so its events, hash chain,
scorecard and replay are exactly those of a real call. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from callassist.core.account import AccountSnapshot, build_context
from callassist.core.call import Call, Event
from callassist.core.compliance import PROFILES
from callassist.core.figures import Judge
from callassist.core.flow import LoadedFlow
from callassist.core.judge import judge_of
from callassist.core.ledger_csv import PaymentIn
from callassist.core.lint import forbidden_list
from callassist.core.objections import EXCUSE_IDS, Catalog
from callassist.core.priority import DEFAULT_CLASS_DAYS
from callassist.core.promises import CHANNELS, DEFAULT_GRACE_DAYS, METHODS, Promise
from callassist.core.promises import Instalment as PlannedPayment
from callassist.core.shipped import SHIPPED_SCRIPTS
from callassist.store import queries
from callassist.store.ledger import SUPERSEDED, evaluate_promises, import_payments, owed
from callassist.store.models import Account, Collector, Instalment, saved_id
from callassist.store.models import Call as CallRow
from callassist.store.models import Promise as PromiseRow

TO_PAYMENT = ["dial", "right_party", "can_talk", "purpose_stated", "amount_agreed"]
# (weight, name): how often each kind of call happens in the demo's weeks.
SCENARIOS = [
    (28, "no_answer"),
    (12, "gatekeeper"),
    (5, "not_now"),
    (3, "wrong_number"),
    (7, "dispute"),
    (20, "objection_promise"),
    (9, "plan_promise"),
    (8, "full_promise"),
    (6, "escalated"),
    (2, "abusive"),
]
NOTES = {
    "en": {
        "callback": ["Reception says the owner is back on Monday morning.", "Asked to call after 3 pm; finance meeting until then.", "Contact on leave this week, back Thursday.", "Says the accountant is away until the end of the month; call then."],
        "dispute": ["Disputes one delivery; sending signed delivery notes today.", "Says the price on the last invoice is wrong; contract sent."],
        "wrong_party": ["Number belongs to another company now; need a new number."],
        "escalated": ["Refuses to commit; handed to the team lead.", "Wants to talk to my manager; passed on."],
        "abusive": ["Shouted and hung up; offered manager or lawyer calmly."],
        "promise": ["Confirmed by email while on the call.", "Will send the bank slip the same day."],
    },
    "zh": {
        "callback": ["前台说老板周一上午回来。", "对方下午三点后方便，之前在开财务会。", "联系人本周休假，周四回来。", "说会计月底前都不在，到时再打。"],
        "dispute": ["对一批货有异议，今天寄签收单。", "说最后一张发票价格不对，已发合同。"],
        "wrong_party": ["号码已经换给别的公司，需要新号码。"],
        "escalated": ["拒绝承诺，已转组长跟进。", "要求和我的经理谈，已转交。"],
        "abusive": ["对方大声辱骂后挂断，已平静地给出两个选择。"],
        "promise": ["通话中已邮件确认。", "答应当天发转账凭证。"],
    },
}
COLLEAGUES = [("li.na", "Li Na 李娜"), ("chen.hao", "Chen Hao 陈浩")]


@dataclass
class _Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def wait(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


def populate_history(session: Session, loaded: LoadedFlow, catalog: Catalog, today: date, calls: int = 300, days: int = 42, seed: int = 11, judge: Judge | None = None) -> int:
    """Store `calls` calls over the `days` before today, by several collectors; returns how
    many. Each call's end is judged by `judge` (by default, this script and catalog with
    the shipped forbidden list and the cn contact rules)."""
    judge = judge or judge_of(loaded.flow, catalog, forbidden_list(SHIPPED_SCRIPTS)[0], PROFILES["cn"])
    rng = random.Random(seed)
    collectors = list(session.exec(select(Collector)).all())
    for name, display in COLLEAGUES:
        if not any(c.name == name for c in collectors):
            colleague = Collector(name=name, display_name=display)
            session.add(colleague)
            collectors.append(colleague)
    session.flush()
    account_ids = [saved_id(account) for account in session.exec(select(Account)).all()]
    weights, names = zip(*SCENARIOS)
    workdays = [today - timedelta(days=n) for n in range(days, 0, -1) if (today - timedelta(days=n)).weekday() < 5]
    made: list[tuple[datetime, int, AccountSnapshot]] = []
    snapshots: dict[int, AccountSnapshot] = {}  # as they stand before any of these calls
    for _ in range(calls):
        day = rng.choice(workdays)
        account_id = rng.choice(account_ids)
        if account_id not in snapshots:
            snapshots[account_id] = queries.account_snapshot(account_id, session=session)
        snapshot = snapshots[account_id]
        hour = 22 if rng.random() < 0.02 else rng.randint(9, 16)  # a few too late: the browser's compliance flag finds them
        local_start = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), ZoneInfo(snapshot.timezone))
        made.append((local_start.astimezone(UTC), account_id, snapshot))
    made.sort(key=lambda item: item[0])  # stored in time order, so the latest call sets the account's last outcome
    for started, account_id, snapshot in made:
        collector = rng.choice(collectors) if rng.random() < 0.35 else collectors[0]
        locale = "zh" if snapshot.currency in ("CNY", "TWD", "HKD") else "en"
        clock = _Clock(started)
        context = build_context(snapshot, locale=locale, collector=collector.display_name, creditor="Northbridge Supply" if locale == "en" else "北桥供应链有限公司", now=started)
        call = Call(loaded, catalog, context, snapshot.money, clock=clock)
        events = call.start({"account_id": account_id, **snapshot.card(collector.name, started)})
        events += _talk(call, clock, rng, rng.choices(names, weights)[0], started.date(), locale)
        row = CallRow(id=f"demo-{started:%Y%m%d%H%M%S}-{account_id:04d}", account_id=account_id, collector_id=saved_id(collector), script=loaded.name, script_hash=loaded.content_hash, locale=locale, started_at=started, state=call.state)
        queries.record_call(row, events, session=session, judge=judge)
    _pay_past_promises(session, today, rng)
    session.commit()
    return len(made)


def _talk(call: Call, clock: _Clock, rng: random.Random, scenario: str, day: date, locale: str) -> list[Event]:
    """The events of one call following `scenario`, with the time each step takes."""
    events: list[Event] = []

    def step(make: Callable[[], list[Event]]) -> None:
        clock.wait(rng.randint(4, 45))
        events.extend(make())

    def choose(*triggers: str) -> None:
        for trigger in triggers:
            step(lambda: call.choose(trigger))  # noqa: B023 (called at once)

    def promise(part: bool) -> None:
        total = call.balance.amount
        first = (total / 2).quantize(Decimal("0.01")) if part else total
        due = day + timedelta(days=rng.randint(2, 10))
        instalments = (PlannedPayment(due, first),) + ((PlannedPayment(due + timedelta(days=30), total - first),) if part else ())
        step(lambda: call.capture_promise(Promise(call.balance.currency, total, instalments, rng.choice(METHODS), rng.choice(CHANNELS))))
        choose("promise_confirmed")

    def end(disposition: str) -> None:
        note = rng.choice(NOTES[locale][disposition]) if disposition in NOTES[locale] else ""
        step(lambda: call.end(disposition, note, day + timedelta(days=rng.randint(1, 7)) if disposition == "callback" else None))

    if scenario == "no_answer":
        choose("no_answer")
        end("no_answer")
    elif scenario == "gatekeeper":  # at a company the switchboard, at home the household
        choose("dial", "someone_else" if call.context.debtor_kind == "company" else "household_answers", "contact_unavailable", "callback_agreed")
        end("callback")
    elif scenario == "not_now":
        choose("dial", "right_party", "not_now", "callback_agreed")
        end("callback")
    elif scenario == "wrong_number":
        choose("dial", "wrong_number")
        end("wrong_party")
    elif scenario == "dispute":
        choose(*TO_PAYMENT[:4], "amount_disputed", "dispute_logged")
        end("dispute")
    elif scenario == "abusive":
        choose(*TO_PAYMENT[:4], "turns_abusive", "ended_politely")
        end("abusive")
    else:
        choose(*TO_PAYMENT)
        if scenario == "objection_promise":
            excuse = rng.choice(EXCUSE_IDS)
            for _ in range(rng.randint(1, 3)):
                step(lambda: call.raise_objection(excuse))
            choose("softens")
            promise(part=rng.random() < 0.4)
            end("promise")
        elif scenario == "plan_promise":
            choose("asks_for_plan", "terms_agreed")
            promise(part=True)
            end("promise")
        elif scenario == "full_promise":
            choose("will_pay_in_full")
            promise(part=False)
            end("promise")
        else:  # escalated
            step(lambda: call.raise_objection(rng.choice(EXCUSE_IDS)))
            choose("refuses", "handed_over")
            end("escalated")
    return events


def _pay_past_promises(session: Session, today: date, rng: random.Random) -> None:
    """Money for the demo's promises whose dates have passed, as a bank file would bring it:
    most paid in full, some in part, some not at all, never more than the account owes,
    and only toward the promise in force (each promise was made for the whole balance, so
    money paid to one a newer promise replaced would leave the newer promising more than
    is owed); then every promise is judged."""
    payments: list[PaymentIn] = []
    due = (
        select(Instalment, PromiseRow, Account)
        .join(PromiseRow, col(PromiseRow.id) == Instalment.promise_id)
        .join(Account, col(Account.id) == PromiseRow.account_id)
        .where(col(PromiseRow.call_id).is_not(None), Instalment.due_on < today)
        .order_by(col(Instalment.due_on), col(Instalment.id))
    )
    rows = session.exec(due).all()
    left = owed(sorted({saved_id(account) for _, _, account in rows}), session)
    for instalment, promise, account_row in rows:
        promised, account_id, account = promise.created_at, saved_id(account_row), account_row.external_id
        if promise.status == SUPERSEDED:
            continue  # a newer promise took its place, for what was owed then: no money went to this one
        luck = rng.random()
        if luck < 0.3:
            continue
        amount = min(instalment.amount if luck < 0.85 else (instalment.amount / 2).quantize(Decimal("0.01")), left[account_id])
        if amount <= 0:
            continue
        left[account_id] -= amount
        paid_on = max(promised.date(), instalment.due_on - timedelta(days=rng.randint(0, 2)))
        payments.append(PaymentIn(0, f"demo-{instalment.id}", account, paid_on, amount, None, "bank_transfer", ""))
    import_payments(payments, path="demo", source="import", today=today, grace_days=DEFAULT_GRACE_DAYS, class_days=DEFAULT_CLASS_DAYS, session=session)
    evaluate_promises(today=today, grace_days=DEFAULT_GRACE_DAYS, class_days=DEFAULT_CLASS_DAYS, session=session)
