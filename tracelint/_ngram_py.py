"""Pure-Python twin of the compiled core ``tracelint._ngram`` (built from src/_ngram.pyx).

Same public names, signatures, docstrings and results (dtypes and shapes included) as the
Cython module; this module is the readable reference implementation and the fallback when
the extension is not built (about 50x slower).  Use :mod:`tracelint.ngram`, which picks
one of the two.

All sequence kernels take ``s`` as a 1-D sequence of non-negative unit ids; anything
array-like is accepted and converted with ``np.ascontiguousarray(s, dtype=np.int32)``.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple, cast

import numpy as np
import regex
from rapidfuzz.distance import LCSseq

__all__ = [
    "UNIT_PATTERN", "encode_units", "suffix_array", "lcp_array", "repeat_mask", "top_ngram",
    "prev_occurrence", "periodic_runs", "periodic_tail", "matching_spans", "near_repeats",
    "new_numbers", "claim_lex", "CLAIM_LEX_GROUPS", "json_string_decode", "claim_lhs_run",
    "claim_rhs_run",
    "gopher_stats", "novelty_shares", "segment_bounds", "best_stretch", "claim_recurrence",
    "near_copy_windows",
]

# ---------------------------------------------------------------------------------------
# Text units.  The character classes below are shared by the pattern and (in the compiled
# core) by the code-point class table, which is generated from these very patterns.
_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
_DIGIT = r"\p{Nd}"
_WORD_START = r"[[\p{L}\p{N}_]--" + _CJK + r"]"
_WORD_CONT = r"[[\p{L}\p{M}\p{N}_]--" + _CJK + r"]"
_MARK = r"\p{M}"
_NON_SPACE = r"\S"

#: The pattern that DEFINES the unit split (leftmost alternative wins; whitespace ``\s`` is
#: skipped).  Groups: ``cjk`` (kind 2), ``number`` (kind 1), ``word`` (kind 0), ``other``
#: (kind 3).
UNIT_PATTERN = regex.compile(
    r"(?V1)"
    r"(?P<cjk>" + _CJK + _MARK + r"*)"
    r"|(?P<number>" + _DIGIT + r"+(?:\." + _DIGIT + r"+)?)"
    r"|(?P<word>" + _WORD_START + _WORD_CONT + r"*)"
    r"|(?P<other>" + _NON_SPACE + _MARK + r"*)"
)

_KIND_OF_GROUP = {"word": 0, "number": 1, "cjk": 2, "other": 3}
_INT32_MAX = 2 ** 31 - 1


def _as_units(s, name: str = "s") -> np.ndarray:
    """Forgiving conversion of an array-like of unit ids to a contiguous int32 array."""
    a = np.asarray(s)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array with ndim={a.ndim}")
    if a.dtype != np.int32 and a.size and a.dtype.kind in "iu":
        if int(a.max()) > _INT32_MAX:
            raise ValueError(f"{name}: unit ids must fit in int32")
    a = np.ascontiguousarray(a, dtype=np.int32)
    if a.size and int(a.min()) < 0:
        raise ValueError(f"{name}: unit ids must be >= 0")
    return a


def encode_units(text: str, vocab: dict) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split ``text`` into units and intern them in ``vocab``.

    The split is defined by :data:`UNIT_PATTERN`; at each position the leftmost matching
    alternative wins and whitespace (``\\s``) is skipped:

    * CJK (kind 2): one ``[\\p{Han}\\p{Hiragana}\\p{Katakana}]`` character plus any
      following marks ``\\p{M}*``;
    * NUMBER (kind 1): ``\\p{Nd}+(?:\\.\\p{Nd}+)?`` (``3.14`` is one unit; ``1,250`` is
      ``1`` ``,`` ``250``; ``3.`` is ``3`` ``.``);
    * WORD (kind 0): a non-CJK ``[\\p{L}\\p{N}_]`` character, then non-CJK
      ``[\\p{L}\\p{M}\\p{N}_]*`` (``abc123`` is one word; ``123abc`` is ``123`` ``abc``;
      ``don't`` is ``don`` ``'`` ``t``);
    * OTHER (kind 3): any other non-whitespace character plus following marks ``\\p{M}*``
      (punctuation, symbols, emoji, a lone leading combining mark, non-space controls).

    The id of a unit is ``vocab.setdefault(key, len(vocab))`` where ``key`` is the unit text
    lower-cased (``str.lower``) for words and the unit text itself for other kinds; ``vocab``
    is updated in place, so several texts (prompt and reasoning) can share one vocabulary.

    Returns ``(ids, starts, ends, kinds)``: ``ids`` int32, ``starts``/``ends`` int64
    character offsets into ``text`` (Python ``str`` indices, end exclusive), ``kinds``
    uint8 (0 word, 1 number, 2 CJK, 3 other).

    Complexity: O(len(text)) plus one dictionary operation per distinct unit (compiled
    core) or per unit (pure-Python twin).

    Example::

        >>> vocab = {}
        >>> ids, starts, ends, kinds = encode_units("The cat, the 3.5 猫!", vocab)
        >>> ids.tolist(), kinds.tolist()
        ([0, 1, 2, 0, 3, 4, 5], [0, 0, 3, 0, 1, 2, 3])
        >>> starts.tolist(), ends.tolist()
        ([0, 4, 7, 9, 13, 17, 18], [3, 7, 8, 12, 16, 18, 19])
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    ids = []
    starts = []
    ends = []
    kinds = []
    for m in UNIT_PATTERN.finditer(text):
        kind = _KIND_OF_GROUP[m.lastgroup]
        unit = m.group()
        key = unit.lower() if kind == 0 else unit
        ids.append(vocab.setdefault(key, len(vocab)))
        starts.append(m.start())
        ends.append(m.end())
        kinds.append(kind)
    return (
        np.array(ids, dtype=np.int32),
        np.array(starts, dtype=np.int64),
        np.array(ends, dtype=np.int64),
        np.array(kinds, dtype=np.uint8),
    )


# ---------------------------------------------------------------------------------------
# Suffix array and LCP


def suffix_array(s) -> np.ndarray:
    """Suffix array of ``s``: the start positions of all suffixes in lexicographic order
    (a proper prefix sorts before its extensions).

    Complexity: compiled core SA-IS (induced sorting), O(n) time, about 3n bytes of work
    memory besides the output plus O(alphabet); ids of 2n + 1024 and more are first
    compacted (O(n log n)).  Pure-Python twin: prefix doubling with numpy sorts,
    O(n log^2 n).

    Example::

        >>> suffix_array([2, 1, 2, 1, 0]).tolist()     # "cbcba"
        [4, 3, 1, 2, 0]
    """
    a = _as_units(s)
    n = a.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    rank = np.unique(a, return_inverse=True)[1].astype(np.int64).reshape(-1)
    k = 1
    while True:
        second = np.full(n, -1, dtype=np.int64)
        if k < n:
            second[: n - k] = rank[k:]
        sa = np.lexsort((second, rank))
        r, t = rank[sa], second[sa]
        new_group = np.ones(n, dtype=bool)
        new_group[1:] = (r[1:] != r[:-1]) | (t[1:] != t[:-1])
        rank = np.empty(n, dtype=np.int64)
        rank[sa] = np.cumsum(new_group) - 1
        if rank.max() == n - 1:
            return sa.astype(np.int32)
        k *= 2


def lcp_array(s, sa) -> np.ndarray:
    """LCP array (Kasai et al.): ``lcp[0] = 0`` and ``lcp[i]`` is the length of the longest
    common prefix of the suffixes starting at ``sa[i-1]`` and ``sa[i]``.

    ``sa`` must be the suffix array of ``s`` (at least a permutation of ``range(len(s))``,
    else ValueError).  Complexity: O(n) (the compiled core uses the text-order Phi variant
    of Kasai's algorithm).

    Example::

        >>> s = [2, 1, 2, 1, 0]
        >>> lcp_array(s, suffix_array(s)).tolist()
        [0, 0, 1, 0, 2]
    """
    a = _as_units(s)
    p = _as_units(sa, "sa")
    n = a.shape[0]
    if p.shape[0] != n or not np.array_equal(np.sort(p), np.arange(n, dtype=np.int32)):
        raise ValueError("sa must be a permutation of range(len(s))")
    text = a.tolist()
    order = p.tolist()
    rank = [0] * n
    for i, pos in enumerate(order):
        rank[pos] = i
    lcp = [0] * n
    h = 0
    for i in range(n):
        r = rank[i]
        if r == 0:
            h = 0
            continue
        j = order[r - 1]
        while i + h < n and j + h < n and text[i + h] == text[j + h]:
            h += 1
        lcp[r] = h
        if h:
            h -= 1
    return np.array(lcp, dtype=np.int32)


# ---------------------------------------------------------------------------------------
# n-grams


def _ngram_ids(a: np.ndarray, n: int) -> np.ndarray:
    """Ids of the n-grams of ``a`` (one per start 0 .. len(a)-n): equal ids iff equal
    n-grams.  Doubling: ids of 2L-grams are the ranks of pairs of L-gram ids."""
    count = a.shape[0] - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.int64)

    def pair(x: np.ndarray, y: np.ndarray, off: int, length: int) -> np.ndarray:
        key = x[:length] * (int(y.max()) + 1) + y[off: off + length]
        return np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)

    power = np.unique(a, return_inverse=True)[1].reshape(-1).astype(np.int64)  # 1-grams
    power_len = 1
    acc: Optional[np.ndarray] = None
    acc_len = 0
    rest = n
    while True:
        if rest & 1:
            if acc is None:
                acc = power
            else:
                acc = pair(acc, power, acc_len, a.shape[0] - (acc_len + power_len) + 1)
            acc_len += power_len
        rest >>= 1
        if not rest:
            break
        power = pair(power, power, power_len, a.shape[0] - 2 * power_len + 1)
        power_len *= 2
    assert acc is not None
    return acc[:count]


def _check_n(n: int, name: str = "n") -> int:
    n = int(n)
    if n < 1:
        raise ValueError(f"{name} must be >= 1")
    return n


def repeat_mask(s, min_len: int) -> np.ndarray:
    """Mask of the positions that lie inside a repeated substring.

    ``mask[i] = 1`` iff position ``i`` lies inside some occurrence of a substring of length
    ``>= min_len`` that occurs at least twice in ``s`` (occurrences may overlap).  This is
    the same as the union of the windows ``[j, j + min_len)`` of every ``min_len``-gram that
    occurs at least twice, so ``repeat_mask(s, n).mean()`` is Gopher's ``dup_ngram_frac``
    on units.  ``min_len < 1`` raises ValueError.  Returns uint8 of length ``len(s)``.

    Complexity: O(n log min_len) (n-gram ids by doubling with counting sorts).

    Example::

        >>> repeat_mask([1, 2, 3, 9, 1, 2, 3, 8], 3).tolist()
        [1, 1, 1, 0, 1, 1, 1, 0]
    """
    a = _as_units(s)
    min_len = _check_n(min_len, "min_len")
    n = a.shape[0]
    ids = _ngram_ids(a, min_len)
    mask = np.zeros(n, dtype=np.uint8)
    if ids.shape[0] == 0:
        return mask
    counts = np.bincount(ids)
    starts = np.flatnonzero(counts[ids] >= 2)
    delta = np.zeros(n + 1, dtype=np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, starts + min_len, -1)
    mask[np.cumsum(delta[:n]) > 0] = 1
    return mask


def top_ngram(s, n: int) -> Tuple[int, int, int]:
    """The most frequent n-gram of ``s``.

    Occurrences are counted with overlaps; ties are broken by the earliest first
    occurrence.  Returns ``(count, covered, first_pos)``: its number of occurrences, the
    number of positions in the union of its occurrences, and its first start.  For
    ``len(s) < n`` returns ``(0, 0, -1)``; ``n < 1`` raises ValueError.  Gopher's
    ``top_ngram_frac[n]`` is ``covered / len(s)``.

    Complexity: O(len(s) log n).

    Example::

        >>> top_ngram([5, 5, 5, 5, 7], 2)   # (5, 5) at 0, 1, 2
        (3, 4, 0)
    """
    a = _as_units(s)
    n = _check_n(n)
    ids = _ngram_ids(a, n)
    if ids.shape[0] == 0:
        return (0, 0, -1)
    counts = np.bincount(ids)
    _, first = np.unique(ids, return_index=True)  # first start of every id (ids are 0..k-1)
    best_count = int(counts.max())
    best = int(np.flatnonzero(counts == best_count)[np.argmin(first[counts == best_count])])
    pos = np.flatnonzero(ids == best)
    covered = np.zeros(a.shape[0], dtype=bool)
    for p in pos.tolist():
        covered[p: p + n] = True
    return (best_count, int(covered.sum()), int(pos[0]))


def prev_occurrence(s, n: int) -> np.ndarray:
    """Previous occurrence of every n-gram.

    For each start ``i`` in ``0 .. len(s)-n``: the largest ``j < i`` with
    ``s[j:j+n] == s[i:i+n]``, else -1.  Exact (n-grams are compared by exact ids, no
    unverified hashing).  Returns int64 of length ``max(len(s)-n+1, 0)``; ``n < 1`` raises
    ValueError.

    Complexity: O(len(s) log n).

    Example::

        >>> prev_occurrence([1, 2, 1, 2, 1], 2).tolist()
        [-1, -1, 0, 1]
    """
    a = _as_units(s)
    n = _check_n(n)
    ids = _ngram_ids(a, n)
    out = np.full(ids.shape[0], -1, dtype=np.int64)
    if ids.shape[0] == 0:
        return out
    order = np.argsort(ids, kind="stable")  # grouped by id, positions ascending
    same = ids[order[1:]] == ids[order[:-1]]
    out[order[1:][same]] = order[:-1][same]
    return out


# ---------------------------------------------------------------------------------------
# Periodicity


def _smallest_period(seq) -> int:
    """Smallest period of a non-empty list (Knuth-Morris-Pratt failure function)."""
    m = len(seq)
    fail = [0] * m
    k = 0
    for i in range(1, m):
        while k and seq[i] != seq[k]:
            k = fail[k - 1]
        if seq[i] == seq[k]:
            k += 1
        fail[i] = k
    return m - fail[-1]


def _prime_factors(p: int):
    out = []
    d = 2
    while d * d <= p:
        if p % d == 0:
            out.append(d)
            while p % d == 0:
                p //= d
        d += 1
    if p > 1:
        out.append(p)
    return out


def periodic_runs(s, min_period: int, max_period: int, min_repeats: float,
                  min_len: int) -> np.ndarray:
    """All maximal periodic runs with a primitive period in ``[min_period, max_period]``.

    For a period ``p``, a *p-stretch* is a maximal interval ``[x, y)`` of positions ``i``
    with ``s[i] == s[i+p]``; it makes the *p-interval* ``[x, y + p)``, the maximal interval
    of period ``p`` around it.  A row ``(start, end, p)`` is reported for every p-interval
    ``[start, end)`` such that

    * ``min_period <= p <= max_period``;
    * ``p`` is the smallest period of ``s[start:end]`` (primitive period);
    * ``end - start >= min_repeats * p`` (compared in floating point) and
      ``end - start >= min_len``.

    Multiples of a period are never reported: an interval that also has a smaller period
    ``q`` is the q-interval of ``q`` as well and is reported once, as ``(start, end, q)``,
    and only if ``q`` itself is in range (e.g. ``abababab`` with periods 1..4 gives only
    ``(0, 8, 2)``, not ``(0, 8, 4)``; with ``min_period=3`` it gives nothing).  For
    ``min_repeats >= 2`` these are exactly the runs (maximal repetitions) of stringology.
    Rows are sorted by ``(start, period)``; returns int64 of shape ``(k, 3)`` (``(0, 3)``
    when empty).  ``min_period < 1`` or a NaN ``min_repeats`` raises ValueError.

    Complexity (compiled core): each period ``p`` is probed at every ``g``-th position,
    ``g = max(1, ceil(min_repeats*p) - p, min_len - p)`` (any reportable p-stretch is at
    least ``g`` long), and each hit is extended exactly; stretches inside a known run of a
    divisor period are skipped in O(1).  So O(n log max_period) probes for
    ``min_repeats >= 2`` plus the lengths of the stretches found; O(n * max_period) worst
    case.  Twin: O(n * max_period) vectorised comparisons.

    Example::

        >>> periodic_runs([7, 1, 2, 1, 2, 1, 2, 9], 1, 4, 2.0, 4).tolist()
        [[1, 7, 2]]
    """
    a = _as_units(s)
    min_period = int(min_period)
    max_period = int(max_period)
    min_len = int(min_len)
    min_repeats = float(min_repeats)
    if min_period < 1:
        raise ValueError("min_period must be >= 1")
    if math.isnan(min_repeats):
        raise ValueError("min_repeats must not be NaN")
    n = a.shape[0]
    rows = []
    for p in range(min_period, min(max_period, n - 1) + 1):
        prod = min_repeats * p
        if prod > n:
            continue
        need_len = math.ceil(prod) if prod > 0 else 0
        need = max(1, need_len - p, min_len - p)  # minimal stretch length
        if need > n - p:
            continue
        eq = np.zeros(n - p + 2, dtype=np.int8)
        eq[1:-1] = a[: n - p] == a[p:]
        change = np.diff(eq)
        xs = np.flatnonzero(change == 1)
        ys = np.flatnonzero(change == -1)
        keep = (ys - xs) >= need
        for x, y in zip(xs[keep].tolist(), ys[keep].tolist()):
            length = y - x + p
            if length >= 2 * p:
                root = a[x: x + p]
                primitive = all(not np.array_equal(root[: p - p // r], root[p // r:])
                                for r in _prime_factors(p))
            else:
                primitive = _smallest_period(a[x: x + length].tolist()) == p
            if primitive:
                rows.append((x, x + length, p))
    rows.sort()
    if not rows:
        return np.zeros((0, 3), dtype=np.int64)
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def periodic_tail(s, max_period: int) -> Tuple[int, float, int]:
    """The longest periodic suffix of ``s``.

    For each period ``1 <= p <= min(max_period, len(s) // 2)`` the suffix of period ``p``
    has length ``L_p = p + c_p``, where ``c_p`` is the number of trailing positions ``i``
    (counted back from the end) with ``s[i] == s[i+p]``.  Among the ``p`` with
    ``L_p >= 2p`` (at least two full periods) the one with the largest ``L_p`` wins, ties
    going to the smallest ``p``.  Returns ``(period, repeats, onset)`` with
    ``repeats = L_p / p`` and ``onset = len(s) - L_p``; ``(0, 0.0, len(s))`` when no ``p``
    qualifies.  ``max_period < 1`` raises ValueError.

    Complexity: O(n) (Z-function of the reversed sequence: ``c_p = Z[p]``).

    Example::

        >>> periodic_tail([9, 8, 1, 2, 3, 1, 2, 3, 1, 2], 10)   # "...(1 2 3)(1 2 3)(1 2"
        (3, 2.6666666666666665, 2)
    """
    a = _as_units(s)
    max_period = int(max_period)
    if max_period < 1:
        raise ValueError("max_period must be >= 1")
    n = a.shape[0]
    top = min(max_period, n // 2)
    if top < 1:
        return (0, 0.0, n)
    r = a[::-1].tolist()
    # Z-function of r, only the entries 1..top are needed.
    z = [0] * (top + 1)
    left = right = 0  # [left, right) is the rightmost match box r[left:right] == r[0:right-left]
    for p in range(1, top + 1):
        k = 0
        if p < right:
            k = min(right - p, z[p - left])
        while p + k < n and r[k] == r[p + k]:
            k += 1
        z[p] = k
        if p + k > right:
            left, right = p, p + k
    best_p, best_len = 0, 0
    for p in range(1, top + 1):
        length = p + z[p]
        if z[p] >= p and length > best_len:
            best_p, best_len = p, length
    if best_p == 0:
        return (0, 0.0, n)
    return (best_p, best_len / best_p, n - best_len)


# ---------------------------------------------------------------------------------------
# Prompt copying


def matching_spans(s, t, min_len: int) -> np.ndarray:
    """Maximal spans of ``s`` that occur verbatim in ``t`` (prompt copying).

    Matching statistics: ``ms[i]`` is the length of the longest prefix of ``s[i:]`` that
    occurs somewhere in ``t``.  Start ``i`` is reported iff ``ms[i] >= min_len`` and
    ``i + ms[i] > e``, where ``e`` is the end of the previously reported span (``-1`` before
    the first); since ``i + ms[i]`` never decreases, this is the same as ``ms[i] >= min_len
    and (i == 0 or ms[i] >= ms[i-1])``, i.e. a span is reported unless it is contained in
    the span starting one position earlier.  Each row is ``(s_start, s_end, t_start)`` =
    ``(i, i + ms[i], leftmost start in t of s[i:i+ms[i]])``, rows in increasing ``i``.
    Returns int64 of shape ``(k, 3)`` (``(0, 3)`` when empty); ``min_len < 1`` raises
    ValueError.

    Complexity: O(len(s) + len(t)) expected (suffix automaton of reversed ``t`` with
    hashed transitions; each state keeps its rightmost end = leftmost start in ``t``).

    Example::

        >>> matching_spans([9, 1, 2, 3, 4, 8, 3, 4], [0, 1, 2, 3, 4, 3, 4], 2).tolist()
        [[1, 5, 1], [6, 8, 3]]
    """
    a = _as_units(s)
    b = _as_units(t, "t")
    min_len = _check_n(min_len, "min_len")
    sl = a.tolist()
    # Suffix automaton of the reversed t: state 0 is the root.
    nxt: List[Dict[int, int]] = [{}]
    link = [-1]
    length = [0]
    endpos = [-1]  # largest end position (in reversed t) of the strings of the state
    last = 0
    for e, c in enumerate(reversed(b.tolist())):
        cur = len(nxt)
        nxt.append({})
        link.append(0)
        length.append(length[last] + 1)
        endpos.append(e)
        p = last
        while p != -1 and c not in nxt[p]:
            nxt[p][c] = cur
            p = link[p]
        if p != -1:
            q = nxt[p][c]
            if length[p] + 1 == length[q]:
                link[cur] = q
            else:
                clone = len(nxt)
                nxt.append(dict(nxt[q]))
                link.append(link[q])
                length.append(length[p] + 1)
                endpos.append(-1)
                while p != -1 and nxt[p].get(c) == q:
                    nxt[p][c] = clone
                    p = link[p]
                link[q] = clone
                link[cur] = clone
        last = cur
    # endpos of a state = union over its suffix-link subtree: propagate maxima upwards.
    for v in sorted(range(1, len(nxt)), key=length.__getitem__, reverse=True):
        if endpos[v] > endpos[link[v]]:
            endpos[link[v]] = endpos[v]
    # Matching statistics, scanning s right to left (= reversed s left to right).
    n = len(sl)
    tn = b.shape[0]
    ms = [0] * n
    tstart = [0] * n
    v = 0
    cur_len = 0
    for i in range(n - 1, -1, -1):
        c = sl[i]
        while v != 0 and c not in nxt[v]:
            v = link[v]
            cur_len = length[v]
        if c in nxt[v]:
            v = nxt[v][c]
            cur_len += 1
        else:
            cur_len = 0
        ms[i] = cur_len
        tstart[i] = tn - 1 - endpos[v]
    rows = []
    prev_end = -1
    for i in range(n):
        if ms[i] >= min_len and i + ms[i] > prev_end:
            rows.append((i, i + ms[i], tstart[i]))
            prev_end = i + ms[i]
    if not rows:
        return np.zeros((0, 3), dtype=np.int64)
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def near_repeats(ids, bounds, active, lookback: int, keep: int, min_shared: float,
                 max_candidates: int) -> Tuple[np.ndarray, np.ndarray]:
    """For every segment, its most similar earlier segment (near-repeat search).

    ``ids`` are unit ids, ``bounds`` (int64, length nseg+1) delimit the segments
    (segment k = ids[bounds[k]:bounds[k+1]]) and ``active`` (uint8/bool, length nseg) says
    which segments take part.  For an active segment j with distinct bigram set B_j
    (consecutive id pairs inside the segment), the candidates are the earlier active
    segments i with j - i <= ``lookback`` that appear in the index lists of at least
    ``ceil(min_shared * |B_j|)`` of its bigrams, where each bigram's index list holds the
    ``keep`` most recent active segments containing it.  The candidates are ranked by
    (shared bigrams desc, i desc) and the first ``max_candidates`` are scored with the
    Indel similarity ``2 * LCS(a, b) / (len(a) + len(b))``.  Returns ``prev`` (int64, the
    best candidate, -1 if none; ties keep the higher-ranked candidate) and ``sim``
    (float64, its similarity, 0.0 if none).  Cost: O(n * keep) index work plus
    ``max_candidates`` LCS computations per segment.

    >>> prev, sim = near_repeats([1, 2, 3, 9, 1, 2, 3], [0, 3, 4, 7], [1, 0, 1], 10, 4, 0.5, 2)
    >>> prev.tolist(), sim.tolist()
    ([-1, -1, 0], [0.0, 0.0, 1.0])
    """
    a = _as_units(ids, "ids")
    b = np.ascontiguousarray(bounds, dtype=np.int64)
    act = np.ascontiguousarray(active, dtype=np.uint8)
    nseg = b.shape[0] - 1 if b.shape[0] else 0
    if act.shape[0] != nseg:
        raise ValueError("active must have one entry per segment (len(bounds) - 1)")
    if lookback < 0 or keep < 1 or max_candidates < 1 or not (0.0 <= min_shared <= 1.0):
        raise ValueError("invalid near_repeats parameters")
    if nseg > 0 and (b[0] < 0 or b[nseg] > a.shape[0] or np.any(np.diff(b) < 0)):
        raise ValueError("bounds must be non-decreasing offsets into ids")
    prev = np.full(nseg, -1, dtype=np.int64)
    sim = np.zeros(nseg, dtype=np.float64)
    index: Dict[Tuple[int, int], List[int]] = {}
    seqs: Dict[int, List[int]] = {}
    for j in range(nseg):
        if not act[j]:
            continue
        seg = a[b[j]:b[j + 1]].tolist()
        seqs[j] = seg
        bigrams = sorted(set(zip(seg, seg[1:])))
        if bigrams:
            counts: Dict[int, int] = {}
            for bg in bigrams:
                for i in index.get(bg, ()):
                    if j - i <= lookback:
                        counts[i] = counts.get(i, 0) + 1
            need = max(1, math.ceil(min_shared * len(bigrams) - 1e-9))
            cands = sorted(((c, i) for i, c in counts.items() if c >= need),
                           key=lambda ci: (-ci[0], -ci[1]))[:max_candidates]
            best, best_i = 0.0, -1
            for _, i in cands:
                other = seqs[i]
                s = 2.0 * _lcs(other, seg) / (len(other) + len(seg))
                if s > best:
                    best, best_i = s, i
            prev[j], sim[j] = best_i, best
            for bg in bigrams:
                lst = index.setdefault(bg, [])
                lst.append(j)
                if len(lst) > keep:
                    del lst[0]
    return prev, sim


def _lcs(x: List[int], y: List[int]) -> int:
    """Length of the longest common subsequence (rapidfuzz's exact LCSseq)."""
    return int(LCSseq.similarity(x, y))


def new_numbers(ids, is_number, bounds, prev) -> np.ndarray:
    """How many number units of each segment its matched earlier segment lacks.

    For segment j with ``prev[j] >= 0``, the multiset difference between the ids of the
    number units (``is_number`` true) of segment j and those of segment ``prev[j]``: how
    many of j's numbers are not matched one-to-one by a number of the earlier segment.
    0 where ``prev[j] < 0``.  Returns int32, one entry per segment.

    >>> new_numbers([7, 1, 8, 1], [1, 0, 1, 0], [0, 2, 4], [-1, 0]).tolist()
    [0, 1]
    """
    a = _as_units(ids, "ids")
    num = np.ascontiguousarray(is_number, dtype=np.uint8)
    b = np.ascontiguousarray(bounds, dtype=np.int64)
    p = np.ascontiguousarray(prev, dtype=np.int64)
    nseg = b.shape[0] - 1 if b.shape[0] else 0
    if num.shape[0] != a.shape[0] or p.shape[0] != nseg:
        raise ValueError("is_number must match ids, prev must match the segments")
    if nseg > 0 and (b[0] < 0 or b[nseg] > a.shape[0] or np.any(np.diff(b) < 0)):
        raise ValueError("bounds must be non-decreasing offsets into ids")
    if nseg > 0 and np.any((p >= 0) & (p >= np.arange(nseg))):
        raise ValueError("prev[j] must be an earlier segment")
    out = np.zeros(nseg, dtype=np.int32)
    for j in range(nseg):
        i = int(p[j])
        if i < 0:
            continue
        mine: Dict[int, int] = {}
        for k in range(int(b[j]), int(b[j + 1])):
            if num[k]:
                mine[int(a[k])] = mine.get(int(a[k]), 0) + 1
        for k in range(int(b[i]), int(b[i + 1])):
            if num[k] and mine.get(int(a[k]), 0) > 0:
                mine[int(a[k])] -= 1
        out[j] = sum(mine.values())
    return out


# =======================================================================================
# Per-trace kernels of the repetition detector (src/_rep.pxi)
# =======================================================================================


def gopher_stats(s, ks, ns) -> Tuple[np.ndarray, np.ndarray]:
    """Gopher's repetition quantities of ``s`` from one suffix array: ``(cover, tops)``.

    ``cover`` (float64, one value per k of ``ks``) is the fraction of the positions of
    ``s`` inside a repeated substring of length >= k: position p is covered when some
    substring ``s[i:i+L]`` with ``L >= k`` and ``i <= p < i + L`` occurs at least twice in
    ``s`` (overlaps allowed), the same as ``repeat_mask(s, k).mean()`` (0.0 for an empty
    ``s``).  ``tops`` (int64, shape ``(len(ns), 3)``) holds ``top_ngram(s, n)`` for every
    n of ``ns``: ``(count, covered, first_pos)`` of the most frequent n-gram.  A k or n
    below 1 raises ValueError.  Complexity: one suffix array and LCP array, then
    O(len(s)) per k and per n (plus sorting the occurrences of each top n-gram).

    >>> cover, tops = gopher_stats([1, 2, 3, 1, 2, 4], [1, 2, 3], [2, 7])
    >>> cover.tolist(), tops.tolist()
    ([0.6666666666666666, 0.6666666666666666, 0.0], [[2, 4, 0], [0, 0, -1]])
    """
    a = _as_units(s)
    kl = [int(k) for k in ks]
    nl = [int(k) for k in ns]
    if any(k < 1 for k in kl) or any(k < 1 for k in nl):
        raise ValueError("every k and n must be >= 1")
    n = a.shape[0]
    kl = [k if k <= n else n + 1 for k in kl]  # longer than s: nothing; n + 1 fits int64
    tops = np.array([top_ngram(a, k) for k in nl], dtype=np.int64).reshape(-1, 3)
    if n == 0 or not kl:
        return np.zeros(len(kl), dtype=np.float64), tops
    sa = suffix_array(a)
    lcp = lcp_array(a, sa).astype(np.int64)
    # R[i] = longest repeated substring starting at i; p is covered for k iff some i <= p
    # with R[i] >= k reaches past p (all k in one 2-D pass)
    rank_lcp = np.maximum(lcp, np.append(lcp[1:], 0))
    longest = np.empty(n, dtype=np.int64)
    longest[sa] = rank_lcp
    pos = np.arange(n, dtype=np.int64)
    kk = np.asarray(kl, dtype=np.int64)[:, None]
    reach = np.where(longest[None, :] >= kk, (pos + longest)[None, :], 0)
    return (np.maximum.accumulate(reach, axis=1) > pos[None, :]).mean(axis=1), tops


def novelty_shares(s, n: int, bins: int) -> np.ndarray:
    """Share of new n-grams in each of ``bins`` consecutive stretches of the n-gram starts.

    An n-gram start i is *new* when ``s[i:i+n]`` does not occur at any earlier start.  The
    ``m = len(s) - n + 1`` starts are cut at ``int(j * (m / bins))`` for j = 0..bins-1 (the
    float arithmetic of ``numpy.linspace(0, m, bins + 1)``) and at m; each stretch gets
    (new starts) / (starts), or 1.0 when it holds no start.  Returns float64 of length
    ``bins``, or empty when ``m <= 0``; ``n < 1`` or ``bins < 1`` raises ValueError.

    >>> novelty_shares([1, 2, 1, 2, 1, 2], 2, 2).tolist()
    [1.0, 0.0]
    """
    a = _as_units(s)
    n = _check_n(n)
    bins = _check_n(bins, "bins")
    prev = prev_occurrence(a, n)
    m = prev.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.float64)
    edges = np.linspace(0, m, bins + 1).astype(np.int64)
    counts = np.diff(edges)
    new = np.add.reduceat((prev < 0).astype(np.int64), np.minimum(edges[:-1], m - 1))
    return np.where(counts > 0, new / np.maximum(counts, 1), 1.0)


def segment_bounds(text: str, ids, starts, ends, end_ids, cap: int, hard_end_ids=()) -> np.ndarray:
    """Boundaries of the sentence-like segments of a unit sequence (int64, starting with 0
    and ending with ``len(ids)``; segment k = units ``bounds[k] .. bounds[k+1]``).

    ``ids``/``starts``/``ends`` are the units of ``text`` (character offsets, in order,
    not overlapping).  A segment ends before unit i (1 <= i < n) when a line break lies
    between units i-1 and i, when unit i-1 has an id in ``end_ids`` (sentence-ending
    marks) and whitespace follows it, or when unit i-1 has an id in ``hard_end_ids``
    (marks that end a sentence with or without whitespace after them, such as the
    full-width ``。`` of scripts written without spaces).  A segment longer than ``cap`` units is then cut
    after *anchor* units (``(id * 0x9E3779B97F4A7C15 mod 2**64) >> 61 == 0``) that are at
    least ``max(1, cap // 4)`` units after the previous cut, and after every ``4 * cap``
    units without one.  An empty ``ids`` gives ``[0]``; ``cap < 1`` raises ValueError.

    >>> segment_bounds("a b. c\\nd e", [0, 1, 2, 3, 4, 5], [0, 2, 3, 5, 7, 9],
    ...                [1, 3, 4, 6, 8, 10], [2], 48).tolist()
    [0, 3, 4, 6]
    """
    a = _as_units(ids, "ids")
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    ends = np.ascontiguousarray(ends, dtype=np.int64)
    n = a.shape[0]
    if starts.shape[0] != n or ends.shape[0] != n:
        raise ValueError("starts and ends must have one entry per unit")
    if int(cap) < 1:
        raise ValueError("cap must be >= 1")
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    if (starts[0] < 0 or np.any(ends < starts) or ends[-1] > len(text)
            or np.any(starts[1:] < ends[:-1])):
        raise ValueError("units must be ordered, non-overlapping spans of text")
    cap = int(cap)
    cut = np.zeros(n + 1, dtype=bool)
    cut[0] = cut[n] = True
    if "\n" in text:
        arr = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        nl = np.flatnonzero(arr == 10).astype(np.int64)
        # a line break in the gap before unit i (i >= 1)
        before = np.searchsorted(nl, starts[1:]) - np.searchsorted(nl, ends[:-1])
        cut[1:n] |= before > 0
    wanted = [int(w) for w in end_ids]
    if wanted:
        is_end = np.isin(a[:-1], np.asarray(wanted, dtype=np.int64))
        cut[1:n] |= is_end & (starts[1:] > ends[:-1])
    hard = [int(w) for w in hard_end_ids]
    if hard:
        cut[1:n] |= np.isin(a[:-1], np.asarray(hard, dtype=np.int64))
    bounds = np.flatnonzero(cut).astype(np.int64)
    lengths = np.diff(bounds)
    if not (lengths.size and lengths.max() > cap):
        return bounds
    # content-defined cuts: anchors are about one unit id in eight, chosen by a fixed
    # integer hash of the id, so repeated text is cut at the same places wherever it occurs
    anchors = ((a.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(61)) == 0
    min_len = max(1, cap // 4)
    extra = []
    for lo, hi in zip(bounds[:-1][lengths > cap].tolist(), bounds[1:][lengths > cap].tolist()):
        last = lo
        for c in (np.flatnonzero(anchors[lo:hi]) + lo + 1).tolist():
            while c - last > 4 * cap:
                last += 4 * cap
                extra.append(last)
            if c - last >= min_len and c < hi:
                extra.append(c)
                last = c
        while hi - last > 4 * cap:
            last += 4 * cap
            extra.append(last)
    if not extra:
        return bounds
    return np.unique(np.concatenate([bounds, np.array(extra, dtype=np.int64)]))


def best_stretch(weights, rep, valid, share: float) -> Tuple[float, int, int]:
    """The stretch of segments where repeats most exceed the share ``share``.

    Over the segments with ``valid`` true, the gain of segment j is
    ``weights[j] * (rep[j] - share)`` (``rep`` as 0.0/1.0); invalid segments are skipped
    (they neither add nor break a stretch).  Returns ``(best, start, end)``: the largest
    sum of gains of a stretch ``start .. end-1`` found by Kadane's scan (the running sum
    restarts after the segment where it drops to <= 0; a stretch is replaced only by a
    strictly larger sum), or ``(0.0, -1, -1)`` when no sum is positive.

    >>> best_stretch([1.0, 2.0, 1.0, 4.0], [0, 1, 0, 1], [1, 1, 1, 1], 0.5)
    (2.5, 1, 4)
    """
    w = np.ascontiguousarray(weights, dtype=np.float64)
    r = np.ascontiguousarray(rep, dtype=np.uint8)
    v = np.ascontiguousarray(valid, dtype=np.uint8)
    if r.shape[0] != w.shape[0] or v.shape[0] != w.shape[0]:
        raise ValueError("weights, rep and valid must have the same length")
    gain = np.where(v != 0, w * ((r != 0).astype(np.float64) - float(share)), 0.0)
    best, cur, start, bs, be = 0.0, 0.0, 0, -1, -1
    for j, g in enumerate(gain.tolist()):
        if not v[j]:
            continue
        cur += g
        if cur <= 0.0:
            cur, start = 0.0, j + 1
        elif cur > best:
            best, bs, be = cur, start, j + 1
    return float(best), int(bs), int(be)


def claim_recurrence(text: str, ids, kinds, starts, ends, eq_ids, op_ids, drop_ids
                     ) -> Tuple[int, int, int]:
    """(claims, recurrences, char offset of the first recurrence or -1) of the units of
    ``text``.

    Around every unit whose id is in ``eq_ids`` (``=``, ``≈``) a claim window extends up to
    8 units to the left and 5 to the right over *claim units*: numbers (kind 1), units of
    one character, and ids in ``op_ids``.  Its key is the sequence of its units without
    the ids in ``drop_ids``, a number written with a ``.`` given as its value formatted
    ``.3g`` (a str), every other unit as its id (an int).  A window with fewer than two
    numbers is no claim.  An ``=`` inside the window of the ``=`` before it (a chain such
    as ``2x = 3y = -z``) widens that window to cover its own instead of opening another, so
    a chain is one claim.  A recurrence is a claim whose key occurred at least twice
    before; its offset is the start of its window.

    >>> claim_recurrence("1=1 so 1=1 so 1=1", [0, 1, 0, 2] * 2 + [0, 1, 0],
    ...                  [1, 3, 1, 0] * 2 + [1, 3, 1], [0, 1, 2, 4, 7, 8, 9, 11, 14, 15, 16],
    ...                  [1, 2, 3, 6, 8, 9, 10, 13, 15, 16, 17], [1], [], [])
    (3, 1, 14)
    """
    a = _as_units(ids, "ids")
    kinds = np.ascontiguousarray(kinds, dtype=np.uint8)
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    ends = np.ascontiguousarray(ends, dtype=np.int64)
    n = a.shape[0]
    if kinds.shape[0] != n or starts.shape[0] != n or ends.shape[0] != n:
        raise ValueError("kinds, starts and ends must have one entry per unit")
    eqs = {int(x) for x in eq_ids}
    if not eqs or n == 0:
        return 0, 0, -1
    ops = {int(x) for x in op_ids}
    drops = {int(x) for x in drop_ids}
    id_list = a.tolist()
    kind_list = kinds.tolist()
    ok = [k == 1 or e - s == 1 or u in ops
          for u, k, s, e in zip(id_list, kind_list, starts.tolist(), ends.tolist())]
    seen: Dict[tuple, int] = {}
    claims = recur = 0
    first = -1
    hi = 0
    for i in [i for i, u in enumerate(id_list) if u in eqs]:
        if i < hi:
            continue  # inside the window of a chain already read
        lo = i
        while lo > 0 and i - lo < 8 and ok[lo - 1]:
            lo -= 1
        hi = i + 1
        j = i
        while j < hi:  # every '=' inside the window widens it (a chain is one claim)
            if id_list[j] in eqs:
                e = j + 1
                while e < n and e - j < 6 and ok[e]:
                    e += 1
                hi = max(hi, e)
            j += 1
        key: list = []
        nums = 0
        for k in range(lo, hi):
            u = id_list[k]
            if u in drops:
                continue
            if kind_list[k] == 1:
                nums += 1
                word = text[starts[k]:ends[k]]
                key.append(f"{float(word):.3g}" if "." in word else u)
            else:
                key.append(u)
        if nums < 2:
            continue
        claims += 1
        t = tuple(key)
        c = seen.get(t, 0)
        if c >= 2:
            recur += 1
            if first < 0:
                first = int(starts[lo])
        seen[t] = c + 1
    return claims, recur, first


def near_copy_windows(seeds, sent_starts, sent_ends, covered) -> np.ndarray:
    """Windows of ``s`` aligned with whole sentences of ``t`` at exact seeds (near copies).

    ``seeds`` are ``matching_spans(s, t, k)`` rows ``(s_start, s_end, t_start)``;
    sentence j of ``t`` is ``sent_starts[j] .. sent_ends[j]`` (sorted, disjoint, non-empty)
    and ``covered`` (one flag per unit of ``s``) marks units already known to be copied.
    For each seed in order whose ``t_start`` lies in sentence j, the window is
    ``lo = max(0, s_start - (t_start - sent_starts[j]))``,
    ``hi = min(len(covered), lo + sent_ends[j] - sent_starts[j])``; it is returned unless
    an earlier seed gave the same ``(lo, hi)`` or every unit of it is covered.  Returns
    int64 rows ``(lo, hi, j)``, shape ``(k, 3)``.

    >>> near_copy_windows([[3, 8, 2], [9, 14, 20], [10, 15, 3]], [0, 12], [10, 25],
    ...                   [0] * 30).tolist()
    [[1, 11, 0], [1, 14, 1], [7, 17, 0]]
    """
    sd = np.ascontiguousarray(seeds, dtype=np.int64).reshape(-1, 3)
    starts = np.ascontiguousarray(sent_starts, dtype=np.int64)
    ends = np.ascontiguousarray(sent_ends, dtype=np.int64)
    cov = np.ascontiguousarray(covered, dtype=np.uint8).astype(bool)
    if starts.shape[0] != ends.shape[0]:
        raise ValueError("sent_starts and sent_ends must have the same length")
    if np.any(ends <= starts) or np.any(starts[1:] < ends[:-1]) or np.any(starts < 0):
        raise ValueError("sentences must be sorted, disjoint, non-empty and non-negative")
    if np.any(sd[:, 0] < 0) or np.any(sd[:, 2] < 0):
        raise ValueError("seed positions must be non-negative")
    n = cov.shape[0]
    rows = []
    done = set()
    if starts.shape[0]:
        for s_start, _, t_start in sd.tolist():
            j = int(np.searchsorted(starts, t_start, side="right")) - 1
            if j < 0 or not starts[j] <= t_start < ends[j]:
                continue
            a, b = int(starts[j]), int(ends[j])
            lo = max(0, s_start - (t_start - a))
            hi = min(n, lo + (b - a))
            if (lo, hi) in done or cov[lo:hi].all():
                continue
            done.add((lo, hi))
            rows.append((lo, hi, j))
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


# =======================================================================================
# Grounding: the claim tokenizer's lexer (src/_claims.pxi)
# =======================================================================================

import re as _re

#: Group numbers of :func:`claim_lex`, in the order the alternatives are tried.
CLAIM_LEX_GROUPS = ("ws", "nl", "num", "cmd", "sup", "vf", "supvar", "sub", "word", "two",
                    "ch")

_CLAIM_LEXEME = _re.compile(
    r"(?P<ws>[ \t\u00a0\u2002-\u200b\u202f\u205f\u3000]+)"
    r"|(?P<nl>\r?\n|\r)"
    r"|(?P<num>\d(?:[\d,.]*\d)?|\.\d+)"
    r"|(?P<cmd>\\(?:[A-Za-z]+|.))"
    r"|(?P<sup>\u207b?[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+)"
    r"|(?P<vf>[\u00bc-\u00be\u2150-\u215e])"
    r"|(?P<supvar>[\u2071\u207f\u02e3\u1d43-\u1d5b\u1d62-\u1d6a]+)"
    r"|(?P<sub>_(?:\{[^{}\n]{0,40}\}|[A-Za-z0-9]+))"
    r"|(?P<word>[^\W\d_\u00b2\u00b3\u00b9\u2070-\u209f\u00bc-\u00be\u2150-\u215f]+"
    r"(?:['\u2019][^\W\d_\u00b2\u00b3\u00b9\u2070-\u209f\u00bc-\u00be\u2150-\u215f]+)*"
    r"(?:['\u2019\u2032]+(?=\())?[\u2080-\u2089]*)"
    r"|(?P<two><<|>>|\*\*|==|!=|<=|>=|=>|:=|\+=|-=|\*=|/=|=<|->|<-|\.\.\.|~=)"
    r"|(?P<ch>[\s\S])"
)
_CLAIM_GROUP_ID = {name: i for i, name in enumerate(CLAIM_LEX_GROUPS)}


def claim_lex(text: str, pos: int, hi: int) -> List[int]:
    """Lexemes of the grounding tokenizer in ``text[pos:hi]`` (``hi`` acts as the end of the
    text, as ``endpos`` of ``re.match`` does), as a flat list of int quadruples
    ``[group, start_ws, start, end, ...]``.  ``group`` indexes :data:`CLAIM_LEX_GROUPS`;
    whitespace runs are not reported: ``start_ws < start`` says that whitespace starting at
    ``start_ws`` precedes the lexeme (``start_ws == start`` otherwise).  Trailing whitespace
    yields nothing.  Lexing from any position gives the same lexemes as the alternatives of
    ``tracelint.grounding.parser._TOKEN`` matched one after the other from there."""
    out: List[int] = []
    hi = min(hi, len(text))
    match = _CLAIM_LEXEME.match
    ws = -1
    while pos < hi:
        # the last alternative takes any one character: every position matches
        m = cast("_re.Match[str]", match(text, pos, hi))
        g = _CLAIM_GROUP_ID[cast(str, m.lastgroup)]
        s, e = m.start(), m.end()
        if g == 0:
            ws = s
        else:
            out.extend((g, ws if ws >= 0 else s, s, e))
            ws = -1
        pos = e
    return out


_CLAIM_FUNC_NAMES = ("sqrt|cbrt|sin|cos|tan|cot|sec|csc|arcsin|arccos|arctan|asin|acos|atan|sinh|cosh|"
               "tanh|log|ln|lg|exp|abs|floor|ceil|round|max|min|gcd|lcm|mod")
_CLAIM_CLAIM_FUNC_NAMES_REV = "|".join(w[::-1] for w in _CLAIM_FUNC_NAMES.split("|"))

#: Operator symbols the claim parser reads but does not evaluate: binary operators of the
#: Unicode mathematical blocks (circled, boxed, ring, star, logical, ...), up and down arrows,
#: geometric shapes and stars that problems define as their own operators ("2⊗w⊕7", "a □ b").
#: The runs below read across them so that a side is never cut at one (the cut-off tail,
#: "7" of "2⊗w⊕7", would be checked as if it were the side); the tokenizer makes each one an
#: operator that the evaluator refuses, so the side stays unchecked.  Also read across: the
#: known products and roots ∙ ✕ ✖ ∛ ∜.  △ stays out: it names triangles (∆ABC).
_CLAIM_UNKNOWN_OPS = (
    "\u2214\u2216\u2218\u2227\u2228\u2238\u2240\u228c-\u228e\u2293-\u22a1\u22ba-\u22bd"
    "\u22c4\u22c6\u22c7\u22c9-\u22cc\u22ce\u22cf\u22d2\u22d3\u2a22-\u2a3f\u2191\u2193"
    "\u21d1\u21d3\u25a0-\u25b2\u25b4-\u25ff\u2605\u2606\u2022")
_CLAIM_RUN_OPS = "\u2219\u2715\u2716\u221b\u221c" + _CLAIM_UNKNOWN_OPS

# Everything that can be part of a left-hand side of a claim, read leftwards on the reversed
# text, and everything that can be part of a right-hand side (and of further '=' of a chain).
# Multi-character atoms come first: the loop is greedy and does not backtrack into them.
# The first alternative of each run takes many characters at once where the original
# alternatives below would take them one at a time: characters that only one-character
# alternatives can consume (digits, operators, brackets, and spaces not before a backslash in
# the reversed text).  The loop picks the first alternative that matches and never backtracks,
# so the run ends where it ended without them (tests/test_claims_kernels.py checks this
# against the patterns without the first alternative).
_CLAIM_LHS_FAST = (r"[\d.\-+*/^\u00d7\u00f7\u00b7\u22c5\u2217\u2212\u2013\u2044\u2215()\[\]\u20ac\u00a3\u00a5"
            + _CLAIM_RUN_OPS +
            r"\u20b9\u221a\u03c0\u00b0\u2032\u2033\u00b2\u00b3\u00b9\u2070-\u209f\u00bc-\u00be"
            r"\u2150-\u215e_'\u2019]+|[ \t\u00a0\u2009\u202f]+(?!\\)|")
_CLAIM_RHS_FAST = (r"[ \t\u00a0\u2009\u202f\d.,\-+*/^\u00d7\u00f7\u00b7\u22c5\u2217\u2212\u2013\u2044\u2215%!()"
            + _CLAIM_RUN_OPS +
            r"\[\]{}$\u20ac\u00a3\u00a5\u20b9\u221a\u03c0\u00b0\u2032\u2033\u00b2\u00b3\u00b9"
            r"\u2070-\u209f\u00bc-\u00be\u2150-\u215e_'\u2019=~\u2248]+|")
_CLAIM_LHS_ALTS = (
    r"[A-Za-z]+\\"                       # \times, \frac, \sqrt (reversed)
    r"|[{}%$,;:! ]\\"                       # \{ \} \% \$ \, \; \: \! "\ "
    r"|\}[^{}\n]{0,40}\{(?:txet|mrhtam|mrtxet|xobm|tixet|emanrotarepo|fsthtam)\\"
    r"|(?:" + _CLAIM_CLAIM_FUNC_NAMES_REV + r")(?![A-Za-z])"
    r"|(?<=\()[A-Za-z]{1,12}(?![A-Za-z])"    # f( , arctan( : a function call
    r"|(?<![A-Za-z])ip(?![A-Za-z])"          # 2*pi
    r"|(?<=\))[A-Za-z'\u2019]{1,15}(?: [A-Za-z'\u2019]{1,15}){0,3}\("  # "80 (initial) + 60": a label
    r"|(?:[A-Za-z]{1,15} ){0,3}[A-Za-z]{2,15} ?(?=[\d%$)}/])"   # units after a number
    r"|(?:semit|fo|sulp|sunim|yb|dedivid|deilpitlum|rep|revo|nezod|derdnuh|dnasuoht|noillim)(?= )"
    r"|(?<![A-Za-z\u00c0-\u024f\u0370-\u03ff])[A-Za-z\u00c0-\u024f\u0370-\u03ff]"
    r"(?![A-Za-z\u00c0-\u024f\u0370-\u03ff])"   # a single letter (Latin, Greek, ...)
    r"|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]{1,2}(?=\d)"  # 3个, 4개, 5個
    r"|[ \t\u00a0\u2009\u202f]"
    r"|[\d.,]"
    r"|[-+*/^\u00d7\u00f7\u00b7\u22c5\u2217\u2212\u2013\u2044\u2215%!()\[\]{}$\u20ac\u00a3\u00a5\u20b9\u221a"
    + _CLAIM_RUN_OPS +
    r"\u03c0\u00b0\u2032\u2033\u00b2\u00b3\u00b9\u2070-\u209f\u00bc-\u00be\u2150-\u215e_'\u2019]")
_CLAIM_LHS_RUN = _re.compile("(?:" + _CLAIM_LHS_FAST + _CLAIM_LHS_ALTS + ")*")

_CLAIM_RHS_ALTS = (
    r"\\(?:text|mathrm|textrm|mbox|textit|operatorname|mathsf)\s*\{[^{}\n]{0,40}\}"
    r"|\\[A-Za-z]+"
    r"|\\[{}%$,;:! ]"
    r"|(?:" + _CLAIM_FUNC_NAMES + r")(?![A-Za-z])"
    r"|[A-Za-z]{1,12}(?=\()"
    r"|(?<![A-Za-z])pi(?![A-Za-z])"
    r"|(?:(?<=[\d%$)}/])|(?<=[\d%$)}/] ))[A-Za-z]{2,15}(?: [A-Za-z]{1,15}){0,3}"
    r"|(?:times|of|plus|minus|by|divided|multiplied|per|over|approximately|approx|about|"
    r"around|roughly|nearly|dozen|hundred|thousand|million|billion)(?= )"
    r"|(?<![A-Za-z\u00c0-\u024f\u0370-\u03ff])[A-Za-z\u00c0-\u024f\u0370-\u03ff]"
    r"(?![A-Za-z\u00c0-\u024f\u0370-\u03ff])"
    r"|[ \t\u00a0\u2009\u202f]"
    r"|[\d.,]"
    r"|[-+*/^\u00d7\u00f7\u00b7\u22c5\u2217\u2212\u2013\u2044\u2215%!()\[\]{}$\u20ac\u00a3\u00a5\u20b9\u221a"
    + _CLAIM_RUN_OPS +
    r"\u03c0\u00b0\u2032\u2033\u00b2\u00b3\u00b9\u2070-\u209f\u00bc-\u00be\u2150-\u215e_'\u2019=~\u2248]")
_CLAIM_RHS_RUN = _re.compile("(?:" + _CLAIM_RHS_FAST + _CLAIM_RHS_ALTS + ")*")


def _clip(i: int, n: int) -> int:
    return 0 if i < 0 else (n if i > n else i)


def claim_lhs_run(rev: str, pos: int, stop: int) -> int:
    """End of the left-hand-side run of a claim candidate: ``_CLAIM_LHS_RUN.match(rev, pos,
    stop).end()`` on the reversed text ``rev`` (the run reads leftwards from an anchor), with
    ``pos`` and ``stop`` clipped to the text; ``pos`` when ``stop <= pos``."""
    pos, stop = _clip(pos, len(rev)), _clip(stop, len(rev))
    # the run may be empty: it matches at every position
    return pos if stop <= pos else _CLAIM_LHS_RUN.match(rev, pos, stop).end()  # type: ignore[union-attr]


def claim_rhs_run(text: str, pos: int, stop: int) -> int:
    """End of the right-hand-side run of a claim candidate (and of the further ``=`` of a
    chain): ``_CLAIM_RHS_RUN.match(text, pos, stop).end()``, with ``pos`` and ``stop``
    clipped to the text; ``pos`` when ``stop <= pos``."""
    pos, stop = _clip(pos, len(text)), _clip(stop, len(text))
    return pos if stop <= pos else _CLAIM_RHS_RUN.match(text, pos, stop).end()  # type: ignore[union-attr]


_JSON_STRING_ESC = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
                    "t": "\t"}


def json_string_decode(text: str, pos: int) -> Tuple[str, List[int]]:
    """Decode the JSON string body that starts at ``pos`` (just after its opening quote) and
    runs to the next unescaped ``"`` or, when the JSON is truncated, to the end of ``text``.
    Returns ``(decoded, offsets)``: ``offsets[k]`` is the index in ``text`` where decoded
    character ``k`` starts, and one last entry is the index where decoding stopped.  Escapes:
    ``\\uXXXX`` (read with ``int(..., 16)``; an invalid one decodes as ``u``), ``\\n``,
    ``\\t``, ``\\"`` and the other JSON escapes; an unknown escape ``\\q`` decodes as ``q``."""
    if pos < 0:
        raise ValueError("pos must be >= 0")
    i = pos
    n = len(text)
    chars: List[str] = []
    offs: List[int] = []
    while i < n:
        c = text[i]
        if c == '"':
            break
        if c == "\\" and i + 1 < n:
            d = text[i + 1]
            if d == "u" and i + 5 < n:
                try:
                    chars.append(chr(int(text[i + 2:i + 6], 16)))
                    offs.append(i)
                    i += 6
                    continue
                except ValueError:
                    pass
            chars.append(_JSON_STRING_ESC.get(d, d))
            offs.append(i)
            i += 2
            continue
        chars.append(c)
        offs.append(i)
        i += 1
    offs.append(i)
    return "".join(chars), offs
