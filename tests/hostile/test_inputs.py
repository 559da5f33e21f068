"""Hostile inputs through the command line (issue 7: no crash, no hang, nothing lost).

Every case of :mod:`corpus` (generated at test time, never committed) is run through
``tracelint score``, ``filter`` and ``check`` as a subprocess with a timeout, so a segfault or
an abort shows up as a negative return code and a hang as a timeout.  For each run:

* the exit code is one of the documented 0, 1, 2, and stderr has no ``Traceback``;
* every input record is accounted for exactly once — ``score`` writes one line per record,
  ``filter`` puts each record in exactly one of kept / rejected / errors;
* every error names the file and the line (and the field, when one field is at fault).

Then: a directory without trace files and FIFOs as input, a file name that is not valid UTF-8, every ``score``
output format on text with lone surrogates, and a hypothesis property mixing good and bad
lines.  The 200 MB single line and the 50 MB linear-time traces are in
``benchmarks/hostile_large.py`` (too big for CI); here the large line is
``corpus.LARGE_LINE_MB`` (20 MB).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import corpus  # noqa: E402

TIMEOUT = 120
CASE_BUILDERS = {f.__name__[len("case_"):]: f
                 for f in corpus.JSONL_CASES + corpus.PARQUET_CASES}
CASE_BUILDERS["large_line"] = corpus.case_large_line


def env(**extra):
    e = dict(os.environ)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    e.pop("TRACELINT_DEBUG", None)
    e.update(extra)
    return e


def tl(*args, timeout=TIMEOUT, stdin=None, **envs):
    """Run ``python -m tracelint.cli ARGS``; fail on a timeout, a signal, a traceback."""
    try:
        p = subprocess.run([sys.executable, "-m", "tracelint.cli", *args], cwd=ROOT,
                           env=env(**envs), capture_output=True, timeout=timeout, stdin=stdin)
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure being tested
        pytest.fail(f"tracelint {' '.join(map(str, args))} hung (>{timeout}s)")
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode in (0, 1, 2), (p.returncode, err[-2000:])
    assert "Traceback" not in err, err[-3000:]
    assert "internal error" not in err, err[-2000:]
    return p


def jsonl(data: bytes):
    out = []
    for ln in data.splitlines():
        out.append(json.loads(ln))  # every output line is valid JSON ...
        ln.decode("utf-8")           # ... in valid UTF-8
    return out


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("corpus"))
    return {name: f(d) for name, f in CASE_BUILDERS.items()}


# ------------------------------------------------------------------------------------------
# every case x score / filter / check
#
# The three commands of one case run in one subprocess (DRIVER calls tracelint.cli.main three
# times with fds 1 and 2 sent to files), which saves two interpreter start-ups per case; a
# segfault or abort still ends that subprocess with a negative return code.

DRIVER = r"""
import json, os, sys
from tracelint.cli import main
rcs = []
for argv, out in json.loads(sys.argv[1]):
    sys.stdout.flush(); sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fo = os.open(out + ".out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    fe = os.open(out + ".err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fo, 1); os.dup2(fe, 2)
    try:
        rcs.append(main(argv))
    finally:
        sys.stdout.flush(); sys.stderr.flush()
        os.dup2(saved[0], 1); os.dup2(saved[1], 2)
        for fd in (fo, fe) + saved:
            os.close(fd)
print(json.dumps(rcs))
"""


class Run:
    def __init__(self, rc, out, err):
        self.returncode, self.stdout, self.stderr = rc, out, err


_RUNS = {}


def runs(case, tmp_path_factory):
    """{"score"|"filter"|"check": Run} for ``case``, run once per module."""
    if case.name in _RUNS:
        return _RUNS[case.name]
    d = str(tmp_path_factory.mktemp("out-" + case.name))
    k, r, e = (os.path.join(d, f"{x}.jsonl") for x in ("kept", "rejected", "errors"))
    cmds = {"score": ["score", case.path, "--format", "jsonl", "-q"],
            "filter": ["filter", case.path, "--keep", k, "--reject", r, "--errors", e],
            "check": ["check", case.path]}
    jobs = [(argv, os.path.join(d, name)) for name, argv in cmds.items()]
    try:
        p = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(jobs)], cwd=ROOT,
                           env=env(), capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure being tested
        pytest.fail(f"{case.name}: hung (>{TIMEOUT}s)")
    assert p.returncode == 0, (p.returncode, p.stderr.decode("utf-8", "replace")[-3000:])
    out = {}
    for (name, _), rc in zip(cmds.items(), json.loads(p.stdout)):
        base = os.path.join(d, name)
        run = Run(rc, open(base + ".out", "rb").read(), open(base + ".err", "rb").read())
        err = run.stderr.decode("utf-8", "replace")
        assert rc in (0, 1, 2), (name, rc, err[-2000:])
        assert "Traceback" not in err and "internal error" not in err, (name, err[-3000:])
        out[name] = run
    out["paths"] = (k, r, e, d)
    _RUNS[case.name] = out
    return out


def check_error_lines(case, errs):
    """``errs``: {line: message}.  Each names file and line; known errors match exactly."""
    if case.errors is None:
        return
    assert sorted(errs) == sorted(case.errors), (errs, case.errors)
    for line, f in case.errors.items():
        if f is not None:
            assert f"field '{f}'" in errs[line], (line, f, errs[line])


def assert_whole_file_error(case, p):
    assert p.returncode == 2
    err = p.stderr.decode("utf-8", "replace")
    assert err.startswith("tracelint: error:") and case.path in err, err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize("name", sorted(CASE_BUILDERS))
def test_score(cases, name, tmp_path_factory):
    case = cases[name]
    p = runs(case, tmp_path_factory)["score"]
    if case.whole_file_error:
        assert_whole_file_error(case, p)
        assert p.stdout == b""
        return
    out = jsonl(p.stdout)
    assert len(out) == case.records
    errs = {}
    for d in out:
        if "error" in d:
            assert d["source"] == case.path and isinstance(d["line"], int)
            assert d["error"].startswith(f"{case.path}:{d['line']}: "), d
            assert d["line"] not in errs
            errs[d["line"]] = d["error"]
        else:
            assert d["label"] in ("concise", "verbose-but-engaged", "degenerate-looping")
    check_error_lines(case, errs)
    if errs:
        assert p.returncode == 1


@pytest.mark.parametrize("name", sorted(CASE_BUILDERS))
def test_filter(cases, name, tmp_path_factory):
    case = cases[name]
    res = runs(case, tmp_path_factory)
    p = res["filter"]
    k, r, e, d = res["paths"]
    if case.whole_file_error:
        assert_whole_file_error(case, p)
        assert sorted(os.listdir(d)) == sorted(f"{c}.{x}" for c in ("score", "filter", "check")
                                               for x in ("out", "err"))  # no output appears
        return
    assert p.returncode == 0
    kept = open(k, "rb").read().splitlines()
    rej = jsonl(open(r, "rb").read())
    errs = jsonl(open(e, "rb").read()) if os.path.exists(e) else []
    assert len(kept) + len(rej) + len(errs) == case.records
    assert f"records: {case.records}   kept: {len(kept)}   rejected: {len(rej)}   " \
           f"unreadable: {len(errs)}" in p.stdout.decode()
    assert all(x["tracelint_reasons"] for x in rej)
    by_line = {}
    for x in errs:
        assert set(x) == {"source", "line", "error", "raw"} and x["source"] == case.path
        assert x["line"] not in by_line
        by_line[x["line"]] = x["error"]
    check_error_lines(case, by_line)


@pytest.mark.parametrize("name", sorted(CASE_BUILDERS))
def test_check(cases, name, tmp_path_factory):
    case = cases[name]
    p = runs(case, tmp_path_factory)["check"]
    if case.whole_file_error:
        assert_whole_file_error(case, p)
        return
    err = p.stderr.decode()
    assert f"tracelint check: {case.records} records," in err
    out = p.stdout.decode("utf-8")
    e000 = {}
    for ln in out.splitlines():
        assert ln.startswith(case.path + ":"), ln
        if " E000 " in ln:
            line = int(ln[len(case.path) + 1:].split(":", 1)[0])
            e000[line] = ln
    check_error_lines(case, e000)
    assert p.returncode == (1 if out else 0)


def test_corrupt_parquet_to_parquet_outputs(cases, tmp_path):
    """Columnar outputs too: rows of the readable row groups are written, the others are
    error records, nothing is missing."""
    import pyarrow.parquet as pq
    case = cases["parquet_corrupt_page"]
    k, r, e = str(tmp_path / "k.parquet"), str(tmp_path / "r.parquet"), str(tmp_path / "e.jsonl")
    for jobs in ("1", "2"):
        p = tl("filter", case.path, "--keep", k, "--reject", r, "--errors", e, "-q",
               "--jobs", jobs, "--batch-size", "3")
        assert p.returncode == 0
        n = pq.read_metadata(k).num_rows + pq.read_metadata(r).num_rows
        errs = jsonl(open(e, "rb").read())
        assert n + len(errs) == case.records
        assert sorted(x["line"] for x in errs) == [5, 6, 7, 8]


def test_read_traces_corrupt_parquet(cases):
    """The Python reader accounts for the same rows as the command line."""
    from tracelint.io import read_traces
    from tracelint.model import ReadError
    items = list(read_traces([cases["parquet_corrupt_page"].path]))
    assert len(items) == 12
    assert [i.line for i in items if isinstance(i, ReadError)] == [5, 6, 7, 8]


# ------------------------------------------------------------------------------------------
# directories, FIFOs, odd file names


def test_directory_without_trace_files(tmp_path):
    """A directory stands for the trace files under it; one with none is an input error."""
    (tmp_path / "notes.md").write_text("not a trace file")
    for cmd in (["score"], ["check"], ["filter", "--keep", str(tmp_path / "k.jsonl"),
                                       "--reject", str(tmp_path / "r.jsonl")]):
        p = tl(cmd[0], str(tmp_path), *cmd[1:])
        assert p.returncode == 2
        assert b"a directory with no trace files" in p.stderr


def _fifo_writer(path, data):
    def run():
        try:
            with open(path, "wb") as fh:
                fh.write(data)
        except (BrokenPipeError, OSError):
            pass
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _release(path, t):
    """Let a writer that nobody read from finish (open the FIFO for reading, drain it)."""
    if t.is_alive():
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            t.join(0.2)
            while t.is_alive():
                try:
                    os.read(fd, 1 << 16)
                except BlockingIOError:
                    pass
                t.join(0.05)
        finally:
            os.close(fd)
    t.join(5)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize("ext", [".jsonl", ".json", ""])
def test_fifo(cases, tmp_path, ext):
    """A FIFO is read once, like stdin, whatever its name (a ``.json`` pipe is JSON Lines:
    sniffing for an array would consume it); every record accounted for."""
    case = cases["malformed"]
    data = open(case.path, "rb").read()
    fifo = str(tmp_path / ("in" + ext))
    os.mkfifo(fifo)
    t = _fifo_writer(fifo, data)
    p = tl("score", fifo, "--format", "jsonl", "-q", timeout=30)
    _release(fifo, t)
    assert len(jsonl(p.stdout)) == case.records
    t = _fifo_writer(fifo, data)
    k, r, e = (str(tmp_path / f"{x}.jsonl") for x in "kre")
    p = tl("filter", fifo, "--keep", k, "--reject", r, "--errors", e, "-q", "--jobs", "2",
           timeout=30)
    _release(fifo, t)
    n = sum(len(open(f, "rb").read().splitlines()) for f in (k, r, e) if os.path.exists(f))
    assert n == case.records
    t = _fifo_writer(fifo, data)
    p = tl("check", fifo, timeout=30)
    _release(fifo, t)
    assert f"{case.records} records".encode() in p.stderr
    # a columnar output of JSON input needs two passes: refused, not a hang
    t = _fifo_writer(fifo, data)
    p = tl("filter", fifo, "--keep", str(tmp_path / "k.parquet"), "--reject", r, timeout=30)
    _release(fifo, t)
    assert p.returncode == 2 and b"not a regular file" in p.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_parquet(cases, tmp_path):
    fifo = str(tmp_path / "in.parquet")
    os.mkfifo(fifo)
    t = _fifo_writer(fifo, open(cases["parquet_types"].path, "rb").read())
    p = tl("score", fifo, timeout=30)
    _release(fifo, t)
    assert p.returncode == 2 and fifo.encode() in p.stderr  # Parquet needs to seek


@pytest.mark.skipif(sys.platform == "win32" or sys.platform == "darwin",
                    reason="file names must be bytes")
def test_undecodable_file_name(tmp_path):
    d = os.fsencode(str(tmp_path))
    path = d + b"/bad\xff name.jsonl"
    with open(path, "wb") as fh:
        fh.write(corpus.jl(corpus.good(1)) + b'{"reasoning": 5}\n')
    for fmt in ("text", "jsonl", "json", "github", "sarif"):
        p = subprocess.run([sys.executable, "-m", "tracelint.cli", "score", path,
                            "--format", fmt], cwd=ROOT, env=env(), capture_output=True,
                           timeout=TIMEOUT)
        assert p.returncode == 1, p.stderr
        assert b"Traceback" not in p.stderr and b"internal error" not in p.stderr
        p.stdout.decode("utf-8")


@pytest.mark.parametrize("fmt", ["text", "jsonl", "json", "github", "sarif"])
def test_surrogates_every_format(cases, fmt, tmp_path):
    """Lone surrogates (JSON ``\\ud800`` escapes) in ids, models and text: every output
    format is written (as ``\\udXXX`` escapes) instead of ending in UnicodeEncodeError."""
    case = cases["surrogates"]
    p = tl("score", case.path, "--format", fmt, "-o", str(tmp_path / "o.jsonl"))
    text = p.stdout.decode("utf-8")
    if fmt in ("json", "sarif"):
        json.loads(text[: text.rindex("}") + 1])
    assert len(jsonl(open(tmp_path / "o.jsonl", "rb").read())) == case.records
    p = tl("report", case.path, "--html", str(tmp_path / "r.html"),
           "--json", str(tmp_path / "r.json"))
    json.load(open(tmp_path / "r.json", encoding="utf-8"))


# ------------------------------------------------------------------------------------------
# property: mixtures of good and bad lines, accounted for by score and filter alike

BAD = corpus.hostile_lines()


@st.composite
def mixtures(draw):
    lines = []
    n = draw(st.integers(0, 25))
    for i in range(n):
        kind = draw(st.sampled_from(["good", "bad", "blank", "text"]))
        if kind == "good":
            lines.append(("good", json.dumps(corpus.good(i)).encode()))
        elif kind == "bad":
            lines.append(("bad", draw(st.sampled_from(BAD))))
        elif kind == "blank":
            lines.append(("blank", draw(st.sampled_from([b"", b"  ", b"\t", b"\r"]))))
        else:
            t = draw(st.text(max_size=40))
            rec = draw(st.sampled_from([{"reasoning": t}, {"response": t}, {"id": t},
                                        {"reasoning": "x", "output_tokens": t}]))
            lines.append(("text", json.dumps(rec).encode()))
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    trailing = draw(st.booleans())
    return lines, ending, trailing, draw(st.sampled_from([1, 2])), draw(st.sampled_from([1, 3]))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mixtures())
@example(([("bad", b"\xef\xbb\xbf{}"), ("good", json.dumps(corpus.good(1)).encode()),
           ("bad", b"\xef\xbb\xbf{}")], b"\r\n", False, 2, 1))
def test_accounting_property(mix):
    from tracelint.cli import main
    lines, ending, trailing, jobs, batch = mix
    body = ending.join(b for _, b in lines) + (ending if trailing and lines else b"")
    records = [(i + 1, kind, b) for i, (kind, b) in enumerate(lines) if b.strip()]
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.jsonl")
        with open(src, "wb") as fh:
            fh.write(body)
        out = os.path.join(d, "scores.jsonl")
        assert main(["score", src, "-q", "-o", out, "--jobs", str(jobs)]) in (0, 1)
        res = jsonl(open(out, "rb").read())
        assert len(res) == len(records)
        err_lines = set()
        for (line, kind, raw), d_ in zip(records, res):
            if "error" in d_:
                assert d_["line"] == line and kind != "good"
                err_lines.add(line)
            elif kind == "good":
                assert d_["id"] == json.loads(raw)["id"]
        k, r, e = (os.path.join(d, f"{x}.jsonl") for x in "kre")
        assert main(["filter", src, "--keep", k, "--reject", r, "--errors", e, "-q",
                     "--jobs", str(jobs), "--batch-size", str(batch)]) == 0
        kept = open(k, "rb").read().splitlines()
        rej = jsonl(open(r, "rb").read())
        errs = jsonl(open(e, "rb").read()) if os.path.exists(e) else []
        assert len(kept) + len(rej) + len(errs) == len(records)
        assert {x["line"] for x in errs} == err_lines  # filter and score agree
        # kept lines are the input bytes (less a BOM at the start of the file)
        raw_ok = {raw.rstrip(b"\r") for _, _, raw in records}
        raw_ok |= {x[3:] for x in raw_ok if x.startswith(b"\xef\xbb\xbf")}
        assert all(x.rstrip(b"\r") in raw_ok for x in kept), (kept, raw_ok)


def _schema_keys():
    from tracelint.io.schema import (_DETECT_KEYS, _MODEL_OUTPUT_KEYS, PER_SAMPLE_KEYS,
                                     REASONING_ALIASES, SAMPLE_KEYS)
    return sorted(set(_DETECT_KEYS) | set(_MODEL_OUTPUT_KEYS) | set(REASONING_ALIASES) |
                  set(SAMPLE_KEYS) | set(PER_SAMPLE_KEYS) | {
                      "answer", "reasoning", "prompt", "id", "error", "custom_id", "body",
                      "tokens", "stopped_eos", "tokens_evaluated", "prompt_tokens",
                      "completion_tokens", "input_tokens", "code", "message", "action",
                      "history", "info", "exit_status", "submission", "model_stats",
                      "tokens_sent", "tokens_received", "arguments", "arg_1", "is_demo",
                      "filtered_resps", "trajectory",
                      "finish_reason", "role", "type", "thinking", "parts", "generated_tokens",
                      "max_gen_toks", "gen_args_0", "arg_0", "deepseek_reasoning",
                      "deepseek_solution", "gold_reasoning", "status_code", "0", "1"})


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2 ** 70) | st.floats(allow_nan=False) |
    st.sampled_from(["", "on", "two words", "<think>a</think>b", "[BEGIN FINAL RESPONSE]\nz",
                     "<|START_THINKING|>r<|END_THINKING|>a", "Here is my thought process:\nx",
                     "assistant", "length", "MAX_TOKENS"]) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) |
    st.dictionaries(st.sampled_from(_schema_keys()), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_schema_keys()), _JSON, min_size=1, max_size=6))
# shapes a review found misread or crashing
@example({"text": "foo", "usage": {"tokens": {"output_tokens": "x"}}})
@example({"text": "foo", "details": {"finish_reason": {"type": "length"},
                                     "generated_tokens": "many"}})
@example({"text": "foo", "meta_info": {"completion_tokens": -1, "finish_reason": 3}})
@example({"text": "foo", "tokens_predicted": {"a": 1}, "stopped_limit": "yes"})
@example({"prompt": "p", "error": {"code": None, "message": None, "at": [1]}})
@example({"resps": [["a", 1]], "arguments": {"gen_args_0": {"arg_0": 5}}})
@example({"result": {"type": "errored", "error": {"error": "x"}}, "custom_id": [1]})
@example({"trajectory": [{"action": "ls", "thought": 3}, {"action": 5}], "info": {
    "exit_status": 1, "submission": [], "model_stats": {"tokens_sent": "x"}},
    "history": [{"role": "user", "content": None}, 4]})
@example({"resps": [["a", "b"]], "filtered_resps": ["x"], "arguments": []})
def test_schema_detection_never_crashes(rec):
    """Every shape the reader recognises, with values of every JSON type at every key it
    reads: each record gives traces or error lines, never an exception, and each trace can
    be analysed."""
    from tracelint import analyze
    from tracelint.io import ReaderOptions, iter_records
    from tracelint.model import ReadError as RE
    items = list(iter_records([rec], ReaderOptions(), source="f.jsonl"))
    assert items and all(isinstance(i, RE) or hasattr(i, "reasoning") for i in items)
    for i in items:
        if not isinstance(i, RE):
            analyze(i)
