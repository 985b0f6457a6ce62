"""The key bar: the keys that work now, in the collector's language, and a click presses one."""

from __future__ import annotations

from callassist.tui.screens.call import CallScreen
from callassist.tui.screens.keys import KeysScreen
from callassist.tui.screens.note import NoteScreen
from callassist.tui.widgets.key_bar import KeyBar
from tests.tui.conftest import press, settle


def _shown(bar: KeyBar) -> str:
    return str(bar.render())


async def test_the_bar_follows_the_screen_and_a_click_presses_the_key(make_app):
    async with make_app("zh").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = pilot.app.screen.query_one(KeyBar)
        assert "拨打" in _shown(bar) and "按键" in _shown(bar) and "^p" in _shown(bar)
        start, _, _ = next(place for place in bar.places if place[2] == "question_mark")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await settle(pilot)
        assert isinstance(pilot.app.screen, KeysScreen)
        assert ("q", "退出") in pilot.app.screen.rows(), "the worklist's ? lists every key that works there (issue 23)"
        await press(pilot, "escape", "enter")
        assert isinstance(pilot.app.screen, CallScreen)
        bar = pilot.app.screen.query_one(KeyBar)
        assert "备注" in _shown(bar) and "不拨号离开" in _shown(bar) and "拨打" not in _shown(bar)
        assert "结束通话" not in _shown(bar) and "查借口" not in _shown(bar), "nothing to end or find before dialling"
        await press(pilot, "question_mark")
        rows = set(pilot.app.screen.rows())
        assert isinstance(pilot.app.screen, KeysScreen) and ("Esc  x", "不拨号离开") in rows and not {k for k, _ in rows} & {"H", "/", "u  Ctrl+Z", "x"}
        await press(pilot, "escape", "d", "question_mark")  # dialled: the keys of a call on the line
        rows = set(pilot.app.screen.rows())
        assert {("/", "查借口"), ("H", "暂停"), ("u  Ctrl+Z", "撤销"), ("x", "结束通话")} <= rows and not {"Esc", "Esc  x"} & {k for k, _ in rows}
        await press(pilot, "escape")
        start, _, _ = next(place for place in bar.places if place[2] == "n")
        await pilot.click(KeyBar, offset=(start + 1, 0))
        await settle(pilot)
        assert isinstance(pilot.app.screen, NoteScreen)
