# cython: language_level=3
"""Compiled core of tracelint: text units and exact n-gram / suffix kernels.

Built as the extension module ``tracelint._ngram``.  ``tracelint/_ngram_py.py`` is its
pure-Python twin (same names, signatures, docstrings and results); use
:mod:`tracelint.ngram`, which picks one of the two.

All sequence kernels take ``s`` as a 1-D sequence of non-negative unit ids; a thin Python
wrapper converts anything array-like with ``np.ascontiguousarray(s, dtype=np.int32)`` and
hands raw int32 buffers to typed kernels that run without the GIL.
"""
import math

import numpy as np
import regex

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport malloc, realloc, free, qsort
from libc.string cimport memset, memcpy, memcmp
from libc.math cimport ceil
from cpython.unicode cimport PyUnicode_KIND, PyUnicode_DATA

cnp.import_array()

__all__ = [
    "UNIT_PATTERN", "encode_units", "suffix_array", "lcp_array", "repeat_mask", "top_ngram",
    "prev_occurrence", "periodic_runs", "periodic_tail", "matching_spans", "near_repeats",
    "new_numbers", "claim_lex", "CLAIM_LEX_GROUPS", "json_string_decode", "claim_lhs_run",
    "claim_rhs_run",
    "gopher_stats", "novelty_shares", "segment_bounds", "best_stretch", "claim_recurrence",
    "near_copy_windows",
]

cdef int32_t I32_MAX = 2147483647

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define TL_PREFETCH(addr) __builtin_prefetch((const void*)(addr))
    #else
    #define TL_PREFETCH(addr) ((void)0)
    #endif
    """
    void TL_PREFETCH(const void* addr) noexcept nogil

# =======================================================================================
# Text units
# =======================================================================================

# The character classes below define UNIT_PATTERN *and* the code-point class table used by
# the one-pass scanner; the table is generated from these very patterns by the regex
# module, so both agree by construction.  Keep them identical to tracelint/_ngram_py.py.
_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
_DIGIT = r"\p{Nd}"
_WORD_START = r"[[\p{L}\p{N}_]--" + _CJK + r"]"
_WORD_CONT = r"[[\p{L}\p{M}\p{N}_]--" + _CJK + r"]"
_MARK = r"\p{M}"
_NON_SPACE = r"\S"

UNIT_PATTERN = regex.compile(
    r"(?V1)"
    r"(?P<cjk>" + _CJK + _MARK + r"*)"
    r"|(?P<number>" + _DIGIT + r"+(?:\." + _DIGIT + r"+)?)"
    r"|(?P<word>" + _WORD_START + _WORD_CONT + r"*)"
    r"|(?P<other>" + _NON_SPACE + _MARK + r"*)"
)

cdef enum:
    CL_CJK = 1
    CL_DIGIT = 2
    CL_WORD_START = 4
    CL_WORD_CONT = 8
    CL_MARK = 16
    CL_NON_SPACE = 32

cdef object _class_array = None
cdef const uint8_t* _class_ptr = NULL


def _class_table():
    """The code-point class table (uint8 bit flags for every code point 0..0x10FFFF: 1 CJK,
    2 digit, 4 word start, 8 word continuation, 16 mark, 32 non-space), built once from
    the regex module's own property tables (about 0.1 s) and cached."""
    global _class_array, _class_ptr
    if _class_array is None:
        every = np.arange(0x110000, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
        table = np.zeros(0x110000, dtype=np.uint8)
        for bit, cls in ((CL_CJK, _CJK), (CL_DIGIT, _DIGIT), (CL_WORD_START, _WORD_START),
                         (CL_WORD_CONT, _WORD_CONT), (CL_MARK, _MARK),
                         (CL_NON_SPACE, _NON_SPACE)):
            for m in regex.finditer(r"(?V1)" + cls + r"+", every):
                table[m.start():m.end()] |= bit
        table.flags.writeable = False
        _class_ptr = <const uint8_t*> cnp.PyArray_DATA(table)
        _class_array = table
    return _class_array


ctypedef fused char_t:
    uint8_t
    uint16_t
    uint32_t


cdef struct UnitTable:
    # open addressing over the distinct unit strings of one call (raw text, not lowered):
    # slot k is free iff lens[k] == 0
    uint64_t* hashes
    int64_t* starts
    int32_t* lens
    int32_t* ids
    Py_ssize_t mask
    Py_ssize_t used


cdef int _table_alloc(UnitTable* tab, Py_ssize_t cap) noexcept nogil:
    tab.hashes = <uint64_t*> malloc(cap * sizeof(uint64_t))
    tab.starts = <int64_t*> malloc(cap * sizeof(int64_t))
    tab.lens = <int32_t*> malloc(cap * sizeof(int32_t))
    tab.ids = <int32_t*> malloc(cap * sizeof(int32_t))
    if tab.hashes == NULL or tab.starts == NULL or tab.lens == NULL or tab.ids == NULL:
        return -1
    memset(tab.lens, 0, cap * sizeof(int32_t))
    tab.mask = cap - 1
    tab.used = 0
    return 0


cdef void _table_free(UnitTable* tab) noexcept nogil:
    free(tab.hashes)
    free(tab.starts)
    free(tab.lens)
    free(tab.ids)
    tab.hashes = NULL
    tab.starts = NULL
    tab.lens = NULL
    tab.ids = NULL


cdef int _table_grow(UnitTable* tab) noexcept nogil:
    cdef UnitTable old = tab[0]
    cdef Py_ssize_t k, slot
    if _table_alloc(tab, (old.mask + 1) * 2) < 0:
        _table_free(tab)
        tab[0] = old
        return -1
    for k in range(old.mask + 1):
        if old.lens[k]:
            slot = <Py_ssize_t> (old.hashes[k] & <uint64_t> tab.mask)
            while tab.lens[slot]:
                slot = (slot + 1) & tab.mask
            tab.hashes[slot] = old.hashes[k]
            tab.starts[slot] = old.starts[k]
            tab.lens[slot] = old.lens[k]
            tab.ids[slot] = old.ids[k]
    tab.used = old.used
    _table_free(&old)
    return 0


cdef int _intern(str text, Py_ssize_t i, Py_ssize_t j, int kind, object vocab,
                 int32_t* out) except -1:
    unit = text[i:j]
    key = unit.lower() if kind == 0 else unit
    value = vocab.setdefault(key, len(vocab))
    cdef long long v = value
    if v < -2147483648 or v > 2147483647:
        raise OverflowError(f"unit id {v} does not fit in int32")
    out[0] = <int32_t> v
    return 0


cdef Py_ssize_t _scan_units(const char_t* data, Py_ssize_t n, const uint8_t* cls,
                            UnitTable* tab, int32_t* ids, int64_t* starts, int64_t* ends,
                            uint8_t* kinds, str text, object vocab) except -1:
    """One pass over the code points; Python is touched only for a unit string not seen
    before in this call (one ``vocab.setdefault`` per distinct unit)."""
    cdef Py_ssize_t i = 0, j, q, k = 0, slot, length
    cdef uint8_t f, kind
    cdef uint64_t h
    cdef int32_t uid
    cdef bint found
    while i < n:
        f = cls[data[i]]
        if f & CL_CJK:
            j = i + 1
            while j < n and (cls[data[j]] & CL_MARK):
                j += 1
            kind = 2
        elif f & CL_DIGIT:
            j = i + 1
            while j < n and (cls[data[j]] & CL_DIGIT):
                j += 1
            if j + 1 < n and data[j] == 46 and (cls[data[j + 1]] & CL_DIGIT):
                j += 2
                while j < n and (cls[data[j]] & CL_DIGIT):
                    j += 1
            kind = 1
        elif f & CL_WORD_START:
            j = i + 1
            while j < n and (cls[data[j]] & CL_WORD_CONT):
                j += 1
            kind = 0
        elif f & CL_NON_SPACE:
            j = i + 1
            while j < n and (cls[data[j]] & CL_MARK):
                j += 1
            kind = 3
        else:
            i += 1
            continue
        length = j - i
        h = 14695981039346656037ULL  # FNV-1a over the code points
        for q in range(i, j):
            h = (h ^ <uint64_t> data[q]) * 1099511628211ULL
        h ^= h >> 29
        slot = <Py_ssize_t> (h & <uint64_t> tab.mask)
        found = False
        while tab.lens[slot]:
            if (tab.hashes[slot] == h and tab.lens[slot] == length and
                    memcmp(&data[tab.starts[slot]], &data[i], length * sizeof(char_t)) == 0):
                found = True
                break
            slot = (slot + 1) & tab.mask
        if found:
            uid = tab.ids[slot]
        else:
            _intern(text, i, j, kind, vocab, &uid)
            tab.hashes[slot] = h
            tab.starts[slot] = i
            tab.lens[slot] = <int32_t> length
            tab.ids[slot] = uid
            tab.used += 1
            if tab.used * 2 > tab.mask:
                if _table_grow(tab) < 0:
                    raise MemoryError()
        ids[k] = uid
        starts[k] = i
        ends[k] = j
        kinds[k] = kind
        k += 1
        i = j
    return k


def encode_units(text, vocab):
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
    if _class_array is None:
        _class_table()
    cdef Py_ssize_t n = len(text)
    cdef Py_ssize_t k = 0
    cdef unsigned int width
    cdef void* data
    cdef UnitTable tab
    ids = np.empty(n, dtype=np.int32)
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    kinds = np.empty(n, dtype=np.uint8)
    if n:
        if _table_alloc(&tab, 4096) < 0:
            _table_free(&tab)
            raise MemoryError()
        try:
            width = PyUnicode_KIND(text)
            data = PyUnicode_DATA(text)
            if width == 1:
                k = _scan_units(<const uint8_t*> data, n, _class_ptr, &tab,
                                <int32_t*> cnp.PyArray_DATA(ids),
                                <int64_t*> cnp.PyArray_DATA(starts),
                                <int64_t*> cnp.PyArray_DATA(ends),
                                <uint8_t*> cnp.PyArray_DATA(kinds), text, vocab)
            elif width == 2:
                k = _scan_units(<const uint16_t*> data, n, _class_ptr, &tab,
                                <int32_t*> cnp.PyArray_DATA(ids),
                                <int64_t*> cnp.PyArray_DATA(starts),
                                <int64_t*> cnp.PyArray_DATA(ends),
                                <uint8_t*> cnp.PyArray_DATA(kinds), text, vocab)
            else:
                k = _scan_units(<const uint32_t*> data, n, _class_ptr, &tab,
                                <int32_t*> cnp.PyArray_DATA(ids),
                                <int64_t*> cnp.PyArray_DATA(starts),
                                <int64_t*> cnp.PyArray_DATA(ends),
                                <uint8_t*> cnp.PyArray_DATA(kinds), text, vocab)
        finally:
            _table_free(&tab)
    return ids[:k].copy(), starts[:k].copy(), ends[:k].copy(), kinds[:k].copy()


# =======================================================================================
# Unit arrays
# =======================================================================================

cdef inline bint _units_ready(object s):
    """Whether ``s`` is already what _as_units returns: a 1-D contiguous, aligned int32
    ndarray in native byte order with no negative id (checked in one C pass; the common case, which costs microseconds per
    call through numpy)."""
    if type(s) is not np.ndarray:
        return False
    cdef cnp.ndarray arr = <cnp.ndarray> s
    if (cnp.PyArray_TYPE(arr) != cnp.NPY_INT32 or cnp.PyArray_NDIM(arr) != 1
            or not cnp.PyArray_IS_C_CONTIGUOUS(arr) or not cnp.PyArray_ISNOTSWAPPED(arr)
            or not cnp.PyArray_ISALIGNED(arr)):
        return False
    cdef const int32_t* p = <const int32_t*> cnp.PyArray_DATA(arr)
    cdef Py_ssize_t i, n = cnp.PyArray_DIM(arr, 0)
    cdef int32_t lo = 0
    with nogil:
        for i in range(n):
            if p[i] < lo:
                lo = p[i]
    return lo >= 0


def _as_units(s, name="s"):
    """Forgiving conversion of an array-like of unit ids to a contiguous int32 array."""
    if _units_ready(s):
        return s
    a = np.asarray(s)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array with ndim={a.ndim}")
    if a.dtype != np.int32 and a.size and a.dtype.kind in "iu":
        if int(a.max()) > I32_MAX:
            raise ValueError(f"{name}: unit ids must fit in int32")
    a = np.ascontiguousarray(a, dtype=np.int32)
    if a.size and int(a.min()) < 0:
        raise ValueError(f"{name}: unit ids must be >= 0")
    return a


cdef object _dense(object a):
    """(array, alphabet size): ``a`` itself when its ids are small enough to index bucket
    arrays directly (max < 2n + 1024), else its ranks among its distinct values."""
    cdef Py_ssize_t n = a.shape[0]
    if n == 0:
        return a, 0
    cdef const int32_t* p = _ptr(a)
    cdef Py_ssize_t i
    cdef int32_t mxv = 0
    with nogil:
        for i in range(n):
            if p[i] > mxv:
                mxv = p[i]
    mx = int(mxv)
    if mx < 2 * n + 1024:
        return a, mx + 1
    r = np.unique(a, return_inverse=True)[1].reshape(-1).astype(np.int32)
    return np.ascontiguousarray(r), int(r.max()) + 1


cdef inline const int32_t* _ptr(object a):
    return <const int32_t*> cnp.PyArray_DATA(a)


def _check_n(n, name="n"):
    n = int(n)
    if n < 1:
        raise ValueError(f"{name} must be >= 1")
    return n


# =======================================================================================
# Suffix array: SA-IS (Nong, Zhang & Chan 2009), virtual sentinel, int32 throughout
# =======================================================================================

ctypedef fused sym_t:
    uint8_t
    uint16_t
    int32_t


cdef inline void _bucket_heads(const int32_t* C, int32_t* B, int32_t K) noexcept nogil:
    cdef int32_t c, total = 0
    for c in range(K):
        B[c] = total
        total += C[c]


cdef inline void _bucket_tails(const int32_t* C, int32_t* B, int32_t K) noexcept nogil:
    cdef int32_t c, total = 0
    for c in range(K):
        total += C[c]
        B[c] = total


cdef enum:
    PREFETCH_AHEAD = 32


cdef void _induce(const sym_t* T, int32_t* SA, const uint8_t* stype, const int32_t* C,
                  int32_t* B, int32_t n, int32_t K) noexcept nogil:
    """Induce the L-type suffixes from the LMS suffixes in SA, then the S-type ones."""
    cdef int32_t i, v, j, c
    _bucket_heads(C, B, K)
    # the virtual sentinel (smallest suffix) induces suffix n-1, which is L-type
    c = T[n - 1]
    SA[B[c]] = n - 1
    B[c] += 1
    for i in range(n):
        if i + PREFETCH_AHEAD < n:
            # SA[i + d] may still be unset (-1): prefetching a bad address is harmless
            TL_PREFETCH(T + SA[i + PREFETCH_AHEAD] - 1)
        v = SA[i]
        if v > 0:
            j = v - 1
            # SA holds only L-type and LMS suffixes here, so j is L-type iff T[j] >= T[v]
            if T[j] >= T[v]:
                c = T[j]
                SA[B[c]] = j
                B[c] += 1
    _bucket_tails(C, B, K)
    i = n - 1
    while i >= 0:
        if i >= PREFETCH_AHEAD:
            v = SA[i - PREFETCH_AHEAD]
            TL_PREFETCH(T + v - 1)
            TL_PREFETCH(stype + v)
        v = SA[i]
        if v > 0:
            j = v - 1
            if T[j] < T[v] or (T[j] == T[v] and (stype[v] & 1)):
                c = T[j]
                B[c] -= 1
                SA[B[c]] = j
        i -= 1


cdef int _sais(const sym_t* T, int32_t* SA, int32_t n, int32_t K) noexcept nogil:
    """Suffix array of T[0:n) (alphabet [0, K)) into SA[0:n).  Returns -1 when out of
    memory.  SA doubles as workspace: LMS substring lengths, then their names, live in its
    upper half (there are at most n/2 LMS positions), the reduced suffix array in its lower
    half.  ``stype[i]``: bit 0 = S-type, bit 1 = LMS; the hot loops are branch-free where
    their branches would be unpredictable on random text."""
    cdef int32_t i, j, k, v, m, mm, name, prev, prev_len, cur_len, last_lms, d
    cdef uint8_t f, cur, nxt
    cdef bint diff
    cdef uint8_t* stype
    cdef int32_t* C
    cdef int32_t* B
    cdef int32_t* lms
    cdef int32_t* lms_buf
    cdef int32_t* s1
    cdef int rc = 0
    if n <= 0:
        return 0
    if n == 1:
        SA[0] = 0
        return 0
    stype = <uint8_t*> malloc(n)
    C = <int32_t*> malloc(K * sizeof(int32_t))
    B = <int32_t*> malloc(K * sizeof(int32_t))
    lms_buf = <int32_t*> malloc((n // 2 + 2) * sizeof(int32_t))
    if stype == NULL or C == NULL or B == NULL or lms_buf == NULL:
        free(stype)
        free(C)
        free(B)
        free(lms_buf)
        return -1
    # Types, right to left, with the LMS positions collected on the way into the top of
    # lms_buf (branch-free: the slot below the last one found is scratch).  Suffix n-1 is
    # L-type: the virtual sentinel after it is smaller.
    nxt = 0
    k = n // 2 + 1
    i = n - 2
    while i >= 0:
        cur = (<uint8_t> (T[i] < T[i + 1])) | ((<uint8_t> (T[i] == T[i + 1])) & nxt)
        f = nxt & (cur ^ 1)  # i + 1 is LMS
        stype[i + 1] = nxt | (f << 1)
        lms_buf[k - 1] = i + 1
        k -= f
        nxt = cur
        i -= 1
    stype[0] = nxt
    lms = lms_buf + k
    m = n // 2 + 1 - k
    memset(C, 0, K * sizeof(int32_t))
    for i in range(n):
        C[T[i]] += 1
    # Stage 1: sort the LMS substrings by one induced sort from unsorted LMS positions.
    memset(SA, 0xFF, n * sizeof(int32_t))
    _bucket_tails(C, B, K)
    for j in range(m):
        i = lms[j]
        B[T[i]] -= 1
        SA[B[T[i]]] = i
    _induce(T, SA, stype, C, B, n, K)
    mm = 0
    for i in range(n):  # SA is full here: keep the LMS suffixes, in sorted order
        v = SA[i]
        SA[mm] = v
        mm += stype[v] >> 1
    # Name the LMS substrings (equal substrings, equal names).  First store the length of
    # every LMS substring (up to and including the next LMS position) at SA[m + pos/2];
    # the last one runs into the sentinel and equals no other.
    memset(SA + m, 0xFF, (n - m) * sizeof(int32_t))
    for j in range(m - 1):
        SA[m + (lms[j] >> 1)] = lms[j + 1] - lms[j] + 1
    last_lms = lms[m - 1] if m > 0 else -1
    if m > 0:
        SA[m + (last_lms >> 1)] = n - last_lms + 1
    name = 0
    prev = -1
    prev_len = 0
    for i in range(m):
        v = SA[i]
        cur_len = SA[m + (v >> 1)]
        diff = True
        if prev >= 0 and cur_len == prev_len and v != last_lms and prev != last_lms:
            diff = False
            for d in range(cur_len):
                if T[v + d] != T[prev + d]:
                    diff = True
                    break
        if diff:
            name += 1
            prev = v
            prev_len = cur_len
        SA[m + (v >> 1)] = name - 1
    j = n - 1
    i = n - 1
    while i >= m:  # gather the names in text order at the top (branch-free)
        v = SA[i]
        SA[j] = v
        j -= v >= 0
        i -= 1
    s1 = SA + n - m  # reduced string: names of the LMS substrings in text order
    # Stage 2: order of the LMS suffixes (recursively unless all names differ).
    if name < m:
        rc = _sais(<const int32_t*> s1, SA, m, name)
        if rc < 0:
            free(stype)
            free(C)
            free(B)
            free(lms_buf)
            return rc
    else:
        for i in range(m):
            SA[s1[i]] = i
    for i in range(m):
        SA[i] = lms[SA[i]]
    # Stage 3: place the sorted LMS suffixes at their bucket tails and induce the rest.
    memset(SA + m, 0xFF, (n - m) * sizeof(int32_t))
    _bucket_tails(C, B, K)
    i = m - 1
    while i >= 0:
        v = SA[i]
        SA[i] = -1
        B[T[v]] -= 1
        SA[B[T[v]]] = v
        i -= 1
    _induce(T, SA, stype, C, B, n, K)
    free(stype)
    free(C)
    free(B)
    free(lms_buf)
    return 0


def suffix_array(s):
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
    cdef Py_ssize_t n = a.shape[0]
    if n >= I32_MAX:
        raise ValueError("s is too long for int32 suffix arrays")
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    d, K = _dense(a)
    # narrow symbols keep the text cache-resident during the induced sorts
    if K <= 256:
        d = d.astype(np.uint8)
    elif K <= 65536:
        d = d.astype(np.uint16)
    out = np.empty(n, dtype=np.int32)
    cdef void* T = cnp.PyArray_DATA(d)
    cdef int32_t* SA = <int32_t*> cnp.PyArray_DATA(out)
    cdef int32_t kk = K
    cdef int rc
    with nogil:
        if kk <= 256:
            rc = _sais(<const uint8_t*> T, SA, <int32_t> n, kk)
        elif kk <= 65536:
            rc = _sais(<const uint16_t*> T, SA, <int32_t> n, kk)
        else:
            rc = _sais(<const int32_t*> T, SA, <int32_t> n, kk)
    if rc < 0:
        raise MemoryError()
    return out


def lcp_array(s, sa):
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
    cdef Py_ssize_t n = a.shape[0]
    if p.shape[0] != n:
        raise ValueError("sa must be a permutation of range(len(s))")
    lcp = np.zeros(n, dtype=np.int32)
    work = np.empty(n, dtype=np.int32)
    cdef const int32_t* T = _ptr(a)
    cdef const int32_t* SA = _ptr(p)
    cdef int32_t* L = <int32_t*> cnp.PyArray_DATA(lcp)
    cdef int32_t* phi = <int32_t*> cnp.PyArray_DATA(work)
    cdef Py_ssize_t i, j, h
    cdef bint bad = False
    with nogil:
        # Phi variant of Kasai et al. (Kaerkkaeinen, Manzini & Puglisi 2009): the text is
        # scanned in order, which is kinder to the cache than the rank order.
        memset(phi, 0xFE, n * sizeof(int32_t))  # -16843010: "not set yet"
        for i in range(n):
            if SA[i] >= n or phi[SA[i]] != -16843010:
                bad = True
                break
            phi[SA[i]] = SA[i - 1] if i > 0 else -1
        if not bad:
            h = 0
            for i in range(n):  # phi[i] becomes PLCP[i], the LCP of suffix i with its predecessor
                j = phi[i]
                if j < 0:
                    phi[i] = 0
                    h = 0
                    continue
                while i + h < n and j + h < n and T[i + h] == T[j + h]:
                    h += 1
                phi[i] = <int32_t> h
                if h > 0:
                    h -= 1
            for i in range(n):
                L[i] = phi[SA[i]]
    if bad:
        raise ValueError("sa must be a permutation of range(len(s))")
    return lcp


# =======================================================================================
# n-gram ids: exact, by doubling; pairs renamed with a counting sort (deterministic O(n))
# =======================================================================================

cdef int32_t _rename(const int32_t* A, int32_t mA, const int32_t* Bv, int32_t mB,
                     Py_ssize_t off, Py_ssize_t N, int32_t* out, int32_t* cnt,
                     int32_t* order, int32_t* stamp, int32_t* slot) noexcept nogil:
    """out[i] = dense id of the pair (A[i], Bv[i + off]) for i < N; returns the number of
    distinct pairs.  Counting sort by A, then the distinct B values of each A group."""
    cdef Py_ssize_t i, q
    cdef int32_t a, b, nxt = 0
    memset(cnt, 0, (mA + 1) * sizeof(int32_t))
    for i in range(N):
        cnt[A[i] + 1] += 1
    for a in range(mA):
        cnt[a + 1] += cnt[a]
    for i in range(N):
        a = A[i]
        order[cnt[a]] = <int32_t> i
        cnt[a] += 1
    memset(stamp, 0xFF, mB * sizeof(int32_t))
    for q in range(N):
        i = order[q]
        a = A[i]
        b = Bv[i + off]
        if stamp[b] != a:
            stamp[b] = a
            slot[b] = nxt
            nxt += 1
        out[i] = slot[b]
    return nxt


cdef object _ngram_ids(object a, Py_ssize_t k):
    """(ids, m): int32 ids of the k-grams of ``a`` (one per start), equal iff the k-grams
    are equal, with values in [0, m)."""
    cdef Py_ssize_t n = a.shape[0]
    cdef Py_ssize_t N = n - k + 1
    if N <= 0:
        return np.zeros(0, dtype=np.int32), 0
    d, m0 = _dense(a)
    if k == 1:
        return d, m0
    cdef Py_ssize_t M = max(<Py_ssize_t> m0, n) + 1
    work = np.empty(5 * n + 3 * M, dtype=np.int32)
    cdef int32_t* w = <int32_t*> cnp.PyArray_DATA(work)
    cdef int32_t* acc = w
    cdef int32_t* tmp = w + n
    cdef int32_t* pw_a = w + 2 * n
    cdef int32_t* pw_b = w + 3 * n
    cdef int32_t* order = w + 4 * n
    cdef int32_t* cnt = w + 5 * n
    cdef int32_t* stamp = cnt + M
    cdef int32_t* slot = stamp + M
    cdef const int32_t* pw = _ptr(d)
    cdef int32_t* swap
    cdef int32_t m_pw = m0, m_acc = 0
    cdef Py_ssize_t pw_len = 1, acc_len = 0, rest = k, cnt_out
    cdef bint distinct = False
    cdef bint pw_exact = False  # m_pw counts distinct ids exactly (not just an upper bound)
    cdef bint acc_exact = False
    with nogil:
        while True:
            if rest & 1:
                if acc_len == 0:
                    memcpy(acc, pw, (n - pw_len + 1) * sizeof(int32_t))
                    m_acc = m_pw
                    acc_exact = pw_exact
                else:
                    cnt_out = n - (acc_len + pw_len) + 1
                    m_acc = _rename(acc, m_acc, pw, m_pw, acc_len, cnt_out, tmp, cnt, order,
                                    stamp, slot)
                    swap = acc
                    acc = tmp
                    tmp = swap
                    acc_exact = True
                acc_len += pw_len
                if acc_exact and m_acc == n - acc_len + 1:
                    distinct = True  # all acc_len-grams differ, so do all longer ones
                    break
            rest >>= 1
            if rest == 0:
                break
            if pw_exact and m_pw == n - pw_len + 1:
                distinct = True
                break
            cnt_out = n - 2 * pw_len + 1
            m_pw = _rename(pw, m_pw, pw, m_pw, pw_len, cnt_out, pw_a, cnt, order, stamp, slot)
            pw_exact = True
            pw = pw_a
            swap = pw_a
            pw_a = pw_b
            pw_b = swap
            pw_len *= 2
    if distinct:
        return np.arange(N, dtype=np.int32), <Py_ssize_t> N
    return work[acc - w: acc - w + N].copy(), m_acc


def repeat_mask(s, min_len):
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
    cdef Py_ssize_t n = a.shape[0]
    cdef Py_ssize_t k = min(min_len, n + 1)
    mask = np.zeros(n, dtype=np.uint8)
    ids, m = _ngram_ids(a, k)
    cdef Py_ssize_t N = ids.shape[0]
    if N == 0:
        return mask
    counts = np.zeros(m, dtype=np.int32)
    cdef const int32_t* I = _ptr(ids)
    cdef int32_t* C = <int32_t*> cnp.PyArray_DATA(counts)
    cdef uint8_t* out = <uint8_t*> cnp.PyArray_DATA(mask)
    cdef Py_ssize_t i, end = 0
    with nogil:
        for i in range(N):
            C[I[i]] += 1
        for i in range(n):
            if i < N and C[I[i]] >= 2 and i + k > end:
                end = i + k
            if i < end:
                out[i] = 1
    return mask


def top_ngram(s, n):
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
    cdef Py_ssize_t k = min(n, a.shape[0] + 1)
    ids, m = _ngram_ids(a, k)
    cdef Py_ssize_t N = ids.shape[0]
    if N == 0:
        return (0, 0, -1)
    counts = np.zeros(m, dtype=np.int32)
    cdef const int32_t* I = _ptr(ids)
    cdef int32_t* C = <int32_t*> cnp.PyArray_DATA(counts)
    cdef Py_ssize_t i, first = -1, covered = 0, end = 0
    cdef int32_t best_count = 0, best
    with nogil:
        for i in range(N):
            C[I[i]] += 1
            if C[I[i]] > best_count:
                best_count = C[I[i]]
        for i in range(N):
            if C[I[i]] == best_count:
                first = i  # first occurrence of the earliest-starting most frequent n-gram
                break
        best = I[first]
        for i in range(first, N):
            if I[i] == best:
                if i >= end:
                    covered += k
                else:
                    covered += i + k - end
                end = i + k
    return (int(best_count), int(covered), int(first))


def prev_occurrence(s, n):
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
    ids, m = _ngram_ids(a, min(n, a.shape[0] + 1))
    cdef Py_ssize_t N = ids.shape[0]
    out = np.empty(N, dtype=np.int64)
    if N == 0:
        return out
    last_arr = np.full(m, -1, dtype=np.int64)
    cdef const int32_t* I = _ptr(ids)
    cdef int64_t* last = <int64_t*> cnp.PyArray_DATA(last_arr)
    cdef int64_t* P = <int64_t*> cnp.PyArray_DATA(out)
    cdef Py_ssize_t i
    with nogil:
        for i in range(N):
            P[i] = last[I[i]]
            last[I[i]] = i
    return out


# =======================================================================================
# Periodicity
# =======================================================================================

cdef struct Growable:
    int64_t* data
    Py_ssize_t size      # number of int64 values stored
    Py_ssize_t cap


cdef int _push3(Growable* g, int64_t x, int64_t y, int64_t z) noexcept nogil:
    cdef int64_t* nd
    cdef Py_ssize_t ncap
    if g.size + 3 > g.cap:
        ncap = 2 * g.cap + 48
        nd = <int64_t*> realloc(g.data, ncap * sizeof(int64_t))
        if nd == NULL:
            return -1
        g.data = nd
        g.cap = ncap
    g.data[g.size] = x
    g.data[g.size + 1] = y
    g.data[g.size + 2] = z
    g.size += 3
    return 0


cdef int _cmp_len_desc(const void* x, const void* y) noexcept nogil:
    # records are (start, end, period) triples; longer first
    cdef const int64_t* a = <const int64_t*> x
    cdef const int64_t* b = <const int64_t*> y
    cdef int64_t la = a[1] - a[0]
    cdef int64_t lb = b[1] - b[0]
    return (la < lb) - (la > lb)


cdef int _cmp_start(const void* x, const void* y) noexcept nogil:
    cdef const int64_t* a = <const int64_t*> x
    cdef const int64_t* b = <const int64_t*> y
    return (a[0] > b[0]) - (a[0] < b[0])


cdef int64_t _smallest_period(const int32_t* x, int64_t L, int32_t* fail) noexcept nogil:
    """Smallest period of x[0:L) (Knuth-Morris-Pratt failure function)."""
    cdef int64_t i, q = 0
    fail[0] = 0
    for i in range(1, L):
        while q and x[i] != x[q]:
            q = fail[q - 1]
        if x[i] == x[q]:
            q += 1
        fail[i] = <int32_t> q
    return L - fail[L - 1]


cdef int _runs(const int32_t* s, Py_ssize_t n, Py_ssize_t lo, Py_ssize_t hi,
               double min_repeats, Py_ssize_t min_len, const int32_t* spf, int64_t* rec_first,
               int64_t* rec_end, int32_t* fail, Growable* rows, Growable* recs,
               Growable* zones) noexcept nogil:
    cdef Py_ssize_t p, g, need, i, x, y, lim, e, zp, nz, j, d, q, r, rr, length, dq
    cdef double prod
    cdef bint prim, same
    for p in range(lo, hi + 1):
        rec_first[p] = recs.size // 3
        rec_end[p] = rec_first[p]
        prod = min_repeats * <double> p
        if prod > <double> n:
            continue
        need = 1
        if prod > 0 and <Py_ssize_t> ceil(prod) - p > need:
            need = <Py_ssize_t> ceil(prod) - p
        if min_len - p > need:
            need = min_len - p
        lim = n - p  # positions i with s[i] == s[i + p] are checked for i < lim
        if need > lim:
            continue
        g = need  # every reportable p-stretch is >= g long, so it contains a multiple of g
        # Zones: stretches known to be exactly [a, b - p) because [a, b) is a run of a
        # period q dividing p (q < p, longer than p): not primitive, skip them in O(1).
        zones.size = 0
        d = 1
        while d * d <= p:
            if p % d == 0:
                for dq in range(2):
                    q = d if dq == 0 else p // d
                    if q >= p or q < lo or (dq == 1 and q == d):
                        continue
                    for r in range(rec_first[q], rec_end[q]):
                        if recs.data[3 * r + 1] - recs.data[3 * r] <= p:
                            break  # records of one period are sorted longest first
                        if _push3(zones, recs.data[3 * r], recs.data[3 * r + 1] - p, q) < 0:
                            return -1
            d += 1
        nz = zones.size // 3
        if nz > 1:
            qsort(zones.data, nz, 3 * sizeof(int64_t), _cmp_start)
        zp = 0
        i = 0
        while i < lim:
            if s[i] != s[i + p]:
                i += g
                continue
            while zp < nz and zones.data[3 * zp + 1] <= i:
                zp += 1
            if zp < nz and zones.data[3 * zp] <= i:
                e = zones.data[3 * zp + 1]
                i = ((e + g - 1) // g) * g
                continue
            x = i
            while x > 0 and s[x - 1] == s[x - 1 + p]:
                x -= 1
            y = i + 1
            while y < lim and s[y] == s[y + p]:
                y += 1
            if y - x >= need:
                length = y - x + p
                if length >= 2 * p:
                    # p is the smallest period iff the root s[x:x+p] has no period p/r
                    prim = True
                    q = p
                    while q > 1 and prim:
                        r = spf[q]
                        dq = p // r
                        same = True
                        for j in range(p - dq):
                            if s[x + j] != s[x + j + dq]:
                                same = False
                                break
                        if same:
                            prim = False
                        while q % r == 0:
                            q //= r
                else:
                    prim = _smallest_period(s + x, length, fail) == p
                if prim:
                    if _push3(rows, x, x + length, p) < 0:
                        return -1
                    if length >= 2 * p and 2 * p <= hi:
                        if _push3(recs, x, x + length, p) < 0:
                            return -1
            i = (y // g + 1) * g
        rec_end[p] = recs.size // 3
        rr = rec_end[p] - rec_first[p]
        if rr > 1:
            qsort(recs.data + 3 * rec_first[p], rr, 3 * sizeof(int64_t), _cmp_len_desc)
    return 0


def periodic_runs(s, min_period, max_period, min_repeats, min_len):
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
    if min_period > min(max_period, a.shape[0] - 1):
        return np.zeros((0, 3), dtype=np.int64)
    cdef Py_ssize_t n = a.shape[0]
    cdef Py_ssize_t lo = min_period
    cdef Py_ssize_t hi = min(max_period, n - 1)
    cdef Py_ssize_t ml = max(min(min_len, n + 1), -1)
    # smallest prime factor of every period
    spf_arr = np.zeros(hi + 1, dtype=np.int32)
    cdef int32_t* spf = <int32_t*> cnp.PyArray_DATA(spf_arr)
    cdef Py_ssize_t i, j
    for i in range(2, hi + 1):
        if spf[i] == 0:
            j = i
            while j <= hi:
                if spf[j] == 0:
                    spf[j] = <int32_t> i
                j += i
    rec_first_arr = np.zeros(hi + 1, dtype=np.int64)
    rec_end_arr = np.zeros(hi + 1, dtype=np.int64)
    fail_arr = np.empty(2 * hi + 2, dtype=np.int32)
    cdef Growable rows, recs, zones
    rows.data = NULL
    rows.size = rows.cap = 0
    recs.data = NULL
    recs.size = recs.cap = 0
    zones.data = NULL
    zones.size = zones.cap = 0
    cdef int rc
    cdef const int32_t* S = _ptr(a)
    cdef double mr = min_repeats
    cdef int64_t* rf = <int64_t*> cnp.PyArray_DATA(rec_first_arr)
    cdef int64_t* re = <int64_t*> cnp.PyArray_DATA(rec_end_arr)
    cdef int32_t* fl = <int32_t*> cnp.PyArray_DATA(fail_arr)
    try:
        with nogil:
            rc = _runs(S, n, lo, hi, mr, ml, spf, rf, re, fl, &rows, &recs, &zones)
        if rc < 0:
            raise MemoryError()
        out = np.empty((rows.size // 3, 3), dtype=np.int64)
        if rows.size:
            memcpy(cnp.PyArray_DATA(out), rows.data, rows.size * sizeof(int64_t))
    finally:
        free(rows.data)
        free(recs.data)
        free(zones.data)
    if out.shape[0] > 1:
        out = out[np.lexsort((out[:, 2], out[:, 0]))]
    return out


def periodic_tail(s, max_period):
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
    cdef Py_ssize_t n = a.shape[0]
    cdef Py_ssize_t top = min(max_period, n // 2)
    if top < 1:
        return (0, 0.0, int(n))
    z_arr = np.zeros(top + 1, dtype=np.int64)
    cdef int64_t* z = <int64_t*> cnp.PyArray_DATA(z_arr)
    cdef const int32_t* S = _ptr(a)
    cdef Py_ssize_t p, k, left = 0, right = 0, best_p = 0, best_len = 0
    with nogil:
        # Z-function of the reversed sequence r[k] = S[n-1-k], entries 1..top
        for p in range(1, top + 1):
            k = 0
            if p < right:
                k = right - p
                if z[p - left] < k:
                    k = z[p - left]
            while p + k < n and S[n - 1 - k] == S[n - 1 - p - k]:
                k += 1
            z[p] = k
            if p + k > right:
                left = p
                right = p + k
        for p in range(1, top + 1):
            if z[p] >= p and p + z[p] > best_len:
                best_p = p
                best_len = p + z[p]
    if best_p == 0:
        return (0, 0.0, int(n))
    return (int(best_p), best_len / <double> best_p, int(n - best_len))


# =======================================================================================
# Prompt copying: suffix automaton of the reversed t
# =======================================================================================

cdef inline uint64_t _mix(uint64_t x) noexcept nogil:
    x ^= x >> 30
    x *= 0xbf58476d1ce4e5b9ULL
    x ^= x >> 27
    x *= 0x94d049bb133111ebULL
    x ^= x >> 31
    return x


cdef struct Sam:
    int32_t* link
    int32_t* length
    int32_t* maxend   # largest end position (in reversed t) of the strings of the state
    int32_t* head     # first outgoing edge of the state, -1 if none
    int32_t* esym
    int32_t* eto
    int32_t* enext
    int32_t nedges
    uint64_t* hkey    # (state << 32 | symbol) -> edge; free slot: all ones
    int32_t* hedge
    uint64_t hmask


cdef inline int32_t _sam_get(Sam* sam, int32_t v, int32_t c) noexcept nogil:
    cdef uint64_t key = (<uint64_t> v << 32) | <uint32_t> c
    cdef uint64_t slot = _mix(key) & sam.hmask
    while sam.hkey[slot] != <uint64_t> -1:
        if sam.hkey[slot] == key:
            return sam.hedge[slot]
        slot = (slot + 1) & sam.hmask
    return -1


cdef inline void _sam_add(Sam* sam, int32_t v, int32_t c, int32_t to) noexcept nogil:
    cdef uint64_t key = (<uint64_t> v << 32) | <uint32_t> c
    cdef uint64_t slot = _mix(key) & sam.hmask
    cdef int32_t e = sam.nedges
    sam.nedges += 1
    sam.esym[e] = c
    sam.eto[e] = to
    sam.enext[e] = sam.head[v]
    sam.head[v] = e
    while sam.hkey[slot] != <uint64_t> -1:
        slot = (slot + 1) & sam.hmask
    sam.hkey[slot] = key
    sam.hedge[slot] = e


cdef void _sam_build(Sam* sam, const int32_t* t, int32_t m, int32_t* by_len,
                     int32_t* cnt) noexcept nogil:
    cdef int32_t size = 1, last = 0, cur, p, q, clone, ed, x, e, c, v, i
    sam.link[0] = -1
    sam.length[0] = 0
    sam.maxend[0] = -1
    sam.head[0] = -1
    sam.nedges = 0
    for e in range(m):
        c = t[m - 1 - e]
        cur = size
        size += 1
        sam.length[cur] = sam.length[last] + 1
        sam.maxend[cur] = e
        sam.head[cur] = -1
        sam.link[cur] = 0
        p = last
        ed = -1
        while p != -1:
            ed = _sam_get(sam, p, c)
            if ed >= 0:
                break
            _sam_add(sam, p, c, cur)
            p = sam.link[p]
        if p != -1:
            q = sam.eto[ed]
            if sam.length[p] + 1 == sam.length[q]:
                sam.link[cur] = q
            else:
                clone = size
                size += 1
                sam.length[clone] = sam.length[p] + 1
                sam.link[clone] = sam.link[q]
                sam.maxend[clone] = -1
                sam.head[clone] = -1
                x = sam.head[q]
                while x >= 0:
                    _sam_add(sam, clone, sam.esym[x], sam.eto[x])
                    x = sam.enext[x]
                while p != -1:
                    ed = _sam_get(sam, p, c)
                    if ed < 0 or sam.eto[ed] != q:
                        break
                    sam.eto[ed] = clone
                    p = sam.link[p]
                sam.link[q] = clone
                sam.link[cur] = clone
        last = cur
    # the end positions of a state are those of its suffix-link subtree: propagate maxima
    # from the longest states down (counting sort by length)
    memset(cnt, 0, (m + 2) * sizeof(int32_t))
    for v in range(size):
        cnt[sam.length[v] + 1] += 1
    for i in range(m + 1):
        cnt[i + 1] += cnt[i]
    for v in range(size):
        by_len[cnt[sam.length[v]]] = v
        cnt[sam.length[v]] += 1
    i = size - 1
    while i > 0:
        v = by_len[i]
        if sam.maxend[v] > sam.maxend[sam.link[v]]:
            sam.maxend[sam.link[v]] = sam.maxend[v]
        i -= 1


def matching_spans(s, t, min_len):
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
    cdef Py_ssize_t n = a.shape[0]
    cdef Py_ssize_t m = b.shape[0]
    if m >= (1 << 29):
        raise ValueError("t is too long")
    cdef Py_ssize_t nstates = 2 * m + 2
    cdef Py_ssize_t nedges = 3 * m + 8
    cdef Py_ssize_t hcap = 16
    while hcap < 2 * nedges:
        hcap *= 2
    ints = np.empty(5 * nstates + 3 * nedges + hcap + (m + 2), dtype=np.int32)
    keys = np.full(hcap, 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)  # empty slot: all ones
    ms_arr = np.empty(n, dtype=np.int64)
    ts_arr = np.empty(n, dtype=np.int64)
    cdef int32_t* w = <int32_t*> cnp.PyArray_DATA(ints)
    cdef Sam sam
    sam.link = w
    sam.length = w + nstates
    sam.maxend = w + 2 * nstates
    sam.head = w + 3 * nstates
    cdef int32_t* by_len = w + 4 * nstates
    sam.esym = w + 5 * nstates
    sam.eto = sam.esym + nedges
    sam.enext = sam.eto + nedges
    sam.hedge = sam.enext + nedges
    cdef int32_t* cnt = sam.hedge + hcap
    sam.hkey = <uint64_t*> cnp.PyArray_DATA(keys)
    sam.hmask = <uint64_t> (hcap - 1)
    cdef const int32_t* S = _ptr(a)
    cdef const int32_t* T = _ptr(b)
    cdef int64_t* MS = <int64_t*> cnp.PyArray_DATA(ms_arr)
    cdef int64_t* TS = <int64_t*> cnp.PyArray_DATA(ts_arr)
    cdef Py_ssize_t i, k = 0, prev_end = -1, ml = min(min_len, n + 1)
    cdef int32_t v = 0, ed, c
    cdef int64_t cur_len = 0
    with nogil:
        _sam_build(&sam, T, <int32_t> m, by_len, cnt)
        i = n - 1
        while i >= 0:
            c = S[i]
            while True:
                ed = _sam_get(&sam, v, c)
                if ed >= 0:
                    v = sam.eto[ed]
                    cur_len += 1
                    break
                if v == 0:
                    cur_len = 0
                    break
                v = sam.link[v]
                cur_len = sam.length[v]
            MS[i] = cur_len
            TS[i] = m - 1 - sam.maxend[v]
            i -= 1
        for i in range(n):
            if MS[i] >= ml and i + MS[i] > prev_end:
                prev_end = i + MS[i]
                k += 1
    out = np.empty((k, 3), dtype=np.int64)
    cdef int64_t* O = <int64_t*> cnp.PyArray_DATA(out)
    prev_end = -1
    k = 0
    with nogil:
        for i in range(n):
            if MS[i] >= ml and i + MS[i] > prev_end:
                prev_end = i + MS[i]
                O[3 * k] = i
                O[3 * k + 1] = prev_end
                O[3 * k + 2] = TS[i]
                k += 1
    return out


# =======================================================================================
# Near-repeat segments (the loop detector's candidate search)
# =======================================================================================

include "_near.pxi"
include "_rep.pxi"
include "_claims.pxi"
