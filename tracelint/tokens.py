"""Token counts for efficiency figures: reported by the record, else estimated.

The estimate is labelled ``estimate`` everywhere it appears.  It is the common rule of thumb
of one token per four characters of UTF-8 text (English BPE vocabularies average 3.5 to 4.5
characters per token); CJK text is counted as one token per character, since BPE
vocabularies rarely merge CJK characters.
"""
from __future__ import annotations

import math
import re
from typing import Any, Dict

from .model import Trace

_CJK = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")


def estimate_tokens(text: str) -> int:
    """Estimated token count of ``text``: ceil(non-CJK chars / 4) + CJK chars."""
    if not text:
        return 0
    cjk = len(_CJK.findall(text))
    return math.ceil((len(text) - cjk) / 4) + cjk


def token_count(trace: Trace) -> Dict[str, Any]:
    """``{"count": int, "source": "reported" | "estimate"}`` for the trace's output."""
    if trace.output_tokens is not None:
        return {"count": int(trace.output_tokens), "source": "reported"}
    text = (trace.reasoning or "") + (trace.answer or "")
    return {"count": estimate_tokens(text), "source": "estimate"}
