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
    filling = False  # the text fills the panel exactly, whatever it says

    def show(self, title: str, text: str) -> None:
        if self.shown == (title, text):
            return
        if self.shown is None or self.shown[0] != title:
            self.query_one("#prompt-title", Static).update(Text(title, style="bold"), layout=False)
        body = self.query_one("#prompt-text", Static)
        content = Text(text)
        width = body.content_size.width
        room = self.scrollable_content_region.height - 2  # below the title and its margin
        fits = bool(width) and len(content.wrap(self.app.console, width)) <= room
        if fits and self.filling:
            # Same size as before: repaint these lines, no layout of the whole screen.
            body.update(content, layout=False)
        else:
            # A prompt taller than the panel grows the text, and the panel scrolls.
            body.styles.height = "1fr" if fits else "auto"
            self.filling = fits
            body.update(content)
        self.shown = (title, text)
        if self.scroll_y:
            self.scroll_home(animate=False)
