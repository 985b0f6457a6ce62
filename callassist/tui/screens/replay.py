"""Replay a stored call: its timeline, and at each event what the collector's screen showed.

The call's hash chain is checked before anything is shown; a broken chain is said at the
top, and only the events before the break are played.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from callassist.core.call import ENDING_KINDS
from callassist.core.errors import StoreError
from callassist.core.i18n import fmt_clock, fmt_date, fmt_datetime, label, value_label
from callassist.tui.bindings import bind_localized
from callassist.tui.live import LIVE_SECONDS
from callassist.tui.widgets.key_bar import KeyBar
from callassist.tui.widgets.objection_panel import describe_rung
from callassist.tui.widgets.spoken import fold

if TYPE_CHECKING:  # the workspace loads the database library
    from callassist.core.calls import StoredCall
    from callassist.core.scorecard import ScoreLine

SPEEDS = (1, 2, 4)
SHORTEST_STEP = 0.05  # seconds: events stored in the same instant still show one by one


class ReplayScreen(Screen):
    CSS_PATH = "replay.tcss"
    BINDINGS = [
        Binding("left", "step(-1)", "Back", show=False),
        Binding("right", "step(1)", "Forward", show=False),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(-1)", show=False),
        Binding("1", "speed(1)", show=False),
        Binding("2", "speed(2)", show=False),
        Binding("4", "speed(4)", show=False),
        Binding("q", "close", show=False),
    ]

    @dataclass
    class Loaded(Message):
        stored: StoredCall | None  # None: no such call, or the chain could not be read
        card: list[ScoreLine]

    def __init__(self, call_id: str) -> None:
        super().__init__()
        self.call_id = call_id
        self.shown: list = []
        self.waits: list[float] = []
        self.index = 0
        self.speed = 1
        self.skip_silences = False
        self.timer = None
        self.stored = None
        self.card: list = []
        self.reviews: list = []
        self.live = None  # reads a call in progress again, until it ends

    @property
    def locale(self) -> str:
        return self.app.locale

    def compose(self) -> ComposeResult:
        yield Static(id="replay-header")
        yield Static(id="integrity")
        yield Static(id="reviews")
        with Horizontal(id="replay-body"):
            yield OptionList(id="timeline")
            with VerticalScroll(id="screen-then"):
                yield Static(id="then-step")
                yield Static(id="then-text")
                yield Static(id="then-choices")
                yield Static(id="then-ladder")
                yield Static(id="then-extra")
        yield Static(id="replay-status")
        yield KeyBar()

    def on_mount(self) -> None:
        bind_localized(self, self.locale, [("space", "play", "play", "space"), ("s", "skip", "skip_silences", None), ("c", "scorecard", "scorecard", None), ("m", "review", "review_key", None), ("escape", "close", "close", "esc")])
        self.query_one("#replay-header", Static).update(Text(label("replay_title", self.locale), style="bold"))
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        try:
            workspace = self.app.ensure_workspace()
            workspace.content.ensure()  # the excuses' names in the collector's language
            stored = workspace.calls.replay(self.call_id)
            card = workspace.content.scorecard(stored, self.locale)
        except LookupError:
            stored, card = None, []
        except StoreError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        self.post_message(self.Loaded(stored, card))

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        from callassist.core.replay import frames, pauses

        stored = message.stored
        if stored is None:
            self.query_one("#integrity", Static).update(Text(label("replay_no_call", self.locale, call_id=self.call_id), style="bold red"))
            return
        if self.stored is not None:
            self.followed(stored, message.card)
            return
        self.stored = stored
        self.card = message.card
        self.shown = frames(stored.events, self.locale, self.app.workspace.content.excuse_names(self.locale))
        self.waits = pauses(self.shown, skip_silences=False)
        if self.under_way():  # a call in progress: its new steps are added as they are stored
            self.live = self.set_interval(LIVE_SECONDS, self.load)
        header = Text(label("replay_title", self.locale), style="bold")
        header.append(f"  {stored.debtor} · {stored.collector} · {fmt_datetime(stored.started_at.astimezone(), self.locale)}", style="dim")
        if stored.practice:
            header.append(f"  {label('practice_badge', self.locale)}", style="bold yellow")
        self.query_one("#replay-header", Static).update(header)
        integrity = self.query_one("#integrity", Static)
        if stored.broken is not None:
            integrity.update(Text(label("replay_broken", self.locale, seq=stored.broken.seq, reason=stored.broken.reason), style="bold white on red"))
            integrity.add_class("broken")
        else:
            integrity.update(Text("✓ " + label("replay_intact", self.locale), style="green"))
        self.show_reviews(stored.reviews)
        timeline = self.query_one(OptionList)
        timeline.add_options([self.option(frame) for frame in self.shown])
        timeline.focus()
        self.show(0)

    def under_way(self) -> bool:
        events = self.stored.events
        return self.stored.broken is None and bool(events) and events[-1].kind not in ENDING_KINDS

    def followed(self, stored, card: list) -> None:
        """A call in progress read again: the new steps are added to the timeline, and
        whoever was watching the last step is moved on to the newest."""
        from callassist.core.replay import frames, pauses

        shown = frames(stored.events, self.locale, self.app.workspace.content.excuse_names(self.locale))
        new = shown[len(self.shown) :]
        watching_last = self.index == len(self.shown) - 1 and self.timer is None
        self.stored, self.card, self.shown = stored, card, shown
        self.waits = pauses(self.shown, self.skip_silences)
        if new:
            self.query_one(OptionList).add_options([self.option(frame) for frame in new])
            if watching_last:
                self.show(len(self.shown) - 1)
        self.show_reviews(stored.reviews)
        if not self.under_way() and self.live is not None:
            self.live.stop()
            self.live = None
        self.show_status()

    def option(self, frame) -> Option:
        return Option(Text(f"{fmt_clock(frame.at.astimezone(), self.locale):>11}  {frame.happened}", no_wrap=True, overflow="ellipsis"), id=str(frame.seq))

    # ---- showing one frame ------------------------------------------------------------

    def on_resize(self) -> None:
        # The step's text is folded to its width (Chinese punctuation never starts a line).
        if self.shown:
            self.call_after_refresh(self.show, self.index)

    def show(self, index: int) -> None:
        if not self.shown:
            return
        self.index = max(0, min(index, len(self.shown) - 1))
        frame = self.shown[self.index]
        timeline = self.query_one(OptionList)
        if timeline.highlighted != self.index:
            timeline.highlighted = self.index
        self.query_one("#then-step", Static).update(Text(frame.step_label, style="bold"))
        then_text = self.query_one("#then-text", Static)
        then_text.update(Text(fold(frame.step_text, then_text.content_size.width)))
        choices = Text()
        for key, words in frame.choices:
            choices.append(f" {key} ", style="reverse bold")
            choices.append(f" {words}   ")
        self.query_one("#then-choices", Static).update(choices)
        self.query_one("#then-ladder", Static).update(describe_rung(frame.ladder, self.locale) if frame.ladder else Text())
        extra = Text()
        if frame.notes:
            extra.append(label("replay_notes", self.locale) + "\n", style="bold")
            for note in frame.notes:
                extra.append(f"· {note}\n")
        if frame.promise and self.stored.promise_now is not None:
            status, day = self.stored.promise_now
            words = value_label("status", status, self.locale)
            line = label("replay_promise_decided", self.locale, status=words, day=fmt_date(day, self.locale)) if day else label("replay_promise_now", self.locale, status=words)
            extra.append(line + "\n", style="bold")
        if frame.disposition:
            extra.append(label("replay_ended", self.locale, disposition=value_label("disp", frame.disposition, self.locale)) + "\n", style="bold")
        card = frame.card
        if card.get("debtor"):
            from callassist.core.replay import card_balance

            balance = card_balance(card, self.locale) if card.get("balance") else ""
            extra.append("\n" + label("replay_card", self.locale, debtor=card["debtor"], contact=card.get("contact", ""), phone=card.get("phone", ""), balance=balance), style="dim")
        self.query_one("#then-extra", Static).update(extra)
        self.show_status()

    def show_status(self) -> None:
        if not self.shown:
            return
        frame = self.shown[self.index]
        status = Text(label("replay_event", self.locale, seq=frame.seq, count=len(self.shown), at=fmt_datetime(frame.at.astimezone(), self.locale)))
        status.append("  ·  " + (label("replay_playing", self.locale, speed=self.speed) if self.timer else label("replay_paused", self.locale)), style="bold")
        if self.skip_silences:
            status.append("  ·  " + label("replay_skip", self.locale))
        # At 80 columns the keys take two lines: each key stays with its words.
        keys = " · ".join(item.replace(" ", "\u00a0") for item in label("replay_keys", self.locale).split(" · "))
        status.append("\n" + keys, style="dim")
        self.query_one("#replay-status", Static).update(status)

    @on(OptionList.OptionHighlighted)
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index != self.index:
            self.show(event.option_index)

    # ---- moving -----------------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        self.pause()
        self.show(self.index + delta)

    def action_jump(self, index: int) -> None:
        self.pause()
        self.show(index if index >= 0 else len(self.shown) - 1)

    def action_speed(self, speed: int) -> None:
        self.speed = speed if speed in SPEEDS else 1
        self.show_status()

    def action_skip(self) -> None:
        from callassist.core.replay import pauses

        self.skip_silences = not self.skip_silences
        self.waits = pauses(self.shown, self.skip_silences)
        self.show_status()

    def action_play(self) -> None:
        if self.timer is not None:
            self.pause()
            return
        if self.index >= len(self.shown) - 1:
            self.index = -1
        self.schedule_next()
        self.show_status()

    def schedule_next(self) -> None:
        nxt = self.index + 1
        if nxt >= len(self.shown):
            self.pause()
            return
        self.timer = self.set_timer(max(self.waits[nxt] / self.speed, SHORTEST_STEP), self.advance)

    def advance(self) -> None:
        self.show(self.index + 1)
        self.schedule_next()
        self.show_status()

    def pause(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self.show_status()

    def action_scorecard(self) -> None:
        from callassist.tui.screens.scorecard import ScorecardScreen

        if not self.card:
            return
        self.pause()

        def jump(seq: int | None) -> None:
            if seq:
                self.show(seq - 1)

        self.app.push_screen(ScorecardScreen(self.locale, self.card), jump)

    def action_review(self) -> None:
        from callassist.tui.screens.review import ReviewScreen

        if self.stored is None:
            return
        self.pause()

        def reviewed(result: tuple[int, str] | None) -> None:
            if result is not None:
                self.store_review(*result)

        self.app.push_screen(ReviewScreen(self.locale), reviewed)

    @work(thread=True, group="review")
    def store_review(self, score: int, comment: str) -> None:
        try:
            reviews = self.app.workspace.reports.add_review(self.call_id, score, comment)
        except StoreError as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.show_reviews, reviews)

    def show_reviews(self, reviews: list) -> None:
        self.reviews = reviews
        text = Text()
        for review in reviews:
            text.append(label("review_line", self.locale, score=review.score, reviewer=review.reviewer, at=fmt_datetime(review.created_at.astimezone(), self.locale), comment=review.comment) + "\n")
        self.query_one("#reviews", Static).update(text)
        self.query_one("#reviews", Static).display = bool(reviews)

    def action_close(self) -> None:
        self.pause()
        if len(self.app.screen_stack) > 2:
            self.dismiss()
        else:
            self.app.exit()
