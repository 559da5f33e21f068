"""Claim extraction and checking: ``expr = value`` statements in free text.

How a text is scanned (one pass per text, work proportional to the claims, not the text):

1. Anchors are found with one regular expression: ``=``, ``≈`` / ``\\approx`` and GSM8K
   calculator annotations ``<<48/2=24>>``.
2. Around each anchor a *candidate span* is found with two compiled expressions: one run over
   the reversed text (everything that can belong to the left-hand side, read leftwards from the
   anchor) and one forward run (right-hand side, including further ``=`` of a chain).  Anchors
   inside an earlier span are part of the same chain and are not re-scanned.
3. Only the span is tokenized (:func:`tracelint.grounding.parser.tokenize`) and split by a
   small state machine (:func:`segment`) into *chunks* (maximal arithmetic runs) and, at the
   anchors, into *segments*.  Prose words end a chunk; words right after a number are units;
   single letters, Greek letters and words after an operator are variables (the chunk is then
   an equation, not a claim).
4. Each pair of adjacent segments with at least one operation and no variables is a claim.
   Both sides are evaluated exactly (Fractions, bounded); a right-hand side written as a
   rounded decimal is judged at its shown precision, ``≈`` within one unit of the last shown
   digit.  Readings that the text leaves ambiguous (percent as a label, mixed numbers,
   ``24 / 2/3``, a list label before the expression, space-grouped thousands) are tried before
   a claim is called wrong.
5. Results are cached per span text, so loops that repeat the same lines cost nothing more.

Results are :class:`Claim` objects with spans into the scanned text.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from math import gcd
from typing import Dict, List, Optional, Sequence, Tuple, Union, cast

from . import parser as P
from ..ngram import claim_lhs_run as _lhs_run, claim_rhs_run as _rhs_run
from ..ngram import json_string_decode as _json_string_decode
from .parser import (ACLOSE, ANCHOR, AOPEN, BLOCK, BND, CONST, DEG, ELLIP, FACT, FRAC, FUNC,
                     LP, MULT, NL, NUM, OP, PCT, PM, RP, SQRT, SUP, VAR, WORD, Limits, Tok)

#: Raise internal errors instead of skipping the span (tests set this).
STRICT = False

__all__ = ["Claim", "ClaimScanner", "scan_claims", "check_claim_text", "json_string_fields",
           "format_value", "UNIT_FAMILY"]


# --------------------------------------------------------------------------------------------
# words

STOPWORDS = frozenset("""
a an the and or but so then thus hence therefore is are was were be been being am it its
this that these those there here which who whom whose what when where why how to too also
we i you he she they them us our your his her their my me him if else since because as
at by for from in into on onto with without within than not no yes do does did done
has have had get gets got getting gives give gave given makes make made equals equal
equaling means mean meaning would will shall should can could may might must each every
all any some many much more most less least few other another such only just still yet
now already again total per left remaining after before over under about around approx
approximately roughly nearly almost exactly same just plus minus times divided multiplied
add added adding subtract subtracted subtracting multiply multiplying divide dividing
step steps answer final result results value values number numbers let lets let's
check checking verify verified correct wrong okay ok wait hmm well first second third
next last finally while though although however instead whereas like unlike
implies imply implying gives yields yield becomes become leaves leaving giving making
remain remains remaining thats that's it's there's here's which's whats what's
""".split())

OP_WORDS = {"times": "*", "plus": "+", "minus": "-", "over": "/"}
OP_WORDS_BY = {"divided": "/", "multiplied": "*"}
MULTIPLIER_WORDS = {"dozen": 12, "dozens": 12, "hundred": 100, "thousand": 1000,
                    "million": 10 ** 6, "billion": 10 ** 9, "trillion": 10 ** 12}
APPROX_WORDS = {"approximately", "approx", "about", "around", "roughly", "nearly", "almost",
                "circa", "ca"}
FUNC_WORDS = {"sqrt": ("root", 2), "sin": "sin", "cos": "cos", "tan": "tan", "log": "log",
              "ln": "ln", "exp": "exp", "cbrt": ("root", 3), "lg": "lg",
              "arcsin": "arcsin", "arccos": "arccos", "arctan": "arctan",
              "log\u2081\u2080": "log\u2081\u2080", "log\u2082": "log\u2082"}

# unit alias -> (family, canonical).  Only families where a conversion changes the number.
_UNIT_TABLE = {
    "time": {
        "second": "s seconds second sec secs",
        "minute": "minutes minute min mins",
        "hour": "hours hour hr hrs",
        "day": "days day",
        "week": "weeks week wk wks",
        "month": "months month mo",
        "year": "years year yr yrs",
        "decade": "decades decade",
        "century": "centuries century",
    },
    "length": {
        "mm": "mm millimeter millimeters millimetre millimetres",
        "cm": "cm centimeter centimeters centimetre centimetres",
        "m": "meter meters metre metres",
        "km": "km kilometer kilometers kilometre kilometres",
        "inch": "inch inches",
        "foot": "foot feet ft",
        "yard": "yard yards yd yds",
        "mile": "mile miles mi",
    },
    "mass": {
        "mg": "mg milligram milligrams",
        "g": "gram grams",
        "kg": "kg kilogram kilograms kilo kilos",
        "lb": "lb lbs pound pounds",
        "oz": "oz ounce ounces",
        "ton": "ton tons tonne tonnes",
    },
    "volume": {
        "ml": "ml milliliter milliliters millilitre millilitres",
        "l": "liter liters litre litres",
        "gallon": "gallon gallons gal",
        "quart": "quart quarts qt",
        "pint": "pint pints pt",
        "cup": "cup cups",
        "tbsp": "tablespoon tablespoons tbsp",
        "tsp": "teaspoon teaspoons tsp",
        "floz": "fl",
    },
    "money": {
        "dollar": "dollar dollars usd",
        "cent": "cent cents penny pennies",
        "nickel": "nickel nickels",
        "dime": "dime dimes",
        "quarter": "quarter quarters",
        "euro": "euro euros eur",
        "pound-sterling": "gbp",
    },
    "angle": {
        "degree": "degree degrees deg",
        "radian": "radian radians rad",
    },
    "data": {
        "kb": "kb kilobyte kilobytes",
        "mb": "mb megabyte megabytes",
        "gb": "gb gigabyte gigabytes",
        "tb": "tb terabyte terabytes",
        "byte": "byte bytes",
    },
}
UNIT_FAMILY: Dict[str, Tuple[str, str]] = {}
for _fam, _units in _UNIT_TABLE.items():
    for _canon, _aliases in _units.items():
        for _a in _aliases.split():
            UNIT_FAMILY[_a] = (_fam, _canon)
# units that may be attached to a number without a space (5km, 3kg); single letters excluded
_ATTACHED_UNITS = {a for a in UNIT_FAMILY if len(a) >= 2} | {"k"}
_ATTACHED_UNITS.discard("k")
_UPPER_UNITS = {"USD", "EUR", "GBP", "INR", "JPY", "CNY", "CM", "KM", "KG", "MB", "GB", "KB",
                "TB", "MPH", "KPH", "AM", "PM", "ML", "HR", "HRS", "SQ", "FT", "LB", "LBS",
                "OZ", "MM", "MG", "KWH", "KW", "RPM", "CAD", "AUD"}


def _singular(w: str) -> str:
    if len(w) > 4 and w.endswith(("xes", "ches", "shes", "sses")):
        return w[:-2]
    if len(w) > 3 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


# --------------------------------------------------------------------------------------------
# candidate spans

_ANCHORS = re.compile(r"=|\u2248|\\approx|<<")
# The candidate-span runs (everything that can belong to a left side, read leftwards on the
# reversed text, and to a right side): compiled matchers of the expressions _CLAIM_LHS_RUN and
# _CLAIM_RHS_RUN of the twin module tracelint._ngram_py, through the chosen implementation.

_SPLIT_ANCHORS = re.compile(r"=|\u2248|\\approx|<<|>>")
_NUMISH = re.compile(r"[\d\u221a\u03c0\u00bc-\u00be\u2150-\u215e]|\\pi|\\sqrt")
_GLOBAL_CACHE: Dict[tuple, List[Claim]] = {}
# ~1.5 KB per entry on real traces: 40,000 keep the process well under the 300 MB budget (200,000
# reached ~300 MB before the clear) and scan the real data no slower (8.3-8.5 s vs 8.8 s CPU).
_GLOBAL_CACHE_MAX = 40000
_MAX_CHAIN = 4000  # characters of one chain of '=' handled as one span


def _plausible(span: str) -> bool:
    """Cheap filter: a claim needs a left side with a number next to some anchor."""
    parts = _SPLIT_ANCHORS.split(span)
    for p in parts[:-1]:
        if _NUMISH.search(p):
            return True
    return False


# prose sums (ClaimScanner._prose_sum): how far left of '=' a sum is looked for, the letters a
# term's words are made of, where its sentence starts, one term ("30 minutes to bake the
# cake"), what may come before the first term (words, no number or operator), the value after
# '=', and words that make a term more than a quantity (an operation, a rate, a multiplier)
_PROSE_SUM_MAX = 300
_PROSE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ' \t-")
_PROSE_SUM_STOP = re.compile(r"[.;:!?](?!\d)|\n|[=*/\u00d7\u00f7()%<>]|\band\b")
_PROSE_SUM_TERM = re.compile(r"\s*\$?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)[ \t]+"
                             r"([A-Za-z][A-Za-z' \t-]*?)\s*")
_PROSE_SUM_LEAD = _PROSE_CHARS | {","}
_FIRST_NUMBER = re.compile(r"[\d$]")
_PROSE_SUM_RHS = re.compile(r"\s*\$?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
                            r"(?:[ \t]+([A-Za-z]+))?(?![\d.,]*\d|\s*[-+*/^(\u00d7\u00f7])")
_PROSE_SUM_NOT = frozenset("times plus minus divided multiplied over per each of squared cubed "
                           "percent dozen dozens hundred thousand million billion half".split())


def _ends_with_word(text: str, a: int) -> bool:
    """Whether an ASCII letter (or a closing quote: "'Jingle Bells' = 540") comes before
    position ``a``, past at most two blanks: the cheap first test of a prose sum, run at
    every '=' that gave no claim."""
    p = a - 1
    if p >= 0 and text[p] in " \t":
        p -= 1
        if p >= 0 and text[p] in " \t":
            p -= 1
    return p >= 0 and ("a" <= text[p] <= "z" or "A" <= text[p] <= "Z" or text[p] == "'")


_LOST_SUP = re.compile(r"(?<![A-Za-z])[a-z][23](?![\d.,])|\)[23](?![\d.,])")
_OP_CHARS = set("+-*/^=\u00d7\u00f7\u00b7\u22c5\u2212\u2044\u2215")


# --------------------------------------------------------------------------------------------
# results


@dataclass
class Claim:
    """One checked (or checkable) arithmetic statement ``lhs = rhs``.

    ``status`` is ``ok``, ``wrong`` or ``unchecked``; ``expected`` is the exact value of the
    left side (a string) when wrong, in ``unit`` when the sides were compared after converting
    units ("2 hours + 30 minutes = 140 minutes": 150, minutes); ``reason`` says why a claim is
    unchecked or how it was accepted (``rounded``, ``approx``, an alternative reading)."""

    start: int
    end: int
    lhs: str
    rhs: str
    status: str
    kind: str = "inline"          # inline | annotation
    relation: str = "="           # = | ≈
    expected: Optional[str] = None
    claimed: Optional[str] = None
    reason: str = ""
    operands: Tuple[Fraction, ...] = ()     # literal numbers of the left side
    results: Tuple[Fraction, ...] = ()      # values the claim states (right side)
    operand_spans: Tuple[Tuple[int, int], ...] = ()
    lhs_value: Optional[Fraction] = field(default=None, repr=False, compare=False)
    rhs_value: Optional[Fraction] = field(default=None, repr=False, compare=False)
    unit: str = ""

    def to_dict(self) -> dict:
        d = {"start": self.start, "end": self.end, "lhs": self.lhs, "rhs": self.rhs,
             "status": self.status, "kind": self.kind, "relation": self.relation}
        if self.expected is not None:
            d["expected"] = self.expected
            if self.unit:
                d["unit"] = self.unit
        if self.claimed is not None:
            d["claimed"] = self.claimed
        if self.reason:
            d["reason"] = self.reason
        return d


def format_value(v) -> str:
    """A readable exact value: integers as integers, terminating decimals as decimals
    (up to 12 places), other fractions as ``a/b (≈ d)``."""
    if isinstance(v, Fraction):
        if v.denominator == 1:
            return str(v.numerator)
        d = v.denominator
        # terminating decimal?
        while d % 2 == 0:
            d //= 2
        while d % 5 == 0:
            d //= 5
        if d == 1:
            s = _decimal_str(v, 12)
            if s is not None:
                return s
        approx: Optional[str]  # never None: exact=False always gives a string
        if abs(v) < Fraction(1, 1000) and v != 0:
            approx = f"{float(v):.6g}"
        else:
            approx = _decimal_str(v, 6, exact=False)
        return f"{v.numerator}/{v.denominator} (\u2248 {approx})"
    return str(v)


def _decimal_str(v: Fraction, places: int, exact: bool = True) -> Optional[str]:
    sign = "-" if v < 0 else ""
    a = abs(v)
    scaled = a * 10 ** places
    if exact and scaled.denominator != 1:
        return None
    q = int(scaled) if exact else int(round(scaled))
    ip, fp = divmod(q, 10 ** places)
    fs = str(fp).rjust(places, "0").rstrip("0")
    return f"{sign}{ip}" + (f".{fs}" if fs else "")


# --------------------------------------------------------------------------------------------
# segmentation


class Seg:
    """One side of a relation: expression tokens plus what the text says about them."""

    __slots__ = ("toks", "status", "approx", "ellipsis", "jux", "units", "lps", "last_ok",
                 "unit_run", "first", "numunit", "numword", "bullet", "deg")

    def __init__(self, first: bool):
        self.toks: List[Tok] = []
        self.status = "ok"          # ok | nonnum | cut | bad
        self.approx = False
        self.ellipsis = False
        self.jux: List[int] = []    # indices of implicit '*' at depth 0
        self.units: List[Tuple[str, str]] = []
        self.lps: List[int] = []    # indices of open parentheses
        self.last_ok = 0            # token count of the longest complete prefix
        self.unit_run = 0
        self.first = first
        self.numunit: Dict[int, Tuple[str, str]] = {}  # token index -> unit of that number
        self.numword: Dict[int, str] = {}  # token index -> unit word after that number
        self.bullet = False  # the chunk starts right after a "- " list bullet
        self.deg: set = set()  # token indices of numbers marked as degrees (30°, 30 degrees)

    @property
    def start(self) -> int:
        return self.toks[0].s

    @property
    def end(self) -> int:
        return self.toks[-1].e


class Chunk:
    __slots__ = ("segs", "rels", "annotation", "after_word")

    def __init__(self, annotation: bool = False, after_word: bool = False):
        self.segs: List[Seg] = []
        self.rels: List[str] = []
        self.annotation = annotation
        self.after_word = after_word  # the chunk starts right after a prose word


_OPERAND_START = {NUM, VAR, CONST, LP, FRAC, SQRT, FUNC}


def _implicit_ok(prev: Tok, t: Tok) -> bool:
    """Whether juxtaposition ``prev t`` is an implicit multiplication."""
    pk, k = prev.k, t.k
    if k == LP:
        return t.v in "([" and pk in (NUM, RP, CONST, VAR, SUP)
    if k in (CONST, FRAC, SQRT):
        return pk in (NUM, RP, CONST, SUP, VAR)
    if k == FUNC:
        return pk in (NUM, RP, CONST) and t.t.startswith("\\")
    if k == VAR:
        return pk in (NUM, RP, CONST, VAR, SUP) and (not t.sp or t.t.startswith("\\"))
    if k == NUM:
        # "(1/2) 278": a product; other readings (a list label "(2) 3") are tried later
        return pk == RP and prev.t == ")"
    return False


_MATH_BND = {"|", "\u2229", "\u222a", "\u2208", "\u2220", "\u25b3", "\u2282", "\u2286", "\u2225",
             "\u22a5", "vert", "lvert", "rvert", "Vert", "mid", "cap", "cup", "in", "angle",
             "triangle", "subset", "subseteq", "parallel", "perp", "|"}


def _bare_group(toks: Sequence[Tok], i: int) -> bool:
    """Whether toks[i] '(' encloses a single (signed) number."""
    j = i + 1
    if j < len(toks) and toks[j].k == OP and toks[j].v in "+-":
        j += 1
    if j + 2 < len(toks) and toks[j].k == NUM and toks[j + 1].k == RP and \
            toks[j + 2].k in (OP, SUP) and (toks[j + 2].k == SUP or toks[j + 2].v == "^"):
        return False  # "27 (1)^3": a factor raised to a power
    if j + 1 < len(toks) and toks[j].k == NUM and toks[j + 1].k == PCT:
        j += 1
    elif j + 2 < len(toks) and toks[j].k == NUM and toks[j + 1].k == WORD and \
            len(toks[j + 1].v) > 1:
        j += 1
        if j + 2 < len(toks) and toks[j + 1].k == WORD and len(toks[j + 1].v) > 1:
            j += 1
    return j + 1 < len(toks) and toks[j].k in (NUM, PCT, WORD) and toks[j + 1].k == RP


def _label_group(toks: Sequence[Tok], i: int) -> int:
    """Index after the parenthesized label at toks[i] (one to five words, maybe with a
    percent, or the percent the number before it restates) when an operator or '=' follows it
    ("80 (initial) + 60", "12 (\\text{adult ticket}) + 10", "0.20 (20%) ="); 0 otherwise."""
    j = i + 1
    words = 0
    while j < len(toks) and j - i <= 5:
        if toks[j].k == WORD:
            # "(Team A)"; but "(n)" alone: a single letter is a variable
            words += len(toks[j].v) > 1 or toks[j].f == "text"
        elif not (toks[j].k == NUM and j + 1 < len(toks) and toks[j + 1].k == PCT):
            break  # "(20% delivery)": a restated percent may be part of the label
        j += 1 if toks[j].k == WORD else 2
    restated = j == i + 3 and i > 0 and toks[i - 1].k == NUM and toks[i - 1].v is not None \
        and toks[i + 1].v == toks[i - 1].v * 100  # "0.20 (20%)"
    if not (words or restated) or j + 1 >= len(toks) or toks[j].k != RP or toks[j].t != ")":
        return 0
    nx = toks[j + 1]
    if nx.k == ANCHOR or (nx.k == OP and nx.v in "+-*/") or (nx.k == WORD and nx.v == "x"):
        return j + 1
    return 0


def _holds_anchor(toks: Sequence[Tok], i: int) -> bool:
    """Whether the group opened at toks[i] has a '=' (or '≈') of its own (within 40 tokens)."""
    depth = 0
    for t in toks[i:i + 40]:
        if t.k == LP:
            depth += 1
        elif t.k == RP:
            depth -= 1
            if depth == 0:
                return False
        elif t.k == ANCHOR and depth == 1:
            return True
    return False


def _starts_operand(t: Optional[Tok]) -> bool:
    if t is None:
        return False
    if t.k in (NUM, LP, FRAC, SQRT, CONST):
        return True
    if t.k == OP and t.v == "-" and not t.sp:
        return True
    return False


def segment(toks: List[Tok]) -> List[Chunk]:
    """Split tokens into chunks of segments separated by anchors (see the module doc)."""
    st = _SegState(toks)
    st.run()
    return st.chunks


class _SegState:
    """The segmenter's state machine (a class so that helpers share state cheaply)."""

    def __init__(self, toks: List[Tok]):
        self.toks = toks
        self.chunks: List[Chunk] = []
        self.in_ann = False
        self._new_chunk()

    # -- state helpers --------------------------------------------------------------------

    def _new_chunk(self, after_word: bool = False):
        self.chunk = Chunk(self.in_ann, after_word)
        self.seg = Seg(True)
        self.need = True
        self.depth = 0
        # pending LaTeX arguments: [depth, remaining groups, kind]
        self.pend: List[list] = []
        self.skip_rp = -1

    def close(self, after_word: bool = False):
        seg = self.seg
        chunk = self.chunk
        if not seg.toks and not chunk.segs and not chunk.rels and seg.status == "ok" and \
                seg.first and not (seg.approx or seg.ellipsis or seg.bullet or seg.units or
                                   seg.jux or seg.lps or seg.numunit or seg.numword or
                                   seg.unit_run or seg.last_ok):
            # nothing was read since the last close (prose): the chunk and its segment are
            # still as new and nothing refers to them, so they are reset in place
            chunk.annotation = self.in_ann
            chunk.after_word = after_word
            self.need = True
            self.depth = 0
            if self.pend:
                self.pend = []
            self.skip_rp = -1
            return
        _finish_last(seg, self.depth > 0 or self.need or bool(self.pend))
        if seg.toks or self.chunk.segs:
            self.chunk.segs.append(seg)
        if len(self.chunk.segs) >= 2 and self.chunk.rels:
            self.chunks.append(self.chunk)
        self._new_chunk(after_word)

    def nonnum(self):
        if self.seg.status in ("ok", "var", "compound"):
            self.seg.status = "nonnum"

    def var(self):
        if self.seg.status == "ok":
            self.seg.status = "var"

    def complete(self):
        """An operand just completed (need becomes False) unless it was a LaTeX argument."""
        seg = self.seg
        if self.pend and self.pend[-1][0] == self.depth and self.pend[-1][1] > 0:
            p = self.pend[-1]
            p[1] -= 1
            if p[1] > 0:
                self.need = True
                return
            self.pend.pop()
        self.need = False
        if self.depth == 0:
            seg.last_ok = len(seg.toks)

    def push_operand(self, t: Tok):
        self.seg.toks.append(t)
        self.seg.unit_run = 0
        self.complete()

    # -- main loop ----------------------------------------------------------------------------

    def run(self):
        toks = self.toks
        n = len(toks)
        i = 0
        step = self.step
        while i < n:
            # fast paths (most tokens are numbers and operators): a number where an operand
            # is expected, a binary operator after one
            t = toks[i]
            k = t.k
            if k == NUM:
                if self.need and not self.pend and not (t.f and "cur:" in t.f):
                    seg = self.seg
                    seg.toks.append(t)
                    seg.unit_run = 0
                    self.need = False
                    if self.depth == 0:
                        seg.last_ok = len(seg.toks)
                    i += 1
                    continue
            elif k == OP and not self.need and t.v != "/":
                seg = self.seg
                seg.toks.append(t)
                self.need = True
                seg.unit_run = 0
                i += 1
                continue
            elif k == WORD and self.need and not t.f and not self.seg.toks and \
                    not self.chunk.rels:
                # a prose word where no side has begun: :meth:`word` would close the
                # chunk at it unless it can start an operand (a letter, pi, a function
                # word, a call "f(", a name with an index "D7")
                v = t.v
                if (len(v) > 1 or v in ("a", "i")) and v != "pi" and v not in FUNC_WORDS:
                    nxt = toks[i + 1] if i + 1 < n else None
                    if nxt is None or not ((nxt.k == NUM and nxt.s == t.e) or (
                            nxt.k == LP and nxt.v == "(" and not nxt.sp)):
                        self.close(True)
                        i += 1
                        continue
            i = step(i, n)
        self.close()

    def step(self, i: int, n: int) -> int:
        """Read toks[i] (and maybe more); the next index.  :meth:`run` has already taken the
        fast paths (a number where an operand is expected, a binary operator after one, a
        prose word before any side)."""
        toks = self.toks
        t = toks[i]
        k = t.k
        nxt = toks[i + 1] if i + 1 < n else None
        seg = self.seg
        chunk = self.chunk
        if len(seg.toks) == 1 and seg.toks[0].f == "cut" and t.s == seg.toks[0].e and \
                k in (NUM, WORD, VAR, BLOCK, CONST):
            seg.toks[0].e = t.e  # the rest of a token cut by the scan window
            return i + 1

        if k == NL:
            # a chain may continue on the next line ("3 + 4\n= 7" or "=\n7")
            if (nxt is not None and nxt.k == ANCHOR and not self.need) or \
                    (self.need and not seg.toks and chunk.rels):
                return i + 1
            self.close()
            return i + 1
        if k == "trunc":
            if seg.toks or chunk.segs:
                seg.status = "cut"
                self.close()
            else:
                seg.status = "cut"
                # a placeholder for the part of the side we did not read
                seg.toks.append(P.Tok(NUM, t.s, t.e, "", None, False, 0, "cut"))
                self.need = False
                seg.last_ok = len(seg.toks)
            return i + 1
        if k == AOPEN:
            self.close()
            self.in_ann = True
            self.chunk.annotation = True
            return i + 1
        if k == ACLOSE:
            self.close()
            self.in_ann = False
            self.chunk.annotation = False
            return i + 1
        if k == ANCHOR:
            if self.pend or self.depth > 0 and not seg.first:
                # '=' inside an unfinished group: not a relation we can read
                self.nonnum()
            if self.need and not seg.toks:
                if chunk.rels and not chunk.segs[-1].toks:
                    self.close()
                    return i + 1
                self.nonnum()  # chunk starting with '=': the left side is not an expression
            elif self.need:
                seg.status = "bad"
            elif seg.lps:
                # unmatched '(' before the anchor: "(3 + 4 = 7)" is a parenthetical remark
                if seg.first and seg.lps == list(range(len(seg.lps))) and not self.pend:
                    drop = len(seg.lps)
                    seg.toks = seg.toks[drop:]
                    seg.jux = [j - drop for j in seg.jux if j >= drop]
                    seg.lps = []
                else:
                    self.nonnum()
            chunk.segs.append(seg)
            chunk.rels.append(t.v)
            self.seg = Seg(False)
            self.need = True
            self.depth = 0
            self.pend = []
            self.skip_rp = -1
            return i + 1
        if self.need and not seg.toks and chunk.rels:
            # approximation words right after '='
            if (k == WORD and t.v in APPROX_WORDS) or (k == BND and t.v == "tilde"):
                seg.approx = True
                if k == WORD and nxt is not None and nxt.k == BND and nxt.t == ".":
                    return i + 2
                return i + 1
        if k == WORD:
            return self.word(i, n, t, nxt)
        if k == BND and t.v == "tilde":
            return i + 1
        if k == ELLIP and not self.need and seg.toks and nxt is not None and \
                (nxt.k == PCT or (nxt.k == OP and not nxt.sp)):
            seg.ellipsis = True  # 36.666...%, 16.333...*49: a repeating decimal
            seg.approx = True
            return i + 1
        if k == BND and t.t in "\u2010\u2011\u2012\u2013" and nxt is not None and \
                nxt.s == t.e and nxt.k in (NUM, LP):
            prev = toks[i - 1] if i > 0 else None
            attached = prev is not None and prev.e == t.s
            # `attached` implies prev is not None (mypy cannot see it through the bool)
            if t.t in "\u2010\u2011" or (attached and cast(Tok, prev).k in (WORD, VAR)):
                self.close()
                self.seg.status = "nonnum"  # "under\u201116", "COVID-19": a hyphen in a name
                return i + 1
            if self.need and not (attached and cast(Tok, prev).k in (NUM, RP, CONST)):
                # "\u20138 + 16 \u2013 8", "(\u20132)\u00b3": a dash against its number is a minus
                self.toks[i] = P.Tok(OP, t.s, t.e, t.t, "-", t.sp, 0, "endash")
                return i
        if k in (BND, BLOCK, ELLIP):
            if k == ELLIP and not self.need and seg.toks:
                seg.ellipsis = True
            math_bnd = k == BND and (t.t in _MATH_BND or t.v in _MATH_BND)
            if math_bnd:
                self.nonnum()  # "180 + |P|", "C ∩ P": the side continues with set notation
            self.close()
            if math_bnd:
                self.seg.status = "nonnum"
            if k == BND and t.v == "bullet" and t.t in "-\u2212":
                self.seg.bullet = True
            return i + 1
        if k == PM:
            if not self.need:
                seg.toks.append(P.Tok(OP, t.s, t.e, t.t, "+", t.sp))
                self.need = True
            self.nonnum()
            return i + 1
        if k == OP and not self.need and t.v == "/" and nxt is not None and nxt.k == WORD and \
                nxt.t.isascii() and nxt.t.isalpha() and \
                seg.toks and seg.toks[-1].k == NUM and not (
                    len(seg.toks) >= 2 and seg.toks[-2].k == OP and seg.toks[-2].v == "^") and \
                (len(nxt.v) >= 2 or nxt.f == "text") and nxt.v not in STOPWORDS and \
                nxt.v not in ("pi", "\u03c0") and \
                nxt.v not in FUNC_WORDS and not (i + 2 < n and toks[i + 2].k in (LP, OP)
                                                 and toks[i + 2].v in ("(", "^")):
            # "$0.15/gallon", "60 km/hour": a unit, not a division by a variable
            seg.unit_run += 1
            return i + 2
        if k == OP:
            if self.need:
                if t.v in ("-", "+") and not (self.pend and self.pend[-1][0] == self.depth):
                    if not seg.toks and not chunk.segs and t.v == "+" and t.t == "+":
                        self.nonnum()  # "then +1 +1 = 202": continues a running sum
                    if not seg.toks and not chunk.segs and nxt is not None and nxt.sp:
                        # "Total - 3", "age} - 23": a dash after something we did not read,
                        # not a sign (a sign is written against its number)
                        self.nonnum()
                    seg.toks.append(t)
                    return i + 1
                if not seg.toks and not chunk.segs:
                    self.nonnum()  # leading binary operator: the left operand is unknown
                    seg.toks.append(t)
                    return i + 1
                seg.status = "bad"
                self.close()
                if t.v == "^":
                    self.seg.status = "nonnum"  # "\\cos^{-1}(…)": the exponent of a name
                return i + 1
            seg.toks.append(t)
            self.need = True
            seg.unit_run = 0
            return i + 1
        if k == RP:
            if self.depth == self.skip_rp + 1 and self.skip_rp >= 0:
                self.skip_rp = -1
                self.depth -= 1
                if self.depth == 0:
                    seg.last_ok = len(seg.toks)
                return i + 1
            if self.need:
                self.close(True)
                return i + 1
            if self.depth == 0:
                if not chunk.rels:
                    self.nonnum()  # closes a parenthesis opened before the chunk
                    return i + 1
                self.close()
                return i + 1
            self.depth -= 1
            if seg.lps:
                seg.lps.pop()
            seg.toks.append(t)
            if self.pend and self.pend[-1][0] == self.depth and self.pend[-1][2] == "sqrt-index":
                self.pend[-1][2] = "sqrt"  # \sqrt[4]{...}: now the radicand
                self.need = True
                return i + 1
            self.complete()
            return i + 1
        if k in (PCT, FACT, SUP, DEG, MULT):
            if k == DEG and seg.toks and (seg.toks[-1].k == OP and seg.toks[-1].v == "^" or (
                    len(seg.toks) >= 2 and seg.toks[-1].k == LP and seg.toks[-2].k == OP and
                    seg.toks[-2].v == "^")):
                self.need = False  # 180^\circ, 180^{\circ}: a degree sign, not a power
            if self.need:
                attached = not seg.toks and k == SUP
                self.close()
                if attached:
                    self.seg.status = "nonnum"  # "f⁻¹(6)": a superscript on a name
                return i + 1
            if k == FACT:
                # factorial unless prose follows ("= 7! So ...": an exclamation)
                if t.sp or (nxt is not None and (nxt.k == WORD or (nxt.k == NUM and nxt.sp))):
                    self.close()
                    return i + 1
                if nxt is not None and nxt.k == BND and nxt.t in ".,;:?!":
                    # "= 5!, which is 120": the factorial ends the claim; when the claim is
                    # wrong with it, the reading without it ("= 42!.") is tried
                    seg.toks.append(t)
                    if self.depth == 0:
                        seg.last_ok = len(seg.toks)
                    self.close()
                    return i + 1
            if k == DEG:
                # 90^\circ, 90^{\circ}, 90°
                if seg.toks and seg.toks[-1].k == OP and seg.toks[-1].v == "^":
                    seg.toks.pop()
                elif len(seg.toks) >= 2 and seg.toks[-1].k == LP and seg.toks[-2].k == OP \
                        and seg.toks[-2].v == "^":
                    seg.toks.pop()
                    seg.toks.pop()
                    if seg.lps:
                        seg.lps.pop()
                    self.depth -= 1
                    self.skip_rp = self.depth
                    self.depth += 1
                    self.need = False
                seg.units.append(("angle", "degree"))
                if seg.toks and seg.toks[-1].k == NUM:
                    seg.deg.add(len(seg.toks) - 1)
                return i + 1
            seg.toks.append(t)
            if self.depth == 0:
                seg.last_ok = len(seg.toks)
            return i + 1
        if k in _OPERAND_START:
            if not self.need:
                prev = seg.toks[-1]
                if k == LP and t.v == "(":
                    j = _label_group(toks, i)
                    if j:
                        seg.unit_run += 1
                        return j  # "80 (initial) + 60 (bought) = 140": read past as a unit is
                    # "(3\text{ cm})(4\text{ cm})": groups written against each other are
                    # a product whatever units they hold
                    grouped = prev.k == RP and not t.sp and t.s == prev.e
                    if (seg.unit_run and not grouped) or (t.sp and _holds_anchor(toks, i)):
                        # "40 years old (46 - 6 = 40)", "$8 ($4 * 2 = $8)": prose, then a new
                        # expression
                        self.close(True)
                        return i
                if k == LP and t.sp and prev.k == NUM and _bare_group(self.toks, i) and not (
                        len(seg.toks) >= 2 and seg.toks[-2].k == OP and seg.toks[-2].v == "^"):
                    # "Book 4 (62)", "91 (7)": a label and a value, not a product
                    self.close(True)
                    return i
                if _implicit_ok(prev, t):
                    seg.toks.append(P.Tok(OP, t.s, t.s, "", "*", False, 0, "implicit"))
                    if self.depth == 0:
                        seg.jux.append(len(seg.toks) - 1)
                    self.need = True
                else:
                    # juxtaposed operands that do not multiply: the expression ended
                    attached = not t.sp and t.s == prev.e
                    if (attached and prev.k != RP) or k == VAR:
                        self.nonnum()  # "r√2", "π r²" read as far as "r" / "π"
                    self.close(True)
                    if attached:
                        self.seg.status = "nonnum"  # "y2 + 3", "D7 - 1": a piece of a term
                    return i  # re-process t in a new chunk
            if k == LP and not seg.toks and not chunk.segs and t.v == "{" and i > 0 and \
                    toks[i - 1].k == RP and toks[i - 1].e == t.s:
                self.nonnum()  # "}{...": the second argument of a \frac we did not read
            if k == LP:
                if self.pend and self.pend[-1][0] == self.depth and self.pend[-1][2] == "sqrt" \
                        and t.v == "[" and self.pend[-1][1] == 1:
                    self.pend[-1][2] = "sqrt-index"
                if self.depth >= 200:
                    seg.status = "cut"
                self.depth += 1
                seg.lps.append(len(seg.toks))
                seg.toks.append(t)
                return i + 1
            if k == FRAC:
                seg.toks.append(t)
                self.pend.append([self.depth, 2, "frac"])
                return i + 1
            if k == SQRT:
                seg.toks.append(t)
                if t.t == "\\sqrt":
                    self.pend.append([self.depth, 1, "sqrt"])
                return i + 1
            if k == FUNC:
                seg.toks.append(t)
                return i + 1
            # NUM, VAR, CONST
            if k == NUM and self.pend and self.pend[-1][0] == self.depth and \
                    self.pend[-1][2] == "frac" and self.pend[-1][1] == 2 and t.nd == 0 and \
                    len(t.t) == 2 and t.t.isdigit():
                seg.toks.append(t)   # \frac12: both arguments in one literal
                self.pend.pop()
                self.need = False
                if self.depth == 0:
                    seg.last_ok = len(seg.toks)
                return i + 1
            if k == NUM and t.f and " cur:" in " " + t.f:
                u = ("money", t.f.split("cur:")[1].split()[0])
                seg.units.append(u)
                seg.numunit[len(seg.toks)] = u
            if k == VAR:
                self.var()
                if t.f == "supvar":
                    self.nonnum()  # 9ⁿ: a power with a symbolic exponent
            self.push_operand(t)
            return i + 1
        # anything else ends the chunk
        self.close()
        return i + 1

    # -- words ----------------------------------------------------------------------------

    def word(self, i: int, n: int, t: Tok, nxt: Optional[Tok]) -> int:
        toks = self.toks
        seg = self.seg
        chunk = self.chunk
        v = "pi" if t.v == "\u03c0" else t.v  # the tokenizer leaves π a word
        if nxt is not None and nxt.k == NUM and nxt.s == t.e and t.f != "text" and \
                not (v == "x" and not self.need):
            # "year2", "I0(0)", "D7": a name with an index, not prose and a number
            if not self.need:
                if seg.toks and seg.toks[-1].e == t.s:
                    self.nonnum()  # "4π2": a lost superscript, not the end of the side
                self.close(True)
                return i
            self.nonnum()
            seg.toks.append(P.Tok(VAR, t.s, nxt.e, t.t + nxt.t, v + nxt.t, t.sp))
            self.complete()
            return i + 2
        if v in FUNC_WORDS and nxt is not None and nxt.k == SUP and (seg.toks or chunk.rels
                                                                      or self.need):
            # "sin(6) cos²(3)": a power of a function; the side goes on but is not evaluated
            self.nonnum()
            if not self.need:
                seg.toks.append(P.Tok(OP, t.s, t.s, "", "*", False, 0, "implicit"))
            seg.toks.append(P.Tok(FUNC, t.s, t.e, t.t, FUNC_WORDS[v], t.sp))
            self.need = True
            return i + 2
        if v == "i" and t.f != "text" and (seg.toks or chunk.rels):
            # "√2/2 + √2/2 i", "cos θ + i sin θ": the imaginary unit; complex values are
            # not checked
            self.nonnum()
            if self.need:
                self.push_operand(P.Tok(VAR, t.s, t.e, t.t, v, t.sp))
            return i + 1
        if t.f == "textvar":
            # 5\text{Tri}: a named quantity
            if not self.need:
                seg.toks.append(P.Tok(OP, t.s, t.s, "", "*", False, 0, "implicit"))
            self.var()
            self.push_operand(P.Tok(VAR, t.s, t.e, t.t, v, t.sp))
            return i + 1
        call = nxt is not None and nxt.k == LP and nxt.v == "(" and not nxt.sp and t.f != "text"
        if call and v not in FUNC_WORDS:
            # f(2), p(0), f’(4), arctan(23), max(3, 16): a function we do not evaluate
            if len(v.rstrip("'\u2019\u2032")) == 1 or t.t[:1].isupper() or \
                    (not self.need and not t.sp):
                if self.need and (seg.toks or chunk.rels or len(v.rstrip("'\u2019\u2032")) == 1):
                    self.nonnum()
                    self.push_operand(P.Tok(VAR, t.s, t.e, t.t, v, t.sp))
                    return i + 1
                if not self.need:
                    self.nonnum()
                    return i + 1
            if self.need:
                seg.toks.append(P.Tok(FUNC, t.s, t.e, t.t, v, t.sp))
                return i + 1
            self.close(True)
            return i  # "it's arctan(10.16)/5": the function starts a new expression
        if not self.need and v == "pi":
            seg.toks.append(P.Tok(OP, t.s, t.s, "", "*", False, 0, "implicit"))
            self.push_operand(P.Tok(CONST, t.s, t.e, t.t, "pi", t.sp))
            return i + 1
        fn_arg = nxt is not None and (nxt.k in (LP, NUM) or nxt.v in ("pi", "\u03c0"))
        if not self.need and v in FUNC_WORDS and fn_arg:
            # 0.5 sqrt{2}, 3 sin(x): implicit product with a function
            seg.toks.append(P.Tok(OP, t.s, t.s, "", "*", False, 0, "implicit"))
            seg.toks.append(P.Tok(FUNC, t.s, t.e, t.t, FUNC_WORDS[v], t.sp))
            self.need = True
            return i + 1
        if self.need:
            if v in FUNC_WORDS and fn_arg:  # "cos π/4": cos applied to π
                seg.toks.append(P.Tok(FUNC, t.s, t.e, t.t, FUNC_WORDS[v], t.sp))
                return i + 1
            if v == "pi" and ((seg.toks[-1].k == OP if seg.toks else chunk.rels) or (
                    nxt is not None and nxt.k == OP and nxt.v in "*/^")):
                # (π alone is also a Greek letter: "ο = 70, π = 80", "π (pi) = 80")
                self.push_operand(P.Tok(CONST, t.s, t.e, t.t, "pi", t.sp))
                return i + 1
            if seg.toks and seg.toks[-1].k == LP and (len(v) > 1 or v in ("a", "i")) \
                    and t.f != "text" and not (len(seg.toks) >= 2 and seg.toks[-2].k == FUNC):
                # "7 (since ..." : a prose parenthesis; the expression ended before it
                self.close()
                return i + 1
            single = len(v) == 1 and v not in ("a", "i")
            if single or seg.toks or (chunk.rels and t.f != "text"):
                self.var()
                self.push_operand(P.Tok(VAR, t.s, t.e, t.t, v, t.sp))
                return i + 1
            self.close(True)
            return i + 1
        # after an operand
        if v == "x" and nxt is not None and nxt.k in (NUM, LP, FRAC, SQRT, CONST) and \
                not (nxt.k == LP and not t.sp):
            seg.toks.append(P.Tok(OP, t.s, t.e, t.t, "*", t.sp))
            self.need = True
            seg.unit_run = 0
            return i + 1
        if v in OP_WORDS and _starts_operand(nxt):
            seg.toks.append(P.Tok(OP, t.s, t.e, t.t, OP_WORDS[v], t.sp))
            self.need = True
            seg.unit_run = 0
            return i + 1
        if v in OP_WORDS_BY and nxt is not None and nxt.k == WORD and nxt.v == "by" and \
                i + 2 < n and _starts_operand(toks[i + 2]):
            seg.toks.append(P.Tok(OP, t.s, nxt.e, t.t + " by", OP_WORDS_BY[v], t.sp))
            self.need = True
            seg.unit_run = 0
            return i + 2
        if v == "of" and _starts_operand(nxt) and _of_is_times(seg.toks):
            seg.toks.append(P.Tok(OP, t.s, t.e, t.t, "*", t.sp))
            self.need = True
            seg.unit_run = 0
            return i + 1
        if v in MULTIPLIER_WORDS and t.sp and seg.unit_run == 0:
            # "2 dozen", "1.5 million": an ordinary product (4/3 dozen = 16)
            seg.toks.append(P.Tok(OP, t.s, t.s, "", "*", False, 0, "mult"))
            seg.toks.append(P.Tok(NUM, t.s, t.e, t.t, Fraction(MULTIPLIER_WORDS[v]), True, 0,
                                  "mult"))
            if self.depth == 0:
                seg.last_ok = len(seg.toks)
            return i + 1
        prev = seg.toks[-1] if seg.toks else None
        if prev is not None and not t.sp and prev.k == NUM and t.f != "text":
            # attached letters: 5km is a unit, 2x / 3ab are variables
            if v in _ATTACHED_UNITS:
                seg.units.append(UNIT_FAMILY[v])
                seg.numunit[len(seg.toks) - 1] = UNIT_FAMILY[v]
                seg.unit_run += 1
                return i + 1
            seg.toks.append(P.Tok(OP, t.s, t.s, "", "*", False, 0, "implicit"))
            self.var()
            self.push_operand(P.Tok(VAR, t.s, t.e, t.t, v, False))
            return i + 1
        if len(v) >= 2 and t.t.isupper() and v not in UNIT_FAMILY and \
                t.t not in _UPPER_UNITS and t.f != "text":
            # 17 CD, 2 AB: geometry names, not units
            seg.toks.append(P.Tok(OP, t.s, t.s, "", "*", False, 0, "implicit"))
            self.var()
            self.push_operand(P.Tok(VAR, t.s, t.e, t.t, v, t.sp))
            return i + 1
        if (len(v) >= 2 or t.f == "text" or t.t in "\u00a2\u2032\u2033") and \
                v not in STOPWORDS and seg.unit_run < 3 and prev is not None and \
                prev.k in (NUM, RP, PCT, DEG, SUP, MULT, FACT):
            if prev.k in (NUM, RP) and seg.unit_run == 0:
                seg.numword[len(seg.toks) - 1] = _singular(v.split()[0] if v.split() else v)
            for w in v.split():
                if w in UNIT_FAMILY:
                    seg.units.append(UNIT_FAMILY[w])
                    if prev.k == NUM and seg.unit_run == 0 and \
                            UNIT_FAMILY[w] == ("angle", "degree"):
                        seg.deg.add(len(seg.toks) - 1)
                    if prev.k == NUM and seg.unit_run == 0 and \
                            (len(seg.toks) - 1) not in seg.numunit:
                        seg.numunit[len(seg.toks) - 1] = UNIT_FAMILY[w]
                    break
            seg.unit_run += 1
            i += 1
            fam = UNIT_FAMILY.get(v.split()[0]) if v.split() else None
            if fam and i + 1 < n and toks[i].k == NUM and toks[i].sp and i + 1 < n and \
                    toks[i + 1].k == WORD and UNIT_FAMILY.get(toks[i + 1].v, ("", ""))[0] == fam[0] \
                    and UNIT_FAMILY.get(toks[i + 1].v) != fam:
                # "29 feet 2 inches": one quantity in two units
                seg.toks.append(P.Tok(OP, toks[i].s, toks[i].s, "", "+", False, 0, "compound"))
                seg.status = "compound" if seg.status == "ok" else seg.status
                self.need = True
                seg.unit_run = 0
                return i
            if fam and i + 2 < n and toks[i].k == WORD and toks[i].v == "and" and \
                    toks[i + 1].k == NUM and toks[i + 2].k == WORD and \
                    UNIT_FAMILY.get(toks[i + 2].v, ("", ""))[0] == fam[0]:
                # "126 dollars and 59 cents": one quantity in two units
                seg.toks.append(P.Tok(OP, toks[i].s, toks[i].e, "and", "+", True))
                seg.status = "compound" if seg.status == "ok" else seg.status
                self.need = True
                seg.unit_run = 0
                return i + 1
            # compound units: pages/day, km per hour, cm^2
            while i < n:
                a = toks[i]
                b = toks[i + 1] if i + 1 < n else None
                if a.k == OP and a.v == "/" and b is not None and b.k == WORD and \
                        b.v not in STOPWORDS and (len(b.v) >= 2 or b.f == "text"):
                    i += 2
                    continue
                if a.k == WORD and a.v in ("per", "a", "an", "each", "every") and b is not None \
                        and b.k == WORD and b.v not in STOPWORDS and len(b.v) >= 2 and \
                        not (i + 2 < n and toks[i + 2].k == NUM):
                    i += 2
                    continue
                if a.k == WORD and a.v == "in" and b is not None and b.k == WORD and \
                        b.v in ("a", "an", "each", "every", "one") and i + 2 < n and \
                        toks[i + 2].k == WORD and toks[i + 2].v not in STOPWORDS:
                    i += 3
                    continue
                if a.k == OP and a.v == "^" and b is not None and b.k == NUM and not b.sp:
                    i += 2
                    continue
                if a.k == SUP:
                    i += 1
                    continue
                break
            return i
        if len(v) == 1 and v not in ("a", "i") and seg.unit_run == 0:
            # a single letter after an operand: a variable factor (2 x, 3 n)
            seg.toks.append(P.Tok(OP, t.s, t.s, "", "*", False, 0, "implicit"))
            self.var()
            self.push_operand(P.Tok(VAR, t.s, t.e, t.t, v, t.sp))
            return i + 1
        self.close(True)
        return i + 1


def _of_is_times(toks: List[Tok]) -> bool:
    """'of' multiplies after a percent, a fraction (a/b, \\frac, ½) or a decimal below 1."""
    if not toks:
        return False
    last = toks[-1]
    if last.k == PCT:
        return True
    if last.k == NUM and last.v is not None and (last.f == "vulgar" or (0 < last.v < 1)):
        return True
    if last.k == NUM and len(toks) >= 3 and toks[-2].k == OP and toks[-2].v == "/" and \
            toks[-3].k == NUM:
        return True
    if last.k == RP and any(t.k == FRAC for t in toks[-12:]):
        return True
    if last.k == RP and len(toks) >= 2 and any(t.k == OP and t.v == "/" for t in toks[-6:]):
        return True
    return False


def _finish_last(seg: Seg, open_end: bool) -> None:
    """Trim the last segment of a chunk to its longest complete prefix."""
    if not seg.toks:
        return
    if seg.last_ok < len(seg.toks):
        cut = seg.last_ok
        if cut == 0:
            seg.status = "bad" if seg.status == "ok" else seg.status
            return
        after = seg.toks[cut]
        nxt = seg.toks[cut + 1] if cut + 1 < len(seg.toks) else None
        if after.k == OP and after.f == "implicit" and nxt is not None and \
                (nxt.k in (FUNC, SQRT, FRAC, VAR, CONST) or any(t.k == VAR for t in seg.toks[cut:])):
            # "= \\pi (2r \\frac{dr}{dt} h + ...)": a product with a part we could not read
            seg.status = "nonnum" if seg.status in ("ok", "var", "compound") else seg.status
        if after.k == OP and after.f != "implicit":
            # the expression continues with something we could not read
            seg.status = "nonnum" if seg.status in ("ok", "var", "compound") else seg.status
        seg.toks = seg.toks[:cut]
        seg.jux = [j for j in seg.jux if j < cut]


# --------------------------------------------------------------------------------------------
# evaluation of one segment


class Val:
    """Evaluation of one segment."""

    __slots__ = ("status", "value", "has_op", "bare_nd", "sym", "reason", "operands", "pct",
                 "rpn", "ivc")

    def __init__(self, status, value=None, has_op=False, bare_nd=None, reason="",
                 operands=(), pct=False, rpn=None):
        self.status = status        # exact | symbolic | nonnum | unsupported | refused | bad
        self.value = value          # Fraction (exact) or sympy expr (symbolic)
        self.has_op = has_op
        self.bare_nd = bare_nd      # decimals shown when the segment is a bare number
        self.sym = None
        self.reason = reason
        self.operands = operands
        self.pct = pct
        self.rpn = rpn
        self.ivc = None             # (limits, interval) memo of _numeric


def _bare_decimals(toks: Sequence[Tok], pct_mode: str = "percent") -> Optional[int]:
    """Decimals shown when the segment is one number (optionally signed / percent)."""
    ts = [t for t in toks if t.k != DEG]
    if ts and ts[0].k == OP and ts[0].v in "+-":
        ts = ts[1:]
    if len(ts) == 1 and ts[0].k == NUM and ts[0].f != "vulgar" and "mixed" not in ts[0].f:
        return ts[0].nd
    if len(ts) == 2 and ts[0].k == NUM and ts[1].k == PCT:
        return ts[0].nd + 2 if pct_mode == "percent" else ts[0].nd
    return None


_KEY_KINDS = frozenset((OP, FUNC, NUM))


def evaluate(toks: Sequence[Tok], limits: Limits, pct_mode: str = "percent",
             cache: Optional[dict] = None) -> Val:
    key = None
    if cache is not None:
        # a number's value enters the key as (numerator, denominator): equal exactly when the
        # Fractions are equal, and far cheaper to hash than a Fraction
        # the shown decimals and the number's form (vulgar, mixed, converted) enter too:
        # compile_rpn reads them, and a converted number keeps the text it was read from
        key = (pct_mode, tuple([(t.k, t.t, None if t.k not in _KEY_KINDS else
                                 t.v.as_integer_ratio() if type(t.v) is Fraction
                                 else t.v, t.nd, t.f) for t in toks]))
        hit = cache.get(key)
        if hit is not None:
            return hit
    val = _evaluate(toks, limits, pct_mode)
    if cache is not None:
        cache[key] = val
    return val


def _evaluate(toks: Sequence[Tok], limits: Limits, pct_mode: str) -> Val:
    # "cos 3π/4", "sin 2x": a trig argument written without parentheses that a product or a
    # quotient continues is the whole term by convention, the first factor by precedence
    for j in range(len(toks) - 2):
        if toks[j].k == FUNC and toks[j].v in P.TRIG and toks[j + 1].k in (NUM, CONST, VAR) \
                and toks[j + 2].k == OP and toks[j + 2].v in "*/^":
            return Val("unsupported", reason="trig argument without parentheses", has_op=True)
    try:
        rpn, has_op = P.compile_rpn(toks, limits, pct_mode)
    except P.Refused as exc:
        return Val("refused", reason=str(exc), has_op=True)
    except P.UnknownOperator as exc:
        if any(t.k == VAR for t in toks):
            return Val("nonnum", has_op=True)  # "x ⊕ y = 7": an equation, as "x + y = 7" is
        return Val("unsupported", reason=str(exc), has_op=True)
    except P.Unsupported as exc:
        return Val("unsupported", reason=str(exc), has_op=True)
    except (P.ParseError, KeyError, IndexError) as exc:
        return Val("bad", reason=str(exc))
    kinds = [it[0] for it in rpn]
    operands = tuple([it[1] for it in rpn if it[0] == "n"]) if "n" in kinds else ()
    pct = PCT in [t.k for t in toks]
    if pct and pct_mode == "percent":
        has_op = True
    bare = _bare_decimals(toks, pct_mode)
    if "v" in kinds:
        try:
            poly = P.eval_poly(rpn, limits)
        except (P.Refused, P.Unsupported, P.NeedsSymbolic, P.ParseError, IndexError,
                ZeroDivisionError):
            return Val("nonnum", has_op=has_op)
        return Val("poly", poly, has_op, bare, operands=operands, pct=pct)
    try:
        v = P.eval_rpn(rpn, limits)
        return Val("exact", v, has_op, bare, operands=operands, pct=pct, rpn=rpn)
    except P.NeedsSymbolic:
        sym = Val("symbolic", None, True, bare, operands=operands, pct=pct, rpn=rpn)
        if _numeric(sym, limits) is None:
            return Val("unsupported", reason="irrational value not evaluated", has_op=True)
        return sym
    except P.Refused as exc:
        return Val("refused", reason=str(exc), has_op=True)
    except P.Unsupported as exc:
        return Val("unsupported", reason=str(exc), has_op=True)
    except P.NotNumeric:
        return Val("nonnum", has_op=has_op)
    except (P.ParseError, IndexError) as exc:
        return Val("bad", reason=str(exc))


# --------------------------------------------------------------------------------------------
# comparison


def _within(a: Fraction, b: Fraction, unit: Fraction, half: bool) -> bool:
    d = abs(a - b)
    return d * 2 <= unit if half else d <= unit


_NON_DIGIT = re.compile(r"\D")


def _integer_unit(b: Fraction, text: str) -> Fraction:
    """Unit of the last shown digit of an integer (trailing zeros count as rounding)."""
    digits = _NON_DIGIT.sub("", text.split(".")[0])
    tz = len(digits) - len(digits.rstrip("0")) if digits.strip("0") else 0
    return Fraction(10) ** tz


def _near_round(x: Fraction, y: Fraction, unit: Fraction) -> bool:
    """Whether ``x`` is approximately the integer ``y`` shown to ``unit`` ("1000/7 ≈ 140":
    trailing zeros are rounding).  A number with one significant digit is within half its
    unit and never off by a factor of two ("7*3 ≈ 30", "2016/4096 ≈ 10": a full unit would be
    anything up to twice the value)."""
    one = unit > 1 and abs(y) < 10 * unit
    return _within(x, y, unit, one) and (not one or abs(x - y) * 2 < abs(y))


def _compare_exact(a: Val, b: Val, relation: str, approx: bool, ellipsis: bool,
                   btext: str, atext: str) -> Tuple[bool, str]:
    av, bv = a.value, b.value
    if av == bv:
        return True, ""
    for x, y, t in ((a, b, btext), (b, a, atext)):
        nd = y.bare_nd
        if nd is None:
            continue
        if nd > 0:
            unit = Fraction(1, 10 ** nd)
            if relation == "~" or approx:
                if _within(x.value, y.value, unit, False):
                    return True, "approx"
            elif ellipsis:
                if abs(x.value - y.value) < unit:
                    return True, "truncated"
            elif _within(x.value, y.value, unit, True):
                return True, "rounded"
            elif abs(x.value) >= abs(y.value) and abs(x.value - y.value) < unit and \
                    (x.value >= 0) == (y.value >= 0):
                return True, "truncated"
        elif relation == "~" or approx:
            if _near_round(x.value, y.value, _integer_unit(y.value, t)):
                return True, "approx"
    return False, ""


def _numeric(v: Val, limits: Limits = P.DEFAULT_LIMITS) -> Optional[Tuple[Fraction, Fraction]]:
    """An interval enclosing the value of an exact or irrational segment (roots and pi are
    bounded with float accuracy; no sympy on this path)."""
    if v.status == "exact":
        return (v.value, v.value)
    if v.rpn is None:
        return None
    memo = v.ivc
    if memo is not None and (memo[0] is limits or memo[0] == limits):
        return memo[1]  # the same Val is compared again (cached segment, other readings)
    try:
        iv = P.eval_interval(v.rpn, limits, Fraction(0))
    except (P.Refused, P.Unsupported, P.NotNumeric, P.ParseError, IndexError,
            ZeroDivisionError, OverflowError, ValueError):
        iv = None
    v.ivc = (limits, iv)
    return iv


def _compare_symbolic(a: Val, b: Val, relation: str, approx: bool) -> Tuple[Optional[bool], str]:
    ia, ib = _numeric(a), _numeric(b)
    if ia is None or ib is None:
        return None, "irrational value not evaluated"
    fa = (ia[0] + ia[1]) / 2
    fb = (ib[0] + ib[1]) / 2
    scale = max(Fraction(1), abs(fa), abs(fb))
    slack = (ia[1] - ia[0]) + (ib[1] - ib[0])
    if abs(fa - fb) <= slack + scale * Fraction(1, 10 ** 12):
        return True, "symbolic"
    for x, y in ((fa, b), (fb, a)):
        nd = y.bare_nd
        if nd is None:
            continue
        yv = fb if y is b else fa
        unit = Fraction(1, 10 ** nd)
        if relation == "~" or approx:
            if abs(x - yv) <= unit + slack:
                return True, "approx"
        elif nd == 0:
            continue  # "sqrt(8) = 3" is wrong as "10/3 = 3" is: an integer is exact unless "≈"
        elif abs(x - yv) * 2 <= unit + 2 * slack:
            return True, "rounded"
        elif abs(x) >= abs(yv) and abs(x - yv) < unit + slack and (x >= 0) == (yv >= 0):
            return True, "truncated"
    return False, ""


# --------------------------------------------------------------------------------------------
# alternatives (ambiguous readings)


def _in_degrees(toks: Sequence[Tok]) -> List[Tok]:
    """The tokens with every sin/cos/tan read in degrees."""
    return [P.Tok(FUNC, t.s, t.e, t.t, t.v + "\u00b0", t.sp) if t.k == FUNC and
            t.v in _ANGLE_FUNCS else t for t in toks]


_ANGLE_FUNCS = frozenset(["sin", "cos", "tan", "arcsin", "arccos", "arctan"])


def _marked_degrees(seg: Seg) -> Optional[List[Tok]]:
    """The tokens with every sin/cos/tan whose argument the text marks in degrees (``30°``,
    ``30^\\circ``, ``30 degrees``) read in degrees; None when no argument is marked."""
    if not seg.deg:
        return None
    toks = seg.toks
    out = list(toks)
    found = False
    for j, t in enumerate(toks):
        if t.k != FUNC or t.v not in ("sin", "cos", "tan") or j + 1 >= len(toks):
            continue
        k = j + 1
        if toks[k].k == LP:
            depth = 0
            while k < len(toks):
                if toks[k].k == LP:
                    depth += 1
                elif toks[k].k == RP:
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
        if any(q in seg.deg for q in range(j + 1, k + 1)):
            out[j] = P.Tok(FUNC, t.s, t.e, t.t, t.v + "\u00b0", t.sp)
            for q in range(j + 1, k + 1):
                if toks[q].k == CONST and toks[q].v == "pi":
                    # "sin(π/2 - 18°)": π beside degrees is 180 of them
                    out[q] = P.Tok(NUM, toks[q].s, toks[q].e, "180", Fraction(180), toks[q].sp)
            found = True
    return out if found else None


def _alternatives(seg: Seg, last: bool) -> List[List[Tok]]:
    """Other readings of a segment's tokens (only tried before calling a claim wrong).

    * a label or number juxtaposed before the expression: ``Step 2 (3+4)``, ``(2) 3+4``;
    * ``2 1/2`` / ``2½`` read without the leading integer (it may be a list label);
    * ``1 250`` read as two numbers (first side: the later group; last side: the first);
    * ``2\frac{1}{2}`` read as a mixed number (2 + 1/2) instead of a product;
    * ``24 / 2/3`` read as ``24 / (2/3)`` when the outer division is spaced.
    """
    alts: List[List[Tok]] = []
    toks = seg.toks
    # "3√2", "2\\sqrt{2}", "3π" are one term: never a label or a value with a remark
    jux = [j for j in seg.jux if j + 1 < len(toks) and toks[j + 1].k not in (SQRT, CONST, FUNC)]
    if seg.first:
        for j in jux:
            alts.append(toks[j + 1:])
    for j in jux:
        alts.append(toks[:j])  # "91 (7×13)", "0.10 (10%)": a remark after a value
    if toks and toks[-1].k == FACT:
        alts.append(toks[:-1])  # "= 42!": an exclamation mark
    if last:
        for j, t in enumerate(toks):
            if j > 0 and t.k == OP and t.t.isalpha():
                alts.append(toks[:j])  # "= 100% of $50,000": a remark after the value
    # "3.424 ÷ 5.3 × 10^5": scientific notation binds as one number
    for j in range(1, len(toks) - 3):
        a0, x, ten, hat = toks[j], toks[j + 1], toks[j + 2], toks[j + 3]
        if a0.k == NUM and x.k == OP and x.v == "*" and ten.k == NUM and ten.t == "10" and \
                hat.k == OP and hat.v == "^" and toks[j - 1].k == OP and toks[j - 1].v == "/":
            k = j + 4
            if k < len(toks) and toks[k].k == OP and toks[k].v in "+-":
                k += 1
            if k < len(toks) and toks[k].k == NUM:
                lp = P.Tok(LP, a0.s, a0.s, "(", "(")
                rp = P.Tok(RP, toks[k].e, toks[k].e, ")", ")")
                alts.append(list(toks[:j]) + [lp] + list(toks[j:k + 1]) + [rp] + list(toks[k + 1:]))
    for idx, t in enumerate(toks):
        if t.k != NUM or not t.x:
            continue
        parts = t.x
        if t.f in ("mixed", "mixedv"):
            if idx == 0 and seg.first:
                alts.append(list(parts[1:]) + toks[1:])
        elif t.f and "comma" in t.f and isinstance(parts[0], str):
            # "= 420,420*(6/5) = 504": a list written without a space, not 420420
            ps = [P.Tok(NUM, t.s, t.e, g, Fraction(int(g))) for g in parts if g.isdigit()]
            if len(ps) != len(parts):
                continue
            if idx == 0:
                for q in range(1, len(ps)):
                    alts.append([_join_parts(ps[q:])] + toks[1:])
            if last:
                for q in range(1, len(ps)):
                    alts.append(toks[:idx] + [_join_parts(ps[:q])])
        elif t.f == "spgroup":
            if idx == 0 and seg.first:
                for q in range(1, len(parts)):
                    alts.append([_join_parts(parts[q:])] + toks[1:])
            if last and idx == len(toks) - 1:
                for q in range(1, len(parts)):
                    alts.append(toks[:idx] + [_join_parts(parts[:q])])
    mixed = _latex_mixed(toks)
    if mixed:
        alts.append(mixed)
    for idx, t in enumerate(toks):
        head, _, rep = t.t.partition("(")
        if t.k == NUM and t.f == "repeating" and "." in head[:-1] and rep[:-1].isdigit():
            # "100 - 0.30(100)": a product, not 0.30100100...
            v, nd, fl = P._num_value(head, P.DEFAULT_LIMITS)
            if v is not None:
                q, r = t.s + len(head), rep[:-1]
                alts.append(toks[:idx] + [
                    P.Tok(NUM, t.s, q, head, v, t.sp, nd, fl),
                    P.Tok(OP, q, q, "", "*", False, 0, "implicit"), P.Tok(LP, q, q + 1, "(", "("),
                    P.Tok(NUM, q + 1, t.e - 1, r, Fraction(int(r))),
                    P.Tok(RP, t.e - 1, t.e, ")", ")")] + toks[idx + 1:])
    for idx in range(len(toks) - 3):
        a, b, c, d = toks[idx:idx + 4]
        if a.k == OP and a.v == "/" and b.k == NUM and c.k == OP and c.f == "implicit" and \
                d.k == CONST:
            # "20π / 4π = 5": the implicit product binds first
            alts.append(toks[:idx + 1] + [P.Tok(LP, b.s, b.s, "(", "("), b, c, d,
                                          P.Tok(RP, d.e, d.e, ")", ")")] + toks[idx + 4:])
        if a.k == OP and a.v == "/" and (a.sp or b.sp) and b.k in (NUM, CONST) and c.k == OP and \
                c.v == "/" and not c.sp and d.k == NUM and not d.sp:
            lp = P.Tok(LP, b.s, b.s, "(", "(")
            rp = P.Tok(RP, d.e, d.e, ")", ")")
            alts.append(toks[:idx + 1] + [lp, b, c, d, rp] + toks[idx + 4:])
    return alts


def _rewrite(toks: Sequence[Tok], at) -> Optional[List[Tok]]:
    """``toks`` with each run that ``at(toks, i)`` rewrites (it returns the replacement and
    the number of tokens it stands for, or None) replaced, left to right; None when none is."""
    out: List[Tok] = []
    i, n, changed = 0, len(toks), False
    while i < n:
        hit = at(toks, i)
        if hit is not None:
            rep, used = hit
            out += rep
            i += used
            changed = True
            continue
        out.append(toks[i])
        i += 1
    return out if changed else None


def _mixed_at(toks: Sequence[Tok], idx: int):
    a = toks[idx]
    g = toks[idx + 1:idx + 9]
    if a.k == NUM and a.nd == 0 and a.v is not None and a.v >= 0 and len(g) == 8 and \
            g[0].k == OP and g[0].f == "implicit" and g[1].k == FRAC and \
            [t.k for t in g[2:]] == [LP, NUM, RP, LP, NUM, RP] and \
            g[3].nd == 0 and g[6].nd == 0 and g[3].v is not None and g[6].v is not None and \
            0 < g[3].v < g[6].v:
        return ([P.Tok(LP, a.s, a.s, "(", "("), a, P.Tok(OP, g[0].s, g[0].e, "+", "+", False)]
                + list(g[1:]) + [P.Tok(RP, g[7].e, g[7].e, ")", ")")], 9)
    return None


def _latex_mixed(toks: List[Tok]) -> Optional[List[Tok]]:
    """``1\\frac{1}{2} \\times 4`` read with mixed numbers, ``(1 + \\frac{1}{2}) \\times 4``
    (an integer written against a proper fraction of integers); None when there is none."""
    return _rewrite(toks, _mixed_at)


def _join_parts(parts: Sequence[Tok]) -> Tok:
    digits = "".join(p.t for p in parts)
    v, nd, fl = P._num_value(digits, P.DEFAULT_LIMITS)
    return P.Tok(NUM, parts[0].s, parts[-1].e, digits, v, parts[0].sp, nd, fl)


# --------------------------------------------------------------------------------------------
# the scanner


class ClaimScanner:
    """Finds and checks claims in texts; one instance per trace (its caches are per trace)."""

    def __init__(self, limits: Limits = P.DEFAULT_LIMITS, max_span: int = 600,
                 max_claims: int = 20000):
        self.limits = limits
        self.max_span = max_span
        self.max_claims = max_claims
        self.span_cache: Dict[tuple, List[Claim]] = {}
        self.val_cache: dict = {}
        self._lost_sup: Optional[bool] = None
        self._limits_memo: Optional[Tuple[Limits, bool]] = None
        self._text = ""

    def _default_limits(self) -> bool:
        """Whether the limits are the defaults (then the process-wide cache applies); the
        answer is remembered per limits object, since comparing two dataclasses is slow."""
        memo = self._limits_memo
        if memo is None or memo[0] is not self.limits:
            memo = self._limits_memo = (self.limits, self.limits == P.DEFAULT_LIMITS)
        return memo[1]

    @property
    def lost_sup(self) -> bool:
        """Whether the text shows superscripts flattened into digits ("x2 + y2"); computed
        only when a claim would otherwise be called wrong."""
        if self._lost_sup is None:
            found = 0
            for _m in _LOST_SUP.finditer(self._text, 0, 200000):
                found += 1
                if found >= 2:
                    break  # two are enough: the rest of the text need not be searched
            self._lost_sup = found >= 2
        return self._lost_sup

    # -- public -------------------------------------------------------------------------------

    def scan(self, text: str, base: int = 0) -> List[Claim]:
        """Claims in ``text``; spans are offsets into ``text`` plus ``base``."""
        if not text:
            return []
        if _FULLWIDTH.search(text) is None:
            return self._scan(text, base)
        # "３＋４＝７": full-width forms (CJK text) read as their ASCII twins; one character
        # each, so the offsets hold, and the sides are shown as the text writes them
        out = self._scan(text.translate(_FULLWIDTH_TABLE), base)
        return [replace(c, lhs=text[c.start - base:c.start - base + len(c.lhs)],
                        rhs=text[c.end - base - len(c.rhs):c.end - base],
                        claimed=None if c.claimed is None else
                        text[c.end - base - len(c.rhs):c.end - base]) for c in out]

    def _scan(self, text: str, base: int) -> List[Claim]:
        out: List[Claim] = []
        rev = None
        n = len(text)
        covered = -1
        self._text = text
        self._lost_sup = None
        for m in _ANCHORS.finditer(text):
            a = m.start()
            if a < covered:
                continue
            if len(out) >= self.max_claims:
                break
            tok = m.group()
            if tok == "<<":
                close = text.find(">>", a + 2, a + 2 + self.max_span)
                if close < 0:
                    continue
                lo, hi = a, close + 2
                covered = hi
            else:
                if tok == "=" and a + 1 < n and text[a + 1] in "=>":
                    continue
                if tok == "=" and a > 0 and text[a - 1] in "!<>=:+-*/":
                    if not (text[a - 1] in "+-*/" and a > 1 and text[a - 2] not in " "):
                        continue
                if rev is None:
                    rev = text[::-1]
                lo, cut_left = self._lhs_start(text, rev, a)
                hi, cut_right = self._rhs_end(text, a + len(tok))
                # follow the chain: anchors inside the right side belong to this span
                last_inner = -1
                pos = a + len(tok)
                while True:
                    nxt = _ANCHORS.search(text, pos, hi)
                    if nxt is None or nxt.group() == "<<":
                        break
                    last_inner = nxt.start()
                    if hi - lo > _MAX_CHAIN:
                        cut_right = True
                        break
                    e2, cut2 = self._rhs_end(text, nxt.end())
                    if e2 > hi:
                        hi, cut_right = e2, cut2
                    pos = nxt.end()
                if cut_right and last_inner > a:
                    # stop before the last '=' seen; it starts the next span afresh
                    hi = last_inner
                    cut_right = False
                    covered = last_inner
                else:
                    covered = hi
                lo, hi = self._margins(text, lo, hi, cut_left, cut_right)
                got = self._scan_span(text, lo, hi, base, cut_left, cut_right)
                if not got and tok == "=" and _ends_with_word(text, a) \
                        and text.rfind("+", max(0, a - _PROSE_SUM_MAX), a) >= 0:
                    got = self._prose_sum(text, a, base)
                out.extend(got)
                continue
            out.extend(self._scan_span(text, lo, hi, base))
        if any(c.status == "wrong" for c in out):
            out = [_post_check(c, text, base) if c.status == "wrong" else c for c in out]
        return out

    # -- spans --------------------------------------------------------------------------------

    def _lhs_start(self, text: str, rev: str, a: int) -> Tuple[int, bool]:
        """Start of the candidate left side, and whether the run reached the scan limit."""
        n = len(text)
        rpos = n - a
        stop = min(n, rpos + self.max_span)
        end = _lhs_run(rev, rpos, stop)
        start = a - (end - rpos)
        # a '$' followed by a command opens inline math ("order $\frac{18}{12}=1\frac12$"):
        # the prose before it is not part of the expression, and such a '$' is never money
        j = text.rfind("$", start, a)
        if j >= 0 and (j == 0 or text[j - 1] != "\\") and \
                text[j + 1:j + 3].lstrip(" ")[:1] == "\\":
            return j + 1, False
        return start, end >= stop and stop < n

    def _rhs_end(self, text: str, p: int) -> Tuple[int, bool]:
        """End of the candidate right side, and whether the run reached the scan limit."""
        stop = min(len(text), p + self.max_span)
        end = _rhs_run(text, p, stop)
        return end, end >= stop and stop < len(text)

    def _margins(self, text: str, lo: int, hi: int, cut_left: bool = False,
                 cut_right: bool = False) -> Tuple[int, int]:
        """Include the word (or two characters) on each side, so the segmenter sees what the
        expression touches."""
        if cut_left and cut_right:
            return lo, hi
        if cut_left:
            return lo, self._margins(text, lo, hi)[1]
        if cut_right:
            return self._margins(text, lo, hi)[0], hi
        j = lo
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        if j > 0:
            if text[j - 1].isalpha() and text[j - 1] not in "\u00b2\u00b3\u00b9":
                k = j - 1
                while k > 0 and text[k - 1].isalpha() and j - k < 30:
                    k -= 1
                j = k
                q = j
                while q > 0 and text[q - 1] in " \t":
                    q -= 1
                if q > 0 and text[q - 1] in _OP_CHARS:
                    j = q - 1  # "5 * rate": the operator shows the side goes on
            else:
                j = max(0, j - 2) if text[j - 2:j] == "<<" else j - 1
                if text[j:j + 1] in ":/-" and j > 0 and text[j - 1].isdigit():
                    while j > 0 and text[j - 1].isdigit() and lo - j < 12:
                        j -= 1
                    while j > 0 and text[j - 1].isalpha() and lo - j < 30:
                        j -= 1  # "Day23:18": a label, not a time
        lo = j
        k = hi
        n = len(text)
        while k < n and text[k] in " \t":
            k += 1
        if k < n:
            if text[k].isalpha():
                q = k + 1
                while q < n and text[q].isalpha() and q - k < 30:
                    q += 1
                k = q
                r = k
                while r < n and text[r] in " \t":
                    r += 1
                if r < n and text[r] in _OP_CHARS:
                    k = r + 1  # "= xy/32": the side goes on after the word
            else:
                k = min(n, k + 2) if text[k:k + 2] == ">>" else k + 1
        return lo, k

    def _scan_span(self, text: str, lo: int, hi: int, base: int, cut_left: bool = False,
                   cut_right: bool = False) -> List[Claim]:
        span = text[lo:hi]
        if not (cut_left or cut_right) and not _plausible(span):
            return []
        key = (span, cut_left, cut_right)
        cached = self.span_cache.get(key)
        default = self._default_limits()
        if cached is None and default:
            cached = _GLOBAL_CACHE.get(key)
        if cached is not None and any(c.status == "wrong" for c in cached) and self.lost_sup:
            cached = None  # this text flattens superscripts: other readings may apply
        if cached is None:
            try:
                cached = self._check_span(span, cut_left, cut_right)
            except RecursionError:  # pragma: no cover - the parser is iterative
                cached = []
            except Exception:  # pragma: no cover - a bug must not kill a batch
                if STRICT:
                    raise
                cached = []
            if self._lost_sup is not None and self._lost_sup:
                return [_shift(c, lo + base) for c in cached]  # depends on this text: no cache
            if len(self.span_cache) < 50000:
                self.span_cache[key] = cached
            if default:
                if len(_GLOBAL_CACHE) >= _GLOBAL_CACHE_MAX:
                    _GLOBAL_CACHE.clear()  # simple and deterministic: results never depend on it
                _GLOBAL_CACHE[key] = cached
        if not cached:
            return []
        off = lo + base
        return [_shift(c, off) for c in cached]

    def _prose_sum(self, text: str, a: int, base: int) -> List[Claim]:
        """"20 minutes to make the batter + 30 minutes to bake + 2 hours to cool + 10 minutes
        to frost = 80 minutes": a sum whose terms are quantities described in prose.  The
        words after each term end the arithmetic run, so the ``=`` at ``a`` gave no claim;
        the sum is checked as "20 minutes + 30 minutes + 2 hours + 10 minutes = 80 minutes"
        (unit readings included) when it is clearly one: every term is a number and words
        only, the sentence has no other number, and the terms share a unit family or a noun
        (so "3 pencils + 1 eraser = 124 cents", an equation in prices, is left alone)."""
        j = a
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        k = j - 1  # the last term ends with a word (_ends_with_word) ...
        while k > 0 and j - k < 70 and text[k - 1] in _PROSE_CHARS:
            k -= 1
        if k == 0 or not text[k - 1].isdigit():
            return []  # ... and starts with a number
        rhs = _PROSE_SUM_RHS.match(text, a + 1, min(len(text), a + 80))
        if rhs is None:
            return []
        lo = max(0, a - _PROSE_SUM_MAX)
        left = text[lo:a]
        cut = 0
        for m in _PROSE_SUM_STOP.finditer(left):
            cut = m.end()
        pieces = left[cut:].split("+")
        if len(pieces) < 2:
            return []
        terms = []  # (number start, number text, words)
        pos = lo + cut
        for i, piece in enumerate(pieces):
            at = 0
            if i == 0:  # the sentence's words, then the first term
                f = _FIRST_NUMBER.search(piece)
                if f is None or not _PROSE_SUM_LEAD.issuperset(piece[:f.start()]) or \
                        (f.start() and piece[f.start() - 1] not in " \t"):
                    return []
                at = f.start()
            tm = _PROSE_SUM_TERM.fullmatch(piece, at)
            if tm is None:
                return []
            words = tm.group(2).lower().split()
            if len(words) > 8 or any(w in _PROSE_SUM_NOT or len(w) == 1 for w in words):
                return []
            terms.append((pos + tm.start(1), tm.group(1), words))
            pos += len(piece) + 1
        fams = {UNIT_FAMILY.get(w[0], (None,))[0] for _, _, w in terms}
        rword = (rhs.group(2) or "").lower()
        if len(fams) == 1 and None not in fams:
            if rword in UNIT_FAMILY and UNIT_FAMILY[rword][0] not in fams:
                return []
        else:
            shared = set.intersection(*[{_singular(w) for w in ws} - STOPWORDS
                                        for _, _, ws in terms])
            if not shared or rword in UNIT_FAMILY or rword in _PROSE_SUM_NOT:
                return []
        # the same sum without the prose: a unit word stays (it may need converting)
        parts: List[str]
        spans: List[Tuple[int, int]]
        parts, spans = [], []
        for start, num, words in terms:
            q = len(" + ".join(parts)) + (3 if parts else 0)
            spans.append((start, q))
            parts.append(num + (" " + words[0] if words[0] in UNIT_FAMILY else ""))
        plain = " + ".join(parts)
        eq = len(plain)
        plain += " = " + rhs.group(1) + (" " + rword if rword in UNIT_FAMILY else "")
        found = [c for c in self._check_span(plain) if c.start < eq < c.end]
        if len(found) != 1 or found[0].status == "unchecked":
            return []
        c = found[0]
        # back to the text: the operands at their places there, the claim from the first term
        # to the value after '='
        back = {q: s for s, q in spans}
        ospans = []
        for s, e in c.operand_spans:
            if s not in back:
                return []
            ospans.append((back[s] + base, back[s] + (e - s) + base))
        start = terms[0][0]
        return [Claim(start + base, rhs.end(1) + base, text[start:a].strip(), rhs.group(1),
                      c.status, c.kind, c.relation, c.expected, c.claimed,
                      c.reason or "prose sum", c.operands, c.results, tuple(ospans),
                      c.lhs_value, c.rhs_value, c.unit)]

    # -- checking -----------------------------------------------------------------------------

    def _check_span(self, span: str, cut_left: bool = False, cut_right: bool = False
                    ) -> List[Claim]:
        out = self._check_tokens(span, cut_left, cut_right)
        if "," in span and any(c.status == "wrong" for c in out):
            alt = _decimal_commas(span)
            if alt is not None:
                # "0,25 × 8 = 2", "2,50 € × 4 = 10,00 €": a decimal comma (German, French,
                # Russian, ... traces), which the default reading takes for a list or digit
                # groups; a claim right under it is right.  Only tried before calling a
                # claim wrong, so an English trace's lists and tuples never change meaning.
                other = [c for c in self._check_tokens(alt, cut_left, cut_right)
                         if c.status in ("ok", "wrong")]
                if other:
                    out = [_decimal_comma_claim(c, other, span) if c.status == "wrong" else c
                           for c in out]
        return out

    def _check_tokens(self, span: str, cut_left: bool, cut_right: bool) -> List[Claim]:
        toks = P.tokenize(span, 0, len(span), self.limits)
        _merge_numbers(span, toks)
        # a run that reached the scan limit: the side there is too long to trust
        if cut_left:
            toks.insert(0, P.Tok("trunc", 0, 0, ""))
        if cut_right:
            toks.append(P.Tok("trunc", len(span), len(span), ""))
        out: List[Claim] = []
        for ch in segment(toks):
            out.extend(self._check_chunk(span, ch))
        return out

    def _check_chunk(self, span: str, ch: Chunk) -> List[Claim]:
        out = []
        segs = ch.segs
        vals: List[Optional[Val]] = [None] * len(segs)
        fams: Dict[str, set] = {}
        for sg in segs:
            for fam, canon in sg.units:
                fams.setdefault(fam, set()).add(canon)
        conv_chain = any(len(v) > 1 for v in fams.values())
        running = identity = False
        labels = [_labels(sg) for sg in segs]
        for i in range(1, len(segs)):
            a, b = segs[i - 1], segs[i]
            if not a.toks or not b.toks:
                continue
            if a.status in ("nonnum", "bad") or b.status in ("nonnum", "bad"):
                continue
            rel = ch.rels[i - 1]
            conv = conv_chain or bool(labels[i - 1] and labels[i] and
                                      not (labels[i - 1] & labels[i]))
            for x, y in ((i - 1, i), (i, i - 1)):
                lx = labels[x]
                if lx and not (lx & labels[y]) and any(lab and not (lab & lx) for lab in labels):
                    conv = True  # "840 minutes = 840/60 = 14 hours", "1 D = 3/7 B"
            # "15 red + 6 green balloons = 21 balloons", "18 eggs ÷ 6 = 3 groups": a result
            # named by another noun is still arithmetic; only a quantity restated ("2 boxes =
            # 2 × 12 eggs", "3/7 B = 3/7 × 1/4 T") or priced items ("3 pencils + 1 eraser =
            # 124 cents") are not, or a link that a factor between two units of one family of
            # the chain explains (checked in _check_pair)
            restated = conv and (not self._val(a, vals, i - 1).has_op or _one_quantity(a) or
                                 _named_terms(a, b))
            if conv and not conv_chain and not restated:
                conv = False
            claim = self._check_pair(span, a, b, rel, vals, i, ch.annotation,
                                     ch.after_word and i == 1, conv, running, identity,
                                     fams if conv_chain and not restated else None)
            running = claim is not None and claim.reason == "running-total"
            identity = claim is not None and claim.reason == "identity"
            if claim is not None:
                out.append(claim)
        return out

    def _val(self, seg: Seg, vals, idx, pct_mode="percent") -> Val:
        if pct_mode == "percent" and vals[idx] is not None:
            return vals[idx]
        if seg.status == "cut":
            v = Val("refused", reason="expression too long", has_op=True)
        else:
            # "cos(78.75°)": an angle the text marks in degrees is read in degrees
            v = evaluate(_marked_degrees(seg) or seg.toks, self.limits, pct_mode,
                         self.val_cache)
        if pct_mode == "percent":
            vals[idx] = v
        return v

    def _check_pair(self, span, a: Seg, b: Seg, rel: str, vals, i: int,
                    annotation: bool, after_word: bool = False,
                    conv_chain: bool = False, running: bool = False,
                    prev_identity: bool = False,
                    chain_units: Optional[Dict[str, set]] = None) -> Optional[Claim]:
        va = self._val(a, vals, i - 1)
        vb = self._val(b, vals, i)
        if va.status in ("nonnum", "bad") or vb.status in ("nonnum", "bad"):
            return None
        if not (va.has_op or vb.has_op):
            return None
        if after_word and not va.has_op and va.status != "poly":
            # "between her 6 nephews = 96/6": a number in prose, then an expression
            return None
        if not va.has_op and vb.has_op and va.status == "exact" and va.value == 1 and \
                _seg_named(a):
            # "So, 1 box = 64 / 8 = 8.", "1 part = 40/8": what one unit is, not arithmetic
            return None
        lhs = span[a.start:a.end]
        rhs = span[b.start:b.end]
        kind = "annotation" if annotation else "inline"
        relation = "\u2248" if rel == "~" else "="
        operands = tuple(va.operands) if va.status == "exact" else ()
        results = (vb.value,) if vb.status == "exact" and not vb.has_op else ()
        opspans = tuple([(t.s, t.e) for t in a.toks if t.k == NUM])

        def mk(status, expected=None, reason="", values=(va, vb), unit=""):
            c = Claim(a.start, b.end, lhs, rhs, status, kind, relation, expected,
                      rhs if status == "wrong" else None, reason, operands, results, opspans,
                      unit=unit)
            if status == "wrong" and values[0].status == "exact" and values[1].status == "exact":
                c.lhs_value, c.rhs_value = values[0].value, values[1].value
            return c

        if (va.status == "poly" and (not va.has_op or vb.status not in ("exact", "poly"))) or \
                (vb.status == "poly" and va.status not in ("exact", "poly")):
            return None  # "θ = arccos(3/7)", "x = ln(7)": a definition, not arithmetic
        for v in (va, vb):
            if v.status in ("refused", "unsupported"):
                return mk("unchecked", reason=v.reason or v.status)
        if va.status == "poly" or vb.status == "poly":
            return self._check_poly(a, b, va, vb, mk, rel, after_word, prev_identity)
        approx = b.approx or a.approx
        ok, how = self._compare(va, vb, rel, approx, b.ellipsis, span, a, b)
        if ok is None:
            return mk("unchecked", reason=how)
        if ok and _mixed_sum(a):
            # "2 hours + 30 minutes = 32 minutes": a sum of different units of one family is
            # judged after converting them, never on its bare numbers
            conv, in_units = self._convert_units(span, a, b, rel, approx)
            if conv is None:
                return mk("unchecked", reason="mixed units")
            if conv:
                return mk("ok", reason="units converted")
            # conv is not None here, so in_units is not None either
            xa, xb, unit = cast("Tuple[Val, Val, str]", in_units)
            if not unit:  # "= 32": the value in the first unit of the sum
                unit = next(_unit_name(c) for f, c in a.numunit.values() if f in _FACTORS)
            return mk("wrong", expected=_format_val(xa), values=(xa, xb), unit=unit)
        if ok:
            return mk("ok", reason=how)
        # "23 large seats – 2+23 = 25": a spaced en dash after a number's words may be a
        # clause dash; when the calculation after it is right, the claim starts there
        for j in range(len(a.toks) - 2, 0, -1):
            t = a.toks[j]
            if t.k == OP and t.f == "endash" and t.sp and a.toks[j - 1].k == NUM and \
                    (j - 1) in a.numword and a.toks[j - 1].e < t.s:
                tail = a.toks[j + 1:]
                xa = evaluate(tail, self.limits, "percent", self.val_cache)
                if xa.status in ("exact", "symbolic") and xa.has_op and \
                        self._compare(xa, vb, rel, approx, b.ellipsis, span, a, b)[0]:
                    c = mk("ok", reason="clause dash", values=(xa, vb))
                    c.start, c.lhs = tail[0].s, span[tail[0].s:a.end]
                    c.operands = tuple(xa.operands)
                    c.operand_spans = tuple([(q.s, q.e) for q in tail if q.k == NUM])
                    return c
                break
        # other readings before calling it wrong
        how = self._try_alternatives(span, a, b, rel, approx, va, vb)
        if how:
            return mk("ok", reason=how)
        if running:
            # "289*10 = 2890 + 289*3 = 867": after a running total, the new term alone
            rest = _drop_head(a.toks)
            if rest:
                xa = evaluate(rest, self.limits, "percent", self.val_cache)
                if xa.status in ("exact", "symbolic"):
                    ok2, _ = self._compare(xa, vb, rel, approx, b.ellipsis, span, a, b)
                    if ok2:
                        return mk("ok", reason="running-total")
        converted = False
        in_units = None  # (left, right, unit): both sides in one unit per family, when compared so
        if _unit_conflict(a.units, b.units):
            conv, in_units = self._convert_units(span, a, b, rel, approx)
            if conv is None:
                return mk("unchecked", reason="mixed units")
            if conv:
                return mk("ok", reason="units converted")
            if a.status == "compound" or b.status == "compound":
                return mk("unchecked", reason="mixed units")
            converted = True
        if conv_chain and not converted and (not va.has_op or not vb.has_op or
                                             (_labels(a) and _labels(b) and
                                              not (_labels(a) & _labels(b)))):
            # "840 minutes = 840/60 = 14 hours": a unit conversion written as a chain
            fit = self._chain_factor(va, vb, rel, approx, span, a, b, chain_units)
            if fit:
                return mk("ok", reason="units converted")
            if fit is None:
                return mk("unchecked", reason="unit conversion")
        if self._rounded_operands(va, vb, rel, approx):
            return mk("ok", reason="rounded operands")
        if vb.has_op and va.status in ("exact", "symbolic") and \
                any(it[0] == "n" and len(it) > 2 and it[2] >= 2 for it in (vb.rpn or ())):
            # "42.75² + 21.75² = 1827.56 + 473.06": terms rounded to their shown decimals
            ia = _numeric(va)
            try:
                ib = P.eval_interval(vb.rpn, self.limits, Fraction(1, 2))
            except (P.Refused, P.Unsupported, P.NotNumeric, P.ParseError, IndexError,
                    ZeroDivisionError, OverflowError, ValueError):
                ib = None
            if ia is not None and ib is not None and ia[0] <= ib[1] and ib[0] <= ia[1]:
                return mk("ok", reason="rounded terms")
        if (_all_percent(a.toks) and not vb.has_op and not vb.pct) or \
                (_all_percent(b.toks) and not va.has_op and not va.pct):
            # "48 = 100% + 20% = 120%": a correspondence, not arithmetic
            return mk("unchecked", reason="percent correspondence")
        if in_units is not None and in_units[2] and not vb.has_op and \
                all(t.v in ("+", "-") for t in a.toks if t.k == OP):
            # a sum of quantities compared in the unit of the value after '=': "20 minutes + 2
            # hours = 80 minutes" should say 140 (minutes), not 22.  In a product or quotient
            # a number is often the factor itself ("0.0769 hours * 60 minutes", "107 cents ÷
            # 100 = 1 dollar"): its value as written is the one to show
            xa, xb, unit = in_units
            return mk("wrong", expected=_format_val(xa), values=(xa, xb), unit=unit)
        if b.deg and not any(t.k == FUNC for t in b.toks) and \
                any(t.k == FUNC and t.v in _ANGLE_FUNCS for t in a.toks) and \
                not any(t.k == FUNC and t.v in ("sin", "cos", "tan") for t in a.toks):
            # "arctan(1.5) ≈ 50°": the value after '=' is in degrees, and so is the expected one
            xa = evaluate(_in_degrees(a.toks), self.limits, "percent", self.val_cache)
            if xa.status in ("exact", "symbolic"):
                return mk("wrong", expected=_format_val(xa), values=(xa, vb))
        expected = _format_val(va)
        return mk("wrong", expected=expected)

    def _check_poly(self, a: Seg, b: Seg, va: Val, vb: Val, mk, rel: str = "=",
                    after_word: bool = False, prev_identity: bool = False) -> Optional[Claim]:
        """Claims with variables: checked only when they cannot be an equation to solve -
        the variables cancel (``5 + 12x + 24 = 96 + 12x``) or both sides are multiples of one
        monomial (``8.33x * 150 = 12375x``).  Anything else is an equation, not a claim."""
        if va.status == "symbolic" or vb.status == "symbolic":
            return None
        pa = va.value if va.status == "poly" else ({(): va.value} if va.value else {})
        pb = vb.value if vb.status == "poly" else ({(): vb.value} if vb.value else {})
        if not va.has_op or rel == "~" or (after_word and a.toks and a.toks[0].k == VAR):
            # "x = 2 + 3": a definition; "1 + r ≈ r": asymptotics; "only P + 25 = P": a name
            return None
        d = P._padd(pa, pb, -1)
        if not d:
            return mk("ok", reason="identity")
        nums_a = _count_numbers(a.toks)
        nums_b = _count_numbers(b.toks)
        if all(m == () for m in d) and nums_a > nums_b and nums_a >= 2:
            # the variables cancel and the left side was being simplified:
            # "5 + 12x + 24 + 48 + 15 = 96 + 12x" ("2x + 120 = 2x + 20" is a contradiction)
            return mk("wrong", expected=P.format_poly(pa))
        ma = [m for m in pa if m != ()]
        mb = [m for m in pb if m != ()]
        sums = any(t.k == OP and t.v in "+-" and j > 0 for j, t in enumerate(a.toks))
        if len(pa) == 1 and len(pb) == 1 and ma and mb and ma[0] == mb[0] and (
                prev_identity or ((nums_a >= 2 or sums) and nums_b < nums_a)):
            # "8.33x * 150 = 12375x": a simplification (an equation "2xy = xy" has one number)
            ca, cb = pa[ma[0]], pb[mb[0]]
            nd = max((t.nd for t in b.toks if t.k == NUM), default=0)
            if nd > 0 and abs(ca - cb) * 2 * 10 ** nd <= 1:
                return mk("ok", reason="rounded")
            return mk("wrong", expected=P.format_poly(pa))
        return None

    def _convert_units(self, span, a: Seg, b: Seg, rel, approx
                       ) -> Tuple[Optional[bool], Optional[Tuple[Val, Val, str]]]:
        """Compare again with every number converted to one unit per family (the right
        side's unit when it has one): whether the sides agree then (None when a conversion
        factor is unknown), and the two converted values with the name of the right side's
        unit (empty when more than one family was converted or the right side has no unit)."""
        target: Dict[str, str] = {}
        for seg in (a, b):
            if set(seg.units) - set(seg.numunit.values()):
                return None, None  # a unit after a group ("\frac{20}{1000} Mb"): factor unknown
        for seg in (b, a):
            for fam, canon in seg.numunit.values():
                target.setdefault(fam, canon)
        conv = []
        for seg in (a, b):
            toks = list(seg.toks)
            for idx, (fam, canon) in seg.numunit.items():
                if idx >= len(toks) or toks[idx].k != NUM or toks[idx].v is None:
                    continue
                f = _factor(fam, canon, target[fam])
                if f is None:
                    return None, None
                if idx >= 2 and toks[idx - 1].k == OP and toks[idx - 1].v == "/" and \
                        not toks[idx - 1].sp and toks[idx - 2].k == NUM:
                    idx -= 2  # "3/4 gallon": the unit applies to the whole fraction
                if f != 1:
                    t = toks[idx]
                    toks[idx] = P.Tok(NUM, t.s, t.e, t.t, t.v * f, t.sp, 0, "converted")
            conv.append(toks)
        xa = evaluate(conv[0], self.limits, "percent", self.val_cache)
        xb = evaluate(conv[1], self.limits, "percent", self.val_cache)
        if xa.status not in ("exact", "symbolic") or xb.status not in ("exact", "symbolic"):
            return None, None
        xb.bare_nd = self._val_nd(b)
        ok, _ = self._compare(xa, xb, rel, approx, b.ellipsis, span, a, b)
        if not ok and xb.has_op and conv[1] and conv[1][0].k == NUM and len(conv[1]) > 1 and \
                conv[1][1].k == OP:
            head = evaluate(conv[1][:1], self.limits, "percent", self.val_cache)
            if head.status == "exact":
                ok, _ = self._compare(xa, head, rel, approx, False, span, a, b)
        unit = ""
        if len(target) == 1 and any(fam in target for fam, _ in b.numunit.values()):
            unit = _unit_name(next(iter(target.values())))
        return bool(ok), (xa, xb, unit)

    def _chain_factor(self, va: Val, vb: Val, rel, approx, span, a: Seg, b: Seg,
                      units: Optional[Dict[str, set]]) -> Optional[bool]:
        """Whether a factor between two units of one family of the chain explains a link
        ("1 day = 24 × 60 = 1440 minutes"); None when a factor is unknown (months and days,
        currencies), a value is not exact, or units of two families convert (mph to ft/s)."""
        multi = [(fam, us) for fam, us in (units or {}).items() if len(us) > 1]
        if len(multi) != 1 or va.status != "exact" or vb.status != "exact":
            return None
        fam, us = multi[0]
        factors = []
        for u in sorted(us):
            for t in sorted(us):
                f = _factor(fam, u, t)
                if f is None:
                    return None
                factors.append(f)
        for f in factors:
            if f != 1 and any(x in (f, 1 / f) for x in va.operands if x):
                continue  # "2 dimes = 2 * 10 = 200 cents": the factor is already applied
            ok, _ = self._compare(Val("exact", va.value * f, True), vb, rel, approx, b.ellipsis,
                                  span, a, b)
            if ok:
                return True
        return False

    def _rounded_operands(self, va: Val, vb: Val, rel: str, approx: bool) -> bool:
        """"0.667 feet * 12 = 8", "1/3 + 1/4 = 0.333 + 0.25": literals that are roundings of
        repeating decimals (2/3, 43/12, 100/3) may be off by a unit of their last digit."""
        if va.status != "exact" or vb.status != "exact" or va.rpn is None or vb.rpn is None:
            return False
        ra, ma = _widen_rounded(va.rpn)
        rb, mb = _widen_rounded(vb.rpn)
        if not (ma or mb):
            return False
        try:
            ia = P.eval_interval(ra, self.limits, Fraction(1, 2))
            ib = P.eval_interval(rb, self.limits, Fraction(1, 2))
        except (P.Refused, P.Unsupported, P.NotNumeric, P.ParseError, IndexError,
                ZeroDivisionError, OverflowError, ValueError):
            return False
        if vb.bare_nd is not None and not vb.has_op:
            h = Fraction(1, 2 * 10 ** vb.bare_nd)
            ib = (ib[0] - h, ib[1] + h)
        return ia[0] <= ib[1] and ib[0] <= ia[1]

    @staticmethod
    def _val_nd(seg: Seg) -> Optional[int]:
        return _bare_decimals(seg.toks)

    def _compare(self, va: Val, vb: Val, rel, approx, ellipsis, span, a: Seg, b: Seg):
        btext = span[b.start:b.end]
        atext = span[a.start:a.end]
        ok: Optional[bool]
        if va.status == "exact" and vb.status == "exact":
            ok, how = _compare_exact(va, vb, rel, approx, ellipsis, btext, atext)
        else:
            ok, how = _compare_symbolic(va, vb, rel, approx)
        if ok:
            return ok, how
        # approximate relations: every shown decimal may be off by one unit of its last digit
        # ("≈"), or by half a unit when an irrational value meets decimals ("√2/2 = 1.414/2")
        symbolic = va.status == "symbolic" or vb.status == "symbolic"
        if rel == "~" or approx or ellipsis or symbolic:
            scale = Fraction(1) if (rel == "~" or approx or ellipsis) else Fraction(1, 2)
            if _intervals_meet(va, vb, scale, self.limits, btext if rel == "~" or approx else ""):
                return True, "approx" if scale == 1 else "rounded"
        if vb.has_op and vb.rpn and va.status in ("exact", "symbolic") and \
                any(it[0] == "n" and len(it) > 2 and it[2] >= 2 for it in vb.rpn):
            # "42.75² + 21.75² = 1827.56 + 473.06": terms rounded to their shown decimals
            ia = _numeric(va)
            try:
                ib = P.eval_interval(vb.rpn, self.limits, Fraction(1, 2))
            except (P.Refused, P.Unsupported, P.NotNumeric, P.ParseError, IndexError,
                    ZeroDivisionError, OverflowError, ValueError):
                ib = None
            if ia is not None and ib is not None and ia[0] <= ib[1] and ib[0] <= ia[1]:
                return True, "rounded terms"
        if (rel == "~" or approx) and va.has_op and vb.has_op:
            # "0.007658 * 49.3488 ≈ 0.007658 * 50": an operand rounded on purpose
            ia, ib = _numeric(va), _numeric(vb)
            if ia is None or ib is None:
                return ok, how
            fa, fb = (ia[0] + ia[1]) / 2, (ib[0] + ib[1]) / 2
            if abs(fa - fb) <= Fraction(10, 100) * max(abs(fa), abs(fb)):
                return True, "approx"
        return ok, how

    def _restates(self, part: List[Tok], b: Seg, rel: str, span: str, a: Seg) -> bool:
        """Whether the right side writes a part of the left again ("19 + 18" as "19+18" or
        "(19 + 18)") or evaluates it term by term ("(3 + 2.8) * 0.07 + 1 = 5.8 * 0.07"); "8 + 5
        = 8 + 0" and "1 - 1/2 = 2/2" do neither."""
        if _terms(part) == _terms(b.toks):
            return True
        tp, tb = _top_terms(part), _top_terms(b.toks)
        if len(tp) < 2 or [o for o, _ in tp] != [o for o, _ in tb]:
            return False
        for (_, x), (_, y) in zip(tp, tb):
            vx = evaluate(x, self.limits, "percent", self.val_cache)
            vy = evaluate(y, self.limits, "percent", self.val_cache)
            if vx.status not in ("exact", "symbolic") or vy.status not in ("exact", "symbolic") \
                    or not self._compare(vx, vy, rel, False, False, span, a, b)[0]:
                return False
        return True

    def _try_alternatives(self, span, a: Seg, b: Seg, rel, approx, va: Val, vb: Val) -> str:
        # percent read as a label on either side
        has_pct = any(t.k == PCT for t in a.toks) or any(t.k == PCT for t in b.toks)
        if has_pct:
            for ma, mb in (("label", "label"), ("percent", "label"), ("label", "percent")):
                xa = evaluate(a.toks, self.limits, ma, self.val_cache)
                xb = evaluate(b.toks, self.limits, mb, self.val_cache)
                if xa.status in ("exact", "symbolic") and xb.status in ("exact", "symbolic"):
                    ok, _ = self._compare(xa, xb, rel, approx, b.ellipsis, span, a, b)
                    if ok:
                        return "percent-label"
        # a running total: "232+58 = 290/5 = 58" means 232+58 = 290, then 290/5 = 58
        sgn = 1 if b.toks and b.toks[0].k == OP and b.toks[0].v in "+-" else 0
        if vb.has_op and len(b.toks) > sgn + 1 and b.toks[sgn].k == NUM and va.status == "exact":
            if b.toks[sgn + 1].k == OP and b.toks[sgn + 1].f != "implicit":
                head = evaluate(b.toks[:sgn + 1], self.limits, "percent", self.val_cache)
                if head.status == "exact":
                    ok, _ = self._compare(va, head, rel, approx, False, span, a, b)
                    if ok:
                        return "running-total"
        mixed = _latex_mixed(a.toks), _latex_mixed(b.toks)
        if mixed[0] and mixed[1]:
            # "10 - 1\frac{1}{2} = 8\frac{1}{2}": mixed numbers on both sides
            xa = evaluate(mixed[0], self.limits, "percent", self.val_cache)
            xb = evaluate(mixed[1], self.limits, "percent", self.val_cache)
            if xa.status in ("exact", "symbolic") and xb.status in ("exact", "symbolic") and \
                    self._compare(xa, xb, rel, approx, b.ellipsis, span, a, b)[0]:
                return "alternative-reading"
        for alt in _alternatives(a, False):
            if not alt:
                continue
            xa = evaluate(alt, self.limits, "percent", self.val_cache)
            if xa.status in ("exact", "symbolic") and (xa.has_op or vb.has_op):
                ok, _ = self._compare(xa, vb, rel, approx, b.ellipsis, span, a, b)
                if ok:
                    return "alternative-reading"
        for alt in _alternatives(b, True):
            if not alt:
                continue
            xb = evaluate(alt, self.limits, "percent", self.val_cache)
            if xb.status in ("exact", "symbolic"):
                ok, _ = self._compare(va, xb, rel, approx, b.ellipsis, span, a, b)
                if ok:
                    return "alternative-reading"
        # "49/12 = 4*12 = 48, remainder 1": the quotient times the divisor
        if va.status == "exact" and len(a.toks) >= 3 and a.toks[-2].k == OP and \
                a.toks[-2].v == "/" and a.toks[-1].k == NUM and vb.status == "exact" and \
                vb.has_op and va.value > 0:
            d = a.toks[-1].v
            q = va.value.numerator // va.value.denominator
            if d and vb.value == q * d and any(t.k == NUM and t.v == d for t in b.toks):
                return "division with remainder"
            # "25/2 = 12*2 + 1": the dividend as quotient times divisor plus the remainder
            r = va.value * d - q * d
            if d and vb.value == va.value * d and 0 < r < d and b.toks[-1].k == NUM and \
                    b.toks[-1].v == r and b.toks[-2].k == OP and b.toks[-2].v == "+" and \
                    any(t.k == NUM and t.v == d for t in b.toks):
                return "division with remainder"
        # "tan(30) = 1/√3", "sin(9°) ≈ 0.15643": trig arguments in degrees (the degree sign,
        # read as a unit, does not reach the expression; radians are the first reading)
        # each side on its own: "sin(22.5°) = sqrt((1 - cos(π/4))/2)"
        if any(t.k == FUNC and t.v in _ANGLE_FUNCS for seg in (a, b) for t in seg.toks):
            da = evaluate(_in_degrees(a.toks), self.limits, "percent", self.val_cache)
            db = evaluate(_in_degrees(b.toks), self.limits, "percent", self.val_cache)
            for xa, xb in ((da, db), (da, vb), (va, db)):
                if xa.status in ("exact", "symbolic") and xb.status in ("exact", "symbolic") \
                        and self._compare(xa, xb, rel, approx, b.ellipsis, span, a, b)[0]:
                    return "degrees"
        # "π/14 ≈ 12.857 degrees", "25π/16 ≈ 25*11.25 = 281.25°": π radians as 180 degrees
        for seg, other in ((a, b), (b, a)):
            if any(t.k == CONST and t.v == "pi" for t in seg.toks) and \
                    not any(t.k == CONST for t in other.toks):
                x = evaluate([P.Tok(NUM, t.s, t.e, "180", Fraction(180)) if t.k == CONST and
                              t.v == "pi" else t for t in seg.toks], self.limits, "percent",
                             self.val_cache)
                if x.status in ("exact", "symbolic") and (
                        self._compare(x, vb, rel, approx, b.ellipsis, span, a, b) if seg is a
                        else self._compare(va, x, rel, approx, b.ellipsis, span, a, b))[0]:
                    return "degrees"
        # "3 * 40 = $1.20": cents written as dollars
        if va.status == "exact" and vb.status == "exact" and vb.value * 100 == va.value and \
                ("money", "dollar") in b.units and ("money", "dollar") not in a.units:
            return "cents"
        # a restart or a sub-result: "19 + 18 + 6 + 15 = 19+18 = 37", "93 + (97-40) = 57",
        # "8 hours plus 5*8 = 40": prose joined to a calculation by a word
        parts = [p for p in _prefixes(a.toks) if rel == "~" or approx or
                 self._restates(p, b, rel, span, a)] if vb.has_op else []
        grp = _last_group(a.toks)
        if grp:
            parts.append(grp)
        for j, t in enumerate(a.toks):
            if t.k == OP and t.t[:1].isalpha() and t.t.split()[0].lower() in (
                    "plus", "minus", "and", "times", "multiplied", "divided", "over") and \
                    j + 1 < len(a.toks):
                parts.append(list(a.toks[j + 1:]))
        for alt in parts:
            xa = evaluate(alt, self.limits, "percent", self.val_cache)
            if xa.status in ("exact", "symbolic"):
                ok, _ = self._compare(xa, vb, rel, approx, b.ellipsis, span, a, b)
                if ok:
                    return "partial-result"
        # "$300 + 30% = $390": a percent added to or taken from an amount
        if len(a.toks) >= 4 and a.toks[-1].k == PCT and a.toks[-2].k == NUM and \
                a.toks[-3].k == OP and a.toks[-3].v in "+-" and vb.status == "exact":
            base = evaluate(a.toks[:-3], self.limits, "percent", self.val_cache)
            if base.status == "exact":
                p = a.toks[-2].v / 100
                v = base.value * (1 + p if a.toks[-3].v == "+" else 1 - p)
                ok, _ = self._compare(Val("exact", v, True), vb, rel, approx, b.ellipsis, span, a, b)
                if ok:
                    return "percent change"
        # "- (0.001208)/3 ≈ -0.0004027": a minus sign taken for a list bullet
        if a.bullet and va.status == "exact" and vb.status == "exact":
            # the sign of the first term only: "- 41 + 2 = -43" is not -(41 + 2)
            neg = evaluate([P.Tok(OP, a.start, a.start, "-", "-", False)] + list(a.toks),
                           self.limits, "percent", self.val_cache)
            ok = neg.status == "exact" and self._compare(neg, vb, rel, approx, b.ellipsis,
                                                         span, a, b)[0]
            if ok:
                return "bullet minus"
        # "2.5 dozen × 2 cups/dozen = 5 cups": dozen as a unit, not a multiplier; and
        # "$1 trillion / 335 million": each scaled number one value, (1e12) / (335e6)
        for seg, other_v, left in ((a, vb, True), (b, va, False)):
            if any(t.f == "mult" for t in seg.toks):
                alts_m: List[Optional[List[Tok]]] = [[t for t in seg.toks if t.f != "mult"],
                                                     _grouped_scales(seg.toks)]
                for alt_m in alts_m:
                    if alt_m is None:
                        continue
                    x = evaluate(alt_m, self.limits, "percent", self.val_cache)
                    if x.status not in ("exact", "symbolic"):
                        continue
                    ok, _ = (self._compare(x, other_v, rel, approx, b.ellipsis, span, a, b) if left
                             else self._compare(other_v, x, rel, approx, b.ellipsis, span, a, b))
                    if ok:
                        return "alternative-reading"
        # superscripts lost in the text: "32 + 72 = 58" for 3² + 7² = 58 (only in texts that
        # show the loss elsewhere: "x2 + y2", "(a+b)2")
        if not self.lost_sup:
            return ""
        toks_ab = a.toks + b.toks
        if any(t.k == OP and t.t == "x" and (not t.sp or (j + 1 < len(toks_ab) and
                                                          toks_ab[j + 1].s == t.e))
               for j, t in enumerate(toks_ab)):
            return "lost-superscript"  # "36x2 = 4": x² with its superscript lost
        la, lb = _unsuperscript(a.toks), _unsuperscript(b.toks)
        combos = [(la, None), (None, lb), (la, lb)]
        for xt in _unsuperscript_each(a.toks):
            combos.append((xt, None))
            if lb:
                combos.append((xt, lb))
        for xt in _unsuperscript_each(b.toks):
            combos.append((None, xt))
            if la:
                combos.append((la, xt))
        for ta, tb in combos[:24]:
            if ta is None and tb is None:
                continue
            xa = evaluate(ta or a.toks, self.limits, "percent", self.val_cache)
            xb = evaluate(tb or b.toks, self.limits, "percent", self.val_cache)
            if xa.status in ("exact", "symbolic") and xb.status in ("exact", "symbolic"):
                ok, _ = self._compare(xa, xb, rel, approx, b.ellipsis, span, a, b)
                if ok:
                    return "lost-superscript"
        return ""


def _looks_rounded(v: Fraction, nd: int) -> bool:
    """A decimal shown with nd places that is the rounding of a repeating decimal: four or
    more decimals, last digits that repeat (0.6667, 3.5833), or within half a unit of p/q
    without being equal to it (q = 3 for two decimals; 3, 6, 7, 9, 11, 12 for three)."""
    if nd >= 4:
        return True  # 30,769.23077: exact quantities rarely carry four or more decimals
    digits = str(abs(v.numerator * 10 ** nd // v.denominator))
    if len(digits) >= 3 and (digits[-3] == digits[-2] == digits[-1] != "0" or
                             (digits[-3] == digits[-2] and digits[-1] != "0" and
                              abs(int(digits[-1]) - int(digits[-2])) == 1)):
        # 0.667, 3.5833, 0.333 ("1.10", "2.00" end in a zero: written exactly)
        return True
    half = Fraction(1, 2 * 10 ** nd)
    for q in ((3,) if nd == 2 else (3, 6, 7, 9, 11, 12)):
        p = round(v * q)
        f = Fraction(p, q)
        if f != v and abs(f - v) <= half and (f * 10 ** nd).denominator != 1:
            return True
    return False


def _widen_rounded(rpn) -> Tuple[tuple, bool]:
    out = []
    marked = False
    for it in rpn:
        if it[0] == "n":
            nd = it[2] if len(it) > 2 else 0
            if nd >= 2 and _looks_rounded(it[1], nd):
                out.append(it)
                marked = True
            else:
                out.append(("n", it[1], 0))
        else:
            out.append(it)
    return tuple(out), marked


def _count_numbers(toks: Sequence[Tok]) -> int:
    """Numbers written in an expression; a tight fraction ``2/3`` counts once."""
    n = 0
    for i, t in enumerate(toks):
        if t.k == NUM and t.f != "mult" and not (
                i >= 2 and toks[i - 1].k == OP and toks[i - 1].v == "/" and not toks[i - 1].sp
                and not t.sp):
            n += 1
    return n


def _drop_head(toks: Sequence[Tok]) -> Optional[List[Tok]]:
    """``c op rest`` -> ``rest`` (the first number and the operator after it)."""
    i = 1 if toks and toks[0].k == OP and toks[0].v in "+-" else 0
    if len(toks) > i + 2 and toks[i].k == NUM and toks[i + 1].k == OP and toks[i + 1].v in "+-":
        return list(toks[i + 2:])  # "280 - 2*24 = 48": the amount taken away
    return None


def _top_operators(toks: Sequence[Tok]) -> List[int]:
    """Indices of the binary operators outside brackets."""
    out = []
    depth = 0
    for i, t in enumerate(toks):
        if t.k == LP:
            depth += 1
        elif t.k == RP:
            depth -= 1
        elif t.k == OP and depth == 0 and i > 0 and \
                toks[i - 1].k in (NUM, RP, PCT, SUP, CONST, FACT):
            out.append(i)
    return out


def _prefixes(toks: Sequence[Tok]) -> List[List[Tok]]:
    """Left parts of an expression cut before a top-level binary operator."""
    return [list(toks[:i]) for i in _top_operators(toks) if toks[i].f != "mult"]


def _terms(toks: Sequence[Tok]) -> list:
    """What an expression writes, spacing, notation and brackets aside ("19 + 18",
    "(19+18)")."""
    return [(t.k, t.v) if t.k in (NUM, OP) else t.k for t in toks if t.k not in (LP, RP)]


def _top_terms(toks: Sequence[Tok]) -> List[Tuple[str, List[Tok]]]:
    """The terms of an expression split at its top-level binary operators, each with the
    operator before it ("" for the first)."""
    cuts = _top_operators(toks)
    return [(toks[i].v if i >= 0 else "", list(toks[i + 1:j]))
            for i, j in zip([-1] + cuts, cuts + [len(toks)])]


def _last_group(toks: Sequence[Tok]) -> Optional[List[Tok]]:
    """The trailing parenthesized group of an expression that ends with ')'."""
    if not toks or toks[-1].k != RP:
        return None
    depth = 0
    for i in range(len(toks) - 1, -1, -1):
        t = toks[i]
        if t.k == RP:
            depth += 1
        elif t.k == LP:
            depth -= 1
            if depth == 0:
                if i > 0 and toks[i - 1].k == OP and toks[i - 1].v in "+-" and i > 1 and \
                        any(t.k == OP for t in toks[i + 2:-1]):
                    return list(toks[i:])  # a sub-result, not "−1 + (−1) = −1"
                return None
    return None


def _unsuperscript_each(toks: Sequence[Tok]) -> List[List[Tok]]:
    """One lost-superscript reading per candidate number (at most six)."""
    out: List[List[Tok]] = []
    for i, t in enumerate(toks):
        if len(out) >= 6:
            break
        if t.k == NUM and t.nd == 0 and len(t.t) >= 2 and t.t[-1] in "23" and t.t.isdigit():
            one = _unsuperscript([t])
            if one:
                out.append(list(toks[:i]) + one + list(toks[i + 1:]))
    return out


def _unsuperscript(toks: Sequence[Tok]) -> Optional[List[Tok]]:
    """Read numbers like ``72`` / ``(a+b)2`` as squares (or cubes) whose superscript was lost
    when the text was flattened; None when nothing could be such a number."""
    out: List[Tok] = []
    changed = False
    for i, t in enumerate(toks):
        if t.k == NUM and t.nd == 0 and len(t.t) >= 2 and t.t[-1] in "23" and t.t.isdigit() \
                and not (i + 1 < len(toks) and toks[i + 1].k == OP and toks[i + 1].v == "^"):
            base = t.t[:-1]
            out.append(P.Tok(NUM, t.s, t.e - 1, base, Fraction(int(base)), t.sp))
            out.append(P.Tok(OP, t.e - 1, t.e - 1, "^", "^", False))
            out.append(P.Tok(NUM, t.e - 1, t.e, t.t[-1], Fraction(int(t.t[-1])), False))
            changed = True
        elif t.k == OP and t.f == "implicit" and i > 0 and toks[i - 1].k == RP and \
                i + 1 < len(toks) and toks[i + 1].k == NUM and toks[i + 1].t in ("2", "3") \
                and toks[i + 1].s == toks[i - 1].e:
            out.append(P.Tok(OP, t.s, t.e, "^", "^", False))
            changed = True
        else:
            out.append(t)
    return out if changed else None


def _intervals_meet(va: Val, vb: Val, scale: Fraction, limits: Limits, btext: str) -> bool:
    if va.rpn is None or vb.rpn is None:
        return False
    try:
        ia = P.eval_interval(va.rpn, limits, scale)
        ib = P.eval_interval(vb.rpn, limits, scale)
    except (P.Refused, P.Unsupported, P.NotNumeric, P.ParseError, IndexError,
            ZeroDivisionError, OverflowError, ValueError):
        return False
    if btext and vb.bare_nd == 0 and not vb.has_op:
        # "≈ 66,000": trailing zeros of an approximate integer are rounding
        unit = _integer_unit(vb.value, btext) if isinstance(vb.value, Fraction) else 1
        if unit > 1:
            # unit > 1 is a Fraction (the int is 1): the bounds stay Fractions
            ib = (ib[0] - unit / 2, ib[1] + unit / 2)  # type: ignore[assignment]
        else:
            ib = (ib[0] - scale, ib[1] + scale)
    return ia[0] <= ib[1] and ib[0] <= ia[1]


# "(?:[,;]\s*)?" and not "[,;]?\s*": spaces are already in the starred group, and giving
# them a second place to go made a failing match quadratic in a run of spaces.
_REMAINDER = re.compile(r"(?:\s|\\\)|\\\]|\$|\)|\\q?quad|\\,)*"
                        r"(?:(?:\\text\{\s*)?[A-Za-z]{2,15}\s*\}?(?:\s|\\,)*)?"  # "6 pieces with a ..."
                        r"(?:[,;]\s*)?(?:with\s+(?:a\s+)?|and\s+(?:a\s+)?)?"
                        r"(?:rem(?:ainder|ainders|\.)?(?:\b|(?=\d))|r\s*\d|R\s*\d|full\b|whole\b|complete\b"
                        r"|\\text\{\s*(?:rem|remainder|R|r|full|whole|complete)\b)")


_REFUTED = re.compile(
    r"[\s,;:.)\]$\\*]{0,14}(?:\(?\s*(?:which|this|that|it)\s+(?:is|would\s+be|was|seems|"
    r"looks|can'?t\s+be|cannot\s+be)\s+(?:\w+\s+)?"
    r"(?:false|impossible|not\b|a\s+contradiction|absurd|wrong|incorrect|invalid|off)"
    r"|(?:false|impossible|contradiction|not\s+true|incorrect|wrong)\b|\u2260|\\neq\b|"
    r"(?:is\s+)?not\s+(?:equal|true|correct)|doesn'?t\s+(?:work|hold|match)|"
    r"does\s+not\s+(?:work|hold|match)|\?|\(?\s*(?:no|nope)\b|(?:wait|so),?\s+no\b|"
    r"(?:but\s+|so\s+)?(?:that|this|it)(?:'s|\u2019s|\s+is)\s+(?:not|false|impossible|wrong|"
    r"incorrect)\b)", re.I)
#: how far after a wrong claim a refutation of its derivation is looked for, and the phrases
#: that refute one there (stronger than :data:`_REFUTED`'s, which must follow the claim)
_REFUTED_REACH = 200
#: a word before a claim's left side that multiplies it
_WORD_FACTORS = {"half": Fraction(1, 2), "halve": Fraction(1, 2), "halving": Fraction(1, 2),
                 "twice": Fraction(2), "double": Fraction(2), "doubling": Fraction(2),
                 "triple": Fraction(3), "tripling": Fraction(3), "third": Fraction(1, 3),
                 "quarter": Fraction(1, 4)}
_FACTOR_BEFORE = re.compile(r"\b(half|halve|halving|twice|double|doubling|triple|tripling|"
                            r"(?<=a )third|(?<=a )quarter)(?:\s+of)?\s*$", re.I)
#: the text says the result is a whole number by rounding, flooring or integer division
_WHOLE_WORDS = re.compile(
    r"\b(?:round(?:ed|ing|s)?(?:\s+(?:up|down))?|floor(?:ed)?|ceil(?:ing)?|integer\s+division|"
    r"integer\s+part|int\(|truncat\w*|whole\s+(?:number|ones?|buses|bags|boxes|trips)|"
    r"complete(?:ly)?|full\s+\w+|at\s+least|at\s+most|//)", re.I)
#: arithmetic in another base or modulo something, as the text says: a result below its
#: operands' value (wrapped) or written in binary
_WRAP_WORDS = r"overflow\w*|wraps?\s+around"
_MODULAR_WORDS = re.compile(r"\b(?:binary|base[\s-]?(?:2|8|16)|modulo|mod\s*\d+|\(mod\b|clock|"
                            r"wrapped|uint\d*(?:_t)?|int\d+(?:_t)?|" + _WRAP_WORDS + ")", re.I)
_BINARY = re.compile(r"[01]{2,}")
#: what a bitwise or machine result looks like: an xor sign, a float's long tail, a wrapped
#: (negative) integer of ten digits
_MACHINE_SHAPE = re.compile(r"\^|\u2295|\bxor\b|\d\.\d{12,}|-\d{9,}", re.I)
#: bitwise or machine arithmetic, not exact arithmetic
_MACHINE_WORDS = re.compile(r"\b(?:xor|bitwise|floating[\s-]point|float(?:s|ing)?\b|ieee|"
                            r"uint\d+|int\d+|modulo\s+2\^|" + _WRAP_WORDS + ")", re.I)
_HYPOTHESIS_REACH = 160
_HYPOTHESIS = re.compile(
    r"\b(?:if|suppose|supposing|assume|assuming|maybe|perhaps|would\s+imply|implies|"
    r"test(?:ing)?|check(?:ing)?|try(?:ing)?|whether|let'?s\s+(?:check|test|see|verify))\b",
    re.I)
_REFUTED_LATER = re.compile(
    r"\b(?:which|this|that|it)\s+(?:is|would\s+be|was)\s+(?:clearly\s+|obviously\s+)?"
    r"(?:false|impossible|a\s+contradiction|absurd|not\s+true|not\s+possible)\b"
    r"|\bcontradiction\b|\bnot\s+equal\b|\bwait,?\s+no\b|\bso\s+no\b"
    r"|\b(?:doesn'?t|does\s+not)\s+(?:hold|work)\b|\bis\s+false\b", re.I)
_APPROX_AFTER = re.compile(r"[\s)\]$\\]{0,6}(?:approximately|approx\.?|roughly|or\s+so|ish\b|"
                           r"\(approx|\(rounded|rounded\b|\.\.\.|\u2026)", re.I)


def _post_check(c: Claim, text: str, base: int) -> Claim:
    """Second look at a wrong claim with the full text: integer division with a remainder
    ("25/4 = 6 rem 1") and claims the text itself refutes ("sqrt(2) = 3, which is false")."""
    end = c.end - base
    if c.lhs_value is not None and c.rhs_value is not None and c.rhs_value.denominator == 1 \
            and c.lhs_value >= 0 and _REMAINDER.match(text, end) and \
            c.rhs_value == c.lhs_value.numerator // c.lhs_value.denominator:
        return _with(c, "ok", "integer division")
    if _REFUTED.match(text, end, min(len(text), end + 80)):
        return _with(c, "unchecked", "refuted in the text")
    start = c.start - base
    around = (max(0, start - 60), min(len(text), end + 80))
    lv, rv = c.lhs_value, c.rhs_value
    if lv is not None and rv is not None:
        word = _FACTOR_BEFORE.search(text, max(0, start - 20), start)
        if word is not None and lv * _WORD_FACTORS[word.group(1).lower()] == rv:
            # "half of 3/4 cup = 3/8 cup", "double 1/3 cup = 2/3 cup": the word is the operation
            return _with(c, "ok", "a word multiplies the left side")
        if rv.denominator == 1 and lv.denominator != 1 and \
                rv in (math.floor(lv), math.ceil(lv)) and _WHOLE_WORDS.search(text, *around):
            # "50 / 12 = 5 buses, rounded up", "7 / 2 = 3 (integer division)", "25/6 = 4 (floor)"
            return _with(c, "ok", "a whole number, as the text says")
        if (rv < lv or _BINARY.fullmatch(c.rhs.strip())) and _MODULAR_WORDS.search(text, *around):
            # "11 + 11 = 10 (mod 12)", "255 + 1 = 0 for a uint8_t", "1 + 1 = 10 in binary"
            return _with(c, "unchecked", "modular or binary arithmetic")
    if _MACHINE_SHAPE.search(c.lhs + " " + c.rhs) and _MACHINE_WORDS.search(text, *around):
        # "5 ^ 3 = 6 (XOR)", "0.1 + 0.2 = 0.30000000000000004 due to floating point",
        # "2147483647 + 1 = -2147483648 (overflow)"
        return _with(c, "unchecked", "machine arithmetic")
    # a hypothesis the text refutes a step or two later ("If r = 1/4, then ... would imply
    # 1 + √2 = 4, so √2 = 3, which is false"; "But maybe √(5 + 2√2) = √2 + 1. Let's check:
    # ... So no."): the claim is tried, not stated.  Without the hypothesis before it, a wrong
    # result that the text later calls a contradiction is reported: that is often the error
    # that led to the contradiction.
    line_start = max(text.rfind("\n", 0, start), start - _HYPOTHESIS_REACH) + 1
    if _HYPOTHESIS.search(text, max(0, line_start), max(0, start)) and \
            _REFUTED_LATER.search(text, end, min(len(text), end + _REFUTED_REACH)):
        return _with(c, "unchecked", "refuted in the text")
    if c.lhs_value is not None and c.rhs_value is not None and \
            _APPROX_AFTER.match(text, end, min(len(text), end + 40)):
        # "64*89 = 5,700 approximately": judged like ≈
        unit = _shown_unit(c.rhs)
        if abs(c.lhs_value - c.rhs_value) <= unit if unit <= 1 else \
                _near_round(c.lhs_value, c.rhs_value, unit):
            return _with(c, "ok", "approx")
    return c


_SHOWN_TAIL = re.compile(r"\s*(?:%\s*)?(?:(\d+)\.)?([\d,]*\d)")


def _shown_unit(t: str) -> Fraction:
    """One unit of the last shown digit of a number written as ``t``."""
    # The number that ends ``t`` (before a "%" and spaces), read from the right: the
    # pattern runs over the reversed text, anchored, so it does linear work (searching
    # the forward pattern ``(\d[\d,]*)(?:\.(\d+))?\s*%?\s*$`` is quadratic in a digit run).
    m = _SHOWN_TAIL.match(t[::-1])
    if not m:
        return Fraction(0)
    if m.group(1):
        return Fraction(1, 10 ** len(m.group(1)))
    digits = m.group(2)[::-1].replace(",", "")
    tz = len(digits) - len(digits.rstrip("0")) if digits.strip("0") else 0
    return Fraction(10) ** tz


def _with(c: Claim, status: str, reason: str) -> Claim:
    return Claim(c.start, c.end, c.lhs, c.rhs, status, c.kind, c.relation, None, None, reason,
                 c.operands, c.results, c.operand_spans)


def _scaled_at(toks: Sequence[Tok], i: int):
    t = toks[i]
    if t.k == NUM and i + 2 < len(toks) and toks[i + 1].k == OP and toks[i + 1].f == "mult" \
            and toks[i + 2].f == "mult" and i > 0 and toks[i - 1].k == OP and \
            toks[i - 1].v in "/\u00f7":
        return ([P.Tok(LP, t.s, t.s, "(", "("), t, toks[i + 1], toks[i + 2],
                 P.Tok(RP, toks[i + 2].e, toks[i + 2].e, ")", ")")], 3)
    return None


def _grouped_scales(toks: Sequence[Tok]) -> Optional[List[Tok]]:
    """``toks`` with each scaled number after a division ("/ 335 million": NUM, the "mult"
    product, the scale) in parentheses, so that it divides as one value; None when there is
    none."""
    return _rewrite(toks, _scaled_at)


def _seg_named(seg: Seg) -> bool:
    """Whether a word names the number of a segment ("1 box", "1 part")."""
    return bool(seg.numword) or bool(seg.units)


def _labels(seg: Seg) -> set:
    """Unit words (and currencies) written after the numbers of a segment."""
    out = set(seg.numword.values())
    for fam, canon in seg.units:
        if fam == "money":
            out.add(canon)
    return out


def _one_quantity(seg: Seg) -> bool:
    """Whether a segment is one (signed) number or one reduced fraction of two unnamed numbers
    ("3/7 B"; "840/60" and "\\frac{40 inches}{6 inches}" are divisions)."""
    toks = seg.toks
    ks = [t.k for t in toks]
    if ks and toks[0].k == OP and toks[0].v in "+-":
        ks[0] = None
    if ks[-1:] == [NUM] and len(ks) - (ks[0] is None) == 1:
        return True
    nums = [t.v for t in toks if t.k == NUM]
    named = any(j in seg.numword for j, t in enumerate(toks[:-1]) if t.k == NUM) or not (
        len(nums) == 2 and all(v is not None and v.denominator == 1 for v in nums) and
        gcd(nums[0].numerator, nums[1].numerator) == 1)
    if ks[-3:] == [NUM, OP, NUM] and len(ks) - (ks[0] is None) == 3:
        mid = toks[-2]
        return mid.v == "/" and not mid.sp and not toks[-1].sp and not named
    return ks[-7:] == [FRAC, LP, NUM, RP, LP, NUM, RP] and len(ks) - (ks[0] is None) == 7 \
        and not named


def _named_terms(a: Seg, b: Seg) -> bool:
    """"3 pencils + 1 eraser = 124 cents", "10 treeks - 1 goolee = 3 squigs": a sum of
    different named items equated to something else is an equation in the items' unknown
    values (prices, weights).  A count of items ("15 red + 6 green balloons = 21 balloons")
    states no value in money or a unit and no single item ("1 X")."""
    labels, one = set(), False
    term: List[int] = []
    for j in range(len(a.toks) + 1):
        t = a.toks[j] if j < len(a.toks) else None
        if t is not None and not (t.k == OP and t.v in "+-" and term):
            term.append(j)
            continue
        nums = [q for q in term if a.toks[q].k == NUM]
        if len(nums) != 1 or nums[0] not in a.numword or \
                any(a.toks[q].k != NUM and (a.toks[q].k != OP or a.toks[q].v in "*/^")
                    for q in term):
            return False
        labels.add(a.numword[nums[0]])
        one = one or a.toks[nums[0]].v == 1
        term = []
    return len(labels) >= 2 and not (labels & _labels(b)) and (one or bool(b.units))


def _all_percent(toks: Sequence[Tok]) -> bool:
    nums = [i for i, t in enumerate(toks) if t.k == NUM]
    return bool(nums) and all(i + 1 < len(toks) and toks[i + 1].k == PCT for i in nums)


def _format_val(v: Val) -> str:
    if v.status == "exact":
        return format_value(v.value)
    try:
        expr = P.to_sympy(v.rpn)  # only for the message of a wrong claim
        iv = _numeric(v)
        approx = f"{float((iv[0] + iv[1]) / 2):.10g}" if iv else "?"
        return f"{expr} (\u2248 {approx})"
    except Exception:  # pragma: no cover
        return "irrational value"


_FACTORS: Dict[str, Dict[str, Union[int, Fraction]]] = {
    "time": {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800},
    "calendar": {"month": 1, "year": 12, "decade": 120, "century": 1200},
    "length": {"mm": 1, "cm": 10, "m": 1000, "km": 10 ** 6, "inch": Fraction(127, 5),
               "foot": Fraction(1524, 5), "yard": Fraction(4572, 5), "mile": 1609344},
    "mass": {"mg": 1, "g": 1000, "kg": 10 ** 6, "lb": Fraction(45359237, 100),
             "oz": Fraction(45359237, 1600)},
    "volume": {"ml": 1, "l": 1000, "gallon": Fraction(3785411784, 10 ** 6),
               "quart": Fraction(3785411784, 4 * 10 ** 6),
               "pint": Fraction(3785411784, 8 * 10 ** 6),
               "cup": Fraction(3785411784, 16 * 10 ** 6),
               "floz": Fraction(3785411784, 128 * 10 ** 6),
               "tbsp": Fraction(3785411784, 256 * 10 ** 6),
               "tsp": Fraction(3785411784, 768 * 10 ** 6)},
    "money": {"cent": 1, "nickel": 5, "dime": 10, "quarter": 25, "dollar": 100},
}


_UNIT_WRITTEN = {"foot": "feet", "inch": "inches", "century": "centuries", "floz": "fl oz",
                 "pound-sterling": "pounds", "yen": "yen", "won": "won"}
_UNIT_SYMBOLS = frozenset("mm cm m km mg g kg lb oz ml l tbsp tsp kb mb gb tb".split())


def _unit_name(canon: str) -> str:
    """How a value in the canonical unit ``canon`` is written: "minutes", "feet", "cm"."""
    if canon in _UNIT_WRITTEN:
        return _UNIT_WRITTEN[canon]
    return canon if canon in _UNIT_SYMBOLS else canon + "s"


def _factor(fam: str, unit: str, target: str) -> Optional[Fraction]:
    """Factor converting a quantity in ``unit`` to ``target`` (same family), or None."""
    if unit == target:
        return Fraction(1)
    for table in _FACTORS.values():
        if unit in table and target in table:
            return Fraction(table[unit]) / Fraction(table[target])
    return None


def _mixed_sum(seg: Seg) -> bool:
    """A sum or difference whose numbers carry different units of one convertible family
    ("2 hours + 30 minutes", "4 feet - 40 inches")."""
    if not any(t.k == OP for t in seg.toks) or \
            any(t.k == OP and t.v not in ("+", "-") for t in seg.toks):
        return False
    seen: Dict[str, str] = {}
    for fam, canon in seg.numunit.values():
        if fam not in _FACTORS:
            continue
        if fam in seen and seen[fam] != canon:
            return True
        seen[fam] = canon
    return False


def _unit_conflict(ua: Sequence[Tuple[str, str]], ub: Sequence[Tuple[str, str]]) -> bool:
    """True when the two sides (or one side) mix different units of one family
    (hours and minutes, dollars and cents): a conversion we do not model."""
    seen: Dict[str, str] = {}
    for fam, canon in list(ua) + list(ub):
        if fam in seen and seen[fam] != canon:
            return True
        seen[fam] = canon
    return False


_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")
_FULLWIDTH_TABLE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH_TABLE[0x3000] = 0x20

#: a number with a comma that cannot be a digit group (not three digits after it, or a
#: leading zero): "0,25", "2,50", "3,5", "10,00", "0,125"
_DECIMAL_COMMA = re.compile(r"(?<![\d,.])(0(?=,\d+(?![\d,.]))|\d+(?=,(?:\d{1,2}|\d{4,})(?![\d,.]))),")


def _decimal_commas(span: str) -> Optional[str]:
    """``span`` with such commas written as decimal points (same length, same offsets), or
    None when it has none."""
    alt = _DECIMAL_COMMA.sub(r"\1.", span)
    return None if alt == span else alt


def _gap(c: Claim) -> Tuple[int, int]:
    """Where the relation of ``c`` sits: between the end of its left side and the start of
    its right side."""
    return c.start + len(c.lhs), c.end - len(c.rhs)


def _decimal_comma_claim(c: Claim, other: List[Claim], span: str) -> Claim:
    """The wrong claim ``c``, or the claim at the same relation in the decimal-comma reading
    (its sides shown as the text writes them): when that reading finds it right, or when
    ``c`` itself starts or ends inside a decimal-comma number ("0,25 × 8 = 3" read as
    "25 × 8 = 3"), so that its expected value is the one the text means."""
    lo, hi = _gap(c)
    cut = (c.start >= 2 and span[c.start - 1] == "," and span[c.start - 2].isdigit()) or \
        (span[c.end:c.end + 1] == "," and span[c.end + 1:c.end + 2].isdigit())
    for r in other:
        rlo, rhi = _gap(r)
        if max(lo, rlo) <= min(hi, rhi) and (r.status == "ok" or cut):
            return replace(r, lhs=span[r.start:rlo], rhs=span[rhi:r.end],
                           claimed=span[rhi:r.end] if r.status == "wrong" else None,
                           reason="decimal comma")
    return c


def _shift(c: Claim, off: int) -> Claim:
    return Claim(c.start + off, c.end + off, c.lhs, c.rhs, c.status, c.kind, c.relation,
                 c.expected, c.claimed, c.reason, c.operands, c.results,
                 tuple([(s + off, e + off) for s, e in c.operand_spans]), c.lhs_value,
                 c.rhs_value, c.unit)


def _overline(toks: List[Tok], i: int) -> Optional[Tuple[int, Tok]]:
    """``36.\\overline{36}``, ``0.1\\overline{6}`` at toks[i]: (end index, one exact NUM)."""
    t = toks[i]
    if t.k != NUM or t.v is None or t.f or "," in t.t:
        return None
    j = i + 1
    if j < len(toks) and toks[j].k == BND and toks[j].t == "." and t.nd == 0 and \
            toks[j].s == t.e:
        j += 1
    g = toks[j:j + 4]
    if len(g) < 4 or g[0].k != FUNC or g[0].t != "\\overline" or g[0].s != toks[j - 1].e or \
            [x.k for x in g[1:]] != [LP, NUM, RP] or not g[2].t.isdigit():
        return None
    r = g[2].t
    v = t.v + Fraction(int(r), (10 ** len(r) - 1) * 10 ** t.nd)
    return j + 4, P.Tok(NUM, t.s, g[3].e, t.t + "." * (j > i + 1) + r, v, t.sp, 6, "repeating")


def _merge_numbers(text: str, toks: List[Tok]) -> None:
    """Join ``1 250`` (space-grouped thousands), ``2 1/2`` and ``2½`` (mixed numbers) into
    single NUM tokens, in place.  The joined tokens keep their parts for the other reading."""
    i = 0
    while i < len(toks) - 1:
        t = toks[i]
        rep = _overline(toks, i) if t.k == NUM else None  # only a number starts one
        if rep:
            toks[i:rep[0]] = [rep[1]]
            continue
        if t.k != NUM or t.v is None or t.nd != 0 or "," in t.t or t.f == "vulgar":
            i += 1
            continue
        u = toks[i + 1]
        # 2½
        if u.k == NUM and u.f == "vulgar" and not u.sp:
            m = P.Tok(NUM, t.s, u.e, text[t.s:u.e], t.v + u.v, t.sp, 3, "mixedv", [t, u])
            toks[i:i + 2] = [m]
            continue
        gap = text[t.e:u.s] if u.k == NUM else ""
        # 1 250 / 1 250 000 (thin spaces are unambiguous, plain spaces are flagged)
        if u.k == NUM and len(t.t) <= 3 and gap in (" ", "\u00a0", "\u2009", "\u202f") and \
                len(u.t.split(".")[0]) == 3 and "," not in u.t and u.f != "vulgar" and \
                u.t[0].isdigit():
            j = i + 1
            parts = [t, u]
            while u.nd == 0 and j + 1 < len(toks):
                w = toks[j + 1]
                g2 = text[toks[j].e:w.s]
                if w.k == NUM and g2 == gap and len(w.t.split(".")[0]) == 3 and "," not in w.t:
                    parts.append(w)
                    j += 1
                    u = w
                else:
                    break
            after = toks[j + 1] if j + 1 < len(toks) else None
            if after is not None and after.k == OP and after.v == "/" and not after.sp:
                i += 1
                continue  # "2 100/3": not a grouped number
            digits = "".join(p.t for p in parts)
            v, nd, fl = P._num_value(digits, P.DEFAULT_LIMITS)
            flag = "thin" if gap in ("\u2009", "\u202f") else "spgroup"
            m = P.Tok(NUM, t.s, parts[-1].e, text[t.s:parts[-1].e], v, t.sp, nd, flag, parts)
            toks[i:j + 1] = [m]
            continue
        # 5 and 1/15
        if u.k == WORD and u.v == "and" and i + 4 < len(toks) and toks[i + 2].k == NUM and \
                not (i > 0 and toks[i - 1].k == OP) and \
                toks[i + 3].k == OP and toks[i + 3].v == "/" and not toks[i + 3].sp and \
                toks[i + 4].k == NUM and not toks[i + 4].sp:
            a_, w_ = toks[i + 2], toks[i + 4]
            if a_.nd == 0 and w_.nd == 0 and a_.v is not None and w_.v and 0 < a_.v < w_.v:
                m = P.Tok(NUM, t.s, w_.e, text[t.s:w_.e], t.v + a_.v / w_.v, t.sp, 3, "mixed",
                          [t, a_, toks[i + 3], w_])
                toks[i:i + 5] = [m]
                continue
        # 2 1/2 (proper fraction, unspaced); not the denominator of a fraction before it
        # ("1/2+1/3=5/6 1/2+1/3=5/6": 6 1/2 is no mixed number)
        if u.k == NUM and gap == " " and i + 3 < len(toks) + 0 and i + 3 <= len(toks) - 1 and \
                not (i > 0 and toks[i - 1].k == OP and toks[i - 1].v in "/^" and not t.sp):
            sl, w = toks[i + 2], toks[i + 3]
            if sl.k == OP and sl.v == "/" and not sl.sp and w.k == NUM and not w.sp and \
                    u.nd == 0 and w.nd == 0 and u.v is not None and w.v is not None and \
                    0 < u.v < w.v and w.v <= 1000:
                after = toks[i + 4] if i + 4 < len(toks) else None
                if after is None or not (after.k in (OP,) and after.v in "^/" and not after.sp):
                    m = P.Tok(NUM, t.s, w.e, text[t.s:w.e], t.v + u.v / w.v, t.sp, 3, "mixed",
                              [t, u, sl, w])
                    toks[i:i + 4] = [m]
                    continue
        i += 1



# --------------------------------------------------------------------------------------------
# JSON-wrapped chains of thought

_JSON_KEY = re.compile(r'"(reasoning|answer|thought|thoughts|explanation|solution|steps|'
                       r'final_answer|response|rationale|cot)"\s*:\s*"')


def json_string_fields(text: str) -> List[Tuple[str, str, List[int]]]:
    """String values of common chain-of-thought keys in JSON-looking text, decoded, with an
    offset map (decoded index -> raw index).  Works on truncated JSON (an unterminated string
    runs to the end).  Returns [(key, decoded, offsets)]."""
    if '"' not in text or ":" not in text:
        return []
    out = []
    for m in _JSON_KEY.finditer(text):
        decoded, offs = _json_string_decode(text, m.end())  # compiled: a loop per character
        out.append((m.group(1), decoded, offs))
    return out


def scan_claims(text: str, limits: Limits = P.DEFAULT_LIMITS,
                scanner: Optional[ClaimScanner] = None) -> List[Claim]:
    """All claims in ``text``.  JSON-wrapped chains of thought (``{"reasoning": "..."}``) are
    decoded first and claim spans mapped back to the raw text."""
    sc = scanner or ClaimScanner(limits)
    fields = json_string_fields(text) if text.lstrip()[:1] in ("{", "`") or \
        text.lstrip().startswith("```") else []
    if not fields:
        return sc.scan(text)
    out: List[Claim] = []
    for _key, decoded, offs in fields:
        for c in sc.scan(decoded):
            out.append(_remap(c, offs))
    return out


def _remap(c: Claim, offs: List[int]) -> Claim:
    def m(x: int) -> int:
        return offs[x] if x < len(offs) else offs[-1]
    return Claim(m(c.start), m(c.end - 1) + 1 if c.end > 0 else m(c.end), c.lhs, c.rhs,
                 c.status, c.kind, c.relation, c.expected, c.claimed, c.reason, c.operands,
                 c.results, tuple((m(s), m(e - 1) + 1) for s, e in c.operand_spans),
                 c.lhs_value, c.rhs_value, c.unit)


def check_claim_text(text: str, limits: Limits = P.DEFAULT_LIMITS) -> List[Claim]:
    """Convenience: claims found in a short text (tests, the CLI's ``explain``)."""
    return scan_claims(text, limits)
