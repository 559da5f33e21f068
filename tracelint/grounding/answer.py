"""Final-answer extraction and answer/reference comparison.

Extraction (:func:`extract_answer`) looks at the answer text first and falls back to the end
of the reasoning.  In each text it takes, in this order:

1. the last ``\\boxed{...}`` (nested braces; ``\\fbox`` too)           -> method ``boxed``
   unless a "final answer" statement follows it (a correction)        -> ``answer-is``
2. the last ``#### N`` line (GSM8K: a value, or the text's last line; a Markdown
   heading "#### Step 2: Money" is not one), or a ``# N`` line with a number -> ``hash``
3. the last JSON ``"answer": ...`` field                                 -> ``json``
   or the last ``<answer>...</answer>`` tag (GRPO-style outputs): an explicit
   form inside it (its method), else its whole short content            -> ``answer-tag``
4. the last "the answer is ...", "final answer: ...", "Answer: ..."     -> ``answer-is``
   (not a verdict on the answer, "the answer is correct"; not a hypothesis, "if / suppose
   the answer is 48", "the answer would be 48 if ..."; a value that opens with a number
   and then explains itself is that number: "18 dollars, as each egg ..."; a display
   ``\\[ ... \\]`` or a line right after the colon is the value)
5. an option letter A-J: "(B)" alone on the last line, "option C"       -> ``option``
6. the last number in the text (documented fallback; ``fallback=False``
   turns it off)                                                          -> ``last-number``

Comparison (:func:`answers_match`) normalizes LaTeX and units away and then decides, in this
order: option letters (``letter``), numbers by exact value (``numeric``: ``1,000`` =
``1000.0``, ``1/2`` = ``0.5``, ``50%`` = ``0.5`` whichever of the two is the reference
(and ``50%`` = ``50`` when the reference drops the sign),
a decimal rounding -- not a truncation -- of an irrational or repeating reference at its
shown precision; a reference with a finite decimal form must be written exactly), symbolic
equivalence through sympy built from our own parse (``symbolic``: ``\\frac{\\sqrt{3}}{2}``,
expressions in variables; implicit products inside ``\\frac`` arguments; ``2\\frac{1}{2}``
is the mixed number 2.5; ``033`` is 33), tuples element by element (brackets must agree; an
unbracketed reference list is a set of solutions), and normalized strings (``string``).  A
relation or a hedge ("x > 7", "\\pm 7", "5 or 7") never matches a single value it names; a
word reference matches a sentence that names it only without a contrast or alternative next
to it ("more than Navin", "west, not east").
No string is ever handed to ``eval``/``sympify``.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import List, Optional, Sequence, Tuple, cast

from . import parser as P
from . import surds as S
from .claims import _decimal_commas  # shared with the claim reader, as its token fix-ups
from .claims import _implicit_ok, _latex_mixed, _merge_numbers
from .numbers import number_values

__all__ = ["ExtractedAnswer", "extract_answer", "answers_match", "reference_answer",
           "reference_kind", "normalize_answer", "FALLBACK_METHODS"]


@dataclass(frozen=True)
class ExtractedAnswer:
    """A final answer found in a trace: ``value`` as written (trimmed), how it was found, in
    which field (``answer`` or ``reasoning``) and where (character offsets of the value)."""

    value: str
    method: str
    field: str
    start: int
    end: int


#: The methods of answers found by a fallback, not written as an answer.
FALLBACK_METHODS = ("last-number", "last-sentence")
#: How far back from the end of the reasoning the fallback looks for an explicit answer.
REASONING_TAIL = 4000
#: How far back the last-number fallback looks.
LAST_NUMBER_TAIL = 1500

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_HASH4 = re.compile(r"(?m)^[ \t]*####[ \t]*(\S[^\n]*?)[ \t]*$")
_HASH_NUM = re.compile(r"(?m)^[ \t]*#{1,3}[ \t]*(\$?-?\d[\d,]*(?:\.\d+)?(?:/\d+)?%?)[ \t]*$")
_JSON_ANSWER = re.compile(r'"(?:answer|final_answer|Answer)"\s*:\s*'
                          r'("(?:[^"\\]|\\.)*"|-?\d[\d,]*(?:\.\d+)?)')
_ANSWER_IS = re.compile(
    r"(?:(?:the\s+)?final\s+answer(?:\s+is)?|the\s+(?:correct\s+)?answer\s+(?:is|would\s+be|will\s+be)"
    # a bare "answer" must be followed by "is" or a colon: "then the answer changes" is
    # not an answer statement
    r"|(?<![A-Za-z])answer(?:\s+is\b|(?=\s*(?:\*\*)?\s*[:=]))"
    # Chinese: "(最终)答案是 / 为 / ：" (QwQ and R1 answer Chinese questions in Chinese)
    r"|答案\s*(?:是|为|應為|应为|(?=\s*(?:\*\*)?\s*[:：])))"
    r"\s*(?:\*\*)?\s*[:=：]?\s*(?:\*\*)?\s*", re.I)
#: The same in other languages, "<answer>:" or "the answer is": Russian, German, French,
#: Spanish, Portuguese, Italian, Japanese, Korean.  A pattern of its own, searched only in a
#: text that holds one of its words (one pattern with both ran 2.6 times slower on English).
_ANSWER_IS_INTL = re.compile(
    r"(?:(?<![^\W\d_])(?:ответ|antwort|réponse|respuesta|resposta|risposta|答え|정답)"
    r"(?=\s*(?:\*\*)?\s*[:：])"
    r"|die\s+antwort\s+ist|la\s+réponse\s+(?:finale\s+)?est|la\s+respuesta\s+(?:final\s+)?es"
    r"|a\s+resposta\s+(?:final\s+)?é|la\s+risposta\s+è|ответ\s*[—-]|答えは|정답은)"
    r"\s*(?:\*\*)?\s*[:=：]?\s*(?:\*\*)?\s*", re.I)
_OPTION_LINE = re.compile(r"(?m)^[ \t*]*\(?([A-J])\)?[.)]?[ \t*]*$")
#: "answer is B", "answer: (B)", "option (B)", "Option B." -- not "the answer I got": the
#: letter needs "is", a colon or brackets, or to end the sentence
_OPTION_WORD = re.compile(r"(?i:option|choice|answer)(?:\s*(?:is\s*:?|:)\s*\(?([A-J])\)?"
                          r"|\s*\(([A-J])\)|\s+([A-J])(?=[ \t]*(?:[.)!,;]|$)|\s+(?:is|was)\b))"
                          r"(?![A-Za-z0-9])",
                          re.M)
#: "not glued to a word": no letter, digit, '_' or '.' just before; a CJK character may be
#: (those scripts write no space before a number: "答案是17")
_FREE = r"(?<![^\W\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff])(?<!\.)"
_NUMBER = re.compile(_FREE + r"-?\$?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])|" + _FREE +
                     r"-?\$?\d+(?:\.\d+)?(?:/\d+)?(?![\d])")
_SENT_END = re.compile(r"(?:(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bvs)(?<!\bMrs)(?<!\betc)"
                       r"\.(?=\s|$)|[\u3002\uff01\uff1f]|\n|(?<=\S)\s{2,}|$)")


def _boxed(text: str, lo: int) -> Optional[Tuple[str, int, int]]:
    """Content of the last complete \\boxed{...} at or after lo (each candidate is scanned
    for at most 20,000 characters; at most 50 candidates are tried, from the end)."""
    starts = [m.end() for m in _BOXED.finditer(text, lo)]
    n = len(text)
    for i in reversed(starts[-50:]):
        depth = 1
        j = i
        stop = min(n, i + 20000)
        while j < stop and depth:
            c = text[j]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c == "\\":
                j += 1
            j += 1
        if depth == 0:
            return (text[i:j - 1], i, j - 1)
    return None


#: bold marks around a value
_BOLD_EDGE = re.compile(r"^\*\*|\*\*$")


def _clean_value(v: str) -> str:
    v = v.strip()
    v = _BOLD_EDGE.sub("", v).strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1].strip()
    v = v.replace('\\"', "").strip()
    v = v.strip("$ ").strip()
    if v.startswith("\\(") and "\\)" in v:
        v = v.replace("\\(", "", 1).replace("\\)", "", 1).strip()  # "\(\frac{3}{4}\) cup"
    if v.startswith("\\[") and v.endswith("\\]"):
        v = v[2:-2].strip()
    v = v.rstrip(".").strip()
    return v


#: a value needs a word character; a phrase that starts like prose and has no digit is not one
_WORDISH = re.compile(r"[\w\\]")
_NOT_A_VALUE = re.compile(r"(?:is|was|would|will|to|of|for|that|in|this|the\s+question"
                          # a verdict on the answer, not the answer: "the answer is correct"
                          r"|correct|incorrect|right|wrong|consistent|verified|plausible|"
                          r"reasonable|solid|confirmed|valid|invalid|accurate|likely|unlikely|"
                          r"clear|obvious|definitely|indeed|not|also|still|same|different|"
                          r"as\s+follows|below|above|straightforward)\b", re.I)
#: "If the answer is 48, ...", "Suppose the answer is 48", "someone might think the answer
#: is": a hypothesis, not a statement
_HYPOTHESIS_BEFORE = re.compile(
    r"(?:\b(?:if|suppose|supposing|assume|assuming|whether|unless)\s+(?:that\s+)?"
    r"|\b(?:might|could)\s+(?:\w+\s+){0,2})$", re.I)
_IF = re.compile(r"\bif\b", re.I)
_DIGIT = re.compile(r"\d")


#: "each incorrect answer is worth -2 points", "Incorrect answer = -2": the noun "answer" in a
#: rule of the problem, not an answer statement
_GENERIC_ANSWER = re.compile(r"(?:\b(?:each|every|per|an|a|one|any|no|incorrect|wrong|"
                             r"unanswered|blank|check|checking|verify|verifying)\s+"
                             r"(?:(?:in)?correct\s+|wrong\s+)?)$", re.I)
#: Every form _ANSWER_IS knows has one of these words in it (under the same IGNORECASE):
#: most texts without it are ruled out by this search, not by the full pattern's.
_ANSWER_EN = re.compile("answer|答案", re.I)
#: The same for _ANSWER_IS_INTL, whose words are tested as substrings of the lowered text:
#: several times faster than a case-insensitive alternation, which Python's re cannot
#: search by a literal prefix.
_INTL_WORDS = ("ответ", "antwort", "réponse", "respuesta", "resposta", "risposta", "答え", "정답")
_INTL_WORD = re.compile("|".join(_INTL_WORDS), re.I)
#: characters that IGNORECASE matches to a letter of those words but lower() does not map
#: to it: long s, dotless and dotted i, the Kelvin sign, the old Cyrillic letter variants
_FOLD_ODD = re.compile("[\u017f\u0131\u0130\u212a\u1c80-\u1c88]")


def _has_intl_word(text: str, lo: int) -> bool:
    """Whether ``text[lo:]`` holds one of :data:`_INTL_WORDS` as IGNORECASE sees them (the
    alternation runs only on a text with a character the two fold differently)."""
    low = text[lo:].lower()
    if any(w in low for w in _INTL_WORDS):
        return True
    return _FOLD_ODD.search(text, lo) is not None and _INTL_WORD.search(text, lo) is not None


#: a value that is a number followed by Chinese/Japanese words
_CJK_AFTER_NUMBER = re.compile(r"(\s*-?[$\uffe5\u00a5]?\d[\d,]*(?:\.\d+)?%?)\s*[\u3040-\u30ff\u3400-\u9fff]")


#: where the value of an "answer is" sentence gives way to its reason
_JUSTIFICATION = re.compile(
    r"(?<=[\s,])(?:since|because|given\s+that|so\s+that|так\s+как|потому\s+что|поскольку|"
    r"denn|weil|parce\s+que|porque|pois|perché|poiché)(?![^\W\d_])|因为|因為", re.I)


#: a value that opens with a number (and up to two unit words) and then explains itself:
#: "18 dollars, as each ...", "20 minutes, which is 1/3 of an hour", "48 instead of 42"
_CUT_WORDS = r"as|which|instead|but|whereas|while|from|at|per|because|since|so|if|or|and|not"
_LEADING_NUMBER = re.compile(
    r"\s*(?:\*\*\s*)?[-\u2212]?\$?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?%?(?:\*\*)?"
    r"(?:\s+(?!(?:" + _CUT_WORDS + r")\b)[A-Za-z]+){0,2}"
    # a comma before another number is a list ("2, 3"), not an explanation
    r"(?=\s*,(?!\s*[-\u2212]?\$?\d)|\s*[;\u2014\u2013]"
    r"|\s+(?:as|which|instead|but|whereas|while|from|at|per)\b)")
_DISPLAYS = (("\\[", "\\]"), ("$$", "$$"))


def _display_after(text: str, s: int) -> Optional[Tuple[int, int]]:
    """The span of the display math (``\\[ ... \\]``, ``$$ ... $$``) that starts right after
    ``s`` (spaces and newlines skipped), or None."""
    i = s
    n = min(len(text), s + 200)
    while i < n and text[i] in " \t\r\n":
        i += 1
    for op, cl in _DISPLAYS:
        if text.startswith(op, i):
            j = text.find(cl, i + len(op), i + 2000)
            if j != -1 and text[i + len(op):j].strip():
                return i + len(op), j
    return None


def _answer_is(text: str, lo: int, kind: Optional[str] = None) -> Optional[Tuple[str, int, int]]:
    last = None
    pats = [_ANSWER_IS] if _ANSWER_EN.search(text, lo) is not None else []
    if _has_intl_word(text, lo):
        pats.append(_ANSWER_IS_INTL)
    if not pats:
        return None
    found = pats[0].finditer(text, lo) if len(pats) == 1 else \
        sorted((m for p in pats for m in p.finditer(text, lo)), key=lambda m: m.start())
    for m in found:
        s = m.end()
        if s >= len(text):
            continue
        if m.group()[:1] in "aA" and _GENERIC_ANSWER.search(text, max(0, m.start() - 24),
                                                             m.start()):
            continue
        if _HYPOTHESIS_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            continue
        # the value runs to the end of the sentence or line, or is the display that follows
        # ("The final answer is:\n\\[\n\\frac{3}{4}\n\\]")
        disp = _display_after(text, s)
        if disp is not None:
            s, e = disp
        else:
            e_m = _SENT_END.search(text, s)
            e = e_m.start() if e_m else len(text)
            if not text[s:e].strip() and text.count("\n", s, e + 1) <= 1:
                nxt = _SENT_END.search(text, e + 1)  # "Final answer:\n42"
                s, e = e + 1, nxt.start() if nxt else len(text)
        # keep \boxed / $...$ groups whole
        if e - s > 300:
            e = s + 300
        raw = text[s:e]
        if _ANSWER_IS.search(raw) or _ANSWER_IS_INTL.search(raw):
            continue  # "Correct answer = 5 points, Incorrect answer = -2 points": a rule list
        lead = _LEADING_NUMBER.match(raw)
        if lead is not None:
            raw = raw[:lead.end()]  # "18 dollars, as each of the 9 eggs ...": the 18
        # "答案是28,800种不同的坐法" ("28,800 different seatings"): the number is the answer
        cjk = _CJK_AFTER_NUMBER.match(raw)
        if cjk is not None:
            raw = cjk.group(1)
        why = _JUSTIFICATION.search(raw)
        if why is not None and raw[:why.start()].strip(" \t,，"):
            # "41, since 6 × 7 = 42": the reason given is not the answer
            raw = raw[:why.start()].rstrip(" \t,，")
        val = _clean_value(raw)
        if not val or not _WORDISH.search(val):
            continue
        if _NOT_A_VALUE.match(val) and not _DIGIT.search(val[:40]):
            continue
        if "would" in m.group().lower() and _IF.search(val):
            continue  # "the answer would be 48 if she had 8 bags": a counterfactual
        if kind == "value" and not _VALUE_LIKE.search(val) and len(val.split()) > 3 and \
                not _ABSTAIN.search(val):
            # a value is asked for, and this is prose: "The final answer is the speed at
            # which John runs.", "The final answer is:\n\nLet's denote the price as x"
            continue
        off = raw.find(val[:1]) if val else 0
        last = (val, s + max(0, off), s + max(0, off) + len(val))
    return last


def _json_answer(text: str, lo: int) -> Optional[Tuple[str, int, int]]:
    last = None
    for m in _JSON_ANSWER.finditer(text, lo):
        raw = m.group(1)
        s, e = m.start(1), m.end(1)
        if raw.startswith('"'):
            try:
                val = json.loads(raw)
            except ValueError:
                val = raw[1:-1]
            s, e = s + 1, e - 1
        else:
            val = raw
        val = _clean_value(str(val))
        if val:
            last = (val, s, e)
    return last


def _option(text: str, lo: int) -> Optional[Tuple[str, int, int]]:
    tail_start = max(lo, len(text) - 400)
    m = None
    for m2 in _OPTION_LINE.finditer(text, tail_start):
        m = m2
    if m is None:
        for m2 in _OPTION_WORD.finditer(text, tail_start):
            m = m2
    if m is None:
        return None
    g = m.lastindex or 1
    return (m.group(g), m.start(g), m.end(g))


#: The first branch may start on a space (" √2" is matched with its spaces); it does not
#: start on a space that follows two spaces ``(?!(?<=\s\s)\s)``: such a start could only
#: succeed if the start one place to the left did, which is further left and wins, so the
#: matches are those of the form without it, while a run of spaces that leads to no root is
#: crossed by at most two starts instead of all of them (without it a scan was quadratic in a
#: run of spaces).  :func:`_last_number` keeps the one character before its start in view.
_LAST_VALUE = re.compile(
    _FREE + r"(?!(?<=\s\s)\s)-?\d*\s*(?:\u221a|\\sqrt)\s*\{?\d+(?:\.\d+)?\}?"  # 6√2, \sqrt{66}
    r"|\\[dt]?frac\s*\{-?\d+\}\s*\{\d+\}"                           # \frac{1}{4}
    r"|" + _FREE + r"\d*[\u00bc-\u00be\u2150-\u215e]"                           # ½, 1¾
    r"|" + _NUMBER.pattern)
#: operands and operators around the last number that make one value with it: "6 − 5i",
#: "20000/π", "3 × 2^5".  A minus needs spaces or the minus sign (``10-20`` is a range).
_OPERAND = r"(?:\d+(?:\.\d+)?|\u03c0|\\pi)"
_OPERATOR = r"(?:\s*[+\u2212\u00d7*\u00b7/^]\s*|\s+-\s+)"
#: the operands and operators before the last number, read from the right on the reversed
#: text (a search for them ending at the number is quadratic in a run of them)
_WIDEN_LEFT_REV = re.compile(r"(?:" + _OPERATOR + r"(?:\d+(?:\.\d+)?|\u03c0|ip\\)"
                             r"(?![\w.\-$]))+")
#: a widened value must be the whole expression: not inside parentheses ("a total of 630
#: (420 + 210)"), not continued by an operator or a function ("40 + 35·ceiling(h)"), not after
#: an operator or a variable ("M + 2 - 10")
_EXPR_BEFORE = re.compile(r"(?:[+\-\u2212\u00d7*\u00b7/^(\[{]|[A-Za-z]\s*[+\-\u2212*/])\s*$")
_EXPR_AFTER = re.compile(r"\s*[+\-\u2212\u00d7*\u00b7/^)\]}(]|[A-Za-z\d]")
_WIDEN_RIGHT = re.compile(r"(?:" + _OPERATOR + _OPERAND + r"(?![\w.]))*(?:\s*\u03c0|i)?"
                          r"(?![A-Za-z\d])")


def _last_number(text: str) -> Optional[Tuple[str, int, int]]:
    lo = max(0, len(text) - LAST_NUMBER_TAIL)
    # From one character before ``lo``: the lookbehinds at ``lo`` see what they saw in the
    # whole text, except that ``lo`` itself is never "a space after two spaces" (the scan
    # starts there, so a start at ``lo`` is the leftmost one, as without the slice).
    base = max(0, lo - 1)
    t = text[base:] if base else text
    last = _last_match(t, lo - base)
    if last is None:
        return None
    return (last.group().replace("$", ""), base + last.start(), base + last.end())


#: a number, a space, a unit and the caret of its power, just before a number
_UNIT_EXPONENT_BEFORE = re.compile(r"\d\s*(?:\\text\s*\{\s*)?[a-zA-Z]{1,5}\}?\s*\^\s*\{?\s*$")


def _signed(text: str, hit: Optional[Tuple[str, int, int]]) -> Optional[Tuple[str, int, int]]:
    """``hit`` with the "−" before it and the "%" after it: "The slope is −2." is -2, "The
    discount is 25%." is 25%."""
    if hit is None:
        return None
    v, s, e = hit
    if v[:1].isdigit() and s > 0 and (text[s - 1] == "\u2212" or (
            text[s - 1] == "\u2013" and (s == 1 or text[s - 2] in " \t\n(")) or (
            text[s - 1] == "-" and (s == 1 or text[s - 2] in " \t\n(") and "-" not in v)):
        v, s = "-" + v, s - 1
    if text[e:e + 1] == "%" and not v.endswith("%"):
        v, e = v + "%", e + 1
    return (v, s, e)


def _last_value(text: str) -> Optional[Tuple[str, int, int]]:
    """The last number (:func:`_last_number`), or the expression it ends when that parses
    as one value and is the whole expression: "w = 6 − 5i", "is 20000/π square meters"."""
    hit = _last_number(text)
    if hit is None:
        return None
    v, s, e = hit
    unit = _UNIT_EXPONENT_BEFORE.search(text, max(0, s - 40), s)
    if unit is not None and v in ("2", "3"):
        # "The area is 42 m^2.": the 2 is the unit's power; the value is the number before
        hit2 = _last_number(text[:unit.start() + 1])
        if hit2 is not None and hit2[2] == unit.start() + 1:
            return hit2
    if text[s:s + 1].isdigit() and "," not in v:
        before = text[max(0, s - 81):s][::-1]
        left = _WIDEN_LEFT_REV.match(before)
        right = _WIDEN_RIGHT.match(text, e)
        # a run that reaches the window's edge may go on: not widened
        s2 = s - left.end() if left and (left.end() < len(before) or s <= 81) else s
        e2 = right.end() if right else e
        if (s2, e2) != (s, e) and not _EXPR_BEFORE.search(text, max(0, s2 - 3), s2) and \
                not _EXPR_AFTER.match(text, e2) and \
                _parse_value(normalize_answer(text[s2:e2]), "label").kind != "none":
            return (text[s2:e2].strip(), s2, e2)
    return hit


#: A character that no match of _LAST_VALUE holds (it is none of the characters its branches
#: consume), so no match spans it.
_VALUE_BLOCKER = r"[^\d\s\-$,./{}\\\u221asqrtdfac\u00bc-\u00be\u2150-\u215e]"
_LAST_BLOCKER = re.compile(r"(?s:.*)" + _VALUE_BLOCKER)


def _last_match(t: str, start: int) -> "Optional[re.Match[str]]":
    """The last match of ``_LAST_VALUE.finditer(t, start)``, from a scan of the end of ``t``.
    The matches of a scan that starts on a character no match can hold are those of the full
    scan that start after it (a match depends only on where it starts; the full scan cannot
    be inside a match there), so when such a scan finds any, its last is the last; when it
    finds none, a longer end is scanned."""
    n = len(t)
    span = 256
    while True:
        m = _LAST_BLOCKER.match(t, start, max(start, n - span))
        s = m.end() - 1 if m is not None else start
        last = None
        for last in _LAST_VALUE.finditer(t, s):
            pass
        if last is not None or s == start:
            return last
        span *= 4


#: an ``<answer>`` block; its content is bounded so that a stray tag cannot swallow a text
_ANSWER_TAG = re.compile(r"<answer>([^<]{0,2000}?)</answer>", re.I)
#: the longest tag content taken whole as the answer when no explicit form is inside
ANSWER_TAG_MAX = 200


def _answer_tag(text: str, lo: int) -> Optional[Tuple[str, str, int, int]]:
    """The last ``<answer>...</answer>`` block: an explicit form inside it, else its content
    when it is short (a value, not a paragraph)."""
    last = None
    for last in _ANSWER_TAG.finditer(text, lo):
        pass
    if last is None or not last.group(1).strip():
        return None
    s, e = last.start(1), last.end(1)
    inner = _explicit(text[:e], s)
    if inner is not None:
        return inner
    body = text[s:e]
    if len(body.strip()) > ANSWER_TAG_MAX:
        return None
    s += len(body) - len(body.lstrip())
    e -= len(body) - len(body.rstrip())
    return "answer-tag", _clean_value(text[s:e]), s, e


_FINAL = re.compile(r"final\s+answer", re.I)
#: a word of two or more letters (outside LaTeX commands)
_WORD2 = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")


def _hash_answer(text: str, m: "re.Match[str]") -> bool:
    """Whether a ``#### ...`` line is GSM8K's answer line rather than a Markdown heading
    ("#### Step 2: Money", "#### Final Answer"): the text's last line, or a value -- a
    digit, no colon, at most one word (a unit: "#### 18 dollars")."""
    if not text[m.end():].strip():
        return True
    v = m.group(1)
    return _DIGIT.search(v) is not None and ":" not in v and len(_WORD2.findall(v)) <= 1


#: an answer that declines to give a value (a missing-premise question's right answer)
_ABSTAIN = re.compile(r"\b(?:enough|sufficient|insufficient|cannot|can't|can\s+not|impossible|"
                      r"(?:don't|do\s+not|doesn't|does\s+not)\s+(?:know|provide|give|say)|lacks?|"
                      r"unclear|ambiguous|"
                      r"undetermined|indeterminate|no\s+(?:solution|answer|way)|not\s+possible|"
                      r"unanswerable|missing|not\s+(?:given|provided|specified|defined)|unknown)\b",
                      re.I)
#: a digit, LaTeX, or a math sign: what a stated value holds (besides a short word answer)
_VALUE_LIKE = re.compile(r"[\d\\=+\u2212\u00d7\u00f7/^\u221a\u03c0%$]")


def _explicit(text: str, lo: int = 0, kind: Optional[str] = None
              ) -> Optional[Tuple[str, str, int, int]]:
    b = _boxed(text, lo)
    if b is not None and b[0].strip():
        # "So \boxed{40}. Wait, I made an error ... so the final answer is 42": a later
        # final-answer statement corrects the box
        later = _answer_is(text, b[2], kind)
        if later is not None and _FINAL.search(text, max(b[2], later[1] - 40), later[1]):
            return ("answer-is",) + later
        return ("boxed",) + (_clean_value(b[0]), b[1], b[2])
    for rx in (_HASH4, _HASH_NUM):
        last = None
        for m in rx.finditer(text, lo):
            if rx is _HASH_NUM or _hash_answer(text, m):
                last = m
        if last is not None:
            return ("hash", _clean_value(last.group(1)), last.start(1), last.end(1))
    j = _json_answer(text, lo)
    if j is not None:
        return ("json",) + j
    t = _answer_tag(text, lo)
    if t is not None:
        return t
    a = _answer_is(text, lo, kind)
    if a is not None:
        val = a[0]
        if _BARE_OPTION.fullmatch(val):
            return ("option",) + a
        return ("answer-is",) + a
    o = _option(text, lo)
    if o is not None:
        return ("option",) + o
    return None


def extract_answer(answer_text: Optional[str], reasoning_text: Optional[str],
                   fallback: bool = True, truncated: bool = False,
                   kind: Optional[str] = None, prompt: Optional[str] = None
                   ) -> Optional[ExtractedAnswer]:
    """The final answer of a trace, or None.

    The answer text is searched first (all of it), then the last ``REASONING_TAIL``
    characters of the reasoning.  With ``fallback=True`` the last number of the answer text
    (else of the reasoning's end) is used when no explicit form is found; it is recorded as
    method ``last-number``.  A ``truncated`` trace (the output was cut: token limit, budget,
    unclosed thinking, a text that breaks off) never gets the fallback: the last number of a
    cut-off loop is where the cut fell, not an answer.

    ``kind`` is the kind of answer expected (:func:`reference_kind` of the reference:
    ``letter``, ``text`` or ``value``); it changes the fallback, and for ``value`` it passes
    over an "answer is" statement that is prose, with no digit, LaTeX or math sign and more
    than three words ("The final answer is the speed at which John runs.").  For ``text`` the fallback is the final sentence (method
    ``last-sentence``: "Therefore, the skater is facing east."), for ``letter`` the last
    option letter of the final sentence (also ``last-sentence``: "this is **(B) ...**"),
    before the last number.  Both fallbacks are in :data:`FALLBACK_METHODS`.

    When the last number sits in the final sentence next to other numbers, the number that
    sentence states is taken instead: the only one the question (``prompt``, optional) does
    not contain, else the last one after a cue word ("So they should have ordered 8 meals
    for all 12 friends" -> 8; "... is 2, because if he had 3 or more ..." -> 2).
    """
    for field, text in (("answer", answer_text), ("reasoning", reasoning_text)):
        if not text or not text.strip():
            continue
        lo = 0 if field == "answer" else max(0, len(text) - REASONING_TAIL)
        hit = _explicit(text, lo, kind)
        if hit is not None:
            method, value, s, e = hit
            return ExtractedAnswer(value=value, method=method, field=field, start=s, end=e)
    if not fallback or truncated:
        return None
    texts = [(f, t) for f, t in (("answer", answer_text), ("reasoning", reasoning_text))
             if t and t.strip()]
    return _fallback(texts, kind, prompt)


_LINE_LETTER = re.compile(r"[ \t*]*(?:\(([A-J])\)|([A-J])[.):])[ \t*]")


def _fallback(texts: Sequence[Tuple[str, str]], kind: Optional[str], prompt: Optional[str]
              ) -> Optional[ExtractedAnswer]:
    """The fallback answer of the first of ``texts`` that has one (see
    :func:`extract_answer`)."""
    if kind == "letter":
        for field, text in texts:
            # a last line that opens with an option: "(B) 42", "B) 42", "B. 42"
            body = text.rstrip()
            start = body.rfind("\n") + 1
            m = _LINE_LETTER.match(body, start)
            if m is not None:
                g = m.lastindex or 1
                return ExtractedAnswer(value=m.group(g), method="last-sentence", field=field,
                                       start=m.start(g), end=m.end(g))
    if kind in ("text", "letter"):
        for field, text in texts:
            sent = _final_sentence(text)
            if sent is None:
                continue
            s, e = sent
            if kind == "text":
                return ExtractedAnswer(value=_clean_value(text[s:e]), method="last-sentence",
                                       field=field, start=s, end=e)
            letter = _sentence_letter(text, s, e)
            if letter is not None:
                return ExtractedAnswer(value=text[letter[0]:letter[1]],
                                       method="last-sentence", field=field, start=letter[0],
                                       end=letter[1])
    for field, text in texts:
        hit2 = _last_value(text)
        if hit2 is not None:
            # the sign and percent sign written against the number it settles on
            hit2 = cast(Tuple[str, int, int], _signed(text, _stated_number(text, hit2, prompt)))
            value, s, e = hit2
            return ExtractedAnswer(value=value, method="last-number", field=field, start=s, end=e)
    return None


#: the sentences of a line; a closing remark that states nothing ("Let me know if ...",
#: a question back to the reader); a heading ("**Conclusion:**", "## Answer")
_SENTENCE = re.compile(r"[^\s][^\n]*?(?:[.!?](?=\s|$)|(?=\n)|$)")
_REMARK = re.compile(r"(?:let me know|i hope|hope this|feel free|if you|please|do you|would you|"
                     r"good luck|happy to|note\b)|.*\?\W*$", re.I)
_HEADING = re.compile(r"(?:#+\s.*|[^\w]*[\w\s]{0,40}:\W*)")
#: an option letter in a sentence: "(B)", "**C**", "option D"
_SENT_LETTER = re.compile(r"\(([A-J])\)|\*\*([A-J])[.)]?\*\*|(?i:option|choice)\s+\(?([A-J])\b"
                          r"|\b([A-J])\s+is\s+(?:the\s+)?(?:correct|right|answer)\b"
                          r"|(?i:answer|option|choice)\s+(?:must|should|would)\s+be\s+\(?([A-J])\b")


def _final_sentence(text: str) -> Optional[Tuple[int, int]]:
    """Span of the last sentence of ``text`` that states something (closing remarks,
    questions back to the reader and headings skipped), within the last
    ``LAST_NUMBER_TAIL`` characters."""
    lo = max(0, len(text) - LAST_NUMBER_TAIL)
    best = None
    for m in _SENTENCE.finditer(text, lo):
        body = m.group().strip(" \t*_>-\u2022")
        if len(_WORD3.findall(body)) < 2 or _REMARK.match(body) or _HEADING.fullmatch(body):
            continue
        best = (m.start(), m.end())
    return best


#: a word that introduces a conclusion inside a sentence
_CONCLUSION = re.compile(r"\b(?:so|thus|therefore|hence|then)\b", re.I)
#: what follows an operand: an operator or an equals sign
_OPERAND_NEXT = re.compile(r"\s*(?:[A-Za-z]+\s+){0,3}(?:[-+\u2212\u00d7\u00f7*\u00b7/^=]|x\s*\d)")
#: what precedes a number that is stated as a result: "= 4", "gives 5", "is 2"
_RESULT_BEFORE = re.compile(r"(?:[=\u2248]|\b(?:is|are|was|were|be|gives?|equals?|makes?|needs?|"
                            r"totals?|of|to|get|gets|by)\s)\s*(?:about\s+|approximately\s+)?"
                            r"\$?\s*$", re.I)


def _stated_number(text: str, hit: Tuple[str, int, int], prompt: Optional[str]
                   ) -> Tuple[str, int, int]:
    """``hit`` (the last value of ``text``), or the number the final sentence holding it
    states when that is another of its numbers (see :func:`extract_answer`)."""
    if not prompt:
        return hit
    known = number_values(prompt)
    if P.parse_number_text(hit[0]) not in known or \
            _RESULT_BEFORE.search(text, max(0, hit[1] - 30), hit[1]):
        return hit  # a result: only a restated number of the question is looked past
    sent = _final_sentence(text)
    if sent is None or not sent[0] <= hit[1] < hit[2] <= sent[1]:
        return hit
    s, e = sent
    nums = [m for m in _SENT_NUMBER.finditer(text, s, e) if text[m.end():m.end() + 1] != "-"]
    if len(nums) < 2:
        return hit
    # an operand ("is 7×29 = 203", "costs 70 − 60 = 10") is not what the sentence states
    nums = [m for m in nums if not _OPERAND_NEXT.match(text, m.end())]
    chosen: Optional[Tuple[int, int]] = None
    fresh = [m for m in nums if "/" in m.group()
             or P.parse_number_text(m.group().replace("$", "")) not in known]
    if len(fresh) == 1:
        chosen = fresh[0].span()
    if chosen is None:
        cue = None
        for c in _CUE_NUM.finditer(text, s, e):
            if not _OPERAND_NEXT.match(text, c.end(1)):
                cue = c
        if cue is not None:
            chosen = cue.span(1)
    if chosen is None or chosen[1] > hit[1] and chosen[0] < hit[2]:
        return hit
    if chosen[0] < hit[1] and _CONCLUSION.search(text, chosen[1], hit[1]):
        return hit  # "4 + 3 + 2 = 9 slices are eaten, so 3 slices remain": the conclusion
    return (text[chosen[0]:chosen[1]].replace("$", ""), chosen[0], chosen[1])


def _sentence_letter(text: str, s: int, e: int) -> Optional[Tuple[int, int]]:
    last = None
    for m in _SENT_LETTER.finditer(text, s, e):
        last = m
    if last is None:
        return None
    g = last.lastindex or 1
    return (last.start(g), last.end(g))


_MEMO_SIZE = 4096
_MEMO_TEXT = 1000


def _memo(fn):
    """``fn`` remembered by its string arguments (the traces of one question share their
    reference, and short answers repeat).  Bounded: the table is emptied when full, and
    arguments longer than ``_MEMO_TEXT`` characters in all are not kept."""
    table: dict = {}

    @functools.wraps(fn)
    def memo(*args):
        if not all(type(a) is str for a in args) or sum(map(len, args)) > _MEMO_TEXT:
            return fn(*args)  # (also what is not hashable: a reference given as a list)
        hit = table.get(args)
        if hit is None:
            if len(table) >= _MEMO_SIZE:
                table.clear()
            hit = table[args] = fn(*args)
        return hit
    return memo


@_memo
def reference_answer(reference: str) -> str:
    """The final answer inside a reference: ``...#### 540`` -> ``540``, ``# 18`` -> ``18``,
    ``\\boxed{..}`` -> its content; otherwise the whole (stripped) reference."""
    ref = str(reference).strip()
    hit = _explicit(ref, 0)
    if hit is not None and hit[0] in ("hash", "boxed", "json", "answer-is"):
        return hit[1]  # "... #### 540", "\\boxed{18}", "The answer is 42", "Answer: 42"
    return ref


def reference_kind(reference: str) -> str:
    """What kind of answer a reference asks for: ``letter`` (an option letter, also
    ``\\text{(B)}``), ``text`` (words without a number or a formula: ``\\text{east}``,
    ``Navin``) or ``value`` (anything else).  Only this kind of the reference may steer the
    extraction (:func:`extract_answer`'s ``kind``), never its value."""
    nr = normalize_answer(reference_answer(reference))
    if _LETTER_ONLY.fullmatch(nr):
        return "letter"
    if not _DIGIT.search(nr) and _WORD3.search(_LATEX_CMD.sub("", nr)) and \
            _parse_value(nr, "label").kind == "none":
        return "text"
    return "value"


# --------------------------------------------------------------------------------------------
# normalization

_TEXT_CMD = re.compile(r"\\(?:text|textbf|mathrm|mathbf|textit|mbox|operatorname)\s*\{([^{}]*)\}")
_DROP = re.compile(r"\\(?:left|right|displaystyle|textstyle|big|Big|bigl|bigr|Bigl|Bigr|!|,|;|:"
                   r"|quad|qquad)|~")
#: LaTeX's "\ " is a space; the "\ " of a row break "1 \\ 2" is not one
_ESC_SPACE = re.compile(r"(?<!\\)((?:\\\\)*)\\ ")
_DEGREE = re.compile(r"(?:\^\s*\{?\s*\\circ\s*\}?|\u00b0|\\degree)(?:\s*[FCK](?![A-Za-z]))?")
#: the power of a unit: "cm^2", "m^{3}", "ft²"
_UNIT_POWER = r"(?:\s*(?:\^\s*\{?\s*[23]\s*\}?|[\u00b2\u00b3]))?"
_UNIT_TAIL = re.compile(
    # a unit of two letters or more; a one-letter one only after a space and only a unit's
    # letter ("5 m", "3 g"): "2x", "3+2i", "x^2+2x" end in a variable, not a unit
    r"(?<=[\d)}])\s*(?:[a-zA-Z][a-zA-Z\-]+\.?|(?<=\s)[mgshlLKNJWV]\.?)" + _UNIT_POWER +
    # "km/h", "m/s^2"
    r"(?:\s*/\s*[a-zA-Z]+" + _UNIT_POWER + r")?"
    r"(?:\s+(?:[a-zA-Z][a-zA-Z\-]*\.?|per|/)){0,4}\s*$"
    # a measure word, unit or noun in Chinese/Japanese: "12个", "12 元", "3.5米", "5人"
    r"|(?<=[\d)}])\s*[\u3040-\u30ff\u3400-\u9fff]{1,8}\s*$")


#: an en dash used as a minus sign ("{ –2, 1 – √5 }"); between digits it is a range ("10–20")
_EN_DASH_MINUS = re.compile(r"(?<!\d)\u2013|\u2013(?!\d)")
#: trailing dots and spaces, read from the right
_DOTS_SPACES = re.compile(r"[.\s]*")


@_memo
def normalize_answer(s: str) -> str:
    """Answer text without LaTeX decoration, units after a number, ``$`` and end punctuation."""
    t = str(s).strip()
    t = t.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    for _ in range(3):
        t2 = _TEXT_CMD.sub(r"\1", t)
        if t2 == t:
            break
        t = t2
    t = _DEGREE.sub("", t)
    t = t.replace("+\\infty", "\\infty")  # "[2,+\infty)" is "[2,\infty)"
    t = _DROP.sub("", t)
    if "\\ " in t:
        t = _ESC_SPACE.sub(r"\1 ", t)
    t = t.replace("\\%", "%").replace("\\$", "").replace("$", "").replace("\uffe5", "").replace("\u00a5", "")
    if "\u2013" in t:
        t = _EN_DASH_MINUS.sub("-", t)
    t = t.strip().strip("*").strip()
    # drop the trailing dots and spaces (``re.sub(r"[.\s]+$", "", t)``, which is quadratic
    # in a run of spaces that does not end the text): their count, read from the right
    # (the cast: [.\s]* always matches)
    t = t[:len(t) - cast("re.Match[str]", _DOTS_SPACES.match(t[::-1])).end()]
    if _DIGIT.search(t):
        t2 = _UNIT_TAIL.sub("", t)
        if t2 and _DIGIT.search(t2):
            t = t2.strip()
    return t.strip()


#: option letters: alone, "(B) ...", "B. ...", "option B"
_LETTER_ONLY = re.compile(r"\(?\s*([A-Ja-j])\s*\)?[.:]?")
_LETTER_PAREN = re.compile(r"^\(?([A-J])\)(?![A-Za-z])")
#: "B (42)", "B - 42", "B, 42", "B: 42", "B — 42 apples": a letter, then its option's text
_LETTER_TEXT = re.compile(r"^([A-J])(?:\s*[-\u2014\u2013,:]|\s+\()")
_LETTER_DOT = re.compile(r"^([A-J])[.:]\s")
_OPTION_NAMED = re.compile(r"(?:option|choice)\s*\(?([A-J])\)?(?![A-Za-z])", re.I)
_BARE_OPTION = re.compile(r"\(?[A-J]\)?")


def _option_letter(s: str) -> Optional[str]:
    t = normalize_answer(s)
    m = _LETTER_ONLY.fullmatch(t)
    if m:
        return m.group(1).upper()
    m = _LETTER_PAREN.match(t) or _LETTER_DOT.match(t) or _LETTER_TEXT.match(t) or \
        _OPTION_NAMED.search(t)
    return m.group(1).upper() if m else None


# --------------------------------------------------------------------------------------------
# values


class _Value:
    __slots__ = ("kind", "value", "rpn", "pct", "nd")

    def __init__(self, kind, value=None, rpn=None, pct=False, nd=None):
        self.kind = kind      # exact | symbolic | poly | none
        self.value = value
        self.rpn = rpn
        self.pct = pct
        self.nd = nd          # decimals shown when the text is one decimal number


@_memo
def _parse_value(text: str, pct_mode: str = "label") -> _Value:
    """The value of an answer text (shared by the callers: a _Value is never changed)."""
    t = text.strip()
    if not t or len(t) > 400:
        return _Value("none")
    if len(t) > 1 and t[0] == "0" and t.isdigit() and t.isascii():
        t = t.lstrip("0") or "0"  # AIME's "033": in an answer, a number, not a code
    toks = P.tokenize(t)
    _merge_numbers(t, toks)
    # keep expression tokens only: drop words after numbers (units), degree marks
    expr: List[P.Tok] = []
    for i, k in enumerate(toks):
        if k.k in (P.DEG,):
            continue
        if k.k == P.WORD:
            if k.v in ("pi", "\u03c0"):
                expr.append(P.Tok(P.CONST, k.s, k.e, k.t, "pi", k.sp))
                continue
            if len(k.v) == 1:
                expr.append(P.Tok(P.VAR, k.s, k.e, k.t, k.v, k.sp))
                continue
            if expr and expr[-1].k in (P.NUM, P.RP, P.PCT, P.CONST):
                continue  # a unit
            return _Value("none")
        if k.k in (P.BND, P.NL, P.BLOCK, P.ANCHOR, P.AOPEN, P.ACLOSE, P.ELLIP, P.PM):
            return _Value("none")
        expr.append(k)
    if not expr:
        return _Value("none")
    # implicit products (2\sqrt{3}, 3x, (1)(2)) as the claim segmenter reads them, and
    # mixed numbers as the claim reader reads them (2\frac{1}{2} is 2.5, not 1)
    expr = _implicit(expr)
    expr = _latex_mixed(expr) or expr
    try:
        rpn, _ = P.compile_rpn(expr, P.DEFAULT_LIMITS, pct_mode)
    except (P.ParseError, P.Refused, P.Unsupported, KeyError, IndexError):
        return _Value("none")
    pct = any(k.k == P.PCT for k in expr)
    nd = None
    nums = [k for k in expr if k.k == P.NUM]
    if len(nums) == 1 and all(k.k in (P.NUM, P.PCT) or (k.k == P.OP and k.v in "+-")
                              for k in expr):
        nd = nums[0].nd
    if any(it[0] == "v" for it in rpn):
        return _Value("poly", rpn=rpn, pct=pct)
    try:
        return _Value("exact", P.eval_rpn(rpn), rpn, pct, nd)
    except P.NeedsSymbolic:
        return _Value("symbolic", None, rpn, pct, nd)
    except (P.Refused, P.Unsupported, P.NotNumeric, P.ParseError, IndexError):
        return _Value("none")


def _implicit(expr: List[P.Tok]) -> List[P.Tok]:
    """``expr`` with the implicit products written out: ``2\\sqrt{3}``, ``3x``, ``(1)(2)``,
    also inside a ``\\frac``'s arguments (``\\frac{2\\sqrt{3}}{3}``), but never between
    a ``\\frac``'s two argument groups."""
    out: List[P.Tok] = []
    expect_operand = True
    depth = 0
    fracs: List[List[int]] = []  # [depth of the \frac, argument groups still to close]
    for t in expr:
        arg_open = t.k == P.LP and bool(fracs) and fracs[-1][0] == depth and fracs[-1][1] > 0
        starts = t.k in (P.NUM, P.VAR, P.CONST, P.LP, P.FRAC, P.SQRT, P.FUNC)
        if starts and not expect_operand and out and not arg_open and _implicit_ok(out[-1], t):
            out.append(P.Tok(P.OP, t.s, t.s, "", "*", False, 0, "implicit"))
        out.append(t)
        if t.k in (P.NUM, P.VAR, P.CONST, P.PCT, P.SUP, P.FACT):
            expect_operand = False
        elif t.k == P.RP:
            expect_operand = False
            depth -= 1
            if fracs and fracs[-1][0] == depth:
                fracs[-1][1] -= 1
                if fracs[-1][1] == 0:
                    fracs.pop()
        elif t.k == P.FRAC:
            fracs.append([depth, 2])
            expect_operand = True
        elif t.k == P.LP:
            depth += 1
            expect_operand = True
        else:
            expect_operand = True
    return out


def _sympy_of(v: _Value, symbols):
    return P.to_sympy(v.rpn, P.DEFAULT_LIMITS, symbols)


def _close(a: Fraction, b: Fraction, nd: Optional[int]) -> bool:
    """a (exact) rounds to b shown with nd decimals, nd >= 2 (a truncation is not a rounding:
    0.66 for 2/3 does not match)."""
    if nd is None or nd < 2:
        return False
    return abs(a - b) * 2 <= Fraction(1, 10 ** nd)


def _repeating(v: Fraction) -> bool:
    """Whether v's decimal expansion does not terminate (its denominator has a prime factor
    other than 2 and 5): only such a number is written rounded."""
    d = v.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d != 1


def _rounds_to(ref: Fraction, a: _Value) -> bool:
    """An answer shown with a.nd decimals is a rounding of an exact reference that has no
    finite decimal form (1/3 as 0.33); a reference that has one must be written exactly."""
    return _repeating(ref) and _close(ref, a.value, a.nd)


def _numeric_match(a: _Value, r: _Value) -> Optional[bool]:
    """Exact comparison of two numeric values (None when either is not numeric)."""
    if a.kind == "exact" and r.kind == "exact":
        if a.value == r.value:
            return True
        return _rounds_to(r.value, a)
    return None


def answers_match(answer: str, reference: str, prompt: Optional[str] = None
                  ) -> Tuple[Optional[bool], Optional[str]]:
    """Whether an extracted answer matches a reference, and how that was decided
    (``letter`` / ``numeric`` / ``symbolic`` / ``string``; ``(None, None)`` when there is
    nothing to compare).  ``prompt`` (optional) helps to pick the number of a sentence
    answer: the one the question does not already contain.  An answer written with a decimal
    comma ("2,5", "0,125", "12,5 %": German, French, Russian, ... traces) matches the
    reference its decimal-point reading matches; a comma before exactly three digits
    ("1,234") stays a digit group."""
    ok, how = _answers_match(answer, reference, prompt)
    # not in brackets: "(0,5)" is a pair, "{0,125}" a set
    if ok is False and isinstance(answer, str) and "," in answer and \
            not any(b in answer for b in "([{"):
        alt = _decimal_commas(answer)
        if alt is not None:
            ok2, how2 = _answers_match(alt, reference, prompt)
            if ok2:
                return ok2, how2
    return ok, how


def _answers_match(answer: str, reference: str, prompt: Optional[str] = None
                   ) -> Tuple[Optional[bool], Optional[str]]:
    if answer is None or reference is None:
        return None, None
    ref = reference_answer(reference)
    if not str(ref).strip() or not str(answer).strip():
        return None, None
    # option letters
    rl = _option_letter(ref)
    if rl is not None and (_LETTER_ONLY.fullmatch(normalize_answer(ref)) or
                           _LETTER_ONLY.fullmatch(normalize_answer(answer))):
        # a letter reference; or a reference with its option text ("(C) 42", "Option C")
        # against a letter answer
        al = _option_letter(answer)
        return (al == rl), "letter"
    na, nr = normalize_answer(answer), normalize_answer(ref)
    if (_hedged(na) or _hedged(str(answer))) and not _hedged(nr):
        # "x > 7", "\\pm 7", "either 5 or 7", "7 or more" for 7: a relation or a hedge is
        # not the value, though it names it
        return False, "string"
    if "=" in na and "=" not in nr and _brackets(nr) and not _brackets(na):
        # "x = 2, y = 3" (or "x = 2 and y = 3") for the reference (2, 3)
        vals = [_ASSIGNMENT.fullmatch(x) for x in _AND.split(na)]
        if len(vals) == len(_split_top(nr)) > 1 and all(vals):
            b = _brackets(nr)
            na = b[:1] + ", ".join(v.group(1) for v in vals if v) + b[1:]
    wordy_ref = not _DIGIT.search(nr) and _WORD3.search(nr) is not None
    if "=" not in na:
        one = _ONE_ASSIGNMENT.fullmatch(nr)
        if one is not None:
            nr = one.group(1)  # the reference "x = 5" (or "y = 2x + 3") for the answer 5
    # an answer such as "((200/10)*400)*(1-0.3) = 32000": the value after the last '='
    # (not for a word reference: "Yes, because 6 × 7 = 42" answers "Yes")
    if "=" in na and "=" not in nr and not wordy_ref:
        na = na.rsplit("=", 1)[1].strip()
    elif _WORD3.search(_LATEX_CMD.sub("", na)):
        na = _value_after_cue(na) or na
    # an unbracketed list of values against a set is that set ("2, 3" for \{2, 3\}); not
    # prose ("3, since 2 is excluded") nor a percentage ("12,5 %"); an unbracketed reference
    # list is the set of solutions ("enter all the solutions, separated by commas")
    if _bare_list(nr) and (_bare_list(na) or _is_set(na)):
        nr = "\\{" + nr + "\\}"
    if _is_set(nr) and _bare_list(na):
        na = "\\{" + na + "\\}"
    # sets: unordered, "1 \pm \sqrt{5}" is two elements
    if _is_set(na) and _is_set(nr):
        xs, ys = _expand_pm(_split_top(na)), _expand_pm(_split_top(nr))
        if len(xs) != len(ys):
            return False, "string"
        used = [False] * len(ys)
        how = "numeric"
        for x in xs:
            for j, y in enumerate(ys):
                if not used[j]:
                    m, h = _match_one(x, y)
                    if m:
                        used[j] = True
                        if h == "symbolic":
                            how = h
                        break
            else:
                return False, how
        return True, how
    # tuples / sets / intervals: element by element
    ea, er = _split_top(na), _split_top(nr)
    if len(er) > 1 or len(ea) > 1:
        # an unbracketed list is read as the tuple it lists ("2, 3" for (2, 3)), never as an
        # interval or a vector of another bracket
        ba, br = _brackets(na), _brackets(nr)
        if len(ea) != len(er) or (ba != br and not (
                {ba, br} == {"()", ""} and _bare_list(na if not ba else nr))):
            return False, "string"
        methods = []
        for x, y in zip(ea, er):
            m, h = _match_one(x, y)
            if not m:
                return False, h or "string"
            methods.append(h)
        return True, "symbolic" if "symbolic" in methods else methods[0] if methods else "string"
    return _match_one(na, nr, str(answer), prompt)


_HEDGE = re.compile(r"[<>\u2260\u2264\u2265\u00b1]|\\(?:neq|ne|geq|ge|leq|le|gt|lt|pm|mp)(?![A-Za-z])"
                    r"|\beither\b|\bnot\b|\d\s*or\b|\bor\s*[-\d]")


def _hedged(s: str) -> bool:
    """A short value that is a relation or hedges between values ("x \\geq 7", "5 or 7",
    "not 7"); prose ("She has 7 apples, not 8") is left to the sentence reading."""
    return _HEDGE.search(s) is not None and len(_WORD3.findall(_LATEX_CMD.sub("", s))) <= 2 \
        and "," not in s


_ONE_ASSIGNMENT = re.compile(r"\s*[A-Za-z]\s*=\s*([^=,;]*[^=,;\s])\s*")
#: one "name = value" of a list of assignments, and what separates them
_ASSIGNMENT = re.compile(r"\s*[A-Za-z][A-Za-z0-9_]{0,7}\s*=\s*([^=,;]*[^=,;\s])\s*")
_AND = re.compile(r",|;|\band\b")

#: the last "is" / "are" / "equals" / ":" of a sentence answer
_VALUE_CUE = re.compile(r"(?:\b(?:is|are|equals|be)\b|:)\s*")
_PLAIN_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?%?")


def _value_after_cue(na: str) -> Optional[str]:
    """The expression or set a sentence answer ends with after its last cue ("The unordered
    set is { -2, 1 + √5, 1 - √5 }", "..., that is 2 × 5! × 5!"), or None.  Only a set or a
    parsed expression that is more than one plain number: a number in prose is left to
    :func:`_sentence_number`, which weighs bold values, currency and the question's numbers."""
    last = None
    for m in _VALUE_CUE.finditer(na):
        last = m
    if last is None:
        return None
    tail = normalize_answer(na[last.end():])
    if not tail or _PLAIN_NUMBER.fullmatch(tail):
        return None
    if _is_set(tail) or _parse_value(tail, "label").kind != "none":
        return tail
    return None


def _bare_list(s: str) -> bool:
    """An unbracketed list of values: commas, no brackets, no prose, no percent sign, no
    relation ("x=3, x≠2")."""
    return "," in s and not _brackets(s) and _NOT_BARE.search(s) is None and \
        _WORD3.search(_LATEX_CMD.sub("", s)) is None


_NOT_BARE = re.compile("[%=<>\u2260\u2264\u2265]|\\\\(?:neq|ne|le|ge|leq|geq|lt|gt)\\b")


def _is_set(s: str) -> bool:
    t = s.strip()
    return (t.startswith("\\{") and t.endswith("\\}")) or (t.startswith("{") and t.endswith("}")
                                                             and "," in t)


_SPACES = re.compile(r"\s*")


def _split_pm(it: str) -> Optional[Tuple[str, str]]:
    """The two groups of ``re.fullmatch(r"(.*?)\\s*\\\\pm\\s*(.*)", it)`` (None when it does
    not match), found with :meth:`str.find` in linear time (that pattern is quadratic in a
    run of spaces).  The left group is the text before the spaces before the first
    ``\\pm`` after which the rest holds no newline once its leading spaces are skipped
    (``.`` does not match a newline), and the left group must hold none either."""
    first_nl = it.find("\n")
    last_nl = it.rfind("\n")
    q = it.find("\\pm")
    while q != -1:
        r = q
        while r and it[r - 1].isspace():  # str.isspace is the class \s of a str pattern
            r -= 1
        if first_nl != -1 and first_nl < r:
            return None          # every later \pm leaves a newline on the left
        m = cast("re.Match[str]", _SPACES.match(it, q + 3)).end()  # \s* always matches
        if last_nl < m:
            return it[:r], it[m:]
        q = it.find("\\pm", q + 3)
    return None


def _expand_pm(items: List[str]) -> List[str]:
    out = []
    for it in items:
        m = _split_pm(it)
        if m and m[0].strip():
            out.append(f"{m[0]} + {m[1]}")
            out.append(f"{m[0]} - {m[1]}")
        else:
            out.append(it)
    return out


def _brackets(s: str) -> str:
    s = s.strip()
    return (s[:1] if s[:1] in "([{" else "") + (s[-1:] if s[-1:] in ")]}" else "")


#: prose (a word of three letters outside LaTeX commands); a thousands group
_WORD3 = re.compile(r"[^\W\d_]{3,}")  # a word of three letters, any script
_LATEX_CMD = re.compile(r"\\[A-Za-z]+")
_GROUP3 = re.compile(r"\d{3}(?:\.\d+)?")


def _split_top(s: str) -> List[str]:
    if "," not in s:
        return [s]  # what the split below gives when there is no comma to split at
    t = s.strip()
    bracketed = (len(t) >= 2 and t[0] in "([{" and t[-1] in ")]}") or t.startswith("\\{")
    if not bracketed and _WORD3.search(_LATEX_CMD.sub("", t)):
        return [s]  # prose with a thousands comma, not a tuple
    if len(t) >= 2 and t[0] in "([{" and t[-1] in ")]}":
        inner = t[1:-1]
        if inner.startswith("\\{"):
            inner = inner[2:]
    elif t.startswith("\\{") and t.endswith("\\}"):
        inner = t[2:-2]
    else:
        inner = t
    cur: List[str]
    parts, depth, cur = [], 0, []
    for ch in inner:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    if not bracketed and len(parts) > 1 and all(_GROUP3.fullmatch(p.strip()) for p in parts[1:]):
        return [s]  # 1,000,000 is one number; "(2,100)" is a pair
    return [p.strip() for p in parts if p.strip()] if len(parts) > 1 else [s]


_BOLD = re.compile(r"\*\*([^*\n]{1,40}?)(?:\*\*|$)")
_CUE_NUM = re.compile(r"\b(?:is|are|was|were|be|of|equals?|total|totals|paid|costs?|spends?|"
                      r"makes?|earns?|needs?|gets?|has|have|had|receives?|saves?|for)\s+"
                      r"(?:about\s+|approximately\s+|only\s+|exactly\s+)?"
                      r"(-?\$?\d[\d,]*(?:\.\d+)?%?)(?![\d-])", re.I)
_SENT_NUMBER = re.compile(_FREE + r"(?<!:)-?\$?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d:])"
                          r"|" + _FREE + r"(?<!:)-?\$?\d+(?:\.\d+)?(?:/\d+)?(?![\d:])")


#: a number word ("three", "twenty-one")
_NUMBER_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?")
#: a bold value with a number in it; a currency amount
_NUMERIC_HINT = re.compile(r"\d|\\sqrt|\u221a")
_CURRENCY_AMOUNT = re.compile(_FREE + r"-?\$(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def _sentence_number(s: str, prompt: Optional[str] = None) -> Optional[str]:
    """The number a sentence answer states ("Bentley paid $11,050 to fill 170 balloons"):
    a bold value, else the only currency amount, else the only number the question does not
    contain, else the last number after a cue word ("is", "a total of", "paid"), else the
    last number that is not part of a compound ("400-meter") or a time ("16:00")."""
    for m in _BOLD.finditer(s):
        inner = m.group(1).strip()
        if _NUMERIC_HINT.search(inner):
            return inner
        if _NUMBER_WORD.fullmatch(inner):
            vals = number_values(inner)  # "**three** treeks"
            if len(vals) == 1:
                return str(next(iter(vals)))
    cur = _CURRENCY_AMOUNT.findall(s)
    if len(cur) == 1:
        return cur[0].replace("$", "")
    nums = [m.group().replace("$", "") for m in _SENT_NUMBER.finditer(s)
            if s[m.end():m.end() + 1] != "-"]
    if prompt and len(nums) > 1:
        known = number_values(prompt)
        fresh = []
        for n in nums:
            v = P.parse_number_text(n.split("/")[0]) if "/" not in n else None
            if v is None or v not in known:
                fresh.append(n)
        if len(fresh) == 1:
            return fresh[0]
    cues = _CUE_NUM.findall(s)
    if cues:
        return cues[-1].replace("$", "")
    lead = _SENT_NUMBER.match(s.lstrip())
    if lead and nums:
        return nums[0]  # "5 cars drove through the jam in the first 15 minutes": the subject
    if nums:
        return nums[-1]
    return None


#: "2:00 pm" for an hour; whitespace; a name as reference
_HOUR = re.compile(r"(\d{1,2}):00\s*(?:[ap]\.?m\.?)?", re.I)
_HOUR_REF = re.compile(r"\d{1,2}")
_WS = re.compile(r"\s+")
_NAME = re.compile(r"[A-Za-z][A-Za-z .'-]{1,40}")


def _named_plainly(na: str, nr: str) -> bool:
    """``nr`` is a word of ``na`` and no contrast, comparison or other alternative stands
    next to it (within 25 characters)."""
    low = na.lower()
    hits = list(re.finditer(r"(?<![A-Za-z])" + re.escape(nr.lower()) + r"(?![A-Za-z])", low))
    return bool(hits) and not any(
        _CONTRAST.search(na, max(0, m.start() - 25), min(len(na), m.end() + 25)) for m in hits)


_YES_NO = ("yes", "no", "true", "false")
_FIRST_WORD = re.compile(r"[^\W\d_]+")
#: a sentence that names the reference among others, or denies it
_CONTRAST = re.compile(r"\b(?:not|no|never|than|or|and|but|unlike|instead|rather|neither|nor|if|"
                       r"whereas|versus|vs)\b|n't\b", re.I)

#: compass points and their abbreviations
_COMPASS = {"n": "north", "e": "east", "s": "south", "w": "west", "ne": "northeast",
            "nw": "northwest", "se": "southeast", "sw": "southwest"}


def _match_one(na: str, nr: str, raw: Optional[str] = None, prompt: Optional[str] = None
               ) -> Tuple[Optional[bool], Optional[str]]:
    ref_pct = nr.rstrip().endswith("%")
    hm = _HOUR.fullmatch(na.strip())
    if hm and _HOUR_REF.fullmatch(nr.strip()):
        return int(hm.group(1)) == int(nr.strip()), "numeric"  # "2:00 pm" for the hour 2
    r = _parse_value(nr, "label")
    a = _parse_value(na, "label")
    if a.kind == "none" and r.kind == "exact" and not _DIGIT.search(na) and \
            len(na.split()) <= 3:
        words = number_values(na)  # "five", "twelve apples"
        if len(words) == 1:
            a = _parse_value(str(next(iter(words))), "label")
    if a.kind == "none" and r.kind in ("exact", "symbolic"):
        # "James runs a total of 540 meters": the first number of a sentence
        fn = _sentence_number(raw if raw is not None else na, prompt)
        if fn is not None:
            a = _parse_value(normalize_answer(fn), "label")
    if r.kind == "exact" and a.kind == "exact":
        m = _numeric_match(a, r)
        if not m and ref_pct and not a.pct:
            # reference 50%: an answer of 0.5 is the same quantity
            m = a.value == r.value / 100 or _rounds_to(r.value / 100, a)
        elif not m and a.pct and not ref_pct:
            # reference 0.5 (a probability, a rate): an answer of 50% is the same quantity
            m = a.value / 100 == r.value or (a.nd is not None and _repeating(r.value) and
                                              _close(r.value, a.value / 100, a.nd + 2))
        return bool(m), "numeric"
    if r.kind in ("exact", "symbolic", "poly") and a.kind in ("exact", "symbolic", "poly"):
        return _symbolic_match(a, r, ref_pct)
    # strings
    sa = _WS.sub("", na).lower()
    sr = _WS.sub("", nr).lower()
    if _COMPASS.get(sa) == sr.replace("-", ""):
        return True, "string"  # \boxed{E} for east
    if sr in _YES_NO:
        first = _FIRST_WORD.match(na)
        if first is not None and first.group().lower() in _YES_NO:
            return first.group().lower() == sr, "string"  # "Yes, because 6 × 7 = 42"
    if sa != sr and r.kind == "none" and _NAME.fullmatch(nr) and \
            len(na.split()) <= 20 and _named_plainly(na, nr):
        # "Navin from Mauritius earns the most" vs "Navin"; not "Priya earns more than
        # Navin", "west, not east", "Priya and Navin"
        return True, "string"
    return sa == sr, "string"


def _symbolic_match(a: _Value, r: _Value, ref_pct: bool) -> Tuple[Optional[bool], str]:
    """Equivalence through sympy expressions built from our RPN (never from strings).
    :func:`_exact_decision` answers first where it can prove what sympy would say."""
    fast = _exact_decision(a, r)
    if fast is not None:
        return fast
    return _sympy_match(a, r)


#: sympy's verdict is "equal" when the difference is within this fraction of the reference
_SYMPY_TOL = 1e-20


def _exact_decision(a: _Value, r: _Value) -> Optional[Tuple[bool, str]]:
    """The result of :func:`_sympy_match` when it follows from exact arithmetic, else None.

    Polynomials (no pi, roots or factorials; literal exponents up to 8): equal polynomials
    are equal for sympy; a difference that keeps a variable term is not zero and keeps free
    symbols.  Numbers in :mod:`.surds` form: equal forms are equal values; different ones
    are far from equal when an enclosure of the difference is clear of sympy's tolerance,
    and then the decimal-rounding test is decided by an enclosure of the reference that no
    boundary of :func:`_close` falls in (sympy reads the reference to 40 digits; the
    enclosure is widened far beyond that).  Anything closer is left to sympy."""
    if a.kind == "poly" or r.kind == "poly":
        return _poly_decision(a.rpn, r.rpn)
    va, vr = S.value_of(a.rpn), S.value_of(r.rpn)
    if va is None or vr is None:
        return None
    if va == vr:
        return True, "symbolic"
    dlo, dhi = S.enclosure(S.difference(va, vr))
    rlo, rhi = S.enclosure(vr)
    big = max(abs(rlo), abs(rhi))
    if big > _FLOAT_SAFE or max(abs(dlo), abs(dhi)) > _FLOAT_SAFE:
        return None  # sympy's complex() of it would overflow
    gap = dlo if dlo > 0 else -dhi if dhi < 0 else None
    if gap is None or gap <= 2 * Fraction(_SYMPY_TOL) * max(Fraction(1), big):
        return None
    if a.kind == "exact" and a.nd is not None and a.nd >= 2:
        unit = Fraction(1, 10 ** a.nd)
        pad = big / 10 ** 30
        lo, hi = rlo - pad, rhi + pad
        av = a.value
        if any(lo <= b <= hi for b in (av - unit, av - unit / 2, av, av + unit / 2,
                                        av + unit, 0)):
            return None
        if _close(lo, av, a.nd):
            return True, "numeric"
    return False, "symbolic"


_FLOAT_SAFE = Fraction(10) ** 300


def _poly_decision(ra: tuple, rr: tuple) -> Optional[Tuple[bool, str]]:
    """Equal polynomials: (True, symbolic); a difference with a variable term: (False,
    symbolic) - also a polynomial with a variable term against any expression without
    variables; else None."""
    pa, pr = _plain_poly(ra), _plain_poly(rr)
    if pa is not None and pr is not None:
        diff = dict(pa)
        for m, c in pr.items():
            diff[m] = diff.get(m, 0) - c
        terms = [m for m, c in diff.items() if c]
        if not terms:
            return True, "symbolic"
        if any(m != () for m in terms):
            return False, "symbolic"
        return None
    for p, other in ((pa, rr), (pr, ra)):
        if p is not None and any(m != () for m in p) and \
                not any(it[0] == "v" for it in other):
            return False, "symbolic"  # a constant cannot cancel a variable term
    return None


def _plain_poly(rpn: tuple) -> Optional[dict]:
    """The polynomial of ``rpn`` when it is also exactly what sympy builds from it: every
    power has a literal exponent 0..8 (sympy bounds exponents), no pi (a symbol to
    eval_poly, a number to sympy), no roots or factorials (complex roots, factorial limits).
    Else None."""
    for i, it in enumerate(rpn):
        k = it[0]
        if k in ("c", "f", "fact"):
            return None
        if k == "b" and it[1] not in ("+", "-", "*", "/"):
            prev = rpn[i - 1] if i else None
            if prev is None or prev[0] != "n" or prev[1].denominator != 1 or \
                    not 0 <= prev[1] <= 8:
                return None
    try:
        return P.eval_poly(rpn, P.DEFAULT_LIMITS)
    except Exception:  # noqa: BLE001 - whatever eval_poly refuses, sympy decides
        return None


def _sympy_match(a: _Value, r: _Value) -> Tuple[Optional[bool], str]:
    try:
        sp = P._sympy()
        symbols: dict = {}
        ea = _sympy_of(a, symbols)
        er = _sympy_of(r, symbols)
        diff = sp.simplify(ea - er)
        if diff == 0:
            return True, "symbolic"
        if not diff.free_symbols:
            dv = complex(sp.N(diff, 30))
            scale = max(1.0, abs(complex(sp.N(er, 30))))
            if abs(dv) <= _SYMPY_TOL * scale:
                return True, "symbolic"
            # a decimal answer for an irrational reference, at its shown precision
            if a.kind == "exact" and a.nd is not None and a.nd >= 2 and not er.free_symbols:
                rv = Fraction(str(sp.N(er, 40)))
                if _close(rv, a.value, a.nd):
                    return True, "numeric"
        return False, "symbolic"
    except (P.Refused, P.Unsupported, P.NotNumeric, P.ParseError, ValueError, TypeError,
            ZeroDivisionError, OverflowError, AttributeError):
        return False, "symbolic"
    except Exception:  # pragma: no cover - sympy internals; a failure is not a verdict
        return None, "symbolic"
