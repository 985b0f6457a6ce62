"""Team figures at a glance: the rates, calls and promises per day, excuses, rebuttal rungs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from callassist.core.errors import StoreError
from callassist.core.figures import in_flow_order
from callassist.core.i18n import label
from callassist.tui.bindings import bind_localized
from callassist.tui.live import LIVE_SECONDS, read_again
from callassist.tui.widgets.bars import BLOCK, bar_lines, day_columns
from callassist.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from datetime import datetime

    from callassist.core.figures import Figures

CALLS_COLOUR = "cyan"
PER_DAY_ROWS = 8
PROMISES_COLOUR = "green"
FIGURES_AT_LEAST_EVERY = 300.0  # seconds: a promise judged elsewhere changes no stamp


class DashboardScreen(Screen):
    CSS_PATH = "dashboard.tcss"
    BINDINGS = [Binding("q", "close", show=False)]
    result = None  # the figures on screen, once read
    live_shown = ""  # the calls in progress as last drawn
    read_stamp: tuple | None = None  # what the figures were read at (their worker's alone)
    read_at = 0.0

    @dataclass
    class Loaded(Message):
        result: Figures | None  # None: the figures could not be read

    @dataclass
    class InProgress(Message):
        calls: list[tuple[str, str, str, str, datetime]]  # call id, collector, debtor, step, started

    @property
    def locale(self) -> str:
        return self.app.locale

    def compose(self) -> ComposeResult:
        yield Static(Text(label("dashboard_title", self.locale), style="bold"), id="dashboard-header")
        with VerticalScroll(id="dashboard-body"):
            yield Static(id="live")
            yield Static(id="summary")
            yield Static(self.per_day_title(), classes="chart-title")
            yield Static(id="per-day")
            with Horizontal(id="charts"):
                # The time per step under the excuses, beside the longer list of rungs: the
                # dashboard takes two screens at 80x24, not three.
                with Vertical():
                    yield Static(Text(label("report_excuses", self.locale), style="bold"), classes="chart-title")
                    yield Static(id="excuses")
                    yield Static(Text(label("report_seconds_per_phase", self.locale), style="bold"), classes="chart-title", id="phases-title")
                    yield Static(id="phases")
                with Vertical():
                    yield Static(Text(label("dashboard_rungs", self.locale), style="bold"), classes="chart-title")
                    yield Static(id="rungs")
        yield KeyBar()

    def per_day_title(self) -> Text:
        """The chart's title and legend, in the collector's language (the chart's own legend is ASCII only)."""
        title = Text(label("dashboard_per_day", self.locale), style="bold")
        title.append("   ")
        title.append(BLOCK, style=CALLS_COLOUR)
        title.append(f" {label('dashboard_calls', self.locale)}   ")
        title.append(BLOCK, style=PROMISES_COLOUR)
        title.append(f" {label('dashboard_promises_among', self.locale)}")
        return title

    def on_mount(self) -> None:
        bind_localized(self, self.locale, [("escape", "close", "back", "esc")])
        # The team's calls as they happen: those in progress every few seconds (one small
        # read), the figures, which read every call of the period, after a longer rest.
        self.load()
        self.load_in_progress()
        self.set_interval(LIVE_SECONDS, self.load_in_progress)

    @work(thread=True, exclusive=True, group="figures")
    def load(self) -> None:
        """The figures, read again when a call, promise, payment or purge was stored since,
        on a new day, or after a few minutes in any case (a promise judged elsewhere)."""
        began = time.perf_counter()
        result = None
        try:
            workspace = self.app.ensure_workspace()
            workspace.content.ensure()
            stamp = (workspace.reports.figures_stamp(), self.app.now().date())
            if stamp != self.read_stamp or time.monotonic() - self.read_at > FIGURES_AT_LEAST_EVERY:
                result = workspace.reports.team_figures()
                self.read_stamp, self.read_at = stamp, time.monotonic()
        except StoreError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
        read_again(self, time.perf_counter() - began, self.load)
        if result is not None:
            self.post_message(self.Loaded(result))

    @work(thread=True, exclusive=True, group="in-progress")
    def load_in_progress(self) -> None:
        try:
            calls = self.app.ensure_workspace().reports.calls_in_progress()
        except StoreError:
            return  # said by the figures' read
        self.post_message(self.InProgress(calls))

    @on(InProgress)
    def in_progress(self, message: InProgress) -> None:
        t = lambda key, **values: label(key, self.locale, **values)  # noqa: E731
        workspace = self.app.workspace
        states = workspace.content.flow.flow.state_labels(self.locale) if workspace.content.flow else {}
        live = Text(t("dashboard_live", count=len(message.calls)), style="bold")
        now = self.app.now()
        for _, collector, debtor, state, started in message.calls:
            minutes = max(0, int((now - started).total_seconds() // 60))
            live.append(f"\n  {collector}", style="bold")
            live.append(f" · {debtor} · {states.get(state, state)} · ")
            live.append(t("dashboard_minutes", minutes=minutes), style="dim")
        if live.plain != self.live_shown:  # the minutes move on once a minute: drawn then
            self.live_shown = live.plain
            self.query_one("#live", Static).update(live)

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        result = message.result
        if result == self.result:
            return  # nothing changed since the last read: nothing is drawn again
        locale = self.locale
        t = lambda key, **values: label(key, locale, **values)  # noqa: E731
        workspace = self.app.workspace
        states = workspace.content.flow.flow.state_labels(locale) if workspace.content.flow else {}

        summary = Text()
        for key, value, share in (
            ("report_calls_count", result.calls, None),
            ("report_right_party_contacts", result.right_party, result.right_party_rate),
            ("report_promises", result.promises, result.promise_rate),
            ("report_kept", result.kept, result.kept_rate),
            ("report_broken", result.broken, result.broken_rate),
        ):
            summary.append(f"{t(key)} ", style="dim")
            summary.append(str(value), style="bold")
            summary.append(f" ({share:.0%})   " if share is not None else "   ")
        if result.missed:
            names = workspace.content.excuse_names(locale)
            summary.append(f"\n{t('dashboard_missed')} ", style="dim")
            summary.append(str(len(result.missed)), style="bold")
            summary.append(" (" + ", ".join(f"{names.get(excuse, excuse)} {count}" for excuse, count in result.missed_by_excuse) + ")")
        self.query_one("#summary", Static).update(summary)

        self.result = result
        self.draw_bars()

        table = Table(box=None, padding=(0, 1), pad_edge=False)
        table.add_column(t("dashboard_step"))
        table.add_column(t("dashboard_seconds"), justify="right")
        for state, seconds in in_flow_order(result.phase_seconds, list(states)):
            table.add_row(Text(states.get(state, state)), f"{seconds:.0f}")
        self.query_one("#phases", Static).update(table)

    def draw_bars(self) -> None:
        """Calls per day, and every excuse and every rung a line each, named in the
        collector's language, to the width the screen has now."""
        result, locale = self.result, self.locale
        per_day = self.query_one("#per-day", Static)
        per_day.update(day_columns(result.per_day, self.app.now().date(), per_day.content_size.width or self.app.size.width - 2, PER_DAY_ROWS, (CALLS_COLOUR, PROMISES_COLOUR)))
        names = self.app.workspace.content.excuse_names(locale)
        half = self.app.size.width // 2 - 2  # before the first layout
        excuses, rungs_chart = self.query_one("#excuses", Static), self.query_one("#rungs", Static)
        excuses.update(bar_lines([(names.get(e, e), n, str(n)) for e, n in result.excuses], excuses.content_size.width or half))
        used = max((len(str(f.used)) for f in result.rungs.values()), default=1)  # the shares in one column
        rungs = [(label("rung_name", locale, excuse=names.get(e, e), rung=r), f.share, f"{f.share:>4.0%} ({f.used:>{used}})") for (e, r), f in result.rungs.items()]
        rungs_chart.update(bar_lines(rungs, rungs_chart.content_size.width or half, style=PROMISES_COLOUR))

    def on_resize(self) -> None:
        if self.result is not None:
            self.call_after_refresh(self.draw_bars)

    def action_close(self) -> None:
        self.dismiss()
