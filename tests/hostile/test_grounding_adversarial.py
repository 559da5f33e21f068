"""Hostile inputs: every one must finish promptly and come back as *unchecked* (never wrong,
never a hang, never RecursionError).  Each test runs under a 10 s SIGALRM guard instead of a
timing assertion."""
from __future__ import annotations

import signal
import sys
from contextlib import contextmanager
from fractions import Fraction

import pytest

import tracelint.grounding.claims as CL
from tracelint.grounding import parser as P
from tracelint.grounding.answer import answers_match, extract_answer
from tracelint.grounding.claims import check_claim_text

CL.STRICT = True


@contextmanager
def guard(seconds=10):
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - Windows
        yield
        return

    def boom(signum, frame):
        raise TimeoutError("took longer than the guard")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def only_unchecked(text):
    with guard():
        cl = check_claim_text(text)
    assert cl, "the claim was not found"
    assert all(c.status == "unchecked" for c in cl), [(c.lhs, c.rhs, c.status) for c in cl]
    return cl


def test_power_tower():
    only_unchecked("9^9^9^9 = 1")


def test_power_tower_latex():
    only_unchecked(r"9^{9^{9^{9}}} = 1")


def test_huge_power():
    only_unchecked("10**100000 = 1")
    only_unchecked("10^100000 = 1")


def test_huge_factorial():
    only_unchecked("100000! = 1")


def test_megabyte_digit_string_left():
    only_unchecked("1" * 1_000_000 + " + 1 = 2")


def test_megabyte_digit_string_right():
    only_unchecked("5 + 5 = " + "9" * 1_000_000)


def test_megabyte_digit_string_in_annotation():
    with guard():
        cl = check_claim_text("<<" + "7" * 1_000_000 + "*2=3>>")
    assert all(c.status != "wrong" for c in cl)


def test_ten_thousand_nested_parentheses():
    text = "(" * 10_000 + "1" + ")" * 10_000 + " = 1"
    before = sys.getrecursionlimit()
    only_unchecked(text)
    assert sys.getrecursionlimit() == before


def test_deep_nesting_inside_the_scan_window():
    only_unchecked("(" * 150 + "2" + ")" * 150 + " = 3")


def test_parser_is_iterative_and_bounded():
    toks = [P.Tok(P.LP, i, i + 1, "(", "(") for i in range(10_000)] + \
        [P.Tok(P.NUM, 0, 1, "1", Fraction(1))] + \
        [P.Tok(P.RP, i, i + 1, ")", ")") for i in range(10_000)]
    with guard():
        with pytest.raises(P.Refused):
            P.compile_rpn(toks)


def test_power_limits_in_the_evaluator():
    with guard():
        rpn, _ = P.compile_rpn(P.tokenize("2^(2^40)"))
        with pytest.raises(P.Refused):
            P.eval_rpn(rpn)


def test_many_anchors_do_not_blow_up():
    text = "1+1=2 " * 20_000
    with guard():
        cl = check_claim_text(text)
    assert cl and all(c.status == "ok" for c in cl)


def test_pathological_latex():
    text = r"\frac{" * 5000 + "1" + "}{2}" * 5000 + " = 1"
    with guard():
        cl = check_claim_text(text)
    assert all(c.status != "wrong" for c in cl)


def test_answer_extraction_on_huge_inputs():
    with guard():
        assert extract_answer(r"\boxed{" * 100_000, None, fallback=False) is None
        extract_answer("9" * 1_000_000, None)  # finishes; a 1 MB digit run is no answer
        m, _ = answers_match("1" * 100_000, "1")
        assert m is False


def test_comparison_with_huge_exponent_is_not_computed():
    with guard():
        m, how = answers_match("10^100000", "10^100001")
    assert m in (False, None)
