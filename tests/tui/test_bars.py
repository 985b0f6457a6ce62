"""The dashboard's bars: a line per item, names measured in terminal cells, integer ticks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from callassist.core.figures import count_ticks, in_flow_order
from callassist.tui.widgets.bars import bar_lines

NAMES = st.sampled_from(["拖 第1步", "Stall, rung 2", "推：会计不在 第3步", "Deflect: the accountant is away, rung 4", "磨", "x"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NAMES, st.integers(min_value=0, max_value=500)), min_size=1, max_size=30), st.integers(min_value=20, max_value=120))
def test_every_item_has_a_line_of_the_width_given(items, width):
    drawn = bar_lines([(name, value, str(value)) for name, value in items], width).plain.split("\n")
    assert len(drawn) == len(items), "no bar is dropped"
    assert all(cell_len(line) == cell_len(drawn[0]) <= width for line in drawn), drawn
    for line, (_, value) in zip(drawn, items):
        assert line.rstrip().endswith(str(value)) and ("█" in line) == (value > 0)


def test_count_ticks_are_whole_numbers_and_reach_the_largest():
    for largest in range(0, 2000, 7):
        ticks = count_ticks(largest)
        assert all(isinstance(tick, int) for tick in ticks) and ticks[0] == 0 and ticks[-1] >= largest and len(ticks) <= 6
        assert len({b - a for a, b in zip(ticks, ticks[1:])}) == 1


def test_steps_follow_the_flow_and_unknown_ones_come_last():
    assert [s for s, _ in in_flow_order({"wrap_up": 3.0, "gone": 1.0, "prepare": 9.0, "negotiate": 5.0}, ["prepare", "negotiate", "wrap_up"])] == ["prepare", "negotiate", "wrap_up", "gone"]


def test_calls_per_day_give_every_day_a_column_and_fit_the_width():
    from datetime import date, timedelta

    from callassist.tui.widgets.bars import day_columns

    last = date(2026, 12, 4)
    # Weekdays only: the weekends are days too, shown as the gaps they were.
    per_day = [(last - timedelta(days=back), 3 + back % 4, back % 3) for back in range(60) if (last - timedelta(days=back)).weekday() < 5]
    for width in (40, 76, 118):
        drawn = day_columns(per_day, last, width, 8, ("cyan", "green")).plain.split("\n")
        assert all(cell_len(line) <= width for line in drawn), width
        columns = (len(drawn[-2]) - drawn[-2].index("─")) // 2  # the axis runs under every column
        assert columns == (width - 3 - 3) // 2, "the newest days that fit, every one of them"
        bottom = drawn[-3][drawn[-2].index("─") :]
        days = [last - timedelta(days=back) for back in range(columns - 1, -1, -1)]
        assert [bottom[2 * i] != " " for i in range(columns)] == [day.weekday() < 5 for day in days], "a weekend is an empty column"
        assert drawn[0].split()[0].isdigit() and drawn[-1].rstrip().endswith("12-04")


def test_every_rung_name_is_whole_in_half_of_an_80_column_dashboard(catalog):
    """At 80x24 the rungs' chart is 37 cells wide: "Old friend, rung 1" was cut to
    "Old friend, run…" while the bar had room to give."""
    from callassist.core.i18n import label

    for locale in ("en", "zh"):
        names = catalog.ladder_names(locale)
        rungs = [(label("rung_name", locale, excuse=names[excuse], rung=rung), 1.0, "100% (12)") for excuse in ("dodge", "old_friend", "dispute", "stall", "deflect", "wear_down") for rung in (1, 2, 3)]
        drawn = bar_lines(rungs, 37).plain.split("\n")
        assert all(line.startswith(name) for line, (name, _, _) in zip(drawn, rungs)), drawn
