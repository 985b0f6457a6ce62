"""The command palette speaks the collector's language (issue 23): its key on the key bar,
its search field and Textual's own commands."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input

from tests.tui.conftest import press, settle, until


async def test_the_palette_is_in_chinese_in_a_chinese_session(make_app, db_url):
    app = make_app("zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = str(app.screen.query_one("KeyBar").render())
        assert "^p 命令" in bar and "palette" not in bar
        await press(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(Input).placeholder == "搜索命令或账户…"
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert "退出" in commands and "Quit" not in commands and "Theme" not in commands and "重新载入话术与借口库" in commands
        await pilot.press(*"zqx")

        def shown() -> list[str]:
            return [str(option.prompt.renderable if hasattr(option.prompt, "renderable") else option.prompt) for option in app.screen.query_one("CommandList").options]

        # The palette waits half a second of real time before saying nothing matched (seen
        # empty after 0.8 s once, in a full run on a loaded machine).
        await until(pilot, lambda: any("没有匹配" in prompt for prompt in shown()))
        assert not any("No matches" in prompt for prompt in shown()), shown()
        await press(pilot, "escape")
        app.action_change_theme()
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette) and app.screen.query_one(Input).placeholder == "搜索主题…"
        await press(pilot, "escape")


async def test_another_account_from_the_palette_during_a_call_says_how_to_finish_first(make_app, db_url):
    app = make_app("en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        other = app.accounts[1][0]
        await press(pilot, "enter")
        call_screen = app.screen
        app.begin_call(other)  # what the palette's hit runs
        await settle(pilot)
        assert app.screen is call_screen
        assert [n.message for n in app._notifications][-1].startswith("A call is open, nothing dialled yet: leave it first (Esc)")
        await press(pilot, "d")
        app.begin_call(other)
        await settle(pilot)
        assert [n.message for n in app._notifications][-1].startswith("A call is open: end it first (x")
