"""Aggregates over analysed traces: efficiency decomposition, cost, budget.

Pure functions over small per-trace rows (:class:`TraceRow`, built by :func:`build_row` from a
``Trace`` and its ``TraceResult``); no I/O.  :func:`summarize` computes every figure of
``tracelint report``.  Definitions: docs/report.md.
"""
from .rows import TraceRow, build_row, group_name, normalize_answer
from .summary import REPORT_SCHEMA_VERSION, summarize

__all__ = ["TraceRow", "build_row", "group_name", "normalize_answer", "summarize",
           "REPORT_SCHEMA_VERSION"]
