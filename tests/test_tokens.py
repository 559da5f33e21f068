"""Token counts: reported, a real tokenizer the user names, or the labelled estimate."""
from __future__ import annotations

import json

import pytest

from tracelint import analyze
from tracelint.cli import main
from tracelint.config import Config
from tracelint.model import Trace
from tracelint.tokens import TokenizerError, estimate_tokens, load_tokenizer, token_count

tokenizers = pytest.importorskip("tokenizers")  # the [tokenizer] extra; CI installs it


@pytest.fixture
def tok_path(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers
    vocab = {"[UNK]": 0}
    for w in "we add 3 and 4 to get 7 . the answer is".split():
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    p = tmp_path / "tokenizer.json"
    tok.save(str(p))
    return p


def test_a_named_tokenizer_counts_what_the_record_does_not_report(tok_path, tmp_path):
    t = Trace(id="a", reasoning="we add 3 and 4 to get 7.", answer="7")
    # "we add 3 and 4 to get 7 ." + "7": 10 tokens, the estimate says otherwise
    assert token_count(t, str(tok_path)) == {"count": 10, "source": "tokenizer"}
    assert token_count(t)["source"] == "estimate"
    assert token_count(t)["count"] == estimate_tokens(t.reasoning + t.answer) != 10
    # a directory holding tokenizer.json, and the hf: prefix, name the same tokenizer
    assert token_count(t, str(tmp_path))["count"] == token_count(t, f"hf:{tok_path}")["count"] == 10
    # the record's own count always wins
    t2 = Trace(id="b", reasoning="we add 3 and 4", output_tokens=99)
    assert token_count(t2, str(tok_path)) == {"count": 99, "source": "reported"}
    assert analyze(t, Config(tokenizer=str(tok_path))).to_dict()["tokens"] == \
        {"count": 10, "source": "tokenizer"}


def test_the_cli_and_the_verbosity_groups_use_it(tok_path, tmp_path, capsys):
    data = tmp_path / "t.jsonl"
    long = " ".join(f"w{k}" for k in range(90))  # 90 distinct words: 90 unknown tokens
    rows = [{"id": str(i), "task": "q", "reasoning": long if i == 0 else "we add 3 and 4 to get 7."}
            for i in range(6)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "o.jsonl"
    assert main(["score", str(data), "--tokenizer", str(tok_path), "-o", str(out), "-q"]) == 0
    res = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["tokens"] for r in res[1:]] == [{"count": 9, "source": "tokenizer"}] * 5
    assert res[0]["tokens"] == {"count": 90, "source": "tokenizer"}
    # the group median is in the same tokens: the long one is 10 times it
    v = res[0]["metrics"]["verbosity"]
    assert v["basis"] == "group" and v["group_median"] == 9.0 and res[0]["label"] == "verbose-but-engaged"


@pytest.mark.parametrize("spec,words", [("missing.json", "no such file"),
                                        ("bad.json", "cannot read")])
def test_a_tokenizer_that_cannot_load_is_a_usage_error(tmp_path, capsys, spec, words):
    (tmp_path / "bad.json").write_text("garbage")
    data = tmp_path / "t.jsonl"
    data.write_text('{"reasoning": "x"}\n')
    with pytest.raises(TokenizerError, match=words):
        load_tokenizer(str(tmp_path / spec))
    for cmd in ("score", "report"):
        assert main([cmd, str(data), "--tokenizer", str(tmp_path / spec), "-q"]) == 2
        assert words in capsys.readouterr().err
