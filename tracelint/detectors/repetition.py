"""Repetition: loops, exact periodic runs, and the Gopher-style repetition quantities.

The loop detector works on sentence-like segments (``tracelint.segments``): every segment is
compared with earlier segments that share enough of its unit bigrams (found through a
hashed index in the compiled core, never all pairs), and scored by the Indel similarity of
the two unit sequences with numbers collapsed, so "Step 7: ..." and "Step 8: ..." match.
A loop is the stretch of segments with the largest excess of such repeats over a required
share (a maximum-density interval, Kadane's algorithm), when it is long enough — or when
it runs into the end of a trace that was cut off.
"""
from __future__ import annotations

import bisect
import re
from typing import Dict, List, Optional, Tuple

import numpy as np

from .. import ngram
from ..config import Config
from ..model import TOOL_CALL_MARK
from ..segments import fence_edges, inside, layout_ranges, segment
from ..units import KIND_OTHER, PROSE_KINDS, Units
from .base import DetectorOutput, Rule, TraceContext

#: Gopher (Rae et al. 2021, Table A1) thresholds, applied here to units.
GOPHER_DUP = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}
GOPHER_TOP = {2: 0.20, 3: 0.18, 4: 0.16}


class REP001(Rule):
    """The trace cycles through the same content without progress (a loop).

    What: sentence-like segments are compared with the earlier segments they share unit
    bigrams with; a segment whose Indel similarity (numbers collapsed) to one of them is at
    least ``similarity`` is a *repeat*.  The loop is the stretch of the trace where repeats
    most exceed the share ``min_share`` (weighted by segment length).  It is reported when
    it holds at least ``min_repeats`` repeated segments and ``min_repeat_units`` repeated
    units, or — for a trace that was cut off (any truncation reason) and whose stretch runs
    to its end — at least ``tail_min_repeats`` segments and ``tail_min_repeat_units`` units.
    A paraphrased loop interleaves its repeats with other lines, so no stretch is dense; it
    is reported when at least ``diffuse_share`` of the whole reasoning (in units) is made of
    repeated segments, in a trace of at least ``diffuse_min_chars`` characters.
    Segments inside fenced code blocks, markdown table rows, unfenced program regions (three
    or more lines of code, two of them opening with a keyword or a declaration), and layout or
    data lines (a rule of one repeated mark, a JSON member or record, a short Markdown heading
    or bolded field such as ``- **Stable:** Yes``, a log line that opens with a timestamp, an
    agent's ``[tool call]`` line) never count as repeats, nor
    does a segment that states two or more numbers its match lacks (a new case of an
    enumeration; a single changed number, such as a step counter, still repeats).
    Independently of segments and of length, a *copied block* is a loop: a passage of at
    least ``copy_min_units`` units (two or three sentences) holding at least a fifth words,
    found verbatim at least ``copy_min_copies`` times without overlap, anywhere in the text
    (code blocks included), that is not mostly table rows and not copied from the prompt.
    Inside a program block (fenced and tagged with a programming language), copies count
    together only when the whole blocks they touch are the same: a function printed again
    unchanged is a copy, the shared lines of a function re-written with a fix each time are
    part of each new version (an answer re-printed as JSON, or untagged, still counts); the
    copies inside one program block count once (six methods of a class that share a body
    are one program, not six copies), and copies inside an agent's tool calls (the code an
    edit carries) do not count.

    Why: a model stuck in a loop spends its budget re-stating the same doubt, option or
    computation, verbatim or with small changes, usually until the token cap.  Such traces
    waste tokens and teach loops when used as SFT data.  Re-checking that settles, lists
    where every line is a new case, and tables are not loops: they either do not repeat
    for long or their lines are not near-copies.  A short answer can loop too: a model that
    prints the same paragraph five times, each time announcing a "correction", has made
    no progress whatever the answer's length, while an engaged text quotes a whole passage
    of its own again once or twice (measured on 2,588 reasoning traces of normal runs and
    6,402 chat answers: 50-unit passages found five or more times occur only in traces
    that loop by other measures, and one chat answer that loops).  Re-reading the
    question is not counted here (CPY002 reports prompt copying).

    Options: ``similarity`` (0.7), ``min_share`` (0.5), ``lookback`` (256 segments),
    ``min_repeats`` (8), ``min_repeat_units`` (900), ``tail_min_repeats`` (5),
    ``tail_min_repeat_units`` (150), ``diffuse_share`` (0.25), ``diffuse_min_chars`` (6000),
    ``copy_min_units`` (50), ``copy_min_copies`` (5).

    Flagged example: "Wait, maybe Omega is 10, so 1.26 × 10 × 8.46 ≈ 106.6. Alternatively,
    maybe it is 100. But without the context it's impossible to say." repeated, with small
    changes, 40 times until the output stops.

    Flagged example (copied block): a 600-character answer paragraph printed five times in
    a 4,000-character chat answer, after "Correction:", "Here's the corrected JSON:", "Final
    correction:", with nothing changed.

    OK example: "Let me check: 12 × 4 = 48. Yes. Now the second part: 48 + 7 = 55. Double
    check: 55 - 7 = 48. Correct, the answer is 55."
    """

    code = "REP001"
    name = "loop"
    options = {"similarity": 0.7, "min_share": 0.5, "lookback": 256, "min_repeats": 8,
               "min_repeat_units": 900, "tail_min_repeats": 5, "tail_min_repeat_units": 150,
               "diffuse_share": 0.25, "diffuse_min_chars": 6000, "copy_min_units": 50,
               "copy_min_copies": 5}
    option_checks = {
        "copy_min_units": (lambda v: v >= 1, "at least 1"),
        "copy_min_copies": (lambda v: v >= 2, "at least 2"),
    }


class REP002(Rule):
    """The same exact sequence repeats back to back many times (an exact periodic run).

    What: a maximal run of units with a period of 1 to ``max_period`` units, repeated at
    least ``min_repeats`` times and covering at least ``min_units`` units (``punct_min_units``
    when the repeated block is punctuation only, e.g. ``?!?!?!``).  Also a single unit of at
    least ``min_chars`` characters whose characters repeat with a short period
    (``0011001100110011...``, ``0.000000000...``), which a word splitter sees as one "word",
    and a run of at least ``space_min_chars`` white-space characters (a model emitting
    newlines or spaces until it is stopped), which no unit covers.
    A run of numbers and symbols without a word (a zero matrix, a grid of cells, an array
    of zeros; a periodic decimal written out; punctuation over several lines, such as a maze
    of ``#`` and ``.``) is data written once, not a loop, unless it runs to the end of the
    text (the output degenerated until it stopped; for an output that was not cut -- no
    finish_reason length, budget or unclosed thinking -- only a run on one line: an answer
    may end with the rows of a grid or of a blank table) or covers at least
    ``data_min_units`` units (characters, for one long unit).

    Why: back-to-back verbatim repetition is the degenerate end state of greedy decoding.
    Separator lines (``-----``) and ellipses are short and stay under the thresholds.  A
    matrix of zeros or an ARC-style grid with blank rows repeats exactly too, but it is
    written once and the reasoning goes on after it; on the real traces of
    ``../shared/realdata`` every run this rule reports without a word (2 of 27) runs to the
    end of the text, thousands of repeats long.

    Options: ``min_repeats`` (8), ``min_units`` (64), ``punct_min_units`` (200),
    ``data_min_units`` (1000), ``max_period`` (2000), ``min_chars`` (64, for the
    character-level check), ``space_min_chars`` (1000; no real trace of ``../shared/realdata``
    has a run of even 200).

    Flagged example: ``"\\[ 7x = 0 \\]"`` on 3,000 consecutive lines; ``"?!?!?!?!..."`` for
    300 characters; ``"0000000..."`` until the output stops; 5,000 newlines.

    OK example: a markdown separator ``|---|---|---|`` or a line of 40 dashes; a 12 × 12
    zero matrix or a grid with blank rows of ``0 0 0 ...``, followed by the reasoning about it.
    """

    code = "REP002"
    name = "exact-repeat"
    options = {"min_repeats": 8, "min_units": 64, "punct_min_units": 200,
               "data_min_units": 1000, "max_period": 2000, "min_chars": 64,
               "space_min_chars": 1000}


class REP003(Rule):
    """Gopher repetition thresholds exceeded (duplicate and top n-gram fractions).

    What: ``dup_ngram_frac[n]`` (n = 5..10) — the fraction of units covered by an n-gram
    occurring more than once — above 0.15, 0.14, 0.13, 0.12, 0.11, 0.10, or
    ``top_ngram_frac[n]`` (n = 2..4) — the fraction of units covered by the most frequent
    n-gram — above 0.20, 0.18, 0.16 (the thresholds of Rae et al. 2021, Table A1, applied to
    units instead of characters).

    Why: these are the web-text quality filters that data pipelines run today.  They catch
    loops, but reasoning re-checks legitimately; measured on real traces they also flag many
    engaged ones, so this rule is off by default and never sets the label.  Enable it for
    parity with a Gopher-filtered pipeline.

    Flagged example: any trace whose 5-grams are more than 15% duplicated.

    OK example: a short chat answer that states each step once.
    """

    code = "REP003"
    name = "gopher-repetition"
    default_enabled = False


class REP004(Rule):
    """The same calculation is stated again and again (recurring claims).

    What: every explicit calculation around an ``=`` or ``≈`` (the numbers, operators and
    one-letter variables within a few units of it, decimals compared at 3 significant
    digits) is a *claim*; a chain such as ``2x = 3y = -z`` is one claim, not one per
    ``=``; lines of programs (fenced blocks tagged with a language, unfenced program regions)
    hold no claims (``MOD = 10**9 + 7`` in each version of a function being debugged).
    The rule fires when at least ``min_recurrences`` claim statements are the third
    or later statement of the same claim, and those make up more than ``min_share`` of all
    claims in the trace.

    Why: a paraphrased loop rarely repeats its sentences, but it keeps returning to the same
    few computations ("280 × 245 = 68,600" twelve times) while it dithers between readings
    of the problem.  Re-checking a result once or twice is normal and never reaches the
    thresholds; re-stating it on every cycle is the loop's signature.

    Only traces of at least ``min_chars`` characters are judged: a short answer that
    restates its one sum five times is repetitive, not a loop (a loop is thousands of
    characters without progress).

    Options: ``min_recurrences`` (8), ``min_share`` (0.2), ``min_chars`` (6000).

    Flagged example: a trace that writes ``V = 10 × 3 = 30`` eleven times between
    "but the height is missing" and "maybe the height is 3".

    OK example: ``12 × 4 = 48`` computed, then checked once as ``48 / 4 = 12``.
    """

    code = "REP004"
    name = "recurring-claims"
    options = {"min_recurrences": 8, "min_share": 0.2, "min_chars": 6000}


class REP005(Rule):
    """The trace keeps returning to final answers it had already left (answer cycling).

    What: the candidate final answers the trace states, in order ("the answer is 735",
    "\\boxed{350}", "I'll go with 210", "settle on 30"), with immediate
    restatements collapsed; a *return* is a value stated again after the trace had moved
    to a different one (A, B, A counts one return), counted anew after a line that opens a
    new question, sample or case ("Sample 3:", "**Question 7**", "Part (b)").  The rule
    fires when there are more than ``max_returns`` returns.

    Why: an engaged trace may revise its answer a few times and settle; a looping trace
    flips between the same candidates over and over.  The patterns are English phrases.
    Measured on the real traces of ``../shared/realdata`` (MiP-Overthinking), traces of at
    least 6,000 characters that no other rule flagged, read blind: all 16 with 6 to 8
    returns are loops, and so are the 5 read of the 13 with 5 returns and the 9 read of
    the 18 with 4 returns (4 of those 14 borderline).  Of the 218 hand-labelled traces, one
    engaged trace has 4 returns (a hard problem whose last fifth flips between guessed
    answers) and none has more, hence the default: more than 4.

    Only traces of at least ``min_chars`` characters are judged.

    Options: ``max_returns`` (4), ``min_chars`` (6000).

    Flagged example: "so the answer is 27.5 ... no, the total is 30 ... so it is 27.5 ...
    the answer is 30 ..." ten times.

    OK example: "the answer is 27.5 ... wait, I forgot the last side, so the answer is 30."
    """

    code = "REP005"
    name = "answer-cycling"
    options = {"max_returns": 4, "min_chars": 6000}


def _repeat_cover(n: int, sa: np.ndarray, lcp: np.ndarray, ks) -> Dict[int, float]:
    """Fraction of positions inside a repeated substring of length >= k, for each k, from
    one suffix array: R[i] = longest repeated substring starting at i; position p is
    covered for k iff some i <= p with R[i] >= k reaches past p (all k in one 2-D pass)."""
    if n == 0:
        return {k: 0.0 for k in ks}
    rank_lcp = np.maximum(lcp, np.append(lcp[1:], 0))
    longest = np.empty(n, dtype=np.int64)
    longest[sa] = rank_lcp
    pos = np.arange(n, dtype=np.int64)
    kk = np.asarray(list(ks), dtype=np.int64)[:, None]
    reach = np.where(longest[None, :] >= kk, (pos + longest)[None, :], 0)
    covered = (np.maximum.accumulate(reach, axis=1) > pos[None, :]).mean(axis=1)
    return {k: float(c) for k, c in zip(ks, covered.tolist())}


def _char_periodic(text: str, units: Units, min_chars: int, min_repeats: int):
    """(unit index, char start, char end, period) of long units with a periodic stretch."""
    lengths = units.ends - units.starts
    hits = []
    for i in np.flatnonzero(lengths >= min_chars).tolist():
        a, b = int(units.starts[i]), int(units.ends[i])
        arr = np.frombuffer(text[a:b].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        best = None
        for p in range(1, min(64, len(arr) // min_repeats) + 1):
            eq = arr[p:] == arr[:-p]
            if not eq.any():
                continue
            # longest run of True in eq
            d = np.diff(np.concatenate(([0], eq.view(np.int8), [0])))
            starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
            k = int(np.argmax(ends - starts))
            span = int(ends[k] - starts[k]) + p
            if span >= max(min_chars, min_repeats * p) and (best is None or span > best[1] - best[0]):
                best = (a + int(starts[k]), a + int(starts[k]) + span, p)
        if best:
            hits.append((i,) + best)
    return hits


_CLAIM_OPS = frozenset("+-*/×·^()=≈÷[]−") | {"times", "cdot", "frac", "sqrt", "approx",
                                              "div", "pi", "dfrac", "le", "ge", "%"}
_CLAIM_DROP = frozenset(["\\", "{", "}", ",", "."])


def _claim_recurrence(text: str, units: Units, vocab: Dict[str, int]) -> Tuple[int, int, int]:
    """(claims, recurrences, first char offset of a recurrence) for REP004: a recurrence is
    the third or later statement of the same claim (:func:`tracelint.ngram.claim_recurrence`)."""
    eq = [vocab[k] for k in ("=", "≈") if k in vocab]
    if not eq:
        return 0, 0, -1
    op_ids = [vocab[k] for k in _CLAIM_OPS if k in vocab]
    drop_ids = [vocab[k] for k in _CLAIM_DROP if k in vocab]
    ids, kinds, starts, ends = units.ids, units.kinds, units.starts, units.ends
    code = _in_program(text, starts)
    if code.any():
        # program lines are no calculations: "MOD = 10**9 + 7" in each version of a
        # function being debugged is the same line of code, not a re-stated result
        keep = ~code
        ids, kinds, starts, ends = ids[keep], kinds[keep], starts[keep], ends[keep]
    return ngram.claim_recurrence(text, ids, kinds, starts, ends, eq, op_ids, drop_ids)


def _in_program(text: str, positions: np.ndarray) -> np.ndarray:
    """Which char ``positions`` of ``text`` lie in a program: a fenced block tagged with a
    programming language, or an unfenced program region or data line
    (:func:`tracelint.segments.layout_ranges`)."""
    edges = fence_edges(text)
    programs = [x for a, b in zip(edges[0::2].tolist(), (edges[1::2] + 3).tolist())
                if _fence_tag(text, a, b) not in _DATA_FENCES for x in (a, b)]
    out = inside(np.array(programs, dtype=np.int64), positions)
    lay = layout_ranges(text)
    return out | inside(lay, positions) if lay.size else out


_NUMBER = r"(-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?)"
_VERDICT_RES = None


def _verdict_res():
    """(finder, {literal kind: anchored pattern}) built once.  The finder is case-sensitive
    with the few spellings that occur, because a case-insensitive scan runs at a tenth of
    the speed; the anchored patterns then match case-insensitively at each hit."""
    global _VERDICT_RES
    if _VERDICT_RES is None:
        import re
        finder = re.compile(r"answers?|Answers?|ANSWERS?|\\boxed\{|go with|settle on|"
                            r"settle with|stick with")
        answer = re.compile(
            r"answers?\s+(?:is|would be|should be|might be|could be|must be|will be|=|:|of)"
            r"\s*(?:probably\s+|likely\s+|approximately\s+|about\s+)?(?:\$\s*)?"
            r"(?:\\\(|\\\[)?\s*(?:\\boxed\{|\\\$)?\s*" + _NUMBER, re.I)
        boxed = re.compile(r"\\boxed\{\s*([^{}]{1,40})\}")
        settle = re.compile(r"(?:go with|settle on|settle with|stick with)\s+(?:the\s+)?"
                            r"(?:answer\s+)?(?:\$\s*)?" + _NUMBER, re.I)
        _VERDICT_RES = (finder, answer, boxed, settle)
    return _VERDICT_RES


def _verdicts(text: str) -> List[Tuple[str, int]]:
    """Candidate final answers stated in the text, in order, as (value, char offset):
    "the answer is N" (and would be / should be / ...), "\\boxed{...}", "go with N",
    "settle on N", "stick with N".  English only."""
    finder, answer, boxed, settle = _verdict_res()
    out = []
    end = -1
    for hit in finder.finditer(text):
        at = hit.start()
        if at < end:
            continue
        lit = hit.group()
        if lit[0] in "aA":
            if at and (text[at - 1].isalnum() or text[at - 1] == "_"):
                continue
            m = answer.match(text, at)
        elif lit[0] == "\\":
            m = boxed.match(text, at)
        else:
            m = settle.match(text, at)
        if m is None:
            continue
        v = m.group(1).replace(" ", "").replace(",", "").replace("$", "").rstrip(".")
        out.append((v, at))
        end = m.end()
    return out


#: a line that opens a new question or case: its answers are not the earlier ones' returns
#: ("Sample 3:", "Test case 2", "**Question 7**", "Part (b)", "(c)", "Q4.")
_CASE_MARK = re.compile(
    r"(?im)^[ \t*#>-]*(?:(?:sample|test(?:[ \t]*case)?|example|question|problem|exercise|"
    r"part|case|q)[ \t]*(?:#[ \t]*)?\(?(?:\d{1,3}|[a-h])\b|\(?[a-h]\)[ \t])")


def _answer_returns(text: str) -> Tuple[int, int]:
    """(returns, char offset of the first return): values stated again after the trace had
    moved to another value, immediate restatements collapsed; counted anew after each line
    that opens a new question, sample or case."""
    vals = _verdicts(text)
    marks = [m.start() for m in _CASE_MARK.finditer(text)] if vals else []
    seen: set = set()
    last: Optional[str] = None
    returns, first = 0, -1
    case = 0
    for v, at in vals:
        if bisect.bisect_left(marks, at) != case:
            case = bisect.bisect_left(marks, at)
            seen, last = set(), None  # a new question: its answer starts a new sequence
        if v == last:
            continue
        if v in seen:
            returns += 1
            if first < 0:
                first = at
        seen.add(v)
        last = v
    return returns, first


def _novelty_curve(ids: np.ndarray, n: int = 4, bins: int = 10) -> List[float]:
    """Share of new n-grams (never seen earlier in the trace) in each tenth of the trace."""
    return [round(v, 4) for v in ngram.novelty_shares(ids, n, bins).tolist()]


def detect(ctx: TraceContext, cfg: Config) -> DetectorOutput:
    out = DetectorOutput()
    units = ctx.units
    text = ctx.reasoning
    n = len(units)
    m = out.metrics
    ids = units.ids
    # --- Gopher quantities and exact repeat coverage (one suffix array) ---------------
    ks = list(GOPHER_DUP) + [20]
    cover_arr, tops = ngram.gopher_stats(ids, ks, list(GOPHER_TOP))
    cover = dict(zip(ks, cover_arr.tolist()))
    m["dup_ngram_frac"] = {str(k): round(cover[k], 6) for k in GOPHER_DUP}
    top = {k: (row[1] / n if n else 0.0) for k, row in zip(GOPHER_TOP, tops.tolist())}
    m["top_ngram_frac"] = {str(k): round(v, 6) for k, v in top.items()}
    m["repeat_coverage"] = round(cover[20], 6)
    if cfg.enabled("REP003"):
        over = [f"dup_ngram_frac[{k}]={cover[k]:.2f}>{t}" for k, t in GOPHER_DUP.items() if cover[k] > t]
        over += [f"top_ngram_frac[{k}]={top[k]:.2f}>{t}" for k, t in GOPHER_TOP.items() if top[k] > t]
        if over:
            out.findings.append(REP003.finding(0, len(text), "Gopher thresholds exceeded: " + ", ".join(over)))
    # --- exact periodic tail and runs --------------------------------------------------
    max_period = cfg.option("REP002", "max_period")
    period, reps, onset = ngram.periodic_tail(ids, max_period)
    m["tail_period"] = int(period)
    m["tail_repeats"] = round(float(reps), 3)
    m["tail_onset"] = int(units.starts[onset]) if period and onset < n else None
    if cfg.enabled("REP002"):
        _exact_runs(ctx, cfg, out)
    # --- near-repeat segments and the loop ---------------------------------------------
    keys = units.numbers_collapsed(ctx._vocab)
    m["novelty_curve"] = _novelty_curve(keys)
    _loop(ctx, cfg, out, keys)
    _copied_block(ctx, cfg, out)
    _cycling(ctx, cfg, out)
    return out


def _prompt_cover(ctx: TraceContext, min_len: int = 8) -> np.ndarray:
    """Per reasoning unit: whether it lies in a stretch of at least ``min_len`` units found
    verbatim in the prompt (the question quoted)."""
    n = len(ctx.units)
    cover = np.zeros(n + 1, dtype=np.int64)
    if ctx.prompt and len(ctx.prompt_units):
        for a, b, _ in ngram.matching_spans(ctx.units.ids, ctx.prompt_units.ids, min_len).tolist():
            cover[a] += 1
            cover[b] -= 1
    return np.cumsum(cover[:n]) > 0


def copied_blocks(ids: np.ndarray, min_len: int, min_copies: int = 2
                  ) -> List[Tuple[int, int, np.ndarray]]:
    """Passages of at least ``min_len`` units that occur more than once, as (copies, common
    length, sorted start positions of the copies), most copies first, then in text order;
    only those with at least ``min_copies`` copies.

    One suffix array: the suffixes sharing a prefix of ``min_len`` units are a run of
    consecutive ranks whose LCP values are all at least ``min_len``.  A passage found at two
    places closer than ``min_len`` units overlaps itself: it is periodic (a row of equal
    table cells, a phrase repeated back to back) and left out, since REP002 judges periodic
    runs with their own minimums."""
    n = int(ids.shape[0])
    if n < 2 * min_len:
        return []
    sa = ngram.suffix_array(ids)
    lcp = ngram.lcp_array(ids, sa).astype(np.int64)  # lcp[i]: ranks i - 1 and i
    inside = np.flatnonzero(lcp >= min_len)
    if inside.size == 0:
        return []
    cut = np.flatnonzero(np.diff(inside) > 1)
    firsts = inside[np.r_[0, cut + 1]] - 1              # first rank of each run
    sizes = inside[np.r_[cut, inside.size - 1]] - firsts + 1
    keep = sizes >= max(min_copies, 2)
    firsts, sizes = firsts[keep], sizes[keep]
    if firsts.size == 0:
        return []
    # every rank of the kept runs, run by run; positions sorted within each run
    offsets = np.cumsum(sizes) - sizes
    ranks = np.repeat(firsts - offsets, sizes) + np.arange(int(sizes.sum()))
    run = np.repeat(np.arange(firsts.size), sizes)
    pos = sa[ranks].astype(np.int64)
    pos = pos[np.lexsort((pos, run))]
    big = np.iinfo(np.int64).max
    gaps = np.append(np.diff(pos), big)
    gaps[offsets[1:] - 1] = big                         # no gap across two runs
    closest = np.minimum.reduceat(gaps, offsets)
    common = lcp[ranks]
    common[offsets] = big                               # a run's first rank starts it
    length = np.minimum.reduceat(common, offsets)
    out = []
    for g in np.flatnonzero(closest >= min_len).tolist():
        o, c = int(offsets[g]), int(sizes[g])
        out.append((c, int(length[g]), pos[o:o + c]))
    out.sort(key=lambda x: (-x[0], int(x[2][0])))
    return out


def _copied_block(ctx: TraceContext, cfg: Config, out: DetectorOutput) -> None:
    """REP001's copied-block case: a passage of several sentences found verbatim
    ``copy_min_copies`` times.  Works on the raw unit ids (numbers not collapsed) and on the
    whole text, code blocks included, so a re-printed answer block counts; copies inside a
    program block count together only when the whole blocks they touch are the same."""
    units = ctx.units
    m = out.metrics
    m.update(copied_block_copies=0, copied_block_units=0)
    min_len = int(cfg.option("REP001", "copy_min_units"))
    min_copies = int(cfg.option("REP001", "copy_min_copies"))
    if len(units) < min_len * min_copies:
        return
    quoted = None
    seen = (-1, 0, 0)  # (copies, first, length) of the passage looked at last
    for copies, length, pos in copied_blocks(units.ids, min_len, min_copies):
        first = int(pos[0])
        # the same passage shifted by a few units: already judged
        if copies == seen[0] and first < seen[1] + seen[2]:
            continue
        seen = (copies, first, length)
        # a passage that is mostly numbers and symbols (a matrix, a table rule) is not
        # prose re-stated; the question quoted again is prompt copy, not a loop
        words = np.isin(units.kinds[first:first + min_len], PROSE_KINDS)
        if 5 * np.count_nonzero(words) < min_len:
            continue
        if quoted is None:
            quoted = _prompt_cover(ctx)
        if 2 * np.count_nonzero(quoted[first:first + length]) >= length:
            continue
        # a table row (a header written over each of several tables) is layout, not prose;
        # lines cut by the passage's edges count when either end is a '|'
        passage = ctx.reasoning[int(units.starts[first]):int(units.ends[first + length - 1])]
        lines = passage.splitlines()
        in_rows = sum(len(x) for x in lines if x.strip()[:1] == "|" or x.strip()[-1:] == "|")
        if 2 * in_rows > sum(len(x) for x in lines):
            continue
        pos = _same_code(ctx.reasoning, units, pos, length)
        if TOOL_CALL_MARK in ctx.reasoning:
            # an agent's edits carry the code they change (old and new versions): copies
            # inside its tool calls are the episode's arguments, not the model re-writing
            calls = _TOOL_CALL_LINE.finditer(ctx.reasoning)
            edges = np.array([x for m in calls for x in m.span()], dtype=np.int64)
            # by the middle of each copy: a copy may start on the end of the line before
            pos = pos[~inside(edges, units.starts[pos + length // 2])]
        if not len(pos):
            continue
        copies, first = len(pos), int(pos[0])
        if copies < min_copies:
            continue
        m.update(copied_block_copies=copies, copied_block_units=length)
        if cfg.enabled("REP001") and m.get("loop_start") is None:
            a = int(units.starts[first])
            b = int(units.ends[min(int(pos[-1]) + length, len(units)) - 1])
            m.update(loop_start=a, loop_end=b)
            out.findings.append(REP001.finding(
                a, b, f"loop: a passage of {length} units is written {copies} times "
                      f"verbatim, from char {a}", repeats=copies, repeat_units=length * copies,
                copied_block=True))
        return


#: the tool-call lines the agent-episode reader writes
_TOOL_CALL_LINE = re.compile(r"(?m)^" + re.escape(TOOL_CALL_MARK) + r"[^\n]*")
#: Fence tags of blocks that hold data or output (an answer printed as JSON), not a program.
_DATA_FENCES = frozenset(["", "json", "jsonl", "text", "txt", "plaintext", "markdown", "md",
                          "output", "yaml", "yml", "csv"])


def _fence_tag(text: str, a: int, b: int) -> str:
    """The language tag of the fenced block ``text[a:b]`` ("```python\\n...": "python")."""
    nl = text.find("\n", a, b)
    return text[a + 3:nl if nl >= 0 else a + 3].strip().lower()


def _same_code(text: str, units: Units, pos: np.ndarray, length: int) -> np.ndarray:
    """The copies (start positions, in order) of a passage that repeat the same thing: those
    that touch no program block (a fenced block tagged with a programming language), and of
    the others the largest group that touches the same whole program blocks, unit for unit
    (the first on ties).  A passage shared by several versions of a program (a function
    re-written with one line changed each time) is part of each new version, not a copy;
    the same program printed again is, and so is an answer re-printed as JSON."""
    edges = fence_edges(text)
    if edges.size == 0:
        return pos
    starts, ends = edges[0::2], edges[1::2] + 3
    program = np.array([_fence_tag(text, int(a), int(b)) not in _DATA_FENCES
                        for a, b in zip(starts, ends)], dtype=bool)
    if not program.any():
        return pos
    other: List[int] = []
    groups: Dict[tuple, Dict[tuple, int]] = {}
    for p in pos.tolist():
        a, b = int(units.starts[p]), int(units.ends[p + length - 1])
        # blocks k with start < b and end > a
        ks = [k for k in range(int(np.searchsorted(ends, a, side="right")),
                               int(np.searchsorted(starts, b, side="left"))) if program[k]]
        if not ks:
            other.append(p)
            continue
        key = tuple(units.ids[int(np.searchsorted(units.starts, starts[k])):
                              int(np.searchsorted(units.starts, ends[k]))].tobytes()
                    for k in ks)
        # one copy per set of blocks: six methods of one class that share a body are one
        # program, not six copies; the same program printed in six blocks is six
        groups.setdefault(key, {}).setdefault(tuple(ks), p)
    best = list(max(groups.values(), key=len).values()) if groups else []  # first on ties
    return np.asarray(sorted(other + best), dtype=np.int64)


def _cycling(ctx: TraceContext, cfg: Config, out: DetectorOutput) -> None:
    text, units = ctx.reasoning, ctx.units
    claims, recur, first = _claim_recurrence(text, units, ctx._vocab)
    returns, first_ret = _answer_returns(text)
    out.metrics.update(claims_recurring=recur, claim_statements=claims, answer_returns=returns)
    if cfg.enabled("REP004") and recur >= cfg.option("REP004", "min_recurrences") and \
            recur > cfg.option("REP004", "min_share") * claims and \
            len(text) >= cfg.option("REP004", "min_chars"):
        out.findings.append(REP004.finding(
            first, len(text), f"{recur} of {claims} calculations re-state a calculation "
                              f"already made twice", recurrences=recur, claims=claims))
    if cfg.enabled("REP005") and returns > cfg.option("REP005", "max_returns") and \
            len(text) >= cfg.option("REP005", "min_chars"):
        out.findings.append(REP005.finding(
            first_ret, len(text), f"the trace returns {returns} times to a final answer it "
                                  f"had moved away from", returns=returns))


def _exact_runs(ctx: TraceContext, cfg: Config, out: DetectorOutput) -> None:
    units, text = ctx.units, ctx.reasoning
    min_rep = cfg.option("REP002", "min_repeats")
    min_units = cfg.option("REP002", "min_units")
    punct_min = cfg.option("REP002", "punct_min_units")
    data_min = cfg.option("REP002", "data_min_units")
    n = len(units)
    # cut by the engine or the budget, or thinking never closed (not just "no final answer",
    # which a chat answer that ends with a table also gets)
    cut = any(r != "no-final-answer" for r in ctx.truncation_reasons)
    runs = ngram.periodic_runs(units.ids, 1, cfg.option("REP002", "max_period"),
                               float(min_rep), min_units)
    for start, end, p in runs.tolist():
        kinds = units.kinds[start:start + p]
        a, b = units.char_span(start, end)
        if (kinds == KIND_OTHER).all() and "\n" not in text[a:b]:
            if end - start < punct_min:
                continue
        elif not np.isin(kinds, PROSE_KINDS).any():
            # numbers and symbols written once are data, not a loop; one that runs to the
            # end of an output that was cut is the output degenerating (a run is maximal,
            # so a block cut off at the end belongs to it; one unit more is a number cut
            # inside); an answer that stopped on its own may end with the rows of a grid or
            # of a blank table
            if end - start < data_min and (n - end > 1 or (not cut and "\n" in text[a:b])):
                continue
        out.findings.append(REP002.finding(
            a, b, f"a block of {p} unit{'s' if p > 1 else ''} repeated {(end - start) / p:.1f} "
                  f"times back to back", period=p, repeats=round((end - start) / p, 2)))
    last = len(text.rstrip())
    for i, a, b, p in _char_periodic(text, units, cfg.option("REP002", "min_chars"), min_rep):
        if b - a < data_min and last - b > p:
            continue  # a periodic number written out once (1/3 to 70 digits)
        out.findings.append(REP002.finding(
            a, b, f"{b - a} characters repeating a {p}-character pattern inside one word",
            period_chars=p, repeats=round((b - a) / p, 2)))
    for a, b in _space_runs(text, units, cfg.option("REP002", "space_min_chars")):
        out.findings.append(REP002.finding(
            a, b, f"{b - a} white-space characters in a row", space_chars=b - a))


def _space_runs(text: str, units: Units, min_chars: int) -> List[Tuple[int, int]]:
    """(start, end) of the stretches of at least ``min_chars`` white-space characters: they
    lie between units (before the first, between two, after the last)."""
    if len(text) < min_chars:
        return []
    lo = np.concatenate(([0], units.ends))
    hi = np.concatenate((units.starts, [len(text)]))
    out = []
    for i in np.flatnonzero(hi - lo >= min_chars).tolist():
        a, b = int(lo[i]), int(hi[i])
        # a gap may also hold characters that are not units (control characters)
        for m in _SPACE_RUN.finditer(text, a, b):
            if m.end() - m.start() >= min_chars:
                out.append((m.start(), m.end()))
    return out


_SPACE_RUN = re.compile(r"\s+")


def _loop(ctx: TraceContext, cfg: Config, out: DetectorOutput, keys: np.ndarray) -> None:
    units, text = ctx.units, ctx.reasoning
    m = out.metrics
    n = len(units)
    m.update(loop_start=None, loop_end=None, loop_repeats=0, loop_repeat_units=0,
             repeat_segment_frac=0.0)
    if n == 0:
        return
    bounds, neutral = segment(text, units, ctx._vocab)
    lens = np.diff(bounds)
    valid = (~neutral) & (lens >= 4)
    prev, sim = ngram.near_repeats(keys, bounds, valid.astype(np.uint8),
                                   cfg.option("REP001", "lookback"), 8, 0.3, 4)
    # A repeat that states two or more numbers its match lacks is a new case of an
    # enumeration ("n = 4: 4² + 1 = 17" after "n = 3: 3² + 1 = 10"), not a loop; one changed
    # number (a step counter) still repeats.
    fresh = ngram.new_numbers(units.ids, units.kinds == 1, bounds, prev)
    rep = (sim >= cfg.option("REP001", "similarity")) & valid & (fresh < 2)
    vu = int((lens * valid).sum())
    m["repeat_segment_frac"] = round(float((lens * rep).sum()) / vu, 6) if vu else 0.0
    score, a, b = ngram.best_stretch(lens.astype(np.float64), rep, valid,
                                     cfg.option("REP001", "min_share"))
    if a >= 0:
        n_rep = int(rep[a:b].sum())
        rep_units = int((lens * rep)[a:b].sum())
        m.update(loop_repeats=n_rep, loop_repeat_units=rep_units)
        end_gap = n - int(bounds[b])
        runs_to_end = end_gap <= max(50, n // 50)
        truncated = bool(ctx.truncation_reasons)
        long_loop = (n_rep >= cfg.option("REP001", "min_repeats")
                     and rep_units >= cfg.option("REP001", "min_repeat_units"))
        cut_loop = (truncated and runs_to_end
                    and n_rep >= cfg.option("REP001", "tail_min_repeats")
                    and rep_units >= cfg.option("REP001", "tail_min_repeat_units"))
        if long_loop or cut_loop:
            ca, cb = units.char_span(int(bounds[a]), int(bounds[b]))
            m.update(loop_start=ca, loop_end=cb)
            if cfg.enabled("REP001"):
                share = rep_units / max(int((lens * valid)[a:b].sum()), 1)
                how = "until the output was cut off" if cut_loop else (
                    "to the end" if runs_to_end else "and then escapes")
                out.findings.append(REP001.finding(
                    ca, cb, f"loop: {n_rep} sentences repeat earlier ones ({share:.0%} of this "
                            f"stretch, {rep_units} units) from char {ca} {how}",
                    repeats=n_rep, repeat_units=rep_units, share=round(share, 4)))
            return
    # a diffuse (paraphrased) loop: repeats spread over the whole trace
    if m["repeat_segment_frac"] >= cfg.option("REP001", "diffuse_share") and \
            len(text) >= cfg.option("REP001", "diffuse_min_chars"):
        weights = np.cumsum(lens * rep)
        total = int(weights[-1])
        lo = int(np.searchsorted(weights, 0.1 * total, side="left"))
        hi = int(np.searchsorted(weights, 0.9 * total, side="left"))
        ca, cb = units.char_span(int(bounds[lo]), int(bounds[min(hi + 1, len(bounds) - 1)]))
        m.update(loop_start=ca, loop_end=cb)
        if cfg.enabled("REP001"):
            n_rep = int(rep.sum())
            out.findings.append(REP001.finding(
                ca, cb, f"loop: {m['repeat_segment_frac']:.0%} of the reasoning repeats earlier "
                        f"sentences ({n_rep} sentences, interleaved with other lines)",
                repeats=n_rep, repeat_units=total, share=m["repeat_segment_frac"]))
