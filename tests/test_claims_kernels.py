"""Property tests of the grounding kernels (src/_claims.pxi): compiled core == pure-Python twin.

The twin of :func:`claim_lex` runs the tokenizer's own regular expression
(``tracelint.grounding.parser._TOKEN``), so it is also checked against a naive loop of
``_TOKEN.match`` calls.  The twins of :func:`claim_lhs_run` / :func:`claim_rhs_run` run the
claim scanner's span expressions, whose fast first alternative is checked against the same
expressions without it.  The comparisons with the compiled core are skipped, with a reason,
only when tracelint._ngram cannot be imported.
"""
from __future__ import annotations

import inspect

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tracelint import _ngram_py as PY
from tracelint import ngram
from tracelint.grounding import parser as P

try:
    from tracelint import _ngram as CY
    _CY_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the build
    CY = None
    _CY_ERROR = str(exc)

needs_cy = pytest.mark.skipif(CY is None, reason=f"compiled core not built ({_CY_ERROR})")
SETTINGS = settings(deadline=None, max_examples=400,
                    suppress_health_check=[HealthCheck.too_slow])

# Characters every alternative of the lexer cares about, plus some of the Unicode classes
# (other digits, letters, modifier letters, superscripts, subscripts, fractions, spaces).
_ALPHABET = list(
    " \t\u00a0\u2003\u200b\u202f\u205f\u3000\r\n0123456789.,\\{}[]()_'\u2019\u2032<>=*!:+-/~"
    "^%$&#|?;\"abcxyzABCXYZ\u00e9\u03c0\u03b8\u00b2\u00b3\u00b9\u2070\u2074\u2079\u207b"
    "\u2071\u207f\u02e3\u1d43\u1d5b\u1d62\u1d6a\u2080\u2089\u00bc\u00bd\u2150\u215e\u215f"
    "\u0663\u0966\u2460\u00aa\u00b5\u2248\u00d7\u00f7\u4e00\U0001d400\U0001f600"
)
texts = st.one_of(
    st.lists(st.sampled_from(_ALPHABET), max_size=60).map("".join),
    st.text(max_size=40),
    st.lists(st.sampled_from(["\\frac", "\\text{km}", "_{", "_{12}", "x_1", "3.(3)", "1,250",
                              "...", "**", "<<", ">>", "f'(", "it's", "a\u2019b", "\\\n",
                              "\\", " ", "\n", "12", ".5", "\u207b\u00b9", "x\u2082", "=",
                              "a" * 41, "{", "}", "\u2019\u2032("]),
             max_size=25).map("".join),
)


def _naive(text: str, pos: int, hi: int):
    """The tokenizer's regular expression matched from ``pos``, whitespace folded."""
    out = []
    hi = min(hi, len(text))
    ws = -1
    while pos < hi:
        m = P._TOKEN.match(text, pos, hi)
        g = PY.CLAIM_LEX_GROUPS.index(m.lastgroup)
        if g == 0:
            ws = m.start()
        else:
            out.extend((g, ws if ws >= 0 else m.start(), m.start(), m.end()))
            ws = -1
        pos = m.end()
    return out


def test_twin_runs_the_tokenizer_expression():
    assert PY._CLAIM_LEXEME.pattern == P._TOKEN.pattern
    assert PY._CLAIM_LEXEME.flags == P._TOKEN.flags
    assert tuple(P._TOKEN.groupindex) == PY.CLAIM_LEX_GROUPS


@needs_cy
def test_same_signature_and_doc():
    doc = CY.claim_lex.__doc__
    if doc.startswith("claim_lex("):  # Cython's embedsignature line
        doc = doc.split("\n", 1)[1]
    assert inspect.cleandoc(doc) == inspect.cleandoc(PY.claim_lex.__doc__)
    assert CY.CLAIM_LEX_GROUPS == PY.CLAIM_LEX_GROUPS
    assert list(inspect.signature(CY.claim_lex).parameters) == \
        list(inspect.signature(PY.claim_lex).parameters) == ["text", "pos", "hi"]


def test_exported():
    assert ngram.claim_lex in (PY.claim_lex, getattr(CY, "claim_lex", None))
    assert ngram.CLAIM_LEX_GROUPS == PY.CLAIM_LEX_GROUPS


@SETTINGS
@given(texts, st.integers(0, 70), st.integers(0, 80))
@example("_{" + "a" * 40 + "}", 0, 100)
@example("_{" + "a" * 41 + "}", 0, 100)
@example("f\u2019\u2032(x)", 0, 3)
@example("f''(x)", 0, 100)
@example("1,2,", 0, 100)
@example("...", 0, 2)
@example("\\\n", 0, 100)
@example("\\\r", 0, 100)
@example("\u207b", 0, 100)
def test_twin_is_the_naive_loop(text, pos, hi):
    assert PY.claim_lex(text, pos, hi) == _naive(text, pos, hi)


@needs_cy
@SETTINGS
@given(texts, st.integers(0, 70), st.integers(0, 80))
@example("_{" + "a" * 40 + "}", 0, 100)
@example("_{" + "a" * 41 + "}", 0, 100)
@example("f\u2019\u2032(x)", 0, 3)
@example("f''(x)", 0, 100)
@example("a\u2019b\u2019", 0, 100)
@example("1,2,", 0, 100)
@example("...", 0, 2)
@example("\\\n", 0, 100)
@example("\\\r", 0, 100)
@example("\u207b", 0, 100)
@example("\u207b\u00b2", 1, 2)
@example("\r\n", 0, 1)
def test_compiled_equals_twin(text, pos, hi):
    assert CY.claim_lex(text, pos, hi) == PY.claim_lex(text, pos, hi)


@needs_cy
@settings(deadline=None, max_examples=60)
@given(st.integers(0, 0x10FFFF).filter(lambda c: not 0xD800 <= c <= 0xDFFF))
def test_compiled_classes_every_code_point(c):
    """Each single character (and the character after a letter) lexes the same way."""
    ch = chr(c)
    for text in (ch, "a" + ch, "1" + ch, "_" + ch, "\\" + ch, ch + "x"):
        assert CY.claim_lex(text, 0, len(text)) == PY.claim_lex(text, 0, len(text))


def _bmp_chars():
    """Every code point of the Basic Multilingual Plane except the surrogates."""
    return (chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF)


@needs_cy
def test_compiled_classes_all_bmp():
    """Every BMP code point as the start, inside a word and inside a number."""
    for ch in _bmp_chars():
        text = ch + "a" + ch + "1" + ch
        assert CY.claim_lex(text, 0, len(text)) == PY.claim_lex(text, 0, len(text)), hex(ord(ch))


# --------------------------------------------------------------------------------------------
# json_string_decode

_JSON_ALPHABET = list('abc "\\/bfnrtu0123456789abcdefABCDEF+-_x \u00e9\u4e00\U0001f600\n{}:,')
json_texts = st.one_of(
    st.lists(st.sampled_from(_JSON_ALPHABET), max_size=60).map("".join),
    st.text(max_size=40),
    st.lists(st.sampled_from(["\\u0041", "\\u00e9", "\\ud83d", "\\u12", "\\u+fff", "\\u-001",
                              "\\u 1f ", "\\u0x1f", "\\u1_23", "\\u\u0663\u0663\u0663\u0663",
                              "\\n", "\\\\", '\\"', '"', "\\", "\\q", "x", "\u00e9"]),
             max_size=20).map("".join),
)


def _naive_json(text: str, pos: int):
    """json.loads on the same body where the JSON is valid (no invalid escape)."""
    import json
    end = pos
    while end < len(text) and text[end] != '"':
        end += 2 if text[end] == "\\" else 1
    return json.loads('"' + text[pos:end] + '"')


def test_json_twin_agrees_with_json_module():
    for body in ["plain", "a\\nb", "\\u0041\\u00e9\\t", "q\\\\\\\"x", "\\u00e9\\/"]:
        text = '{"reasoning": "' + body + '", "x": 1}'
        pos = text.index(': "') + 3
        decoded, offs = PY.json_string_decode(text, pos)
        assert decoded == _naive_json(text, pos)
        assert len(offs) == len(decoded) + 1 and text[offs[-1]] == '"'


@SETTINGS
@given(json_texts, st.integers(0, 70))
def test_json_twin_offsets(text, pos):
    decoded, offs = PY.json_string_decode(text, pos)
    assert len(offs) == len(decoded) + 1
    assert all(a < b for a, b in zip(offs, offs[1:]))
    stop = offs[-1]
    assert stop == max(pos, len(text)) or text[stop] == '"'
    if decoded:
        assert offs[0] == pos


@needs_cy
def test_json_same_signature_and_doc():
    doc = CY.json_string_decode.__doc__
    if doc.startswith("json_string_decode("):
        doc = doc.split("\n", 1)[1]
    assert inspect.cleandoc(doc) == inspect.cleandoc(PY.json_string_decode.__doc__)
    assert list(inspect.signature(CY.json_string_decode).parameters) == \
        list(inspect.signature(PY.json_string_decode).parameters) == ["text", "pos"]
    assert ngram.json_string_decode in (PY.json_string_decode, CY.json_string_decode)


@needs_cy
@SETTINGS
@given(json_texts, st.integers(0, 70))
@example("\\u0041", 0)
@example("\\u004", 0)
@example("\\u00411", 0)
@example("ab\\", 0)
@example("\\ud83d\\ude00\"", 0)
@example("\\u\u0663\u0663\u0663\u0663", 0)
@example("\\u-001", 0)
@example("abc", 10)
@example("", 1)
def test_json_compiled_equals_twin(text, pos):
    a = CY.json_string_decode(text, pos)
    b = PY.json_string_decode(text, pos)
    assert a == b
    assert type(a[0]) is str and type(a[1]) is list and all(type(x) is int for x in a[1])


@pytest.mark.parametrize("impl", [PY] + ([CY] if CY is not None else []))
def test_json_negative_pos(impl):
    with pytest.raises(ValueError):
        impl.json_string_decode("abc", -1)


# --------------------------------------------------------------------------------------------
# claim_lhs_run / claim_rhs_run (candidate spans of the claim scanner)

# Pieces every alternative of the two runs cares about: unit words before/after numbers,
# operator words, function names (and reversed), \text{..} (and reversed), single letters of
# each script range, spaces before a backslash, lookbehind marks, the 12/15/40 bounds.
_SPAN_PIECES = ["0", "7", "12", "\u0663", ".", ",", " ", "  ", "\t", "\u00a0", "\u2009", "\u202f",
                "\u2003", "\\", "+", "-", "*", "/", "^", "=", "~", "\u2248", "(", ")", "[", "]",
                "{", "}", "$", "%", "!", ";", ":", "_", "'", "\u2019", "\u00d7", "\u00f7",
                "\u03c0", "\u2212", "\u00b2", "\u2075", "\u00bd", "\u00e9", "\u0416", "\u00c0",
                "\u024f", "\u0250", "\u0370", "\u03ff", "\u0400", "\n", "x", "a", "Q", "km",
                "hours", "cups of", "times", "of", "per", "by", "over", "dozen", "approximately",
                "semit", "fo", "yb", "rep", "nezod", "sqrt", "sin", "arcsin", "nis", "nisra",
                "trqs", "f", "abcdefghijklm", "abcdefghijklmnop", "\\text{", "\\textit{",
                "\\mathrm ", "\\textbf{", "txet\\", "{txet\\", "{tixet\\", "{fsthtam\\", "\\ ",
                " \\", "\\,", ",\\", "sematic\\", "x" * 41, "\u4e00", "\U0001d400",
                # pi (and reversed), labels in parentheses: ")laitini(", ")tsoc latot("
                "pi", "ip", "api", "pia", ")", "(", "laitini", "tsoc latot", "a b c d", "s'kcaJ",
                "s\u2019retaeP", "'",
                # operator symbols read but not evaluated, and the other products and roots
                "\u2295", "\u2297", "\u2218", "\u22c6", "\u25a1", "\u2191", "\u2022",
                "\u2219", "\u2715", "\u221b", "\u25b3", "\u2192",
                # counters and units after a number in CJK text (3个, 4개, 5個), and CJK
                # punctuation, which is none
                "\u4e2a", "\uac1c", "\u500b", "\u5e73\u65b9\u7c73", "\u3064", "\u3002",
                "\uf900", "\u33a1"]
span_texts = st.one_of(
    st.lists(st.sampled_from(_SPAN_PIECES), max_size=18).map("".join),
    st.text(max_size=30),
)


def test_runs_are_the_patterns_without_the_fast_alternative():
    """The fast first alternative only shortens the work: the same run, one character at a
    time, is the loop over the other alternatives."""
    import re
    import random
    rng = random.Random(5)
    refs = [(PY._CLAIM_LHS_RUN, re.compile("(?:" + PY._CLAIM_LHS_ALTS + ")*")),
            (PY._CLAIM_RHS_RUN, re.compile("(?:" + PY._CLAIM_RHS_ALTS + ")*"))]
    for _ in range(3000):
        s = "".join(rng.choice(_SPAN_PIECES) for _ in range(rng.randint(0, 14)))
        for pos in range(0, len(s) + 1, 2):
            for fast, ref in refs:
                assert fast.match(s, pos).end() == ref.match(s, pos).end(), (s, pos)


@needs_cy
def test_run_kernels_same_signature_and_doc():
    for name, params in (("claim_lhs_run", ["rev", "pos", "stop"]),
                         ("claim_rhs_run", ["text", "pos", "stop"])):
        cy, py = getattr(CY, name), getattr(PY, name)
        doc = cy.__doc__
        if doc.startswith(name + "("):
            doc = doc.split("\n", 1)[1]
        assert inspect.cleandoc(doc) == inspect.cleandoc(py.__doc__)
        assert list(inspect.signature(cy).parameters) == \
            list(inspect.signature(py).parameters) == params


@needs_cy
@SETTINGS
@given(span_texts, st.integers(-2, 40), st.integers(-2, 60))
@example("3 cups of flour", 0, 100)
@example("ruolf fo spuc 3", 0, 100)
@example("\\textit{km}", 1, 100)
@example("}mk{tixet\\", 0, 100)
@example("(nisra", 1, 100)
@example("a b c d 3", 0, 100)
@example("abcdefghijklmnop", 0, 100)
@example("3 abcdefghijklmnop q", 2, 100)
@example("3 ab cd ef gh ij", 2, 100)
@example("\\text {a}", 0, 100)
@example("\\text{" + "x" * 40 + "}", 0, 100)
@example("\\text{" + "x" * 41 + "}", 0, 100)
@example(" \\", 0, 100)
@example("x3", 0, 1)
@example("06 + )laitini( 08", 0, 100)
@example("06 + )a b c d e( 08", 5, 100)
@example("06 + )abcdefghijklmnop( 08", 5, 100)
@example("2*pi = 6.28", 2, 100)
@example("03 + )sehsid s'kcaJ( 06", 5, 100)
@example("82.6 = ip*2", 7, 100)
@example("82.6 = ipa*2", 7, 100)
@example("\u4e2a4 + \u4e2a3", 0, 100)
@example("\u7c73\u65b94 \u00d7 \u7c733", 0, 100)
@example("\u4e2a\u4e2a\u4e2a3", 0, 100)
@example("\u4e2a\u4e2a3", 0, 2)
@example("\u4e2a\u4e2a3", 0, 3)
def test_run_kernels_equal_twins(text, pos, stop):
    assert CY.claim_lhs_run(text, pos, stop) == PY.claim_lhs_run(text, pos, stop)
    assert CY.claim_rhs_run(text, pos, stop) == PY.claim_rhs_run(text, pos, stop)


@needs_cy
def test_run_kernels_every_bmp_code_point():
    """Every BMP code point alone, after a letter, before a letter and after a digit."""
    for ch in _bmp_chars():
        for text in (ch, "a" + ch, ch + "a", "3" + ch + " ", ch + "\\", ch + "3",
                     ch + ch + "3", ch + "\u4e2a3"):
            for pos in (0, 1):
                assert CY.claim_lhs_run(text, pos, len(text)) == \
                    PY.claim_lhs_run(text, pos, len(text)), hex(ord(ch))
                assert CY.claim_rhs_run(text, pos, len(text)) == \
                    PY.claim_rhs_run(text, pos, len(text)), hex(ord(ch))


@needs_cy
def test_run_kernels_on_claim_texts():
    """Every anchor of texts shaped like reasoning, both directions, several span limits."""
    from tracelint.grounding.claims import _ANCHORS
    texts = ["So the total is 3 cups of flour * 2 = 6 cups, and 60 km/hour \u00d7 2 hours = 120 km.",
             "\\(\\frac{3}{4} \\times 12 = 9\\) so \\text{area} = \\pi r^2 \\approx 28.27 m\u00b2",
             "<<48/2=24>> then arcsin(0.5) = 30\u00b0 and 5 dozen eggs = 60 eggs; x = 3 + y",
             "Price: $1,250.50 - 15% = $1,062.93 \u2248 $1,063 (rounded), i.e. 7 per day = 49"]
    for text in texts:
        rev = text[::-1]
        for m in _ANCHORS.finditer(text):
            for span in (0, 3, 8, 600):
                rpos = len(text) - m.start()
                stop = min(len(text), rpos + span)
                assert CY.claim_lhs_run(rev, rpos, stop) == PY.claim_lhs_run(rev, rpos, stop)
                stop = min(len(text), m.end() + span)
                assert CY.claim_rhs_run(text, m.end(), stop) == \
                    PY.claim_rhs_run(text, m.end(), stop)
