"""Claim scanning speed with and without the fast path, in one process, on the same traces.

    python benchmarks/grounding_speed.py                    # the canonical real-data JSONL
    python benchmarks/grounding_speed.py --input X.jsonl --every 5 --repeat 3

Reads the records once, then scans the claims of every trace (reasoning and answer, as the
grounding detector does) alternately with the fast path of
:func:`tracelint.grounding.claims._fast_span` on and off, the order swapped on every repeat,
the global span cache cleared before each pass.  Prints process CPU seconds and MB/s per pass,
the medians, and whether both passes found exactly the same claims (they must).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from convert_realdata import convert  # noqa: E402
from tracelint.analysis import _to_trace  # noqa: E402
from tracelint.config import Config  # noqa: E402
from tracelint.detectors import grounding as G  # noqa: E402
from tracelint.detectors.base import TraceContext  # noqa: E402
from tracelint.grounding import claims as C  # noqa: E402
from tracelint.grounding import parser as P  # noqa: E402


def _pass(ctxs, cfg, fast: bool):
    C._GLOBAL_CACHE.clear()
    init = C.ClaimScanner.__init__

    def patched(self, *a, **k):
        init(self, *a, **k)
        self._fast = self._fast and fast

    C.ClaimScanner.__init__ = patched
    try:
        t = time.process_time()
        found = [G._claims(c, cfg) for c in ctxs]
        return time.process_time() - t, found
    finally:
        C.ClaimScanner.__init__ = init


def _key(found):
    return [[(f, c, c.lhs_value, c.rhs_value) for f, c in cl] for cl in found]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", help="canonical JSONL (default: the converted real data)")
    ap.add_argument("--every", type=int, default=1, help="keep every n-th record")
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args(argv)
    path = a.input or str(convert())
    cfg = Config()
    ctxs, nbytes = [], 0
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i % a.every:
                continue
            nbytes += len(line.encode("utf-8"))
            try:
                ctxs.append(TraceContext(_to_trace(json.loads(line), cfg)))
            except Exception:  # noqa: BLE001 - a record the reader rejects is skipped here
                continue
    P._sympy()  # the lazy import is not scanning time
    mb = nbytes / 1e6
    times = {True: [], False: []}
    same = True
    for r in range(a.repeat):
        results = {}
        for fast in ((True, False) if r % 2 == 0 else (False, True)):
            dt, found = _pass(ctxs, cfg, fast)
            times[fast].append(dt)
            results[fast] = found
            print(f"repeat {r + 1} fast path {'on ' if fast else 'off'}: {dt:6.2f} s CPU "
                  f"{mb / dt:6.2f} MB/s", flush=True)
        same = same and _key(results[True]) == _key(results[False])
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"{len(ctxs)} traces, {mb:.1f} MB; median CPU: fast path on {on:.2f} s "
          f"({mb / on:.2f} MB/s), off {off:.2f} s ({mb / off:.2f} MB/s); "
          f"ratio {off / on:.2f}; same claims: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
