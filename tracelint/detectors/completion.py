"""Completion: did the trace finish?  Each truncation reason is its own rule, and all that
apply are recorded in ``truncation_reasons``.
"""
from __future__ import annotations

import re
from typing import List, Tuple, Type

from ..config import Config
from .base import DetectorOutput, Rule, TraceContext

#: Characters that can end a finished sentence or answer (after trailing whitespace).
_FINAL_CHARS = set(".!?。！？…)]}>\"'`*$|»”’：:") | set("0123456789")


def _is_emoji(ch: str) -> bool:
    # Pictographs, dingbats and the joiners/selectors/skin tones that build emoji sequences.
    # Chat models sign off with them ("Let me know! 😊"); a cut that lands exactly after a
    # pictograph is rare, so one at the end counts as a finished message.
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF
            or cp in (0x200D, 0x20E3, 0xFE0E, 0xFE0F) or 0xE0020 <= cp <= 0xE007F)


class TRN001(Rule):
    """The serving engine stopped the output at its token limit.

    What: ``finish_reason`` is ``length`` (OpenAI), ``max_tokens`` (Anthropic) or an
    equivalent the reader normalised to ``length``.

    Why: the model did not decide to stop; whatever it was doing, reasoning or looping, ran
    into the cap.  Such a trace has no trustworthy final answer and is usually dropped from
    SFT data.

    Flagged example: ``{"reasoning": "...", "finish_reason": "length"}``

    OK example: ``{"reasoning": "...", "finish_reason": "stop"}``
    """

    code = "TRN001"
    name = "finish-length"


class TRN002(Rule):
    """The output used the whole token budget.

    What: ``output_tokens >= budget`` where both are known.

    Why: an output that reached its budget was cut there, even when the engine's
    ``finish_reason`` was lost on the way into the dataset.

    Flagged example: ``{"output_tokens": 32768, "budget": 32768}``

    OK example: ``{"output_tokens": 1204, "budget": 32768}``
    """

    code = "TRN002"
    name = "budget-exhausted"


class TRN003(Rule):
    """The thinking block was opened and never closed.

    What: the text has the opening thinking delimiter (``<think>`` by default) and no
    closing one, so everything after the tag is reasoning and no answer follows.

    Why: open reasoning models emit ``</think>`` before answering; an unclosed block means
    the generation stopped while still thinking, almost always at the token cap.

    Flagged example: ``"<think>Let me check again. Let me check again. Let me"``

    OK example: ``"<think>3 + 4 = 7.</think>The answer is 7."``
    """

    code = "TRN003"
    name = "unclosed-thinking"


class TRN004(Rule):
    """The output breaks off mid-sentence without a final answer.

    What: the trace has no answer text, no final answer can be extracted from the end of its
    reasoning (``\\boxed{}``, ``#### N``, "the answer is ..."; the last-number fallback is not
    used), and the text ends mid-sentence: its last character cannot end a sentence (an
    emoji can: chat models sign off with one), and it stops on an operator, a comma or an
    open bracket, or on a word no sentence ends with ("This means that", "(which is"), or it
    is a text of 2,000 characters or more whose last line is long prose.

    Why: when the record lost its ``finish_reason`` and token counts, a text that stops in
    the middle of a sentence with no answer is the remaining evidence of a cut.  A chat
    answer that simply states a conclusion without a formal final-answer marker is not
    flagged: it ends with a full stop.

    Options: ``require_unfinished_sentence`` (default true): set to false to flag every
    trace without an extractable answer.

    Flagged example: ``"So the total is 5 times the number of"``

    OK example: ``"So the total is 25. The answer is 25."``,
    ``"We need more information about the peaches! 🍑"``, a haiku whose last line has no
    full stop, a one-word translation (``"Bonjour"``).
    """

    code = "TRN004"
    name = "cut-mid-sentence"
    options = {"require_unfinished_sentence": True}


#: rule class -> truncation reason recorded in the output
REASONS = {TRN001: "finish_reason", TRN002: "budget", TRN003: "unclosed-thinking",
           TRN004: "no-final-answer"}


#: words a sentence does not end on: articles, determiners, the prepositions and
#: conjunctions that need what follows ("... the number of", "(which is") -- not words that
#: close a sentence often enough ("come in", "you and I", "No", "so be it")
_OPEN_WORDS = frozenset("""
a an the this these those its their our your my of to for from with into onto and or but nor
because than which whose per via plus minus times equals is are was were
""".split())
_LAST_WORD = re.compile(r"([^\W\d_]+)\W*$")
#: the last mark of a cut inside a formula or a list ("3 + 4 =", "s^", "(3 - ", "12,")
_OPEN_MARKS = frozenset("+-*=^,([{<\u2212\u00d7\u00f7")  # not "/": a path ends so
#: a text at least this long whose last line is long prose is cut wherever it stops
_LONG_TEXT, _LONG_LINE = 2000, 40


def _ends_mid_sentence(text: str) -> bool:
    """Whether ``text`` stops in the middle of a sentence: its last character cannot end one
    (nor is an emoji), and either its last line (two words or more) stops on an operator, a
    comma or an open bracket ("total +=", "- Sunglasses,"), or its last line (four words or
    more) stops on a word no sentence ends with ("... This means that", "(which is"), or it
    is a long text whose last line is long prose.  A one-word answer, a poem's last line, a
    SQL statement, a base64 or URL token and a short summary without its full stop are not
    cut."""
    stripped = text.rstrip()
    if not stripped or stripped[-1] in _FINAL_CHARS or _is_emoji(stripped[-1]):
        return False
    last_line = stripped[stripped.rfind("\n") + 1:].strip()
    words = last_line.split()
    if len(words) >= 2 and len(words[-1]) <= 20:  # a long last token: a URL, a path, base64
        if stripped[-1] in _OPEN_MARKS:
            return True  # "total +=", "- Sunglasses,"
        w = _LAST_WORD.search(words[-1])
        if len(words) >= 4 and w is not None and w.group(1).lower() in _OPEN_WORDS:
            return True
    return len(stripped) >= _LONG_TEXT and len(last_line) >= _LONG_LINE


def detect(ctx: TraceContext, cfg: Config) -> DetectorOutput:
    t = ctx.trace
    out = DetectorOutput()
    end = len(ctx.reasoning)
    hits: List[Tuple[Type[Rule], str]] = []
    if cfg.enabled("TRN001") and t.finish_reason == "length":
        hits.append((TRN001, "the engine stopped at its token limit (finish_reason=length)"))
    if (cfg.enabled("TRN002") and t.output_tokens is not None and t.budget is not None
            and t.budget > 0 and t.output_tokens >= t.budget):
        hits.append((TRN002, f"output used {t.output_tokens} of a budget of {t.budget} tokens"))
    if cfg.enabled("TRN003") and t.thinking_unclosed:
        hits.append((TRN003, "the thinking block was never closed"))
    if cfg.enabled("TRN004") and not (t.answer or "").strip() and (ctx.reasoning.strip()):
        from ..grounding.answer import extract_answer
        if extract_answer(None, ctx.reasoning, fallback=False) is None:
            need_cut = cfg.option("TRN004", "require_unfinished_sentence")
            if not need_cut or _ends_mid_sentence(ctx.reasoning):
                hits.append((TRN004, "the text breaks off mid-sentence with no final answer"))
    tail = max(0, end - 1)
    for rule, message in hits:
        out.findings.append(rule.finding(tail, end, message))
    reasons = [REASONS[rule] for rule, _ in hits]
    out.metrics["truncation_reasons"] = reasons
    ctx.truncation_reasons = reasons  # the loop detector weighs a loop that runs into a cut
    if reasons:
        out.flags.append("truncated")
    return out
