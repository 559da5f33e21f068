"""Numbers in free text: the values a prompt makes available to the reasoning.

:func:`number_values` collects every value a text states - literals (``1,250``, ``3.5``,
``$12.50``), percentages in both readings (``15%`` -> 15 and 0.15), fractions with their parts
(``3/4`` -> 3, 4, 0.75), and number words (``three``, ``twenty-five``, ``a dozen``, ``half``,
``twice``).  NUM002 uses it to decide whether an operand of a calculation came from somewhere.

:func:`number_units` tells which unit the text writes after each literal ("4 feet", "3-inch",
"$12"); NUM004 uses it to see a sum of numbers whose units differ.
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Dict, FrozenSet, Iterable, Optional, Set, Tuple, Union

__all__ = ["number_values", "number_units", "is_grounded", "DEFAULT_CONSTANTS"]

_NUM = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
                  r"(?:\s*(%|percent\b)|\s*/\s*(\d+(?:\.\d+)?))?")
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10 ** 6, "billion": 10 ** 9}
_SPECIAL: Dict[str, Union[int, Fraction]] = {
    "half": Fraction(1, 2), "halves": Fraction(1, 2), "third": Fraction(1, 3),
    "thirds": Fraction(1, 3), "quarter": Fraction(1, 4), "quarters": Fraction(1, 4),
    "fourth": Fraction(1, 4), "fifth": Fraction(1, 5), "tenth": Fraction(1, 10),
    "twice": 2, "double": 2, "doubled": 2, "triple": 3, "tripled": 3, "thrice": 3,
    "quadruple": 4, "dozen": 12, "dozens": 12, "pair": 2, "pairs": 2, "couple": 2,
    "score": 20, "once": 1, "single": 1,
}
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?")

#: Values that need no source: unit conversions and calendar facts every solver uses.
DEFAULT_CONSTANTS = (12, 24, 60, 100, 1000, 7, 30, 31, 365, 52, 360, 180, 90, 3600, 16, 20,
                     50, 25, 1440, 10080, 8760, 0.5, 0.25, 0.75)


def _literal(lit: str) -> Fraction:
    """Fraction(lit) for digits with at most one decimal point (parsed without the regex
    that Fraction's string constructor runs)."""
    if "." not in lit:
        return Fraction(int(lit))
    ip, fp = lit.split(".")
    scale = 10 ** len(fp)
    return Fraction(int(ip or "0") * scale + int(fp), scale)


#: Every word the number-word reading looks at (a hyphenated word is looked at too).
_VOCAB = frozenset(_UNITS) | frozenset(_TENS) | frozenset(_SPECIAL)


def number_values(text: str, limit: int = 2_000_000) -> Set[Fraction]:
    """All values stated in ``text`` (see the module doc)."""
    out: Set[Fraction] = set()
    if not text:
        return out
    t = text[:limit]
    for m in _NUM.finditer(t):
        lit = m.group(1).replace(",", "")
        if len(lit) > 60:
            continue
        v = _literal(lit)
        out.add(v)
        if m.group(2):
            out.add(v / 100)
        if m.group(3):
            d = _literal(m.group(3))
            out.add(d)
            if d:
                out.add(v / d)
    # words are ASCII letters and hyphens: lowering them joined is lowering each
    words = "\n".join(_WORD.findall(t)).lower().split("\n")
    n = len(words)
    skip = -1  # the last word read as the units of the tens before it ("twenty three")
    for i in [i for i, w in enumerate(words) if w in _VOCAB or "-" in w]:
        if i <= skip:
            continue
        w = words[i]
        if w in _SPECIAL:
            out.add(Fraction(_SPECIAL[w]))
        val = None
        parts = w.split("-")
        if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS:
            val = _TENS[parts[0]] + _UNITS[parts[1]]
        elif w in _UNITS:
            val = _UNITS[w]
        elif w in _TENS:
            val = _TENS[w]
            if i + 1 < n and words[i + 1] in _UNITS and words[i + 1] != "zero":
                val += _UNITS[words[i + 1]]
                i = skip = i + 1
        if val is not None:
            out.add(Fraction(val))
            if i + 1 < n and words[i + 1] in _SCALES:
                out.add(Fraction(val * _SCALES[words[i + 1]]))
            if i + 1 < n and words[i + 1] in ("percent", "%"):
                out.add(Fraction(val, 100))
    return out


_NUM_UNIT = re.compile(r"(?<![\w.,])(\$)?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d,.]*\d)"
                       r"(?:[ \t]*-?[ \t]*([A-Za-z]+))?")


def number_units(text: str, units: Dict[str, Tuple[str, str]],
                 limit: int = 200_000) -> Dict[Fraction, Set[Optional[Tuple[str, str]]]]:
    """Value -> the units written after its literals in ``text`` (``(family, canonical)`` from
    ``units``, the claim checker's unit table; ``None`` for a literal with no known unit, so a
    value written with two units or once without one is ambiguous).  ``$12`` is in dollars."""
    out: Dict[Fraction, Set[Optional[Tuple[str, str]]]] = {}
    for m in _NUM_UNIT.finditer(text[:limit]):
        lit = m.group(2).replace(",", "")
        if len(lit) > 60:
            continue
        word = (m.group(3) or "").lower()
        unit = units.get("dollar") if m.group(1) else units.get(word)
        out.setdefault(_literal(lit), set()).add(unit)
    return out


def is_grounded(value: Fraction, known: Set[Fraction], small_max: int,
                constants: Iterable[float]) -> bool:
    """Whether ``value`` is available: a small integer, a constant, or a known value (also
    as a percentage of one: 15 <-> 0.15)."""
    if value.denominator == 1 and abs(value.numerator) <= small_max:
        return True
    a = abs(value) if value < 0 else value
    if a in known or (a is not value and value in known):
        return True
    if a * 100 in known or a / 100 in known:
        return True
    return a in _constant_values(constants)


_CONST_CACHE: Dict[Tuple[float, ...], FrozenSet[Fraction]] = {}


def _constant_values(constants: Iterable[float]) -> FrozenSet[Fraction]:
    """The constants as exact values (``limit_denominator(10**6)`` of each), computed once
    per distinct list of constants instead of once per operand."""
    key = tuple(constants)
    hit = _CONST_CACHE.get(key)
    if hit is None:
        hit = frozenset(Fraction(c).limit_denominator(10 ** 6) for c in key)
        if len(_CONST_CACHE) < 64:
            _CONST_CACHE[key] = hit
    return hit
