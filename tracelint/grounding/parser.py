"""A small, safe arithmetic parser and a bounded exact evaluator.

Nothing here calls ``eval``, ``sympify`` or ``parse_expr``: text is tokenized by one compiled
regular expression, LaTeX structure (``\\frac{a}{b}``, ``\\sqrt[n]{x}``, ``^{...}``) is
rewritten into plain tokens by a linear pass with an explicit stack, and infix tokens are turned
into reverse Polish notation by an iterative shunting-yard.  Evaluation is iterative too, over
``fractions.Fraction``; every step is bounded (digits of a literal, bits of every intermediate
result, exponents, factorials, nesting depth, tokens per expression), and a bound that is hit
raises :class:`Refused` - the caller reports the claim as *unchecked*, never as wrong.

Irrational values (non-perfect roots, pi, fractional powers) raise :class:`NeedsSymbolic`;
:func:`to_sympy` then rebuilds the expression in sympy from the RPN (sympy is imported lazily,
only on that path).

The tokenizer is shared by claim extraction (:mod:`tracelint.grounding.claims`) and answer
comparison (:mod:`tracelint.grounding.answer`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, cast

from .._ngram_py import _CLAIM_FUNC_NAMES, _CLAIM_LEXEME, _CLAIM_UNKNOWN_OPS
from ..ngram import claim_lex as _claim_lex

__all__ = [
    "Limits", "Tok", "tokenize", "Refused", "NotNumeric", "Unsupported", "UnknownOperator",
    "NeedsSymbolic",
    "ParseError", "compile_rpn", "eval_rpn", "to_sympy", "parse_number_text",
]


# --------------------------------------------------------------------------------------------
# limits and errors


@dataclass(frozen=True)
class Limits:
    """Bounds on the work spent on one expression (all inclusive)."""

    max_digits: int = 1000        # digits of one literal
    max_bits: int = 16384         # bits of numerator/denominator of any intermediate value
    max_depth: int = 100          # nesting of parentheses / braces / fractions
    max_tokens: int = 600         # tokens in one expression
    max_factorial: int = 1000     # largest n whose n! is computed
    max_root_degree: int = 64     # largest n of an exact n-th root attempt
    max_symbolic_exponent: int = 256   # |exponent| allowed on the sympy path


DEFAULT_LIMITS = Limits()


class Refused(Exception):
    """A bound was hit; the expression is not evaluated (reported as unchecked)."""


class NotNumeric(Exception):
    """The expression contains variables: it is an equation, not an arithmetic claim."""


class Unsupported(Exception):
    """Numeric, but uses something we do not evaluate (sin, log, +-, division by zero)."""


class UnknownOperator(Unsupported):
    """An operator symbol we do not evaluate (``2 ⊕ 3``, ``a □ b``, ``\\otimes``)."""


class NeedsSymbolic(Exception):
    """The exact value is irrational (root, pi, fractional power): use :func:`to_sympy`."""


class ParseError(Exception):
    """The tokens do not form one expression."""


# --------------------------------------------------------------------------------------------
# tokens

# kinds
NUM, OP, LP, RP, PCT, FACT, SUP, DEG, VAR, FUNC, CONST = (
    "num", "op", "lp", "rp", "pct", "fact", "sup", "deg", "var", "func", "const")
FRAC, SQRT, WORD, ANCHOR, AOPEN, ACLOSE, BND, NL, BLOCK = (
    "frac", "sqrt", "word", "anchor", "aopen", "aclose", "bnd", "nl", "block")
ELLIP, PM, MULT, UNIT, CUR, TRUNC = ("ellip", "pm", "mult", "unit", "cur", "trunc")


class Tok:
    """One token.  ``s``/``e`` are offsets into the tokenized text; ``sp`` says whether
    whitespace preceded it; ``v`` is the value (Fraction for numbers, a name otherwise);
    ``nd`` is the number of decimals shown (numbers); ``f`` holds flags."""

    __slots__ = ("k", "s", "e", "t", "v", "sp", "nd", "f", "x")

    def __init__(self, k, s, e, t, v=None, sp=False, nd=0, f="", x=None):
        self.k = k
        self.s = s
        self.e = e
        self.t = t
        self.v = v
        self.sp = sp
        self.nd = nd
        self.f = f
        self.x = x  # parts of a merged number (other readings)

    def __repr__(self):  # pragma: no cover - debugging aid
        return f"Tok({self.k},{self.t!r},{self.s}:{self.e}{',sp' if self.sp else ''}{','+self.f if self.f else ''})"


#: The claim tokenizer's lexeme pattern.  Defined once, beside its pure-Python twin
#: (``claim_lex``); the compiled lexer is proven equal to it by tests/test_claims_kernels.py.
_TOKEN = _CLAIM_LEXEME


_SIMPLE_NUM = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_ENOTATION = re.compile(r"[eE]([+-]?\d{1,3})(?![\w.])")
#: 0x1F, 0b101, 0o17: integers written in base 16, 2 or 8 (as in code)
_BASE_LITERAL = re.compile(r"0(?:[xX][0-9A-Fa-f]{1,64}|[bB][01]{1,256}|[oO][0-7]{1,86})"
                           r"(?![0-9A-Za-z_.])")
_REPEATING = re.compile(r"\((\d{1,6})\)(?![\d(])")
_REPEATING_DOT = re.compile(r"\.\((\d{1,6})\)(?![\d(])")
_LATEX_GROUP = re.compile(r"(?:\{,\}|,\\!|\\,|,\\,|\\!|,\\ |\\ )(\d{3})(?![\d])")
_COMMA_NUM = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUM_PIECES = re.compile(r"\d+(?:\.\d+)?|[.,]")
_DECIMALS = re.compile(r"\.\d+")
_SPACE_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+(?:\.\d+)?")

_SUPERSCRIPT = {"\u2070": "0", "\u00b9": "1", "\u00b2": "2", "\u00b3": "3", "\u2074": "4",
                "\u2075": "5", "\u2076": "6", "\u2077": "7", "\u2078": "8", "\u2079": "9"}
_VULGAR = {
    "\u00bc": Fraction(1, 4), "\u00bd": Fraction(1, 2), "\u00be": Fraction(3, 4),
    "\u2150": Fraction(1, 7), "\u2151": Fraction(1, 9), "\u2152": Fraction(1, 10),
    "\u2153": Fraction(1, 3), "\u2154": Fraction(2, 3), "\u2155": Fraction(1, 5),
    "\u2156": Fraction(2, 5), "\u2157": Fraction(3, 5), "\u2158": Fraction(4, 5),
    "\u2159": Fraction(1, 6), "\u215a": Fraction(5, 6), "\u215b": Fraction(1, 8),
    "\u215c": Fraction(3, 8), "\u215d": Fraction(5, 8), "\u215e": Fraction(7, 8),
}

_CHAR_OPS = {
    "+": "+", "-": "-", "*": "*", "/": "/", "^": "^", "\u00d7": "*", "\u00f7": "/",
    "\u00b7": "*", "\u22c5": "*", "\u2217": "*", "\u2212": "-", "\u2215": "/", "\u2044": "/",
    "\u2219": "*", "\u2715": "*", "\u2716": "*",
}


def _class_chars(cls: str) -> frozenset:
    """The characters of a regular-expression class body of single characters and ranges."""
    out: Set[str]
    out, i = set(), 0
    while i < len(cls):
        if i + 2 < len(cls) and cls[i + 1] == "-":
            out.update(chr(c) for c in range(ord(cls[i]), ord(cls[i + 2]) + 1))
            i += 3
        else:
            out.add(cls[i])
            i += 1
    return frozenset(out)


#: operator symbols that are read as operators but never evaluated (the claim scanner's span
#: runs read across the same characters: tracelint._ngram_py._CLAIM_UNKNOWN_OPS)
_UNKNOWN_OPS = _class_chars(_CLAIM_UNKNOWN_OPS)
_CURRENCY = {"$": "dollar", "\u20ac": "euro", "\u00a3": "pound-sterling", "\u00a5": "yen",
             "\u20b9": "rupee", "\u20a9": "won"}
_LP_CHARS = "([{"
_RP_CHARS = ")]}"
# single characters that always make the same token: char -> (kind, value)
_CHAR_SIMPLE: Dict[str, Tuple[str, Any]] = {c: (LP, c) for c in _LP_CHARS}
_CHAR_SIMPLE.update({c: (RP, c) for c in _RP_CHARS})
_CHAR_SIMPLE.update({"=": (ANCHOR, "="), "\u2248": (ANCHOR, "~"), "\u2243": (ANCHOR, "~"),
                     "\u2245": (ANCHOR, "~"), "\u2252": (ANCHOR, "~"), "%": (PCT, None),
                     "!": (FACT, None), "\u00a2": (WORD, "cent"), "\u221a": (SQRT, 2),
                     "\u221b": (SQRT, 3), "\u221c": (SQRT, 4),
                     "\u03c0": (CONST, "pi"), "\u00b0": (DEG, None), "\u2032": (WORD, "foot"),
                     "\u2033": (WORD, "inch"), "\u2026": (ELLIP, None), "\u00b1": (PM, None),
                     "\u2213": (PM, None), "~": (BND, "tilde")})

# LaTeX commands
_CMD_OPS = {"times": "*", "cdot": "*", "ast": "*", "div": "/", "bmod": None}
_CMD_FRAC = {"frac", "dfrac", "tfrac", "cfrac"}
_CMD_TRANSPARENT = {
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
    "biggr", "Biggl", "Biggr", "displaystyle", "textstyle", "scriptstyle", "boxed", "fbox",
    "textbf", "mathbf", "bm", "boldsymbol", "underline", "mathit", "emph", "color",
    "limits", "nolimits", "phantom",
}
_CMD_TEXT = {"text", "textrm", "mathrm", "mbox", "textit", "textnormal", "operatorname",
             "mathsf", "texttt", "textsf", "unit", "si"}
_CMD_SPACE = {",", ";", "!", ":", " ", "thinspace", "medspace", "thickspace", "enspace",
              "hspace", "nobreak", "allowbreak"}
_CMD_BOUNDARY = {
    "quad", "qquad", "neq", "ne", "leq", "le", "geq", "ge", "lt", "gt", "leqslant",
    "geqslant", "equiv", "sim", "simeq", "cong", "propto", "Rightarrow", "Leftarrow",
    "rightarrow", "leftarrow", "implies", "iff", "to", "mapsto", "Longrightarrow",
    "longrightarrow", "Leftrightarrow", "[", "]", "(", ")", "\\", "newline", "cr", "&", "#",
    "in", "notin", "subset", "subseteq", "cup", "cap", "forall", "exists", "therefore",
    "because", "mid", "vert", "lvert", "rvert", "Vert", "|", "langle", "rangle", "label",
    "tag", "hline", "item", "section", "subsection", "cdots", "ldots", "dots", "vdots",
    "ddots", "cdotp", "quad", "land", "lor", "lnot", "neg", "wedge", "vee", "perp",
    "parallel", "angle", "triangle", "circ_", "checkmark", "ll", "gg", "colon",
}
_CMD_FUNCS = {
    "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "tanh", "log", "ln", "lg", "exp", "max", "min", "gcd", "lcm", "det", "arg", "deg_", "lim",
    "sum", "prod", "int", "binom", "dbinom", "tbinom", "choose", "lfloor", "rfloor", "lceil",
    "rceil", "floor", "ceil", "overline", "bar", "hat", "vec", "tilde", "dot", "ddot",
    "mod", "pmod", "sqrt_", "partial", "nabla", "infty", "Delta", "overrightarrow",
    "widehat", "widetilde", "overset", "underset", "stackrel", "mathbb", "mathcal",
    "mathfrak", "mathscr", "cancel", "not",
}
_CMD_PM = {"pm", "mp"}
_CMD_UNKNOWN_OPS = {"oplus", "ominus", "otimes", "oslash", "odot", "circledast", "circledcirc",
                    "boxplus", "boxminus", "boxtimes", "boxdot", "star", "bullet", "diamond",
                    "uplus", "sqcap", "sqcup", "amalg", "uparrow", "Uparrow", "downarrow",
                    "Downarrow"}
_CMD_CONST = {"pi"}
_CMD_APPROX = {"approx", "thickapprox", "approxeq", "doteq"}
_CMD_DEG = {"circ", "degree", "degrees"}
_CMD_ELLIP = {"cdots", "ldots", "dots"}
_CMD_ESCAPED = {"%": PCT, "$": CUR, "{": LP, "}": RP, "_": BND, "&": BND, "#": BND}
_KNOWN_CMDS = (set(_CMD_OPS) | _CMD_FRAC | _CMD_TRANSPARENT | _CMD_TEXT | _CMD_SPACE
               | _CMD_BOUNDARY | _CMD_FUNCS | _CMD_PM | _CMD_CONST | _CMD_APPROX | _CMD_DEG
               | _CMD_UNKNOWN_OPS
               | {"sqrt", "begin", "end", "nu", "neq", "ne", "nabla", "theta", "tau", "rho",
                  "right", "rangle", "text", "times", "tan", "to", "triangle", "top",
                  "nmid", "ni", "nexists", "natural", "rm", "tfrac"})

_ORDINAL_SUFFIX = {"st", "nd", "rd", "th"}
_TIME_SUFFIX = {"am", "pm", "a", "p"}


_NUM_CACHE: Dict[str, Tuple[Optional[Fraction], int, str]] = {}


def _num_value(text: str, limits: Limits) -> Tuple[Optional[Fraction], int, str]:
    """(value, decimals, flag) of a plain decimal literal without separators."""
    # Short literals recur constantly; a literal no longer than max_digits has a value that
    # does not depend on the limits, so it is remembered (Fractions are immutable).
    if len(text) <= 24 and len(text) <= limits.max_digits:
        hit = _NUM_CACHE.get(text)
        if hit is None:
            hit = _num_value_of(text, limits)
            if len(_NUM_CACHE) >= 100000:
                _NUM_CACHE.clear()
            _NUM_CACHE[text] = hit
        return hit
    return _num_value_of(text, limits)


def _num_value_of(text: str, limits: Limits) -> Tuple[Optional[Fraction], int, str]:
    if "." in text:
        ip, fp = text.split(".", 1)
    else:
        ip, fp = text, ""
    digits = len(ip) + len(fp)
    if digits > limits.max_digits or digits > 4000:
        return None, len(fp), "huge"
    n = int(ip + fp) if (ip or fp) else 0
    if fp:
        return Fraction(n, 10 ** len(fp)), len(fp), ""
    return Fraction(n), 0, ""


def parse_number_text(text: str, limits: Limits = DEFAULT_LIMITS) -> Optional[Fraction]:
    """Value of a number literal such as ``1,250.50``, ``1 250``, ``.5``, ``12``; None when
    the text is not a plain number (or is too long)."""
    t = text.strip().replace("\u2009", "").replace("\u202f", "")
    neg = False
    if t[:1] in ("-", "\u2212"):
        neg, t = True, t[1:].strip()
    if _COMMA_NUM.fullmatch(t):
        t = t.replace(",", "")
    elif _SPACE_GROUPED.fullmatch(t):
        t = t.replace(" ", "")
    if not _SIMPLE_NUM.fullmatch(t):
        return None
    v, _, flag = _num_value(t, limits)
    if v is None:
        return None
    return -v if neg else v


def _line_start(text: str, s: int, lo: int, any_blank: bool = False) -> bool:
    """True when only horizontal whitespace lies between the start of the line and s (only
    blanks and tabs unless ``any_blank``: em spaces indent o1's lists too)."""
    i = s - 1
    while i >= 0 and (text[i] in " \t" or (any_blank and text[i] not in "\r\n" and
                                           text[i].isspace())):
        i -= 1
    return i < 0 or text[i] in "\r\n"


_NOT_HYPHENATED = frozenset(_CLAIM_FUNC_NAMES.split("|")) | {"pi"}


def _ascii_letters_end(text: str, i: int, hi: int) -> int:
    while i < hi and text[i].isascii() and text[i].isalpha():
        i += 1
    return i


def _hyphen_word_end(text: str, s: int, e: int, hi: int) -> int:
    """End of the hyphenated word whose first part is the word ``text[s:e]`` ("post-it",
    "T-shirts", "x-coordinate", "mother-in-law"), ``e`` when the hyphen is a minus: letters
    on both sides, one of them at least two long, not both capitals ("AB-CD"), no function
    name ("x-sin(x)"), and no digit, bracket or call touching the ends ("2x-y", "x-y2")."""
    if s > 0 and (text[s - 1].isalnum() or text[s - 1] in ")]}"):
        return e
    left = text[s:e]
    if not (left.isascii() and left.isalpha()) or left.lower() in _NOT_HYPHENATED:
        return e
    end = e
    while end + 1 < hi and text[end] == "-":
        q = _ascii_letters_end(text, end + 1, hi)
        right = text[end + 1:q]
        if not right or (q < hi and (text[q].isalnum() or text[q] in "(_")) or \
                right.lower() in _NOT_HYPHENATED or (len(left) == 1 and len(right) == 1) or \
                (left.isupper() and right.isupper()):
            break
        end, left = q, right
    return end


def _cjk(c: str) -> bool:
    """Whether ``c`` is a CJK, kana or Hangul character (a word of such text is prose)."""
    return "\u2e80" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" or \
        "\uf900" <= c <= "\ufaff" or c >= "\U00020000"


def tokenize(text: str, lo: int = 0, hi: Optional[int] = None,
             limits: Limits = DEFAULT_LIMITS) -> List[Tok]:
    """Tokens of ``text[lo:hi]`` (offsets are into ``text``).

    Whitespace is dropped (recorded as ``sp`` on the next token); LaTeX spacing, ``$``
    delimiters and presentational commands are dropped; ``\\text{...}`` with no digits becomes
    one WORD; numbers carry exact values; dates, times, versions, phone numbers and leading-zero
    digit strings become BLOCK tokens.
    """
    if hi is None:
        hi = len(text)
    toks: List[Tok] = []
    append = toks.append
    sp = False
    pos = lo
    cur_pending = None  # currency sign waiting for its number
    v: Optional[Fraction]  # a number's value (None: refused by a bound)
    val: Optional[Fraction]
    # lexemes of _TOKEN (compiled lexer, whitespace folded into a flag); lexed again from
    # `pos` whenever a branch below consumes more or less than one lexeme
    while pos < hi:
        lex = _claim_lex(text, pos, hi)
        if not lex:
            break  # only whitespace is left
        it = iter(lex)
        for g, ws, s, e in zip(it, it, it, it):
            if ws != pos:
                break  # the last branch did not end where this lexeme starts: lex again
            if ws != s:
                sp = True
            pos = e
            if g == 10:  # one character, the most frequent lexeme
                c = text[s]
                simple = _CHAR_SIMPLE.get(c)
                if simple is not None:
                    append(Tok(simple[0], s, e, c, simple[1], sp))
                    sp = False
                    continue
                op = _CHAR_OPS.get(c)
                if op is not None:
                    if c in "-*+" and _line_start(text, s, lo) and (e >= hi or text[e] in " \t"):
                        append(Tok(BND, s, e, c, "bullet", sp))
                    else:
                        append(Tok(OP, s, e, c, op, sp))
                elif c in _CURRENCY:
                    cur_pending = _CURRENCY[c]
                    continue  # transparent; keep sp
                elif c == "&":
                    # alignment marker: transparent when it precedes '=' (&=), a break otherwise
                    j = e
                    while j < hi and text[j] in " \t":
                        j += 1
                    if j < hi and text[j] in "=\u2248<>":
                        continue
                    append(Tok(BND, s, e, c, None, sp))
                elif c in _UNKNOWN_OPS:
                    if _line_start(text, s, lo, True) and (e >= hi or text[e].isspace()):
                        append(Tok(BND, s, e, c, "bullet", sp))  # "■ 3 + 4 = 7": a list item
                    else:
                        # "2⊗w⊕7", "a □ b": an operation the text defines; the side is read
                        # whole and left unevaluated rather than cut here
                        append(Tok(OP, s, e, c, "?", sp, 0, "unknown"))
                elif c in "\u2013\u2012\u2010":
                    if sp and e < hi and text[e] in " \t":
                        # "1 – 3/4": a typeset minus
                        append(Tok(OP, s, e, c, "-", sp, 0, "endash"))
                    else:
                        append(Tok(BND, s, e, c, "endash", sp))
                else:
                    append(Tok(BND, s, e, c, None, sp))
                sp = False
                continue
            if g == 8:  # word
                if e + 1 < hi and text[e] == "-":
                    q = _hyphen_word_end(text, s, e, hi)
                    if q > e:
                        pos = e = q
                w = text[s:e]
                # CJK words are prose ("60 元", "3×4=12 个苹果"): never a one-letter variable
                append(Tok(WORD, s, e, w, w.lower(), sp, 0,
                           "text" if w[0] >= "\u2e80" and _cjk(w[0]) else ""))
                sp = False
                cur_pending = None
                continue
            if g == 1:  # nl
                append(Tok(NL, s, e, "\n", sp=sp))
                sp = False
                cur_pending = None
                continue
            if g == 2:  # num
                t = text[s:e]
                nc = text[e] if e < hi else ""
                if t == "0" and nc in ("x", "X", "b", "B", "o", "O"):
                    bm = _BASE_LITERAL.match(text, s, hi)
                    if bm is not None:  # not "0x = 0" (zero times x)
                        lit = bm.group()
                        append(Tok(NUM, s, bm.end(), lit, Fraction(int(lit, 0)), sp, 0, "base"))
                        pos = bm.end()
                        sp = False
                        cur_pending = None
                        continue
                # repeating decimals, e-notation, a leading "." and LaTeX thousands separators
                # all show at the first character after the number or at its own first one
                if (nc and nc in ".(eE{,\\") or t[0] == ".":
                    rm = None
                    if nc and nc in ".(" and "," not in t and t.count(".") <= 1:
                        # 3.(3) / 0.1(6): the period is written, or the number already has
                        # decimals
                        rm = (_REPEATING_DOT if "." not in t else _REPEATING).match(text, e, hi)
                    if rm is not None:
                        # 3.(3), 0.1(6): a repeating decimal, exact
                        ip, _, fp = t.partition(".")
                        rep = rm.group(1)
                        base = Fraction(int(ip + fp) if (ip + fp) else 0, 10 ** len(fp))
                        v = base + Fraction(int(rep), (10 ** len(rep) - 1) * 10 ** len(fp))
                        append(Tok(NUM, s, rm.end(), text[s:rm.end()], v, sp, 6, "repeating"))
                        pos = rm.end()
                        sp = False
                        cur_pending = None
                        continue
                    em = _ENOTATION.match(text, e, hi) if nc and nc in "eE" and "," not in t and \
                        t.count(".") <= 1 else None
                    if em is not None and not (e + 1 < hi and text[e].isalpha() and
                                               text[e + 1:e + 2].isalpha()):
                        v, nd, fl = _num_value(t, limits)
                        ex = int(em.group(1))
                        if v is not None and abs(ex) <= 300:
                            val = v * Fraction(10) ** ex
                            append(Tok(NUM, s, em.end(), text[s:em.end()], val, sp,
                                       max(0, nd - ex), "enotation"))
                            pos = em.end()
                            sp = False
                            cur_pending = None
                            continue
                    if t[0] == "." and s > 0 and (text[s - 1].isalnum() or
                                                  text[s - 1] in ")]}"):
                        append(Tok(BND, s, s + 1, ".", sp=sp))
                        pos = s + 1
                        sp = False
                        continue
                    if e < hi and text[e] in "{,\\" and len(t) <= 3 and t.isdigit():
                        # 1{,}300 / 1,\!300 / 1\,300: LaTeX thousands separators
                        groups = []
                        q = e
                        while True:
                            gm = _LATEX_GROUP.match(text, q, hi)
                            if gm is None:
                                break
                            groups.append(gm.group(1))
                            q = gm.end()
                        if groups:
                            if q < hi and text[q] == "." and q + 1 < hi and \
                                    text[q + 1].isdigit():
                                # text[q:q + 2] is "." and a digit: always a match
                                fm = cast("re.Match[str]", _DECIMALS.match(text, q, hi))
                                frac = fm.group()
                                q = fm.end()
                            else:
                                frac = ""
                            v, nd, fl = _num_value(t + "".join(groups) + frac, limits)
                            tok = Tok(NUM, s, q, text[s:q], v, sp, nd, ("comma " + fl).strip())
                            if cur_pending:
                                tok.f += " cur:" + cur_pending
                            append(tok)
                            pos = q
                            sp = False
                            cur_pending = None
                            continue
                if "," not in t and t.count(".") <= 1:
                    v, nd, fl = _num_value(t, limits)
                    tok = Tok(NUM, s, e, t, v, sp, nd, fl)
                    if t[0] == "0" and len(t) > 1 and t[1] != "." and not (
                            len(t.split(".")[0]) == 3 and s >= 2 and
                            text[s - 1] in " \u00a0\u2009\u202f" and text[s - 2].isdigit()):
                        tok.k = BLOCK  # 007, 01: codes and dates ("2 000" is a digit group)
                        tok.f = "leading-zero"
                    if cur_pending:
                        tok.f = (tok.f + " cur:" + cur_pending).strip()
                    append(tok)
                elif "," in t and _COMMA_NUM.fullmatch(t):
                    v, nd, fl = _num_value(t.replace(",", ""), limits)
                    tok = Tok(NUM, s, e, t, v, sp, nd, (fl + " comma").strip())
                    if len(t) <= 40:
                        tok.x = t.split(",")  # "420,420" may also be a list: 420, 420
                    if cur_pending:
                        tok.f += " cur:" + cur_pending
                    append(tok)
                elif "," not in t:
                    # 3.11.2, 192.168.0.1, 15.01.2024: versions / dotted dates
                    append(Tok(BLOCK, s, e, t, None, sp, 0, "version"))
                else:
                    # lists like 1,2,3 or 2.5,3: split into numbers and commas
                    first = True
                    for pm in _NUM_PIECES.finditer(t):
                        ps, pe = s + pm.start(), s + pm.end()
                        pt = pm.group()
                        if pt in ",.":
                            append(Tok(BND, ps, pe, pt, sp=False))
                        else:
                            v, nd, fl = _num_value(pt, limits)
                            k = NUM
                            if pt[0] == "0" and len(pt) > 1 and pt[1] != ".":
                                k = BLOCK
                            append(Tok(k, ps, pe, pt, v, sp if first else False, nd, fl))
                        first = False
                sp = False
                cur_pending = None
                continue
            if g == 3:  # cmd
                name = text[s:e][1:]
                tok = _cmd_token(text, s, e, name, sp, hi)
                if tok is None:
                    continue  # transparent / spacing: keep sp as it is
                if not isinstance(tok, int):
                    pos = max(pos, tok.e)
                if isinstance(tok, int):
                    # JSON escape (\n, \t, \") mistaken for a command: emit a break, re-scan rest
                    append(Tok(NL if name[:1] in "nr" else BND, s, s + 2, "\n", sp=sp))
                    pos = tok
                    sp = False
                    cur_pending = None
                    continue
                if tok.k == CUR:
                    cur_pending = "dollar"
                    continue
                if tok.k == "space":
                    sp = True
                    continue
                pos = max(pos, tok.e)
                append(tok)
                sp = False
                if tok.k != BND:
                    cur_pending = None
                continue
            if g == 4:  # sup
                g0 = text[s:e]
                neg = g0.startswith("\u207b")
                digits = "".join(_SUPERSCRIPT[c] for c in g0.lstrip("\u207b"))
                val = Fraction(int(digits)) if len(digits) < 6 else None
                if neg and val is not None:
                    val = -val
                append(Tok(SUP, s, e, g0, val, sp))
                sp = False
                continue
            if 5 <= g <= 7:  # vf (a vulgar fraction), supvar, sub: one token each
                t = text[s:e]
                if g == 5:
                    append(Tok(NUM, s, e, t, _VULGAR[t], sp, 3, "vulgar"))
                else:
                    append(Tok(VAR, s, e, t, t, sp, 0, "supvar" if g == 6 else "sub"))
                sp = False
                continue
            if g == 9:  # two
                t = text[s:e]
                if t == "<<":
                    append(Tok(AOPEN, s, e, t, sp=sp))
                elif t == ">>":
                    append(Tok(ACLOSE, s, e, t, sp=sp))
                elif t == "**":
                    prev = text[s - 1] if s > lo else " "
                    nxt = text[e] if e < hi else " "
                    power = False
                    if not prev.isspace() and not nxt.isspace():
                        power = (prev.isalnum() or prev in ")}") and (nxt.isalnum() or nxt in "({-")
                    elif prev == " " and nxt == " " and s - 2 >= lo and e + 1 < hi:
                        p2, n2 = text[s - 2], text[e + 1]
                        power = (p2.isdigit() or p2 in ")}") and (n2.isdigit() or n2 in "(-")
                    if power:
                        append(Tok(OP, s, e, t, "^", sp))
                    else:
                        append(Tok(BND, s, e, t, "md", sp))
                elif t == "...":
                    append(Tok(ELLIP, s, e, t, sp=sp))
                elif t == "~=":
                    append(Tok(ANCHOR, s, e, t, "~", sp))
                else:
                    append(Tok(BND, s, e, t, sp=sp))
                sp = False
                continue
            raise AssertionError(f"lexeme group {g}")  # pragma: no cover
    if _PATTERN_HINT.search(text, lo, hi):
        _mark_patterns(text, toks)
    return toks


_RANGE_WORDS = {
    "page", "pages", "pp", "p", "chapter", "chapters", "ch", "verse", "verses", "line",
    "lines", "section", "sections", "ages", "aged", "age", "between", "from", "steps",
    "items", "questions", "problems", "exercises", "rows", "columns", "grades", "grade",
    "slides", "episodes", "volumes", "vol", "paragraphs", "figures", "fig", "tables",
    "rooms", "seats", "numbers", "nos", "no", "weeks", "levels", "units", "lessons",
}


_PATTERN_HINT = re.compile(r"\d[-/:\u2013\u2012\u2010]\d|\d(?:st|nd|rd|th|am|pm|a|p)\b|\d\s*[\u2013]",
                           re.I)


def _unspaced(a: Tok, b: Tok) -> bool:
    return a.e == b.s


def _mark_patterns(text: str, toks: List[Tok]) -> None:
    """Turn dates, times, phone numbers, ranges and ordinals into BLOCK tokens (in place)."""
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        if t.k != NUM:
            i += 1
            continue
        nxt = toks[i + 1] if i + 1 < n else None
        if nxt is None:
            break
        # 3rd, 21st, 4th ; 3pm, 10am
        if nxt.k == WORD and _unspaced(t, nxt) and (
                nxt.v in _ORDINAL_SUFFIX or nxt.v in _TIME_SUFFIX) and t.nd == 0:
            t.k = BLOCK
            nxt.k = BLOCK
            i += 2
            continue
        # times and ratios 3:45, 12:30:15, 3:4
        glued = i > 0 and toks[i - 1].k == WORD and toks[i - 1].e == t.s
        if nxt.k == BND and nxt.t == ":" and i + 2 < n and toks[i + 2].k in (NUM, BLOCK) \
                and _unspaced(t, nxt) and _unspaced(nxt, toks[i + 2]) and not glued and (
                    len(toks[i + 2].t) != 2 or int(toks[i + 2].t) <= 59 if toks[i + 2].t.isdigit()
                    else True):
            j = i
            while j + 2 < n and toks[j + 1].t == ":" and toks[j + 2].k in (NUM, BLOCK) and \
                    _unspaced(toks[j], toks[j + 1]) and _unspaced(toks[j + 1], toks[j + 2]):
                j += 2
            for q in range(i, j + 1):
                toks[q].k = BLOCK
            i = j + 1
            continue
        # en dash between numbers: a range
        if nxt.k == BND and nxt.v == "endash" and i + 2 < n and toks[i + 2].k == NUM:
            t.k = BLOCK
            toks[i + 2].k = BLOCK
            i += 3
            continue
        if nxt.k == OP and nxt.t in "-/" and _unspaced(t, nxt) and i + 2 < n \
                and toks[i + 2].k in (NUM, BLOCK) and _unspaced(nxt, toks[i + 2]):
            # collect an unspaced chain a-b-c or a/b/c
            j = i + 2
            sep = nxt.t
            while j + 2 < n and toks[j + 1].k == OP and toks[j + 1].t == sep and \
                    toks[j + 2].k in (NUM, BLOCK) and _unspaced(toks[j], toks[j + 1]) and \
                    _unspaced(toks[j + 1], toks[j + 2]):
                j += 2
            parts = [toks[q] for q in range(i, j + 1, 2)]
            lens = [len(p.t) for p in parts]
            ints = all(p.nd == 0 and "," not in p.t for p in parts)
            block = False
            if ints and len(parts) == 3:
                if sep == "-" and (lens == [4, 2, 2] or lens == [4, 1, 1] or lens == [4, 2, 1]
                                   or lens == [4, 1, 2] or lens == [3, 3, 4]):
                    block = True  # ISO date, phone
                if sep == "/" and lens[2] == 4 and lens[0] <= 2 and lens[1] <= 2 and \
                        1000 <= int(parts[2].t) <= 2999:
                    block = True  # 12/25/2023
                if sep == "-" and any(p.t[0] == "0" and len(p.t) > 1 for p in parts):
                    block = True
            if ints and len(parts) == 4 and sep == "-" and lens[1:] == [3, 3, 4]:
                block = True  # 1-800-555-1234
            if ints and len(parts) == 2 and sep == "-":
                if lens == [3, 4]:
                    block = True  # 555-1234
                prev = toks[i - 1] if i > 0 else None
                after = toks[j + 1] if j + 1 < n else None
                ascending = parts[0].v is not None and parts[1].v is not None and \
                    parts[0].v < parts[1].v and not (after is not None and after.s == toks[j].e)
                if prev is not None and prev.k == WORD and prev.v in _RANGE_WORDS and ascending:
                    block = True  # pages 3-5
                if prev is not None and prev.k == BND and prev.t == "(" and i > 1 and ascending and \
                        toks[i - 2].k == WORD and toks[i - 2].v in _RANGE_WORDS:
                    block = True
            if block:
                for q in range(i, j + 1):
                    toks[q].k = BLOCK
                i = j + 1
                continue
        i += 1


def _brace_content(text: str, e: int, hi: int) -> Tuple[int, int]:
    """(start, end) of the brace group that begins at or after e (skipping spaces); (-1, -1)
    when there is none.  Nested braces are counted; at most 400 characters are scanned."""
    j = e
    while j < hi and text[j] in " \t":
        j += 1
    if j >= hi or text[j] != "{":
        return -1, -1
    depth = 0
    k = j
    stop = min(hi, j + 400)
    while k < stop:
        c = text[k]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j + 1, k
        elif c == "\\":
            k += 1
        k += 1
    return -1, -1


def _cmd_token(text: str, s: int, e: int, name: str, sp: bool, hi: int):
    """Token for a LaTeX command, None when it is transparent, an int (re-scan position) when
    it is really a JSON escape such as ``\\n``."""
    if len(name) == 1 and not name.isalpha():
        if name in _CMD_ESCAPED:
            k = _CMD_ESCAPED[name]
            if k == CUR:
                return Tok(CUR, s, e, "\\$")
            if k == PCT:
                return Tok(PCT, s, e, "\\%", None, sp)
            if k in (LP, RP):
                return Tok(k, s, e, "\\" + name, name, sp)
            return Tok(BND, s, e, "\\" + name, sp=sp)
        if name in _CMD_SPACE:
            return Tok("space", s, e, "")
        if name == "\\":
            return Tok(BND, s, e, "\\\\", "linebreak", sp)
        if name in "[]()":
            return Tok(BND, s, e, "\\" + name, "math", sp)
        if name == '"' or name == "'":
            return Tok(BND, s, e, "\\" + name, sp=sp)
        return Tok(BND, s, e, "\\" + name, sp=sp)
    if name in _CMD_OPS:
        op = _CMD_OPS[name]
        if op is None:
            return Tok(FUNC, s, e, "\\" + name, name, sp)
        return Tok(OP, s, e, "\\" + name, op, sp)
    if name in _CMD_FRAC:
        return Tok(FRAC, s, e, "\\" + name, name, sp)
    if name == "sqrt":
        return Tok(SQRT, s, e, "\\sqrt", 2, sp)
    if name in _CMD_CONST:
        return Tok(CONST, s, e, "\\pi", "pi", sp)
    if name in _CMD_APPROX:
        return Tok(ANCHOR, s, e, "\\" + name, "~", sp)
    if name in _CMD_DEG:
        return Tok(DEG, s, e, "\\" + name, None, sp)
    if name in _CMD_PM:
        return Tok(PM, s, e, "\\" + name, None, sp)
    if name in _CMD_UNKNOWN_OPS:
        return Tok(OP, s, e, "\\" + name, "?", sp, 0, "unknown")
    if name in _CMD_ELLIP:
        return Tok(ELLIP, s, e, "\\" + name, None, sp)
    if name in _CMD_TEXT:
        a, b = _brace_content(text, e, hi)
        if a < 0:
            return None
        inner = text[a:b]
        if name == "operatorname" and inner.strip().isalpha():
            return Tok(FUNC, s, b + 1, text[s:b + 1], inner.strip(), sp)
        if not inner.strip():
            return Tok("space", s, b + 1, "")
        if not any(ch.isdigit() for ch in inner):
            words = inner.strip().lower()
            glued = not sp and not inner[:1].isspace() and s > 0 and text[s - 1].isalnum()
            return Tok(WORD, s, b + 1, inner, words, sp, 0, "textvar" if glued else "text")
        return None  # digits inside: transparent, the braces become parentheses
    if name in ("begin", "end"):
        a, b = _brace_content(text, e, hi)
        end = b + 1 if a >= 0 else e
        return Tok(BND, s, end, text[s:end], "env", sp)
    if name in _CMD_TRANSPARENT:
        if name in ("left", "right") and e < hi and text[e] == ".":
            return Tok("space", s, e + 1, "")
        if name == "color":
            a, b = _brace_content(text, e, hi)
            if a >= 0:
                return Tok("space", s, b + 1, "")
        return None
    if name in _CMD_SPACE:
        if name == "hspace":
            a, b = _brace_content(text, e, hi)
            if a >= 0:
                return Tok("space", s, b + 1, "")
        return Tok("space", s, e, "")
    if name in _CMD_BOUNDARY:
        return Tok(BND, s, e, "\\" + name, name, sp)
    if name in _CMD_FUNCS:
        return Tok(FUNC, s, e, "\\" + name, name, sp)
    if name not in _KNOWN_CMDS and name[0] in "ntr":
        # "\nSo", "\n3", "\t": a JSON escape sequence inside raw JSON text
        return s + 2
    # Greek letters and any other command: a symbol (variable)
    return Tok(VAR, s, e, "\\" + name, name, sp)


# --------------------------------------------------------------------------------------------
# infix tokens -> RPN

# RPN items are tuples: ("n", Fraction) | ("b", op) | ("u", "-") | ("pct",) | ("fact",)
# | ("f", name) | ("c", "pi") | ("v", name) | ("root", n) | ("mult", Fraction)

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}
_UNARY_PREC = 3
_RIGHT = {"^"}


def _plain_groups(toks: Sequence[Tok], limits: Limits) -> List[Tok]:
    """:func:`_latex_rewrite` of tokens without \\frac and \\sqrt: nothing is rewritten,
    only the nesting is checked (the same bounds and errors, in the same order)."""
    stack: List[int] = []
    depth = 0
    max_depth = limits.max_depth
    for t in toks:
        k = t.k
        if k == LP:
            depth += 1
            if depth > max_depth:
                raise Refused("nesting too deep")
            stack.append(depth)
        elif k == RP:
            if stack and stack[-1] == depth:
                stack.pop()
            depth -= 1
    if stack:
        raise ParseError("unbalanced")
    return list(toks)


def _latex_rewrite(toks: Sequence[Tok], limits: Limits) -> List[Tok]:
    """Rewrite \\frac{a}{b} -> ((a)/(b)), \\sqrt[n]{x} -> root_n((x)), single-token arguments
    (\\frac12, \\sqrt2) -> parenthesized; linear, with an explicit stack (no recursion)."""
    kinds = [t.k for t in toks]
    if FRAC not in kinds and SQRT not in kinds:
        return _plain_groups(toks, limits)
    out: List[Tok] = []
    # stack entries: [kind, depth_at_open]; kind in ("f1", "f2", "sq", "g")
    stack: List[list] = []
    depth = 0
    i = 0
    n = len(toks)

    def lp(t):
        return Tok(LP, t.s, t.s, "(", "(", False)

    def rp(t):
        return Tok(RP, t.e, t.e, ")", ")", False)

    def divop(t):
        return Tok(OP, t.e, t.e, "/", "/", False)

    # pending[i] = list of tokens to emit after token i closes a single-token argument
    while i < n:
        t = toks[i]
        k = t.k
        if k == FRAC:
            # first argument
            if i + 1 < n and toks[i + 1].k == LP and toks[i + 1].v == "{":
                out.append(lp(t))
                out.append(lp(toks[i + 1]))
                depth += 1
                if depth > limits.max_depth:
                    raise Refused("nesting too deep")
                stack.append(["f1", depth])
                i += 2
                continue
            if i + 1 < n and toks[i + 1].k == NUM and toks[i + 1].nd == 0 and len(toks[i + 1].t) >= 2 \
                    and toks[i + 1].t.isdigit():
                a = toks[i + 1]
                num1, rest = a.t[0], a.t[1:]
                out.append(lp(t))
                out.append(Tok(NUM, a.s, a.s + 1, num1, Fraction(int(num1))))
                out.append(divop(a))
                if len(rest) == 1:
                    out.append(Tok(NUM, a.s + 1, a.e, rest, Fraction(int(rest))))
                    out.append(rp(a))
                    i += 2
                    continue
                raise ParseError("ambiguous \\frac digits")
            if i + 1 < n and toks[i + 1].k in (NUM, VAR, CONST):
                a = toks[i + 1]
                out.append(lp(t))
                out.append(lp(a))
                out.append(a)
                out.append(rp(a))
                out.append(divop(a))
                # second argument: a group or a single token
                if i + 2 < n and toks[i + 2].k == LP and toks[i + 2].v == "{":
                    out.append(lp(toks[i + 2]))
                    depth += 1
                    stack.append(["f2", depth])
                    i += 3
                    continue
                if i + 2 < n and toks[i + 2].k in (NUM, VAR, CONST):
                    out.append(toks[i + 2])
                    out.append(rp(toks[i + 2]))
                    i += 3
                    continue
                raise ParseError("bad \\frac")
            raise ParseError("bad \\frac")
        if k == SQRT:
            deg = t.v if type(t.v) is int else 2  # √ 2, ∛ 3, ∜ 4; \sqrt[n] below
            j = i + 1
            if t.t == "\\sqrt" and j < n and toks[j].k == LP and toks[j].v == "[":
                # \sqrt[n]{x}
                if j + 2 < n and toks[j + 1].k == NUM and toks[j + 2].k == RP and toks[j + 1].nd == 0:
                    dv = toks[j + 1].v
                    if dv is None or dv > limits.max_root_degree or dv < 1:
                        raise Refused("root degree")
                    deg = int(dv)
                    j += 3
                else:
                    raise Unsupported("symbolic root degree")
            out.append(Tok(FUNC, t.s, t.e, t.t, ("root", deg), t.sp))
            if j < n and toks[j].k == LP and toks[j].v == "{":
                out.append(lp(toks[j]))
                depth += 1
                if depth > limits.max_depth:
                    raise Refused("nesting too deep")
                stack.append(["g", depth])
                i = j + 1
                continue
            if t.t == "\\sqrt" and j < n and toks[j].k in (NUM, VAR, CONST):
                a = toks[j]
                if a.k == NUM and a.nd == 0 and len(a.t) > 1 and a.t.isdigit():
                    # \sqrt23 means sqrt(2)*3 in TeX; keep it unambiguous: refuse
                    raise Unsupported("ambiguous \\sqrt digits")
                out.append(lp(a))
                out.append(a)
                out.append(rp(a))
                i = j + 1
                continue
            i = j
            continue
        if k == LP:
            depth += 1
            if depth > limits.max_depth:
                raise Refused("nesting too deep")
            stack.append(["g", depth])
            out.append(t)
            i += 1
            continue
        if k == RP:
            if stack and stack[-1][1] == depth:
                kind = stack.pop()[0]
                depth -= 1
                if kind == "f1":
                    out.append(rp(t))
                    out.append(divop(t))
                    # second argument
                    if i + 1 < n and toks[i + 1].k == LP and toks[i + 1].v == "{":
                        out.append(lp(toks[i + 1]))
                        depth += 1
                        stack.append(["f2", depth])
                        i += 2
                        continue
                    if i + 1 < n and toks[i + 1].k in (NUM, VAR, CONST):
                        a = toks[i + 1]
                        if a.k == NUM and a.nd == 0 and len(a.t) > 1:
                            raise ParseError("ambiguous \\frac digits")
                        out.append(a)
                        out.append(rp(a))
                        i += 2
                        continue
                    raise ParseError("bad \\frac")
                if kind == "f2":
                    out.append(rp(t))
                    out.append(rp(t))
                    i += 1
                    continue
                out.append(t)
                i += 1
                continue
            depth -= 1
            out.append(t)
            i += 1
            continue
        out.append(t)
        i += 1
    if stack:
        raise ParseError("unbalanced")
    return out


def compile_rpn(toks: Sequence[Tok], limits: Limits = DEFAULT_LIMITS,
                pct_mode: str = "percent") -> Tuple[tuple, bool]:
    """Reverse Polish notation of one expression, and whether it has an operation.

    ``toks`` are expression tokens as produced by the claim segmenter (units and transparent
    tokens removed, implicit multiplication made explicit as OP '*').  Raises ParseError when
    the tokens do not form exactly one expression, Refused when a bound is hit.
    ``pct_mode``: "percent" (50% -> 1/2) or "label" (the % sign is ignored).
    """
    if len(toks) > limits.max_tokens:
        raise Refused("expression too long")
    toks = _latex_rewrite(toks, limits)
    out: List[tuple] = []
    ops: List[tuple] = []   # (kind, value, prec) ; kind: "b" binary, "u" unary, "f" func, "(" paren
    expect_operand = True
    has_op = False
    depth = 0
    for t in toks:
        k = t.k
        if expect_operand:
            if k == NUM:
                if t.v is None:
                    raise Refused("number too long")
                out.append(("n", t.v, t.nd if t.f != "vulgar" else 0))
                expect_operand = False
            elif k == CONST:
                out.append(("c", t.v))
                expect_operand = False
                has_op = True
            elif k == VAR:
                out.append(("v", t.v))
                expect_operand = False
            elif k == LP:
                depth += 1
                if depth > limits.max_depth:
                    raise Refused("nesting too deep")
                ops.append(("(", t.v, 0))
            elif k == OP and t.v in ("-", "+"):
                ops.append(("u", t.v, _UNARY_PREC))
                if t.v == "-":
                    has_op = has_op  # a sign alone is not an operation
            elif k == FUNC:
                ops.append(("f", t.v, 5))
                has_op = True
            elif k == SQRT:
                ops.append(("f", ("root", 2), 5))
                has_op = True
            elif k == OP and t.v == "?":
                raise UnknownOperator(f"operator {t.t} not evaluated")
            else:
                raise ParseError(f"unexpected {t.t!r}")
        else:
            if k == OP:
                op = t.v
                p = _PREC.get(op)
                if p is None:
                    raise UnknownOperator(f"operator {t.t} not evaluated")
                while ops:
                    top = ops[-1]
                    if top[0] == "(":
                        break
                    tp = top[2]
                    if tp > p or (tp == p and op not in _RIGHT):
                        ops.pop()
                        out.append((top[0], top[1]))
                    else:
                        break
                ops.append(("b", op, p))
                has_op = True
                expect_operand = True
            elif k == RP:
                depth -= 1
                while ops and ops[-1][0] != "(":
                    top = ops.pop()
                    out.append((top[0], top[1]))
                if not ops:
                    raise ParseError("unbalanced )")
                ops.pop()
                # a function applied to this group
                if ops and ops[-1][0] == "f":
                    top = ops.pop()
                    out.append(("f", top[1]))
            elif k == PCT:
                if pct_mode == "percent":
                    out.append(("pct",))
                    has_op = True
            elif k == FACT:
                out.append(("fact",))
                has_op = True
            elif k == SUP:
                if t.v is None:
                    raise Refused("exponent too long")
                # postfix power binds tighter than anything pending
                out.append(("n", t.v))
                out.append(("b", "^"))
                has_op = True
            elif k == DEG:
                pass
            elif k == MULT:
                out.append(("n", t.v))
                out.append(("b", "*"))
            else:
                raise ParseError(f"unexpected {t.t!r}")
        # unary ops / functions applied to an operand that just completed
        if not expect_operand and k in (NUM, CONST, VAR):
            pass
    if expect_operand:
        raise ParseError("incomplete")
    while ops:
        top = ops.pop()
        if top[0] == "(":
            raise ParseError("unbalanced (")
        out.append((top[0], top[1]))
    return tuple(out), has_op


# --------------------------------------------------------------------------------------------
# exact evaluation


def _bits(x: Fraction) -> int:
    return max(x.numerator.bit_length(), x.denominator.bit_length())


def _check(x: Fraction, limits: Limits) -> Fraction:
    if x.numerator.bit_length() > limits.max_bits or x.denominator.bit_length() > limits.max_bits:
        raise Refused("intermediate value too large")
    return x


def _exact_root(x: Fraction, n: int) -> Optional[Fraction]:
    """The exact rational n-th root of x >= 0, or None when it is irrational."""
    if x < 0:
        if n % 2 == 1:
            root = _exact_root(-x, n)
            return -root if root is not None else None
        return None
    out: List[int] = []
    r: Optional[int]
    for part in (x.numerator, x.denominator):
        if part in (0, 1):
            out.append(part)
            continue
        if n == 2:
            r = math.isqrt(part)
        else:
            r = int(round(part ** (1.0 / n))) if part.bit_length() < 1000 else None
            if r is None:
                # integer Newton iteration for big values
                r = 1 << ((part.bit_length() + n - 1) // n)
                while True:
                    nr = ((n - 1) * r + part // (r ** (n - 1))) // n
                    if nr >= r:
                        break
                    r = nr
            for cand in (r - 1, r, r + 1):
                if cand > 0 and cand ** n == part:
                    r = cand
                    break
        if r ** n != part:
            return None
        out.append(r)
    return Fraction(out[0], out[1])


def _power(a: Fraction, b: Fraction, limits: Limits) -> Fraction:
    if b.denominator == 1:
        e = b.numerator
        if a == 0:
            if e < 0:
                raise Unsupported("division by zero")
            return Fraction(0) if e > 0 else Fraction(1)
        if a == 1:
            return a
        if a == -1:
            return Fraction(1) if e % 2 == 0 else Fraction(-1)
        if abs(e) * _bits(a) > limits.max_bits:
            raise Refused("power too large")
        return a ** e
    # fractional exponent: exact only when the root is rational
    q = b.denominator
    if q > limits.max_root_degree or abs(b.numerator) * _bits(a) > limits.max_bits * q:
        raise Refused("power too large")
    r = _exact_root(a, q)
    if r is None:
        raise NeedsSymbolic("irrational power")
    return _power(r, Fraction(b.numerator), limits)


#: Logarithms and the exponential: name -> (float function, whether it needs a positive
#: argument, base for sympy; None = e).  Plain "log" is not here: its base (e or 10) is
#: the writer's convention, and both occur in the real traces.
LOG_EXP = {
    "ln": (math.log, True, None), "exp": (math.exp, False, None),
    "log\u2081\u2080": (math.log10, True, 10), "lg": (math.log10, True, 10),
    "log\u2082": (math.log2, True, 2),
}
#: Largest |x| for exp(x) (a float overflows near 709).
_EXP_MAX = 700


def _log_exp_exact(name: str, x: Fraction) -> Fraction:
    """The rational value where there is one (ln 1 = 0, exp 0 = 1, log10 1000 = 3); else
    NeedsSymbolic (the interval path bounds it) or Unsupported outside the domain."""
    fn, positive, base = LOG_EXP[name]
    if positive and x <= 0:
        raise Unsupported("logarithm of a non-positive number")
    if name == "exp":
        if x == 0:
            return Fraction(1)
        if abs(x) > _EXP_MAX:
            raise Refused("exponent too large")
        raise NeedsSymbolic("exp")
    if x == 1:
        return Fraction(0)
    if base is not None and x.denominator == 1 or (x.numerator == 1 and base is not None):
        # an exact integer power of the base, up or down
        n, k = (x.numerator, 1) if x.denominator == 1 else (x.denominator, -1)
        e = 0
        while n % base == 0 and e < 4000:
            n //= base
            e += 1
        if n == 1:
            return Fraction(k * e)
    raise NeedsSymbolic(name)


def _log_exp_interval(name: str, a: Tuple[Fraction, Fraction]) -> Tuple[Fraction, Fraction]:
    """Bounds of an increasing function on an interval, from floats widened by a relative
    1e-12 and an absolute 1e-15 (float rounding of the argument and of the result)."""
    fn, positive, _ = LOG_EXP[name]
    if positive and a[0] <= 0:
        raise Unsupported("logarithm of a non-positive number")
    if name == "exp" and max(abs(a[0]), abs(a[1])) > _EXP_MAX:
        raise Refused("exponent too large")
    return _monotone_bounds(a, lambda x: _log_exp_exact(name, x), lambda x: fn(float(x)),
                            lambda x: 0.0)


def _monotone_bounds(a: Tuple[Fraction, Fraction], exact, value, arg_pad
                     ) -> Tuple[Fraction, Fraction]:
    """Bounds of a monotone function on the interval ``a``: at each end its ``exact`` value
    where there is one (else NeedsSymbolic), or the float ``value`` widened by ``arg_pad``
    (what the float rounding of the argument can move it), a relative 1e-12 and an absolute
    1e-15."""
    ends = []
    for x in a:
        try:
            e = exact(x)
            ends.append((e, e))
            continue
        except NeedsSymbolic:
            pass
        fx = Fraction(value(x))
        pad = Fraction(arg_pad(x)) + abs(fx) * Fraction(1, 10 ** 12) + Fraction(1, 10 ** 15)
        ends.append((fx - pad, fx + pad))
    return (min(ends[0][0], ends[1][0]), max(ends[0][1], ends[1][1]))


#: sin, cos, tan of an argument in radians, and the same with the argument in degrees
#: ("sin°": a reading the claim checker tries when the radian one fails, since a degree
#: sign does not always reach the expression and "tan(30) = 1/√3" means degrees)
TRIG = ("sin", "cos", "tan", "sin\u00b0", "cos\u00b0", "tan\u00b0")
#: Largest |argument| (radians) a trig function is bounded for.
_TRIG_MAX = 10 ** 6


#: sin and cos at the multiples of 30 degrees where they are rational (0, ±1/2, ±1)
_SIN_DEG = {0: Fraction(0), 30: Fraction(1, 2), 90: Fraction(1), 150: Fraction(1, 2),
            180: Fraction(0), 210: Fraction(-1, 2), 270: Fraction(-1), 330: Fraction(-1, 2)}


def _trig_exact(name: str, x: Fraction) -> Fraction:
    """The rational value where there is one (any function at 0; in degrees, sin and cos at
    multiples of 30 and tan at multiples of 45 where defined); else NeedsSymbolic."""
    base = name[:3]
    if x == 0:
        return Fraction(1 if base == "cos" else 0)
    if name.endswith("\u00b0") and x.denominator == 1 and abs(x) <= _TRIG_MAX:
        d = int(x) % 360
        if base == "sin" and d in _SIN_DEG:
            return _SIN_DEG[d]
        if base == "cos" and (d + 90) % 360 in _SIN_DEG:
            return _SIN_DEG[(d + 90) % 360]
        if base == "tan" and d % 45 == 0:
            if d % 180 == 90:
                raise Unsupported("tangent at a pole")
            return Fraction(0) if d % 180 == 0 else Fraction(1 if d % 180 == 45 else -1)
    raise NeedsSymbolic(name)


def _trig_interval(name: str, a: Tuple[Fraction, Fraction]) -> Tuple[Fraction, Fraction]:
    """Bounds of sin, cos or tan over an interval no wider than 1 (radians), from floats
    widened for the rounding of the argument and of the result; the extrema of sin and cos
    inside the interval are included; an interval that holds a pole of tan is refused."""
    deg = name.endswith("\u00b0")
    lo, hi = (float(a[0]), float(a[1]))
    if deg:
        lo, hi = lo * math.pi / 180, hi * math.pi / 180
    if max(abs(lo), abs(hi)) > _TRIG_MAX or hi - lo > 1:
        raise Unsupported(f"function {name}")
    base = name[:3]
    # critical points (extrema of sin/cos, poles of tan) are at phase + k*pi
    phase = 0.0 if base == "cos" else math.pi / 2
    k0, k1 = math.ceil((lo - phase) / math.pi - 1e-9), math.floor((hi - phase) / math.pi + 1e-9)
    if base == "tan" and k0 <= k1:
        raise Unsupported("tangent at a pole")
    fn = {"sin": math.sin, "cos": math.cos, "tan": math.tan}[base]
    vals = [fn(lo), fn(hi)]
    if base != "tan":
        for k in range(k0, min(k1, k0 + 2) + 1):
            vals.append(fn(phase + k * math.pi))
    pad = (abs(lo) + abs(hi)) * 1e-15 + 1e-15
    if base == "tan":
        pad *= 1 + max(v * v for v in vals)  # the derivative of tan is 1 + tan^2
    flo, fhi = min(vals), max(vals)
    pad_f = Fraction(pad) + Fraction(max(abs(flo), abs(fhi))) * Fraction(1, 10 ** 12)
    return (Fraction(flo) - pad_f, Fraction(fhi) + pad_f)


#: arcsin, arccos, arctan with the result in radians, and in degrees ("arctan°": the
#: reading tried when the radian one fails, as for :data:`TRIG`)
INV_TRIG = ("arcsin", "arccos", "arctan", "arcsin\u00b0", "arccos\u00b0", "arctan\u00b0")


def _inv_trig_exact(name: str, x: Fraction) -> Fraction:
    """Rational values (arcsin 0, arctan 0, arccos 1 are 0); Unsupported outside [-1, 1] for
    arcsin and arccos; else NeedsSymbolic (bounded on the interval path)."""
    base = name[:6]
    if base != "arctan" and abs(x) > 1:
        raise Unsupported(f"{base} outside [-1, 1]")
    if (x == 0 and base != "arccos") or (x == 1 and base == "arccos"):
        return Fraction(0)
    raise NeedsSymbolic(name)


def _inv_trig_interval(name: str, a: Tuple[Fraction, Fraction]) -> Tuple[Fraction, Fraction]:
    """Bounds of arcsin/arctan (increasing) or arccos (decreasing) on an interval."""
    base = name[:6]
    if base != "arctan" and (a[0] < -1 or a[1] > 1):
        raise Unsupported(f"{base} outside [-1, 1]")
    fn = {"arcsin": math.asin, "arccos": math.acos, "arctan": math.atan}[base]
    scale = 180 / math.pi if name.endswith("\u00b0") else 1.0

    def arg_pad(x: Fraction) -> float:
        # float rounding of the argument moves arcsin/arccos most near ±1 (slope 1/sqrt(1-x²))
        f = float(x)
        slope = 1.0 if base == "arctan" else 1.0 / max(1e-300, math.sqrt(max(0.0, 1 - f * f)))
        return min(1.0, abs(f) * 2e-16 * slope * scale)

    return _monotone_bounds(a, lambda x: _inv_trig_exact(name, x),
                            lambda x: fn(float(x)) * scale, arg_pad)


def eval_rpn(rpn: Sequence[tuple], limits: Limits = DEFAULT_LIMITS) -> Fraction:
    """Exact value of an RPN expression (iterative).  Raises NotNumeric (variables),
    NeedsSymbolic (irrational), Unsupported, Refused."""
    st: List[Fraction] = []
    push = st.append
    for it in rpn:
        kind = it[0]
        if kind == "n":
            push(it[1])
        elif kind == "b":
            b = st.pop()
            a = st.pop()
            op = it[1]
            if op == "+":
                r = a + b
            elif op == "-":
                r = a - b
            elif op == "*":
                r = a * b
            elif op == "/":
                if b == 0:
                    raise Unsupported("division by zero")
                r = a / b
            else:
                r = _power(a, b, limits)
            push(_check(r, limits))
        elif kind == "u":
            if it[1] == "-":
                st[-1] = -st[-1]
        elif kind == "pct":
            st[-1] = st[-1] / 100
        elif kind == "fact":
            a = st[-1]
            if a.denominator != 1 or a < 0:
                raise Unsupported("factorial of a non-integer")
            if a > limits.max_factorial:
                raise Refused("factorial too large")
            st[-1] = Fraction(math.factorial(int(a)))
        elif kind == "f":
            name = it[1]
            if isinstance(name, tuple) and name[0] == "root":
                a = st[-1]
                root = _exact_root(a, name[1])
                if root is None:
                    if a < 0 and name[1] % 2 == 0:
                        raise Unsupported("even root of a negative number")
                    raise NeedsSymbolic("irrational root")
                st[-1] = root
            elif name in LOG_EXP:
                st[-1] = _log_exp_exact(name, st[-1])
            elif name in TRIG:
                st[-1] = _trig_exact(name, st[-1])
            elif name in INV_TRIG:
                st[-1] = _inv_trig_exact(name, st[-1])
            else:
                raise Unsupported(f"function {name}")
        elif kind == "c":
            raise NeedsSymbolic("pi")
        elif kind == "v":
            raise NotNumeric(str(it[1]))
        else:  # pragma: no cover
            raise ParseError(f"bad rpn item {it!r}")
    if len(st) != 1:
        raise ParseError("malformed expression")
    return st[0]


# --------------------------------------------------------------------------------------------
# sympy bridge (lazy import; only for roots, pi, and symbolic answer comparison)

_SYMPY = None


def _sympy():
    global _SYMPY
    if _SYMPY is None:
        import sympy  # noqa: WPS433 - deliberate lazy import
        _SYMPY = sympy
    return _SYMPY


def to_sympy(rpn: Sequence[tuple], limits: Limits = DEFAULT_LIMITS,
             symbols: Optional[Dict[str, object]] = None):
    """Build a sympy expression from RPN built by :func:`compile_rpn` (never from a string).

    Variables become sympy Symbols (only when ``symbols`` is a dict, which is then filled);
    otherwise a variable raises NotNumeric.  Unknown functions raise Unsupported.  Exponents
    are bounded by ``limits.max_symbolic_exponent``.
    """
    sp = _sympy()
    st: list = []
    for it in rpn:
        kind = it[0]
        if kind == "n":
            v = it[1]
            st.append(sp.Rational(v.numerator, v.denominator))
        elif kind == "b":
            b = st.pop()
            a = st.pop()
            op = it[1]
            if op == "+":
                st.append(a + b)
            elif op == "-":
                st.append(a - b)
            elif op == "*":
                st.append(a * b)
            elif op == "/":
                if b == 0:
                    raise Unsupported("division by zero")
                st.append(a / b)
            else:
                if not b.is_Number or abs(b) > limits.max_symbolic_exponent:
                    if not b.is_Number:
                        # symbolic exponent: allowed only for answers with variables
                        if symbols is None:
                            raise Unsupported("symbolic exponent")
                    else:
                        raise Refused("power too large")
                st.append(sp.Pow(a, b))
        elif kind == "u":
            if it[1] == "-":
                st[-1] = -st[-1]
        elif kind == "pct":
            st[-1] = st[-1] / 100
        elif kind == "fact":
            a = st[-1]
            if not (a.is_Integer and 0 <= a <= limits.max_factorial):
                raise Refused("factorial")
            st[-1] = sp.factorial(a)
        elif kind == "f":
            name = it[1]
            if isinstance(name, tuple) and name[0] == "root":
                st[-1] = sp.root(st[-1], name[1]) if name[1] != 2 else sp.sqrt(st[-1])
            elif name in LOG_EXP:
                x = st[-1]
                if name == "exp":
                    if x.is_Number and abs(x) > _EXP_MAX:
                        raise Refused("exponent too large")
                    st[-1] = sp.exp(x)
                else:
                    base = LOG_EXP[name][2]
                    st[-1] = sp.log(x) if base is None else sp.log(x, base)
            elif name in TRIG:
                fn = {"sin": sp.sin, "cos": sp.cos, "tan": sp.tan}[name[:3]]
                st[-1] = fn(st[-1] * sp.pi / 180 if name.endswith("\u00b0") else st[-1])
            elif name in INV_TRIG:
                fn = {"arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan}[name[:6]]
                st[-1] = fn(st[-1]) * (180 / sp.pi if name.endswith("\u00b0") else 1)
            else:
                raise Unsupported(f"function {name}")
        elif kind == "c":
            st.append(sp.pi)
        elif kind == "v":
            if symbols is None:
                raise NotNumeric(str(it[1]))
            name = str(it[1])
            if name not in symbols:
                symbols[name] = sp.Symbol(name)
            st.append(symbols[name])
        else:  # pragma: no cover
            raise ParseError(f"bad rpn item {it!r}")
    if len(st) != 1:
        raise ParseError("malformed expression")
    return st[0]


# --------------------------------------------------------------------------------------------
# polynomial evaluation (claims with variables, e.g. "8.33x * 150 = 1249.5x")

Poly = Dict[Tuple[Tuple[str, int], ...], Fraction]

_MAX_TERMS = 64
_MAX_DEGREE = 8


def _pmul(a: Poly, b: Poly, limits: Limits) -> Poly:
    out: Dict[Tuple[Tuple[str, int], ...], Fraction] = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            d = dict(ma)
            for v, e in mb:
                d[v] = d.get(v, 0) + e
            if sum(d.values()) > _MAX_DEGREE:
                raise Refused("degree too high")
            m = tuple(sorted(d.items()))
            prod = _check(ca * cb, limits)
            # (0 + x would take Fraction's slow reflected path; the value is the same)
            old = out.get(m)
            out[m] = prod if old is None else old + prod
    out = {m: c for m, c in out.items() if c != 0}
    if len(out) > _MAX_TERMS:
        raise Refused("too many terms")
    return out


def _padd(a: Poly, b: Poly, sign: int) -> Poly:
    out = dict(a)
    # the same values as out.get(m, 0) + sign * c, without Fraction's slow reflected
    # operations (int * Fraction, 0 + Fraction)
    for m, c in b.items():
        old = out.get(m)
        if sign == 1:
            out[m] = c if old is None else old + c
        elif sign == -1:
            out[m] = -c if old is None else old - c
        else:
            out[m] = (0 if old is None else old) + sign * c
    out = {m: c for m, c in out.items() if c != 0}
    if len(out) > _MAX_TERMS:
        raise Refused("too many terms")
    return out


def _const(p: Poly) -> Optional[Fraction]:
    if not p:
        return Fraction(0)
    if len(p) == 1 and () in p:
        return p[()]
    return None


def eval_poly(rpn: Sequence[tuple], limits: Limits = DEFAULT_LIMITS) -> Poly:
    """Value of an RPN expression as a polynomial with Fraction coefficients over its
    variables (iterative, bounded).  Division only by constants; powers only by small
    non-negative integers; pi is treated as a symbol.  Raises Unsupported otherwise."""
    st: List[Poly] = []
    for it in rpn:
        kind = it[0]
        if kind == "n":
            st.append({(): it[1]} if it[1] != 0 else {})
        elif kind == "v" or kind == "c":
            st.append({((str(it[1]), 1),): Fraction(1)})
        elif kind == "b":
            b = st.pop()
            a = st.pop()
            op = it[1]
            if op == "+":
                st.append(_padd(a, b, 1))
            elif op == "-":
                st.append(_padd(a, b, -1))
            elif op == "*":
                st.append(_pmul(a, b, limits))
            elif op == "/":
                c = _const(b)
                if c is None:
                    raise Unsupported("division by a polynomial")
                if c == 0:
                    raise Unsupported("division by zero")
                st.append({m: v / c for m, v in a.items()})
            else:
                e = _const(b)
                if e is None or e.denominator != 1 or e < 0 or e > _MAX_DEGREE:
                    ca = _const(a)
                    if ca is not None and e is not None:
                        st.append({(): _power(ca, e, limits)})
                        continue
                    raise Unsupported("power")
                r: Poly = {(): Fraction(1)}
                for _ in range(int(e)):
                    r = _pmul(r, a, limits)
                st.append(r)
        elif kind == "u":
            if it[1] == "-":
                st[-1] = {m: -c for m, c in st[-1].items()}
        elif kind == "pct":
            st[-1] = {m: c / 100 for m, c in st[-1].items()}
        elif kind == "fact":
            c = _const(st[-1])
            if c is None or c.denominator != 1 or c < 0:
                raise Unsupported("factorial")
            if c > limits.max_factorial:
                raise Refused("factorial too large")
            st[-1] = {(): Fraction(math.factorial(int(c)))}
        elif kind == "f":
            name = it[1]
            c = _const(st[-1])
            if isinstance(name, tuple) and name[0] == "root" and c is not None:
                root = _exact_root(c, name[1])
                if root is None:
                    raise Unsupported("irrational root")
                st[-1] = {(): root} if root != 0 else {}
            else:
                raise Unsupported(f"function {name}")
        else:  # pragma: no cover
            raise ParseError(f"bad rpn item {it!r}")
    if len(st) != 1:
        raise ParseError("malformed expression")
    return st[0]


def format_poly(p: Poly) -> str:
    """A readable polynomial: ``5/12*x + 3``."""
    if not p:
        return "0"
    parts = []
    for m in sorted(p, key=lambda m: (-sum(e for _, e in m), m)):
        c = p[m]
        mon = "*".join(v if e == 1 else f"{v}^{e}" for v, e in m)
        cs = str(c.numerator) if c.denominator == 1 else f"{c.numerator}/{c.denominator}"
        if not mon:
            parts.append(cs)
        elif c == 1:
            parts.append(mon)
        elif c == -1:
            parts.append("-" + mon)
        else:
            parts.append(f"{cs}*{mon}")
    return " + ".join(parts).replace("+ -", "- ")


# --------------------------------------------------------------------------------------------
# interval evaluation (approximate relations: "0.8512 * 1.0525 ≈ 0.8512 * 1.05")

_PI_LO = Fraction(314159265358979, 10 ** 14)
_PI_HI = Fraction(314159265358980, 10 ** 14)
#: Factors that widen a float bound to enclose the true value (made once, not per root).
_FLOAT_LO = 1 - Fraction(1, 10 ** 12)
_FLOAT_HI = 1 + Fraction(1, 10 ** 12)


def _iv_mul(a, b):
    ps = (a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1])
    return (min(ps), max(ps))


def eval_interval(rpn: Sequence[tuple], limits: Limits = DEFAULT_LIMITS,
                  unit_scale: Fraction = Fraction(1)) -> Tuple[Fraction, Fraction]:
    """An interval containing the value of the expression when every decimal literal shown
    with d > 0 decimals may be off by ``unit_scale`` units of its last digit.  Irrational
    parts (roots, pi) are enclosed by float bounds.  Raises like :func:`eval_rpn`."""
    st: List[Tuple[Fraction, Fraction]] = []
    for it in rpn:
        kind = it[0]
        if kind == "n":
            v = it[1]
            nd = it[2] if len(it) > 2 else 0
            if type(v) is Fraction and (nd <= 0 or not unit_scale):
                st.append((v, v))  # a half-width of zero: v - 0 and v + 0 are v
                continue
            h = unit_scale / 10 ** nd if nd > 0 else Fraction(0)
            st.append((v - h, v + h))
        elif kind == "b":
            b = st.pop()
            a = st.pop()
            op = it[1]
            if op == "+":
                r = (a[0] + b[0], a[1] + b[1])
            elif op == "-":
                r = (a[0] - b[1], a[1] - b[0])
            elif op == "*":
                r = _iv_mul(a, b)
            elif op == "/":
                if b[0] <= 0 <= b[1]:
                    raise Unsupported("interval division by zero")
                r = _iv_mul(a, (1 / b[1], 1 / b[0]))
            else:
                if b[0] != b[1]:
                    mid = (b[0] + b[1]) / 2  # exponents are exact, only bases are rounded
                    b = (mid, mid)
                if b[0].denominator != 1:
                    if a[0] <= 0 or abs(b[0]) > 64:
                        raise Unsupported("interval power")
                    ex = float(b[0])
                    lo_f, hi_f = float(a[0]) ** ex, float(a[1]) ** ex
                    lo_f, hi_f = min(lo_f, hi_f), max(lo_f, hi_f)
                    st.append((Fraction(lo_f) * _FLOAT_LO, Fraction(hi_f) * _FLOAT_HI))
                    continue
                e = int(b[0])
                if abs(e) > 64:
                    raise Refused("power too large")
                cands = [_power(a[0], b[0], limits), _power(a[1], b[0], limits)]
                lo, hi = min(cands), max(cands)
                if e % 2 == 0 and a[0] < 0 < a[1]:
                    lo = Fraction(0)
                r = (lo, hi)
            _check(r[0], limits)
            _check(r[1], limits)
            st.append(r)
        elif kind == "u":
            if it[1] == "-":
                a = st.pop()
                st.append((-a[1], -a[0]))
        elif kind == "pct":
            a = st.pop()
            st.append((a[0] / 100, a[1] / 100))
        elif kind == "fact":
            a = st.pop()
            if a[0] != a[1]:
                raise Unsupported("interval factorial")
            v = a[0]
            if v.denominator != 1 or v < 0 or v > limits.max_factorial:
                raise Refused("factorial")
            f = Fraction(math.factorial(int(v)))
            st.append((f, f))
        elif kind == "f":
            name = it[1]
            a = st.pop()
            if name in LOG_EXP:
                st.append(_log_exp_interval(name, a))
                continue
            if name in TRIG:
                st.append(_trig_interval(name, a))
                continue
            if name in INV_TRIG:
                st.append(_inv_trig_interval(name, a))
                continue
            if not (isinstance(name, tuple) and name[0] == "root"):
                raise Unsupported(f"function {name}")
            n = name[1]
            out: List[Tuple[Fraction, Fraction]] = []
            for x in a:
                root = _exact_root(x, n)
                if root is None:
                    if x < 0 and n % 2 == 0:
                        raise Unsupported("even root of a negative number")
                    fx = abs(float(x)) ** (1.0 / n) * (1 if x >= 0 else -1)
                    root = Fraction(fx)
                    out.append((root * _FLOAT_LO, root * _FLOAT_HI))
                else:
                    out.append((root, root))
            lo = min(out[0][0], out[1][0], out[0][1], out[1][1])
            hi = max(out[0][0], out[1][0], out[0][1], out[1][1])
            st.append((lo, hi))
        elif kind == "c":
            st.append((_PI_LO, _PI_HI))
        elif kind == "v":
            raise NotNumeric(str(it[1]))
        else:  # pragma: no cover
            raise ParseError(f"bad rpn item {it!r}")
    if len(st) != 1:
        raise ParseError("malformed expression")
    return st[0]
