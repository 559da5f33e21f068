"""Plain data: a trace as read, a finding, and the result of analysing one trace.

No I/O and no analysis here; readers build ``Trace`` objects, detectors build ``Finding``
objects, ``analyze`` builds ``TraceResult`` objects, and writers serialise them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field as _field
from typing import Any, Dict, List, Optional, Sequence, Tuple

#: Version of the per-trace output contract (docs/output.md).
SCHEMA_VERSION = "1.0"

LABELS = ("degenerate-looping", "verbose-but-engaged", "concise")

#: Rules whose findings in the reasoning make a trace degenerate-looping: loop (REP001),
#: exact repeat (REP002), recurring claims (REP004), answer cycling (REP005) and paraphrase
#: loop (REP006).
LOOP_CODES = ("REP001", "REP002", "REP004", "REP005", "REP006")

#: Canonical field names, in the order of DESIGN.md's data model.
CANONICAL_FIELDS = (
    "id", "prompt", "reasoning", "answer", "reference", "correct", "model",
    "finish_reason", "output_tokens", "reasoning_tokens", "input_tokens", "budget",
    "workload", "task", "sample",
)


@dataclass
class Trace:
    """One input record mapped onto the canonical fields.

    ``thinking_unclosed`` is set by readers when the reasoning came from a ``<think>`` block
    that was never closed (truncated thinking).  ``extra`` holds every field the reader did not
    map, passed through untouched.  ``source``/``line`` say where the record came from.
    ``sample_of`` is ``(k, n)`` for sample ``k`` of a record holding ``n`` samples.
    """

    id: str = ""
    prompt: Optional[str] = None
    reasoning: Optional[str] = None
    answer: Optional[str] = None
    reference: Optional[str] = None
    correct: Optional[bool] = None
    model: Optional[str] = None
    finish_reason: Optional[str] = None
    output_tokens: Optional[int] = None
    reasoning_tokens: Optional[int] = None
    input_tokens: Optional[int] = None
    budget: Optional[int] = None
    workload: Optional[float] = None
    task: Optional[str] = None
    sample: Optional[int] = None
    thinking_unclosed: bool = False
    source: Optional[str] = None
    line: Optional[int] = None
    extra: Dict[str, Any] = _field(default_factory=dict)
    #: ``(k, n)`` when the record held ``n`` samples and this trace is sample ``k`` (from 0);
    #: ``None`` when the record is one trace.  Lets consumers count records, not traces.
    sample_of: Optional[Tuple[int, int]] = None


@dataclass
class Finding:
    """One rule hit.  ``start``/``end`` are character offsets into ``field`` of the trace
    (``reasoning`` unless said otherwise); ``data`` carries rule-specific numbers."""

    code: str
    name: str
    start: int
    end: int
    message: str
    field: str = "reasoning"
    data: Dict[str, Any] = _field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {
            "code": self.code, "name": self.name, "start": self.start, "end": self.end,
            "message": self.message,
        }
        if self.field != "reasoning":
            d["field"] = self.field
        if self.data:
            d["data"] = self.data
        return d


@dataclass
class TraceResult:
    """The analysis of one trace: what ``score`` writes as one JSONL line."""

    id: str
    label: Optional[str]
    flags: List[str] = _field(default_factory=list)
    truncated: bool = False
    truncation_reasons: List[str] = _field(default_factory=list)
    findings: List[Finding] = _field(default_factory=list)
    metrics: Dict[str, Any] = _field(default_factory=dict)
    tokens: Dict[str, Any] = _field(default_factory=dict)
    model: Optional[str] = None
    error: Optional[str] = None
    source: Optional[str] = None
    line: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        if self.error is not None:
            d: Dict[str, Any] = {"schema_version": SCHEMA_VERSION, "id": self.id,
                                 "error": self.error}
            if self.source is not None:
                d["source"] = self.source
            if self.line is not None:
                d["line"] = self.line
            return d
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "model": self.model,
            "label": self.label,
            "flags": list(self.flags),
            "truncated": self.truncated,
            "truncation_reasons": list(self.truncation_reasons),
            "findings": [f.to_dict() for f in self.findings],
            "metrics": self.metrics,
            "tokens": self.tokens,
        }


#: How an agent episode's tool call is written into its reasoning text (the episode readers
#: write it; the loop rules know it as the episode's arguments, not the model's prose).
TOOL_CALL_MARK = "[tool call]"

#: names of the inputs of a run that share a base name with another of its inputs
_ID_NAMES: Dict[str, str] = {}


def register_sources(paths: Sequence[str]) -> None:
    """Name the inputs of one run so that their ids differ: an input whose base name no other
    input has keeps it; inputs that share one ("train/part-0.jsonl", "test/part-0.jsonl")
    are named by the shortest tail of their paths that tells them apart."""
    groups: Dict[str, List[str]] = {}
    for p in dict.fromkeys(p for p in paths if p != "-"):
        groups.setdefault(os.path.basename(p) or p, []).append(p)
    for base, ps in groups.items():
        if len(ps) == 1:
            _ID_NAMES.pop(ps[0], None)
            continue
        parts = [os.path.normpath(p).replace(os.sep, "/").split("/") for p in ps]
        k = 1
        while k < max(len(x) for x in parts) and \
                len({"/".join(x[-k:]) for x in parts}) < len(parts):
            k += 1
        for p, x in zip(ps, parts):
            _ID_NAMES[p] = "/".join(x[-k:])


def source_name(source: str, full: bool = False) -> str:
    """How a source is named in ids and messages: ``<stdin>`` for ``-``, else its base name
    (the whole path with ``full``), or the tail of its path that tells it apart from the
    other inputs of the run with the same base name (:func:`register_sources`)."""
    if source == "-":
        return "<stdin>"
    if full:
        return source
    return _ID_NAMES.get(source) or os.path.basename(source) or source


@dataclass
class ReadError:
    """A record that could not be read: where it was, which field, and why."""

    source: str
    line: int
    message: str
    field: Optional[str] = None
    #: ``(k, n)`` when only sample ``k`` of a record holding ``n`` samples is unreadable
    sample_of: Optional[Tuple[int, int]] = None
    #: the column, for a record that starts on the line where an earlier one ended
    col: Optional[int] = None

    @property
    def id(self) -> str:
        """Same form as a readable record's default id: ``<file basename>:<line>`` (and
        ``:<col>`` when given), with ``#<k>`` for sample ``k`` of a multi-sample record
        (``<stdin>`` for standard input)."""
        tid = f"{source_name(self.source)}:{self.line}"
        if self.col is not None:
            tid = f"{tid}:{self.col}"
        return tid if self.sample_of is None else f"{tid}#{self.sample_of[0]}"

    def describe(self) -> str:
        where = f"{source_name(self.source, full=True)}:{self.line}"
        if self.col is not None:
            where += f":{self.col}"
        if self.sample_of is not None:
            where += f": sample {self.sample_of[0]}"
        if self.field:
            where += f": field '{self.field}'"
        return f"{where}: {self.message}"
