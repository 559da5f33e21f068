# Per-trace kernels of the repetition detector (included by _ngram.pyx): repeat coverage,
# the novelty curve, segment boundaries, the densest stretch of repeats and the claim
# recurrence count.  Each replaces numpy / Python glue that cost more per short trace than
# the work itself; the pure-Python twins in tracelint/_ngram_py.py are the specification.


cdef inline Py_UCS4 _uread(int kind, void* data, Py_ssize_t i) noexcept nogil:
    if kind == 1:
        return (<uint8_t*> data)[i]
    if kind == 2:
        return (<uint16_t*> data)[i]
    return (<uint32_t*> data)[i]


def gopher_stats(s, ks, ns):
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
    # (x, not k: k is a C int64 below, and Cython types comprehension variables alike)
    kl = [int(x) for x in ks]
    nl = [int(x) for x in ns]
    if any(x < 1 for x in kl) or any(x < 1 for x in nl):
        raise ValueError("every k and n must be >= 1")
    cdef Py_ssize_t n = a.shape[0]
    # a length above n means "nothing that long": n + 1 says the same and fits in int64
    kl = [x if x <= n else n + 1 for x in kl]
    nl = [x if x <= n else n + 1 for x in nl]
    cover = np.zeros(len(kl), dtype=np.float64)
    tops = np.zeros((len(nl), 3), dtype=np.int64)
    cdef int64_t[:, ::1] TP = tops
    cdef Py_ssize_t j
    for j in range(len(nl)):
        TP[j, 2] = -1
    if n == 0 or (not kl and not nl):
        return cover, tops
    sa = suffix_array(a)
    lcp = lcp_array(a, sa)
    cdef const int32_t* SA = _ptr(sa)
    cdef const int32_t* L = _ptr(lcp)
    cdef double[::1] O = cover
    cdef Py_ssize_t r, p, g, bg, be, size, best, minpos, bestpos
    cdef int64_t k, reach, cnt, v, end, covered
    cdef int64_t* R = NULL
    cdef int32_t* pos = NULL
    if kl:
        R = <int64_t*> malloc(n * sizeof(int64_t))
        if R == NULL:
            raise MemoryError()
        with nogil:
            for r in range(n):
                v = L[r]
                if r + 1 < n and L[r + 1] > v:
                    v = L[r + 1]
                R[SA[r]] = v
        for j in range(len(kl)):
            k = kl[j]
            with nogil:
                reach = 0
                cnt = 0
                for p in range(n):
                    if R[p] >= k and p + R[p] > reach:
                        reach = p + R[p]
                    if reach > p:
                        cnt += 1
                O[j] = (<double> cnt) / (<double> n)
        free(R)
    if nl:
        pos = <int32_t*> malloc(n * sizeof(int32_t))
        if pos == NULL:
            raise MemoryError()
    for j in range(len(nl)):
        k = nl[j]
        if k > n:
            continue
        with nogil:
            # runs of ranks sharing their first k units are the occurrences of one k-gram
            best = 0
            bestpos = n
            bg = be = 0
            g = 0
            minpos = SA[0]
            for r in range(1, n + 1):
                if r < n and L[r] >= k:
                    if SA[r] < minpos:
                        minpos = SA[r]
                    continue
                size = r - g
                if (size > 1 or SA[g] + k <= n) and (
                        size > best or (size == best and minpos < bestpos)):
                    best = size
                    bestpos = minpos
                    bg = g
                    be = r
                g = r
                if r < n:
                    minpos = SA[r]
            for r in range(bg, be):
                pos[r - bg] = SA[r]
            qsort(pos, be - bg, sizeof(int32_t), _cmp_i32)
            covered = 0
            end = 0
            for r in range(be - bg):
                if pos[r] >= end:
                    covered += k
                else:
                    covered += pos[r] + k - end
                end = pos[r] + k
            TP[j, 0] = best
            TP[j, 1] = covered
            TP[j, 2] = bestpos
    free(pos)
    return cover, tops


def novelty_shares(s, n, bins):
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
    nb = _check_n(bins, "bins")
    prev = prev_occurrence(a, n)
    cdef Py_ssize_t m = prev.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.float64)
    out = np.empty(nb, dtype=np.float64)
    cdef double[::1] O = out
    cdef const int64_t[::1] P = prev
    cdef Py_ssize_t j, i, lo, hi, B = nb
    cdef double step = (<double> m) / (<double> B)
    cdef int64_t new
    with nogil:
        for j in range(B):
            lo = <Py_ssize_t> ((<double> j) * step + 0.0)
            hi = m if j + 1 == B else <Py_ssize_t> ((<double> (j + 1)) * step + 0.0)
            if hi <= lo:
                O[j] = 1.0
                continue
            new = 0
            for i in range(lo, hi):
                if P[i] < 0:
                    new += 1
            O[j] = (<double> new) / (<double> (hi - lo))
    return out


def segment_bounds(text, ids, starts, ends, end_ids, cap, hard_end_ids=()):
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
    st = np.ascontiguousarray(starts, dtype=np.int64)
    en = np.ascontiguousarray(ends, dtype=np.int64)
    cdef Py_ssize_t n = a.shape[0]
    if st.shape[0] != n or en.shape[0] != n:
        raise ValueError("starts and ends must have one entry per unit")
    if int(cap) < 1:
        raise ValueError("cap must be >= 1")
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    cdef Py_ssize_t tlen = len(text)
    cdef const int64_t[::1] S = st
    cdef const int64_t[::1] E = en
    cdef Py_ssize_t i, q, c, last, lo, hi, k
    for i in range(n):
        if S[i] < 0 or E[i] < S[i] or E[i] > tlen or (i and S[i] < E[i - 1]):
            raise ValueError("units must be ordered, non-overlapping spans of text")
    cdef int64_t capv = int(cap)
    cdef int64_t min_len = capv // 4 if capv // 4 > 1 else 1
    cdef int64_t big = 4 * capv
    endset = sorted({int(x) for x in end_ids if 0 <= int(x) <= I32_MAX})
    hardset = sorted({int(x) for x in hard_end_ids if 0 <= int(x) <= I32_MAX})
    cdef Py_ssize_t ne = len(endset)
    cdef Py_ssize_t nh = len(hardset)
    cdef int32_t* EID = <int32_t*> malloc((ne + nh + 1) * sizeof(int32_t))
    cdef int64_t* out = <int64_t*> malloc((n + 1) * sizeof(int64_t))
    cdef int64_t* cuts = <int64_t*> malloc((n + 1) * sizeof(int64_t))
    if EID == NULL or out == NULL or cuts == NULL:
        free(EID); free(out); free(cuts)
        raise MemoryError()
    for i in range(ne):
        EID[i] = endset[i]
    for i in range(nh):
        EID[ne + i] = hardset[i]
    cdef const int32_t* T = _ptr(a)
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t nc = 0, no = 0
    cdef bint cut
    cdef int32_t u
    with nogil:
        # sentence and line boundaries
        cuts[nc] = 0
        nc += 1
        for i in range(1, n):
            cut = False
            u = T[i - 1]
            for k in range(ne, ne + nh):
                if EID[k] == u:
                    cut = True
                    break
            if not cut and S[i] > E[i - 1]:
                for k in range(ne):
                    if EID[k] == u:
                        cut = True
                        break
                if not cut:
                    for q in range(E[i - 1], S[i]):
                        if _uread(kind, data, q) == 10:
                            cut = True
                            break
            if cut:
                cuts[nc] = i
                nc += 1
        cuts[nc] = n
        nc += 1
        # content-defined cuts inside long segments
        out[no] = 0
        no += 1
        for k in range(nc - 1):
            lo = cuts[k]
            hi = cuts[k + 1]
            if hi - lo > capv:
                last = lo
                for i in range(lo, hi):
                    if ((<uint64_t> (<uint32_t> T[i])) * 0x9E3779B97F4A7C15ULL) >> 61 != 0:
                        continue
                    c = i + 1
                    while c - last > big:
                        last += big
                        out[no] = last
                        no += 1
                    if c - last >= min_len and c < hi:
                        out[no] = c
                        no += 1
                        last = c
                while hi - last > big:
                    last += big
                    out[no] = last
                    no += 1
            out[no] = hi
            no += 1
    res = np.empty(no, dtype=np.int64)
    cdef int64_t[::1] R = res
    for i in range(no):
        R[i] = out[i]
    free(EID); free(out); free(cuts)
    return res


def best_stretch(weights, rep, valid, share):
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
    cdef Py_ssize_t n = w.shape[0]
    if r.shape[0] != n or v.shape[0] != n:
        raise ValueError("weights, rep and valid must have the same length")
    cdef const double[::1] W = w
    cdef const uint8_t[::1] RP = r
    cdef const uint8_t[::1] V = v
    cdef double sh = float(share)
    cdef double best = 0.0, cur = 0.0, g
    cdef Py_ssize_t j, start = 0, bs = -1, be = -1
    with nogil:
        for j in range(n):
            if not V[j]:
                continue
            g = W[j] * ((1.0 if RP[j] else 0.0) - sh)
            cur += g
            if cur <= 0.0:
                cur = 0.0
                start = j + 1
            elif cur > best:
                best = cur
                bs = start
                be = j + 1
    return (float(best), int(bs), int(be))


def claim_recurrence(text, ids, kinds, starts, ends, eq_ids, op_ids, drop_ids):
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
    kd = np.ascontiguousarray(kinds, dtype=np.uint8)
    st = np.ascontiguousarray(starts, dtype=np.int64)
    en = np.ascontiguousarray(ends, dtype=np.int64)
    cdef Py_ssize_t n = a.shape[0]
    if kd.shape[0] != n or st.shape[0] != n or en.shape[0] != n:
        raise ValueError("kinds, starts and ends must have one entry per unit")
    eqs = {int(x) for x in eq_ids}
    if not eqs or n == 0:
        return (0, 0, -1)
    ops = {int(x) for x in op_ids}
    drops = {int(x) for x in drop_ids}
    cdef const int32_t* T = _ptr(a)
    cdef const uint8_t[::1] K = kd
    cdef const int64_t[::1] S = st
    cdef const int64_t[::1] E = en
    # one flag byte per unit: 1 eq, 2 claim unit, 4 dropped
    flags = np.zeros(n, dtype=np.uint8)
    cdef uint8_t[::1] F = flags
    cdef Py_ssize_t i, lo, hi, k
    cdef int32_t u
    cdef int32_t mx = -1, amax = 0
    with nogil:
        for i in range(n):
            if T[i] > amax:
                amax = T[i]
    for x in eqs | ops | drops:
        if x > mx and x <= amax:  # ids that no unit has never matter
            mx = x
    lut = np.zeros(mx + 2 if mx >= 0 else 1, dtype=np.uint8)
    cdef uint8_t[::1] LU = lut
    for x in eqs:
        if 0 <= x <= mx:
            LU[x] |= 1
    for x in ops:
        if 0 <= x <= mx:
            LU[x] |= 2
    for x in drops:
        if 0 <= x <= mx:
            LU[x] |= 4
    with nogil:
        for i in range(n):
            u = T[i]
            if u <= mx:
                F[i] = LU[u]
            if K[i] == 1 or E[i] - S[i] == 1:
                F[i] |= 2
    seen = {}
    cdef Py_ssize_t claims = 0, recur = 0, first = -1, nums, j, e
    i = 0
    while i < n:
        if not (F[i] & 1):
            i += 1
            continue
        lo = i
        while lo > 0 and i - lo < 8 and (F[lo - 1] & 2):
            lo -= 1
        # the window reaches 5 claim units past each '=' in it, so a chain is one window
        hi = i + 1
        j = i
        while j < hi:
            if F[j] & 1:
                e = j + 1
                while e < n and e - j < 6 and (F[e] & 2):
                    e += 1
                if e > hi:
                    hi = e
            j += 1
        i = hi
        key = []
        nums = 0
        for k in range(lo, hi):
            if F[k] & 4:
                continue
            if K[k] == 1:
                nums += 1
                word = text[S[k]:E[k]]
                key.append(format(float(word), ".3g") if "." in word else int(T[k]))
            else:
                key.append(int(T[k]))
        if nums < 2:
            continue
        claims += 1
        t = tuple(key)
        c = seen.get(t, 0)
        if c >= 2:
            recur += 1
            if first < 0:
                first = S[lo]
        seen[t] = c + 1
    return (int(claims), int(recur), int(first))


def near_copy_windows(seeds, sent_starts, sent_ends, covered):
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
    lo_a = np.ascontiguousarray(sent_starts, dtype=np.int64)
    hi_a = np.ascontiguousarray(sent_ends, dtype=np.int64)
    cov = np.ascontiguousarray(covered, dtype=np.uint8)
    if lo_a.shape[0] != hi_a.shape[0]:
        raise ValueError("sent_starts and sent_ends must have the same length")
    cdef Py_ssize_t ns = sd.shape[0], nj = lo_a.shape[0], n = cov.shape[0]
    cdef const int64_t[:, ::1] SD = sd
    cdef const int64_t[::1] A = lo_a
    cdef const int64_t[::1] B = hi_a
    cdef const uint8_t[::1] C = cov
    cdef Py_ssize_t i, j, lo_j, hi_j, mid
    for j in range(nj):
        if B[j] <= A[j] or (j and A[j] < B[j - 1]) or A[j] < 0:
            raise ValueError("sentences must be sorted, disjoint, non-empty and non-negative")
    for i in range(ns):
        if SD[i, 0] < 0 or SD[i, 2] < 0:
            raise ValueError("seed positions must be non-negative")
    out = np.empty((ns, 3), dtype=np.int64)
    if ns == 0 or nj == 0:
        return out[:0]
    cdef int64_t[:, ::1] O = out
    pre = np.zeros(n + 1, dtype=np.int64)
    cdef int64_t[::1] PRE = pre
    for i in range(n):
        PRE[i + 1] = PRE[i] + (1 if C[i] else 0)
    done = set()
    cdef Py_ssize_t k = 0
    cdef int64_t s0, t0, lo, hi
    for i in range(ns):
        s0 = SD[i, 0]
        t0 = SD[i, 2]
        # the last sentence starting at or before t0
        lo_j = 0
        hi_j = nj
        while lo_j < hi_j:
            mid = (lo_j + hi_j) >> 1
            if A[mid] <= t0:
                lo_j = mid + 1
            else:
                hi_j = mid
        j = lo_j - 1
        if j < 0 or t0 >= B[j]:
            continue
        # no int64 overflow: every value is non-negative (checked above), and the width is
        # added only where it fits below n
        lo = s0 - (t0 - A[j])
        if lo < 0:
            lo = 0
        if lo > n:
            lo = n
        hi = lo + (B[j] - A[j]) if B[j] - A[j] <= n - lo else n
        if PRE[hi] - PRE[lo] == hi - lo:
            continue
        key = (lo, hi)
        if key in done:
            continue
        done.add(key)
        O[k, 0] = lo
        O[k, 1] = hi
        O[k, 2] = j
        k += 1
    return out[:k].copy()
