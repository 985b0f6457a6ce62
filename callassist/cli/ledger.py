"""The ledger: `import` accounts and payments, follow `promises` through, release `holds`."""

from __future__ import annotations

import sys
from datetime import UTC
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from callassist.cli.root import complain, counted, fail, holds_app, import_app, open_store, promises_app, say, stderr, viewer_of, words
from callassist.startup import Options

PROBLEMS_SHOWN = 100  # of a file's problems; the rest are counted


def _import(ctx: typer.Context, path: Path, kind: str, number_format: str) -> None:
    """Check every row, then store all of them in one transaction, or nothing."""
    import time
    from datetime import datetime

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from callassist.core.errors import StoreError
    from callassist.core.i18n import fmt_list
    from callassist.core.ledger_csv import LedgerFileError, read_accounts, read_payments
    from callassist.services.unit import database_errors
    from callassist.store import db as store_db
    from callassist.store import ledger

    options: Options = ctx.obj
    settings = options.settings
    today = datetime.now(UTC).date()
    with open_store(options) as engine:
        started = time.perf_counter()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        try:
            with Progress(*columns, transient=True, disable=not sys.stderr.isatty(), console=stderr()) as bar:
                task = bar.add_task(words("cli_checking", options), total=None)
                rows, problems = (read_accounts(path, progress=lambda n: bar.advance(task, n), number_format=number_format), []) if kind == "accounts" else read_payments(path, today, number_format)
                bar.update(task, description=words("cli_storing", options), completed=0, total=len(rows))
                with database_errors(f"cannot import {path}"), store_db.session(engine) as session:
                    if kind == "accounts":
                        result = ledger.import_accounts(rows, default_collector=settings.collector, today=today, class_days=settings.class_days, session=session, progress=lambda n: bar.advance(task, n), path=str(path))
                    else:
                        result = ledger.import_payments(rows, path=str(path), source="import", today=today, grace_days=settings.promise_grace_days, class_days=settings.class_days, session=session, problems=problems)
                    session.commit()
        except LedgerFileError as exc:
            for problem in exc.problems[:PROBLEMS_SHOWN]:
                typer.echo(str(problem), err=True)
            if len(exc.problems) > PROBLEMS_SHOWN:
                say("cli_and_more", options, err=True, count=len(exc.problems) - PROBLEMS_SHOWN)
            complain(words("cli_import_refused", options, count=len(exc.problems), path=path))
            raise typer.Exit(1) from None
        except StoreError as exc:
            raise fail(str(exc)) from None
    seconds = time.perf_counter() - started
    details = fmt_list([counted(f"cli_imported_{name}", options, value) for name, value in result.details.items()], options.locale)
    details = words("cli_import_details", options, details=details) if details else ""
    say(f"cli_{kind}_imported", options, path=path, count=result.added, changed=result.changed, unchanged=result.unchanged, details=details, seconds=f"{seconds:.1f}")


class NumberFormat(str, Enum):  # noqa: UP042 (Typer's choices)
    """How a ledger file writes its amounts (money.NUMBER_FORMATS)."""

    plain = "plain"
    comma_point = "1,234.56"
    point_comma = "1.234,56"


NUMBER_FORMAT = typer.Option(NumberFormat.plain, "--number-format", metavar="FORMAT", help="How the file writes amounts: plain digits and a decimal point (12500.00), or grouped as 1,234.56 or 1.234,56.")


@import_app.command("accounts")
def import_accounts(ctx: typer.Context, path: Path = typer.Argument(..., help="CSV, one row per invoice; see docs/ledger.md for the columns."), number_format: NumberFormat = NUMBER_FORMAT) -> None:
    """Import debtors, contacts, accounts and invoices. Every row is checked first: one bad
    row and nothing is imported. Importing the same file again changes nothing."""
    _import(ctx, path, "accounts", number_format.value)


@import_app.command("payments")
def import_payments(ctx: typer.Context, path: Path = typer.Argument(..., help="CSV: payment_id, account_id, paid_on, amount[, currency, method, reference]."), number_format: NumberFormat = NUMBER_FORMAT) -> None:
    """Import payments received; each is matched to the account's open promises, which are
    then judged. All or nothing, and a second import of the same file changes nothing."""
    _import(ctx, path, "payments", number_format.value)


@promises_app.command("evaluate")
def promises_evaluate(
    ctx: typer.Context,
    today: Optional[str] = typer.Option(None, "--today", help="Judge as of this day (YYYY-MM-DD) rather than today."),
) -> None:
    """Judge open promises whose dates (plus the grace period) have passed: kept, partly
    kept or broken. A broken one puts the account at the top of its collector's worklist."""
    from datetime import date, datetime, timedelta

    from callassist.core.errors import StoreError
    from callassist.core.promises import parse_date
    from callassist.services.unit import database_errors
    from callassist.store import db as store_db
    from callassist.store import ledger

    options: Options = ctx.obj
    now = datetime.now(UTC)
    day = parse_date(today) if today else None
    if today and day is None:
        raise fail(words("cli_not_a_date", options, option="--today", value=repr(today)))
    if day is not None and day > (now + timedelta(hours=14)).date():  # the earliest zone on Earth is UTC+14
        raise fail(words("cli_today_in_future", options, day=day.isoformat()))
    with open_store(options) as engine:
        try:
            with database_errors("cannot evaluate promises"), store_db.session(engine) as session:
                # Each debtor's promises as of their own date now (or --today, when earlier).
                counts = ledger.evaluate_promises(today=day or date.max, now=now, grace_days=options.settings.promise_grace_days, class_days=options.settings.class_days, session=session)
                session.commit()
        except StoreError as exc:
            raise fail(str(exc)) from None
    judged = {"kept": counts["kept"], "partly_kept": counts["partly_kept"], "broken": counts["broken"], "days": options.settings.promise_grace_days}
    say("cli_promises_judged_on" if day else "cli_promises_judged_today", options, day=(day or now.date()).isoformat(), **judged)


@holds_app.command("list")
def holds_list(ctx: typer.Context) -> None:
    """The holds in force on the accounts you may read, oldest first: id, account,
    debtor, why, since when, by whom, and what was captured."""
    from callassist.core.errors import StoreError
    from callassist.core.i18n import label
    from callassist.services.unit import database_errors
    from callassist.store import db as store_db
    from callassist.store import holds

    options: Options = ctx.obj
    with open_store(options) as engine:
        try:
            with database_errors("cannot read the holds"), store_db.session(engine) as session:
                found = holds.open_holds(session=session)
        except StoreError as exc:
            raise fail(str(exc)) from None
    if not found:
        say("cli_no_holds", options)
        return
    for hold, account, debtor in found:
        details = f" · {hold.details}" if hold.details else ""
        placed = words("cli_hold_placed", options, at=f"{hold.placed_at:%Y-%m-%d %H:%M}", by=hold.placed_by)
        typer.echo(f"{hold.id}\t{account}\t{debtor}\t{label(f'hold_{hold.reason}', options.locale)}\t{placed}{details}")


@holds_app.command("release")
def holds_release(
    ctx: typer.Context,
    hold_id: int = typer.Argument(..., help="The hold's id, as `callassist holds list` shows it."),
    reason: str = typer.Option(..., "--reason", help="Why collection may go on (stored with the release)."),
) -> None:
    """Release a hold (a supervisor's decision), with the reason; the account comes back
    to the worklist and may be dialled again."""
    from datetime import datetime

    from callassist.core.compliance import SUPERVISOR
    from callassist.core.errors import StoreError
    from callassist.services.unit import database_errors
    from callassist.store import db as store_db
    from callassist.store import holds

    options: Options = ctx.obj
    with open_store(options) as engine:
        try:
            with database_errors("cannot release the hold"), store_db.session(engine) as session:
                viewer = viewer_of(options, session)
                if viewer.role != SUPERVISOR:
                    raise fail(words("cli_release_supervisor", options, role=viewer.role))
                released = holds.release_hold(hold_id, viewer.name, reason, datetime.now(UTC), session=session)
                session.commit()
                say("cli_hold_released", options, id=released.id, reason=words(f"hold_{released.reason}", options), account=released.account_id, why=released.release_reason)
        except StoreError as exc:
            raise fail(str(exc)) from None
