"""Terminal tables of the report: one aligned table per section."""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Sequence

NA = "not available"


def fmt_num(x: Any, digits: int = 3) -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if isinstance(x, int):
        return f"{x:,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}f}"


def fmt_pct(x: Optional[float]) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def fmt_usd(x: Optional[float]) -> str:
    if x is None:
        return "-"
    if x >= 1 or x == 0:
        return f"${x:,.2f}"
    decimals = max(2, 2 - math.floor(math.log10(x)))  # three significant digits
    return f"${x:.{decimals}f}"


def fmt_ci(ci: Optional[Sequence[float]], digits: int = 3) -> str:
    if not ci:
        return ""
    return f"[{fmt_num(ci[0], digits)}, {fmt_num(ci[1], digits)}]"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    """An aligned plain-text table; ``right`` says which columns are right-aligned."""
    widths = [len(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if right[i] else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(headers), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def _section(title: str, body: str) -> str:
    return f"{title}\n{'=' * len(title)}\n{body}\n"


def decomposition_table(rep: Dict[str, Any]) -> str:
    hd = ["group", "n", "unknown", "C", "A|C", "A", "L (tokens)", "E /1k tok", "token source",
          "bottleneck"]
    rows = []
    for g in rep["groups"]:
        rows.append([g["group"], fmt_num(g["n"]), fmt_num(g["unknown_correctness"]),
                     fmt_num(g["completion"]), fmt_num(g["conditional_correctness"]),
                     fmt_num(g["accuracy"]), fmt_num(g["mean_tokens"]),
                     fmt_num(g["efficiency"]), g["token_source"], g["bottleneck"] or "-"])
    return table(hd, rows, [False, True, True, True, True, True, True, True, False, False])


def workload_table(rep: Dict[str, Any]) -> Optional[str]:
    if not any(g["vo"] is not None for g in rep["groups"]):
        return None
    hd = ["group", "n (workload)", "VO tok/unit", "95% CI", "kappa", "95% CI"]
    rows = [[g["group"], fmt_num(g["n_workload"]), fmt_num(g["vo"]), fmt_ci(g["vo_ci"]),
             fmt_num(g["kappa"]), fmt_ci(g["kappa_ci"])] for g in rep["groups"]]
    return table(hd, rows, [False, True, True, False, True, False])


def quality_table(rep: Dict[str, Any]) -> str:
    hd = ["group", "looping", "verbose-but-engaged", "concise", "loop tokens", "loop share",
          "trace text"]
    rows = []
    for g in rep["groups"]:
        ls = g["label_shares"]
        if ls is None:
            rows.append([g["group"], NA, NA, NA, NA, NA, g["trace_quality"]])
            continue
        rows.append([g["group"], fmt_pct(ls["degenerate-looping"]),
                     fmt_pct(ls["verbose-but-engaged"]), fmt_pct(ls["concise"]),
                     fmt_num(round(g["loop_tokens"])), fmt_pct(g["loop_token_share"]),
                     g["trace_quality"]])
    return table(hd, rows, [False, True, True, True, True, True, False])


def ranking_text(rep: Dict[str, Any]) -> str:
    rho = rep["spearman_accuracy_efficiency"]
    lines = []
    if rho is None:
        why = (f"{rep['spearman_groups']} groups with both figures; needs 3"
               if rep["spearman_groups"] < 3 else
               "every group has the same accuracy, or the same efficiency")
        lines.append(f"Spearman rho (accuracy vs efficiency ranking): not defined ({why})")
    else:
        ci = fmt_ci(rep["spearman_ci"])
        lines.append(f"Spearman rho (accuracy vs efficiency ranking): {rho:.3f} {ci} "
                     f"over {rep['spearman_groups']} groups"
                     + (f"; bootstrap {rep['spearman_bootstrap']}" if rep["spearman_bootstrap"] else ""))
    lines.append("Pareto front (accuracy vs mean tokens): " + (", ".join(rep["pareto_front"]) or "-"))
    if rep["best_groups"]:
        lines.append("Most efficient: " + ", ".join(rep["best_groups"]))
    return "\n".join(lines)


def cost_table(rep: Dict[str, Any]) -> Optional[str]:
    if "prices" not in rep or rep["prices"] is None:
        return None
    hd = ["group", "in $/M", "out $/M", "cost/attempt", "cost/solved", "note"]
    rows = []
    for g in rep["groups"]:
        p = g.get("price")
        note = ("unpriced: " + ", ".join(g["unpriced_models"])) if g["unpriced_models"] else \
            ("" if p is None else p["source"])
        rows.append([g["group"], fmt_num(p["input"]) if p else "-", fmt_num(p["output"]) if p else "-",
                     fmt_usd(g["cost_per_attempt"]), fmt_usd(g["cost_per_solved"]), note])
    out = table(hd, rows, [False, True, True, True, True, False])
    fe = rep.get("false_economy") or []
    if fe:
        out += "\n\nFalse economy (cheaper per token, dearer per solved task):\n"
        out += "\n".join(f"  {p['cheaper_per_token']} costs {fmt_usd(p['cost_per_solved_cheaper'])}"
                         f" per solved task vs {fmt_usd(p['cost_per_solved_dearer'])} for "
                         f"{p['dearer_per_token']}" for p in fe)
    else:
        out += "\n\nFalse economy: none"
    return out


def budget_tables(rep: Dict[str, Any]) -> Optional[str]:
    parts = []
    if any(g["budget"]["n_with_budget"] for g in rep["groups"]):
        hd = ["group", "n (budget)", "at/over budget", "over budget", ">1x", ">1.5x", ">2x",
              "ratio p50", "ratio max"]
        rows = []
        for g in rep["groups"]:
            b = g["budget"]
            if not b["n_with_budget"]:
                rows.append([g["group"], "0", "-", "-", "-", "-", "-", "-", "-"])
                continue
            q = b["overrun_ratio_quantiles"]
            rows.append([g["group"], fmt_num(b["n_with_budget"]),
                         fmt_pct(b["at_or_over_budget_share"]), fmt_pct(b["over_budget_share"]),
                         fmt_pct(b["overrun"]["gt_1x"]), fmt_pct(b["overrun"]["gt_1_5x"]),
                         fmt_pct(b["overrun"]["gt_2x"]), fmt_num(q["p50"]), fmt_num(q["max"])])
        parts.append(table(hd, rows, [False] + [True] * 8))
    sweeps = [(g["group"], g["budget_sweep"]) for g in rep["groups"] if g["budget_sweep"]]
    if sweeps:
        hd = ["group", "budget", "n", "mean tokens", "accuracy", "tasks min-solved here"]
        rows = []
        for name, s in sweeps:
            for lv in s["levels"]:
                rows.append([name, fmt_num(lv["budget"]), fmt_num(lv["n"]),
                             fmt_num(lv["mean_tokens"]), fmt_num(lv["accuracy"]),
                             fmt_num(s["min_solving_budget_counts"].get(str(lv["budget"]), 0))])
        parts.append(table(hd, rows, [False, True, True, True, True, True]))
        parts.append("\n".join(
            f"{name}: {s['tasks']} tasks under several budgets; "
            + (f"tokens rise again below a budget of {s['rises_below']:,}" if s["elastic"]
               else "tokens fall as the budget shrinks (no rise)")
            + f"; median minimal solving budget {fmt_num(s['min_solving_budget_median'])}"
            for name, s in sweeps))
    scs = [(g["group"], s) for g in rep["groups"] for s in (g["self_consistency"] or [])]
    if scs:
        hd = ["group", "k", "tasks", "stopped early", "tokens (all)", "tokens (early stop)",
              "saved", "acc (all)", "acc (early)"]
        rows = [[name, str(s["k"]), fmt_num(s["tasks"]), fmt_num(s["tasks_stopped_early"]),
                 fmt_num(s["tokens_all_samples"]), fmt_num(s["tokens_early_stop"]),
                 fmt_pct(s["saved_share"]), fmt_num(s["accuracy_all_samples"]),
                 fmt_num(s["accuracy_early_stop"])] for name, s in scs]
        parts.append("Self-consistency early stop (stop once k samples agree):\n"
                     + table(hd, rows, [False] + [True] * 8))
    return "\n\n".join(parts) if parts else None


def render_text(rep: Dict[str, Any]) -> str:
    out = [_section("Efficiency decomposition (E = 1000 * C * A|C / L)", decomposition_table(rep)),
           _section("Ranking", ranking_text(rep))]
    w = workload_table(rep)
    if w:
        out.append(_section("Verbalization overhead and coupling (T ~ W^(1+kappa))", w))
    out.append(_section("Trace quality (traces with reasoning text)", quality_table(rep)))
    c = cost_table(rep)
    if c:
        out.append(_section("Cost (USD)", c))
    b = budget_tables(rep)
    if b:
        out.append(_section("Budget", b))
    notes = rep.get("notes") or []
    if notes:
        out.append(_section("Notes", "\n".join(f"* {n}" for n in notes)))
    return "\n".join(out)
