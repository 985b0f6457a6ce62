"""When a debtor may be called: the hours and contact caps of a jurisdiction's profile,
checked against the calls already made, in the debtor's local time. (Tuples, not
dataclasses: settings import this before the first paint.)

A profile is data (`cn` and `us` are built in). `ContactRules` is what a call carries
from its start: the profile, the debtor's zone and the earlier attempts; it answers, at
any instant, what would block dialling now and what is left of each budget. Only the
standard library is used.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal, NamedTuple, Protocol, TypeVar, cast, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callassist.core.jsonvalue import is_json_array, is_json_object

SUPERVISOR = "supervisor"
ROLES = ("collector", SUPERVISOR, "trainer")
# What a contact can ask that ends calls to them for good: no override lifts it.
Stop = Literal["do_not_call", "cease_contact"]
STOPS: tuple[Stop, ...] = get_args(Stop)
# Who the desk collects for: its own company's debts (a creditor's staff, first party) or
# other companies' (a collection agency, third party).
CollectsAs = Literal["creditor", "agency"]
COLLECTORS: tuple[CollectsAs, ...] = get_args(CollectsAs)
# Whose consent recording a call needs: a party's own (the collector's) or everyone's on it.
RecordingConsent = Literal["one_party", "all_parties"]
RECORDING_CONSENTS: tuple[RecordingConsent, ...] = get_args(RecordingConsent)
# Why collection stops on an account until a supervisor releases it (store AccountHold).
HoldReason = Literal["dispute", "already_paid", "has_lawyer", "bankruptcy", "deceased", "hardship", "complaint", "cease_contact"]
HOLD_REASONS: tuple[HoldReason, ...] = get_args(HoldReason)
# Holds about the person, not one debt: they stop every account of the debtor.
DEBTOR_WIDE_HOLDS = frozenset({"has_lawyer", "bankruptcy", "deceased", "cease_contact"})


class Profile(NamedTuple):
    """The contact rules of one jurisdiction. Counts of None do not apply there."""

    name: str
    source: str  # where the rules come from, as docs/compliance.md cites them
    window: tuple[time, time]  # calls allowed from the first up to (not at) the second, debtor local time
    zones: tuple[str, ...]  # the zones its debtors live in: an unknown zone must satisfy all of them
    conversations_per_debtor_day: int | None = None
    unanswered_per_phone_day: int | None = None
    attempts_per_debt_week: int | None = None  # over the day and the six before it
    quiet_days_after_conversation: int | None = None  # the conversation's day is the first
    retention_years: int = 5
    disclosure: bool = False  # the rules require a collector to say it is an attempt to collect a debt (see needs_disclosure)
    absolute_holds: tuple[str, ...] = ()  # holds no one may override for a call: only a release lifts them
    collects_as: str = "creditor"  # COLLECTORS: the desk collects its own debts, or others' as an agency
    disclosure_consumer: bool = False  # a creditor's own desk says it too, on consumer debts
    recording_consent: str = "one_party"  # RECORDING_CONSENTS: with all_parties, a recorded call's greeting says it is recorded


PROFILES = {
    "cn": Profile(
        "cn",
        "the collection industry's self-regulation as this project adopts it: no calls 22:00-08:00, caps per debtor and per number a day, records kept 5 years",
        (time(8, 0), time(22, 0)),
        ("Asia/Shanghai",),
        conversations_per_debtor_day=3,
        unanswered_per_phone_day=6,
        retention_years=5,
        absolute_holds=("bankruptcy", "deceased", "cease_contact"),
    ),
    "us": Profile(
        "us",
        "FDCPA 15 U.S.C. 1692c(a)(1) (08:00-21:00) and Regulation F 12 CFR 1006.14 (7 attempts in 7 days; 7 days after a conversation), 1006.100 (records), 1006.18(e) (disclosure)",
        (time(8, 0), time(21, 0)),
        ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"),
        attempts_per_debt_week=7,
        quiet_days_after_conversation=7,
        retention_years=3,
        disclosure=True,
        absolute_holds=("cease_contact", "has_lawyer", "bankruptcy", "dispute", "deceased"),
        collects_as="agency",
        # Some states (California, Florida, Washington among them) need every party's consent,
        # and the profile cannot tell which state a debtor is in.
        recording_consent="all_parties",
    ),
    # A creditor's own staff collecting its business debts: the FDCPA's disclosure is for
    # debt collectors (15 U.S.C. 1692a(6) leaves out a creditor's own officers collecting in
    # its name); the hours and caps are kept as good practice.
    "us-creditor": Profile(
        "us-creditor",
        "as us, for a creditor's own staff (first party): FDCPA 15 U.S.C. 1692a(6) leaves them out of 1692e(11)'s disclosure",
        (time(8, 0), time(21, 0)),
        ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"),
        attempts_per_debt_week=7,
        quiet_days_after_conversation=7,
        retention_years=3,
        disclosure=True,
        absolute_holds=("cease_contact", "has_lawyer", "bankruptcy", "deceased"),
        collects_as="creditor",
        recording_consent="all_parties",
    ),
}


def needs_disclosure(rules: Profile, debtor_kind: str) -> bool:
    """Whether the call must say it is an attempt to collect a debt: where the rules require
    it of agencies, when the desk is one, and of a creditor's own desk on consumer debts
    when the profile says so."""
    return rules.disclosure and (rules.collects_as == "agency" or (rules.disclosure_consumer and debtor_kind == "consumer"))


def profile(name: str) -> Profile:
    """A built-in profile; ValueError naming the ones there are."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown compliance profile {name!r}: use one of {', '.join(PROFILES)}") from None


def retention_floor(years: int, today: date) -> date:
    """The newest day whose records may be deleted when they are kept at least `years`
    (29 February counts back to the 28th in a common year); the calendar's first or last
    day when the years reach past it (a floor changed by hand)."""
    year = today.year - years
    if not date.min.year <= year <= date.max.year:
        return date.min if year < date.min.year else date.max
    try:
        return today.replace(year=year)
    except ValueError:
        return today.replace(year=year, day=28)


class Attempt(NamedTuple):
    """An earlier call that was dialled (a call closed before dialling is none)."""

    at: datetime  # when it was dialled
    account_id: int | None  # None: another account of the same debtor
    phone: str | None  # None: another number than the account's contact's
    answered: bool  # someone picked up (voicemail is not an answer)
    conversation: bool  # the right party was reached


class Block(NamedTuple):
    """A rule that stops a dial now: a label key (block_<rule>) and the values it needs."""

    rule: str
    values: tuple[tuple[str, object], ...] = ()

    @property
    def overridable(self) -> bool:
        return self.rule not in STOPS and not dict(self.values).get("absolute", False)


class Hold(NamedTuple):
    """A hold in force on the account or, for DEBTOR_WIDE_HOLDS, on its debtor."""

    id: int
    account_id: int
    reason: str
    placed_at: datetime
    placed_by: str
    details: str = ""


def release_refused(holds: tuple[Hold, ...], dialled: bool, role: str) -> str | None:
    """Why `role` may not release an account's holds now, as the message key the screen
    shows (release_nothing: none, or the call is already dialled; release_supervisor_only);
    None if it may."""
    if not holds or dialled:
        return "release_nothing"
    return None if role == SUPERVISOR else "release_supervisor_only"


class Budget(NamedTuple):
    """What the rules leave, as the call screen shows it before dialling."""

    profile: str
    local_time: datetime | None  # None when the debtor's zone is unknown
    zone_known: bool
    conversations_today: int
    unanswered_today: int  # on this number
    attempts_this_week: int  # on this debt
    last_conversation_days: int | None  # days since the last conversation about this debt
    blocks: tuple[Block, ...]

    def as_payload(self) -> dict[str, object]:
        return {
            "profile": self.profile,
            "local_time": self.local_time.isoformat() if self.local_time else None,
            "zone_known": self.zone_known,
            "conversations_today": self.conversations_today,
            "unanswered_today": self.unanswered_today,
            "attempts_this_week": self.attempts_this_week,
            "last_conversation_days": self.last_conversation_days,
            "blocks": [block.rule for block in self.blocks],
        }


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class ContactRules(NamedTuple):
    """The rules for dialling one account's contact, with the calls made before this one
    (to any account of the same debtor)."""

    profile: Profile
    timezone: str
    account_id: int
    phone: str
    attempts: tuple[Attempt, ...]
    stop: str | None = None  # what the contact asked (STOPS)
    holds: tuple[Hold, ...] = ()  # in force on the account or its debtor
    debtor_kind: str = "company"  # company or consumer (see needs_disclosure)

    def budget(self, now: datetime) -> Budget:
        """What is left now and what blocks a dial. An unknown zone is read the strictest
        way: every zone of the profile must allow the call, and each count is the
        highest any of them gives."""
        zone = _zone(self.timezone)
        readings = [self._reading(now, each) for each in ([zone] if zone is not None else [ZoneInfo(name) for name in self.profile.zones])]
        blocks: dict[str, Block] = {}
        if self.stop:
            blocks[self.stop] = Block(self.stop)
        for hold in self.holds:
            blocks.setdefault(f"hold_{hold.reason}", Block("hold", (("reason", hold.reason), ("since", hold.placed_at), ("absolute", hold.reason in self.profile.absolute_holds))))
        if zone is None:
            blocks["unknown_zone"] = Block("unknown_zone", (("zone", self.timezone),))
        for reading in readings:
            for block in reading.blocks:
                blocks.setdefault(block.rule, block)
        since = [reading.since_conversation for reading in readings if reading.since_conversation is not None]
        return Budget(
            self.profile.name,
            now.astimezone(zone) if zone else None,
            zone is not None,
            max(reading.conversations for reading in readings),
            max(reading.unanswered for reading in readings),
            max(reading.attempts for reading in readings),
            min(since) if since else None,
            tuple(blocks.values()),
        )

    def _reading(self, now: datetime, zone: ZoneInfo) -> _Reading:
        rules = self.profile
        local = now.astimezone(zone)
        today = local.date()

        def day_of(attempt: Attempt) -> date:
            return attempt.at.astimezone(zone).date()

        earlier = [attempt for attempt in self.attempts if attempt.at <= now]
        conversations = sum(1 for a in earlier if a.conversation and day_of(a) == today)
        unanswered = sum(1 for a in earlier if not a.answered and a.phone == self.phone and day_of(a) == today)
        week = today - timedelta(days=6)
        attempts = sum(1 for a in earlier if a.account_id == self.account_id and week <= day_of(a) <= today)
        talked = [day_of(a) for a in earlier if a.conversation and a.account_id == self.account_id]
        since = (today - max(talked)).days if talked else None
        blocks: list[Block] = []
        opens, closes = rules.window
        if not opens <= local.time() < closes:
            blocks.append(Block("hours", (("local", local), ("opens", opens), ("closes", closes))))
        if rules.conversations_per_debtor_day is not None and conversations >= rules.conversations_per_debtor_day:
            blocks.append(Block("conversations_cap", (("count", conversations), ("cap", rules.conversations_per_debtor_day))))
        if rules.unanswered_per_phone_day is not None and unanswered >= rules.unanswered_per_phone_day:
            blocks.append(Block("unanswered_cap", (("count", unanswered), ("cap", rules.unanswered_per_phone_day))))
        if rules.attempts_per_debt_week is not None and attempts >= rules.attempts_per_debt_week:
            blocks.append(Block("attempts_cap", (("count", attempts), ("cap", rules.attempts_per_debt_week))))
        if rules.quiet_days_after_conversation is not None and since is not None and since < rules.quiet_days_after_conversation:
            blocks.append(Block("after_conversation", (("day", since + 1), ("days", rules.quiet_days_after_conversation))))
        return _Reading(conversations, unanswered, attempts, since, tuple(blocks))


class _Reading(NamedTuple):
    """The counts and blocks in one zone."""

    conversations: int
    unanswered: int
    attempts: int
    since_conversation: int | None
    blocks: tuple[Block, ...]


class Viewer(NamedTuple):
    """Who reads the stored calls, and so what they may see: a collector their own calls,
    a supervisor the team's, a trainer every call without its personal data."""

    name: str
    role: str

    @property
    def sees_personal_data(self) -> bool:
        """Names, phones and ids; and so accounts, which are nothing without them."""
        return self.role != "trainer"

    @property
    def reads_team(self) -> bool:
        """Every collector's calls and accounts, not only this viewer's own."""
        return self.role != "collector"

    def may_see(self, collector: str) -> bool:
        """Whether a call made by `collector` is one this viewer may read."""
        return self.reads_team or collector == self.name


Shown = TypeVar("Shown")


class Masker(Protocol):
    """Hides personal data in what a call stored: a text, a payload, a list; the same shape back."""

    def __call__(self, value: Shown, /) -> Shown: ...


def call_masker(card: dict[str, Any], debtor: str) -> Masker:
    """What hides a stored call's personal data when its debtor is now called `debtor`
    (a ledger import may have renamed them since the call): both names are hidden."""
    then, now = masker(card), masker(card | {"debtor": debtor})

    def hide(value: Shown) -> Shown:
        return now(then(value))

    return hide


def masker(card: dict[str, Any]) -> Masker:
    """What hides a call's personal data, from its first event's card, wherever it appears
    (the step texts name the contact, a note may give anything): by kind, as
    core/personal.py finds it; and the account's id."""
    from callassist.core.personal import hider, looks_like_person

    # The card does not say what kind the debtor is: a name that reads as a person's is
    # hidden as one (surname with a title, given name), else as a company's.
    hide_text = hider(card.get("debtor"), card.get("contact"), card.get("phone"), looks_like_person(card.get("debtor")))

    def hide(value: Shown) -> Shown:
        if isinstance(value, str):
            return cast(Shown, hide_text(value))
        if is_json_object(value):
            return cast(Shown, {key: None if key == "account_id" else hide(item) for key, item in value.items()})
        if is_json_array(value):
            return cast(Shown, [hide(item) for item in value])
        return value

    return hide
