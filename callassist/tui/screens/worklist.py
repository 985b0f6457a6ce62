"""The worklist: the best calls to make now, each with its reasons; Enter starts a call."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from callassist.core.compliance import SUPERVISOR
from callassist.core.errors import CallOpen, StoreError
from callassist.core.i18n import fmt_datetime, fmt_short_date, label, value_label
from callassist.core.money import Money, format_money
from callassist.core.priority import ACCOUNT_FACTS
from callassist.core.reasons import describe_reason
from callassist.tui.bindings import bind_localized
from callassist.tui.widgets.key_bar import KeyBar
from callassist.tui.widgets.line_table import Column, LineTable

if TYPE_CHECKING:  # the workspace loads the database library
    from callassist.core.calls import UnfinishedCall
    from callassist.core.priority import Worklist

# Seconds the background opening of the workspace waits for the first frame.
FIRST_PAINT_WAIT = 2.0
# How soon a worklist that could not be read is read again.
RELOAD_SECONDS = 5.0
# From this width on, the worklist also shows the class, the last call and the next promise.
WIDE = 110
# Shown in their own columns, so not repeated under "why now".
COLUMN_REASONS = frozenset({"balance", "class", "days_past_due"})
SAID_FIRST = frozenset({"rules_closed"})  # a reason against the call that the row must show


def call_open_text(elsewhere: CallOpen, debtor: str, locale: str) -> str:
    """Where another program has a call open, for the collector who wanted it."""
    if elsewhere.same_desk:
        return label("call_open_here", locale, debtor=debtor)
    return label("call_open_elsewhere", locale, debtor=debtor, holder=elsewhere.holder, until=elsewhere.until.astimezone().strftime("%H:%M"))


class WorklistScreen(Screen):
    CSS_PATH = "worklist.tcss"
    AUTO_FOCUS = "LineTable"

    @dataclass
    class Loaded(Message):
        worklist: Worklist
        read: int = 0  # which read it was (WorklistScreen.next_read): an older one arriving late is not shown

    @dataclass
    class Ready(Message):
        """The workspace is open and the content checked: problems to show, calls to resume."""

        unfinished: list[UnfinishedCall]
        open_elsewhere: list[CallOpen | None]  # for each: the CallOpen another program keeps it by, or None

    def __init__(self) -> None:
        super().__init__()
        self.rows: list = []
        self.listed_at = None  # when the list on screen was read
        self.offered_resume = False
        self.held: tuple = ()  # accounts holds keep off the list
        self.reads, self.shown_read, self.reads_lock = 0, 0, threading.Lock()
        self.filled_width = 0
        self.painted = threading.Event()

    @property
    def locale(self) -> str:
        return self.app.locale

    def compose(self) -> ComposeResult:
        yield Static(id="worklist-header")
        yield Static(id="content-problems")
        yield LineTable(id="worklist")
        yield Static(id="worklist-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        locale = self.locale
        bind_localized(
            self,
            locale,
            [
                ("enter", "start_call", "start_call", None),
                ("n", "next_call", "next_call", None),
                ("p", "practice", "practice", None),
                ("m", "payment", "payment_key", None),
                ("v", "calls", "calls_key", None),
                ("f", "figures", "dashboard_key", None),
                ("question_mark", "keys", "help", "?"),
                ("q", "app.quit", "quit", None),
            ],
        )
        # Listed under ?, not in the key bar, which has no room for them at 80 columns.
        self._bindings.bind("r", "reload", label("reload", locale), show=False)
        self._bindings.bind("F", "facts", label("facts_key", locale), show=False)
        self.query_one("#worklist-header", Static).update(Text(label("worklist", locale), style="bold"))
        first = self.app.quick_read(self.app.now()) if self.app.workspace is None and self.app.quick_read else None
        if first is not None:
            # The one read on the UI thread: about 9 ms on the demo (the best rows of one
            # index, no ORM), so the first frame has the rows; a worker's hand-off cost more.
            self.show_rows(self.Loaded(first))
        self.load(waits_for_paint=first is not None)

    def on_screen_resume(self) -> None:
        if self.app.workspace is not None:
            self.load()

    def action_reload(self) -> None:
        """The worklist again, and the scripts and objections as trainers left them."""
        self.load()
        self.app.action_reload_content()

    @work(thread=True, exclusive=True, group="worklist")
    def load(self, waits_for_paint: bool = False) -> None:
        """Open everything else behind the first paint (`waits_for_paint`: the quick read's
        rows are on their way to the screen), then read the worklist again."""
        if waits_for_paint:
            # Heavy imports in this thread would hold the GIL the first paint needs.
            self.painted.wait(timeout=FIRST_PAINT_WAIT)
        opened = self.app.workspace is not None
        try:
            workspace = self.app.ensure_workspace()
            followed = workspace.ledger.follow_up_promises() if not self.app.promises_followed else None
            self.app.promises_followed = True
            # Promises judged or standings settled can reorder what the quick read showed.
            read = self.next_read()
            self.post_message(self.Loaded(workspace.ledger.worklist(), read))
            if followed and any(followed.values()):
                self.app.call_from_thread(self.app.notify, label("promises_followed", self.locale, **followed), timeout=8)
            workspace.content.ensure()
            unfinished = workspace.calls.unfinished()
            self.post_message(self.Ready(unfinished, [workspace.calls.open_elsewhere(call.call_id) for call in unfinished]))
        except StoreError as exc:
            if not opened:  # the database could not be opened at all
                self.app.call_from_thread(self.app.exit, return_code=1, message=f"callassist: {exc}")
                return
            # Lost since (a team's database, a dropped connection): the list shown stays.
            self.app.call_from_thread(self.app.notify, label("worklist_unreachable", self.locale, error=str(exc)), severity="warning", timeout=RELOAD_SECONDS, markup=False)
            self.app.call_from_thread(self.set_timer, RELOAD_SECONDS, self.load)

    def next_read(self) -> int:
        """A number for a read of the worklist about to start: two readers (the reload when
        the screen comes back, the one after a payment) may finish in either order."""
        with self.reads_lock:
            self.reads += 1
            return self.reads

    @on(Loaded)
    def show_rows(self, message: Loaded) -> None:
        if message.read and message.read < self.shown_read:
            return  # read before the list on screen: it would bring back what has changed since
        self.shown_read = max(self.shown_read, message.read)
        locale = self.locale
        self.rows = message.worklist.rows
        self.listed_at = message.worklist.at
        # Accounts on hold are off the list but found by the palette: their card, a release.
        self.held = message.worklist.held
        self.list_accounts()
        header = Text(label("worklist", locale), style="bold")
        header.append("  " + label("worklist_sub", locale, collector=self.app.collector, shown=len(self.rows), count=message.worklist.total), style="dim")
        self.query_one("#worklist-header", Static).update(header)
        self.fill_table()
        self.show_notices()
        self.call_after_refresh(self.painted.set)

    def list_accounts(self) -> None:
        """What the palette finds: the list, the accounts holds keep off it (for their card
        and a release) and those of calls left unfinished (Enter resumes them)."""
        held, unfinished = label("card_holds", self.locale), label("unfinished_mark", self.locale)
        self.app.accounts = (
            [(c.account_id, f"{c.debtor} ({unfinished})", c.contact, c.phone) for c in self.listed_unfinished()]
            + [(r.account_id, r.debtor, r.contact, r.phone) for r in self.rows]
            + [(key, f"{debtor} ({held})", contact, phone) for key, debtor, contact, phone in self.held]
        )

    def listed_unfinished(self) -> list:
        """Calls left unfinished whose accounts the list does not show (held by the call
        until its hold lapses): listed first, so that "Later" never hides an account."""
        shown = {row.account_id for row in self.rows}
        return [call for call in self.app.unfinished.values() if call.account_id not in shown]

    @on(Ready)
    def workspace_ready(self, message: Ready) -> None:
        if self.app.dials and not self.offered_resume:
            # Reached once the workspace is open, before any call: a phone that is not there
            # is said at once, and one another window here may be using is left as it is
            # (the calls it holds may be that window's: CallAssistApp.phone_not_shared).
            self.app.connect_phone()
        free = [call for call, elsewhere in zip(message.unfinished, message.open_elsewhere) if elsewhere is None]
        self.app.unfinished = {call.account_id: call for call in free}
        self.list_accounts()
        if self.rows or free:
            self.fill_table()
        self.show_notices()
        if self.offered_resume:
            return
        self.offered_resume = True
        for call, elsewhere in zip(message.unfinished, message.open_elsewhere):
            if elsewhere is not None:  # not offered: another program has it on screen
                self.app.notify(call_open_text(elsewhere, call.debtor, self.locale), severity="warning", timeout=12, markup=False)
        if free:
            self.app.offer_resume(free[0])
        self.app.warm_up()

    def show_notices(self) -> None:
        """Above the list: the script's problems (refused, or refused while the last good
        version stays in use), and a word when no account is assigned."""
        text = Text()
        workspace = self.app.workspace
        if workspace is not None and workspace.content.problems:
            if workspace.content.flow is not None:
                heading = label("script_kept", self.locale, version=workspace.content.flow.content_hash[:8])
            else:
                heading = label("script_refused", self.locale)
            text.append(heading + "\n", style="bold red")
            for problem in workspace.content.problems[:8]:
                text.append(str(problem) + "\n")
        if not self.rows:
            trainer = workspace is not None and not workspace.viewer.sees_personal_data
            text.append(label("trainer_no_accounts" if trainer else "no_accounts", self.locale, collector=self.app.collector))
        text.rstrip()
        panel = self.query_one("#content-problems", Static)
        panel.update(text)
        panel.display = bool(text.plain)

    def on_resize(self) -> None:
        if self.rows and self.app.size.width != self.filled_width:
            self.fill_table()

    def fill_table(self) -> None:
        """Rows as literal text; at 80 columns the essentials and the main reason fit,
        wider terminals get more."""
        locale = self.locale
        self.filled_width = self.app.size.width
        wide = self.filled_width >= WIDE
        widths = {"col_balance": 15, "col_dpd": 5}
        if wide:
            widths |= {"col_class": 14 if locale == "en" else 8, "col_last": 10, "col_promise": 10}
        scrollbar = 2
        room = self.filled_width - sum(widths.values()) - 2 * (len(widths) + 2) - scrollbar
        debtor_width = max(12, room // 2)
        columns = [Column(label("col_debtor", locale), debtor_width)]
        columns += [Column(label(key, locale), width, right=key in ("col_balance", "col_dpd")) for key, width in widths.items()]
        columns.append(Column(label("col_why", locale), max(12, room - debtor_width)))
        rows, unfinished = self.rows, self.listed_unfinished()

        def cells_of(index: int) -> list[str]:
            if index < len(unfinished):
                call = unfinished[index]
                return ["↻ " + call.debtor] + [""] * (len(columns) - 2) + [label("unfinished_row", locale, step=self.app.step_label(call.state))]
            row = rows[index - len(unfinished)]
            why = ("；" if locale == "zh" else "; ").join(describe_reason(reason, locale) for reason in row.reasons if reason.key not in COLUMN_REASONS and (reason.points > 0 or reason.key in SAID_FIRST))
            cells = [row.debtor, format_money(Money(row.balance, row.currency), locale), str(max(0, row.days_late))]
            if wide:
                last = fmt_short_date(row.last_contact_at.date(), locale) if row.last_contact_at else label("never", locale)
                cells += [label(f"class_{row.debt_class}", locale), last, fmt_short_date(row.promise_due, locale) if row.promise_due else ""]
            return cells + [why]

        self.query_one(LineTable).set_rows(columns, [str(call.account_id) for call in unfinished] + [str(row.account_id) for row in rows], cells_of)

    @on(LineTable.Highlighted)
    def show_detail(self, event: LineTable.Highlighted) -> None:
        """The highlighted account: who to ask for, and every reason for its place."""
        row = next((r for r in self.rows if str(r.account_id) == event.key), None)
        locale = self.locale
        if row is None:
            call = next((c for c in self.listed_unfinished() if str(c.account_id) == event.key), None)
            if call is not None:
                since = fmt_datetime(call.started_at.astimezone(), locale)
                said = Text(f"{call.contact} · {call.phone}\n")
                said.append(label("unfinished_detail", locale, step=self.app.step_label(call.state), since=since), style="yellow")
                self.query_one("#worklist-detail", Static).update(said, layout=False)
            return
        text = Text(f"{row.contact} · {row.phone}")
        if row.last_contact_at:
            text.append(f" · {label('col_last', locale)} ", style="dim")
            text.append(fmt_short_date(row.last_contact_at.date(), locale))
            if row.last_outcome:
                text.append(" " + value_label("disp", row.last_outcome, locale))
        if row.promise_due:
            text.append(f" · {label('col_promise', locale)} ", style="dim")
            text.append(fmt_short_date(row.promise_due, locale))
            if row.promise_amount is not None:
                text.append(" " + format_money(Money(row.promise_amount, row.currency), locale))
        text.append("\n")
        for number, reason in enumerate(row.reasons[:4]):
            text.append(" · " if number else "", style="dim")
            text.append(describe_reason(reason, locale), style="green" if reason.points > 0 else "yellow")
        self.query_one("#worklist-detail", Static).update(text, layout=False)

    def action_start_call(self) -> None:
        key = self.query_one(LineTable).cursor_key
        if key is not None:
            self.app.begin_call(int(key))

    def action_next_call(self) -> None:
        """A call on the best account now that no one else is calling (claimed for it)."""
        self.app.begin_next_call([row.account_id for row in self.rows], self.listed_at)

    @on(LineTable.Selected)
    def row_selected(self, event: LineTable.Selected) -> None:
        event.stop()
        self.app.begin_call(int(event.key))

    def action_payment(self) -> None:
        """Record money received on the highlighted account; the list follows."""
        from callassist.tui.screens.payment import PaymentScreen

        key = self.query_one(LineTable).cursor_key
        row = next((r for r in self.rows if str(r.account_id) == key), None)
        if row is None or self.app.workspace is None:
            if key is not None and int(key) in self.app.unfinished:
                self.app.notify(label("payment_unfinished", self.locale), severity="warning")
            else:
                self.app.bell()
            return

        def entered(result) -> None:
            if result is not None:
                self.store_payment(row.account_id, *result)

        self.app.push_screen(PaymentScreen(self.locale, row.debtor, Money(row.balance, row.currency), self.app.now().date()), entered)

    def action_facts(self) -> None:
        """A supervisor records what has been done on the highlighted account."""
        from callassist.tui.screens.facts import FactsScreen

        key = self.query_one(LineTable).cursor_key
        row = next((r for r in self.rows if str(r.account_id) == key), None)
        workspace = self.app.workspace
        if row is None or workspace is None:
            self.app.bell()
            return
        if workspace.viewer.role != SUPERVISOR:
            self.app.notify(label("facts_supervisor_only", self.locale, role=workspace.viewer.role), severity="warning", markup=False)
            return

        def chosen(facts: frozenset[str] | None) -> None:
            if facts is not None:
                self.store_facts(row.account_id, facts)

        self.app.push_screen(FactsScreen(self.locale, row.debtor, workspace.ledger.account_facts(row.account_id)), chosen)

    @work(thread=True, group="payment")
    def store_facts(self, account_id: int, facts: frozenset[str]) -> None:
        try:
            self.app.workspace.ledger.set_account_facts(account_id, facts)
        except StoreError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        said = ", ".join(label(f"fact_{fact}", self.locale) for fact in ACCOUNT_FACTS if fact in facts) or label("facts_none", self.locale)
        self.app.call_from_thread(self.app.notify, label("facts_saved", self.locale, facts=said), markup=False)

    @work(thread=True, group="payment")
    def store_payment(self, account_id: int, amount, paid_on, method: str, reference: str) -> None:
        from callassist.core.ledger_csv import LedgerFileError  # not on the first paint's path: the CSV reader is heavy

        try:
            counts = self.app.workspace.ledger.record_payment(account_id, amount, paid_on, method, reference)
        except (StoreError, LedgerFileError) as exc:  # refused by the ledger (it changed meanwhile): said, nothing stored
            message = "; ".join(problem.message for problem in exc.problems) if isinstance(exc, LedgerFileError) else str(exc)
            self.app.call_from_thread(self.app.notify, message, severity="error", markup=False)
            return
        self.app.call_from_thread(self.app.notify, label("payment_stored", self.locale, **counts), markup=False)
        read = self.next_read()
        self.post_message(self.Loaded(self.app.workspace.ledger.worklist(), read))

    def action_figures(self) -> None:
        self.app.show_dashboard()

    def action_calls(self) -> None:
        self.app.browse_calls()

    def action_practice(self) -> None:
        self.app.choose_practice()

    def action_keys(self) -> None:
        self.app.show_keys()
