"""The pre-commit hook, for real: ``pre-commit try-repo`` against this working tree, inside a
temporary git repository holding a clean and a degenerate dataset.  The hook must pass the
clean one (JSON Lines and Parquet) and fail the degenerate one, naming file, line and code.

pre-commit builds tracelint into its own virtualenv from the working tree (compiling the
core), so this takes about 30 s per run here.  Skipped when pre-commit is not installed
(``pip install "tracelint[pre-commit]"``; CI installs it), when the checkout is not a git
repository, and under the pure-Python twin (the hook does not depend on the kernels)."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tracelint.analysis import analyze
from tracelint.config import Config
from tracelint.io import ReaderOptions, iter_records
from tracelint.pipeline.core import DEFAULT_REJECT_ON, reject_reasons

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "traces.jsonl"

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None,
                       reason="pre-commit is not installed (pip install 'tracelint[pre-commit]')"),
    pytest.mark.skipif(not (ROOT / ".git").exists(),
                       reason="the tracelint checkout is not a git repository"),
    pytest.mark.skipif(os.environ.get("TRACELINT_IMPLEMENTATION", "").lower() == "python",
                       reason="the hook ran with the compiled core; it does not use the kernels"),
]

IDENTITY = {"GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "user.name",
            "GIT_CONFIG_VALUE_0": "tracelint tests", "GIT_CONFIG_KEY_1": "user.email",
            "GIT_CONFIG_VALUE_1": "tests@tracelint.invalid"}


def split_examples():
    clean, bad = [], []
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        item = next(iter_records([rec], ReaderOptions()))
        d = analyze(item, Config()).to_dict()
        (bad if reject_reasons(d, DEFAULT_REJECT_ON) else clean).append(line)
    return clean, bad


def try_repo(repo: Path, env: dict, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "tracelint",
         "--files", *files, "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600)


def test_pre_commit_try_repo(tmp_path):
    clean, bad = split_examples()
    assert clean and bad
    repo = tmp_path / "dataset"
    repo.mkdir()
    (repo / "clean.jsonl").write_text("\n".join(clean[:6]) + "\n", encoding="utf-8")
    pq.write_table(pa.Table.from_pylist([json.loads(l) for l in clean[:6]]),
                   repo / "clean.parquet")
    (repo / "degenerate.jsonl").write_text("\n".join(clean[:2] + bad[:3]) + "\n",
                                           encoding="utf-8")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), **IDENTITY)
    env.pop("TRACELINT_IMPLEMENTATION", None)
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "data"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    ok = try_repo(repo, env, "clean.jsonl", "clean.parquet")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "tracelint" in ok.stdout and "Passed" in ok.stdout

    fail = try_repo(repo, env, "degenerate.jsonl")
    assert fail.returncode == 1, fail.stdout + fail.stderr
    assert "Failed" in fail.stdout
    flagged = sorted({int(l.split(":")[1]) for l in fail.stdout.splitlines()
                      if l.startswith("degenerate.jsonl:")})
    assert flagged == [3, 4, 5]  # the three degenerate records, after two clean ones
