"""Folding spoken text: Chinese punctuation never starts a line, amounts are never cut."""

from __future__ import annotations

import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len, chop_cells

from callassist.tui.widgets.spoken import CLOSING, OPENING, fold

PIECES = st.sampled_from(["陈经理", "，", "。", "？", "您", "货款", "“", "”", "（", "）", "¥33,603.25", "INV-2026-0113", " ", "I'm", "calling", "：", "、", "……", "12月5日", "₩1,234,567", "【", "】", "NT$500", '"', "later"])


def test_a_full_stop_that_would_start_a_line_goes_with_the_character_before_it():
    text = "“陈经理，我打电话是想跟您对一下往来账。这笔货款已经过了账期，您看今天能安排吗？”"
    # Widths at which the terminal's own wrap (a cut every so many cells) starts a line with punctuation.
    broken = [width for width in range(10, 40) if any(line[0] in CLOSING for line in chop_cells(text, width)[1:])]
    assert broken
    for width in broken:
        lines = fold(text, width).split("\n")
        assert all(line[0] not in CLOSING for line in lines[1:]), (width, lines)
        assert all(cell_len(line) <= width for line in lines)


def test_an_amount_is_not_cut_across_lines():
    lines = fold("您这边有¥33,603.25的货款已经过了账期。", 12).split("\n")
    assert any("¥33,603.25" in line for line in lines), lines


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=40), st.integers(min_value=14, max_value=80))
def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_mark(pieces, width):
    text = "".join(pieces)
    # A run of closing marks wider than a line (seven full-width commas at 14 cells) must
    # start one somewhere: no script has one, and no fold could keep the rule there.
    assume(all(cell_len(run) <= width for run in re.findall(f".[{re.escape(CLOSING)}]+", text)))
    lines = fold(text, width).split("\n")
    for index, line in enumerate(lines):
        assert cell_len(line) <= width, (line, width)
        if index and line:
            assert line[0] not in CLOSING, lines
        if index < len(lines) - 1 and line:
            assert line[-1] not in OPENING or len(line) == 1, lines
    # Nothing is lost but the spaces where a line breaks.
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_straight_quote_stays_with_the_word_it_opens_or_closes():
    """English scripts use straight quotes: `"later"` and a closing `?"` are never split
    from their words (found at 80 columns: a lone `"` on a line of its own)."""
    text = 'I can\'t put "later" on the account. I need an actual date. "What date can I put down for the payment?"'
    for width in range(12, 60):
        lines = fold(text, width).split("\n")
        assert all(line.strip() != '"' for line in lines), (width, lines)
        assert not any(line.endswith(' "') or line.startswith('" ') for line in lines), (width, lines)
        assert not any(line.startswith('later"') for line in lines), (width, lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
