"""Horizontal bars drawn as text: one line per item, its name, a bar and the value.

The dashboard's excuses and rungs are drawn here rather than by the chart library, which
counts every character as one cell (so Chinese names broke its layout) and, short of
rows, dropped bars: here every item has its line, names are measured in terminal cells,
and counts are written as the integers they are.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text

BLOCK = "█"
NAME_SHARE = 0.45  # of the width, at most, for the names


def fit(name: str, width: int) -> str:
    """`name` in exactly `width` cells: padded, or cut with an ellipsis."""
    if cell_len(name) <= width:
        return set_cell_size(name, width)
    return set_cell_size(set_cell_size(name, width - 1).rstrip() + "…", width)


def bar_lines(items: list[tuple[str, float, str]], width: int, style: str = "cyan") -> Text:
    """Each (name, value, shown) as a line: the name, a bar as long as the value is
    against the largest, and `shown` (the value as it should read: 12, 45%)."""
    text = Text()
    if not items:
        return text
    names = min(max(cell_len(name) for name, _, _ in items), max(4, int(width * NAME_SHARE)))
    shown_width = max(cell_len(shown) for _, _, shown in items)
    room = max(1, width - names - shown_width - 2)
    largest = max(value for _, value, _ in items) or 1
    for index, (name, value, shown) in enumerate(items):
        if index:
            text.append("\n")
        length = max(1, round(room * value / largest)) if value > 0 else 0  # a few is not none
        text.append(fit(name, names) + " ")
        text.append(BLOCK * length, style=style)
        text.append(" " * (room - length) + " " + shown.rjust(shown_width))
    return text
