"""CPU cost of numeric-claim scanning (``scan_claims``) on canonical JSONL traces.

usage: python benchmarks/claims_speed.py [FILE.jsonl] [--every N] [--repeat N] [--dump OUT]

Scans the ``reasoning`` and ``answer`` of every (or every Nth) record the way the grounding
detector does (one :class:`ClaimScanner` per trace, default limits) and prints process CPU
seconds, claims/s and MB/s (the fastest of ``--repeat`` runs: CPU time on a shared machine
varies from run to run).  The process-wide caches are emptied before each run, so a run
measures cold work.  ``--dump`` writes every claim with all its fields, one JSON line per claim: two
dumps made before and after a change to the scanner must be identical.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from tracelint.grounding import claims as C  # noqa: E402
from tracelint.grounding import parser as P  # noqa: E402

DEFAULT = os.path.expanduser("~/.cache/tracelint-bench/realdata.jsonl")


def _texts(path: str, every: int):
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i % every:
                continue
            d = json.loads(line)
            yield d.get("id"), [(f, d.get(f) or "") for f in ("reasoning", "answer") if d.get(f)]


def _row(tid, field, c: C.Claim) -> str:
    d = c.to_dict()
    d.update(id=tid, field=field, operands=[str(x) for x in c.operands],
             results=[str(x) for x in c.results], operand_spans=c.operand_spans,
             lhs_value=None if c.lhs_value is None else str(c.lhs_value),
             rhs_value=None if c.rhs_value is None else str(c.rhs_value))
    return json.dumps(d, ensure_ascii=False, sort_keys=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default=DEFAULT)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--dump")
    a = ap.parse_args()
    work = list(_texts(a.file, a.every))
    nbytes = sum(len(t.encode("utf-8")) for _, ts in work for _, t in ts)
    # a wrong irrational claim imports sympy for its message: a one-time cost, paid before
    # the clock starts (a score run imports sympy anyway)
    C.scan_claims("\u221a2 = 3")
    best = None
    for _ in range(max(1, a.repeat)):
        C._GLOBAL_CACHE.clear()
        getattr(P, "_NUM_CACHE", {}).clear()
        found = []
        t0 = time.process_time()
        for tid, ts in work:
            sc = C.ClaimScanner()
            for field, text in ts:
                found.append((tid, field, C.scan_claims(text, scanner=sc)))
        cpu = time.process_time() - t0
        best = cpu if best is None else min(best, cpu)
    cpu = best
    n = sum(len(cs) for _, _, cs in found)
    print(f"{len(work)} traces, {nbytes / 1e6:.1f} MB, {n} claims: {cpu:.2f} s CPU, "
          f"{n / cpu:.0f} claims/s, {nbytes / 1e6 / cpu:.2f} MB/s")
    if a.dump:
        with open(a.dump, "w", encoding="utf-8") as out:
            for tid, field, cs in found:
                for c in cs:
                    out.write(_row(tid, field, c) + "\n")


if __name__ == "__main__":
    main()
