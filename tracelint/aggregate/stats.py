"""Small statistics used by the aggregates: ranks, Spearman's rho, OLS, quantiles, bootstrap.

Pure functions; no I/O.  Bootstraps are seeded and deterministic: the same input gives the
same interval on every run and platform (numpy's PCG64 generator, seeded from a stable hash of
a caller-given label, never from Python's salted ``hash``).
"""
from __future__ import annotations

import math
import zlib
from typing import List, Optional, Sequence, Tuple

import numpy as np

#: Default number of bootstrap resamples.
N_BOOT = 1000
#: Default seed; every bootstrap mixes it with a label (the group name, ...).
SEED = 20240805


def stable_seed(seed: int, label: str) -> int:
    """A 63-bit seed from ``seed`` and ``label`` that does not depend on PYTHONHASHSEED."""
    return (int(seed) * 1_000_003 + zlib.crc32(label.encode("utf-8"))) % (2 ** 63)


def rng_for(seed: int, label: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(stable_seed(seed, label)))


def average_ranks(values: Sequence[float]) -> List[float]:
    """Ranks 1..n, ties get the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        r = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = r
        i = j + 1
    return ranks


def pearson(x: Sequence[float], y: Sequence[float]) -> Optional[float]:
    n = len(x)
    if n < 2:
        return None
    mx = math.fsum(x) / n
    my = math.fsum(y) / n
    sxy = math.fsum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = math.fsum((a - mx) ** 2 for a in x)
    syy = math.fsum((b - my) ** 2 for b in y)
    if sxx <= 0 or syy <= 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def spearman(x: Sequence[float], y: Sequence[float]) -> Optional[float]:
    """Spearman's rho: Pearson's correlation of the average ranks (ties handled).
    ``None`` for fewer than 3 pairs or when either side is constant."""
    if len(x) != len(y):
        raise ValueError("spearman: x and y differ in length")
    if len(x) < 3:
        return None
    return pearson(average_ranks(x), average_ranks(y))


def _rank_rows(a: np.ndarray) -> np.ndarray:
    """Average ranks along axis 1 of a 2-D array (vectorised twin of :func:`average_ranks`)."""
    b, n = a.shape
    order = np.argsort(a, axis=1, kind="stable")
    sa = np.take_along_axis(a, order, axis=1)
    ranks_sorted = np.empty((b, n), dtype=float)
    pos = np.arange(1, n + 1, dtype=float)
    for r in range(b):  # ties per row: mean of positions within each run of equal values
        row = sa[r]
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        ends = np.r_[starts[1:], n]
        mean_pos = (pos[starts] + pos[ends - 1]) / 2.0
        ranks_sorted[r] = np.repeat(mean_pos, ends - starts)
    out = np.empty_like(ranks_sorted)
    np.put_along_axis(out, order, ranks_sorted, axis=1)
    return out


def spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row pair of two (B, G) arrays; NaN where undefined."""
    rx = _rank_rows(x)
    ry = _rank_rows(y)
    rx = rx - rx.mean(axis=1, keepdims=True)
    ry = ry - ry.mean(axis=1, keepdims=True)
    num = (rx * ry).sum(axis=1)
    den = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def ols_slope(x: Sequence[float], y: Sequence[float]) -> Optional[float]:
    """Least-squares slope of y on x (with intercept); ``None`` if x is constant or n < 2."""
    n = len(x)
    if n < 2 or n != len(y):
        return None
    mx = math.fsum(x) / n
    my = math.fsum(y) / n
    sxx = math.fsum((a - mx) ** 2 for a in x)
    if sxx <= 1e-300:
        return None
    return math.fsum((a - mx) * (b - my) for a, b in zip(x, y)) / sxx


def ols_fit(x: Sequence[float], y: Sequence[float]) -> Optional[Tuple[float, float]]:
    """(slope, intercept) of the least-squares line, or ``None``."""
    s = ols_slope(x, y)
    if s is None:
        return None
    n = len(x)
    return s, math.fsum(y) / n - s * math.fsum(x) / n


def quantile(values: Sequence[float], q: float) -> Optional[float]:
    """Linear-interpolation quantile (numpy's default), ``None`` for no values."""
    if not len(values):
        return None
    return float(np.quantile(np.asarray(values, dtype=float), q))


def percentile_ci(samples: np.ndarray, level: float = 0.95) -> Optional[List[float]]:
    """Percentile interval of finite bootstrap replicates, or ``None`` if there are none."""
    s = samples[np.isfinite(samples)]
    if s.size == 0:
        return None
    a = (1.0 - level) / 2.0
    return [float(np.quantile(s, a)), float(np.quantile(s, 1.0 - a))]


def bootstrap_weights(rng: np.random.Generator, n: int, n_boot: int) -> np.ndarray:
    """(n_boot, n) multiplicities of a nonparametric bootstrap of n items."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)


def bootstrap_chunks(n: int, n_boot: int, max_cells: int = 4_000_000):
    """Split ``n_boot`` replicates into chunks so that a (chunk, n) array stays small."""
    per = max(1, min(n_boot, max_cells // max(n, 1)))
    done = 0
    while done < n_boot:
        k = min(per, n_boot - done)
        yield k
        done += k
