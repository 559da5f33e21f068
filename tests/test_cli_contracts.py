"""The pipeline contract at its edges, from a review of score / filter / check as a data
engineer runs them: special output files, full disks, columnar outputs of odd text,
compressed inputs cut short, compressed outputs, machine formats on stdout, CI gates, ids of
sharded inputs, and one nesting limit for every --jobs."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tracelint.cli import main
from tracelint.io import read_traces

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "traces.jsonl"


def run(*args, cwd=None, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "tracelint", *map(str, args)], cwd=cwd,
                          capture_output=True, env=env, **kw)


def write(path: Path, recs) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


RECS = [{"id": f"r{i}", "response": f"{i} + {i} = {2 * i}. The answer is {2 * i}."}
        for i in range(20)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_output_is_written_through_not_replaced(tmp_path):
    src = write(tmp_path / "in.jsonl", RECS)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert main(["filter", str(src), "--keep", str(fifo), "--reject", str(tmp_path / "r.jsonl"),
                 "-q"]) == 0
    reader.join(10)
    assert fifo.is_fifo() and got and got[0].count(b"\n") == 20


def test_a_symlinked_output_replaces_its_target_and_keeps_the_link(tmp_path):
    src = write(tmp_path / "in.jsonl", RECS)
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "kept.jsonl"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "kept.jsonl"
    link.symlink_to(target)
    assert main(["filter", str(src), "--keep", str(link), "--reject", str(tmp_path / "r.jsonl"),
                 "-q"]) == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8").count("\n") == 20


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE")
def test_a_full_disk_names_the_file_and_leaves_no_temporary_file(tmp_path):
    """RLIMIT_FSIZE stands in for a full disk (the write fails with EFBIG)."""
    src = write(tmp_path / "in.jsonl", [{**r, "response": r["response"] * 200} for r in RECS])
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))\n"
            "from tracelint.cli import main\n"
            f"sys.exit(main(['filter', {str(src)!r}, '--keep', 'k.jsonl', '--reject',"
            " 'r.jsonl', '-q']))\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert p.returncode == 2, p.stderr
    assert b"k.jsonl" in p.stderr or b"r.jsonl" in p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == ["in.jsonl"]


def test_columnar_outputs_take_lone_surrogates_and_refuse_empty_objects(tmp_path):
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq
    src = tmp_path / "s.jsonl"
    src.write_text('{"id":"a","response":"The answer is 4."}\n'
                   '{"id":"b","response":"half an emoji \\ud83d"}\n', encoding="utf-8")
    assert main(["filter", str(src), "--keep", str(tmp_path / "k.parquet"), "--reject",
                 str(tmp_path / "r.jsonl"), "-q"]) == 0
    texts = [r["response"] for r in pq.read_table(tmp_path / "k.parquet").to_pylist()]
    texts += [json.loads(x)["response"] for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    # one U+FFFD per lone surrogate in a columnar output; JSON Lines keep the escape
    assert "half an emoji \ufffd" in texts or "half an emoji \ud83d" in texts, texts
    empty = write(tmp_path / "e.jsonl", [{"response": "The answer is 4.", "meta": {}}])
    assert main(["filter", str(empty), "--keep", str(tmp_path / "k2.parquet"), "--reject",
                 str(tmp_path / "r2.parquet"), "-q"]) == 2


def test_one_nesting_limit_for_every_jobs_count(tmp_path):
    from tracelint.io.jsonl import MAX_JSON_DEPTH
    lines = []
    for d in (MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH + 1):
        nest = "[" * d + "]" * d
        lines.append('{"id":"d%d","response":"The answer is 4.","meta":%s}' % (d, nest))
    src = tmp_path / "deep.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outs = [run("score", src, "-q", "--format", "jsonl", "-j", j).stdout for j in (1, 2)]
    assert outs[0] == outs[1]
    got = [json.loads(x) for x in outs[0].splitlines()]
    assert "error" not in got[0] and "nested deeper than" in got[1]["error"]


def test_a_compressed_input_cut_short_delivers_every_complete_line(tmp_path):
    data = "".join(json.dumps({"id": f"r{i}", "response": "The answer is 4. " * 40}) + "\n"
                   for i in range(3000)).encode()
    whole = gzip.compress(data, mtime=0)
    cut = tmp_path / "half.jsonl.gz"
    cut.write_bytes(whole[:len(whole) // 2])
    import zlib
    recoverable = zlib.decompressobj(31).decompress(cut.read_bytes())  # all a cut stream holds
    complete = recoverable.count(b"\n")
    items = list(read_traces([str(cut)]))
    good = [t for t in items if not hasattr(t, "describe")]
    assert len(good) == complete
    assert items[-1].describe().startswith(f"{cut}:{complete + 1}:")


@pytest.mark.parametrize("name", ["k.jsonl.gz", "k.jsonl.bz2", "k.jsonl.xz", "k.jsonl.zst",
                                  "K.JSONL.GZ"])
def test_compressed_output_names_are_written_compressed(tmp_path, name):
    src = write(tmp_path / "in.jsonl", RECS)
    out = tmp_path / name
    assert main(["filter", str(src), "--keep", str(out), "--reject", str(tmp_path / "r.jsonl"),
                 "-q"]) == 0
    assert out.read_bytes()[:1] != b"{"
    assert [t.id for t in read_traces([str(out)])] == [r["id"] for r in RECS]
    again = tmp_path / ("again." + name)
    main(["filter", str(src), "--keep", str(again), "--reject", str(tmp_path / "r.jsonl"), "-q"])
    assert again.read_bytes() == out.read_bytes()  # reproducible bytes


def test_machine_formats_own_stdout(tmp_path):
    p = run("score", EXAMPLES, "--format", "sarif", "-o", tmp_path / "s.jsonl")
    json.loads(p.stdout)
    p = run("filter", EXAMPLES, "--keep", tmp_path / "k.jsonl", "--reject", "-")
    assert all(json.loads(x) for x in p.stdout.splitlines())
    assert b"records:" in p.stderr


@pytest.mark.parametrize("item", ["degenerate-loping", "REP999", ""])
def test_fail_on_typos_are_usage_errors(item):
    assert main(["score", str(EXAMPLES), "-q", "--format", "jsonl", "--fail-on", item,
                 "-o", os.devnull]) == 2


def test_github_properties_and_sarif_uris_are_escaped(tmp_path):
    d = tmp_path / "run #1 100%"
    d.mkdir()
    src = d / "we,ird:na%me.jsonl"
    write(src, [{"id": "q", "response": "<think>4 × 20 = 90</think>The answer is 90.",
                 "reference": "80"}])
    gh = run("score", src.name, "--format", "github", "-q", cwd=d).stdout.decode()
    assert "file=we%2Cird%3Ana%25me.jsonl,line=1," in gh
    sarif = json.loads(run("score", f"{d.name}/{src.name}", "--format", "sarif", "-q",
                           cwd=tmp_path).stdout)
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "run%20%231%20100%25/we%2Cird%3Ana%25me.jsonl"


def test_a_closed_pipe_ends_the_run_quietly():
    p = subprocess.run(f"{sys.executable} -m tracelint score {EXAMPLES} -q --format jsonl | "
                       "head -1 > /dev/null; echo ${PIPESTATUS[0]}", shell=True,
                       executable="/bin/bash", capture_output=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert p.stdout.strip() == b"141" and b"Broken pipe" not in p.stderr


def test_inputs_sharing_a_base_name_keep_distinct_ids(tmp_path):
    for part, text in (("a", "The answer is 4."), ("b", "The answer is 5.")):
        (tmp_path / part).mkdir()
        write(tmp_path / part / "part-0.jsonl", [{"response": text}])
    ids = [json.loads(x)["id"] for x in
           run("score", tmp_path, "-q", "--format", "jsonl").stdout.splitlines()]
    assert ids == ["a/part-0.jsonl:1", "b/part-0.jsonl:1"]
    alone = json.loads(run("score", tmp_path / "a" / "part-0.jsonl", "-q", "--format",
                           "jsonl").stdout)
    assert alone["id"] == "part-0.jsonl:1"


def test_utf16_lines_and_wrong_typed_text_fields_are_named_errors(tmp_path):
    src = tmp_path / "u16.jsonl"
    src.write_bytes('{"id":"u1","response":"The answer is 4."}\n'.encode("utf-16-le"))
    assert all(hasattr(x, "describe") for x in read_traces([str(src)]))
    bad = write(tmp_path / "t.jsonl", [{"response": 5}])
    (item,) = read_traces([str(bad)])
    assert "field 'response': expected a text, got 5" in item.describe()
