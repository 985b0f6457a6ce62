"""The calls browser: every stored call, filtered and sorted; Enter replays the one chosen."""

from __future__ import annotations

import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Checkbox, Input, Select, Static

from callassist.core.call import DAMAGED
from callassist.core.calls import ANY_FLAG, SORTS, CallFilter, browse
from callassist.core.flow import ENDINGS
from callassist.core.i18n import fmt_short_date, label, value_label
from callassist.core.objections import EXCUSE_IDS
from callassist.core.promises import parse_date
from callassist.core.scorecard import ITEMS
from callassist.store.errors import StoreError
from callassist.tui.bindings import bind_localized
from callassist.tui.live import read_again
from callassist.tui.screens.worklist import WIDE
from callassist.tui.widgets.key_bar import KeyBar
from callassist.tui.widgets.line_table import Column, LineTable


class CallsScreen(Screen):
    CSS_PATH = "calls.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    AUTO_FOCUS = "LineTable"
    BINDINGS = [Binding("q", "close", show=False)]

    class Loaded(Message):
        def __init__(self, calls: list) -> None:
            self.calls = calls
            super().__init__()

    def __init__(self) -> None:
        super().__init__()
        self.calls: list = []
        self.shown: list = []
        self.offered: dict[str, list] = {}  # the choices each filter was given
        self.read_stamp: tuple | None = None  # the calls' stamp when they were last read (its worker's alone)

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
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        """The calls, and (the team's calls as they happen) again after a pause."""
        began = time.perf_counter()
        calls = None
        try:
            workspace = self.app.ensure_workspace()
            stamp = workspace.calls_stamp()
            if stamp != self.read_stamp:  # else nothing to read again, nothing to draw
                calls = workspace.call_summaries()
                self.read_stamp = stamp
        except StoreError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
        read_again(self, time.perf_counter() - began, self.load)
        if calls is not None:
            self.post_message(self.Loaded(calls))

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        self.calls = message.calls
        names = self.excuse_names()
        if names:
            self.offer("excuse", [(name, excuse) for excuse, name in names.items()])
        self.offer("collector", [(name, name) for name in sorted({call.collector for call in self.calls})])
        self.refilter()

    def offer(self, widget_id: str, options: list[tuple[str, str]]) -> None:
        """A filter's choices, set again only when they changed (a new collector's first
        call), keeping what the supervisor chose."""
        if self.offered.get(widget_id) == options:
            return
        self.offered[widget_id] = options
        select = self.query_one(f"#{widget_id}", Select)
        chosen = select.value
        select.set_options(options)
        if any(value == chosen for _, value in options):
            select.value = chosen

    # ---- filtering --------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def changed(self) -> None:
        self.refilter()

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
            collector=chosen("collector"), date_from=dates.get("from"), date_to=dates.get("to"), disposition=chosen("disposition"),
            excuse=chosen("excuse"), promised=chosen("promised"), flag=chosen("flag"), text=self.query_one("#search", Input).value,
            practice=self.query_one("#practice", Checkbox).value, sort=chosen("sort") or "newest",
        )

    def say(self, problem: str) -> None:
        panel = self.query_one("#calls-problem", Static)
        panel.update(Text(problem, style="bold red"))
        panel.display = bool(problem)

    def refilter(self) -> None:
        wanted = self._wanted()
        if wanted is None:
            return
        self.shown = browse(self.calls, wanted)
        locale = self.locale
        width = self.app.size.width
        wide = width >= WIDE
        fixed = [Column(label("calls_col_started", locale), 16), Column(label("calls_col_collector", locale), 12 if wide else 8), None, Column(label("calls_col_outcome", locale), 18 if wide else 11), Column(label("calls_col_excuses", locale), 22 if wide else 8), Column("✓", 1), Column(label("calls_col_length", locale), 6, right=True)]
        gaps, scrollbar = 2 * len(fixed), 2
        debtor = Column(label("col_debtor", locale), max(12, width - sum(c.width for c in fixed if c) - gaps - scrollbar))
        columns = [column or debtor for column in fixed]
        names = self.excuse_names()
        shown = self.shown

        def cells_of(index: int) -> list[str]:
            call = shown[index]
            started = call.started_at.astimezone()
            outcome = value_label("disp", call.disposition, locale) if call.disposition else label("calls_unfinished", locale)
            minutes, seconds = divmod(call.seconds, 60)
            debtor = (label("practice_badge", locale) + " " if call.practice else "") + call.debtor
            if call.flags:
                outcome = "⚑ " + outcome
            return [f"{fmt_short_date(started.date(), locale)} {started:%H:%M}", call.collector, debtor, outcome, ", ".join(names.get(e, e) for e in call.excuses), "✓" if call.promised else "", f"{minutes}:{seconds:02d}"]

        self.query_one(LineTable).set_rows(columns, [call.call_id for call in shown], cells_of, follow_key=True)
        header = Text(label("calls_title", locale), style="bold")
        header.append("  " + label("calls_count", locale, shown=len(shown), total=len(self.calls)), style="dim")
        self.query_one("#calls-header", Static).update(header)
        if not shown:
            self.query_one("#calls-detail", Static).update("")

    def excuse_names(self) -> dict[str, str]:
        return self.app.workspace.excuse_names(self.locale) if self.app.workspace else {}

    @on(LineTable.Highlighted)
    def show_detail(self, event: LineTable.Highlighted) -> None:
        call = next((c for c in self.shown if c.call_id == event.key), None)
        if call is not None:
            notes = " · ".join(call.notes) or label("calls_no_notes", self.locale)
            self.query_one("#calls-detail", Static).update(Text(f"{call.call_id[:8]} · {notes}", no_wrap=True, overflow="ellipsis"))

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
