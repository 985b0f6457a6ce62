"""The App: thin. It owns the workspace and moves between the worklist and a call."""

from __future__ import annotations

import asyncio
import errno
import gc
import os
import signal
import sys
import termios
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.message import Message
from textual.notifications import Notify
from textual.theme import ThemeProvider
from textual.worker import WorkerFailed, get_current_worker

from callassist.core.errors import AccountBusy, CallOpen, StoreError
from callassist.core.i18n import label
from callassist.core.phone import BaresipSetting, LineEvent, LineLost, NoPhoneSetting, PhoneError, PhoneSetting
from callassist.tui.commands import AccountCommands, Palette
from callassist.tui.screens.worklist import WorklistScreen, call_open_text

if TYPE_CHECKING:  # the workspace loads the database library: the app imports it in a worker
    from callassist.core.calls import ActiveCall
    from callassist.phone import Phone

GIL_SWITCH_INTERVAL = 0.0005
# How often events kept on this computer (the database out of reach) are sent again.
OUTBOX_SECONDS = 2.0
# Start-up holds the garbage collector off this long at most (startup.run_tui, warm_up).
GC_HELD_SECONDS = 20.0
# How often the program looks whether its terminal is still there (a closed window, a
# dropped connection): without one it would wait for keys that never come.
TERMINAL_SECONDS = 2.0
# Notices on screen at once: two fit over the account card at 80x24, above the choices.
MAX_NOTICES = 2
# A hang-up the phone did not confirm (frozen, out of reach) is asked again this often, for
# this long: the debtor's line may still be up, recorded, once the phone comes back.
HANG_UP_AGAIN_SECONDS = 3.0
HANG_UP_AGAIN_FOR = 600.0
# Told to stop mid-call, the program waits this long at most for the phone's hang-up and
# the recording (each bounded on its own, call.py HANG_UP_WAIT, RECORDING_WAIT) to be stored.
LEAVE_WAIT = 12.0
# Its workers outlive screens and last until the phone answers: nothing waits for them.
HANG_UP_AGAIN_GROUP = "phone-hang-up-again"
# A dial the phone never answered: the phone is reached as often, for as long, until it is
# settled (a new link hangs up what the phone dialled). Its worker outlives screens too.
DIAL_IN_DOUBT_GROUP = "phone-dial-in-doubt"
LASTING_PHONE_GROUPS = (HANG_UP_AGAIN_GROUP, DIAL_IN_DOUBT_GROUP)


class CallAssistApp(App):
    # Every screen's styles (each in a .tcss beside its screen) read once, at the start:
    # a screen's first opening otherwise read them all again (Textual parses the whole
    # stylesheet anew for each new file), 5 ms on a keystroke's path.
    CSS_PATH = ["app.tcss", *sorted(f"screens/{path.name}" for path in (Path(__file__).parent / "screens").glob("*.tcss"))]
    TITLE = "callassist"
    COMMANDS = App.COMMANDS | {AccountCommands}
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False)]

    @dataclass
    class CallReady(Message):
        active: ActiveCall

    @dataclass
    class ContentChecked(Message):
        """Scripts and objections were checked again (reload): the problems, if any."""

        problems: list[str]

    @dataclass
    class CallRefused(Message):
        problems: list[str]
        heading: str = "script_refused"  # a label key

    def __init__(self, open_workspace, locale: str, collector: str, quick_read=None, clock=None, replay: str | None = None, freeze: bool = False, phone: PhoneSetting | None = None, data_dir: Path | None = None) -> None:
        """`open_workspace` opens the database; it runs in a worker thread, after the first
        paint. `quick_read`, where the database allows one, gives the worklist before that.
        With `replay` (a call id) the app opens on that call's replay instead. `freeze`:
        the program's own process (see warm_up), never a test's, which runs many apps.
        `phone`: what dials (none: the collector dials by hand); its recordings are kept
        under `data_dir`/recordings."""
        super().__init__()
        self.phone_setting: PhoneSetting = phone or NoPhoneSetting()
        self.data_dir = data_dir
        self.phone: Phone | None = None  # once connected (connect_phone)
        self._phone_lock = threading.Lock()
        self.hang_ups_owed: set[str] = set()  # calls the phone never confirmed hanging up (hang_up_when_back)
        self.leaving: int | None = None  # told to stop by a signal: the code to leave with (leave_on_signal)
        self.terminal_lost = False
        self.replay = replay
        self.freeze = freeze
        # Python hands the GIL between threads every 5 ms by default. A commit finishing
        # in a worker, or a frame waiting in Textual's writer thread, would wait that long.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        self.open_workspace = open_workspace
        self.quick_read = quick_read
        self.locale = locale
        self.collector = collector
        self.clock = clock or (lambda: datetime.now(UTC))
        self.workspace = None
        self.promises_followed = False  # judged once a session, after the first paint
        self.accounts: list[tuple[int, str, str, str]] = []
        self.unfinished: dict = {}  # account id -> its call left unfinished (core/calls.py UnfinishedCall): Enter or the palette resumes it
        self._workspace_lock = threading.Lock()

    def _fatal_error(self) -> None:
        """An unexpected failure closes the app with one line, never Textual's traceback
        with its local values (a debtor's name or an amount could be among them)."""
        from callassist.core.crash import INTERNAL_ERROR, debugging, internal_error_line

        if debugging() or self._exception is None:
            super()._fatal_error()
            return
        self.bell()
        failure = self._exception
        if isinstance(failure, WorkerFailed):  # where it failed, not that a worker did
            failure = failure.error
        self._exit_renderables.append(Text(internal_error_line(failure)))
        self._return_code = INTERNAL_ERROR
        self._close_messages_no_wait()

    def ensure_workspace(self):
        with self._workspace_lock:
            if self.workspace is None:
                self.workspace = self.open_workspace()
                self.workspace.clock = self.clock
                self.collector = self.workspace.collector  # a team's database may say who this is
            return self.workspace

    def now(self) -> datetime:
        return self.clock()

    @work(thread=True, exclusive=True, group="warm-up")
    def warm_up(self) -> None:
        """While the worklist waits for a key: build the quick-find (its Chinese tables take
        about 0.3 s of CPU, which must not compete with a call's first keys), then resume
        the garbage collector (see startup.run_tui) with all that is loaded set apart."""
        catalog = self.workspace.content.catalog if self.workspace else None
        if catalog is not None:
            catalog.finder()
        self.resume_gc()

    def resume_gc(self) -> None:
        """The collector's sweeps back on, over what is made from now on: what start-up
        loaded (the program, the database library, the catalog) is never swept again, so
        no sweep of it stalls a key for 50-90 ms. No-op in a test's app (`freeze` False)."""
        if self.freeze and not gc.isenabled():
            gc.freeze()
            gc.enable()

    def on_mount(self) -> None:
        self.title = label("app_title", self.locale)
        self.set_interval(OUTBOX_SECONDS, self.send_outbox)
        self.set_timer(GC_HELD_SECONDS, self.resume_gc)  # whatever happens to the warm-up
        if not self.is_headless and sys.__stdin__ is not None and sys.__stdin__.isatty():
            self.set_interval(TERMINAL_SECONDS, self.check_terminal)
        if not self.is_headless:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                loop.add_signal_handler(signum, self.leave_on_signal, signum)
        if self.replay:
            from callassist.tui.screens.replay import ReplayScreen

            self.push_screen(ReplayScreen(self.replay))
        else:
            self.push_screen(WorklistScreen())

    def leave_on_signal(self, signum: int) -> None:
        """Told to stop (`kill`, a logout or shutdown, a closed terminal): leave as q does,
        the terminal given back and what the phone still owes said (startup.run_tui), with
        128 + the signal's number. A call whose line is up is hung up first, as x does, and
        that stored: a debtor is not left ringing, or talking on a recorded line, that no
        one follows; a dial on its way is waited for, then hung up. The call stays
        unfinished, resumed at the next start. Told again meanwhile, it goes on as first
        told (the seventh attacker's second signal left before the recording was stored)."""
        if signum == signal.SIGHUP and not self.is_headless and not self.terminal_lost and not self.terminal_here():
            self.terminal_gone()
        if self.leaving is not None:
            return
        self.leaving = 128 + signum
        self.set_timer(LEAVE_WAIT, self.leave)  # whatever the phone does
        self.leave_once_dialled()

    def terminal_gone(self) -> None:
        """The terminal has gone (closed, its connection dropped): what the program would
        draw or say goes nowhere from now on. Written to the gone terminal, the first write
        failed and stopped Textual's writer, and the program then waited for ever to write
        (the eighth attacker's closed window, mid-call). It leaves at once when the phone's
        work is stored, without Textual's goodbye to the terminal, and within the bound
        whatever happens: everything on screen is stored already."""
        self.terminal_lost = True
        nowhere = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.__stdout__, sys.__stderr__):
            if stream is not None:
                os.dup2(nowhere, stream.fileno())
        os.close(nowhere)

        def leave_at_last() -> None:
            time.sleep(LEAVE_WAIT + TERMINAL_SECONDS)
            os._exit(self.leaving or 128 + signal.SIGHUP)

        threading.Thread(target=leave_at_last, name="leave-at-last", daemon=True).start()

    def leave_once_dialled(self) -> None:
        screen = self.call_screen()
        if screen is not None and screen.dialling:
            self.set_timer(0.1, self.leave_once_dialled)  # its Dialling hands the line over, or it fails
        elif screen is None or not screen.hang_up_before_leaving(self.leave):
            self.leave()

    def leave(self) -> None:
        if self.terminal_lost:  # nothing to give back, and Textual's writer may have stopped: see terminal_gone
            os._exit(self.leaving or 128 + signal.SIGHUP)
        self.exit(return_code=self.leaving)

    def check_terminal(self) -> None:
        """Leave when the terminal has gone: everything shown is stored already, and the
        call on screen can be resumed from another terminal."""
        if not self.terminal_here():
            self.leave_on_signal(signal.SIGHUP)  # as if told: its terminal has hung up

    def terminal_here(self) -> bool:
        """Whether the program's terminal is still there (a SIGHUP may come from `kill`, the
        terminal alive: it is given back then, the ninth attacker's)."""
        try:
            termios.tcgetattr(sys.__stdin__.fileno())
        except (termios.error, OSError, AttributeError) as exc:
            return not (exc.args and exc.args[0] == errno.EIO)
        return True

    def on_unmount(self) -> None:
        if self.workspace is not None:
            self.workspace.close()
        if self.phone is not None:
            self.phone.close()

    # ---- the phone -------------------------------------------------------------------

    @property
    def dials(self) -> bool:
        """Whether a phone dials for the collector (else they dial by hand)."""
        return not isinstance(self.phone_setting, NoPhoneSetting)

    @work(thread=True, exclusive=True, group="phone")
    def connect_phone(self) -> None:
        """Reach the phone at start, so a phone that is not there is said before a call."""
        try:
            self.phone_now()
        except PhoneError as exc:
            self.call_from_thread(self.phone_trouble, str(exc))

    def phone_now(self):
        """The phone, reached now if it was not (or its link broke): PhoneError if it cannot be.
        Called off the UI thread: reaching a phone may wait on the network."""
        from callassist.phone import open_phone

        with self._phone_lock:
            if self.phone is None:
                self.phone = open_phone(self.phone_setting, self._line_from_phone, hang_up_left_up=self.phone_not_shared)
            phone = self.phone
        # Outside the lock: the UI thread takes it (phone_lost), and linking again may wait.
        try:
            phone.reach()
        finally:
            self.say_left_up(phone)
        return phone

    def say_left_up(self, phone: Phone) -> None:
        """A notice of the calls nobody followed that `phone` hung up since last asked (a
        phone's thread)."""
        if left_up := phone.hung_up_left_up():
            self.call_from_thread(self.notify, label("phone_left_up_hung_up", self.locale, count=left_up), severity="warning", timeout=15, markup=False)

    def phone_not_shared(self) -> bool:
        """Whether no other window on this computer has a call on screen, asked each time
        the phone is linked to: while one has, a call the phone holds may be that window's,
        and is not hung up (a phone's thread)."""
        workspace = self.workspace
        return workspace is not None and not workspace.calls.open_calls.any_open_elsewhere()

    @property
    def dial_in_doubt(self) -> bool:
        """Whether the phone may still make a dial it never answered (said at exit)."""
        return self.phone is not None and self.phone.dial_in_doubt

    @work(thread=True, exclusive=True, group=DIAL_IN_DOUBT_GROUP)
    def settle_dial_in_doubt(self) -> None:
        """The phone never answered a dial, and may make it once it wakes: reach it every
        HANG_UP_AGAIN_SECONDS, whatever screen is open, until it is no longer in doubt (a
        new link hangs up what it dialled; the collector is told) or HANG_UP_AGAIN_FOR has
        passed; not while another window here has a call on screen."""
        worker = get_current_worker()
        given_up_at = time.monotonic() + HANG_UP_AGAIN_FOR
        while not worker.is_cancelled and time.monotonic() < given_up_at and self.dial_in_doubt:
            time.sleep(HANG_UP_AGAIN_SECONDS)
            if not self.phone_not_shared():
                continue  # linking now would take the phone from the window whose call is on it
            try:
                self.phone_now()
            except PhoneError:
                continue
        if not worker.is_cancelled and (phone := self.phone) is not None:
            self.say_left_up(phone)  # the late dial, hung up as it showed

    def phone_lost(self) -> None:
        """The link to the phone broke: the next dial reaches it again."""
        with self._phone_lock:
            phone, self.phone = self.phone, None
        if phone is not None:  # closed off the UI thread: it waits for the event being handed over now
            threading.Thread(target=phone.close, name="phone-close", daemon=True).start()

    @property
    def recordings_from(self) -> Path | None:
        """Where the phone writes its recordings, when it records and they have a place here."""
        setting = self.phone_setting
        return Path(setting.recordings) if isinstance(setting, BaresipSetting) and setting.recordings and self.data_dir is not None else None

    @work(thread=True, group=HANG_UP_AGAIN_GROUP)
    def hang_up_when_back(self, phone_call: str) -> None:
        """Ask the phone to hang up `phone_call` again and again, whatever screen is open,
        until it answers (said in a notice) or HANG_UP_AGAIN_FOR has passed (said too: the
        collector ends it on the phone)."""
        with self._phone_lock:
            if phone_call in self.hang_ups_owed:  # asked again already (x pressed twice on a frozen phone)
                return
            self.hang_ups_owed.add(phone_call)
        worker = get_current_worker()
        given_up_at = time.monotonic() + HANG_UP_AGAIN_FOR
        while not worker.is_cancelled and time.monotonic() < given_up_at:
            time.sleep(HANG_UP_AGAIN_SECONDS)
            try:
                self.phone_now().hang_up(phone_call)
            except PhoneError:
                continue
            self.hang_ups_owed.discard(phone_call)
            if not worker.is_cancelled:
                self.call_from_thread(self.notify, label("phone_hung_up_late", self.locale, call=phone_call), severity="information", timeout=10, markup=False)
            return
        if not worker.is_cancelled:
            self.call_from_thread(self.notify, label("phone_hang_up_given_up", self.locale, call=phone_call, minutes=round(HANG_UP_AGAIN_FOR / 60)), severity="error", timeout=30, markup=False)

    def phone_trouble(self, error: str) -> None:
        self.notify(label("phone_unreachable", self.locale, phone=str(self.phone_setting), error=error), severity="error", timeout=15, markup=False)

    def _line_from_phone(self, event: LineEvent) -> None:
        # The phone's own thread: the event is handed to the UI thread, in order.
        try:
            self.call_from_thread(self.line_reported, event)
        except RuntimeError:  # the app has ended: the call's log is closed already
            pass

    def line_reported(self, event: LineEvent) -> None:
        """What the phone reported goes into the call on screen (none: its call has ended)."""
        if isinstance(event, LineLost):
            self.phone_lost()
        screen = self.call_screen()
        if screen is not None:
            screen.line_reported(event)
        elif isinstance(event, LineLost):
            self.phone_trouble(event.reason)

    def send_outbox(self) -> None:
        if self.workspace is not None and self.workspace.calls.offline:
            self._send_outbox()

    @work(thread=True, exclusive=True, group="outbox")
    def _send_outbox(self) -> None:
        try:
            sent = self.workspace.calls.flush_outbox()
        except StoreError:
            return  # still out of reach: the screen keeps saying so, and this runs again
        if sent:
            self.call_from_thread(self.back_online, sent)

    def back_online(self, sent: int) -> None:
        self.notify(label("outbox_sent", self.locale, count=sent), timeout=6)
        for screen in self.screen_stack:
            if hasattr(screen, "show_offline"):
                screen.show_offline()

    def call_screen(self):
        """The call on screen, if one is open (under other screens, say its end form).
        Found by marker, not class: importing the call screen here, on the UI thread,
        could race a worker importing the same heavy modules."""
        return next((screen for screen in self.screen_stack if getattr(screen, "is_call_screen", False)), None)

    def in_call(self) -> bool:
        return self.call_screen() is not None

    def say_in_call(self) -> None:
        """Asked for another call, practice or screen while a call is open: how to finish it first."""
        call = screen.call if (screen := self.call_screen()) is not None else None
        leave = "in_call_leave" if call is not None and not call.dialled else "in_call_end"
        self.notify(label(leave, self.locale), severity="warning", timeout=6)

    def begin_call(self, account_id: int) -> None:
        """A call on the account; the account's own unfinished call, resumed, when it has one."""
        if self.in_call():
            self.say_in_call()
            return
        unfinished = self.unfinished.get(account_id)
        if unfinished is not None:
            self.resume_unfinished(unfinished)
        else:
            self._open_call(account_id, None)

    def resume_unfinished(self, unfinished) -> None:
        self.unfinished.pop(unfinished.account_id, None)  # once resumed it is this call, not one to offer
        self._open_call(None, unfinished.call_id, resuming=unfinished.debtor)

    def begin_next_call(self, listed: list[int], listed_at) -> None:
        """A call on the first account of the list on screen (read at `listed_at`) that is
        still to be called: no one else has called it since or is calling it now."""
        if self.in_call():
            self.say_in_call()
            return
        self._open_call(None, None, listed=listed, listed_at=listed_at)

    def offer_resume(self, unfinished) -> None:
        from callassist.tui.screens.resume import ResumeScreen

        self.push_screen(ResumeScreen(unfinished, self.step_label(unfinished.state), self.locale), lambda yes: yes and self.resume_unfinished(unfinished))

    def step_label(self, state: str) -> str:
        """A step of the script in use, in the collector's language (its id when the script has no such step)."""
        flow = self.workspace.content.flow if self.workspace else None
        return flow.flow.states[state].label.get(self.locale) if flow and state in flow.flow.states else state

    def choose_practice(self) -> None:
        """Pick a persona and rehearse a call against it."""
        from callassist.tui.screens.practice import PracticeScreen

        workspace = self.workspace
        if workspace is None or self.in_call():
            self.say_in_call() if self.in_call() else self.bell()
            return
        names = workspace.content.excuse_names(self.locale)
        problems = [str(p) for p in workspace.content.problems + workspace.content.persona_problems]
        self.push_screen(PracticeScreen(self.locale, workspace.content.personas, names, problems), lambda persona: persona and self._open_call(None, None, persona))

    @work(thread=True, exclusive=True, group="open-call")
    def _open_call(self, account_id: int | None, call_id: str | None, persona_id: str | None = None, listed: list[int] | None = None, listed_at=None, resuming: str | None = None) -> None:
        from callassist.core.problems import ContentError

        try:
            workspace = self.ensure_workspace()
            if persona_id:
                active = workspace.calls.begin_practice(persona_id)
            elif call_id:
                active = workspace.calls.resume_call(call_id)
            elif account_id is None:
                active = workspace.calls.begin_next_call(listed, listed_at)
                if active is None:
                    self.post_message(self.CallRefused([], "no_free_account" if listed else "nothing_to_call"))
                    return
            else:
                active = workspace.calls.begin_call(account_id)
        except ContentError as exc:
            self.post_message(self.CallRefused([str(p) for p in exc.problems]))
            return
        except CallOpen as exc:  # meanwhile opened by another program
            self.post_message(self.CallRefused([call_open_text(exc, resuming or "?", self.locale)], "account_taken"))
            return
        except AccountBusy as exc:
            since = exc.since.astimezone().strftime("%H:%M") if exc.since else ""
            self.post_message(self.CallRefused([label("account_busy", self.locale, holder=exc.holder, since=since) if exc.holder else label("account_claiming", self.locale)], "account_taken"))
            return
        except StoreError as exc:
            self.post_message(self.CallRefused([str(exc)], "call_not_started"))
            return
        self.post_message(self.CallReady(active))

    @on(CallReady)
    def show_call(self, message: CallReady) -> None:
        from callassist.tui.screens.call import CallScreen

        if not self.in_call():
            self.push_screen(CallScreen(message.active))

    @on(CallRefused)
    def refuse_call(self, message: CallRefused) -> None:
        taken = message.heading in ("account_taken", "no_free_account", "nothing_to_call")
        self.notify("\n".join([label(message.heading, self.locale)] + message.problems[:6]), severity="warning" if taken else "error", timeout=8 if taken else 15, markup=False)
        if taken:  # the list still shows what someone else is calling now
            for screen in self.screen_stack:
                if isinstance(screen, WorklistScreen):
                    screen.load()

    def get_system_commands(self, screen):
        # Textual's own, in the collector's language (its keys panel is `?` here).
        yield SystemCommand(label("palette_theme", self.locale), label("palette_theme_help", self.locale), self.action_change_theme)
        yield SystemCommand(label("palette_quit", self.locale), label("palette_quit_help", self.locale), self.action_quit)
        yield SystemCommand(label("palette_screenshot", self.locale), label("palette_screenshot_help", self.locale), lambda: self.set_timer(0.1, self.deliver_screenshot))
        yield SystemCommand(label("reload_content", self.locale), label("reload_content_help", self.locale), self.action_reload_content)
        yield SystemCommand(label("practice_title", self.locale), label("practice_help", self.locale), self.choose_practice)
        yield SystemCommand(label("browse_calls", self.locale), label("browse_calls_help", self.locale), self.browse_calls)
        yield SystemCommand(label("dashboard_title", self.locale), label("dashboard_help", self.locale), self.show_dashboard)

    def _on_notify(self, event: Notify) -> None:
        """A notice said again replaces itself, and only the newest few stay: stacked, they
        would run down over the choices and the keys."""
        for shown in list(self._notifications):
            if shown.message == event.notification.message:
                self._unnotify(shown, refresh=False)
        super()._on_notify(event)
        for shown in list(self._notifications)[:-MAX_NOTICES]:
            self._unnotify(shown)

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(Palette(self.locale, label("palette_search", self.locale), id="--command-palette"))

    def search_themes(self) -> None:
        """Textual's theme search, in the collector's language."""
        self.push_screen(Palette(self.locale, label("palette_theme_search", self.locale), providers=[ThemeProvider]))

    def show_dashboard(self) -> None:
        from callassist.tui.screens.dashboard import DashboardScreen

        if self.in_call():
            self.say_in_call()
            return
        # A supervisor leaving the dashboard leaves a signed checkpoint of the log behind.
        self.push_screen(DashboardScreen(), lambda _closed: self.checkpoint_log() if self.workspace and self.workspace.viewer.reads_team else None)

    @work(thread=True, exclusive=True, group="checkpoint")
    def checkpoint_log(self) -> None:
        from callassist.core.checkpoints import CheckpointError
        from callassist.core.errors import LogRefused

        path = str(self.workspace.audit.checkpoint_file)
        try:
            made = self.workspace.audit.checkpoint(daily=False)
        except LogRefused:
            self.call_from_thread(self.notify, label("checkpoint_refused", self.locale, path=path), severity="error", timeout=20, markup=False)
            return
        except (CheckpointError, StoreError, ValueError) as exc:  # ValueError: a database changed by hand
            self.call_from_thread(self.notify, label("checkpoint_failed", self.locale, error=str(exc)), severity="error", timeout=12, markup=False)
            return
        if made is not None:
            self.call_from_thread(self.notify, label("checkpoint_signed", self.locale, number=made.number, size=made.size, path=path), timeout=8, markup=False)

    def browse_calls(self) -> None:
        from callassist.tui.screens.calls import CallsScreen

        if self.in_call():
            self.say_in_call()
            return
        self.push_screen(CallsScreen())

    def action_reload_content(self) -> None:
        self._reload_content()

    @work(thread=True, exclusive=True, group="content")
    def _reload_content(self) -> None:
        try:
            problems = self.ensure_workspace().content.reload()
        except StoreError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.post_message(self.ContentChecked([str(p) for p in problems]))

    @on(ContentChecked)
    def content_checked(self, message: ContentChecked) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, WorklistScreen):
                screen.show_notices()
        if message.problems:
            return  # listed on the worklist; a notice would hide the list behind it
        flow = self.workspace.content.flow
        self.notify(label("content_reloaded", self.locale, script=flow.name, version=flow.content_hash[:8]), timeout=6, markup=False)

    def show_keys(self, choices=None, extra=()) -> None:
        """Every key that works on the screen below: the worklist's, or a call's `choices`
        and `extra` (key, what it does) rows."""
        from callassist.tui.screens.keys import KeysScreen

        self.push_screen(KeysScreen(self.locale, choices, extra))
