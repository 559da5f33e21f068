"""Generator of the hostile input corpus (issue 7), sized for CI and written at test time.

Nothing here is committed as data: every case is built from code, deterministically, into a
directory the caller gives (a pytest ``tmp_path``).  Each case is a :class:`Case`:

* ``name`` and ``path`` — the file written (``.jsonl``, ``.json`` or ``.parquet``);
* ``records`` — how many input records the file holds (non-blank lines of JSON Lines, rows of
  Parquet); every command must account for each of them exactly once;
* ``errors`` — ``{line: field or None}`` for the records that must come back as error lines
  (``field`` when the error is about one field, which the message must then name); ``None``
  means "not known in advance" (the test only checks the accounting);
* ``whole_file_error`` — the file as a whole cannot be read (a truncated Parquet footer):
  the command must exit 2 with one ``tracelint: error:`` line naming the file, nothing else.

``LARGE_LINE_MB`` sizes the single-large-line case (20 MB in CI; the 200 MB case of issue 7
is run by ``benchmarks/hostile_large.py``).  ``python tests/hostile/corpus.py DIR`` writes the
corpus to ``DIR`` to look at or to feed to other tools.
"""
from __future__ import annotations

import json
import os
import random
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

LARGE_LINE_MB = int(os.environ.get("TRACELINT_HOSTILE_LARGE_MB", "20"))
DEEP = 100_000

GOOD = {"id": "good", "prompt": "What is 48/2?",
        "response": "<think>48/2 = 24, so half is 24.</think>The answer is 24.",
        "reference": "24", "model": "m", "finish_reason": "stop", "output_tokens": 20}


def good(i: int, **extra) -> dict:
    d = dict(GOOD)
    d["id"] = f"good-{i}"
    d.update(extra)
    return d


def jl(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"


@dataclass
class Case:
    name: str
    path: str
    records: int
    errors: Optional[Dict[int, Optional[str]]] = field(default_factory=dict)
    whole_file_error: bool = False
    large: bool = False


# ------------------------------------------------------------------------------------------
# JSON Lines cases: (name, list of lines as bytes or None for a blank line, expected errors)


# Lines that are not one JSON object; each is one record and one error line.
MALFORMED = [
    b'{"reasoning": "unclosed"',
    b"not json at all",
    b'{"reasoning": "a"} {"reasoning": "b"}',
    b"[1, 2, 3]",
    b'"just a string"',
    b"null",
    b"42",
    b"{'single': 'quotes'}",
    b'{"reasoning": "trailing comma",}',
    b'{"a": NaN, "reasoning": "x"',
    b"}",
    b'{"reasoning": "\\x41"}',          # invalid escape
    b'{"reasoning": "ctl \x01 char"}',   # raw control character inside a string
]

# (record, field the error must name)
WRONG_TYPES = [
    ({"reasoning": 5}, "reasoning"),
    ({"reasoning": {"text": 1}}, "reasoning"),
    ({"reasoning": "ok", "output_tokens": "abc"}, "output_tokens"),
    ({"reasoning": "ok", "output_tokens": -3}, "output_tokens"),
    ({"reasoning": "ok", "output_tokens": 1.5}, "output_tokens"),
    ({"reasoning": "ok", "output_tokens": [1]}, "output_tokens"),
    ({"reasoning": "ok", "budget": "lots"}, "budget"),
    ({"reasoning": "ok", "budget": {"max": 3}}, "budget"),
    ({"reasoning": "ok", "correct": "maybe"}, "correct"),
    ({"reasoning": "ok", "workload": "heavy"}, "workload"),
    ({"reasoning": "ok", "sample": "first"}, "sample"),
    ({"reasoning": "ok", "prompt": 12}, "prompt"),
]

# Records that are odd but readable (missing fields, edge values): each must get a result
# line, never an error that is not about a named field.
ODD_OK = [
    {"reasoning": ""},
    {"response": ""},
    {"response": "<think>never closed"},
    {"response": "</think></think><think>"},
    {"reasoning": "ok", "output_tokens": 0, "budget": 0},
    # counts beyond 2^53 are field errors since session 11 (their sums overflowed the report)
    {"reasoning": "ok", "output_tokens": 10 ** 30},
    {"reasoning": "ok", "output_tokens": 1e308},
    {"reasoning": "ok", "workload": 0},
    {"reasoning": "ok", "workload": -1.0},
    {"reasoning": "ok", "id": 7},
    {"reasoning": "ok", "id": None},
    {"reasoning": "ok", "id": ""},
    {"reasoning": "x" * 3 + "\u202e\u200b\ufeff" + "\U0001F600" * 5},
    {"reasoning": "?!" * 400, "finish_reason": "length"},
    {"reasoning": ["a list", "of strings"]},       # joined
    {"reasoning": "ok", "model": ["a"]},            # a list model is shown as text
]

#: Nothing the model wrote (no text field, or only nulls / empty containers): error records,
#: never empty traces labelled concise.
NO_TEXT = [
    {},
    {"foo": "bar"},
    {"prompt": "only a prompt"},
    {"reasoning": None, "answer": None},
    {"choices": []},
    {"choices": [None]},
    {"messages": [{"role": "assistant"}]},
    {"messages": "not a list"},
    {"content": [{"type": "thinking"}]},
    {"generations": []},
    {"generations": [None, "x"]},
]


def _lines_case(d: str, name: str, lines: List[Optional[bytes]],
                errors: Optional[Dict[int, Optional[str]]], *, ending: bytes = b"\n",
                trailing: bool = True, prefix: bytes = b"", ext: str = ".jsonl") -> Case:
    """Write ``lines`` (``None`` = a blank line) joined by ``ending``."""
    path = os.path.join(d, name + ext)
    body = ending.join(b"" if ln is None else ln.rstrip(b"\n") for ln in lines)
    if trailing and lines:
        body += ending
    with open(path, "wb") as fh:
        fh.write(prefix + body)
    n = sum(1 for ln in lines if ln is not None and ln.strip())
    return Case(name, path, n, errors)


def _numbered(lines: List[Optional[bytes]], bad: Dict[int, Optional[str]]):
    """Line numbers (1-based) of the entries of ``lines`` listed by index in ``bad``."""
    return {i + 1: f for i, f in bad.items()}


def case_malformed(d):
    lines: List[Optional[bytes]] = []
    bad = {}
    for i, m in enumerate(MALFORMED):
        lines.append(jl(good(i)))
        lines.append(m)
        bad[len(lines)] = None
    lines.append(jl(good(99)))
    return _lines_case(d, "malformed", lines, bad)


def case_wrong_types(d):
    lines: List[Optional[bytes]] = []
    bad = {}
    for rec, f in WRONG_TYPES:
        lines.append(jl(rec))
        bad[len(lines)] = f
    return _lines_case(d, "wrong_types", lines, bad)


def case_odd_ok(d):
    return _lines_case(d, "odd_ok", [jl(r) for r in ODD_OK],
                       {6: "output_tokens", 7: "output_tokens"})


def case_no_text(d):
    errors: Dict[int, Optional[str]] = {i: None for i in range(1, len(NO_TEXT) + 1)}
    errors[len(NO_TEXT)] = "generations.0"
    return _lines_case(d, "no_text", [jl(r) for r in NO_TEXT], errors)


def case_empty(d):
    path = os.path.join(d, "empty.jsonl")
    open(path, "wb").close()
    return Case("empty", path, 0, {})


def case_blank_only(d):
    return _lines_case(d, "blank_only", [None, b"   ", b"\t", None], {}, trailing=False)


def case_no_trailing_newline(d):
    return _lines_case(d, "no_trailing_newline", [jl(good(1)), jl(good(2))], {},
                       trailing=False)


def case_no_trailing_newline_bad(d):
    return _lines_case(d, "no_trailing_newline_bad", [jl(good(1)), b'{"reasoning": "cut'],
                       {2: None}, trailing=False)


def case_large_line(d, mb: int = LARGE_LINE_MB):
    """One record whose reasoning is ``mb`` MB of varied text, between two good ones."""
    rng = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "so", "then", "we", "check", "the", "sum",
             "of", "terms", "and", "carry", "one"]
    parts: List[str] = []
    size = 0
    i = 0
    while size < mb * 1_000_000:
        s = " ".join(rng.choice(words) for _ in range(12)) + f" {i}."
        parts.append(s)
        size += len(s) + 1
        i += 1
    big = {"id": "big", "reasoning": " ".join(parts), "answer": "42"}
    c = _lines_case(d, "large_line", [jl(good(1)), jl(big), jl(good(2))], {})
    c.large = True
    return c


def case_deep(d):
    deep_arr = b"[" * DEEP + b"]" * DEEP
    deep_obj = b'{"a":' * DEEP + b"1" + b"}" * DEEP
    deep_in_rec = b'{"reasoning": "x", "meta": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    unclosed = b"[" * DEEP
    lines = [jl(good(1)), deep_arr, deep_obj, deep_in_rec, unclosed, jl(good(2))]
    return _lines_case(d, "deep", lines, {2: None, 3: None, 4: None, 5: None})


def case_invalid_utf8(d):
    lines = [
        jl(good(1)),
        b'{"reasoning": "bad \xff\xfe bytes"}',
        b'{"reasoning": "overlong \xc0\xaf"}',
        b'{"reasoning": "cut \xe2\x82"}',
        # an encoded surrogate: Python's json reads it as a lone surrogate (like "\ud800")
        b'{"reasoning": "surrogate bytes \xed\xa0\x80"}',
        b"\xff\xfe{\x00}\x00",
        jl(good(2)),
    ]
    return _lines_case(d, "invalid_utf8", lines, {2: None, 3: None, 4: None, 6: None})


def case_surrogates(d):
    lines = [
        b'{"id": "s1", "reasoning": "lone \\ud800 high"}',
        b'{"id": "s2", "reasoning": "lone \\udfff low", "prompt": "\\udc80"}',
        b'{"id": "s3", "reasoning": "pair \\ud83d\\ude00 ok", "model": "\\ud800"}',
        b'{"id": "\\udbff", "reasoning": "id is a surrogate"}',
        b'{"id": "s5", "response": "<think>\\ud800\\ud800\\ud800</think>\\udfff"}',
    ]
    return _lines_case(d, "surrogates", lines, {})


def case_bom(d):
    return _lines_case(d, "bom", [jl(good(1)), jl(good(2))], {}, prefix=b"\xef\xbb\xbf")


def case_bom_every_line(d):
    lines = [b"\xef\xbb\xbf" + jl(good(i)) for i in range(3)]
    return _lines_case(d, "bom_every_line", lines, None)


def case_crlf(d):
    lines = [jl(good(1)), None, jl(good(2)), b'{"reasoning": 5}', jl(good(3))]
    return _lines_case(d, "crlf", lines, {4: "reasoning"}, ending=b"\r\n")


def case_cr_only(d):
    # old-Mac line ends: the whole file is one line, which is not valid JSON
    c = _lines_case(d, "cr_only", [jl(good(1)), jl(good(2))], {1: None}, ending=b"\r")
    c.records = 1
    return c


def case_nul(d):
    lines = [
        jl(good(1)),
        b"\x00",
        b"\x00" * 100,
        b'{"reasoning": "raw \x00 nul"}',
        b'{"reasoning": "escaped \\u0000 nul", "id": "nul-esc"}',
        b'{"reasoning": "ok"}\x00',
        jl(good(2)),
    ]
    return _lines_case(d, "nul", lines, {2: None, 3: None, 4: None, 6: None})


def case_json_array_bad(d):
    """A ``.json`` array whose third element is broken: the array cannot be
    re-synchronised, so the rest of it is one error (records counted as parsed)."""
    path = os.path.join(d, "array_bad.json")
    with open(path, "wb") as fh:
        fh.write(b"[" + jl(good(1)) + b"," + jl(good(2)) + b", {broken ]")
    return Case("array_bad", path, 3, {3: None})


JSONL_CASES: List[Callable[[str], Case]] = [
    case_malformed, case_wrong_types, case_odd_ok, case_no_text, case_empty, case_blank_only,
    case_no_trailing_newline, case_no_trailing_newline_bad, case_deep, case_invalid_utf8,
    case_surrogates, case_bom, case_bom_every_line, case_crlf, case_cr_only, case_nul,
    case_json_array_bad,
]


# ------------------------------------------------------------------------------------------
# Parquet cases


def _write_parquet(path: str, table) -> None:
    import pyarrow.parquet as pq
    pq.write_table(table, path, row_group_size=4)


def case_parquet_truncated(d):
    """The footer is cut off: the file as a whole is unreadable."""
    import pyarrow as pa
    path = os.path.join(d, "truncated.parquet")
    t = pa.Table.from_pylist([good(i) for i in range(10)])
    _write_parquet(path, t)
    data = open(path, "rb").read()
    with open(path, "wb") as fh:
        fh.write(data[: len(data) // 2])
    return Case("parquet_truncated", path, 0, None, whole_file_error=True)


def case_parquet_corrupt_page(d):
    """Footer intact, a data page overwritten with garbage: readable rows get results, the
    broken part gets error lines; nothing crashes."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    path = os.path.join(d, "corrupt_page.parquet")
    t = pa.Table.from_pylist([good(i, reasoning=f"step {i} " * 50) for i in range(12)])
    pq.write_table(t, path, row_group_size=4, compression="NONE")
    md = pq.ParquetFile(path).metadata
    rg = md.row_group(1)
    col = next(rg.column(j) for j in range(rg.num_columns)
               if rg.column(j).path_in_schema == "reasoning")
    data = bytearray(open(path, "rb").read())
    start = col.data_page_offset
    for k in range(start, start + 64):
        data[k] = 0xFF
    with open(path, "wb") as fh:
        fh.write(bytes(data))
    # row group 1 (rows 5-8) is lost; groups 0 and 2 are read
    return Case("parquet_corrupt_page", path, 12, {5: None, 6: None, 7: None, 8: None})


def case_parquet_types(d):
    """Columns with types tracelint does not expect; each bad row is one error naming its
    field, the others get results."""
    import datetime
    import decimal

    import pyarrow as pa
    path = os.path.join(d, "types.parquet")
    n = 6
    t = pa.table({
        "id": pa.array([f"t{i}" for i in range(n)]),
        "reasoning": pa.array([b"bytes not str"] * n, type=pa.binary()),
        "output_tokens": pa.array(["12", "x", None, "7", "", "-1"]),
        "budget": pa.array([1.5, None, 2.0, float("nan"), float("inf"), 3.0]),
        "model": pa.array([[1], [2], None, [], [3], [4]], type=pa.list_(pa.int64())),
        "prompt": pa.array([{"a": 1}] * n, type=pa.struct([("a", pa.int64())])),
        "finish_reason": pa.array([datetime.datetime(2024, 1, 1)] * n,
                                  type=pa.timestamp("us")),
        "workload": pa.array([decimal.Decimal("1.5")] * n, type=pa.decimal128(5, 2)),
        "correct": pa.array([1, 0, None, 2, 1, 0], type=pa.int8()),
    })
    _write_parquet(path, t)
    return Case("parquet_types", path, n, None)


def case_parquet_types_each(d):
    """One column of an unexpected type at a time, with an otherwise fine row."""
    import pyarrow as pa
    path = os.path.join(d, "types_each.parquet")
    t = pa.table({
        "id": pa.array(["a", "b", "c", "d"]),
        "reasoning": pa.array([1, 2, None, 4], type=pa.int64()),
        "answer": pa.array(["1", None, "3", "4"]),
        "extra": pa.array([None, None, None, None], type=pa.null()),
        "blob": pa.array([b"\x00\xff", b"", None, b"x"], type=pa.large_binary()),
        "dict": pa.array(["x", "y", "x", None]).dictionary_encode(),
    })
    _write_parquet(path, t)
    return Case("parquet_types_each", path, 4, {1: "reasoning", 2: "reasoning",
                                                4: "reasoning"})


def case_parquet_empty(d):
    import pyarrow as pa
    path = os.path.join(d, "empty.parquet")
    _write_parquet(path, pa.table({"reasoning": pa.array([], type=pa.string())}))
    return Case("parquet_empty", path, 0, {})


def case_not_parquet(d):
    path = os.path.join(d, "not_really.parquet")
    with open(path, "wb") as fh:
        fh.write(jl(good(1)))
    return Case("not_parquet", path, 0, None, whole_file_error=True)


PARQUET_CASES: List[Callable[[str], Case]] = [
    case_parquet_truncated, case_parquet_corrupt_page, case_parquet_types,
    case_parquet_types_each, case_parquet_empty, case_not_parquet,
]


def build(d: str, *, large: bool = True, parquet: bool = True) -> List[Case]:
    """Write the corpus into directory ``d``; returns its cases."""
    os.makedirs(d, exist_ok=True)
    cases = [f(d) for f in JSONL_CASES]
    if large:
        cases.append(case_large_line(d))
    if parquet:
        cases.extend(f(d) for f in PARQUET_CASES)
    return cases


def hostile_lines() -> List[bytes]:
    """Bad and odd lines (no newline) for property tests mixing them with good records."""
    out = list(MALFORMED)
    out += [json.dumps(r).encode() for r, _ in WRONG_TYPES]
    out += [json.dumps(r).encode() for r in ODD_OK]
    out += [b"[" * 5000 + b"]" * 5000, b"\xff\xfe", b'{"reasoning": "\\ud800"}', b"\x00",
            b'{"reasoning": "a\rb"}', b"\xef\xbb\xbf{}"]
    return out


if __name__ == "__main__":  # pragma: no cover
    out = sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus"
    for c in build(out):
        print(f"{c.path}\t{c.records} records")
