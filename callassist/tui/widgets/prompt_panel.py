"""What to say now: the step's name and the text rendered from the script, exactly as stored."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from callassist.tui.widgets.spoken import fold


class PromptPanel(VerticalScroll):
    can_focus = False

    def compose(self):
        yield Static(id="prompt-title")
        yield Static(id="prompt-text")

    shown: tuple[str, str] | None = None
    # Lines the text is given: the most any prompt of this call has needed. A shorter
    # prompt keeps them, so moving on repaints a few lines and never lays out the screen.
    reserved = 0

    def show(self, title: str, text: str) -> None:
        if self.shown == (title, text):
            return
        if self.shown is None or self.shown[0] != title:
            self.query_one("#prompt-title", Static).update(Text(title, style="bold"), layout=False)
        body = self.query_one("#prompt-text", Static)
        width = body.content_size.width or self.scrollable_content_region.width
        content = Text(fold(text, width))
        needed = len(content.wrap(self.app.console, width)) if width else 0
        if width and needed <= self.reserved:
            body.update(content, layout=False)
        else:
            # Taller than any prompt before: the text grows (and the panel scrolls if it must).
            self.reserved = needed
            body.styles.height = needed or "auto"
            body.update(content)
        self.shown = (title, text)
        if self.scroll_y:
            self.scroll_home(animate=False)

    def on_resize(self) -> None:
        # Another width wraps differently: measure again.
        if self.shown is not None:
            title, text = self.shown
            self.shown, self.reserved = None, 0
            self.show(title, text)
