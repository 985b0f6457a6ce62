"""Cells written for spreadsheets: text a spreadsheet would evaluate as a formula (a cell
beginning with = + - @, a tab or a carriage return) is written with a leading apostrophe,
as OWASP's advice on CSV injection has it, so it is shown as text. Plain numbers pass as
they are (a spreadsheet reads "-12.50" as the number it is)."""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_cell(value: object) -> object:
    """The value as a CSV cell may hold it; anything but text as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value
