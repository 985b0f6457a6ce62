"""Trainers' commands: `lint`, `preview`, `graph`, `schema` and the excuse classifier."""

from __future__ import annotations

import sys
from datetime import UTC
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from callassist.cli.root import app, complain, content_dirs, fail, locale_of, objections_app, open_store, say, words
from callassist.startup import Options


class LintFormat(str, Enum):  # noqa: UP042 (Typer's choices)
    text = "text"
    json = "json"


class GraphFormat(str, Enum):  # noqa: UP042 (core/graph.py FORMATS, as a test holds)
    mermaid = "mermaid"
    dot = "dot"


class SchemaKind(str, Enum):  # noqa: UP042 (core/schemas.py SCHEMAS, as a test holds)
    flow = "flow"
    objection = "objection"
    forbidden = "forbidden"
    persona = "persona"
    not_excuses = "not_excuses"
    situation = "situation"


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
    locale_of(options, locale)  # refuses what is neither en nor a Chinese variant
    conversion = conversion_for(locale or options.settings.locale)
    _, objections = content_dirs(options, None, None)
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
            raise fail(words("cli_input_not_utf8", options, line=number, byte=exc.start + 1)) from None
        if not line.strip():
            typer.echo("")
            continue
        ranked = finder.rank(line, conversion, top=top)
        typer.echo("\t".join(f"{match.excuse}\t{match.score:.3f}" for match in ranked))


@app.command()
def lint(
    ctx: typer.Context,
    scripts_dir: Optional[Path] = typer.Option(None, "--scripts-dir", help="The scripts/ folder to check (default: the one in use)."),
    objections_dir: Optional[Path] = typer.Option(None, "--objections-dir", help="The objections/ folder to check (default: the one in use)."),
    fmt: LintFormat = typer.Option(LintFormat.text, "--format", help="text (one problem a line) or json."),
) -> None:
    """Check every script and the objection catalog; list every problem at once.

    Exit status: 0 clean, 1 problems found, 2 usage error.
    """
    import json

    from callassist.core.lint import lint as lint_content

    scripts, objections = content_dirs(ctx.obj, scripts_dir, objections_dir)
    problems = lint_content(scripts, objections, ctx.obj.settings.script)
    if fmt == "json":
        fields = ("path", "line", "col", "code", "message", "hint")
        typer.echo(json.dumps([{name: getattr(p, name) for name in fields} for p in problems], ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            typer.echo(str(problem))
        if problems:
            say("cli_problems", ctx.obj, err=True, count=len(problems))
        else:
            say("cli_no_problems", ctx.obj, err=True)
    raise typer.Exit(1 if problems else 0)


def _known_script(options: Options, scripts: Path, script: str) -> None:
    """Exit 2 (a usage error) naming the scripts there are, unless `script` is one of them."""
    from callassist.core.i18n import fmt_list

    if not (scripts / script).is_dir():
        available = sorted(p.name for p in scripts.iterdir() if p.is_dir())
        raise fail(words("cli_no_script", options, script=repr(script), folder=scripts, choices=fmt_list(available, options.locale) or words("cli_none", options)))


def _checked_content(options: Options, script: str):
    """The script and catalog as the app would load them, or exit 1 listing the problems."""
    from callassist.core.lint import check_content

    scripts, objections = content_dirs(options, None, None)
    _known_script(options, scripts, script)
    flow, catalog, problems = check_content(scripts, script, objections)
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        complain(words("cli_script_problems", options, script=repr(script), count=len(problems)))
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
    from callassist.core.i18n import fmt_list
    from callassist.core.preflight import SAMPLE_DEBTORS, SAMPLE_NOW, SAMPLE_STANDINGS, sample_snapshot
    from callassist.core.preview import preview as render_preview

    options: Options = ctx.obj
    if account is not None and sample:
        raise fail(words("cli_account_or_sample", options))
    lang = locale_of(options, locale)
    loaded, catalog = _checked_content(options, script)
    if state is not None and state not in loaded.flow.states:
        raise fail(words("cli_no_state", options, state=repr(state), script=repr(script), choices=fmt_list(loaded.flow.states, options.locale)))
    if standing not in SAMPLE_STANDINGS or debtor not in SAMPLE_DEBTORS:
        raise fail(words("cli_standing_or_debtor", options, standings=fmt_list(SAMPLE_STANDINGS, options.locale), debtors=fmt_list(SAMPLE_DEBTORS, options.locale)))
    snapshot, now = sample_snapshot(standing=standing, debtor=debtor), SAMPLE_NOW
    if account is not None:
        snapshot, now = _account_snapshot(options, account)
    if excuse is not None:
        ladders = catalog.ladders() if excuse == "all" else (excuse,)
        if excuse != "all" and excuse not in catalog.ladders():
            raise fail(words("cli_no_ladder", options, excuse=repr(excuse), choices=fmt_list(("all", *catalog.ladders()), options.locale)))
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
    steps = render_preview(
        loaded, catalog, snapshot, locale=lang, collector=options.settings.collector, creditor=options.settings.creditor(lang), now=now, state=state, rules=options.settings.contact_rules, recording_notice=options.settings.recording_notice
    )
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

    with open_store(options) as engine:
        try:
            with store_db.session(engine) as session:
                snapshot = queries.account_snapshot(account_id, session=session)
        except LookupError:
            raise fail(words("cli_no_account", options, account=account_id, database=display_url(options.settings.database_url()))) from None
    return snapshot, datetime.now(UTC)


@app.command()
def graph(
    ctx: typer.Context,
    script: str = typer.Argument(..., help="The script's folder name under scripts/, e.g. standard."),
    fmt: GraphFormat = typer.Option(GraphFormat.mermaid, "--format", help="mermaid, or dot (Graphviz)."),
    locale: Optional[str] = typer.Option(None, "--locale", help="Label the states in en or zh (default: the global --locale)."),
) -> None:
    """Print the script's flow as a diagram: states labelled in the chosen locale."""
    from callassist.core.flow import load_flow
    from callassist.core.graph import render
    from callassist.core.problems import ContentError

    lang = locale_of(ctx.obj, locale)
    scripts, _ = content_dirs(ctx.obj, None, None)
    _known_script(ctx.obj, scripts, script)
    try:
        loaded = load_flow(scripts / script)
    except ContentError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(render(loaded.flow, lang, fmt.value), nl=False)


@app.command()
def schema(
    ctx: typer.Context,
    # Named KIND and checked below: the list of kinds in --help's type column would fold mid-word at 80 columns.
    kind: str = typer.Argument(..., metavar="KIND", help=f"Which trainer file: {', '.join(k.value for k in SchemaKind)}."),
    write: bool = typer.Option(False, "--write", help="Write it beside the content (scripts/ or objections/) instead of printing it."),
) -> None:
    """The JSON Schema of a trainer file, for editors (the published copies live beside the content)."""
    from callassist.core.i18n import fmt_list
    from callassist.core.schemas import SCHEMAS, schema_text

    if kind not in SchemaKind.__members__:
        raise fail(words("cli_no_schema", ctx.obj, kind=repr(kind), choices=fmt_list([k.value for k in SchemaKind], ctx.obj.locale)))
    text = schema_text(kind)
    if not write:
        typer.echo(text, nl=False)
        return
    scripts, objections = content_dirs(ctx.obj, None, None)
    _, folder, name = SCHEMAS[kind]
    target = (scripts if folder == "scripts" else objections) / name
    target.write_text(text, encoding="utf-8")
    say("cli_wrote", ctx.obj, path=target)
