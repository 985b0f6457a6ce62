"""`--help` at 80 columns: every command's paragraphs wrap where the width ends, never where
the source's docstring happened to break a line, and no word is folded in two."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from callassist.cli import app

WIDTH = 80
runner = CliRunner()


def _commands() -> list[list[str]]:
    """Every command line that has a --help: callassist, each command, each group's commands."""
    found: list[list[str]] = [[]]

    def walk(command, words: list[str]) -> None:
        for name, inner in getattr(command, "commands", {}).items():
            found.append([*words, name])
            walk(inner, [*words, name])

    walk(typer.main.get_command(app), [])
    return found


def _help(words: list[str]) -> list[str]:
    shown = runner.invoke(app, [*words, "--help"], env={"COLUMNS": str(WIDTH)}, terminal_width=WIDTH)
    assert shown.exit_code == 0, (words, shown.output)
    return shown.output.splitlines()


def _prose(lines: list[str]) -> list[list[str]]:
    """The paragraphs above the first panel, each as its lines (the usage first)."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("╭"):
            break
        if line.strip():
            paragraphs[-1].append(line.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def test_every_help_paragraph_wraps_where_the_width_ends():
    room = WIDTH - 2  # rich leaves a column either side
    commands = _commands()
    assert len(commands) > 25 and ["schema"] in commands and ["audit", "verify"] in commands
    for words in commands:
        usage, *paragraphs = _prose(_help(words))
        assert len(usage) == 1, (words, usage)  # the usage line is whole (schema's listed every kind, split mid-word)
        for paragraph in paragraphs:
            for line, following in zip(paragraph, paragraph[1:]):
                next_word = following.split()[0]
                assert len(line) + 1 + len(next_word) > room, f"callassist {' '.join(words)} --help breaks a line before it is full: {line!r} / {following!r}"


def test_no_word_in_a_help_table_is_folded_in_two():
    """Rich folds an over-long choice list (<flow|...|per / sona|...>) where the column ends."""
    for words in _commands():
        for line in _help(words):
            unclosed = [opened for opened, closed in re.findall(r"(<[a-z][^<>]*)(>?)", line) if not closed]  # <int range>, not <=
            assert not unclosed, f"callassist {' '.join(words)} --help folds a word: {line!r}"
