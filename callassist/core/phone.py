"""The phone line as the domain sees it: which phone is set up (parsed from its URL), which
numbers may be dialled, what the line reports (the events), where the line stands (the
state) and how long the parties talked. Pure: no I/O. The adapters in callassist.phone turn
a real phone's messages into these events; the chain stores them as `phone_*` events."""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Literal
from urllib.parse import unquote, urlsplit

from callassist.core.event import Event
from callassist.core.i18n import label

NUMBER_PLACEHOLDER = "{number}"
VALID_SETTINGS = f"none, baresip://HOST:PORT or command:PROGRAM ARGUMENTS with {NUMBER_PLACEHOLDER} in an argument"
VALID_NUMBERS = "a number is 3 to 20 digits with an optional leading +, * or # (spaces, dashes, dots and brackets are ignored), or sip:USER@HOST[:PORT]"
# Written between a number's digits for people to read; the phone is sent the digits alone.
_SEPARATORS = re.compile(r"[ \-.()]")
_NUMBER = re.compile(r"\+?[0-9*#]+")
_MIN_DIGITS, _MAX_DIGITS = 3, 20
_SIP_URI = re.compile(r"sip:[A-Za-z0-9+._-]{1,64}@[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")


class PhoneError(Exception):
    """A phone that cannot be set up, reached or told what to do, or a number that cannot be
    dialled; the text says why in one line."""


class DialStopped(PhoneError):
    """The account, read again as the phone was about to dial, no longer allows the call."""


# --- the setting -----------------------------------------------------------------------


@dataclass(frozen=True)
class NoPhoneSetting:
    """No phone is connected: the collector dials by hand (the default)."""

    def __str__(self) -> str:
        return "none"


@dataclass(frozen=True)
class BaresipSetting:
    """A baresip softphone driven through its ctrl_tcp module at HOST:PORT; `recordings`,
    when it records calls, the folder its sndfile module writes them to (its snd_path)."""

    host: str
    port: int
    recordings: str | None = None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"baresip://{host}:{self.port}" + (f"?recordings={self.recordings}" if self.recordings else "")


@dataclass(frozen=True)
class CommandSetting:
    """A program run with the number, e.g. one that hands a tel: URI to the desktop's
    softphone. `arguments` is the program and its arguments, {number} in one or more."""

    arguments: tuple[str, ...]

    def __str__(self) -> str:
        return "command:" + shlex.join(self.arguments)

    def command_for(self, number: str) -> list[str]:
        """The program and its arguments with the number in place of {number}: each
        argument stays one argument whatever the number holds (no shell reads it)."""
        return [argument.replace(NUMBER_PLACEHOLDER, number) for argument in self.arguments]


PhoneSetting = NoPhoneSetting | BaresipSetting | CommandSetting


def parse_phone_setting(text: str) -> PhoneSetting:
    """The phone setting a URL names (`--phone`, CALLASSIST_PHONE); PhoneError says what
    would be valid."""
    stripped = text.strip()
    if stripped.lower() in ("", "none"):
        return NoPhoneSetting()
    scheme, _, rest = stripped.partition(":")
    if scheme.lower() == "baresip":
        return _baresip_setting(stripped)
    if scheme.lower() == "command":
        return _command_setting(rest)
    raise PhoneError(f"phone setting {text!r} is not valid: use {VALID_SETTINGS}")


def _baresip_setting(text: str) -> BaresipSetting:
    example = "use baresip://HOST:PORT, the address of baresip's ctrl_tcp_listen, e.g. baresip://127.0.0.1:4444 (add ?recordings=/ABSOLUTE/FOLDER when its sndfile module records to that snd_path)"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise PhoneError(f"phone setting {text!r} has no valid port: {example}") from None
    if not text.lower().startswith("baresip://") or not parts.hostname or port is None or parts.path or parts.fragment or parts.username or parts.password is not None or "@" in parts.netloc:
        raise PhoneError(f"phone setting {text!r} is not valid: {example}")
    if port == 0:
        raise PhoneError(f"phone setting {text!r} has port 0: {example}")
    recordings = None
    if parts.query:
        name, _, folder = parts.query.partition("=")
        try:
            recordings = unquote(folder, errors="strict")
        except UnicodeDecodeError:
            recordings = ""
        if name != "recordings" or not recordings.startswith("/") or "&" in folder or not recordings.isprintable():  # no NUL, newline or other control character
            raise PhoneError(f"phone setting {text!r} is not valid: {example}")
    return BaresipSetting(parts.hostname, port, recordings)


def _command_setting(template: str) -> CommandSetting:
    example = f"use command:PROGRAM ARGUMENTS with {NUMBER_PLACEHOLDER} in an argument, e.g. command:xdg-open tel:{NUMBER_PLACEHOLDER}"
    try:
        arguments = tuple(shlex.split(template))
    except ValueError as error:
        raise PhoneError(f"phone setting 'command:{template}' cannot be read ({error}): {example}") from None
    if not arguments:
        raise PhoneError(f"phone setting 'command:{template}' names no program: {example}")
    if NUMBER_PLACEHOLDER in arguments[0] or not any(NUMBER_PLACEHOLDER in argument for argument in arguments[1:]):
        raise PhoneError(f"phone setting 'command:{template}' needs {NUMBER_PLACEHOLDER} in an argument after the program: {example}")
    return CommandSetting(arguments)


# --- numbers ---------------------------------------------------------------------------


def dial_target(text: str) -> str:
    """What the phone is told to dial for a contact's number: its digits (with a leading +,
    and * or # as on a keypad), or a sip: URI as written. PhoneError for anything else,
    before any phone is told anything."""
    plain = unicodedata.normalize("NFKC", text).strip()
    if plain.lower().startswith("sip:"):
        if _SIP_URI.fullmatch(plain):
            return plain
    else:
        number = _SEPARATORS.sub("", plain)
        digits = sum(ch.isdigit() for ch in number)
        if _NUMBER.fullmatch(number) and _MIN_DIGITS <= digits <= _MAX_DIGITS:
            return number
    raise PhoneError(f"cannot dial {text!r}: {VALID_NUMBERS}")


# --- what the line reports -------------------------------------------------------------


@dataclass(frozen=True)
class LineEvent:
    """Something the phone reported about one of its calls: the phone's own call id and
    when it happened (timezone-aware)."""

    call_id: str
    at: datetime
    kind: ClassVar[str]  # the class's name in snake case: `NoAnswer.kind` is "no_answer"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.kind = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower().lstrip("_")

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"a line event's time must be timezone-aware, not {self.at.isoformat()}")

    def as_event(self) -> Event:
        """The event the call's chain stores: kind `phone_<kind>`, the phone's call id and
        the event's own fields in the payload."""
        payload: dict[str, Any] = {"phone_call_id": self.call_id}
        for field in fields(self):
            if field.name not in ("call_id", "at"):
                value = getattr(self, field.name)
                payload[field.name] = value.total_seconds() if isinstance(value, timedelta) else value
        return Event(PHONE_KIND_PREFIX + self.kind, payload, self.at)


@dataclass(frozen=True)
class Dialling(LineEvent):
    """The phone was told to dial `number` and took the call on."""

    number: str


# An event that adds no field needs no @dataclass of its own: it has its base's.
class Ringing(LineEvent):
    """The other side is ringing."""


class Answered(LineEvent):
    """The other side answered: talk time starts."""


@dataclass(frozen=True)
class _EndedFor(LineEvent):
    reason: str  # as the phone or the adapter said it


class Busy(_EndedFor):
    """The other side is busy or refused the call."""


class Failed(_EndedFor):
    """The call could not be made or broke off."""


@dataclass(frozen=True)
class NoAnswer(LineEvent):
    """Nobody answered within `after`; the phone was told to give up."""

    after: timedelta


@dataclass(frozen=True)
class HungUp(LineEvent):
    """The call ended by a hang-up: `by` us (the collector) or them (the debtor)."""

    by: Literal["us", "them"]

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.by not in ("us", "them"):
            raise ValueError(f"a hang-up is by 'us' or 'them', not {self.by!r}")


class LineLost(_EndedFor):
    """The link to the phone broke (its process died, its connection dropped): what became
    of the call is unknown, so it is over for us."""


PHONE_KIND_PREFIX = "phone_"
LINE_EVENTS: dict[str, type[LineEvent]] = {cls.kind: cls for cls in (Dialling, Ringing, Answered, Busy, Failed, NoAnswer, HungUp, LineLost)}
PHONE_KINDS = frozenset(PHONE_KIND_PREFIX + kind for kind in LINE_EVENTS)


def line_event_of(event: Event) -> LineEvent | None:
    """The line event a stored `phone_*` event records, or None for any other event.
    ValueError when its payload does not fit its kind."""
    if event.kind not in PHONE_KINDS:
        return None
    cls = LINE_EVENTS[event.kind.removeprefix(PHONE_KIND_PREFIX)]
    values = {name: value for name, value in event.payload.items() if name != "phone_call_id"}
    if "after" in values:
        values["after"] = timedelta(seconds=float(values["after"]))
    try:
        return cls(call_id=str(event.payload["phone_call_id"]), at=event.at, **values)
    except (KeyError, TypeError) as error:
        raise ValueError(f"a {event.kind} event's payload does not fit: {error}") from None


def line_event_in(event: Event) -> LineEvent | None:
    """The line event a stored event records; None for another kind, or for a phone event
    whose payload does not fit (a forged row: the call and its figures go on without it)."""
    try:
        return line_event_of(event)
    except ValueError:
        return None


# --- where the line stands -------------------------------------------------------------


class LineStatus(StrEnum):
    """The line's state, as the screen shows it."""

    IDLE = "idle"  # no call yet
    DIALLING = "dialling"
    RINGING = "ringing"
    TALKING = "talking"
    ENDED = "ended"  # `end` says how


ACTIVE = frozenset({LineStatus.DIALLING, LineStatus.RINGING, LineStatus.TALKING})
# What ends a call that was not answered; a hang-up, a failure or a lost line ends any call.
_ENDS_UNANSWERED = (Busy, NoAnswer)
_ENDS_ANY = (HungUp, Failed, LineLost)


@dataclass(frozen=True)
class LineState:
    """Where the line stands after the events so far: one call at a time, its times never
    running backwards (a late-stamped event counts as happening at the latest time seen)."""

    status: LineStatus = LineStatus.IDLE
    call_id: str = ""
    number: str = ""
    dialled_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    end: LineEvent | None = None

    def advance(self, event: LineEvent) -> LineState:
        """The line after `event`. A new call starts only on a line with none going; an
        event about another call than the line's, or after its end, changes nothing."""
        if isinstance(event, Dialling):
            if self.status in ACTIVE:
                return self
            return LineState(LineStatus.DIALLING, event.call_id, event.number, dialled_at=event.at)
        if self.status not in ACTIVE or event.call_id != self.call_id:
            return self
        at = max(event.at, self._latest())
        if isinstance(event, Ringing) and self.status is LineStatus.DIALLING:
            return replace(self, status=LineStatus.RINGING)
        if isinstance(event, Answered) and self.status is not LineStatus.TALKING:
            return replace(self, status=LineStatus.TALKING, answered_at=at)
        if isinstance(event, _ENDS_ANY) or (isinstance(event, _ENDS_UNANSWERED) and self.status is not LineStatus.TALKING):
            return replace(self, status=LineStatus.ENDED, ended_at=at, end=event)
        return self

    def _latest(self) -> datetime:
        latest = self.answered_at or self.dialled_at
        assert latest is not None, "an active line has been dialled"
        return latest

    def talk_time(self, now: datetime) -> timedelta:
        """How long the parties have talked on this call: from the answer to its end, or to
        `now` while they still talk; zero for a call nobody answered."""
        if self.answered_at is None:
            return timedelta(0)
        until = self.ended_at if self.ended_at is not None else now
        return max(until - self.answered_at, timedelta(0))


def line_state(events: Iterable[LineEvent]) -> LineState:
    """Where the line stands after `events`, in the order they came."""
    state = LineState()
    for event in events:
        state = state.advance(event)
    return state


def talk_time(events: Iterable[LineEvent], now: datetime) -> timedelta:
    """The talk time of every call in `events` together (a busy line redialled and answered
    counts once, from its answer): never negative; a call still going counts up to `now`."""
    state, total = LineState(), timedelta(0)
    for event in events:
        if isinstance(event, Dialling) and state.status is LineStatus.ENDED:
            total += state.talk_time(now)
        state = state.advance(event)
    return total + state.talk_time(now)


def _minutes(span: timedelta) -> str:
    minutes, seconds = divmod(int(span.total_seconds()), 60)
    return f"{minutes:02d}:{seconds:02d}"


def describe_line(state: LineState, now: datetime, locale: str) -> str:
    """The line in words for the call screen, in `locale`: whom it dials, that it rings, the
    talk time, or how it ended. Empty while nothing has been dialled."""
    talk = _minutes(state.talk_time(now))
    match state.status, state.end:
        case LineStatus.IDLE, _:
            return ""
        case LineStatus.DIALLING, _:
            return label("line_dialling", locale, number=state.number)
        case LineStatus.RINGING, _:
            return label("line_ringing", locale, number=state.number)
        case LineStatus.TALKING, _:
            return label("line_talking", locale, time=talk)
        case _, Busy(reason=reason):
            return label("line_busy", locale, reason=reason)
        case _, NoAnswer(after=after):
            return label("line_no_answer", locale, seconds=int(after.total_seconds()))
        case _, HungUp(by="us"):
            return label("line_hung_up_us", locale, time=talk)
        case _, HungUp():
            return label("line_hung_up_them", locale, time=talk)
        case _, LineLost(reason=reason):
            return label("line_lost", locale, reason=reason)
        case _, Failed(reason=reason):
            return label("line_failed", locale, reason=reason)
        case _:
            return ""
