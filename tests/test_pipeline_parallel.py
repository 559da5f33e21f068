"""--jobs N: the same results and the same output bytes for every N and every batch size;
results in input order; a bounded number of batches in flight; the progress line."""
from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tracelint.cli import iter_results, main
from tracelint.config import Config
from tracelint.pipeline import parallel
from tracelint.pipeline.parallel import Chunk, Progress, iter_results_parallel, run_ordered

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_LINES = (ROOT / "examples" / "traces.jsonl").read_bytes().splitlines(keepends=True)
SLOW = os.environ.get("TRACELINT_IMPLEMENTATION", "").lower() == "python"
# the pure-Python twin is ~50x slower: fewer records there (what is tested is the same)
LINES = EXAMPLE_LINES[:16] if SLOW else EXAMPLE_LINES
COMBOS = [(1, 1), (1, 256), (2, 1), (2, 5), (3, 7)]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("par")
    body = (b"\xef\xbb\xbf" + b"".join(LINES[:5]) + b"\n  \n" + b"{broken\n"
            + b'{"output_tokens": -3, "response": "x"}\n' + b"".join(LINES[5:]))
    (d / "a.jsonl").write_bytes(body)
    (d / "b.jsonl.gz").write_bytes(gzip.compress(b"".join(LINES[:7]), mtime=0))
    rows = [json.loads(l) for l in LINES]
    pq.write_table(pa.Table.from_pylist(rows), d / "c.parquet", row_group_size=4)
    (d / "d.json").write_text(json.dumps(rows[:6], indent=2))
    # plain-text traces: one record each (a loop, and a file that is not UTF-8)
    (d / "e.txt").write_text("<think>" + "Is it 5? Let me check 2 + 3 = 5 again. " * 40
                             + "</think>5", encoding="utf-8")
    (d / "f.txt").write_bytes(b"2 + 2 = \xff")
    # pretty-printed records one after another (json.dump(indent=2), jq .)
    (d / "g.json").write_text("\n".join(json.dumps(r, indent=2) for r in rows[6:10]) + "\n")
    return d


def paths(d):
    return [str(d / n) for n in ("a.jsonl", "b.jsonl.gz", "c.parquet", "d.json", "e.txt",
                                 "f.txt", "g.json")]


def test_iter_results_parallel_equals_iter_results(inputs):
    cfg = Config()
    want = list(iter_results(paths(inputs), cfg))
    assert any("error" in d for d in want) and any(d.get("label") for d in want)
    for jobs, bs in COMBOS:
        got = list(iter_results_parallel(paths(inputs), cfg, jobs=jobs, batch_size=bs))
        assert got == want, (jobs, bs)


def test_iter_results_parallel_reports_sizes_like_iter_results(inputs):
    class P:
        def __init__(self):
            self.sizes = []

        def update(self, n):
            self.sizes.append(n)

    a, b = P(), P()
    list(iter_results(paths(inputs), Config(), a))
    list(iter_results_parallel(paths(inputs), Config(), jobs=2, batch_size=3, progress=b))
    assert a.sizes == b.sizes


def _filter_bytes(tmp_path, inputs, jobs, bs, ext):
    out = tmp_path / f"j{jobs}b{bs}"
    out.mkdir()
    files = [str(inputs / n) for n in ("a.jsonl", "c.parquet", "e.txt", "f.txt", "g.json")]
    code = main(["filter", *files, "--keep", str(out / f"k.{ext}"), "--reject",
                 str(out / f"r.{ext}"), "--errors", str(out / f"e.{ext}"), "--jobs", str(jobs),
                 "--batch-size", str(bs), "-q"])
    assert code == 0
    return {n: (out / n).read_bytes() for n in sorted(os.listdir(out))}


@pytest.mark.parametrize("ext", ["jsonl", "parquet"])
def test_filter_output_bytes_identical_for_any_jobs_and_batch_size(tmp_path, inputs, ext):
    results = [_filter_bytes(tmp_path, inputs, jobs, bs, ext) for jobs, bs in COMBOS]
    assert set(results[0]) == {f"k.{ext}", f"r.{ext}", f"e.{ext}"}
    for r in results[1:]:
        assert r == results[0]


def test_check_output_identical_for_any_jobs(inputs, capsys):
    outs = []
    for jobs, bs in COMBOS:
        code = main(["check", *paths(inputs), "--jobs", str(jobs), "--batch-size", str(bs),
                     "-q"])
        outs.append((code, capsys.readouterr().out))
    assert outs[0][0] == 1 and outs[0][1]
    assert all(o == outs[0] for o in outs)


def test_bad_jobs_is_a_usage_error(inputs, capsys):
    assert main(["check", str(inputs / "a.jsonl"), "--jobs", "0"]) == 2


def _chunks(n, pulled):
    for i in range(n):
        pulled.append(i)
        yield Chunk("lines", "x.jsonl", "x.jsonl", items=[(i + 1, b'{"reasoning": "a"}\n', None)])


def test_run_ordered_keeps_a_bounded_window_in_order():
    pulled = []
    seen = []
    for ch, res in run_ordered(_chunks(40, pulled), (Config(), "score"), jobs=2):
        seen.append(ch.items[0][0])
        # never more than 2 * jobs chunks read ahead of what has been handed back
        assert len(pulled) - len(seen) <= 4
        assert res[0][0]["_where"] == ("x.jsonl", ch.items[0][0])
    assert seen == list(range(1, 41))


def test_progress_line():
    now = [100.0]
    buf = io.StringIO()
    p = Progress(10_000_000, stream=buf, force=True, clock=lambda: now[0])
    now[0] = 102.0
    p.update(500, 2_000_000)
    text = buf.getvalue()
    assert "500 records" in text and "250 rec/s" in text and "1.0 MB/s" in text
    assert "20.0%" in text and "ETA 8s" in text
    now[0] = 102.1  # redrawn at most five times a second
    p.update(10, 10)
    assert buf.getvalue() == text
    p.close()
    assert buf.getvalue().endswith("\n")
    # unknown size: no ETA; not a terminal: nothing shown
    q = Progress(None, stream=buf, force=True, clock=lambda: now[0])
    assert "ETA" not in q.render(now[0] + 1)
    quiet = io.StringIO()
    r = Progress(100, stream=quiet)
    r.update(1, 1)
    r.close()
    assert quiet.getvalue() == ""


def test_start_method_override(monkeypatch):
    monkeypatch.setenv("TRACELINT_START_METHOD", "spawn")
    assert parallel.start_method() == "spawn"
    monkeypatch.setenv("TRACELINT_START_METHOD", "nope")
    with pytest.raises(ValueError):
        parallel.start_method()


def test_cli_sets_the_collector_thresholds_and_a_library_caller_keeps_its_own(tmp_path):
    import gc
    old = gc.get_threshold()
    src = str(ROOT / "examples" / "traces.jsonl")
    try:
        gc.set_threshold(700, 10, 10)
        list(iter_results_parallel([src], Config()))  # the library: untouched
        assert gc.get_threshold() == (700, 10, 10)
        main(["score", src, "-o", str(tmp_path / "out.jsonl")])
        assert gc.get_threshold() == parallel.GC_THRESHOLDS
    finally:
        gc.set_threshold(*old)
