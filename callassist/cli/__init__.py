"""The `callassist` command, one module per group of commands; each registers its commands
on the root app (root.py) when imported, in the order `--help` lists them."""

from __future__ import annotations

import inspect
import sys

import typer

# The modules register their commands as they are imported: in the order --help lists them.
# isort: off
from callassist.cli import demo, figures, benchmarks, content, database, audit, ledger  # noqa: F401

# isort: on
from callassist.cli.root import app
from callassist.startup import GLOBAL_OPTIONS

__all__ = ["app", "main", "misplaced_global_option"]


def running_text(doc: str) -> str:
    """A docstring's paragraphs as running text: rich help keeps the line breaks inside a
    paragraph, which would break a sentence in --help wherever the source was wrapped."""
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in inspect.cleandoc(doc).split("\n\n"))


def _help_as_running_text(group: typer.Typer) -> None:
    for command in group.registered_commands:
        if command.callback is not None and command.callback.__doc__:
            command.callback.__doc__ = running_text(command.callback.__doc__)
    for inner in group.registered_groups:
        if inner.typer_instance is not None:
            _help_as_running_text(inner.typer_instance)


_help_as_running_text(app)


def misplaced_global_option(argv: list[str]) -> str | None:
    """What to say when a global option (--locale, --db...) follows a command that has no
    option of that name: `callassist demo --locale zh` means `callassist --locale zh demo`."""
    group = typer.main.get_command(app)
    at, value_next = None, False
    for index, word in enumerate(argv):  # the command: the first word that is no option's value
        if value_next or word.startswith("-"):
            value_next = not value_next and word in GLOBAL_OPTIONS  # `--collector bench`: bench is no command
            continue
        at = index
        break
    if at is None or argv[at] not in group.commands:  # type: ignore[attr-defined]
        return None
    command = group.commands[argv[at]]  # type: ignore[attr-defined]
    after = argv[at + 1 :]
    inner = next((word for word in after if not word.startswith("-")), None)
    if isinstance(command, typer.core.TyperGroup) and inner in command.commands:  # db upgrade, import accounts
        command, after = command.commands[inner], after[after.index(inner) + 1 :]
    own = {flag for param in command.params for flag in param.opts}
    for word in after:
        flag = word.split("=", 1)[0]
        if flag in GLOBAL_OPTIONS and flag not in own:
            at = argv.index(word)
            taken = argv[at : at + (1 if "=" in word else 2)]
            rest = argv[:at] + argv[at + len(taken) :]
            from callassist.core.i18n import label

            return label("cli_global_option_first", _asked_locale(argv), option=flag, command=" ".join(["callassist", *taken, *rest]))
    return None


def _asked_locale(argv: list[str]) -> str:
    """The language the command line asked for (--locale, wherever it stands), else
    CALLASSIST_LOCALE's, else the system's."""
    import os

    from callassist.core.i18n import resolve_locale

    for index, word in enumerate(argv):
        flag, has_value, value = word.partition("=")
        if flag == "--locale" and (has_value or index + 1 < len(argv)):
            return resolve_locale(value if has_value else argv[index + 1])
    return resolve_locale(os.environ.get("CALLASSIST_LOCALE"))


def main() -> None:
    problem = misplaced_global_option(sys.argv[1:])
    if problem is not None:
        typer.echo(f"callassist: {problem}", err=True)
        raise SystemExit(2)
    app()
