"""The `callassist` command: open the worklist, make a demo, manage the database."""

from __future__ import annotations

import sys
from datetime import UTC
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from callassist.startup import GLOBAL_OPTIONS, Options, UsageError, absent_database, checked_locale, reading_url, run_tui

app = typer.Typer(add_completion=False, no_args_is_help=False, pretty_exceptions_show_locals=False, help="A terminal assistant for phone collection of overdue debts.")
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


MISSED_LISTED = 20  # calls with a missed objection shown in the table; CSV and JSON list all


def fail(message: str) -> typer.Exit:
    """A usage error: one clear line on stderr, exit status 2, no traceback."""
    typer.echo(f"callassist: {message}", err=True)
    return typer.Exit(2)


def _open_store(options: Options, new: bool = False, reading: bool = False):
    """The engine on the configured database, schema up to date; one line and exit 2 if not.
    A SQLite file that is not there is made only when `new` (`db upgrade`; `demo` makes its own).
    `reading` (report, export): with no database configured or made yet, the demo's, said so (startup.reading_url)."""
    from callassist.store import db as store_db
    from callassist.store.errors import StoreError

    url = reading_url(options) if reading else options.settings.database_url()
    if not new and (problem := absent_database(url, options.settings.db is not None)):
        raise fail(problem)
    try:
        return store_db.open_engine(url, options.settings.contact_rules.retention_years, options.settings.judge)
    except StoreError as exc:
        raise fail(str(exc)) from None


def _viewer(options: Options, session):
    """Who runs the command, and so which calls they may read: on a team's database the
    database says (store/team.py), elsewhere --collector and --role."""
    from callassist.core.compliance import Viewer
    from callassist.store import team
    from callassist.store.errors import StoreError

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
) -> None:
    """Open the worklist on the default database when no command is given."""
    try:
        ctx.obj = Options(db, collector, locale, scripts_dir, objections_dir, role, compliance)
    except UsageError as exc:
        raise fail(str(exc)) from None
    if ctx.invoked_subcommand is None:
        run_tui(ctx.obj, reading_url(ctx.obj))


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
    from callassist.store.errors import StoreError
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
            typer.echo(f"The earlier demo's checkpoints are kept in {kept}")
    try:
        engine = store_db.open_engine(url, options.settings.contact_rules.retention_years, options.settings.judge)
    except StoreError as exc:
        raise fail(str(exc)) from None
    with store_db.session(engine) as session:
        if not demo_data.has_ledger(session):
            today = datetime.now(UTC).date()
            count = demo_data.populate(session, options.settings.collector, today)
            flow, catalog, problems = check_content(options.settings.scripts_dir, options.settings.script, options.settings.objections_dir)
            calls = populate_history(session, flow, catalog, today, judge=judge_of(flow.flow, catalog, forbidden_list(options.settings.scripts_dir)[0], options.settings.contact_rules)) if not problems else 0
            demo_data.schedule_callbacks(session, options.settings.collector, today)
            typer.echo(f"Demo database with {count} accounts for {options.settings.collector} and {calls} past calls: {display_url(url)}")
            for violation in check_ledger(session=session):  # the ledger's invariants hold in the demo too (db check)
                typer.echo(f"callassist: the demo ledger breaks an invariant: {violation}", err=True)
        elif queries.collector_by_name(options.settings.collector, session=session) is None:
            typer.echo(f"Demo database already there, made for {demo_data.made_for(session)}: its accounts are theirs (--collector {demo_data.made_for(session)}, or --reset to make one for {options.settings.collector}): {display_url(url)}")
        else:
            typer.echo(f"Demo database already there (use --reset to start over): {display_url(url)}")
    engine.dispose()
    if not no_open:
        run_tui(options, url)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Bring the database schema up to date (runs the Alembic migrations).

    A database set up now keeps call records at least as long as the contact rules in
    force say (--compliance); a profile asking for longer raises that floor, none lowers it.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from callassist.core.redact import display_url
    from callassist.store import db as store_db
    from callassist.store.sql import missing_file

    settings = ctx.obj.settings
    created = missing_file(settings.database_url())
    engine = _open_store(ctx.obj, new=True)
    if created:
        typer.echo(f"New database made: {created}")
    try:
        with store_db.session(engine) as session:
            floor = store_db.raise_retention(session, settings.contact_rules.retention_years)
            session.commit()
    except SQLAlchemyError as exc:  # on a team's database only the owner may raise it
        raise fail(f"the {settings.contact_rules.name} rules keep records longer than this database does; only the owner of its tables may raise that: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()
    typer.echo(f"Schema up to date: {display_url(settings.database_url())}")
    typer.echo(f"Call records are kept at least {floor} years (no purge goes further).")


@db_app.command("check")
def db_check(ctx: typer.Context) -> None:
    """Check the ledger's invariants over every account: balances, closed accounts, promises
    and payments agree. Lists each violation with its account; exit status 1 if any."""
    import time

    from callassist.store import db as store_db
    from callassist.store.ledger_check import INVARIANTS, check_ledger

    engine = _open_store(ctx.obj)
    started = time.perf_counter()
    try:
        with store_db.session(engine) as session:
            found = check_ledger(session=session)
            accounts = session.connection().exec_driver_sql("SELECT COUNT(*) FROM account").scalar()
    finally:
        engine.dispose()
    for violation in found:
        typer.echo(str(violation))
    seconds = time.perf_counter() - started
    if found:
        typer.echo(f"{len(found)} violation(s) in {len({v.account for v in found})} of {accounts} account(s) ({seconds:.1f} s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"{accounts} account(s): the {len(INVARIANTS)} invariants of the ledger hold ({seconds:.1f} s)")


@db_app.command("grant")
def db_grant(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The person's user name: their database login and their name in callassist."),
    role: str = typer.Option("collector", "--role", help="collector, supervisor or trainer."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the login's password from the first line of standard input."),
) -> None:
    """Let a person of the team log in to the team's PostgreSQL database as their own role.

    Run as the owner of the tables (--db with the owner's URL). A collector's connection
    then reads only their own accounts, the team's queue and their own calls; a
    supervisor's reads everything; a trainer's only their own practice calls.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from callassist.store import db as store_db
    from callassist.store import team
    from callassist.store.errors import StoreError

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin and not password:
        raise fail("--password-stdin: the first line of standard input is empty")
    engine = _open_store(ctx.obj)
    try:
        with store_db.session(engine) as session:
            made = team.grant(name, role, session=session, password=password)
            session.commit()
    except StoreError as exc:
        raise fail(str(exc)) from None
    except SQLAlchemyError as exc:  # a refusal (not the owner, no CREATEROLE): said in one line
        raise fail(f"cannot grant {name} the {role} role: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()
    typer.echo(f"{'Made' if made else 'Changed'} the login {name}: {role} of the team{' (no password: set one with --password-stdin)' if password is None and made else ''}.")


@app.command()
def replay(ctx: typer.Context, call_id: str = typer.Argument(..., help="The call's id (see `callassist audit verify`).")) -> None:
    """Replay a stored call step by step, as the collector saw it (its hash chain checked first)."""
    options: Options = ctx.obj
    run_tui(options, reading_url(options), replay=call_id)


@app.command()
def report(
    ctx: typer.Context,
    date_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY-MM-DD)."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day (YYYY-MM-DD)."),
    collector: Optional[str] = typer.Option(None, "--collector", help="Only this collector's calls."),
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
    locale: Optional[str] = typer.Option(None, "--locale", help="Name steps and excuses in en or zh (the table; csv and json keep ids)."),
) -> None:
    """Team figures: contact, promise, kept and broken rates, time per phase, excuses, rebuttal rungs.

    Practice calls are never counted.
    """
    import csv
    import io
    import json
    from datetime import datetime

    from rich.cells import cell_len

    from callassist.core.compliance import HOLD_REASONS
    from callassist.core.figures import DATA_COLUMNS, as_data, as_rows, figures_from
    from callassist.core.i18n import label
    from callassist.core.lint import check_content
    from callassist.core.promises import parse_date
    from callassist.core.spreadsheet import safe_cell
    from callassist.store import db as store_db
    from callassist.store import queries

    options: Options = ctx.obj
    _choice(fmt, ("table", "csv", "json"), "--format")
    lang = _locale(options, locale)
    days = {}
    for name, raw in (("--from", date_from), ("--to", date_to)):
        if raw is not None:  # an empty one too: `--from ''` is a mistake, not "from the start"
            days[name] = parse_date(raw)
            if days[name] is None:
                raise fail(f"{name} {raw!r} is not a date: use YYYY-MM-DD")
    if len(days) == 2 and days["--from"] > days["--to"]:
        raise fail(f"--from {days['--from'].isoformat()} is after --to {days['--to'].isoformat()}: no day is in between; swap them")
    engine = _open_store(options, reading=True)
    with store_db.session(engine) as session:
        if collector is not None and queries.collector_by_name(collector, session=session) is None:
            engine.dispose()
            raise fail(f"--collector {collector!r}: no collector of that name in this database (names are as in the ledger's collector column)")
        totals = queries.team_totals(session=session, viewer=_viewer(options, session), today=datetime.now(UTC).date(), date_from=days.get("--from"), date_to=days.get("--to"), collector=collector)
    engine.dispose()
    flow, catalog, _ = check_content(options.settings.scripts_dir, options.settings.script, options.settings.objections_dir, rehearse=False)
    states = flow.flow.state_labels(lang) if flow else {}
    excuses = catalog.ladder_names(lang) if catalog else {}
    holds = {reason: label(f"hold_{reason}", lang) for reason in HOLD_REASONS}
    result = figures_from(totals)
    if fmt == "json":  # stable ids, whatever --locale says (docs/supervisor.md: Report formats)
        typer.echo(json.dumps(as_data(result, list(states)), ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=DATA_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for section, items in as_data(result, list(states)).items():
            writer.writerows({name: safe_cell(value) if isinstance(value, str) else value for name, value in ({"section": section} | item).items()} for item in items)
        typer.echo(out.getvalue(), nl=False)
        return
    rows = as_rows(result, states, excuses, holds, lang)
    current = None
    listed = 0
    first_missed_call = next((i for i, row in enumerate(rows) if row[0] == "missed_objection_calls"), len(rows))
    for section, what, value, share in rows:
        if section != current:
            typer.echo(("" if current is None else "\n") + label(f"report_{section}", lang))
            current = section
        if section == "missed_objection_calls":  # the call and its note, after the score
            listed += 1
            if listed <= MISSED_LISTED:
                typer.echo(f"  {value:5.2f}  {' '.join(what.split())}")
            elif listed == len(rows) - first_missed_call:
                typer.echo("  " + label("report_more_calls", lang, count=listed - MISSED_LISTED))
            continue
        name = label(f"report_{what}", lang) if section == "calls" else what
        line = f"  {name}{' ' * max(1, 34 - cell_len(name))}{value:>8}"
        typer.echo(line + (f"  {share:6.1%}" if share is not None else ""))


@app.command()
def export(
    ctx: typer.Context,
    what: str = typer.Argument(..., help="calls, events or promises."),
    fmt: str = typer.Option("csv", "--format", help="csv or jsonl (one JSON object a line)."),
) -> None:
    """Write every call, event or promise to standard output for other tools."""
    import csv
    import json
    import sys

    from callassist.core.spreadsheet import safe_cell
    from callassist.store import db as store_db
    from callassist.store import queries

    _choice(what, queries.EXPORTS, "WHAT")
    _choice(fmt, ("csv", "jsonl"), "--format")
    engine = _open_store(ctx.obj, reading=True)
    with store_db.session(engine) as session:
        writer = None
        for row in queries.export_rows(what, session=session, viewer=_viewer(ctx.obj, session)):
            if fmt == "jsonl":
                if isinstance(row.get("payload"), str):  # an object in JSON, not JSON in a string (CSV keeps the text)
                    row = row | {"payload": json.loads(row["payload"])}
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
                continue
            if writer is None:
                writer = csv.DictWriter(sys.stdout, fieldnames=list(row), lineterminator="\n")
                writer.writeheader()
            writer.writerow({name: safe_cell(value) for name, value in row.items()})
    engine.dispose()


@app.command()
def purge(
    ctx: typer.Context,
    before: str = typer.Option(..., "--before", help="Delete the calls started before this day (YYYY-MM-DD, UTC)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask before deleting."),
) -> None:
    """Delete call records once the contact rules no longer require them (a supervisor's
    task). Anything younger than the profile's retention, or the floor the database was
    set up with, is refused; every purge is logged."""
    from datetime import datetime

    from sqlalchemy.exc import SQLAlchemyError

    from callassist.core.compliance import SUPERVISOR
    from callassist.core.promises import parse_date
    from callassist.store import db as store_db
    from callassist.store import queries
    from callassist.store.errors import StoreError
    from callassist.store.models import PurgeLog

    settings = ctx.obj.settings
    day = parse_date(before)
    if day is None:
        raise fail(f"--before {before!r} is not a real date: use YYYY-MM-DD, e.g. 2020-01-01")
    rules = settings.contact_rules
    # A profile file says where it came from: a built-in name alone would hide that.
    profile = rules.name if settings.compliance == rules.name else f"{rules.name} ({settings.compliance})"
    engine = _open_store(ctx.obj)
    try:
        with store_db.session(engine) as session:
            viewer = _viewer(ctx.obj, session)
            if viewer.role != SUPERVISOR:
                raise fail(f"only a supervisor may purge records (--role supervisor); this session's role is {viewer.role}")
            log = PurgeLog(purged_at=datetime.now(UTC), by=viewer.name, role=viewer.role, profile=profile, before=day, calls=0, events=0, reviews=0)
            found = queries.purge_calls(log, rules.retention_years, session=session, dry_run=True)
            typer.echo(f"calls started before {day.isoformat()}: {found.calls} call(s), {found.events} event(s), {found.reviews} review(s)")
            if not found.calls:
                return
            if not yes and not typer.confirm("Delete them for good?", default=False):
                typer.echo("nothing was deleted")
                return
            done = queries.purge_calls(log, rules.retention_years, session=session)
            session.commit()
            typer.echo(f"deleted {done.calls} call(s), {done.events} event(s), {done.reviews} review(s); logged as purge {done.id} by {done.by}")
    except StoreError as exc:
        raise fail(str(exc)) from None
    except SQLAlchemyError as exc:  # the database refused: on a team's, it checks again
        raise fail(f"nothing was deleted: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    call: Optional[str] = typer.Option(None, "--call", help="Only this call (default: every call)."),
    checkpoints: Optional[Path] = typer.Option(None, "--checkpoints", help="A file of signed checkpoints (audit checkpoint) to check the log against: a copy kept off this machine is best."),
    trust: list[Path] = typer.Option([], "--trust", help="A public key (.pub) whose checkpoints count; repeat for more. Default: your own signing key's."),
) -> None:
    """Verify each call's hash chain; name the call and the first broken event. Only the
    calls the role may read are checked (a collector's own; a supervisor's, every call).

    With --checkpoints (a supervisor; every call): also that the log still extends every
    checkpoint in the file, so that a call rewritten with new hashes, removed, inserted
    or reordered since is found. Without it, such a consistent rewrite cannot be seen.

    Exit status: 0 all intact, 1 something was changed, 2 usage error (such as an unknown call).
    """
    from datetime import datetime

    from sqlalchemy.exc import SQLAlchemyError

    from callassist.core.checkpoints import CheckpointError, fingerprint, read_trusted
    from callassist.core.redact import display_url
    from callassist.store import auditlog, queries
    from callassist.store import db as store_db

    settings = ctx.obj.settings
    url = settings.database_url()
    engine = _open_store(ctx.obj)
    findings, usable, log = [], [], None
    try:
        with store_db.session(engine) as session:
            viewer = _viewer(ctx.obj, session)
            readable = queries.readable_call_ids(viewer, session=session)
            if call and call not in readable:
                raise fail(f"no call {call!r} that you may read in {display_url(url)}")
            if checkpoints is not None and (call or not viewer.reads_team):
                raise fail("--checkpoints checks the whole log: a supervisor's, without --call" if call else f"--checkpoints checks every call's place in the log: a supervisor's work; this session's role is {viewer.role}")
            if checkpoints is not None:
                try:
                    trusted = {read_trusted(path) for path in trust} or ({read_trusted(settings.signing_key)} if settings.signing_key.exists() else None)
                    usable, findings = auditlog.file_checkpoints(checkpoints, auditlog.log_id(session=session), auditlog.recorded_checkpoints(session=session), trusted)
                except CheckpointError as exc:
                    raise fail(str(exc)) from None
                if trusted is None:
                    keys = sorted({fingerprint(c.key) for c in usable})
                    typer.echo(f"no key to trust given (--trust): signatures checked against the keys the file names ({', '.join(keys) or 'none'}); compare them with the signers' own", err=True)
                try:
                    floor = max(store_db.retention_years(session), settings.contact_rules.retention_years)
                except (ValueError, SQLAlchemyError):
                    raise fail("the database's retention floor (storesetting retention_years) is not a number of years: it was changed by hand") from None
            events = _event_count(session)
        if checkpoints is not None:
            engine.dispose()  # no connection of this process's open while the log's reader forks
            log = auditlog.check_against_elsewhere(url, usable, floor_years=floor, now=datetime.now(UTC))
        ids = [call] if call else readable
        with store_db.session(engine) as session, _progress("checking calls", events) as advance:
            found = auditlog.verify_chains(ids, session=session, progress=advance, orphans=viewer.reads_team and not call)
    finally:
        engine.dispose()
    broken = 0
    ids += sorted(set(found) - set(ids))  # events whose call's row is gone
    for call_id in ids:
        if found[call_id] is None:
            typer.echo(f"ok      {call_id}")
        else:
            broken += 1
            typer.echo(f"BROKEN  {call_id}: event {found[call_id].seq}: {found[call_id].reason}")
    typer.echo(f"{len(ids)} call(s) checked, {broken} broken", err=True)
    if log is None:
        if not call:
            typer.echo("without --checkpoints this cannot tell a call rewritten with new hashes, or removed whole, from one never changed", err=True)
        raise typer.Exit(1 if broken else 0)
    with _progress("checking the log", None):
        check = log.result()
    findings += check.findings
    for finding in findings:
        typer.echo(finding.line())
    typer.echo(f"the log: {check.size} entries; {len(usable)} checkpoint(s) of {checkpoints} checked, {len(findings)} finding(s)", err=True)
    raise typer.Exit(1 if broken or findings else 0)


def _event_count(session) -> int:
    from sqlalchemy import text

    return session.connection().execute(text("SELECT count(*) FROM callevent")).scalar_one()


def _progress(description: str, total: int | None):
    """A progress bar on stderr (when it is a terminal); yields what advances it."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    @contextmanager
    def bar():
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True,
                      disable=not sys.stderr.isatty(), console=_stderr()) as shown:
            task = shown.add_task(description, total=total)
            yield lambda done: shown.advance(task, done)
    return bar()


@audit_app.command("keygen")
def audit_keygen(ctx: typer.Context, key: Optional[Path] = typer.Option(None, "--key", help="Where to write it (default: audit/signing-key.pem in the data dir, or $CALLASSIST_AUDIT_KEY).")) -> None:
    """Make the key that signs checkpoints (Ed25519, mode 0600; never overwritten) and its
    public half beside it (.pub), which auditors use to check your checkpoints."""
    from callassist.core.checkpoints import CheckpointError, fingerprint, make_key, public_key_path

    path = key or ctx.obj.settings.signing_key
    try:
        public = make_key(path)
    except (CheckpointError, OSError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"signing key {path} (mode 0600): keep it to yourself, off the database's machine if you can")
    typer.echo(f"public key {public_key_path(path)}: fingerprint {fingerprint(public)}; give it to whoever checks your checkpoints")


@audit_app.command("checkpoint")
def audit_checkpoint(
    ctx: typer.Context,
    key: Optional[Path] = typer.Option(None, "--key", help="The signing key (default: audit/signing-key.pem in the data dir, or $CALLASSIST_AUDIT_KEY)."),
    checkpoints: Optional[Path] = typer.Option(None, "--checkpoints", help="The file to append to (default: audit/<database>.checkpoints.jsonl in the data dir, or $CALLASSIST_CHECKPOINTS)."),
) -> None:
    """Sign the log's head (size, root hash, time) and append it to the checkpoint file,
    after checking that the log still extends every checkpoint before it. Copy the file
    off this machine (mail, WORM storage, a git repository): what it holds, no later
    writer of the database can take back."""
    from dataclasses import replace

    from callassist.core.checkpoints import CheckpointError, fingerprint

    options: Options = ctx.obj
    settings = replace(options.settings, audit_key=key or options.settings.audit_key, checkpoints=checkpoints or options.settings.checkpoints)
    try:
        found = _checkpoint(options, settings)
    except CheckpointError as exc:
        raise fail(str(exc)) from None
    if found is None:
        typer.echo(f"{settings.checkpoint_file(settings.database_url())} has a checkpoint of the log as it is; nothing new to sign")
        return
    typer.echo(f"checkpoint {found.number}: {found.size} entries, root {found.root[:16]}..., signed by {found.by} with key {fingerprint(found.key)}, appended to {settings.checkpoint_file(settings.database_url())}")


def _checkpoint(options: Options, settings):
    """Take a checkpoint with the settings' key and file; None when the log has not grown."""
    from datetime import datetime

    from sqlalchemy.exc import SQLAlchemyError

    from callassist.core.checkpoints import own_key
    from callassist.store import auditlog
    from callassist.store import db as store_db

    signing = own_key(settings.signing_key)
    engine = _open_store(options)
    try:
        with store_db.session(engine) as session:
            viewer = _viewer(options, session)
            if not viewer.reads_team:
                raise fail(f"checkpoints are a supervisor's to sign (--role supervisor); this session's role is {viewer.role}")
            return auditlog.take_checkpoint(signing, viewer.name, settings.checkpoint_file(settings.database_url()), session=session,
                                            floor_years=max(store_db.retention_years(session), settings.contact_rules.retention_years), now=datetime.now(UTC))
    except auditlog.LogRefused as exc:
        typer.echo(str(exc))
        typer.echo(f"callassist: nothing was signed: {exc.why} (see above; `callassist audit verify --checkpoints FILE`)", err=True)
        raise typer.Exit(1) from None
    except SQLAlchemyError as exc:
        raise fail(f"nothing was signed: {str(exc).splitlines()[0]}") from None
    except OSError as exc:
        raise fail(f"nothing was signed: cannot write {settings.checkpoint_file(settings.database_url())}: {exc.strerror}") from None
    except ValueError as exc:  # a database changed by hand: a retention floor that is no number
        raise fail(f"nothing was signed: {exc}") from None
    finally:
        engine.dispose()


@audit_app.command("proof")
def audit_proof(
    ctx: typer.Context,
    call_id: str = typer.Argument(..., help="The call to prove."),
    checkpoints: Optional[Path] = typer.Option(None, "--checkpoints", help="The checkpoint file (default: audit/<database>.checkpoints.jsonl in the data dir)."),
    number: Optional[int] = typer.Option(None, "--number", help="Prove against this checkpoint (default: the newest that holds the call)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the proof here (default: standard output)."),
) -> None:
    """Print what an auditor needs to check one call on their own: its events as stored
    and, for each, the path from its leaf to a signed checkpoint's root (JSON). Check it
    with `callassist audit verify-proof`, without the database."""
    import json

    from callassist.core.checkpoints import CheckpointError, read_trusted
    from callassist.store import auditlog, queries
    from callassist.store import db as store_db

    path = checkpoints or ctx.obj.settings.checkpoint_file(ctx.obj.settings.database_url())
    engine = _open_store(ctx.obj)
    try:
        with store_db.session(engine) as session:
            viewer = _viewer(ctx.obj, session)
            if not viewer.reads_team:
                raise fail(f"proofs are read from the whole log: a supervisor's work; this session's role is {viewer.role}")
            if call_id not in queries.readable_call_ids(viewer, session=session):
                raise fail(f"no call {call_id!r} in this database")
            try:
                trusted = {read_trusted(ctx.obj.settings.signing_key)} if ctx.obj.settings.signing_key.exists() else None
                usable, findings = auditlog.file_checkpoints(path, auditlog.log_id(session=session), [], trusted)
            except CheckpointError as exc:
                raise fail(str(exc)) from None
            first = auditlog.first_position(call_id, session=session)
            holding = [c for c in usable if first is not None and c.size > first and (number is None or c.number == number)]
            if not holding:
                raise fail(f"no checkpoint in {path} holds call {call_id}" + (f" as number {number}" if number else "") + ": take one (`callassist audit checkpoint`) and try again")
            chosen = max(holding, key=lambda c: c.number)
            try:
                made = auditlog.proof(call_id, chosen, session=session)
            except (LookupError, auditlog.LogRefused) as exc:
                raise fail(str(exc)) from None
    finally:
        engine.dispose()
    text = json.dumps(made, ensure_ascii=False, indent=1) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {out}: {exc.strerror}") from None
        typer.echo(f"proof of call {call_id} against checkpoint {chosen.number}: {len(made['events'])} event(s), written to {out}", err=True)


@audit_app.command("verify-proof")
def audit_verify_proof(
    proof: Path = typer.Argument(..., help="A proof from `callassist audit proof`."),
    trust: list[Path] = typer.Option([], "--trust", help="The signer's public key (.pub); repeat for more. Without it, the key the proof names is shown to compare by hand."),
) -> None:
    """Check a proof without the database: the checkpoint's signature, the call's chain,
    and each event's path to the signed root. Exit 0 when it holds, 1 when not."""
    from callassist.core.checkpoints import CheckpointError, fingerprint, read_trusted
    from callassist.store.auditlog import ProofError, check_proof

    try:
        trusted = {read_trusted(path) for path in trust} or None
        result = check_proof(proof, trusted)
    except (CheckpointError, ProofError) as exc:
        raise fail(str(exc)) from None
    for problem in result.problems:
        typer.echo(f"BROKEN  {problem}")
    if result.problems:
        raise typer.Exit(1)
    checkpoint = result.checkpoint
    typer.echo(f"ok      call {result.call_id}: events {result.first}-{result.last} are in checkpoint {checkpoint.number} of log {checkpoint.log} ({checkpoint.size} entries, taken {checkpoint.time} by {checkpoint.by}, key {fingerprint(checkpoint.key)})")
    typer.echo(f"        the call ended as {result.outcome!r} by then" if result.outcome else "        no end of the call is among these events: by then it was under way, or the proof leaves its later events out")
    if trusted is None:
        typer.echo(f"no --trust: the checkpoint's signature holds for key {fingerprint(checkpoint.key)}; make sure that is the signer's", err=True)
    if result.later:
        typer.echo(f"{result.later} later event(s) of the call came after the checkpoint and are not proved", err=True)


PROBLEMS_SHOWN = 100  # of a file's problems; the rest are counted


def _import(ctx: typer.Context, path: Path, kind: str, number_format: str) -> None:
    """Check every row, then store all of them in one transaction, or nothing."""
    import time
    from datetime import datetime

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from callassist.core.ledger_csv import LedgerFileError, read_accounts, read_payments
    from callassist.store import db as store_db
    from callassist.store import ledger
    from callassist.store.errors import StoreError
    from callassist.workspace import database_errors

    options: Options = ctx.obj
    settings = options.settings
    today = datetime.now(UTC).date()
    engine = _open_store(options)
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, transient=True, disable=not sys.stderr.isatty(), console=_stderr()) as bar:
            task = bar.add_task("checking", total=None)
            rows, problems = (read_accounts(path, progress=lambda n: bar.advance(task, n), number_format=number_format), []) if kind == "accounts" else read_payments(path, today, number_format)
            bar.update(task, description="storing", completed=0, total=len(rows))
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
            typer.echo(f"... and {len(exc.problems) - PROBLEMS_SHOWN} more", err=True)
        typer.echo(f"callassist: nothing was imported: {len(exc.problems)} problem(s) in {path}", err=True)
        raise typer.Exit(1) from None
    except StoreError as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    details = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in result.details.items())
    typer.echo(f"{path}: {result.added} {kind} added, {result.changed} changed, {result.unchanged} unchanged" + (f"; {details}" if details else "") + f" ({seconds:.1f} s)")


def _stderr():
    from rich.console import Console

    return Console(stderr=True)


class NumberFormat(str, Enum):  # noqa: UP042 (Typer's choices)
    """How a ledger file writes its amounts (money.NUMBER_FORMATS)."""

    plain = "plain"
    comma_point = "1,234.56"
    point_comma = "1.234,56"


NUMBER_FORMAT = typer.Option(NumberFormat.plain, "--number-format", help="How the file writes amounts: plain digits and a decimal point (12500.00), or grouped as 1,234.56 or 1.234,56.")


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

    from callassist.core.promises import parse_date
    from callassist.store import db as store_db
    from callassist.store import ledger
    from callassist.store.errors import StoreError
    from callassist.workspace import database_errors

    options: Options = ctx.obj
    now = datetime.now(UTC)
    day = parse_date(today) if today else None
    if today and day is None:
        raise fail(f"--today {today!r} is not a date: use YYYY-MM-DD")
    if day is not None and day > (now + timedelta(hours=14)).date():  # the earliest zone on Earth is UTC+14
        raise fail(f"--today {day.isoformat()} is in the future: a promise is judged only once its day has come, and a verdict is for good")
    engine = _open_store(options)
    try:
        with database_errors("cannot evaluate promises"), store_db.session(engine) as session:
            # Each debtor's promises as of their own date now (or --today, when earlier).
            counts = ledger.evaluate_promises(today=day or date.max, now=now, grace_days=options.settings.promise_grace_days, class_days=options.settings.class_days, session=session)
            session.commit()
    except StoreError as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    typer.echo(f"{(day or now.date()).isoformat()}{'' if day else ' (each debtor by their own date)'}: {counts['kept']} kept, {counts['partly_kept']} partly kept, {counts['broken']} broken (grace {options.settings.promise_grace_days} days)")


@holds_app.command("list")
def holds_list(ctx: typer.Context) -> None:
    """The holds in force on the accounts you may read, oldest first: id, account,
    debtor, why, since when, by whom, and what was captured."""
    from callassist.core.i18n import label
    from callassist.store import db as store_db
    from callassist.store import holds
    from callassist.store.errors import StoreError
    from callassist.workspace import database_errors

    options: Options = ctx.obj
    engine = _open_store(options)
    try:
        with database_errors("cannot read the holds"), store_db.session(engine) as session:
            found = holds.open_holds(session=session)
    except StoreError as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    if not found:
        typer.echo("no holds in force")
        return
    for hold, account, debtor in found:
        details = f" · {hold.details}" if hold.details else ""
        typer.echo(f"{hold.id}\t{account}\t{debtor}\t{label('hold_' + hold.reason, options.locale)}\tsince {hold.placed_at:%Y-%m-%d %H:%M} UTC by {hold.placed_by}{details}")


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
    from callassist.store import db as store_db
    from callassist.store import holds
    from callassist.store.errors import StoreError
    from callassist.workspace import database_errors

    options: Options = ctx.obj
    engine = _open_store(options)
    try:
        with database_errors("cannot release the hold"), store_db.session(engine) as session:
            viewer = _viewer(options, session)
            if viewer.role != SUPERVISOR:
                raise fail(f"only a supervisor releases a hold (--role supervisor); this session's role is {viewer.role}")
            released = holds.release_hold(hold_id, viewer.name, reason, datetime.now(UTC), session=session)
            session.commit()
            typer.echo(f"released hold {released.id} ({released.reason}) on account {released.account_id}: {released.release_reason}")
    except StoreError as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()


@objections_app.command("classify")
def objections_classify(
    ctx: typer.Context,
    locale: Optional[str] = typer.Option(None, "--locale", help="The utterances' language: en or zh. Traditional characters are converted either way; zh_TW and zh_HK convert Taiwan's and Hong Kong's vocabulary too."),
    top: int = typer.Option(3, "--top", min=1, max=6, help="How many excuses to print per utterance, best first (1 to 6)."),
) -> None:
    """Which of the six excuses each line of standard input uses: for every line, the
    excuse ids and their scores, tab-separated, best first (an empty line stays empty)."""
    from callassist.core.objections import load_catalog
    from callassist.core.problems import ContentError
    from callassist.core.quickfind import conversion_for

    options: Options = ctx.obj
    _locale(options, locale)  # refuses what is neither en nor a Chinese variant
    conversion = conversion_for(locale or options.settings.locale)
    _, objections = _content_dirs(options, None, None)
    try:
        finder = load_catalog(objections).finder()
    except ContentError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(1) from None
    for number, raw in enumerate(sys.stdin.buffer, 1):
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise fail(f"standard input line {number}: byte {exc.start + 1} is not UTF-8; save the file as UTF-8") from None
        if not line.strip():
            typer.echo("")
            continue
        ranked = finder.rank(line, conversion, top=top)
        typer.echo("\t".join(f"{match.excuse}\t{match.score:.3f}" for match in ranked))


@app.command()
def bench(
    only: Optional[list[str]] = typer.Option(None, "--only", help="cold_start, keypress_to_prompt, event_append, template_render, classify, or (only on request: a million accounts) worklist_next_1m, import_rows, and on a PostgreSQL server of its own pg_claim_next, pg_worklist_next, pg_event_append, pg_team_keypress_p99, and idle_cpu (a supervisor's screens left open). Repeatable."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object {name: {median_ms, p99_ms, floor_ms, ratio}}."),
) -> None:
    """Measure start-up, keypress-to-prompt, event append and template render, each beside
    its floor; with --only, also the worklist and the import on a million-account ledger,
    and team mode on PostgreSQL."""
    from callassist import bench as benchmark

    unknown = set(only or ()) - set(benchmark.NAMES)
    if unknown:
        raise typer.BadParameter(f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(benchmark.NAMES)}", param_hint="--only")
    results = benchmark.run(only)
    typer.echo(benchmark.as_json(results) if as_json else benchmark.format_table(results))


def _content_dirs(options: Options, scripts_dir: Path | None, objections_dir: Path | None) -> tuple[Path, Path]:
    scripts = scripts_dir or options.settings.scripts_dir
    objections = objections_dir or options.settings.objections_dir
    for path, what in ((scripts, "--scripts-dir"), (objections, "--objections-dir")):
        if not path.is_dir():
            raise fail(f"{what} {path} is not a folder")
    return scripts, objections


def _locale(options: Options, requested: str | None) -> str:
    try:
        return checked_locale(requested) if requested else options.locale
    except UsageError as exc:
        raise fail(str(exc)) from None


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise fail(f"{option} {value!r}: use {' or '.join(allowed)}")
    return value


@app.command()
def lint(
    ctx: typer.Context,
    scripts_dir: Optional[Path] = typer.Option(None, "--scripts-dir", help="The scripts/ folder to check (default: the one in use)."),
    objections_dir: Optional[Path] = typer.Option(None, "--objections-dir", help="The objections/ folder to check (default: the one in use)."),
    fmt: str = typer.Option("text", "--format", help="text (one problem a line) or json."),
) -> None:
    """Check every script and the objection catalog; list every problem at once.

    Exit status: 0 clean, 1 problems found, 2 usage error.
    """
    import json

    from callassist.core.lint import lint as lint_content

    _choice(fmt, ("text", "json"), "--format")
    scripts, objections = _content_dirs(ctx.obj, scripts_dir, objections_dir)
    problems = lint_content(scripts, objections, ctx.obj.settings.script)
    if fmt == "json":
        fields = ("path", "line", "col", "code", "message", "hint")
        typer.echo(json.dumps([{name: getattr(p, name) for name in fields} for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            typer.echo(str(problem))
        typer.echo(f"{len(problems)} problem(s)" if problems else "No problems found.", err=True)
    raise typer.Exit(1 if problems else 0)


def _checked_content(options: Options, script: str):
    """The script and catalog as the app would load them, or exit 1 listing the problems."""
    from callassist.core.lint import check_content

    scripts, objections = _content_dirs(options, None, None)
    if not (scripts / script).is_dir():
        available = sorted(p.name for p in scripts.iterdir() if p.is_dir())
        raise fail(f"no script {script!r} in {scripts}: choose from {', '.join(available) or 'none'}")
    flow, catalog, problems = check_content(scripts, script, objections)
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"callassist: the script {script!r} has {len(problems)} problem(s); run `callassist lint` after fixing them", err=True)
        raise typer.Exit(1)
    return flow, catalog


@app.command()
def preview(
    ctx: typer.Context,
    script: str = typer.Argument(..., help="The script's folder name under scripts/, e.g. standard."),
    state: Optional[str] = typer.Option(None, "--state", help="Only this step (default: the whole happy path)."),
    account: Optional[int] = typer.Option(None, "--account", help="Render with this account's data from the database."),
    sample: bool = typer.Option(False, "--sample", help="Render with a sample account (the default)."),
    locale: Optional[str] = typer.Option(None, "--locale", help="en or zh (default: the global --locale)."),
    excuse: Optional[str] = typer.Option(None, "--excuse", help="Instead of steps, every rung of this excuse's ladder (stall) or its case's (deflect.signer_away); all: every ladder."),
    standing: str = typer.Option("overdue", "--standing", help="The sample account's standing: overdue, not_yet_due (a reminder call) or promise_open (a check call)."),
    debtor: str = typer.Option("company", "--debtor", help="The sample account's debtor: company or consumer."),
) -> None:
    """Render one step, or the whole happy path, as the collector would see it; or the rungs of a ladder."""
    from callassist.core.account import build_context
    from callassist.core.preflight import SAMPLE_DEBTORS, SAMPLE_NOW, SAMPLE_STANDINGS, sample_snapshot
    from callassist.core.preview import preview as render_preview

    options: Options = ctx.obj
    if account is not None and sample:
        raise fail("--account and --sample exclude each other")
    lang = _locale(options, locale)
    loaded, catalog = _checked_content(options, script)
    if state is not None and state not in loaded.flow.states:
        raise fail(f"no state {state!r} in {script!r}: choose from {', '.join(loaded.flow.states)}")
    if standing not in SAMPLE_STANDINGS or debtor not in SAMPLE_DEBTORS:
        raise fail(f"--standing is one of {', '.join(SAMPLE_STANDINGS)}; --debtor one of {', '.join(SAMPLE_DEBTORS)}")
    snapshot, now = sample_snapshot(standing=standing, debtor=debtor), SAMPLE_NOW
    if account is not None:
        snapshot, now = _account_snapshot(options, account)
    if excuse is not None:
        ladders = catalog.ladders() if excuse == "all" else (excuse,)
        if excuse != "all" and excuse not in catalog.ladders():
            raise fail(f"no ladder {excuse!r}: choose from all, {', '.join(catalog.ladders())}")
        context = build_context(snapshot, locale=lang, collector=options.settings.collector, creditor=options.settings.creditor(lang), now=now)
        for ladder in ladders:
            typer.echo(f"{catalog.ladder_name(ladder, lang)}  [{ladder}] · {snapshot.debtor} · {lang}\n")
            for rung in range(1, catalog.rungs(ladder, lang) + 1):
                view = catalog.rebuttal(ladder, rung, context)
                typer.echo(f"{rung}. {view.principle} ({', '.join(view.counters)})")
                for line in (*view.text.splitlines(), view.commitment):
                    typer.echo(f"   {line}".rstrip())
                typer.echo("")
        return
    steps = render_preview(loaded, catalog, snapshot, locale=lang, collector=options.settings.collector, creditor=options.settings.creditor(lang), now=now, state=state,
                           rules=options.settings.contact_rules)
    typer.echo(f"{loaded.flow.title.get(lang)} · {snapshot.debtor} · {lang}\n")
    for number, step in enumerate(steps, 1):
        typer.echo(f"{number}. {step.label}  [{step.state}]")
        for line in step.text.splitlines():
            typer.echo(f"   {line}".rstrip())
        if step.choices:
            typer.echo("   → " + "   ".join(f"[{key}] {words}" for key, words in step.choices))
        typer.echo("")


def _account_snapshot(options: Options, account_id: int):
    from datetime import datetime

    from callassist.core.redact import display_url
    from callassist.store import db as store_db
    from callassist.store import queries

    engine = _open_store(options)
    try:
        with store_db.session(engine) as session:
            snapshot = queries.account_snapshot(account_id, session=session)
    except LookupError:
        raise fail(f"no account {account_id} in {display_url(options.settings.database_url())}") from None
    finally:
        engine.dispose()
    return snapshot, datetime.now(UTC)


@app.command()
def graph(
    ctx: typer.Context,
    script: str = typer.Argument(..., help="The script's folder name under scripts/, e.g. standard."),
    fmt: str = typer.Option("mermaid", "--format", help="mermaid or dot (Graphviz)."),
    locale: Optional[str] = typer.Option(None, "--locale", help="Label the states in en or zh (default: the global --locale)."),
) -> None:
    """Print the script's flow as a diagram: states labelled in the chosen locale."""
    from callassist.core.flow import load_flow
    from callassist.core.graph import FORMATS, render
    from callassist.core.problems import ContentError

    _choice(fmt, FORMATS, "--format")
    lang = _locale(ctx.obj, locale)
    scripts, _ = _content_dirs(ctx.obj, None, None)
    try:
        loaded = load_flow(scripts / script)
    except ContentError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(render(loaded.flow, lang, fmt), nl=False)


@app.command()
def schema(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="flow, objection, forbidden, persona, not_excuses or situation."),
    write: bool = typer.Option(False, "--write", help="Write it beside the content (scripts/ or objections/) instead of printing it."),
) -> None:
    """The JSON Schema of a trainer file, for editors (the published copies live beside the content)."""
    from callassist.core.schemas import SCHEMAS, schema_text

    _choice(kind, tuple(SCHEMAS), "KIND")
    text = schema_text(kind)
    if not write:
        typer.echo(text, nl=False)
        return
    scripts, objections = _content_dirs(ctx.obj, None, None)
    _, folder, name = SCHEMAS[kind]
    target = (scripts if folder == "scripts" else objections) / name
    target.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {target}")


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
    after = argv[at + 1:]
    inner = next((word for word in after if not word.startswith("-")), None)
    if isinstance(command, typer.core.TyperGroup) and inner in command.commands:  # db upgrade, import accounts
        command, after = command.commands[inner], after[after.index(inner) + 1:]
    own = {flag for param in command.params for flag in param.opts}
    for word in after:
        flag = word.split("=", 1)[0]
        if flag in GLOBAL_OPTIONS and flag not in own:
            at = argv.index(word)
            taken = argv[at:at + (1 if "=" in word else 2)]
            rest = argv[:at] + argv[at + len(taken):]
            return f"{flag} is an option of callassist itself: put it before the command: callassist {' '.join(taken + rest)}"
    return None


def main() -> None:
    problem = misplaced_global_option(sys.argv[1:])
    if problem is not None:
        typer.echo(f"callassist: {problem}", err=True)
        raise SystemExit(2)
    app()
