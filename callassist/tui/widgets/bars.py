"""The dashboard's charts drawn as text: bars a line per item (name, bar, value), and
calls per day as columns.

A chart library drew them before: it counted every character as one cell (so Chinese
names broke its layout), dropped bars it had no rows for, ran a day's bars into the next
and put 2.8 on an axis of calls. Here every item has its line and every day its column,
names are measured in terminal cells and counts sit on whole-number ticks.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.cells import cell_len
from rich.text import Text

from callassist.core.figures import count_ticks
from callassist.tui.widgets.line_table import fit

BLOCK = "█"
SHORTEST_BAR = 6  # cells a bar keeps however long the names: the rest is theirs


def bar_lines(items: list[tuple[str, float, str]], width: int, style: str = "cyan") -> Text:
    """Each (name, value, shown) as a line: the name, a bar as long as the value is
    against the largest, and `shown` (the value as it should read: 12, 45%)."""
    text = Text()
    if not items:
        return text
    shown_width = max(cell_len(shown) for _, _, shown in items)
    names = min(max(cell_len(name) for name, _, _ in items), max(4, width - shown_width - 2 - SHORTEST_BAR))
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


def day_columns(per_day: list[tuple[date, int, int]], last: date, width: int, height: int, colours: tuple[str, str]) -> Text:
    """Calls per day as columns, a day each with a space between, the day's promises the
    lower part of its column (they are among its calls); every day up to `last` has its
    place, so a day without calls shows as the gap it was. The newest days that fit."""
    counts = {day: (calls, promises) for day, calls, promises in per_day}
    ticks = count_ticks(max((calls for _, calls, _ in per_day), default=0))
    axis = len(str(ticks[-1])) + 1
    shown = max(1, (width - axis - 3) // 2)  # the last date runs three cells past its column
    first = min(counts, default=last)
    days = [last - timedelta(days=back) for back in range(min(shown, (last - first).days + 1) - 1, -1, -1)]
    top = ticks[-1]
    labelled = {round(tick / top * height): tick for tick in ticks}
    text = Text()
    for row in range(height, 0, -1):
        text.append(f"{labelled[row] if row in labelled else '':>{axis - 1}} ", style="dim")
        for day in days:
            calls, promises = counts.get(day, (0, 0))
            if round(promises / top * height) >= row:
                text.append(BLOCK, style=colours[1])
            elif round(calls / top * height) >= row:
                text.append(BLOCK, style=colours[0])
            else:
                text.append(" ")
            text.append(" ")
        text.append("\n")
    text.append(f"{0:>{axis - 1}} " + "─" * (2 * len(days)) + "\n", style="dim")
    # A date under every seventh column, from the newest back.
    dates = [" "] * (2 * len(days) + 5)
    for index in range(len(days) - 1, -1, -7):
        for offset, char in enumerate(f"{days[index]:%m-%d}"):
            dates[2 * index + offset] = char
    text.append(" " * axis + "".join(dates).rstrip(), style="dim")
    return text
