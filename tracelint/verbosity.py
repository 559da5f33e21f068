"""Verbosity: is a trace that did not loop long for what it was asked?

This decides between the labels ``verbose-but-engaged`` and ``concise`` (a loop always wins).
DESIGN.md asks for verbosity "relative to the group when a group exists, else against
documented absolute thresholds"; there are two bases:

* **group** — traces that share a ``task`` (the benchmark instance key: the same question
  answered by several models or samples) form a group.  When the run's input holds at least
  ``verbose-group-min`` traces of the trace's task (default 5), the trace is verbose when its
  tokens per work unit are at least ``verbose-group-ratio`` (default 2.0) times the group's
  median.  Tokens per work unit are ``tokens / workload`` when every trace of the group has a
  positive ``workload``, else plain tokens (within one task the workload is the same, so the
  ratio to the median is the same either way; the division matters when a user maps a
  coarser key, e.g. a benchmark name, onto ``task``).
* **absolute** — otherwise (no task, a group too small, ``verbose-basis = "absolute"``, or
  input that is not a regular file — stdin, a pipe — which cannot be read twice): tokens >= ``verbose-tokens``
  (default 2000).

The group figures come from a first, cheap pass over the input files (reading and token
counting only, no analysis), so they are the same whatever the job count or batch size.
Every result records which basis decided, in ``metrics["verbosity"]``.

Why a ratio to the median: the median of a group is not moved by the few runaway traces
that the label is meant to point out, and "twice as long as the typical answer to the same
question" reads the same for a 200-token chat answer and a 20,000-token reasoning trace.
"""
from __future__ import annotations

import os
from array import array
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple

from .model import Trace
from .tokens import token_count

BASES = ("group", "absolute")


@dataclass(frozen=True)
class GroupBaseline:
    """Per task: how many traces the input holds, their median, and whether that median is
    of tokens per work unit (True) or of plain tokens (False)."""

    groups: Dict[str, Tuple[int, float, bool]] = field(default_factory=dict)

    def get(self, task: Optional[str]) -> Optional[Tuple[int, float, bool]]:
        if task is None:
            return None
        return self.groups.get(task)


def work_tokens(tokens: int, workload: Optional[float]) -> float:
    """Tokens per work unit: ``tokens / workload`` for a positive workload, else ``tokens``."""
    if workload is not None and workload > 0:
        return tokens / workload
    return float(tokens)


def _median(values: "array[float]") -> float:
    s = sorted(values)
    n = len(s)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def build_baseline(items: Iterable[Any], tokenizer: Optional[str] = None) -> GroupBaseline:
    """The group figures of a stream of traces (items that are not :class:`Trace`, such as
    read errors, are skipped).  A group is measured in tokens per work unit only when every
    one of its traces has a positive workload, else in plain tokens (mixing the two scales
    would make one median of incomparable numbers).  Memory: 16 bytes per trace with a task."""
    tokens: Dict[str, "array[float]"] = {}
    per_work: Dict[str, "array[float]"] = {}
    for item in items:
        if not isinstance(item, Trace) or item.task is None:
            continue
        n = token_count(item, tokenizer)["count"]
        if item.task not in tokens:
            tokens[item.task], per_work[item.task] = array("d"), array("d")
        tokens[item.task].append(float(n))
        if per_work[item.task] is not None:
            if item.workload is not None and item.workload > 0:
                per_work[item.task].append(n / item.workload)
            else:
                per_work[item.task] = None  # type: ignore[assignment]
    groups = {}
    for task, t in tokens.items():
        w = per_work[task]
        groups[task] = (len(t), _median(w), True) if w is not None else (len(t), _median(t), False)
    return GroupBaseline(groups)


def judge(trace: Trace, tokens: int, basis: str, verbose_tokens: int, ratio: float,
          min_group: int, baseline: Optional[GroupBaseline]) -> Tuple[bool, Dict[str, Any]]:
    """``(verbose, how)``: the verbosity decision for one trace and the figures behind it
    (what goes into ``metrics["verbosity"]``)."""
    group = baseline.get(trace.task) if (basis == "group" and baseline is not None) else None
    if group is not None and group[0] >= min_group and group[1] > 0:
        n, median, per_work = group
        value = work_tokens(tokens, trace.workload) if per_work else float(tokens)
        rel = value / median
        return rel >= ratio, {"basis": "group", "group_size": n,
                              "group_median": round(median, 6), "ratio": round(rel, 6),
                              "threshold": ratio}
    return tokens >= verbose_tokens, {"basis": "absolute", "threshold": verbose_tokens}


def with_group_baseline(cfg: Any, paths: Sequence[str]) -> Any:
    """``cfg`` with the group figures of the inputs ``paths`` attached (the first pass), or
    ``cfg`` itself when the basis is absolute, a baseline is already set, or an input is
    not a regular file (stdin ``-``, a FIFO), which cannot be read twice: then every trace
    is judged on the absolute basis, and says so."""
    if cfg.verbose_basis != "group" or cfg.group_baseline is not None:
        return cfg
    if not all(isinstance(p, (str, os.PathLike)) and os.path.isfile(p) for p in paths):
        return cfg  # stdin, a pipe, or a path the reader will report as missing
    
    from .io import read_traces
    baseline = build_baseline(read_traces(list(paths), cfg.reader_options()), cfg.tokenizer)
    return replace(cfg, group_baseline=baseline)


def verbosity_of(trace: Trace, tokens: int, cfg: Any) -> Tuple[bool, Dict[str, Any]]:
    """:func:`judge` with the settings of a :class:`tracelint.config.Config`."""
    return judge(trace, tokens, cfg.verbose_basis, cfg.verbose_tokens, cfg.verbose_group_ratio,
                 cfg.verbose_group_min, cfg.group_baseline)
