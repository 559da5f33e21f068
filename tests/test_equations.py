"""Equation chains (NUM003): linear equations in one unknown solved exactly and compared."""
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tracelint.config import Config
from tracelint.detectors import grounding as G
from tracelint.detectors.base import TraceContext
from tracelint.grounding.equations import (check_equations, consistent, declared_letters,
                                           find_equations)
from tracelint.model import Trace
from tracelint.grounding import equations as E


def flags(text, prompt="", **kw):
    return [(text[i.start:i.end], i.equation.solution, i.previous.solution)
            for i in check_equations(text, prompt, **kw)]


# --------------------------------------------------------------------------------------------
# flagged (the MR-GSM8K shapes)

def test_wrong_simplification_after_a_set_up():
    text = "Step 6: 1210 - 640 - 540 = 3x\nStep 7: 230 = 3x\nStep 8: Dividing both sides by 3"
    got = check_equations(text)
    assert len(got) == 1
    i = got[0]
    assert text[i.start:i.end] == "230 = 3x"
    assert (i.equation.solution, i.previous.solution) == (Fraction(230, 3), Fraction(10))
    assert i.message() == ("x = 230/3 (\u2248 76.666667) here, but the previous equation "
                           "1210 - 640 - 540 = 3x gives x = 10")


def test_wrong_conclusion_and_wrong_steps():
    assert flags("we can write: 36 + 3x = 84.\nSolving for x, we get: x = 10.") == [
        ("x = 10", 10, 16)]
    assert flags("so we can write: 8x / 12 = 4.\nSimplifying the left side, we get: "
                 "x / 3 = 4.") == [("x / 3 = 4", 12, 6)]
    assert flags("Step 10: 31 + 8 + x + 14 = 62\nStep 11: Let's simplify and solve for x:\n"
                 "Step 12: 43 + x + 14 = 62") == [("43 + x + 14 = 62", 5, 9)]
    assert flags(r"\[ \frac{x}{4} + 3 = 8 \] so \[ x = 24 \]") == [("x = 24", 24, 20)]


def test_latex_unicode_and_money():
    assert flags("$4x + $12 = $40, so $4x = $28 and x = 8.") == [("x = 8", 8, 7)]
    assert flags("3\u00d7x \u2212 6 = 9, so x = 4") == [("x = 4", 4, 5)]


def test_every_later_inconsistency_and_the_other_letters():
    text = "2y + 1 = 9\ny = 5\n"
    assert flags(text) == [("y = 5", 5, 4)]
    # after a flagged step, the chain follows the new value
    got = flags("3x = 30\nx = 12\n2x = 24\nx = 11")
    assert got == [("x = 12", 12, 10), ("x = 11", 11, 12)]


# --------------------------------------------------------------------------------------------
# not flagged

def test_consistent_chain_and_rounded_values():
    assert flags("640 + 540 + 3x = 1210 legs. 1210 - 640 - 540 = 3x, 30 = 3x, x = 10.") == []
    assert flags("230 = 3x\nx = 76.67") == []
    assert flags("230 = 3x\nx \u2248 76.7") == []
    assert flags("230 = 3x\nx = 76.66") == []     # truncated at the shown digit
    assert flags("x / 3 = 33.33\nx = 100") == []  # the rounded literal is on the other side
    assert flags("3 + 0.1x = 9\nx = 70") == [("x = 70", 70, 60)]  # 0.1 is not a rounding


def test_a_correction_back_to_an_earlier_value_is_not_reported_again():
    got = flags("36 + 3x = 84, so 3x = 48, x = 14. No: 48 / 3 = 16, so x = 16.")
    assert got == [("x = 14", 14, 16)]


def test_two_unknowns_nonlinear_and_functions():
    assert flags("x + y = 10\nx - y = 2\n2x = 12\nx = 6") == []
    assert flags("x^2 - 5x + 6 = 0, so x = 2 or x = 3.") == []
    assert flags("x^2 = 9 gives x = 3. Also 2x = 4 means x = 2") == []  # x is not linear here
    assert flags("f(2) = 7 and f(3) = 9") == []
    assert flags("3(x + 2) = 2x + 10\nx = 5") == []      # the unknown on both sides
    assert flags("x_1 = 2, x_2 = 3") == []
    assert flags("5 x 2 = 10 and 5 x 3 = 15") == []      # x as a times sign


def test_trial_values_are_not_conclusions():
    assert flags("3x + 5 = 20. If x = 4, then 3x + 5 = 17, too small. x = 5.") == []
    assert flags("3x + 5 = 20. Try x = 4: 17. Try x = 5: 20.") == []
    assert flags("3x + 5 = 20. Is x = 6? No.") == []
    assert flags("3x + 5 = 20. Plugging in x = 6 gives 23.") == []
    assert flags("2n + 1 = 7 so n = 3. For n = 4, 2n + 1 = 9.", letters="n") == []


def test_new_attempt_declaration_and_gap_end_a_chain():
    assert flags("2x = 10, so x = 5. Wait, the total is 12: 2x = 12, x = 6.") == []
    assert flags("2x = 10, so x = 5.\nLet x be the number of pears. x + 3 = 10.") == []
    assert flags("2x = 10, so x = 5." + " The rest is prose." * 40 + " x + 3 = 10.") == []
    assert flags("2x = 10." + " More prose." * 10 + " x = 7.", max_gap=50) == []
    assert flags("2x = 10." + " More prose." * 10 + " x = 7.", max_gap=600) == [
        ("x = 7", 7, 5)]


def test_alternatives_and_tails_of_longer_expressions():
    assert flags("So either -2 + c = 10, c = 12, or -2 - c = 10, c = -12.", letters="c") == []
    assert flags("2x = 10\nSo, -165 +3P -x =180") == []   # not "-x = 180"
    assert flags("2x = 10\nAttempt a 3% rate: x = 8") == []
    assert flags("B + 4 = 6, B = 2.\nB + 4 = (3/5)(A + 4)", letters="B") == []
    assert flags("x + 2 = 5, so x = 3. That would be negative 2 + x = 23") == []


def test_two_valued_unknowns_function_arguments_and_rounding():
    assert flags("|26 - 2x| = 24 gives 26 - 2x = 24 and 26 - 2x = -24, so x = 1 and x = 25.") == []
    assert flags("Solve f(x) = 0: 6 - x = 0 gives x = 6.\n"
                 "Solve f(x) = 6: 6 - x = 6 gives x = 0.") == []
    assert flags("17x = 70, x = 70/17. A count is a whole number, so x = 4.") == []
    assert flags("17x = 70, so x = 4.") == [("x = 4", 4, Fraction(70, 17))]


def test_candidates_and_a_new_quantity():
    assert flags("N + 2 = 7. So, both N = 5 and N = 3 satisfy it.", letters="N") == []
    assert flags("50 + x = 21, so x = -29.\nSimilarly, for the wrappers: 46 + x = 52, x = 6.") \
        == []
    assert flags("7c = 432, so c = 61.71.", letters="c") == []   # 432/7 at two decimals
    assert flags("7c = 432, so c = 61.8.", letters="c") == [("c = 61.8", Fraction(309, 5),
                                                             Fraction(432, 7))]


def test_two_bare_assignments_are_never_compared():
    assert flags("x = 5 + 3 = 8 apples.\nx = 12 pears.") == []


def test_operator_words_and_unit_words_touching_a_side():
    assert flags("2x = 10 so x = 5, and 2 times x + 5 = 11") == []
    assert flags("12 meals / 18 people = x meals / 12 people\n144 = 18x\nx = 8") == []


def test_the_prompts_own_equation_restarts_the_chain():
    prompt = "Solve 4x + 2 = 18."
    assert flags("x + 1 = 3\n4x + 2 = 18\nx = 4", prompt) == []
    assert flags("x + 1 = 3\n4x + 2 = 18\nx = 4") == [("4x + 2 = 18", 4, 2)]


def test_declared_letters():
    text = "Let t be the time in hours. 5t = 20, so t = 5."
    assert flags(text) == [("t = 5", 5, 4)]
    assert flags("5t = 20, so t = 5.") == []               # t was not declared
    assert declared_letters("Let N = Noah's age; where A represents Anne's", "NAB") == {"N", "A"}
    text = ("Let's denote the length of the blue rope as B, the length of the red rope as R, "
            "and the length of the yellow rope as Y. Then 2Y - 7 = 37, so Y = 21.")
    assert declared_letters(text, "BRYZ") == {"B", "R", "Y"}
    assert flags(text) == [("Y = 21", 21, 22)]
    assert flags("2x = 10, so x = 5. Then 1.5(4)x = 36") == []
    # "t" and "T" are two unknowns (the parser folds case; the chain does not)
    assert flags("Let t be the age. 5t + 14 = 44, t = 6. Then T = t + 7, T = 13.") == []
    assert flags("5t = 20, so t = 5.", prompt="t denotes the time") == [("t = 5", 5, 4)]


def test_json_wrapped_chain_of_thought_maps_spans_back():
    raw = '{"reasoning": "36 + 3x = 84,\\nso x = 10.", "answer": "10"}'
    got = check_equations(raw)
    assert len(got) == 1 and raw[got[0].start:got[0].end] == "x = 10"


def test_find_equations_reports_the_forms():
    eqs, nonlinear = find_equations("36 + 3x = 84 and x = 16; y^2 = 4")
    assert [(e.lhs, e.rhs, e.solution, e.bare) for e in eqs] == [
        ("36 + 3x", "84", 16, False), ("x", "16", 16, True)]
    assert nonlinear == {"y"}


# --------------------------------------------------------------------------------------------
# the detector

def run(trace, cfg=None):
    return G.detect(TraceContext(trace), cfg or Config())


def test_detector_finding_flag_and_options():
    t = Trace(prompt="Three mutants with x legs each; 1210 legs in all.",
              reasoning="1210 - 640 - 540 = 3x\n230 = 3x\nx = 76.67",
              answer="36 + 3x = 84, so x = 10")
    out = run(t)
    f3 = [f for f in out.findings if f.code == "NUM003"]
    assert [(f.field, t.reasoning[f.start:f.end] if f.field == "reasoning"
             else t.answer[f.start:f.end]) for f in f3] == [("reasoning", "230 = 3x"),
                                                          ("answer", "x = 10")]
    assert f3[0].data["solution"] == "230/3" and f3[0].data["previous_solution"] == "10"
    assert "arithmetic-errors" in out.flags
    off = run(t, Config(ignore=["NUM003"]))
    assert not [f for f in off.findings if f.code == "NUM003"]
    assert "arithmetic-errors" not in off.flags
    wide = run(Trace(reasoning="5t = 20, so t = 5."),
               Config(rule_options={"NUM003": {"letters": "t"}}))
    assert [f.code for f in wide.findings if f.code == "NUM003"] == ["NUM003"]


# --------------------------------------------------------------------------------------------
# property: a chain of equivalent linear equations never flags; a changed value does

_ints = st.integers(min_value=-60, max_value=60)


def _term(c, var="x"):
    if c == 1:
        return var
    if c == -1:
        return "-" + var
    return f"{c}{var}"


def _plus(c):
    return f"+ {c}" if c >= 0 else f"- {-c}"


def _value(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


@st.composite
def _chain(draw):
    a = draw(_ints.filter(lambda v: v != 0))
    b = draw(_ints)
    s = Fraction(draw(_ints), draw(st.integers(min_value=1, max_value=4)))
    c = a * s + b                        # a x + b = c holds at x = s
    k = draw(st.integers(min_value=2, max_value=5))
    forms = [f"{_term(a)} {_plus(b)} = {_value(c)}",
             f"{_value(c)} = {_term(a)} {_plus(b)}",
             f"{_term(a)} = {_value(c - b)}",
             f"{_term(k * a)} {_plus(k * b)} = {_value(k * c)}",
             f"x = {_value(s)}"]
    order = draw(st.permutations(forms))
    seps = draw(st.lists(st.sampled_from(["\n", ", so ", ". Then ", "; hence "]),
                         min_size=len(order), max_size=len(order)))
    # a line that opens with "x = s" and goes on to evaluate at it is a trial (a list of
    # cases); the conclusion ends its line here
    seps = ["\n" if f.startswith("x =") else sep for f, sep in zip(order, seps)]
    text = "".join(f + sep for f, sep in zip(order, seps))
    return text, s, a, b, c


@settings(max_examples=200, deadline=None)
@given(_chain())
def test_equivalent_linear_equations_never_flag(ch):
    text, s, a, b, c = ch
    assert check_equations(text) == [], text
    eqs, _ = find_equations(text)
    assert all(e.solution == s for e in eqs), text


@settings(max_examples=200, deadline=None)
@given(_chain(), st.integers(min_value=1, max_value=50), st.booleans())
def test_a_different_conclusion_is_flagged(ch, d, up):
    text, s, a, b, c = ch
    wrong = s + d if up else s - d
    text = text + f"\nSolving for x, we get: x = {_value(wrong)}."
    got = check_equations(text)
    assert len(got) == 1 and got[0].equation.solution == wrong, text
    assert got[0].previous.solution == s


def test_work_is_bounded():
    from tracelint.grounding import equations as E
    one_line = " ".join(f"{k}x = {k * k}," for k in range(1, 12000))
    got = check_equations(one_line)
    assert 0 < len(got) < E._MAX_EQUATIONS
    eqs, _ = find_equations("\n".join(f"{k}x = {k * k}" for k in range(1, 12000)))
    assert len(eqs) == E._MAX_EQUATIONS
    assert check_equations("x = " + "9" * 100000 + "\n2x = 4") == []   # refused literal
    assert check_equations("(" * 5000 + "x" + ")" * 5000 + " = 5\nx = 3") == []


def test_consistent_is_symmetric_at_shown_precision():
    eqs, _ = find_equations("230 = 3x\nx = 76.67\nx = 76.7\nx = 76.9")
    a, b, c, d = eqs
    assert consistent(a, b) and consistent(b, a)
    assert consistent(b, c) and consistent(a, c)  # 76.7 and 76.67 both round 230/3
    assert not consistent(b, d) and not consistent(d, a)


# _WORD_BEFORE was searched as r"([A-Za-z]+)[\s$\\(]*$" with pos/endpos (quadratic in a run of
# letters); it is now searched, with a lookbehind, in the slice.  The forward form is the
# reference: same word for every line and relation position.
import re as _re  # noqa: E402

_WORD_BEFORE_FORWARD = _re.compile(r"([A-Za-z]+)[\s$\\(]*$")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "Of", "times", "x", " ", "\t", "\n", "$", "\\", "(",
                                 "1", "=", "_", "\u00a0", "\u00e9"]), max_size=30),
       st.integers(0, 60))
def test_word_before_equals_forward_pattern(parts, a0):
    from tracelint.grounding.equations import _WORD_BEFORE
    line = "".join(parts)
    a0 = min(a0, len(line))
    lo = max(0, a0 - 40)
    old = _WORD_BEFORE_FORWARD.search(line, lo, a0)
    new = _WORD_BEFORE.search(line[lo:a0])
    assert (old is None) == (new is None)
    if old is not None:
        assert old.group(1) == new.group(1) and old.start(1) == lo + new.start(1)


# --------------------------------------------------------------------------------------------
# the prompt index: the same answer as a search of the whole flattened prompt

from tracelint.grounding import equations as _E  # noqa: E402

_PIECES = st.sampled_from(["x", "=", "1", "2", "+", " ", "\n", "x=1", "2=", "=x", "ab"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=60), st.lists(st.lists(_PIECES, min_size=1, max_size=8),
                                                 min_size=1, max_size=12),
       st.integers(0, 3))
def test_prompt_index_equals_plain_search(prompt_parts, queries, few):
    # small limits so that short texts take every path: the index, the finer index of a
    # crowded "a=b", the plain search when too many candidates are left
    saved = (_E._SHORT_PROMPT, _E._MAX_CANDIDATES)
    _E._SHORT_PROMPT, _E._MAX_CANDIDATES = 0, few
    try:
        prompt = "".join(prompt_parts)
        info = _E._Prompt(prompt)
        flat = "".join(prompt.split())
        for q in queries:
            s = "".join("".join(q).split())
            if s:
                assert info.has(s) == (s in flat), (prompt, s)
                assert info.has(s) == (s in flat)  # remembered
    finally:
        _E._SHORT_PROMPT, _E._MAX_CANDIDATES = saved


def test_prompt_equation_is_found_in_a_long_prompt():
    # a long prompt (the index is used) that states the trace's first equation
    prompt = "word " * 3000 + "Solve 3x + 4 = 19 for x. " + "7 = 7 " * 500
    text = "We have 3x + 4 = 19.\n3x = 15.\nx = 6."
    assert flags(text, prompt) == [("x = 6", Fraction(6), Fraction(5))]
    text2 = "We have 3x + 5 = 19.\n3x = 15.\nx = 6."  # not the prompt's: compared
    assert [f[0] for f in flags(text2, prompt)] == ["3x = 15", "x = 6"]


_WINDOW_TEXT = st.text(alphabet="xyzXab \\\t1=+'_$(", max_size=24)


@settings(max_examples=400, deadline=None)
@given(_WINDOW_TEXT, st.integers(0, 24), st.integers(0, 24))
def test_last_prose_word_equals_the_last_of_all(text, lo, p):
    lo, p = min(lo, p, len(text)), min(max(lo, p), len(text))
    last = None
    for m in _E._PROSE.finditer(text, lo, p):
        last = m.end()
    m = _E._PROSE_LAST.match(text, lo, p)
    assert (m.end() if m else None) == last


_ENDINGS = (". ", "? ", "! ", "; ")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=".?!; a\n", max_size=20), st.integers(0, 20), st.integers(0, 20))
def test_sentence_ends_equal_a_search_per_ending(text, a, b):
    lo, hi = sorted((min(a, len(text)), min(b, len(text))))
    last = max(text.rfind(d, lo, hi) for d in _ENDINGS)
    m = _E._END_LAST.match(text, lo, hi)
    assert (m.end() - 2 if m else -1) == last
    first = min((q for q in (text.find(d, lo, hi) for d in _ENDINGS) if q >= 0), default=-1)
    m = _E._END_NEXT.search(text, lo, hi)
    assert (m.start() if m else -1) == first


# --- _WindowSearch: the window search that reuses the last one ------------------------------

_WS_CHARS = list("xyzab XY \t\t12 3_\\'\u2019(=+.")


@settings(deadline=None, max_examples=500)
@given(st.lists(st.sampled_from(_WS_CHARS), max_size=40).map("".join),
       st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=12),
       st.sampled_from(["xyz", "x", "ab", "xXyY"]))
def test_window_search_answers_as_a_fresh_search(text, steps, letters):
    var_re = E._var_pattern(letters)
    ws = E._WindowSearch(text, var_re)
    lo = hi = 0
    for dlo, dhi in steps:  # windows whose ends never move left
        hi = min(len(text), hi + dhi)
        lo = min(hi, lo + dlo)
        assert ws.found(lo, hi) == (var_re.search(text, lo, hi) is not None)


def test_window_search_rechecks_a_match_at_the_old_edge():
    # "x 5": in [0, 2) the x matches (the " 5" after it is cut off); in [0, 3) it is the
    # times sign of "x 5" and does not
    var_re = E._var_pattern("x")
    ws = E._WindowSearch("x 5", var_re)
    assert ws.found(0, 2)
    assert not ws.found(0, 3)


# --- _function_args: the function-argument letters, found from the argument groups ----------

_FA_PIECES = ["f", "g", "x", "X", "ab", "(", ")", "(x)", "( y )", "'", "''", "^", "{", "}", "-1",
              "^{-1}", "^-1", "^{-1", "^-1}", "\u207b\u00b9", "\\", " ", "\t", "\n", "2", "=", "\u00e9"]


@settings(deadline=None, max_examples=600)
@given(st.lists(st.sampled_from(_FA_PIECES), max_size=30).map("".join))
def test_function_args_equal_the_full_scan(text):
    assert E._function_args(text) == {m.group(1).lower() for m in E._FUNC_ARG.finditer(text)}


def test_function_args_examples():
    assert E._function_args("f(x) = 6 - x, g^{-1}(Y) and h''(t)") == {"x", "y", "t"}
    assert E._function_args("f^{-1(u) g^-1}(v) h^-1(w) k\u207b\u00b9(z)") == {"u", "v", "w", "z"}
    assert E._function_args("p" + "'" * 6 + "(s) = 0") == {"s"}  # any number of quotes
    # a name glued to a word or a LaTeX command is not a function name
    assert E._function_args("of(x) \\sin(z) 3(a)") == set()
