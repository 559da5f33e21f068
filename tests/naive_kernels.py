"""Obviously-correct (and slow) references for the kernels of tracelint.ngram.

Each function follows the definition in the kernel's docstring as literally as possible:
brute force, quadratic or worse, plain Python lists.  Only for small inputs in tests.
"""
from __future__ import annotations

import functools
import math

import regex


def _units(s):
    out = [int(x) for x in s]
    if any(x < 0 for x in out):
        raise ValueError("unit ids must be >= 0")
    return out


# ---------------------------------------------------------------------------------------
# text units: a character-by-character scanner over the four alternatives of the spec,
# with each character class tested on its own by the regex module


@functools.lru_cache(maxsize=None)
def _is(cls: str, ch: str) -> bool:
    return regex.fullmatch(cls, ch) is not None


def _cjk(ch):
    return _is(r"\p{Han}", ch) or _is(r"\p{Hiragana}", ch) or _is(r"\p{Katakana}", ch)


def _digit(ch):
    return _is(r"\p{Nd}", ch)


def _mark(ch):
    return _is(r"\p{M}", ch)


def _word_start(ch):
    return (_is(r"\p{L}", ch) or _is(r"\p{N}", ch) or ch == "_") and not _cjk(ch)


def _word_cont(ch):
    return _word_start(ch) or (_mark(ch) and not _cjk(ch))


def _space(ch):
    return _is(r"\s", ch)


def naive_encode_units(text, vocab):
    """Returns lists (ids, starts, ends, kinds)."""
    ids, starts, ends, kinds = [], [], [], []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        j = i + 1
        if _cjk(ch):
            kind = 2
            while j < n and _mark(text[j]):
                j += 1
        elif _digit(ch):
            kind = 1
            while j < n and _digit(text[j]):
                j += 1
            if j + 1 < n and text[j] == "." and _digit(text[j + 1]):
                j += 2
                while j < n and _digit(text[j]):
                    j += 1
        elif _word_start(ch):
            kind = 0
            while j < n and _word_cont(text[j]):
                j += 1
        elif not _space(ch):
            kind = 3
            while j < n and _mark(text[j]):
                j += 1
        else:
            i += 1
            continue
        unit = text[i:j]
        key = unit.lower() if kind == 0 else unit
        ids.append(vocab.setdefault(key, len(vocab)))
        starts.append(i)
        ends.append(j)
        kinds.append(kind)
        i = j
    return ids, starts, ends, kinds


# ---------------------------------------------------------------------------------------
# suffixes


def naive_suffix_array(s):
    s = _units(s)
    return sorted(range(len(s)), key=lambda i: s[i:])


def _lcp(s, i, j):
    k = 0
    while i + k < len(s) and j + k < len(s) and s[i + k] == s[j + k]:
        k += 1
    return k


def naive_lcp_array(s, sa):
    s = _units(s)
    sa = [int(x) for x in sa]
    return [0] + [_lcp(s, sa[i - 1], sa[i]) for i in range(1, len(sa))] if sa else []


# ---------------------------------------------------------------------------------------
# n-grams


def _count(s, u):
    """Occurrences of the list u in the list s, overlapping."""
    return sum(1 for j in range(len(s) - len(u) + 1) if s[j:j + len(u)] == u)


def naive_repeat_mask(s, min_len):
    if min_len < 1:
        raise ValueError("min_len must be >= 1")
    s = _units(s)
    n = len(s)
    mask = [0] * n
    for i in range(n):
        for length in range(min_len, n - i + 1):
            if _count(s, s[i:i + length]) >= 2:
                for q in range(i, i + length):
                    mask[q] = 1
            else:
                break  # a longer substring at i cannot occur more often
    return mask


def naive_top_ngram(s, n):
    if n < 1:
        raise ValueError("n must be >= 1")
    s = _units(s)
    if len(s) < n:
        return (0, 0, -1)
    best = None
    for i in range(len(s) - n + 1):
        u = s[i:i + n]
        if any(s[j:j + n] == u for j in range(i)):
            continue  # not a first occurrence
        c = _count(s, u)
        if best is None or c > best[0]:
            best = (c, i)
    count, first = best
    u = s[first:first + n]
    covered = set()
    for j in range(len(s) - n + 1):
        if s[j:j + n] == u:
            covered.update(range(j, j + n))
    return (count, len(covered), first)


def naive_prev_occurrence(s, n):
    if n < 1:
        raise ValueError("n must be >= 1")
    s = _units(s)
    out = []
    for i in range(max(len(s) - n + 1, 0)):
        prev = -1
        for j in range(i - 1, -1, -1):
            if s[j:j + n] == s[i:i + n]:
                prev = j
                break
        out.append(prev)
    return out


# ---------------------------------------------------------------------------------------
# periodicity


def _smallest_period(u):
    for q in range(1, len(u) + 1):
        if all(u[k] == u[k + q] for k in range(len(u) - q)):
            return q
    return len(u)


def naive_periodic_runs(s, min_period, max_period, min_repeats, min_len):
    if min_period < 1:
        raise ValueError("min_period must be >= 1")
    if math.isnan(min_repeats):
        raise ValueError("min_repeats must not be NaN")
    s = _units(s)
    n = len(s)
    rows = []
    for p in range(min_period, max_period + 1):
        i = 0
        while i < n - p:
            if s[i] != s[i + p]:
                i += 1
                continue
            j = i
            while j < n - p and s[j] == s[j + p]:
                j += 1
            start, end = i, j + p  # maximal interval with period p
            length = end - start
            if (length >= min_repeats * p and length >= min_len
                    and _smallest_period(s[start:end]) == p):
                rows.append((start, end, p))
            i = j
    return sorted(rows)


def naive_periodic_tail(s, max_period):
    if max_period < 1:
        raise ValueError("max_period must be >= 1")
    s = _units(s)
    n = len(s)
    best_p, best_len = 0, 0
    for p in range(1, min(max_period, n // 2) + 1):
        c = 0
        i = n - p - 1
        while i >= 0 and s[i] == s[i + p]:
            c += 1
            i -= 1
        length = p + c
        if length >= 2 * p and length > best_len:
            best_p, best_len = p, length
    if best_p == 0:
        return (0, 0.0, n)
    return (best_p, best_len / best_p, n - best_len)


# ---------------------------------------------------------------------------------------
# prompt copying


def _find(t, u):
    for j in range(len(t) - len(u) + 1):
        if t[j:j + len(u)] == u:
            return j
    return -1


def naive_matching_spans(s, t, min_len):
    if min_len < 1:
        raise ValueError("min_len must be >= 1")
    s = _units(s)
    t = _units(t)
    rows = []
    prev_end = -1
    for i in range(len(s)):
        m = 0
        while i + m < len(s) and _find(t, s[i:i + m + 1]) >= 0:
            m += 1
        if m >= min_len and i + m > prev_end:
            rows.append((i, i + m, _find(t, s[i:i + m])))
            prev_end = i + m
    return rows


# ---------------------------------------------------------------------------------------
# per-trace kernels of the repetition detector


def naive_repeat_cover(s, ks):
    """For each k: the share of positions covered by a substring of length >= k that occurs
    at least twice (the positions naive_repeat_mask marks)."""
    s = _units(s)
    out = []
    for k in ks:
        if k < 1:
            raise ValueError("every k must be >= 1")
        out.append(sum(naive_repeat_mask(s, k)) / len(s) if s else 0.0)
    return out


def naive_novelty_shares(s, n, bins):
    """Per stretch of n-gram starts (cut at int(j * (m / bins)), float64), the share of
    starts whose n-gram occurs at no earlier start; 1.0 for an empty stretch."""
    s = _units(s)
    m = len(s) - n + 1
    if m <= 0:
        return []
    grams = [tuple(s[i:i + n]) for i in range(m)]
    new = [grams[i] not in grams[:i] for i in range(m)]
    cuts = [int(j * (m / bins)) for j in range(bins)] + [m]
    out = []
    for j in range(bins):
        lo, hi = cuts[j], cuts[j + 1]
        out.append(sum(new[lo:hi]) / (hi - lo) if hi > lo else 1.0)
    return out


def naive_segment_bounds(text, ids, starts, ends, end_ids, cap, hard_end_ids=()):
    """Cuts before unit i at a line break in the gap, after an end mark followed by a
    gap, or after a hard end mark; then, inside each piece longer than cap, walk its units in order, cutting after an
    anchor unit once at least max(1, cap // 4) units have passed since the last cut, and
    wherever 4 * cap units pass without a cut."""
    n = len(ids)
    if n == 0:
        return [0]
    ends_set = set(end_ids)
    cuts = [0]
    for i in range(1, n):
        gap = text[ends[i - 1]:starts[i]]
        if "\n" in gap or (gap and ids[i - 1] in ends_set) or ids[i - 1] in hard_end_ids:
            cuts.append(i)
    cuts.append(n)
    out = [0]
    for lo, hi in zip(cuts, cuts[1:]):
        if hi - lo > cap:
            last = lo
            for c in range(lo + 1, hi + 1):
                # cuts forced by a stretch of 4 * cap units without one, before c
                while c - last > 4 * cap:
                    last += 4 * cap
                    out.append(last)
                anchor = ((ids[c - 1] * 0x9E3779B97F4A7C15) % 2**64) >> 61 == 0
                if anchor and c - last >= max(1, cap // 4) and c < hi:
                    out.append(c)
                    last = c
            while hi - last > 4 * cap:
                last += 4 * cap
                out.append(last)
        out.append(hi)
    return out


def naive_best_sum(weights, rep, valid, share):
    """The largest sum of gains weights[j] * (rep[j] - share) over the valid segments of
    any stretch (0.0 if none is positive), all stretches tried."""
    idx = [j for j in range(len(weights)) if valid[j]]
    g = [weights[j] * ((1.0 if rep[j] else 0.0) - share) for j in idx]
    best = 0.0
    for a in range(len(g)):
        for b in range(a + 1, len(g) + 1):
            best = max(best, sum(g[a:b]))
    return best


def naive_claim_recurrence(text, ids, kinds, starts, ends, eq_ids, op_ids, drop_ids):
    """Straight from the docstring of the kernel."""
    n = len(ids)
    claim_unit = [kinds[k] == 1 or ends[k] - starts[k] == 1 or ids[k] in op_ids
                  for k in range(n)]
    counts = {}
    claims = recur = 0
    first = -1
    windows = []  # [lo, hi] inclusive, one per '=' not inside the window before it
    for i in range(n):
        if ids[i] not in eq_ids:
            continue
        lo = i
        while lo - 1 >= 0 and i - (lo - 1) <= 8 and claim_unit[lo - 1]:
            lo -= 1
        hi = i
        while hi + 1 < n and hi + 1 - i <= 5 and claim_unit[hi + 1]:
            hi += 1
        if windows and windows[-1][0] <= i <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    for lo, hi in windows:
        key = []
        for k in range(lo, hi + 1):
            if ids[k] in drop_ids:
                continue
            word = text[starts[k]:ends[k]]
            if kinds[k] == 1 and "." in word:
                key.append(format(float(word), ".3g"))
            else:
                key.append(ids[k])
        if sum(1 for k in range(lo, hi + 1) if kinds[k] == 1 and ids[k] not in drop_ids) < 2:
            continue
        claims += 1
        before = counts.get(tuple(key), 0)
        if before >= 2:
            recur += 1
            if first < 0:
                first = starts[lo]
        counts[tuple(key)] = before + 1
    return claims, recur, first
