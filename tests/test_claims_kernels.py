"""Property tests of the grounding kernels (src/_claims.pxi): compiled core == pure-Python twin.

The twin of :func:`claim_lex` runs the tokenizer's own regular expression
(``tracelint.grounding.parser._TOKEN``), so it is also checked against a naive loop of
``_TOKEN.match`` calls.  The comparisons with the compiled core are skipped, with a reason,
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


@needs_cy
def test_compiled_classes_all_bmp():
    """Every BMP code point as the start, inside a word and inside a number."""
    for c in range(0x10000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        text = ch + "a" + ch + "1" + ch
        assert CY.claim_lex(text, 0, len(text)) == PY.claim_lex(text, 0, len(text)), hex(c)


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
