# Grounding: the claim tokenizer's lexer (included by _ngram.pyx).
#
# claim_lex is a hand-written matcher for the alternatives of
# tracelint.grounding.parser._TOKEN (the pure-Python twin in tracelint/_ngram_py.py runs that
# very expression).  Character classes follow Python's `re` for str patterns: \d is
# Py_UNICODE_ISDECIMAL, \w is Py_UNICODE_ISALNUM or '_', \s is Py_UNICODE_ISSPACE.

cdef extern from "Python.h":
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil
    bint Py_UNICODE_ISALNUM(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISDECIMAL(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil

#: Group numbers of :func:`claim_lex`, in the order the alternatives are tried.
CLAIM_LEX_GROUPS = ("ws", "nl", "num", "cmd", "sup", "vf", "supvar", "sub", "word", "two",
                    "ch")


cdef inline bint _cl_ws(Py_UCS4 c) noexcept nogil:
    return (c == 0x20 or c == 0x09 or c == 0xa0 or (0x2002 <= c <= 0x200b) or c == 0x202f
            or c == 0x205f or c == 0x3000)


cdef inline bint _cl_sup(Py_UCS4 c) noexcept nogil:
    return c == 0x2070 or c == 0xb9 or c == 0xb2 or c == 0xb3 or (0x2074 <= c <= 0x2079)


cdef inline bint _cl_supvar(Py_UCS4 c) noexcept nogil:
    return (c == 0x2071 or c == 0x207f or c == 0x2e3 or (0x1d43 <= c <= 0x1d5b)
            or (0x1d62 <= c <= 0x1d6a))


cdef inline bint _cl_asciialnum(Py_UCS4 c) noexcept nogil:
    return (0x30 <= c <= 0x39) or (0x41 <= c <= 0x5a) or (0x61 <= c <= 0x7a)


cdef inline bint _cl_asciialpha(Py_UCS4 c) noexcept nogil:
    return (0x41 <= c <= 0x5a) or (0x61 <= c <= 0x7a)


cdef inline bint _cl_word(Py_UCS4 c) noexcept nogil:
    # [^\W\d_\u00b2\u00b3\u00b9\u2070-\u209f\u00bc-\u00be\u2150-\u215f]
    if c == 0x5f or c == 0xb2 or c == 0xb3 or c == 0xb9 or (0x2070 <= c <= 0x209f) \
            or (0xbc <= c <= 0xbe) or (0x2150 <= c <= 0x215f):
        return False
    return Py_UNICODE_ISALNUM(c) and not Py_UNICODE_ISDECIMAL(c)


cdef Py_ssize_t _cl_match(int kind, void* d, Py_ssize_t p, Py_ssize_t hi, int* group) noexcept:
    """End of the lexeme at ``p`` (``p < hi``); its group in ``group``."""
    cdef Py_UCS4 c = PyUnicode_READ(kind, d, p)
    cdef Py_UCS4 c2
    cdef Py_ssize_t q, r, last
    # ws
    if _cl_ws(c):
        q = p + 1
        while q < hi and _cl_ws(PyUnicode_READ(kind, d, q)):
            q += 1
        group[0] = 0
        return q
    # nl
    if c == 0x0d:
        group[0] = 1
        if p + 1 < hi and PyUnicode_READ(kind, d, p + 1) == 0x0a:
            return p + 2
        return p + 1
    if c == 0x0a:
        group[0] = 1
        return p + 1
    # num: \d(?:[\d,.]*\d)? | \.\d+
    if Py_UNICODE_ISDECIMAL(c):
        last = p + 1
        q = p + 1
        while q < hi:
            c2 = PyUnicode_READ(kind, d, q)
            if Py_UNICODE_ISDECIMAL(c2):
                q += 1
                last = q
            elif c2 == 0x2c or c2 == 0x2e:
                q += 1
            else:
                break
        group[0] = 2
        return last
    if c == 0x2e and p + 1 < hi and Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, d, p + 1)):
        q = p + 2
        while q < hi and Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, d, q)):
            q += 1
        group[0] = 2
        return q
    # cmd: \\(?:[A-Za-z]+|.)
    if c == 0x5c and p + 1 < hi:
        c2 = PyUnicode_READ(kind, d, p + 1)
        if _cl_asciialpha(c2):
            q = p + 2
            while q < hi and _cl_asciialpha(PyUnicode_READ(kind, d, q)):
                q += 1
            group[0] = 3
            return q
        if c2 != 0x0a:
            group[0] = 3
            return p + 2
    # sup: \u207b?[sup]+
    if c == 0x207b or _cl_sup(c):
        q = p + 1 if c == 0x207b else p
        r = q
        while r < hi and _cl_sup(PyUnicode_READ(kind, d, r)):
            r += 1
        if r > q:
            group[0] = 4
            return r
    # vf
    if (0xbc <= c <= 0xbe) or (0x2150 <= c <= 0x215e):
        group[0] = 5
        return p + 1
    # supvar
    if _cl_supvar(c):
        q = p + 1
        while q < hi and _cl_supvar(PyUnicode_READ(kind, d, q)):
            q += 1
        group[0] = 6
        return q
    # sub: _(?:\{[^{}\n]{0,40}\}|[A-Za-z0-9]+)
    if c == 0x5f and p + 1 < hi:
        c2 = PyUnicode_READ(kind, d, p + 1)
        if c2 == 0x7b:
            q = p + 2
            while q < hi and q - (p + 2) <= 40:
                c2 = PyUnicode_READ(kind, d, q)
                if c2 == 0x7d:
                    group[0] = 7
                    return q + 1
                if c2 == 0x7b or c2 == 0x0a:
                    break
                q += 1
        elif _cl_asciialnum(c2):
            q = p + 2
            while q < hi and _cl_asciialnum(PyUnicode_READ(kind, d, q)):
                q += 1
            group[0] = 7
            return q
    # word
    if _cl_word(c):
        q = p + 1
        while q < hi and _cl_word(PyUnicode_READ(kind, d, q)):
            q += 1
        # (?:['\u2019]W+)*
        while q + 1 < hi:
            c2 = PyUnicode_READ(kind, d, q)
            if (c2 == 0x27 or c2 == 0x2019) and _cl_word(PyUnicode_READ(kind, d, q + 1)):
                q += 2
                while q < hi and _cl_word(PyUnicode_READ(kind, d, q)):
                    q += 1
            else:
                break
        # (?:['\u2019\u2032]+(?=\())?
        r = q
        while r < hi:
            c2 = PyUnicode_READ(kind, d, r)
            if c2 == 0x27 or c2 == 0x2019 or c2 == 0x2032:
                r += 1
            else:
                break
        if r > q and r < hi and PyUnicode_READ(kind, d, r) == 0x28:
            q = r
        # [\u2080-\u2089]*
        while q < hi and 0x2080 <= PyUnicode_READ(kind, d, q) <= 0x2089:
            q += 1
        group[0] = 8
        return q
    # two
    if p + 1 < hi:
        c2 = PyUnicode_READ(kind, d, p + 1)
        if (c == 0x3c and (c2 == 0x3c or c2 == 0x3d or c2 == 0x2d)) or \
                (c == 0x3e and (c2 == 0x3e or c2 == 0x3d)) or \
                (c == 0x2a and (c2 == 0x2a or c2 == 0x3d)) or \
                (c == 0x3d and (c2 == 0x3d or c2 == 0x3e or c2 == 0x3c)) or \
                ((c == 0x21 or c == 0x3a or c == 0x2b or c == 0x2f or c == 0x7e) and c2 == 0x3d) or \
                (c == 0x2d and (c2 == 0x3d or c2 == 0x3e)):
            group[0] = 9
            return p + 2
        if c == 0x2e and c2 == 0x2e and p + 2 < hi and PyUnicode_READ(kind, d, p + 2) == 0x2e:
            group[0] = 9
            return p + 3
    group[0] = 10
    return p + 1


def claim_lex(str text, Py_ssize_t pos, Py_ssize_t hi):
    """Lexemes of the grounding tokenizer in ``text[pos:hi]`` (``hi`` acts as the end of the
    text, as ``endpos`` of ``re.match`` does), as a flat list of int quadruples
    ``[group, start_ws, start, end, ...]``.  ``group`` indexes :data:`CLAIM_LEX_GROUPS`;
    whitespace runs are not reported: ``start_ws < start`` says that whitespace starting at
    ``start_ws`` precedes the lexeme (``start_ws == start`` otherwise).  Trailing whitespace
    yields nothing.  Lexing from any position gives the same lexemes as the alternatives of
    ``tracelint.grounding.parser._TOKEN`` matched one after the other from there."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* d = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text)
    cdef Py_ssize_t e, ws = -1
    cdef int g = 0
    cdef list out = []
    if hi > n:
        hi = n
    if pos < 0:
        pos = 0
    while pos < hi:
        e = _cl_match(kind, d, pos, hi, &g)
        if g == 0:
            ws = pos
        else:
            out.append(g)
            out.append(ws if ws >= 0 else pos)
            out.append(pos)
            out.append(e)
            ws = -1
        pos = e
    return out


cdef extern from "Python.h":
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    object PyLong_FromSsize_t(Py_ssize_t v)
    object PyList_New(Py_ssize_t n)
    void PyList_SET_ITEM(object lst, Py_ssize_t i, object item)
    void Py_INCREF(object o)


cdef inline Py_UCS4 _cl_json_esc(Py_UCS4 d) noexcept nogil:
    if d == 0x62:    # b
        return 0x08
    if d == 0x66:    # f
        return 0x0c
    if d == 0x6e:    # n
        return 0x0a
    if d == 0x72:    # r
        return 0x0d
    if d == 0x74:    # t
        return 0x09
    return d         # '"', '\\', '/' and unknown escapes: the character itself


def json_string_decode(str text, Py_ssize_t pos):
    """Decode the JSON string body that starts at ``pos`` (just after its opening quote) and
    runs to the next unescaped ``"`` or, when the JSON is truncated, to the end of ``text``.
    Returns ``(decoded, offsets)``: ``offsets[k]`` is the index in ``text`` where decoded
    character ``k`` starts, and one last entry is the index where decoding stopped.  Escapes:
    ``\\uXXXX`` (read with ``int(..., 16)``; an invalid one decodes as ``u``), ``\\n``,
    ``\\t``, ``\\"`` and the other JSON escapes; an unknown escape ``\\q`` decodes as ``q``."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* d = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text)
    cdef Py_ssize_t i = pos
    cdef Py_ssize_t k = 0, cap
    cdef Py_UCS4 c, e
    cdef Py_UCS4* chars
    cdef Py_ssize_t* offs
    cdef long code
    cdef bint ok
    cdef Py_ssize_t j
    if pos < 0:
        raise ValueError("pos must be >= 0")
    cap = (n - i if i < n else 0) + 1
    chars = <Py_UCS4*>malloc(cap * sizeof(Py_UCS4))
    offs = <Py_ssize_t*>malloc((cap + 1) * sizeof(Py_ssize_t))
    if chars == NULL or offs == NULL:
        free(chars)
        free(offs)
        raise MemoryError()
    try:
        while i < n:
            c = PyUnicode_READ(kind, d, i)
            if c == 0x22:
                break
            if c == 0x5c and i + 1 < n:
                e = PyUnicode_READ(kind, d, i + 1)
                if e == 0x75 and i + 5 < n:
                    ok = True
                    try:
                        code = ord(chr(int(text[i + 2:i + 6], 16)))
                    except ValueError:
                        ok = False
                    if ok:
                        chars[k] = <Py_UCS4>code
                        offs[k] = i
                        k += 1
                        i += 6
                        continue
                chars[k] = _cl_json_esc(e)
                offs[k] = i
                k += 1
                i += 2
                continue
            chars[k] = c
            offs[k] = i
            k += 1
            i += 1
        offs[k] = i
        decoded = PyUnicode_FromKindAndData(4, chars, k)
        out = PyList_New(k + 1)
        for j in range(k + 1):
            item = PyLong_FromSsize_t(offs[j])
            Py_INCREF(item)
            PyList_SET_ITEM(out, j, item)
        return decoded, out
    finally:
        free(chars)
        free(offs)


# --------------------------------------------------------------------------------------------
# Candidate-span runs of the claim scanner (tracelint.grounding.claims): hand-written
# matchers for the pure-Python twin's expressions _CLAIM_LHS_RUN (read on the reversed text)
# and _CLAIM_RHS_RUN.  Each is `(?:alternatives)*` with nothing after the loop, so the engine
# takes, at every position, the first alternative that matches and never backtracks into an
# earlier one; the functions below try the alternatives in the same order.  Every letter
# alternative whose match must be followed by a non-letter matches a whole ASCII-letter run,
# which is what makes the word lists a set lookup.  Lookbehinds see the text before ``pos``
# and lookaheads stop at ``stop``, as `re` does with `pos` / `endpos`.

cdef frozenset _CL_FUNC_FWD = frozenset(
    "sqrt cbrt sin cos tan cot sec csc arcsin arccos arctan asin acos atan sinh cosh tanh log "
    "ln lg exp abs floor ceil round max min gcd lcm mod".split())
cdef frozenset _CL_FUNC_REV = frozenset(w[::-1] for w in _CL_FUNC_FWD)
cdef frozenset _CL_OPWORD_FWD = frozenset(
    "times of plus minus by divided multiplied per over approximately approx about around "
    "roughly nearly dozen hundred thousand million billion".split())
cdef frozenset _CL_OPWORD_REV = frozenset(
    "semit fo sulp sunim yb dedivid deilpitlum rep revo nezod derdnuh dnasuoht noillim".split())
cdef frozenset _CL_TEXTCMD_FWD = frozenset(
    "text mathrm textrm mbox textit operatorname mathsf".split())
cdef frozenset _CL_TEXTCMD_REV = frozenset(
    "txet mrhtam mrtxet xobm tixet emanrotarepo fsthtam".split())


cdef inline bint _cs_letter8(Py_UCS4 c) noexcept nogil:
    # [A-Za-z\u00c0-\u024f\u0370-\u03ff]
    return _cl_asciialpha(c) or (0xc0 <= c <= 0x24f) or (0x370 <= c <= 0x3ff)


cdef inline bint _cs_unit_mark(Py_UCS4 c) noexcept nogil:
    # [\d%$)}/]: what stands before a unit word
    return (Py_UNICODE_ISDECIMAL(c) or c == 0x25 or c == 0x24 or c == 0x29 or c == 0x7d
            or c == 0x2f)


cdef inline bint _cs_cjk_unit(Py_UCS4 c) noexcept nogil:
    # [\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]: kana, CJK ideographs, Hangul
    return ((0x3040 <= c <= 0x30ff) or (0x3400 <= c <= 0x9fff) or (0xac00 <= c <= 0xd7af)
            or (0xf900 <= c <= 0xfaff))


cdef inline bint _cs_space(Py_UCS4 c) noexcept nogil:
    return c == 0x20 or c == 0x09 or c == 0xa0 or c == 0x2009 or c == 0x202f


cdef inline bint _cs_run_op(Py_UCS4 c) noexcept nogil:
    # _CLAIM_RUN_OPS: the known products and roots \u2219 \u2715 \u2716 \u221b \u221c and the
    # operator symbols the parser reads but does not evaluate (_CLAIM_UNKNOWN_OPS)
    if c < 0x2022 or c > 0x2a3f:
        return False
    return (c == 0x2219 or c == 0x2715 or c == 0x2716 or c == 0x221b or c == 0x221c
            or c == 0x2214 or c == 0x2216 or c == 0x2218 or c == 0x2227 or c == 0x2228
            or c == 0x2238 or c == 0x2240 or (0x228c <= c <= 0x228e) or (0x2293 <= c <= 0x22a1)
            or (0x22ba <= c <= 0x22bd) or c == 0x22c4 or c == 0x22c6 or c == 0x22c7
            or (0x22c9 <= c <= 0x22cc) or c == 0x22ce or c == 0x22cf or c == 0x22d2
            or c == 0x22d3 or (0x2a22 <= c <= 0x2a3f) or c == 0x2191 or c == 0x2193
            or c == 0x21d1 or c == 0x21d3 or (0x25a0 <= c <= 0x25b2) or (0x25b4 <= c <= 0x25ff)
            or c == 0x2605 or c == 0x2606 or c == 0x2022)


cdef inline bint _cs_symbol(Py_UCS4 c, bint rhs) noexcept nogil:
    # [-+*/^\u00d7\u00f7\u00b7\u22c5\u2217\u2212\u2013\u2044\u2215%!()\[\]{}$\u20ac\u00a3\u00a5
    #  \u20b9\u221a\u03c0\u00b0\u2032\u2033\u00b2\u00b3\u00b9\u2070-\u209f\u00bc-\u00be
    #  \u2150-\u215e_'\u2019] (and =~\u2248 on the right-hand side)
    if c < 0x80:
        if (c == 0x2d or c == 0x2b or c == 0x2a or c == 0x2f or c == 0x5e or c == 0x25
                or c == 0x21 or c == 0x28 or c == 0x29 or c == 0x5b or c == 0x5d or c == 0x7b
                or c == 0x7d or c == 0x24 or c == 0x5f or c == 0x27):
            return True
        return rhs and (c == 0x3d or c == 0x7e)
    if (c == 0xd7 or c == 0xf7 or c == 0xb7 or c == 0x22c5 or c == 0x2217 or c == 0x2212
            or c == 0x2013 or c == 0x2044 or c == 0x2215 or c == 0x20ac or c == 0xa3
            or c == 0xa5 or c == 0x20b9 or c == 0x221a or c == 0x3c0 or c == 0xb0
            or c == 0x2032 or c == 0x2033 or c == 0xb2 or c == 0xb3 or c == 0xb9
            or (0x2070 <= c <= 0x209f) or (0xbc <= c <= 0xbe) or (0x2150 <= c <= 0x215e)
            or c == 0x2019 or _cs_run_op(c)):
        return True
    return rhs and c == 0x2248


cdef inline Py_ssize_t _cs_letters(int kind, void* d, Py_ssize_t p, Py_ssize_t stop) noexcept:
    """End of the run of ASCII letters at p."""
    while p < stop and _cl_asciialpha(PyUnicode_READ(kind, d, p)):
        p += 1
    return p


cdef inline bint _cs_label_char(Py_UCS4 c) noexcept nogil:
    return _cl_asciialpha(c) or c == 0x27 or c == 0x2019


cdef inline Py_ssize_t _cs_label_letters(int kind, void* d, Py_ssize_t p, Py_ssize_t stop) noexcept:
    """End of the run of ASCII letters and apostrophes at p."""
    while p < stop and _cs_label_char(PyUnicode_READ(kind, d, p)):
        p += 1
    return p


cdef inline bint _cs_is(str s, Py_ssize_t a, Py_ssize_t b, frozenset words):
    return s[a:b] in words


cdef Py_ssize_t _cs_lhs_step(str s, int kind, void* d, Py_ssize_t p, Py_ssize_t stop) except -2:
    """End of the first alternative of the left-hand-side run that matches at p, -1 if none."""
    cdef Py_UCS4 c = PyUnicode_READ(kind, d, p)
    cdef Py_UCS4 c2
    cdef Py_ssize_t q, j, x, xl, k, n
    if _cl_asciialpha(c):
        q = _cs_letters(kind, d, p + 1, stop)
        # [A-Za-z]+\\
        if q < stop and PyUnicode_READ(kind, d, q) == 0x5c:
            return q + 1
    # [{}%$,;:! ]\\
    if (c == 0x7b or c == 0x7d or c == 0x25 or c == 0x24 or c == 0x2c or c == 0x3b
            or c == 0x3a or c == 0x21 or c == 0x20) and p + 1 < stop and \
            PyUnicode_READ(kind, d, p + 1) == 0x5c:
        return p + 2
    # \}[^{}\n]{0,40}\{(?:txet|...)\\
    if c == 0x7d:
        j = p + 1
        while j < stop and j - (p + 1) < 40:
            c2 = PyUnicode_READ(kind, d, j)
            if c2 == 0x7b or c2 == 0x7d or c2 == 0x0a:
                break
            j += 1
        if j < stop and PyUnicode_READ(kind, d, j) == 0x7b:
            q = _cs_letters(kind, d, j + 1, stop)
            if q < stop and PyUnicode_READ(kind, d, q) == 0x5c and \
                    _cs_is(s, j + 1, q, _CL_TEXTCMD_REV):
                return q + 1
    if _cl_asciialpha(c):
        q = _cs_letters(kind, d, p + 1, stop)
        # (?:function names)(?![A-Za-z])
        if _cs_is(s, p, q, _CL_FUNC_REV):
            return q
        # (?<=\()[A-Za-z]{1,12}(?![A-Za-z])
        if p > 0 and PyUnicode_READ(kind, d, p - 1) == 0x28 and q - p <= 12:
            return q
        # (?<![A-Za-z])ip(?![A-Za-z])  ("pi" reversed)
        if c == 0x69 and q == p + 2 and PyUnicode_READ(kind, d, p + 1) == 0x70 and \
                (p == 0 or not _cl_asciialpha(PyUnicode_READ(kind, d, p - 1))):
            return q
        # (?<=\))[A-Za-z'\u2019]{1,15}(?: [A-Za-z'\u2019]{1,15}){0,3}\(  (a label in parentheses,
        # reversed).  Each word is a whole run of its class (a cut word is followed by a
        # letter, never by ' ' or '('), so the engine's backtracking finds no other match.
        if p > 0 and PyUnicode_READ(kind, d, p - 1) == 0x29:
            j = _cs_label_letters(kind, d, p, stop)
            if j - p <= 15:
                k = 0
                while True:
                    if j < stop and PyUnicode_READ(kind, d, j) == 0x28:
                        return j + 1
                    if k < 3 and j + 1 < stop and PyUnicode_READ(kind, d, j) == 0x20 and \
                            _cs_label_char(PyUnicode_READ(kind, d, j + 1)):
                        x = j + 1
                        j = _cs_label_letters(kind, d, x, stop)
                        if j - x > 15:
                            break
                        k += 1
                        continue
                    break
        # (?:[A-Za-z]{1,15} ){0,3}[A-Za-z]{2,15} ?(?=[\d%$)}/])
        # As many "word " groups as match (at most 3), then the last word; when that fails the
        # engine gives back one group, whose word then ends the match if a mark follows its
        # space (giving back more leaves a letter after the space: no match).
        x = p
        xl = -1
        k = 0
        while k < 3:
            j = _cs_letters(kind, d, x, stop)
            n = j - x
            if n == 0 or n > 15 or j >= stop or PyUnicode_READ(kind, d, j) != 0x20:
                break
            xl = x
            x = j + 1
            k += 1
        j = _cs_letters(kind, d, x, stop)
        n = j - x
        if 2 <= n <= 15 and j < stop:
            c2 = PyUnicode_READ(kind, d, j)
            if c2 == 0x20:
                if j + 1 < stop and _cs_unit_mark(PyUnicode_READ(kind, d, j + 1)):
                    return j + 1
            elif _cs_unit_mark(c2):
                return j
        if k > 0 and x - 1 - xl >= 2 and x < stop and _cs_unit_mark(PyUnicode_READ(kind, d, x)):
            return x
        # (?:semit|fo|...)(?= )
        if q < stop and PyUnicode_READ(kind, d, q) == 0x20 and _cs_is(s, p, q, _CL_OPWORD_REV):
            return q
    # a single letter (Latin, Greek, ...)
    if _cs_letter8(c) and (p == 0 or not _cs_letter8(PyUnicode_READ(kind, d, p - 1))) and \
            (p + 1 >= stop or not _cs_letter8(PyUnicode_READ(kind, d, p + 1))):
        return p + 1
    # [CJK]{1,2}(?=\d): a counter or unit after a number (3个, 4개, 5個), reversed
    if _cs_cjk_unit(c) and p + 1 < stop:
        c2 = PyUnicode_READ(kind, d, p + 1)
        if _cs_cjk_unit(c2) and p + 2 < stop and \
                Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, d, p + 2)):
            return p + 2
        if Py_UNICODE_ISDECIMAL(c2):
            return p + 1
    if _cs_space(c) or Py_UNICODE_ISDECIMAL(c) or c == 0x2e or c == 0x2c or _cs_symbol(c, False):
        return p + 1
    return -1


cdef Py_ssize_t _cs_rhs_step(str s, int kind, void* d, Py_ssize_t p, Py_ssize_t stop) except -2:
    """End of the first alternative of the right-hand-side run that matches at p, -1 if none."""
    cdef Py_UCS4 c = PyUnicode_READ(kind, d, p)
    cdef Py_UCS4 c2
    cdef Py_ssize_t q, j, k, n
    if c == 0x5c and p + 1 < stop:
        c2 = PyUnicode_READ(kind, d, p + 1)
        if _cl_asciialpha(c2):
            q = _cs_letters(kind, d, p + 2, stop)
            # \\(?:text|...)\s*\{[^{}\n]{0,40}\}
            if _cs_is(s, p + 1, q, _CL_TEXTCMD_FWD):
                j = q
                while j < stop and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, d, j)):
                    j += 1
                if j < stop and PyUnicode_READ(kind, d, j) == 0x7b:
                    k = j + 1
                    while k < stop and k - (j + 1) < 40:
                        c2 = PyUnicode_READ(kind, d, k)
                        if c2 == 0x7b or c2 == 0x7d or c2 == 0x0a:
                            break
                        k += 1
                    if k < stop and PyUnicode_READ(kind, d, k) == 0x7d:
                        return k + 1
            # \\[A-Za-z]+
            return q
        # \\[{}%$,;:! ]
        if (c2 == 0x7b or c2 == 0x7d or c2 == 0x25 or c2 == 0x24 or c2 == 0x2c or c2 == 0x3b
                or c2 == 0x3a or c2 == 0x21 or c2 == 0x20):
            return p + 2
    if _cl_asciialpha(c):
        q = _cs_letters(kind, d, p + 1, stop)
        # (?:function names)(?![A-Za-z])
        if _cs_is(s, p, q, _CL_FUNC_FWD):
            return q
        # [A-Za-z]{1,12}(?=\()
        if q - p <= 12 and q < stop and PyUnicode_READ(kind, d, q) == 0x28:
            return q
        # (?<![A-Za-z])pi(?![A-Za-z])
        if c == 0x70 and q == p + 2 and PyUnicode_READ(kind, d, p + 1) == 0x69 and \
                (p == 0 or not _cl_asciialpha(PyUnicode_READ(kind, d, p - 1))):
            return q
        # (?:(?<=[\d%$)}/])|(?<=[\d%$)}/] ))[A-Za-z]{2,15}(?: [A-Za-z]{1,15}){0,3}
        if q - p >= 2 and ((p >= 1 and _cs_unit_mark(PyUnicode_READ(kind, d, p - 1))) or
                           (p >= 2 and PyUnicode_READ(kind, d, p - 1) == 0x20 and
                            _cs_unit_mark(PyUnicode_READ(kind, d, p - 2)))):
            if q - p > 15:
                return p + 15
            j = q
            k = 0
            while k < 3 and j + 1 < stop and PyUnicode_READ(kind, d, j) == 0x20 and \
                    _cl_asciialpha(PyUnicode_READ(kind, d, j + 1)):
                n = _cs_letters(kind, d, j + 1, stop) - (j + 1)
                j = j + 1 + (n if n <= 15 else 15)
                k += 1
                if n > 15:
                    break
            return j
        # (?:times|of|...)(?= )
        if q < stop and PyUnicode_READ(kind, d, q) == 0x20 and _cs_is(s, p, q, _CL_OPWORD_FWD):
            return q
    # a single letter (Latin, Greek, ...)
    if _cs_letter8(c) and (p == 0 or not _cs_letter8(PyUnicode_READ(kind, d, p - 1))) and \
            (p + 1 >= stop or not _cs_letter8(PyUnicode_READ(kind, d, p + 1))):
        return p + 1
    if _cs_space(c) or Py_UNICODE_ISDECIMAL(c) or c == 0x2e or c == 0x2c or _cs_symbol(c, True):
        return p + 1
    return -1


cdef inline Py_ssize_t _cs_clip(Py_ssize_t i, Py_ssize_t n) noexcept:
    return 0 if i < 0 else (n if i > n else i)


def claim_lhs_run(str rev, Py_ssize_t pos, Py_ssize_t stop):
    """End of the left-hand-side run of a claim candidate: ``_CLAIM_LHS_RUN.match(rev, pos,
    stop).end()`` on the reversed text ``rev`` (the run reads leftwards from an anchor), with
    ``pos`` and ``stop`` clipped to the text; ``pos`` when ``stop <= pos``."""
    cdef int kind = PyUnicode_KIND(rev)
    cdef void* d = PyUnicode_DATA(rev)
    cdef Py_ssize_t e
    pos = _cs_clip(pos, len(rev))
    stop = _cs_clip(stop, len(rev))
    while pos < stop:
        e = _cs_lhs_step(rev, kind, d, pos, stop)
        if e < 0:
            break
        pos = e
    return pos


def claim_rhs_run(str text, Py_ssize_t pos, Py_ssize_t stop):
    """End of the right-hand-side run of a claim candidate (and of the further ``=`` of a
    chain): ``_CLAIM_RHS_RUN.match(text, pos, stop).end()``, with ``pos`` and ``stop``
    clipped to the text; ``pos`` when ``stop <= pos``."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* d = PyUnicode_DATA(text)
    cdef Py_ssize_t e
    pos = _cs_clip(pos, len(text))
    stop = _cs_clip(stop, len(text))
    while pos < stop:
        e = _cs_rhs_step(text, kind, d, pos, stop)
        if e < 0:
            break
        pos = e
    return pos
