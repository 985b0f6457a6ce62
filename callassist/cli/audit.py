"""`callassist audit`: the hash chains, signed checkpoints and proofs of the call log."""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path
from typing import Optional

import typer

from callassist.cli.root import audit_app, counted, fail, open_store, say, stderr, viewer_of
from callassist.startup import Options


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
    with open_store(ctx.obj) as engine:
        findings, usable, log = [], [], None
        with store_db.session(engine) as session:
            viewer = viewer_of(ctx.obj, session)
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
    broken = 0
    ids += sorted(set(found) - set(ids))  # events whose call's row is gone
    for call_id in ids:
        if found[call_id] is None:
            typer.echo(f"ok      {call_id}")
        else:
            broken += 1
            typer.echo(f"BROKEN  {call_id}: event {found[call_id].seq}: {found[call_id].reason}")
    say("cli_calls_checked", ctx.obj, err=True, count=len(ids), broken=broken)
    if log is None:
        if not call:
            typer.echo("without --checkpoints this cannot tell a call rewritten with new hashes, or removed whole, from one never changed", err=True)
        raise typer.Exit(1 if broken else 0)
    with _progress("checking the log", None):
        check = log.result()
    findings += check.findings
    for finding in findings:
        typer.echo(finding.line())
    say("cli_log_checked", ctx.obj, err=True, size=check.size, checked=len(usable), file=checkpoints, findings=counted("cli_findings", ctx.obj, len(findings)))
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
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True, disable=not sys.stderr.isatty(), console=stderr()) as shown:
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
    with open_store(options) as engine:
        try:
            with store_db.session(engine) as session:
                viewer = viewer_of(options, session)
                if not viewer.reads_team:
                    raise fail(f"checkpoints are a supervisor's to sign (--role supervisor); this session's role is {viewer.role}")
                return auditlog.take_checkpoint(
                    signing, viewer.name, settings.checkpoint_file(settings.database_url()), session=session, floor_years=max(store_db.retention_years(session), settings.contact_rules.retention_years), now=datetime.now(UTC)
                )
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
    with open_store(ctx.obj) as engine:
        with store_db.session(engine) as session:
            viewer = viewer_of(ctx.obj, session)
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
    text = json.dumps(made, ensure_ascii=False, indent=1) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write {out}: {exc.strerror}") from None
        say("cli_proof_written", ctx.obj, err=True, call=call_id, number=chosen.number, count=len(made["events"]), out=out)


@audit_app.command("verify-proof")
def audit_verify_proof(
    ctx: typer.Context,
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
    typer.echo(
        f"ok      call {result.call_id}: events {result.first}-{result.last} are in checkpoint {checkpoint.number} of log {checkpoint.log} ({checkpoint.size} entries, taken {checkpoint.time} by {checkpoint.by}, key {fingerprint(checkpoint.key)})"
    )
    typer.echo(f"        the call ended as {result.outcome!r} by then" if result.outcome else "        no end of the call is among these events: by then it was under way, or the proof leaves its later events out")
    if trusted is None:
        typer.echo(f"no --trust: the checkpoint's signature holds for key {fingerprint(checkpoint.key)}; make sure that is the signer's", err=True)
    if result.later:
        say("cli_later_events", ctx.obj, err=True, count=result.later)
