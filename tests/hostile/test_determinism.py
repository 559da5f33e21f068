"""Deterministic output bytes (issue 7): ``tracelint score -o`` writes the same bytes across
two runs, ``--jobs 1`` and ``2``, ``PYTHONHASHSEED=0`` and ``1``, and
``TRACELINT_IMPLEMENTATION=cython`` and ``python`` — on examples/traces.jsonl and on a small
hostile sample (bad lines, surrogates, NULs, CRLF mixed in)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import corpus  # noqa: E402

try:
    from tracelint import _ngram  # noqa: F401
    HAVE_CY = True
except ImportError:  # pragma: no cover
    HAVE_CY = False


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("det"))
    parts = []
    for f in (corpus.case_malformed, corpus.case_surrogates, corpus.case_nul,
              corpus.case_crlf, corpus.case_odd_ok, corpus.case_deep):
        parts.append(open(f(d).path, "rb").read())
    sample = os.path.join(d, "hostile_sample.jsonl")
    with open(sample, "wb") as fh:
        fh.write(b"".join(p if p.endswith(b"\n") else p + b"\n" for p in parts))
    return [os.path.join(ROOT, "examples", "traces.jsonl"), sample]


def score(paths, out, jobs="1", **envs):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("PYTHONHASHSEED", "0")
    env.update(envs)
    p = subprocess.run([sys.executable, "-m", "tracelint.cli", "score", *paths, "-q",
                        "-o", out, "--jobs", jobs], cwd=ROOT, env=env, capture_output=True,
                       timeout=300)
    assert p.returncode in (0, 1), p.stderr.decode("utf-8", "replace")[-2000:]
    return open(out, "rb").read()


def test_score_bytes_identical(inputs, tmp_path):
    o = lambda n: str(tmp_path / f"{n}.jsonl")  # noqa: E731
    base = score(inputs, o("base"))
    assert base.count(b"\n") > 54
    variants = {
        "second run": score(inputs, o("again")),
        "--jobs 2": score(inputs, o("jobs2"), jobs="2"),
        "PYTHONHASHSEED=1": score(inputs, o("seed1"), PYTHONHASHSEED="1"),
        "PYTHONHASHSEED=1 --jobs 2": score(inputs, o("seed1j2"), jobs="2",
                                           PYTHONHASHSEED="1"),
        "python implementation": score(inputs, o("py"), TRACELINT_IMPLEMENTATION="python",
                                       PYTHONHASHSEED="1"),
    }
    if HAVE_CY:
        variants["cython implementation"] = score(inputs, o("cy"),
                                                  TRACELINT_IMPLEMENTATION="cython")
    for name, data in variants.items():
        assert data == base, f"output bytes differ: {name}"


def filter_run(paths, d, jobs="1", batch="256", **envs):
    """``tracelint filter`` into ``d``: (kept, rejected, errors) bytes."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("PYTHONHASHSEED", "0")
    env.update(envs)
    os.makedirs(d)
    outs = [os.path.join(d, n) for n in ("k.jsonl", "r.jsonl", "e.jsonl")]
    p = subprocess.run([sys.executable, "-m", "tracelint.cli", "filter", *paths, "-q",
                        "--keep", outs[0], "--reject", outs[1], "--errors", outs[2],
                        "--jobs", jobs, "--batch-size", batch], cwd=ROOT, env=env,
                       capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")[-2000:]
    return tuple(open(o, "rb").read() for o in outs)


def test_filter_bytes_identical_with_multi_sample_records(inputs, tmp_path):
    """filter splits multi-sample records by sample: the three outputs are the same bytes
    whatever the jobs, batch size and hash seed."""
    import json
    recs = []
    for i in range(30):
        gens = [f"<think>{i} plus {k} is {i + k}.</think>The answer is {i + k}."
                for k in range(1 + i % 4)]
        if i % 3 == 0:
            gens[-1] = "<think>" + "Wait, let me check again. " * 60
        recs.append({"id": f"m{i}", "problem": f"What is {i}?", "answer": str(i),
                     "generations": gens, "finish_reasons": ["stop"] * len(gens),
                     "correctness_math_verify": [k % 2 == 0 for k in range(len(gens))]})
    multi = str(tmp_path / "multi.jsonl")
    with open(multi, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in recs)
    paths = inputs + [multi]
    base = filter_run(paths, str(tmp_path / "base"))
    assert b"tracelint_sample_index" in base[1] and base[0] and base[2]
    variants = {
        "--jobs 2": filter_run(paths, str(tmp_path / "j2"), jobs="2"),
        "--jobs 2 --batch-size 1": filter_run(paths, str(tmp_path / "j2b1"), jobs="2",
                                              batch="1"),
        "PYTHONHASHSEED=1 --jobs 3 --batch-size 7": filter_run(
            paths, str(tmp_path / "s1"), jobs="3", batch="7", PYTHONHASHSEED="1"),
    }
    for name, data in variants.items():
        assert data == base, f"filter output bytes differ: {name}"
