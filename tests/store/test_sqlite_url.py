"""The first paint reads a SQLite URL without SQLAlchemy: it must read it as SQLAlchemy does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from callassist.store.sql import sqlite_file

PATHS = st.text(st.characters(blacklist_characters="?#\x00", blacklist_categories=("Cs",)), min_size=0, max_size=30)


def _sqlalchemy_reads(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(os.path.expanduser(parsed.database))  # as sqlite_file: ~name of no user stays as it is


@given(PATHS, st.sampled_from(["sqlite:///", "sqlite:////", "sqlite+pysqlite:///", "SQLite:///"]), st.sampled_from(["", "?mode=ro", "?timeout=5&uri=true"]))
def test_a_sqlite_url_names_the_file_sqlalchemy_opens(path, prefix, query):
    url = prefix + path + query
    assert sqlite_file(url) == _sqlalchemy_reads(url), url


def test_other_databases_and_memory_name_no_file():
    for url in ("sqlite://", "sqlite:///:memory:", "postgresql+psycopg://wang@localhost/team", "sqlite:///"):
        assert sqlite_file(url) is None and _sqlalchemy_reads(url) is None, url


def test_the_first_paint_imports_no_database_library():
    """The attack on the cold-start budget: SQLAlchemy imported before the worklist paints
    (a third of a second on this machine)."""
    code = (
        "import sys; from callassist.startup import Options, absent_database; from callassist.tui.app import CallAssistApp; "
        "from callassist.tui.screens.worklist import WorklistScreen; from callassist.store.sql import quick_sqlite_read, sqlite_file; "
        "absent_database('sqlite:////nonexistent/x.db', True, 'en'); print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'alembic', 'psycopg')))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert shown == "[]"
