"""Throughput and peak memory of ``tracelint filter`` by ``--jobs`` and input size.

Builds JSON Lines inputs of growing size by repeating a real trace file (default: QwQ-32B on
GSM8K from ../shared/realdata, 4.2 MB, 582 traces), runs ``tracelint filter`` on each with
each ``--jobs`` value, and prints wall time, MB/s, records/s and the peak resident memory of
the whole process tree (the main process plus its workers, sampled every 20 ms from /proc).
Memory must stay flat as the input grows: the pipeline streams, with at most 2 x jobs
batches in flight.  It also checks that the outputs are byte-identical for every ``--jobs``.

    python benchmarks/pipeline_scale.py                       # sizes 8, 32, 96 MB; jobs 1, 2
    python benchmarks/pipeline_scale.py --sizes 16 --jobs 1 2 4 --batch-size 64

The package is copied to a temporary directory first and every run uses that copy, so that
edits made to the working tree while the benchmark runs cannot make the runs differ.  Wall
times depend on what else the machine is doing: the load average is printed with them.

Linux only (reads /proc).  Not a test: it takes minutes.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "realdata" / "mip_overthinking" / "gsm8k__normal__QwQ.jsonl"
# how that file is read (docs/realdata.md)
DEFAULT_OPTS = ["--field", "reasoning=model_answer", "--field", "prompt=question",
                "--field", "reference=answer", "--set", "model=QwQ-32B",
                "--set", "budget=32768", "--think-open", ""]


def tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in KB."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run(cmd, env):
    peak = [0]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t0 = time.perf_counter()
    t.start()
    _, err = proc.communicate()
    dt = time.perf_counter() - t0
    done.set()
    t.join()
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err.decode(errors='replace')}")
    return dt, peak[0]


def digest(paths):
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes() if Path(p).exists() else b"<none>")
    return h.hexdigest()[:16]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default=str(DEFAULT_SOURCE))
    ap.add_argument("--sizes", type=float, nargs="+", default=[8, 32, 96], metavar="MB")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--opts", nargs=argparse.REMAINDER,
                    help="reader options for --source (default: those of the QwQ file)")
    args = ap.parse_args()
    src = Path(args.source)
    if not src.is_file():
        sys.exit(f"no input {src}: pass --source FILE (and --opts ...)")
    opts = args.opts if args.opts is not None else DEFAULT_OPTS
    data = src.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    n_src = sum(1 for l in data.splitlines() if l.strip())
    tmp = Path(tempfile.mkdtemp(prefix="tracelint-bench-"))
    code = tmp / "code"
    shutil.copytree(ROOT / "tracelint", code / "tracelint",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{code}{os.pathsep}{env.get('PYTHONPATH', '')}".rstrip(os.pathsep)
    try:
        print(f"source: {src.name} ({len(data) / 1e6:.1f} MB, {n_src} records); "
              f"batch size {args.batch_size}; {os.cpu_count()} CPUs; "
              f"load average {os.getloadavg()[0]:.2f}")
        print(f"{'input MB':>9} {'records':>8} {'jobs':>5} {'seconds':>8} {'MB/s':>6} "
              f"{'rec/s':>7} {'peak RSS MB':>12}  outputs")
        for size in args.sizes:
            reps = max(1, round(size * 1e6 / len(data)))
            inp = tmp / f"in_{size:g}.jsonl"
            with open(inp, "wb") as fh:
                for _ in range(reps):
                    fh.write(data)
            nbytes = inp.stat().st_size
            digests = set()
            for jobs in args.jobs:
                outs = [tmp / f"k{jobs}.jsonl", tmp / f"r{jobs}.jsonl", tmp / f"e{jobs}.jsonl"]
                cmd = [sys.executable, "-m", "tracelint.cli", "filter", str(inp), *opts,
                       "--keep", str(outs[0]), "--reject", str(outs[1]), "--errors",
                       str(outs[2]), "--jobs", str(jobs), "--batch-size",
                       str(args.batch_size), "-q"]
                dt, peak = run(cmd, env)
                dg = digest(outs)
                digests.add(dg)
                print(f"{nbytes / 1e6:9.1f} {reps * n_src:8d} {jobs:5d} {dt:8.1f} "
                      f"{nbytes / 1e6 / dt:6.2f} {reps * n_src / dt:7.0f} {peak / 1024:12.0f}  {dg}"
                      f"  (load {os.getloadavg()[0]:.2f})", flush=True)
                for o in outs:
                    o.unlink(missing_ok=True)
            if len(digests) != 1:
                print("  !! outputs differ between --jobs values", flush=True)
            inp.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
