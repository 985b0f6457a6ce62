"""`callassist db`: migrate, check and let people into the database."""

from __future__ import annotations

import sys

import typer

from callassist.cli.root import counted, db_app, fail, open_store, say, words


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
    with open_store(ctx.obj, new=True) as engine:
        if created:
            say("cli_database_made", ctx.obj, path=created)
        try:
            with store_db.session(engine) as session:
                floor = store_db.raise_retention(session, settings.contact_rules.retention_years)
                session.commit()
        except SQLAlchemyError as exc:  # on a team's database only the owner may raise it
            raise fail(words("cli_retention_owner_only", ctx.obj, rules=settings.contact_rules.name, error=str(exc).splitlines()[0])) from None
    say("cli_schema_current", ctx.obj, database=display_url(settings.database_url()))
    say("cli_records_kept", ctx.obj, years=floor)


@db_app.command("check")
def db_check(ctx: typer.Context) -> None:
    """Check the ledger's invariants over every account: balances, closed accounts, promises
    and payments agree. Lists each violation with its account; exit status 1 if any."""
    import time

    from callassist.store import db as store_db
    from callassist.store.ledger_check import INVARIANTS, check_ledger

    with open_store(ctx.obj) as engine:
        started = time.perf_counter()
        with store_db.session(engine) as session:
            found = check_ledger(session=session)
            accounts = session.connection().exec_driver_sql("SELECT COUNT(*) FROM account").scalar()
    for violation in found:
        typer.echo(violation.said(ctx.obj.locale))
    seconds = time.perf_counter() - started
    if found:
        say("cli_violations", ctx.obj, err=True, count=len(found), bad=len({v.account for v in found}), accounts=counted("cli_n_accounts", ctx.obj, accounts), seconds=f"{seconds:.1f}")
        raise typer.Exit(1)
    say("cli_invariants_hold", ctx.obj, accounts=counted("cli_n_accounts", ctx.obj, accounts), invariants=len(INVARIANTS), seconds=f"{seconds:.1f}")


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

    from callassist.core.errors import StoreError
    from callassist.store import db as store_db
    from callassist.store import team

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin and not password:
        raise fail(words("cli_password_empty", ctx.obj))
    with open_store(ctx.obj) as engine:
        try:
            with store_db.session(engine) as session:
                made = team.grant(name, role, session=session, password=password)
                session.commit()
        except StoreError as exc:
            raise fail(str(exc)) from None
        except SQLAlchemyError as exc:  # a refusal (not the owner, no CREATEROLE): said in one line
            raise fail(words("cli_cannot_grant", ctx.obj, name=name, role=role, error=str(exc).splitlines()[0])) from None
    say(("cli_login_made_no_password" if password is None else "cli_login_made") if made else "cli_login_changed", ctx.obj, name=name, role=role)
