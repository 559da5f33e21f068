"""All report figures from a list of rows: one pure function, :func:`summarize`.

The returned dict is the body of the ``--json`` output (schema in docs/report.md); the text
and HTML writers only format it.
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import budget as B
from . import cost as C
from . import efficiency as E
from . import stats
from .rows import TraceRow, group_name

#: Version of the report JSON (docs/report.md).  Bumped on any incompatible change.
REPORT_SCHEMA_VERSION = "1.1"


def group_rows(rows: Sequence[TraceRow]) -> Dict[Tuple[str, ...], List[TraceRow]]:
    out: Dict[Tuple[str, ...], List[TraceRow]] = defaultdict(list)
    for r in rows:
        out[r.group].append(r)
    return dict(sorted(out.items()))


def summarize(rows: Sequence[TraceRow], *, by: Sequence[str] = ("model",),
              prices: Optional[C.PriceTable] = None, seed: int = stats.SEED,
              n_boot: int = stats.N_BOOT, sc_ks: Sequence[int] = (2, 3, 4)) -> Dict[str, Any]:
    """Every per-group and across-group figure of the report.

    The result does not depend on the order of ``rows`` (groups are sorted by key, rows are
    put in a canonical order before any bootstrap)."""
    groups = group_rows(rows)
    out_groups: List[Dict[str, Any]] = []
    decs: Dict[Tuple[str, ...], Dict[str, Any]] = {}
    for key, rs in groups.items():
        decs[key] = E.decompose(rs)
    bn = E.bottlenecks(decs)
    costs: Dict[Tuple[str, ...], Dict[str, Any]] = {}
    for key, rs in groups.items():
        name = group_name(key)
        d = decs[key]
        g: Dict[str, Any] = {"group": name, "key": dict(zip(by, key))}
        g.update({k: d[k] for k in ("n", "unknown_correctness", "n_scored", "completion",
                                     "conditional_correctness", "accuracy", "mean_tokens",
                                     "efficiency")})
        g["mean_tokens_all"] = (sum(r.tokens for r in rs) / len(rs)) if rs else None
        src, counts = E.token_source(rs)
        g["token_source"] = src
        g["token_sources"] = counts
        g.update(E.vo_kappa(rs, seed=seed, n_boot=n_boot, label=name))
        g["bottleneck"] = bn[key]["bottleneck"]
        g["log_gap"] = bn[key]["log_gap"]
        tq = E.trace_quality(rs)
        g["trace_quality"] = tq.pop("available")
        g.update(tq)
        costs[key] = C.group_cost(rs, prices, d["accuracy"]) if prices is not None else {}
        g.update({"cost_per_attempt": costs[key].get("cost_per_attempt"),
                  "cost_per_solved": costs[key].get("cost_per_solved"),
                  "price": costs[key].get("price"),
                  "unpriced_models": costs[key].get("unpriced_models", []),
                  "input_token_source": costs[key].get("input_token_source"),
                  "input_tokens_missing": costs[key].get("input_tokens_missing")})
        g["budget"] = B.adherence(rs)
        g["budget_sweep"] = B.budget_sweep(rs)
        g["self_consistency"] = B.self_consistency_table(rs, sc_ks)
        out_groups.append(g)

    rd = E.ranking_divergence(groups, seed=seed, n_boot=n_boot)
    front = E.pareto_front({k: (decs[k]["accuracy"], decs[k]["mean_tokens"]) for k in groups})
    fe = C.false_economy({k: v for k, v in costs.items() if v}) if prices is not None else []
    best = [group_name(k) for k in groups if bn[k]["bottleneck"] == "best"]
    overall = E.decompose(rows)
    src, counts = E.token_source(rows)
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "by": list(by),
        "records": len(rows),
        "overall": {**{k: overall[k] for k in ("n", "unknown_correctness", "n_scored",
                                               "completion", "conditional_correctness",
                                               "accuracy", "mean_tokens", "efficiency")},
                    "token_source": src, "token_sources": counts},
        "groups": out_groups,
        "best_groups": best,
        "spearman_accuracy_efficiency": rd["spearman_accuracy_efficiency"],
        "spearman_ci": rd["ci"],
        "spearman_groups": rd["groups"],
        "spearman_bootstrap": rd["bootstrap"],
        "pareto_front": [group_name(k) for k in front],
        "false_economy": [{**p, "cheaper_per_token": group_name(p["cheaper_per_token"]),
                           "dearer_per_token": group_name(p["dearer_per_token"])} for p in fe],
        "bootstrap": {"seed": seed, "resamples": n_boot, "level": 0.95, "method": "percentile"},
    }


def check_identity(report: Dict[str, Any]) -> List[str]:
    """Names of the groups whose figures break E = 1000 * C * (A|C) / L (should be none)."""
    return [g["group"] for g in report["groups"] if not E.identity_holds(g)]


def finite_or_none(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x

