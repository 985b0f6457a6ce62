"""Lines folded as a reader expects them: Chinese never starts a line with closing
punctuation (，。？！：；、”’）》」』…) nor ends one with an opening mark (“‘（《「『), and a
run of Latin letters and digits (an amount, an invoice number, a word) is never cut
unless it is wider than the line. The terminal's own wrap cuts Chinese anywhere."""

from __future__ import annotations

import re

from rich.cells import cell_len, chop_cells

CLOSING = "，。？！：；、”’）》」』】〕〉］｝～…—,.?!:;)]}%"
OPENING = "“‘（《「『【〔〈［｛([{"
# A unit never split: a run of Latin letters, digits and the signs inside amounts, dates
# and numbers; a run of spaces; or one character of anything else (a Han character).
_UNITS = re.compile(r"[A-Za-z0-9¢£¥$\u20a0-\u20cf@#&*+=/\\_'.,:%\-]+|\s+|.", re.S)


def _units(paragraph: str) -> list[str]:
    """The paragraph as units, each closing mark glued to the unit before it and each
    opening mark to the unit after it, so no break falls between them."""
    units: list[str] = []
    pending = ""
    for unit in _UNITS.findall(paragraph):
        # A straight quote opens after a space (or at the start) and closes otherwise.
        opens = unit in OPENING or (unit == '"' and (not units or units[-1].isspace()))
        if opens or (pending and unit.isspace()):  # "（ 陈": the mark waits for its word
            pending += unit
        elif units and not pending and not unit.isspace() and (unit[0] in CLOSING or unit == '"'):
            if units[-1].isspace() and len(units) > 1:  # "word ，": the mark stays with the word
                space = units.pop()
                units[-1] += space
            units[-1] += unit
        else:
            units.append(pending + unit)
            pending = ""
    if pending:
        units.append(pending)
    return units


def fold(text: str, width: int) -> str:
    """`text` with line breaks where it must wrap at `width` cells (each paragraph alone)."""
    if width <= 0:
        return text
    return "\n".join(_fold_paragraph(paragraph, width) for paragraph in text.split("\n"))


def _fold_paragraph(paragraph: str, width: int) -> str:
    lines: list[str] = []
    line, used = "", 0
    for unit in _units(paragraph):
        size = cell_len(unit)
        if used + size <= width:
            line, used = line + unit, used + size
            continue
        if unit.isspace():  # a break falls here: the spaces go
            lines.append(line.rstrip())
            line, used = "", 0
            continue
        if line.strip():
            lines.append(line.rstrip())
        line, used = "", 0
        while cell_len(unit) > width:  # wider than a line: cut it, but not before a closing mark
            head, *_ = chop_cells(unit, width)
            while len(head) > 1 and unit[len(head)] in CLOSING:
                head = head[:-1]
            lines.append(head)
            unit = unit[len(head) :]
        line, used = unit, cell_len(unit)
    lines.append(line.rstrip())
    return "\n".join(lines)
