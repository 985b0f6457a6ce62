"""What the everyday start (launch.py) and the CLI (cli/) share: the global options,
parsed without the CLI framework, and running the TUI with its day's checkpoint."""

from __future__ import annotations

import gc
import os
import re
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from callassist.settings import Settings

# A database URL as SQLAlchemy names it: sqlite:///file.db, postgresql+psycopg://user@host/db.
DB_URL = re.compile(r"^(sqlite|postgresql)(\+[a-z0-9_]+)?://", re.IGNORECASE)


class GlobalOption(NamedTuple):
    name: str  # the Settings field it sets
    kind: type
    help: str
    envvar: str | None = None


GLOBAL_OPTIONS = {
    "--db": GlobalOption("db", str, "Database URL (default: SQLite in the user data dir).", "CALLASSIST_DB"),
    "--collector": GlobalOption("collector", str, "Who is working (default: your login name)."),
    "--locale": GlobalOption("locale", str, "en or zh (zh_TW and other Chinese locales map to zh); default: the system locale."),
    "--scripts-dir": GlobalOption("scripts_dir", Path, "A trainer's scripts/ folder."),
    "--objections-dir": GlobalOption("objections_dir", Path, "A trainer's objections/ folder."),
    "--role": GlobalOption("role", str, "collector (default), supervisor or trainer: what you may see and do."),
    "--compliance": GlobalOption("compliance", str, "The contact rules in force: cn (default), us, or the path of a YAML profile."),
    "--phone": GlobalOption("phone", str, "What dials: none (default: you dial by hand), baresip://HOST:PORT (a baresip softphone's ctrl_tcp) or command:PROGRAM {number}.", "CALLASSIST_PHONE"),
}


class UsageError(Exception):
    """A bad option value: one clear line for the user, exit status 2."""


class Options:
    """The global options, resolved into settings once, each checked with a clear error."""

    def __init__(
        self,
        db: str | None = None,
        collector: str | None = None,
        locale: str | None = None,
        scripts_dir: Path | None = None,
        objections_dir: Path | None = None,
        role: str | None = None,
        compliance: str | None = None,
        phone: str | None = None,
    ) -> None:
        from callassist.settings import Settings, SettingsError

        try:
            self.settings = Settings.load(db=db, collector=collector, locale=locale, scripts_dir=scripts_dir, objections_dir=objections_dir, role=role, compliance=compliance, phone=phone)
        except SettingsError as exc:
            raise UsageError(str(exc)) from None
        url = self.settings.db
        if url and not DB_URL.match(url):
            from callassist.core.redact import display_url

            raise UsageError(f"unsupported database URL {display_url(url)!r}: use sqlite:///path/to/file.db or postgresql+psycopg://user@host/dbname")
        if url and url.lower().startswith("postgresql") and url.count("@") > 1:
            from callassist.core.redact import display_url

            # Read as the driver would, the rest of such a password becomes the host's name,
            # and the driver's error would print it.
            raise UsageError(f"database URL {display_url(url)!r}: its password holds an @; write each @ in it as %40 (and / ? # as %2F %3F %23)")
        self.locale = checked_locale(self.settings.locale)
        from callassist.core.private import keep_private

        keep_private(self.settings.data_dir)


def checked_locale(requested: str | None) -> str:
    """en or zh from what the user asked for (None: the system locale); UsageError otherwise."""
    from callassist.core.i18n import LOCALES, resolve_locale

    if requested and resolve_locale(requested) != requested.replace("-", "_").lower()[:2]:
        raise UsageError(f"unsupported locale {requested!r}: use {' or '.join(LOCALES)} (zh_CN, zh_TW and other Chinese variants mean zh)")
    return resolve_locale(requested)


def global_options_only(argv: list[str]) -> dict | None:
    """The options in `argv` when it holds global options and nothing else, else None."""
    values: dict = {}
    index = 0
    while index < len(argv):
        flag, has_value, value = argv[index].partition("=")
        spec = GLOBAL_OPTIONS.get(flag)
        if spec is None or spec.name in values:
            return None
        if not has_value:
            index += 1
            if index == len(argv):
                return None
            value = argv[index]
        values[spec.name] = spec.kind(value)
        index += 1
    return values


def recordings_folder_problem(settings: Settings, locale: str) -> str | None:
    """Why the phone's recordings folder (?recordings=) cannot be taken from, said before
    any screen: none there, not a folder, or inside callassist's data folder (whose
    recordings/ the calls' recordings are moved into). None when it can, or none is set."""
    from callassist.core.i18n import label
    from callassist.core.phone import BaresipSetting

    setting = settings.phone_setting
    if not isinstance(setting, BaresipSetting) or not setting.recordings:
        return None
    folder = Path(setting.recordings)
    try:
        data_dir, resolved = settings.data_dir.resolve(), folder.resolve()
        if not folder.exists():
            return label("recordings_folder_missing", locale, folder=folder)
        if not folder.is_dir():
            return label("recordings_folder_not_folder", locale, folder=folder)
        status = resolved.stat()
    except (OSError, RuntimeError) as error:  # RuntimeError: a loop of links
        return label("recordings_folder_unreadable", locale, folder=folder, error=getattr(error, "strerror", None) or error)
    if resolved == data_dir or data_dir in resolved.parents:
        return label("recordings_folder_inside_data", locale, folder=folder, data_dir=data_dir)
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        # A call's recording waits there until it is taken: others must not read it, nor
        # put a file of their own in its place.
        return label("recordings_folder_shared", locale, folder=folder, mode=f"{stat.S_IMODE(status.st_mode):o}")
    return None


def run_tui(options: Options, url: str, replay: str | None = None) -> None:
    # Start-up makes a million objects and few cycles: sweeps of them would stall the first
    # frame and the first keys. The app resumes the collector once warmed up (CallAssistApp.warm_up).
    gc.disable()
    from callassist.core.compliance import Viewer
    from callassist.tui.app import CallAssistApp

    settings = options.settings
    if problem := absent_database(url, settings.db is not None, options.locale):
        print(f"callassist: {problem}", file=sys.stderr)
        sys.exit(2)
    if problem := recordings_folder_problem(settings, options.locale):
        print(f"callassist: {problem}", file=sys.stderr)
        sys.exit(2)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        from callassist.core.i18n import label

        # Without a terminal the screens would be drawn to nobody and wait for keys forever.
        print(f"callassist: {label('cli_needs_terminal', options.locale)}", file=sys.stderr)
        sys.exit(2)

    def open_workspace():
        from callassist.services.workspace import Workspace

        return Workspace.open(settings, url, options.locale)

    quick_read = None
    # A trainer's worklist is empty: the first paint must not show the ledger either.
    from callassist.store.sql import sqlite_file

    file = sqlite_file(url)
    if file is not None and replay is None and Viewer(settings.collector, settings.role).sees_personal_data:
        from callassist.store.sql import quick_sqlite_read

        path = str(file)
        window = settings.contact_rules.window
        quick_read = lambda now: quick_sqlite_read(path, settings.collector, now, settings.class_days, window=window)  # noqa: E731
    tui = CallAssistApp(open_workspace, options.locale, settings.collector, quick_read, replay=replay, freeze=True, phone=settings.phone_setting, data_dir=settings.data_dir)
    tui.run()
    tui.resume_gc()  # an app that ended before warming up
    say_phone_unsettled(tui, options.locale)
    if tui.return_code in (0, None):
        daily_checkpoint(tui.workspace)
    else:
        sys.exit(tui.return_code)


def say_phone_unsettled(tui, locale: str) -> None:
    """What the phone may still be doing once the app has gone, said where it stays on
    screen: hang-ups it never confirmed, a dial it never answered."""
    from callassist.core.i18n import label

    if tui.hang_ups_owed:
        print(f"callassist: {label('phone_hang_ups_owed', locale, calls=', '.join(sorted(tui.hang_ups_owed)))}", file=sys.stderr)
    if tui.dial_in_doubt:
        print(f"callassist: {label('phone_dial_in_doubt_at_exit', locale)}", file=sys.stderr)


def absent_database(url: str, named: bool, locale: str) -> str | None:
    """What to say (in `locale`) when `url` names a SQLite file that is not there: a command
    other than `db upgrade` and `demo` never makes an empty database in its place. `named`:
    the user gave the URL (--db, CALLASSIST_DB), so a typo is likely."""
    from callassist.core.i18n import label
    from callassist.store.sql import missing_file

    path = missing_file(url)
    if path is None:
        return None
    return label("cli_no_database_named" if named else "cli_no_database_yet", locale, path=path)


def daily_checkpoint(workspace) -> None:
    """The day's first run leaves a signed checkpoint of the log behind, so that a desk
    that never runs `audit checkpoint` has them too; said on stderr, after the screen."""
    if workspace is None:
        return
    from callassist.core.checkpoints import CheckpointError
    from callassist.core.errors import LogRefused, StoreError
    from callassist.core.i18n import label

    where, locale = workspace.audit.checkpoint_file, workspace.desk.locale
    try:
        made = workspace.audit.checkpoint(daily=True)
    except LogRefused as exc:
        print(f"callassist: {label('cli_no_checkpoint_signed', locale, why=exc.why)}\n{exc}\n(callassist audit verify --checkpoints {where})", file=sys.stderr)
        return
    except (CheckpointError, StoreError, ValueError) as exc:  # ValueError: a database changed by hand
        print(f"callassist: {label('cli_no_checkpoint_signed', locale, why=exc)}", file=sys.stderr)
        return
    if made is not None:
        print(f"callassist: {label('cli_daily_checkpoint_signed', locale, size=made.size, file=where)}", file=sys.stderr)


def reading_url(options: Options) -> str:
    """Settings.reading_url, saying on standard error when it is the demo's."""
    from callassist.core.i18n import label
    from callassist.core.redact import display_url

    url = options.settings.reading_url()
    if url != options.settings.database_url():
        print(f"callassist: {label('cli_reading_demo', options.locale, database=display_url(url))}", file=sys.stderr)
    return url
