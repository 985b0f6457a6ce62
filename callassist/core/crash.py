"""What an unexpected failure says: one line, with where it happened, never the values
it was handling (a debtor's name or an amount could be among them)."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

DEBUG_VARIABLE = "CALLASSIST_DEBUG"
_PACKAGE = str(Path(__file__).resolve().parents[1])


def debugging() -> bool:
    """Whether the user asked for full tracebacks (CALLASSIST_DEBUG=1)."""
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


INTERNAL_ERROR = 70  # the exit status of a program stopped by its own bug (EX_SOFTWARE)


def internal_error_line(exc: BaseException) -> str:
    """`callassist: internal error (KeyError in callassist/store/queries.py:301) ...`: the
    kind of failure and the last place in callassist it passed, without its message."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename.startswith(_PACKAGE)]
    where = f" in {Path(frames[-1].filename).relative_to(Path(_PACKAGE).parent)}:{frames[-1].lineno}" if frames else ""
    return f"callassist: internal error ({type(exc).__name__}{where}); nothing already stored is lost. Please report it; {DEBUG_VARIABLE}=1 shows the full traceback (it may show debtors' data)."
