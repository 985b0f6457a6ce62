"""Start-up: the collector's everyday command opens the worklist without the CLI framework.

`callassist` with only global options (the common case, many times a day) is parsed
here and opens the TUI straight away; any command, `--help` or anything unexpected goes
to the Typer CLI in cli/, which declares the same options from GLOBAL_OPTIONS. Typer
and Click take about 50 ms to import and parse, a sixth of the time to the first paint.
"""

from __future__ import annotations

import sys

from callassist.startup import Options, UsageError, global_options_only, reading_url, run_tui


def main() -> None:
    from callassist.core.crash import INTERNAL_ERROR, debugging, internal_error_line

    try:
        _main()
    except Exception as exc:  # the last resort: a bug must not print the data it held
        if debugging():
            raise
        print(internal_error_line(exc), file=sys.stderr)
        sys.exit(INTERNAL_ERROR)


def _main() -> None:
    values = global_options_only(sys.argv[1:])
    if values is None:
        from callassist.cli import main as cli_main

        cli_main()
        return
    try:
        options = Options(**values)
    except UsageError as exc:
        print(f"callassist: {exc}", file=sys.stderr)
        sys.exit(2)
    run_tui(options, reading_url(options))
