"""Records with no model output are errors, not empty traces; records holding a list of
samples (OpenR1-Math's ``generations``, ``responses``, vLLM ``outputs``, ...) are read as one
trace per sample, through every reader and command."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tracelint
from tracelint.cli import main
from tracelint.io import ReaderOptions, iter_records, read_traces
from tracelint.model import ReadError, Trace

# the shape of an OpenR1-Math-220k record (text shortened): "answer" is the gold answer
OPENR1 = {
    "problem": "What is 2+3?", "solution": "2+3=5", "answer": "5", "uuid": "u1",
    "generations": ["<think>2 plus 3 is 5.</think>The answer is \\boxed{5}.",
                    "<think>2 plus 3 is 6, wait"],
    "correctness_math_verify": [True, False], "correctness_llama": None,
    "finish_reasons": ["stop", "length"], "is_reasoning_complete": [True, False],
    "correctness_count": 1,
    "messages": [{"role": "user", "content": "What is 2+3?"},
                 {"role": "assistant",
                  "content": "<think>2 plus 3 is 5.</think>The answer is \\boxed{5}."}],
}


def items(rec, **opts):
    return list(iter_records([rec], ReaderOptions(**opts), source="t.jsonl"))


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def write_jsonl(path: Path, recs) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------------------------------
# no text at all


def test_record_without_text_is_an_error_naming_file_line_fields_and_the_option():
    [e] = items({"id": "a", "foo": "bar"})
    assert isinstance(e, ReadError)
    assert (e.source, e.line) == ("t.jsonl", 1)
    assert "'id', 'foo'" in e.message and "--field output=" in e.message
    assert "--field reasoning=" in e.message
    assert e.describe().startswith("t.jsonl:1: no reasoning or response text found")


@pytest.mark.parametrize("rec", [
    {"response": ""}, {"reasoning": ""}, {"answer": ""}, {"output": "   "},
    {"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": ""}]},
    {"choices": [{"message": {"role": "assistant", "content": ""}}]},
    {"generations": [""]},
])
def test_an_empty_text_that_is_present_is_a_trace(rec):
    [t] = items(rec)
    assert isinstance(t, Trace)


def test_a_mapped_text_missing_from_the_record_says_which_map():
    [e] = items({"other": "x"}, field_map={"output": "model_answer"})
    assert isinstance(e, ReadError) and "--field output=model_answer" in e.message
    # a constant text is a text
    [t] = items({"other": "x"}, constants={"reasoning": "r"})
    assert isinstance(t, Trace) and t.reasoning == "r"


def test_score_counts_a_textless_record_as_unreadable(tmp_path, capsys):
    src = write_jsonl(tmp_path / "x.jsonl", [{"id": "a", "foo": "bar"},
                                             {"id": "b", "response": "The answer is 4."}])
    out = tmp_path / "o.jsonl"
    code, stdout, _ = run(["score", src, "-o", out], capsys)
    assert code == 1  # an unreadable record fails the run, as a bad JSON line does
    assert "records: 2   analysed: 1   unreadable: 1" in stdout
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert lines[0]["id"] == "x.jsonl:1" and lines[0]["line"] == 1
    assert "'foo'" in lines[0]["error"] and lines[1]["label"] == "concise"


def test_filter_puts_a_textless_record_in_errors(tmp_path, capsys):
    src = write_jsonl(tmp_path / "x.jsonl", [{"id": "a", "foo": "bar"},
                                             {"id": "b", "response": "The answer is 4."}])
    code, stdout, _ = run(["filter", src, "--keep", tmp_path / "k.jsonl", "--reject",
                           tmp_path / "r.jsonl", "--errors", tmp_path / "e.jsonl"], capsys)
    assert code == 0
    assert "records: 2   kept: 1   rejected: 0   unreadable: 1" in stdout
    [err] = [json.loads(l) for l in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert err["line"] == 1 and "no reasoning or response text" in err["error"]
    assert json.loads(err["raw"]) == {"id": "a", "foo": "bar"}


# ------------------------------------------------------------------------------------------
# multi-sample records


def test_openr1_record_is_one_trace_per_sample_with_aligned_fields():
    a, b = items(OPENR1)
    assert (a.id, b.id) == ("t.jsonl:1#0", "t.jsonl:1#1")
    assert (a.sample_of, b.sample_of) == ((0, 2), (1, 2))
    assert (a.sample, b.sample) == (0, 1) and a.task == b.task == "t.jsonl:1"
    assert a.prompt == b.prompt == "What is 2+3?"
    assert (a.reasoning, a.answer) == ("2 plus 3 is 5.", "The answer is \\boxed{5}.")
    assert (b.reasoning, b.answer, b.thinking_unclosed) == ("2 plus 3 is 6, wait", None, True)
    # "answer" next to the samples is the gold answer, never a sample's answer
    assert a.reference == b.reference == "5"
    assert (a.finish_reason, b.finish_reason) == ("stop", "length")
    assert (a.correct, b.correct) == (True, False)
    assert a.extra["is_reasoning_complete"] is True and b.extra["is_reasoning_complete"] is False
    assert a.extra["correctness_llama"] is None and a.extra["uuid"] == "u1"
    for k in ("generations", "finish_reasons", "correctness_math_verify", "answer",
              "messages"):
        assert k not in a.extra


def test_single_sample_answer_stays_the_models_answer():
    [t] = items({"question": "Q", "response": "<think>r</think>x", "answer": "5"})
    assert (t.answer, t.reference) == ("5", None)


def test_a_record_id_and_a_reference_field_win():
    a, b = items({"id": "rec-7", "generations": ["x", "y"], "answer": "5", "gold": "6"})
    assert (a.id, b.id) == ("rec-7#0", "rec-7#1") and a.task == "rec-7"
    assert a.reference == "6" and a.reasoning == "x" and a.extra["answer"] == "5"


@pytest.mark.parametrize("key", ["generations", "responses", "completions", "outputs",
                                 "samples", "resps"])
def test_every_samples_key(key):
    ts = items({"prompt": "P", key: ["a", "b", "c"]})
    assert [t.reasoning for t in ts] == ["a", "b", "c"]
    assert [t.id for t in ts] == ["t.jsonl:1#0", "t.jsonl:1#1", "t.jsonl:1#2"]


def test_samples_as_choice_message_and_vllm_objects():
    choices = items({"prompt": "P", "completions": [
        {"message": {"role": "assistant", "content": "A", "reasoning_content": "R"},
         "finish_reason": "length", "usage": {"completion_tokens": 9}},
        {"message": {"role": "assistant", "content": "B"}, "finish_reason": "stop"}]})
    assert [(t.reasoning, t.answer, t.finish_reason) for t in choices] == [
        ("R", "A", "length"), ("B", None, "stop")]
    assert choices[0].output_tokens == 9 and choices[1].output_tokens is None
    vllm = items({"prompt": "P", "outputs": [{"text": "<think>r</think>x", "finish_reason":
                                              "stop", "token_ids": [1, 2]}]})
    assert [(t.reasoning, t.answer, t.id) for t in vllm] == [("r", "x", "t.jsonl:1#0")]
    msgs = items({"responses": [{"role": "assistant", "content": "M1"},
                                {"role": "assistant", "content": "M2"}]})
    assert [t.reasoning for t in msgs] == ["M1", "M2"]


def test_a_per_sample_list_of_the_wrong_length_is_an_error_naming_it():
    rec = dict(OPENR1, finish_reasons=["stop"])
    [e] = items(rec)
    assert isinstance(e, ReadError) and e.field == "finish_reasons"
    assert "1 values for the 2 samples in 'generations'" in e.message


def test_a_sample_that_is_not_a_text_is_an_error_naming_it():
    [e] = items({"generations": ["ok", None]})
    assert isinstance(e, ReadError) and e.field == "generations.1"
    [e] = items({"generations": [{"score": 1}, "ok"]})
    assert isinstance(e, ReadError) and e.field == "generations.0"
    [e] = items({"generations": ["ok", 3]})
    assert e.field == "generations.1" and "sample 1 of 2 is 3" in e.message


def test_a_wrong_typed_per_sample_value_is_that_samples_error():
    a, b = items({"generations": ["x", "y"], "finish_reasons": ["stop", 7]})
    assert isinstance(a, Trace) and isinstance(b, ReadError)
    assert b.field == "finish_reason" and b.sample_of == (1, 2)
    assert b.id == "t.jsonl:1#1" and b.describe().startswith("t.jsonl:1: sample 1: field")


def test_a_sample_over_the_text_limit_is_that_samples_error():
    a, b = items({"generations": ["short", "x" * 50]}, max_text_chars=20)
    assert isinstance(a, Trace) and isinstance(b, ReadError) and b.field == "reasoning"


def test_field_map_points_at_one_sample_and_at_the_samples_siblings():
    [t] = items(OPENR1, field_map={"output": "generations.1"})
    assert t.id == "t.jsonl:1" and t.sample_of is None and t.reasoning == "2 plus 3 is 6, wait"
    # a mapped field is not split per sample, and a map of the answer keeps it the answer
    a, b = items(OPENR1, field_map={"answer": "solution"})
    assert a.answer == b.answer == "2+3=5" and a.reference is None


def test_an_explicit_text_field_wins_over_samples():
    [t] = items({"response": "R", "generations": ["a", "b"]})
    assert t.reasoning == "R" and t.extra["generations"] == ["a", "b"]


def test_an_empty_samples_list_is_a_record_without_text():
    [e] = items({"problem": "P", "generations": []})
    assert isinstance(e, ReadError) and "'generations' holds no samples" in e.message


def test_read_traces_and_the_one_trace_apis(tmp_path):
    src = write_jsonl(tmp_path / "r.jsonl", [OPENR1, {"response": "single"}])
    got = list(read_traces(src))
    assert [t.id for t in got] == ["r.jsonl:1#0", "r.jsonl:1#1", "r.jsonl:2"]
    with pytest.raises(ValueError, match=r"holds 2 samples.*output=resps\.0\.0\)"):
        tracelint.analyze({"resps": [["a b", "c d"]]})  # the path to one of lm-eval's nested samples
    with pytest.raises(ValueError, match="holds 2 samples.*generations.0"):
        tracelint.analyze(OPENR1)
    res = tracelint.analyze({"generations": ["The answer is 4."]})  # one sample is one trace
    assert res.id == "<analyze>:1#0"
    table = pa.Table.from_pylist([{"generations": ["a", "b"]}, {"generations": ["c"]}])
    scored = tracelint.analyze_batch(table)
    assert scored["tracelint_reasons"].to_pylist()[0] == ["error"]
    assert "holds 2 samples" in scored["tracelint_error"].to_pylist()[0]
    assert scored["tracelint_label"].to_pylist()[1] == "concise"


def _records(n=40):
    recs = []
    for i in range(n):
        gens = [f"<think>{i} plus {k} is {i + k}.</think>The answer is {i + k}."
                for k in range(1 + i % 3)]
        if i % 5 == 0:
            gens[-1] = "<think>" + "Wait, let me check again. " * 60
        recs.append({"problem": f"What is {i}?", "answer": str(i), "generations": gens,
                     "finish_reasons": ["stop"] * (len(gens) - 1) + ["length"]})
        if i % 7 == 0:
            recs.append({"foo": i})
    return recs


def test_score_summary_counts_records_and_traces(tmp_path, capsys):
    src = write_jsonl(tmp_path / "s.jsonl", [OPENR1])
    code, stdout, _ = run(["score", src, "-v"], capsys)
    assert "records: 1 (2 traces)   analysed: 2   unreadable: 0" in stdout
    assert f"{src}:1: sample 1: " in stdout
    code, stdout, _ = run(["score", src, "--format", "json"], capsys)
    summary = json.loads(stdout)["summary"]
    assert (summary["records"], summary["traces"], summary["errors"]) == (1, 2, 0)
    assert sum(summary["labels"].values()) + summary["errors"] == summary["traces"]


def write_input(tmp_path: Path, fmt: str, recs) -> str:
    """``recs`` as JSON Lines, a JSON array or Parquet (the textless records left out: they
    do not fit the Parquet schema)."""
    if fmt == "jsonl":
        return write_jsonl(tmp_path / "s.jsonl", recs)
    if fmt == "json":
        src = str(tmp_path / "s.json")
        Path(src).write_text("[\n" + ",\n".join(json.dumps(r) for r in recs) + "\n]\n")
        return src
    src = str(tmp_path / "s.parquet")
    pq.write_table(pa.Table.from_pylist([r for r in recs if "foo" not in r]), src)
    return src


@pytest.mark.parametrize("fmt", ["jsonl", "json", "parquet"])
def test_score_bytes_do_not_depend_on_jobs_or_batch_size(tmp_path, fmt):
    from tracelint.config import Config
    from tracelint.pipeline.parallel import iter_results_parallel
    recs = _records()
    src = write_input(tmp_path, fmt, recs)
    runs = []
    for jobs, bs in ((1, 256), (1, 1), (2, 3)):
        runs.append([json.dumps(d, sort_keys=True) for d in
                     iter_results_parallel([src], Config(), jobs=jobs, batch_size=bs)])
    assert runs[0] == runs[1] == runs[2]
    ids = [json.loads(d)["id"] for d in runs[0]]
    assert ids[0].endswith("#0") and sum(i.endswith("#1") for i in ids) == 26
    ntraces = sum(len(r["generations"]) if "generations" in r else 1 for r in recs
                  if fmt != "parquet" or "foo" not in r)
    assert len(runs[0]) == ntraces


def test_check_reports_each_rejected_sample(tmp_path, capsys):
    src = write_jsonl(tmp_path / "c.jsonl", [OPENR1, {"response": "The answer is 4."}])
    code, stdout, err = run(["check", src], capsys)
    assert code == 1
    assert f"{src}:1: TRN001" in stdout and "trace c.jsonl:1#1" in stdout
    assert "c.jsonl:1#0" not in stdout
    assert "2 records (3 traces), 1 would be rejected, 0 unreadable" in err


GOOD = "<think>2 plus 3 is 5.</think>The answer is \\boxed{5}."
LOOP = "<think>" + "Wait, let me check again. " * 60   # truncated: rejected by default


def _filter(tmp_path, capsys, src, *extra, keep="k.jsonl", rej="r.jsonl"):
    keep, rej = tmp_path / keep, tmp_path / rej
    code, stdout, err = run(["filter", src, "--keep", keep, "--reject", rej, *extra], capsys)
    assert code == 0, err
    lines = lambda p: [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines()]
    return stdout, keep, rej, lines(keep), lines(rej)


def test_filter_splits_a_record_by_sample(tmp_path, capsys):
    src = write_jsonl(tmp_path / "f.jsonl", [{"response": "The answer is 4."}, OPENR1])
    stdout, _, _, kept, rejected = _filter(tmp_path, capsys, src)
    # kept: the record with its passing sample, every per-sample list cut at the same
    # position, every other field (messages, the record-level correctness_count) unchanged
    assert kept[1] == dict(OPENR1, generations=[OPENR1["generations"][0]],
                           correctness_math_verify=[True], finish_reasons=["stop"],
                           is_reasoning_complete=[True])
    assert list(kept[1]) == list(OPENR1)  # same key order
    # rejected: the failing sample, its reasons, and where it was in the input record
    [r] = rejected
    assert r == dict(OPENR1, generations=[OPENR1["generations"][1]],
                     correctness_math_verify=[False], finish_reasons=["length"],
                     is_reasoning_complete=[False], tracelint_reasons=["truncated"],
                     tracelint_sample_reasons=[["truncated"]], tracelint_sample_index=[1])
    assert ("records: 2 (3 traces)   kept: 2   rejected: 1   unreadable: 0   (counted in "
            "traces; records split between kept and rejected: 1)") in stdout
    assert "rejected by reason (a trace can have several):" in stdout


LM_EVAL = {"doc_id": 3, "target": "4",
           "arguments": {"gen_args_0": {"arg_0": "Q: 2+2?", "arg_1": {"max_gen_toks": 512}}},
           "resps": [["<think>2+2=4</think>4", "<think>" + "Wait. " * 3000,
                      "<think>2+2=4</think>4"]],
           "filtered_resps": [["4", "[invalid]", "4"]]}


def test_lm_eval_harness_samples_of_one_request():
    """lm-evaluation-harness nests a request's samples: resps [[s1, s2, ...]]."""
    ts = items(LM_EVAL)
    assert [(t.id, t.reasoning, t.answer, t.prompt, t.budget, t.reference) for t in ts] == [
        ("t.jsonl:1#0", "2+2=4", "4", "Q: 2+2?", 512, "4"),
        ("t.jsonl:1#1", ("Wait. " * 3000).strip(), None, "Q: 2+2?", 512, "4"),
        ("t.jsonl:1#2", "2+2=4", "4", "Q: 2+2?", 512, "4")]
    # filtered_resps holds one entry per request (lm-eval's own shape): shared, never an error
    assert all(t.extra["filtered_resps"] == [["4", "[invalid]", "4"]] for t in ts)
    assert len(items(dict(LM_EVAL, filtered_resps=["4"]))) == 3
    # beside another samples list it is no per-sample list either
    assert len(items({"prompt": "P", "generations": ["a", "b", "c"],
                      "filtered_resps": ["x"]})) == 3


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_filter_splits_lm_eval_samples_keeping_their_nesting(tmp_path, capsys, jobs):
    src = write_jsonl(tmp_path / "lm.jsonl", [LM_EVAL])
    _, _, _, kept, rejected = _filter(tmp_path, capsys, src, "-j", jobs)
    assert kept == [dict(LM_EVAL, resps=[[LM_EVAL["resps"][0][0], LM_EVAL["resps"][0][2]]])]
    [r] = rejected
    assert r["resps"] == [[LM_EVAL["resps"][0][1]]]
    assert r["tracelint_sample_index"] == [1]


def test_filter_to_parquet_writes_records_of_several_samples(tmp_path, capsys):
    """The output schema is inferred from the records that read; a record of several samples
    reads as several traces and counted for nothing, so a Parquet output of such input was
    written empty (no rows, no columns) with exit 0."""
    import pyarrow.parquet as pq
    src = write_jsonl(tmp_path / "lm.jsonl", [LM_EVAL, OPENR1])
    code, _, err = run(["filter", src, "--keep", str(tmp_path / "k.parquet"), "--reject",
                        str(tmp_path / "r.parquet")], capsys)
    assert code == 0, err
    kept = pq.read_table(tmp_path / "k.parquet").to_pylist()
    rejected = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert len(kept) == 2 and len(rejected) == 2
    assert kept[0]["resps"] == [[LM_EVAL["resps"][0][0], LM_EVAL["resps"][0][2]]]
    assert kept[1]["generations"] == [OPENR1["generations"][0]]


def test_columnar_output_keeps_the_fields_of_every_record(tmp_path, capsys):
    """The schema came from the first record of each group: a later record's other fields
    were dropped from a Parquet output without a word."""
    import pyarrow.parquet as pq
    src = write_jsonl(tmp_path / "h.jsonl", [
        {"response": "The answer is 4.", "x": 1},
        {"response": "The answer is 5.", "y": "two", "z": [1, 2]}])
    code, _, err = run(["filter", src, "--keep", str(tmp_path / "k.parquet"), "--reject",
                        str(tmp_path / "r.parquet")], capsys)
    assert code == 0, err
    rows = pq.read_table(tmp_path / "k.parquet").to_pylist()
    assert rows == [{"response": "The answer is 4.", "x": 1, "y": None, "z": None},
                    {"response": "The answer is 5.", "x": None, "y": "two", "z": [1, 2]}]


def test_filter_keeps_a_passing_record_byte_for_byte_and_rejects_a_failing_one_whole(
        tmp_path, capsys):
    good = {"id": "g", "problem": "P", "generations": [GOOD, GOOD], "finish_reasons":
            ["stop", "stop"]}
    bad = {"id": "b", "problem": "P", "generations": [LOOP, LOOP], "finish_reasons":
           ["length", "length"], "correctness_llama": [False, True]}
    src = tmp_path / "w.jsonl"
    # JSON as written by hand: spacing that a rewrite would change
    src.write_text(json.dumps(good, indent=None, separators=(" , ", " : ")) + "\n"
                   + json.dumps(bad) + "\n", encoding="utf-8")
    stdout, keep, _, _, [r] = _filter(tmp_path, capsys, str(src))
    assert keep.read_bytes() == src.read_bytes().splitlines(keepends=True)[0]
    both = ["degenerate-looping", "truncated"]
    assert r == dict(bad, tracelint_reasons=both, tracelint_sample_reasons=[both, both],
                     tracelint_sample_index=[0, 1])
    assert "records: 2 (4 traces)   kept: 2   rejected: 2" in stdout
    assert "records split between kept and rejected: 0" in stdout
    assert "  truncated                  2\n" in stdout  # counted per sample


def test_filter_unreadable_samples_fail_and_unreadable_records_are_errors(tmp_path, capsys):
    recs = [{"id": "t", "generations": [GOOD, GOOD], "finish_reasons": ["stop", 7]},
            {"id": "l", "generations": ["x" * 500, GOOD]},
            {"id": "e", "generations": [GOOD, GOOD], "finish_reasons": ["stop"]}]
    src = write_jsonl(tmp_path / "u.jsonl", recs)
    stdout, _, rej, kept, rejected = _filter(tmp_path, capsys, src, "--max-text-chars", "300",
                                             "--errors", tmp_path / "e.jsonl")
    assert kept == [dict(recs[0], generations=[GOOD], finish_reasons=["stop"]),
                    dict(recs[1], generations=[GOOD])]
    assert [(r["id"], r["generations"], r["tracelint_sample_reasons"],
             r["tracelint_sample_index"]) for r in rejected] == [
        ("t", [GOOD], [["error"]], [1]), ("l", ["x" * 500], [["error"]], [0])]
    assert rejected[0]["finish_reasons"] == [7]
    # a per-sample list of the wrong length: the record cannot be split, it is an error
    [e] = [json.loads(x) for x in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert e["line"] == 3 and "finish_reasons" in e["error"]
    assert ("records: 3 (5 traces)   kept: 2   rejected: 2   unreadable: 1" in stdout
            and "split between kept and rejected: 2" in stdout)


def _reassemble(kept, rejected):
    """id -> the samples of the input record, put back together from the two outputs."""
    out = {}
    for r in kept:
        out.setdefault(r["id"], {})["kept"] = r
    for r in rejected:
        out.setdefault(r["id"], {})["rej"] = r
    whole = {}
    for rid, parts in out.items():
        rej = parts.get("rej")
        if rej is None:
            whole[rid] = parts["kept"]["generations"]
            continue
        n = len(rej["generations"]) + len(parts["kept"]["generations"]) if "kept" in parts \
            else len(rej["generations"])
        gens = [None] * n
        # a record of one sample is one trace, rejected as it was, like any record
        idx = rej["tracelint_sample_index"] if n > 1 else [0]
        assert n > 1 or "tracelint_sample_index" not in rej
        for k, g in zip(idx, rej["generations"]):
            gens[k] = g
        rest = iter(parts["kept"]["generations"]) if "kept" in parts else iter(())
        whole[rid] = [g if g is not None else next(rest) for g in gens]
        assert next(rest, None) is None
    return whole


def _mixed_records():
    """_records() with ids, some multi-sample records all passing (every sample stopped),
    some all failing (every sample cut at the limit), the rest split."""
    recs = []
    for i, r in enumerate(_records()):
        r = dict(r, id=f"r{i}")
        if "generations" in r and i % 4 in (1, 2):
            r["finish_reasons"] = [("stop", "length")[i % 4 - 1]] * len(r["generations"])
        recs.append(r)
    return recs


def test_filter_every_sample_lands_in_exactly_one_output_and_the_counts_add_up(
        tmp_path, capsys):
    recs = _mixed_records()
    src = write_jsonl(tmp_path / "a.jsonl", recs)
    stdout, _, _, kept, rejected = _filter(tmp_path, capsys, src, "--errors",
                                           tmp_path / "e.jsonl")
    errors = (tmp_path / "e.jsonl").read_text().splitlines()
    textless = [r for r in recs if "generations" not in r]
    assert len(errors) == len(textless)
    multi = [r for r in recs if len(r.get("generations", ())) > 1]
    assert _reassemble(kept, rejected) == {r["id"]: r["generations"] for r in recs
                                           if "generations" in r}
    nk = sum(len(r["generations"]) for r in kept)
    nr = sum(len(r["generations"]) for r in rejected)
    ntraces = sum(len(r.get("generations", [0])) for r in recs)
    assert nk + nr + len(errors) == ntraces
    split = sum(1 for r in rejected if r["id"] in {k["id"] for k in kept})
    whole_kept = [r for r in kept if r["id"] not in {x["id"] for x in rejected}]
    whole_rej = [r for r in rejected if r["id"] not in {x["id"] for x in kept}]
    assert 0 < split < len(multi)
    assert any(len(r["generations"]) > 1 for r in whole_kept)
    assert any(len(r["generations"]) > 1 for r in whole_rej)
    assert (f"records: {len(recs)} ({ntraces} traces)   kept: {nk}   rejected: {nr}   "
            f"unreadable: {len(errors)}   (counted in traces; records split between kept "
            f"and rejected: {split})") in stdout
    # every rejected sample has its reasons, counted once per sample in the summary
    per = [rs for r in rejected
           for rs in r.get("tracelint_sample_reasons", [r["tracelint_reasons"]])]
    assert len(per) == nr and all(per)
    counted = {ln.split()[0]: int(ln.split()[1]) for ln in stdout.splitlines()
               if ln.startswith("  ")}
    assert counted["truncated"] == sum("truncated" in rs for rs in per)
    assert sum(counted.values()) == sum(len(rs) for rs in per)


def _filter_in(tmp_path, capsys, src, keep_name, rej_name, jobs="1", bs="256"):
    """filter ``src`` into a directory of its own: (directory, stdout, kept, rejected)."""
    d = tmp_path / f"out-{keep_name}-{jobs}-{bs}"
    d.mkdir()
    keep, rej = d / keep_name, d / rej_name
    code, stdout, err = run(["filter", src, "--keep", keep, "--reject", rej, "-j", jobs,
                             "--batch-size", bs, "--errors", d / "e.jsonl"], capsys)
    assert code == 0, err
    return d, stdout, keep, rej


@pytest.mark.parametrize("fmt", ["jsonl", "json", "parquet"])
def test_filter_bytes_do_not_depend_on_jobs_or_batch_size(tmp_path, capsys, fmt):
    recs = _mixed_records()
    src = write_input(tmp_path, fmt, recs)
    runs = []
    for jobs, bs in (("1", "256"), ("1", "1"), ("2", "3")):
        d, stdout, keep, rej = _filter_in(tmp_path, capsys, src, "k.jsonl.gz", "r.jsonl",
                                          jobs, bs)
        runs.append((stdout.replace(str(d), "D"), keep.read_bytes(), rej.read_bytes(),
                     (d / "e.jsonl").read_bytes() if (d / "e.jsonl").exists() else b""))
    assert runs[0] == runs[1] == runs[2]
    assert b"tracelint_sample_index" in runs[0][2] and runs[0][1]


@pytest.mark.parametrize("out", ["parquet", "arrow"])
@pytest.mark.parametrize("src_fmt", ["jsonl", "parquet"])
def test_filter_splits_multi_sample_records_into_columnar_outputs(tmp_path, capsys, out,
                                                                   src_fmt):
    import pyarrow as pa
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

    def read(p):
        if out == "parquet":
            return pq.read_table(p)
        with pa.memory_map(str(p)) as m:
            return ipc.open_file(m).read_all()

    recs = _mixed_records()
    src = write_input(tmp_path, src_fmt, recs)
    runs = []
    _, stdout2, jk, jr = _filter_in(tmp_path, capsys, src, "k.jsonl", "r.jsonl")
    for jobs, bs in (("1", "256"), ("2", "2"), ("1", "1")):
        d, stdout, keep, rej = _filter_in(tmp_path, capsys, src, f"k.{out}", f"r.{out}",
                                          jobs, bs)
        runs.append((stdout.replace(str(d), "D"), keep.read_bytes(), rej.read_bytes()))
        # the same decisions as the JSON Lines outputs, row by row and in input order
        assert stdout2.split("kept ->")[0] == stdout.split("kept ->")[0]
        for col, js in ((read(keep), jk), (read(rej), jr)):
            want = [json.loads(x) for x in js.read_text().splitlines()]
            got = col.to_pylist()
            assert len(got) == len(want)
            for g, w in zip(got, want):
                assert {k: v for k, v in g.items() if v is not None} == \
                    {k: v for k, v in w.items() if v is not None}
        names = read(rej).schema.names
        assert names[-3:] == ["tracelint_reasons", "tracelint_sample_reasons",
                              "tracelint_sample_index"]
    assert "records split between kept and rejected" in runs[0][0]
    assert runs[0] == runs[1] == runs[2]


def test_filter_a_one_sample_record_is_one_trace(tmp_path, capsys):
    keep, rej = tmp_path / "k.jsonl", tmp_path / "r.jsonl"
    # a record holding one sample is one trace: filtered as a whole, unchanged
    one = dict(OPENR1, generations=OPENR1["generations"][:1], finish_reasons=["stop"],
               correctness_math_verify=[True], is_reasoning_complete=[True])
    src = write_jsonl(tmp_path / "g.jsonl", [one])
    code, stdout, _ = run(["filter", src, "--keep", keep, "--reject", rej], capsys)
    assert code == 0 and "records: 1   kept: 1" in stdout
    assert keep.read_bytes() == Path(src).read_bytes()
