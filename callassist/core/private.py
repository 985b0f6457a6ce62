"""Files and folders only their user may read. What the program keeps on disk holds
debtors' data (the database, drafts, the outbox) or the audit's signing key, and another
login on the same machine must not read it: each is made private when it is made, and
what an older version left readable is tightened when it is next opened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
_OTHERS = 0o077  # the group's and everyone else's bits


def keep_private(data_dir: Path) -> None:
    """From here on whatever this process makes is its user's alone (SQLite's own journal
    files, an --out file); and the data folder, if it is there already, is tightened."""
    os.umask(_OTHERS)
    tighten(data_dir)


def private_dir(path: Path) -> Path:
    """`path`, made with its missing parents if it is not there, 0700."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return path


def open_private(path: Path, flags: int) -> int:
    """os.open of a file that, if this makes it, is 0600 from its first byte."""
    return os.open(path, flags | os.O_CREAT, FILE_MODE)


def tighten(path: Path) -> None:
    """Take the group's and others' access away from a file or folder of the user's own;
    one that is missing, or someone else's, is left as it is."""
    try:
        info = path.stat()
    except OSError:
        return
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid == os.getuid() and mode & _OTHERS:
        os.chmod(path, mode & ~_OTHERS)
