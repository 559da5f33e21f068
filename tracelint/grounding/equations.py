"""Equation chains: consecutive linear equations in one unknown must agree on its value.

A solution that sets up ``36 + 3x = 84`` and then writes ``x = 10`` has made an arithmetic
error that no ``expression = value`` claim shows: each line is an equation, not a claim.
This module finds the equations of a text that are **linear in one unknown** with exact
rational coefficients (``640 + 540 + 3x = 1210``, ``230 = 3x``, ``x / 3 = 4``,
``\\frac{x}{3} = 4``, ``x = 10``), solves each exactly (``fractions.Fraction``) and compares
every equation with the previous one in the same unknown.  When the solutions differ, the
later equation is reported (:class:`Inconsistency`) - unless the chain was broken in between
(see below) or the new value returns to one the chain already had.

The parsing is the claim parser's (:func:`tracelint.grounding.parser.tokenize`, the claim
segmenter, :func:`tracelint.grounding.claims.evaluate`, which reads a side with variables as a
polynomial through :func:`tracelint.grounding.parser.eval_poly`); nothing here evaluates text
any other way, and nothing there was changed for it.  Only ``=`` signs whose run of
mathematics names exactly one single letter, an unknown, are tokenized.  Conservative by
construction - no equation is used when

* it has two unknowns, a nonlinear term (``x^2``, ``x*x``), a function call (``f(2)``), a
  subscript (``x_1``), pi, the unknown on both sides (an equation, or a simplification meant
  as an identity?), a repeating-decimal reading (``1.5(4)x``), letters differing in case;
* its unknown is not a plausible unknown: ``x``, ``y``, ``z``, or a letter the text (or the
  prompt) declares ("let t be ...", "t represents ...", "denote ... as B, ... as R");
* the unknown occurs anywhere in the same text in a nonlinear equation (``x^2 - 5x + 6 = 0``
  has two roots), next to ``|...|`` or ``±``, or as a function argument (``f(x) = 6 - x``);
* an operator word or a unit word reaches into a side (``2 times x + 5 = 11``, ``x meals /
  12 people``), or the side is the tail of a longer expression (``-165 + 3P - x = 180``);
* ``x = value`` is a trial, not a conclusion: "if x = 3", "try x = 4", "x = 5?", "x = 5
  gives ...", a sentence with if/suppose/check/plug/substitute, a list item that sets a value
  and evaluates at it, two values in one sentence ("x = 1 and x = 25") - every chain then
  starts again;
* the equation is copied from the prompt (the problem's own statement starts a new chain).

A chain (the equations in one unknown that are compared with each other) ends at a
declaration of the unknown (a change of variable), at an assignment of another letter, at a
word that starts a new attempt, case or sub-problem (wait, actually, alternatively, hmm,
mistake, instead, another, or, either, round, consider, similarly, "let me re...", ...), and
after ``max_gap`` characters without an equation in that unknown.  A bare assignment is never
compared with a chain of bare assignments only (``x = 5 + 3 = 8`` then ``x = 12``: maybe two
definitions).  Decimals are compared at the precision shown: a bare ``x = 61.71`` agrees with
``7x = 432`` (rounded or truncated at its last digit); a literal that looks rounded, and every
literal of a ``≈`` equation, may be off by one unit of its last digit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple, cast

from . import parser as P
from .claims import Val, _merge_numbers, evaluate, format_value, json_string_fields, segment
from .parser import LP, NUM, VAR, Limits

__all__ = ["Equation", "Inconsistency", "find_equations", "check_equations",
           "declared_letters", "consistent", "DEFAULT_LETTERS", "DEFAULT_MAX_GAP"]

#: Letters that are unknowns without a declaration.
DEFAULT_LETTERS = "xyz"
#: Characters without an equation in an unknown after which its chain ends.
DEFAULT_MAX_GAP = 600

_WINDOW = 160         # characters read on each side of an '=' (within its line)
_MAX_PIECE = 800      # longest piece tokenized at once (a run of equations is split)
_MAX_EQUATIONS = 5000  # equations read per text
_MAX_CHAIN = 32       # earlier values a correction may return to


@dataclass(frozen=True)
class Equation:
    """One linear equation in one unknown, solved.  ``start``/``end`` span both sides."""

    start: int
    end: int
    var: str
    solution: Fraction
    lhs: str
    rhs: str
    bare: bool                  # one side is the unknown alone ("x = 10", "(125 + 60) * 30 = x")
    approx: bool                # written with ≈
    decimals: bool              # a literal shows decimals: compared at the shown precision
    rpn: Tuple[tuple, tuple] = ((), ())  # both sides, for the comparison at shown precision
    trial: bool = False         # a value tried, not concluded ("if x = 3")
    sentence: int = 0           # start of its sentence (a trial there voids the sentence)


@dataclass(frozen=True)
class Inconsistency:
    """``equation`` gives a different value of the unknown than ``previous`` did."""

    equation: Equation
    previous: Equation

    @property
    def start(self) -> int:
        return self.equation.start

    @property
    def end(self) -> int:
        return self.equation.end

    def message(self) -> str:
        e, p = self.equation, self.previous
        return (f"{e.var} = {format_value(e.solution)} here, but the previous equation "
                f"{_short(p.lhs)} = {_short(p.rhs)} gives {p.var} = "
                f"{format_value(p.solution)}")


def _short(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[:n - 1] + "\u2026"


# --------------------------------------------------------------------------------------------
# context patterns (all ASCII-letter based; applied to short pieces of one line)

#: Words that operate on a side when they touch it: the side is then not the whole operand.
_OP_WORDS = frozenset(
    "times plus minus over by divided multiplied less more than half twice double triple "
    "per percent squared cubed sum product difference quotient of into negative positive "
    "minus".split())
#: Searched in the slice before a relation: the word is the whole run of letters that ends
#: where only spaces, "$", "\\" and "(" are left, cut at the slice's start.  The lookbehind
#: lets a match start only where a run of letters starts (in the slice, so a run cut by it
#: starts there), the leftmost start that could succeed: the same match, with linear work
#: (without it a search was quadratic in a run of letters).
_WORD_BEFORE = re.compile(r"(?<![A-Za-z])([A-Za-z]+)[\s$\\(]*$")
_WORD_AFTER = re.compile(r"[\s$)]*([A-Za-z]+)")
#: A word then an operator: the expression runs on through a unit word ("x meals / 12").
_WORD_OP_AFTER = re.compile(r"[\s$)]*([A-Za-z]+)\s*([-+*/\u00d7\u00f7^=(\d])")
_WORD_OP_BEFORE = re.compile(r"[-+*/\u00d7\u00f7^(]\s*[A-Za-z]+[\s$\\(]*$")
#: Words that join two statements (a number may follow them).
_CONNECTIVES = frozenset(
    "and or so then thus hence therefore giving gives give get gets got we is are was were "
    "means meaning implies yields leaving making since because while whereas but".split())
#: An assignment of a value to some letter (a change of another unknown ends a chain).
_ASSIGN = re.compile(r"(?<![A-Za-z_\\])([A-Za-z])\s*=\s*[-+]?\$?\d")
#: What may stand between the start of a line and an assignment that opens a list item.
_ITEM_HEAD = re.compile(r"[\s\-*\u2022\d.)(\\\[$:]*$")
#: Absolute values and plus-minus: an unknown near them can have two values.
_MULTI = re.compile(r"[|\u00b1\u2213]|\\(?:pm|mp|lvert|rvert|vert|left\||right\|)")
#: A letter used as a function's argument ("f(x) = 6 - x", "g^{-1}(x)"): not an unknown.
_FUNC_ARG = re.compile(r"(?<![A-Za-z\\])[A-Za-z](?:\^\{?-1\}?|\u207b\u00b9|'+)?"
                       r"\(\s*([A-Za-z])\s*\)")
#: The argument group of :data:`_FUNC_ARG` alone: a literal start, found fast.
_ARG_GROUP = re.compile(r"\(\s*[A-Za-z]\s*\)")


def _function_args(text: str) -> Set[str]:
    """``{m.group(1).lower() for m in _FUNC_ARG.finditer(text)}``, read from the argument
    groups: at each, the name can only start where one of the pattern's suffixes ("", quotes,
    "⁻¹", "^-1", "^{-1", "^-1}", "^{-1}") ends at the group, and is matched there
    (look-behinds see before the start).  The matches never overlap, so finditer meets them
    all; trying every letter of a long text was the slow part."""
    out: Set[str] = set()
    for g in _ARG_GROUP.finditer(text):
        q = g.start()
        j = q
        while j > 0 and text[j - 1] == "'":
            j -= 1
        for at in {q - 1, j - 1, q - 3, q - 4, q - 5, q - 6}:
            if at >= 0:
                m = _FUNC_ARG.match(text, at)
                if m is not None:
                    out.add(m.group(1).lower())
    return out


#: A number (or a number glued to letters: "3P", "5kg") right before a side: the side is the
#: tail of a longer expression ("-165 + 3P - x = 180" must not be read as "-x = 180").
_TERM_BEFORE = re.compile(r"\d[A-Za-z]*[ \t$]*$")
_LETTER_AND = re.compile(r"(?<![A-Za-z])[A-Za-z]\s+and[\s$\\(]*$")
_VALUE_OF = re.compile(r"\bvalue\s+of[\s$\\(]*$", re.I)
#: A value tried, when these words stand right before the unknown.
_TRIAL_BEFORE = re.compile(
    r"\b(?:if|suppose|supposing|assume|assuming|try|trying|tried|test|testing|when|whenever|"
    r"for|plug|plugging|plugged|substitute|substituting|say|guess|let|setting|set|put|"
    r"putting|take|taking|using|use|with|at|choose|choosing|pick|picking|like|whether|case|"
    r"maybe|perhaps|or|consider|considering)(?:\s+(?:in|into|back|that|we|it|to))?"
    r"[\s$\\(]*$", re.I)
#: ... or anywhere earlier in the sentence.
_TRIAL_SENTENCE = re.compile(
    r"\b(?:if|suppose|supposing|assume|assuming|try|trying|test|testing|when|whenever|"
    r"plug|plugging|substitut\w*|guess\w*|check\w*|verify\w*|verif\w*|whether|what if|"
    r"let's say|let us say|for example|e\.g\.)\b", re.I)
#: ... or these right after the value.
_TRIAL_AFTER = re.compile(
    r"[\s$)\\]*(?:\?|(?:gives|give|yields|would|works|work|doesn't|does not|is not|isn't|"
    r"is too|is wrong|is incorrect|fails|then)\b|:)", re.I)
_SENTENCE_END = re.compile(r"(?:[.!?;](?=\s)|\n)")
#: Words that start a new attempt, a correction or a new sub-problem between two equations.
_BREAK = re.compile(
    r"\b(?:wait|alternatively|actually|hmm+|hold on|oops|mistake|redo|instead|otherwise|"
    r"re-?(?:check\w*|examin\w*|read\w*|calculat\w*|evaluat\w*|do|consider\w*|think\w*|"
    r"visit\w*|start\w*|try\w*|compute\w*)|another|different|suppose|assume|"
    r"let me (?:try|start|think|see|check|verify|re\w*)|part|case|problem|question|try|next|"
    r"however|but|or|either|attempt\w*|round\w*|whole|integer|consider\w*|similarly|"
    r"likewise)\b", re.I)


def _declaration(letter: str) -> "re.Pattern[str]":
    L = re.escape(letter)
    d = r"(?:\$|\\\(|\\\[)?\s*"
    e = r"\s*(?:\$|\\\)|\\\])?"
    return re.compile(
        rf"\b[Ll]et(?:'s|\s+us)?\s+{d}{L}{e}\s*(?:be|represent|denote|stand|equal|=|:)"
        rf"|(?<![A-Za-z_\\]){L}{e}\s+(?:represents?|denotes?|stands?\s+for|is\s+the\s+"
        rf"(?:number|amount|cost|price|age|value|total|original|initial|weight|length|time|"
        rf"distance|speed|width|height|rate|unknown))\b"
        rf"|\b(?:[Dd]enote|[Cc]all|[Dd]efine|[Nn]ame)\b[^.\n]{{0,300}}?\b(?:as|by|it)\s+{d}{L}"
        rf"(?![A-Za-z])"
        rf"|\b(?:[Vv]ariable|[Uu]nknown)\s+{d}{L}(?![A-Za-z])")


_DECL_CACHE: Dict[str, "re.Pattern[str]"] = {}


def _decl(letter: str) -> "re.Pattern[str]":
    p = _DECL_CACHE.get(letter)
    if p is None:
        p = _DECL_CACHE[letter] = _declaration(letter)
    return p


def declared_letters(text: str, candidates: Iterable[str]) -> Set[str]:
    """The letters among ``candidates`` that ``text`` declares as unknowns."""
    return {c for c in candidates if _decl(c).search(text)}


def _var_pattern(letters: str) -> "re.Pattern[str]":
    """A letter of ``letters`` standing alone, not as the times sign of ``5 x 2``."""
    return _kept(_VAR_CACHE, "".join(sorted(set(letters))), _compile_var, 256)


_VAR_CACHE: Dict[str, "re.Pattern[str]"] = {}


def _kept(table: dict, key, make, size: int):
    """``make(key)``, remembered in ``table`` (emptied when it holds ``size`` entries)."""
    hit = table.get(key)
    if hit is None:
        if len(table) >= size:
            table.clear()
        hit = table[key] = make(key)
    return hit


def _compile_var(cls: str) -> "re.Pattern[str]":
    return re.compile(rf"(?<![A-Za-z_\\'\u2019])(?<!\d[ \t])[{re.escape(cls)}]"
                      rf"(?![A-Za-z_'\u2019])(?![ \t]\d)")


#: Candidates for a declaration.  Each pattern starts with a literal word, so that the regex
#: engine scans for it as fast as str.find; each candidate is confirmed by that letter's own
#: pattern.
_DLM = r"(?:\$|\\\(|\\\[)?\s*"
_DECL_LEAD = tuple(re.compile(w + rf"(?:'s|\s+us)?\s+{_DLM}([A-Za-z])(?![A-Za-z])")
                   for w in ("let", "Let", "variable", "unknown", "Unknown"))
_DECL_NAME = tuple(re.compile(w + r"\b[^.\n]{0,300}")
                   for w in ("denote", "Denote", "call", "Call", "define", "Define", "name"))
#: The names a "denote ... as B, ... as R, and ... as Y" sentence gives.
_AS_NAME = re.compile(rf"\b(?:as|by|it)\s+{_DLM}([A-Za-z])(?![A-Za-z])")
_DECL_VERB = tuple(re.compile(w) for w in (
    r"represents?\b", r"denotes?\b", r"stands?\s+for\b", r"is\s+the\s+(?:number|amount|cost|"
    r"price|age|value|total|original|initial|weight|length|time|distance|speed|width|height|"
    r"rate|unknown)\b"))
_DECL_BEFORE = re.compile(r"(?<![A-Za-z_\\])([A-Za-z])(?:\$|\\\))?\s+$")


# --------------------------------------------------------------------------------------------
# extraction


def _side_ok(line: str, a0: int, b1: int) -> bool:
    """Whether the text around a relation lets its sides stand alone: no operator word
    touching the left side from before or the right side from after."""
    m = _WORD_BEFORE.search(line[max(0, a0 - 40):a0])
    if m is not None:
        w = m.group(1).lower()
        if w in _OP_WORDS and not (w == "of" and _VALUE_OF.search(line, max(0, a0 - 40), a0)):
            return False
        if w == "and" and _LETTER_AND.search(line, max(0, a0 - 40), a0):
            return False
    m = _WORD_AFTER.match(line, b1, min(len(line), b1 + 40))
    if m is not None and m.group(1).lower() in _OP_WORDS - {"than"}:
        return False
    m = _WORD_OP_AFTER.match(line, b1, min(len(line), b1 + 40))
    if m is not None and not (m.group(2).isdigit() and m.group(1).lower() in _CONNECTIVES):
        return False
    if _WORD_OP_BEFORE.search(line, max(0, a0 - 40), a0) or \
            _TERM_BEFORE.search(line, max(0, a0 - 40), a0):
        return False
    if line.startswith("(", b1) or (a0 > 0 and line[a0 - 1] == ")"):
        return False  # "(3/5)(A + 4)": a product the segmenter did not join
    return True


def _linear(d: Dict[tuple, Fraction], letters: str
            ) -> Tuple[Optional[str], Optional[Fraction], Set[str]]:
    """(unknown, solution, letters seen in nonlinear terms) of ``d = 0``."""
    var = None
    coef = Fraction(0)
    const = Fraction(0)
    nonlinear: Set[str] = set()
    bad = False
    for mono, c in d.items():
        if mono == ():
            const = c
            continue
        if len(mono) == 1 and mono[0][1] == 1:
            v = mono[0][0]
            if var is not None and v != var:
                bad = True
            var = v
            coef = c
        else:
            bad = True
            if len(mono) == 1:
                nonlinear.add(mono[0][0])
            else:
                nonlinear.update(v for v, _ in mono)
    if bad or var is None or coef == 0 or len(var) != 1 or var not in letters.lower():
        return None, None, nonlinear
    return var, -const / coef, nonlinear


def _decimals(toks: Sequence[P.Tok]) -> bool:
    return any(t.k == NUM and t.nd > 0 for t in toks)


def _function_call(toks: Sequence[P.Tok]) -> bool:
    for i in range(len(toks) - 1):
        t, u = toks[i], toks[i + 1]
        if t.k == VAR and u.k == LP and not u.sp and u.t == "(":
            return True
    return False


def _piece_equations(text: str, cut_left: bool, cut_right: bool, letters: str,
                     limits: Limits, cache: dict) -> Tuple[List[Equation], Set[str]]:
    """Equations of one piece of a line (offsets into the piece), and the letters seen in
    nonlinear equations there.  Depends on the piece alone, so it is cached by its text."""
    out: List[Equation] = []
    nonlinear: Set[str] = set()
    lo, hi, line_start = 0, len(text), 0
    if _MULTI.search(text):
        # |26 - 2x| = 24, x = 3 ± 2: the unknown has two values here
        nonlinear.update(m.group().lower() for m in _var_pattern(letters).finditer(text))
    toks = P.tokenize(text, lo, hi, limits)
    _merge_numbers(text, toks)
    if cut_left:
        toks.insert(0, P.Tok("trunc", lo, lo, ""))
    if cut_right:
        toks.append(P.Tok("trunc", hi, hi, ""))
    for ch in segment(toks):
        segs = ch.segs
        vals: List[Optional[Val]] = [None] * len(segs)
        for i in range(1, len(segs)):
            a, b = segs[i - 1], segs[i]
            if not a.toks or not b.toks or ch.rels[i - 1] not in ("=", "~"):
                continue
            if a.status in ("nonnum", "bad", "cut") or b.status in ("nonnum", "bad", "cut"):
                continue
            for j in (i - 1, i):
                if vals[j] is None:
                    vals[j] = evaluate(segs[j].toks, limits, "percent", cache)
            # both were evaluated just above
            va, vb = cast(Val, vals[i - 1]), cast(Val, vals[i])
            if "poly" not in (va.status, vb.status):
                continue
            if va.status not in ("poly", "exact") or vb.status not in ("poly", "exact"):
                continue
            pa: P.Poly = va.value if va.status == "poly" else ({(): va.value} if va.value else {})
            pb: P.Poly = vb.value if vb.status == "poly" else ({(): vb.value} if vb.value else {})
            try:
                d = P._padd(pa, pb, -1)
            except P.Refused:
                continue
            var, sol, nl = _linear(d, letters)
            nonlinear |= nl
            if var is None:
                # the unknown in a nonlinear term on one side only ("x^2 = 9" is caught by
                # d; "x*x = x^2" cancels): look at each side too
                for p in (pa, pb):
                    for mono in p:
                        if len(mono) > 1 or (len(mono) == 1 and mono[0][1] != 1):
                            nonlinear.update(v for v, _ in mono)
                continue
            if _function_call(a.toks) or _function_call(b.toks):
                continue
            if any(t.f == "repeating" for t in a.toks + b.toks):
                continue  # "1.5(4)x": a product, or 1.5444...?
            if va.status == "poly" and vb.status == "poly":
                # the unknown on both sides: an equation ("3(x + 2) = 2x + 10") or a
                # simplification meant as an identity ("(25x + 150) / 10 = 25x + 15")
                continue
            a0, b1 = a.start, b.end
            if not _side_ok(text, a0, b1):
                continue
            bare_a = len(a.toks) == 1 and a.toks[0].k == VAR
            bare_b = len(b.toks) == 1 and b.toks[0].k == VAR
            bare = (bare_a and vb.status == "exact") or (bare_b and va.status == "exact")
            sent = _sentence_start_abs(text, line_start, a0)
            trial = False
            if bare:
                vs = a if bare_a else b
                before = text[max(line_start, vs.start - 40):vs.start]
                after_at = b1 if bare_a else a.end
                if bare_a and _TRIAL_BEFORE.search(before):
                    trial = True
                elif _TRIAL_AFTER.match(text, after_at, min(len(text), after_at + 40)):
                    trial = True
                elif _TRIAL_SENTENCE.search(text, sent, a0):
                    trial = True
            try:
                ra = P.compile_rpn(a.toks, limits)[0]
                rb = P.compile_rpn(b.toks, limits)[0]
            except (P.ParseError, P.Refused, P.Unsupported, KeyError, IndexError):
                continue
            written = {t.t for t in a.toks + b.toks if t.k == VAR and t.v == var}
            if len(written) != 1:
                continue  # "2T + 3t": two unknowns that differ only in case
            shown = written.pop()
            if shown not in letters:
                continue  # "T" when only "t" is an unknown
            # sol is None only when var is None (skipped above)
            out.append(Equation(a0, b1, shown, cast(Fraction, sol), text[a0:a.end],
                                text[b.start:b1], bare,
                                ch.rels[i - 1] == "~", _decimals(a.toks) or _decimals(b.toks),
                                (ra, rb), trial, sent))
    return out, nonlinear


def _scan_piece(text: str, lo: int, hi: int, cut_left: bool, cut_right: bool,
                letters: str, limits: Limits, cache: dict,
                out: List[Equation], nonlinear: Set[str]) -> None:
    piece = text[lo:hi]
    key = (piece, cut_left, cut_right, letters)
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = _piece_equations(piece, cut_left, cut_right, letters, limits, cache)
    eqs, nl = hit
    nonlinear |= nl
    for e in eqs:  # the fields in order (dataclasses.replace costs more than the rest)
        out.append(Equation(e.start + lo, e.end + lo, e.var, e.solution, e.lhs, e.rhs, e.bare,
                            e.approx, e.decimals, e.rpn, e.trial, e.sentence + lo))


def _sentence_start_abs(text: str, line_start: int, pos: int) -> int:
    s = line_start
    for m in _SENTENCE_END.finditer(text, line_start, pos):
        s = m.end()
    return s


class _Prompt:
    """What the equation check reads from one prompt, computed once for all its traces: the
    letters it declares (per set of default letters) and whether a flattened equation occurs
    in it.  A search of the whole flattened prompt for every equation of a trace was
    quadratic on a long prompt; here an occurrence is looked for only at the prompt's '='
    signs whose neighbours are those of the equation's first '='."""

    __slots__ = ("prompt", "_flat", "_at", "_at5", "_found", "_declared")

    def __init__(self, prompt: str):
        self.prompt = prompt
        self._flat: Optional[str] = None
        self._at: Optional[Dict[str, List[int]]] = None   # "a=b" -> positions of its '='
        self._at5: Dict[str, Dict[str, List[int]]] = {}   # "a=b" -> "xa=by" -> positions
        self._found: Dict[str, bool] = {}
        self._declared: Dict[str, Set[str]] = {}

    def declared(self, letters: str) -> Set[str]:
        hit = self._declared.get(letters)
        if hit is None:
            hit = self._declared[letters] = _declared(self.prompt, letters)
        return hit

    def has(self, flat_equation: str) -> bool:
        """``flat_equation in _flat(prompt)``."""
        hit = self._found.get(flat_equation)
        if hit is None:
            hit = self._search(flat_equation)
            if len(self._found) < _MAX_FOUND:
                self._found[flat_equation] = hit
        return hit

    def _search(self, s: str) -> bool:
        if self._flat is None:
            self._flat = _flat(self.prompt)
        flat = self._flat
        k = s.find("=")
        if len(flat) <= _SHORT_PROMPT or k <= 0 or k + 1 >= len(s):
            return s in flat
        at = self._index(flat)
        if at is None:
            return s in flat
        key = s[k - 1:k + 2]
        cands = at.get(key, ())
        if len(cands) > _MAX_CANDIDATES and k >= 2 and k + 2 < len(s):
            sub = self._at5.get(key)
            if sub is None:
                sub = self._at5[key] = {}
                for q in cands:
                    sub.setdefault(flat[q - 2:q + 3], []).append(q)
            cands = sub.get(s[k - 2:k + 3], ())
        if len(cands) > max(_MAX_CANDIDATES, len(flat) >> 10):
            return s in flat  # verifying them all would cost more than one plain search
        return any(q >= k and flat.startswith(s, q - k) for q in cands)

    def _index(self, flat: str) -> Optional[Dict[str, List[int]]]:
        if self._at is None:
            at: Dict[str, List[int]] = {}
            if flat.count("=") <= _MAX_INDEXED:
                q = flat.find("=", 1)
                while 0 < q < len(flat) - 1:
                    at.setdefault(flat[q - 1:q + 2], []).append(q)
                    q = flat.find("=", q + 1)
            else:
                at[""] = []  # too many signs to index: every search reads the prompt
            self._at = at
        return None if "" in self._at else self._at


_SHORT_PROMPT = 4096     # flattened length below which a plain search is as cheap
_MAX_INDEXED = 200_000   # '=' signs of a prompt indexed at most
_MAX_CANDIDATES = 64     # positions verified before a plain search is cheaper
_MAX_FOUND = 4096        # equations remembered per prompt
_SMALL_PROMPTS: Dict[str, _Prompt] = {}
_LARGE_PROMPTS: List[_Prompt] = []


def _prompt_info(prompt: str) -> _Prompt:
    """The :class:`_Prompt` of ``prompt``, remembered: at most 1024 prompts of up to 20,000
    characters, and the last two longer ones (the traces of a question usually follow each
    other)."""
    if len(prompt) <= 20000:
        return _kept(_SMALL_PROMPTS, prompt, _Prompt, 1024)
    for hit in _LARGE_PROMPTS:
        if hit.prompt == prompt:
            return hit
    hit = _Prompt(prompt)
    _LARGE_PROMPTS.insert(0, hit)
    del _LARGE_PROMPTS[2:]
    return hit


def _letters_for(text: str, prompt: str, letters: str) -> str:
    """``letters`` (either case) plus every other letter that ``text`` or ``prompt``
    declares."""
    seen = set(_declared(text, letters))
    if prompt:
        seen |= _prompt_info(prompt).declared(letters)
    return letters + letters.upper() + "".join(sorted(seen))


def _declared(src: str, letters: str) -> Set[str]:
    """The letters other than ``letters`` that ``src`` declares."""
    seen: Set[str] = set()
    if not src:
        return seen
    cands = [(m.group(1), m.start()) for pat in _DECL_LEAD for m in pat.finditer(src)]
    for pat in _DECL_NAME:
        for m in pat.finditer(src):
            cands.extend((a.group(1), m.start()) for a in _AS_NAME.finditer(src, m.start(),
                                                                          m.end()))
    for pat in _DECL_VERB:
        for m in pat.finditer(src):
            b = _DECL_BEFORE.search(src, max(0, m.start() - 6), m.start())
            if b is not None:
                cands.append((b.group(1), b.start()))
    for c, at in cands:
        if c not in letters and c not in seen and \
                _decl(c).search(src, max(0, at - 90), at + 400):
            seen.add(c)
    return seen


def find_equations(text: str, letters: str = DEFAULT_LETTERS,
                   limits: Limits = P.DEFAULT_LIMITS, prompt: str = "",
                   cache: Optional[dict] = None) -> Tuple[List[Equation], Set[str]]:
    """Linear one-unknown equations of ``text`` in order, and the letters that occur in a
    nonlinear equation somewhere in it.  ``letters`` are the unknowns accepted without a
    declaration; others are accepted when ``text`` or ``prompt`` declares them.
    JSON-wrapped chains of thought are decoded first (spans map back to ``text``)."""
    if "=" not in text:
        return [], set()
    stripped = text.lstrip()
    if stripped[:1] in ("{", "`"):
        fields = json_string_fields(text)
        if fields:
            eqs: List[Equation] = []
            nl: Set[str] = set()
            for _key, decoded, offs in fields:
                e2, n2 = find_equations(decoded, letters, limits, prompt, cache)
                nl |= n2
                for e in e2:
                    eqs.append(_remap(e, offs))
            return eqs, nl
    cache = {} if cache is None else cache
    allowed = _letters_for(text, prompt, letters)
    var_re = _var_pattern(allowed)
    out: List[Equation] = []
    nonlinear: Set[str] = set()
    n = len(text)
    pos = text.find("=")
    while pos >= 0 and len(out) < _MAX_EQUATIONS:
        ls = text.rfind("\n", 0, pos) + 1
        le = text.find("\n", pos)
        if le < 0:
            le = n
        _scan_line(text, ls, le, pos, allowed, limits, cache, out, nonlinear, var_re)
        pos = text.find("=", le)
    return out[:_MAX_EQUATIONS], nonlinear


#: The end of a sentence inside a line: one of ". ", "? ", "! ", "; ".  The last one before a
#: place is found by the greedy ``.*`` backing off from that place (one search instead of an
#: rfind per ending).
_END_NEXT = re.compile(r"[.?!;] ")
_END_LAST = re.compile(r"(?s:.*)[.?!;] ")
#: A single-letter name (not the times sign of "5 x 2", not a LaTeX command).
_ANY_NAME = re.compile(r"(?<![A-Za-z_\\'\u2019])(?<!\d[ \t])[A-Za-z](?![A-Za-z_'\u2019])"
                       r"(?![ \t]\d)")
#: A prose word (two or more letters, not a LaTeX command).
_PROSE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
#: The last prose word before a place: the greedy ``.*`` backs off from the end to the last
#: place a word can start, which is where the last of the words ``_PROSE`` finds starts
#: (a word starts only where a run of letters does), and the word runs on as far.
_PROSE_LAST = re.compile(r"(?s:.*)" + _PROSE.pattern)


def _near(text: str, lo: int, p: int, hi: int, var_re) -> bool:
    """Whether the run of mathematics around the '=' at ``p`` (between the prose words on
    its left and right) has exactly one single-letter name in it, and that one an unknown."""
    m = _PROSE_LAST.match(text, lo, p)
    left = m.end() if m is not None else lo
    m = _PROSE.search(text, p + 1, hi)
    right = m.start() if m is not None else hi
    names = {n.lower() for n in _ANY_NAME.findall(text, left, right)}
    return len(names) == 1 and var_re.search(text, left, right) is not None


class _WindowSearch:
    """``found(lo, hi)``: whether ``var_re.search(text, lo, hi)`` finds a name, for windows
    that never move left (neither end goes back), answered in part by the last search: a
    position that failed there fails here (the pattern's look-aheads are negative, so a
    longer window cannot help them, and its look-behinds see before a search's start), and a
    match whose two look-ahead characters lay inside the last window still holds."""

    __slots__ = ("text", "var_re", "hi", "at")

    def __init__(self, text: str, var_re):
        self.text = text
        self.var_re = var_re
        self.hi = -1  # end of the last window searched
        self.at = -1  # the match found there (-1: none)

    def found(self, lo: int, hi: int) -> bool:
        at = self.at
        if at >= lo and at + 2 < self.hi:
            return True
        m = self.var_re.search(self.text, lo if at >= 0 else max(lo, self.hi), hi)
        self.hi, self.at = hi, (m.start() if m is not None else -1)
        return m is not None


def _scan_line(text, ls, le, p, allowed, limits, cache, out, nonlinear, var_re):
    """The windows of one line around each '=' (from ``p``) that has an unknown near it:
    at most ``_WINDOW`` characters on each side, within the sentence; merged when they
    overlap.  A window that stops inside a sentence is marked cut there (a side that reaches
    the cut is not used)."""
    wins: List[list] = []
    unknown = _WindowSearch(text, var_re)
    while p >= 0:
        lo, hi = max(ls, p - _WINDOW), min(le, p + _WINDOW)
        if not unknown.found(lo, hi):  # the common case: a numeric claim
            p = text.find("=", p + 1, le)
            continue
        cut_l, cut_r = lo > ls, hi < le
        m = _END_LAST.match(text, lo, p)
        if m is not None:
            lo, cut_l = m.end(), False
        m = _END_NEXT.search(text, p, hi)
        if m is not None:
            hi, cut_r = m.start() + 1, False
        if _near(text, lo, p, hi, var_re):
            if wins and lo <= wins[-1][1]:
                if hi - wins[-1][0] <= _MAX_PIECE:
                    wins[-1][1], wins[-1][3] = hi, cut_r
                else:  # a long run of equations: read in bounded pieces, cut where they meet
                    wins[-1][3] = True
                    wins.append([wins[-1][1], hi, True, cut_r])
            else:
                wins.append([lo, hi, cut_l, cut_r])
        p = text.find("=", p + 1, le)
    for lo, hi, cut_l, cut_r in wins:
        if len(out) >= _MAX_EQUATIONS:
            return
        # a cut starts and ends on whitespace so that no token is split
        if cut_l:
            sp = text.find(" ", lo, hi)
            lo = sp + 1 if sp >= 0 else lo
        if cut_r:
            sp = text.rfind(" ", lo, hi)
            hi = sp if sp > lo else hi
        _scan_piece(text, lo, hi, cut_l, cut_r, allowed, limits, cache, out, nonlinear)


def _remap(e: Equation, offs: List[int]) -> Equation:
    def m(x: int) -> int:
        return offs[x] if x < len(offs) else offs[-1]
    return replace(e, start=m(e.start), end=m(e.end - 1) + 1 if e.end > 0 else m(e.end),
                   sentence=m(e.sentence))


# --------------------------------------------------------------------------------------------
# comparison


def _rounded(v: Fraction, nd: int) -> bool:
    """Whether a decimal shown with ``nd`` places looks like the rounding (or truncation) of
    a repeating decimal: three or more places, or near p/3 without being equal to it -
    within half a unit of the last digit for one place, within one unit for two."""
    if nd >= 3:
        return True  # 5.066: exact quantities rarely carry three or more decimals
    if nd <= 0:
        return False
    # within half a unit (one decimal) or one unit (more: truncations such as 76.66)
    unit = Fraction(1, 2 * 10 ** nd) if nd == 1 else Fraction(1, 10 ** nd)
    for q in (3,):
        f = Fraction(round(v * q), q)
        if f != v and abs(f - v) < unit:
            return True
    return False


def _holds_at(e: Equation, x: Fraction, limits: Limits) -> bool:
    """Whether ``e`` holds at ``x`` when every decimal literal that looks rounded (every
    decimal, for ≈) may be off by one unit of its last shown digit; for ≈, a gap of 1% is
    also accepted."""
    sub = []
    for r in e.rpn:
        items = []
        for it in r:
            if it[0] == "v":
                items.append(("n", x, 0))
            elif it[0] == "n":
                nd = it[2] if len(it) > 2 else 0
                keep = nd > 0 and (e.approx or _rounded(it[1], nd))
                items.append(("n", it[1], nd if keep else 0))
            else:
                items.append(it)
        sub.append(tuple(items))
    try:
        ia = P.eval_interval(sub[0], limits, Fraction(1))
        ib = P.eval_interval(sub[1], limits, Fraction(1))
    except (P.Refused, P.Unsupported, P.NotNumeric, P.ParseError, P.NeedsSymbolic,
            IndexError, ZeroDivisionError, OverflowError, ValueError):
        return True  # cannot tell: never a finding
    if ia[0] <= ib[1] and ib[0] <= ia[1]:
        return True
    if e.approx:
        gap = min(abs(ia[0] - ib[1]), abs(ib[0] - ia[1]))
        size = max(abs(ia[0]), abs(ia[1]), abs(ib[0]), abs(ib[1]))
        return gap * 100 <= size
    return False


def _shown_decimals(e: Equation) -> int:
    """Decimals of the value of a bare assignment written as one decimal literal, else 0."""
    if not e.bare:
        return 0
    for side in e.rpn:
        if len(side) == 1 and side[0][0] == "n":
            return side[0][2] if len(side[0]) > 2 else 0
        if len(side) == 2 and side[0][0] == "n" and side[1] == ("u", "-"):
            return side[0][2] if len(side[0]) > 2 else 0
    return 0


def consistent(e: Equation, f: Equation, limits: Limits = P.DEFAULT_LIMITS) -> bool:
    """Whether two equations in the same unknown agree: equal exact solutions, or (when a
    literal shows decimals or the relation is ≈) one holds at the other's solution at the
    precision shown."""
    if e.solution == f.solution:
        return True
    for g, h in ((e, f), (f, e)):
        nd = _shown_decimals(g)
        if nd:
            # "x = 61.71" states 432/7 at the precision shown: rounded, or truncated
            v, x = g.solution, h.solution
            if abs(v - x) * 2 * 10 ** nd <= 1 or (
                    (v >= 0) == (x >= 0) and abs(v) <= abs(x) and (abs(x) - abs(v)) * 10 ** nd < 1):
                return True
    if not (e.decimals or f.decimals or e.approx or f.approx):
        return False
    return _holds_at(e, f.solution, limits) or _holds_at(f, e.solution, limits)


def _flat(s: str) -> str:
    return "".join(s.split())


def check_equations(text: str, prompt: str = "", letters: str = DEFAULT_LETTERS,
                    max_gap: int = DEFAULT_MAX_GAP, limits: Limits = P.DEFAULT_LIMITS,
                    cache: Optional[dict] = None) -> List[Inconsistency]:
    """Equations of ``text`` whose solution differs from the previous equation's in the
    same unknown (module doc: what counts, what breaks a chain)."""
    eqs, nonlinear = find_equations(text, letters, limits, prompt, cache)
    if len(eqs) < 2:
        return []
    if "(" in text:
        nonlinear = nonlinear | _function_args(text)
    pinfo = _prompt_info(prompt) if prompt else None
    out: List[Inconsistency] = []
    chains: Dict[str, List[Equation]] = {}
    # lines where a trial value of an unknown is tried: its equations there are evaluations
    trial_sentences = {e.sentence for e in eqs if e.trial}
    # "x = 1 and x = 25", "both N = 5 and N = 3": candidates, not one value
    seen_bare: Dict[Tuple[str, int], Fraction] = {}
    for e in eqs:
        if e.bare:
            k = (e.var.lower(), e.sentence)
            if seen_bare.setdefault(k, e.solution) != e.solution:
                trial_sentences.add(e.sentence)
    # "- n = 31, n + 2 = 33": a list item sets a value, then evaluates at it
    opened: Set[Tuple[str, int]] = set()
    for e in eqs:
        k = (e.var.lower(), e.sentence)
        if e.bare and _ITEM_HEAD.match(text, text.rfind("\n", 0, e.start) + 1, e.start):
            opened.add(k)
        elif not e.bare and k in opened:
            trial_sentences.add(e.sentence)
    for e in eqs:
        v = e.var  # as written: "t" and "T" are two unknowns
        if e.sentence in trial_sentences:
            chains.clear()  # a value tried (of any unknown): the equations there evaluate it
            continue
        if v.lower() in nonlinear:
            continue
        chain = chains.get(v)
        if pinfo is not None and pinfo.has(_flat(e.lhs + "=" + e.rhs)):
            chains[v] = []  # the problem's own equation: the chain starts again
            continue
        if not chain:
            chains[v] = [e]
            continue
        prev = chain[-1]
        gap = text[prev.end:e.start]
        if e.start - prev.end > max_gap or _BREAK.search(gap) or _decl(e.var).search(gap) \
                or any(m.group(1) != v for m in _ASSIGN.finditer(gap)):
            chains[v] = [e]
            continue
        if consistent(e, prev, limits):
            chain.append(e)
            continue
        if any(consistent(e, c, limits) for c in chain[-_MAX_CHAIN:-1]):
            chain.append(e)  # back to a value the chain had (a correction)
            continue
        if e.bare and all(c.bare for c in chain):
            chains[v] = [e]  # only assignments so far: maybe definitions of different things
            continue
        out.append(Inconsistency(e, prev))
        chain.append(e)
        if len(chain) > 2 * _MAX_CHAIN:
            del chain[:-_MAX_CHAIN]
    return out
