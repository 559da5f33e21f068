"""Aggregates (tracelint.aggregate): pure functions, property-tested and checked against
independent computations and hand-computed cases."""
from __future__ import annotations

import json
import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tracelint.aggregate import TraceRow, build_row, normalize_answer, summarize
from tracelint.aggregate import budget as B
from tracelint.aggregate import cost as C
from tracelint.aggregate import efficiency as E
from tracelint.aggregate import stats
from tracelint.model import Finding, Trace, TraceResult

FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ----------------------------------------------------------------------------- strategies

GROUPS = ("a", "b", "c", "d")


@st.composite
def rows_strategy(draw, min_size=1, max_size=40):
    n = draw(st.integers(min_size, max_size))
    out = []
    for i in range(n):
        out.append(TraceRow(
            id=f"r{i}",
            group=(draw(st.sampled_from(GROUPS)),),
            tokens=draw(st.integers(0, 5000)),
            token_source=draw(st.sampled_from(["reported", "estimate"])),
            correct=draw(st.sampled_from([True, False, None])),
            completed=draw(st.booleans()),
            model=None,
            workload=draw(st.sampled_from([None, 1.0, 2.0, 3.0, 5.0, 8.0])),
            budget=draw(st.sampled_from([None, 1000, 2000])),
            input_tokens=draw(st.sampled_from([None, 100])),
            task=f"t{draw(st.integers(0, 5))}",
            sample=draw(st.integers(0, 3)),
            label=draw(st.sampled_from(["concise", "verbose-but-engaged", "degenerate-looping"])),
            has_text=draw(st.booleans()),
            loop_tokens=float(draw(st.integers(0, 100))),
            answer=draw(st.sampled_from([None, "1", "2", "3"])),
        ))
    return out


def _json(rep):
    return json.dumps(rep, sort_keys=True)


# ----------------------------------------------------------------------------- properties

@FAST
@given(rows_strategy(), st.randoms(use_true_random=False))
def test_summary_invariant_under_permutation(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a = summarize(rows, n_boot=30)
    b = summarize(shuffled, n_boot=30)
    assert _json(a) == _json(b)


@FAST
@given(rows_strategy())
def test_e_identity_holds(rows):
    rep = summarize(rows, n_boot=0)
    for g in rep["groups"] + [rep["overall"]]:
        if g["efficiency"] is None or g["conditional_correctness"] is None:
            continue
        rhs = 1000.0 * g["completion"] * g["conditional_correctness"] / g["mean_tokens"]
        assert math.isclose(g["efficiency"], rhs, rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(g["accuracy"], g["completion"] * g["conditional_correctness"],
                            rel_tol=1e-12, abs_tol=1e-15)
    assert not [g for g in rep["groups"] if not E.identity_holds(g, rel=1e-12)]


@FAST
@given(rows_strategy(), st.sampled_from(GROUPS), st.integers(0, 10000))
def test_unknown_correctness_touches_only_what_it_should(rows, group, tokens):
    """A completed trace of unknown correctness is a completed attempt: it counts in C and L
    (both known for every trace) and leaves A|C, which only judged traces estimate, alone."""
    extra = TraceRow(id="unknown", group=(group,), tokens=tokens, correct=None, completed=True,
                     task="t0")
    a = {g["group"]: g for g in summarize(rows, n_boot=0)["groups"]}
    b = {g["group"]: g for g in summarize(rows + [extra], n_boot=0)["groups"]}
    for name, g in b.items():
        if name != group:  # its own figures (bottleneck and gap are relative to the best)
            assert {k: v for k, v in g.items() if k not in ("bottleneck", "log_gap")} == \
                {k: v for k, v in a[name].items() if k not in ("bottleneck", "log_gap")}
            continue
        old = a.get(name)
        n = old["n"] if old else 0
        assert g["n"] == n + 1 and g["unknown_correctness"] == (old["unknown_correctness"] if old else 0) + 1
        assert g["n_scored"] == (old["n_scored"] if old else 0)
        assert g["conditional_correctness"] == (old["conditional_correctness"] if old else None)
        assert math.isclose(g["completion"], ((old["completion"] * n) if old else 0) / (n + 1) + 1 / (n + 1))
        assert math.isclose(g["mean_tokens"], (((old["mean_tokens"] * n) if old else 0) + tokens) / (n + 1))
        if g["conditional_correctness"] is not None:
            assert math.isclose(g["accuracy"], g["completion"] * g["conditional_correctness"])


def test_partial_references_do_not_bias_the_decomposition():
    """Two groups that behave the same: 10 traces each, 2 cut at the budget and 8 completed
    and correct; X knows the correctness of only 2 of its completed traces.  Both get
    C = 0.8, A|C = 1, A = 0.8 (taking C over the judged traces only gave X C = A = 0.5)."""
    def rows(name, known):
        out = [TraceRow(id=f"{name}{i}", group=(name,), tokens=100, completed=False)
               for i in range(2)]
        out += [TraceRow(id=f"{name}c{i}", group=(name,), tokens=100, completed=True,
                         correct=True if i < known else None) for i in range(8)]
        return out
    rep = summarize(rows("x", 2) + rows("y", 8), n_boot=0)
    gx, gy = rep["groups"]
    for k in ("completion", "conditional_correctness", "accuracy", "mean_tokens", "efficiency"):
        assert math.isclose(gx[k], gy[k]), k
    assert gx["completion"] == 0.8 and gx["accuracy"] == 0.8 and gx["efficiency"] == 8.0
    assert gx["bottleneck"] == gy["bottleneck"] == "best"
    assert gx["unknown_correctness"] == 6


def test_incomplete_trace_counts_as_wrong_even_if_marked_correct():
    r = TraceRow(id="x", group=("g",), tokens=10, correct=True, completed=False)
    assert r.outcome == 0
    assert TraceRow(id="y", group=("g",), tokens=10, correct=None, completed=False).outcome == 0
    assert TraceRow(id="z", group=("g",), tokens=10, correct=None, completed=True).outcome is None


def test_decompose_hand_case():
    rows = [TraceRow("1", ("g",), 100, correct=True), TraceRow("2", ("g",), 300, correct=False),
            TraceRow("3", ("g",), 600, correct=True, completed=False),
            TraceRow("4", ("g",), 50, correct=None)]
    d = E.decompose(rows)
    assert d["n"] == 4 and d["unknown_correctness"] == 1 and d["n_scored"] == 3
    # C and L over all 4 traces; A|C over the 2 completed traces of known correctness
    assert d["completion"] == pytest.approx(3 / 4)
    assert d["conditional_correctness"] == pytest.approx(1 / 2)
    assert d["accuracy"] == pytest.approx(3 / 8)
    assert d["mean_tokens"] == pytest.approx(1050 / 4)
    assert d["efficiency"] == pytest.approx(1000 * (3 / 8) / (1050 / 4))


# ----------------------------------------------------------------------------- Spearman, OLS

def naive_spearman(x, y):
    """From the definition, no numpy: average ranks by counting, then Pearson."""
    def ranks(v):
        return [sum(1 for w in v if w < a) + (sum(1 for w in v if w == a) + 1) / 2 for a in v]
    rx, ry = ranks(x), ranks(y)
    n = len(x)
    mx, my = sum(rx) / n, sum(ry) / n
    num = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    den = (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5
    return num / den


@FAST
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=3, max_size=25))
def test_spearman_matches_naive(pairs):
    x = [float(a) for a, _ in pairs]
    y = [float(b) for _, b in pairs]
    rho = stats.spearman(x, y)
    if len(set(x)) < 2 or len(set(y)) < 2:
        assert rho is None
        return
    assert rho == pytest.approx(naive_spearman(x, y), abs=1e-12)
    vec = stats.spearman_rows(np.array([x]), np.array([y]))[0]
    assert vec == pytest.approx(rho, abs=1e-12)


def test_spearman_hand_case():
    # no ties: rho = 1 - 6 * sum(d^2) / (n (n^2 - 1)); ranks x 1..5, y 2,1,4,3,5: sum d^2 = 4
    assert stats.spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50]) == pytest.approx(1 - 6 * 4 / 120)
    # ties: x ranks 1.5,1.5,3,4 ; y ranks 1,2,3,4 -> Pearson by hand = 0.9486832980505138
    assert stats.spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(3 / math.sqrt(10), abs=1e-12)


@FAST
@given(st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50)), min_size=2, max_size=30))
def test_ols_matches_exact_normal_equations(pairs):
    xs = [Fraction(a) for a, _ in pairs]
    ys = [Fraction(b) for _, b in pairs]
    n = len(xs)
    sxx = n * sum(x * x for x in xs) - sum(xs) ** 2
    slope = stats.ols_slope([float(x) for x in xs], [float(y) for y in ys])
    if sxx == 0:
        assert slope is None
        return
    exact = (n * sum(x * y for x, y in zip(xs, ys)) - sum(xs) * sum(ys)) / sxx
    assert slope == pytest.approx(float(exact), rel=1e-9, abs=1e-9)


def test_ols_hand_case():
    assert stats.ols_fit([0, 1, 2, 3], [1, 3, 5, 7]) == pytest.approx((2.0, 1.0))
    assert stats.ols_slope([1, 1, 1], [1, 2, 3]) is None


# ----------------------------------------------------------------------------- kappa

@pytest.mark.parametrize("kappa", [-0.4, 0.0, 0.3])
def test_kappa_recovered_from_synthetic_data(kappa):
    rng = random.Random(7)
    rows = []
    for i in range(400):
        w = rng.choice([1, 2, 3, 4, 6, 8, 12, 16])
        t = 80.0 * w ** (1 + kappa) * math.exp(rng.gauss(0, 0.15))
        rows.append(TraceRow(f"s{i}", ("g",), int(round(t)), workload=float(w)))
    out = E.vo_kappa(rows, n_boot=400, label="g")
    assert out["kappa"] == pytest.approx(kappa, abs=0.03)
    lo, hi = out["kappa_ci"]
    assert lo <= kappa <= hi and hi - lo < 0.1
    assert out["vo"] == pytest.approx(sum(r.tokens for r in rows) / sum(r.workload for r in rows))
    lo, hi = out["vo_ci"]
    assert lo < out["vo"] < hi


def test_vo_kappa_without_workload():
    out = E.vo_kappa([TraceRow("a", ("g",), 10)], n_boot=10)
    assert out["vo"] is None and out["kappa"] is None and out["n_workload"] == 0


def test_bootstrap_is_deterministic():
    rows = [TraceRow(f"s{i}", ("g",), 10 + i * i, workload=float(1 + i % 5)) for i in range(50)]
    assert E.vo_kappa(rows, n_boot=200, label="g") == E.vo_kappa(list(reversed(rows)), n_boot=200, label="g")


# ----------------------------------------------------------------------------- bottleneck, Pareto

def test_bottleneck_hand_case():
    decs = {
        ("best",): {"completion": 1.0, "conditional_correctness": 1.0, "mean_tokens": 100, "efficiency": 10.0},
        ("long",): {"completion": 1.0, "conditional_correctness": 0.9, "mean_tokens": 1000, "efficiency": 0.9},
        ("cut",): {"completion": 0.2, "conditional_correctness": 1.0, "mean_tokens": 150, "efficiency": 1000 * 0.2 / 150},
        ("wrong",): {"completion": 1.0, "conditional_correctness": 0.1, "mean_tokens": 120, "efficiency": 1000 * 0.1 / 120},
        ("none",): {"completion": 0.0, "conditional_correctness": None, "mean_tokens": 200, "efficiency": 0.0},
        ("unknown",): {"completion": None, "conditional_correctness": None, "mean_tokens": None, "efficiency": None},
    }
    b = E.bottlenecks(decs)
    assert b[("best",)]["bottleneck"] == "best"
    assert b[("long",)]["bottleneck"] == "verbosity-limited"
    assert b[("long",)]["log_gap"]["verbosity"] == pytest.approx(math.log(10))
    assert b[("cut",)]["bottleneck"] == "context-limited"
    assert b[("wrong",)]["bottleneck"] == "logic-limited"
    assert b[("none",)]["bottleneck"] == "context-limited"
    assert b[("none",)]["log_gap"]["completion"] == "inf"
    assert b[("unknown",)]["bottleneck"] is None
    # the three terms add up to the log-efficiency gap
    for k in (("long",), ("cut",), ("wrong",)):
        gap = b[k]["log_gap"]
        assert sum(gap.values()) == pytest.approx(math.log(10.0 / decs[k]["efficiency"]))


def test_pareto_front_hand_case():
    pts = {"a": (0.9, 100), "b": (0.95, 500), "c": (0.8, 200), "d": (0.95, 600), "e": (0.99, 5000)}
    assert E.pareto_front(pts) == ["a", "b", "e"]


def test_spearman_bootstrap_paired_and_ci():
    rows = []
    for g, (acc, tok) in {"a": (0.9, 100), "b": (0.7, 300), "c": (0.5, 50), "d": (0.95, 2000)}.items():
        for t in range(40):
            rows.append(TraceRow(f"{g}{t}", (g,), tok + t, correct=(t % 100) < acc * 40, task=f"t{t}"))
    rep = summarize(rows, n_boot=200)
    accs = [g["accuracy"] for g in rep["groups"]]
    effs = [g["efficiency"] for g in rep["groups"]]
    assert rep["spearman_accuracy_efficiency"] == pytest.approx(naive_spearman(accs, effs))
    assert rep["spearman_bootstrap"] == "paired over 40 tasks"
    lo, hi = rep["spearman_ci"]
    assert -1 <= lo <= hi <= 1


# ----------------------------------------------------------------------------- cost

PRICES = {"models": {"big": {"input": 3.0, "output": 15.0, "aliases": ["big-2024"]},
                     "small": {"input": 0.5, "output": 1.5}},
          "aliases": {"s": "small"}}


def test_cost_hand_case():
    table = C.parse_prices(PRICES)
    assert table.lookup("big-2024").output == 15.0
    assert table.lookup("vendor/S").input == 0.5  # provider prefix and case
    assert table.lookup("other") is None
    # small: 2 attempts of 1,000 input + 2,000 / 6,000 output tokens; 1 of 2 correct
    small = [TraceRow("1", ("small",), 2000, correct=True, model="small", input_tokens=1000),
             TraceRow("2", ("small",), 6000, correct=False, model="small", input_tokens=1000)]
    # attempt costs: (1000*0.5 + 2000*1.5)/1e6 = 0.0035 ; (500 + 9000)/1e6 = 0.0095
    g = C.group_cost(small, table, accuracy=0.5)
    assert g["cost_per_attempt"] == pytest.approx(0.0065)
    assert g["cost_per_solved"] == pytest.approx(0.013)
    big = [TraceRow("3", ("big",), 500, correct=True, model="big", input_tokens=1000)]
    gb = C.group_cost(big, table, accuracy=1.0)
    assert gb["cost_per_attempt"] == pytest.approx((3000 + 7500) / 1e6)  # 0.0105
    fe = C.false_economy({("small",): g, ("big",): gb})
    assert len(fe) == 1 and fe[0]["cheaper_per_token"] == ("small",)
    assert fe[0]["ratio"] == pytest.approx(0.013 / 0.0105)
    none = C.group_cost(small, table, accuracy=0.0)
    assert none["cost_per_solved"] is None


def test_cost_through_summarize_and_unpriced():
    table = C.parse_prices(PRICES)
    rows = [TraceRow("1", ("small",), 1000, correct=True, model="small", input_tokens=0),
            TraceRow("2", ("x",), 1000, correct=True, model="x", input_tokens=0)]
    rep = summarize(rows, prices=table, n_boot=0)
    g = {x["group"]: x for x in rep["groups"]}
    assert g["small"]["cost_per_attempt"] == pytest.approx(0.0015)
    assert g["small"]["cost_per_solved"] == pytest.approx(0.0015)
    assert g["x"]["cost_per_attempt"] is None and g["x"]["unpriced_models"] == ["x"]


@pytest.mark.parametrize("bad", [
    {"models": {"m": {"input": -1, "output": 1}}},
    {"models": {"m": {"input": 1}}},
    {"models": {"m": {"input": "1", "output": 1}}},
    {"models": {"m": {"input": 1, "output": 1, "colour": 2}}},
    {"aliases": {"x": "nope"}},
    {"gpt": {"input": 1, "output": 2}},
])
def test_bad_price_tables(bad):
    with pytest.raises(C.PriceError):
        C.parse_prices(bad)


# ----------------------------------------------------------------------------- budget

def test_adherence_hand_case():
    rows = [TraceRow(str(i), ("g",), t, budget=1000) for i, t in enumerate([500, 1000, 1200, 1600, 2500])]
    a = B.adherence(rows)
    assert a["n_with_budget"] == 5
    assert a["over_budget_share"] == pytest.approx(3 / 5)
    assert a["at_or_over_budget_share"] == pytest.approx(4 / 5)
    assert a["overrun"] == pytest.approx({"gt_1x": 3 / 5, "gt_1_5x": 2 / 5, "gt_2x": 1 / 5})
    assert a["overrun_ratio_quantiles"]["p50"] == pytest.approx(1.2)
    assert a["overrun_ratio_quantiles"]["max"] == pytest.approx(2.5)
    assert B.adherence([TraceRow("x", ("g",), 10)])["over_budget_share"] is None


def test_budget_sweep_hand_case():
    # task t1 solved at 500 and above, t2 only at 2000; tokens rise again below 1000
    spec = [("t1", 250, 900, False), ("t1", 500, 400, True), ("t1", 1000, 450, True), ("t1", 2000, 600, True),
            ("t2", 250, 1100, False), ("t2", 500, 600, False), ("t2", 1000, 550, False), ("t2", 2000, 800, True)]
    rows = [TraceRow(f"{t}-{b}", ("g",), tok, correct=c, budget=b, task=t) for t, b, tok, c in spec]
    s = B.budget_sweep(rows)
    assert s["tasks"] == 2 and s["tasks_at_every_level"] == 2
    assert [lv["budget"] for lv in s["levels"]] == [250, 500, 1000, 2000]
    assert [lv["mean_tokens"] for lv in s["levels"]] == [1000, 500, 500, 700]
    assert [lv["accuracy"] for lv in s["levels"]] == [0, 0.5, 0.5, 1.0]
    assert s["min_solving_budget_by_task"] == {"t1": 500, "t2": 2000}
    assert s["min_solving_budget_counts"] == {"250": 0, "500": 1, "1000": 0, "2000": 1}
    assert s["elastic"] and s["rises_below"] == 500
    assert B.budget_sweep([TraceRow("a", ("g",), 1, budget=5, task="t")]) is None


def test_self_consistency_hand_case():
    # task A: answers 5,5,7,5 (tokens 100 each) -> k=2 stops after 2 samples (saves 200)
    # task B: answers 3,4,4,4 -> k=2 stops after 3 (saves 100); full vote 4 correct
    # task C: answers 1,2 -> never agrees at k=2; vote = 1 (earliest of the tie), wrong
    spec = [("A", 0, "5", True), ("A", 1, "5", True), ("A", 2, "7", False), ("A", 3, "5", True),
            ("B", 0, "3", False), ("B", 1, "4", True), ("B", 2, "4", True), ("B", 3, "4", True),
            ("C", 0, "1", False), ("C", 1, "2", True)]
    rows = [TraceRow(f"{t}{s}", ("g",), 100, correct=c, task=t, sample=s, answer=a)
            for t, s, a, c in spec]
    sc = B.self_consistency(rows, 2)
    assert sc["tasks"] == 3 and sc["samples"] == 10
    assert sc["tokens_all_samples"] == 1000
    assert sc["tokens_early_stop"] == 200 + 300 + 200
    assert sc["tokens_saved"] == 300 and sc["saved_share"] == pytest.approx(0.3)
    assert sc["tasks_stopped_early"] == 2
    assert sc["accuracy_all_samples"] == pytest.approx(2 / 3)
    assert sc["accuracy_early_stop"] == pytest.approx(2 / 3)
    sc3 = B.self_consistency(rows, 3)
    assert sc3["tokens_early_stop"] == 400 + 400 + 200  # A stops at its 4th sample, B at its 4th
    shuffled = list(reversed(rows))
    assert B.self_consistency(shuffled, 2) == sc


# ----------------------------------------------------------------------------- rows

def test_build_row_from_trace_and_result():
    reasoning = "x" * 1000
    tr = Trace(id="t1", reasoning=reasoning, model="m", output_tokens=500, budget=1000,
               task="q1", sample=2, prompt="p" * 40, extra={"meta": {"steps": 3}})
    res = TraceResult(id="t1", label="degenerate-looping", truncated=False,
                      findings=[Finding("REP001", "loop", 600, 1000, "loop")],
                      metrics={"loop_start": 600, "reasoning_chars": 1000, "answer": "$1,200.00",
                               "answer_correct": True},
                      tokens={"count": 500, "source": "reported"})
    row = build_row(tr, res, by=("model", "task"), workload_field="meta.steps")
    assert row.group == ("m", "q1")
    assert row.correct is True and row.completed and row.outcome == 1
    assert row.workload == 3.0 and row.budget == 1000 and row.sample == 2
    assert row.loop_tokens == pytest.approx(500 * 0.4)
    assert row.input_tokens == 10 and row.input_token_source == "estimate"
    assert row.answer == "1200"
    # the record's own correctness wins over the grounding comparison
    tr.correct = False
    assert build_row(tr, res).correct is False
    # no reasoning text: no label, no loop tokens (never computed on empty text)
    tr2 = Trace(id="t2", answer="42", output_tokens=300, reasoning_tokens=250)
    res2 = TraceResult(id="t2", label="concise", tokens={"count": 300, "source": "reported"},
                       metrics={})
    row2 = build_row(tr2, res2)
    assert row2.label is None and not row2.has_text and row2.correct is None
    assert row2.group == ("(none)",)


def test_trace_quality_not_available_without_text():
    rows = [TraceRow("a", ("o1",), 100, correct=True, has_text=False, label=None)]
    rep = summarize(rows, n_boot=0)
    g = rep["groups"][0]
    assert g["trace_quality"] == "not available" and g["label_shares"] is None
    assert g["loop_tokens"] is None and g["accuracy"] == 1.0


@pytest.mark.parametrize("raw,norm", [("18", "18"), ("18.0", "18"), ("$1,200", "1200"),
                                      ("\\boxed{42}", "42"), ("Cannot be determined", "cannot be determined"),
                                      (None, None), ("  ", None), ("50%", "50")])
def test_normalize_answer(raw, norm):
    assert normalize_answer(raw) == norm


def test_self_consistency_review_cases():
    """'2,3' is not 23; a vote's correctness comes from every sample that gave it; a stop at
    the last sample saves nothing and is not an early stop; without a sample field the input
    order (not the id text: line 10 before line 2) orders the samples."""
    from tracelint.aggregate.budget import self_consistency
    from tracelint.aggregate.rows import normalize_answer
    assert normalize_answer("2,3") != normalize_answer("23")
    assert normalize_answer("1,000") == normalize_answer("1000") == "1000"
    assert normalize_answer("1e-10") != normalize_answer("2e-10")
    rows = [TraceRow(f"s{i}", ("g",), 100, correct=c, task="t", sample=i, answer=normalize_answer(a))
            for i, (a, c) in enumerate([("2,3", False), ("23", True), ("23", True)])]
    sc = self_consistency(rows, 2)
    assert sc["accuracy_all_samples"] == 1.0 and sc["tasks_stopped_early"] == 0
    assert sc["tokens_saved"] == 0
    # ids as the reader writes them, no sample field: f:1 .. f:11, the answer agrees at 2, 10, 11
    rows = [TraceRow(f"f:{i}", ("g",), 100, correct=(i in (2, 10, 11)), task="t", seq=i,
                     answer="7" if i in (2, 10, 11) else str(100 + i)) for i in range(1, 12)]
    sc = self_consistency(rows, 2)
    assert sc["tokens_early_stop"] == 1000 and sc["tasks_stopped_early"] == 1
