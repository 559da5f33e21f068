"""Sentence-like segments of a unit sequence, and the near-repeat search between them.

A segment ends after a sentence-ending mark followed by whitespace, at a line break, or
after ``cap`` units (so text without punctuation, or a 30,000-character run of one
"word", still falls into comparable pieces).  Segments inside fenced code blocks and
markdown table rows are *neutral*: they never count as repeats, since code and tables
legitimately repeat their shape line after line.
"""
from __future__ import annotations

import re
from typing import Dict, List, Tuple

import numpy as np

from .units import Units, member

_SENTENCE_END = frozenset(".!?。！？")
_TABLE_ROW = re.compile(r"(?m)^[ \t]*\|[^\n]*\|[ \t]*$")


def _newline_positions(text: str) -> np.ndarray:
    if "\n" not in text:
        return np.zeros(0, dtype=np.int64)
    arr = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return np.flatnonzero(arr == 10).astype(np.int64)


def segment(text: str, units: Units, vocab: Dict[str, int], cap: int = 48
            ) -> Tuple[np.ndarray, np.ndarray]:
    """Segment boundaries (``bounds``: int64, segment k = units bounds[k]..bounds[k+1]) and
    a boolean ``neutral`` mask per segment."""
    n = len(units)
    if n == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=bool)
    starts, ends = units.starts, units.ends
    nl = _newline_positions(text)
    cut = np.zeros(n + 1, dtype=bool)
    cut[0] = cut[n] = True
    if nl.size:
        # a line break in the gap before unit i (i >= 1)
        before = np.searchsorted(nl, starts[1:]) - np.searchsorted(nl, ends[:-1])
        cut[1:n] |= before > 0
    end_ids = [vocab[c] for c in _SENTENCE_END if c in vocab]
    if end_ids:
        is_end = member(units.ids[:-1], end_ids) & (starts[1:] > ends[:-1])
        cut[1:n] |= is_end
    bounds = np.flatnonzero(cut).astype(np.int64)
    lengths = np.diff(bounds)
    if lengths.size and lengths.max() > cap:
        bounds = _content_defined_cuts(units.ids, bounds, lengths, cap)
    neutral = _neutral_segments(text, units, bounds)
    return bounds, neutral


def _anchor_mask(ids: np.ndarray) -> np.ndarray:
    """Units after which a long segment may be cut: about one unit id in eight, chosen by
    a fixed integer hash of the id, so that repeated text is cut at the same places
    wherever it occurs (content-defined chunking)."""
    h = (ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(61)
    return h == 0


def _content_defined_cuts(ids: np.ndarray, bounds: np.ndarray, lengths: np.ndarray,
                          cap: int) -> np.ndarray:
    """Split segments longer than ``cap`` units after anchor units (at least ``cap // 4``
    units apart), and after ``4 * cap`` units when no anchor comes."""
    anchors = _anchor_mask(ids)
    min_len = max(1, cap // 4)
    extra = []
    for a, b in zip(bounds[:-1][lengths > cap].tolist(), bounds[1:][lengths > cap].tolist()):
        cand = (np.flatnonzero(anchors[a:b]) + a + 1).tolist()
        last = a
        for c in cand:
            while c - last > 4 * cap:
                last += 4 * cap
                extra.append(last)
            if c - last >= min_len and c < b:
                extra.append(c)
                last = c
        while b - last > 4 * cap:
            last += 4 * cap
            extra.append(last)
    if not extra:
        return bounds
    return np.unique(np.concatenate([bounds, np.array(extra, dtype=np.int64)]))


def _neutral_segments(text: str, units: Units, bounds: np.ndarray) -> np.ndarray:
    nseg = len(bounds) - 1
    neutral = np.zeros(nseg, dtype=bool)
    if "```" in text:
        fences: list = []
        pos = text.find("```")
        while pos != -1:
            fences.append(pos)
            pos = text.find("```", pos + 3)
        # pair fences: inside = between fence 2k and 2k+1.  An unpaired last fence is
        # ignored: a block that never closes is text that ran away (often a loop), and
        # must not hide what follows.
        if len(fences) % 2:
            fences.pop()
        edges = np.array(fences, dtype=np.int64)
        seg_char = units.starts[bounds[:-1]]
        inside = (np.searchsorted(edges, seg_char, side="right") % 2) == 1
        neutral |= inside
    if "|" in text:
        # markdown table rows: lines that start and end with '|'
        rows = [(m.start(), m.end()) for m in _TABLE_ROW.finditer(text)]
        if rows:
            edges = np.array(rows, dtype=np.int64).ravel()
            seg_char = units.starts[bounds[:-1]]
            neutral |= (np.searchsorted(edges, seg_char, side="right") % 2) == 1
    return neutral


def segment_keys(units: Units, vocab: Dict[str, int], bounds: np.ndarray
                 ) -> List[np.ndarray]:
    """Per segment, its unit ids with numbers collapsed (the comparison key)."""
    ids = units.numbers_collapsed(vocab)
    return [ids[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]
