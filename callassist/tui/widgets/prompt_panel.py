"""What to say now: the step's name and the text rendered from the script, exactly as stored."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static


class PromptPanel(VerticalScroll):
    can_focus = False

    def compose(self):
        yield Static(id="prompt-title")
        yield Static(id="prompt-text")

    def show(self, title: str, text: str) -> None:
        self.query_one("#prompt-title", Static).update(Text(title, style="bold"))
        self.query_one("#prompt-text", Static).update(Text(text))
        self.scroll_home(animate=False)
