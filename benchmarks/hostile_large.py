"""Large hostile inputs (issue 7) — too big for CI, run by hand:

    python benchmarks/hostile_large.py                 # 200 MB line, 50 MB traces at 3 sizes
    python benchmarks/hostile_large.py --line-mb 50 --trace-mb 10

1. **A single 200 MB line** (one record whose reasoning is 200 MB of varied text, between two
   ordinary records) through ``tracelint score``: exit code, records out, wall time, peak RSS.
2. **Linear time** on three 50 MB traces: no repetition (every sentence new), one repeated
   character, a two-letter alphabet (random a/b words).  Each is scored at 1/4, 1/2 and the
   full size (``tracelint score`` in a subprocess, ``--jobs 1``); the script prints wall and
   CPU seconds and MB/s per size and the ratio of CPU time(full) / time(quarter), which is 4
   for linear time (a quadratic step would give 16).

Everything runs in subprocesses with a timeout (default 1800 s each), so a hang or a crash
shows as such.  Files are written to a temporary directory and removed.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def varied_text(nbytes: int, seed: int = 1) -> str:
    """Text with no repeated sentence: every sentence carries its own counter and a random
    choice of words."""
    rng = random.Random(seed)
    words = ("we compute the sum of terms then carry one check each digit and compare with "
             "previous result so next value equals").split()
    out, size, i = [], 0, 0
    while size < nbytes:
        s = " ".join(rng.choice(words) for _ in range(10)) + f" {i} {rng.randrange(10**9)}."
        out.append(s)
        size += len(s) + 1
        i += 1
    return " ".join(out)[:nbytes]


def one_char(nbytes: int) -> str:
    return "a" * nbytes


def two_letters(nbytes: int, seed: int = 2) -> str:
    rng = random.Random(seed)
    # words of a and b (length 1..8), so the unit splitter sees many distinct units
    out, size = [], 0
    while size < nbytes:
        w = "".join(rng.choice("ab") for _ in range(rng.randint(1, 8)))
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:nbytes]


def write_record(path: str, reasoning: str, with_neighbours: bool = False) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        if with_neighbours:
            fh.write(json.dumps({"id": "before", "reasoning": "2+2 = 4.", "answer": "4"}) + "\n")
        fh.write(json.dumps({"id": "big", "reasoning": reasoning, "answer": "42"}) + "\n")
        if with_neighbours:
            fh.write(json.dumps({"id": "after", "reasoning": "3*3 = 9.", "answer": "9"}) + "\n")


def run_score(path: str, timeout: float, extra=()):
    out = path + ".out.jsonl"
    t0 = time.perf_counter()
    # a fresh wrapper per run, so the peak RSS is this run's (RUSAGE_CHILDREN of this
    # process would be the maximum over every earlier run too)
    wrap = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]).returncode; "
            "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "sys.stderr.write('\\nCPU_S=%.3f' % (u.ru_utime + u.ru_stime)); "
            "sys.stderr.write('\\nPEAK_RSS_KB=%d' % u.ru_maxrss); sys.exit(r)")
    try:
        p = subprocess.run([sys.executable, "-c", wrap, sys.executable, "-m", "tracelint.cli",
                            "score", path, "-q", "-o", out, *extra], cwd=ROOT,
                           capture_output=True,
                           timeout=timeout, env={**os.environ, "PYTHONPATH": ROOT})
    except subprocess.TimeoutExpired:
        return {"rc": "timeout", "seconds": timeout}
    dt = time.perf_counter() - t0
    tail = p.stderr.rsplit(b"PEAK_RSS_KB=", 1)
    rss = int(tail[1]) if len(tail) == 2 else 0
    cpu_tail = tail[0].rsplit(b"CPU_S=", 1)
    cpu = float(cpu_tail[1]) if len(cpu_tail) == 2 else float("nan")
    tail = cpu_tail
    lines = open(out, "rb").read().count(b"\n") if os.path.exists(out) else 0
    labels = []
    if os.path.exists(out):
        for ln in open(out, encoding="utf-8"):
            d = json.loads(ln)
            labels.append(d.get("label") or "error")
        os.unlink(out)
    return {"rc": p.returncode, "seconds": dt, "cpu_seconds": cpu, "records_out": lines,
            "labels": labels,
            "peak_rss_mb": rss / 1024, "traceback": b"Traceback" in p.stderr,
            "stderr": tail[0].decode("utf-8", "replace")[-300:]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--line-mb", type=float, default=200)
    ap.add_argument("--trace-mb", type=float, default=50)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--skip-line", action="store_true")
    ap.add_argument("--skip-linear", action="store_true")
    ap.add_argument("--max-text-chars", type=int, metavar="N",
                    help="passed to tracelint score (default: tracelint's, 64,000,000 "
                         "characters, which makes the 200 MB line an error record; give "
                         "300000000 to analyse it)")
    ap.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = ap.parse_args()
    results = {"line": None, "linear": {}}
    extra = ["--max-text-chars", str(args.max_text_chars)] if args.max_text_chars else []
    with tempfile.TemporaryDirectory() as d:
        if not args.skip_line:
            n = int(args.line_mb * 1e6)
            path = os.path.join(d, "line.jsonl")
            write_record(path, varied_text(n), with_neighbours=True)
            r = run_score(path, args.timeout, extra)
            r["mb"] = args.line_mb
            results["line"] = r
            print(f"single {args.line_mb:g} MB line: rc={r['rc']} records_out="
                  f"{r.get('records_out')} (expect 3) {r['seconds']:.1f}s "
                  f"({args.line_mb / r['seconds']:.2f} MB/s) peak RSS "
                  f"{r.get('peak_rss_mb', 0):.0f} MB labels={r.get('labels')} "
                  f"traceback={r.get('traceback')}", flush=True)
            os.unlink(path)
        for name, gen in (() if args.skip_linear else (
                ("no-repetition", varied_text), ("one-character", one_char),
                ("two-letter-alphabet", two_letters))):
            rows = []
            for frac in (0.25, 0.5, 1.0):
                mb = args.trace_mb * frac
                path = os.path.join(d, f"{name}.jsonl")
                write_record(path, gen(int(mb * 1e6)))
                r = run_score(path, args.timeout, extra)
                r["mb"] = mb
                rows.append(r)
                print(f"{name:20} {mb:6.1f} MB  rc={r['rc']}  {r['seconds']:7.1f}s wall  "
                      f"{r.get('cpu_seconds', 0):7.1f}s CPU  "
                      f"{mb / r.get('cpu_seconds', r['seconds']):6.2f} MB/s CPU  "
                      f"label={r.get('labels')}  peak RSS {r.get('peak_rss_mb', 0):.0f} MB",
                      flush=True)
                os.unlink(path)
            # CPU time (user + sys of the run): wall-clock time on a shared machine measures
            # the other processes too (a wall-clock ratio of 12 here was 4.4 in CPU time)
            ratio = rows[-1]["cpu_seconds"] / rows[0]["cpu_seconds"]
            print(f"{name:20} CPU time(full)/time(quarter) = {ratio:.2f} (linear: 4)",
                  flush=True)
            results["linear"][name] = {"rows": rows, "ratio": ratio}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
