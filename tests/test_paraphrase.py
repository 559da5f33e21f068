"""REP006 (paraphrase loop): the block-recurrence kernel against a naive reference, and the
detector on generated paraphrase loops and engaged traces."""
from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tracelint import Trace, analyze
from tracelint.config import Config
from tracelint.detectors.paraphrase import (REP006, STOPWORDS, block_recurrence, english_mask,
                                            english_share, own_list_mask)
from tracelint.units import encode

LOOP = "degenerate-looping"
THRESHOLD = REP006.options["min_recurrence"]
OWN_THRESHOLD = REP006.options["own_list_min_recurrence"]
#: every trace judged with its own list of frequent words, as a text in another language is
OWN_LIST = Config(rule_options={"REP006": {"list_min_share": 1.0}})


def naive_recurrence(ids, block, gap):
    """Definition of :func:`block_recurrence` written out: every pair of blocks compared."""
    ids = list(ids)
    k = len(ids) // block
    if k == 0:
        return 0.0, 0
    blocks = [Counter(ids[i * block:(i + 1) * block]) for i in range(k)]
    df = Counter(t for b in blocks for t in b)
    vecs = []
    for b in blocks:
        v = {t: math.log1p(c) * math.log1p(k / df[t]) for t, c in b.items()}
        n = math.sqrt(sum(x * x for x in v.values()))
        vecs.append({t: x / n for t, x in v.items()})
    total, pairs = 0.0, 0
    for i in range(k // 2, k):
        for j in range(0, i - gap + 1):
            total += sum(x * vecs[j].get(t, 0.0) for t, x in vecs[i].items())
            pairs += 1
    return (total / pairs if pairs else 0.0), k


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda a: st.lists(st.integers(0, a), max_size=300)),
       st.integers(1, 40), st.integers(1, 8))
def test_kernel_equals_naive_small_alphabets(ids, block, gap):
    got = block_recurrence(np.asarray(ids, dtype=np.int32), block, gap)
    want = naive_recurrence(ids, block, gap)
    assert got[1] == want[1]
    assert got[0] == pytest.approx(want[0], abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5000), max_size=1500), st.integers(1, 120), st.integers(1, 12))
def test_kernel_equals_naive_large_alphabets(ids, block, gap):
    got = block_recurrence(np.asarray(ids, dtype=np.int64), block, gap)
    want = naive_recurrence(ids, block, gap)
    assert got[1] == want[1]
    assert got[0] == pytest.approx(want[0], abs=1e-9)


def test_kernel_edge_cases():
    assert block_recurrence(np.zeros(0, dtype=np.int32), 10, 2) == (0.0, 0)
    assert block_recurrence(np.arange(9), 10, 2) == (0.0, 0)      # less than one block
    assert block_recurrence(np.arange(40), 10, 5) == (0.0, 4)     # no pair far enough apart
    # one word everywhere: every block is the same vector
    assert block_recurrence(np.full(200, 7), 10, 2)[0] == pytest.approx(1.0)
    # all words distinct: no two blocks share anything
    assert block_recurrence(np.arange(200), 10, 2)[0] == 0.0
    with pytest.raises(ValueError):
        block_recurrence(np.arange(10), 0, 1)


def test_english_content_units_skip_function_words_short_words_and_punctuation():
    vocab = {}
    text = "Wait, maybe the 12 magazines are issues; alternatively it is 5 subscriptions."
    u = encode(text, vocab)
    kept = [text[a:b] for a, b, m in zip(u.starts, u.ends, english_mask(u, vocab)) if m]
    assert kept == ["12", "magazines", "issues", "5", "subscriptions"]
    assert "wait" in STOPWORDS and "magazines" not in STOPWORDS
    # wait, maybe, the, are, alternatively: 5 of the 10 words
    assert english_share(u, vocab) == pytest.approx(5 / 10)


def test_own_list_skips_the_traces_most_frequent_words_and_punctuation():
    vocab = {}
    text = ("Wait, maybe the 12 magazines are issues; wait, maybe the subscriptions are the "
            "issues; wait, the 5 subscriptions.")
    u = encode(text, vocab)
    kept = [text[a:b] for a, b, m in zip(u.starts, u.ends, own_list_mask(u, 0.5)) if m]
    # 16 words: 'the' (4), 'wait' (3) and 'maybe' (2) are the most frequent, 9 of them
    assert kept == ["12", "magazines", "are", "issues", "subscriptions", "are", "issues", "5",
                    "subscriptions"]
    everything = [text[a:b] for a, b, m in zip(u.starts, u.ends, own_list_mask(u, 0.0)) if m]
    assert "wait" in everything and ";" not in everything and "," not in everything


def _renamed(text: str, seed: int) -> str:
    """``text`` with every word replaced one-to-one by a made-up Cyrillic word of 1 to 9
    letters: a text in a language no list covers."""
    import re
    rng = random.Random(seed)
    names: dict = {}

    def rename(word):
        while word not in names:
            name = "".join(rng.choice("абвгдежзиклмнопрстуфхцчшщ") for _ in range(
                rng.randint(1, 9)))
            if name not in names.values():
                names[word] = name
        return names[word]

    return re.sub(r"[A-Za-z]+", lambda m: rename(m.group().lower()), text)


def test_a_text_in_another_language_is_judged_with_its_own_list():
    """Renaming every word gives the score of the English text judged with its own list:
    nothing depends on a word list, and the loop is still found."""
    text = paraphrase_loop(random.Random(7), 160)
    foreign = _renamed(text, 8)
    ua, ub = encode(text, {}), encode(foreign, {})
    assert len(ua) == len(ub)
    assert (own_list_mask(ua) == own_list_mask(ub)).all()
    vocab = {}
    assert english_share(encode(foreign, vocab), vocab) == 0.0
    res = analyze(Trace(id="xx", reasoning=foreign))
    own = analyze(Trace(id="en", reasoning=text), OWN_LIST).metrics["topic_recurrence"]
    assert res.metrics["topic_recurrence"] == own >= OWN_THRESHOLD
    f = [f for f in res.findings if f.code == "REP006"]
    assert f and f[0].data["function_words"] == "own-list"
    english = analyze(Trace(id="en", reasoning=text))
    assert [f.data["function_words"] for f in english.findings if f.code == "REP006"] == \
        ["english-list"]


@pytest.mark.parametrize("seed", range(3))
def test_engaged_trace_in_another_language_is_not_a_paraphrase_loop(seed):
    res = analyze(Trace(id="e", reasoning=_renamed(engaged(random.Random(seed), 90), seed)))
    assert res.metrics["topic_recurrence"] is not None
    assert res.metrics["topic_recurrence"] < OWN_THRESHOLD
    assert "REP006" not in {f.code for f in res.findings}


def test_cjk_characters_are_words():
    vocab = {}
    u = encode("我们先计算总数，我们再计算平均数。" * 3 + "面积", vocab)
    mask = own_list_mask(u, 0.5)
    assert mask.any() and not mask.all()
    assert english_share(u, vocab) == 0.0


# --- generated traces --------------------------------------------------------------------

OPENERS = ["Wait,", "Hmm,", "Alternatively,", "But", "Let me re-read it:", "Then again,",
           "On reflection,", "Still,", "Okay, but", "Once more:"]
DOUBTS = [
    "does {m} mean the {i} that arrive by post or the {s} she pays for",
    "if {m} counts {i}, the total is {a}, but counting {s} gives {b}",
    "the question asks for {m} per year, which could be {i} or {s}",
    "with {i} the sum is {a}; with {s} it is only {b}",
    "{s} are what she orders while {i} are what she receives, so {a} or {b}",
    "reading {m} as {s} gives {b}, reading it as {i} gives {a}",
    "{a} {i} or {b} {s}: the wording about {m} is ambiguous",
]
SYN_M = ["magazines", "the magazines", "her magazines"]
SYN_I = ["issues", "copies", "single issues", "delivered issues"]
SYN_S = ["subscriptions", "titles", "subscribed titles", "orders"]
FILL = ["probably", "I think", "in that case", "as computed", "clearly", "so far",
        "it seems", "again", "honestly", "to be fair"]


def paraphrase_loop(rng: random.Random, sentences: int) -> str:
    """One doubt re-argued in ever new wordings; no sentence comes back verbatim."""
    out = ["Susan orders 3 magazines with 12 issues each, 1 with 6 issues and 1 with 4 times "
           "that, so 36 + 6 + 24 = 66 issues."]
    for _ in range(sentences):
        d = rng.choice(DOUBTS).format(m=rng.choice(SYN_M), i=rng.choice(SYN_I),
                                      s=rng.choice(SYN_S), a=66, b=5)
        out.append(f"{rng.choice(OPENERS)} {rng.choice(FILL)}, {d}.")
    return " ".join(out)


def engaged(rng: random.Random, paragraphs: int) -> str:
    """A long trace that keeps moving on: every paragraph works on a new sub-problem with its
    own words and numbers (drawn without replacement from a large vocabulary)."""
    words = [f"{a}{b}{c}" for a in "bcdfgklmnprstvz" for b in "aeiou" for c in
             ("lar", "tor", "mex", "bin", "dus", "rok", "pil", "gan")]
    rng.shuffle(words)
    out = []
    for p in range(paragraphs):
        topic = words[p * 6:(p + 1) * 6]
        n = rng.randint(100, 10_000) + p * 17
        out.append(
            f"Next the {topic[0]} part: the {topic[1]} of the {topic[2]} is {n}, and the "
            f"{topic[3]} adds {n + 7}, so the {topic[4]} comes to {2 * n + 7}. Checking it "
            f"with the {topic[5]} instead gives {2 * n + 7} as well, good.")
    return "\n\n".join(out)


@pytest.mark.parametrize("seed", range(3))
def test_paraphrase_loop_is_found(seed):
    text = paraphrase_loop(random.Random(seed), 160)
    res = analyze(Trace(id="p", reasoning=text))
    codes = {f.code for f in res.findings}
    assert "REP006" in codes, res.metrics.get("topic_recurrence")
    assert res.label == LOOP
    f = next(f for f in res.findings if f.code == "REP006")
    assert 0 < f.start < f.end <= len(text)


@pytest.mark.parametrize("seed", range(3))
def test_engaged_trace_is_not_a_paraphrase_loop(seed):
    text = engaged(random.Random(seed), 90)
    res = analyze(Trace(id="e", reasoning=text))
    assert res.metrics["topic_recurrence"] is not None
    assert res.metrics["topic_recurrence"] < THRESHOLD
    assert "REP006" not in {f.code for f in res.findings}


def test_short_traces_are_not_judged():
    text = paraphrase_loop(random.Random(1), 25)   # a few hundred content words
    res = analyze(Trace(id="s", reasoning=text))
    assert res.metrics["topic_recurrence"] is None
    assert "REP006" not in {f.code for f in res.findings}


def test_options_and_selection():
    text = paraphrase_loop(random.Random(2), 160)
    never = Config(rule_options={"REP006": {"min_recurrence": 1.01}})
    assert "REP006" not in {f.code for f in analyze(Trace(id="o", reasoning=text), never).findings}
    off = Config(ignore=["REP006"])
    res = analyze(Trace(id="o", reasoning=text), off)
    assert "REP006" not in {f.code for f in res.findings}
    assert res.metrics["topic_recurrence"] is None  # the key is there, like other metrics


def test_enumeration_of_new_cases_is_not_a_paraphrase_loop():
    """Every line re-uses the same words but states a new case with new numbers."""
    items = "\n".join(f"{k}. If the first digit is {k % 10} and the second is {(k * 7) % 10}, "
                      f"the number {k % 10}{(k * 7) % 10} is "
                      f"{'divisible' if k % 3 == 0 else 'not divisible'} by 3." for k in range(1, 121))
    res = analyze(Trace(id="n", reasoning="Enumerating the two-digit candidates:\n" + items))
    assert res.metrics["topic_recurrence"] >= THRESHOLD      # the words do recur ...
    assert "REP006" not in {f.code for f in res.findings}   # ... but the cases are new


def test_paraphrase_loop_explains_the_label_in_check_and_report():
    """Every consumer of the label's rules (check's reasons, the report's loop highlights,
    the loop onset of the aggregates) knows REP006: one list of loop rules serves all."""
    from tracelint.aggregate.rows import loop_onset
    from tracelint.pipeline.core import supporting_findings
    from tracelint.report.collect import finding_kind
    res = analyze(Trace(id="p", reasoning=paraphrase_loop(random.Random(0), 160)))
    assert res.label == LOOP
    rep006 = next(f for f in res.findings if f.code == "REP006")
    as_json = {"findings": [{"code": f.code, "start": f.start} for f in res.findings]}
    explained = [f["code"] for r, f in supporting_findings(as_json, [LOOP]) if f]
    assert "REP006" in explained
    assert finding_kind("REP006") == "loop"
    res.metrics.pop("loop_start", None)
    assert loop_onset(res) <= rep006.start
