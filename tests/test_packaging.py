"""The wheel, as pip builds it from the checkout: it carries the shipped content and the
compiled catalogs as plain files (no symbolic link), leaves the benchmarks and the tests'
PostgreSQL server out, and runs from where it is unpacked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory) -> Path:
    # A copy of what the build reads, so that no build/ folder left in the checkout is packed.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("callassist", "scripts", "objections"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    built = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", str(source), "--no-deps", "-w", str(built)], check=True, capture_output=True, cwd=built)
    [wheel] = built.glob("callassist-*.whl")
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert not any(name.startswith("callassist/devtools/") for name in names), "the benchmarks stay in the checkout"
        assert not any((info.external_attr >> 16) & 0o170000 == 0o120000 for info in archive.infolist()), "no symbolic link"
        archive.extractall(target)
    return target


def _python(site: Path, *argv: str) -> subprocess.CompletedProcess:
    """Python on the unpacked wheel and the venv's libraries, as an installed program: -S
    leaves out the .pth files, and so the checkout's own editable install."""
    libraries = next(Path(p) for p in sys.path if p.endswith("site-packages"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join((str(site), str(libraries))), XDG_DATA_HOME=str(site / "data"))
    return subprocess.run([sys.executable, "-S", *argv], cwd=site, env=env, capture_output=True, text=True, timeout=120)


def test_the_wheel_carries_the_content_and_the_catalogs(unpacked):
    for shipped in ("scripts/standard/flow.yaml", "scripts/standard/zh/purpose.j2", "objections/dodge.yaml"):
        assert (unpacked / "callassist" / "content" / shipped).read_bytes() == (ROOT / shipped).read_bytes(), shipped
    for locale in ("en", "zh"):
        assert (unpacked / "callassist" / "locale" / locale / "LC_MESSAGES" / "callassist.mo").is_file()


def test_the_unpacked_program_checks_its_own_content_and_says_where_the_benchmarks_are(unpacked):
    linted = _python(unpacked, "-m", "callassist", "lint")
    assert linted.returncode == 0, linted.stdout + linted.stderr
    where = _python(unpacked, "-c", "import callassist, callassist.core.shipped as s; print(callassist.__file__); print(s.SHIPPED_SCRIPTS)").stdout.split()
    assert len(where) == 2 and all(line.startswith(str(unpacked)) for line in where), where
    bench = _python(unpacked, "-m", "callassist", "bench")
    assert bench.returncode == 2 and "the benchmarks come with the source" in bench.stderr
