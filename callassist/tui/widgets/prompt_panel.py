"""What to say now: the step's name and the text rendered from the script, exactly as stored."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll

from callassist.tui.widgets.lines import Lines, segments_of
from callassist.tui.widgets.spoken import fold


class PromptPanel(VerticalScroll):
    can_focus = False

    def compose(self):
        yield Lines(id="prompt-title")
        yield Lines(id="prompt-text")

    shown: tuple[str, str] | None = None
    # Lines the text is given: the most any prompt of this call has needed. A shorter
    # prompt keeps them, so moving on repaints a few lines and never lays out the screen.
    reserved = 0

    def show(self, title: str, text: str) -> None:
        if self.shown == (title, text):
            return
        if self.shown is None or self.shown[0] != title:
            self.query_one("#prompt-title", Lines).show(Text(title, style="bold"))
        body = self.query_one("#prompt-text", Lines)
        width = body.content_size.width or self.scrollable_content_region.width
        content = Text(fold(text, width))
        segments = segments_of(content, self.app.console)
        needed = len(segments) if width else 0  # folded: each line fits the width
        if width and needed <= self.reserved:
            body.show(content, segments)
        else:
            # Taller than any prompt before: the text grows (and the panel scrolls if it must).
            self.reserved = needed
            body.styles.height = needed or "auto"
            body.show(content, segments, layout=True)
        self.shown = (title, text)
        if self.scroll_y:
            self.scroll_home(animate=False)

    def on_resize(self) -> None:
        # Another width wraps differently: measure again.
        if self.shown is not None:
            title, text = self.shown
            self.shown, self.reserved = None, 0
            self.show(title, text)
