"""Grounding detector: arithmetic claims checked exactly, numbers from nowhere, final answer.

Rules: NUM001 wrong-arithmetic, NUM002 ungrounded-number (off by default), NUM003
inconsistent-equation, NUM004 mixed-units, ANS001 wrong-answer, ANS002 no-final-answer.
Metrics:
``claims_found``, ``claims_checked``, ``claims_wrong``, ``claims_unchecked``,
``ungrounded_numbers``, ``answer``, ``answer_method``, ``answer_correct``,
``answer_match_method``.  Flags: ``arithmetic-errors`` (NUM001, NUM003 or NUM004),
``wrong-answer``.
The machinery lives in :mod:`tracelint.grounding`; see docs/grounding.md.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from ..config import Config
from ..grounding import parser as P
from ..grounding.answer import FALLBACK_METHODS, answers_match, extract_answer, reference_kind, \
    reference_answer
from ..grounding.claims import UNIT_FAMILY, Claim, ClaimScanner, format_value, scan_claims
from ..grounding.equations import DEFAULT_LETTERS, DEFAULT_MAX_GAP, check_equations
from ..grounding.numbers import DEFAULT_CONSTANTS, is_grounded, number_units, number_values
from .base import DetectorOutput, Rule, TraceContext

__all__ = ["NUM001", "NUM002", "NUM003", "NUM004", "ANS001", "ANS002", "detect"]


class NUM001(Rule):
    """An explicit arithmetic claim in the trace is wrong.

    What: every ``expression = value`` statement (also chains ``a + b = c = d``, ``≈``, GSM8K
    calculator annotations ``<<48/2=24>>``, LaTeX ``\\frac``/``\\times``/``\\sqrt``, percents,
    currency, units, sums of quantities described in prose: ``20 minutes to make the
    batter + 30 minutes to bake = 50 minutes``) is evaluated with exact rational arithmetic
    (sympy-free; roots and pi with guaranteed bounds).  A value written as a rounded
    decimal is judged at its shown precision (``1/3 = 0.33`` is right, ``= 0.34`` is wrong;
    a truncation such as ``2/3 = 0.66`` is accepted); ``≈`` accepts one unit of the last
    shown digit of every decimal.
    Readings that the text leaves open (a percent sign as a label, ``2 1/2`` as a mixed
    number, ``24 / 2/3`` as 24 ÷ (2/3), a running total ``232+58=290/5=58``, hours vs
    minutes) are tried before a claim is called wrong; a sum found wrong after converting
    units names its value in the unit of the value after ``=`` (``2 hours + 30 minutes =
    140 minutes`` is wrong: 150 minutes).  Claims that need more than the work bounds allow
    (``9^9^9^9``, ``100000!``, 1,000-digit literals, deep nesting) or use functions or
    operator symbols we do not evaluate (plain log, cot, ``2 ⊕ 3``, ``a □ b``) are counted as
    unchecked, never as wrong.
    Equations with unknowns (``2x = 3y``) are not claims; a claim with a variable is only
    checked when it cannot be an equation to solve (the variables cancel, or both sides are
    multiples of one term: ``8.33x * 150 = 12375x``).

    Why: a wrong intermediate result is the most common concrete error in reasoning traces
    and the easiest one to verify without a judge; for SFT data it is a reason to drop or
    repair the trace.

    Flagged example: ``So she has 16 - 3 - 4 = 8 eggs left.`` (16 - 3 - 4 = 9)

    OK example: ``16 - 3 - 4 = 9``, ``100/3 = 33.33``, ``√2 ≈ 1.414``, ``2x + 3 = 7``
    (an equation).

    Options: ``max_digits`` (longest literal evaluated, 1000), ``max_bits`` (largest
    intermediate numerator/denominator in bits, 16384), ``max_depth`` (nesting, 100),
    ``max_span`` (characters scanned on each side of an ``=``, 600), ``max_claims`` (claims
    examined per text, 20000).
    """

    code = "NUM001"
    name = "wrong-arithmetic"
    default_enabled = True
    options = {"max_digits": 1000, "max_bits": 16384, "max_depth": 100, "max_span": 600,
               "max_claims": 20000}


class NUM002(Rule):
    """A number used in a calculation comes from nowhere (off by default: noisy).

    What: an operand of a checked calculation whose value occurs neither in the prompt (as a
    literal, a percentage in either reading, a fraction or its parts, or a number word such
    as "three", "a dozen", "half") nor as an operand or result of an earlier calculation in
    the trace.  Small integers (up to ``small_max``) and common conversion constants (12, 24,
    60, 100, 1000, 7, 365, ...) count as grounded.

    Why: an unsupported number is how invented facts enter a solution ("The 5 minutes is
    coming from nowhere" - MR-GSM8K's annotators).

    Why off by default (measured on the real traces of ../shared/realdata, see
    docs/grounding.md): models compute intermediate values in prose ("that's 125") and then
    use them, so even traces whose final answer is right carry operands that are not results
    of an earlier ``=``.  On 11,972 traces with a correct final answer (MiP GSM8K normal
    runs, ZeroEval) it fires on 15.9% of them (3.4% with ``text_numbers``), and on the 9
    MR-GSM8K steps whose human reason says a number comes from nowhere it fires on none (the
    invented numbers are small, stated in prose, or equal to a constant).  Turn it on with
    ``extend-select = ["NUM002"]``, preferably with ``text_numbers = true``.

    Flagged example: prompt "She bought 3 packs of 12 eggs", trace ``3 * 12 + 7 = 43``
    (7 is in neither the prompt nor an earlier step).

    OK example: ``3 * 12 = 36`` then ``36 / 4 = 9`` (36 is an earlier result; 4 is small).

    Options: ``small_max`` (integers up to this are always grounded, 10), ``text_numbers``
    (also accept any number written earlier in the trace, not only results of ``=``, false),
    ``constants`` (values that need no source).
    """

    code = "NUM002"
    name = "ungrounded-number"
    default_enabled = False
    options = {"small_max": 10, "text_numbers": False, "constants": list(DEFAULT_CONSTANTS)}


class NUM003(Rule):
    """Two consecutive equations in the same unknown give it different values.

    What: equations that are linear in one unknown (``x``, ``y``, ``z``, or a letter the
    trace or prompt declares: "let t be ...") are solved exactly; each is compared with the
    previous equation in that unknown, and a later one whose solution differs is reported
    with both values.  ``x = value`` conclusions count.  Decimals are compared at their shown
    precision (``x = 76.67`` agrees with ``230 = 3x``).  Not used: equations with two
    unknowns, nonlinear terms or function calls, an unknown on both sides, any unknown that
    also appears in a nonlinear equation of the text, trial values ("if x = 3", "try x = 4",
    "x = 5?"), the prompt's own equations.  The comparison restarts at a declaration of the
    unknown, at a word that starts a new attempt or part (wait, actually, alternatively,
    mistake, instead, case, ...), after ``max_gap`` characters, and a bare assignment is never
    compared with assignments only.  A return to a value the chain already had (a
    correction) is not reported.  The reasoning and the answer are checked separately.

    Why: solving for an unknown is where arithmetic goes wrong without any ``expression =
    value`` claim to check (MR-GSM8K: "230 = 3x" after "1210 - 640 - 540 = 3x"; "x = 10"
    after "36 + 3x = 84").

    Flagged example: ``36 + 3x = 84.  Solving for x, we get: x = 10.`` (x = 10 here, but
    36 + 3x = 84 gives x = 16)

    OK example: ``36 + 3x = 84, so 3x = 48 and x = 16.``; ``If x = 3, then 3x + 5 = 14``
    (a trial value).

    Options: ``letters`` (unknowns accepted without a declaration, "xyz"), ``max_gap``
    (characters after which a chain ends, 600).
    """

    code = "NUM003"
    name = "inconsistent-equation"
    default_enabled = True
    options = {"letters": DEFAULT_LETTERS, "max_gap": DEFAULT_MAX_GAP}
    option_checks = {
        "letters": (lambda v: v != "" and v.isascii() and v.isalpha(),
                    "a non-empty string of ASCII letters"),
        "max_gap": (lambda v: v >= 1, "at least 1"),
    }


class NUM004(Rule):
    """A sum or difference adds numbers that the prompt gives in different units.

    What: a calculation of bare numbers joined only by ``+`` and ``-`` (``4 + 3 = 7``,
    right as written, so NUM001 has nothing to say) in which two operands are quantities
    of the prompt written there with different units of one family - "4 feet" and "3
    inches", "8 weeks" and "4 hours", "2 hours" and "30 minutes" (the unit table of the
    claim checker: time, length, mass, volume, money, angle, data).  An operand counts
    only when every literal of its value in the prompt carries the same unit, and not when
    an earlier calculation of the trace produced that value (then it may be a converted
    or derived number).  Products, quotients and claims with written units are left to
    NUM001, which converts units itself.

    Why: adding feet to inches or hours to weeks without converting is an arithmetic error
    that the written claim hides - MR-GSM8K's annotators call ``4 + 3 = 7 feet`` (Xavier
    was 4 feet tall and grew 3 inches) a calculation error.  On the 20,188 real traces
    of ../shared/realdata it never fires (models that write units convert them); on
    MR-GSM8K it fires on two labelled first-error steps and on none of the 1,682 steps
    before them (docs/grounding.md).

    Flagged example: prompt "Xavier was 4 feet tall and grew 3 inches", trace ``his new
    height is 4 + 3 = 7 feet`` (4 feet + 3 inches = 51 inches).

    OK example: the same prompt, trace ``4 * 12 + 3 = 51 inches``; prompt "60 miles ...
    45 miles", trace ``60 + 45 = 105``.

    Options: none.
    """

    code = "NUM004"
    name = "mixed-units"
    default_enabled = True


class ANS001(Rule):
    """The final answer does not match the reference.

    What: the final answer is extracted (``\\boxed{}``, ``#### N``, a JSON ``answer`` field,
    "the answer is ...", an option letter, else the last number - except in a truncated
    trace, which gets ANS002 instead) and compared with the trace's ``reference`` - whose own
    final answer is extracted the same way (GSM8K's "...#### 540").  Numbers compare by exact
    value (``1,000`` = ``1000.0``, ``1/2`` = ``0.5``, ``50%`` = ``0.5`` only when the
    reference is a percentage), expressions by symbolic
    equivalence (sympy built from our own parse: ``\\frac{\\sqrt{3}}{2}``, ``90^\\circ`` vs
    ``90``), options by letter, anything else as normalized text.  A ``correct`` field on the
    record overrides the comparison.

    Why: correctness is the denominator of every efficiency figure, and a confident wrong
    answer after a long trace is the costliest failure.

    Flagged example: reference ``#### 18``, answer ``"answer": "20"``.

    OK example: reference ``#### 1000``, answer ``\\boxed{1,000}``.

    Options: ``judge_last_number`` (also judge answers found only by a fallback: the last
    number, or, for a text or option-letter reference, the final sentence; true).
    """

    code = "ANS001"
    name = "wrong-answer"
    default_enabled = True
    options = {"judge_last_number": True}


class ANS002(Rule):
    """No final answer could be found.

    What: neither the answer text nor the end of the reasoning contains a final answer in any
    form extract_answer knows; with ``explicit_only`` the fallbacks (the last number, the final
    sentence) do not count,
    and in a truncated trace (any TRN rule fired) it never does: the last number of a cut-off
    text is where the cut fell.

    Why: a trace without an answer cannot be scored and usually ran out of budget or drifted.

    Flagged example: a reasoning that ends "Let me reconsider the second case" and no answer.

    OK example: "... so the total is \\boxed{42}."

    Options: ``explicit_only`` (require an explicit form, not just a fallback, false).
    """

    code = "ANS002"
    name = "no-final-answer"
    default_enabled = True
    options = {"explicit_only": False}


def _limits(cfg: Config) -> Tuple[P.Limits, int, int]:
    lim = P.Limits(max_digits=int(cfg.option("NUM001", "max_digits")),
                   max_bits=int(cfg.option("NUM001", "max_bits")),
                   max_depth=int(cfg.option("NUM001", "max_depth")))
    return lim, int(cfg.option("NUM001", "max_span")), int(cfg.option("NUM001", "max_claims"))


def _claims(ctx: TraceContext, cfg: Config) -> List[Tuple[str, Claim]]:
    lim, span, most = _limits(cfg)
    sc = ClaimScanner(lim, max_span=span, max_claims=most)
    out: List[Tuple[str, Claim]] = []
    for field, text in (("reasoning", ctx.reasoning), ("answer", ctx.trace.answer or "")):
        if text:
            out.extend((field, c) for c in scan_claims(text, lim, sc))
    return out


_PROMPT_VALUES: Dict[str, FrozenSet[Fraction]] = {}


def _per_prompt(table: dict, prompt: str, make):
    """make(prompt), remembered in ``table``: the traces of one question share their prompt."""
    hit = table.get(prompt)
    if hit is None:
        hit = make(prompt)
        if len(prompt) <= 20000:  # bounded memory: at most 1024 short prompts
            if len(table) >= 1024:
                table.clear()
            table[prompt] = hit
    return hit


def _prompt_values(prompt: str) -> FrozenSet[Fraction]:
    return _per_prompt(_PROMPT_VALUES, prompt, lambda p: frozenset(number_values(p)))


def _ungrounded(ctx: TraceContext, cfg: Config, claims: List[Tuple[str, Claim]]):
    small_max = int(cfg.option("NUM002", "small_max"))
    constants = [float(c) for c in cfg.option("NUM002", "constants")]
    text_numbers = bool(cfg.option("NUM002", "text_numbers"))
    known: Set[Fraction] = set(_prompt_values(ctx.prompt))
    hits = []
    pos = {"reasoning": 0, "answer": 0}
    texts = {"reasoning": ctx.reasoning, "answer": ctx.trace.answer or ""}
    for field, c in claims:
        if c.status not in ("ok", "wrong"):
            continue
        if text_numbers:
            known |= number_values(texts[field][pos[field]:c.start])
            pos[field] = max(pos[field], c.start)
        for v, (s, e) in zip(c.operands, c.operand_spans):
            if not is_grounded(v, known, small_max, constants):
                hits.append((field, s, e, v))
        known.update(c.operands)
        known.update(c.results)
    return hits


_PROMPT_UNITS: Dict[str, dict] = {}
_NOT_A_SUM = frozenset("*/()×÷·^%\\{}")


def _prompt_units(prompt: str) -> dict:
    return _per_prompt(_PROMPT_UNITS, prompt, lambda p: number_units(p, UNIT_FAMILY))


def _mixed_units(ctx: TraceContext, claims: List[Tuple[str, Claim]]):
    """(field, claim, units of its operands) of every NUM004 finding (see NUM004)."""
    if not ctx.prompt:
        return []
    units = None
    derived: Set[Fraction] = set()
    out = []
    for field, c in claims:
        if c.status == "ok" and len(c.operands) >= 2 and not _NOT_A_SUM.intersection(c.lhs) \
                and not any(ch.isalpha() for ch in c.lhs):
            if units is None:
                units = _prompt_units(ctx.prompt)
            got = []
            for v in c.operands:
                u = units.get(v)
                got.append(next(iter(u)) if u and len(u) == 1 and v not in derived else None)
            known = [u for u in got if u is not None]
            if len(known) >= 2 and len({u[0] for u in known}) == 1 and \
                    len({u[1] for u in known}) > 1:
                out.append((field, c, got))
        if c.status in ("ok", "wrong"):
            derived.update(c.results)
    return out


def _inconsistent_equations(ctx: TraceContext, cfg: Config, out: DetectorOutput) -> int:
    letters = str(cfg.option("NUM003", "letters"))
    gap = int(cfg.option("NUM003", "max_gap"))
    lim = _limits(cfg)[0]
    n = 0
    for field, text in (("reasoning", ctx.reasoning), ("answer", ctx.trace.answer or "")):
        for inc in check_equations(text, ctx.prompt, letters, gap, lim):
            e, p = inc.equation, inc.previous
            out.findings.append(NUM003.finding(
                e.start, e.end, inc.message(), field=field, var=e.var,
                solution=str(e.solution), previous_solution=str(p.solution),
                previous_start=p.start, previous_end=p.end))
            n += 1
    return n


def detect(ctx: TraceContext, cfg: Config) -> DetectorOutput:
    out = DetectorOutput()
    m = out.metrics
    t = ctx.trace
    # --- arithmetic claims ----------------------------------------------------------------
    if cfg.enabled("NUM001") or cfg.enabled("NUM002") or cfg.enabled("NUM004"):
        claims = _claims(ctx, cfg)
        checked = [c for _, c in claims if c.status in ("ok", "wrong")]
        wrong = [(f, c) for f, c in claims if c.status == "wrong"]
        m["claims_found"] = len(claims)
        m["claims_checked"] = len(checked)
        m["claims_wrong"] = len(wrong)
        m["claims_unchecked"] = sum(1 for _, c in claims if c.status == "unchecked")
        if cfg.enabled("NUM001"):
            for field, c in wrong:
                rel = c.relation
                msg = (f"{c.lhs} {rel} {c.rhs} is wrong: {c.lhs} = {c.expected}"
                       + (f" {c.unit}" if c.unit else ""))
                extra = {"unit": c.unit} if c.unit else {}
                out.findings.append(NUM001.finding(
                    c.start, c.end, msg, field=field, expected=c.expected, claimed=c.claimed,
                    lhs=c.lhs, rhs=c.rhs, kind=c.kind, relation=rel, **extra))
        hits = _ungrounded(ctx, cfg, claims)
        m["ungrounded_numbers"] = len(hits)
        if cfg.enabled("NUM002"):
            for field, s, e, v in hits:
                out.findings.append(NUM002.finding(
                    s, e, f"{format_value(v)} is in neither the prompt nor an earlier step",
                    field=field, value=format_value(v)))
        mixed = _mixed_units(ctx, claims) if cfg.enabled("NUM004") else []
        for field, c, units in mixed:
            named = " and ".join(f"{format_value(v)} ({u[1]})" for v, u in zip(c.operands, units)
                                 if u is not None)
            out.findings.append(NUM004.finding(
                c.start, c.end, f"{c.lhs} = {c.rhs} combines {named} from the prompt without "
                f"converting units", field=field, lhs=c.lhs, rhs=c.rhs,
                units=[u[1] if u else None for u in units]))
        if wrong or mixed:
            out.flags.append("arithmetic-errors")
    # --- equation chains -------------------------------------------------------------------
    if cfg.enabled("NUM003"):
        n3 = _inconsistent_equations(ctx, cfg, out)
        if n3 and "arithmetic-errors" not in out.flags:
            out.flags.append("arithmetic-errors")
    # --- final answer ----------------------------------------------------------------------
    # the completion detector runs first: a cut-off trace gets no last-number answer
    # the reference's kind (letter / text / value) and the question steer the fallback only
    has_ref = t.reference is not None and str(t.reference).strip()
    ans = extract_answer(t.answer, ctx.reasoning, fallback=True,
                         truncated=bool(ctx.truncation_reasons),
                         kind=reference_kind(str(t.reference)) if has_ref else None,
                         prompt=ctx.prompt)
    m["answer"] = ans.value if ans else None
    m["answer_method"] = ans.method if ans else None
    correct: Optional[bool] = None
    how: Optional[str] = None
    if t.correct is not None:
        correct, how = bool(t.correct), "correct-field"
    elif t.reference is not None and str(t.reference).strip():
        if ans is None:
            correct = False
        elif ans.method in FALLBACK_METHODS and not cfg.option("ANS001", "judge_last_number"):
            correct = None
        else:
            correct, how = answers_match(ans.value, str(t.reference), ctx.prompt)
    m["answer_correct"] = correct
    m["answer_match_method"] = how
    if correct is False:
        out.flags.append("wrong-answer")
        if ans is not None and cfg.enabled("ANS001"):
            # the reference's own final answer ("#### 7" of a worked GSM8K solution), not
            # the tail of its text
            shown = reference_answer(str(t.reference))
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            ref = "" if how == "correct-field" else f" (reference: {shown})"
            out.findings.append(ANS001.finding(
                ans.start, ans.end, f"final answer {ans.value!r} is not correct{ref}",
                field=ans.field, answer=ans.value, method=ans.method, match_method=how))
    if cfg.enabled("ANS002"):
        explicit = cfg.option("ANS002", "explicit_only")
        missing = ans is None or (explicit and ans.method in FALLBACK_METHODS)
        if missing and ((t.answer or "").strip() or ctx.reasoning.strip()):
            field = "answer" if (t.answer or "").strip() else "reasoning"
            text = t.answer if field == "answer" else ctx.reasoning
            end = len(text or "")
            out.findings.append(ANS002.finding(max(0, end - 1), end, "no final answer found",
                                               field=field))
    return out
