"""Pictures of the main screens at a collector's 80x24 and at 120x40, in both languages.

The SVGs under __snapshots__ are also the screenshots in README.md.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tests.tui.conftest import press, settle


def _run_before(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await press(pilot, key)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # a cursor shown or not, as half a second fell, made two pictures

    return run_before


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_worklist(snap_compare, make_app, locale):
    assert snap_compare(make_app(locale), terminal_size=(80, 24), run_before=_run_before())


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_call_with_rebuttal(snap_compare, make_app, locale):
    keys = ("enter", "d", "r", "y", "o", "y", "4", "4")
    assert snap_compare(make_app(locale), terminal_size=(80, 24), run_before=_run_before(*keys))


def test_call_wide(snap_compare, make_app):
    keys = ("enter", "d", "r", "y", "o", "y")
    assert snap_compare(make_app("en"), terminal_size=(120, 40), run_before=_run_before(*keys))


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_promise_form(snap_compare, make_app, locale):
    keys = ("enter", "d", "r", "y", "o", "y", "f")
    assert snap_compare(make_app(locale), terminal_size=(80, 24), run_before=_run_before(*keys))


TO_ASK = ("enter", "d", "r", "y", "o", "y")
# A call at each kind of step: before dialling, someone on the line not yet verified, the
# script's own words, the last rung of a ladder, the wrap-up; then the end form, and a notice.
STEPS = {
    "prepare": ("enter",),
    "unverified": ("enter", "d", "g"),
    "ask_payment": TO_ASK,
    "last_rung": TO_ASK + ("4", "4", "4", "4"),
    "wrap_up": TO_ASK + ("r", "h"),
    "end_form": TO_ASK + ("r", "h", "x"),
    "undo_notice": TO_ASK + ("r", "u"),
}


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_call_at_80x24(snap_compare, make_app, locale, step):
    assert snap_compare(make_app(locale), terminal_size=(80, 24), run_before=_run_before(*STEPS[step]))


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_payment_form(snap_compare, make_app, locale):
    assert snap_compare(make_app(locale), terminal_size=(80, 24), run_before=_run_before("m"))


@pytest.mark.parametrize(("locale", "words"), [("en", "acountant on leave"), ("zh", "會計請假了")], ids=["en", "zh"])
def test_call_with_quick_find(snap_compare, make_app, locale, words):
    keys = ("enter", "d", "r", "y", "o", "slash", *("space" if c == " " else c for c in words))
    assert snap_compare(make_app(locale), terminal_size=(80, 24), run_before=_run_before(*keys))


def test_call_narrow(snap_compare, make_app):
    """At 56 columns the words to read aloud keep more room than the card."""
    assert snap_compare(make_app("zh"), terminal_size=(56, 24), run_before=_run_before(*TO_ASK))


def test_practice_picker(snap_compare, make_app):
    assert snap_compare(make_app("zh"), terminal_size=(80, 24), run_before=_run_before("p"))


# A supervisor's screens after a call: the ids a call gets are made predictable here, so
# the pictures show the same call every run.
AFTER_A_CALL = ("enter", "a", "x", "ctrl+s")
SUPERVISOR_SCREENS = {"calls_browser": ("v",), "replay": ("v", "enter"), "dashboard": ("f",)}


@pytest.mark.parametrize("screen", list(SUPERVISOR_SCREENS))
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_supervisor_screens_at_80x24(snap_compare, make_app, monkeypatch, locale, screen):
    import itertools
    import uuid

    numbers = itertools.count(1)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(numbers)))

    async def run_before(pilot) -> None:
        await _run_before(*AFTER_A_CALL, *SUPERVISOR_SCREENS[screen])(pilot)
        pilot.app.clear_notifications()  # "call ended" is the call screen's news, not this picture's
        await settle(pilot)

    assert snap_compare(make_app(locale), terminal_size=(80, 24), run_before=run_before)
