"""One streaming pass: read -> analyse -> keep a small row per trace, plus a bounded sample of
traces (with text) for the HTML trace browser and rule counts per group.

Memory: one :class:`~tracelint.aggregate.rows.TraceRow` per trace (a few numbers) plus at most
``per_group`` sampled traces per group, each cut to about ``max_chars`` characters.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from ..aggregate.rows import TraceRow, build_row, group_name, loop_onset
from ..model import LOOP_CODES, ReadError, Trace, TraceResult

#: Findings highlighted in the trace browser, by kind.
KIND_PREFIXES = (("loop", LOOP_CODES), ("copy", ("CPY",)), ("claim", ("NUM", "ANS")))


def finding_kind(code: str) -> str:
    for kind, prefixes in KIND_PREFIXES:
        if any(code.startswith(p) for p in prefixes):
            return kind
    return "other"


def _cut(text: str, max_chars: int, focus: Optional[int]) -> List[Tuple[int, str]]:
    """Pieces ``(offset, text)`` of ``text``: all of it when short, else its head and a window
    at ``focus`` (a loop onset) or at its end."""
    if len(text) <= max_chars:
        return [(0, text)]
    half = max_chars // 2
    head = (0, text[:half])
    if focus is not None and focus > half:
        start = min(max(focus - half // 8, half), len(text) - half)
    else:
        start = len(text) - half
    return [head, (start, text[start:start + half])]


def browser_entry(trace: Trace, result: TraceResult, row: TraceRow, max_chars: int
                  ) -> Dict[str, Any]:
    """What the trace browser shows of one trace (texts cut to ``max_chars``)."""
    reasoning = trace.reasoning or ""
    onset = loop_onset(result)
    m = result.metrics or {}
    loop_end = m.get("loop_end")
    findings = []
    for f in result.findings:
        findings.append({"code": f.code, "name": f.name, "start": f.start, "end": f.end,
                         "field": f.field, "message": f.message, "kind": finding_kind(f.code)})
    spans = []
    if onset is not None:
        spans.append({"start": onset, "end": int(loop_end) if loop_end is not None else len(reasoning),
                      "kind": "loop", "code": "loop"})
    for fd in findings:
        if fd["field"] == "reasoning" and fd["kind"] in ("copy", "claim"):
            spans.append({"start": fd["start"], "end": fd["end"], "kind": fd["kind"],
                          "code": fd["code"]})
        elif fd["field"] == "reasoning" and fd["kind"] == "loop" and onset is None:
            spans.append({"start": fd["start"], "end": fd["end"], "kind": "loop",
                          "code": fd["code"]})
    return {
        "id": trace.id, "group": group_name(row.group), "label": row.label,
        "flags": list(result.flags), "tokens": row.tokens, "token_source": row.token_source,
        "correct": row.correct, "truncated": result.truncated,
        "truncation_reasons": list(result.truncation_reasons),
        "source": f"{trace.source}:{trace.line}" if trace.source else None,
        "reasoning_chars": len(reasoning),
        "pieces": [{"offset": o, "text": t} for o, t in _cut(reasoning, max_chars, onset)],
        "prompt": (trace.prompt or "")[:2000], "prompt_chars": len(trace.prompt or ""),
        "answer": (trace.answer or "")[:2000], "answer_chars": len(trace.answer or ""),
        "spans": spans, "findings": findings,
    }


@dataclass
class Collected:
    rows: List[TraceRow] = field(default_factory=list)
    read_errors: List[str] = field(default_factory=list)
    analysis_errors: List[str] = field(default_factory=list)
    browser: List[Dict[str, Any]] = field(default_factory=list)
    rule_counts: Dict[str, Dict[str, int]] = field(default_factory=dict)
    browser_limit: int = 0


class BrowserSample:
    """At most ``per_group`` traces per group: loops first, then traces with findings, then
    the rest, earliest first within a class (deterministic; bounded memory)."""

    def __init__(self, per_group: int, max_chars: int):
        self.per_group = per_group
        self.max_chars = max_chars
        self.heaps: Dict[Tuple[str, ...], list] = defaultdict(list)
        self.seq = 0

    def offer(self, trace: Trace, result: TraceResult, row: TraceRow) -> None:
        if self.per_group <= 0 or not (trace.reasoning or trace.answer):
            return
        self.seq += 1
        pri = (2 if result.label == "degenerate-looping" and row.has_text else
               1 if result.findings else 0)
        key = (pri, -self.seq)
        h = self.heaps[row.group]
        if len(h) < self.per_group:
            heapq.heappush(h, (key, browser_entry(trace, result, row, self.max_chars)))
        elif key > h[0][0]:
            heapq.heapreplace(h, (key, browser_entry(trace, result, row, self.max_chars)))

    def entries(self) -> List[Dict[str, Any]]:
        out: List[Dict[str, Any]] = []
        for g in sorted(self.heaps):
            out.extend(e for _, e in sorted(self.heaps[g], key=lambda x: x[0], reverse=True))
        return out


def collect(items: Iterable[Any], analyze: Callable[[Trace], TraceResult], *,
            by: Sequence[str] = ("model",), workload_field: Optional[str] = None,
            per_group: int = 20, max_chars: int = 12000,
            on_trace: Optional[Callable[[Trace], None]] = None) -> Collected:
    """Consume ``items`` (``Trace`` / ``ReadError``, as :func:`tracelint.io.read_traces` yields)
    once.  ``analyze`` maps a trace to its result; ``on_trace`` sees each trace first (it may
    set fields, e.g. a computed workload)."""
    out = Collected(browser_limit=per_group)
    sample = BrowserSample(per_group, max_chars)
    rules: Dict[str, Counter] = defaultdict(Counter)
    for item in items:
        if isinstance(item, ReadError):
            out.read_errors.append(item.describe())
            continue
        if on_trace is not None:
            on_trace(item)
        try:
            res = analyze(item)
            row = build_row(item, res, by, workload_field, seq=len(out.rows))
        except Exception as exc:  # a bug must not lose the record, or the report, silently
            out.analysis_errors.append(f"{item.source}:{item.line}: internal error while "
                                       f"analysing: {type(exc).__name__}: {exc}")
            continue
        out.rows.append(row)
        rules[group_name(row.group)].update(f.code for f in res.findings)
        sample.offer(item, res, row)
    out.browser = sample.entries()
    out.rule_counts = {g: dict(sorted(c.items())) for g, c in sorted(rules.items())}
    return out
