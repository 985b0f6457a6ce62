"""The calls browser: every stored call, filtered and sorted by the database, read a
screen at a time (store/browse.py); Enter replays the one chosen."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Checkbox, Input, Select, Static

from callassist.core.call import DAMAGED
from callassist.core.calls import ANY_FLAG, SORTS, CallFilter, CallSummary
from callassist.core.errors import StoreError
from callassist.core.flow import ENDINGS
from callassist.core.i18n import fmt_short_date, label, value_label
from callassist.core.objections import EXCUSE_IDS
from callassist.core.promises import parse_date
from callassist.core.scorecard import ITEMS
from callassist.tui.bindings import bind_localized
from callassist.tui.live import LIVE_SECONDS, read_again
from callassist.tui.screens.worklist import WIDE
from callassist.tui.widgets.key_bar import KeyBar
from callassist.tui.widgets.line_table import Column, LineTable

PAGE = 100  # rows read at a time: a few screens
TYPING_PAUSE = 0.3  # seconds after the last key in a filter before the calls are read


class CallsScreen(Screen):
    CSS_PATH = "calls.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    AUTO_FOCUS = "LineTable"
    BINDINGS = [Binding("q", "close", show=False)]

    @dataclass
    class Counted(Message):
        """The calls that pass a filter were counted, and the page at the cursor read."""

        generation: int
        total: int
        everything: int | None
        start: int
        rows: list[CallSummary]
        follow: bool

    @dataclass
    class PageRead(Message):
        generation: int
        start: int
        rows: list[CallSummary]

    @dataclass
    class Collectors(Message):
        names: list[str]

    def __init__(self) -> None:
        super().__init__()
        self.wanted = CallFilter()
        self.generation = 0  # a new filter's number: pages read for an older one are dropped
        self.total = 0
        self.everything = 0  # every call the login may read
        self.pages_asked: set[int] = set()
        self.rows: dict[str, CallSummary] = {}  # the rows read, by call id
        self.offered: dict[str, list] = {}  # the choices each filter was given
        self.read_stamp: tuple | None = None  # the calls' stamp when they were last counted (its worker's alone)
        self.typing = None  # the timer that reads the calls once the typing pauses

    @property
    def locale(self) -> str:
        return self.app.locale

    def compose(self) -> ComposeResult:
        t = lambda key, **values: label(key, self.locale, **values)  # noqa: E731
        yield Static(Text(t("calls_title"), style="bold"), id="calls-header")
        # One grid: six columns a row, four below 120 columns (calls.tcss), none cut.
        with Grid(id="filters"):
            yield Input(placeholder=t("calls_search"), id="search", compact=True)
            yield Select([], prompt=t("calls_any_collector"), id="collector", compact=True)
            yield Select([(t(f"disp_{d}"), d) for d in ENDINGS], prompt=t("calls_any_outcome"), id="disposition", compact=True)
            yield Checkbox(t("calls_practice"), id="practice", compact=True)
            yield Select([(e, e) for e in EXCUSE_IDS], prompt=t("calls_any_excuse"), id="excuse", compact=True)
            yield Select([(t("calls_promised"), True), (t("calls_not_promised"), False)], prompt=t("calls_any_promise"), id="promised", compact=True)
            yield Input(placeholder=t("calls_from"), id="from", compact=True)
            yield Input(placeholder=t("calls_to"), id="to", compact=True)
            yield Select([(t("calls_any_flag"), ANY_FLAG)] + [(t(f"flag_{item}"), item) for item in (*ITEMS, DAMAGED)], prompt=t("calls_flags"), id="flag", compact=True)
            yield Select([(t(f"calls_sort_{s}"), s) for s in SORTS], value="newest", allow_blank=False, id="sort", compact=True)
        yield Static(id="calls-problem")
        yield LineTable(id="calls")
        yield Static(id="calls-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        bind_localized(self, self.locale, [("enter", "replay", "replay_title", None), ("escape", "close", "back", "esc")])
        self.query_one("#calls-problem", Static).display = False
        self.count_calls(self.wanted, self.generation, 0, None)
        self.set_timer(LIVE_SECONDS, self.watch_calls)

    # ---- reading ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="count")
    def count_calls(self, wanted: CallFilter, generation: int, around: int, follow: str | None) -> None:
        """Count the calls that pass `wanted` and read the page at row `around`, or where
        the call `follow` now is; the filter's choices too when the calls changed."""
        try:
            workspace = self.app.ensure_workspace()
            stamp = workspace.reports.calls_stamp()
            changed = stamp != self.read_stamp
            if changed:
                self.post_message(self.Collectors(workspace.reports.call_collectors()))
            everything = workspace.reports.calls_count(CallFilter(practice=True)) if changed else None
            total = workspace.reports.calls_count(wanted)
            if follow is not None:
                moved = workspace.reports.calls_position(wanted, follow)
                around = around if moved is None else moved
            start = min(around, max(0, total - 1)) // PAGE * PAGE
            rows = workspace.reports.calls_page(wanted, start, PAGE, total)
            self.read_stamp = stamp
        except StoreError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        self.post_message(self.Counted(generation, total, everything, start, rows, follow is not None))

    def watch_calls(self) -> None:
        """The team's calls as they happen: counted and read again when one was stored,
        ended or purged, after a pause (longer after a longer read)."""
        self.follow_calls()

    @work(thread=True, exclusive=True, group="watch")
    def follow_calls(self) -> None:
        began = time.perf_counter()
        try:
            stamp = self.app.ensure_workspace().reports.calls_stamp()
        except StoreError:
            stamp = self.read_stamp  # said by the next read that fails
        if stamp != self.read_stamp:
            self.app.call_from_thread(self.read_calls, again=True)
        read_again(self, time.perf_counter() - began, self.watch_calls)

    def read_calls(self, again: bool = False) -> None:
        """Count and read the calls under the filters on screen, when they changed; `again`:
        the calls changed, and the cursor stays on its call."""
        wanted = self._wanted()
        if wanted is None or (wanted == self.wanted and not again):
            return
        self.wanted = wanted
        self.generation += 1
        table = self.query_one(LineTable)
        self.count_calls(wanted, self.generation, table.cursor if again else 0, table.cursor_key if again else None)

    @on(Counted)
    def counted(self, message: Counted) -> None:
        if message.generation != self.generation:
            return
        self.total = message.total
        if message.everything is not None:
            self.everything = message.everything
        self.pages_asked = {message.start // PAGE}
        self.rows = {}
        table = self.query_one(LineTable)
        table.set_paged(self._columns(), message.total, self.want_row, follow_key=message.follow)
        self._add(message.start, message.rows)
        header = Text(label("calls_title", self.locale), style="bold")
        header.append("  " + label("calls_count", self.locale, shown=message.total, total=self.everything), style="dim")
        self.query_one("#calls-header", Static).update(header)
        if not message.total:
            self.query_one("#calls-detail", Static).update("")

    def want_row(self, row: int) -> None:
        """A row to be drawn is not read yet: read its page (once)."""
        page = row // PAGE
        if page not in self.pages_asked:
            self.pages_asked.add(page)
            self.read_page(self.wanted, self.generation, page * PAGE, self.total)

    @work(thread=True, group="pages")
    def read_page(self, wanted: CallFilter, generation: int, start: int, total: int) -> None:
        try:
            rows = self.app.ensure_workspace().reports.calls_page(wanted, start, PAGE, total)
        except StoreError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        self.post_message(self.PageRead(generation, start, rows))

    @on(PageRead)
    def page_read(self, message: PageRead) -> None:
        if message.generation == self.generation:
            self._add(message.start, message.rows)

    def _add(self, start: int, rows: list[CallSummary]) -> None:
        self.rows.update((call.call_id, call) for call in rows)
        self.query_one(LineTable).add_rows(start, [(call.call_id, self._cells(call)) for call in rows])

    @on(Collectors)
    def collectors_read(self, message: Collectors) -> None:
        names = self.excuse_names()
        if names:  # the six excuses (a call stores the excuse raised, not the case)
            self.offer("excuse", [(name, excuse) for excuse, name in names.items() if excuse in EXCUSE_IDS])
        self.offer("collector", [(name, name) for name in message.names])

    def offer(self, widget_id: str, options: list[tuple[str, str]]) -> None:
        """A filter's choices, set again only when they changed (a new collector's first
        call), keeping what the supervisor chose."""
        if self.offered.get(widget_id) == options:
            return
        self.offered[widget_id] = options
        select = self.query_one(f"#{widget_id}", Select)
        chosen = select.value
        with self.prevent(Select.Changed):
            select.set_options(options)
            if any(value == chosen for _, value in options):
                select.value = chosen

    # ---- filtering --------------------------------------------------------------------

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def chosen(self) -> None:
        self.read_calls()

    @on(Input.Changed)
    def typed(self) -> None:
        if self.typing is not None:
            self.typing.stop()
        self.typing = self.set_timer(TYPING_PAUSE, self.typed_out)

    def typed_out(self) -> None:
        self.typing = None
        self.read_calls()

    @property
    def pending(self) -> bool:
        """Whether a filter was typed in and the calls are not yet read for it."""
        return self.typing is not None

    def _wanted(self) -> CallFilter | None:
        def chosen(widget_id: str):
            value = self.query_one(f"#{widget_id}", Select).value
            return None if value is Select.NULL else value

        dates = {}
        for widget_id in ("from", "to"):
            raw = self.query_one(f"#{widget_id}", Input).value.strip()
            if raw:
                dates[widget_id] = parse_date(raw)
                if dates[widget_id] is None:
                    self.say(label("calls_bad_date", self.locale, value=raw))
                    return None
        self.say("")
        return CallFilter(
            collector=chosen("collector"),
            date_from=dates.get("from"),
            date_to=dates.get("to"),
            disposition=chosen("disposition"),
            excuse=chosen("excuse"),
            promised=chosen("promised"),
            flag=chosen("flag"),
            text=self.query_one("#search", Input).value,
            practice=self.query_one("#practice", Checkbox).value,
            sort=chosen("sort") or "newest",
        )

    def say(self, problem: str) -> None:
        panel = self.query_one("#calls-problem", Static)
        panel.update(Text(problem, style="bold red"))
        panel.display = bool(problem)

    def _columns(self) -> list[Column]:
        locale = self.locale
        width = self.app.size.width
        wide = width >= WIDE
        fixed = [
            Column(label("calls_col_started", locale), 16),
            Column(label("calls_col_collector", locale), 12 if wide else 8),
            None,
            Column(label("calls_col_outcome", locale), 18 if wide else 11),
            Column(label("calls_col_excuses", locale), 22 if wide else 8),
            Column("✓", 1),
            Column(label("calls_col_length", locale), 6, right=True),
        ]
        gaps, scrollbar = 2 * len(fixed), 2
        debtor = Column(label("col_debtor", locale), max(12, width - sum(c.width for c in fixed if c) - gaps - scrollbar))
        return [column or debtor for column in fixed]

    def _cells(self, call: CallSummary) -> list[str]:
        locale = self.locale
        names = self.excuse_names()
        started = call.started_at.astimezone()
        outcome = value_label("disp", call.disposition, locale) if call.disposition else label("calls_unfinished", locale)
        minutes, seconds = divmod(call.seconds, 60)
        debtor = (label("practice_badge", locale) + " " if call.practice else "") + call.debtor
        if call.flags:
            outcome = "⚑ " + outcome
        return [f"{fmt_short_date(started.date(), locale)} {started:%H:%M}", call.collector, debtor, outcome, ", ".join(names.get(e, e) for e in call.excuses), "✓" if call.promised else "", f"{minutes}:{seconds:02d}"]

    def excuse_names(self) -> dict[str, str]:
        return self.app.workspace.content.excuse_names(self.locale) if self.app.workspace else {}

    @on(LineTable.Highlighted)
    def show_detail(self, event: LineTable.Highlighted) -> None:
        call = self.rows.get(event.key)
        if call is not None:
            notes = " · ".join(call.notes) or label("calls_no_notes", self.locale)
            self.query_one("#calls-detail", Static).update(Text(f"{call.call_id} · {notes}", no_wrap=True, overflow="ellipsis"))  # the id `replay` takes

    # ---- acting -----------------------------------------------------------------------

    @on(LineTable.Selected)
    def selected(self, event: LineTable.Selected) -> None:
        self.replay(event.key)

    def action_replay(self) -> None:
        key = self.query_one(LineTable).cursor_key
        if key:
            self.replay(key)

    def replay(self, call_id: str) -> None:
        from callassist.tui.screens.replay import ReplayScreen

        self.app.push_screen(ReplayScreen(call_id))

    def action_close(self) -> None:
        self.dismiss()
