"""The keys that work now, on one line at the bottom of a screen.

It shows what Textual's Footer shows, drawn as one text: Footer mounts a widget per
key and composes them again whenever the bindings change, which cost about 40 ms of
the worklist's first paint. A click on a key presses it.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.events import Click
from textual.screen import Screen
from textual.widgets import Static

from callassist.core.i18n import label


class Item(NamedTuple):
    key: str
    display: str
    description: str
    enabled: bool


class KeyBar(Static):
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        & > .key-bar--key { color: $footer-key-foreground; text-style: bold; }
        & > .key-bar--description { color: $footer-description-foreground; }
    }
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.places: list[tuple[int, int, str]] = []  # (first cell, end cell, key)
        self.shown: tuple | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self.shown = None
        self.bindings_changed(self.screen)

    def bindings_changed(self, screen: Screen) -> None:
        items: list[Item] = []
        actions: set[str] = set()
        for _, binding, enabled, _ in screen.active_bindings.values():
            if binding.show and binding.action not in actions:  # one entry per action, as Footer does
                actions.add(binding.action)
                items.append(Item(binding.key, self.app.get_key_display(binding), binding.description, enabled))
        palette = None
        found = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING) if self.app.ENABLE_COMMAND_PALETTE else None
        if found is not None:
            palette = Item(found.binding.key, self.app.get_key_display(found.binding), label("palette", self.app.locale), found.enabled)
        if (items, palette, self.size.width) == self.shown:
            return
        self.shown = (items, palette, self.size.width)
        self.update(self._draw(items, palette), layout=False)

    def _draw(self, items: list[Item], palette: Item | None) -> Text:
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        words_style = self.get_component_rich_style("key-bar--description", partial=True)
        text = Text(no_wrap=True, overflow="ellipsis")
        self.places = []

        def add(item: Item) -> None:
            start = text.cell_len
            dim = Style(dim=not item.enabled)
            text.append(f" {item.display} ", style=key_style + dim)
            text.append(f"{item.description} ", style=words_style + dim)
            self.places.append((start, text.cell_len, item.key))

        for item in items:
            add(item)
        if palette is not None:
            room = self.size.width - text.cell_len - cell_len(f"▏ {palette.display} {palette.description} ")
            if room > 0:
                text.append(" " * room)
                text.append("▏", style="dim")
                add(palette)
        return text

    def on_click(self, event: Click) -> None:
        for start, end, key in self.places:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
