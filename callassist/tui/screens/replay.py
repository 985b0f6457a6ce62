"""Replay a stored call: its timeline, and at each event what the collector's screen showed.

The call's hash chain is checked before anything is shown; a broken chain is said at the
top, and only the events before the break are played.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from callassist.core.call import ENDING_KINDS
from callassist.core.errors import StoreError
from callassist.core.i18n import fmt_clock, fmt_datetime, label
from callassist.core.replay import Frame, frames, pauses
from callassist.phone.player import RecordingPlayer
from callassist.phone.recording import kept_at
from callassist.tui.bindings import bind_localized
from callassist.tui.live import LIVE_SECONDS
from callassist.tui.widgets.frame_view import FrameView
from callassist.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:  # the workspace loads the database library
    from callassist.core.calls import StoredCall
    from callassist.core.scorecard import ScoreLine

SPEEDS = (1, 2, 4)
SHORTEST_STEP = 0.05  # seconds: events stored in the same instant still show one by one


class ReplayScreen(Screen):
    """The timeline on the left; on the right, the frame at `index` (FrameView, bound to
    `frame`); the status line follows the position, the speed and whether it plays."""

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
        Binding("p", "play_recording", show=False),
    ]

    @dataclass
    class Loaded(Message):
        stored: StoredCall | None  # None: no such call, or the chain could not be read
        card: list[ScoreLine]

    index: var[int] = var(0, init=False)  # the frame on screen
    frame: var[Frame | None] = var(None, init=False)
    speed: var[int] = var(1, init=False)
    skip_silences: var[bool] = var(False, init=False)
    playing: var[bool] = var(False, init=False)

    def __init__(self, call_id: str) -> None:
        super().__init__()
        self.call_id = call_id
        self.shown: list[Frame] = []
        self.waits: list[float] = []
        self.timer = None
        self.stored = None
        self.card: list = []
        self.reviews: list = []
        self.live = None  # reads a call in progress again, until it ends
        self.player = RecordingPlayer()

    @property
    def locale(self) -> str:
        return self.app.locale

    def compose(self) -> ComposeResult:
        yield Static(id="replay-header")
        yield Static(id="integrity")
        yield Static(id="reviews")
        with Horizontal(id="replay-body"):
            yield OptionList(id="timeline")
            yield FrameView(self.locale, id="screen-then").data_bind(ReplayScreen.frame)
        yield Static(id="replay-status")
        yield KeyBar()

    def on_mount(self) -> None:
        bind_localized(self, self.locale, [("space", "play", "play", "space"), ("s", "skip", "skip_silences", None), ("c", "scorecard", "scorecard", None), ("m", "review", "review_key", None), ("escape", "close", "close", "esc")])
        self.query_one("#replay-header", Static).update(Text(label("replay_title", self.locale), style="bold"))
        for state in ("index", "speed", "skip_silences", "playing"):
            self.watch(self, state, self.show_status, init=False)
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
        stored = message.stored
        if stored is None:
            self.query_one("#integrity", Static).update(Text(label("replay_no_call", self.locale, call_id=self.call_id), style="bold red"))
            return
        if self.stored is not None:
            self.followed(stored, message.card)
            return
        self.stored = stored
        self.query_one(FrameView).promise_now = stored.promise_now
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
        if self.shown:
            self.watch_index(self.index)  # the first frame: the index is 0 already, so nothing fired
            self.show_status()

    def under_way(self) -> bool:
        events = self.stored.events
        return self.stored.broken is None and bool(events) and events[-1].kind not in ENDING_KINDS

    def followed(self, stored, card: list) -> None:
        """A call in progress read again: the new steps are added to the timeline, and
        whoever was watching the last step is moved on to the newest."""
        shown = frames(stored.events, self.locale, self.app.workspace.content.excuse_names(self.locale))
        new = shown[len(self.shown) :]
        watching_last = self.index == len(self.shown) - 1 and not self.playing
        self.stored, self.card, self.shown = stored, card, shown
        self.query_one(FrameView).promise_now = stored.promise_now
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

    def show(self, index: int) -> None:
        """Move to frame `index` (kept within the timeline)."""
        if self.shown:
            self.index = max(0, min(index, len(self.shown) - 1))

    def watch_index(self, index: int) -> None:
        timeline = self.query_one(OptionList)
        if timeline.highlighted != index:
            timeline.highlighted = index
        self.frame = self.shown[index]

    def show_status(self) -> None:
        if not self.shown:
            return
        frame = self.shown[self.index]
        status = Text(label("replay_event", self.locale, seq=frame.seq, count=len(self.shown), at=fmt_datetime(frame.at.astimezone(), self.locale)))
        status.append("  ·  " + (label("replay_playing", self.locale, speed=self.speed) if self.playing else label("replay_paused", self.locale)), style="bold")
        if self.skip_silences:
            status.append("  ·  " + label("replay_skip", self.locale))
        if frame.recording_at is not None:
            minutes, seconds = divmod(int(frame.recording_at), 60)
            status.append("\n" + label("replay_recording_at", self.locale, position=f"{minutes:02d}:{seconds:02d}"), style="bold")
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

    def action_skip(self) -> None:
        self.skip_silences = not self.skip_silences

    def watch_skip_silences(self, skip: bool) -> None:
        self.waits = pauses(self.shown, skip)

    def action_play(self) -> None:
        if self.playing:
            self.pause()
            return
        # From the end, play starts again from the first event, after its own wait.
        self.playing = True
        self.schedule(0 if self.index >= len(self.shown) - 1 else self.index + 1)

    def schedule(self, nxt: int) -> None:
        if nxt >= len(self.shown):
            self.pause()
            return
        self.timer = self.set_timer(max(self.waits[nxt] / self.speed, SHORTEST_STEP), lambda: self.advance(nxt))

    def advance(self, nxt: int) -> None:
        self.show(nxt)
        self.schedule(nxt + 1)

    def pause(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self.playing = False

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

    def action_play_recording(self) -> None:
        """Play the call's recording from where the event on screen falls in it."""
        frame = self.shown[self.index] if self.shown else None
        if frame is None or frame.recording_at is None:
            self.app.bell()
            return
        self.play_recording(frame.recording, frame.recording_at)

    @work(thread=True, exclusive=True, group="player")
    def play_recording(self, named: str, at: float) -> None:
        """Off the UI thread: the part played is read and written out first (minutes of audio)."""
        path = kept_at(self.app.data_dir, named) if self.app.data_dir is not None else None
        if path is None or not path.is_file():
            self.app.call_from_thread(self.app.notify, label("replay_recording_absent", self.locale, file=named), severity="warning", markup=False)
            return
        try:
            player = self.player.play(path, at)
        except (OSError, wave.Error, EOFError) as exc:
            self.app.call_from_thread(self.app.notify, label("recording_missing", self.locale, error=str(exc)), severity="error", markup=False)
            return
        if player is None:
            self.app.call_from_thread(self.app.notify, label("replay_no_player", self.locale), severity="warning", markup=False)
            return
        minutes, seconds = divmod(int(at), 60)
        self.app.call_from_thread(self.app.notify, label("replay_playing_recording", self.locale, position=f"{minutes:02d}:{seconds:02d}", player=player), timeout=4, markup=False)

    def on_unmount(self) -> None:
        self.player.stop()

    def action_close(self) -> None:
        self.pause()
        if len(self.app.screen_stack) > 2:
            self.dismiss()
        else:
            self.app.exit()
