"""The per-trace row the aggregates work on, built from a ``Trace`` and its ``TraceResult``.

A row holds only a few numbers and short strings — never the texts — so a report over
millions of traces keeps one small row per trace.  Pure functions; no I/O.

Definitions (docs/report.md, "Per-trace row"):

* ``tokens`` / ``token_source`` — ``result.tokens`` (the record's ``output_tokens``, else a
  tokenizer count or the documented estimate, labelled as such);
* ``correct`` — ``trace.correct`` when the record has it, else the grounding detector's
  ``answer_correct`` metric, else ``None`` (unknown: excluded from correctness figures);
* ``completed`` — c_i = not ``result.truncated``; an incomplete trace scores y_i = 0;
* ``loop_tokens`` — tokens after the loop onset, *proportional*: the share of the reasoning
  characters from the onset to the end times the reasoning tokens (``reasoning_tokens`` when
  reported, else the output token count);
* ``answer`` — the extracted final answer (``result.metrics["answer"]``), normalised, for the
  self-consistency analysis.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple

from ..model import LOOP_CODES, Trace, TraceResult

NONE_KEY = "(none)"


@dataclass(frozen=True)
class TraceRow:
    id: str
    group: Tuple[str, ...]
    tokens: int
    token_source: str = "reported"
    correct: Optional[bool] = None
    completed: bool = True
    model: Optional[str] = None
    workload: Optional[float] = None
    budget: Optional[int] = None
    input_tokens: Optional[int] = None
    input_token_source: str = "none"
    reasoning_tokens: Optional[int] = None
    task: Optional[str] = None
    sample: Optional[int] = None
    label: Optional[str] = None
    has_text: bool = True
    loop_tokens: float = 0.0
    answer: Optional[str] = None
    #: position in the input (the order samples of a task were drawn when there is no
    #: ``sample`` field); set by the collecting pass
    seq: int = 0

    @property
    def outcome(self) -> Optional[int]:
        """y_i: 0 when not completed (whatever the correctness), else 1/0 from ``correct``,
        else ``None`` (unknown)."""
        if not self.completed:
            return 0
        if self.correct is None:
            return None
        return 1 if self.correct else 0


def group_name(key: Sequence[str]) -> str:
    """Display name of a group key: the values joined with `` / ``."""
    return " / ".join(key)


# "[\d,]*\.?\d+" written without the overlap of "[\d,]*" and "\d+" (the same strings): the
# overlap took time quadratic in the length of a digit run (1.8 s for 8,000 digits; issue 7)
_NUM = re.compile(r"^[-+]?\$?\s*[-+]?(?:[\d,]*\d|[\d,]*\.\d+)(?:[eE][-+]?\d+)?\s*%?$")
# commas only as thousands separators: "2,3" is a list, not 23
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def normalize_answer(ans: Any) -> Optional[str]:
    """A comparable form of a final answer: trimmed, lower-cased, ``\\boxed{}``/``$`` and
    thousands separators removed, numbers in a canonical decimal form (``18.0`` -> ``18``)."""
    if ans is None:
        return None
    s = str(ans).strip()
    if not s:
        return None
    m = re.fullmatch(r"\\boxed\{(.*)\}", s)
    if m:
        s = m.group(1).strip()
    s = s.strip("$ ").rstrip(".").strip()
    if _NUM.match(s):
        t = s.replace("$", "").replace(" ", "").rstrip("%")
        body = re.split(r"[eE]", t.lstrip("+-"), maxsplit=1)[0]
        if "," in body and not _GROUPED.fullmatch(body):
            return s.lower()
        try:
            v = float(t.replace(",", ""))
        except ValueError:
            return s.lower()
        if math.isfinite(v):
            if v == int(v) and abs(v) < 1e15:
                return str(int(v))
            return format(v, ".12g")  # 12 significant digits: 1e-10 and 2e-10 stay apart
    return s.lower()


def field_value(trace: Trace, name: str) -> Any:
    """A canonical field of the trace, else a dotted path into its unmapped fields."""
    if name in Trace.__dataclass_fields__ and name != "extra":
        return getattr(trace, name)
    from ..io import get_path, parse_path
    try:
        return get_path(trace.extra, parse_path(name))
    except Exception:
        return None


def _as_key(v: Any) -> str:
    """A group key part.  A value that would read as another one once the parts are joined
    by :func:`group_name` -- the missing-value mark, or text holding the separator or opening
    with a quote -- is written as a JSON string, so distinct groups keep distinct names."""
    if v is None or v == "":
        return NONE_KEY
    if isinstance(v, float) and math.isfinite(v) and v == int(v):
        return str(int(v))
    s = str(v)
    if s == NONE_KEY or " / " in s or s.startswith('"'):
        return json.dumps(s, ensure_ascii=False)
    return s


def _as_float(v: Any) -> Optional[float]:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _correctness(trace: Trace, result: TraceResult) -> Optional[bool]:
    if trace.correct is not None:
        return bool(trace.correct)
    v = (result.metrics or {}).get("answer_correct")
    if isinstance(v, bool):
        return v
    return None


def loop_onset(result: TraceResult) -> Optional[int]:
    """Character offset where the trace starts looping: ``metrics["loop_start"]``, else the
    earliest loop finding in the reasoning; ``None`` when the trace has no loop."""
    m = result.metrics or {}
    if m.get("loop_start") is not None:
        return int(m["loop_start"])
    starts = [f.start for f in result.findings
              if f.code in LOOP_CODES and f.field == "reasoning"]
    if starts and result.label == "degenerate-looping":
        return min(starts)
    return None


def loop_tokens_of(trace: Trace, result: TraceResult, tokens: int) -> float:
    """Tokens after the loop onset (proportional to the characters after it)."""
    onset = loop_onset(result)
    if onset is None:
        return 0.0
    chars = (result.metrics or {}).get("reasoning_chars")
    if chars is None:
        chars = len(trace.reasoning or "")
    if not chars:
        return 0.0
    base = trace.reasoning_tokens if trace.reasoning_tokens else tokens
    frac = max(0.0, min(1.0, (chars - onset) / chars))
    return float(base) * frac


def build_row(trace: Trace, result: TraceResult, by: Sequence[str] = ("model",),
              workload_field: Optional[str] = None, seq: int = 0) -> TraceRow:
    """The row of one analysed trace.  ``by`` names the grouping fields (canonical names or
    dotted paths into the record's unmapped fields); ``seq`` is its position in the input."""
    from ..tokens import estimate_tokens
    tokens = int(result.tokens.get("count", 0) or 0)
    source = str(result.tokens.get("source", "estimate"))
    group = tuple(_as_key(field_value(trace, f)) for f in by)
    workload = _as_float(field_value(trace, workload_field) if workload_field else trace.workload)
    if trace.input_tokens is not None:
        inp, inp_src = int(trace.input_tokens), "reported"
    elif trace.prompt:
        inp, inp_src = estimate_tokens(trace.prompt), "estimate"
    else:
        inp, inp_src = None, "none"
    has_text = bool((trace.reasoning or "").strip())
    sample = trace.sample
    return TraceRow(
        id=trace.id, group=group, tokens=tokens, token_source=source,
        correct=_correctness(trace, result), completed=not result.truncated,
        model=trace.model, workload=workload, budget=trace.budget,
        input_tokens=inp, input_token_source=inp_src,
        reasoning_tokens=trace.reasoning_tokens,
        task=None if trace.task is None else str(trace.task),
        sample=None if sample is None else int(sample),
        label=result.label if has_text else None, has_text=has_text,
        loop_tokens=loop_tokens_of(trace, result, tokens) if has_text else 0.0,
        answer=normalize_answer((result.metrics or {}).get("answer")),
        seq=seq,
    )
