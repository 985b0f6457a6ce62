"""A table that draws its rows line by line (the worklist, the calls browser).

No widget per row and no per-cell rendering: a row is formatted into one line of
plain text the first time it is drawn (so a long list costs only the rows on screen),
and drawing it again only picks its style. The text is never parsed as markup,
whatever a debtor is called.

Its rows are given all at once (set_rows), or only counted (set_paged): a row not yet
known is drawn as a placeholder and asked for, and arrives with add_rows, so a million
calls are never all read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

GAP = "  "


class Column(NamedTuple):
    title: str
    width: int
    right: bool = False


def fit(text: str, width: int, right: bool = False) -> str:
    """`text` in exactly `width` cells: cut with an ellipsis when too long (CJK counts double)."""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    padding = " " * (width - cell_len(text))
    return padding + text if right else text + padding


class LineTable(ScrollView, can_focus=True):
    """Rows keyed by id; a cursor moved by the keys; a click on the cursor's row selects
    (Enter belongs to the screen, which shows it in its footer)."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", show=False),
        Binding("down,j", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "cursor_to(0)", show=False),
        Binding("end", "cursor_to(-1)", show=False),
    ]
    COMPONENT_CLASSES = {"line-table--header", "line-table--cursor", "line-table--stripe"}
    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        & > .line-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .line-table--stripe { background: $surface-lighten-1 50%; }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .line-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    @dataclass
    class Highlighted(Message):
        key: str

    @dataclass
    class Selected(Message):
        key: str

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.header = ""
        self.columns: list[Column] = []
        self.count = 0
        self.keys: dict[int, str] = {}  # row -> key, of the rows known
        self.cells_of: Callable[[int], list[str] | None] = lambda index: []
        self.lines: dict[int, str] = {}
        self.cursor = 0
        self.want: Callable[[int], None] | None = None  # asks for an unknown row (set_paged)
        self.following: str | None = None  # the key the cursor goes back to once its row is known again
        self.known_cells: dict[int, list[str]] = {}  # a paged table's rows given so far

    # ---- content --------------------------------------------------------------------

    def set_rows(self, columns: list[Column], keys: list[str], cells_of: Callable[[int], list[str]], follow_key: bool = False) -> None:
        """Show one row per key; `cells_of(index)` gives a row's strings, one per column.
        The cursor stays on the same row number, or with `follow_key` on the same row
        wherever it moved (a list refreshed while it is read)."""
        was = self.cursor_key if follow_key else None
        self._reset(columns, len(keys), dict(enumerate(keys)), cells_of, None)
        if was in keys:
            self.cursor = keys.index(was)
        self.refresh()
        self._highlighted()

    def set_paged(self, columns: list[Column], count: int, want: Callable[[int], None], follow_key: bool = False) -> None:
        """Show `count` rows not yet known: each is asked for with `want(row)` when it is
        to be drawn, and shown once add_rows gives it. The cursor stays on the same row
        number, or with `follow_key` goes to the same key when it is among the rows given
        next."""
        self.following = self.cursor_key if follow_key else None
        self.known_cells = {}
        self._reset(columns, count, {}, self.known_cells.get, want)
        self.refresh()

    def add_rows(self, start: int, rows: list[tuple[str, list[str]]]) -> None:
        """Rows `start`, `start + 1`, ... of a paged table, as (key, cells)."""
        for index, (key, cells) in enumerate(rows, start):
            if index < self.count:
                self.keys[index], self.known_cells[index] = key, cells
                self.lines.pop(index, None)
        keys = [key for key, _ in rows]
        if self.following in keys:
            self.cursor = start + keys.index(self.following)
            self.following = None
            self._keep_cursor_visible()
        self.refresh()
        if start <= self.cursor < start + len(rows):
            self._highlighted()

    def _reset(self, columns: list[Column], count: int, keys: dict[int, str], cells_of: Callable[[int], list[str] | None], want: Callable[[int], None] | None) -> None:
        self.columns, self.count, self.keys, self.cells_of, self.want, self.lines = columns, count, keys, cells_of, want, {}
        self.header = self._line([c.title for c in columns])
        self.virtual_size = Size(cell_len(self.header), count + 1)
        self.cursor = min(self.cursor, max(0, count - 1))

    def _line(self, cells: list[str]) -> str:
        return " " + GAP.join(fit(cell, c.width, c.right) for cell, c in zip(cells, self.columns)) + " "

    @property
    def cursor_key(self) -> str | None:
        return self.keys.get(self.cursor)

    def row_text(self, index: int) -> str | None:
        """Row `index` as it is drawn; None while it is not known (it is asked for)."""
        line = self.lines.get(index)
        if line is None:
            cells = self.cells_of(index)
            if cells is None:
                if self.want is not None:
                    self.want(index)
                return None
            line = self.lines[index] = self._line(cells)
        return line

    # ---- drawing ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:  # the header stays while the rows scroll
            text, component = self.header, "line-table--header"
        else:
            row = int(self.scroll_y) + y - 1
            if row >= self.count:
                return Strip.blank(width, self.rich_style)
            text = self.row_text(row)
            if text is None:
                text = " …"
            component = "line-table--cursor" if row == self.cursor else "line-table--stripe" if row % 2 else None
        style = self.rich_style + self.get_component_rich_style(component) if component else self.rich_style
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    # ---- moving -----------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self.move_cursor(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor + direction * max(1, self.scrollable_content_region.height - 1))

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else self.count - 1)

    def move_cursor(self, row: int) -> None:
        if not self.count:
            return
        row = max(0, min(row, self.count - 1))
        if row == self.cursor:
            return
        previous, self.cursor = self.cursor, row
        self.following = None  # the collector moved on
        if not self._keep_cursor_visible():
            for changed in (previous, row):
                self.refresh_line(changed + 1)  # the header is line 0
        self._highlighted()

    def _keep_cursor_visible(self) -> bool:
        """Scroll so the cursor's row is on screen; whether it scrolled."""
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False, immediate=True)
        else:
            return False
        self.refresh()
        return True

    def _highlighted(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Highlighted(key))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        row = int(self.scroll_y) + offset.y - 1
        if row == self.cursor and self.cursor_key is not None:
            self.post_message(self.Selected(self.cursor_key))
        elif row < self.count:
            self.move_cursor(row)
