"""Token counts for efficiency figures: reported by the record, else counted with a real
tokenizer the user names, else estimated.

A tokenizer is named by a spec (``--tokenizer`` / ``tokenizer`` in the config): the path of
a Hugging Face ``tokenizer.json`` (every open model's repository has one), or of a directory
holding one, optionally written ``hf:PATH``, read with the ``tokenizers`` library
(``pip install "tracelint[tokenizer]"``); or ``tiktoken:ENCODING`` (``o200k_base``), which
needs the ``tiktoken`` package and its vocabulary cached, since tiktoken downloads it on first
use.  Counts are of the text's tokens without special tokens, labelled ``tokenizer``.

The estimate is labelled ``estimate`` everywhere it appears.  It is the common rule of thumb
of one token per four characters of UTF-8 text (English BPE vocabularies average 3.5 to 4.5
characters per token); CJK text is counted as one token per character, since BPE
vocabularies rarely merge CJK characters.
"""
from __future__ import annotations

import math
import os
import re
from typing import Any, Callable, Dict, Optional

from .model import Trace

_CJK = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")


def estimate_tokens(text: str) -> int:
    """Estimated token count of ``text``: ceil(non-CJK chars / 4) + CJK chars."""
    if not text:
        return 0
    cjk = len(_CJK.findall(text))
    return math.ceil((len(text) - cjk) / 4) + cjk


class TokenizerError(Exception):
    """A tokenizer spec that cannot be loaded (the CLI reports it and exits 2)."""


_LOADED: Dict[str, Callable[[str], int]] = {}


def load_tokenizer(spec: str) -> Callable[[str], int]:
    """A function counting the tokens of a text with the tokenizer ``spec`` names; loaded
    once per process (worker processes load their own)."""
    fn = _LOADED.get(spec)
    if fn is not None:
        return fn
    if spec.startswith("tiktoken:"):
        fn = _tiktoken(spec)
        _LOADED[spec] = fn
        return fn
    path = spec[3:] if spec.startswith("hf:") else spec
    if os.path.isdir(path):
        path = os.path.join(path, "tokenizer.json")
    if not os.path.isfile(path):
        raise TokenizerError(f"tokenizer {spec!r}: no such file {path!r} (name a Hugging Face "
                             "tokenizer.json, or a directory holding one)")
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise TokenizerError(f"tokenizer {spec!r} needs the 'tokenizers' package: "
                             "pip install \"tracelint[tokenizer]\"") from None
    try:
        tok = Tokenizer.from_file(path)
    except Exception as e:  # a corrupt or foreign file: the library says why
        raise TokenizerError(f"tokenizer {spec!r}: cannot read {path!r}: {e}") from None

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False).ids) if text else 0
    _LOADED[spec] = count
    return count


def _tiktoken(spec: str) -> Callable[[str], int]:
    try:
        import tiktoken  # type: ignore
    except ImportError:
        raise TokenizerError(f"tokenizer {spec!r} needs the 'tiktoken' package") from None
    try:
        enc = tiktoken.get_encoding(spec.split(":", 1)[1])
    except Exception as e:
        raise TokenizerError(f"tokenizer {spec!r}: cannot load the encoding ({e}); tiktoken "
                             "downloads vocabularies on first use, so offline it needs a "
                             "cached one") from None
    return lambda text: len(enc.encode(text, disallowed_special=())) if text else 0


def token_count(trace: Trace, tokenizer: Optional[str] = None) -> Dict[str, Any]:
    """``{"count": int, "source": "reported" | "tokenizer" | "estimate"}`` for the trace's
    output: the record's own count, else the count of ``tokenizer`` (a spec, see
    :func:`load_tokenizer`) over reasoning and answer, else the estimate."""
    if trace.output_tokens is not None:
        return {"count": int(trace.output_tokens), "source": "reported"}
    text = (trace.reasoning or "") + (trace.answer or "")
    if tokenizer:
        return {"count": load_tokenizer(tokenizer)(text), "source": "tokenizer"}
    return {"count": estimate_tokens(text), "source": "estimate"}
