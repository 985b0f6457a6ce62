"""The layers' import contracts (import-linter), the linter and the formatter (ruff) hold,
so the README's test command keeps them as CI does. The type checker, ten seconds and more
of the suite's budget, is run by `.ci/run` and the pre-commit hook instead."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


def test_the_code_passes_the_linter():
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "callassist", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted():
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "format", "--check", "callassist", "tests", "setup.py"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_and_store_load_without_textual_or_rich():
    code = "import sys, callassist.services.workspace, callassist.store.demo, callassist.core.preflight;bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')];print(bad); sys.exit(1 if bad else 0)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
