"""Readers (tracelint.io): JSONL/JSON/Parquet/Arrow input, schema detection, field maps,
type checks, thinking / JSON chain-of-thought splits, and the writers."""
from __future__ import annotations

import gzip
import io
import json
import math
import os
import stat
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tracelint.io import (
    FieldSpecError, InputError, OutputError, ReaderOptions, format_of, get_path,
    iter_records, normalize_finish_reason, open_output, parse_field_spec, parse_path,
    parse_set_spec, read_traces, split_json_cot, split_think, write_jsonl_line,
)
from tracelint.io.fieldmap import format_path
from tracelint.io.schema import ANSWER_WRAPPERS, PHRASE_THINK_DELIMITERS, _LATEX_HINT_RX
from tracelint.model import ReadError, Trace


def write_lines(path, lines):
    path.write_text("".join(l + "\n" for l in lines), encoding="utf-8")
    return str(path)


def one(rec, **opts):
    """Read a single record through the full pipeline."""
    items = list(iter_records([rec], ReaderOptions(**opts), source="t.jsonl"))
    assert len(items) == 1
    return items[0]


# ------------------------------------------------------------------------------------------
# JSONL


def test_jsonl_lines_blank_malformed_ids(tmp_path):
    p = write_lines(tmp_path / "a.jsonl", [
        json.dumps({"reasoning": "r1", "answer": "4"}),
        "",
        "   ",
        '{"reasoning": "r2", ',                       # malformed
        json.dumps({"id": "q7", "reasoning": "r3"}),
        json.dumps([1, 2]),                            # not an object
        json.dumps({"id": 12, "reasoning": "r4"}),
    ])
    items = list(read_traces([p]))
    assert [type(i).__name__ for i in items] == ["Trace", "ReadError", "Trace", "ReadError",
                                                 "Trace"]
    assert items[0].id == "a.jsonl:1" and items[0].line == 1 and items[0].source == p
    assert items[1].line == 4 and "invalid JSON" in items[1].message
    assert items[1].id == "a.jsonl:4"  # the same form as a readable record's id
    assert items[2].id == "q7" and items[2].line == 5
    assert items[3].line == 6 and "expected a JSON object" in items[3].message
    assert items[4].id == "12"


def test_jsonl_bom_crlf_invalid_utf8(tmp_path):
    p = tmp_path / "b.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + b'{"reasoning": "x"}\r\n' + b'{"reasoning": "\xff"}\r\n'
                  + b'{"reasoning": "y"}')
    items = list(read_traces([str(p)]))
    assert isinstance(items[0], Trace) and items[0].reasoning == "x"
    assert isinstance(items[1], ReadError) and "UTF-8" in items[1].message
    assert items[2].reasoning == "y" and items[2].line == 3


def test_stdin_dash():
    data = io.BytesIO(b'{"response": "<think>a</think>b"}\n\n{"response": "c"}\n')
    items = list(read_traces(["-"], stdin=data))
    assert items[0].reasoning == "a" and items[0].answer == "b"
    assert items[0].id == "<stdin>:1" and items[0].source == "-"
    assert items[1].line == 3 and items[1].reasoning == "c" and items[1].answer is None


def test_stdin_error_named_like_stdin_traces():
    items = list(read_traces(["-"], stdin=io.BytesIO(b'{"reasoning": "a"}\nnot json\n')))
    assert items[0].id == "<stdin>:1"
    err = items[1]
    assert isinstance(err, ReadError) and err.id == "<stdin>:2" and err.source == "-"
    assert err.describe().startswith("<stdin>:2: invalid JSON")


def test_streaming_is_lazy(tmp_path):
    p = write_lines(tmp_path / "c.jsonl", [json.dumps({"reasoning": str(i)})
                                           for i in range(1000)])
    it = read_traces([p])
    assert next(it).reasoning == "0"
    assert next(it).reasoning == "1"


def test_input_order_across_files(tmp_path):
    a = write_lines(tmp_path / "a.jsonl", ['{"reasoning": "a1"}', '{"reasoning": "a2"}'])
    b = write_lines(tmp_path / "b.jsonl", ['{"reasoning": "b1"}'])
    assert [t.reasoning for t in read_traces([b, a])] == ["b1", "a1", "a2"]
    assert [t.id for t in read_traces(a)] == ["a.jsonl:1", "a.jsonl:2"]  # a single path


def test_unreadable_inputs_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="nope.jsonl.*no such file"):
        read_traces([str(tmp_path / "nope.jsonl")])   # raised at call time, not lazily
    with pytest.raises(InputError, match="directory"):
        read_traces([str(tmp_path)])
    good = write_lines(tmp_path / "ok.jsonl", ['{"reasoning": "x"}'])
    with pytest.raises(InputError):
        read_traces([good, str(tmp_path / "missing.parquet")])
    with pytest.raises(InputError, match="stdin"):
        read_traces(["-", "-"])
    assert not issubclass(InputError, OSError)
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        locked = tmp_path / "locked.jsonl"
        locked.write_text("{}\n")
        locked.chmod(0)
        with pytest.raises(InputError, match="permission"):
            read_traces([str(locked)])


def test_json_array_streamed_with_line_numbers(tmp_path):
    p = tmp_path / "arr.json"
    p.write_text('[\n  {"reasoning": "a"},\n  {"reasoning": "b",\n   "answer": "2"},\n'
                 '  "oops",\n  {"reasoning": "c"}\n]\n')
    items = list(read_traces([str(p)]))
    assert [getattr(i, "reasoning", None) for i in items] == ["a", "b", None, "c"]
    assert [i.line for i in items] == [2, 3, 5, 6]
    assert isinstance(items[2], ReadError)


def test_json_array_large_elements_cross_chunks(tmp_path, monkeypatch):
    import tracelint.io.jsonl as jl
    monkeypatch.setattr(jl, "_CHUNK", 7)
    recs = [{"reasoning": "é" * (i * 13), "n": i} for i in range(20)]
    p = tmp_path / "big.json"
    p.write_text(json.dumps(recs, ensure_ascii=False, indent=1), encoding="utf-8")
    items = list(read_traces([str(p)]))
    assert [t.extra["n"] for t in items] == list(range(20))
    assert all(t.reasoning == "é" * (t.extra["n"] * 13) or (t.extra["n"] == 0) for t in items)


@pytest.mark.parametrize("chunk", [None, 5])
def test_records_sharing_a_line_get_unique_ids(tmp_path, monkeypatch, chunk):
    """json.dump(records, fh) writes an array on one line: every element started on line 1
    and all got the id 'a.json:1'.  A record that starts where an earlier one ended gets its
    column too; a record alone on its line keeps <file>:<line>.  Samples of such a record
    and the --jobs reader (the same function) follow."""
    import tracelint.io.jsonl as jl
    if chunk:
        monkeypatch.setattr(jl, "_CHUNK", chunk)  # the buffer is cut and re-based many times
    p = tmp_path / "a.json"
    p.write_text('[{"reasoning": "a"}, {"reasoning": "bé"},\n {"reasoning": "c"}, '
                 '{"generations": ["x", "y"]}]\n', encoding="utf-8")
    ids = [t.id for t in read_traces([str(p)])]
    assert ids == ["a.json:1", "a.json:1:22", "a.json:2", "a.json:2:22#0", "a.json:2:22#1"]
    v = tmp_path / "v.json"
    v.write_text('{\n "reasoning": "a"\n}{"reasoning": "b"}\n{"reasoning": "c"}\n')
    assert [t.id for t in read_traces([str(v)])] == ["v.json:1", "v.json:3:2", "v.json:4"]
    own = tmp_path / "own.json"
    own.write_text('[{"id": "q1", "reasoning": "a"}, {"id": "q2", "reasoning": "b"}]')
    assert [t.id for t in read_traces([str(own)])] == ["q1", "q2"]  # ids of their own win
    errs = tmp_path / "e.json"
    errs.write_text('[{"reasoning": "a"}, 5, 6]')
    items = list(read_traces([str(errs)]))
    assert [i.id for i in items] == ["e.json:1", "e.json:1:22", "e.json:1:25"]
    assert isinstance(items[1], ReadError) and items[2].describe().startswith(f"{errs}:1:25: ")


def test_wrapped_list_of_records(tmp_path, monkeypatch):
    """{"data": [...]} (an API export) is its list of records, streamed with their lines;
    the wrapper's other keys are only checked for syntax.  Before, it was one record and
    one error."""
    import tracelint.io.jsonl as jl
    monkeypatch.setattr(jl, "_CHUNK", 64)  # the head is sniffed; later reads are cut up
    p = tmp_path / "w.json"
    p.write_text('{\n  "data": [\n    {"question": "1+1?", "response": "2"},\n'
                 '    {"question": "2+2?", "response": "4"}\n  ],\n  "total": 2, '
                 '"next": null\n}\n')
    items = list(read_traces([str(p)]))
    assert [(t.id, t.reasoning) for t in items] == [("w.json:3", "2"), ("w.json:4", "4")]
    one = tmp_path / "one.json"
    one.write_text('{"rows": [{"reasoning": "a"}, {"reasoning": "b"}]}')
    assert [t.id for t in read_traces([str(one)])] == ["one.json:1", "one.json:1:31"]
    for tail, line in (('}}', 1), ('.5}', 1), (', "n": [1,\n 2}', 2), (', "n": 1', 1)):
        bad = tmp_path / "bad.json"
        bad.write_text('{"records": [{"reasoning": "a"}]' + tail)
        items = list(read_traces([str(bad)]))
        assert items[0].reasoning == "a" and isinstance(items[1], ReadError), tail
        assert "after the list of records" in items[1].message and items[1].line == line
    deep = tmp_path / "deep.json"
    deep.write_text('{"data": [{"reasoning": "a"}], "x": ' + "[" * 5000 + "]" * 5000 + "}")
    items = list(read_traces([str(deep)]))  # a RecursionError inside is an error line
    assert items[0].reasoning == "a" and isinstance(items[1], ReadError) and len(items) == 2
    cut = tmp_path / "cut.json"
    cut.write_text('{"data": [{"reasoning": "a"}, {"reasoning"')
    items = list(read_traces([str(cut)]))
    assert items[0].reasoning == "a" and isinstance(items[1], ReadError) and len(items) == 2
    # one record per line that opens with a list is JSON Lines in a .jsonl file, and in a
    # .json file whose first line is a whole record (Hugging Face's to_json) ...
    for name in ("r.jsonl", "r.json"):
        jl_file = write_lines(tmp_path / name, ['{"data": [{"k": 1}], "reasoning": "x"}'] * 2)
        assert [t.reasoning for t in read_traces([jl_file])] == ["x", "x"]
    # ... a list of numbers is no list of records ...
    rec = tmp_path / "rec.json"
    rec.write_text('{"data": [1, 2], "reasoning": "x"}')
    assert [t.reasoning for t in read_traces([str(rec)])] == ["x"]
    # ... and a chat record is one record wherever it is
    chat = tmp_path / "c.json"
    chat.write_text('{"messages": [{"role": "user", "content": "hi"}, '
                    '{"role": "assistant", "content": "hello"}]}')
    assert [(t.prompt, t.reasoning) for t in read_traces([str(chat)])] == [("hi", "hello")]


def test_records_keyed_by_index(tmp_path):
    """OpenCompass writes predictions as one object {"0": {...}, "1": {...}}: its values are
    the records, streamed with their lines."""
    p = tmp_path / "pred.json"
    p.write_text('{\n  "0": {"origin_prompt": "2+2?", "prediction": "<think>2+2=4</think>4",'
                 ' "gold": "4"},\n  "1": {"origin_prompt": "3+3?", "prediction": "6",'
                 ' "gold": "6"}\n}\n')
    items = list(read_traces([str(p)]))
    assert [(t.id, t.prompt, t.reasoning, t.answer, t.reference) for t in items] == [
        ("pred.json:2", "2+2?", "2+2=4", "4", "4"), ("pred.json:3", "3+3?", "6", None, "6")]
    one_line = tmp_path / "o.json"
    one_line.write_text('{"0": {"prediction": "1"}, "1": {"prediction": "2"}, "2": 7}')
    items = list(read_traces([str(one_line)]))
    assert [i.id for i in items] == ["o.json:1", "o.json:1:33", "o.json:1:59"]
    assert isinstance(items[2], ReadError)
    cut = tmp_path / "cut.json"
    cut.write_text('{"0": {"prediction": "1"}, "1": {"pred')
    items = list(read_traces([str(cut)]))
    assert items[0].reasoning == "1" and isinstance(items[1], ReadError) and len(items) == 2
    # a single record that opens with a "0" key is a record
    single = tmp_path / "single.json"
    single.write_text('{"0": {"a": 1}, "prediction": "x"}')
    assert [t.reasoning for t in read_traces([str(single)])] == ["x"]
    # a JSON Lines file of such records stays JSON Lines
    jl = write_lines(tmp_path / "l.json", ['{"0": {"a": 1}, "reasoning": "x"}'] * 2)
    assert [t.reasoning for t in read_traces([jl])] == ["x", "x"]


def test_large_wrapped_file_with_the_real_chunk_size(tmp_path):
    p = tmp_path / "big.json"
    p.write_text(json.dumps({"data": [{"prompt": "q", "response": "a" * 100}] * 3000}))
    assert p.stat().st_size > 1 << 16
    items = list(read_traces([str(p)]))
    assert len(items) == 3000 and all(not isinstance(i, ReadError) for i in items)


@pytest.mark.parametrize("body", ['[{"reasoning": "a"}, {"reasoning": "b"}]',
                                  '{\n "reasoning": "a"\n}\n{"reasoning": "b"}',
                                  '{"data": [{"reasoning": "a"}, {"reasoning": "b"}]}'])
def test_byte_order_mark_before_a_json_document(tmp_path, body):
    p = tmp_path / "bom.json"
    p.write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert [getattr(t, "reasoning", None) for t in read_traces([str(p)])] == ["a", "b"]


def test_deeply_nested_array_element_is_an_error_line(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text('[{"reasoning": "a"}, {"x": ' + "[" * 5000 + "]" * 5000 + "}]")
    items = list(read_traces([str(p)]))
    assert items[0].reasoning == "a" and isinstance(items[1], ReadError) and len(items) == 2


def test_json_array_truncated(tmp_path):
    p = tmp_path / "t.json"
    p.write_text('[{"reasoning": "a"}, {"reasoning": "b')
    items = list(read_traces([str(p)]))
    assert items[0].reasoning == "a"
    assert isinstance(items[1], ReadError) and len(items) == 2


def test_dot_json_that_is_json_lines(tmp_path):
    p = write_lines(tmp_path / "l.json", ['{"reasoning": "a"}', '{"reasoning": "b"}'])
    assert [t.reasoning for t in read_traces([p])] == ["a", "b"]


def test_gzip(tmp_path):
    p = tmp_path / "z.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write('{"reasoning": "a"}\n{"reasoning": "b"}\n')
    items = list(read_traces([str(p)]))
    assert [t.reasoning for t in items] == ["a", "b"]
    assert items[0].id == "z.jsonl.gz:1"


def _compress(kind: str, data: bytes, path) -> None:
    if kind == "bz2":
        import bz2
        path.write_bytes(bz2.compress(data))
    elif kind == "xz":
        import lzma
        path.write_bytes(lzma.compress(data))
    else:
        import pyarrow as pa
        with pa.output_stream(str(path), compression="zstd") as fh:
            fh.write(data)


@pytest.mark.parametrize("kind", ["bz2", "xz", "zst"])
def test_other_compressions(tmp_path, kind):
    p = tmp_path / f"z.jsonl.{kind}"
    _compress(kind, b'{"reasoning": "a"}\n{"reasoning": "b"}\n', p)
    items = list(read_traces([str(p)]))
    assert [t.reasoning for t in items] == ["a", "b"] and items[0].id == f"z.jsonl.{kind}:1"
    # a .json array inside is still found by its plain name
    q = tmp_path / f"z.json.{kind}"
    _compress(kind, b'[{"reasoning": "a"}, {"reasoning": "b"}]', q)
    assert [t.reasoning for t in read_traces([str(q)])] == ["a", "b"]


@pytest.mark.parametrize("kind", ["bz2", "xz", "zst"])
def test_corrupt_compressed_input_is_an_error_line(tmp_path, kind):
    p = tmp_path / f"bad.jsonl.{kind}"
    p.write_bytes(b"not compressed at all " * 20)
    items = list(read_traces([str(p)]))
    assert len(items) == 1 and isinstance(items[0], ReadError)
    assert "read failed" in items[0].message


def test_format_of():
    assert format_of("x.parquet") == "parquet" and format_of("X.PQ") == "parquet"
    assert format_of("x.arrow") == "arrow" and format_of("x.feather") == "arrow"
    assert format_of("x.jsonl") == format_of("x.json") == format_of("x") == "jsonl"


# ------------------------------------------------------------------------------------------
# Parquet / Arrow


def _table():
    pa = pytest.importorskip("pyarrow")
    return pa.table({
        "question": ["q1", "q2", "q3"],
        "choices": [[{"message": {"content": "<think>r1</think>a1"}}],
                    [{"message": {"content": "<think>r2</think>a2"}}],
                    [{"message": {"content": "<think>r3</think>a3"}}]],
        "tokens": [10, None, 30],
        "meta": [{"k": 1}, {"k": 2}, {"k": 3}],
    })


def test_parquet_batches_and_paths(tmp_path):
    import pyarrow.parquet as pq
    p = str(tmp_path / "t.parquet")
    pq.write_table(_table(), p, row_group_size=2)
    opts = ReaderOptions(field_map={"prompt": "question", "output_tokens": "tokens"},
                         batch_size=2)
    items = list(read_traces([p], opts))
    assert [t.line for t in items] == [1, 2, 3]
    assert [t.id for t in items] == ["t.parquet:1", "t.parquet:2", "t.parquet:3"]
    assert [t.reasoning for t in items] == ["r1", "r2", "r3"]
    assert [t.answer for t in items] == ["a1", "a2", "a3"]
    assert [t.output_tokens for t in items] == [10, None, 30]
    assert items[0].prompt == "q1" and items[0].extra == {"meta": {"k": 1}}


def test_parquet_not_parquet(tmp_path):
    p = tmp_path / "bad.parquet"
    p.write_text("not parquet")
    with pytest.raises(InputError, match="bad.parquet"):
        list(read_traces([str(p)]))


def test_arrow_ipc_file_and_stream(tmp_path):
    import pyarrow as pa
    t = _table()
    for name, writer in (("f.arrow", pa.ipc.new_file), ("s.arrow", pa.ipc.new_stream)):
        p = str(tmp_path / name)
        with pa.OSFile(p, "wb") as sink, writer(sink, t.schema) as w:
            w.write_table(t)
        items = list(read_traces([p], ReaderOptions(field_map={"prompt": "question"})))
        assert [i.prompt for i in items] == ["q1", "q2", "q3"]
        assert items[2].answer == "a3" and items[2].line == 3


# ------------------------------------------------------------------------------------------
# type checks


@pytest.mark.parametrize("value,expected", [
    (140, 140), (140.0, 140), ("140", 140), (" 140 ", 140), ("140.0", 140), (0, 0),
])
def test_int_coercions(value, expected):
    assert one({"reasoning": "x", "output_tokens": value}).output_tokens == expected


@pytest.mark.parametrize("value,msg", [
    ("abc", "expected an integer, got 'abc'"), (140.5, "expected an integer, got 140.5"),
    (True, "expected an integer, got true"), (-3, "non-negative"),
    ([1], "expected an integer, got a list"), (float("nan"), "expected an integer"),
])
def test_int_errors_name_the_field(value, msg):
    e = one({"reasoning": "x", "output_tokens": value})
    assert isinstance(e, ReadError)
    assert e.field == "output_tokens" and msg in e.message
    assert "output_tokens" in e.describe() and "t.jsonl:1" in e.describe()


@pytest.mark.parametrize("value,expected", [
    (True, True), (False, False), (1, True), (0, False), ("true", True), ("False", False),
    ("1", True), ("0", False), (1.0, True),
])
def test_bool_coercions(value, expected):
    assert one({"reasoning": "x", "correct": value}).correct is expected


@pytest.mark.parametrize("value", ["yes", 2, "wrong", {"a": 1}])
def test_bool_errors(value):
    e = one({"reasoning": "x", "correct": value})
    assert isinstance(e, ReadError) and e.field == "correct"


def test_other_types():
    t = one({"reasoning": "x", "workload": "2.5", "reference": 91.0, "answer": 42,
             "task": 7, "sample": "3", "budget": 8192.0})
    assert (t.workload, t.reference, t.answer, t.task, t.sample, t.budget) == \
        (2.5, "91", "42", "7", 3, 8192)
    assert one({"reasoning": "x", "reference": 0.5}).reference == "0.5"
    for rec, field in (({"prompt": 5}, "prompt"), ({"prompt": {"a": 1}}, "prompt"),
                       ({"workload": "inf"}, "workload"), ({"model": ["a", 1]}, "model"),
                       ({"reasoning": 3}, "reasoning"), ({"answer": {"x": 1}}, "answer")):
        e = one(rec)
        assert isinstance(e, ReadError) and e.field == field, rec


def test_extra_kept_untouched():
    nested = {"a": [1, {"b": None}]}
    t = one({"reasoning": "x", "meta": nested, "score": 0.3, "_source_index": 4})
    assert t.extra == {"meta": nested, "score": 0.3, "_source_index": 4}
    assert t.extra["meta"] is nested


def test_mapped_type_error_mentions_path():
    e = one({"usage": {"n": "many"}, "reasoning": "x"},
            field_map={"output_tokens": "usage.n"})
    assert isinstance(e, ReadError) and e.field == "output_tokens"
    assert "'usage.n'" in e.message and "'many'" in e.message


# ------------------------------------------------------------------------------------------
# thinking split


def test_split_think_cases():
    assert split_think("<think>\nA\n</think>\n\nB") == ("A", "B", False)
    assert split_think("<think>A") == ("A", None, True)
    assert split_think("A</think>B") == ("A", "B", False)
    assert split_think("<think>A</think>   ") == ("A", None, False)
    assert split_think("<think></think>B") == ("", "B", False)
    assert split_think("plain") is None
    assert split_think("pre <think>A</think>B") == ("A", "B", False)
    # first delimiter decides; a later stray tag stays in the answer
    assert split_think("A</think>B</think>C") == ("A", "B</think>C", False)
    assert split_think("A</think>B<think>C") == ("A", "B<think>C", False)
    # implicit opening tag
    assert split_think("A", "", "</think>") == ("A", None, True)
    assert split_think("A</think>B", "", "</think>") == ("A", "B", False)
    # custom delimiters (s1.1), with and without a shared first character
    assert split_think("think\nR\nanswer\nX", "think\n", "\nanswer\n") == ("R", "X", False)
    assert split_think("think\nR", "think\n", "\nanswer\n") == ("R", None, True)
    assert split_think("[[A]]B", "[[", "]]") == ("A", "B", False)
    assert split_think("<|begin_of_thought|>A<|end_of_thought|>B", "<|begin_of_thought|>",
                       "<|end_of_thought|>") == ("A", "B", False)


def test_end_of_turn_tokens_are_taken_off_the_answer():
    # dumps decoded without skip_special_tokens end the answer with the template's token
    assert split_think("<think>R</think>\n\nThe answer is 55.<|im_end|>") == \
        ("R", "The answer is 55.", False)
    assert split_think("<think>R</think>\\boxed{7}<|eot_id|>") == ("R", "\\boxed{7}", False)
    assert split_think("<think>R</think>7<\uff5cend\u2581of\u2581sentence\uff5c>") == \
        ("R", "7", False)
    assert split_think("<think>R</think>7</s>\n<eos>") == ("R", "7", False)
    assert split_think("<think>R</think><answer>7</answer><|im_end|>") == ("R", "7", False)
    assert split_think("<think>R</think><|endoftext|>") == ("R", None, False)
    # only at the end, and only whole tokens
    assert split_think("<think>R</think>Use </s> to end.") == ("R", "Use </s> to end.", False)
    assert split_think("<think>R</think>a <b>") == ("R", "a <b>", False)


def test_other_known_delimiters_with_the_defaults():
    # formats of other model families, recognised without --think-open/--think-close
    assert split_think("<|begin_of_thought|>\n\nR\n\n<|end_of_thought|>\n\n"
                       "<|begin_of_solution|>\n\nS\n\n<|end_of_solution|>") == ("R", "S", False)
    assert split_think("\u25c1think\u25b7R\u25c1/think\u25b7A") == ("R", "A", False)
    assert split_think("<seed:think>R</seed:think>A") == ("R", "A", False)
    assert split_think("[THINK]R[/THINK]A") == ("R", "A", False)
    # Cohere Command A Reasoning, with its response block and end-of-turn token
    assert split_think("<|START_THINKING|>R<|END_THINKING|><|START_RESPONSE|>A"
                       "<|END_RESPONSE|><|END_OF_TURN_TOKEN|>") == ("R", "A", False)
    assert split_think("<think>R</think>\n<response>A</response>") == ("R", "A", False)  # Granite 3.3
    # ServiceNow Apriel: its phrase, or only the marker (the phrase was in the prompt)
    assert split_think("Here are my reasoning steps:\nR\n[BEGIN FINAL RESPONSE]\nA\n"
                       "[END FINAL RESPONSE]\n<|end|>") == ("R", "A", False)
    assert split_think("R\n[BEGIN FINAL RESPONSE]\nA") == ("R", "A", False)
    # without its marker a phrase is ordinary text (a chat answer may open with it)
    assert split_think("Here are my reasoning steps:\nR") is None
    assert split_think("the model writes [BEGIN FINAL RESPONSE] first") is None  # mid-line
    # IBM Granite 3.2: only where the output starts with its phrase
    assert split_think(" Here is my thought process:\nR\nHere is my response:\nA") == \
        ("R", "A", False)
    assert split_think("Here is my thought process:\nR") is None
    assert split_think("So. Here is my thought process: R. Here is my response: A") is None
    assert split_think("<thinking>R</thinking>A") == ("R", "A", False)
    assert split_think("<reasoning>R</reasoning>\n<answer>\n7\n</answer>") == ("R", "7", False)
    assert split_think("<think>R</think> <answer>42</answer>") == ("R", "42", False)
    # an opener that starts the text and is never closed: truncated thinking
    assert split_think("  [THINK]R") == ("R", None, True)
    # a stray mention inside an answer is not a thinking block, nor is a closer alone
    assert split_think("Wrap it in <thinking> tags.") is None
    assert split_think("R</thinking>A") is None
    # an answer with more than one wrapped block, or text around it, stays as written
    assert split_think("<think>R</think><answer>1</answer><answer>2</answer>")[1] == \
        "<answer>1</answer><answer>2</answer>"
    assert split_think("<think>R</think>So <answer>1</answer>")[1] == "So <answer>1</answer>"
    # <think> wins over the other families
    assert split_think("<think>R [THINK] x</think>A") == ("R [THINK] x", "A", False)
    # explicit delimiters are used exactly as given
    assert split_think("[THINK]R[/THINK]A", "<think>", "</think>") is not None  # the defaults
    assert split_think("[THINK]R[/THINK]A", "<t>", "</t>") is None


def test_gpt_oss_harmony_channels():
    msg = ("<|channel|>analysis<|message|>We need 2+3.<|end|><|start|>assistant"
           "<|channel|>final<|message|>The answer is 5.<|return|>")
    assert split_think(msg) == ("We need 2+3.", "The answer is 5.", False)
    assert split_think("<|start|>assistant" + msg) == ("We need 2+3.", "The answer is 5.", False)
    # cut off inside the analysis channel: unclosed
    assert split_think("<|channel|>analysis<|message|>We need") == ("We need", None, True)
    # a tool call is neither reasoning nor answer; the analysis ended, so not unclosed
    tool = ("<|channel|>analysis<|message|>Look it up.<|end|><|start|>assistant<|channel|>"
            "commentary to=functions.lookup <|constrain|>json<|message|>{\"q\": 1}<|call|>")
    assert split_think(tool) == ("Look it up.", None, False)
    # two analysis messages are joined
    two = ("<|channel|>analysis<|message|>A<|end|><|start|>assistant<|channel|>analysis"
           "<|message|>B<|end|><|start|>assistant<|channel|>final<|message|>C<|return|>")
    assert split_think(two) == ("A\n\nB", "C", False)
    # decoded with the special tokens skipped
    assert split_think("analysisWe need 2+3.assistantfinalThe answer is 5.") == \
        ("We need 2+3.", "The answer is 5.", False)
    assert split_think("analysis of the data shows a trend") is None


def test_other_delimiters_through_the_reader():
    t = one({"response": "<|begin_of_thought|>\n2+2=4\n<|end_of_thought|>\n"
                         "<|begin_of_solution|>\nThe answer is 4.\n<|end_of_solution|>"})
    assert (t.reasoning, t.answer) == ("2+2=4", "The answer is 4.")
    t = one({"response": "\u25c1think\u25b7still going"})
    assert t.reasoning == "still going" and t.answer is None and t.thinking_unclosed


def test_canonical_text_keys_are_split():
    for key in ("response", "output", "content", "completion", "text", "generation"):
        t = one({key: "<think>2+2=4</think>The answer is 4.", "prompt": "2+2?"})
        assert (t.reasoning, t.answer, t.prompt) == ("2+2=4", "The answer is 4.", "2+2?"), key
        assert key not in t.extra
    t = one({"response": "<think>still going and going"})
    assert t.reasoning == "still going and going" and t.answer is None
    assert t.thinking_unclosed is True
    # no thinking part: the text is the model's visible chain of thought, read by the
    # detectors; the final answer comes from its end (a thinking block whose <think> was in
    # the chat template and that was cut before </think> looks the same)
    t = one({"response": "A plain chat answer."})
    assert t.reasoning == "A plain chat answer." and t.answer is None
    t = one({"response": "Worked: 2+3=5.", "answer": "5"})
    assert (t.reasoning, t.answer) == ("Worked: 2+3=5.", "5")
    assert t.thinking_unclosed is False


def test_canonical_reasoning_and_answer_win():
    t = one({"reasoning": "R", "answer": "A", "response": "<think>x</think>y"})
    assert (t.reasoning, t.answer) == ("R", "A")
    t = one({"reasoning": "R", "response": "final"})
    assert (t.reasoning, t.answer) == ("R", "final")
    # a reasoning field holding tagged text is split too
    t = one({"reasoning": "R1 dump</think>final"})
    assert (t.reasoning, t.answer) == ("R1 dump", "final")


def test_think_options():
    rec = {"model_answer": "Okay, so...\nI conclude 5.\n</think>\n\n**5**"}
    t = one(rec, field_map={"reasoning": "model_answer"}, think_open="")
    assert (t.reasoning, t.answer, t.thinking_unclosed) == \
        ("Okay, so...\nI conclude 5.", "**5**", False)
    t = one({"model_answer": "Okay, so... hmm, wait"},
            field_map={"reasoning": "model_answer"}, think_open="")
    assert (t.reasoning, t.answer, t.thinking_unclosed) == ("Okay, so... hmm, wait", None, True)
    t = one({"model_answer": "think\nLet me see\nanswer\n**5**"},
            field_map={"reasoning": "model_answer"}, think_open="think\n",
            think_close="\nanswer\n")
    assert (t.reasoning, t.answer) == ("Let me see", "**5**")
    with pytest.raises(ValueError):
        ReaderOptions(think_close="")


# ------------------------------------------------------------------------------------------
# JSON-wrapped chain of thought


def test_json_cot_fenced_and_plain():
    fenced = ('```json\n{\n    "reasoning": "16 - 7 = 9. 9 * 2 = 18.",\n'
              '    "answer": "18"\n}\n```')
    assert split_json_cot(fenced) == ("16 - 7 = 9. 9 * 2 = 18.", "18")
    assert split_json_cot('{"thought": "t", "answer": 3}') == ("t", "3")
    assert split_json_cot('{"answer": "B", "rationale": "because"}') == ("because", "B")
    assert split_json_cot("no json here") is None
    assert split_json_cot('He said "reasoning" is overrated.') is None


def test_json_cot_preamble_and_trailing_text_kept():
    text = ("Here's the answer in the requested JSON format:\n\n```json\n"
            '{"reasoning": "3 + 4 = 7", "answer": "7"}\n```\n\nExplanation: add them.')
    r, a = split_json_cot(text)
    assert a == "7"
    assert r == ("Here's the answer in the requested JSON format:\n\n3 + 4 = 7\n\n"
                 "Explanation: add them.")


def test_json_cot_truncated_falls_back_to_text():
    text = '```json\n{\n    "reasoning": "First, 2 + 2 = 4. Then 4 + 4 = 8. Then 8 + 8 = 1'
    assert split_json_cot(text) == (text, None)
    t = one({"output": [text]}, field_map={"reasoning": "output.0"})
    assert t.reasoning == text and t.answer is None and not isinstance(t, ReadError)


def test_json_cot_lenient():
    # raw newlines and LaTeX backslashes inside strings (invalid JSON)
    r, a = split_json_cot('{"reasoning": "We have \\frac{1}{2}\nso $5.", "answer": "5"}')
    assert r == "We have \\frac{1}{2}\nso $5." and a == "5"
    # single-backslash LaTeX stays LaTeX; a real newline escape before a word stays one
    r, a = split_json_cot('{"reasoning": "9 \\times 2 = 18, \\text{so} \\ni\\nu = 1",'
                          ' "answer": "\\frac{1}{2}"}')
    assert r == "9 \\times 2 = 18, \\text{so} \ni\nu = 1" and a == "\\frac{1}{2}"
    # missing comma between members
    assert split_json_cot('{"reasoning": "x = 1"\n "answer": "1"}') == ("x = 1", "1")
    # missing opening brace
    assert split_json_cot('"reasoning": "r",\n"answer": "2"\n}') == ("r", "2")
    # an unescaped quote inside the reasoning (inches): rescued via the answer key
    r, a = split_json_cot('{"reasoning": "The girls are 64" tall, so 4 * 64 = 256.",\n'
                          '"answer": "256"}')
    assert a == "256" and r.startswith("The girls are 64") and r.endswith("256.")


def test_json_cot_through_trace_and_output_target():
    rec = {"output": ['```json\n{"reasoning": "9 * 2 = 18", "answer": "18"}\n```'],
           "answer": "# 18", "generator": "openai/gpt-4o"}
    t = one(rec, field_map={"reasoning": "output.0", "reference": "answer",
                            "model": "generator"})
    assert (t.reasoning, t.answer, t.reference, t.model) == \
        ("9 * 2 = 18", "18", "# 18", "openai/gpt-4o")
    assert t.extra == {}
    t = one({"completion": '{"reasoning": "r", "answer": "a"}'})
    assert (t.reasoning, t.answer) == ("r", "a")
    t = one({"gen": "plain answer"}, field_map={"output": "gen"})
    assert (t.reasoning, t.answer) == ("plain answer", None)
    t = one({"gen": "<think>r</think>a"}, field_map={"output": "gen"})
    assert (t.reasoning, t.answer) == ("r", "a")


# ------------------------------------------------------------------------------------------
# schema detection: API formats


OPENAI = {
    "id": "chatcmpl-AbC123", "object": "chat.completion", "created": 1737000000,
    "model": "deepseek-reasoner", "system_fingerprint": "fp_1",
    "choices": [{"index": 0, "message": {
        "role": "assistant", "content": "The answer is 18.",
        "reasoning_content": "16 - 3 - 4 = 9 eggs; 9 * 2 = 18."},
        "logprobs": None, "finish_reason": "length"}],
    "usage": {"prompt_tokens": 57, "completion_tokens": 812, "total_tokens": 869,
              "completion_tokens_details": {"reasoning_tokens": 790}},
}


def test_openai_chat_completion():
    t = one(OPENAI)
    assert t.id == "chatcmpl-AbC123"
    assert t.reasoning == "16 - 3 - 4 = 9 eggs; 9 * 2 = 18."
    assert t.answer == "The answer is 18."
    assert (t.model, t.finish_reason) == ("deepseek-reasoner", "length")
    assert (t.output_tokens, t.input_tokens, t.reasoning_tokens) == (812, 57, 790)
    assert t.extra == {"object": "chat.completion", "created": 1737000000,
                       "system_fingerprint": "fp_1"}


def test_openai_reasoning_field_and_think_in_content():
    rec = json.loads(json.dumps(OPENAI))
    msg = rec["choices"][0]["message"]
    del msg["reasoning_content"]
    msg["reasoning"] = "via openrouter"
    assert one(rec).reasoning == "via openrouter"
    del msg["reasoning"]
    msg["content"] = "<think>\ntagged\n</think>\n\n18"
    rec["choices"][0]["finish_reason"] = "stop"
    t = one(rec)
    assert (t.reasoning, t.answer, t.finish_reason) == ("tagged", "18", "stop")


def test_request_response_wrapper_openai():
    rec = {"request": {"model": "o3-mini", "max_completion_tokens": 4096, "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+2?"}]},
        "response": OPENAI, "task": "gsm8k/17"}
    t = one(rec)
    assert t.prompt == "What is 2+2?" and t.budget == 4096
    assert t.answer == "The answer is 18." and t.output_tokens == 812
    assert t.model == "deepseek-reasoner" and t.task == "gsm8k/17"
    assert t.extra == {}


ANTHROPIC = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
    "model": "claude-3-7-sonnet-20250219",
    "content": [
        {"type": "thinking", "thinking": "Let me add: 48/2 = 24.", "signature": "EqQB..."},
        {"type": "redacted_thinking", "data": "xyz"},
        {"type": "text", "text": "24 clips."}],
    "stop_reason": "max_tokens", "stop_sequence": None,
    "usage": {"input_tokens": 41, "output_tokens": 1024},
}


def test_anthropic_message():
    t = one(ANTHROPIC)
    assert (t.reasoning, t.answer) == ("Let me add: 48/2 = 24.", "24 clips.")
    assert t.finish_reason == "length"
    assert (t.output_tokens, t.input_tokens, t.reasoning_tokens) == (1024, 41, None)
    assert t.model == "claude-3-7-sonnet-20250219"
    assert t.extra == {"type": "message", "role": "assistant", "stop_sequence": None}
    rec = dict(ANTHROPIC, stop_reason="end_turn")
    assert one(rec).finish_reason == "stop"


def test_anthropic_wrapped():
    rec = {"request": {"model": "claude", "max_tokens": 16000, "thinking": {
        "type": "enabled", "budget_tokens": 10000},
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Q?"}]}]},
        "response": ANTHROPIC}
    t = one(rec)
    assert t.prompt == "Q?" and t.budget == 16000 and t.answer == "24 clips."


def test_openai_responses_api():
    rec = {"id": "resp_1", "object": "response", "status": "incomplete",
           "incomplete_details": {"reason": "max_output_tokens"}, "model": "o4-mini",
           "output": [{"type": "reasoning", "id": "rs_1",
                       "summary": [{"type": "summary_text", "text": "Summed it."}]},
                      {"type": "message", "role": "assistant",
                       "content": [{"type": "output_text", "text": "42"}]}],
           "usage": {"input_tokens": 10, "output_tokens": 500,
                     "output_tokens_details": {"reasoning_tokens": 480}}}
    t = one(rec)
    assert (t.reasoning, t.answer, t.finish_reason) == ("Summed it.", "42", "length")
    assert (t.output_tokens, t.reasoning_tokens, t.input_tokens) == (500, 480, 10)


def test_gemini_generate_content():
    rec = {"candidates": [{"content": {"role": "model", "parts": [
        {"text": "thinking...", "thought": True}, {"text": "Answer: 7"}]},
        "finishReason": "MAX_TOKENS"}],
        "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 20,
                          "thoughtsTokenCount": 300},
        "modelVersion": "gemini-2.5-flash"}
    t = one(rec)
    assert (t.reasoning, t.answer, t.finish_reason) == ("thinking...", "Answer: 7", "length")
    assert (t.output_tokens, t.reasoning_tokens, t.input_tokens) == (320, 300, 9)
    assert t.model == "gemini-2.5-flash"


def test_bedrock_converse():
    rec = {"output": {"message": {"role": "assistant", "content": [
        {"reasoningContent": {"reasoningText": {"text": "2+2=4", "signature": "s"}}},
        {"text": "The answer is 4."}]}},
        "stopReason": "max_tokens", "usage": {"inputTokens": 5, "outputTokens": 100,
                                              "totalTokens": 105}, "metrics": {"latencyMs": 9}}
    t = one(rec)
    assert (t.reasoning, t.answer, t.finish_reason) == ("2+2=4", "The answer is 4.", "length")
    assert (t.output_tokens, t.input_tokens) == (100, 5)
    assert t.extra == {"metrics": {"latencyMs": 9}}


def test_ollama_chat_and_generate():
    chat = {"model": "qwen3:8b", "created_at": "2025-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": "The answer is 4.", "thinking": "2+2=4"},
            "done": True, "done_reason": "length", "eval_count": 812, "prompt_eval_count": 20}
    t = one(chat)
    assert (t.reasoning, t.answer, t.finish_reason) == ("2+2=4", "The answer is 4.", "length")
    assert (t.output_tokens, t.input_tokens, t.model) == (812, 20, "qwen3:8b")
    assert t.extra == {"created_at": "2025-01-01T00:00:00Z", "done": True}
    gen = {"model": "deepseek-r1", "response": "The answer is 4.", "thinking": "2+2=4",
           "done": True, "done_reason": "stop", "eval_count": 30}
    t = one(gen)
    assert (t.reasoning, t.answer, t.finish_reason, t.output_tokens) == \
        ("2+2=4", "The answer is 4.", "stop", 30)
    # thinking left in the text (older Ollama): split at <think>
    t = one({"model": "deepseek-r1", "response": "<think>2+2=4</think>The answer is 4.",
             "done_reason": "stop"})
    assert (t.reasoning, t.answer, t.finish_reason) == ("2+2=4", "The answer is 4.", "stop")
    # a "message" that is not an Ollama response stays a pass-through field
    t = one({"message": "hello", "response": "x"})
    assert t.reasoning == "x" and t.extra == {"message": "hello"}


@pytest.mark.parametrize("rec, want", [
    # distilabel: model_name
    ({"instruction": "2+2?", "generation": "<think>2+2=4</think>4", "model_name": "r1"},
     ("2+2?", "2+2=4", "4", "r1")),
    # GeneralThought: model_reasoning beside model_answer
    ({"question": "2+2?", "model_reasoning": "2+2=4", "model_answer": "4", "model_name": "r1",
      "reference_answer": "4"}, ("2+2?", "2+2=4", "4", "r1")),
    # Llama-Nemotron post-training: "reasoning": "on" is a mode, input a message list
    ({"input": [{"role": "user", "content": "2+2?"}], "output": "<think>2+2=4</think>4",
      "generator": "DeepSeek-R1", "reasoning": "on"}, ("2+2?", "2+2=4", "4", "DeepSeek-R1")),
    # OpenMathReasoning: generated_solution, generation_model
    ({"problem": "2+2?", "generated_solution": "<think>2+2=4</think>\\boxed{4}",
      "generation_model": "QwQ-32B", "expected_answer": "4"},
     ("2+2?", "2+2=4", "\\boxed{4}", "QwQ-32B")),
    # OpenThoughts (metadata): a reasoning and a solution named after their model
    ({"problem": "2+2?", "deepseek_reasoning": "So 2+2=4", "deepseek_solution": "So 4.",
      "ground_truth_solution": "4", "domain": "math"}, ("2+2?", "So 2+2=4", "So 4.", None)),
    ({"prompt": "2+2?", "r1_thinking": "So 2+2=4", "r1_response": "4"},
     ("2+2?", "So 2+2=4", "4", None)),
    # SYNTHETIC-1: llm_response
    ({"prompt": "2+2?", "llm_response": "<think>2+2=4</think>4",
      "gold_standard_solution": "4"}, ("2+2?", "2+2=4", "4", None)),
    # s1K: thinking_trajectories (a list of strings)
    ({"question": "2+2?", "thinking_trajectories": ["2+2=4"], "solution": "4"},
     ("2+2?", "2+2=4", None, None)),
])
def test_reasoning_dataset_layouts(rec, want):
    t = one(rec)
    assert (t.prompt, t.reasoning, t.answer, t.model) == want


def test_new_layouts_leave_other_records_as_they_were():
    """What review found the new layouts misread; each was read so before them."""
    import datetime
    # a prediction beside sampled outputs: the samples are read
    items = list(iter_records([{"problem": "2+2?", "responses": ["so 4", "so 5", "so 4"],
                                "prediction": "4", "answer": "4"}], ReaderOptions(),
                              source="t.jsonl"))
    assert [t.reasoning for t in items] == ["so 4", "so 5", "so 4"]
    # a gold or teacher reasoning is not the model's
    t = one({"question": "q", "model_output": "model steps. The answer is 5",
             "gold_reasoning": "gold steps here", "gold_answer": "5"})
    assert t.reasoning == "model steps. The answer is 5" and "gold_reasoning" in t.extra
    t = one({"question": "q", "answer": "42", "teacher_cot": "teacher steps here"})
    assert t.reasoning is None and "teacher_cot" in t.extra
    # a one-word reasoning is a reasoning; only on/off beside an output is a mode
    assert one({"prompt": "Is 7 prime?", "reasoning": "Yes", "answer": "Yes"}).reasoning == "Yes"
    assert one({"prompt": "p", "reasoning": "on"}).reasoning == "on"
    # a setting named like a reasoning is not one
    t = one({"prompt": "p", "use_reasoning": "on", "response": "4"})
    assert t.reasoning == "4" and t.extra == {"use_reasoning": "on"}
    # engine fields of the wrong type are passed through, the record read
    for rec in ({"text": "foo", "details": {"finish_reason": {"type": "length"}}},
                {"text": "foo", "details": {"finish_reason": "length",
                                            "generated_tokens": "many"}},
                {"text": "foo", "meta_info": {"completion_tokens": -1}},
                {"text": "foo", "tokens_predicted": {"a": 1}},
                {"text": "foo", "usage": {"tokens": {"output_tokens": "x"}}}):
        t = one(rec)
        assert t.reasoning == "foo" and t.output_tokens is None, rec
    t = one({"text": "foo", "tokens_predicted": None, "stopped_limit": "yes"})
    assert t.extra == {"tokens_predicted": None, "stopped_limit": "yes"}
    # a top-level message is an output only as an assistant's with a finish_reason (Cohere)
    t = one({"reasoning": "r", "message": {"content": "status ok"}})
    assert t.answer is None and "message" in t.extra
    assert isinstance(one({"message": {"role": "assistant", "content": "x"}, "done": False}),
                      ReadError)
    # no API error, no API error message
    for rec in ({"error": False, "foo": 1}, {"error": {"code": None, "at":
                                                       datetime.datetime(2025, 1, 1)},
                                             "prompt": "p"}):
        e = one(rec)
        assert isinstance(e, ReadError) and e.message.startswith("no reasoning"), rec
    e = one({"enable_thinking": True, "use_cot": False, "foo": 1})
    assert "several models" not in e.message
    # a message-list prompt wins over a request's prompt, as before
    t = one({"prompt": [{"role": "user", "content": "B"}], "request": {"prompt": "A"},
             "response": "r"})
    assert t.prompt == "B"
    # keys that are not strings (from Python records) are no field names
    assert one({("a",): "v", "answer": "a"}).answer == "a"


def test_several_models_reasoning_in_one_record_is_left_to_field_maps():
    rec = {"question": "2+2?", "gemini_thinking_trajectory": "g says 4", "gemini_attempt": "4",
           "deepseek_thinking_trajectory": "d says 4", "deepseek_attempt": "4"}
    err = one(rec)
    assert isinstance(err, ReadError) and "several models" in err.message
    assert "gemini_thinking_trajectory, deepseek_thinking_trajectory" in err.message
    t = one(rec, field_map={"reasoning": "deepseek_thinking_trajectory",
                            "answer": "deepseek_attempt"})
    assert (t.reasoning, t.answer) == ("d says 4", "4")


def _swe_traj(steps, status, submission):
    return {"environment": "swe_main", "trajectory": steps,
            "history": [{"role": "system", "content": "You are an agent."},
                        {"role": "user", "content": [{"type": "text", "text": "Fix #12"}]}],
            "info": {"exit_status": status, "submission": submission,
                     "model_stats": {"instance_cost": 1.5, "tokens_sent": 90000,
                                     "tokens_received": 4000, "api_calls": len(steps)}}}


def test_swe_agent_trajectory(tmp_path):
    """A SWE-agent .traj (one pretty-printed object, also found in a directory): the steps'
    thoughts and actions are the reasoning, observations left out; the patch is the answer;
    an exit for cost is a cut at the budget."""
    from tracelint import analyze
    stuck = [{"thought": f"Let me open the file again (step {k}).", "action": "open a.py 10\n",
              "observation": "[800 lines]", "response": "r"} for k in range(30)]
    d = tmp_path / "run" / "i1"
    d.mkdir(parents=True)
    (d / "i1.traj").write_text(json.dumps(_swe_traj(stuck, "exit_cost", None), indent=2))
    work = [{"thought": f"Now I {verb}.", "action": act, "observation": "ok"} for verb, act in
            [("look at the tree", "ls -F"), ("search for the bug", "search_dir fields"),
             ("open the file", "open src/fields.py 1474"),
             ("fix the comparison", "edit 1474:1474\n    return value >= 0\nend_of_edit"),
             ("run the reproduction", "python reproduce.py"), ("submit", "submit")]]
    (tmp_path / "run" / "i2.traj").write_text(json.dumps(_swe_traj(work, "submitted",
                                                                   "diff --git a b")))
    a, b = list(read_traces(sorted(str(p) for p in (tmp_path / "run").rglob("*.traj"))))
    assert (a.id, a.prompt, a.finish_reason, a.output_tokens, a.input_tokens, a.answer) == \
        ("i1.traj:1", "Fix #12", "length", 4000, 90000, None)
    assert a.reasoning.startswith("Let me open the file again (step 0).\n[tool call] open a.py")
    assert "[800 lines]" not in a.reasoning
    assert analyze(a).label == "degenerate-looping"
    assert (b.finish_reason, b.answer) == ("stop", "diff --git a b")
    assert analyze(b).label != "degenerate-looping"


def test_a_trajectory_key_is_not_always_swe_agent():
    """Beside another output, samples or reasoning, or without SWE-agent's info / history,
    a "trajectory" is the record's own field (read before as it is now)."""
    steps = [{"action": "ls", "thought": "look"}]
    for extra, want in (({"generations": ["g1", "g2"]}, None), ({"cot": "my cot"}, "my cot"),
                        ({"model_output": "out"}, "out"), ({"steps": ["s1", "s2"]}, "s1\ns2")):
        rec = dict({"question": "q", "trajectory": steps, "info": {}}, **extra)
        got = list(iter_records([rec], ReaderOptions(), source="t.jsonl"))
        if want is None:
            assert [t.reasoning for t in got] == ["g1", "g2"]
        else:
            assert got[0].reasoning == want, extra
    t = one({"question": "q", "answer": "4", "trajectory": steps})
    assert t.reasoning is None and "trajectory" in t.extra
    # SWE-agent's demonstration is not the instance's issue; a web agent's step reasoning
    t = one({"trajectory": [{"action": "click(3)", "reasoning": "the link is 3"}], "history": [
        {"role": "user", "content": "DEMONSTRATION ...", "is_demo": True},
        {"role": "user", "content": "Fix #12"}]})
    assert (t.prompt, t.reasoning) == ("Fix #12", "the link is 3\n[tool call] click(3)")


def test_eval_harness_and_sglang_outputs():
    # lm-evaluation-harness --log_samples
    t = one({"doc_id": 0, "doc": {"question": "2+2?"}, "target": "4",
             "arguments": {"gen_args_0": {"arg_0": "Q: 2+2?\nA:",
                                          "arg_1": {"max_gen_toks": 2048}}},
             "resps": [["<think>2+2=4</think>The answer is 4."]], "filtered_resps": ["4"]})
    assert (t.prompt, t.reasoning, t.answer, t.reference, t.budget, t.id) == \
        ("Q: 2+2?\nA:", "2+2=4", "The answer is 4.", "4", 2048, "t.jsonl:1")
    assert set(t.extra) == {"doc_id", "doc", "filtered_resps"}
    # SGLang /generate
    t = one({"text": "<think>2+2=4 and", "meta_info": {
        "finish_reason": {"type": "length", "length": 2048}, "completion_tokens": 2048,
        "prompt_tokens": 10}})
    assert (t.reasoning, t.finish_reason, t.output_tokens, t.input_tokens) == \
        ("2+2=4 and", "length", 2048, 10)


def test_batch_api_results():
    """The output files of batch APIs, where synthetic data is generated at scale: each line
    a result around a chat completion / message; a failed request is an error line that
    says why."""
    chat = {"choices": [{"finish_reason": "length", "message": {
        "role": "assistant", "content": "<think>2+2=4</think>4"}}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4000}, "model": "o3-mini"}
    t = one({"id": "batch_req_1", "custom_id": "task-7",
             "response": {"status_code": 200, "request_id": "r", "body": chat}, "error": None})
    assert (t.id, t.reasoning, t.answer, t.finish_reason, t.output_tokens, t.model) == \
        ("batch_req_1", "2+2=4", "4", "length", 4000, "o3-mini")
    assert t.extra == {"custom_id": "task-7", "error": None}
    failed = one({"id": "batch_req_2", "custom_id": "task-8", "response": None,
                  "error": {"code": "server_error", "message": "boom"}})
    assert isinstance(failed, ReadError) and failed.message == \
        "the request failed: server_error: boom"
    status = one({"custom_id": "t", "response": {"status_code": 429, "body": {
        "error": {"type": "rate_limit", "message": "slow down"}}}})
    assert status.message == "the request failed: rate_limit: slow down"
    anth = {"type": "message", "role": "assistant", "content": [
        {"type": "thinking", "thinking": "2+2=4"}, {"type": "text", "text": "4"}],
        "stop_reason": "max_tokens", "usage": {"input_tokens": 5, "output_tokens": 1024}}
    t = one({"custom_id": "task-9", "result": {"type": "succeeded", "message": anth}})
    assert (t.id, t.reasoning, t.answer, t.finish_reason, t.output_tokens) == \
        ("task-9", "2+2=4", "4", "length", 1024)
    err = one({"custom_id": "task-10", "result": {"type": "errored", "error": {
        "type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}}})
    assert err.message == "the request failed: overloaded_error: Overloaded"
    assert one({"custom_id": "x", "result": {"type": "expired"}}).message == \
        "the request failed: expired"
    bed = one({"recordId": "r1", "modelInput": {
        "messages": [{"role": "user", "content": [{"text": "2+2?"}]}], "max_tokens": 512},
        "modelOutput": {"output": {"message": {"role": "assistant", "content": [
            {"reasoningContent": {"reasoningText": {"text": "2+2=4"}}}, {"text": "4"}]}},
            "stopReason": "end_turn", "usage": {"inputTokens": 3, "outputTokens": 9}}})
    assert (bed.id, bed.prompt, bed.reasoning, bed.answer, bed.finish_reason, bed.budget) == \
        ("r1", "2+2?", "2+2=4", "4", "stop", 512)


def test_cohere_v2_chat():
    rec = {"id": "c1", "finish_reason": "MAX_TOKENS",
           "message": {"role": "assistant", "content": [
               {"type": "thinking", "thinking": "2+2=4, so"}, {"type": "text", "text": "4"}]},
           "usage": {"billed_units": {"input_tokens": 8, "output_tokens": 40},
                     "tokens": {"input_tokens": 20, "output_tokens": 60}}}
    t = one(rec)
    assert (t.reasoning, t.answer, t.finish_reason, t.id) == ("2+2=4, so", "4", "length", "c1")
    assert (t.output_tokens, t.input_tokens) == (60, 20)  # tokens, not billed units
    assert one({"finish_reason": "COMPLETE", "message": {"role": "assistant", "content": [
        {"type": "text", "text": "4"}]}}).finish_reason == "stop"
    # a user message alone is no output
    assert isinstance(one({"message": {"role": "user", "content": "hi"}}), ReadError)


def test_mistral_thinking_chunks():
    rec = {"model": "magistral-medium-2509", "choices": [{"finish_reason": "stop", "message": {
        "role": "assistant", "content": [
            {"type": "thinking", "thinking": [{"type": "text", "text": "2+2=4."}]},
            {"type": "text", "text": "The answer is 4."}]}}]}
    t = one(rec)
    assert (t.reasoning, t.answer, t.finish_reason) == ("2+2=4.", "The answer is 4.", "stop")


def test_dashscope_tgi_and_llama_cpp_responses():
    qwen = {"output": {"choices": [{"finish_reason": "length", "message": {
        "role": "assistant", "reasoning_content": "2+2=4 and", "content": ""}}]},
        "usage": {"input_tokens": 9, "output_tokens": 100}, "request_id": "r1"}
    t = one(qwen)
    assert (t.reasoning, t.finish_reason, t.output_tokens, t.input_tokens) == \
        ("2+2=4 and", "length", 100, 9)
    assert t.extra == {"request_id": "r1"}
    old = one({"output": {"text": "<think>2+2=4</think>4", "finish_reason": "stop"}})
    assert (old.reasoning, old.answer, old.finish_reason) == ("2+2=4", "4", "stop")
    tgi = one({"generated_text": "<think>2+2=4</think>4",
               "details": {"finish_reason": "length", "generated_tokens": 512, "seed": None}})
    assert (tgi.reasoning, tgi.answer, tgi.finish_reason, tgi.output_tokens) == \
        ("2+2=4", "4", "length", 512)
    eos = one({"generated_text": "4", "details": {"finish_reason": "eos_token",
                                                  "generated_tokens": 3}})
    assert eos.finish_reason == "stop"
    cpp = one({"content": "<think>2+2=4 and", "stop": True, "stopped_limit": True,
               "stopped_eos": False, "tokens_predicted": 512, "tokens_evaluated": 30})
    assert (cpp.reasoning, cpp.finish_reason, cpp.output_tokens, cpp.input_tokens) == \
        ("2+2=4 and", "length", 512, 30)
    assert cpp.extra == {"stop": True}
    done = one({"content": "4", "stopped_limit": False, "stopped_eos": True,
                "tokens_predicted": 3})
    assert (done.finish_reason, done.output_tokens) == ("stop", 3)


# ------------------------------------------------------------------------------------------
# schema detection: conversations


def test_messages_list():
    rec = {"messages": [
        {"role": "system", "content": "You are a math tutor."},
        {"role": "user", "content": "What is 3+4?"},
        {"role": "assistant", "content": "7"},
        {"role": "user", "content": "And 48/2?"},
        {"role": "assistant", "content": "24", "reasoning_content": "48/2 = 24"}],
        "model": "qwq-32b"}
    t = one(rec)
    assert (t.prompt, t.reasoning, t.answer, t.model) == ("And 48/2?", "48/2 = 24", "24",
                                                          "qwq-32b")
    assert t.extra == {}


def test_messages_final_assistant_with_think_tags_and_trailing_user():
    rec = {"messages": [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "<think>r</think>A1"},
        {"role": "user", "content": "follow-up never answered"}]}
    t = one(rec)
    assert (t.prompt, t.reasoning, t.answer) == ("Q1", "r", "A1")
    # no assistant turn: nothing the model wrote, so not a trace (it used to be analysed
    # as an empty one and labelled concise)
    rec = {"messages": [{"role": "user", "content": "only a question"}]}
    t = one(rec)
    assert isinstance(t, ReadError) and "no reasoning or response text" in t.message
    assert "'messages'" in t.message


def test_messages_thinking_field_and_content_parts():
    rec = {"messages": [
        {"role": "user", "content": [{"type": "text", "text": "Part A."},
                                     {"type": "text", "text": "Part B."}]},
        {"role": "assistant", "thinking": "hmm", "content": "done"}]}
    t = one(rec)
    assert (t.prompt, t.reasoning, t.answer) == ("Part A.\n\nPart B.", "hmm", "done")


def test_sharegpt_and_trl_formats():
    rec = {"conversations": [{"from": "system", "value": "sys"},
                             {"from": "human", "value": "Q"},
                             {"from": "gpt", "value": "<think>r</think>a"}]}
    t = one(rec)
    assert (t.prompt, t.reasoning, t.answer) == ("Q", "r", "a")
    rec = {"prompt": [{"role": "user", "content": "Q2"}],
           "completion": [{"role": "assistant", "content": "<think>r2</think>a2"}]}
    t = one(rec)
    assert (t.prompt, t.reasoning, t.answer) == ("Q2", "r2", "a2")
    assert t.extra == {}


@pytest.mark.parametrize("raw,norm", [
    ("length", "length"), ("max_tokens", "length"), ("max_output_tokens", "length"),
    ("MAX_TOKENS", "length"), ("stop", "stop"), ("end_turn", "stop"),
    ("stop_sequence", "stop"), ("STOP", "stop"), ("content_filter", "content_filter"),
    ("tool_calls", "tool_calls"), ("model_length", "length"),
    ("model_context_window_exceeded", "length"), (None, None),
])
def test_finish_reason_normalised(raw, norm):
    assert normalize_finish_reason(raw) == norm
    if raw is not None:
        assert one({"reasoning": "x", "finish_reason": raw}).finish_reason == norm


# ------------------------------------------------------------------------------------------
# field maps


def test_parse_path():
    assert parse_path("a.b") == (("a", None), ("b", None))
    assert parse_path("choices.0.message.content")[1] == ("0", 0)
    assert parse_path("messages.-1.content")[1] == ("-1", -1)
    assert parse_path(r"a\.b.c") == (("a.b", None), ("c", None))
    assert parse_path(r"a\\b") == (("a\\b", None),)
    assert parse_path(r"x.\0") == (("x", None), ("0", None))  # escaped: never an index
    assert parse_path("deepseek-reasoner (question)") == \
        (("deepseek-reasoner (question)", None),)
    for bad in ("", "a..b", ".a", "a.", "a\\"):
        with pytest.raises(FieldSpecError):
            parse_path(bad)


def test_get_path():
    rec = {"choices": [{"message": {"content": "hi"}}], "d": {"0": "zero"},
           "a.b": 1, "n": None, "s": "str"}
    assert get_path(rec, parse_path("choices.0.message.content")) == "hi"
    assert get_path(rec, parse_path("choices.-1.message.content")) == "hi"
    assert get_path(rec, parse_path("d.0")) == "zero"
    assert get_path(rec, parse_path(r"a\.b")) == 1
    for missing in ("choices.3.message", "choices.x", "nope.a", "n.a", "s.0", "d.1"):
        assert get_path(rec, parse_path(missing)) is None


def test_parse_field_spec():
    assert parse_field_spec("reasoning=model_answer") == ("reasoning", "model_answer")
    assert parse_field_spec(" prompt =a=b") == ("prompt", "a=b")
    assert parse_field_spec("reasoning=deepseek-reasoner (question)") == \
        ("reasoning", "deepseek-reasoner (question)")
    assert parse_field_spec("output=output.0") == ("output", "output.0")
    for bad, msg in (("reasoning", "expected FIELD="), ("=x", "empty"),
                     ("reasonin=x", "unknown field 'reasonin'"), ("prompt=", "empty"),
                     ("prompt=a..b", "empty segment")):
        with pytest.raises(FieldSpecError, match=msg):
            parse_field_spec(bad)
    assert parse_set_spec("model=DeepSeek-R1") == ("model", "DeepSeek-R1")
    with pytest.raises(FieldSpecError):
        parse_set_spec("output=x")  # output is not a canonical field


def test_field_map_behaviour():
    rec = {"question": "Q", "steps": ["Step 1: a", "Step 2: b"], "answer": "# 5",
           "meta": {"tok": "12"}, "prompt": "ignored: prompt is mapped"}
    opts = dict(field_map={"prompt": "question", "reasoning": "steps", "reference": "answer",
                           "output_tokens": "meta.tok", "budget": "meta.missing"})
    t = one(rec, **opts)
    assert t.prompt == "Q" and t.reasoning == "Step 1: a\nStep 2: b"
    assert t.reference == "# 5"
    assert t.answer is None        # 'answer' was consumed by the reference map
    assert t.output_tokens == 12 and t.budget is None
    assert t.extra == {"prompt": "ignored: prompt is mapped"}
    # a mapped path missing in the record: None, not filled from the canonical key
    t = one({"prompt": "P", "reasoning": "x"}, field_map={"prompt": "question"})
    assert t.prompt is None


def test_dataset_names_of_question_and_reference():
    t = one({"question": "What is 2+2?", "response": "<think>2+2=4</think>4", "gold": "4"})
    assert (t.prompt, t.reference, t.answer, t.extra) == ("What is 2+2?", "4", "4", {})
    t = one({"problem": "P", "generation": "x", "expected_answer": 7})
    assert (t.prompt, t.reference) == ("P", "7")
    # a canonical field, a detected one or a field map wins, and the name then stays extra
    t = one({"prompt": "A", "question": "B", "reasoning": "x"})
    assert t.prompt == "A" and t.extra == {"question": "B"}
    t = one({"messages": [{"role": "user", "content": "M"}, {"role": "assistant",
                                                              "content": "x"}],
             "question": "B"})
    assert t.prompt == "M" and t.extra == {"question": "B"}
    t = one({"insufficient_question": "Q1", "question": "Q2", "reasoning": "x"},
            field_map={"prompt": "insufficient_question"})
    assert t.prompt == "Q1" and t.extra == {"question": "Q2"}
    # the model's own "answer" is never taken for the reference
    t = one({"question": "Q", "reasoning": "x", "answer": "5"})
    assert (t.answer, t.reference) == ("5", None)
    # a structured value is not a question
    t = one({"question": {"text": "Q"}, "reasoning": "x"})
    assert t.prompt is None and "question" in t.extra
    # ProcessBench-style records: steps, generator
    rec = {"id": "gsm8k-0", "generator": "Qwen2-7B", "problem": "P",
           "steps": ["Step 1: 3 + 4 = 7.", "Step 2: 7 * 2 = 15."], "label": 1}
    t = one(rec)
    assert (t.reasoning, t.prompt, t.model, t.id) == (
        "Step 1: 3 + 4 = 7.\nStep 2: 7 * 2 = 15.", "P", "Qwen2-7B", "gsm8k-0")
    assert t.extra == {"label": 1}
    # steps are not read over an output text, nor when they are not all strings
    t = one({"response": "R", "steps": ["a", "b"]})
    assert t.reasoning == "R" and t.answer is None and t.extra == {"steps": ["a", "b"]}
    t = one({"steps": [{"text": "a"}]})
    assert isinstance(t, ReadError) and "'steps'" in t.message


def test_unescaped_dotted_key_falls_back_to_whole_key():
    rec = {"gpt-3.5-turbo (question)": "text", "level": "Q"}
    t = one(rec, field_map={"reasoning": "gpt-3.5-turbo (question)"})
    assert t.reasoning == "text" and t.extra == {"level": "Q"}
    t = one(rec, field_map={"reasoning": r"gpt-3\.5-turbo (question)"})
    assert t.reasoning == "text"


def test_constants():
    t = one({"reasoning": "x", "model": "from-record"},
            constants={"model": "DeepSeek-R1", "budget": "8192", "correct": "true"})
    assert (t.model, t.budget, t.correct) == ("DeepSeek-R1", 8192, True)
    with pytest.raises(FieldSpecError, match="budget"):
        ReaderOptions(constants={"budget": "lots"})
    with pytest.raises(ValueError, match="unknown field"):
        ReaderOptions(constants={"modle": "x"})
    with pytest.raises(InputError):               # the CLI maps InputError to exit 2
        ReaderOptions(field_map={"reasoning": "a..b"})
    with pytest.raises(FieldSpecError, match="unknown field"):
        ReaderOptions(field_map={"thinking": "x"})


def test_field_map_key_list():
    t = one({"a.b": {"c": "v"}}, field_map={"reasoning": ["a.b", "c"]})
    assert t.reasoning == "v"


# ------------------------------------------------------------------------------------------
# writers


def test_write_jsonl_line_exact_bytes():
    buf = io.BytesIO()
    write_jsonl_line(buf, {"z": 1, "a": "é→", "n": float("nan"), "l": [float("inf"), 1.5],
                           "d": {"x": -float("inf")}})
    assert buf.getvalue() == '{"z":1,"a":"é→","n":null,"l":[null,1.5],"d":{"x":null}}\n' \
        .encode("utf-8")
    s = io.StringIO()
    write_jsonl_line(s, {"b": True, "a": None})
    assert s.getvalue() == '{"b":true,"a":null}\n'


def test_write_jsonl_line_numpy_sets_surrogates():
    np = pytest.importorskip("numpy")
    buf = io.BytesIO()
    write_jsonl_line(buf, {"i": np.int64(3), "f": np.float32(0.5), "a": np.arange(2),
                           "nan": np.float64("nan"), "s": {"b", "a"}})
    assert buf.getvalue() == b'{"i":3,"f":0.5,"a":[0,1],"nan":null,"s":["a","b"]}\n'
    buf = io.BytesIO()
    write_jsonl_line(buf, {"t": "bad \ud800 surrogate"})
    line = buf.getvalue()
    line.decode("utf-8")  # valid UTF-8
    assert json.loads(line) == {"t": "bad \ud800 surrogate"}


@settings(max_examples=200, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
    max_leaves=12))
def test_write_jsonl_line_property(value):
    obj = {"v": value}
    b1, b2 = io.BytesIO(), io.BytesIO()
    write_jsonl_line(b1, obj)
    write_jsonl_line(b2, obj)
    data = b1.getvalue()
    assert data == b2.getvalue()                  # deterministic
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    back = json.loads(data)                       # valid JSON; NaN/inf -> null

    def norm(x):
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, list):
            return [norm(i) for i in x]
        if isinstance(x, dict):
            return {k: norm(v) for k, v in x.items()}
        return x
    assert back == norm(obj)


def test_open_output_atomic(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    os.chmod(out, 0o640)
    with pytest.raises(RuntimeError):
        with open_output(str(out)) as fh:
            write_jsonl_line(fh, {"a": 1})
            raise RuntimeError("boom")
    assert out.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["out.jsonl"]     # temp file removed
    with open_output(str(out)) as fh:
        write_jsonl_line(fh, {"a": "é"})
        assert out.read_text() == "old\n"                     # not replaced before the end
    assert out.read_bytes() == '{"a":"é"}\n'.encode()
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["out.jsonl"]
    with open_output(str(tmp_path / "b.jsonl"), binary=True) as fh:
        write_jsonl_line(fh, {"b": 2})
    assert (tmp_path / "b.jsonl").read_bytes() == b'{"b":2}\n'


def test_open_output_refuses_inputs(tmp_path):
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"reasoning": "x"}\n')
    with pytest.raises(OutputError, match="also an input"):
        with open_output(str(inp), inputs=[str(inp)]):
            pass
    with pytest.raises(OutputError):
        with open_output(str(tmp_path / "." / "in.jsonl"), inputs=["x.jsonl", str(inp)]):
            pass
    link = tmp_path / "link.jsonl"
    link.symlink_to(inp)
    with pytest.raises(OutputError):
        with open_output(str(link), inputs=[str(inp)]):
            pass
    hard = tmp_path / "hard.jsonl"
    os.link(inp, hard)
    with pytest.raises(OutputError):
        with open_output(str(hard), inputs=[str(inp)]):
            pass
    assert isinstance(OutputError("x"), InputError)
    with pytest.raises(OutputError, match="does not exist"):
        with open_output(str(tmp_path / "no" / "dir.jsonl")):
            pass
    with pytest.raises(OutputError, match="directory"):
        with open_output(str(tmp_path)):
            pass
    assert inp.read_text() == '{"reasoning": "x"}\n'


def test_open_output_dash_is_stdout(capsys):
    with open_output("-") as fh:
        assert fh is sys.stdout
        write_jsonl_line(fh, {"a": 1})
    assert capsys.readouterr().out == '{"a":1}\n'


# ------------------------------------------------------------------------------------------
# properties


_FAMILIES = [("<thinking>", "</thinking>"), ("<reasoning>", "</reasoning>"),
             ("<|begin_of_thought|>", "<|end_of_thought|>"), ("\u25c1think\u25b7", "\u25c1/think\u25b7"),
             ("<seed:think>", "</seed:think>"), ("[THINK]", "[/THINK]"),
             ("<|START_THINKING|>", "<|END_THINKING|>")]
# every delimiter the reader knows: hypothesis draws the code's own string constants
_MARKERS = ("<think>", "</think>", "<|channel|>") + \
    tuple(x for f in _FAMILIES for x in f) + \
    tuple(x for f in ANSWER_WRAPPERS for x in f) + \
    tuple(x for f in PHRASE_THINK_DELIMITERS for x in f if x)


def _answer_of(a: str):
    """The answer split_think gives for the text ``a`` after the thinking: stripped, with
    end-of-turn tokens left at its end by a dump (``<|eot_id|>``) dropped (hypothesis draws
    them: it samples the string constants of the code under test)."""
    from tracelint.io.schema import END_OF_TURN_TOKENS
    a = a.strip()
    while any(a.endswith(t) for t in END_OF_TURN_TOKENS):
        a = a[:-len(next(t for t in END_OF_TURN_TOKENS if a.endswith(t)))].strip()
    return a or None


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_FAMILIES), st.text(), st.text(), st.booleans())
def test_other_delimiters_property(family, r, a, closed):
    op, cl = family
    text = op + r + (cl + a if closed else "")
    assume(not any(m in r or m in a for m in _MARKERS) and "analysis" not in text)
    assert split_think(text) == (r.strip(), _answer_of(a) if closed else None, not closed)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text(), st.booleans())
def test_split_think_property(r, a, closed):
    text = "<think>" + r + ("</think>" + a if closed else "")
    out = split_think(text)
    assert out is not None
    reasoning, answer, unclosed = out
    assert reasoning in text and (answer is None or answer in text)
    if "<think>" not in r and "</think>" not in r and "<think>" not in a \
            and "</think>" not in a:
        assert reasoning == r.strip()
        assert unclosed is (not closed)
        assert answer == (_answer_of(a) if closed else None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1), min_size=1, max_size=5))
def test_format_path_roundtrip(keys):
    assert [k for k, _ in parse_path(format_path(keys))] == keys


@settings(max_examples=200, deadline=None)
@given(st.text(), st.one_of(st.none(), st.text(), st.integers()))
def test_json_cot_roundtrip(reasoning, answer):
    text = json.dumps({"reasoning": reasoning, "answer": answer}, ensure_ascii=False)
    # the documented LaTeX heuristic (a newline followed by "eq" reads as \neq) aside
    assume(_LATEX_HINT_RX.search(text) is None)
    r, a = split_json_cot("```json\n" + text + "\n```")
    assert r == reasoning.strip()
    expect = None if answer is None else (str(answer).strip() or None)
    assert a == expect


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_reader_never_raises_on_any_line(line):
    data = io.BytesIO((line.replace("\n", " ") + "\n").encode("utf-8", "surrogatepass"))
    for item in read_traces(["-"], stdin=data):
        assert isinstance(item, (Trace, ReadError))


def test_model_prefixed_output_names():
    # MiP-Overthinking: the thinking tag was in the chat template, the dataset's own answer
    # sits beside the model's output, unprefixed
    t = one({"question": "Q", "model_answer": "2+3=5.</think>The answer is 5.", "answer": "5"})
    assert (t.prompt, t.reasoning, t.answer, t.reference) == \
        ("Q", "2+3=5.", "The answer is 5.", "5")
    # MR-GSM8K: a list of steps is the reasoning
    t = one({"question": "Q", "model_output_steps": ["Step 1: 2*3=6.", "Step 2: so 6."]})
    assert t.reasoning == "Step 1: 2*3=6.\nStep 2: so 6." and t.answer is None
    # Hugging Face pipelines; a canonical reference is not overwritten
    t = one({"generated_text": "<think>r</think>7"})
    assert (t.reasoning, t.answer) == ("r", "7")
    t = one({"model_output": "x", "answer": "9", "reference": "8"})
    assert (t.reasoning, t.answer, t.reference) == ("x", "9", "8")
    # an ordinary output name wins; a mapped key is not read again
    t = one({"response": "R", "model_output": "M"})
    assert t.reasoning == "R" and t.extra == {"model_output": "M"}


def test_reasoning_under_a_name_of_its_own():
    # an output beside it is the answer; the dataset names fill prompt and reference
    t = one({"input": "What is 3+4?", "thinking": "3+4=7.", "output": "7", "target": "7"})
    assert (t.prompt, t.reasoning, t.answer, t.reference) == ("What is 3+4?", "3+4=7.", "7", "7")
    assert t.extra == {}
    t = one({"question": "Q", "cot": "Add them: 7.", "final_answer": "7"})
    assert (t.prompt, t.reasoning, t.answer) == ("Q", "Add them: 7.", "7")
    t = one({"instruction": "Q", "reasoning_content": "r", "response": "A"})
    assert (t.prompt, t.reasoning, t.answer) == ("Q", "r", "A")
    t = one({"query": "Q", "chain_of_thought": ["step 1", "step 2"]})
    assert (t.prompt, t.reasoning) == ("Q", "step 1\nstep 2")
    # a canonical reasoning or a <think> split wins; the alias stays in extra
    t = one({"reasoning": "R", "thinking": "T"})
    assert t.reasoning == "R" and t.extra == {"thinking": "T"}
    t = one({"output": "<think>inner</think>A", "cot": "C"})
    assert (t.reasoning, t.answer) == ("inner", "A") and t.extra == {"cot": "C"}
    # a mapped reasoning is not replaced, and an empty alias is not a reasoning
    t = one({"trace": "X", "thinking": "T"}, field_map={"reasoning": "trace"})
    assert t.reasoning == "X"
    t = one({"thinking": "  ", "output": "out"})
    assert t.reasoning == "out"


def test_rationale_is_the_reasoning_only_without_another_output():
    t = one({"question": "Q", "rationale": "because 7", "options": ["A) 7", "B) 8"]})
    assert t.reasoning == "because 7"
    # beside the model's output it is the dataset's own worked solution
    t = one({"question": "Q", "rationale": "gold steps", "output": "model says 7"})
    assert t.reasoning == "model says 7" and t.extra["rationale"] == "gold steps"
    t = one({"question": "Q", "rationale": "gold steps", "model_output": "m"})
    assert t.reasoning == "m" and t.extra["rationale"] == "gold steps"


def test_answer_key_in_correct_is_the_reference():
    # AQuA-RAT / MathQA: "correct" holds the option letter, not a verdict
    rec = {"question": "Q A) 7 B) 8", "rationale": "so B", "correct": "B"}
    t = one(rec)
    assert (t.reference, t.correct) == ("B", None) and "correct" not in t.extra
    # beside a reference it is passed through untouched
    t = one({**rec, "answer_key": "x", "gold": "B"})
    assert (t.reference, t.correct, t.extra["correct"]) == ("B", None, "B")
    # a verdict stays a verdict; a mapped "correct" is checked strictly
    assert one({**rec, "correct": "true"}).correct is True
    assert one({**rec, "correct": 0}).correct is False
    assert isinstance(one({**rec, "correct": "yes"}), ReadError)
    e = one({**rec, "verdict": "maybe"}, field_map={"correct": "verdict"})
    assert isinstance(e, ReadError) and "correct" in str(e)


def test_budget_and_gemini_thought_tokens():
    t = one({"prompt": "Q", "output": "<think>r", "max_tokens": 4096,
             "usage": {"completion_tokens": 4096}})
    assert t.budget == 4096 and t.output_tokens == 4096
    # not an integer: left alone (a dataset's own field), never an error
    t = one({"prompt": "Q", "output": "x", "max_new_tokens": "lots"})
    assert t.budget is None and t.extra == {"max_new_tokens": "lots"}
    # Gemini cut while thinking: no candidatesTokenCount, every output token a thought
    t = one({"candidates": [{"content": {"parts": [{"text": "r", "thought": True}]},
                             "finishReason": "MAX_TOKENS"}],
             "usageMetadata": {"thoughtsTokenCount": 8000}})
    assert (t.output_tokens, t.reasoning_tokens, t.finish_reason) == (8000, 8000, "length")


def _agent(calls, final="I could not get it."):
    msgs = [{"role": "system", "content": "You are an agent."},
            {"role": "user", "content": "Find the weather in Paris."}]
    for i, (text, name, args, result) in enumerate(calls):
        msgs.append({"role": "assistant", "content": text, "tool_calls": [
            {"id": f"c{i}", "type": "function",
             "function": {"name": name, "arguments": json.dumps(args)}}]})
        msgs.append({"role": "tool", "tool_call_id": f"c{i}", "content": result})
    msgs.append({"role": "assistant", "content": final})
    return {"messages": msgs}


def test_agent_episode_is_the_reasoning():
    t = one(_agent([("Searching.", "search", {"q": "Paris"}, "rate limited"),
                    ("Again.", "search", {"q": "Paris weather"}, "sunny")], "It is sunny."))
    assert t.prompt == "Find the weather in Paris."
    assert t.reasoning == ('Searching.\n[tool call] search({"q": "Paris"})\n\n'
                           'Again.\n[tool call] search({"q": "Paris weather"})')
    assert t.answer == "It is sunny."
    # Anthropic: thinking and tool_use blocks; tool results come back as user messages
    msgs = [{"role": "user", "content": "Q"}]
    for i in range(2):
        msgs.append({"role": "assistant", "content": [
            {"type": "thinking", "thinking": f"think {i}"},
            {"type": "tool_use", "id": f"t{i}", "name": "calc", "input": {"x": i}}]})
        msgs.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": f"t{i}", "content": "ok"}]})
    msgs.append({"role": "assistant", "content": [{"type": "text", "text": "A"}]})
    t = one({"messages": msgs})
    assert (t.prompt, t.answer) == ("Q", "A")
    assert t.reasoning == 'think 0\n[tool call] calc({"x": 0})\n\nthink 1\n[tool call] calc({"x": 1})'
    # ShareGPT tool datasets: the call is a turn of its own, observations are left out
    t = one({"conversations": [{"from": "human", "value": "Q"},
                               {"from": "function_call", "value": '{"name": "f"}'},
                               {"from": "observation", "value": "timeout"},
                               {"from": "gpt", "value": "Sorry."}]})
    assert (t.prompt, t.reasoning, t.answer) == ("Q", '[tool call] {"name": "f"}', "Sorry.")


def test_plain_chats_keep_the_last_assistant_message():
    t = one({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                          {"role": "user", "content": "c"},
                          {"role": "assistant", "content": "<think>r</think>d"}]})
    assert (t.prompt, t.reasoning, t.answer) == ("c", "r", "d")


def test_an_agent_stuck_on_one_call_is_a_loop():
    from tracelint import analyze
    rec = _agent([("I will search for the weather in Paris.", "search", {"q": "weather Paris"},
                   "Error: rate limited")] * 15)
    d = analyze(rec).to_dict()
    assert d["label"] == "degenerate-looping"
    assert any(f["code"] in ("REP001", "REP002") for f in d["findings"])
    steps = [("Checking the weather.", "search", {"q": "weather Paris"}, "sunny"),
             ("Now a hotel.", "hotels", {"city": "Paris"}, "Hotel B 90 EUR"),
             ("Booking it.", "book", {"hotel": "B"}, "booked #123")]
    assert analyze(_agent(steps, "Booked Hotel B.")).to_dict()["label"] == "concise"


def test_plain_text_file_is_one_trace(tmp_path):
    loop = "<think>" + "Wait, is it 5? " * 3 + "</think>The answer is 5."
    (tmp_path / "a.txt").write_text(loop, encoding="utf-8")
    (tmp_path / "b.md").write_bytes(b"\xef\xbb\xbf## Notes\n2 + 2 = 4, so 4.\n")
    with gzip.open(tmp_path / "c.log.gz", "wt", encoding="utf-8") as fh:
        fh.write("line one\nline two\n")
    (tmp_path / "d.txt").write_bytes(b"ok \xff bad")
    items = list(read_traces([str(tmp_path / n) for n in ("a.txt", "b.md", "c.log.gz", "d.txt")]))
    assert [i.id for i in items] == ["a.txt:1", "b.md:1", "c.log.gz:1", "d.txt:1"]
    a, b, c, d = items
    assert (a.reasoning, a.answer, a.thinking_unclosed) == (
        ("Wait, is it 5? " * 3).strip(), "The answer is 5.", False)
    assert b.reasoning == "## Notes\n2 + 2 = 4, so 4.\n"  # the BOM dropped, the rest as it is
    assert c.reasoning == "line one\nline two\n"
    assert isinstance(d, ReadError) and "not valid UTF-8" in d.message and d.line == 1


def test_plain_text_file_over_the_limit_is_an_error_line(tmp_path):
    (tmp_path / "big.txt").write_text("é" * 5000, encoding="utf-8")
    for lim in (1000, 2400):  # 10,000 bytes: cut at the read limit, or read whole
        (item,) = read_traces([str(tmp_path / "big.txt")], ReaderOptions(max_text_chars=lim))
        assert isinstance(item, ReadError) and f"max-text-chars ({lim:,})" in item.describe()
    (item,) = read_traces([str(tmp_path / "big.txt")], ReaderOptions(max_text_chars=5000))
    assert isinstance(item, Trace)


def test_pretty_printed_objects_one_after_another(tmp_path):
    """``json.dump(indent=2)`` or ``jq .`` output: records spread over many lines, one after
    another, in a file of any JSON name; each record's line is the line it starts on."""
    a = {"id": "a", "prompt": "2+2?", "response": "<think>2 + 2 = 4</think>4"}
    b = {"id": "b", "messages": [{"role": "user", "content": "3+3?"},
                                 {"role": "assistant", "content": "6"}]}
    body = json.dumps(a, indent=2) + "\n" + json.dumps(b, indent=4) + "\n"
    for name in ("one.json", "one.jsonl", "one"):
        (tmp_path / name).write_text(body, encoding="utf-8")
        items = list(read_traces([str(tmp_path / name)]))
        second = body.count("\n", 0, body.index('{\n    "id"')) + 1
        assert [(i.id, i.line) for i in items] == [("a", 1), ("b", second)]
        assert items[0].reasoning == "2 + 2 = 4" and items[1].reasoning == "6"
    # a syntax error ends the file with one error line, at the line where it is
    broken = (json.dumps(a, indent=2) + "\n{\n  \"id\": \"c\",\n  oops\n}\n"
              + json.dumps(b, indent=2))
    (tmp_path / "broken.json").write_text(broken, encoding="utf-8")
    items = list(read_traces([str(tmp_path / "broken.json")]))
    assert items[0].id == "a" and len(items) == 2
    assert isinstance(items[1], ReadError) and "invalid JSON" in items[1].message
    # compact records one per line stay JSON Lines (a bad line does not end the file)
    (tmp_path / "lines.jsonl").write_text(json.dumps(a) + "\n{oops\n" + json.dumps(b) + "\n")
    items = list(read_traces([str(tmp_path / "lines.jsonl")]))
    assert [type(i).__name__ for i in items] == ["Trace", "ReadError", "Trace"]


def test_json_lines_under_a_text_name_are_records(tmp_path):
    """JSON Lines written to ``run.log`` (or a ``.txt``) are records, not one plain trace."""
    (tmp_path / "run.log").write_text(
        '{"id": "a", "response": "<think>2 + 2 = 4</think>4"}\n{"id": "b", "response": "6"}\n')
    (tmp_path / "arr.txt").write_text('\n  [{"id": "c", "response": "7"}]')
    assert format_of(str(tmp_path / "run.log")) == "jsonl"
    assert [i.id for i in read_traces([str(tmp_path / "run.log")])] == ["a", "b"]
    (item,) = read_traces([str(tmp_path / "arr.txt")])  # a JSON array saved as .txt
    assert isinstance(item, Trace) and item.id == "c" and item.reasoning == "7"
    assert format_of(str(tmp_path / "missing.txt")) == "text"


def test_a_directory_is_its_data_files_in_path_order(tmp_path):
    from tracelint.io import expand_inputs
    d = tmp_path / "ds"
    (d / "train").mkdir(parents=True)
    (d / ".cache").mkdir()
    (d / "_tmp").mkdir()
    rec = '{"id": "%s", "response": "2 + 2 = 4"}\n'
    (d / "train" / "b.jsonl").write_text(rec % "b")
    (d / "train" / "a.jsonl.gz").write_bytes(gzip.compress((rec % "a").encode(), mtime=0))
    (d / "z.json").write_text("[" + (rec % "z").strip() + "]")
    (d / "README.md").write_text("# dataset card")       # not a trace file
    (d / "_SUCCESS").write_text("")                        # Spark's marker
    (d / ".cache" / "c.jsonl").write_text(rec % "c")       # hidden
    (d / "_tmp" / "t.jsonl").write_text(rec % "t")         # scratch
    files = expand_inputs([str(d), "-"])
    assert [os.path.relpath(f, d) for f in files[:-1]] == [
        os.path.join("train", "a.jsonl.gz"), os.path.join("train", "b.jsonl"), "z.json"]
    assert files[-1] == "-"
    assert [t.id for t in read_traces([str(d)])] == ["a", "b", "z"]
    (tmp_path / "none").mkdir()
    with pytest.raises(InputError, match="no trace files"):
        list(read_traces([str(tmp_path / "none")]))


def test_token_counts_beyond_2_53_are_field_errors(tmp_path):
    """No count is that large, and beyond 2^53 sums and means stop being exact (at 1e308 the
    report's means overflowed): the record is an error line naming the field, whatever path
    the count came by."""
    p = tmp_path / "big.jsonl"
    p.write_text('{"reasoning": "x", "output_tokens": 1e308}\n'
                 '{"reasoning": "x", "usage": {"completion_tokens": 9007199254740993}}\n'
                 '{"reasoning": "x", "output_tokens": 9007199254740992}\n', encoding="utf-8")
    got = list(read_traces([str(p)]))
    assert [type(g).__name__ for g in got] == ["ReadError", "ReadError", "Trace"]
    assert all("output_tokens" in g.describe() and "2^53" in g.describe() for g in got[:2])
