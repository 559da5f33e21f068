"""analyze(trace) -> TraceResult: run the enabled detectors, then decide the label.

The label says what the trace spent its tokens on:

* ``degenerate-looping`` — the repetition detector found a loop (REP001), a long exact
  periodic run (REP002), recurring calculations (REP004), answer cycling (REP005) or a
  paraphrase loop (REP006): the trace cycled without progress;
* ``verbose-but-engaged`` — no loop, and the trace is long for its task: at least
  ``verbose-group-ratio`` (2.0) times the median tokens per work unit of the traces of the same
  ``task`` in the input, where the input holds at least ``verbose-group-min`` (5) of them;
  otherwise at least ``verbose-tokens`` (default 2000) tokens (reported, else estimated).
  ``metrics["verbosity"]`` says which basis decided (tracelint/verbosity.py);
* ``concise`` — no loop and not verbose.

Length and the number of "wait"s never make a trace degenerate; only cycling does.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, Optional, Union

from .config import Config
from .detectors.base import TraceContext
from .model import LOOP_CODES, Trace, TraceResult
from .rules import DETECTOR_MODULES
from .tokens import token_count
from .verbosity import verbosity_of

import importlib

_DETECTORS = [importlib.import_module(f"tracelint.detectors.{m}") for m in DETECTOR_MODULES]



def _to_trace(obj: Union[Trace, Dict[str, Any], str], cfg: Config) -> Trace:
    if isinstance(obj, Trace):
        return obj
    from .io import ReaderOptions
    from .io.schema import build_trace, compile_options
    from .model import ReadError
    opts = ReaderOptions(field_map=dict(cfg.field_map), constants=dict(cfg.constants),
                         think_open=cfg.think_open, think_close=cfg.think_close,
                         max_text_chars=cfg.max_text_chars)
    if isinstance(obj, str):
        obj = {"output": obj}
    if not isinstance(obj, dict):
        raise TypeError(f"analyze() takes a Trace, a dict or a str, not {type(obj).__name__}")
    trace = build_trace(obj, compile_options(opts), "<analyze>", 1)
    if isinstance(trace, ReadError):
        raise ValueError(trace.describe())
    return trace


def analyze(obj: Union[Trace, Dict[str, Any], str], config: Optional[Config] = None
            ) -> TraceResult:
    """Analyse one trace (a :class:`Trace`, a record dict in any supported schema, or the raw
    output text) and return its :class:`TraceResult`."""
    cfg = config or Config()
    trace = _to_trace(obj, cfg)
    ctx = TraceContext(trace)
    findings, flags, metrics = [], [], {}
    for det in _DETECTORS:
        out = det.detect(ctx, cfg)
        findings.extend(out.findings)
        metrics.update(out.metrics)
        for f in out.flags:
            if f not in flags:
                flags.append(f)
    reasons = metrics.pop("truncation_reasons", [])
    tokens = token_count(trace, cfg.tokenizer)
    metrics["reasoning_chars"] = len(ctx.reasoning)
    verbose, metrics["verbosity"] = verbosity_of(trace, tokens["count"], cfg)
    loop_findings = [f for f in findings if f.code in LOOP_CODES and f.field == "reasoning"]
    if loop_findings:
        label = "degenerate-looping"
        if metrics.get("loop_start") is None:  # onset of the earliest loop finding
            first = min(loop_findings, key=lambda f: (f.start, f.end))
            metrics["loop_start"], metrics["loop_end"] = first.start, first.end
    elif verbose:
        label = "verbose-but-engaged"
    else:
        label = "concise"
    findings.sort(key=lambda f: (f.field != "reasoning", f.field, f.start, f.end, f.code))
    return TraceResult(id=trace.id, label=label, flags=flags, truncated=bool(reasons),
                       truncation_reasons=list(reasons), findings=findings, metrics=metrics,
                       tokens=tokens, model=trace.model, source=trace.source, line=trace.line)


def analyze_many(traces: Iterable[Union[Trace, Dict[str, Any], str]],
                 config: Optional[Config] = None) -> Iterator[TraceResult]:
    """Analyse traces one after another (lazily, in input order)."""
    cfg = config or Config()
    for t in traces:
        yield analyze(t, cfg)
