"""`callassist audit`: the hash chains, signed checkpoints and proofs of the call log."""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path
from typing import Optional

import typer

from callassist.cli.root import audit_app, complain, counted, fail, open_store, say, stderr, viewer_of, words
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
                raise fail(words("cli_no_readable_call", ctx.obj, call=repr(call), database=display_url(url)))
            if checkpoints is not None and (call or not viewer.reads_team):
                raise fail(words("cli_checkpoints_without_call", ctx.obj) if call else words("cli_checkpoints_supervisor", ctx.obj, role=viewer.role))
            if checkpoints is not None:
                try:
                    trusted = {read_trusted(path) for path in trust} or ({read_trusted(settings.signing_key)} if settings.signing_key.exists() else None)
                    usable, findings = auditlog.file_checkpoints(checkpoints, auditlog.log_id(session=session), auditlog.recorded_checkpoints(session=session), trusted)
                except CheckpointError as exc:
                    raise fail(str(exc)) from None
                if trusted is None:
                    keys = sorted({fingerprint(c.key) for c in usable})
                    say("cli_no_key_trusted", ctx.obj, err=True, keys=", ".join(keys) or words("cli_none", ctx.obj))
                try:
                    floor = max(store_db.retention_years(session), settings.contact_rules.retention_years)
                except (ValueError, SQLAlchemyError):
                    raise fail(words("cli_retention_not_years", ctx.obj)) from None
            events = _event_count(session)
        if checkpoints is not None:
            engine.dispose()  # no connection of this process's open while the log's reader forks
            log = auditlog.check_against_elsewhere(url, usable, floor_years=floor, now=datetime.now(UTC))
        ids = [call] if call else readable
        with store_db.session(engine) as session, _progress(words("cli_checking_calls", ctx.obj), events) as advance:
            found = auditlog.verify_chains(ids, session=session, progress=advance, orphans=viewer.reads_team and not call)
            recordings = queries.attached_recordings(ids, session=session)
    broken = 0
    ids += sorted(set(found) - set(ids))  # events whose call's row is gone
    for call_id in ids:
        if found[call_id] is None:
            typer.echo(f"ok      {call_id}")
        else:
            broken += 1
            typer.echo(f"BROKEN  {call_id}: {words('cli_broken_at_event', ctx.obj, seq=found[call_id].seq, reason=found[call_id].reason)}")
    broken += _check_recordings(ctx.obj, recordings)
    say("cli_calls_checked", ctx.obj, err=True, count=len(ids), broken=broken)
    if log is None:
        if not call:
            say("cli_without_checkpoints", ctx.obj, err=True)
        raise typer.Exit(1 if broken else 0)
    with _progress(words("cli_checking_log", ctx.obj), None):
        check = log.result()
    findings += check.findings
    for finding in findings:
        typer.echo(finding.line(ctx.obj.locale))
    say("cli_log_checked", ctx.obj, err=True, size=check.size, checked=len(usable), file=checkpoints, findings=counted("cli_findings", ctx.obj, len(findings)))
    raise typer.Exit(1 if broken or findings else 0)


def _check_recordings(options, recordings: list[tuple[str, dict]]) -> int:
    """Each recording the log names against its file in this computer's data folder: BROKEN
    when its bytes are not those whose SHA-256 was stored; a recording kept on another
    computer (a team member's) is said to be elsewhere; anything but a file in its place is
    BROKEN. The number broken."""
    from callassist.phone.recording import file_digest, kept_at

    broken = 0
    for call_id, kept in recordings:
        named = str(kept.get("file", ""))
        path = kept_at(options.settings.data_dir, named)
        if path is None:
            broken += 1
            typer.echo(f"BROKEN  {call_id}: {words('cli_recording_outside', options, file=named)}")
        elif not path.exists():
            typer.echo(f"absent  {call_id}: {words('cli_recording_elsewhere', options, file=named)}")
        elif not path.is_file():  # a directory, a pipe or a device put in its place
            broken += 1
            typer.echo(f"BROKEN  {call_id}: {words('cli_recording_not_file', options, file=named)}")
        elif file_digest(path) != kept.get("sha256"):
            broken += 1
            typer.echo(f"BROKEN  {call_id}: {words('cli_recording_changed', options, file=named)}")
        else:
            typer.echo(f"ok      {call_id}: {words('cli_recording_intact', options, file=named)}")
    return broken


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
    say("cli_signing_key_made", ctx.obj, path=path)
    say("cli_public_key_made", ctx.obj, path=public_key_path(path), fingerprint=fingerprint(public))


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
        say("cli_nothing_new_to_sign", options, file=settings.checkpoint_file(settings.database_url()))
        return
    say("cli_checkpoint_signed", options, number=found.number, entries=counted("cli_n_entries", options, found.size), root=found.root[:16], by=found.by, signer_key=fingerprint(found.key), file=settings.checkpoint_file(settings.database_url()))


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
                    raise fail(words("cli_checkpoint_supervisor", options, role=viewer.role))
                return auditlog.take_checkpoint(
                    signing, viewer.name, settings.checkpoint_file(settings.database_url()), session=session, floor_years=max(store_db.retention_years(session), settings.contact_rules.retention_years), now=datetime.now(UTC)
                )
        except auditlog.LogRefused as exc:
            typer.echo(str(exc))
            complain(words("cli_nothing_signed_refused", options, why=exc.why))
            raise typer.Exit(1) from None
        except SQLAlchemyError as exc:
            raise fail(words("cli_nothing_signed", options, why=str(exc).splitlines()[0])) from None
        except OSError as exc:
            raise fail(words("cli_nothing_signed", options, why=words("cli_cannot_write", options, path=settings.checkpoint_file(settings.database_url()), error=exc.strerror))) from None
        except ValueError as exc:  # a database changed by hand: a retention floor that is no number
            raise fail(words("cli_nothing_signed", options, why=exc)) from None


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
                raise fail(words("cli_proof_supervisor", ctx.obj, role=viewer.role))
            if call_id not in queries.readable_call_ids(viewer, session=session):
                raise fail(words("cli_no_call_here", ctx.obj, call=repr(call_id)))
            try:
                trusted = {read_trusted(ctx.obj.settings.signing_key)} if ctx.obj.settings.signing_key.exists() else None
                usable, findings = auditlog.file_checkpoints(path, auditlog.log_id(session=session), [], trusted)
            except CheckpointError as exc:
                raise fail(str(exc)) from None
            first = auditlog.first_position(call_id, session=session)
            holding = [c for c in usable if first is not None and c.size > first and (number is None or c.number == number)]
            if not holding:
                raise fail(words("cli_no_checkpoint_numbered_holds", ctx.obj, file=path, call=call_id, number=number) if number else words("cli_no_checkpoint_holds", ctx.obj, file=path, call=call_id))
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
            raise fail(words("cli_cannot_write", ctx.obj, path=out, error=exc.strerror)) from None
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
    entries = counted("cli_n_entries", ctx.obj, checkpoint.size)
    held = words("cli_proof_holds", ctx.obj, call=result.call_id, first=result.first, last=result.last, number=checkpoint.number, log=checkpoint.log, entries=entries, time=checkpoint.time, by=checkpoint.by, signer_key=fingerprint(checkpoint.key))
    typer.echo(f"ok      {held}")  # ok and BROKEN begin the line in every language, for grep
    typer.echo("        " + (words("cli_proof_ended", ctx.obj, outcome=repr(result.outcome)) if result.outcome else words("cli_proof_under_way", ctx.obj)))
    if trusted is None:
        say("cli_proof_untrusted", ctx.obj, err=True, signer_key=fingerprint(checkpoint.key))
    if result.later:
        say("cli_later_events", ctx.obj, err=True, count=result.later)
