"""The benchmark suite (benchmarks/run.py) runs end to end on a tiny input, so it cannot rot.

No timing is asserted here: the figures mean nothing on a few traces.  Peers that are not
installed (datatrove, spaCy, pydivsufsort: the ``bench`` extra) are reported as missing by
the suite itself, and their checks below are skipped.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _installed(mod: str) -> bool:
    return importlib.util.find_spec(mod) is not None


def _tiny_input(path: Path) -> None:
    loop = "Wait, let me recompute 12 * 7 = 84. So the total is 84 apples. " * 30
    rows = [
        {"id": "loop", "model": "m", "prompt": "How many apples?",
         "reasoning": "First, 12 * 7 = 84.\n\n" + loop, "answer": "84", "reference": "84"},
        {"id": "plain", "model": "m", "prompt": "Add 3 and 4.",
         "reasoning": "We add 3 and 4. 3 + 4 = 7. The sum is 7.", "answer": "7",
         "reference": "7"},
        {"id": "no-reasoning", "model": "o", "prompt": "Add 1 and 1.", "answer": "2",
         "reference": "2"},
    ]
    for i in range(6):
        rows.append({"id": f"t{i}", "model": "m2", "prompt": f"What is {i} + {i}?",
                     "reasoning": f"Let me think about {i} + {i}. Adding gives {2 * i}. "
                                  f"Check: {2 * i} - {i} = {i}. Yes.\nSo the answer is {2 * i}.",
                     "answer": str(2 * i), "reference": str(2 * i)})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_suite_runs_on_a_tiny_input(tmp_path: Path) -> None:
    src = tmp_path / "tiny.jsonl"
    _tiny_input(src)
    out, raw = tmp_path / "RESULTS.md", tmp_path / "raw.json"
    run = _load("run")
    rc = run.main(["--input", str(src), "--quick", "--repeats", "1", "--subset-mb", "0",
                   "--twin-mb", "0", "--scale-base-mb", "0.001", "--memory-copies", "2",
                   "--working-tree",
                   "--no-profile", "--silent", "--out", str(out), "--json", str(raw)])
    assert rc == 0
    text = out.read_text(encoding="utf-8")
    for heading in ("## Inputs", "## Figures", "## `--jobs`", "## Scaling",
                    "## Memory at a larger input", "## Targets"):
        assert heading in text, heading
    assert "tracelint score --jobs 1" in text
    data = json.loads(raw.read_text())
    assert set(data["verdicts"]) == {"e2e", "vs_datatrove", "sa_vs_dss", "rss_mb", "scale_16x", "jobs2"}
    res = data["results"]
    assert res["sets"]["full"]["traces"] == 9 and res["sets"]["full"]["texts"] == 8
    for key in ("e2e_j1", "e2e_j2", "e2e_sub", "twin_py", "twin_c"):
        assert len(res[key]["cpu"]) >= 1 and res[key]["peak_rss_kb"] > 0, key
    assert set(res["scale"]) == {f"{a}-{k}x" for a in ("traces", "long") for k in (1, 4, 16)}
    assert res["scale"]["traces-16x"]["traces"] == 16 * res["scale"]["traces-1x"]["traces"]
    assert res["memory"]["traces"] == 2 * 9 and res["memory"]["peak_rss_kb"] > 0
    assert all(o is None or o >= 0 for o in res["e2e_j2"]["other_cpu"])
    assert all(s >= 0 for s in res["e2e_j2"]["sampler_cpu"])
    peers = res["peers"]
    assert peers["near-tl"]["segments"] == peers["near-rf"]["segments"] > 0
    if _installed("datatrove"):
        assert "cpu" in peers["dt-ws"]
        if _installed("spacy"):
            assert "cpu" in peers["dt-spacy"]
            assert "## Agreement of the Gopher quantities" in text
    else:
        assert "missing" in peers["dt-ws"]
    if _installed("pydivsufsort"):
        assert peers["sa-dss"]["identical_on_first_200"] is True
    else:
        assert "missing" in peers["sa-dss"]


def test_spearman_with_ties() -> None:
    run = _load("run")
    assert run._ranks([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]
    assert run.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert run.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert run.spearman([1, 1, 1], [1, 2, 3]) is None


def test_convert_round_trips(tmp_path: Path) -> None:
    """Converted records read back (without options) as the traces they came from."""
    conv = _load("convert_realdata")
    try:
        data = conv.realdata_dir()
    except FileNotFoundError:
        pytest.skip("../shared/realdata not found")
    from tracelint.io import ReaderOptions, read_traces
    recs = []
    for rec in conv.canonical_records(data):
        recs.append(rec)
        if len(recs) >= 40:
            break
    path = tmp_path / "canon.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    back = list(read_traces([str(path)], ReaderOptions()))
    assert len(back) == len(recs)
    for rec, t in zip(recs, back):
        for f in ("id", "model", "prompt", "reasoning", "answer", "reference", "budget"):
            assert getattr(t, f) == rec.get(f), (rec["id"], f)


def _tiny_canonical(path: Path) -> None:
    recs = [
        ("a", "12 boxes \u00d7 21 books = 252 books. After giving away 3: 252 - 3 = 249. "
              "Then 249 / 3 = 83."),
        ("b", "We have $\\frac{3}{4} \\times 12 = 9$ and 15% of 80 = 12, so 9 + 12 = 21 cups."),
        ("a", "Total: 2.5 * 4 = 10.0 km, and 10 - 0.25 = 9.75 km. Also <<48/2=24>> books."),
    ]
    path.write_text("".join(json.dumps({"id": f"t{i}", "model": m, "source": "smoke",
                                        "reasoning": r, "answer": "The answer is 249."}) + "\n"
                            for i, (m, r) in enumerate(recs)), encoding="utf-8")


def test_grounding_scripts_run(tmp_path: Path) -> None:
    """benchmarks/grounding_mutation.py and claims_speed.py run on a tiny canonical file."""
    import os
    import subprocess
    data = tmp_path / "canon.jsonl"
    _tiny_canonical(data)
    env = dict(os.environ, TRACELINT_REALDATA_JSONL=str(data))
    out = subprocess.run([sys.executable, str(BENCH / "grounding_mutation.py"), "--per-model",
                          "5", "--per-format", "5", "--precision-n", "3"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "MUTATION RECALL" in out.stdout
    out = subprocess.run([sys.executable, str(BENCH / "claims_speed.py"), str(data)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "claims" in out.stdout


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
