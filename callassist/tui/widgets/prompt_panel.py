"""What to say now: the step's name and the text rendered from the script, exactly as stored."""

from __future__ import annotations

from rich.segment import Segment
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

    def text_width(self) -> int:
        return self.query_one("#prompt-text", Lines).content_size.width or self.scrollable_content_region.width

    def prepare(self, title: str, text: str) -> tuple[tuple[str, str], Text, list[list[Segment]], int]:
        """The step's words folded and rendered for the panel's width: done while the step
        is being stored, so that showing it once stored is quick."""
        width = self.text_width()
        content = Text(fold(text, width))
        return (title, text), content, segments_of(content, self.app.console), width

    def show(self, title: str, text: str, prepared: tuple | None = None) -> None:
        if self.shown == (title, text):
            return
        if prepared is None or prepared[0] != (title, text) or prepared[3] != self.text_width():
            prepared = self.prepare(title, text)
        _, content, segments, width = prepared
        if self.shown is None or self.shown[0] != title:
            self.query_one("#prompt-title", Lines).show(Text(title, style="bold"))
        body = self.query_one("#prompt-text", Lines)
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
