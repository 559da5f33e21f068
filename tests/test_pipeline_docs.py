"""The command-line and Python+Arrow recipes of docs/pipelines.md, run as written.

(The engine recipes run in tests/test_pipeline_engines.py, pre-commit in
tests/test_pipeline_precommit.py.)"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tracelint

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "pipelines.md"
EXAMPLES = ROOT / "examples" / "traces.jsonl"


def recipe(name: str) -> str:
    """The fenced block right after ``<!-- recipe: NAME -->`` in docs/pipelines.md."""
    m = re.search(r"<!-- recipe: " + re.escape(name) + r" -->\n```[a-z]*\n(.*?)```",
                  DOC.read_text(encoding="utf-8"), re.S)
    assert m, f"no recipe {name!r} in {DOC}"
    return m.group(1)


def workdir(tmp_path: Path) -> Path:
    """A directory holding the recipes' data: traces.jsonl, traces.parquet, data/."""
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    if os.environ.get("TRACELINT_IMPLEMENTATION", "").lower() == "python":
        lines = lines[:16]  # the pure-Python twin is ~50x slower
    (tmp_path / "traces.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = [json.loads(l) for l in lines]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "traces.parquet")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "traces.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def env_with_tracelint(tmp_path: Path) -> dict:
    """The environment of a recipe: this checkout importable, and a ``tracelint`` command
    that runs this interpreter."""
    bindir = tmp_path / ".bin"
    bindir.mkdir(exist_ok=True)
    shim = bindir / "tracelint"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tracelint.cli "$@"\n')
    shim.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env.get('PYTHONPATH', '')}".rstrip(os.pathsep)
    # Spark starts its Python workers with "python3" from PATH unless told: this interpreter,
    # so that the recipe runs the same with or without an activated virtual environment
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    return env


def local_keep(d: Path):
    table = pq.read_table(d / "traces.parquet")
    scored = tracelint.analyze_batch(table, text="response")
    return table, scored


def test_cli_recipe(tmp_path):
    d = workdir(tmp_path)
    r = subprocess.run(["sh", "-e", "-c", recipe("cli")], cwd=d, env=env_with_tracelint(d),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    table, scored = local_keep(d)
    keep = scored.column("tracelint_keep").to_pylist()
    n = table.num_rows
    kept = (d / "kept.jsonl").read_text().splitlines()
    rejected = (d / "rejected.jsonl").read_text().splitlines()
    assert len(kept) == keep.count(True) and len(rejected) == keep.count(False)
    assert len(kept) + len(rejected) == n and not (d / "errors.jsonl").read_text()
    assert pq.read_table(d / "kept.parquet").num_rows == keep.count(True)
    assert pq.read_table(d / "rejected.parquet").num_rows == keep.count(False)
    assert f"records: {n}" in r.stdout
    assert ("some traces would be rejected" in r.stdout) == (False in keep)


def test_arrow_recipe(tmp_path):
    d = workdir(tmp_path)
    r = subprocess.run([sys.executable, "-c", recipe("arrow")], cwd=d,
                       env=env_with_tracelint(d), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    table, scored = local_keep(d)
    kept = pq.read_table(d / "kept.parquet")
    assert kept.to_pylist() == [row for row, k in zip(table.to_pylist(),
                                                      scored.column("tracelint_keep").to_pylist())
                                if k]
    assert "tracelint_label" in r.stdout


def test_pre_commit_recipe_names_the_hook():
    yaml = pytest.importorskip("yaml", reason="PyYAML (a dependency of pre-commit) is not "
                               "installed: pip install 'tracelint[pre-commit]'")
    cfg = yaml.safe_load(recipe("pre-commit"))
    assert cfg["repos"][0]["hooks"][0]["id"] == "tracelint"
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["tracelint"]
    assert hooks[0]["entry"] == "tracelint check"
    files = re.compile(hooks[0]["files"])
    assert files.search("data/train.jsonl") and files.search("x.parquet")
    assert not files.search("x.json") and not files.search("README.md")
