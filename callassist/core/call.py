"""The Call: one conversation driven by the script's state machine.

Every method that changes the call returns the events that record the change; the
caller stores them (durably) before showing the new step. `Call.resume` folds stored
events back into a Call after a crash, so it continues at the same step.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from transitions import Machine, MachineError

from callassist.core.compliance import HOLD_REASONS, STOPS, SUPERVISOR, Attempt, Block, Budget, ContactRules, needs_disclosure
from callassist.core.conditions import condition
from callassist.core.context import CallContext, InstalmentView, PromiseView, RebuttalView
from callassist.core.event import Event
from callassist.core.flow import DISPOSITIONS, NOT_DIALLED, UNANSWERED, VERIFIED, LoadedFlow, Transition, purpose_states
from callassist.core.i18n import fmt_date, label
from callassist.core.money import Money, format_money
from callassist.core.objections import Catalog, excuse_of, ladder_id
from callassist.core.phone import ACTIVE, Answered, Busy, Dialling, LineEvent, LineLost, LineState, NoAnswer, line_event_in
from callassist.core.promises import Promise
from callassist.core.redact import redact

OBJECTION_TRIGGER = "raise_objection"
# The first step's choice the phone makes for the collector when it reports an answer: the
# flow's "someone answered" (what follows, a machine or the wrong person, is theirs to say).
ANSWERED_TRIGGER = "dial"
# Dispositions after which a supervisor needs the collector's words, not just a code.
MAX_HOLD_DETAILS = 500
# What a hold must capture, in the words of the error when it is missing.
DETAILS_REQUIRED = {"has_lawyer": "the lawyer's name and phone number"}
_PHONE_DIGITS = 6  # a phone number has at least this many digits, however it is written


def hold_details_problem(reason: str, details: str) -> str | None:
    """What a hold's details lack, or None: a lawyer's hold names them and gives a number
    to reach them on (contact goes to them from now on)."""
    if reason not in DETAILS_REQUIRED:
        return None
    plain = unicodedata.normalize("NFKC", details)
    digits = sum(ch.isdigit() for ch in plain)
    letters = sum(ch.isalpha() for ch in plain)
    if digits < _PHONE_DIGITS or letters < 2:
        missing = "a phone number" if digits < _PHONE_DIGITS else "a name"
        return f"the hold {reason!r} needs {DETAILS_REQUIRED[reason]}: {missing} is missing"
    return None


NOTE_REQUIRED = frozenset({"callback", "dispute", "refused", "escalated", "abusive", "wrong_party"})


class CallError(Exception):
    """An action the call cannot take now (the UI only offers allowed ones)."""


# The kind a stored event is read as when its row does not parse (store/events.py):
# views flag its call as damaged and leave it out of figures, never crash on it.
DAMAGED = "damaged_row"
# A choice taken back (Call.undo): the log keeps the choice and says it was undone; the
# events it took back read as TAKEN_BACK wherever the call's standing is worked out.
UNDONE = "undone"
TAKEN_BACK = "taken_back"
# What an undo may take back: a choice and what it showed, never a note, a promise or an end.
UNDOABLE_KINDS = frozenset({"choice_made", "objection_raised", "rebuttal_shown", "step_entered"})
# The kinds that close a call's log (a live call's, a practice call's).
ENDING_KINDS = frozenset({"call_ended", "practice_scored"})
# The form whose draft an event makes obsolete.
DRAFTED_BY = {"note_added": "note", "promise_captured": "promise", "call_ended": "disposition", "compliance_override": "override", "hold_placed": "hold"}


def standing(events: list[Event]) -> list[Event]:
    """The call as it stands: each event an `undone` took back (and the `undone` itself)
    read as TAKEN_BACK, in its place, so sequence numbers still match the replay. An undo
    that names more than a choice's own events (written by hand) takes back nothing."""
    kept = list(events)
    for index, event in enumerate(events):
        count = event.payload.get("events") if event.kind == UNDONE else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            continue
        taken = kept[max(0, index - count) : index]
        if len(taken) == count and all(e.kind in UNDOABLE_KINDS for e in taken):
            for at in range(index - count, index + 1):
                kept[at] = Event(TAKEN_BACK, {"was": kept[at].kind}, kept[at].at)
    return kept


@dataclass(frozen=True)
class Choice:
    trigger: str
    key: str
    label: str
    dest: str


@dataclass
class ObjectionState:
    ladder: str  # the excuse's own ladder, or one of its cases' (core/objections.py ladder_id)
    rung: int


@dataclass(frozen=True)
class LadderPosition:
    """Where the collector stands on an excuse's rebuttal ladder."""

    excuse_name: str
    rung: int
    rungs: int
    principle: str
    counters: tuple[str, ...]


@dataclass(frozen=True)
class _Undo:
    """Where the call stood before its last choice, and how many events that choice made."""

    state: str
    facts: frozenset[str]
    suggested_disposition: str | None
    objection: ObjectionState | None
    notice_given: bool
    events: int = 0
    what: str = ""


@dataclass
class _Cursor:
    """The object transitions moves between states (kept apart so triggers never clash with Call's own names)."""

    state: str = ""

    if TYPE_CHECKING:  # transitions adds these to the model it is given

        def trigger(self, name: str) -> bool: ...

        def may_trigger(self, name: str) -> bool: ...


@dataclass
class Step:
    state: str
    label: str
    text: str
    choices: tuple[Choice, ...] = ()  # what the choice bar offered here, as stored


def stored_choices(step_entered: dict[str, Any]) -> tuple[Choice, ...]:
    """The choices a stored step offered (what the collector saw, whatever the script says now)."""
    return tuple(Choice(c["trigger"], c["key"], c["label"], c["dest"]) for c in step_entered.get("choices", ()))


def _masked(name: str, text: str) -> dict[str, Any]:
    """Free text for an event: stripped, card numbers and security codes masked, and
    `redacted` naming what was masked (when anything was)."""
    masked, kinds = redact(text.strip())
    return {name: masked, "redacted": list(kinds)} if kinds else {name: masked}


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Call:
    loaded: LoadedFlow
    catalog: Catalog
    context: CallContext
    balance: Money
    clock: Callable[[], datetime] = utc_now
    facts: set[str] = field(default_factory=set)
    promise: Promise | None = None
    objection: ObjectionState | None = None
    step: Step | None = None
    ended: bool = False
    suggested_disposition: str | None = None
    cursor: _Cursor = field(default_factory=_Cursor)
    # When the debtor may be called (None for practice calls and previews), and whether a
    # supervisor has overridden what blocks it.
    contact_rules: ContactRules | None = None
    overridden: bool = False
    dialled: bool = False  # a choice was made on the first step (what the phone did)
    holds: list[str] = field(default_factory=list)  # reasons of the holds this call placed
    undoable: _Undo | None = None  # the last choice, while nothing else has happened since
    line: LineState = field(default_factory=LineState)  # what the phone reported, where it has one
    notice_given: bool = False  # the recording notice was shown (context.recording_notice)
    recorded: bool = False  # the call's recording is in its log
    dials: list[tuple[datetime, bool]] = field(default_factory=list)  # each time the phone dialled in this call, and whether it was answered

    def __post_init__(self) -> None:
        # One clock per call, never running backwards: each event is stamped after the one
        # before it, whatever the wall clock did in between.
        wall, self._last_at = self.clock, None
        self.clock = lambda: self._at(wall())
        flow = self.loaded.flow
        self.templates = self.loaded.templates_for(self.context.locale)
        self._purpose_states = purpose_states(flow)
        self._by_trigger: dict[str, list[Transition]] = {}
        machine_transitions: list[dict[str, object]] = []  # as transitions.Machine takes them
        for transition in flow.transitions:
            self._by_trigger.setdefault(transition.trigger, []).append(transition)
            machine_transitions.append(
                {
                    "trigger": transition.trigger,
                    "source": transition.sources,
                    "dest": transition.dest,
                    "conditions": [self._guard(name) for name in transition.conditions],
                    "unless": [self._guard(name) for name in transition.unless],
                }
            )
        machine_transitions.append(
            {
                "trigger": OBJECTION_TRIGGER,
                "source": flow.objections.allowed_from,
                "dest": flow.objections.state,
                "conditions": [self._guard(name) for name in flow.objections.conditions],
            }
        )
        self.machine = Machine(
            model=self.cursor,
            states=list(flow.states),
            transitions=machine_transitions,
            initial=flow.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )

    def _guard(self, name: str) -> Callable[[], bool]:
        check = condition(name)
        return lambda: check(self)

    # ---- what the screen asks ---------------------------------------------------

    @property
    def state(self) -> str:
        return self.cursor.state

    @property
    def locale(self) -> str:
        return self.context.locale

    def state_label(self, state: str) -> str:
        return self.loaded.flow.states[state].label.get(self.locale)

    def dial_blocks(self) -> tuple[Block, ...]:
        """What stops the first dial now (see blocks_now). Nothing is chosen on the first step
        while any holds; once dialled (back on the first step after an undo) what the phone
        did is recorded."""
        return () if self.dialled else self.blocks_now()

    def budget(self) -> Budget:
        """What the contact rules leave now (there are rules), counting each dial the phone
        made in this call: the rules were read without it."""
        rules = self.contact_rules
        assert rules is not None, "a call under contact rules"
        if self.dials:
            rules = rules._replace(attempts=rules.attempts + tuple(Attempt(at, rules.account_id, rules.phone, answered, False) for at, answered in self.dials))
        return rules.budget(self.clock())

    def blocks_now(self) -> tuple[Block, ...]:
        """What stops a dial through the phone at this instant, a redial too: the contact
        rules, until a supervisor overrides them; a stop on the contact or an absolute hold
        (which no override lifts) even then."""
        if self.contact_rules is None or self.ended or self.state != self.loaded.flow.initial:
            return ()
        blocks = self.budget().blocks
        return tuple(block for block in blocks if not block.overridable) if self.overridden else blocks

    def choices(self) -> list[Choice]:
        """The choices the machine allows from the current step, in flow order."""
        if self.ended or self.dial_blocks():
            return []
        offered: list[Choice] = []
        seen: set[str] = set()
        for transition in self.loaded.flow.transitions:
            if self.state in transition.sources and transition.trigger not in seen:
                if self.cursor.may_trigger(transition.trigger):
                    seen.add(transition.trigger)
                    offered.append(Choice(transition.trigger, transition.key, transition.label.get(self.locale), transition.dest))
        return offered

    def can_raise_objection(self) -> bool:
        flow = self.loaded.flow
        if self.ended:
            return False
        if self.state == flow.objections.state:
            return True
        return self.cursor.may_trigger(OBJECTION_TRIGGER)

    def ladder_position(self) -> LadderPosition | None:
        """The rung shown now, while the call is answering an excuse."""
        objection = self.objection
        if not objection or not objection.rung or self.state != self.loaded.flow.objections.state:
            return None
        rung = self.catalog.rung(objection.ladder, objection.rung, self.locale)
        return LadderPosition(
            self.catalog.ladder_name(objection.ladder, self.locale),
            objection.rung,
            self.catalog.rungs(objection.ladder, self.locale),
            rung.principle,
            tuple(rung.counters),
        )

    def in_promise_step(self) -> bool:
        return self.state == self.loaded.flow.promise_state and not self.ended

    # ---- changes: each returns the events that record it ------------------------

    def start(self, started: dict[str, Any]) -> list[Event]:
        """Open the call; `started` holds who, which account, and the card as shown."""
        payload = {
            "script": self.loaded.name,
            "script_hash": self.loaded.content_hash,
            "locale": self.locale,
            **started,
        }
        return [Event("call_started", payload, self.clock()), self._enter(self.state)]

    def choose(self, trigger: str) -> list[Event]:
        """Take the choice `trigger` (what the debtor did) if the machine allows it now."""
        if self.ended:
            raise CallError("the call has ended")
        blocks = self.dial_blocks()
        if blocks:
            raise CallError(f"dialling is blocked by the contact rules: {', '.join(block.rule for block in blocks)}")
        source = self.state
        before = self._before()
        try:
            moved = self.cursor.trigger(trigger)
        except (MachineError, AttributeError):
            moved = False
        if not moved:
            raise CallError(f"{trigger!r} is not allowed from {source!r}")
        transition = next(t for t in self._by_trigger[trigger] if source in t.sources)
        self.dialled = True
        self.facts.update(transition.sets)
        if transition.disposition:
            self.suggested_disposition = transition.disposition
        if source == self.loaded.flow.objections.state:
            self.objection = None
        chosen = Event(
            "choice_made",
            {"trigger": trigger, "from": source, "to": self.state, "label": transition.label.get(self.locale), "sets": list(transition.sets), "disposition": transition.disposition},
            self.clock(),
        )
        self.undoable = replace(before, events=2, what=chosen.payload["label"])
        return [chosen, self._enter(self.state)]

    def record_line(self, reported: LineEvent) -> list[Event]:
        """What the phone reported, into the call's log as it happens (at the phone's time,
        never before the event stored last; the phone's call id kept). The line moves the call only as far as it knows:
        dialling makes the call an attempt; an answer on the first step takes the flow's
        "someone answered" choice, so the next step's choices are offered; busy or no
        answer suggest the no-answer outcome. Nothing is added once the call has ended."""
        if self.ended or (isinstance(reported, LineLost) and self.line.status not in ACTIVE):
            return []  # a line already ended is not lost again (the link's heartbeat after an unconfirmed hang-up)
        self.line = self.line.advance(reported)
        self.undoable = None
        logged = reported.as_event()
        events = [Event(logged.kind, logged.payload, self._at(reported.at))]
        self._count_dial(reported, events[0].at)
        if isinstance(reported, Dialling):
            self.dialled = True
        elif isinstance(reported, Answered) and self.state == self.loaded.flow.initial and any(choice.trigger == ANSWERED_TRIGGER for choice in self.choices()):
            events += self.choose(ANSWERED_TRIGGER)
        elif isinstance(reported, Answered) and self._owes_notice(self.state) and self.state != self.loaded.flow.objections.state:
            # Someone answered after the collector had moved on (to the voicemail step, say):
            # the step is shown again, opening with the notice, before a word is said.
            events.append(self._enter(self.state))
        elif isinstance(reported, (Busy, NoAnswer)) and self.line.answered_at is None:
            self.suggested_disposition = "no_answer"
        return events

    def _count_dial(self, reported: LineEvent, at: datetime) -> None:
        if isinstance(reported, Dialling):
            self.dials.append((at, False))
        elif isinstance(reported, Answered) and self.dials:
            self.dials[-1] = (self.dials[-1][0], True)

    def _at(self, when: datetime) -> datetime:
        """`when` (the wall clock's time, or the phone's for what it reported) as the log's
        next time: never at or before the event stamped last."""
        if self._last_at is not None and when <= self._last_at:
            when = self._last_at + timedelta(microseconds=1)
        self._last_at = when
        return when

    def attach_recording(self, recording: dict[str, object]) -> list[Event]:
        """The call's recording (where it is kept, its SHA-256, length and format), into the
        log with the phone's call id, before the call ends."""
        if self.ended:
            raise CallError("a recording is attached before the call ends")
        self.undoable = None
        self.recorded = True
        return [Event("recording_attached", {"phone_call_id": self.line.call_id, **recording}, self.clock())]

    def raise_objection(self, ladder: str, found_with: str = "") -> list[Event]:
        """The debtor used an excuse: show the next rung of its ladder (first rung for a new one).

        `ladder`: the excuse (deflect), or one of its cases (deflect.signer_away).
        `found_with`: the debtor's words the collector typed into the quick-find, kept
        with the rebuttal (masked like a note) so a replay shows how it was found."""
        if not self.can_raise_objection():
            raise CallError("objections are answered once the right party is verified")
        events: list[Event] = []
        before = self._before()
        rungs = self.catalog.rungs(ladder, self.locale)
        excuse_id, case = excuse_of(ladder)
        which = {"excuse": excuse_id} | ({"case": case} if case else {})
        if self.objection and self.objection.ladder == ladder:
            self.objection.rung = min(self.objection.rung + 1, rungs)
        else:
            self.objection = ObjectionState(ladder, 1)
            events.append(Event("objection_raised", which | {"state": self.state}, self.clock()))
        objection_state = self.loaded.flow.objections.state
        if self.state != objection_state:
            source = self.state
            self.cursor.trigger(OBJECTION_TRIGGER)
            events.append(Event("choice_made", {"trigger": OBJECTION_TRIGGER, "from": source, "to": self.state, "label": self.catalog.ladder_name(ladder, self.locale), "sets": [], "disposition": None}, self.clock()))
        rebuttal = self.catalog.rebuttal(ladder, self.objection.rung, self.context)
        events.append(
            Event(
                "rebuttal_shown",
                which
                | {"rung": rebuttal.rung, "rungs": rebuttal.rungs, "principle": rebuttal.principle, "counters": list(rebuttal.counters), "text": rebuttal.text, "commitment": rebuttal.commitment}
                | (_masked("found_with", found_with) if found_with.strip() else {}),
                self.clock(),
            )
        )
        events.append(self._enter(self.state, rebuttal))
        what = f"{self.catalog.ladder_name(ladder, self.locale)} {rebuttal.rung}/{rebuttal.rungs}"
        self.undoable = replace(before, events=len(events), what=what)
        return events

    def _before(self) -> _Undo:
        objection = ObjectionState(self.objection.ladder, self.objection.rung) if self.objection else None
        return _Undo(self.state, frozenset(self.facts), self.suggested_disposition, objection, self.notice_given)

    def can_undo(self) -> bool:
        return self.undoable is not None and not self.ended

    def undo(self) -> list[Event]:
        """Take back the last choice (or rebuttal) while nothing else has happened since:
        the call stands where it stood, and the log keeps both the choice and its undoing."""
        before = self.undoable
        if before is None or self.ended:
            raise CallError("nothing to undo: only the last choice, before anything else is stored")
        taken_from = self.state
        self.machine.set_state(before.state, model=self.cursor)
        self.facts = set(before.facts)
        self.suggested_disposition = before.suggested_disposition
        self.objection = before.objection
        self.notice_given = before.notice_given  # a choice taken back was not heard: its notice is shown again
        self.undoable = None
        undone = Event(UNDONE, {"events": before.events, "what": before.what, "from": taken_from, "to": before.state}, self.clock())
        return [undone, self._enter(before.state)]

    def capture_promise(self, promise: Promise) -> list[Event]:
        """Store the written promise (already validated) and read it back."""
        if not self.in_promise_step():
            raise CallError("a promise is captured in the promise step")
        self.undoable = None
        self.promise = promise
        self.suggested_disposition = "promise"
        captured_at = self.clock()  # stored first, so stamped first
        entered = self._enter(self.state)
        payload = promise.as_payload() | {"readback": entered.payload["text"]}
        return [Event("promise_captured", payload, captured_at), entered]

    def override_refused(self, role: str) -> str | None:
        """Why `role` may not override the contact rules now, as the message key the screen
        shows (override_nothing, override_stop, override_supervisor_only); None if it may."""
        blocks = self.dial_blocks()
        if not blocks:
            return "override_nothing"
        if not all(block.overridable for block in blocks):
            return "override_stop"
        return None if role == SUPERVISOR else "override_supervisor_only"

    def override(self, reason: str, by: str, role: str) -> list[Event]:
        """A supervisor lets the call be dialled despite the contact rules, saying why;
        the step is shown again with its choices."""
        refused = self.override_refused(role)
        if refused is not None:
            raise CallError(f"no override: {refused.removeprefix('override_').replace('_', ' ')} (role {role})")
        blocks = self.dial_blocks()
        if not reason.strip():
            raise CallError("an override needs a reason")
        self.undoable = None
        self.overridden = True
        payload = {"rules": [block.rule for block in blocks], **_masked("reason", reason), "by": by, "role": role, "state": self.state}
        return [Event("compliance_override", payload, self.clock()), self._enter(self.state)]

    def show_again(self) -> list[Event]:
        """The step rendered again, for when what it may offer has changed with the clock
        (the debtor's call hours opened or closed while the step was on screen)."""
        self.undoable = None
        return [self._enter(self.state)]

    def add_note(self, text: str) -> list[Event]:
        """A note, with any card number or security code masked before it is stored."""
        if not text.strip():
            raise CallError("an empty note is not stored")
        self.undoable = None
        return [Event("note_added", {**_masked("text", text), "state": self.state}, self.clock())]

    def place_hold(self, reason: str, details: str = "", situation: str | None = None) -> list[Event]:
        """Stop collection on the account until a supervisor releases it (HOLD_REASONS),
        with what was captured: for a lawyer, their name and phone. Card numbers in the
        details are masked as in notes. `situation`: the quick-find's, when it came from one."""
        if self.ended:
            raise CallError("the call has ended")
        if not self.dialled:
            raise CallError("a hold is placed on a call once it is dialled")
        if reason not in HOLD_REASONS:
            raise CallError(f"unknown hold {reason!r}: use one of {', '.join(HOLD_REASONS)}")
        details = details.strip()
        if problem := hold_details_problem(reason, details):
            raise CallError(problem)
        if len(details) > MAX_HOLD_DETAILS:
            raise CallError(f"the details are {len(details)} characters: at most {MAX_HOLD_DETAILS}")
        payload = {"reason": reason, **_masked("details", details), "state": self.state}
        if situation is not None:
            payload["situation"] = situation
        self.undoable = None
        self.holds.append(reason)
        self.suggested_disposition = "on_hold"
        return [Event("hold_placed", payload, self.clock())]

    def leave_undialled(self) -> list[Event]:
        """Leave the call from its first step, nothing dialled: its end says "not dialled"
        (no attempt, no conversation, nothing for the contact rules to count)."""
        if self.dialled:
            raise CallError("this call was dialled: end it with its outcome (x)")
        return self.end(NOT_DIALLED)

    def end(self, disposition: str, note: str = "", next_contact: date | None = None, callback_at: datetime | None = None, contact_stop: str | None = None) -> list[Event]:
        """The call's last event. `callback_at` (aware, in the future) is a time agreed to
        call back: the account comes to the top of the worklist then. `contact_stop` is
        what the contact asked (STOPS): they are never offered for a call again."""
        if contact_stop is not None and contact_stop not in STOPS:
            raise CallError(f"unknown request {contact_stop!r}: use one of {', '.join(STOPS)}")
        if self.ended:
            raise CallError("the call has ended")
        if disposition not in DISPOSITIONS and not (disposition == NOT_DIALLED and not self.dialled):
            raise CallError(f"unknown disposition {disposition!r}" if disposition != NOT_DIALLED else "this call was dialled: it cannot end as not dialled")
        if disposition in NOTE_REQUIRED and not note.strip():
            raise CallError(f"the disposition {disposition!r} needs a note")
        if disposition == "promise" and self.promise is None:
            raise CallError("no promise was captured on this call")
        now = self.clock()
        if callback_at is not None and (callback_at.tzinfo is None or callback_at <= now):
            raise CallError("a callback time must be a time zone-aware moment in the future")
        self.undoable = None
        self.ended = True
        payload = {"disposition": disposition, **_masked("note", note), "state": self.state, "next_contact": next_contact.isoformat() if next_contact else None}
        if callback_at is not None:
            payload["callback_at"] = callback_at.astimezone(UTC).isoformat()
        if contact_stop is not None:
            payload["contact_stop"] = contact_stop
        return [Event("call_ended", payload, now)]

    # ---- rendering -----------------------------------------------------------------

    def render_at(self, state: str, objection: ObjectionState | None = None) -> Event:
        """Stand at `state` and render it, answering `objection` there: for checks and
        previews, never on a live call (no choice leads here)."""
        self.objection = objection
        self.machine.set_state(state, model=self.cursor)
        return self._enter(state)

    def _render_context(self, rebuttal: RebuttalView | None) -> CallContext:
        context = self.context.with_promise(self._promise_view())
        if rebuttal is None and self.objection and self.state == self.loaded.flow.objections.state:
            rebuttal = self.catalog.rebuttal(self.objection.ladder, self.objection.rung, self.context)
        return context.with_rebuttal(rebuttal).with_reached(self.reached())

    def reached(self) -> str:
        """Whom the call has spoken with: the contact (verified), someone else, or nobody
        (no answer, a machine): what the wrap-up may say, and to whom."""
        if VERIFIED in self.facts:
            return "contact"
        if not self.dialled or self.suggested_disposition in UNANSWERED:
            return "nobody"
        return "someone_else"

    def _promise_view(self) -> PromiseView | None:
        promise = self.promise
        if promise is None:
            return None

        def money(amount: Decimal) -> str:
            return format_money(Money(amount, promise.currency), self.locale)

        instalments = tuple(InstalmentView(fmt_date(i.due, self.locale), money(i.amount)) for i in promise.instalments)
        return PromiseView(
            total=money(promise.total),
            method=label(f"method_{promise.method}", self.locale),
            channel=label(f"channel_{promise.channel}", self.locale),
            instalments=instalments,
            first_due=instalments[0].due,
        )

    def text_at(self, state: str, objection: ObjectionState | None = None) -> str:
        """The words render_at would show, without working out the step's choices: for the
        checks, which read only what is said."""
        self.objection = objection
        self.machine.set_state(state, model=self.cursor)
        return self._words(state)

    def _words(self, state: str, rebuttal: RebuttalView | None = None, notice: bool = False) -> str:
        spec = self.loaded.flow.states[state]
        text = self.templates.render(spec.template_name(state), self._render_context(rebuttal))
        if self.contact_rules is not None and needs_disclosure(self.contact_rules.profile, self.contact_rules.debtor_kind) and state in self._purpose_states:
            # Where the rules require it, the purpose step opens with the collector's disclosure, whatever the script says.
            text = label("disclosure_debt_collector", self.locale) + "\n\n" + text
        if notice:
            text = label("recording_notice_said", self.locale) + "\n\n" + text
        return text

    def _owes_notice(self, state: str) -> bool:
        """Whether `state` must open with the recording notice: the call is recorded where
        everyone must consent, the notice has not been shown yet, and someone may be on the
        line (any step after the first, but the end of a call nobody answered). The
        program says it, whatever the script says: a script's own notice could be left out
        in as many ways as a template can be written."""
        if not self.context.recording_notice or self.notice_given or state == self.loaded.flow.initial:
            return False
        return self.line.answered_at is not None or self.suggested_disposition != "no_answer"

    def _enter(self, state: str, rebuttal: RebuttalView | None = None) -> Event:
        """Render the step (with `rebuttal` when the caller has just rendered it)."""
        spec = self.loaded.flow.states[state]
        notice = self._owes_notice(state)
        text = self._words(state, rebuttal, notice)
        self.notice_given = self.notice_given or notice
        choices = tuple(self.choices())
        self.step = Step(state, spec.label.get(self.locale), text, choices)
        offered = [{"key": c.key, "label": c.label, "trigger": c.trigger, "dest": c.dest} for c in choices]
        shown = {"state": state, "label": self.step.label, "text": text, "discloses_debt": spec.discloses_debt, "choices": offered}
        return Event("step_entered", shown | {"recording_notice": True} if notice else shown, self.clock())

    # ---- resuming ------------------------------------------------------------------

    def _stored_ladder(self, payload: dict[str, Any]) -> ObjectionState | None:
        """Where a stored rebuttal left the collector, on today's catalog: a case a trainer
        has since removed (or a forged one) falls back to its excuse's own ladder, a rung
        past the ladder's end to its last; an unknown excuse to none."""
        ladder = ladder_id(payload["excuse"], payload.get("case"))
        if ladder not in self.catalog.ladders():
            ladder = payload["excuse"]
            if ladder not in self.catalog.ladders():
                return None
        return ObjectionState(ladder, min(payload.get("rung", 0), self.catalog.rungs(ladder, self.locale)))

    def resume(self, events: list[Event]) -> None:
        """Fold stored events into this fresh Call so it stands where the call left off.

        The step shown is the stored text, never a new render: what the collector saw
        before the crash is exactly what they see after it. Choices an undo took back are
        read as never made, but a call dialled stays dialled; the undo itself is not
        offered again after a resume.
        """
        self.dialled = any(event.kind in ("choice_made", "phone_dialling") for event in events)
        for event in standing(events):
            payload = event.payload
            self._last_at = max(self._last_at or event.at, event.at)
            if event.kind == "choice_made":
                self.dialled = True
                self.facts.update(payload.get("sets", []))
                if payload.get("disposition"):
                    self.suggested_disposition = payload["disposition"]
                if payload["from"] == self.loaded.flow.objections.state:
                    self.objection = None
            elif event.kind == "step_entered":
                self.machine.set_state(payload["state"], model=self.cursor)
                self.notice_given = self.notice_given or bool(payload.get("recording_notice"))
                # Steps stored before choices were recorded offer what the machine allows now.
                choices = stored_choices(payload) if "choices" in payload else tuple(self.choices())
                self.step = Step(payload["state"], payload["label"], payload["text"], choices)
            elif event.kind in ("objection_raised", "rebuttal_shown"):
                self.objection = self._stored_ladder(payload)
            elif event.kind == "promise_captured":
                self.promise = Promise.from_payload(payload)
                self.suggested_disposition = "promise"
            elif event.kind == "hold_placed":
                self.holds.append(payload["reason"])
                self.suggested_disposition = "on_hold"
            elif event.kind == "compliance_override":
                self.overridden = True
            elif event.kind == "recording_attached":
                self.recorded = True
            elif (reported := line_event_in(event)) is not None:
                self.line = self.line.advance(reported)
                self._count_dial(reported, event.at)
                if isinstance(reported, (Busy, NoAnswer)) and self.line.answered_at is None:
                    self.suggested_disposition = "no_answer"
            elif event.kind == "call_ended":
                self.ended = True
