"""The per-record text limit (issue 7): a prompt, reasoning or answer longer than
``max-text-chars`` (default 64,000,000 characters) makes the record an error naming the file,
line and field — in every entry point — instead of an analysis whose memory grows with the
text (docs/reliability.md).  The limit is set small here; the default is checked as a value."""
from __future__ import annotations

import json

import pyarrow as pa
import pytest

import tracelint
from tracelint.cli import main
from tracelint.config import DEFAULT_MAX_TEXT_CHARS, ConfigError, Config, from_mapping
from tracelint.io import ReaderOptions, read_traces
from tracelint.io.schema import DEFAULT_MAX_TEXT_CHARS as READER_DEFAULT
from tracelint.model import ReadError

RECORDS = [
    {"id": "ok", "reasoning": "2 + 2 = 4", "answer": "4"},
    {"id": "long-reasoning", "reasoning": "x" * 41, "answer": "4"},
    {"id": "long-prompt", "prompt": "p" * 41, "reasoning": "short"},
    {"id": "long-output", "response": "<think>" + "y" * 41 + "</think>4"},
    {"id": "long-answer", "response": "<think>ok</think>" + "z" * 41},
    {"id": "at-limit", "reasoning": "w" * 40},
]
FIELDS = {2: "reasoning", 3: "prompt", 4: "reasoning", 5: "answer"}


def write(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return str(p)


def test_default_is_64_million_characters_everywhere():
    assert DEFAULT_MAX_TEXT_CHARS == READER_DEFAULT == 64_000_000
    assert Config().max_text_chars == ReaderOptions().max_text_chars == 64_000_000


def test_reader(tmp_path):
    p = write(tmp_path)
    items = list(read_traces([p], ReaderOptions(max_text_chars=40)))
    errs = {i.line: i for i in items if isinstance(i, ReadError)}
    assert sorted(errs) == sorted(FIELDS)
    for line, f in FIELDS.items():
        msg = errs[line].describe()
        assert errs[line].field == f
        assert msg.startswith(f"{p}:{line}: field '{f}': 41 characters, more than "
                              f"max-text-chars (40)"), msg
    assert len(items) == len(RECORDS)  # the one at the limit (40) is read
    assert not any(isinstance(i, ReadError) for i in read_traces([p], ReaderOptions(
        max_text_chars=None)))
    with pytest.raises(ValueError):
        ReaderOptions(max_text_chars=0)


def test_command_line_and_config(tmp_path, capsys):
    p = write(tmp_path)
    out = str(tmp_path / "o.jsonl")
    assert main(["score", p, "--max-text-chars", "40", "-q", "-o", out]) == 1
    res = [json.loads(l) for l in open(out)]
    assert len(res) == len(RECORDS)
    for line, f in FIELDS.items():
        e = res[line - 1]["error"]
        assert e.startswith(f"{p}:{line}: field '{f}': 41 characters"), e
    k, r, e = (str(tmp_path / f"{x}.jsonl") for x in "kre")
    (tmp_path / "tracelint.toml").write_text("max-text-chars = 40\n")
    assert main(["filter", p, "--keep", k, "--reject", r, "--errors", e, "-q",
                 "--config", str(tmp_path / "tracelint.toml")]) == 0
    assert sorted(json.loads(l)["line"] for l in open(e)) == sorted(FIELDS)
    assert main(["score", p, "--max-text-chars", "0"]) == 2
    with pytest.raises(ConfigError):
        from_mapping({"max-text-chars": -1})


def test_analyze_batch():
    t = pa.Table.from_pylist([{"id": r["id"], "response": r.get("response"),
                               "reasoning": r.get("reasoning"), "prompt": r.get("prompt"),
                               "answer": r.get("answer")} for r in RECORDS])
    out = tracelint.analyze_batch(t, config=Config(max_text_chars=40)).to_pylist()
    assert [i + 1 for i, r in enumerate(out) if r["tracelint_error"]] == sorted(FIELDS)
    assert all(r["tracelint_keep"] is False for r in out if r["tracelint_error"])
