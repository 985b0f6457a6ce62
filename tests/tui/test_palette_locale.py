"""The command palette speaks the collector's language (issue 23): its key on the key bar,
its search field and Textual's own commands."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input

from tests.tui.conftest import press, settle


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
        await press(pilot, "escape")
