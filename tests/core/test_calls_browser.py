"""The calls browser's filters and orders, as the oracle the database's must equal
(tests/store/test_browse.py) defines them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from callassist.core.calls import CallFilter, CallSummary, search_text, unwords, words
from callassist.core.compliance import Viewer
from tests.calls_oracle import browse

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _call(n: int, **fields) -> CallSummary:
    values = dict(call_id=f"c{n}", started_at=START + timedelta(days=n), ended_at=START + timedelta(days=n, seconds=60 * n), collector="wang", debtor=f"Debtor {n}", practice=False, disposition="promise", excuses=(), promised=True, notes=())
    return CallSummary(**(values | fields))


CALLS = [
    _call(1, collector="li", disposition="callback", promised=False, notes=("call back Monday",)),
    _call(2, excuses=("stall", "dispute"), notes=("Asked for the DELIVERY notes",)),
    _call(3, practice=True),
    _call(4, collector="li", disposition="refused", promised=False, excuses=("dodge",), flags=("call_hours", "good_time")),
]


def _ids(wanted: CallFilter) -> list[str]:
    return [call.call_id for call in browse(CALLS, wanted, Viewer("boss", "supervisor"))]


def test_filters_combine_and_practice_is_left_out_unless_asked():
    assert _ids(CallFilter()) == ["c4", "c2", "c1"]
    assert _ids(CallFilter(practice=True)) == ["c4", "c3", "c2", "c1"]
    assert _ids(CallFilter(collector="li")) == ["c4", "c1"]
    assert _ids(CallFilter(excuse="stall")) == ["c2"]
    assert _ids(CallFilter(promised=False)) == ["c4", "c1"]
    assert _ids(CallFilter(disposition="refused")) == ["c4"]
    assert _ids(CallFilter(date_from=date(2026, 11, 4), date_to=date(2026, 11, 6))) == ["c4", "c2"]
    assert _ids(CallFilter(text="delivery")) == ["c2"]
    assert _ids(CallFilter(text="debtor 1")) == ["c1"]
    assert _ids(CallFilter(collector="li", promised=True)) == []
    assert _ids(CallFilter(flag="any")) == ["c4"] and _ids(CallFilter(flag="good_time")) == ["c4"] and _ids(CallFilter(flag="clean_notes")) == []


def test_orders():
    assert _ids(CallFilter(sort="oldest")) == ["c1", "c2", "c4"]
    assert _ids(CallFilter(sort="longest")) == ["c4", "c2", "c1"]
    assert _ids(CallFilter(sort="collector")) == ["c4", "c1", "c2"]  # newest first within a collector


def test_ids_are_kept_as_words_a_like_pattern_finds_whole():
    assert words(("stall", "dispute")) == " stall dispute " and unwords(words(("stall", "dispute"))) == ("stall", "dispute")
    assert words(()) == "" and unwords(None) == ()
    assert search_text("Acme 公司", ("Call BACK",)) == "acme 公司\ncall back"
