"""The `callassist` command: open the worklist, make a demo, manage the database."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from callassist.launch import GLOBAL_OPTIONS, Options, UsageError, run_tui

app = typer.Typer(add_completion=False, no_args_is_help=False, help="A terminal assistant for phone collection of overdue debts.")
db_app = typer.Typer(help="Database maintenance.")
app.add_typer(db_app, name="db")


def fail(message: str) -> typer.Exit:
    """A usage error: one clear line on stderr, exit status 2, no traceback."""
    typer.echo(f"callassist: {message}", err=True)
    return typer.Exit(2)


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
) -> None:
    """Open the worklist on the default database when no command is given."""
    try:
        ctx.obj = Options(db, collector, locale, scripts_dir, objections_dir)
    except UsageError as exc:
        raise fail(str(exc)) from None
    if ctx.invoked_subcommand is None:
        run_tui(ctx.obj, ctx.obj.settings.database_url())


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
