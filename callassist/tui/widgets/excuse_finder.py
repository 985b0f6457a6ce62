"""Quick-find: type a few of the debtor's words, see the excuses and situations ranked,
Enter opens one (a situation opens its exit, marked ⚑).

The ranking is the core's (core/quickfind.py), a fraction of a millisecond, so it runs on
every keystroke on the UI thread; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from callassist.core.i18n import label
from callassist.core.quickfind import ExcuseFinder, Match

if TYPE_CHECKING:
    from collections.abc import Callable

WEAK = 0.15  # below this a match is a shared word or two: its cue would only distract
SHOWN = 6  # lines of the ranking: as many as there are excuses, so nothing is ever cut at 80x24
EXIT_MARK = "⚑ "


class ExcuseFinderPanel(Vertical):
    """Hidden until opened; says what was chosen with Chosen, or Closed on Esc."""

    BINDINGS = [
        Binding("escape", "close", show=False),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    @dataclass
    class Chosen(Message):
        excuse: str
        typed: str

    class Closed(Message):
        pass

    def __init__(self, finder: Callable[[], ExcuseFinder], names: dict[str, str], locale: str, exits: frozenset[str] = frozenset(), **kwargs) -> None:
        """`exits`: the ids of situations (shown marked: choosing one opens its exit)."""
        super().__init__(**kwargs)
        self.finder = finder  # built on first use (see CallScreen.prepare_finder)
        self.names = {key: (EXIT_MARK + name if key in exits else name) for key, name in names.items()}
        self.exits = exits
        self.name_width = max(map(cell_len, self.names.values()))
        self.locale = locale
        self.ranked: list[Match] = []
        self.selected = 0

    def compose(self) -> ComposeResult:
        # Disabled while hidden: nothing may take the focus from the call's keys.
        yield Input(placeholder=label("finder_placeholder", self.locale), id="finder-input", disabled=True)
        yield Static(id="finder-ranking")

    def open(self) -> None:
        typed = self.query_one(Input)
        typed.value = ""
        self.rank("")
        self.display = True
        typed.disabled = False
        typed.focus()

    @on(Input.Changed)
    def typed(self, event: Input.Changed) -> None:
        event.stop()
        self.rank(event.value)

    def rank(self, typed: str) -> None:
        self.ranked = self.finder().rank(typed, top=SHOWN)
        self.selected = 0
        self.show()

    def show(self) -> None:
        text = Text()
        anything = any(match.score > 0 for match in self.ranked)
        for index, match in enumerate(self.ranked):
            chosen = index == self.selected and anything
            name = self.names.get(match.excuse, match.excuse)
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append("▶ " if chosen else "  ", style="bold")
            line.append(name + " " * (self.name_width - cell_len(name)), style=("bold yellow" if match.excuse in self.exits else "bold") if match.score >= WEAK else "dim")
            if anything:
                line.append(f" {match.score:4.2f} ", style="dim")
            if match.cue and match.score >= WEAK:
                line.append(f"“{match.cue}”", style="italic")
            if chosen:
                line.stylize("reverse")
            text.append_text(line)
            text.append("\n")
        text.append(label("finder_help" if anything else "finder_empty", self.locale), style="dim")
        self.query_one("#finder-ranking", Static).update(text)

    def action_move(self, step: int) -> None:
        if self.ranked:
            self.selected = (self.selected + step) % len(self.ranked)
            self.show()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.ranked or self.ranked[self.selected].score <= 0:
            self.app.bell()
            return
        self.post_message(self.Chosen(self.ranked[self.selected].excuse, event.value))
        self.action_close(chosen=True)

    def action_close(self, chosen: bool = False) -> None:
        self.display = False
        self.query_one(Input).disabled = True
        if not chosen:
            self.post_message(self.Closed())
