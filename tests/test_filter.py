"""tracelint filter / check: every record lands in exactly one output, original records are
kept, errors carry line and reason, formats by extension, atomic outputs, reject-on."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tracelint.analysis import analyze
from tracelint.cli import main
from tracelint.config import Config
from tracelint.io import ReaderOptions, iter_records
from tracelint.pipeline.core import DEFAULT_REJECT_ON, reject_reasons

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "traces.jsonl"
EXAMPLE_LINES = EXAMPLES.read_bytes().splitlines(keepends=True)

# unreadable records, each for its own reason, and a blank line (not a record)
BAD_LINES = [
    b'{"response": "<think>unterminated\n',                 # invalid JSON
    b"\n",                                                  # blank: skipped, still counted
    b'{"output_tokens": "many", "response": "x"}\n',        # wrong type
    b"[1, 2, 3]\n",                                         # not an object
]


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def expected_reasons(rec, reject_on=DEFAULT_REJECT_ON):
    item = next(iter_records([rec], ReaderOptions()))
    return reject_reasons(analyze(item, Config()).to_dict(), reject_on)


@pytest.fixture(scope="module")
def example_reasons():
    return [expected_reasons(json.loads(l)) for l in EXAMPLE_LINES]


def make_input(tmp_path, extra=BAD_LINES, name="in.jsonl"):
    p = tmp_path / name
    p.write_bytes(b"".join(EXAMPLE_LINES[:30]) + b"".join(extra) + b"".join(EXAMPLE_LINES[30:]))
    return p


def read_jsonl(p):
    return [json.loads(l) for l in Path(p).read_bytes().splitlines() if l.strip()]


def test_every_record_lands_in_exactly_one_output(tmp_path, capsys, example_reasons):
    src = make_input(tmp_path)
    keep, rej, err = tmp_path / "kept.jsonl", tmp_path / "rejected.jsonl", tmp_path / "errors.jsonl"
    code, out, _ = run(["filter", src, "--keep", keep, "--reject", rej, "--errors", err], capsys)
    assert code == 0
    n_records = sum(1 for l in src.read_bytes().splitlines() if l.strip())
    kept_lines = keep.read_bytes().splitlines(keepends=True)
    rejected, errors = read_jsonl(rej), read_jsonl(err)
    assert len(kept_lines) + len(rejected) + len(errors) == n_records == len(EXAMPLE_LINES) + 3
    # kept: the input lines, byte for byte, in input order
    want_kept = [l for l, r in zip(EXAMPLE_LINES, example_reasons) if not r]
    assert kept_lines == want_kept
    # rejected: the original record, every field in its order, plus tracelint_reasons
    want_rej = [(json.loads(l), r) for l, r in zip(EXAMPLE_LINES, example_reasons) if r]
    assert len(rejected) == len(want_rej) > 0
    for got, (orig, reasons) in zip(rejected, want_rej):
        assert list(got) == list(orig) + ["tracelint_reasons"]
        assert {k: v for k, v in got.items() if k != "tracelint_reasons"} == orig
        assert got["tracelint_reasons"] == reasons
    # errors: line number (blank line counted) and reason, raw text kept
    assert [(e["line"], e["source"]) for e in errors] == [(31, str(src)), (33, str(src)),
                                                          (34, str(src))]
    assert errors[0]["error"].startswith("invalid JSON")
    assert errors[0]["raw"] == BAD_LINES[0].decode().rstrip("\n")
    assert "output_tokens" in errors[1]["error"] and "integer" in errors[1]["error"]
    assert "JSON object" in errors[2]["error"]
    # counts printed per reason
    assert f"records: {n_records}" in out
    assert f"kept: {len(kept_lines)}" in out and f"rejected: {len(rejected)}" in out
    assert "unreadable: 3" in out
    for reason in {r for rs in example_reasons for r in rs}:
        n = sum(reason in rs for rs in example_reasons)
        assert any(line.split() == [reason, str(n)] for line in out.splitlines()), (reason, out)


def test_errors_default_path_written_only_when_needed(tmp_path, capsys):
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(EXAMPLE_LINES[0])
    code, out, _ = run(["filter", clean, "--keep", tmp_path / "k.jsonl",
                        "--reject", tmp_path / "r.jsonl"], capsys)
    assert code == 0 and not (tmp_path / "r.errors.jsonl").exists()
    src = make_input(tmp_path)
    code, out, _ = run(["filter", src, "--keep", tmp_path / "k.jsonl",
                        "--reject", tmp_path / "r.jsonl"], capsys)
    assert code == 0 and len(read_jsonl(tmp_path / "r.errors.jsonl")) == 3
    assert "r.errors.jsonl" in out


def test_parquet_in_and_out(tmp_path, capsys, example_reasons):
    rows = [json.loads(l) for l in EXAMPLE_LINES]
    table = pa.Table.from_pylist(rows)
    src = tmp_path / "in.parquet"
    pq.write_table(table, src, row_group_size=10)
    keep, rej = tmp_path / "kept.parquet", tmp_path / "rejected.parquet"
    code, out, _ = run(["filter", src, "--keep", keep, "--reject", rej, "--batch-size", "7"],
                       capsys)
    assert code == 0
    k, r = pq.read_table(keep), pq.read_table(rej)
    assert k.num_rows + r.num_rows == table.num_rows
    assert k.schema.equals(table.schema, check_metadata=False)
    assert k.to_pylist() == [row for row, rs in zip(rows, example_reasons) if not rs]
    assert r.schema.names == table.schema.names + ["tracelint_reasons"]
    assert r.schema.field("tracelint_reasons").type == pa.list_(pa.string())
    want = [dict(row, tracelint_reasons=rs) for row, rs in zip(rows, example_reasons) if rs]
    assert r.to_pylist() == want


def test_cross_format(tmp_path, capsys, example_reasons):
    rows = [json.loads(l) for l in EXAMPLE_LINES]
    src = make_input(tmp_path)
    # JSON Lines in, Parquet out (schema inferred from the readable records)
    code, _, _ = run(["filter", src, "--keep", tmp_path / "k.parquet", "--reject",
                      tmp_path / "r.parquet", "--errors", tmp_path / "e.parquet"], capsys)
    assert code == 0
    k = pq.read_table(tmp_path / "k.parquet").to_pylist()
    r = pq.read_table(tmp_path / "r.parquet").to_pylist()
    e = pq.read_table(tmp_path / "e.parquet").to_pylist()
    assert len(k) + len(r) + len(e) == len(rows) + 3
    assert [x["id"] for x in k] == [row["id"] for row, rs in zip(rows, example_reasons) if not rs]
    assert [x["tracelint_reasons"] for x in r] == [rs for rs in example_reasons if rs]
    assert [x["line"] for x in e] == [31, 33, 34]
    # Parquet in, JSON Lines out
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    code, _, _ = run(["filter", tmp_path / "in.parquet", "--keep", tmp_path / "k2.jsonl",
                      "--reject", tmp_path / "r2.jsonl.gz"], capsys)
    assert code == 0
    assert read_jsonl(tmp_path / "k2.jsonl") == [row for row, rs in zip(rows, example_reasons)
                                                 if not rs]
    with gzip.open(tmp_path / "r2.jsonl.gz", "rb") as fh:
        r2 = [json.loads(l) for l in fh]
    assert r2 == [dict(row, tracelint_reasons=rs) for row, rs in zip(rows, example_reasons) if rs]


def test_parquet_output_of_mixed_types_is_refused_atomically(tmp_path, capsys):
    src = tmp_path / "mixed.jsonl"
    src.write_text(json.dumps({"response": "<think>a</think>1", "tag": 1}) + "\n"
                   + json.dumps({"response": "<think>b</think>2", "tag": "x"}) + "\n")
    code, _, err = run(["filter", src, "--keep", tmp_path / "k.parquet",
                        "--reject", tmp_path / "r.jsonl"], capsys)
    assert code == 2 and "JSON Lines" in err
    assert sorted(os.listdir(tmp_path)) == ["mixed.jsonl"]


def test_reject_on_from_command_line_and_config(tmp_path, capsys, monkeypatch, example_reasons):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(EXAMPLE_LINES))
    want = [expected_reasons(json.loads(l), ["REP002"]) for l in EXAMPLE_LINES]
    assert any(want) and not all(want)
    code, _, _ = run(["filter", src, "--keep", tmp_path / "k.jsonl", "--reject",
                      tmp_path / "r.jsonl", "--reject-on", "REP002"], capsys)
    assert code == 0
    assert [x["tracelint_reasons"] for x in read_jsonl(tmp_path / "r.jsonl")] == [
        w for w in want if w]
    # the same from [tool.tracelint] reject-on, found from the working directory
    (tmp_path / "pyproject.toml").write_text('[tool.tracelint]\nreject-on = ["REP002"]\n')
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(["filter", "in.jsonl", "--keep", "k2.jsonl", "--reject", "r2.jsonl"],
                     capsys)
    assert code == 0
    assert (tmp_path / "r2.jsonl").read_bytes() == (tmp_path / "r.jsonl").read_bytes()
    # the command line wins over the config
    code, _, _ = run(["filter", "in.jsonl", "--keep", "k3.jsonl", "--reject", "r3.jsonl",
                      "--reject-on", ",".join(DEFAULT_REJECT_ON)], capsys)
    assert [x["tracelint_reasons"] for x in read_jsonl(tmp_path / "r3.jsonl")] == [
        r for r in example_reasons if r]


def test_label_and_prefix_reasons(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(EXAMPLE_LINES))
    code, _, _ = run(["filter", src, "--keep", tmp_path / "k.jsonl", "--reject",
                      tmp_path / "r.jsonl", "--reject-on", "TRN", "--reject-on", "concise"],
                     capsys)
    assert code == 0
    for rec in read_jsonl(tmp_path / "r.jsonl"):
        rs = rec["tracelint_reasons"]
        assert rs and all(r.startswith("TRN") or r == "concise" for r in rs)
        assert rs == sorted([r for r in rs if r != "concise"]) + (
            ["concise"] if "concise" in rs else [])


@pytest.mark.parametrize("bad", ["REP09", "NOPE1", "Degenerate"])
def test_bad_reject_on_is_a_usage_error(tmp_path, capsys, bad):
    src = tmp_path / "in.jsonl"
    src.write_bytes(EXAMPLE_LINES[0])
    code, _, err = run(["filter", src, "--keep", tmp_path / "k.jsonl", "--reject",
                        tmp_path / "r.jsonl", "--reject-on", bad], capsys)
    assert code == 2 and "reject-on" in err
    assert not (tmp_path / "k.jsonl").exists()


def test_never_overwrites_an_input_and_outputs_are_atomic(tmp_path, capsys):
    src = make_input(tmp_path)
    before = src.read_bytes()
    code, _, err = run(["filter", src, "--keep", src, "--reject", tmp_path / "r.jsonl"], capsys)
    assert code == 2 and "input" in err
    assert src.read_bytes() == before
    # a hard link to the input is the input too
    os.link(src, tmp_path / "alias.jsonl")
    code, _, _ = run(["filter", src, "--keep", tmp_path / "k.jsonl", "--reject",
                      tmp_path / "alias.jsonl"], capsys)
    assert code == 2 and src.read_bytes() == before
    # an existing output is left untouched when the run fails (here: a missing directory)
    old = tmp_path / "k.jsonl"
    old.write_text("old\n")
    code, _, _ = run(["filter", src, "--keep", old, "--reject",
                      tmp_path / "nodir" / "r.jsonl"], capsys)
    assert code == 2 and old.read_text() == "old\n"
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    # the same output twice is a usage error
    code, _, err = run(["filter", src, "--keep", tmp_path / "x.jsonl", "--reject",
                        tmp_path / "x.jsonl"], capsys)
    assert code == 2 and "same file" in err


def test_json_array_input_keeps_original_records(tmp_path, capsys, example_reasons):
    rows = [json.loads(l) for l in EXAMPLE_LINES]
    src = tmp_path / "in.json"
    src.write_text(json.dumps(rows, indent=1))
    code, _, _ = run(["filter", src, "--keep", tmp_path / "k.jsonl", "--reject",
                      tmp_path / "r.jsonl"], capsys)
    assert code == 0
    assert read_jsonl(tmp_path / "k.jsonl") == [r for r, rs in zip(rows, example_reasons)
                                                if not rs]
    assert read_jsonl(tmp_path / "r.jsonl") == [dict(r, tracelint_reasons=rs)
                                                for r, rs in zip(rows, example_reasons) if rs]


# ------------------------------------------------------------------------------------------
# check


def test_check_reports_file_line_code_and_writes_nothing(tmp_path, capsys, example_reasons):
    src = make_input(tmp_path)
    listing = sorted(os.listdir(tmp_path))
    code, out, err = run(["check", src], capsys)
    assert code == 1
    assert sorted(os.listdir(tmp_path)) == listing
    lines = out.splitlines()
    assert lines
    for line in lines:
        where, code_, _msg = line.split(" ", 2)
        f, ln = where.rstrip(":").rsplit(":", 1)
        assert f == str(src) and ln.isdigit()
        assert code_ == "E000" or code_[:3] in ("REP", "TRN", "NUM") or code_ in (
            "degenerate-looping", "truncated", "arithmetic-errors")
    # one block per rejected record, at its line (the bad lines shift later records by 4)
    flagged = sorted({int(l.split(":")[1]) for l in lines})
    want = [i + 1 + (4 if i >= 30 else 0) for i, rs in enumerate(example_reasons) if rs]
    assert flagged == sorted(want + [31, 33, 34])
    assert f"{src}:31: E000 invalid JSON" in out
    assert "would be rejected" in err


def test_check_clean_file_exits_0(tmp_path, capsys, example_reasons):
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(b"".join(l for l, rs in zip(EXAMPLE_LINES, example_reasons) if not rs))
    code, out, _ = run(["check", clean], capsys)
    assert code == 0 and out == ""
    code, out, _ = run(["check", clean, "--reject-on", "concise"], capsys)
    assert code == 1 and ": concise trace " in out
