"""Nothing lost through the Arrow entry points (issue 7): every input row of
``analyze_batch`` — and so of the Ray Data, Spark (``mapInArrow``) and datatrove adapters,
which are built on it — comes back exactly once, in order, as a verdict or as an error,
whatever mixture of good and bad rows and however the rows are cut into batches.

A hypothesis property draws mixtures of readable traces, rows with an invalid field (a
negative budget, a token count that is not a number, an unknown finish reason type), rows
with no text at all, and odd but readable text (empty, whitespace, ``<think>`` never closed,
non-ASCII); the same rows go through ``analyze_batch`` as a Table, as RecordBatches of
random sizes, through the Ray ``TraceScorer`` (dict-of-arrays and pandas batches too) and,
when datatrove is installed, through ``TraceFilter.filter_batch``.
"""
from __future__ import annotations

import os

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracelint
from tracelint.pipeline.ray import TraceScorer

TWIN = os.environ.get("TRACELINT_IMPLEMENTATION", "").lower() == "python"
EXAMPLES = 10 if TWIN else 30

GOOD_TEXTS = ["<think>48/2 = 24, so half is 24.</think>The answer is 24.",
              "<think>" + "Let me check that again. " * 40 + "</think>42",
              "<think>2 + 2 = 5</think>5", "", "   ", "<think>never closed",
              "<think>Überprüfe: 3·4 = 12 — 答案 12</think>12"]

# (kind, response, budget, output_tokens, finish_reason); bad rows must come back as errors
ROW_KINDS = {
    "good": lambda t: (t, 100, "20", "stop"),
    "no_text": lambda t: (None, None, None, None),
    "bad_budget": lambda t: (t, -1, None, None),
    "bad_tokens": lambda t: (t, None, "many", None),
    "negative_tokens": lambda t: (t, None, "-3", None),
    "truncated": lambda t: (t, 10, "10", "length"),
}
BAD = {"bad_budget", "bad_tokens", "negative_tokens"}


@st.composite
def mixtures(draw):
    n = draw(st.integers(0, 14))
    rows, kinds = [], []
    for i in range(n):
        kind = draw(st.sampled_from(sorted(ROW_KINDS)))
        text = draw(st.sampled_from(GOOD_TEXTS))
        resp, budget, toks, fin = ROW_KINDS[kind](text)
        rows.append({"id": f"r{i}", "response": resp, "budget": budget, "output_tokens": toks,
                     "finish_reason": fin, "reference": "24"})
        kinds.append(kind)
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=4)))
    return rows, kinds, cuts


SCHEMA = pa.schema([("id", pa.string()), ("response", pa.string()), ("budget", pa.int64()),
                    ("output_tokens", pa.string()), ("finish_reason", pa.string()),
                    ("reference", pa.string())])


def check_accounting(out, rows, kinds):
    got = out.to_pylist()
    assert len(got) == len(rows)
    assert [r["id"] for r in got] == [r["id"] for r in rows]  # each once, in order
    for r, kind in zip(got, kinds):
        has_label, has_error = r["tracelint_label"] is not None, r["tracelint_error"] is not None
        assert has_label != has_error, r
        if kind in BAD:
            assert has_error and r["tracelint_reasons"] == ["error"], (kind, r)
        if has_error:
            assert r["tracelint_keep"] is False
        else:
            assert r["tracelint_keep"] is (not r["tracelint_reasons"])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixtures())
def test_analyze_batch_accounts_for_every_row(mix):
    rows, kinds, cuts = mix
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    whole = tracelint.analyze_batch(table)
    check_accounting(whole, rows, kinds)
    # cut into RecordBatches of any sizes (Spark's mapInArrow, Ray's batches): the same rows
    bounds = [0] + cuts + [len(rows)]
    parts = [tracelint.analyze_batch(pa.RecordBatch.from_pylist(rows[a:b], schema=SCHEMA))
             for a, b in zip(bounds, bounds[1:])]
    joined = pa.Table.from_batches(parts, schema=whole.schema)
    assert joined.equals(whole)
    # the Ray adapter: the same columns for Arrow, dict-of-arrays and pandas batches
    scorer = TraceScorer()
    assert scorer(table).equals(whole)
    if rows:
        import numpy as np
        as_dict = {c: np.array(table.column(c).to_pylist(), dtype=object)
                   for c in table.column_names}
        assert scorer(as_dict).select(whole.column_names[len(SCHEMA):]).equals(
            whole.select(whole.column_names[len(SCHEMA):]))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixtures())
def test_datatrove_filter_accounts_for_every_document(mix):
    pytest.importorskip("datatrove")
    from datatrove.data import Document
    from tracelint.pipeline.datatrove import TraceFilter
    rows, kinds, cuts = mix
    docs = []
    for r in rows:
        meta = {k: v for k, v in r.items() if k not in ("id", "response") and v is not None}
        docs.append(Document(text=r["response"] or "", id=r["id"], metadata=meta))
    verdicts = TraceFilter(batch_size=3).filter_batch(docs)
    assert len(verdicts) == len(docs)
    table = tracelint.analyze_batch(pa.Table.from_pylist(
        [dict(r, response=r["response"] or "") for r in rows], schema=SCHEMA))
    for v, doc, kind, want in zip(verdicts, docs, kinds, table.to_pylist()):
        if want["tracelint_keep"]:
            assert v is True
        else:
            assert v == (False, want["tracelint_reasons"][0])
        if kind in BAD:
            assert v == (False, "error") and "tracelint_error" in doc.metadata
