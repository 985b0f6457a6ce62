"""What the debtor may do next: one key each, only the choices the machine allows now."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from callassist.core.call import Choice

GAP = 3


class ChoiceBar(Static):
    """Items are packed into lines here, so a key is never split from its words."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.heading = ""
        self.items: list[tuple[str, str]] = []

    def show(self, choices: list[Choice], heading: str, extra: list[tuple[str, str]] = ()) -> None:
        self.heading = heading
        self.items = [(c.key, c.label) for c in choices] + list(extra)
        self.update(self._pack(self.content_size.width or self.app.size.width - 2))

    def on_resize(self) -> None:
        if self.items:
            self.update(self._pack(self.content_size.width))

    def _pack(self, width: int) -> Text:
        text = Text(no_wrap=True)
        text.append(f"{self.heading}  ", style="dim")
        used = cell_len(self.heading) + 2
        indent = used
        for index, (key, words) in enumerate(self.items):
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
