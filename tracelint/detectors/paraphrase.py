"""Paraphrase loops: the later half of a long trace keeps drawing on the vocabulary of what
came well before it, instead of moving on.

A paraphrase loop re-argues the same doubt in new sentences ("does 'magazines' mean issues
or subscriptions?") for thousands of words.  Sentence matching (REP001) does not see it, since
no sentence comes back nearly verbatim, and neither does a novelty rate: a paraphrase brings
new words all the time (measured on the labelled misses: their longest stretch without new
words or numbers is 70-750 units, shorter than in engaged MATH traces).  What stays the same
is the *mix* of content words the text draws on.  This module measures how much the second
half of a trace re-uses the content-word mix of the text at least ``gap`` blocks before it:
one linear pass over the content units, no pair of blocks compared explicitly.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from ..config import Config
from ..units import KIND_CJK, KIND_NUMBER, KIND_WORD, Units, member
from .base import DetectorOutput, Rule, TraceContext

#: English function words and discourse markers of three letters or more (shorter words are
#: never content in English).  They occur everywhere, so they would make any two stretches
#: of English look alike; the rest of the vocabulary is weighted by how few blocks use it.
STOPWORDS = frozenset("""
actually again also alternatively and are been being but can could did does done for from
her here his hmm how its just let lets may maybe might must not now okay only our perhaps
really shall she should still than that the their them then there they this very wait was
well were what when where which who whom whose why will with would you your
""".split())


class REP006(Rule):
    """The second half of a long trace keeps returning to the same content (paraphrase loop).

    What: the content units of the reasoning are cut into consecutive blocks of ``block``
    units.  In English (at least ``list_min_share`` of the words are in an English list of
    function words and discourse markers) the content units are the numbers and the words of
    three letters or more not in that list.  In any other text they are the numbers and the
    words (CJK characters included) outside the trace's own most frequent words, those that
    together make up ``frequent_share`` of its words.  Each block is a vector of its words,
    weighted ``log(1 + count) × log(1 + blocks / blocks using the word)`` and scaled to
    length 1.  The *recurrence* of the trace is the mean cosine similarity between every
    block of its second half and every block at least ``gap`` blocks before it.  The rule
    fires when the trace has at least ``min_blocks`` blocks, its recurrence is at least
    ``min_recurrence`` (``own_list_min_recurrence`` without the English list), and its
    second half brings fewer than ``max_new_numbers`` new numbers (numbers not stated earlier
    in the trace) per block: an enumeration ("1. If the first digit is 1 ... 2. If the first
    digit is 2 ...") re-uses its words on every line but states a new case, with new numbers,
    each time.

    Why: a paraphrase loop re-argues the same doubt or re-does the same check in new words for
    thousands of words ("is 100 pages to the inch pages or sheets?" ten times), so no
    sentence repeats and REP001 stays silent; but the loop keeps drawing on the same few
    content words and numbers, while an engaged trace moves on to new readings, cases or
    methods and its later text shares less with its early text.  Only long traces are
    judged (``min_blocks`` × ``block`` content units, about 2,000 words): a short answer
    that re-checks its sum is repetitive, not a loop.

    Function words occur everywhere and would make any two stretches look alike, so they
    must go; a list does that only for its own language.  Measured on the labels, judging
    English traces without the list let 4 of the 117 labelled non-loops fire (highest 0.40,
    against 0.28 with it) and raised the flagged traces among 2,588 normal-run reasoning
    traces from 53 to 85: a German or Russian trace would fare the same.  The trace's own
    frequency list needs no language: the most frequent words of any text are its function
    words (Zipf), and in these traces the words making up half of the running words are
    about what the English list removes (median 50% of the words of 470 normal-run traces
    of 1,000+ words); renaming every word of a text leaves its score unchanged.  Its
    threshold gives the same flag rate on those 2,588 traces (53 at 0.24, as with the list
    at 0.30); on the 218 labelled traces 40 of the 101 loops and none of the 117 others fire
    (38 and none with the list).  English keeps the list, measured longer: its words make
    up 25% of the words of a median English trace and at least 15% in 99% of 2,181 real
    traces of 3,000+ characters; the 6 real traces of 4,000+ characters under 10% are
    loops of numbers and symbols.

    Measured on the 218 labelled real traces: recurrence 0.29-0.35 on 8 of the 15 loops
    that REP001-REP005 miss, at most 0.279 on the labelled engaged and concise traces.
    The English threshold was 0.30 until the unflagged real traces just under it were read
    blind: all 11 between 0.29 and 0.30 read as loops (3 borderline), and 10 of the 12
    between 0.28 and 0.29 (2 engaged).  The margin is small: treat a finding as "cycling
    on one question", and read it.

    Options: ``block`` (100), ``gap`` (5), ``min_blocks`` (10), ``min_recurrence`` (0.29),
    ``max_new_numbers`` (2), ``list_min_share`` (0.1), ``frequent_share`` (0.5),
    ``own_list_min_recurrence`` (0.24).

    Flagged example: after "150 pages" at 20% of the trace, 2,000 more words alternate
    between "100 pages to the inch means 150 pages" and "or are they sheets, so 300 pages?",
    each time phrased differently, with the same numbers.

    OK example: a 3,000-word derivation that solves the problem, then checks the result by a
    different method (law of cosines instead of dot products), then tests two special cases:
    each check brings its own vocabulary.
    """

    code = "REP006"
    name = "paraphrase-loop"
    options = {"block": 100, "gap": 5, "min_blocks": 10, "min_recurrence": 0.29,
               "max_new_numbers": 2, "list_min_share": 0.1, "frequent_share": 0.5,
               "own_list_min_recurrence": 0.24}
    option_checks = {
        "block": (lambda v: v >= 1, "at least 1"),
        "gap": (lambda v: v >= 1, "at least 1"),
        "min_blocks": (lambda v: v >= 1, "at least 1"),
        "max_new_numbers": (lambda v: v >= 0, "at least 0"),
        "frequent_share": (lambda v: 0 <= v < 1, "at least 0 and below 1"),
        "list_min_share": (lambda v: 0 <= v <= 1, "between 0 and 1"),
    }


def english_mask(units: Units, vocab) -> np.ndarray:
    """Boolean mask of the content units of an English text: numbers, and words of at least
    three characters that are not in :data:`STOPWORDS`."""
    kinds = units.kinds
    long_word = (kinds == KIND_WORD) & ((units.ends - units.starts) >= 3)
    stop_ids = [vocab[w] for w in STOPWORDS if w in vocab]
    return (kinds == KIND_NUMBER) | (long_word & ~member(units.ids, stop_ids))


def english_share(units: Units, vocab) -> float:
    """Share of the words (CJK characters included) that are in :data:`STOPWORDS`."""
    word = (units.kinds == KIND_WORD) | (units.kinds == KIND_CJK)
    n = int(np.count_nonzero(word))
    if n == 0:
        return 0.0
    stop_ids = [vocab[w] for w in STOPWORDS if w in vocab]
    return int(np.count_nonzero(member(units.ids[word], stop_ids))) / n


def own_list_mask(units: Units, frequent_share: float = 0.5) -> np.ndarray:
    """Boolean mask of the content units: numbers, and words (CJK characters included) that
    are not among the trace's most frequent word types, which together make up
    ``frequent_share`` of its words.

    The trace's own frequency list stands in for a function-word list: in any language the
    few most frequent words of a text (articles, pronouns, particles, "wait", "so") are most
    of its running words (Zipf), and they would make any two stretches look alike.  Nothing
    depends on the language: renaming every word of a text leaves the mask unchanged."""
    kinds = units.kinds
    word = (kinds == KIND_WORD) | (kinds == KIND_CJK)
    ids = units.ids[word]
    mask = (kinds == KIND_NUMBER) | word
    if ids.shape[0] == 0 or frequent_share <= 0:
        return mask
    types, counts = np.unique(ids, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    share = np.cumsum(counts[order]) / ids.shape[0]
    # the types before the one that crosses the share, and that one
    frequent = types[order[:int(np.searchsorted(share, frequent_share)) + 1]]
    lut = np.zeros(int(types[-1]) + 1, dtype=bool)
    lut[frequent] = True
    mask[np.flatnonzero(word)[lut[ids]]] = False
    return mask


def block_recurrence(ids: np.ndarray, block: int, gap: int) -> Tuple[float, int]:
    """(recurrence, number of blocks) of a sequence of content-unit ids.

    The ids are cut into ``len(ids) // block`` blocks (a shorter remainder is dropped).
    Block ``i`` is the vector ``w[i, t] = log(1 + count of t in i) * log(1 + blocks / blocks
    containing t)``, scaled to length 1.  The recurrence is the mean of ``cos(i, j)`` over all
    pairs with ``i >= blocks // 2`` and ``j <= i - gap``; 0.0 when there is no such pair.

    Computed without comparing blocks pairwise: the sum over ``j <= i - gap`` of the vectors
    is a running prefix sum per word, looked up for each (block, word) entry of block ``i``.
    """
    ids = np.asarray(ids)
    if block < 1 or gap < 1:
        raise ValueError("block and gap must be at least 1")
    k = int(ids.shape[0]) // block
    if k == 0:
        return 0.0, 0
    half = k // 2
    pairs = sum(max(0, i - gap + 1) for i in range(half, k))
    if pairs == 0:
        return 0.0, k
    ids = ids[:k * block]
    terms, inv = np.unique(ids, return_inverse=True)
    v = terms.shape[0]
    blk = np.repeat(np.arange(k, dtype=np.int64), block)
    # one entry per (word, block) pair that occurs, in word-major order
    key, tf = np.unique(inv.astype(np.int64) * k + blk, return_counts=True)
    term, bi = np.divmod(key, k)
    df = np.bincount(term, minlength=v)
    w = np.log1p(tf) * np.log1p(k / df[term])
    norm = np.sqrt(np.bincount(bi, weights=w * w, minlength=k))
    w = w / norm[bi]
    # prefix sums of the weights within each word's entries (entries are sorted by key)
    cs = np.cumsum(w)
    # sum over j <= bi - gap of w[j, term]: the last entry of the same word at or before
    # block bi - gap
    q = term * k + (bi - gap)
    pos = np.searchsorted(key, q, side="right") - 1
    first = np.searchsorted(key, term * k, side="left")  # first entry of the word
    valid = (bi >= half) & (bi >= gap) & (pos >= first)
    before = np.where(first > 0, cs[np.maximum(first - 1, 0)], 0.0)
    prefix = np.where(valid, cs[np.maximum(pos, 0)] - before, 0.0)
    total = float(np.sum(w * prefix))
    return total / pairs, k


def detect(ctx: TraceContext, cfg: Config) -> DetectorOutput:
    out = DetectorOutput()
    out.metrics["topic_recurrence"] = None  # the key is there even when the rule is off
    if not cfg.enabled("REP006"):
        return out
    units = ctx.units
    block = int(cfg.option("REP006", "block"))
    gap = int(cfg.option("REP006", "gap"))
    min_blocks = int(cfg.option("REP006", "min_blocks"))
    if block <= 0 or len(units) < block * max(min_blocks, 1):
        return out  # too few units for min_blocks blocks of content units, whatever the mask
    if english_share(units, ctx._vocab) >= cfg.option("REP006", "list_min_share"):
        mask = english_mask(units, ctx._vocab)
        threshold, basis = cfg.option("REP006", "min_recurrence"), "english-list"
    else:
        mask = own_list_mask(units, float(cfg.option("REP006", "frequent_share")))
        threshold, basis = cfg.option("REP006", "own_list_min_recurrence"), "own-list"
    where = np.flatnonzero(mask)
    k = where.shape[0] // block if block > 0 else 0
    if k < max(min_blocks, 1):
        out.metrics["topic_recurrence"] = None
        return out
    ids = units.ids[where[:k * block]]
    score, k = block_recurrence(ids, block, gap)
    out.metrics["topic_recurrence"] = round(score, 6)
    if score < threshold:
        return out
    # new numbers per block in the judged half: an enumeration of cases is not a loop
    _, first = np.unique(ids, return_index=True)
    numeric = units.kinds[where[first]] == KIND_NUMBER
    new_numbers = int(np.count_nonzero(numeric & (first >= (k // 2) * block)))
    rate = new_numbers / (k - k // 2)
    if rate < cfg.option("REP006", "max_new_numbers"):
        a = int(units.starts[where[(k // 2) * block]])
        b = int(units.ends[where[k * block - 1]])
        words = (k - k // 2) * block
        out.findings.append(REP006.finding(
            a, b, f"paraphrase loop: the last {words} content words keep returning to the "
                  f"words of the text before them (recurrence {score:.2f} over {k} blocks)",
            recurrence=round(score, 4), blocks=k, new_numbers_per_block=round(rate, 3),
            function_words=basis))
    return out
