"""The engine recipes of docs/pipelines.md, run as written on a real local instance of each
engine, and their results checked against local scoring (tracelint.analyze_batch).

Each engine is an optional extra (``pip install "tracelint[ray,datatrove,spark]"``; CI
installs them).  A test skips, saying why, when its engine is not installed or cannot run
here; all of them skip under the pure-Python twin (TRACELINT_IMPLEMENTATION=python): they
test the adapters, which do not depend on the kernels, and ran with the compiled core."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from test_pipeline_docs import env_with_tracelint, local_keep, recipe, workdir

TWIN = os.environ.get("TRACELINT_IMPLEMENTATION", "").lower() == "python"
pytestmark = pytest.mark.skipif(
    TWIN, reason="engine adapters ran with the compiled core; they do not use the kernels")

TIMEOUT = 240  # seconds per engine (each takes about 10-40 s here)


def need(module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install 'tracelint[{extra}]')")


def run_script(d: Path, code: str) -> subprocess.CompletedProcess:
    script = d / "recipe.py"
    script.write_text(code, encoding="utf-8")
    # a session of its own, so that a hung engine and every daemon it started can be ended
    p = subprocess.Popen([sys.executable, str(script)], cwd=d, env=env_with_tracelint(d),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        pytest.fail(f"the recipe did not finish in {TIMEOUT} s\nstderr:\n{err[-6000:]}")
    finally:
        try:  # daemons the engine left behind in the session (Ray's agents)
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    r = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    assert r.returncode == 0, f"stdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-6000:]}"
    return r


SCORE_COLS = ["id", "tracelint_label", "tracelint_flags", "tracelint_keep",
              "tracelint_reasons", "tracelint_tokens", "tracelint_repeat_coverage",
              "tracelint_findings"]


def by_id(rows):
    return sorted(rows, key=lambda r: r["id"])


# ------------------------------------------------------------------------------------------
# Ray Data

RAY_CHECK = """
# --- test: every row scored by the actors equals local scoring
import json, pyarrow as pa, pyarrow.parquet as pq, tracelint
full = pa.concat_tables(ray.get(ds.map_batches(
    TraceScorer, fn_constructor_kwargs={"text": "response"}, batch_format="pyarrow",
    compute=ray.data.ActorPoolStrategy(size=2), num_cpus=0.5, batch_size=8).to_arrow_refs()))
local = tracelint.analyze_batch(pq.read_table("traces.parquet"), text="response")
cols = %r
key = lambda r: r["id"]
assert sorted(full.select(cols).to_pylist(), key=key) == sorted(local.select(cols).to_pylist(), key=key)
print("RAY-EQUAL", full.num_rows)
ray.shutdown()
""" % (SCORE_COLS,)


def test_ray_recipe(tmp_path):
    need("ray", "ray")
    need("ray.data", "ray")
    d = workdir(tmp_path)
    r = run_script(d, recipe("ray") + RAY_CHECK)
    table, scored = local_keep(d)
    assert f"RAY-EQUAL {table.num_rows}" in r.stdout
    kept = pq.read_table(d / "kept_ray").to_pylist()
    want = [row for row in scored.to_pylist() if row["tracelint_keep"]]
    assert by_id([{k: row[k] for k in SCORE_COLS} for row in kept]) == by_id(
        [{k: row[k] for k in SCORE_COLS} for row in want])


# ------------------------------------------------------------------------------------------
# datatrove


def test_datatrove_recipe(tmp_path):
    need("datatrove", "datatrove")
    need("orjson", "datatrove")
    d = workdir(tmp_path)
    run_script(d, recipe("datatrove"))
    table, scored = local_keep(d)
    rows = scored.to_pylist()

    def read_dir(p):
        out = []
        for f in sorted((d / p).rglob("*.jsonl")):
            out += [json.loads(l) for l in f.read_text().splitlines() if l.strip()]
        return out

    kept, rejected = read_dir("kept"), read_dir("rejected")
    assert len(kept) + len(rejected) == table.num_rows
    want_keep = {r["id"] for r in rows if r["tracelint_keep"]}
    assert {doc["id"] for doc in kept} == want_keep
    by = {r["id"]: r for r in rows}
    for doc in rejected:
        meta = doc["metadata"]
        want = by[doc["id"]]
        assert meta["tracelint_reasons"] == want["tracelint_reasons"]
        assert meta["filter_reason"] == want["tracelint_reasons"][0]
        assert meta["tracelint_label"] == want["tracelint_label"]
        assert doc["text"] == next(t for t in table.to_pylist() if t["id"] == doc["id"])["response"]
    # per-reason counts in datatrove's stats
    stats = json.loads(next((d / "logs" / "stats").glob("*.json")).read_text())
    flt = next(s for s in stats if "tracelint" in s["name"])["stats"]
    def count(name):  # datatrove stores a plain count as an int, else a summary dict
        v = flt[name]
        return v if isinstance(v, int) else v["total"]

    firsts = [r["tracelint_reasons"][0] for r in rows if not r["tracelint_keep"]]
    for reason in set(firsts):
        assert count(f"dropped_{reason}") == firsts.count(reason)
    for reason in {x for r in rows for x in r["tracelint_reasons"]}:
        n = sum(reason in r["tracelint_reasons"] for r in rows)
        assert count(f"reason_{reason}") == n
    for label in {r["tracelint_label"] for r in rows}:
        assert count(f"label_{label}") == sum(r["tracelint_label"] == label for r in rows)
    assert count("dropped") == len(rejected)


def test_datatrove_filter_unit():
    need("datatrove", "datatrove")
    from datatrove.data import Document
    from tracelint.pipeline.datatrove import TraceFilter
    f = TraceFilter(reject_on=["degenerate-looping"], batch_size=2)
    loop = "<think>" + "Let me check that again. " * 400
    docs = [Document(text="<think>2 + 2 = 4</think>The answer is 4.", id="a"),
            Document(text=loop, id="b", metadata={"finish_reason": "length"}),
            Document(text="x", id="c", metadata={"budget": -1})]
    res = f.filter_batch(docs)
    assert res[0] is True
    assert res[1] == (False, "degenerate-looping")
    assert res[2] == (False, "error") and "budget" in docs[2].metadata["tracelint_error"]
    assert docs[1].metadata["tracelint_flags"] == ["truncated"] or "truncated" in docs[1].metadata[
        "tracelint_flags"]
    import pickle
    g = pickle.loads(pickle.dumps(f))  # datatrove ships steps to workers
    assert g.filter(Document(text=loop, id="b2")) == (False, "degenerate-looping")
    with pytest.raises(ValueError):
        TraceFilter(text_field="prompt")


# ------------------------------------------------------------------------------------------
# Spark

SPARK_CHECK = """
# --- test: every row scored through mapInArrow equals local scoring
import pyarrow.parquet as pq
local = tracelint.analyze_batch(pq.read_table("traces.parquet"), text="response")
cols = %r
def as_py(v):
    if hasattr(v, "asDict"):
        return {k: as_py(x) for k, x in v.asDict().items()}
    if isinstance(v, list):
        return [as_py(x) for x in v]
    return v
got = sorted(({c: as_py(r[c]) for c in cols} for r in scored.select(*cols).collect()), key=lambda r: r["id"])
want = sorted(local.select(cols).to_pylist(), key=lambda r: r["id"])
assert got == want, (got[:2], want[:2])
print("SPARK-EQUAL", len(got))
""" % (SCORE_COLS,)


def test_spark_recipe(tmp_path):
    need("pyspark", "spark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("PySpark needs a Java runtime and none is on PATH")
    d = workdir(tmp_path)
    code = recipe("spark")
    assert "spark.stop()" in code
    code = code.replace("spark.stop()", SPARK_CHECK + "spark.stop()")
    r = run_script(d, code)
    table, scored = local_keep(d)
    assert f"SPARK-EQUAL {table.num_rows}" in r.stdout
    kept = pq.read_table(d / "kept_spark")
    want = [row for row, k in zip(table.to_pylist(), scored.column("tracelint_keep").to_pylist())
            if k]
    assert by_id(kept.to_pylist()) == by_id(want)
