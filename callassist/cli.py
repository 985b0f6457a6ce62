"""The `callassist` command: open the worklist, make a demo, manage the database."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=False, help="A terminal assistant for phone collection of overdue debts.")
db_app = typer.Typer(help="Database maintenance.")
app.add_typer(db_app, name="db")


# A database URL as SQLAlchemy names it: sqlite:///file.db, postgresql+psycopg://user@host/db.
DB_URL = re.compile(r"^(sqlite|postgresql)(\+[a-z0-9_]+)?://", re.IGNORECASE)


def fail(message: str) -> typer.Exit:
    """A usage error: one clear line on stderr, exit status 2, no traceback."""
    typer.echo(f"callassist: {message}", err=True)
    return typer.Exit(2)


class Options:
    """The global options, resolved into settings once, each checked with a clear error."""

    def __init__(self, db: str | None, collector: str | None, locale: str | None, scripts_dir: Path | None, objections_dir: Path | None) -> None:
        from callassist.core.i18n import LOCALES, resolve_locale
        from callassist.settings import Settings, SettingsError

        try:
            self.settings = Settings.load(db=db, collector=collector, locale=locale, scripts_dir=scripts_dir, objections_dir=objections_dir)
        except SettingsError as exc:
            raise fail(str(exc)) from None
        url = self.settings.db
        if url and not DB_URL.match(url):
            raise fail(f"unsupported database URL {url!r}: use sqlite:///path/to/file.db or postgresql+psycopg://user@host/dbname")
        requested = self.settings.locale
        if requested and resolve_locale(requested) != requested.replace("-", "_").lower()[:2]:
            raise fail(f"unsupported locale {requested!r}: use {' or '.join(LOCALES)} (zh_CN, zh_TW and other Chinese variants mean zh)")
        self.locale = resolve_locale(requested)


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(None, "--db", envvar="CALLASSIST_DB", help="Database URL (default: SQLite in the user data dir)."),
    collector: Optional[str] = typer.Option(None, "--collector", help="Who is working (default: your login name)."),
    locale: Optional[str] = typer.Option(None, "--locale", help="en or zh (zh_TW and other Chinese locales map to zh); default: the system locale."),
    scripts_dir: Optional[Path] = typer.Option(None, "--scripts-dir", help="A trainer's scripts/ folder."),
    objections_dir: Optional[Path] = typer.Option(None, "--objections-dir", help="A trainer's objections/ folder."),
) -> None:
    """Open the worklist on the default database when no command is given."""
    ctx.obj = Options(db, collector, locale, scripts_dir, objections_dir)
    if ctx.invoked_subcommand is None:
        run_tui(ctx.obj, ctx.obj.settings.database_url())


def run_tui(options: Options, url: str) -> None:
    from callassist.tui.app import CallAssistApp

    settings = options.settings

    def open_workspace():
        from callassist.workspace import Workspace

        return Workspace.open(settings, url, options.locale)

    quick_read = None
    if url.startswith("sqlite:///"):
        from callassist.store.sql import quick_sqlite_read

        path = url.removeprefix("sqlite:///")
        quick_read = lambda: quick_sqlite_read(path, settings.collector)  # noqa: E731
    CallAssistApp(open_workspace, options.locale, settings.collector, quick_read).run()


@app.command()
def demo(
    ctx: typer.Context,
    no_open: bool = typer.Option(False, "--no-open", help="Only create the demo database."),
    reset: bool = typer.Option(False, "--reset", help="Start again from a fresh demo database (earlier demo calls are deleted)."),
) -> None:
    """Create a demo database (60+ accounts) and open the worklist on it.

    The demo database lives beside the default one (demo.db in the data dir, or --db).
    It is created on the first run; later runs open it again with its calls, so an
    interrupted call can be resumed. --reset starts over.
    """
    from datetime import datetime, timezone

    from sqlalchemy.engine import make_url

    from callassist.store import db as store_db
    from callassist.store import demo as demo_data
    from callassist.store import queries
    from callassist.store.errors import StoreError

    options: Options = ctx.obj
    url = options.settings.db or options.settings.demo_url()
    parsed = make_url(url)
    if reset and parsed.get_backend_name() == "sqlite" and parsed.database:
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
    try:
        engine = store_db.open_engine(url)
    except StoreError as exc:
        raise fail(str(exc)) from None
    with store_db.session(engine) as session:
        existing = queries.collector_by_name(options.settings.collector, session=session)
        if existing is None:
            count = demo_data.populate(session, options.settings.collector, datetime.now(timezone.utc).date())
            typer.echo(f"Demo database with {count} accounts for {options.settings.collector}: {url}")
        else:
            typer.echo(f"Demo database already there (use --reset to start over): {url}")
    engine.dispose()
    if not no_open:
        run_tui(options, url)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the database schema up to date (runs the Alembic migrations)."""
    from callassist.store import db as store_db

    from callassist.store.errors import StoreError

    url = ctx.obj.settings.database_url()
    try:
        store_db.open_engine(url).dispose()
    except StoreError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"Schema up to date: {url}")


@app.command()
def bench(
    only: Optional[list[str]] = typer.Option(None, "--only", help="cold_start, keypress_to_prompt, event_append, template_render (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object {name: {median_ms, p99_ms, floor_ms, ratio}}."),
) -> None:
    """Measure start-up, keypress-to-prompt, event append and template render, each beside its floor."""
    from callassist import bench as benchmark

    unknown = set(only or ()) - set(benchmark.NAMES)
    if unknown:
        raise typer.BadParameter(f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(benchmark.NAMES)}", param_hint="--only")
    results = benchmark.run(only)
    typer.echo(benchmark.as_json(results) if as_json else benchmark.format_table(results))


def main() -> None:
    app()
