"""`callassist demo`: a demo ledger with a history of calls, opened in the TUI."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import typer

from callassist.cli.root import app, complain, counted, open_store, say, words
from callassist.startup import Options, run_tui


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
    from datetime import datetime

    from sqlalchemy.engine import make_url

    from callassist.core.judge import judge_of
    from callassist.core.lint import check_content, forbidden_list
    from callassist.core.redact import display_url
    from callassist.store import db as store_db
    from callassist.store import demo as demo_data
    from callassist.store import queries
    from callassist.store.demo_history import populate_history
    from callassist.store.ledger_check import check_ledger

    options: Options = ctx.obj
    url = options.settings.db or options.settings.demo_url()
    parsed = make_url(url)
    if reset and parsed.get_backend_name() == "sqlite" and parsed.database:
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        signed = options.settings.checkpoint_file(url)
        if signed.exists():  # the old demo's checkpoints are kept, apart: the new demo starts a log of its own
            kept = signed.with_name(f"{signed.name}.{datetime.now(UTC):%Y%m%d%H%M%S}")
            signed.rename(kept)
            say("cli_demo_checkpoints_kept", options, path=kept)
    with open_store(options, new=True, url=url) as engine, store_db.session(engine) as session:
        if not demo_data.has_ledger(session):
            today = datetime.now(UTC).date()
            count = demo_data.populate(session, options.settings.collector, today)
            flow, catalog, problems = check_content(options.settings.scripts_dir, options.settings.script, options.settings.objections_dir)
            calls = populate_history(session, flow, catalog, today, judge=judge_of(flow.flow, catalog, forbidden_list(options.settings.scripts_dir)[0], options.settings.contact_rules)) if not problems else 0
            demo_data.schedule_callbacks(session, options.settings.collector, today)
            say("cli_demo_made", options, count=count, collector=options.settings.collector, calls=counted("cli_n_past_calls", options, calls), database=display_url(url))
            for violation in check_ledger(session=session):  # the ledger's invariants hold in the demo too (db check)
                complain(words("cli_demo_invariant_broken", options, violation=violation.said(options.locale)))
        elif queries.collector_by_name(options.settings.collector, session=session) is None:
            say("cli_demo_someone_elses", options, owner=demo_data.made_for(session), collector=options.settings.collector, database=display_url(url))
        else:
            say("cli_demo_already_there", options, database=display_url(url))
    if not no_open:
        run_tui(options, url)
