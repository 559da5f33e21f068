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
from typing import Dict, List, Optional, Tuple

import numpy as np
import regex
from rapidfuzz.distance import LCSseq

__all__ = [
    "UNIT_PATTERN", "encode_units", "suffix_array", "lcp_array", "repeat_mask", "top_ngram",
    "prev_occurrence", "periodic_runs", "periodic_tail", "matching_spans", "near_repeats",
    "new_numbers", "claim_lex", "CLAIM_LEX_GROUPS", "json_string_decode",
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
        m = match(text, pos, hi)
        g = _CLAIM_GROUP_ID[m.lastgroup]
        s, e = m.start(), m.end()
        if g == 0:
            ws = s
        else:
            out.extend((g, ws if ws >= 0 else s, s, e))
            ws = -1
        pos = e
    return out


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
