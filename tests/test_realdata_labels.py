"""Loop detection on 218 hand-labelled real traces (tests/data/labels_*.jsonl).

The issue's targets are >= 95% of loops found and <= 3% false alarms; what the detector
reaches today is asserted here as a floor, so a change that makes it worse fails.  The
figures and every miss are printed by ``python tests/label_quality.py``.
"""
from __future__ import annotations

import pytest

from label_quality import (CANDIDATES_FILE, READINGS_FILE, REALDATA, RELABEL_FILE,
                           REREADING_FILE, SHORT_DIFFUSE_FILE, RANDOM_FILE, evaluate,
                           load_labels)

pytestmark = [pytest.mark.realdata_quality,
              pytest.mark.skipif(not REALDATA.is_dir(), reason=f"no real data at {REALDATA}")]

#: Measured: 93.1% recall, 1.7% false alarms with a chain of '=' as one REP004 claim,
#: REP005 at more than 4 returns and REP006 at 0.29 (89.1% / 3.4% before; 88.1% before
#: REP001's copied blocks, 81.2% before REP006; floor first set at 74.3% recall).
MIN_RECALL = 0.93
MAX_FALSE_ALARMS = 0.02


@pytest.fixture(scope="module")
def res():
    return evaluate()


def test_label_quality_floor(res):
    assert res["n"] >= 200
    assert res["recall"] >= MIN_RECALL, [r["key"] for r in res["misses"]]
    assert res["false_alarm_rate"] <= MAX_FALSE_ALARMS, [r["key"] for r in res["false_alarms"]]


def test_clear_loops_are_all_found(res):
    """Every loop the labellers did not mark as hard, from a model that runs to its cap
    with verbatim or template cycling (DSQ, phi3, Qwen2.5, Llama), is found."""
    easy = [r for r in res["misses"] if not r["hard"] and any(
        m in r["key"] for m in ("__DSQ", "__phi3", "__Qwen32", "Llama"))]
    assert not easy, easy


#: The 56 real traces read blind after the REP004, REP005 and REP006 changes picked them
#: out (tests/data/candidates_read.jsonl): 54 read as loops, 33 of them flagged (the rest
#: have 4 answer returns, an REP004 share just under 0.2 or a recurrence of 0.28-0.29, the
#: lines kept above one labelled engaged trace each), and neither of the 2 engaged is.
MIN_CANDIDATE_RECALL = 33 / 54


def test_rule_candidates_floor():
    cand = evaluate(files=[CANDIDATES_FILE])
    assert cand["n"] == 56 and cand["others"] == 2
    assert cand["recall"] >= MIN_CANDIDATE_RECALL - 1e-9, [r["key"] for r in cand["misses"]]
    assert cand["false_alarm_rate"] == 0.0, [r["key"] for r in cand["false_alarms"]]


def test_normal_run_readings_floor():
    """64 normal-run traces read blind (tests/data/normal_run_readings.jsonl): 43 the label
    flagged (41 read as loops) and 21 unflagged controls (17 read as loops)."""
    res = evaluate(files=[READINGS_FILE])
    assert res["n"] == 64 and res["loops"] == 58
    flagged = res["loops"] - len(res["misses"])
    assert flagged >= 41, [r["key"] for r in res["misses"]]
    assert len(res["false_alarms"]) <= 2, [r["key"] for r in res["false_alarms"]]


def test_rereading_readings_load():
    """The 46 traces read for the re-reading rule that was not adopted: 34 it would have
    flagged (27 read as loops) and 12 controls (10 read as loops).  None is flagged today;
    the file is evidence for planning, kept loadable."""
    res = evaluate(files=[REREADING_FILE])
    assert res["n"] == 46 and res["loops"] == 37


def test_short_diffuse_readings_load():
    """The 28 short traces read for a lower length floor of REP001's diffuse rule, not
    adopted: 18 it would have flagged (6 read as loops) and 10 controls (2 read as loops).
    None is flagged today; the file is evidence for planning, kept loadable."""
    res = evaluate(files=[SHORT_DIFFUSE_FILE])
    assert res["n"] == 28 and res["loops"] == 8
    assert not res["false_alarms"], [r["key"] for r in res["false_alarms"]]


def test_random_readings_floor():
    """96 long traces drawn at random from the reasoning models' files and read blind
    (tests/data/random_readings.jsonl): 64 read as loops, 14 of them flagged; none of the 32
    others is flagged.  The recall is far below the labelled set's: see RELABEL_FILE for how
    much of that gap is the readers'."""
    res = evaluate(files=[RANDOM_FILE])
    assert res["n"] == 96 and res["loops"] == 64
    assert res["loops"] - len(res["misses"]) >= 14, [r["key"] for r in res["misses"]]
    assert not res["false_alarms"], [r["key"] for r in res["false_alarms"]]


def test_relabel_readings_against_the_labels():
    """The 24 labelled traces re-read blind by the random draw's readers: they agree on all 12
    labelled loops, and call 9 of the 12 labelled non-loops loops (5 of them not hard).  The
    two sets of readers draw the line at different places; the headline figures use the
    labels."""
    labels = {(lab["source"], lab["line"]): lab["label"] for lab in load_labels()}
    again = load_labels([RELABEL_FILE])
    assert len(again) == 24
    pairs = [(labels[(r["source"], r["line"])] == "degenerate-looping",
              r["label"] == "degenerate-looping") for r in again]
    assert pairs.count((True, True)) == 12 and pairs.count((True, False)) == 0
    assert pairs.count((False, True)) == 9 and pairs.count((False, False)) == 3
