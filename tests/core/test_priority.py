"""Priority: the order and the reasons for a small crafted ledger, pinned; and the
worklist's early stop giving exactly the brute-force top of a larger one."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from callassist.core.priority import AccountFacts, Moment, debt_class, moment, standing, top_reasons
from callassist.core.reasons import describe_reason
from callassist.store import sql

FRIDAY_1040_SHANGHAI = datetime(2026, 11, 20, 2, 40, tzinfo=UTC)
TODAY = date(2026, 11, 20)


def _score(facts: AccountFacts, when: Moment, now=FRIDAY_1040_SHANGHAI, today=TODAY):
    kept, kept_reasons, _ = standing(facts, today)
    then, then_reasons = moment(when, now)
    return round(kept + then, 3), top_reasons(kept_reasons + then_reasons, 3)


def test_classes_follow_days_and_history():
    assert [debt_class(d) for d in (-5, 0, 1, 90, 91, 180, 181, 365, 366)] == ["current", "current", "collection", "collection", "watch", "watch", "doubtful", "doubtful", "write_off"]
    assert debt_class(30, broken_promises=2) == "watch"
    assert debt_class(30, flags=("insolvency",)) == "doubtful"
    assert debt_class(100, class_days=(0, 30, 60, 90)) == "write_off"


def test_a_crafted_ledger_is_ordered_with_its_reasons():
    shanghai = "Asia/Shanghai"
    ledger = {
        "callback due now": (AccountFacts(date(2026, 10, 1), Decimal("8000"), "CNY"), Moment(shanghai, callback_at=datetime(2026, 11, 20, 2, 30, tzinfo=UTC))),
        "broken promise": (AccountFacts(date(2026, 9, 1), Decimal("50000"), "CNY", broken_promises=1, last_broken_on=date(2026, 11, 18)), Moment(shanghai)),
        "owner changed": (AccountFacts(date(2026, 10, 20), Decimal("20000"), "CNY", flags=("owner_change",)), Moment(shanghai)),
        "first minutes": (AccountFacts(date(2026, 10, 20), Decimal("20000"), "CNY"), Moment(shanghai, work_starts=time(10, 30))),
        "late, called enough": (AccountFacts(date(2026, 6, 1), Decimal("90000"), "CNY", calls_in_month=3, last_contact_on=date(2026, 11, 19)), Moment(shanghai)),
        "night in New York": (AccountFacts(date(2026, 6, 1), Decimal("90000"), "USD"), Moment("America/New_York")),
        "not due yet": (AccountFacts(date(2026, 12, 30), Decimal("500000"), "CNY"), Moment(shanghai)),
        # A promise taken yesterday for the 30th: the next call is on that day, not before.
        "promised": (AccountFacts(date(2026, 6, 1), Decimal("90000"), "CNY", flags=("insolvency",), last_contact_on=date(2026, 11, 19), promise_due=date(2026, 11, 30)), Moment(shanghai)),
    }
    scored = {name: _score(*values) for name, values in ledger.items()}
    order = sorted(scored, key=lambda name: -scored[name][0])
    assert order == ["callback due now", "broken promise", "owner changed", "late, called enough", "first minutes", "night in New York", "promised", "not due yet"]
    said = {name: [describe_reason(r, "en") for r in reasons] for name, (_, reasons) in scored.items()}
    assert said["callback due now"][0] == "callback due 10:30\u202fAM"
    assert said["broken promise"][:2] == ["promise broken 2 days ago", "80 days past due"]
    assert said["owner changed"][0] == "warning: owner changed"
    assert said["late, called enough"][2] == "3 calls this month already"
    assert "first 15 minutes of their working day" in said["first minutes"]
    assert said["night in New York"][1] == "their time 9:40\u202fPM: outside working hours"
    assert said["promised"][0] == "promised for 11/30/26: call then"
    assert describe_reason(scored["promised"][1][0], "zh") == "已承诺 2026/11/30 付款，到期再打"
    on_the_day = _score(ledger["promised"][0], Moment(shanghai), today=date(2026, 11, 30))
    assert "promise_pending" not in [r.key for r in on_the_day[1]], "on its date the promise is followed up"
    assert [describe_reason(r, "zh") for r in scored["broken promise"][1]][:2] == ["2 天前承诺未兑现", "逾期 80 天"]
    friday = moment(Moment(shanghai), datetime(2026, 11, 20, 3, 0, tzinfo=UTC))[1]
    assert [describe_reason(r, "en") for r in friday] == ["Friday morning: best time"]
    assert [describe_reason(r, "zh") for r in friday] == ["星期五上午：最佳时间"]


def test_the_early_stop_gives_exactly_the_top_of_the_ledger(tmp_path):
    """read_worklist merges each clock's accounts by score and stops once none further down
    could overtake: compare with scoring every account, at hours that favour different
    clocks (first minutes, lunch, a weekend, income days ahead), for several sizes."""
    from callassist.store import db
    from callassist.store.ledger import debtor_clock
    from callassist.store.models import Account, Collector, Contact, Debtor

    engine = db.open_engine(db.sqlite_url(tmp_path / "top.db"))
    rng = random.Random(5)
    zones = ["Asia/Shanghai", "Europe/London", "America/Chicago", "Australia/Sydney"]
    first = datetime(2026, 11, 19, 1, 5, tzinfo=UTC)
    facts = {}
    with db.session(engine) as session:
        collector = Collector(name="wang", display_name="wang")
        session.add(collector)
        session.flush()
        for n in range(600):
            debtor = Debtor(external_id=f"D{n}", name=f"Debtor {n}", timezone=rng.choice(zones), work_starts=rng.choice([None, "08:00", "09:00"]), income_day=rng.choice([None, 3, 21]))
            session.add(debtor)
            session.flush()
            contact = Contact(debtor_id=debtor.id, name="x", role="y", phone=str(n))
            session.add(contact)
            session.flush()
            oldest = first.date() - timedelta(days=rng.randint(-10, 400))
            balance = Decimal(rng.randint(100, 500000))
            # Some promises due today, some later (their accounts wait for the date), some past.
            promise_due = TODAY + timedelta(days=rng.choice([-3, 0, 0, 2, 12])) if rng.random() < 0.1 else None
            account = Account(
                external_id=f"A{n}",
                debtor_id=debtor.id,
                contact_id=contact.id,
                collector_id=collector.id,
                currency="CNY",
                balance=balance,
                oldest_due=oldest,
                **debtor_clock(debtor.timezone, debtor.work_starts, debtor.income_day),
                callback_at=first + timedelta(minutes=rng.randint(-600, 600)) if rng.random() < 0.05 else None,
                next_promise_due=promise_due,
                next_promise_amount=Decimal(100),
            )
            session.add(account)
            session.flush()
            facts[account.id] = AccountFacts(oldest, balance, "CNY", promise_due=promise_due)
        session.commit()
    path = str(tmp_path / "top.db")
    engine.dispose()
    connection = sqlite3.connect(path)
    execute = lambda statement, params: connection.execute(statement, params).fetchall()  # noqa: E731
    instants = [
        first,  # Thursday 09:05 in Shanghai: the first minutes of a 09:00 start; income on the 21st is 2 days away
        datetime(2026, 11, 19, 14, 10, tzinfo=UTC),  # 08:10 in Chicago, after midnight in Shanghai
        datetime(2026, 11, 20, 4, 30, tzinfo=UTC),  # Friday lunch in Shanghai, before dawn in London
        datetime(2026, 11, 21, 15, 0, tzinfo=UTC),  # Saturday, and Sunday in Sydney
        datetime(2026, 11, 30, 10, 0, tzinfo=UTC),  # Monday; income on the 3rd is 3 days away
    ]
    for now in instants:
        # The standing as ledger.refresh_standing leaves it for the day.
        connection.executemany("UPDATE account SET priority = ?, priority_on = ? WHERE id = ?", [(standing(f, now.date()).points, now.date().isoformat(), key) for key, f in facts.items()])
        everything = [sql.score_row(row, now, (0, 90, 180, 365)) for row in execute(sql.COLLECTOR_OPEN_ACCOUNTS, {"collector_id": 1, "closed": False})]
        for limit in (5, 20, 100):
            expected = sorted(everything, key=lambda row: (-row.score, row.account_id))[:limit]
            scored = []

            def counting(statement, params):
                if "a.id IN" in statement:
                    scored.extend(value for key, value in params.items() if key.startswith("id_") and value)  # noqa: B023 (within its round)
                return execute(statement, params)

            picked = sql.read_worklist(counting, 1, now, limit=limit)
            assert [(r.account_id, r.score) for r in picked.rows] == [(r.account_id, r.score) for r in expected], now
            assert picked.rows == expected and picked.total == 600
            assert len(scored) <= 2 * limit, f"{now}: scored {len(scored)} accounts in full for the top {limit}"


def test_outside_the_rules_window_an_account_sinks_and_says_when_it_opens():
    from callassist.core.priority import RULES_CLOSED_POINTS

    window = (time(8, 0), time(22, 0))
    shanghai = Moment("Asia/Shanghai")
    early = datetime(2026, 11, 19, 23, 30, tzinfo=UTC)  # 07:30 Friday there
    points, reasons = moment(shanghai, early, window)
    assert points <= RULES_CLOSED_POINTS and reasons[0].key == "rules_closed"
    assert describe_reason(reasons[0], "en").replace("\u202f", " ") == "opens in 30 min (8:00 AM their time)"
    assert describe_reason(reasons[0], "zh") == "30 分钟后可拨打（对方当地 08:00）"
    late = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 22:00 exactly: closed until tomorrow
    assert describe_reason(moment(shanghai, late, window)[1][0], "en").startswith("opens in 10 h")
    open_now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert all(reason.key != "rules_closed" for reason in moment(shanghai, open_now, window)[1])
    assert moment(shanghai, early)[1][0].key != "rules_closed"  # no window given: as before


def test_a_callback_long_past_is_said_to_be_missed_not_due():
    """Issue 23: a 10:30 callback must not read "callback due 10:30 AM" at 8:27 PM."""
    agreed = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
    when = Moment("Asia/Shanghai", callback_at=agreed)
    for now, key in ((agreed - timedelta(minutes=30), "callback_later"), (agreed - timedelta(minutes=4), "callback_due"), (agreed + timedelta(minutes=15), "callback_due"), (datetime(2026, 11, 20, 12, 27, tzinfo=UTC), "callback_missed")):
        [reason] = [r for r in moment(when, now)[1] if r.key.startswith("callback")]
        assert reason.key == key, now
    assert describe_reason(reason, "en").replace("\u202f", " ") == "callback missed (agreed for 10:30 AM)"
    assert describe_reason(reason, "zh") == "约定 10:30 回电，已错过"
    from callassist.core.priority import CALLBACK_POINTS

    assert reason.points == CALLBACK_POINTS  # still first to call


def test_an_account_waits_for_the_callback_it_agreed():
    """A long-overdue account whose debtor agreed to be called at 14:30 is not offered at
    10:40 before an ordinary one: the debtor was told when the call comes."""
    agreed = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai
    waiting = _score(AccountFacts(date(2026, 2, 27), Decimal("18274"), "CNY", flags=("moving",)), Moment("Asia/Shanghai", callback_at=agreed))
    ordinary = _score(AccountFacts(date(2026, 10, 20), Decimal("9000"), "CNY"), Moment("Asia/Shanghai"))
    assert waiting[0] < ordinary[0], (waiting, ordinary)
    assert describe_reason(waiting[1][0], "en").replace("\u202f", " ") == "callback agreed for 2:30 PM"
