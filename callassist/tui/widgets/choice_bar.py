"""What the debtor may do next: one key each, only the choices the machine allows now."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from callassist.core.call import Choice
from callassist.tui.widgets.lines import Lines

GAP = 3


class ChoiceBar(Lines):
    """Items are packed into lines here, so a key is never split from its words."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.heading = ""
        self.items: list[tuple[str, str]] = []
        self.packed_width = 0
        self.every_step: list[list[tuple[str, str]]] = [[]]

    def offer(self, choices: list[Choice], heading: str, extra: list[tuple[str, str]] = ()) -> None:
        items = [(c.key, c.label) for c in choices] + list(extra)
        if (heading, items) == (self.heading, self.items):
            return
        self.heading = heading
        self.items = items
        self._show(self.content_size.width or self.app.size.width - 2)

    def on_resize(self) -> None:
        if self.items and self.content_size.width != self.packed_width:
            self.reserve(self.every_step)
            self._show(self.content_size.width)

    def _show(self, width: int) -> None:
        # The height is reserved (see reserve): new choices never need a layout.
        self.show(self._pack(width))
        self.packed_width = width

    def reserve(self, every_step: list[list[tuple[str, str]]]) -> None:
        """Keep the height of the step with the most choices, so moving between steps
        never resizes the bar, nor re-lays out the screen (and keys stay where they were)."""
        self.every_step = every_step
        width = self.content_size.width or self.app.size.width - 2
        self.styles.height = max(self._pack(width, items).plain.count("\n") + 1 for items in every_step)

    def _pack(self, width: int, items: list[tuple[str, str]] | None = None) -> Text:
        text = Text(no_wrap=True)
        text.append(f"{self.heading}  ", style="dim")
        used = cell_len(self.heading) + 2
        indent = used
        for index, (key, words) in enumerate(self.items if items is None else items):
            item_width = cell_len(key) + 2 + 1 + cell_len(words)
            if index and used + GAP + item_width > width:
                text.append("\n" + " " * indent)
                used = indent
            elif index:
                text.append(" " * GAP)
                used += GAP
            text.append(f" {key} ", style="reverse bold")
            text.append(f" {words}")
            used += item_width
        return text
