"""tracelint score / rule: formats, exit codes, error lines, config, output contract."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracelint.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "traces.jsonl"

LOOP = "Wait, maybe the boxes are not full. Then the total changes. Let me recompute it. " * 80


def write(tmp_path, name, records, raw_lines=()):
    p = tmp_path / name
    with open(p, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
        for line in raw_lines:
            fh.write(line + "\n")
    return p


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_file_exits_0(tmp_path, capsys):
    p = write(tmp_path, "ok.jsonl", [{"prompt": "2+2?", "response": "<think>2 + 2 = 4</think>4"}])
    code, out, err = run(["score", p, "--format", "jsonl", "-q"], capsys)
    assert code == 0, err
    rec = json.loads(out)
    for key in ("schema_version", "id", "label", "flags", "truncated", "truncation_reasons",
                "findings", "metrics", "tokens"):
        assert key in rec
    assert rec["label"] == "concise" and rec["id"] == "ok.jsonl:1"
    assert rec["tokens"]["source"] == "estimate"


def test_loop_exits_1_and_fail_on(tmp_path, capsys):
    p = write(tmp_path, "loop.jsonl", [{"response": "<think>" + LOOP, "finish_reason": "length"}])
    code, out, _ = run(["score", p, "--format", "jsonl", "-q"], capsys)
    assert code == 1
    rec = json.loads(out)
    assert rec["label"] == "degenerate-looping" and rec["truncated"]
    assert "unclosed-thinking" in rec["truncation_reasons"]
    assert "finish_reason" in rec["truncation_reasons"]
    f = [f for f in rec["findings"] if f["code"] == "REP001"][0]
    assert 0 <= f["start"] < f["end"] <= len(LOOP)
    # only fail on something this trace does not have
    code, _, _ = run(["score", p, "-q", "--format", "jsonl", "--fail-on", "CPY001"], capsys)
    assert code == 0
    code, _, _ = run(["score", p, "-q", "--format", "jsonl", "--fail-on", "truncated"], capsys)
    assert code == 1


def test_bad_records_get_error_lines_and_nothing_is_lost(tmp_path, capsys):
    good = {"response": "<think>1 + 1 = 2</think>2"}
    p = write(tmp_path, "mixed.jsonl", [good, {"response": "x", "output_tokens": "abc"}],
              raw_lines=["{not json", "", json.dumps(good)])
    out_path = tmp_path / "out.jsonl"
    code, _, _ = run(["score", p, "-o", out_path, "-q"], capsys)
    assert code == 1  # unreadable records count
    lines = [json.loads(l) for l in out_path.read_text().splitlines()]
    assert len(lines) == 4  # 5 lines, one blank
    errors = [l for l in lines if "error" in l]
    assert len(errors) == 2
    assert "mixed.jsonl:2" in errors[0]["error"] and "output_tokens" in errors[0]["error"]
    assert errors[1]["line"] == 3
    assert [l["id"] for l in lines] == ["mixed.jsonl:1", "mixed.jsonl:2", "mixed.jsonl:3",
                                        "mixed.jsonl:5"]


def test_missing_file_exits_2(tmp_path, capsys):
    code, _, err = run(["score", tmp_path / "nope.jsonl"], capsys)
    assert code == 2 and "nope.jsonl" in err


def test_unknown_rule_in_select_exits_2(tmp_path, capsys):
    p = write(tmp_path, "ok.jsonl", [{"response": "hi"}])
    code, _, err = run(["score", p, "--select", "XYZ"], capsys)
    assert code == 2 and "XYZ" in err


def test_output_never_overwrites_an_input(tmp_path, capsys):
    p = write(tmp_path, "in.jsonl", [{"response": "hi"}])
    before = p.read_bytes()
    code, _, err = run(["score", p, "-o", p], capsys)
    assert code == 2
    assert p.read_bytes() == before


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_formats(tmp_path, capsys, fmt):
    p = write(tmp_path, "loop.jsonl", [{"response": "<think>" + LOOP}, {"response": "ok."}])
    code, out, _ = run(["score", p, "--format", fmt, "-q"], capsys)
    assert code == 1
    if fmt == "json":
        doc = json.loads(out)
        assert len(doc["results"]) == 2 and doc["summary"]["labels"]["degenerate-looping"] == 1
    elif fmt == "sarif":
        doc = json.loads(out)
        assert doc["version"] == "2.1.0"
        assert any(r["ruleId"] == "REP001" for r in doc["runs"][0]["results"])
    elif fmt == "github":
        assert out.startswith("::warning file=") and "REP001" in out
    else:
        assert "loop.jsonl:1: degenerate-looping" in out


def test_config_file_selects_and_sets_options(tmp_path, capsys):
    p = write(tmp_path, "loop.jsonl", [{"response": "<think>" + LOOP}])
    cfg = tmp_path / "tracelint.toml"
    cfg.write_text('ignore = ["REP"]\n')
    code, out, _ = run(["score", p, "--config", cfg, "--format", "jsonl", "-q"], capsys)
    assert json.loads(out)["label"] != "degenerate-looping" and code == 0
    cfg.write_text('[rules.REP001]\nmin_repeat_units = "many"\n')
    code, _, err = run(["score", p, "--config", cfg], capsys)
    assert code == 2 and "min_repeat_units" in err
    cfg.write_text('[rules.REP009]\nx = 1\n')
    code, _, err = run(["score", p, "--config", cfg], capsys)
    assert code == 2 and "REP009" in err


def test_pyproject_table_is_found(tmp_path, capsys, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.tracelint]\nfail-on = ["truncated"]\n')
    write(tmp_path, "t.jsonl", [{"response": "ok.", "finish_reason": "length"}])
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(["score", "t.jsonl", "-q", "--format", "jsonl"], capsys)
    assert code == 1


def test_field_map_and_constants(tmp_path, capsys):
    p = write(tmp_path, "custom.jsonl", [{"q": "Why?", "gen": {"text": LOOP}}])
    code, out, _ = run(["score", p, "--field", "reasoning=gen.text", "--field", "prompt=q",
                        "--set", "model=m1", "--format", "jsonl", "-q"], capsys)
    rec = json.loads(out)
    assert rec["model"] == "m1" and rec["label"] == "degenerate-looping"


def test_rule_command(capsys):
    code, out, _ = run(["rule", "REP001"], capsys)
    assert code == 0 and "REP001" in out and "Flagged example" in out
    code, out, _ = run(["rule", "--all"], capsys)
    assert code == 0 and "TRN001" in out and "CPY001" in out
    code, _, err = run(["rule", "NOPE1"], capsys)
    assert code == 2


def test_examples_score_as_designed(tmp_path, capsys):
    out_path = tmp_path / "scores.jsonl"
    code, _, _ = run(["score", EXAMPLES, "-o", out_path, "-q"], capsys)
    assert code == 1
    recs = [json.loads(l) for l in out_path.read_text().splitlines()]
    by_style = {}
    src = [json.loads(l) for l in EXAMPLES.read_text().splitlines()]
    for r, s in zip(recs, src):
        by_style.setdefault(s["style"], []).append(r["label"])
    for style, labels in by_style.items():
        if style.startswith("loop-"):
            assert set(labels) == {"degenerate-looping"}, style
        else:
            assert "degenerate-looping" not in labels, style


def test_examples_file_is_generated(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "make_examples.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_same_bytes_twice(tmp_path, capsys):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run(["score", EXAMPLES, "-o", a, "-q"], capsys)
    run(["score", EXAMPLES, "-o", b, "-q"], capsys)
    assert a.read_bytes() == b.read_bytes()


def _group_records():
    # one task answered six times: five short answers and one three times as long; and a
    # record without a task, judged on the absolute threshold
    words = "First the price per box, then the number of boxes, then the product. "
    recs = [{"task": "q1", "model": f"m{i}", "output_tokens": 100 + 5 * i,
             "response": words * 2} for i in range(5)]
    recs.append({"task": "q1", "model": "long", "output_tokens": 330, "response": words * 6})
    recs.append({"model": "solo", "output_tokens": 330, "response": words * 6})
    return recs


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_verbosity_is_relative_to_the_task_group(tmp_path, capsys, jobs):
    p = write(tmp_path, "g.jsonl", _group_records())
    code, out, err = run(["score", p, "--format", "jsonl", "-q", "--jobs", jobs], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    labels = [r["label"] for r in rows]
    assert labels == ["concise"] * 5 + ["verbose-but-engaged", "concise"], labels
    v = rows[5]["metrics"]["verbosity"]
    assert v == {"basis": "group", "group_size": 6, "group_median": 112.5,
                 "ratio": round(330 / 112.5, 6), "threshold": 2.0}
    assert rows[6]["metrics"]["verbosity"] == {"basis": "absolute", "threshold": 2000}


def test_verbosity_absolute_basis_and_stdin(tmp_path, capsys, monkeypatch):
    p = write(tmp_path, "g.jsonl", _group_records())
    (tmp_path / "tracelint.toml").write_text('verbose-basis = "absolute"\n')
    code, out, err = run(["score", p, "--format", "jsonl", "-q", "--config",
                          tmp_path / "tracelint.toml"], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["metrics"]["verbosity"]["basis"] for r in rows} == {"absolute"}
    assert {r["label"] for r in rows} == {"concise"}
    code, out2, err = run(["score", p, "--format", "jsonl", "-q", "--verbose-basis", "absolute"],
                          capsys)
    assert out2 == out
    # stdin cannot be read twice: the absolute basis decides, and the output says so
    r = subprocess.run([sys.executable, "-m", "tracelint", "score", "-", "--format", "jsonl",
                        "-q"], input=p.read_bytes(), capture_output=True, cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 7 and {x["metrics"]["verbosity"]["basis"] for x in rows} == {"absolute"}


@pytest.mark.parametrize("table, message", [
    ("[rules.REP006]\ngap = 0\n", "rules.REP006.gap must be at least 1"),
    ("[rules.REP006]\nblock = -3\n", "rules.REP006.block must be at least 1"),
    ('[rules.NUM003]\nletters = ""\n', "rules.NUM003.letters must be a non-empty string"),
    ('[rules.NUM003]\nletters = ["x"]\n', "rules.NUM003.letters must be str"),
    ("[rules.NUM003]\nmax_gap = 0\n", "rules.NUM003.max_gap must be at least 1"),
])
def test_bad_rule_option_is_a_config_error(tmp_path, capsys, table, message):
    # checked when the config is loaded (exit 2), not an internal error on every trace
    cfg = tmp_path / "tracelint.toml"
    cfg.write_text(table)
    code, out, err = run(["score", EXAMPLES, "--config", cfg, "-q"], capsys)
    assert code == 2 and message in err, err
