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

    shown: tuple[str, str] | None = None
    lines = -1

    def show(self, title: str, text: str) -> None:
        if self.shown == (title, text):
            return
        if self.shown is None or self.shown[0] != title:
            self.query_one("#prompt-title", Static).update(Text(title, style="bold"), layout=False)
        body = self.query_one("#prompt-text", Static)
        content = Text(text)
        width = body.content_size.width
        lines = len(content.wrap(self.app.console, width)) if width else -1
        # A text of as many lines as the last one needs no relayout of the screen.
        body.update(content, layout=lines != self.lines or lines < 0)
        self.lines = lines
        self.shown = (title, text)
        if self.scroll_y:
            self.scroll_home(animate=False)
