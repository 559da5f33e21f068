"""Exact values built from rationals, square roots and pi: answer comparison without sympy.

A value here is a finite sum of terms ``q * sqrt(n) * pi**k`` (``q`` a Fraction, ``n`` a
square-free positive integer, ``k`` a small integer), stored as ``{(n, k): q}`` without zero
terms.  Square roots of distinct square-free integers are linearly independent over the
rationals and pi is transcendental, so this form is unique: two values are equal exactly when
their dicts are.  :func:`enclosure` bounds a value to about 75 digits with integer square
roots and a stored expansion of pi, so a difference can be proven far from zero.

:func:`value_of` reads the RPN of :func:`tracelint.grounding.parser.compile_rpn`.  Whatever
the form cannot hold exactly - a root of a sum or of a negative number, a root other than
the square root, a sum in a denominator, a non-integer or large exponent, a factorial, a
variable, a radicand it cannot split into square and square-free parts cheaply - gives
``None``: the caller then decides another way (sympy).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Dict, Optional, Sequence, Tuple

__all__ = ["Surd", "value_of", "difference", "enclosure"]

Surd = Dict[Tuple[int, int], Fraction]

_MAX_TERMS = 32
_MAX_BITS = 4096     # numerator / denominator bits of a coefficient
_MAX_EXPONENT = 16   # |e| of x^e (sympy's own bound is larger: the rest is left to it)
_MAX_PI = 8          # |k| of pi^k
#: A radicand left after the small primes are divided out is square-free when it is below
#: the cube of the next prime and not a square (at most two prime factors, both large).
_TRIAL_LIMIT = 1000
_SMALL_PRIMES = tuple(p for p in range(2, _TRIAL_LIMIT)
                      if all(p % d for d in range(2, math.isqrt(p) + 1)))
_MAX_RADICAND = 1 << 256
#: pi to 79 decimals (floor); the true value lies within one unit of the last one above.
_PI_DIGITS = 79
_PI_FLOOR = Fraction(
    31415926535897932384626433832795028841971693993751058209749445923078164062862089,
    10 ** _PI_DIGITS)
_PI_CEIL = _PI_FLOOR + Fraction(1, 10 ** _PI_DIGITS)
_BITS = 256          # fixed-point precision of the square-root bounds


def _ok(v: Surd) -> bool:
    if len(v) > _MAX_TERMS:
        return False
    for (_n, k), q in v.items():
        if abs(k) > _MAX_PI or q.numerator.bit_length() > _MAX_BITS or \
                q.denominator.bit_length() > _MAX_BITS:
            return False
    return True


def _add(a: Surd, b: Surd, sign: int) -> Surd:
    out = dict(a)
    for key, q in b.items():
        s = out.get(key, 0) + sign * q
        if s:
            out[key] = s
        else:
            out.pop(key, None)
    return out


def _mul(a: Surd, b: Surd) -> Surd:
    out: Surd = {}
    for (n1, k1), q1 in a.items():
        for (n2, k2), q2 in b.items():
            g = math.gcd(n1, n2)  # sqrt(n1 n2) = g sqrt((n1/g)(n2/g)), the latter square-free
            key = ((n1 // g) * (n2 // g), k1 + k2)
            s = out.get(key, 0) + q1 * q2 * g
            if s:
                out[key] = s
            else:
                out.pop(key, None)
    return out


def _inverse(b: Surd) -> Optional[Surd]:
    """1/b for a single term (1/(q sqrt(n) pi^k) = sqrt(n) / (q n) * pi^-k), else None."""
    if len(b) != 1:
        return None
    (n, k), q = next(iter(b.items()))
    return {(n, -k): 1 / (q * n)}


def _rational(v: Surd) -> Optional[Fraction]:
    if not v:
        return Fraction(0)
    if len(v) == 1 and (1, 0) in v:
        return v[(1, 0)]
    return None


def _square_free(m: int) -> Optional[Tuple[int, int]]:
    """(s, f) with m = s*s*f and f square-free, for 0 < m <= _MAX_RADICAND; None when the
    part left after trial division cannot be classified cheaply."""
    s, f = 1, 1
    for p in _SMALL_PRIMES:
        pp = p * p
        if pp > m:
            break
        while m % pp == 0:
            m //= pp
            s *= p
        if m % p == 0:
            m //= p
            f *= p
    if m > 1:
        r = math.isqrt(m)
        if r * r == m:
            s *= r
        elif m < _TRIAL_LIMIT ** 3:
            f *= m
        else:
            return None
    return s, f


def _sqrt(a: Surd) -> Optional[Surd]:
    x = _rational(a)
    if x is None or x < 0:
        return None
    if x == 0:
        return {}
    m = x.numerator * x.denominator  # sqrt(p/q) = sqrt(p q) / q
    if m > _MAX_RADICAND:
        return None
    sf = _square_free(m)
    if sf is None:
        return None
    s, f = sf
    return {(f, 0): Fraction(s, x.denominator)}


def _power(a: Surd, b: Surd) -> Optional[Surd]:
    e = _rational(b)
    if e is None or e.denominator != 1 or abs(e) > _MAX_EXPONENT or (e <= 0 and not a):
        return None
    base = a
    if e < 0:
        inv = _inverse(a)
        if inv is None:
            return None
        base = inv
    out: Surd = {(1, 0): Fraction(1)}
    for _ in range(abs(int(e))):
        out = _mul(out, base)
        if not _ok(out):
            return None
    return out


def value_of(rpn: Sequence[tuple]) -> Optional[Surd]:
    """The exact value of a numeric RPN expression in the form of the module doc, or None
    (see there).  Mirrors :func:`tracelint.grounding.parser.to_sympy` item by item, so that
    where a value is returned it is the value of the sympy expression built from ``rpn``."""
    st = []
    for it in rpn:
        kind = it[0]
        if kind == "n":
            st.append({(1, 0): it[1]} if it[1] else {})
        elif kind == "c":
            st.append({(1, 1): Fraction(1)})
        elif kind == "u":
            if not st:
                return None
            if it[1] == "-":
                st[-1] = {key: -q for key, q in st[-1].items()}
        elif kind == "pct":
            if not st:
                return None
            st[-1] = {key: q / 100 for key, q in st[-1].items()}
        elif kind == "b":
            if len(st) < 2:
                return None
            b = st.pop()
            a = st.pop()
            op = it[1]
            if op == "+" or op == "-":
                r: Optional[Surd] = _add(a, b, 1 if op == "+" else -1)
            elif op == "*":
                r = _mul(a, b)
            elif op == "/":
                inv = _inverse(b)
                r = None if inv is None else _mul(a, inv)
            elif op == "^":
                r = _power(a, b)
            else:
                return None
            if r is None or not _ok(r):
                return None
            st.append(r)
        elif kind == "f":
            if not st or it[1] != ("root", 2):
                return None
            r = _sqrt(st[-1])
            if r is None:
                return None
            st[-1] = r
        else:  # a variable, a factorial, anything new: not this form
            return None
    return st[0] if len(st) == 1 else None


def difference(a: Surd, b: Surd) -> Surd:
    """a - b."""
    return _add(a, b, -1)


def _sqrt_bounds(n: int) -> Tuple[Fraction, Fraction]:
    if n == 1:
        return Fraction(1), Fraction(1)
    lo = math.isqrt(n << (2 * _BITS))
    return Fraction(lo, 1 << _BITS), Fraction(lo + 1, 1 << _BITS)


def _pi_bounds(k: int) -> Tuple[Fraction, Fraction]:
    if k >= 0:
        return _PI_FLOOR ** k, _PI_CEIL ** k
    return 1 / _PI_CEIL ** -k, 1 / _PI_FLOOR ** -k


def enclosure(v: Surd) -> Tuple[Fraction, Fraction]:
    """An interval [lo, hi] that contains the value ``v`` (exact when ``v`` is rational),
    about 75 significant digits wide."""
    lo = hi = Fraction(0)
    for (n, k), q in v.items():
        s0, s1 = _sqrt_bounds(n)
        p0, p1 = _pi_bounds(k)
        t0, t1 = q * s0 * p0, q * s1 * p1  # all factors but q are positive
        lo += min(t0, t1)
        hi += max(t0, t1)
    return lo, hi
