"""Sentence-like segments of a unit sequence, and the near-repeat search between them.

A segment ends after a sentence-ending mark followed by whitespace (a full-width ``。！？``
with or without it), at a line break, or
after ``cap`` units (so text without punctuation, or a 30,000-character run of one
"word", still falls into comparable pieces).  Segments inside fenced code blocks,
markdown table rows, unfenced program regions and layout or data lines (rules of one mark,
JSON members and records, tool-call lines) are *neutral*: they never count as repeats, since
code, tables and data legitimately repeat their shape line after line.
"""
from __future__ import annotations

import functools
import re
from typing import Dict, List, Tuple

import numpy as np

from . import ngram
from .model import TOOL_CALL_MARK
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


_FENCE = re.compile(r"(?m)^[ \t>]*```")


def fence_edges(text: str) -> np.ndarray:
    """Char offsets of the paired ``` fences of ``text`` that open a line (CommonMark: a
    "```" in the middle of a sentence is no fence): block k runs from ``edges[2k]`` to
    ``edges[2k + 1] + 3``.  An unpaired last fence is ignored: a block that never closes is
    text that ran away (often a loop), and must not hide what follows."""
    fences = [m.end() - 3 for m in _FENCE.finditer(text)] if "```" in text else []
    if len(fences) % 2:
        fences.pop()
    return np.array(fences, dtype=np.int64)


#: Lines that are layout or data, not sentences: a rule of one repeated mark ("=====",
#: "-----", "~~~~"); a JSON member or record ('"plan": "free",', '{"id": 7, ...}', a lone
#: bracket); the tool-call lines the agent-episode reader writes ("[tool call] ...").
_LAYOUT_LINE = re.compile(
    r"[ \t]*(?:([=\-~_*#+.\u2500-\u257f])\1{2,}[ \t]*"
    # a member or a record of data, not a long text inside JSON ('"reasoning": "Let's ...')
    r'|"[^"\n]{1,60}"[ \t]*:[^\n]{0,120}'
    r'|\{[ \t]*"[^\n]{0,300}\}[ \t]*,?[ \t]*'
    # a labelled field of a templated answer: "- **Stable:** Yes", "**Price:** $1,299"
    r"|(?:[-*+][ \t]+)?\*\*[^*\n]{1,40}\*\*[ \t]*:?[^\n]{0,80}"
    # a short Markdown heading ("### 2.", "## Step 3")
    r"|#{1,6}[ \t]+[^\n]{0,40}"
    # a log line: it opens with a timestamp ("2024-05-01T10:00:03Z WARN ...", "[12:00:01]")
    r"|\[?(?:\d{4}-\d{2}-\d{2}[T ])?\d{2}:\d{2}:\d{2}[\d.,:]*Z?\]?[ \t][^\n]*"
    r"|[\[\]{}()][ \t]*,?[ \t]*"
    r"|" + re.escape(TOOL_CALL_MARK) + r"[^\n]*)")
#: A line of a program: one that opens with a keyword or a declaration of common languages,
#: or that is only closing brackets.  An assignment ("x = 5") is not enough: math writes them.
_CODE_LINE = re.compile(
    r"[ \t]*(?:(?:def|class|import|from[ \t]+[\w.]+[ \t]+import|return|elif|else:|try:|"
    r"except\b|finally:|with[ \t].*:|for[ \t].*:|while[ \t].*:|if[ \t].*:|async[ \t]+def|"
    r"await|yield|raise|assert|pass|break|continue|lambda|@\w|#include|using[ \t]+namespace|"
    r"public|private|protected|static|const|let|var|function|fn|pub[ \t]|impl|struct|enum|"
    r"void|int[ \t]+\w+[ \t]*[=(;]|package|func|SELECT|FROM|WHERE|INSERT|UPDATE|CREATE)\b"
    r"|[)}\]][)}\];,]*[ \t]*$|self\.\w+[ \t]*(?:=|\()|\w+\.\w+\(.*\)[ \t]*;?[ \t]*$)")
#: an assignment of code (a string, a call, a collection or a constant to a name): it joins a
#: program region but does not make one ("x = 5", "Area = 3 × 4" stay prose)
_CODE_ASSIGN = re.compile(
    r"[ \t]*[A-Za-z_][\w.]*(?:\[[^\]\n]*\])?[ \t]*(?:[-+*/|&]|//)?=[ \t]*"
    r"(?:[rbfu]{0,2}['\"]|[A-Za-z_][\w.]*\(|[\[{(]|None\b|True\b|False\b|null\b|new\b)")
#: a line indented as a code block (four spaces or a tab) that is not a list item
_INDENTED = re.compile(r"(?: {4}|\t)[ \t]*(?![-*+][ \t]|\d+[.)][ \t])\S")


@functools.lru_cache(maxsize=4)  # one trace's text is asked for by several detectors
def layout_ranges(text: str) -> np.ndarray:
    """Char ranges (``[a0, b0, a1, b1, ...]``, sorted) of the lines of ``text`` that are layout
    or data (:data:`_LAYOUT_LINE`), and of its unfenced program regions: runs of at least
    three lines, each a program line (:data:`_CODE_LINE`) or indented as code, two of them
    program lines.  Code and data repeat their shape line after line, as fenced code does."""
    out: list = []
    run: list = []  # (start, end, is_program_line) of the current run of code-like lines
    pos = 0
    n = len(text)

    def flush() -> None:
        if len(run) >= 3 and sum(1 for r in run if r[2]) >= 2:
            out.extend((run[0][0], run[-1][1]))
        run.clear()

    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl == -1 else nl
        if end > pos:
            if _LAYOUT_LINE.fullmatch(text, pos, end):
                flush()
                out.extend((pos, end))
            else:
                prog = _CODE_LINE.match(text, pos, end) is not None
                if prog or _CODE_ASSIGN.match(text, pos, end) or \
                        (run and _INDENTED.match(text, pos, end)):
                    run.append((pos, end, prog))
                else:
                    flush()
        elif run:
            run.append((pos, end, False))  # a blank line inside a program
        if nl == -1:
            break
        pos = nl + 1
    flush()
    arr = np.array(out, dtype=np.int64)
    arr.setflags(write=False)  # shared through the cache
    return arr


def inside(edges: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Which of ``positions`` fall in one of the ranges ``edges`` (sorted and disjoint,
    ``[a0, b0, a1, b1, ...]``): between an even edge and the odd one after it."""
    return (np.searchsorted(edges, positions, side="right") % 2) == 1


def _neutral_segments(text: str, units: Units, bounds: np.ndarray) -> np.ndarray:
    seg_char = units.starts[bounds[:-1]]
    neutral = np.zeros(len(bounds) - 1, dtype=bool)
    if "```" in text:
        neutral |= inside(fence_edges(text), seg_char)
    if "|" in text:
        # markdown table rows: lines that start and end with '|'
        rows = [x for m in _TABLE_ROW.finditer(text) for x in m.span()]
        if rows:
            neutral |= inside(np.array(rows, dtype=np.int64), seg_char)
    lay = layout_ranges(text)
    if lay.size:
        neutral |= inside(lay, seg_char)
    return neutral


def segment_keys(units: Units, vocab: Dict[str, int], bounds: np.ndarray
                 ) -> List[np.ndarray]:
    """Per segment, its unit ids with numbers collapsed (the comparison key)."""
    ids = units.numbers_collapsed(vocab)
    return [ids[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]
