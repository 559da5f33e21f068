"""Long-running fuzz of the compiled kernels against the pure-Python twin (issue 7).

    python benchmarks/fuzz_kernels.py --minutes 10

Runs the harness of ``tests/hostile/test_fuzz_kernels.py`` (hostile int arrays, dtypes,
parameters and strings; every kernel; both implementations must agree or both refuse) with
hypothesis for the given time, in rounds of ``--examples`` inputs, and prints how many inputs
it tried per kernel and in all.  Known divergences are those the test module marks ``xfail``.
A crash of the compiled core ends this process with a signal (the exit code says which).
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "hostile"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--examples", type=int, default=2000, help="inputs per round")
    args = ap.parse_args()
    import warnings

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    import test_fuzz_kernels as F
    warnings.simplefilter("ignore")
    counts: collections.Counter = collections.Counter()
    deadline = time.monotonic() + args.minutes * 60
    rounds = 0
    while time.monotonic() < deadline:
        @settings(deadline=None, max_examples=args.examples, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def run(data):
            name = data.draw(st.sampled_from(F.KERNELS))
            counts[name] += 1
            F.step(data, name)
        run()
        rounds += 1
        total = sum(counts.values())
        print(f"round {rounds}: {total:,} inputs tried", flush=True)
    total = sum(counts.values())
    print(f"\n{total:,} inputs tried in {args.minutes:g} min, no disagreement, no crash")
    for k in F.KERNELS:
        print(f"  {k:16} {counts[k]:>10,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
