"""Lines broken before they reach the widget: it paints them as given, one per row.

Static wraps its text again each time it is painted; the call's words are folded by
spoken.fold (which knows where Chinese may break) and the choices packed by ChoiceBar,
so repainting them needs no second wrap: a step's key repaints in a fraction of the time.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


def segments_of(text: Text, console: Console) -> list[list[Segment]]:
    """Each line of `text` (split at its line breaks, never wrapped) as styled segments."""
    base = console.get_style(text.style) if text.style else None  # Text.render leaves the text's own style out
    return [list(Segment.apply_style(line.render(console), base)) for line in text.split("\n", allow_blank=True)]


class Lines(Widget):
    """Shows text line by line as it was broken; a line wider than the widget is cut."""

    DEFAULT_CSS = "Lines { height: auto; }"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.text = Text()
        self._segments: list[list[Segment]] = []
        self._strips: list[Strip] = []
        self._base: Style | None = None  # the colours under the text, read once per change

    def show(self, text: Text, segments: list[list[Segment]] | None = None, layout: bool = False) -> None:
        """Show `text`; `segments`: its lines already rendered (segments_of), if at hand."""
        before = self._segments
        self.text = text
        self._segments = segments if segments is not None else segments_of(text, self.app.console)
        self._base = None
        if layout or not before:
            self.refresh(layout=layout)
            return
        # Only the rows that differ are painted again (the blank rows a prompt keeps stay).
        after, width = self._segments, self.size.width
        changed = [y for y in range(max(len(before), len(after))) if y >= len(before) or y >= len(after) or before[y] != after[y]]
        if changed:
            self.refresh(*(Region(0, y, width, 1) for y in changed))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None  # another theme, or a class added: the colours change

    def render_line(self, y: int) -> Strip:
        if self._base is None:  # reading the colours walks up the screen: once, not per line
            self._base = self.rich_style
            self._strips = [Strip(Segment.apply_style(line, self._base)) for line in self._segments]
        return self._strips[y] if y < len(self._strips) else Strip.blank(self.size.width, self._base)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._segments)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((sum(segment.cell_length for segment in line) for line in self._segments), default=0)
