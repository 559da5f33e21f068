"""Property tests of the kernels: compiled core == pure-Python twin == naive reference.

Runs under TRACELINT_IMPLEMENTATION=python and =cython alike: both implementations are
compared directly whenever the extension is built (the comparisons with the compiled core
are skipped, with a reason, only if tracelint._ngram cannot be imported).
"""
from __future__ import annotations

import inspect
import os
import subprocess
import sys
import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import naive_kernels as NV
from tracelint import _ngram_py as PY

try:
    from tracelint import _ngram as CY
    _CY_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the build
    CY = None
    _CY_ERROR = str(exc)

NO_CY_REASON = (
    f"compiled core tracelint._ngram is not built ({_CY_ERROR}); only the pure-Python twin "
    "is compared with the naive references"
)
needs_cy = pytest.mark.skipif(CY is None, reason=NO_CY_REASON)
IMPLS = [PY] + ([CY] if CY is not None else [])
IMPL_PARAMS = [
    pytest.param(PY, id="python"),
    pytest.param(CY, id="cython", marks=needs_cy),
]
KERNELS = [
    "encode_units", "suffix_array", "lcp_array", "repeat_mask", "top_ngram",
    "prev_occurrence", "periodic_runs", "periodic_tail", "matching_spans",
]
#: per-trace kernels of the repetition detector (src/_rep.pxi); doctest examples, no
#: Complexity / Example headings
REP_KERNELS = ["gopher_stats", "novelty_shares", "segment_bounds", "best_stretch",
               "claim_recurrence", "near_copy_windows"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FAST = settings(deadline=None, max_examples=500,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(deadline=None, max_examples=400,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------------------------------
# helpers


def same(a, b):
    """Equal values, and for arrays equal dtype and shape too."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and np.array_equal(a, b))
    return type(a) is type(b) and a == b


def run_all(name, *args):
    """Result of every available implementation; asserts that they agree exactly."""
    results = [getattr(m, name)(*args) for m in IMPLS]
    for r in results[1:]:
        assert same(results[0], r), (name, args, results)
    return results[0]


def as_list(x):
    return np.asarray(x).tolist()


# ---------------------------------------------------------------------------------------
# strategies for unit arrays


@st.composite
def unit_arrays(draw, max_size=48):
    """Random, periodic-with-noise and large-alphabet arrays; alphabets of 1-3 letters
    are frequent so that repeats and runs are frequent."""
    style = draw(st.sampled_from(["tiny", "tiny", "periodic", "periodic", "wide", "huge_ids"]))
    if style == "tiny":
        k = draw(st.integers(1, 3))
        return draw(st.lists(st.integers(0, k - 1), max_size=max_size))
    if style == "periodic":
        k = draw(st.integers(1, 4))
        block = draw(st.lists(st.integers(0, k - 1), min_size=1, max_size=7))
        reps = draw(st.integers(1, 8))
        body = (block * reps)[:max_size]
        prefix = draw(st.lists(st.integers(0, k), max_size=4))
        suffix = draw(st.lists(st.integers(0, k), max_size=4))
        body = prefix + body + suffix
        for _ in range(draw(st.integers(0, 2))):
            if body:
                i = draw(st.integers(0, len(body) - 1))
                body[i] = draw(st.integers(0, k))
        return body[:max_size]
    if style == "wide":
        return draw(st.lists(st.integers(0, 40), max_size=max_size))
    return draw(st.lists(st.integers(0, 2**31 - 1), max_size=max_size // 2) | st.lists(
        st.sampled_from([0, 7, 2**31 - 1, 123456789]), max_size=max_size))


# ---------------------------------------------------------------------------------------
# implementation selection and API parity


def test_cython_core_is_built():
    if CY is None:
        pytest.skip(NO_CY_REASON)
    assert CY.__file__.endswith((".so", ".pyd"))


def test_selected_implementation_matches_environment():
    from tracelint import ngram
    requested = os.environ.get("TRACELINT_IMPLEMENTATION", "").strip().lower()
    if requested in ("cython", "python"):
        assert ngram.IMPLEMENTATION == requested
    else:
        assert ngram.IMPLEMENTATION == ("cython" if CY is not None else "python")
    mod = CY if ngram.IMPLEMENTATION == "cython" else PY
    for name in KERNELS + ["UNIT_PATTERN"]:
        assert getattr(ngram, name) is getattr(mod, name)


def _python(code, **env):
    full = dict(os.environ)
    full.pop("TRACELINT_IMPLEMENTATION", None)
    full.update(env)
    full["PYTHONPATH"] = ROOT + os.pathsep + full.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True,
                          text=True, env=full, cwd=ROOT)


def test_forced_python_and_missing_core_fallback():
    r = _python("from tracelint import ngram; print(ngram.IMPLEMENTATION)",
                TRACELINT_IMPLEMENTATION="python")
    assert r.returncode == 0 and r.stdout.strip() == "python", r.stderr
    # compiled core made unimportable: default falls back with a RuntimeWarning...
    hide = "import sys; sys.modules['tracelint._ngram'] = None; "
    r = _python(hide + "from tracelint import ngram; print(ngram.IMPLEMENTATION)")
    assert r.returncode == 0 and r.stdout.strip() == "python", r.stderr
    assert "RuntimeWarning" in r.stderr and "50x slower" in r.stderr
    assert "compiled core" in r.stderr and "missing" in r.stderr
    # ... and forcing cython raises ImportError with a clear message
    r = _python(hide + "from tracelint import ngram", TRACELINT_IMPLEMENTATION="cython")
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "TRACELINT_IMPLEMENTATION=cython" in r.stderr


@needs_cy
def test_forced_cython():
    r = _python("from tracelint import ngram; print(ngram.IMPLEMENTATION)",
                TRACELINT_IMPLEMENTATION="cython")
    assert r.returncode == 0 and r.stdout.strip() == "cython", r.stderr


@needs_cy
@pytest.mark.parametrize("name", KERNELS + REP_KERNELS)
def test_same_signature_and_docstring(name):
    c, p = getattr(CY, name), getattr(PY, name)
    assert list(inspect.signature(c).parameters) == list(inspect.signature(p).parameters)
    doc = c.__doc__
    if doc.startswith(name + "("):  # Cython's embedsignature line
        doc = doc.split("\n", 1)[1]
    assert inspect.cleandoc(doc) == inspect.cleandoc(p.__doc__)
    for word in ("Complexity", "Example") if name in KERNELS else (">>>",):
        assert word in p.__doc__


@needs_cy
def test_same_pattern_and_exports():
    assert CY.UNIT_PATTERN.pattern == PY.UNIT_PATTERN.pattern
    assert CY.UNIT_PATTERN.flags == PY.UNIT_PATTERN.flags
    assert sorted(CY.__all__) == sorted(PY.__all__)


# ---------------------------------------------------------------------------------------
# argument handling (the forgiving wrappers)


@pytest.mark.parametrize("impl", IMPL_PARAMS)
def test_array_like_inputs(impl):
    base = [3, 1, 3, 1, 2]
    expect = as_list(impl.suffix_array(np.array(base, dtype=np.int32)))
    for s in (base, tuple(base), np.array(base, dtype=np.int64), np.array(base, dtype=np.uint8),
              np.array(base, dtype=np.float64),
              np.repeat(np.array(base, dtype=np.int32), 2)[::2]):  # non-contiguous view
        assert as_list(impl.suffix_array(s)) == expect
    assert impl.suffix_array([]).dtype == np.int32


@pytest.mark.parametrize("impl", IMPL_PARAMS)
def test_invalid_inputs(impl):
    with pytest.raises(ValueError):
        impl.suffix_array([1, -1])
    with pytest.raises(ValueError):
        impl.suffix_array([[1, 2], [3, 4]])
    with pytest.raises(ValueError):
        impl.suffix_array(np.array([2**31], dtype=np.int64))
    with pytest.raises(ValueError):
        impl.repeat_mask([1, 2], 0)
    with pytest.raises(ValueError):
        impl.top_ngram([1, 2], 0)
    with pytest.raises(ValueError):
        impl.prev_occurrence([1, 2], 0)
    with pytest.raises(ValueError):
        impl.matching_spans([1, 2], [1, 2], 0)
    with pytest.raises(ValueError):
        impl.matching_spans([1, 2], [[1, 2]], 1)
    with pytest.raises(ValueError):
        impl.periodic_runs([1, 2], 0, 5, 2.0, 0)
    with pytest.raises(ValueError):
        impl.periodic_runs([1, 2], 1, 5, float("nan"), 0)
    with pytest.raises(ValueError):
        impl.periodic_tail([1, 2], 0)
    with pytest.raises(ValueError):
        impl.lcp_array([1, 2, 3], [0, 0, 1])
    with pytest.raises(ValueError):
        impl.lcp_array([1, 2, 3], [0, 1])
    with pytest.raises(ValueError):
        impl.lcp_array([1, 2, 3], [0, 1, 3])
    with pytest.raises(TypeError):
        impl.encode_units(b"bytes", {})


@pytest.mark.parametrize("impl", IMPL_PARAMS)
def test_empty_results_dtypes_and_shapes(impl):
    assert impl.suffix_array([]).dtype == np.int32
    assert impl.lcp_array([], []).dtype == np.int32
    assert impl.repeat_mask([], 3).dtype == np.uint8
    assert impl.prev_occurrence([1], 3).dtype == np.int64
    assert impl.prev_occurrence([1], 3).shape == (0,)
    assert impl.top_ngram([1], 3) == (0, 0, -1)
    for r in (impl.periodic_runs([], 1, 10, 2.0, 0), impl.periodic_runs([1, 2, 3], 1, 10, 2.0, 0),
              impl.matching_spans([], [1], 1), impl.matching_spans([1, 2], [], 1),
              impl.matching_spans([1, 2], [3], 1)):
        assert r.dtype == np.int64 and r.shape == (0, 3)
    assert impl.periodic_tail([], 5) == (0, 0.0, 0)
    assert impl.periodic_tail([4], 5) == (0, 0.0, 1)
    ids, starts, ends, kinds = impl.encode_units("", {})
    assert (ids.dtype, starts.dtype, ends.dtype, kinds.dtype) == (
        np.int32, np.int64, np.int64, np.uint8)
    assert ids.shape == starts.shape == ends.shape == kinds.shape == (0,)
    assert impl.encode_units(" \t\n\u3000", {})[0].shape == (0,)


@pytest.mark.parametrize("impl", IMPL_PARAMS)
def test_huge_parameters(impl):
    s = [1, 2, 1, 2, 1, 2]
    big = 10**30
    assert as_list(impl.repeat_mask(s, big)) == [0] * 6
    assert impl.top_ngram(s, big) == (0, 0, -1)
    assert impl.prev_occurrence(s, big).shape == (0,)
    assert impl.periodic_runs(s, big, big, 2.0, 0).shape == (0, 3)
    assert as_list(impl.periodic_runs(s, 1, big, 2.0, -big)) == [[0, 6, 2]]
    assert impl.periodic_runs(s, 1, big, 2.0, big).shape == (0, 3)
    assert impl.periodic_runs(s, 1, big, float("inf"), 0).shape == (0, 3)
    assert as_list(impl.periodic_runs(s, 1, big, float("-inf"), 4)) == [[0, 6, 2]]
    assert impl.periodic_tail(s, big) == (2, 3.0, 0)
    assert impl.matching_spans(s, s, big).shape == (0, 3)


@pytest.mark.parametrize("s", [[], [5], [0], [7] * 2, [7] * 9, [2**31 - 1] * 5, [0, 1], [1, 0]])
def test_edge_inputs_all_kernels(s):
    """Empty, one unit and all-identical inputs, every kernel against the naive reference."""
    sa = run_all("suffix_array", s)
    assert as_list(sa) == NV.naive_suffix_array(s)
    assert as_list(run_all("lcp_array", s, sa)) == NV.naive_lcp_array(s, as_list(sa))
    for k in (1, 2, 3, 10):
        assert as_list(run_all("repeat_mask", s, k)) == NV.naive_repeat_mask(s, k)
        assert run_all("top_ngram", s, k) == NV.naive_top_ngram(s, k)
        assert as_list(run_all("prev_occurrence", s, k)) == NV.naive_prev_occurrence(s, k)
        assert run_all("periodic_tail", s, k) == NV.naive_periodic_tail(s, k)
        for t in ([], [5], [7, 7, 7], s):
            assert [tuple(r) for r in as_list(run_all("matching_spans", s, t, k))] == \
                NV.naive_matching_spans(s, t, k)
    for args in ((1, 10, 2.0, 0), (1, 3, 1.0, 0), (2, 5, 2.0, 0), (1, 1, 3.0, 4)):
        assert [tuple(r) for r in as_list(run_all("periodic_runs", s, *args))] == \
            NV.naive_periodic_runs(s, *args)


# ---------------------------------------------------------------------------------------
# docstring examples hold


def test_docstring_examples():
    import doctest
    for mod in IMPLS:
        finder = doctest.DocTestFinder()
        runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
        for name in KERNELS:
            for t in finder.find(getattr(mod, name), name, globs=vars(mod).copy()):
                runner.run(t)
        assert runner.failures == 0 and runner.tries >= len(KERNELS), mod.__name__


# ---------------------------------------------------------------------------------------
# text units

INTERESTING = (
    "aZ_é\u00dfİ\u0130Σς"           # letters, incl. case-mapping oddities
    "09\u0660\u0669\u06f5\u0966\uff11\U0001d7ce"  # digits: ASCII, Arabic-Indic, Devanagari...
    "\u00b2\u2153\u2167\u3007"       # other numbers (No, Nl; 〇 is Han Nl)
    ".,'-!?:;()\"$%/\\@#"            # punctuation and symbols
    " \t\n\r\x0b\x0c\x85\xa0\u2028\u3000\x1c\x1f"  # whitespace (and \x1c-\x1f: not \s here)
    "\x00\x07\u200b\u200c\u200d\ufeff"  # controls and format chars
    "\u0301\u0308\u064b\u05b4\u093f\u20dd\ufe0f\u3099"  # combining marks (Mn, Mc, Me)
    "中文漢字ひらがなカタカナｶﾞ\u30fc"  # CJK, halfwidth katakana, prolonged sound mark
    "한국어\u1100\u1161"              # Hangul syllables and jamo
    "مرحباשלום"                      # Arabic, Hebrew (RTL)
    "😀👍🏽👨\u200d👩\u200d👧🇫🇷♥"  # emoji, skin tone, ZWJ, flags
)


def check_encode(text, vocab_seed=()):
    """All implementations and the naive scanner agree, with equal vocab updates."""
    outs = []
    for mod in IMPLS:
        vocab = dict(vocab_seed)
        res = mod.encode_units(text, vocab)
        outs.append((res, vocab))
    vocab = dict(vocab_seed)
    naive = NV.naive_encode_units(text, vocab)
    ref, ref_vocab = outs[0]
    for res, voc in outs[1:]:
        assert same(ref, res), text
        assert voc == ref_vocab and list(voc) == list(ref_vocab)
    assert [as_list(x) for x in ref] == list(naive), text
    assert ref_vocab == vocab
    # offsets are consistent with the pattern, which defines the split
    spans = [(m.start(), m.end()) for m in PY.UNIT_PATTERN.finditer(text)]
    assert spans == list(zip(as_list(ref[1]), as_list(ref[2])))
    return ref, ref_vocab


@FAST
@given(st.text(max_size=80))
def test_encode_units_random_unicode(text):
    check_encode(text)


@FAST
@given(st.text(alphabet=st.sampled_from(INTERESTING), max_size=60),
       st.dictionaries(st.text(max_size=3), st.integers(-5, 100), max_size=4))
def test_encode_units_interesting_characters(text, seed):
    check_encode(text, seed)


@pytest.mark.parametrize("text", [
    "", "a", "The THE the tHe", "3.14 1,250 3. .5 1.2.3 12abc abc12 don't x_y __",
    "👍🏽 👨\u200d👩\u200d👧 ♥\ufe0f 🇫🇷 e\u0301 \u0301x a\u0308\u0308b",
    "مرحبا بالعالم ١٢٣.٤٥ שלום עולם",
    "中文字符ひらがなカタカナ漢字テスト 한국어 텍스트 \u1100\u1161",
    "NUL\x00inside\x00\x00 CRLF\r\nline\r\n", "tab\tvt\x0bff\x0cfs\x1cus\x1f",
    "x" * 1000 + " " + "1" * 500 + ".5",
    "\ud800 lone \udfff surrogates \ud83d",
    "\u0660\u0661.\u0662 \u0966\u0967 \uff11\uff12.\uff13 \U0001d7ce\U0001d7cf",
    "Ǆ ǅ ǆ İstanbul ΣΑΣ ß ẞ ﬁ",
    "a" + "\u0301" * 50 + " 中" + "\u3099" * 3 + "!" + "\u20dd",
])
def test_encode_units_explicit(text):
    (ids, starts, ends, kinds), vocab = check_encode(text)
    units = [text[a:b] for a, b in zip(as_list(starts), as_list(ends))]
    # whitespace is the only thing dropped
    rest = list(text)
    for a, b in zip(as_list(starts), as_list(ends)):
        rest[a:b] = [" "] * (b - a)
    assert PY.UNIT_PATTERN.search("".join(rest)) is None
    for u, k in zip(units, as_list(kinds)):
        key = u.lower() if k == 0 else u
        assert vocab[key] == ids[units.index(u)]


def test_encode_units_examples_of_the_spec():
    (ids, starts, ends, kinds), _ = check_encode("3.14 1,250 3. abc123 123abc don't 中文")
    units = [(u, k) for u, k in zip(
        ["3.14 1,250 3. abc123 123abc don't 中文"[a:b] for a, b in zip(starts, ends)], kinds)]
    assert units == [("3.14", 1), ("1", 1), (",", 3), ("250", 1), ("3", 1), (".", 3),
                     ("abc123", 0), ("123", 1), ("abc", 0), ("don", 0), ("'", 3), ("t", 0),
                     ("中", 2), ("文", 2)]


def test_encode_units_shared_vocabulary():
    for mod in IMPLS:
        vocab = {}
        a = mod.encode_units("Find the Sum of 3 and 4.", vocab)[0]
        b = mod.encode_units("the sum: 3 + 4 = 7", vocab)[0]
        assert vocab["the"] == a[1] == b[0] and vocab["sum"] == a[2] == b[1]
        assert vocab["3"] == a[4] == b[3] and len(vocab) == 12


def test_encode_units_every_code_point():
    """Each code point in a few contexts (after a letter, a digit, a CJK char and a space),
    compiled core against the twin; exhaustive over 0..0x10FFFF."""
    if CY is None:
        pytest.skip(NO_CY_REASON)
    every = np.arange(0x110000, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
    for ctx in ("", "a", "1", "1.", "中", " "):
        text = every if not ctx else "".join(ctx + c for c in every[1::7])
        r1 = CY.encode_units(text, {})
        r2 = PY.encode_units(text, {})
        assert same(r1, r2), ctx


@needs_cy
def test_class_table_agrees_with_regex_properties():
    table = CY._class_table()
    assert table.shape == (0x110000,) and table.dtype == np.uint8
    for cp in list(range(0, 0x3100, 7)) + [0x1c, 0x1f, 0x85, 0xa0, 0x3000, 0x200d, 0xfe0f,
                                             0x1f3fd, 0xd800, 0x10ffff, 0x20000, 0x3007]:
        c = chr(cp)
        assert bool(table[cp] & 1) == NV._cjk(c)
        assert bool(table[cp] & 2) == NV._digit(c)
        assert bool(table[cp] & 4) == NV._word_start(c)
        assert bool(table[cp] & 8) == NV._word_cont(c)
        assert bool(table[cp] & 16) == NV._mark(c)
        assert bool(table[cp] & 32) == (not NV._space(c))


def test_python_isspace_differs_from_regex():
    # why the class table is generated from the regex module, not from str methods
    assert "\x1c".isspace() and PY.UNIT_PATTERN.fullmatch("\x1c") is not None
    assert unicodedata.category("\u3007") == "Nl"


# ---------------------------------------------------------------------------------------
# suffix array and LCP


@FAST
@given(unit_arrays())
def test_suffix_array_and_lcp(s):
    sa = run_all("suffix_array", s)
    assert as_list(sa) == NV.naive_suffix_array(s)
    lcp = run_all("lcp_array", s, sa)
    assert as_list(lcp) == NV.naive_lcp_array(s, as_list(sa))


@pytest.mark.parametrize("n,k", [(2000, 1), (2000, 2), (3000, 3), (3000, 50), (5000, 5000),
                                 (4000, 2**31 - 1)])
def test_suffix_array_long(n, k):
    rng = np.random.default_rng(n + k)
    s = rng.integers(0, k, n) if k > 1 else np.zeros(n, dtype=np.int64)
    sa = run_all("suffix_array", s)
    if n <= 3000:
        assert as_list(sa) == NV.naive_suffix_array(s.tolist())
    lcp = run_all("lcp_array", s, sa)
    # check against direct comparison on a sample of neighbours
    for i in range(1, n, 97):
        assert lcp[i] == NV._lcp(s.tolist(), int(sa[i - 1]), int(sa[i]))


def test_suffix_array_repetitive_long():
    rng = np.random.default_rng(7)
    block = rng.integers(0, 5, 37)
    s = np.concatenate([np.tile(block, 60), rng.integers(0, 5, 50), np.tile(block[:20], 40)])
    sa = run_all("suffix_array", s)
    assert as_list(sa) == NV.naive_suffix_array(s.tolist())
    run_all("lcp_array", s, sa)


# ---------------------------------------------------------------------------------------
# n-gram kernels


@FAST
@given(unit_arrays(max_size=40), st.integers(1, 6))
def test_repeat_mask(s, k):
    mask = run_all("repeat_mask", s, k)
    assert as_list(mask) == NV.naive_repeat_mask(s, k)


@FAST
@given(unit_arrays(max_size=40), st.integers(1, 6))
def test_top_ngram(s, k):
    assert run_all("top_ngram", s, k) == NV.naive_top_ngram(s, k)


@FAST
@given(unit_arrays(max_size=40), st.integers(1, 6))
def test_prev_occurrence(s, k):
    prev = run_all("prev_occurrence", s, k)
    assert as_list(prev) == NV.naive_prev_occurrence(s, k)


@pytest.mark.parametrize("alphabet", [1, 2, 3, 20, 4000])
def test_ngram_kernels_long(alphabet):
    rng = np.random.default_rng(alphabet)
    s = rng.integers(0, alphabet, 4000)
    s[1000:1600] = np.tile(s[1000:1030], 20)
    for k in (1, 2, 3, 5, 8, 13, 64, 1000, 4000, 4001):
        run_all("repeat_mask", s, k)
        run_all("top_ngram", s, k)
        prev = run_all("prev_occurrence", s, k)
        if k in (1, 5, 64):
            # spot-check against the naive reference
            for i in range(0, len(prev), 151):
                j = int(prev[i])
                w = s[i:i + k].tolist()
                if j >= 0:
                    assert s[j:j + k].tolist() == w
                later = [q for q in range(j + 1, i) if s[q:q + k].tolist() == w]
                assert not later


# ---------------------------------------------------------------------------------------
# periodicity


@SLOW
@given(unit_arrays(max_size=40), st.integers(1, 4), st.integers(0, 25),
       st.sampled_from([2.0, 2.0, 3.0, 1.0, 1.5, 2.5, 0.0]), st.integers(-1, 12))
def test_periodic_runs(s, lo, extra, min_repeats, min_len):
    hi = lo + extra
    runs = run_all("periodic_runs", s, lo, hi, min_repeats, min_len)
    assert runs.dtype == np.int64 and runs.ndim == 2 and runs.shape[1] == 3
    assert [tuple(r) for r in as_list(runs)] == NV.naive_periodic_runs(
        s, lo, hi, min_repeats, min_len)


def test_periodic_runs_multiples_are_not_reported():
    s = [1, 2] * 4
    for impl in IMPLS:
        assert as_list(impl.periodic_runs(s, 1, 4, 2.0, 0)) == [[0, 8, 2]]
        assert impl.periodic_runs(s, 3, 8, 2.0, 0).shape == (0, 3)
        assert as_list(impl.periodic_runs([5] * 6, 1, 3, 2.0, 0)) == [[0, 6, 1]]


@pytest.mark.parametrize("seed", range(6))
def test_periodic_runs_long(seed):
    rng = np.random.default_rng(seed)
    k = [1, 2, 3, 6, 50, 1000][seed]
    parts = [rng.integers(0, k, 300)]
    for _ in range(8):
        block = rng.integers(0, k, int(rng.integers(1, 60)))
        loop = np.tile(block, int(rng.integers(2, 12)))
        if rng.random() < 0.5:
            loop[int(rng.integers(0, len(loop)))] = rng.integers(0, k)
        parts += [loop, rng.integers(0, k, int(rng.integers(0, 200)))]
    s = np.concatenate(parts)[:3500]
    for args in ((1, 200, 2.0, 0), (1, 1700, 2.0, 10), (3, 500, 3.0, 0), (1, 100, 1.5, 20),
                 (2, 2, 2.0, 0)):
        runs = run_all("periodic_runs", s, *args)
        if args[1] <= 200:
            assert [tuple(r) for r in as_list(runs)] == NV.naive_periodic_runs(s.tolist(), *args)


def test_periodic_runs_degenerate_long():
    n = 3000
    for s in (np.zeros(n, dtype=np.int32), np.tile([1, 2], n // 2), np.tile([1, 1, 2], n // 3),
              np.r_[np.arange(500), np.zeros(2000, dtype=np.int64), np.arange(500)]):
        for args in ((1, 2000, 2.0, 0), (2, 700, 2.0, 0), (1, 50, 1.2, 0)):
            runs = run_all("periodic_runs", s, *args)
            if args[1] <= 50:
                assert [tuple(r) for r in as_list(runs)] == NV.naive_periodic_runs(
                    s.tolist(), *args)


@FAST
@given(unit_arrays(max_size=48), st.integers(1, 30))
def test_periodic_tail(s, max_period):
    res = run_all("periodic_tail", s, max_period)
    assert res == NV.naive_periodic_tail(s, max_period)
    assert type(res[0]) is int and type(res[1]) is float and type(res[2]) is int


def test_periodic_tail_long():
    rng = np.random.default_rng(3)
    block = rng.integers(0, 4, 123)
    s = np.r_[rng.integers(0, 4, 999), np.tile(block, 30), block[:50]]
    for mp in (1, 100, 123, 2000, 10**6):
        assert run_all("periodic_tail", s, mp) == NV.naive_periodic_tail(s.tolist(), mp)


# ---------------------------------------------------------------------------------------
# prompt copying


@FAST
@given(unit_arrays(max_size=40), st.integers(1, 5), st.data())
def test_matching_spans(s, min_len, data):
    if data.draw(st.booleans()) and s:
        # t made of pieces of s plus noise, so that long matches are frequent
        t = []
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(s) - 1))
            j = data.draw(st.integers(i, len(s)))
            t += s[i:j] + data.draw(st.lists(st.integers(0, 3), max_size=3))
    else:
        t = data.draw(unit_arrays(max_size=30))
    spans = run_all("matching_spans", s, t, min_len)
    assert [tuple(r) for r in as_list(spans)] == NV.naive_matching_spans(s, t, min_len)


@pytest.mark.parametrize("alphabet", [1, 2, 4, 300])
def test_matching_spans_long(alphabet):
    rng = np.random.default_rng(alphabet)
    t = rng.integers(0, alphabet, 3000)
    s = np.concatenate([rng.integers(0, alphabet, 1000), t[200:1200], rng.integers(0, alphabet, 600),
                        t[2000:2800], t[100:150]])
    for k in (1, 3, 8, 40):
        spans = run_all("matching_spans", s, t, k)
        for a, b, c in as_list(spans):
            assert s[a:b].tolist() == t[c:c + b - a].tolist()
    # naive reference on a shorter piece
    s2, t2 = s[900:1300], t[:400]
    for k in (1, 4):
        spans = run_all("matching_spans", s2, t2, k)
        assert [tuple(r) for r in as_list(spans)] == NV.naive_matching_spans(
            s2.tolist(), t2.tolist(), k)


# ---------------------------------------------------------------------------------------
# per-trace kernels of the repetition detector (src/_rep.pxi)

@pytest.mark.parametrize("impl", IMPL_PARAMS)
@pytest.mark.parametrize("name", REP_KERNELS)
def test_rep_kernels_docstring_examples(impl, name):
    import doctest
    fn = getattr(impl, name)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for t in doctest.DocTestFinder().find(fn, name, globs={name: fn}):
        runner.run(t)
    assert runner.failures == 0 and runner.tries >= 1


@FAST
@given(unit_arrays(max_size=30), st.lists(st.integers(1, 8), max_size=5),
       st.lists(st.integers(1, 8), max_size=4))
def test_gopher_stats(s, ks, ns):
    cover, tops = run_all("gopher_stats", s, ks, ns)
    assert cover.dtype == np.float64 and cover.tolist() == NV.naive_repeat_cover(s, ks)
    assert tops.dtype == np.int64 and tops.shape == (len(ns), 3)
    assert [tuple(r) for r in tops.tolist()] == [NV.naive_top_ngram(s, n) for n in ns]


@pytest.mark.parametrize("alphabet", [1, 2, 5, 3000])
def test_gopher_stats_long(alphabet):
    rng = np.random.default_rng(alphabet)
    s = rng.integers(0, alphabet, 4000).astype(np.int32)
    s[1000:1600] = np.tile(s[:60], 10)
    cover, tops = run_all("gopher_stats", s, [1, 5, 20, 100], [1, 2, 3, 4, 50])
    for k, c in zip([1, 5, 20, 100], cover.tolist()):
        assert c == run_all("repeat_mask", s, k).mean()
    for n, row in zip([1, 2, 3, 4, 50], tops.tolist()):
        assert tuple(row) == run_all("top_ngram", s, n)


@FAST
@given(unit_arrays(max_size=60), st.integers(1, 5), st.integers(1, 12))
def test_novelty_shares(s, n, bins):
    got = run_all("novelty_shares", s, n, bins)
    assert got.dtype == np.float64 and got.tolist() == NV.naive_novelty_shares(s, n, bins)


def test_rep_kernels_reject_bad_parameters():
    for impl in IMPLS:
        with pytest.raises(ValueError):
            impl.gopher_stats([1, 2], [0], [])
        with pytest.raises(ValueError):
            impl.gopher_stats([1, 2], [], [0])
        with pytest.raises(ValueError):
            impl.novelty_shares([1, 2], 1, 0)
        with pytest.raises(ValueError):
            impl.segment_bounds("a b", [0, 1], [0, 2], [1, 3], [], 0)
        with pytest.raises(ValueError):
            impl.segment_bounds("a b", [0, 1], [2, 0], [3, 1], [], 4)  # out of order
        with pytest.raises(ValueError):
            impl.best_stretch([1.0], [1, 0], [1], 0.5)
        assert impl.segment_bounds("", [], [], [], [1], 4).tolist() == [0]
        cover, tops = impl.gopher_stats([], [3], [2])
        assert cover.tolist() == [0.0] and tops.tolist() == [[0, 0, -1]]
        assert impl.novelty_shares([1, 2], 3, 10).tolist() == []
        assert impl.claim_recurrence("", [], [], [], [], [1], [], []) == (0, 0, -1)


_SEG_PIECES = ["a", "b", "cd", "7", ".", "!", "?", "。", "\n", " ", "  ", " \n ", "x.y", "é"]


@st.composite
def unit_texts(draw, pieces=_SEG_PIECES, max_pieces=80):
    from tracelint.ngram import encode_units
    text = "".join(draw(st.lists(st.sampled_from(pieces), max_size=max_pieces)))
    vocab = {}
    ids, starts, ends, kinds = encode_units(text, vocab)
    return text, ids, starts, ends, kinds, vocab


@SLOW
@given(unit_texts(), st.integers(1, 12), st.data())
def test_segment_bounds(tx, cap, data):
    text, ids, starts, ends, _, vocab = tx
    end_ids = data.draw(st.lists(st.sampled_from(sorted(vocab.values()) or [0]), max_size=4))
    hard = data.draw(st.lists(st.sampled_from(sorted(vocab.values()) or [0]), max_size=3))
    got = run_all("segment_bounds", text, ids, starts, ends, end_ids, cap, hard)
    assert got.dtype == np.int64
    assert got.tolist() == NV.naive_segment_bounds(text, ids.tolist(), starts.tolist(),
                                                   ends.tolist(), end_ids, cap, hard)
    if not hard:
        assert run_all("segment_bounds", text, ids, starts, ends, end_ids, cap).tolist() == \
            got.tolist()


def test_segment_bounds_long_segments():
    rng = np.random.default_rng(5)
    for alphabet in (1, 3, 50, 5000):
        ids = rng.integers(0, alphabet, 3000).astype(np.int32)
        starts = np.arange(3000, dtype=np.int64) * 2
        text = " ".join("w" for _ in range(3000))
        for cap in (1, 4, 48, 1 << 30):
            got = run_all("segment_bounds", text, ids, starts, starts + 1, [], cap)
            assert got.tolist() == NV.naive_segment_bounds(text, ids.tolist(), starts.tolist(),
                                                           (starts + 1).tolist(), [], cap)


@FAST
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans(), st.booleans()), max_size=40),
       st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]))
def test_best_stretch(rows, share):
    w = [float(r[0]) for r in rows]
    rep = [r[1] for r in rows]
    valid = [r[2] for r in rows]
    best, a, b = run_all("best_stretch", w, rep, valid, share)
    assert best == NV.naive_best_sum(w, rep, valid, share)  # exact: quarters of integers
    if a < 0:
        assert best == 0.0 and b == -1
    else:
        assert 0 <= a < b <= len(rows) and valid[b - 1]
        assert best == sum(w[j] * ((1.0 if rep[j] else 0.0) - share)
                           for j in range(a, b) if valid[j])


_CLAIM_PIECES = ["1", "2", "2.5", "2.50", "0.1", "=", "≈", "+", "×", "x", "so", "times",
                 ",", "\\", "{", " ", " ", "12", "3.14159"]


@SLOW
@given(unit_texts(pieces=_CLAIM_PIECES, max_pieces=60), st.data())
def test_claim_recurrence(tx, data):
    text, ids, starts, ends, kinds, vocab = tx
    have = sorted(vocab.values()) or [0]
    eq = [vocab[k] for k in ("=", "≈") if k in vocab]
    if data.draw(st.booleans()):
        eq = data.draw(st.lists(st.sampled_from(have), max_size=3))
    ops = data.draw(st.lists(st.sampled_from(have), max_size=4))
    drops = data.draw(st.lists(st.sampled_from(have), max_size=3))
    got = run_all("claim_recurrence", text, ids, kinds, starts, ends, eq, ops, drops)
    assert got == NV.naive_claim_recurrence(text, ids.tolist(), kinds.tolist(), starts.tolist(),
                                            ends.tolist(), set(eq), set(ops), set(drops))


def test_claim_recurrence_repeated_calculation():
    from tracelint.ngram import encode_units
    text = " so ".join(["V = 10 × 3 = 30"] * 5 + ["2.50 + 1 = 3.5"] * 4 + ["2.5 + 1 = 3.50"])
    vocab = {}
    ids, starts, ends, kinds = encode_units(text, vocab)
    eq = [vocab["="]]
    got = run_all("claim_recurrence", text, ids, kinds, starts, ends, eq, [vocab["×"]], [])
    assert got == NV.naive_claim_recurrence(text, ids.tolist(), kinds.tolist(), starts.tolist(),
                                            ends.tolist(), set(eq), {vocab["×"]}, set())
    # a chain 'V = 10 × 3 = 30' is one claim (its second '=' lies in the first's window),
    # so the third statement is the third line (char 38); decimals compare at 3
    # significant digits
    assert got == (10, 3 + 3, 38)


def test_claim_recurrence_chain_is_one_claim():
    from tracelint.ngram import encode_units
    # each line states one chain: counted per '=', three lines would already recur
    text = " so ".join(["2x = 3y = -z = 6"] * 3)
    vocab = {}
    ids, starts, ends, kinds = encode_units(text, vocab)
    got = run_all("claim_recurrence", text, ids, kinds, starts, ends, [vocab["="]],
                  [vocab["-"]], [])
    assert got == (3, 1, 2 * len("2x = 3y = -z = 6 so "))


@FAST
@given(unit_arrays(max_size=40), unit_arrays(max_size=30), st.integers(1, 5), st.integers(0, 6))
def test_matching_spans_of_a_longer_threshold_are_a_filter(s, t, k1, extra):
    """prompt_copy runs matching_spans once at the smallest threshold and keeps the rows
    of length >= k for the larger ones: the docstring's characterization makes that exact."""
    k2 = k1 + extra
    low = run_all("matching_spans", s, t, k1)
    assert same(low[(low[:, 1] - low[:, 0]) >= k2], run_all("matching_spans", s, t, k2))


@FAST
@given(unit_arrays(max_size=40), unit_arrays(max_size=40), st.data())
def test_near_copy_windows(s, t, data):
    seeds = run_all("matching_spans", s, t, data.draw(st.integers(1, 4)))
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(t)), max_size=8))) | {0, len(t)})
    pairs = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a and data.draw(st.booleans())]
    starts = [a for a, _ in pairs]
    ends = [b for _, b in pairs]
    covered = data.draw(st.lists(st.booleans(), min_size=len(s), max_size=len(s)))
    got = run_all("near_copy_windows", seeds, starts, ends, covered)
    # from the docstring, with a linear search for the sentence
    want, done = [], set()
    for s0, _, t0 in seeds.tolist():
        js = [j for j in range(len(pairs)) if starts[j] <= t0 < ends[j]]
        if not js:
            continue
        j = js[0]
        lo = max(0, s0 - (t0 - starts[j]))
        hi = min(len(s), lo + ends[j] - starts[j])
        if (lo, hi) in done or all(covered[lo:hi]):
            continue
        done.add((lo, hi))
        want.append([lo, hi, j])
    assert got.dtype == np.int64 and got.shape == (len(want), 3) and got.tolist() == want


def test_unit_arrays_in_foreign_byte_order_are_converted():
    # the compiled core's fast path takes a ready int32 array as it is: one in big-endian
    # order must be converted first, as the twin does
    native = np.array([0, 1, 0, 0, 1, 0, 0, 1, 0], dtype=np.int32)
    for ids in (native.astype(">i4"), np.frombuffer(b"\0" + native.tobytes(), "<i4", offset=1)):
        for mod in IMPLS:
            sa = mod.suffix_array(ids)
            assert sa.tolist() == NV.naive_suffix_array(native.tolist())
            assert mod.lcp_array(ids, sa).tolist() == PY.lcp_array(native, sa).tolist()


def test_gopher_stats_lengths_beyond_int64():
    # a k or n longer than s (even beyond int64) means "nothing that long", in both twins
    for mod in IMPLS:
        cover, tops = mod.gopher_stats([1, 2, 3, 1, 2, 4], [1, 2**70, 3], [2, 2**64, 7])
        assert cover.tolist() == [4 / 6, 0.0, 0.0]
        assert tops.tolist() == [[2, 4, 0], [0, 0, -1], [0, 0, -1]]
