"""Prompt copying: stretches of the prompt pasted into the reasoning, verbatim or nearly.

Exact copies come from the matching statistics of the reasoning's units against the
prompt's units (one pass of the compiled core); near copies are prompt sentences that
reappear with small edits, found from short exact seeds and scored with rapidfuzz.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np
from rapidfuzz import fuzz

from .. import ngram
from ..config import Config
from ..segments import segment
from ..units import PROSE_KINDS
from .base import DetectorOutput, Rule, TraceContext


#: Length of the exact seeds of near copies, in units.
_SEED = 4


class CPY001(Rule):
    """Most of the reasoning is text pasted from the prompt.

    What: ``copy_coverage`` — the fraction of the reasoning's units that lie inside spans of
    at least ``min_span`` units occurring verbatim in the prompt, near copies included — is
    at least ``min_coverage``, and at least ``min_units`` units are copied.  One finding per
    copied span (the longest ``max_findings``).

    Why: a trace that mostly repeats its prompt spends tokens without reasoning; in SFT data
    it teaches the model to parrot.  Restating the givens is normal: short chat answers that
    quote each premise and then compute from it ("Zack's locker is half as big as Timothy's
    locker, so it is 24/2 = 12 cubic inches") reach a coverage of 0.45-0.58 on real GSM8K
    answers, so the threshold sits well above that, at three quarters.

    Options: ``min_span`` (8 units), ``min_coverage`` (0.75), ``min_units`` (30),
    ``max_findings`` (20).

    Flagged example: prompt "Tom has 3 apples and buys 5 more. How many apples does he
    have?", reasoning "Tom has 3 apples and buys 5 more. How many apples does he have? Tom
    has 3 apples and buys 5 more."

    OK example: the same prompt, reasoning "Tom has 3 apples and buys 5 more, so he has
    3 + 5 = 8 apples. Check: 8 - 5 = 3, which matches what he started with."
    """

    code = "CPY001"
    name = "prompt-copy"
    options = {"min_span": 8, "min_coverage": 0.75, "min_units": 30, "max_findings": 20}


class CPY002(Rule):
    """The same stretch of the prompt is pasted into the reasoning again and again.

    What: some prompt span of at least ``min_span`` units is copied verbatim into the
    reasoning at least ``min_repeats`` times.

    Why: quoting the question once is normal; quoting it over and over is a symptom of a
    model going in circles (it re-reads the problem because it cannot make progress).  Only
    prose counts: a span at least half of whose units are words.  A formula from the prompt
    (``-x^3 + 2x^2 + 3x``, ``f^{-1}(0) + f^{-1}(6)``) is written again each time the model
    works on it; that is the work, not re-reading.

    Options: ``min_span`` (12 units), ``min_repeats`` (4).

    Flagged example: a reasoning that repeats "the problem says: 'a train leaves at 3 pm'"
    five times.

    OK example: a reasoning that quotes the question once at the start and once when checking.
    """

    code = "CPY002"
    name = "repeated-prompt-copy"
    options = {"min_span": 12, "min_repeats": 4}


def _coverage_mask(n: int, spans: List[Tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(n, dtype=np.int8)
    if spans:
        diff = np.zeros(n + 1, dtype=np.int64)
        for a, b in spans:
            diff[a] += 1
            diff[b] -= 1
        mask = (np.cumsum(diff[:-1]) > 0).astype(np.int8)
    return mask


def _near_copies(ctx: TraceContext, min_span: int, exact: np.ndarray, seeds: np.ndarray,
                 threshold: float = 88.0) -> List[Tuple[int, int]]:
    """Reasoning unit spans that reproduce a prompt sentence with small edits.

    ``seeds`` are the exact matches of >= 4 units; each prompt sentence long enough is
    aligned at its seeds and scored with rapidfuzz; only spans not already exact copies
    are returned.
    """
    r, p = ctx.units, ctx.prompt_units
    if len(p) < min_span or len(r) < min_span or seeds.shape[0] == 0:
        return []
    # prompt sentences as unit ranges: the same sentence-like segments as the loop detector
    ptext = ctx.prompt
    bounds, _ = segment(ptext, p, ctx._vocab, cap=1 << 30)
    keep = np.diff(bounds) >= min_span
    if not keep.any():
        return []
    sent_starts, sent_ends = bounds[:-1][keep], bounds[1:][keep]
    out: List[Tuple[int, int]] = []
    text = ctx.reasoning
    for lo, hi, k in ngram.near_copy_windows(seeds, sent_starts, sent_ends, exact).tolist():
        ra, rb = r.char_span(lo, hi)
        pa, pb = p.char_span(int(sent_starts[k]), int(sent_ends[k]))
        if fuzz.ratio(text[ra:rb], ptext[pa:pb]) >= threshold:
            out.append((lo, hi))
    return out


def _longer(spans: np.ndarray, k: int) -> np.ndarray:
    """The rows of ``matching_spans(s, t, j)`` (j <= k) that ``matching_spans(s, t, k)``
    returns: a row is reported iff its span is long enough and not contained in the span
    starting one unit earlier, which does not depend on the threshold (see its docstring)."""
    return spans[(spans[:, 1] - spans[:, 0]) >= k]




def _prose(units, spans: np.ndarray) -> np.ndarray:
    """The rows of ``spans`` (reasoning unit ranges first) whose units are at least half
    words."""
    if spans.shape[0] == 0:
        return spans
    words = np.isin(units.kinds, PROSE_KINDS)
    csum = np.concatenate(([0], np.cumsum(words, dtype=np.int64)))
    a, b = spans[:, 0], spans[:, 1]
    return spans[2 * (csum[b] - csum[a]) >= (b - a)]


def detect(ctx: TraceContext, cfg: Config) -> DetectorOutput:
    out = DetectorOutput()
    r = ctx.units
    n = len(r)
    on1, on2 = cfg.enabled("CPY001"), cfg.enabled("CPY002")
    if not ctx.prompt or n == 0:
        out.metrics.update(copy_coverage=0.0, longest_copy=0, copied_units=0,
                           near_copy_units=0)
        return out
    min_span = cfg.option("CPY001", "min_span")
    k2 = cfg.option("CPY002", "min_span")
    p = ctx.prompt_units
    # one matching-statistics pass at the smallest length any use needs
    base = min(_SEED, min_span, k2) if on2 else min(_SEED, min_span)
    all_spans = ngram.matching_spans(r.ids, p.ids, base)
    spans = _longer(all_spans, min_span)
    exact_spans = [(int(a), int(b)) for a, b, _ in spans.tolist()]
    exact = _coverage_mask(n, exact_spans)
    near = _near_copies(ctx, min_span, exact, _longer(all_spans, _SEED))
    mask = _coverage_mask(n, exact_spans + near)
    copied = int(mask.sum())
    coverage = copied / n
    longest = max((b - a for a, b in exact_spans), default=0)
    out.metrics.update(copy_coverage=round(coverage, 6), longest_copy=int(longest),
                       copied_units=copied, near_copy_units=int(mask.sum() - exact.sum()))
    if on1 and coverage >= cfg.option("CPY001", "min_coverage") and \
            copied >= cfg.option("CPY001", "min_units"):
        ranked = sorted(exact_spans + near, key=lambda s: (-(s[1] - s[0]), s[0]))
        limit = cfg.option("CPY001", "max_findings")
        for a, b in sorted(ranked[:limit]):
            ca, cb = r.char_span(a, b)
            out.findings.append(CPY001.finding(
                ca, cb, f"{b - a} units copied from the prompt "
                        f"(copy coverage {coverage:.0%} of the reasoning)", units=b - a))
        out.flags.append("prompt-copying")
    if on2:
        reps = cfg.option("CPY002", "min_repeats")
        long_spans = _prose(r, _longer(all_spans, k2))
        if long_spans.shape[0] >= reps:
            # count how often each prompt start region is copied
            starts = long_spans[:, 2]
            values, counts = np.unique(starts, return_counts=True)
            best = int(counts.max())
            if best >= reps:
                t0 = int(values[np.argmax(counts)])
                rows = long_spans[long_spans[:, 2] == t0]
                a, b = int(rows[0, 0]), int(rows[0, 1])
                ca, cb = r.char_span(a, b)
                out.findings.append(CPY002.finding(
                    ca, cb, f"the same prompt passage is copied {best} times", repeats=best))
                if "prompt-copying" not in out.flags:
                    out.flags.append("prompt-copying")
            out.metrics["prompt_copy_repeats"] = best
    return out
