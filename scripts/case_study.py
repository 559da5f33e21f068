#!/usr/bin/env python
"""Generate docs/case-study.md: ``tracelint report`` figures on the shared real data.

    python scripts/case_study.py [--realdata ../shared/realdata] [--out docs/case-study.md]
                                 [--html report.html] [--json figures.json]

Part 1 — the 23 models that answered the same 582 GSM8K problems: the 12 MiP-Overthinking
``gsm8k__normal__*`` runs and the 11 ZeroEval runs.  Part 2 — MiP-Overthinking's normal
against missing-premise runs.  Reader options come from the ``SOURCES`` table of
tests/test_realdata_load.py (the same as docs/realdata.md).  Correctness: the source's own
``eval_result`` where it has one (1 = correct; 0 and 2 = not correct; 3 = unknown), else
tracelint's answer-vs-reference comparison (``answer_correct``).  Workload: the number of
``<<a*b=c>>`` calculator steps in the GSM8K reference solution (inputs/gsm8k.jsonl, joined on
the question text).  Deterministic: same data, same document.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import math
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracelint import __version__  # noqa: E402
from tracelint.aggregate import stats  # noqa: E402
from tracelint.analysis import analyze  # noqa: E402
from tracelint.config import Config  # noqa: E402
from tracelint.io import read_traces  # noqa: E402
from tracelint.model import Trace  # noqa: E402
from tracelint.report.collect import Collected, collect  # noqa: E402
from tracelint.report.text import fmt_ci, fmt_num, fmt_pct  # noqa: E402

REASONING_MODELS = {"DeepSeek-R1", "DeepSeek-R1-Distill-Qwen-32B", "QwQ-32B", "s1.1", "LIMO",
                    "o1", "o1-mini", "o3-mini", "openai/o1-mini-2024-09-12"}
HIDDEN_IN_TEXT = {"openai/o1-mini-2024-09-12"}  # ZeroEval o1-mini: visible answer only, no counts


def load_sources():
    spec = importlib.util.spec_from_file_location("realdata_sources",
                                                  ROOT / "tests" / "test_realdata_load.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.SOURCES


def _norm_q(q: str) -> str:
    return re.sub(r"\s+", " ", q or "").strip()


def gsm8k_index(realdata: Path) -> Dict[str, Tuple[str, int]]:
    """question text -> (task id, calculator steps of the reference solution)."""
    out = {}
    with open(realdata / "mip_overthinking" / "inputs" / "gsm8k.jsonl", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            rec = json.loads(line)
            out[_norm_q(rec["question"])] = (f"gsm8k-{i:03d}", len(re.findall(r"<<[^>]*>>", rec["answer"])))
    return out


def eval_result_correct(v: Any) -> Optional[bool]:
    if v in (1, "1"):
        return True
    if v in (0, 2, "0", "2"):
        return False
    return None


class Hooks:
    """Per-trace preparation: task id and workload from the GSM8K inputs, correctness from
    ``eval_result``, run/dataset/condition labels; also counts where correctness came from."""

    def __init__(self, index: Dict[str, Tuple[str, int]], run: str, dataset: str, condition: str):
        self.index, self.run, self.dataset, self.condition = index, run, dataset, condition
        self.correct_from: Counter = Counter()
        self.unjoined = 0
        self.models: Dict[str, str] = {}

    def __call__(self, t: Trace) -> None:
        t.extra["run"] = self.run
        t.extra["dataset"] = self.dataset
        t.extra["condition"] = self.condition
        self.models.setdefault(t.model or "(none)", self.run)
        if self.index:
            q = t.extra.get("question") or t.prompt or ""
            hit = self.index.get(_norm_q(q))
            if hit is None:
                self.unjoined += 1
            else:
                t.task, t.workload = hit[0], float(hit[1])
        ev = eval_result_correct(t.extra.get("eval_result"))
        if ev is not None:
            t.extra["_eval_correct"] = ev
            t.correct = ev
            self.correct_from["eval_result"] += 1
        else:
            self.correct_from["answer_correct"] += 1


def run_sources(sources, keys_files: List[Tuple[str, Path, str, str, str]], index, cfg,
                per_group: int, by, compare: bool = False) -> Tuple[Collected, Counter, int, Counter, Dict[str, str]]:
    """Analyse the given files (source key, path, run, dataset, condition) into one
    collection."""
    merged = Collected(browser_limit=per_group)
    cfrom: Counter = Counter()
    agree: Counter = Counter()
    unjoined = 0
    run_of: Dict[str, str] = {}

    def analyzer(t: Trace):
        res = analyze(t, cfg)
        if compare and "_eval_correct" in t.extra:
            # tracelint's own verdict: the same trace without the source's correctness (a
            # `correct` field overrides the answer-vs-reference comparison)
            own = analyze(dataclasses.replace(t, correct=None), cfg).metrics.get("answer_correct")
            agree[(t.extra["_eval_correct"], own)] += 1
        return res
    for key, path, run, dataset, cond in keys_files:
        src = sources[key]
        hooks = Hooks(index, run, dataset, cond)
        c = collect(read_traces([str(path)], src.options()), analyzer, by=by,
                    per_group=per_group, max_chars=6000, on_trace=hooks)
        merged.rows.extend(c.rows)
        merged.read_errors.extend(c.read_errors)
        merged.analysis_errors.extend(c.analysis_errors)
        merged.browser.extend(c.browser)
        for g, cnt in c.rule_counts.items():
            tgt = merged.rule_counts.setdefault(g, {})
            for code, v in cnt.items():
                tgt[code] = tgt.get(code, 0) + v
        cfrom.update(hooks.correct_from)
        unjoined += hooks.unjoined
        run_of.update(hooks.models)
    return merged, cfrom, unjoined, agree, run_of


def md_table(headers: List[str], rows: List[List[str]], right: List[bool]) -> str:
    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join("---:" if r else "---" for r in right) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(out)


def gsm8k_files(sources, realdata: Path):
    files = []
    for key, src in sorted(sources.items()):
        if key.startswith("mip-normal-"):
            for p in sorted(realdata.glob(src.glob)):
                if p.name.startswith("gsm8k__"):
                    files.append((key, p, "MiP-Overthinking", "gsm8k", "normal"))
    for p in sorted(realdata.glob(sources["zeroeval-gsm"].glob)):
        files.append(("zeroeval-gsm", p, "ZeroEval", "gsm8k", "normal"))
    return files


def mip_files(sources, realdata: Path):
    files = []
    for key, src in sorted(sources.items()):
        if key.startswith("mip-"):
            cond = key.split("-")[1]
            for p in sorted(realdata.glob(src.glob)):
                files.append((key, p, "MiP-Overthinking", p.name.split("__")[0], cond))
    return files


def part1(rep: Dict[str, Any], run_of: Dict[str, str], cfrom: Counter, agree: Counter,
          unjoined: int) -> str:
    groups = sorted(rep["groups"], key=lambda g: -(g["efficiency"] or 0))
    tab = []
    for g in groups:
        name = g["group"] + (" ¹" if g["group"] in HIDDEN_IN_TEXT else "")
        tq = g["label_shares"]
        tab.append([name, run_of[g["group"]], fmt_num(g["n"]), fmt_num(g["accuracy"]),
                    fmt_num(g["completion"]), fmt_num(g["conditional_correctness"]),
                    fmt_num(g["mean_tokens"]), g["token_source"], fmt_num(g["efficiency"]),
                    g["bottleneck"] or "-",
                    "not available" if tq is None else fmt_pct(tq["degenerate-looping"]),
                    "not available" if tq is None else fmt_pct(g["loop_token_share"])])
    t1 = md_table(["model", "run", "n", "A", "C", "A\\|C", "L tokens", "token source",
                   "E per 1k", "bottleneck", "looping", "loop tokens"], tab,
                  [False, False, True, True, True, True, True, False, True, False, True, True])
    kt = []
    for g in sorted(rep["groups"], key=lambda g: g["group"]):
        kt.append([g["group"], fmt_num(g["vo"]), fmt_ci(g["vo_ci"], 1), fmt_num(g["kappa"]),
                   fmt_ci(g["kappa_ci"])])
    t2 = md_table(["model", "VO tokens/step", "95% CI", "κ", "95% CI"], kt,
                  [False, True, False, True, False])
    by_acc = sorted(groups, key=lambda g: -(g["accuracy"] or 0))
    rho = rep["spearman_accuracy_efficiency"]
    agree_n = sum(agree.values())
    agree_same = sum(v for (ev, ac), v in agree.items() if ac is not None and ev == ac)
    agree_known = sum(v for (ev, ac), v in agree.items() if ac is not None)
    return "\n".join([
        t1, "",
        "¹ ZeroEval's o1-mini returned only its visible answer: its hidden reasoning tokens are "
        "not in the text, so its token count (an estimate from the visible text) is far below "
        "what was billed, and its efficiency is overstated accordingly. The MiP-Overthinking "
        "o-series runs report the billed counts (`all_token_count`, token source `reported`).",
        "",
        f"**Spearman ρ between the accuracy ranking and the efficiency ranking: "
        f"{rho:.3f}**, 95% CI {fmt_ci(rep['spearman_ci'])} "
        f"(bootstrap {rep['spearman_bootstrap']}, {rep['bootstrap']['resamples']} resamples, "
        f"seed {rep['bootstrap']['seed']}).",
        "",
        f"Pareto front (accuracy against mean tokens): {', '.join(rep['pareto_front'])}.",
        "",
        f"Most accurate: {', '.join(g['group'] + ' (' + fmt_num(g['accuracy']) + ')' for g in by_acc[:3])}. "
        f"Most efficient: {', '.join(g['group'] + ' (' + fmt_num(g['efficiency']) + ')' for g in groups[:3])}.",
        "",
        f"Correctness source: `eval_result` for {cfrom['eval_result']} traces (MiP's Gemma-2-27B "
        f"GSM8K run is the only one of the 23 with it), tracelint's `answer_correct` for "
        f"{cfrom['answer_correct']}. On the {agree_n} traces with `eval_result`, tracelint's own "
        f"verdict (the same trace analysed without it) agrees on {agree_same} of the {agree_known} it "
        f"could judge ({fmt_pct(agree_same / agree_known) if agree_known else '-'}). "
        f"Unknown correctness: {sum(g['unknown_correctness'] for g in rep['groups'])} traces. "
        f"Questions not joined to inputs/gsm8k.jsonl (no task id or workload): {unjoined}.",
        "",
        "### Verbalization overhead and its coupling to workload",
        "",
        "Workload W = the number of `<<a*b=c>>` calculator steps in the reference solution "
        "(1 to 8 on these problems). VO = Σ tokens / Σ W; κ = OLS slope of ln(T/W) on ln W "
        "(T ∝ W^(1+κ)): κ = 0 means tokens grow in proportion to the work, κ < 0 that a model "
        "pays a fixed overhead that harder problems amortise.",
        "",
        t2,
    ]), agree_n


def part1_facts(rep: Dict[str, Any], col: Collected, n_boot: int) -> Dict[str, Any]:
    """The numbers the prose of part 1 quotes, computed (never typed in)."""
    from tracelint.aggregate.efficiency import ranking_divergence
    from tracelint.aggregate.summary import group_rows
    groups = group_rows(col.rows)
    sub = {k: v for k, v in groups.items() if k[0] not in HIDDEN_IN_TEXT}
    rd = ranking_divergence(sub, seed=stats.SEED, n_boot=n_boot)
    gs = rep["groups"]
    rz = [g for g in gs if g["group"] in REASONING_MODELS and g["group"] not in HIDDEN_IN_TEXT]
    nz = [g for g in gs if g["group"] not in REASONING_MODELS]
    txt = [g for g in gs if g["label_shares"] is not None]
    top_loop = max(txt, key=lambda g: g["label_shares"]["degenerate-looping"])
    top_lt = max(txt, key=lambda g: g["loop_token_share"])
    ks = [g["kappa"] for g in gs if g["kappa"] is not None]
    return {
        "rho_excl": rd["spearman_accuracy_efficiency"], "rho_excl_ci": rd["ci"],
        "rho_excl_groups": rd["groups"],
        "L_reasoning": statistics.median(g["mean_tokens"] for g in rz),
        "L_other": statistics.median(g["mean_tokens"] for g in nz),
        "A_reasoning": statistics.median(g["accuracy"] for g in rz),
        "A_other": statistics.median(g["accuracy"] for g in nz),
        "E_reasoning": statistics.median(g["efficiency"] for g in rz),
        "E_other": statistics.median(g["efficiency"] for g in nz),
        "n_reasoning": len(rz), "n_other": len(nz),
        "bottlenecks": Counter(g["bottleneck"] for g in gs),
        "ac_high": sum(1 for g in gs if (g["conditional_correctness"] or 0) >= 0.9),
        "top_loop": (top_loop["group"], top_loop["label_shares"]["degenerate-looping"]),
        "top_loop_tokens": (top_lt["group"], top_lt["loop_token_share"], top_lt["loop_traces"]),
        "models_looping": sum(1 for g in txt if g["loop_traces"]),
        "n_text": len(txt),
        "kappa_min": min(ks), "kappa_max": max(ks), "kappa_n": len(ks),
        "kappa_negative": sum(1 for k in ks if k < 0),
        "vo_ratio_min": min(g["vo"] for g in rz) / statistics.median(g["vo"] for g in nz),
        "vo_ratio_max": max(g["vo"] for g in rz) / statistics.median(g["vo"] for g in nz),
        "runaway_ratio": (top_lt["loop_tokens"] / max(top_lt["loop_traces"], 1)) / top_lt["mean_tokens_all"],
    }


def part2(rep: Dict[str, Any], rows) -> Tuple[str, Dict[str, Any]]:
    by = {tuple(g["key"].values()): g for g in rep["groups"]}
    cut: Dict[Tuple[str, ...], List[int]] = defaultdict(lambda: [0, 0])
    for r in rows:  # truncation over every trace (correctness plays no part)
        cut[r.group][0] += 0 if r.completed else 1
        cut[r.group][1] += 1
    models = sorted({k[0] for k in by})
    datasets = ("gsm8k", "math", "svamp", "formula")
    rows_t = []
    ratios: Dict[str, List[Tuple[str, str, float]]] = {"reasoning": [], "non-reasoning": []}
    for m in models:
        for d in datasets:
            n_ = by.get((m, d, "normal"))
            p_ = by.get((m, d, "MiP"))
            if p_ is None:
                continue
            ln = n_["mean_tokens_all"] if n_ else None
            lp = p_["mean_tokens_all"]
            ratio = (lp / ln) if ln else None
            cls = "reasoning" if m in REASONING_MODELS else "non-reasoning"
            if ratio is not None:
                ratios[cls].append((m, d, ratio))
            ls_n = n_["label_shares"] if n_ else None
            ls_p = p_["label_shares"]
            c = cut[(m, d, "MiP")]
            trunc = c[0] / c[1] if c[1] else float("nan")
            rows_t.append([m, cls, d, fmt_num(ln), fmt_num(lp), "-" if ratio is None else f"{ratio:.1f}x",
                           p_["token_source"],
                           "not available" if ls_p is None else fmt_pct(ls_p["degenerate-looping"]),
                           "-" if ls_n is None or n_ is None else fmt_pct(ls_n["degenerate-looping"]),
                           "not available" if ls_p is None else fmt_pct(p_["loop_token_share"]),
                           fmt_pct(trunc) if math.isfinite(trunc) else "-"])
    t = md_table(["model", "class", "dataset", "L normal", "L MiP", "MiP / normal",
                  "token source", "looping (MiP)", "looping (normal)", "loop tokens (MiP)",
                  "truncated (MiP)"], rows_t,
                 [False, False, False, True, True, True, False, True, True, True, True])
    summ = {}
    for cls, lst in ratios.items():
        vals = [r for _, _, r in lst]
        summ[cls] = {"pairs": len(vals), "median": statistics.median(vals) if vals else None,
                     "min": min(vals) if vals else None, "max": max(vals) if vals else None}
    return t, {"ratios": ratios, "summary": summ}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdata", default=str(ROOT.parent / "shared" / "realdata"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "case-study.md"))
    ap.add_argument("--html", help="also write the HTML report of part 1 here")
    ap.add_argument("--html-mip", help="also write the HTML report of part 2 here")
    ap.add_argument("--json", help="also write the figures of both parts here")
    ap.add_argument("--bootstrap", type=int, default=stats.N_BOOT)
    args = ap.parse_args(argv)
    realdata = Path(args.realdata)
    if not realdata.is_dir():
        print(f"real data not found at {realdata}", file=sys.stderr)
        return 2
    sources = load_sources()
    index = gsm8k_index(realdata)
    cfg = Config()
    t0 = time.monotonic()

    from tracelint.report.command import build_report, write_outputs
    files1 = gsm8k_files(sources, realdata)
    col1, cfrom1, unjoined1, agree1, run1 = run_sources(sources, files1, index, cfg, 8, ("model",),
                                                        compare=True)
    meta = {"tracelint_version": __version__, "inputs": [str(p.relative_to(realdata)) for _, p, *_ in files1],
            "by": ["model"], "workload_field": "reference calculator steps", "browser_per_group": 8}
    rep1 = build_report(col1, by=("model",), seed=stats.SEED, n_boot=args.bootstrap,
                        sc_ks=(2, 3), meta=meta)
    if args.html:
        write_outputs(rep1, col1, json_out=None, html_out=args.html,
                      title="tracelint case study: 23 models, 582 GSM8K problems")
    t1, _ = part1(rep1, run1, cfrom1, agree1, unjoined1)
    facts = part1_facts(rep1, col1, args.bootstrap)

    files2 = mip_files(sources, realdata)
    by2 = ("model", "dataset", "condition")
    col2, cfrom2, _, _, _ = run_sources(sources, files2, {}, cfg, 4, by2)
    rep2 = build_report(col2, by=by2, seed=stats.SEED, n_boot=0, sc_ks=(2,),
                        meta={**meta, "inputs": [str(p.relative_to(realdata)) for _, p, *_ in files2],
                              "by": list(by2), "workload_field": None})
    if args.html_mip:
        write_outputs(rep2, col2, json_out=None, html_out=args.html_mip,
                      title="tracelint case study: MiP-Overthinking, normal vs missing premise")
    t2, mip = part2(rep2, col2.rows)
    elapsed = time.monotonic() - t0
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"gsm8k_23_models": rep1, "mip": rep2, "mip_ratios": mip}, fh,
                      ensure_ascii=False, indent=1)

    s = mip["summary"]
    reasoning_loop = [x for x in rep2["groups"] if x["key"]["condition"] == "MiP"
                      and x["label_shares"] is not None and x["key"]["model"] in REASONING_MODELS]
    doc = f"""# Case study: efficiency of 23 models on the same 582 GSM8K problems, and the missing-premise runs

Generated by `python scripts/case_study.py` (tracelint {__version__}) from `../shared/realdata`;
do not edit by hand. Every number below comes from `tracelint report`'s aggregates (the same
code as `tracelint report --by model`), run over the files with the reader options of
[docs/realdata.md](realdata.md). Definitions: [docs/report.md](report.md). Records analysed:
{len(col1.rows):,} (part 1) and {len(col2.rows):,} (part 2); unreadable: {len(col1.read_errors) + len(col2.read_errors)};
analysis errors: {len(col1.analysis_errors) + len(col2.analysis_errors)}.

## Part 1 — 23 models, 582 problems

Twelve MiP-Overthinking runs (`gsm8k__normal__*`) and eleven ZeroEval runs (`gsm__*`) answered
the same 582 GSM8K test problems. Rows are sorted by efficiency E (correct answers per 1,000
output tokens). C = completion (not truncated, has a final answer), A|C = accuracy among completed
traces, L = mean output tokens, bottleneck = the factor that explains most of the model's
log-efficiency gap to the most efficient model. "looping" is the share of traces labelled
`degenerate-looping`; "loop tokens" the share of tokens spent after a loop's onset
(proportional to the characters after it). Token source: `reported` = the API's billed count;
`estimate` = ceil(characters / 4) + CJK characters, since these files carry no counts.

{t1}

### What the numbers say

* **The accuracy ranking and the efficiency ranking disagree.** Over all 23 models
  ρ = {rep1['spearman_accuracy_efficiency']:.2f} {fmt_ci(rep1['spearman_ci'])}; without ZeroEval's o1-mini, whose hidden
  reasoning is missing from its count, ρ = {facts['rho_excl']:.2f} {fmt_ci(facts['rho_excl_ci'])} over
  {facts['rho_excl_groups']} models. Being more accurate does not make a model more efficient here; if
  anything the reverse. The reasoning models with visible or reported reasoning
  ({facts['n_reasoning']} runs) have a median accuracy of {facts['A_reasoning']:.3f} against {facts['A_other']:.3f}
  for the {facts['n_other']} chat models, but spend a median of {facts['L_reasoning']:,.0f} tokens per problem
  against {facts['L_other']:,.0f} ({facts['L_reasoning'] / facts['L_other']:.1f}x), so their median efficiency is
  {facts['E_reasoning']:.2f} correct answers per 1,000 tokens against {facts['E_other']:.2f}.
* **Verbosity, not logic, separates almost every model from the most efficient one.**
  Bottlenecks: {', '.join(f'{k} {v}' for k, v in sorted(facts['bottlenecks'].items()))}. {facts['ac_high']} of the 23
  models are right on at least 90% of the problems they complete (A|C ≥ 0.9), and every
  model completes at least {min(x['completion'] for x in rep1['groups']):.3f} of them, so the gap
  is mostly L. Logic-limited: {', '.join(f"{x['group']} (A|C {x['conditional_correctness']:.3f})" for x in rep1['groups'] if x['bottleneck'] == 'logic-limited') or 'none'}.
* **Loops are rare on well-posed problems, but expensive when they happen.**
  {facts['models_looping']} of the {facts['n_text']} models with reasoning text have at least one looping
  trace; the highest share is {facts['top_loop'][0]} with {fmt_pct(facts['top_loop'][1])} of its traces. The
  tokens spent after a loop's onset reach {fmt_pct(facts['top_loop_tokens'][1])} of all of
  {facts['top_loop_tokens'][0]}'s tokens, from {facts['top_loop_tokens'][2]} looping trace(s): per looping trace,
  {facts['runaway_ratio']:,.0f} times the model's mean tokens per trace.
* **Tokens grow more slowly than the work.** κ is negative for {facts['kappa_negative']} of the
  {facts['kappa_n']} models ({facts['kappa_min']:.2f} to {facts['kappa_max']:.2f}): tokens grow like W^{1 + facts['kappa_min']:.2f} to
  W^{1 + facts['kappa_max']:.2f} in the number of reference steps, i.e. a large part of every answer is
  a fixed overhead (restating, setting up, checking, formatting) rather than per-step work.
  Part of it is attenuation: the reference's step count is a noisy proxy of the work a model
  does, which pulls the slope of ln T on ln W toward 0 and so κ toward −1; the ordering of
  models by κ is more telling than its level. The reasoning models' tokens per step (VO) are
  {facts['vo_ratio_min']:.1f} to {facts['vo_ratio_max']:.1f} times the chat models' median.
* **Token sources differ** — reported counts for the MiP o-series runs, estimates elsewhere — so
  comparisons of L across the two carry the estimate's error; the gaps discussed above are
  far larger than that error.

## Part 2 — missing premise against normal (MiP-Overthinking)

The MiP paper (Fan et al., arXiv 2504.06514) reports that reasoning models spend far more tokens
on questions with a missing premise than on the well-posed ones — instead of saying the question
cannot be answered — while non-reasoning models do not. Here: mean output tokens per trace per
model and dataset, normal against missing-premise (MiP), where the data has the MiP run
(gsm8k-MiP is only in the data for the o-series; SVAMP and formula have no normal run, so their
ratio is blank). Correctness plays no part in this table (a missing-premise question has no
right answer to compare with); "truncated" counts every trace that hit the cap, never closed
its thinking, or stopped without a final answer.

{t2}

Median MiP/normal token ratio over the (model, dataset) pairs with both runs: reasoning models
{s['reasoning']['median']:.1f}x (range {s['reasoning']['min']:.1f}x–{s['reasoning']['max']:.1f}x, {s['reasoning']['pairs']} pairs);
non-reasoning models {s['non-reasoning']['median']:.1f}x (range {s['non-reasoning']['min']:.1f}x–{s['non-reasoning']['max']:.1f}x, {s['non-reasoning']['pairs']} pairs).

**Agreement with the paper.** {"The numbers agree with the paper's claim" if s['reasoning']['median'] and s['non-reasoning']['median'] and s['reasoning']['median'] > 1.5 * s['non-reasoning']['median'] else "The numbers do not clearly support the paper's claim"}:
the reasoning models' outputs grow by a median factor of {s['reasoning']['median']:.1f} on missing-premise
questions, against {s['non-reasoning']['median']:.1f} for the non-reasoning models. The looping
columns show where the extra tokens go for the models whose reasoning text is available: on the
MiP runs a visible share of traces is labelled `degenerate-looping` and a large share of their tokens
comes after a loop's onset (highest: {', '.join(f"{x['group']} {fmt_pct(x['loop_token_share'])}" for x in sorted(reasoning_loop, key=lambda x: -(x['loop_token_share'] or 0))[:3])}),
which is the paper's "overthinking" seen by a deterministic detector. The o-series hide their
reasoning, so only their token counts can be compared (trace-quality columns: not available).

## How to reproduce

```sh
python scripts/case_study.py --html case-study.html   # about {max(1, round(elapsed / 60))} min on 2 cores
```

`tracelint report` gives the same figures for any one group of files, e.g.

```sh
tracelint report ../shared/realdata/zeroeval_gsm8k/gsm__*.jsonl \\
    --field reasoning=output.0 --field prompt=chat_history.0 --field reference=answer \\
    --field model=generator --field budget=configs.max_tokens --field task=id \\
    --html zeroeval.html --json zeroeval.json
```
"""
    Path(args.out).write_text(doc, encoding="utf-8")
    print(f"wrote {args.out} in {elapsed:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
