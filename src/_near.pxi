# Near-repeat search between sentence-like segments (included by _ngram.pyx).
#
# A bigram index (open addressing on the packed id pair) keeps, per bigram, the `keep` most
# recent active segments that contain it; the candidates of a segment are counted through
# it, ranked, and the best few are scored by an exact LCS (bit-parallel when the shorter
# segment fits one 64-bit word, dynamic programming otherwise).


cdef bint _bad_bounds(object b, Py_ssize_t n):
    """Whether the int64 segment bounds ``b`` are not non-decreasing offsets into n units."""
    cdef const int64_t[::1] B = b
    cdef Py_ssize_t k, m = B.shape[0]
    if m == 0:
        return False
    if B[0] < 0 or B[m - 1] > n:
        return True
    for k in range(1, m):
        if B[k] < B[k - 1]:
            return True
    return False


cdef bint _bad_prev(object p):
    """Whether some ``p[j] >= 0`` is not an earlier segment (``p[j] >= j``)."""
    cdef const int64_t[::1] P = p
    cdef Py_ssize_t j
    for j in range(P.shape[0]):
        if P[j] >= 0 and P[j] >= j:
            return True
    return False


cdef inline uint64_t _bg_key(int32_t a, int32_t b) noexcept nogil:
    return ((<uint64_t>(<uint32_t>a)) << 32) | (<uint64_t>(<uint32_t>b))


cdef inline uint64_t _bg_hash(uint64_t k) noexcept nogil:
    k ^= k >> 33
    k *= 0xff51afd7ed558ccdULL
    k ^= k >> 33
    k *= 0xc4ceb9fe1a85ec53ULL
    k ^= k >> 33
    return k


cdef int64_t _lcs_dp(const int32_t* x, int64_t m, const int32_t* y, int64_t n,
                     int32_t* row) noexcept nogil:
    """LCS length by dynamic programming; ``row`` has room for n + 1 entries."""
    cdef int64_t i, k
    cdef int32_t diag, up, left
    for k in range(n + 1):
        row[k] = 0
    for i in range(m):
        diag = 0
        for k in range(1, n + 1):
            up = row[k]
            if x[i] == y[k - 1]:
                row[k] = diag + 1
            else:
                left = row[k - 1]
                row[k] = up if up > left else left
            diag = up
    return row[n]


cdef int64_t _lcs_bits(const int32_t* x, int64_t m, const int32_t* y, int64_t n,
                       int32_t* hkeys, uint64_t* hmask) noexcept nogil:
    """LCS length, bit-parallel (Allison-Dix / Hyyro) for m <= 64; the 128-slot hash table
    ``hkeys``/``hmask`` maps each symbol of x to its match mask."""
    cdef int64_t i, k
    cdef uint32_t h
    cdef uint64_t V, U, M, full
    cdef int32_t c
    for k in range(128):
        hkeys[k] = -1
    for i in range(m):
        c = x[i]
        h = (<uint32_t>c * 2654435761U) >> 25
        while hkeys[h] != -1 and hkeys[h] != c:
            h = (h + 1) & 127
        hkeys[h] = c
    # second pass: set the masks (cleared first: slots may hold bits of an earlier call)
    for k in range(128):
        hmask[k] = 0
    for i in range(m):
        c = x[i]
        h = (<uint32_t>c * 2654435761U) >> 25
        while hkeys[h] != c:
            h = (h + 1) & 127
        hmask[h] |= (<uint64_t>1) << i
    full = (<uint64_t>0xFFFFFFFFFFFFFFFF) if m == 64 else (((<uint64_t>1) << m) - 1)
    V = full
    for k in range(n):
        c = y[k]
        h = (<uint32_t>c * 2654435761U) >> 25
        M = 0
        while hkeys[h] != -1:
            if hkeys[h] == c:
                M = hmask[h]
                break
            h = (h + 1) & 127
        U = V & M
        V = ((V + U) | (V - U)) & full
    # LCS = number of zero bits of V within m bits
    cdef int64_t zeros = 0
    V = (~V) & full
    while V:
        V &= V - 1
        zeros += 1
    return zeros


def near_repeats(ids, bounds, active, lookback, keep, min_shared, max_candidates):
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
    cdef Py_ssize_t nseg = b.shape[0] - 1 if b.shape[0] else 0
    if act.shape[0] != nseg:
        raise ValueError("active must have one entry per segment (len(bounds) - 1)")
    if lookback < 0 or keep < 1 or max_candidates < 1 or not (0.0 <= min_shared <= 1.0):
        raise ValueError("invalid near_repeats parameters")
    if nseg > 0 and _bad_bounds(b, a.shape[0]):
        raise ValueError("bounds must be non-decreasing offsets into ids")
    prev = np.full(nseg, -1, dtype=np.int64)
    sim = np.zeros(nseg, dtype=np.float64)
    if nseg == 0:
        return prev, sim
    cdef int64_t c_lookback = min(<int64_t>lookback, <int64_t>nseg)
    cdef int64_t c_keep = min(<int64_t>keep, 4096)
    cdef int64_t c_maxc = min(<int64_t>max_candidates, 4096)
    cdef double c_share = float(min_shared)
    cdef const int32_t* S = _ptr(a)
    cdef const int64_t[::1] B = b
    cdef const uint8_t[::1] A = act
    cdef int64_t[::1] P = prev
    cdef double[::1] SIM = sim
    cdef Py_ssize_t n = a.shape[0]
    # hash table of bigrams: capacity a power of two >= 2 * (n + 1)
    cdef uint64_t cap = 16
    while cap < <uint64_t>(2 * (n + 1)):
        cap <<= 1
    cdef uint64_t* hk = <uint64_t*>malloc(cap * sizeof(uint64_t))
    cdef uint8_t* hused = <uint8_t*>malloc(cap)
    cdef int64_t* stamp = <int64_t*>malloc(cap * sizeof(int64_t))
    cdef int32_t* rlen = <int32_t*>malloc(cap * sizeof(int32_t))
    cdef int32_t* rpos = <int32_t*>malloc(cap * sizeof(int32_t))
    cdef int64_t* rbuf_off = <int64_t*>malloc(cap * sizeof(int64_t))
    cdef int64_t rbuf_cap = 1024
    cdef int64_t rbuf_used = 0
    cdef int64_t* rbuf = <int64_t*>malloc(rbuf_cap * sizeof(int64_t))
    cdef int32_t* cnt = <int32_t*>malloc(nseg * sizeof(int32_t))
    cdef int64_t* touched = <int64_t*>malloc(nseg * sizeof(int64_t))
    cdef uint64_t* slots = <uint64_t*>malloc((n + 1) * sizeof(uint64_t))
    cdef int64_t* cand_i = <int64_t*>malloc((c_maxc + 1) * sizeof(int64_t))
    cdef int32_t* cand_c = <int32_t*>malloc((c_maxc + 1) * sizeof(int32_t))
    cdef int32_t* row = <int32_t*>malloc((n + 2) * sizeof(int32_t))
    cdef int32_t hkeys[128]
    cdef uint64_t hmask[128]
    cdef int64_t* tmp
    if (hk == NULL or hused == NULL or stamp == NULL or rlen == NULL or rpos == NULL
            or rbuf_off == NULL or rbuf == NULL or cnt == NULL or touched == NULL
            or slots == NULL or cand_i == NULL or cand_c == NULL or row == NULL):
        free(hk); free(hused); free(stamp); free(rlen); free(rpos); free(rbuf_off); free(rbuf)
        free(cnt); free(touched); free(slots); free(cand_i); free(cand_c); free(row)
        raise MemoryError()
    memset(hused, 0, cap)
    memset(cnt, 0, nseg * sizeof(int32_t))
    cdef Py_ssize_t j, k, t, q
    cdef int64_t s0, s1, nb, ntouch, i, need, ncand, la, lb, lcs, r
    cdef uint64_t key, h, mask = cap - 1
    cdef int32_t c
    cdef double best, sv
    cdef int64_t best_i
    cdef int failed = 0
    with nogil:
        for j in range(nseg):
            if not A[j]:
                continue
            s0 = B[j]
            s1 = B[j + 1]
            # distinct bigrams of the segment -> their slots (inserting new keys)
            nb = 0
            for k in range(s0, s1 - 1):
                key = _bg_key(S[k], S[k + 1])
                h = _bg_hash(key) & mask
                while hused[h] and hk[h] != key:
                    h = (h + 1) & mask
                if not hused[h]:
                    hused[h] = 1
                    hk[h] = key
                    stamp[h] = -1
                    rlen[h] = 0
                    rpos[h] = 0
                    if rbuf_used + c_keep > rbuf_cap:
                        while rbuf_used + c_keep > rbuf_cap:
                            rbuf_cap *= 2
                        tmp = <int64_t*>realloc(rbuf, rbuf_cap * sizeof(int64_t))
                        if tmp == NULL:
                            failed = 1
                            break
                        rbuf = tmp
                    rbuf_off[h] = rbuf_used
                    rbuf_used += c_keep
                if stamp[h] == j:
                    continue
                stamp[h] = j
                slots[nb] = h
                nb += 1
            if failed:
                break
            if nb == 0:
                continue
            # count shared bigrams per earlier segment
            ntouch = 0
            for k in range(nb):
                h = slots[k]
                for t in range(rlen[h]):
                    i = rbuf[rbuf_off[h] + t]
                    if j - i <= c_lookback:
                        if cnt[i] == 0:
                            touched[ntouch] = i
                            ntouch += 1
                        cnt[i] += 1
            need = <int64_t>ceil(c_share * nb - 1e-9)
            if need < 1:
                need = 1
            # top candidates by (count desc, index desc)
            ncand = 0
            for t in range(ntouch):
                i = touched[t]
                c = cnt[i]
                cnt[i] = 0
                if c < need:
                    continue
                q = ncand
                while q > 0 and (cand_c[q - 1] < c or (cand_c[q - 1] == c and cand_i[q - 1] < i)):
                    if q < c_maxc:
                        cand_c[q] = cand_c[q - 1]
                        cand_i[q] = cand_i[q - 1]
                    q -= 1
                if q < c_maxc:
                    cand_c[q] = c
                    cand_i[q] = i
                    if ncand < c_maxc:
                        ncand += 1
            best = 0.0
            best_i = -1
            lb = s1 - s0
            for t in range(ncand):
                i = cand_i[t]
                la = B[i + 1] - B[i]
                if la <= 64:
                    lcs = _lcs_bits(S + B[i], la, S + s0, lb, hkeys, hmask)
                elif lb <= 64:
                    lcs = _lcs_bits(S + s0, lb, S + B[i], la, hkeys, hmask)
                else:
                    lcs = _lcs_dp(S + B[i], la, S + s0, lb, row)
                sv = 2.0 * lcs / (la + lb)
                if sv > best:
                    best = sv
                    best_i = i
            P[j] = best_i
            SIM[j] = best
            # index this segment under each of its bigrams (ring of the `keep` most recent)
            for k in range(nb):
                h = slots[k]
                if rlen[h] < c_keep:
                    rbuf[rbuf_off[h] + rlen[h]] = j
                    rlen[h] += 1
                else:
                    rbuf[rbuf_off[h] + rpos[h]] = j
                    rpos[h] = (rpos[h] + 1) % c_keep
    free(hk); free(hused); free(stamp); free(rlen); free(rpos); free(rbuf_off); free(rbuf)
    free(cnt); free(touched); free(slots); free(cand_i); free(cand_c); free(row)
    if failed:
        raise MemoryError()
    return prev, sim


cdef int _cmp_i32(const void* x, const void* y) noexcept nogil:
    cdef int32_t a = (<const int32_t*>x)[0]
    cdef int32_t b = (<const int32_t*>y)[0]
    return (a > b) - (a < b)


def new_numbers(ids, is_number, bounds, prev):
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
    cdef Py_ssize_t nseg = b.shape[0] - 1 if b.shape[0] else 0
    if num.shape[0] != a.shape[0] or p.shape[0] != nseg:
        raise ValueError("is_number must match ids, prev must match the segments")
    if nseg > 0 and _bad_bounds(b, a.shape[0]):
        raise ValueError("bounds must be non-decreasing offsets into ids")
    if nseg > 0 and _bad_prev(p):
        raise ValueError("prev[j] must be an earlier segment")
    out = np.zeros(nseg, dtype=np.int32)
    if nseg == 0:
        return out
    cdef const int32_t* S = _ptr(a)
    cdef const uint8_t[::1] N = num
    cdef const int64_t[::1] B = b
    cdef const int64_t[::1] P = p
    cdef int32_t[::1] O = out
    cdef Py_ssize_t n = a.shape[0]
    cdef int32_t* x = <int32_t*>malloc((n + 1) * sizeof(int32_t))
    cdef int32_t* y = <int32_t*>malloc((n + 1) * sizeof(int32_t))
    if x == NULL or y == NULL:
        free(x); free(y)
        raise MemoryError()
    cdef Py_ssize_t j, k, nx, ny, u, v
    cdef int64_t i
    cdef int32_t extra
    with nogil:
        for j in range(nseg):
            i = P[j]
            if i < 0:
                continue
            ny = 0
            for k in range(B[j], B[j + 1]):
                if N[k]:
                    y[ny] = S[k]
                    ny += 1
            if ny == 0:
                continue
            nx = 0
            for k in range(B[i], B[i + 1]):
                if N[k]:
                    x[nx] = S[k]
                    nx += 1
            qsort(x, nx, sizeof(int32_t), _cmp_i32)
            qsort(y, ny, sizeof(int32_t), _cmp_i32)
            u = 0
            v = 0
            extra = 0
            while v < ny:
                if u < nx and x[u] < y[v]:
                    u += 1
                elif u < nx and x[u] == y[v]:
                    u += 1
                    v += 1
                else:
                    extra += 1
                    v += 1
            O[j] = extra
    free(x); free(y)
    return out
