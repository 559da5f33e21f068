"""The efficiency decomposition (Kaiser et al., arXiv 2602.09805) and related figures.

Pure functions over :class:`~tracelint.aggregate.rows.TraceRow` lists; no I/O.  For one group
of n traces with tokens T_i, completion c_i and outcome y_i (y_i = 0 when c_i = 0):

* ``completion`` C = sum(c_i) / n                             (every trace)
* ``conditional_correctness`` A|C = sum(y_i) / k over the k completed traces whose
  correctness is known (null when k = 0; the others are counted in ``unknown_correctness``)
* ``accuracy`` A = C * A|C                                    (= sum(y_i) / n when k = sum(c_i))
* ``mean_tokens`` L = sum(T_i) / n                            (every trace)
* ``efficiency`` E = 1000 * C * (A|C) / L                     (= 1000 * sum(y_i) / sum(T_i) when
  every completed trace's correctness is known)

Completion and tokens are known for every trace; only correctness can be missing, and only
for a completed trace (a cut one scores 0).  Taking C and L over the traces whose outcome is
known would count every cut trace but only some completed ones, and so understate C and A
whenever references are partial; A|C is the one factor the missing references touch.

``vo`` = sum(T_i) / sum(W_i) and ``kappa`` (the OLS slope of log(T_i/W_i) on log W_i) use every
trace with a positive workload (correctness plays no part), each with a seeded percentile
bootstrap CI.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, cast

import numpy as np

from ..model import LABELS
from . import stats
from .rows import TraceRow

BOTTLENECKS = {"completion": "context-limited", "conditional_correctness": "logic-limited",
               "verbosity": "verbosity-limited"}
INF = "inf"


def scored(rows: Sequence[TraceRow]) -> List[TraceRow]:
    """The rows whose outcome y_i is known."""
    return [r for r in rows if r.outcome is not None]


def decompose(rows: Sequence[TraceRow]) -> Dict[str, Any]:
    """C, A|C, A, L and E of one group (see the module docstring)."""
    n = len(rows)
    known = scored(rows)
    sum_c = sum(1 for r in rows if r.completed)
    judged = sum(1 for r in known if r.completed)  # completed, correctness known
    sum_y = sum(r.outcome for r in known)  # type: ignore[misc]
    sum_t = sum(r.tokens for r in rows)
    out: Dict[str, Any] = {
        "n": n, "n_scored": len(known), "unknown_correctness": n - len(known),
        "completion": None, "conditional_correctness": None, "accuracy": None,
        "mean_tokens": None, "efficiency": None,
        "solved": sum_y, "completed": sum_c, "total_tokens": sum_t,
    }
    if n == 0:
        return out
    c = sum_c / n
    out["completion"] = c
    out["mean_tokens"] = sum_t / n
    if sum_c == 0:  # nothing completed: nothing solved, whatever the references
        out["accuracy"] = 0.0
        out["efficiency"] = 0.0 if sum_t > 0 else None
        return out
    if judged == 0:
        return out  # completed traces, none of known correctness: A|C, A and E unknown
    ac = sum_y / judged
    out["conditional_correctness"] = ac
    # exact fractions when every completed trace is judged (C * A|C = sum_y / n)
    out["accuracy"] = sum_y / n if judged == sum_c else c * ac
    if sum_t > 0:
        out["efficiency"] = (1000.0 * sum_y / sum_t if judged == sum_c
                             else 1000.0 * c * ac / out["mean_tokens"])
    return out


def identity_holds(d: Mapping[str, Any], rel: float = 1e-9) -> bool:
    """Whether E = 1000 * C * (A|C) / L holds for a decomposition (vacuous where undefined)."""
    e: Any = d.get("efficiency")
    c: Any = d.get("completion")
    ac: Any = d.get("conditional_correctness")
    lt: Any = d.get("mean_tokens")
    if e is None or lt in (None, 0):
        return True
    if ac is None:  # no completed trace: C = 0, so E must be 0
        return e == 0
    rhs = 1000.0 * c * ac / lt
    return math.isclose(e, rhs, rel_tol=rel, abs_tol=1e-12)


def token_source(rows: Sequence[TraceRow]) -> Tuple[str, Dict[str, int]]:
    """``(label, counts)``: the single source, or ``mixed`` with the counts per source."""
    counts = Counter(r.token_source for r in rows)
    if not counts:
        return "none", {}
    if len(counts) == 1:
        return next(iter(counts)), dict(counts)
    return "mixed", dict(sorted(counts.items()))


def trace_quality(rows: Sequence[TraceRow]) -> Dict[str, Any]:
    """Label shares and loop tokens, over the traces that carry reasoning text.  Traces
    without text (hidden reasoning) never enter them; a group with none says so."""
    text = [r for r in rows if r.has_text]
    out: Dict[str, Any] = {"n_with_text": len(text)}
    if not text:
        out.update(available="not available", label_shares=None, loop_tokens=None,
                   loop_token_share=None, loop_traces=None)
        return out
    labels = Counter(r.label for r in text)
    out["available"] = "available" if len(text) == len(rows) else f"partial ({len(text)} of {len(rows)})"
    out["label_shares"] = {k: labels.get(k, 0) / len(text) for k in LABELS}
    lt = math.fsum(r.loop_tokens for r in text)
    tot = sum(r.tokens for r in text)
    out["loop_tokens"] = lt
    out["loop_token_share"] = (lt / tot) if tot else 0.0
    out["loop_traces"] = labels.get("degenerate-looping", 0)
    return out


def _workload_pairs(rows: Sequence[TraceRow]) -> Tuple[np.ndarray, np.ndarray]:
    pairs = sorted((float(r.workload), float(r.tokens)) for r in rows
                   if r.workload is not None and r.workload > 0)
    if not pairs:
        return np.zeros(0), np.zeros(0)
    a = np.asarray(pairs, dtype=float)
    return a[:, 0], a[:, 1]


def vo_kappa(rows: Sequence[TraceRow], *, seed: int = stats.SEED, n_boot: int = stats.N_BOOT,
             label: str = "") -> Dict[str, Any]:
    """Verbalization overhead VO = sum T / sum W and coupling kappa = OLS slope of
    log(T/W) on log W (T proportional to W^(1+kappa)), with 95% percentile bootstrap CIs
    (resampling traces; seeded by ``seed`` and ``label``).  Null when no workload is given."""
    w, t = _workload_pairs(rows)
    out: Dict[str, Any] = {"n_workload": int(w.size), "vo": None, "vo_ci": None,
                           "kappa": None, "kappa_ci": None, "kappa_intercept": None}
    if w.size == 0:
        return out
    with np.errstate(over="ignore"):
        vo = float(t.sum() / w.sum())
    out["vo"] = vo if math.isfinite(vo) else None  # workloads near 1e-300: beyond float range
    pos = t > 0
    lx = np.log(w[pos])
    with np.errstate(over="ignore"):
        ly = np.log(t[pos] / w[pos])
    # T/W overflows for workloads near 1e-300: ln T - ln W there
    ly = np.where(np.isfinite(ly), ly, np.log(t[pos]) - lx)
    fit = stats.ols_fit(lx.tolist(), ly.tolist()) if lx.size >= 2 else None
    if fit is not None:
        out["kappa"], out["kappa_intercept"] = fit
    if n_boot <= 0:
        return out
    rng = stats.rng_for(seed, "vo_kappa:" + label)
    n = w.size
    vo_s: List[np.ndarray] = []
    k_s: List[np.ndarray] = []
    xc = lx - (lx.mean() if lx.size else 0.0)
    for k in stats.bootstrap_chunks(n, n_boot):
        wt = stats.bootstrap_weights(rng, n, k)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            vo_s.append((wt @ t) / (wt @ w))
            if fit is not None:
                wp = wt[:, pos]
                sw = wp.sum(axis=1)
                sx = wp @ xc
                sy = wp @ ly
                sxx = wp @ (xc * xc)
                sxy = wp @ (xc * ly)
                den = sw * sxx - sx * sx
                k_s.append(np.where(den > 1e-12 * np.maximum(sw * sxx, 1e-300),
                                    (sw * sxy - sx * sy) / den, np.nan))
    out["vo_ci"] = stats.percentile_ci(np.concatenate(vo_s)) if out["vo"] is not None else None
    if k_s:
        out["kappa_ci"] = stats.percentile_ci(np.concatenate(k_s))
    return out


def _log_gap(best: float, mine: float) -> Any:
    if mine <= 0:
        return INF if best > 0 else 0.0
    if best <= 0:
        return 0.0
    return math.log(best) - math.log(mine)


def bottlenecks(decomps: Mapping[Any, Mapping[str, Any]]) -> Dict[Any, Dict[str, Any]]:
    """Per group: the factor that explains most of its log-efficiency gap to the best group.

    ln E_best - ln E_g = [ln C_b - ln C_g] + [ln (A|C)_b - ln (A|C)_g] + [ln L_g - ln L_b];
    the largest term names the bottleneck: completion -> ``context-limited``, conditional
    correctness -> ``logic-limited``, verbosity -> ``verbosity-limited``.  The group(s) with
    the highest E are ``best``.  A factor that is zero gives an infinite term (``"inf"``).
    Groups without an efficiency get ``None``, and so does every group when none solves
    anything (E = 0 everywhere)."""
    valid = {k: d for k, d in decomps.items() if d.get("efficiency") is not None}
    out: Dict[Any, Dict[str, Any]] = {k: {"bottleneck": None, "log_gap": None, "best_group": None}
                                      for k in decomps}
    if not valid:
        return out
    best_key = max(sorted(valid), key=lambda k: valid[k]["efficiency"])
    b = valid[best_key]
    if b["efficiency"] <= 0:
        return out  # nothing solved anywhere: no best group, no gap to explain
    for k, d in valid.items():
        if d["efficiency"] >= b["efficiency"]:
            out[k] = {"bottleneck": "best", "log_gap": {f: 0.0 for f in BOTTLENECKS},
                      "best_group": best_key}
            continue
        gap = {
            "completion": _log_gap(b["completion"], d["completion"]),
            "conditional_correctness": (
                INF if d["conditional_correctness"] in (None, 0) and (b["conditional_correctness"] or 0) > 0
                else _log_gap(b["conditional_correctness"] or 0.0, d["conditional_correctness"] or 0.0)),
            "verbosity": _log_gap(d["mean_tokens"], b["mean_tokens"]),
        }
        if d["completion"] == 0:  # no completed trace: A|C is undefined, completion explains it
            gap["conditional_correctness"] = 0.0

        def val(f: str) -> float:
            v = gap[f]
            return math.inf if v == INF else float(v)
        top = max(BOTTLENECKS, key=lambda f: (val(f), -list(BOTTLENECKS).index(f)))
        out[k] = {"bottleneck": BOTTLENECKS[top], "log_gap": gap, "best_group": best_key}
    return out


def pareto_front(points: Mapping[Any, Tuple[Optional[float], Optional[float]]]) -> List[Any]:
    """Groups not dominated in (higher accuracy, fewer mean tokens), by mean tokens."""
    pts: Dict[Any, Tuple[float, float]] = {
        k: cast(Tuple[float, float], v) for k, v in points.items()
        if v[0] is not None and v[1] is not None}
    front = []
    for k, (a, t) in pts.items():
        dominated = any(a2 >= a and t2 <= t and (a2 > a or t2 < t)
                        for k2, (a2, t2) in pts.items() if k2 != k)
        if not dominated:
            front.append(k)
    return sorted(front, key=lambda k: (pts[k][1], -pts[k][0], k))


def _resampled(sy, sj, sc, sn, st):
    """(A, E / 1000) of resampled sums, as :func:`decompose` computes them: A = C * A|C with
    C = sc / sn and A|C = sy / sj (0 when nothing completed); E = A / L with L = st / sn.
    NaN where undefined (no judged trace, no tokens)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(sc > 0, (sc / sn) * (sy / sj), 0.0)
        eff = acc / (st / sn)
    return acc, eff


def ranking_divergence(groups: Mapping[Any, Sequence[TraceRow]], *, seed: int = stats.SEED,
                       n_boot: int = stats.N_BOOT) -> Dict[str, Any]:
    """Spearman's rho between the groups' accuracy ranking and efficiency ranking, with a
    95% percentile bootstrap CI over instances.

    Instances are tasks when every row has a ``task`` (then the groups are resampled
    together, task by task: a paired bootstrap); otherwise each group's traces are resampled
    on their own."""
    keys = []
    for k in sorted(groups):
        d = decompose(groups[k])
        if d["accuracy"] is not None and d["efficiency"] is not None:
            keys.append(k)
    out: Dict[str, Any] = {"spearman_accuracy_efficiency": None, "ci": None,
                           "groups": len(keys), "bootstrap": None}
    if len(keys) < 3:
        return out
    dec = {k: decompose(groups[k]) for k in keys}
    out["spearman_accuracy_efficiency"] = stats.spearman(
        [dec[k]["accuracy"] for k in keys], [dec[k]["efficiency"] for k in keys])
    if out["spearman_accuracy_efficiency"] is None or n_boot <= 0:
        return out  # no CI around an undefined rho (every group ties on A or on E)
    rng = stats.rng_for(seed, "spearman")
    paired = all(r.task is not None for k in keys for r in groups[k])
    acc_s: List[np.ndarray] = []
    eff_s: List[np.ndarray] = []
    G = len(keys)
    if paired:
        tasks = sorted({r.task for k in keys for r in groups[k]})  # type: ignore[type-var]
        ti = {t: i for i, t in enumerate(tasks)}
        K = len(tasks)
        # per task and group: solved, judged (completed, correctness known), completed,
        # traces, tokens -- the sums decompose() takes
        my, mj, mc, mn, mt = (np.zeros((K, G)) for _ in range(5))
        for g, k in enumerate(keys):
            for r in groups[k]:
                i = ti[r.task]
                o = r.outcome
                my[i, g] += o or 0
                mj[i, g] += r.completed and o is not None
                mc[i, g] += r.completed
                mn[i, g] += 1
                mt[i, g] += r.tokens
        for b in stats.bootstrap_chunks(K * 3, n_boot):
            wt = stats.bootstrap_weights(rng, K, b)
            acc, eff = _resampled(wt @ my, wt @ mj, wt @ mc, wt @ mn, wt @ mt)
            acc_s.append(acc)
            eff_s.append(eff)
        out["bootstrap"] = f"paired over {K} tasks"
    else:
        cols_a, cols_e = [], []
        for k in keys:
            rs = sorted(groups[k], key=lambda r: (r.outcome is None, r.outcome or 0, r.tokens,
                                                  r.completed))
            y = np.asarray([r.outcome or 0 for r in rs], dtype=float)
            j = np.asarray([r.completed and r.outcome is not None for r in rs], dtype=float)
            c = np.asarray([r.completed for r in rs], dtype=float)
            t = np.asarray([r.tokens for r in rs], dtype=float)
            ca, ce = [], []
            for b in stats.bootstrap_chunks(len(rs), n_boot):
                wt = stats.bootstrap_weights(rng, len(rs), b)
                acc, eff = _resampled(wt @ y, wt @ j, wt @ c, wt.sum(axis=1), wt @ t)
                ca.append(acc)
                ce.append(eff)
            cols_a.append(np.concatenate(ca))
            cols_e.append(np.concatenate(ce))
        acc_s = [np.stack(cols_a, axis=1)]
        eff_s = [np.stack(cols_e, axis=1)]
        out["bootstrap"] = "unpaired, traces resampled within each group"
    A = np.concatenate(acc_s)
    E = np.concatenate(eff_s)
    ok = np.isfinite(A).all(axis=1) & np.isfinite(E).all(axis=1)
    rho = stats.spearman_rows(A[ok], E[ok]) if ok.any() else np.zeros(0)
    out["ci"] = stats.percentile_ci(rho)
    return out
