"""The project's lint policy ([tool.ruff] in pyproject.toml: pyflakes and syntax errors) holds
for the package, the tests, the scripts and the benchmarks."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff():
    try:
        import ruff  # noqa: F401  (the ruff package ships the binary)
        return [sys.executable, "-m", "ruff"]
    except ImportError:
        exe = shutil.which("ruff")
        if exe is None:
            pytest.skip("ruff is not installed (pip install '.[test]')")
        return [exe]


def test_ruff_check_is_clean():
    r = subprocess.run(_ruff() + ["check", "--no-cache", "."], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
