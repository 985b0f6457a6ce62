"""The root command: its global options, the TUI when no command is given, and what every
command uses (one way to open the store, one way to fail)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from callassist.startup import GLOBAL_OPTIONS, Options, UsageError, absent_database, checked_locale, reading_url, run_tui

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

app = typer.Typer(add_completion=False, no_args_is_help=False, pretty_exceptions_show_locals=False, help="A terminal assistant for phone collection of overdue debts.")
# The groups, in the order --help lists them; their commands are in the modules beside.
db_app = typer.Typer(help="Database maintenance.")
app.add_typer(db_app, name="db")
audit_app = typer.Typer(help="Check that stored calls are exactly as they were recorded.")
app.add_typer(audit_app, name="audit")
import_app = typer.Typer(help="Bring a ledger in from CSV files: accounts with their invoices, and payments received.")
app.add_typer(import_app, name="import")
promises_app = typer.Typer(help="Follow promises to pay through until the money arrives.")
app.add_typer(promises_app, name="promises")
objections_app = typer.Typer(help="The catalog of the six excuses.")
app.add_typer(objections_app, name="objections")
holds_app = typer.Typer(help="Holds: collection stopped on an account until a supervisor releases it.")
app.add_typer(holds_app, name="holds")


def words(key: str, options: Options, /, **values: object) -> str:
    """The message `key` of the catalogs in the session's language, its values filled in
    (the plural form a counted value asks for)."""
    from callassist.core.i18n import label

    return label(key, options.locale, **values)


def say(key: str, options: Options, /, *, err: bool = False, **values: object) -> None:
    """Print the message `key` of the catalogs in the session's language."""
    typer.echo(words(key, options, **values), err=err)


def counted(key: str, options: Options, count: int) -> str:
    """A count with its noun, in the session's language ("1 call", "2 calls", "2 通电话")."""
    return words(key, options, count=count)


def complain(message: str) -> None:
    """A line on stderr that goes on (a warning, or what ends the command with status 1)."""
    typer.echo(f"callassist: {message}", err=True)


def fail(message: str) -> typer.Exit:
    """A usage error: one clear line on stderr, exit status 2, no traceback."""
    complain(message)
    return typer.Exit(2)


@contextmanager
def open_store(options: Options, new: bool = False, reading: bool = False, url: str | None = None) -> Iterator[Engine]:
    """The one way a command opens the store: an engine on the configured database (or
    `url`), schema up to date, closed when the block ends; one line and exit 2 if it
    cannot be opened. A SQLite file that is not there is made only when `new` (`db
    upgrade`, `demo`). `reading` (report, export): with no database configured or made
    yet, the demo's, said so (startup.reading_url)."""
    from callassist.core.errors import StoreError
    from callassist.store import db as store_db

    url = url or (reading_url(options) if reading else options.settings.database_url())
    if not new and (problem := absent_database(url, options.settings.db is not None, options.locale)):
        raise fail(problem)
    try:
        engine = store_db.open_engine(url, options.settings.contact_rules.retention_years, options.settings.judge)
    except StoreError as exc:
        raise fail(str(exc)) from None
    try:
        yield engine
    finally:
        engine.dispose()


def viewer_of(options: Options, session):
    """Who runs the command, and so which calls they may read: on a team's database the
    database says (store/team.py), elsewhere --collector and --role."""
    from callassist.core.compliance import Viewer
    from callassist.core.errors import StoreError
    from callassist.store import team

    try:
        member = team.identity(session)
    except StoreError as exc:
        raise fail(str(exc)) from None
    return Viewer(*member) if member else Viewer(options.settings.collector, options.settings.role)


def option(flag: str):
    spec = GLOBAL_OPTIONS[flag]
    return typer.Option(None, flag, envvar=spec.envvar, help=spec.help)


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    db: Optional[str] = option("--db"),
    collector: Optional[str] = option("--collector"),
    locale: Optional[str] = option("--locale"),
    scripts_dir: Optional[Path] = option("--scripts-dir"),
    objections_dir: Optional[Path] = option("--objections-dir"),
    role: Optional[str] = option("--role"),
    compliance: Optional[str] = option("--compliance"),
    phone: Optional[str] = option("--phone"),
) -> None:
    """Open the worklist on the default database when no command is given."""
    try:
        ctx.obj = Options(db, collector, locale, scripts_dir, objections_dir, role, compliance, phone)
    except UsageError as exc:
        raise fail(str(exc)) from None
    if ctx.invoked_subcommand is None:
        run_tui(ctx.obj, reading_url(ctx.obj))


def stderr():
    from rich.console import Console

    return Console(stderr=True)


def content_dirs(options: Options, scripts_dir: Path | None, objections_dir: Path | None) -> tuple[Path, Path]:
    scripts = scripts_dir or options.settings.scripts_dir
    objections = objections_dir or options.settings.objections_dir
    for path, what in ((scripts, "--scripts-dir"), (objections, "--objections-dir")):
        if not path.is_dir():
            raise fail(words("cli_not_a_folder", options, option=what, path=path))
    return scripts, objections


def locale_of(options: Options, requested: str | None) -> str:
    try:
        return checked_locale(requested) if requested else options.locale
    except UsageError as exc:
        raise fail(str(exc)) from None
