"""Interrupted runs (issue 7): Ctrl-C or SIGTERM in the middle of ``filter`` (``score -o``,
``report``) leaves no half-written output that looks complete.

Each output is written to a temporary file ``.NAME.PID.N.tmp`` in the output's directory and
renamed into place only when every output of the run is complete
(:func:`tracelint.io.writers.open_output`).  Here ``filter`` runs as a subprocess on an input
far too large to finish during the test; once its temporary output holds data (the run is
really under way) it receives SIGTERM or SIGINT, and then:

* the exit code is the documented one: 143 (128 + SIGTERM) or 130 (128 + SIGINT), with one
  ``tracelint: interrupted`` line on stderr and no traceback;
* no output file exists — or, when one existed before, it is byte for byte the old one;
* no temporary file is left in the output directory.

Also: an output path that is one of the inputs is refused before anything is read or
written (score, filter, report), and ``report`` writes its JSON and HTML atomically.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

WORDS = ("the of and to a in is that we so then check let compute value sum total "
         "wait maybe answer number each next step first second it this for as").split()


def big_input(path: str, records: int = 10000, seed: int = 7) -> None:
    """``records`` traces of ~1.5 KB of varied text: some ten seconds of work for ``filter``,
    of which the tests see only the first seconds."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(records):
            words = [rng.choice(WORDS) if rng.random() < 0.8 else str(rng.randint(0, 999))
                     for _ in range(250)]
            fh.write(json.dumps({"id": f"r{i}", "prompt": "What is 2+2?",
                                 "response": "<think>" + " ".join(words) + "</think>4",
                                 "reference": "4"}) + "\n")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    d = tmp_path_factory.mktemp("interrupt-in")
    p = str(d / "in.jsonl")
    big_input(p)
    return p


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    e.pop("TRACELINT_DEBUG", None)
    return e


def temps(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".tmp"))


def _sigint_default():
    # a shell starts a background job ("pytest ... &") with SIGINT ignored, and a child
    # inherits that: tracelint then rightly leaves SIGINT alone, and Ctrl-C is not tested
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(args, outdir, sig, *, group=False, wait_for_data=True):
    """Start ``tracelint ARGS``, wait until a temporary output in ``outdir`` holds data,
    send ``sig`` (to the whole process group when ``group``: what Ctrl-C in a terminal
    does), and return (returncode, stderr)."""
    p = subprocess.Popen([sys.executable, "-m", "tracelint", *args], cwd=ROOT, env=env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True, preexec_fn=_sigint_default)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ts = temps(outdir)
            if ts and (not wait_for_data or any(
                    os.path.getsize(os.path.join(outdir, t)) > 0 for t in ts)):
                break
            assert p.poll() is None, p.communicate()[1].decode("utf-8", "replace")
            time.sleep(0.02)
        else:  # pragma: no cover - the failure being tested
            pytest.fail("no temporary output appeared within 60 s")
        assert p.poll() is None, "the run ended before it could be interrupted"
        if group:
            os.killpg(p.pid, sig)
        else:
            p.send_signal(sig)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:  # pragma: no cover
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    return p.returncode, err.decode("utf-8", "replace")


def assert_clean_exit(rc, err, sig):
    assert rc == 128 + sig, (rc, err[-3000:])
    assert "Traceback" not in err, err[-3000:]
    assert "tracelint: interrupted" in err, err[-3000:]


@pytest.mark.parametrize("sig,jobs,group,ext", [
    (signal.SIGTERM, 1, False, ".jsonl"),
    (signal.SIGINT, 1, False, ".jsonl"),
    (signal.SIGTERM, 2, False, ".jsonl"),
    (signal.SIGINT, 2, True, ".jsonl"),      # Ctrl-C: the workers get it too
    (signal.SIGTERM, 1, False, ".parquet"),
    (signal.SIGTERM, 1, False, ".jsonl.gz"),
])
def test_filter_interrupted_leaves_nothing(source, tmp_path, sig, jobs, group, ext):
    d = str(tmp_path)
    k, r, e = (os.path.join(d, f"{x}{ext}") for x in ("kept", "rejected", "errors"))
    rc, err = interrupt(["filter", source, "--keep", k, "--reject", r, "--errors", e,
                         "--jobs", str(jobs), "--batch-size", "64"], d, sig, group=group)
    assert_clean_exit(rc, err, sig)
    assert os.listdir(d) == [], os.listdir(d)  # no output, no temporary file


def test_filter_interrupted_keeps_the_previous_outputs(source, tmp_path):
    """A resumed run starts from the beginning; until it completes, the outputs of the
    previous complete run stay as they were."""
    d = str(tmp_path)
    k, r, e = (os.path.join(d, f"{x}.jsonl") for x in ("kept", "rejected", "errors"))
    old = {k: b'{"id": "old kept"}\n', r: b'{"id": "old rejected"}\n', e: b"old errors\n"}
    for path, data in old.items():
        with open(path, "wb") as fh:
            fh.write(data)
    rc, err = interrupt(["filter", source, "--keep", k, "--reject", r, "--errors", e], d,
                        signal.SIGTERM)
    assert_clean_exit(rc, err, signal.SIGTERM)
    assert temps(d) == []
    for path, data in old.items():
        assert open(path, "rb").read() == data


def test_score_output_interrupted(source, tmp_path):
    d = str(tmp_path)
    out = os.path.join(d, "scores.jsonl")
    rc, err = interrupt(["score", source, "-o", out, "-q"], d, signal.SIGTERM)
    assert_clean_exit(rc, err, signal.SIGTERM)
    assert os.listdir(d) == []


def test_signal_during_commit_waits_for_every_rename(tmp_path):
    """A signal that arrives while the finished outputs are renamed into place is acted on
    after all of them are in place: the set of outputs is never half old, half new."""
    from tracelint.io.writers import Terminated, defer_signals, open_output
    from contextlib import ExitStack
    paths = [str(tmp_path / f"{n}.txt") for n in "abc"]
    with pytest.raises(Terminated) as ei:
        with ExitStack() as stack:
            for p in paths:
                stack.enter_context(open_output(p)).write(p)
            with defer_signals():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.01)  # the handler runs here, and only records the signal
                stack.close()
    assert ei.value.exit_code == 143
    assert [open(p).read() for p in paths] == paths
    assert temps(str(tmp_path)) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler removed again


def test_output_error_removes_the_temporary_file(tmp_path):
    from tracelint.io.writers import open_output
    p = tmp_path / "o.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError):
        with open_output(str(p)) as fh:
            fh.write("new, incomplete")
            raise RuntimeError("boom")
    assert p.read_text() == "old"
    assert os.listdir(tmp_path) == ["o.txt"]


def test_report_outputs_are_atomic(tmp_path, monkeypatch):
    """The HTML page fails to render: neither the new JSON nor the new HTML appears; the
    previous files are left as they were."""
    import tracelint.report.html as html
    from tracelint.cli import main
    sys.path.insert(0, HERE)
    import corpus
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(corpus.jl(corpus.good(i)) for i in range(5)))
    j, h = tmp_path / "r.json", tmp_path / "r.html"
    j.write_text("old json")
    h.write_text("old html")

    def boom(*a, **k):
        raise MemoryError("render failed")
    monkeypatch.setattr(html, "render_html", boom)
    assert main(["report", str(src), "--json", str(j), "--html", str(h), "-q",
                 "--bootstrap", "0"]) == 2  # "internal error", one line
    assert j.read_text() == "old json" and h.read_text() == "old html"
    assert temps(str(tmp_path)) == []


@pytest.mark.parametrize("cmd", ["score", "filter", "report-json", "report-html"])
def test_output_is_never_an_input(tmp_path, cmd):
    """Refused before any output is written, also through a symlink (filter: the errors
    output too, which is otherwise opened only at the first unreadable record); exit 2."""
    from tracelint.cli import main
    src = tmp_path / "in.jsonl"
    data = b'{"id": "a", "reasoning": "2 + 2 = 4"}\n'
    src.write_bytes(data)
    link = tmp_path / "link.jsonl"
    link.symlink_to(src)
    other = str(tmp_path / "other.jsonl")
    argv = {"score": ["score", str(src), "-o", str(link), "-q"],
            "filter": ["filter", str(src), "--keep", other, "--reject", str(tmp_path / "r"),
                       "--errors", str(link), "-q"],
            "report-json": ["report", str(src), "--json", str(link), "-q"],
            "report-html": ["report", str(src), "--html", str(link), "-q"]}[cmd]
    assert main(argv) == 2
    assert src.read_bytes() == data
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl", "link.jsonl"]
