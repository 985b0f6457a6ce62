"""A throwaway PostgreSQL server for the test suite and the benchmarks: initdb and
pg_ctl from the binaries on this machine, in a temporary folder, on a free port (run as
the `postgres` user when run as root, which PostgreSQL refuses to be)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, if PostgreSQL is installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, bindir: Path, durable: bool = False, autovacuum: bool = True) -> None:
        """`durable`: commits wait for the disk (fsync), as on a real server; the tests'
        server does without, which only matters if the machine loses power. `autovacuum`:
        the server tidies and measures its tables as it goes, as a real one does (the
        benchmarks' plans need it); the tests' servers do without, their hundreds of
        databases each living seconds."""
        self.bindir = bindir
        self.durable = durable
        self.autovacuum = autovacuum
        self.root = Path(tempfile.mkdtemp(prefix="callassist-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0

    def _run(self, *argv: str) -> None:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> None:
        self.root.chmod(0o755)
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.launch()

    def launch(self) -> None:
        """Run the server on its data folder (again, after kill)."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync={'on' if self.durable else 'off'} -c synchronous_commit=on -c max_connections=200 -c autovacuum={'on' if self.autovacuum else 'off'}"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def kill(self) -> None:
        """Stop the server at once, as a crash would: open connections are cut."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, template: str | None = None) -> str:
        """A fresh database, empty or a copy of the database named `template` (copied by
        the server in a few milliseconds; no one may be connected to it), with the same
        rights to connect to it; its URL. A copy's team groups are the template's (their
        names are stored in it, migration 0009)."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as connection:
            if template is None:
                connection.execute(f'CREATE DATABASE "{name}"')
            else:
                connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                # Who may connect is the database's, not its contents': the copy gets none of it.
                connection.execute("UPDATE pg_database SET datacl = (SELECT datacl FROM pg_database WHERE datname = %s) WHERE datname = %s", (template, name))
        return self.url(name)

    def stop(self) -> None:
        try:
            self.kill()
        except subprocess.CalledProcessError:
            pass
        for _ in range(50):
            try:
                shutil.rmtree(self.root)
                return
            except OSError:
                time.sleep(0.1)
