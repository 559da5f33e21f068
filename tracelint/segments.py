"""Sentence-like segments of a unit sequence, and the near-repeat search between them.

A segment ends after a sentence-ending mark followed by whitespace (a full-width ``。！？``
with or without it), at a line break, or
after ``cap`` units (so text without punctuation, or a 30,000-character run of one
"word", still falls into comparable pieces).  Segments inside fenced code blocks and
markdown table rows are *neutral*: they never count as repeats, since code and tables
legitimately repeat their shape line after line.
"""
from __future__ import annotations

import re
from typing import Dict, List, Tuple

import numpy as np

from . import ngram
from .units import Units

_SENTENCE_END = frozenset(".!?")
#: full-width marks end a sentence even with no space after them (Chinese and Japanese
#: write none; "。" is never a decimal point or an abbreviation)
_HARD_SENTENCE_END = frozenset("。！？")
_TABLE_ROW = re.compile(r"(?m)^[ \t]*\|[^\n]*\|[ \t]*$")


def segment(text: str, units: Units, vocab: Dict[str, int], cap: int = 48
            ) -> Tuple[np.ndarray, np.ndarray]:
    """Segment boundaries (``bounds``: int64, segment k = units bounds[k]..bounds[k+1]) and
    a boolean ``neutral`` mask per segment.  The cuts are those of
    :func:`tracelint.ngram.segment_bounds` (one compiled pass): line breaks, sentence ends
    followed by whitespace, and content-defined cuts in segments longer than ``cap``."""
    n = len(units)
    if n == 0:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=bool)
    end_ids = [vocab[c] for c in _SENTENCE_END if c in vocab]
    hard_ids = [vocab[c] for c in _HARD_SENTENCE_END if c in vocab]
    bounds = ngram.segment_bounds(text, units.ids, units.starts, units.ends, end_ids, cap,
                                  hard_ids)
    neutral = _neutral_segments(text, units, bounds)
    return bounds, neutral


def fence_edges(text: str) -> np.ndarray:
    """Char offsets of the paired ``` fences of ``text``: block k runs from ``edges[2k]`` to
    ``edges[2k + 1] + 3``.  An unpaired last fence is ignored: a block that never closes is
    text that ran away (often a loop), and must not hide what follows."""
    fences: list = []
    pos = text.find("```")
    while pos != -1:
        fences.append(pos)
        pos = text.find("```", pos + 3)
    if len(fences) % 2:
        fences.pop()
    return np.array(fences, dtype=np.int64)


def _neutral_segments(text: str, units: Units, bounds: np.ndarray) -> np.ndarray:
    nseg = len(bounds) - 1
    neutral = np.zeros(nseg, dtype=bool)
    if "```" in text:
        # inside = between fence 2k and 2k+1
        edges = fence_edges(text)
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
