"""Which account to call next, and why.

An account's score has two parts:
- its *standing*, from the ledger: how late and how large the debt is, its class,
  broken promises, warning signs and this month's calls. It changes at most once a day
  or when something happens to the account, so the store keeps it in an index.
- the *moment*, from the clock in the debtor's time zone: the best days and hours to
  call (DOMAIN.md), an agreed callback, a promise falling due today.

Each part comes with the reasons behind its points, so the worklist can say why a row is
where it is. Only the standard library is used: the first frame waits for this.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Days past due after which an account moves into the next of the five classes of DOMAIN.md.
DEFAULT_CLASS_DAYS = (0, 90, 180, 365)
CLASSES = ("current", "collection", "watch", "doubtful", "write_off")
# How hard each class is worked: the watch class most, a write-off least.
CLASS_INTENSITY = {"current": 0.5, "collection": 1.0, "watch": 1.15, "doubtful": 0.9, "write_off": 0.4}
# News to act on at once (the "quick" counter): each moves the account up.
WARNING_SIGNS = ("owner_change", "moving", "insolvency", "new_legal_rep", "lawsuit")
# What has been done on an account that a line may lean on (a lawyer, stopped supply, a
# final letter): kept with the warning signs, never a sign themselves (core/claims.py).
ACCOUNT_FACTS = ("legal_referred", "supply_stopped", "final_letter_sent")
# The month's cadence the seeds found effective: about three calls.
CALLS_A_MONTH = 3
DEFAULT_WORK_STARTS = time(9, 0)
WORK_ENDS = time(18, 0)
LUNCH = (time(12, 0), time(13, 30))
# Monday is 0. Friday is best, then Thursday and Tuesday; Monday and Wednesday are worst.
DAY_POINTS = {4: ("day_best", 8.0), 3: ("day_good", 6.0), 1: ("day_good", 5.0), 0: ("day_poor", -4.0), 2: ("day_poor", -4.0)}
FIRST_MINUTES = 15
FIRST_MINUTES_POINTS = 12.0
INCOME_POINTS = 8.0
CALLBACK_POINTS = 100.0
CALLBACK_EARLY = timedelta(minutes=5)
# Before the agreed time the account waits: the debtor was told when the call would come.
CALLBACK_WAIT_POINTS = -60.0
# After this a callback agreed is said to be missed: still first to call, but never "due 10:30" at night.
CALLBACK_LATE = timedelta(minutes=15)
PROMISE_DUE_POINTS = 25.0
# A promise not yet due: the next call is on its date (the wrap-up says so), not before.
PROMISE_PENDING_POINTS = -45.0
RULES_CLOSED_POINTS = -1000.0  # below every account the contact rules allow now


class Reason(NamedTuple):
    """One cause of an account's place: a label key (reason_<key>), its points and the
    values the label needs (days, an amount, a local time...)."""

    key: str
    points: float
    values: tuple[tuple[str, object], ...] = ()


class AccountFacts(NamedTuple):
    """What the ledger knows of an account that bears on its standing (a tuple: imports
    make a million of them)."""

    oldest_due: date | None
    balance: Decimal
    currency: str
    broken_promises: int = 0
    last_broken_on: date | None = None
    last_contact_on: date | None = None
    flags: tuple[str, ...] = ()
    calls_in_month: int = 0
    promise_due: date | None = None  # the next open instalment of an open promise


class Moment(NamedTuple):
    """What the clock says about calling an account now."""

    timezone: str
    work_starts: time | None = None
    income_day: int | None = None
    callback_at: datetime | None = None
    promise_due: date | None = None
    promise_amount: Decimal | None = None
    currency: str = ""


def parse_class_days(text: str) -> tuple[int, int, int, int]:
    """ "0,90,180,365": four ascending day counts; ValueError saying what is wrong."""
    parts = [part.strip() for part in text.split(",")]
    try:
        days = tuple(int(part) for part in parts)
    except ValueError:
        raise ValueError(f"{text!r} is not four whole numbers of days, e.g. 0,90,180,365") from None
    if len(days) != 4 or list(days) != sorted(set(days)):
        raise ValueError(f"{text!r} must be four ascending numbers of days, e.g. 0,90,180,365")
    return days  # type: ignore[return-value]


def days_past_due(oldest_due: date | None, today: date) -> int:
    return 0 if oldest_due is None else (today - oldest_due).days


def debt_class(days_late: int, broken_promises: int = 0, flags: tuple[str, ...] = (), class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS) -> str:
    """One of the five classes: from how late the oldest invoice is, one class worse after
    two broken promises, and at least doubtful for a debtor showing insolvency."""
    index = len(class_days)
    for position, limit in enumerate(class_days):
        if days_late <= limit:
            index = position
            break
    if broken_promises >= 2 and index in (1, 2):
        index += 1
    if "insolvency" in flags:
        index = max(index, 3)
    return CLASSES[index]


def parse_flags(text: str | None) -> tuple[str, ...]:
    """Warning signs as stored or imported: separated by commas, semicolons or spaces."""
    if not text:
        return ()
    return tuple(part for part in text.replace(";", ",").replace(" ", ",").split(",") if part)


class Standing(NamedTuple):
    points: float
    reasons: tuple[Reason, ...]
    debt_class: str


def standing(facts: AccountFacts, today: date, class_days: tuple[int, ...] = DEFAULT_CLASS_DAYS, explain: bool = True) -> Standing:
    """The ledger's part of the score, with its reasons (none unless `explain`: an import
    needs only the points). Higher is more urgent: the earlier a debt is chased the more
    is recovered, larger balances matter more (logarithmically), a broken promise calls
    for a prompt follow-up, and news about the debtor for action."""
    late = days_past_due(facts.oldest_due, today)
    kind = debt_class(late, facts.broken_promises, facts.flags, class_days)
    explained: list[Reason] = []
    if late > 0:
        lateness = 10 + 30 * min(late, 180) / 180
        if explain:
            explained.append(Reason("days_past_due", lateness, (("days", late),)))
    elif late >= -3:
        lateness = 15.0  # remind a few days before the due date
        if explain:
            explained.append(Reason("due_soon", lateness, (("days", -late),)))
    else:
        lateness = 0.0
    size = 4 * math.log10(max(float(facts.balance), 1.0))
    if explain:
        explained.append(Reason("balance", size, (("amount", facts.balance), ("currency", facts.currency))))
    points = [lateness, size]  # in the order of the reasons, so both add up alike

    def add(key: str, value: float, values: tuple[tuple[str, object], ...] = ()) -> None:
        points.append(value)
        if explain:
            explained.append(Reason(key, value, values))

    if kind not in ("current", "collection"):
        add("class", (CLASS_INTENSITY[kind] - 1) * (lateness + size), (("class", kind),))
    if facts.last_broken_on is not None and (facts.last_contact_on is None or facts.last_contact_on <= facts.last_broken_on):
        add("promise_broken", 35.0, (("days", max(0, (today - facts.last_broken_on).days)),))
    if facts.broken_promises:
        add("broken_count", 5.0 * min(facts.broken_promises, 3), (("count", facts.broken_promises),))
    if facts.flags:
        for flag in [flag for flag in facts.flags if flag in WARNING_SIGNS][:2]:
            add("warning", 20.0, (("sign", flag),))
    if facts.promise_due is not None and facts.promise_due > today:
        add("promise_pending", PROMISE_PENDING_POINTS, (("due", facts.promise_due),))
    if late > 0 and facts.calls_in_month == 0:
        add("no_call_this_month", 6.0)
    elif facts.calls_in_month >= CALLS_A_MONTH:
        add("calls_this_month", -12.0, (("count", facts.calls_in_month),))
    return Standing(round(sum(points), 3), tuple(explained), kind)


def local_zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def next_opening(local: datetime, window: tuple[time, time]) -> datetime:
    """When the contact rules' window next opens, in the debtor's time (`local`)."""
    opens = local.replace(hour=window[0].hour, minute=window[0].minute, second=0, microsecond=0)
    return opens if local < opens else opens + timedelta(days=1)


def moment(when: Moment, now: datetime, window: tuple[time, time] | None = None) -> tuple[float, tuple[Reason, ...]]:
    """The clock's part of the score in the debtor's local time, with its reasons. Outside
    the contact rules' `window` (their hours) the account goes below every one the rules
    allow now, with when it opens."""
    zone = local_zone(when.timezone)
    if zone is None:
        return 0.0, ()
    local = now.astimezone(zone)
    reasons: list[Reason] = []
    if when.callback_at is not None:
        agreed = when.callback_at.astimezone(zone)
        if now < when.callback_at - CALLBACK_EARLY:
            key, points = "callback_later", CALLBACK_WAIT_POINTS
        else:
            key, points = ("callback_missed" if now > when.callback_at + CALLBACK_LATE else "callback_due"), CALLBACK_POINTS
        reasons.append(Reason(key, points, (("at", agreed), ("today", agreed.date() == local.date()))))
    if when.promise_due is not None and when.promise_due == local.date():
        reasons.append(Reason("promise_due_today", PROMISE_DUE_POINTS, (("amount", when.promise_amount), ("currency", when.currency))))
    starts = when.work_starts or DEFAULT_WORK_STARTS
    clock = local.time()
    weekday = local.weekday()
    part = "morning" if clock < time(12, 0) else "afternoon"
    if window is not None and not window[0] <= clock < window[1]:
        opens = next_opening(local, window)
        minutes = math.ceil((opens - local).total_seconds() / 60)
        reasons.append(Reason("rules_closed", RULES_CLOSED_POINTS, (("at", opens), ("minutes", minutes))))  # the wait says which day
    elif weekday >= 5:
        reasons.append(Reason("weekend", -25.0, (("at", local),)))
    elif clock < starts or clock >= WORK_ENDS:
        reasons.append(Reason("outside_hours", -25.0, (("at", local),)))
    else:
        key, points = DAY_POINTS.get(weekday, ("", 0.0))
        if key:
            reasons.append(Reason(key, points, (("weekday", weekday), ("part", part))))
        since_start = (datetime.combine(local.date(), clock) - datetime.combine(local.date(), starts)).total_seconds() / 60
        if since_start < FIRST_MINUTES:
            reasons.append(Reason("first_minutes", FIRST_MINUTES_POINTS, (("at", local),)))
        elif LUNCH[0] <= clock < LUNCH[1]:
            reasons.append(Reason("lunch", -10.0, (("at", local),)))
    if when.income_day:
        days = (next_income_date(local.date(), when.income_day) - local.date()).days
        if 1 <= days <= 3:
            reasons.append(Reason("before_income", INCOME_POINTS, (("days", days),)))
    return round(sum(reason.points for reason in reasons), 3), tuple(reasons)


def clock_key(timezone: str, work_starts: str | None) -> str:
    """What the hour means for a debtor, as the worklist index keeps it: the time zone and
    when their day starts, "Asia/Shanghai|08:30" ("Asia/Shanghai|" when unknown)."""
    return f"{timezone}|{work_starts or ''}"


def parse_clock_key(key: str) -> tuple[str, time | None]:
    zone, _, starts = key.partition("|")
    return zone, parse_work_starts(starts)


@lru_cache(maxsize=64)
def income_days_soon(today: date) -> frozenset[int]:
    """The income days (1-31) whose next date is one to three days after `today`: the
    debtors whose money is about to come in."""
    return frozenset(day for day in range(1, 32) if 1 <= (next_income_date(today, day) - today).days <= 3)


def next_income_date(today: date, day: int) -> date:
    """The next day (today included) that is the debtor's income day of its month; a 31
    falls on the last day of a shorter month."""
    year, month = today.year, today.month
    while True:
        candidate = date(year, month, min(day, calendar.monthrange(year, month)[1]))
        if candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def top_reasons(reasons: tuple[Reason, ...], count: int | None = None) -> tuple[Reason, ...]:
    """The reasons that weigh most, whichever way they push (all of them, heaviest first,
    without `count`)."""
    return tuple(sorted(reasons, key=lambda reason: -abs(reason.points))[:count])


def parse_work_starts(text: str | None) -> time | None:
    """ "08:30" as a time; None when absent. ValueError when not a clock time."""
    if not text:
        return None
    return time.fromisoformat(text.strip())


@dataclass(frozen=True)
class WorklistRow:
    """One account of the worklist, with why it is where it is."""

    account_id: int
    debtor: str
    contact: str
    phone: str
    currency: str
    balance: Decimal
    oldest_due: date | None
    last_contact_at: datetime | None
    last_outcome: str | None
    promise_due: date | None
    promise_amount: Decimal | None
    debt_class: str
    score: float
    reasons: tuple[Reason, ...]  # every reason, the heaviest first
    days_late: int  # days past due (negative: not due yet)


@dataclass(frozen=True)
class Worklist:
    """The best calls now, as read for one collector."""

    rows: list[WorklistRow]  # the best calls now, best first
    total: int  # the collector's open accounts
    at: datetime | None = None  # when it was read: what was called since is not claimed from it
    held: tuple[tuple[int, str, str, str], ...] = ()  # accounts a hold keeps out of it: (id, debtor, contact, phone)
