"""What supervisors read: `replay`, `report`, `export`, and `purge` at the end of retention."""

from __future__ import annotations

import sys
from datetime import UTC
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from callassist.cli.root import app, counted, fail, locale_of, open_store, say, viewer_of, words
from callassist.startup import Options, reading_url, run_tui


class ReportFormat(str, Enum):  # noqa: UP042 (Typer's choices)
    table = "table"
    csv = "csv"
    json = "json"


class ExportKind(str, Enum):  # noqa: UP042 (store/queries.py EXPORTS, as a test holds)
    calls = "calls"
    events = "events"
    promises = "promises"
    recordings = "recordings"


class ExportFormat(str, Enum):  # noqa: UP042
    csv = "csv"
    jsonl = "jsonl"


MISSED_LISTED = 20  # calls with a missed objection shown in the table; CSV and JSON list all


@app.command()
def replay(ctx: typer.Context, call_id: str = typer.Argument(..., help="The call's id (see `callassist audit verify`).")) -> None:
    """Replay a stored call step by step, as the collector saw it (its hash chain checked first)."""
    from callassist.core.redact import display_url
    from callassist.store import db as store_db
    from callassist.store.models import Call, Collector

    options: Options = ctx.obj
    url = reading_url(options)
    with open_store(options, url=url) as engine, store_db.session(engine) as session:
        # Said here, before a screen is drawn for nothing or for a call the screen would refuse.
        call = session.get(Call, call_id)
        if call is None:
            raise fail(words("cli_no_call_to_replay", options, call=repr(call_id), database=display_url(url)))
        made_by = session.get(Collector, call.collector_id)
        if made_by is None or not viewer_of(options, session).may_see(made_by.name):
            raise fail(words("cli_call_not_yours", options, call=repr(call_id)))
    run_tui(options, url, replay=call_id)


@app.command()
def report(
    ctx: typer.Context,
    date_from: Optional[str] = typer.Option(None, "--from", help="First day (YYYY-MM-DD)."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day (YYYY-MM-DD)."),
    collector: Optional[str] = typer.Option(None, "--collector", help="Only this collector's calls."),
    fmt: ReportFormat = typer.Option(ReportFormat.table, "--format", help="The table, localized; csv and json keep stable ids."),
    locale: Optional[str] = typer.Option(None, "--locale", help="Name steps and excuses in en or zh (the table; csv and json keep ids)."),
) -> None:
    """Team figures: contact, promise, kept and broken rates, time per phase, excuses, rebuttal rungs.

    Practice calls are never counted.
    """
    import csv
    import io
    import json
    from datetime import datetime

    from callassist.core.compliance import HOLD_REASONS
    from callassist.core.figures import DATA_COLUMNS, as_data, as_rows, figures_from
    from callassist.core.i18n import label
    from callassist.core.lint import check_content
    from callassist.core.promises import parse_date
    from callassist.core.spreadsheet import safe_cell
    from callassist.store import db as store_db
    from callassist.store import queries

    options: Options = ctx.obj
    lang = locale_of(options, locale)
    days = {}
    for name, raw in (("--from", date_from), ("--to", date_to)):
        if raw is not None:  # an empty one too: `--from ''` is a mistake, not "from the start"
            days[name] = parse_date(raw)
            if days[name] is None:
                raise fail(words("cli_not_a_date", options, option=name, value=repr(raw)))
    if len(days) == 2 and days["--from"] > days["--to"]:
        raise fail(words("cli_from_after_to", options, start=days["--from"].isoformat(), end=days["--to"].isoformat()))
    with open_store(options, reading=True) as engine, store_db.session(engine) as session:
        if collector is not None and queries.collector_by_name(collector, session=session) is None:
            raise fail(words("cli_no_collector", options, name=repr(collector)))
        totals = queries.team_totals(session=session, viewer=viewer_of(options, session), today=datetime.now(UTC).date(), date_from=days.get("--from"), date_to=days.get("--to"), collector=collector)
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
    print_table(as_rows(result, states, excuses, holds, lang), lang)


def print_table(rows: list[tuple[str, str, object, float | None]], lang: str) -> None:
    """The report for people: a Rich table per section (names as the locale says them,
    wide characters measured as the terminal shows them); the calls with a missed
    objection as lines, the first MISSED_LISTED of them."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from callassist.core.i18n import label

    console = Console(highlight=False, soft_wrap=True)
    sections: dict[str, list[tuple[str, object, float | None]]] = {}
    for section, what, value, share in rows:
        sections.setdefault(section, []).append((what, value, share))
    for number, (section, items) in enumerate(sections.items()):
        title = label(f"report_{section}", lang)
        if number:
            console.print()
        if section == "missed_objection_calls":  # the call and its note, after the score
            console.print(title, markup=False)
            for what, score, _ in items[:MISSED_LISTED]:
                console.print(f"  {score:5.2f}  {' '.join(what.split())}", markup=False)
            if len(items) > MISSED_LISTED:
                console.print("  " + label("report_more_calls", lang, count=len(items) - MISSED_LISTED), markup=False)
            continue
        table = Table(title=title, title_justify="left", title_style="bold", box=None, show_header=False, padding=(0, 0, 0, 2))
        table.add_column(no_wrap=True)
        table.add_column(justify="right", no_wrap=True)
        shares = any(share is not None for _, _, share in items)
        if shares:
            table.add_column(justify="right", no_wrap=True)
        for what, value, share in items:
            name = Text(label(f"report_{what}", lang) if section == "calls" else what)
            cells = [name, Text(str(value))] + ([Text("" if share is None else f"{share:.1%}")] if shares else [])
            table.add_row(*cells)
        _print_trimmed(console, table)


def _print_trimmed(console, table) -> None:
    """Print `table` with no line ending in blanks: Rich pads every row to the table's width,
    so a row with no share in its last column would end in spaces."""
    from rich.segment import Segment, SegmentLines

    lines = console.render_lines(table, console.options.update(no_wrap=True, overflow="ignore"), pad=False)
    for line in lines:
        while line and not line[-1].control and not line[-1].text.rstrip():
            line.pop()
        if line and not line[-1].control:
            line[-1] = Segment(line[-1].text.rstrip(), line[-1].style)
    console.print(SegmentLines(lines, new_lines=True), end="")


@app.command()
def export(
    ctx: typer.Context,
    # Named WHAT and checked below: the list of kinds in --help's type column would fold mid-word at 80 columns.
    what: str = typer.Argument(..., metavar="WHAT", help="calls, events or promises (written to standard output), or recordings (copied into --out)."),
    fmt: ExportFormat = typer.Option(ExportFormat.csv, "--format", help="csv, or jsonl (one JSON object a line)."),
    # Text, not a Path: Typer makes "" (an unset shell variable, say) the current folder.
    out_named: Optional[str] = typer.Option(None, "--out", metavar="FOLDER", help="recordings: the folder they are copied into (made private if new)."),
) -> None:
    """Write every call, event or promise to standard output for other tools; or copy the
    calls' recordings into --out, with a list of them (call, file, SHA-256, length, whether
    it was found here and is as recorded) on standard output."""
    import csv
    import json

    from callassist.core.i18n import fmt_list
    from callassist.core.spreadsheet import safe_cell
    from callassist.store import db as store_db
    from callassist.store import queries

    if what not in ExportKind.__members__:
        raise fail(words("cli_no_export_kind", ctx.obj, kind=repr(what), choices=fmt_list([k.value for k in ExportKind], ctx.obj.locale)))
    with open_store(ctx.obj, reading=True) as engine, store_db.session(engine) as session:
        viewer = viewer_of(ctx.obj, session)
        if what == ExportKind.recordings:
            if not out_named:
                raise fail(words("cli_recordings_need_out", ctx.obj))
            out = Path(out_named)
            if not viewer.sees_personal_data:
                raise fail(words("cli_recordings_not_for_role", ctx.obj, role=viewer.role))
            data_dir = ctx.obj.settings.data_dir.resolve()
            try:
                resolved = out.resolve()
                is_file = out.exists() and not out.is_dir()
            except (OSError, RuntimeError) as error:  # a path that cannot be followed, a name too long, a loop of links
                raise _copy_failed(ctx.obj, out, error) from None
            if resolved == data_dir or data_dir in resolved.parents:
                raise fail(words("cli_recordings_out_inside", ctx.obj, out=out, data_dir=data_dir))
            if is_file:
                raise fail(words("cli_recordings_out_not_folder", ctx.obj, out=out))
            rows = _copy_recordings(ctx.obj, queries.attached_recordings(queries.readable_call_ids(viewer, session=session), session=session), out)
        else:
            rows = queries.export_rows(what, session=session, viewer=viewer)
        writer = None
        for row in rows:
            if fmt == "jsonl":
                if isinstance(row.get("payload"), str):  # an object in JSON, not JSON in a string (CSV keeps the text)
                    row = row | {"payload": json.loads(row["payload"])}
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
                continue
            if writer is None:
                writer = csv.DictWriter(sys.stdout, fieldnames=list(row), lineterminator="\n")
                writer.writeheader()
            writer.writerow({name: safe_cell(value) for name, value in row.items()})


def _copy_recordings(options: Options, recordings: list[tuple[str, dict]], out: Path):
    """Each recording kept here copied into `out` as <call>.wav (private), read against
    its stored SHA-256; a row a line, for the list. Each is written beside its name and
    then put in its place: a link planted at the name is replaced, never written through
    (it could lead anywhere, readable by anyone). A folder that cannot take them is one
    line, naming what stood in the way."""
    import os
    import shutil
    import tempfile

    from callassist.core.private import private_dir
    from callassist.phone.recording import file_digest, kept_at

    data_dir = options.settings.data_dir
    try:
        private_dir(out)
        for call_id, kept in recordings:
            source = kept_at(data_dir, str(kept.get("file", "")))
            here = source is not None and source.is_file()
            if source is not None and here:
                handle, copying = tempfile.mkstemp(dir=out, prefix=f".{call_id}.", suffix=".part")  # 0600, made by this call
                try:
                    with open(handle, "wb") as target, open(source, "rb") as kept_file:
                        shutil.copyfileobj(kept_file, target)
                    os.replace(copying, out / f"{call_id}.wav")
                except BaseException:
                    os.unlink(copying)
                    raise
            intact = here and file_digest(out / f"{call_id}.wav") == kept.get("sha256")
            yield {"call_id": call_id, "file": f"{call_id}.wav" if here else "", "sha256": kept.get("sha256", ""), "seconds": kept.get("seconds", ""), "found": here, "intact": intact}
    except OSError as error:
        raise _copy_failed(options, out, error) from None


def _copy_failed(options: Options, out: Path, error: OSError | RuntimeError) -> Exception:
    """The recordings cannot go into `out`: one line naming what stood in the way (the name
    a copy was to take, not the half-copy beside it)."""
    if isinstance(error, RuntimeError):
        return fail(words("cli_recordings_copy_failed", options, out=out, error=str(error)))
    return fail(words("cli_recordings_copy_failed", options, out=out, error=f"{error.strerror or error}: {error.filename2 or error.filename or out}"))


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
    from callassist.core.errors import StoreError
    from callassist.core.promises import parse_date
    from callassist.store import db as store_db
    from callassist.store import queries
    from callassist.store.models import PurgeLog

    settings = ctx.obj.settings
    day = parse_date(before)
    if day is None:
        raise fail(words("cli_not_a_real_date", ctx.obj, value=repr(before)))
    rules = settings.contact_rules
    # A profile file says where it came from: a built-in name alone would hide that.
    profile = rules.name if settings.compliance == rules.name else f"{rules.name} ({settings.compliance})"
    with open_store(ctx.obj) as engine:
        try:
            with store_db.session(engine) as session:
                viewer = viewer_of(ctx.obj, session)
                if viewer.role != SUPERVISOR:
                    raise fail(words("cli_purge_supervisor", ctx.obj, role=viewer.role))
                log = PurgeLog(purged_at=datetime.now(UTC), by=viewer.name, role=viewer.role, profile=profile, before=day, calls=0, events=0, reviews=0)
                found = queries.purge_calls(log, rules.retention_years, session=session, dry_run=True)
                say("cli_purge_found", ctx.obj, day=day.isoformat(), **_purged(ctx.obj, found))
                if not found.calls:
                    return
                if not yes and not typer.confirm(words("cli_purge_confirm", ctx.obj), default=False):
                    say("cli_purge_nothing", ctx.obj)
                    return
                recordings = queries.recordings_before(day, session=session)
                done = queries.purge_calls(log, rules.retention_years, session=session)
                session.commit()
                say("cli_purge_done", ctx.obj, id=done.id, by=done.by, **_purged(ctx.obj, done))
                removed = _remove_recordings(settings.data_dir, recordings)
                if removed:
                    say("cli_purge_recordings", ctx.obj, count=removed)
                if len(recordings) > removed:
                    say("cli_purge_recordings_elsewhere", ctx.obj, count=len(recordings) - removed)
        except StoreError as exc:
            raise fail(str(exc)) from None
        except SQLAlchemyError as exc:  # the database refused: on a team's, it checks again
            raise fail(words("cli_nothing_deleted_because", ctx.obj, why=str(exc).splitlines()[0])) from None


def _remove_recordings(data_dir, files: list[str]) -> int:
    """Delete the purged calls' recordings kept in this data folder (only there: a row
    naming another file is not followed); how many were here."""
    from callassist.phone.recording import kept_at

    removed = 0
    folder = (data_dir / "recordings").resolve()
    for named in files:
        path = kept_at(data_dir, named)
        if path is not None and path.is_file():
            path.unlink()
            removed += 1
        elif (link := data_dir / named).is_symlink() and link.parent.resolve() == folder:
            link.unlink()  # a link put in the recording's place goes; what it points at is left alone
            removed += 1
    return removed


def _purged(options: Options, purge: object) -> dict[str, str]:
    """A purge's calls, events and reviews, each counted in the session's language."""
    return {what: counted(f"cli_n_{what}", options, getattr(purge, what)) for what in ("calls", "events", "reviews")}
