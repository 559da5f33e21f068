"""Budget behaviour: adherence, minimal solving budget and token elasticity across budgets,
and the tokens a self-consistency early stop would save.  Pure functions; no I/O.

* **adherence** (traces with a ``budget``): ``over_budget_share`` = share with tokens > budget;
  ``overrun`` = shares of traces whose ratio tokens / budget exceeds 1, 1.5 and 2, plus
  quantiles of the ratio.
* **budget sweep** (a ``task`` that ran under two or more budgets): per budget level, the
  number of traces, mean tokens and accuracy; per task the *minimal solving budget*, the
  smallest budget at which at least one of its traces was correct; and *token elasticity*:
  whether the mean tokens rise again as the budget shrinks (``rises_below``: the largest
  budget level below which tokens go up instead of down, as TALE reports).  The means are over
  the tasks that ran at every level, when there are such tasks.
* **self-consistency early stop** (a ``task`` with two or more ``sample``\\s): samples are taken
  in ``sample`` order; the full vote uses all of them (most frequent normalised answer, ties to
  the earliest); the early stop ends as soon as ``k`` samples so far agree.  Reported: tokens
  of all samples, tokens up to the stop, the saving, and the vote's accuracy both ways.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Dict, List, Optional, Sequence, Tuple, cast

from .rows import TraceRow
from .stats import quantile

OVERRUN_LEVELS = (("gt_1x", 1.0), ("gt_1_5x", 1.5), ("gt_2x", 2.0))


def adherence(rows: Sequence[TraceRow]) -> Dict[str, Any]:
    withb = [r for r in rows if r.budget is not None and r.budget > 0]
    out: Dict[str, Any] = {"n_with_budget": len(withb), "over_budget_share": None,
                           "overrun": None, "overrun_ratio_quantiles": None,
                           "at_or_over_budget_share": None}
    if not withb:
        return out
    ratios = [r.tokens / r.budget for r in withb]  # type: ignore[operator]
    n = len(ratios)
    out["over_budget_share"] = sum(1 for x in ratios if x > 1.0) / n
    out["at_or_over_budget_share"] = sum(1 for x in ratios if x >= 1.0) / n
    out["overrun"] = {k: sum(1 for x in ratios if x > lvl) / n for k, lvl in OVERRUN_LEVELS}
    out["overrun_ratio_quantiles"] = {"p50": quantile(ratios, 0.5), "p90": quantile(ratios, 0.9),
                                      "max": max(ratios)}
    return out


def budget_sweep(rows: Sequence[TraceRow]) -> Optional[Dict[str, Any]]:
    """Minimal solving budget and token elasticity; ``None`` when no task ran under two or
    more budgets."""
    by_task: Dict[str, List[TraceRow]] = defaultdict(list)
    for r in rows:
        if r.task is not None and r.budget is not None and r.budget > 0:
            by_task[r.task].append(r)
    multi = {t: rs for t, rs in by_task.items() if len({r.budget for r in rs}) >= 2}
    if not multi:
        return None
    # every budget here is a positive int (filtered above)
    levels: List[int] = sorted({cast(int, r.budget) for rs in multi.values() for r in rs})
    full = sorted(t for t, rs in multi.items() if {r.budget for r in rs} == set(levels))
    base = full if full else sorted(multi)
    stats_rows = []
    for b in levels:
        rs = [r for t in base for r in multi[t] if r.budget == b]
        known = [r for r in rs if r.outcome is not None]
        stats_rows.append({
            "budget": b, "n": len(rs),
            "mean_tokens": (sum(r.tokens for r in rs) / len(rs)) if rs else None,
            "accuracy": (sum(r.outcome for r in known) / len(known)) if known else None,  # type: ignore[misc]
        })
    rises_below = None
    for lo, hi in zip(reversed(stats_rows[:-1]), reversed(stats_rows[1:])):
        if lo["mean_tokens"] is not None and hi["mean_tokens"] is not None \
                and lo["mean_tokens"] > hi["mean_tokens"]:
            rises_below = hi["budget"]
            break
    min_budget: Dict[str, Optional[int]] = {}
    for t in sorted(multi):
        solved = sorted({r.budget for r in multi[t] if r.outcome == 1})  # type: ignore[type-var]
        min_budget[t] = solved[0] if solved else None
    solved_b = [b for b in min_budget.values() if b is not None]
    hist = Counter(solved_b)
    return {
        "tasks": len(multi), "levels": stats_rows,
        "tasks_at_every_level": len(full),
        "elastic": rises_below is not None, "rises_below": rises_below,
        "tasks_solved": len(solved_b),
        "min_solving_budget_median": quantile(solved_b, 0.5) if solved_b else None,
        "min_solving_budget_counts": {str(b): hist.get(b, 0) for b in levels},
        "min_solving_budget_by_task": min_budget,
    }


def _vote(answers: Sequence[Optional[str]]) -> Optional[str]:
    counts = Counter(a for a in answers if a is not None)
    if not counts:
        return None
    top = max(counts.values())
    for a in answers:
        if a is not None and counts[a] == top:
            return a
    return None  # pragma: no cover


def _vote_outcome(samples: Sequence[TraceRow], answer: Optional[str]) -> Optional[int]:
    """1/0 when the voted answer's correctness is known from the samples that gave it (and
    they agree); a vote with no answer is 0; ``None`` when no sample with that answer has a
    known outcome, or samples with it were judged differently."""
    if answer is None:
        return 0
    known = {r.correct for r in samples
             if r.answer == answer and r.completed and r.correct is not None}
    if len(known) != 1:
        return None  # none known, or samples with this answer judged both ways
    return 1 if known.pop() else 0


def _sample_order(r: TraceRow) -> Tuple[int, int, str]:
    """The ``sample`` index, else the input order (``seq``), the id last."""
    return (r.sample if r.sample is not None else 1 << 62, r.seq, r.id)


def self_consistency(rows: Sequence[TraceRow], k: int) -> Optional[Dict[str, Any]]:
    """The early stop at ``k`` agreeing samples against the vote of all samples; ``None``
    when no task has two or more samples."""
    by_task: Dict[Tuple[str, int], List[TraceRow]] = defaultdict(list)
    for r in rows:
        if r.task is not None:  # samples of one task under one budget
            by_task[(r.task, r.budget if r.budget is not None else -1)].append(r)
    tasks = {t: sorted(rs, key=_sample_order) for t, rs in by_task.items() if len(rs) >= 2}
    if not tasks:
        return None
    tok_full = tok_early = 0
    acc_full: List[int] = []
    acc_early: List[int] = []
    stopped = 0
    unknown = 0
    for t in sorted(tasks):
        rs = tasks[t]
        answers = [r.answer for r in rs]
        full_vote = _vote(answers)
        counts: Counter = Counter()
        stop = len(rs) - 1
        early_vote = full_vote
        for j, a in enumerate(answers):
            if a is None:
                continue
            counts[a] += 1
            if counts[a] >= k:
                stop, early_vote = j, a
                stopped += j < len(rs) - 1  # at the last sample the stop saves nothing
                break
        tok_full += sum(r.tokens for r in rs)
        tok_early += sum(r.tokens for r in rs[:stop + 1])
        of, oe = _vote_outcome(rs, full_vote), _vote_outcome(rs, early_vote)
        if of is None or oe is None:
            unknown += 1
            continue
        acc_full.append(of)
        acc_early.append(oe)
    saved = tok_full - tok_early
    return {
        "k": k, "tasks": len(tasks), "samples": sum(len(v) for v in tasks.values()),
        "tasks_stopped_early": stopped,
        "tokens_all_samples": tok_full, "tokens_early_stop": tok_early,
        "tokens_saved": saved, "saved_share": (saved / tok_full) if tok_full else 0.0,
        "accuracy_all_samples": (sum(acc_full) / len(acc_full)) if acc_full else None,
        "accuracy_early_stop": (sum(acc_early) / len(acc_early)) if acc_early else None,
        "unknown_correctness": unknown,
    }


def self_consistency_table(rows: Sequence[TraceRow], ks: Sequence[int] = (2, 3, 4)
                           ) -> Optional[List[Dict[str, Any]]]:
    """:func:`self_consistency` for every ``k`` that is at most the largest sample count."""
    counts = Counter((r.task, r.budget) for r in rows if r.task is not None)
    most = max(counts.values(), default=0)
    if most < 2:
        return None
    out = [self_consistency(rows, k) for k in ks if k <= most]
    return [o for o in out if o is not None] or None
