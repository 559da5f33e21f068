"""tracelint.analyze_batch: the input table with score columns appended, identical to
analyze() row by row, no global state."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pytest

import tracelint
from tracelint.analysis import analyze
from tracelint.config import Config
from tracelint.io import ReaderOptions, iter_records
from tracelint.pipeline.arrow import BatchScorer, output_schema, score_fields
from tracelint.pipeline.core import reject_reasons

ROOT = Path(__file__).resolve().parents[1]
ROWS = [json.loads(l) for l in (ROOT / "examples" / "traces.jsonl").read_text().splitlines()]
if os.environ.get("TRACELINT_IMPLEMENTATION", "").lower() == "python":
    ROWS = ROWS[:16]  # the pure-Python twin is ~50x slower


def expected(row, cfg=None, field_map=None):
    """analyze() of one row, read as the file readers read a record."""
    cfg = cfg or Config()
    opts = ReaderOptions(field_map=field_map or dict(cfg.field_map),
                         constants=dict(cfg.constants))
    return analyze(next(iter_records([row], opts)), cfg).to_dict()


def assert_row_matches(row_out, d, reject_on=("degenerate-looping", "truncated",
                                               "arithmetic-errors")):
    reasons = reject_reasons(d, reject_on)
    assert row_out["tracelint_label"] == d["label"]
    assert row_out["tracelint_flags"] == d["flags"]
    assert row_out["tracelint_reasons"] == reasons
    assert row_out["tracelint_keep"] is (not reasons)
    assert row_out["tracelint_truncated"] is d["truncated"]
    assert row_out["tracelint_tokens"] == d["tokens"]["count"]
    assert row_out["tracelint_tokens_estimated"] is (d["tokens"]["source"] == "estimate")
    m = d["metrics"]
    for col in ("repeat_coverage", "repeat_segment_frac", "copy_coverage", "claims_checked",
                "claims_wrong", "answer_correct", "reasoning_chars"):
        assert row_out["tracelint_" + col] == m.get(col), col
    got_f = row_out["tracelint_findings"]
    assert [(f["code"], f["name"], f["start"], f["end"], f["message"]) for f in got_f] == [
        (f["code"], f["name"], f["start"], f["end"], f["message"]) for f in d["findings"]]
    assert [f["field"] for f in got_f] == [f.get("field", "reasoning") for f in d["findings"]]
    assert row_out["tracelint_error"] is None


def test_identical_to_analyze_row_by_row():
    table = pa.Table.from_pylist(ROWS)
    out = tracelint.analyze_batch(table, result_json=True)
    assert isinstance(out, pa.Table)
    assert out.schema.names == table.schema.names + [f.name for f in score_fields(True)]
    assert out.select(table.schema.names).equals(table)
    for row, row_out in zip(ROWS, out.to_pylist()):
        d = expected(row)
        assert_row_matches(row_out, d)
        got = json.loads(row_out["tracelint_result"])
        assert {k: v for k, v in got.items() if k != "id"} == {
            k: v for k, v in d.items() if k != "id"}


def test_identical_to_analyze_of_the_row_dict():
    """analyze(dict) is the public entry point: same results as the batch."""
    try:
        analyze(ROWS[0])
    except ImportError as exc:  # pragma: no cover - depends on tracelint.analysis
        pytest.skip(f"analyze(dict) does not work in this checkout: {exc}")
    out = tracelint.analyze_batch(pa.Table.from_pylist(ROWS[:12]))
    for row, row_out in zip(ROWS[:12], out.to_pylist()):
        assert_row_matches(row_out, analyze(row).to_dict())


def test_record_batch_in_record_batch_out_and_column_names():
    renamed = [{"question": r["prompt"], "gen": r["response"], "stop": r.get("finish_reason"),
                "n_out": r.get("output_tokens"), "cap": r.get("budget"), "gold": r.get("reference")}
               for r in ROWS[:10]]
    batch = pa.RecordBatch.from_pylist(renamed)
    out = tracelint.analyze_batch(batch, text="gen", prompt="question", finish_reason="stop",
                                  output_tokens="n_out", budget="cap", reference="gold")
    assert isinstance(out, pa.RecordBatch)
    fm = {"output": "gen", "prompt": "question", "finish_reason": "stop",
          "output_tokens": "n_out", "budget": "cap", "reference": "gold"}
    for row, row_out in zip(renamed, out.to_pylist()):
        assert_row_matches(row_out, expected(row, field_map=fm))
    # the same as the canonical names
    canon = tracelint.analyze_batch(pa.Table.from_pylist(ROWS[:10]))
    assert out.column("tracelint_label").to_pylist() == canon.column("tracelint_label").to_pylist()


def test_dotted_column_names_are_literal():
    t = pa.table({"model.output": [ROWS[2]["response"]]})
    out = tracelint.analyze_batch(t, text="model.output")
    assert out.column("tracelint_label").to_pylist() == [expected(ROWS[2])["label"]]


def test_unreadable_rows_are_not_kept():
    t = pa.table({"response": ["<think>2 + 2 = 4</think>4", "x"], "budget": [10, -1]})
    out = tracelint.analyze_batch(t).to_pylist()
    assert out[0]["tracelint_keep"] is True and out[0]["tracelint_error"] is None
    assert out[1]["tracelint_keep"] is False and out[1]["tracelint_reasons"] == ["error"]
    assert out[1]["tracelint_label"] is None and "budget" in out[1]["tracelint_error"]


def test_schema_is_fixed_even_for_empty_input_and_columns_are_replaced():
    empty = pa.table({"response": pa.array([], pa.string())})
    out = tracelint.analyze_batch(empty)
    assert out.num_rows == 0
    assert out.schema.equals(output_schema(empty.schema))
    once = tracelint.analyze_batch(pa.Table.from_pylist(ROWS[:4]))
    twice = tracelint.analyze_batch(once)
    assert twice.equals(once)


def test_no_global_state_between_calls():
    t = pa.Table.from_pylist(ROWS[:12])
    a = tracelint.analyze_batch(t)
    strict = tracelint.analyze_batch(t, config=Config(verbose_tokens=10),
                                     reject_on=["verbose-but-engaged"])
    again = tracelint.analyze_batch(t)
    assert a.equals(again)
    labels = strict.column("tracelint_label").to_pylist()
    assert labels.count("verbose-but-engaged") > a.column("tracelint_label").to_pylist().count(
        "verbose-but-engaged")
    assert strict.column("tracelint_keep").to_pylist() == [
        l != "verbose-but-engaged" for l in labels]
    scorer = BatchScorer(reject_on=["REP"])
    assert scorer(t).equals(scorer(t))


def test_bad_arguments():
    t = pa.table({"response": ["a"]})
    with pytest.raises(TypeError):
        tracelint.analyze_batch(t, nonsense="x")
    with pytest.raises(TypeError):
        tracelint.analyze_batch([{"response": "a"}])
    with pytest.raises(ValueError):
        tracelint.analyze_batch(t, reject_on=["NOPE9"])
