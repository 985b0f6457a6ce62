"""The guided call: what to say, what the debtor may do next, the account, the excuses.

Every keystroke that changes the call produces events; a worker thread commits them,
and only then does the screen show the next step. If the commit fails, the screen says
so, keeps the events and retries; it never shows a step that is not stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Key
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Static

from callassist.core.call import DRAFTED_BY, UNDONE, CallError, Event
from callassist.core.compliance import release_refused
from callassist.core.errors import StoreError
from callassist.core.flow import NOT_DIALLED, VERIFIED, states_before
from callassist.core.i18n import label
from callassist.core.objections import EXCUSE_IDS, excuse_of
from callassist.core.phone import ACTIVE, Dialling, DialStopped, Failed, LineEvent, LineLost, LineStatus, PhoneError, describe_line, dial_target
from callassist.core.priority import DEFAULT_WORK_STARTS
from callassist.core.problems import ContentError
from callassist.core.reasons import describe_block, describe_budget
from callassist.phone.recording import WAIT_SECONDS as RECORDING_WAIT
from callassist.phone.recording import Recording, collect, recording_begun
from callassist.tui import keytrace
from callassist.tui.bindings import bind_localized
from callassist.tui.screens.cases import CasePickerScreen
from callassist.tui.widgets.account_card import AccountCard
from callassist.tui.widgets.choice_bar import ChoiceBar
from callassist.tui.widgets.excuse_finder import ExcuseFinderPanel
from callassist.tui.widgets.key_bar import KeyBar
from callassist.tui.widgets.objection_panel import ObjectionPanel
from callassist.tui.widgets.prompt_panel import PromptPanel

if TYPE_CHECKING:  # the workspace loads the database library; the screen must not, see App.in_call
    from callassist.core.calls import ActiveCall

RETRY_SECONDS = 1.0
RENEW_CLAIM_SECONDS = 60.0  # store/claims.py RENEW_EVERY: the screen may not import the store's database code
FORM_LABELS = {"note": "note", "promise": "promise_form", "disposition": "end_call", "override": "override_title", "hold": "hold_title"}
SAVING_NOTICE_AFTER = 0.25
WAITING_CHANGES = 8  # keys and line events kept while a change is stored; more rings the bell
RESUMED_MID_LINE = "callassist stopped while the line was up; the call on the phone was not followed after it started again"
PHONE_DIAL_GROUP = "phone-dial"
HANG_UP_WAIT = 5.0  # seconds the phone is given to say it hung up before the call's end is stored without it
HANG_UP_UNCONFIRMED = f"the phone did not say it hung up within {HANG_UP_WAIT:g} s"


class CallScreen(Screen):
    CSS_PATH = "call.tcss"
    # Below 64 columns the card gives up width, so the words to read aloud keep the most.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (64, "-normal")]
    status: var[tuple[str, str]] = var(("", ""), init=False)  # the line under the card: (message, style)
    is_call_screen = True
    BINDINGS = [Binding(str(n), f"excuse('{excuse}')", excuse, show=False) for n, excuse in enumerate(EXCUSE_IDS, 1)]

    @dataclass
    class Stored(Message):
        events: list[Event]
        offline: bool = False  # kept on this computer: the database is out of reach

    @dataclass
    class StoreFailed(Message):
        events: list[Event]
        error: str

    def __init__(self, active: ActiveCall) -> None:
        super().__init__()
        self.active = active
        self.pending: list[Event] | None = None
        self.card_minute = None
        self.told_window_closed = False  # their call hours ended during this call, and the collector was told
        self.card_debt: bool | None = None  # whether the card shows what is owed
        # What the key bar offers was worked out for: dialled (Esc before, H after), undoable, in the promise step, Enter dials.
        self.keys_shown = (active.call.dialled, False, False, False)
        self.exit_next: dict | None = None  # the end form's fields once a hold or an exit is stored
        self.unverified = states_before(active.call.loaded.flow, VERIFIED)
        # What the forms hold but no event does yet; kept on disk by save_draft.
        self.drafts: dict[str, dict] = dict(active.drafts)
        # Changes asked for while another was being stored (a key, what the phone reported or
        # recorded): made and stored next, in the order they came.
        self.after_store: list[Callable[[], None]] = []
        self.store_failing = False  # the change being stored failed once: it is being tried again
        self.choice_keys = frozenset(transition.key for transition in active.call.loaded.flow.transitions)
        self.wrap_up_next = False  # the line ended: the end form opens once that is stored
        self.recording = False  # the call's recording is being taken: the call ends after it
        self.hanging_up = False  # the phone was told to hang up and has not said it did
        self.hung_up_lost = False  # a lost line's call was asked to be hung up, on the phone's side
        self.phone_call_made = ""  # the phone's id for the call it dialled, known before its Dialling is handled
        self.after_line: list[Callable[[], None]] = []  # the end, once the line's last word is stored

    @property
    def line_unsettled(self) -> bool:
        """Whether the phone has more to put in the log (its hang-up, the recording) before
        the call's end may be stored."""
        return self.recording or self.hanging_up

    @property
    def call(self):
        return self.active.call

    @property
    def locale(self) -> str:
        return self.call.locale

    def compose(self) -> ComposeResult:
        yield Static(id="call-header")
        if self.active.rehearsal is not None:
            yield Static(id="persona-line")
        with Horizontal(id="call-body"):
            yield PromptPanel(id="prompt")
            yield AccountCard(id="account")
        yield Static(id="rules")
        yield Static(id="line", markup=False)
        yield Static(id="status")
        catalog = self.call.catalog
        yield ExcuseFinderPanel(catalog.finder, catalog.ladder_names(self.locale) | catalog.situation_names(self.locale), self.locale, frozenset(catalog.situations), id="finder")
        yield ObjectionPanel(id="objections")
        yield ChoiceBar(id="choices")
        yield KeyBar()

    def on_mount(self) -> None:
        # In practice the debtor's line is under the header: notices go below it (call.tcss).
        self.set_class(self.active.rehearsal is not None, "-practice")
        bind_localized(
            self,
            self.locale,
            [
                ("slash", "find", "find_excuse", "/"),
                ("n", "note", "add_note", None),
                ("m", "promise", "promise_form", None),
                ("x", "end_call", "end_call", None),
                ("H", "hold", "hold_key", "H"),
                ("u", "undo", "undo_key", None),
                ("escape", "leave", "leave_undialled", "esc"),
                ("enter", "dial", "dial_short", None),
                ("question_mark", "keys", "help", "?"),
            ],
        )
        # Shown on the rules line when they apply, not in the key bar.
        self._bindings.bind("ctrl+o", "override", label("override_key", self.locale), show=False)
        self._bindings.bind("ctrl+r", "release", label("release_key", self.locale), show=False)
        self._bindings.bind("ctrl+z", "undo", label("undo_key", self.locale), show=False)
        self._bindings.bind("x", "leave", label("leave_undialled", self.locale), show=False)  # x before dialling: as Esc
        self.query_one(ChoiceBar).heading = label("choices", self.locale)
        self.query_one(ChoiceBar).reserve(self.every_step_choices())
        self.set_interval(1.0, self._tick)
        self.prepare_finder()
        if self.active.rehearsal is None:  # a practice call holds no account
            self.set_interval(RENEW_CLAIM_SECONDS, self.renew_claim)
        self._tick()
        self.refresh_call()
        if self.drafts:
            forms = ", ".join(label(FORM_LABELS[form], self.locale) for form in self.drafts)
            self.app.notify(label("drafts_kept", self.locale, forms=forms), title=label("resume_title", self.locale), markup=False)
        if self.call.in_promise_step() and self.call.promise is None:  # resumed where the form was open
            self.call_after_refresh(self.action_promise)
        if self.active.resumed and self.call.line.status in ACTIVE:
            # The program stopped with the line up: a new link to the phone knows nothing of
            # that call, so what became of it is not known (its hang-up will never be heard).
            self.line_reported(LineLost(self.call.line.call_id, self.app.now(), RESUMED_MID_LINE))
        elif self.active.resumed:
            self.take_recording()  # it stopped after the hang-up, before the recording was in the log

    # ---- showing ----------------------------------------------------------------

    def _tick(self) -> None:
        now = self.app.now()
        elapsed = int((now - self.active.started_at).total_seconds())
        minutes, seconds = divmod(max(0, elapsed), 60)
        header = Text()
        if self.active.rehearsal is not None:
            header.append(f" {label('practice_badge', self.locale)} ", style="reverse bold yellow")
            header.append(" ")
        header.append(f" {label('call', self.locale)} ", style="reverse bold")
        timer = Text("  " + label("timer", self.locale, elapsed=f"{minutes:02d}:{seconds:02d}"), style="dim")
        name = Text(" " + self.active.snapshot.debtor, style="bold")
        # A long name gives way to the timer: cut with an ellipsis (the card has it whole).
        name.truncate(max(4, self.app.size.width - header.cell_len - timer.cell_len - 1), overflow="ellipsis")
        header.append_text(name)
        header.append_text(timer)
        self.query_one("#call-header", Static).update(header, layout=False)
        if self.call.line.status is LineStatus.TALKING:
            self.show_line()
        minute = now.replace(second=0, microsecond=0)
        if minute != self.card_minute:  # the debtor's local time on the card
            self.card_minute = minute
            self.show_card()
            self.show_rules()
        # The debtor's call hours may open or close while the first step is on screen:
        # the step is stored again with what it may offer now.
        if self.pending is None and self.call.contact_rules is not None and self.call.state == self.call.loaded.flow.initial and not self.call.ended:
            if tuple(self.call.choices()) != self.call.step.choices:
                self.apply(self.call.show_again)

    def debt_on_card(self) -> bool:
        """What is owed stays off the card while someone not yet verified is on the line
        (after dialling, before the right person is confirmed)."""
        call = self.call
        return VERIFIED in call.facts or call.state == call.loaded.flow.initial or call.state not in self.unverified

    def show_card(self) -> None:
        self.card_debt = self.debt_on_card()
        self.query_one(AccountCard).show(self.active.snapshot, self.locale, self.app.now(), self.app.workspace.class_days, self.card_debt)

    def show_rules(self) -> None:
        """Before dialling: what the contact rules leave, and what blocks the call now."""
        call = self.call
        line = self.query_one("#rules", Static)
        if call.contact_rules is None or call.ended:
            line.display = False
            return
        rules = call.contact_rules.profile
        if call.state != call.loaded.flow.initial:
            # Their call hours may end while the call goes on: said at once, with the way out.
            closed = next((block for block in call.budget().blocks if block.rule == "hours"), None)
            line.display = closed is not None
            if closed is not None:
                message = label("window_closed_mid_call", self.locale, closes=rules.window[1].strftime("%H:%M"))
                line.update(Text(message, style="bold yellow"))
                if not self.told_window_closed:
                    self.told_window_closed = True
                    self.notify(message, severity="warning", markup=False)
            return
        text = Text(describe_budget(call.budget(), rules, self.locale), style="dim")
        blocks = call.dial_blocks()
        if blocks:
            reasons = "; ".join(describe_block(block, rules.name, self.locale) for block in blocks)
            text.append("\n" + label("dial_blocked", self.locale, reasons=reasons), style="bold red")
            if all(block.overridable for block in blocks):
                text.append(f"  ^o {label('override_key', self.locale)}", style="bold")
            if any(block.rule == "hold" for block in blocks):
                text.append(f"  ^r {label('release_key', self.locale)}", style="bold")
        elif call.overridden:
            text.append("\n" + label("rules_overridden", self.locale), style="bold yellow")
        line.update(text)
        line.display = True

    def refresh_call(self) -> None:
        call = self.call
        step = call.step
        self.query_one(PromptPanel).show(step.label, step.text)
        choices = list(step.choices)
        extra = []
        if call.in_promise_step() and call.promise is None:
            extra.append(("m", label("promise_form", self.locale)))
        if self.dial_offered():
            extra.insert(0, ("enter", label("dial_key", self.locale, number=self.dial_number)))
        if not choices:
            extra.append(("x", label("end_call", self.locale)) if call.dialled else ("esc", label("leave_undialled", self.locale)))
        self.query_one(ChoiceBar).offer(choices, label("choices", self.locale), extra)
        if (call.dialled, call.can_undo(), call.in_promise_step(), self.dial_offered()) != self.keys_shown:
            self.keys_shown = (call.dialled, call.can_undo(), call.in_promise_step(), self.dial_offered())
            self.refresh_bindings()  # Esc leaves only before dialling, H holds only after, u undoes only the last choice, Enter dials
        self.query_one(ObjectionPanel).show(self.locale, call.ladder_position(), call.can_raise_objection(), VERIFIED in call.facts)
        self.show_rules()
        self.show_line()
        if self.card_debt is not None and self.card_debt != self.debt_on_card():
            self.show_card()
        rehearsal = self.active.rehearsal
        if rehearsal is not None:
            said = Text(label("persona_says", self.locale), style="bold")
            said.append(rehearsal.line(call))
            self.query_one("#persona-line", Static).update(said)

    def every_step_choices(self) -> list[list[tuple[str, str]]]:
        """Every choice each step of the script can offer, with the keys the screen adds."""
        flow = self.call.loaded.flow
        steps = []
        for state in flow.states:
            items = [(t.key, t.label.get(self.locale)) for t in flow.transitions if state in t.sources]
            if state == flow.promise_state:
                items.append(("m", label("promise_form", self.locale)))
            if state == flow.initial and self.app.dials:
                items.insert(0, ("enter", label("dial_key", self.locale, number=self.dial_number)))
            steps.append(items or [("x", label("end_call", self.locale))])
        return steps

    def show_offline(self) -> None:
        """While events wait on this computer for the database, the screen says so."""
        self.status = (label("offline_kept", self.locale), "bold yellow") if self.app.workspace.calls.offline else ("", "")

    def watch_status(self, status: tuple[str, str]) -> None:
        # Set on every stored key, but drawn only when it changes (a reactive compares).
        message, style = status
        line = self.query_one("#status", Static)
        line.update(Text(message, style=style))
        line.display = bool(message)

    @work(thread=True, exclusive=True, group="claim")
    def renew_claim(self) -> None:
        """Keep the account held while the call is on screen (store/claims.py)."""
        try:
            holder = self.app.workspace.calls.renew_claim(self.active)
        except StoreError:
            return  # out of reach: the events wait on this computer (see store()), the claim is renewed once back
        if holder is not None:
            self.app.call_from_thread(self.app.notify, label("claim_lost", self.locale, holder=holder), severity="error", timeout=20, markup=False)

    # ---- changing: every change goes through apply() ---------------------------------

    def apply(self, make_events) -> None:
        """Make the events of one change and send them to be stored."""
        if self.pending is not None:
            self.later(lambda: self.apply(make_events))
            return
        try:
            events = make_events()
        except CallError as exc:
            self.app.notify(str(exc), severity="warning", markup=False)
            return
        except ContentError as exc:
            self.status = ("\n".join(str(p) for p in exc.problems), "bold red")
            return
        keytrace.mark("made")
        self.pending = events
        # Say "saving" only if storing is slow: showing it on every key would cost a relayout.
        self.saving_notice = self.set_timer(SAVING_NOTICE_AFTER, lambda: setattr(self, "status", (label("saving", self.locale), "dim")))
        self.store(events)

    def later(self, change: Callable[[], None]) -> None:
        """A change typed ahead while another is stored: made once that one is. Not while the
        screen says the change failed (it shows the step before it), nor past a few (a key
        held down): the bell rings instead."""
        if not self.store_failing and len(self.after_store) < WAITING_CHANGES:
            self.after_store.append(change)
        else:
            self.app.bell()

    @work(thread=True, group="store")
    def store(self, events: list[Event]) -> None:
        try:
            in_database = self.app.workspace.calls.store(self.active.call_id, events)
        except StoreError as exc:
            self.post_message(self.StoreFailed(events, str(exc)))
        else:
            keytrace.mark("stored")
            self.post_message(self.Stored(events, offline=not in_database))

    @on(Stored)
    def stored(self, message: Stored) -> None:
        keytrace.mark("received")
        self.pending = None
        self.store_failing = False
        self.saving_notice.stop()
        self.show_offline()
        if self.active.rehearsal is not None:
            self.active.rehearsal.observe(message.events)
        for event in message.events:
            self.drafts.pop(DRAFTED_BY.get(event.kind, ""), None)
            if event.payload.get("redacted"):
                kinds = ", ".join(label(f"redacted_{kind}", self.locale) for kind in event.payload["redacted"])
                self.app.notify(label("redacted_notice", self.locale, kinds=kinds), severity="warning", markup=False)
            if event.kind == "note_added":
                self.app.notify(label("note_saved", self.locale), timeout=2)
            elif event.kind == UNDONE:
                self.app.notify(label("undo_done", self.locale, what=event.payload["what"]), timeout=3, markup=False)
            elif event.kind == "promise_captured" and self.active.rehearsal is None:
                self.active.snapshot = self.active.snapshot.with_promise(self.call.promise)  # the card shows it at once
                self.show_card()
            elif event.kind == "recording_attached":
                self.recording_done()
            elif event.kind == "hold_placed":
                self.app.notify(label("hold_placed_notice", self.locale, reason=label(f"hold_{event.payload['reason']}", self.locale)), severity="warning", markup=False)
            elif event.kind == "call_ended":
                ended = event.payload["disposition"]
                said = label("left_undialled", self.locale) if ended == NOT_DIALLED else label("call_ended", self.locale, disposition=label(f"disp_{ended}", self.locale))
                self.app.notify(said, markup=False)
                scored = next((e for e in message.events if e.kind == "practice_scored"), None)
                if scored is not None:
                    self.show_score(scored.payload, event.payload["disposition"])
                else:
                    self.dismiss(event.payload["disposition"])
                return
        self.refresh_call()
        self.call_after_refresh(keytrace.mark, "painted")
        if self.exit_next is not None:  # a hold or an exit: the call ends next, its form filled in
            self.drafts["disposition"], self.exit_next = self.exit_next, None
            self.action_end_call()
        elif self.call.in_promise_step() and self.call.promise is None and any(e.kind == "step_entered" for e in message.events):
            self.action_promise()
        while self.after_store and self.pending is None:  # what came meanwhile, in order (a key may change nothing)
            self.after_store.pop(0)()
        if self.pending is not None:
            return
        if self.after_line and not self.line_unsettled:
            self.after_line.pop(0)()
        elif self.wrap_up_next:
            self.wrap_up_next = False
            if self.app.screen is self and not self.call.ended and not self.after_line:  # the end form may be open already (x), or saved
                self.action_end_call()

    @on(StoreFailed)
    def store_failed(self, message: StoreFailed) -> None:
        self.saving_notice.stop()
        self.store_failing = True
        self.status = (label("save_failed", self.locale, error=message.error), "bold red")
        self.set_timer(RETRY_SECONDS, lambda: self.store(message.events))

    # ---- keys -------------------------------------------------------------------------

    def on_key(self, event: Key) -> None:
        character = event.character
        if character is None or character not in self.choice_keys:
            return  # the screen's own keys (n, m, x, 1-6...) are bindings: a flow's choices never use them
        event.stop()
        if self.pending is not None:
            self.later(lambda: self.choose_key(character))  # read against the step the change before leads to
        else:
            self.choose_key(character)

    def choose_key(self, character: str) -> None:
        """The current step's choice on `character`, if it has one."""
        for choice in self.call.step.choices:
            if choice.key == character:
                keytrace.mark("key")
                if not self.call.dialled and self.call.contact_rules is not None:
                    self.dial_if_allowed(choice.trigger)  # the dial is the gated act: the account read again at this moment
                else:
                    self.apply(lambda: self.call.choose(choice.trigger))  # noqa: B023 (the loop ends here)
                return

    def read_standing(self) -> None:
        """Read the account again (a few indexed reads, a few ms): a hold, a stop on the
        contact, a new time zone or another's call since the call opened then stops a dial,
        as the rules say. Off the UI thread."""
        try:
            self.app.workspace.calls.standing_now(self.active)
        except StoreError:
            pass  # out of reach: what was read last still stands

    @work(thread=True, exclusive=True, group="dial")
    def dial_if_allowed(self, trigger: str) -> None:
        """The first step's choice `trigger`, dialled by hand: the account read again as it is made."""
        self.read_standing()
        self.app.call_from_thread(self.dial_checked, trigger, bool(self.call.dial_blocks()))

    def dial_checked(self, trigger: str | None, blocked_since: bool) -> None:
        """`trigger` taken unless the account, read again, stopped the dial (None: the phone's dial)."""
        if blocked_since:  # it was allowed when the key was pressed
            self.app.notify(label("dial_blocked_since", self.locale), severity="warning", markup=False)
            self.show_card()
            self.apply(self.call.show_again)
        elif trigger is not None:
            self.apply(lambda: self.call.choose(trigger))

    # ---- the phone ----------------------------------------------------------------------

    @property
    def dial_number(self) -> str:
        """The number as the key bar shows it, on one line whatever a forged row holds (the
        import refuses control characters; the dial refuses such a number)."""
        return " ".join(self.active.snapshot.phone.split())

    def dial_offered(self) -> bool:
        """Enter dials the account's number while a phone is set up, on the first step, the
        contact rules allowing it and no call of this one's on the line. Not after a lost
        line: the phone may have made a recording of it, and a call keeps one; x ends the
        call (hanging up, taking the recording) and a new call dials again."""
        call = self.call
        return self.app.dials and self.active.rehearsal is None and not call.ended and call.state == call.loaded.flow.initial and call.line.status not in ACTIVE and not isinstance(call.line.end, LineLost) and not call.blocks_now()

    def action_dial(self) -> None:
        """Dial through the phone: the contact rules and the holds are read at this moment,
        and the number is the account's contact's, never typed."""
        if self.pending is not None or not self.dial_offered():
            self.app.bell()
            return
        self.dial_through_phone(self.active.snapshot.phone)

    @property
    def dialling(self) -> bool:
        """Whether the phone is being asked to dial now (its reply not yet in)."""
        return any(worker.is_running and worker.group == PHONE_DIAL_GROUP and worker.node is self for worker in self.app.workers)

    @work(thread=True, exclusive=True, group=PHONE_DIAL_GROUP)
    def dial_through_phone(self, number: str) -> None:
        try:
            phone = self.app.phone_now()
            phone_call = phone.dial(number, still_allowed=self.still_allowed)
        except DialStopped:
            self.app.call_from_thread(self.dial_checked, None, True)
            return
        except PhoneError as exc:
            in_doubt = self.app.dial_in_doubt  # it may dial all the same once it wakes: watched until it is settled
            self.app.call_from_thread(self.phone_refused, str(exc), in_doubt)
            if in_doubt:
                self.app.call_from_thread(self.app.settle_dial_in_doubt)
            return
        self.app.call_from_thread(setattr, self, "phone_call_made", phone_call)
        if not phone.reports_line:  # a program handed the number on: the log says it was dialled
            self.app.call_from_thread(self.line_reported, Dialling(phone_call, self.app.now(), dial_target(number)))

    def still_allowed(self) -> bool:
        """The account read again as the phone is about to dial (after reaching it and its
        own checks, which may take a while): a phone's thread."""
        self.read_standing()
        return not self.call.blocks_now()

    def phone_refused(self, error: str, in_doubt: bool = False) -> None:
        self.status = (label("phone_dial_in_doubt" if in_doubt else "phone_refused", self.locale, error=error), "bold red")

    @work(thread=True, group="phone-hang-up")
    def hang_up_phone(self, phone_call: str) -> None:
        """Ask the phone to end `phone_call`, reaching it again if its link was lost (the
        app lets go of a lost phone: a frozen baresip that came back still holds the call)."""
        try:
            self.app.phone_now().hang_up(phone_call)
        except PhoneError as exc:
            self.app.call_from_thread(setattr, self, "status", (label("phone_hang_up_failed", self.locale, error=str(exc)), "bold red"))
            self.app.call_from_thread(self.app.hang_up_when_back, phone_call)  # it may still hold the call: asked again once it is back
        line, snd_path = self.call.line, self.app.recordings_from
        if isinstance(line.end, LineLost):
            # The call a lost link left up is hung up now (or its phone is out of reach): its
            # recording is as finished as it will be. Lost while ringing, it may have been
            # answered unseen, and recorded.
            unseen = line.answered_at is None and line.dialled_at is not None and snd_path is not None and recording_begun(snd_path, line.dialled_at)
            self.app.call_from_thread(self.take_recording, unseen)

    def line_reported(self, event: LineEvent) -> None:
        """What the phone reported: into the call's log (after any change being stored), and
        on screen. An answer offers the next step's choices; a line that ends after ringing
        or talking opens the end form (its outcome suggested, the collector's to choose);
        a lost phone is said, and the call goes on by hand."""
        if self.call.ended:
            return
        if self.pending is not None:
            self.after_store.append(lambda: self.line_reported(event))
            return
        was_active = self.call.line.status in ACTIVE
        self.apply(lambda: self.call.record_line(event))
        ended = self.call.line.end
        if was_active and ended is not None and not isinstance(ended, LineLost):
            self.take_recording()  # a lost line's phone may still be writing it: x takes it once hung up
        if self.call.line.status not in ACTIVE and self.hanging_up:
            self.line_settled()
        if was_active and self.call.line.status is LineStatus.ENDED and ended is not None:
            if isinstance(ended, LineLost):
                self.app.notify(describe_line(self.call.line, self.app.now(), self.locale), severity="error", timeout=20, markup=False)
            elif not isinstance(ended, Failed):
                self.wrap_up_next = True
        self.show_line()

    def take_recording(self, answered_unseen: bool = False) -> None:
        """Take the call's recording from the phone's folder once an answered line (or one
        `answered_unseen`, while its link was lost) has ended, unless the log has it already;
        what ends the call waits for it."""
        line, snd_path = self.call.line, self.app.recordings_from
        if self.recording or self.call.recorded or line.end is None or (line.answered_at is None and not answered_unseen) or line.dialled_at is None or snd_path is None or self.active.rehearsal is not None:
            return
        self.recording = True
        # A lost line's end is not the call's (x hangs it up later): no end to bound its pair by.
        self.collect_recording(snd_path, line.answered_at or line.dialled_at, None if isinstance(line.end, LineLost) else line.ended_at)
        # Whatever happens to the phone's files, the call's end never waits longer than this.
        self.set_timer(RECORDING_WAIT + 5, lambda: self.recording and self.recording_missing(label("recording_too_slow", self.locale)))

    @work(thread=True, group="recording")
    def collect_recording(self, snd_path, began_at: datetime, ended_at: datetime | None) -> None:
        """Take the call's recording from where the phone wrote it into the data folder."""
        try:
            made = collect(snd_path, began_at, self.app.data_dir, self.active.call_id, ended_at=ended_at)
        except PhoneError as exc:
            self.app.call_from_thread(self.recording_missing, str(exc))
            return
        self.app.call_from_thread(self.recording_collected, made)

    def recording_collected(self, made: Recording) -> None:
        if not self.recording or self.call.ended:  # given up on (too slow): the call has gone on without it
            return
        if self.pending is not None:
            self.after_store.append(lambda: self.recording_collected(made))
            return
        self.apply(lambda: self.call.attach_recording(made.as_payload()))

    def recording_missing(self, error: str) -> None:
        self.app.notify(label("recording_missing", self.locale, error=error), severity="error", timeout=15, markup=False)
        self.recording_done()

    def recording_done(self) -> None:
        """The recording is attached (or will not be): what waited for it goes on."""
        self.recording = False
        self.line_settled()

    def line_settled(self, waited: bool = False) -> None:
        """The line has ended (or the phone was given long enough to say so): what waited for
        it goes on, once the recording, if one is being taken, is in the log too."""
        if waited and not self.hanging_up:
            return
        self.hanging_up = False
        if waited and self.call.line.status in ACTIVE:
            # What became of the line is not known: the log says so before the end (which
            # runs once this is stored).
            self.line_reported(LineLost(self.call.line.call_id, self.app.now(), HANG_UP_UNCONFIRMED))
            return
        if self.after_line and not self.line_unsettled and self.pending is None:
            self.after_line.pop(0)()

    def show_line(self) -> None:
        """The line's state and talk time, under the rules (only once something was dialled)."""
        line = self.query_one("#line", Static)
        words = describe_line(self.call.line, self.app.now(), self.locale)
        line.display = bool(words)
        if words:
            style = "bold red" if isinstance(self.call.line.end, (LineLost, Failed)) else "bold green" if self.call.line.status is LineStatus.TALKING else "bold"
            line.update(Text("☎ " + words, style=style), layout=False)

    def objections_allowed(self) -> bool:
        """Whether excuses may be answered now; says why not when they may not."""
        if not self.call.can_raise_objection():
            self.app.notify(label("objections_locked", self.locale), severity="warning")
            return False
        return True

    def action_excuse(self, ladder: str, found_with: str = "") -> None:
        """Answer an excuse: the next rung of the ladder on screen when it is this excuse's;
        for an excuse with cases pressed afresh, ask which case first."""
        if not self.objections_allowed():
            return
        catalog = self.call.catalog
        excuse_id, case = excuse_of(ladder)
        current = self.call.objection.ladder if self.call.objection else None
        if case is None and not found_with and current is not None and excuse_of(current)[0] == excuse_id:
            ladder = current
        elif case is None and not found_with and catalog.excuse(excuse_id).cases:
            names = catalog.ladder_names(self.locale)
            choices = [(choice, names[choice] if excuse_of(choice)[1] else label("cases_general", self.locale, excuse=names[choice])) for choice in catalog.ladders() if excuse_of(choice)[0] == excuse_id]
            self.app.push_screen(CasePickerScreen(self.locale, names[excuse_id], choices), lambda chosen: chosen and self.action_excuse(chosen))
            return
        self.apply(lambda: self.call.raise_objection(ladder, found_with))

    @work(thread=True, group="finder")
    def prepare_finder(self) -> None:
        """Build the quick-find off the UI thread: its Chinese tables take a moment to load."""
        self.call.catalog.finder()

    def action_find(self) -> None:
        """The quick-find: excuses once they may be answered, situations once dialled
        (a wrong number comes before anyone is verified)."""
        if not self.call.dialled or self.call.ended:
            self.app.notify(label("situation_locked", self.locale), severity="warning")
            return
        self.query_one(ExcuseFinderPanel).open()

    @on(ExcuseFinderPanel.Chosen)
    def found_excuse(self, message: ExcuseFinderPanel.Chosen) -> None:
        self.set_focus(None)
        if message.excuse in self.call.catalog.situations:
            self.action_situation(message.excuse)
        else:
            self.action_excuse(message.excuse, message.typed)

    def action_situation(self, situation_id: str) -> None:
        """A situation's exit: what to say and write down, its hold, then the end form
        with the outcome (and the contact's request) it suggests."""
        situation = self.call.catalog.situations[situation_id]
        self.open_hold_form(
            situation.name.get(self.locale), situation.say.get(self.locale), situation.hold, situation.capture.get(self.locale), situation.hold is not None, situation_id, {"disposition": situation.outcome, "contact_stop": situation.stop or ""}
        )

    def action_hold(self) -> None:
        """Stop collection on the account (a hold), then end the call."""
        if not self.call.dialled or self.call.ended:
            self.app.notify(label("hold_after_dial", self.locale), severity="warning")
            return
        self.open_hold_form(label("hold_title", self.locale), "", None, "", True, None, {"disposition": "on_hold"})

    def open_hold_form(self, title: str, say: str, reason: str | None, capture: str, choose_reason: bool, situation: str | None, ending: dict) -> None:
        from callassist.tui.screens.hold import HoldScreen

        def given(result: tuple[str | None, str] | None) -> None:
            if result is None:
                self.drop_draft("hold")
                return
            chosen, details = result
            self.exit_next = ending | {"note": details}
            if chosen is not None:
                self.apply(lambda: self.call.place_hold(chosen, details, situation))
            else:  # no hold: what was written down goes with the call's end
                self.drop_draft("hold")
                self.drafts["disposition"], self.exit_next = self.exit_next, None
                self.action_end_call()

        self.app.push_screen(HoldScreen(self.locale, *self.draft_of("hold"), title=title, say=say, reason=reason, capture=capture, choose_reason=choose_reason), given)

    def action_release(self) -> None:
        """A supervisor releases the holds that block this account, saying why (stored)."""
        holds = self.active.snapshot.holds
        role = self.app.workspace.viewer.role
        refused = release_refused(holds, self.call.dialled, role)
        if refused is not None:
            self.app.notify(label(refused, self.locale, role=role), severity="information" if refused == "release_nothing" else "warning", markup=False)
            return
        from callassist.tui.screens.note import NoteScreen

        names = ", ".join(label(f"hold_{hold.reason}", self.locale) for hold in holds)

        def given(reason: str | None) -> None:
            if reason:
                self.release_holds(reason, names)

        self.app.push_screen(NoteScreen(self.locale, {}, lambda fields: None, title=label("release_title", self.locale), intro=label("release_intro", self.locale, holds=names), placeholder=label("release_reason", self.locale)), given)

    @work(thread=True, group="store")
    def release_holds(self, reason: str, names: str) -> None:
        try:
            self.app.workspace.calls.release_holds(self.active, reason)
        except StoreError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.holds_released, names)

    def holds_released(self, names: str) -> None:
        self.app.notify(label("hold_released", self.locale, holds=names), markup=False)
        self.show_card()
        self.apply(self.call.show_again)

    @on(ExcuseFinderPanel.Closed)
    def finder_closed(self) -> None:
        self.set_focus(None)

    def action_note(self) -> None:
        from callassist.tui.screens.note import NoteScreen

        def saved(text: str | None) -> None:
            if text:
                self.apply(lambda: self.call.add_note(text))
            else:
                self.drop_draft("note")

        self.app.push_screen(NoteScreen(self.locale, *self.draft_of("note"), check=self.note_warnings), saved)

    def action_override(self) -> None:
        """A supervisor lets a blocked call be dialled, saying why (stored as an event)."""
        role = self.app.workspace.viewer.role
        refused = self.call.override_refused(role)
        if refused is not None:
            self.app.notify(label(refused, self.locale, role=role), severity="information" if refused == "override_nothing" else "warning", markup=False)
            return
        blocks = self.call.dial_blocks()
        from callassist.tui.screens.note import NoteScreen

        def given(reason: str | None) -> None:
            if reason:
                self.apply(lambda: self.call.override(reason, self.app.collector, role))
            else:
                self.drop_draft("override")

        rules = self.call.contact_rules.profile
        reasons = "; ".join(describe_block(block, rules.name, self.locale) for block in blocks)
        self.app.push_screen(NoteScreen(self.locale, *self.draft_of("override"), title=label("override_title", self.locale), intro=label("override_rules", self.locale, reasons=reasons), placeholder=label("override_reason", self.locale)), given)

    def note_warnings(self, text: str) -> list[str]:
        return self.app.workspace.content.note_warnings(text, self.locale)

    def action_promise(self) -> None:
        if not self.call.in_promise_step():
            step = self.call.state_label(self.call.loaded.flow.promise_state)
            self.app.notify(label("promise_not_yet", self.locale, step=step), severity="warning", markup=False)
            return
        from callassist.tui.screens.promise import PromiseScreen

        def captured(promise) -> None:
            if promise is not None:
                self.apply(lambda: self.call.capture_promise(promise))
            else:
                self.drop_draft("promise")

        today = self.app.workspace.calls.debtor_today(self.active.snapshot)
        self.app.push_screen(PromiseScreen(self.call.balance, today, self.app.workspace.ledger.fee_allowance, self.locale, *self.draft_of("promise")), captured)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave":  # only before dialling; a hold, only after
            return not self.call.dialled and not self.call.ended
        if action == "hold":
            return self.call.dialled and not self.call.ended
        if action == "undo":
            return self.call.can_undo()
        if action == "find":  # the key bar shows only what works now (? says the same)
            return self.call.dialled and not self.call.ended
        if action == "promise":
            return self.call.in_promise_step()
        if action == "end_call":
            return self.call.dialled and not self.call.ended
        if action == "dial":
            return self.dial_offered()
        return True

    def action_undo(self) -> None:
        """Take back the last choice (a wrong key), while nothing else has been stored since."""
        if not self.call.can_undo():
            self.app.notify(label("undo_nothing", self.locale), severity="warning")
            return
        self.apply(self.call.undo)

    def action_leave(self) -> None:
        """Leave the call before dialling: stored as not dialled, no attempt counted."""
        if not self.call.dialled and not self.call.ended:
            self.apply(self.call.leave_undialled)

    def start_hang_up(self, phone_call: str) -> None:
        """Ask the phone to hang up the line; what waits for its last word goes on when it
        says so, or after HANG_UP_WAIT (a phone that never says it keeps nothing waiting longer)."""
        self.hanging_up = True
        self.hang_up_phone(phone_call)
        self.set_timer(HANG_UP_WAIT, lambda: self.line_settled(waited=True))

    def hang_up_before_leaving(self, leave: Callable[[], None]) -> bool:
        """The program is told to stop: a line the phone follows, still up, is hung up as x
        does, and `leave` is called once the hang-up and the recording (being taken now, say
        after they hung up) are in the log; False, and nothing done, when nothing is owed."""
        phone, line = self.app.phone, self.call.line
        # Just dialled, its Dialling not handed over yet: the line is up all the same.
        phone_call = line.call_id if line.status in ACTIVE else self.phone_call_made if line.status is LineStatus.IDLE else ""
        if not self.call.ended and phone_call and phone is not None and phone.reports_line and not self.hanging_up:
            self.start_hang_up(phone_call)
        if not self.line_unsettled and self.pending is None:
            return False
        self.after_line.append(leave)
        return True

    def action_end_call(self) -> None:
        from callassist.tui.screens.disposition import DispositionScreen

        if not self.call.dialled:  # nothing happened on the phone: no outcome but this one is true
            self.action_leave()
            return
        if self.after_line:  # saved already, waiting for the line's last word
            return
        if self.call.line.status in ACTIVE and not self.hanging_up:  # the phone hangs up as the collector ends the call
            self.start_hang_up(self.call.line.call_id)
        elif isinstance(self.call.line.end, LineLost) and not self.hung_up_lost:
            # The link was lost (or callassist stopped) while the line was dialling, ringing
            # or up: the phone may still hold the call, answered since and recorded; it is
            # asked to hang it up, whatever it answers.
            self.hung_up_lost = True
            self.hang_up_phone(self.call.line.call_id)

        def chosen(result: tuple[str, str, date | None, datetime | None, str | None] | None) -> None:
            if result is not None and self.line_unsettled:  # the hang-up and the recording go into the log before the end
                self.after_line.append(lambda: self.apply(lambda: self.ending(*result)))
                self.status = (label("saving", self.locale), "dim")
            elif result is not None:
                self.apply(lambda: self.ending(*result))
            else:
                self.drop_draft("disposition")

        snapshot = self.active.snapshot
        local_now = snapshot.local_now(self.app.now())
        window = self.call.contact_rules.profile.window if self.call.contact_rules is not None else None
        self.app.push_screen(
            DispositionScreen(self.locale, self.call.suggested_disposition, self.call.promise is not None, local_now, snapshot.work_starts or DEFAULT_WORK_STARTS, *self.draft_of("disposition"), check=self.note_warnings, window=window), chosen
        )

    def ending(self, disposition: str, note: str, next_contact: date | None, callback_at: datetime | None = None, contact_stop: str | None = None) -> list[Event]:
        """The call's end; a practice call's score is stored with it."""
        events = self.call.end(disposition, note, next_contact, callback_at, contact_stop)
        if self.active.rehearsal is not None:
            events.append(self.active.rehearsal.scored(self.call))
        return events

    def show_score(self, payload: dict, disposition: str) -> None:
        from callassist.tui.screens.practice import ScoreScreen

        def closed(_) -> None:
            self.dismiss(disposition)  # not returned: a callback's awaitable would be awaited here

        name = self.active.rehearsal.persona.name.get(self.locale)
        self.app.push_screen(ScoreScreen(self.locale, name, payload), closed)

    # ---- drafts: what is typed in a form survives a crash -----------------------------

    def draft_of(self, form: str) -> tuple[dict, Callable[[dict], None]]:
        """A form's last draft, and how the form keeps the next one."""
        return self.drafts.get(form, {}), partial(self.keep_draft, form)

    def keep_draft(self, form: str, fields: dict) -> None:
        self.drafts[form] = fields
        self.app.workspace.calls.keep_draft(self.active.call_id, form, fields)
        self.write_draft(form)

    @work(thread=True, group="draft")
    def write_draft(self, form: str) -> None:
        self.app.workspace.calls.write_draft(self.active.call_id, form)

    def drop_draft(self, form: str) -> None:
        """A form closed without saving: what was typed in it is not kept."""
        self.drafts.pop(form, None)
        self.app.workspace.calls.forget_draft(self.active.call_id, form)
        self.discard_draft(form)

    @work(thread=True, group="draft")
    def discard_draft(self, form: str) -> None:
        self.app.workspace.calls.discard_draft(self.active.call_id, form)

    def action_keys(self) -> None:
        """Every key that works now: this step's choices, then what else the call allows."""
        call, t = self.call, lambda key: label(key, self.locale)
        extra = [(str(n), name) for n, name in enumerate(self.excuse_names(), 1)] if call.can_raise_objection() else []
        extra += [("/", t("find_excuse"))] if call.dialled and not call.ended else []
        extra += [("n", t("add_note"))]
        extra += [("m", t("promise_form"))] if call.in_promise_step() else []
        extra += [("u  Ctrl+Z", t("undo_key"))] if call.can_undo() else []
        extra += [("x", t("end_call")), ("H", t("hold_key"))] if call.dialled else [("Esc  x", t("leave_undialled"))]
        self.app.show_keys(list(call.step.choices), extra)

    def excuse_names(self) -> list[str]:
        names = self.call.catalog.ladder_names(self.locale)
        return [names.get(excuse, excuse) for excuse in EXCUSE_IDS]
