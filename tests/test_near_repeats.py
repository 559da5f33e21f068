"""near_repeats: compiled core == pure-Python twin == a from-the-definition reference."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracelint import _ngram_py as PY

try:
    from tracelint import _ngram as CY
except ImportError as exc:  # pragma: no cover - depends on the build
    CY = None
    CY_ERROR = str(exc)

needs_cy = pytest.mark.skipif(CY is None, reason="compiled core not built")


def _lcs(x, y):
    t = [[0] * (len(y) + 1) for _ in range(len(x) + 1)]
    for i, a in enumerate(x, 1):
        for k, b in enumerate(y, 1):
            t[i][k] = t[i - 1][k - 1] + 1 if a == b else max(t[i - 1][k], t[i][k - 1])
    return t[-1][-1]


def naive_near_repeats(ids, bounds, active, lookback, keep, min_shared, max_candidates):
    """Straight from the docstring: no index, every earlier segment examined."""
    segs = [list(ids[bounds[k]:bounds[k + 1]]) for k in range(len(bounds) - 1)]
    bigr = [sorted(set(zip(s, s[1:]))) for s in segs]
    indexed = [bool(active[k]) and bool(bigr[k]) for k in range(len(segs))]
    prev, sim = [], []
    for j, s in enumerate(segs):
        if not active[j] or not bigr[j]:
            prev.append(-1)
            sim.append(0.0)
            continue
        shared = {}
        for bg in bigr[j]:
            holders = [i for i in range(j) if indexed[i] and bg in bigr[i]][-keep:]
            for i in holders:
                if j - i <= lookback:
                    shared[i] = shared.get(i, 0) + 1
        need = max(1, math.ceil(min_shared * len(bigr[j]) - 1e-9))
        cands = sorted([(c, i) for i, c in shared.items() if c >= need],
                       key=lambda ci: (-ci[0], -ci[1]))[:max_candidates]
        best, best_i = 0.0, -1
        for _, i in cands:
            v = 2.0 * _lcs(segs[i], s) / (len(segs[i]) + len(s))
            if v > best:
                best, best_i = v, i
        prev.append(best_i)
        sim.append(best)
    return np.array(prev, dtype=np.int64), np.array(sim, dtype=np.float64)


@st.composite
def segmented(draw, max_units=160):
    alphabet = draw(st.integers(1, 6))
    n = draw(st.integers(0, max_units))
    # repeated blocks make near-repeats likely
    block = draw(st.lists(st.integers(0, alphabet), min_size=1, max_size=12))
    ids = []
    while len(ids) < n:
        if draw(st.booleans()):
            ids.extend(block)
        else:
            ids.append(draw(st.integers(0, alphabet)))
    ids = ids[:n]
    cuts = sorted(set(draw(st.lists(st.integers(0, n), max_size=40))) | {0, n})
    active = draw(st.lists(st.booleans(), min_size=len(cuts) - 1, max_size=len(cuts) - 1))
    return ids, cuts, active


SETTINGS = settings(deadline=None, max_examples=300,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(segmented(), st.integers(0, 50), st.integers(1, 5), st.sampled_from([0.0, 0.3, 0.5, 1.0]),
       st.integers(1, 4))
def test_twin_equals_reference(data, lookback, keep, share, maxc):
    ids, cuts, active = data
    exp = naive_near_repeats(ids, cuts, active, lookback, keep, share, maxc)
    got = PY.near_repeats(ids, cuts, active, lookback, keep, share, maxc)
    assert np.array_equal(got[0], exp[0]) and np.array_equal(got[1], exp[1])


@needs_cy
@SETTINGS
@given(segmented(max_units=400), st.integers(0, 80), st.integers(1, 8),
       st.sampled_from([0.0, 0.25, 0.3, 0.5, 1.0]), st.integers(1, 5))
def test_cython_equals_twin(data, lookback, keep, share, maxc):
    ids, cuts, active = data
    a = PY.near_repeats(ids, cuts, active, lookback, keep, share, maxc)
    b = CY.near_repeats(ids, cuts, active, lookback, keep, share, maxc)
    assert a[0].dtype == b[0].dtype and a[1].dtype == b[1].dtype
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@needs_cy
@settings(deadline=None, max_examples=60)
@given(st.integers(60, 300), st.integers(0, 3))
def test_long_segments_use_the_exact_lcs(length, seed):
    """Segments longer than 64 units take the dynamic-programming path; same results."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 20, size=length).tolist()
    other = [x if rng.random() > 0.2 else int(rng.integers(0, 20)) for x in base]
    ids = base + other
    cuts = [0, length, 2 * length]
    for impl in (PY, CY):
        prev, sim = impl.near_repeats(ids, cuts, [1, 1], 10, 4, 0.0, 4)
        assert prev[1] == 0
    assert PY.near_repeats(ids, cuts, [1, 1], 10, 4, 0.0, 4)[1][1] == \
        CY.near_repeats(ids, cuts, [1, 1], 10, 4, 0.0, 4)[1][1] == \
        2.0 * _lcs(base, other) / (2 * length)


@pytest.mark.parametrize("impl", [PY] + ([CY] if CY is not None else []))
def test_bad_arguments_are_refused(impl):
    with pytest.raises(ValueError):
        impl.near_repeats([1, 2], [0, 2], [1, 1], 1, 1, 0.5, 1)   # active length
    with pytest.raises(ValueError):
        impl.near_repeats([1, 2], [0, 2], [1], 1, 0, 0.5, 1)      # keep < 1
    with pytest.raises(ValueError):
        impl.near_repeats([-1, 2], [0, 2], [1], 1, 1, 0.5, 1)     # negative id


def test_docstrings_match():
    import inspect
    if CY is not None:
        # the compiled docstring starts with the embedded signature line
        cy = inspect.cleandoc(CY.near_repeats.__doc__).split("\n", 1)[1].strip()
        assert cy == inspect.cleandoc(PY.near_repeats.__doc__)


def naive_new_numbers(ids, is_number, bounds, prev):
    from collections import Counter
    out = []
    for j in range(len(bounds) - 1):
        i = prev[j]
        if i < 0:
            out.append(0)
            continue
        mine = Counter(ids[k] for k in range(bounds[j], bounds[j + 1]) if is_number[k])
        theirs = Counter(ids[k] for k in range(bounds[i], bounds[i + 1]) if is_number[k])
        out.append(sum((mine - theirs).values()))
    return np.array(out, dtype=np.int32)


@SETTINGS
@given(segmented(), st.data())
def test_new_numbers(data, draw):
    ids, cuts, _ = data
    nseg = len(cuts) - 1
    is_number = draw.draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids)))
    prev = [draw.draw(st.integers(-1, j - 1)) for j in range(nseg)]
    exp = naive_new_numbers(ids, is_number, cuts, prev)
    for impl in [PY] + ([CY] if CY is not None else []):
        got = impl.new_numbers(ids, is_number, cuts, prev)
        assert got.dtype == np.int32 and np.array_equal(got, exp)
