"""From one decoded record (a ``dict``) to a :class:`~tracelint.model.Trace`.

Order of precedence for every canonical field, highest first:

1. ``ReaderOptions.constants`` (``--set``);
2. ``ReaderOptions.field_map`` (``--field``) — a mapped field whose path is missing in a record
   is ``None`` for that record and is not filled from anywhere else;
3. a top-level key with the canonical name (``prompt``, ``reasoning``, ``output_tokens``...);
4. what schema detection finds: OpenAI chat completions, the OpenAI Responses API,
   Anthropic messages, Gemini ``generateContent``, Bedrock Converse, Ollama chat /
   generate, Cohere v2 chat, Mistral (thinking chunks), Alibaba DashScope, Hugging Face TGI
   ``/generate``, SGLang ``/generate`` and llama.cpp ``/completion`` responses (each also
   wrapped as ``{"request": ..., "response": ...}``, the request giving prompt and budget),
   the result lines of the OpenAI Batch, Anthropic Message Batches and Bedrock batch
   inference APIs (a failed request is an error naming the API's error), the samples of
   lm-evaluation-harness (``resps``, ``arguments``), SWE-agent trajectories (``.traj``: the
   steps as an agent episode), chat
   ``messages`` / ShareGPT ``conversations`` lists (an agent episode - several assistant
   turns with tool calls since the last request - read whole: :func:`_episode`), TRL
   ``prompt``/``completion`` message
   lists, a ``usage`` object, and an output text under
   ``response``/``output``/``content``/``completion``/``text``/``generation``.

After (4), a record with no prompt takes ``question``, ``problem``, ``instruction``, ``query``
or ``input`` as the prompt, one with no answer ``final_answer`` or ``predicted_answer``, one
with no model ``generator``, one with no reference ``ground_truth``, ``gold``,
``gold_answer``, ``expected_answer``, ``ground_truth_answer``, ``reference_answer``,
``correct_answer`` or ``target`` (or a ``correct`` holding an option letter: the answer key
``"correct": "C"`` of AQuA-RAT and MathQA), one with no budget an integer ``max_tokens``,
``max_new_tokens``, ``max_completion_tokens`` or ``max_output_tokens`` (the names datasets
and generation configs use; :data:`_DATASET_NAMES`).  One with
no reasoning takes it from a name of its own (:data:`REASONING_ALIASES`: ``thinking``,
``reasoning_content``, ``cot``, ``chain_of_thought``, ...; ``rationale`` only when the record
holds no other output), its output text then being the answer.  One with no output text
takes a ``steps`` list of strings, one step per line, as its
reasoning, or the model's output under a ``model_``-prefixed name (:data:`_MODEL_OUTPUT_KEYS`:
``model_output``, ``model_answer``, ``model_output_steps``, ...; beside one, a plain
``answer`` is the dataset's gold answer and becomes the reference) or ``generated_text``.
A record with still no output text but a list of samples (:data:`SAMPLE_KEYS`) gives one
trace per sample (:func:`build_traces`, docs/output.md "Multi-sample records");
one with no text at all is a :class:`~tracelint.model.ReadError` listing its fields.

Then the reasoning / answer split (:func:`split_output`): ``<think>`` delimiters first (with
the defaults, also ``<thinking>``, ``<|begin_of_thought|>``, ``◁think▷``, ``[THINK]``, gpt-oss
harmony channels, the others in :data:`OTHER_THINK_DELIMITERS` and the phrases of
:data:`PHRASE_THINK_DELIMITERS`), then a JSON-wrapped chain
of thought.  An output text with neither is the model's visible chain of thought (a chat
model's worked answer, or thinking whose opening tag was in the chat template, cut before
its closing tag): it is the reasoning, and the final answer is extracted from its end unless
the record gives one.  Top-level keys used by (2)-(4) and these names are *consumed*; every
other key goes to ``Trace.extra`` untouched.  A key consumed by a field map is not looked at
again by (3)-(4): ``--field reference=answer`` stops ``answer`` from also being read as the answer.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union, cast

from tracelint.io.fieldmap import (
    MAP_TARGETS, OUTPUT_TARGET, FieldSpecError, InputError, Path, get_path, parse_path,
)
from tracelint.model import CANONICAL_FIELDS, TOOL_CALL_MARK, ReadError, Trace, source_name


class OutputError(InputError):
    """An output that cannot be written safely (e.g. it is one of the inputs).  A subclass of
    :class:`InputError` so that callers mapping ``InputError`` to exit 2 cover it too."""


# --------------------------------------------------------------------------------------------
# options

TEXT_FIELDS = ("prompt", "reasoning", "model", "finish_reason")
LABEL_FIELDS = ("id", "task", "answer", "reference")  # strings; a number is also accepted
INT_FIELDS = ("output_tokens", "reasoning_tokens", "input_tokens", "budget", "sample")
FLOAT_FIELDS = ("workload",)
BOOL_FIELDS = ("correct",)
_STR_FIELDS = frozenset(TEXT_FIELDS + LABEL_FIELDS)
_INT_SET = frozenset(INT_FIELDS)


#: Default of ``ReaderOptions.max_text_chars`` (64 million characters).
DEFAULT_MAX_TEXT_CHARS = 64_000_000


@dataclass
class ReaderOptions:
    """How to read records.

    ``field_map``: canonical field (or ``"output"``) -> dotted path (see
    :mod:`tracelint.io.fieldmap`), or a list of already-split keys.
    ``constants``: canonical field -> literal value, coerced with the field's type rules and
    overriding whatever the record says.  ``think_open``/``think_close``: delimiters of the
    thinking block; ``think_open=""`` means the opening tag was part of the prompt (text before
    ``think_close`` is reasoning; with no ``think_close`` the whole text is unclosed reasoning).
    The defaults (``<think>``) also recognise the other known delimiters (:func:`split_think`).
    ``batch_size``: rows per record batch for Parquet / Arrow inputs.
    ``max_text_chars``: a record whose prompt, reasoning or answer is longer than this (in
    characters) is read as a :class:`~tracelint.model.ReadError` naming the field, not as a
    trace (``None``: no limit); analysis memory grows with the text, about 35 bytes per
    character at the peak (docs/reliability.md).

    Invalid options raise :class:`~tracelint.io.FieldSpecError` (a ``ValueError`` and an
    ``InputError``) on construction.
    """

    field_map: Mapping[str, Union[str, Sequence[str]]] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    think_open: str = "<think>"
    think_close: str = "</think>"
    batch_size: int = 1024
    max_text_chars: Optional[int] = DEFAULT_MAX_TEXT_CHARS

    def __post_init__(self) -> None:
        compile_options(self)


@dataclass
class _Plan:
    maps: List[Tuple[str, str, Path, Optional[str]]]  # (target, text, parsed, whole key)
    mapped: frozenset                          # targets with a map
    consumed: frozenset                        # top-level keys used by maps
    constants: Dict[str, Any]
    think_open: str
    think_close: str
    splitter: Any = None
    canon: Tuple[str, ...] = ()                # canonical keys read from the record
    detect_keys: frozenset = frozenset()       # keys that trigger schema detection
    where: Dict[str, str] = field(default_factory=dict)
    max_text_chars: Optional[int] = DEFAULT_MAX_TEXT_CHARS


def compile_options(opts: Optional[ReaderOptions]) -> _Plan:
    """Validate ``opts`` and precompute what the per-record code needs."""
    if opts is None:
        opts = ReaderOptions()
    maps: List[Tuple[str, str, Path, Optional[str]]] = []
    for target, path in dict(opts.field_map or {}).items():
        if target not in MAP_TARGETS:
            raise FieldSpecError(f"field map: unknown field {target!r}; valid fields: "
                                 f"{', '.join(MAP_TARGETS)}")
        if isinstance(path, (list, tuple)):
            if not path or not all(isinstance(s, str) and s for s in path):
                raise FieldSpecError(f"field map for {target!r}: a key list must hold "
                                     "non-empty strings")
            parsed: Path = tuple((s, None) for s in path)
            text = ".".join(path)
            whole: Optional[str] = None
        else:
            path = cast(str, path)
            try:
                parsed = parse_path(path)
            except FieldSpecError as e:
                raise FieldSpecError(f"field map for {target!r}: {e}") from None
            text = path
            # 'gpt-3.5-turbo (question)' written without escaping the dot: if the dotted
            # path is missing, a top-level key spelled like the whole text is used
            whole = path if len(parsed) > 1 and "\\" not in path else None
        maps.append((target, text, parsed, whole))
    consts: Dict[str, Any] = {}
    for name, value in dict(opts.constants or {}).items():
        if name not in CANONICAL_FIELDS:
            raise FieldSpecError(f"--set: unknown field {name!r}; valid fields: "
                                 f"{', '.join(CANONICAL_FIELDS)}")
        try:
            consts[name] = _coerce(name, value)
        except _FieldTypeError as e:
            raise FieldSpecError(f"--set {name}={value}: {e}") from None
    for name in ("think_open", "think_close"):
        if not isinstance(getattr(opts, name), str):
            raise FieldSpecError(f"{name} must be a string")
    if not opts.think_close:
        raise FieldSpecError("the closing thinking delimiter (--think-close) must not be empty")
    if not isinstance(opts.batch_size, int) or opts.batch_size < 1:
        raise FieldSpecError("batch_size must be a positive integer")
    lim = opts.max_text_chars
    if lim is not None and (isinstance(lim, bool) or not isinstance(lim, int) or lim < 1):
        raise FieldSpecError("max_text_chars must be a positive integer or None")
    consumed = frozenset({p[0][0] for _, _, p, _ in maps} | {w for _, _, _, w in maps if w})
    mapped = frozenset(t for t, _, _, _ in maps)
    return _Plan(maps=maps, mapped=mapped, consumed=consumed,
                 constants=consts, think_open=opts.think_open, think_close=opts.think_close,
                 splitter=_splitter(opts.think_open, opts.think_close),
                 canon=tuple(f for f in CANONICAL_FIELDS
                             if f not in consumed and f not in mapped),
                 detect_keys=_DETECT_KEYS - consumed,
                 where={t: text for t, text, _, _ in maps},
                 max_text_chars=lim)


# --------------------------------------------------------------------------------------------
# type checks


class _FieldTypeError(Exception):
    pass


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return repr(v) if len(v) <= 40 else repr(v[:37]) + "..."
    return repr(v)


def _join_strings(v: list) -> Optional[str]:
    for x in v:
        if not isinstance(x, str):
            return None
    return "\n".join(v)


def _num_to_str(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and math.isfinite(v):
        return str(int(v))
    return str(v)


def _as_int(v: Any) -> int:
    if isinstance(v, bool):
        raise _FieldTypeError(f"expected an integer, got {_show(v)}")
    if isinstance(v, int):
        out = v
    elif isinstance(v, float):
        if not (math.isfinite(v) and v.is_integer()):
            raise _FieldTypeError(f"expected an integer, got {_show(v)}")
        out = int(v)
    elif isinstance(v, str):
        s = v.strip()
        try:
            out = int(s)
        except ValueError:
            try:
                f = float(s)
            except ValueError:
                raise _FieldTypeError(f"expected an integer, got {_show(v)}") from None
            if not (math.isfinite(f) and f.is_integer()):
                raise _FieldTypeError(f"expected an integer, got {_show(v)}") from None
            out = int(f)
    else:
        raise _FieldTypeError(f"expected an integer, got {_show(v)}")
    if out < 0:
        raise _FieldTypeError(f"expected a non-negative integer, got {out}")
    if out > _INT_MAX:
        # no count is this large; beyond 2^53 sums and means stop being exact in floats,
        # and at 1e308 they overflow
        raise _FieldTypeError(f"expected an integer of at most 2^53, got {_show(v)}")
    return out


_INT_MAX = 1 << 53


def _as_float(v: Any) -> float:
    if isinstance(v, bool):
        raise _FieldTypeError(f"expected a number, got {_show(v)}")
    if isinstance(v, (int, float)):
        out = float(v)
    elif isinstance(v, str):
        try:
            out = float(v.strip())
        except ValueError:
            raise _FieldTypeError(f"expected a number, got {_show(v)}") from None
    else:
        raise _FieldTypeError(f"expected a number, got {_show(v)}")
    if not math.isfinite(out):
        raise _FieldTypeError(f"expected a finite number, got {_show(v)}")
    return out


_TRUE = {"true": True, "1": True, "false": False, "0": False}


#: an option letter: the answer key AQuA-RAT and MathQA keep under ``correct``
_OPTION_KEY = re.compile(r"\s*\(?[A-Ja-j]\)?\s*")


def _as_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        b = _TRUE.get(v.strip().lower())
        if b is not None:
            return b
    raise _FieldTypeError(f"expected true/false (or 1/0), got {_show(v)}")


def _coerce(name: str, v: Any) -> Any:
    """Check / coerce one canonical value; ``None`` stays ``None``."""
    if v is None:
        return None
    if name in TEXT_FIELDS:
        if isinstance(v, str):
            return v
        if isinstance(v, list):
            j = _join_strings(v)
            if j is not None:
                return j
        raise _FieldTypeError(f"expected a string, got {_show(v)}")
    if name in LABEL_FIELDS:
        if isinstance(v, str):
            return v
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return _num_to_str(v)
        if isinstance(v, list):
            j = _join_strings(v)
            if j is not None:
                return j
        raise _FieldTypeError(f"expected a string or a number, got {_show(v)}")
    if name in INT_FIELDS:
        return _as_int(v)
    if name in FLOAT_FIELDS:
        return _as_float(v)
    if name in BOOL_FIELDS:
        return _as_bool(v)
    if name == OUTPUT_TARGET:
        if isinstance(v, str):
            return v
        if isinstance(v, list):
            j = _join_strings(v)
            if j is not None:
                return j
        raise _FieldTypeError(f"expected a string, got {_show(v)}")
    raise AssertionError(name)  # pragma: no cover


# --------------------------------------------------------------------------------------------
# finish reasons

_FINISH = {
    "length": "length", "max_tokens": "length", "max_output_tokens": "length",
    # Mistral's API at the model's context length; Anthropic/Bedrock at the context window
    "model_length": "length", "model_context_window_exceeded": "length",
    "stop": "stop", "end_turn": "stop", "stop_sequence": "stop",
    # Hugging Face TGI's end of sequence; Cohere's COMPLETE
    "eos_token": "stop", "complete": "stop",
}


def normalize_finish_reason(v: Optional[str]) -> Optional[str]:
    """``length``/``max_tokens``/``max_output_tokens``/``model_length``/
    ``model_context_window_exceeded`` -> ``"length"``; ``stop``/``end_turn``/
    ``stop_sequence``/``eos_token``/``complete`` -> ``"stop"`` (case-insensitive); anything
    else verbatim."""
    if v is None:
        return None
    return _FINISH.get(v.strip().lower(), v)


# --------------------------------------------------------------------------------------------
# splitting an output text into reasoning and answer


class _ThinkSplitter:
    """Finds the thinking delimiters in one pass when it can: a compiled alternation is
    fastest when both delimiters start with the same character (``<think>`` / ``</think>``,
    scanned with memchr for ``<``), two ``str.find`` calls otherwise."""

    __slots__ = ("open", "close", "rx")

    def __init__(self, think_open: str, think_close: str) -> None:
        self.open = think_open
        self.close = think_close
        self.rx = None
        if think_open and think_open[0] == think_close[0]:
            alts = sorted({think_open, think_close}, key=len, reverse=True)
            self.rx = re.compile("|".join(re.escape(a) for a in alts))

    def split(self, text: str) -> Optional[Tuple[str, Optional[str], bool]]:
        op, cl = self.open, self.close
        if self.rx is not None:
            m = self.rx.search(text)
            if m is None:
                return None
            if m.group() == cl:
                j = m.start()
                return text[:j].strip(), (text[j + len(cl):].strip() or None), False
            i = m.start()
        else:
            j = text.find(cl)
            i = text.find(op, 0, j if j >= 0 else len(text)) if op else -1
            if i < 0:
                if j >= 0:
                    return text[:j].strip(), (text[j + len(cl):].strip() or None), False
                if not op:
                    return text.strip(), None, True
                return None
        start = i + len(op)
        j = text.find(cl, start)
        if j < 0:
            return text[start:].strip(), None, True
        return text[start:j].strip(), (text[j + len(cl):].strip() or None), False


#: Thinking delimiters recognised besides ``<think>`` when the configured delimiters are the
#: defaults (``--think-open``/``--think-close`` unset), with the models that write them.
OTHER_THINK_DELIMITERS: Tuple[Tuple[str, str], ...] = (
    ("<thinking>", "</thinking>"),                   # XML-style prompted / distilled traces
    ("<reasoning>", "</reasoning>"),                 # GRPO recipes (reasoning, then answer)
    ("<|begin_of_thought|>", "<|end_of_thought|>"),  # Sky-T1, OpenThoughts, Bespoke-Stratos
    ("\u25c1think\u25b7", "\u25c1/think\u25b7"),     # Kimi k1.5, Kimi-VL-Thinking
    ("<seed:think>", "</seed:think>"),               # ByteDance Seed-OSS
    ("[THINK]", "[/THINK]"),                         # Mistral Magistral
    ("<|START_THINKING|>", "<|END_THINKING|>"),      # Cohere Command A Reasoning
)
#: Thinking introduced by a phrase where the output starts and ended by a marker at the start
#: of a line: (phrase, marker, what ends the answer).  A marker in brackets is read without
#: its phrase too (the chat template may have put the phrase in the prompt); a phrase marker
#: is not.  Without its marker, a phrase is ordinary text (a chat answer may open so), not
#: unclosed thinking.
PHRASE_THINK_DELIMITERS: Tuple[Tuple[str, str, str], ...] = (
    ("Here are my reasoning steps:", "[BEGIN FINAL RESPONSE]", "[END FINAL RESPONSE]"),  # Apriel
    ("Here is my thought process:", "Here is my response:", ""),     # IBM Granite 3.2
)
#: Wrappers taken off an answer that is nothing but one wrapped block.
ANSWER_WRAPPERS: Tuple[Tuple[str, str], ...] = (
    ("<answer>", "</answer>"),
    ("<|begin_of_solution|>", "<|end_of_solution|>"),
    ("<|START_RESPONSE|>", "<|END_RESPONSE|>"),      # Cohere Command A Reasoning
    ("<response>", "</response>"),                   # IBM Granite 3.3
)
_HARMONY_END = re.compile(r"<\|(?:end|return|call|start)\|>")
_HARMONY_STRIPPED = re.compile(r"\s*analysis")


#: End-of-turn tokens that a dump decoded without ``skip_special_tokens`` leaves at the end of
#: the answer (ChatML / Qwen, Llama 3, DeepSeek, Gemma, Phi, GPT-2 family, SentencePiece).
END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>",
                      "<|END_OF_TURN_TOKEN|>",
                      "<|end|>", "<\uff5cend\u2581of\u2581sentence\uff5c>", "<end_of_turn>",
                      "<eos>", "</s>")


def _drop_end_of_turn(text: str) -> str:
    # endswith checks moving one end index, not a regex (``(\s*token)+\s*$`` backtracks
    # over runs of white space) nor repeated slicing (quadratic on "</s>" a million times)
    end = len(text)
    while True:
        while end and text[end - 1].isspace():
            end -= 1
        for tok in END_OF_TURN_TOKENS:
            if text.endswith(tok, 0, end):
                end -= len(tok)
                break
        else:
            return text[:end]


def _unwrap_answer(answer: Optional[str]) -> Optional[str]:
    if answer is None:
        return None
    if answer.endswith(">"):
        answer = _drop_end_of_turn(answer)
        if not answer:
            return None
    for op, cl in ANSWER_WRAPPERS:
        if answer.startswith(op) and answer.endswith(cl) and len(answer) >= len(op) + len(cl) \
                and answer.find(op, len(op)) < 0:
            return answer[len(op):len(answer) - len(cl)].strip() or None
    return answer


def _harmony(text: str, first: int) -> Tuple[str, Optional[str], bool]:
    """gpt-oss "harmony" messages: ``<|channel|>analysis<|message|>...<|end|>`` is reasoning,
    the ``final`` channel's message is the answer; tool calls (``commentary``) are neither.
    Unclosed when no final message came and the last message never ended."""
    analysis: List[str] = []
    final: Optional[str] = None
    closed = True
    pos = first
    while pos >= 0:
        head = pos + len("<|channel|>")
        msg = text.find("<|message|>", head)
        if msg < 0:
            closed = False
            break
        channel = text[head:msg].split(None, 1)[0] if text[head:msg].strip() else ""
        body = msg + len("<|message|>")
        end = _HARMONY_END.search(text, body)
        content = text[body:end.start() if end else len(text)].strip()
        closed = end is not None and end.group() != "<|start|>"
        if channel == "analysis":
            analysis.append(content)
        elif channel == "final":
            final = content
        pos = text.find("<|channel|>", end.end()) if end else -1
    return "\n\n".join(x for x in analysis if x), final or None, final is None and not closed


def _harmony_stripped(text: str) -> Optional[Tuple[str, Optional[str], bool]]:
    """Harmony decoded with its special tokens dropped (``skip_special_tokens``): the text
    reads ``analysis<reasoning>assistantfinal<answer>``; the run-together word
    "assistantfinal" does not occur in prose."""
    m = _HARMONY_STRIPPED.match(text)
    if m is None:
        return None
    j = text.find("assistantfinal", m.end())
    if j < 0:
        return None
    return text[m.end():j].strip(), text[j + len("assistantfinal"):].strip() or None, False


class _AutoSplitter:
    """The default delimiters: ``<think>`` exactly as :class:`_ThinkSplitter` reads it, else
    the first of :data:`OTHER_THINK_DELIMITERS` or gpt-oss harmony channels found (also
    harmony with its special tokens stripped).  For
    those, an opening delimiter with no closing one means unclosed thinking only when it
    starts the text (a stray mention later in an answer is not a thinking block), and a
    closing delimiter alone is not read (only ``</think>`` has that convention).  An answer
    that is one ``<answer>``/``<|begin_of_solution|>`` block is unwrapped, end-of-turn
    tokens after it dropped."""

    __slots__ = ("think", "opens", "close_of")

    def __init__(self) -> None:
        self.think = _ThinkSplitter("<think>", "</think>")
        self.close_of = dict(OTHER_THINK_DELIMITERS)
        self.opens = tuple(self.close_of) + ("<|channel|>",)

    def split(self, text: str) -> Optional[Tuple[str, Optional[str], bool]]:
        r = self.think.split(text)
        if r is None:
            r = self._other(text)
        if r is None:
            return None
        return r[0], _unwrap_answer(r[1]), r[2]

    def _other(self, text: str) -> Optional[Tuple[str, Optional[str], bool]]:
        # one str.find per opener (a fast substring search each) beats a regex alternation,
        # which steps through every '<' and '[' of a LaTeX-heavy text
        at, op = -1, ""
        for o in self.opens:
            i = text.find(o, 0, at if at >= 0 else len(text))
            if i >= 0:
                at, op = i, o
        if at < 0:
            return _phrase_split(text) or _harmony_stripped(text)
        if op == "<|channel|>":
            return _harmony(text, at)
        start = at + len(op)
        cl = self.close_of[op]
        j = text.find(cl, start)
        if j >= 0:
            return text[start:j].strip(), (text[j + len(cl):].strip() or None), False
        if text[:at].strip():
            return None
        return text[start:].strip(), None, True


def _phrase_split(text: str) -> Optional[Tuple[str, Optional[str], bool]]:
    """:data:`PHRASE_THINK_DELIMITERS`: the phrase must start the text (after white space),
    the marker a line."""
    i = len(text) - len(text.lstrip())
    for op, cl, end in PHRASE_THINK_DELIMITERS:
        opened = text.startswith(op, i)
        if not opened and not cl.startswith("["):
            continue
        j = text.find(cl, i)
        while j > i and text[j - 1] != "\n":
            j = text.find(cl, j + 1)
        if j < 0:
            continue
        answer = _drop_end_of_turn(text[j + len(cl):])
        if end and answer.endswith(end):
            answer = answer[:len(answer) - len(end)]
        return text[i + len(op) if opened else i:j].strip(), answer.strip() or None, False
    return None


_DEFAULT_DELIMITERS = ("<think>", "</think>")
_SPLITTERS: Dict[Tuple[str, str], Any] = {}


def _splitter(think_open: str, think_close: str) -> Any:
    sp = _SPLITTERS.get((think_open, think_close))
    if sp is None:
        if len(_SPLITTERS) > 64:
            _SPLITTERS.clear()
        sp = _AutoSplitter() if (think_open, think_close) == _DEFAULT_DELIMITERS else \
            _ThinkSplitter(think_open, think_close)
        _SPLITTERS[(think_open, think_close)] = sp
    return sp


def split_think(text: str, think_open: str = "<think>", think_close: str = "</think>"
                ) -> Optional[Tuple[str, Optional[str], bool]]:
    """Split ``text`` at the thinking delimiters.

    Returns ``(reasoning, answer, unclosed)``, or ``None`` when no delimiter is found (and
    ``think_open`` is not empty).  Parts are stripped of surrounding whitespace; an empty
    answer is ``None``.  Text before the opening tag is dropped.  Whichever delimiter comes
    first decides:

    * ``<think>A</think>B`` -> ``(A, B, False)``
    * ``<think>A`` (never closed, truncated) -> ``(A, None, True)``
    * ``A</think>B`` (opening tag in the prompt, e.g. DeepSeek API dumps) -> ``(A, B, False)``
    * with ``think_open=""``: ``A`` -> ``(A, None, True)``; ``A</think>B`` as above.

    With the default delimiters, a text without ``<think>``/``</think>`` is also split at
    the other delimiters models write (:data:`OTHER_THINK_DELIMITERS`: ``<thinking>``,
    ``<reasoning>``, ``<|begin_of_thought|>``, ``◁think▷``, ``<seed:think>``, ``[THINK]``,
    ``<|START_THINKING|>``), at the phrases and markers of :data:`PHRASE_THINK_DELIMITERS`
    (Apriel's ``[BEGIN FINAL RESPONSE]``, Granite's "Here is my thought process:") and at
    gpt-oss harmony channels; an answer that is one ``<answer>...</answer>``,
    ``<|begin_of_solution|>...<|end_of_solution|>``, ``<|START_RESPONSE|>...`` or
    ``<response>...</response>`` block is unwrapped, and end-of-turn
    tokens at the end of the answer (``<|im_end|>``, ``<|eot_id|>``, ``</s>``, ...) are
    dropped.  Any other
    delimiters are used exactly as given.
    """
    if not think_close:
        raise ValueError("think_close must not be empty")
    return _splitter(think_open, think_close).split(text)


_COT_KEYS = ("reasoning", "thought", "thinking", "rationale")
_ANSWER_KEYS = ("answer", "final_answer")
_COT_KEY_RX = re.compile(r'"(?:reasoning|thought|thinking|rationale)"[ \t\r\n]*:')
_DECODER = json.JSONDecoder(strict=False)
_WS = " \t\r\n"


class _Truncated(Exception):
    pass


class _Malformed(Exception):
    pass


def _scan_string(text: str, pos: int, latex: bool = False) -> Tuple[str, int]:
    """Leniently decode the JSON string starting at ``text[pos] == '"'``; returns (value,
    end).  Invalid escapes (``\\frac``) are kept literally; raw control characters are
    allowed.  Raises ``_Truncated`` when the string never closes."""
    k = pos + 1
    while True:
        q = text.find('"', k)
        if q < 0:
            raise _Truncated()
        b = q - 1
        while text[b] == "\\":
            b -= 1
        if (q - 1 - b) % 2 == 0:
            break
        k = q + 1
    return _decode_raw(text[pos + 1:q], latex), q + 1


_SIMPLE_ESC = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
               "t": "\t"}


# LaTeX commands that begin with a JSON escape letter (b f n r t): models write "\frac" or
# "\times" inside JSON strings meaning LaTeX, which strict JSON reads as form feed + "rac" and
# tab + "imes".  Before one of these command names (followed by a non-letter) the backslash is
# taken literally.  Commands whose rest reads like a word after a newline or tab (\ne \ni \nu
# \to \tan \top \tt) are left out; what remains can still misread a newline followed by
# "eq", "ot", "eg" or "abla" as a command -- a deliberate trade-off (real model JSON has many
# more single-backslash LaTeX commands than such lines).
_LATEX_CMDS = (
    "backslash|bar|because|begin|beta|bf|big|bigg|bigl|bigr|binom|bmod|boldsymbol|bot|boxed|"
    "breve|bullet|forall|frac|frown|nabla|neg|neq|newline|ngeq|nleq|nmid|nonumber|"
    "not|notin|rangle|rbrace|rceil|rfloor|rho|right|rightarrow|rm|rvert|tanh|tau|"
    "tbinom|text|textbf|textit|textrm|textstyle|texttt|tfrac|therefore|theta|tilde|times|"
    "tiny|triangle")
_LATEX_ESC_RX = re.compile(r"(?<!\\)((?:\\\\)*)\\((?:%s)(?![a-zA-Z]))" % _LATEX_CMDS)
# the same without the look-behind: starts with a literal backslash, so it is scanned fast;
# it may also fire on a correctly escaped "\\\\frac", which the lenient path reads right too
_LATEX_HINT_RX = re.compile(r"\\(?:%s)(?![a-zA-Z])" % _LATEX_CMDS)


def _decode_raw(raw: str, latex: bool = False) -> str:
    """Decode the inside of a JSON string leniently (invalid escapes kept literally; with
    ``latex``, backslashes before LaTeX commands kept literally too)."""
    if "\\" not in raw:
        return raw
    if latex:
        raw = _LATEX_ESC_RX.sub(r"\1\\\\\2", raw)
    try:
        return _DECODER.decode('"' + raw + '"')
    except ValueError:
        pass
    out: List[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = raw[i + 1]
        if e in _SIMPLE_ESC:
            out.append(_SIMPLE_ESC[e])
            i += 2
        elif e == "u" and i + 6 <= n and all(h in "0123456789abcdefABCDEF"
                                             for h in raw[i + 2:i + 6]):
            out.append(chr(int(raw[i + 2:i + 6], 16)))
            i += 6
        else:  # invalid escape such as \frac or \$: keep the backslash
            out.append(c)
            i += 1
    return "".join(out)


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in _WS:
        pos += 1
    return pos


def _lenient_object(text: str, pos: int, brace: bool = True, latex: bool = False
                    ) -> Tuple[Dict[str, Any], int]:
    """Parse a JSON object at ``text[pos] == '{'`` tolerating what models get wrong (raw
    newlines and invalid escapes in strings, missing or trailing commas; with
    ``brace=False`` a missing opening brace).  Raises ``_Truncated`` if the text ends inside
    it and ``_Malformed`` otherwise."""
    n = len(text)
    obj: Dict[str, Any] = {}
    val: Any
    if brace:
        pos += 1
    while True:
        pos = _skip_ws(text, pos)
        if pos >= n:
            raise _Truncated()
        c = text[pos]
        if c == "}":
            return obj, pos + 1
        if c == ",":
            pos += 1
            continue
        if c != '"':
            raise _Malformed()
        key, pos = _scan_string(text, pos, latex)
        pos = _skip_ws(text, pos)
        if pos >= n:
            raise _Truncated()
        if text[pos] != ":":
            raise _Malformed()
        pos = _skip_ws(text, pos + 1)
        if pos >= n:
            raise _Truncated()
        c = text[pos]
        if c == '"':
            val, pos = _scan_string(text, pos, latex)
        elif c == "{":
            val, pos = _lenient_object(text, pos, True, latex)
        else:
            try:
                val, pos = _DECODER.raw_decode(text, pos)
            except ValueError:
                # a number/literal cut at the end of the text is truncation
                if not text[pos:].strip(" \t\r\n-+.0123456789eEtruefalsn[]{},\""):
                    raise _Truncated() from None
                raise _Malformed() from None
        obj[key] = val
        # loop: a comma, a closing brace, or (leniently) the next key directly


def _value_text(v: Any) -> Optional[str]:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        j = _join_strings(v)
        if j is not None:
            return j
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return _num_to_str(v)
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def _frame(text: str, start: int, end: int, reasoning: str) -> str:
    """Reasoning with the text before and after the JSON object kept around it."""
    parts = []
    pre = text[:start].rstrip()
    if pre.endswith("```json"):
        pre = pre[:-7]
    elif pre.endswith("```"):
        pre = pre[:-3]
    pre = pre.strip()
    if pre:
        parts.append(pre)
    parts.append(reasoning.strip())
    post = text[end:].strip()
    if post.startswith("```"):
        post = post[3:].strip()
    if post:
        parts.append(post)
    return "\n\n".join(p for p in parts if p)


def _answer_text(v: Any) -> Optional[str]:
    a = _value_text(v)
    if a is not None:
        a = a.strip() or None
    return a


def _rescue(text: str, key_pos: int, start: int, latex: bool = False
            ) -> Optional[Tuple[str, Optional[str]]]:
    """Last resort for an object that does not parse (an unescaped quote inside the
    reasoning, a reasoning string never closed before ``"answer"``): the reasoning is what lies
    between the reasoning key and the last ``"answer":`` key, the answer is that key's value."""
    a = len(text)
    while True:  # the last "answer" that is followed by ':'
        a = max(text.rfind('"answer"', 0, a), text.rfind('"final_answer"', 0, a))
        if a <= key_pos:
            return None
        colon = _skip_ws(text, text.index('"', a + 1) + 1)
        if colon < len(text) and text[colon] == ":":
            break
    v = _skip_ws(text, colon + 1)
    if v >= len(text):
        return None
    try:
        if text[v] == '"':
            ans, vend = _scan_string(text, v, latex)
        else:
            ans, vend = _DECODER.raw_decode(text, v)
    except (ValueError, _Truncated):
        return None
    colon_r = _skip_ws(text, text.index('"', key_pos + 1) + 1)  # after the reasoning key
    r0 = _skip_ws(text, colon_r + 1)
    if r0 < a and text[r0] == '"':
        r0 += 1
    raw = text[r0:a].rstrip(_WS)
    if raw.endswith(","):
        raw = raw[:-1].rstrip(_WS)
    if raw.endswith('"') and not raw.endswith('\\"'):
        raw = raw[:-1]
    close = _skip_ws(text, vend)
    end = close + 1 if close < len(text) and text[close] == "}" else vend
    return _frame(text, start, end, _decode_raw(raw, latex)), _answer_text(ans)


def split_json_cot(text: str) -> Optional[Tuple[str, Optional[str]]]:
    """Recognise a chain of thought wrapped in JSON: ``{"reasoning": ..., "answer": ...}``
    (also ``thought``/``thinking``/``rationale``, ``final_answer``), optionally inside a
    ```` ```json ```` fence and with text around it.

    Returns ``(reasoning, answer)``, or ``None`` when the text is not such an object.  Text
    before and after the object (a preamble, a trailing explanation) is kept: it is joined to
    the JSON reasoning with blank lines.  Models' invalid JSON is read leniently (raw newlines
    and ``\\frac`` in strings, missing commas, a missing opening brace, an unescaped quote in
    the reasoning).  An object that is truncated (no answer anywhere) or unreadable gives
    ``(text, None)``: the whole text is the reasoning and there is no answer.
    """
    m = _COT_KEY_RX.search(text)  # one memchr-driven scan for '"'
    if m is None:
        return None
    best = m.start()
    b = best - 1
    while b >= 0 and text[b] in _WS:
        b -= 1
    starts = []
    if b >= 0 and text[b] == "{":
        starts.append(b)
    first = text.find("{")
    if 0 <= first < best and first not in starts:
        starts.append(first)  # e.g. {"answer": ..., "reasoning": ...}
    if not starts:
        pre = text[:best].strip()
        if pre not in ("", "```", "```json"):
            return None
        starts.append(best)  # the model left out the opening brace
    latex = _LATEX_HINT_RX.search(text, best) is not None
    for start in starts:
        try:
            if latex or text[start] != "{":
                raise ValueError
            obj, end = _DECODER.raw_decode(text, start)
        except ValueError:
            try:
                obj, end = _lenient_object(text, start, text[start] == "{", latex)
            except (_Truncated, _Malformed):
                continue
        if not isinstance(obj, dict):
            continue
        cot = next((obj[k] for k in _COT_KEYS if k in obj), None)
        if cot is None:
            continue
        ans = next((obj[k] for k in _ANSWER_KEYS if k in obj), None)
        return _frame(text, start, end, _value_text(cot) or ""), _answer_text(ans)
    r = _rescue(text, best, starts[0], latex)
    if r is not None:
        return r
    return text.strip(), None


def split_output(text: str, think_open: str = "<think>", think_close: str = "</think>"
                 ) -> Optional[Tuple[str, Optional[str], bool]]:
    """``<think>`` split, else JSON chain-of-thought split; ``None`` if neither applies."""
    return _split_output(text, _splitter(think_open, think_close))


def _split_output(text: str, sp: _ThinkSplitter) -> Optional[Tuple[str, Optional[str], bool]]:
    r = sp.split(text)
    if r is not None:
        return r
    j = split_json_cot(text)
    if j is not None:
        return j[0], j[1], False
    return None


# --------------------------------------------------------------------------------------------
# schema detection

_TEXT_KEYS = ("response", "output", "completion", "generation", "text", "content")
_DETECT_KEYS = frozenset(_TEXT_KEYS + (
    "choices", "candidates", "request", "messages", "conversations", "conversation", "usage",
    "stop_reason", "prompt", "message", "done_reason", "eval_count", "details",
    "stopped_limit", "tokens_predicted", "result", "modelInput", "modelOutput", "meta_info",
    "resps", "trajectory"))


def _blocks(blocks: list) -> Tuple[Optional[str], Optional[str]]:
    """Anthropic content blocks / OpenAI content parts / Responses API output items ->
    (thinking, text)."""
    thinking: List[str] = []
    texts: List[str] = []
    for b in blocks:
        if isinstance(b, str):
            texts.append(b)
            continue
        if not isinstance(b, dict):
            continue
        t = b.get("type")
        if t == "thinking":
            v = b.get("thinking")
            if isinstance(v, list):  # Mistral (Magistral): a list of text chunks
                _, v = _blocks(v)
            if isinstance(v, str):
                thinking.append(v)
        elif t in ("text", "output_text"):
            v = b.get("text")
            if isinstance(v, str):
                texts.append(v)
        elif t == "reasoning":  # Responses API reasoning item: content, else summary
            got = False
            for part in (b.get("content") or []):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    thinking.append(part["text"])
                    got = True
            if not got:
                for part in (b.get("summary") or []):
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        thinking.append(part["text"])
        elif t == "message" and isinstance(b.get("content"), list):  # Responses API message
            _, txt = _blocks(b["content"])
            if txt is not None:
                texts.append(txt)
        elif t is None:  # Bedrock Converse: {"reasoningContent": {"reasoningText": ...}}, {"text"}
            rc = b.get("reasoningContent")
            if isinstance(rc, dict) and isinstance(rc.get("reasoningText"), dict) and \
                    isinstance(rc["reasoningText"].get("text"), str):
                thinking.append(rc["reasoningText"]["text"])
            elif isinstance(b.get("text"), str):
                texts.append(b["text"])
    return ("\n\n".join(thinking) if thinking else None,
            "\n\n".join(texts) if texts else None)


def _content_text(content: Any) -> Optional[str]:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return _blocks(content)[1]
    return None


def _message(msg: dict) -> Tuple[Optional[str], Optional[str]]:
    """(reasoning, text) of one chat message."""
    content = msg.get("content")
    if content is None:
        content = msg.get("value")  # ShareGPT
    reasoning = None
    if isinstance(content, list):
        reasoning, text = _blocks(content)
    else:
        text = content if isinstance(content, str) else None
    for k in ("reasoning_content", "reasoning", "thinking"):
        v = msg.get(k)
        if isinstance(v, str):
            reasoning = v
            break
    return reasoning, text


_USER = ("user", "human")
_ASSISTANT = ("assistant", "gpt", "model", "bot")
#: ShareGPT-style tool datasets (Glaive, ToolBench) give the model's call a role of its own
_CALL_ROLES = ("function_call", "tool_call")


def _tool_calls(msg: dict) -> List[str]:
    """The tool calls of one assistant message, each as ``name(arguments)``: OpenAI
    ``tool_calls`` / ``function_call``, Anthropic ``tool_use`` blocks, Gemini
    ``functionCall`` parts, a ShareGPT ``function_call`` turn's value."""
    out: List[str] = []

    def show(name: Any, args: Any) -> None:
        if not isinstance(args, str):
            try:
                args = json.dumps(args, sort_keys=True, ensure_ascii=False)
            except (TypeError, ValueError):
                args = str(args)
        out.append(f"{name if isinstance(name, str) else '?'}({args})")

    for c in msg.get("tool_calls") or ():
        if isinstance(c, dict):
            f: Dict[str, Any] = c["function"] if isinstance(c.get("function"), dict) else c
            show(f.get("name"), f.get("arguments", f.get("input", "")))
    fc = msg.get("function_call")
    if isinstance(fc, dict):
        show(fc.get("name"), fc.get("arguments", ""))
    blocks = msg.get("content")
    if not isinstance(blocks, list):
        blocks = msg.get("parts")
    for b in blocks if isinstance(blocks, list) else ():
        if isinstance(b, dict) and b.get("type") == "tool_use":
            show(b.get("name"), b.get("input", {}))
        elif isinstance(b, dict) and isinstance(b.get("functionCall"), dict):
            show(b["functionCall"].get("name"), b["functionCall"].get("args", {}))
    if _role(msg) in _CALL_ROLES:
        v = msg.get("content", msg.get("value"))
        if isinstance(v, str):
            out.append(v)
    return out


def _is_tool_result(msg: dict) -> bool:
    """A user-role message that only carries tool results (Anthropic ``tool_result``
    blocks): part of the episode, not a new request."""
    c = msg.get("content")
    return isinstance(c, list) and len(c) > 0 and all(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in c)


def _episode(msgs: list, last_a: int) -> Optional[Tuple[str, Optional[str], int]]:
    """An agent episode ending at the assistant message ``last_a``: the model's turns since
    the last request, when there are two or more (tool calls and their results between
    them).  Returns (reasoning, final text, index of the request) or None.  The reasoning
    is every turn's thinking, text and tool calls (``[tool call] name(arguments)``) in
    order, one block per turn; tool results are the environment's, not the model's, and are
    left out.  The final turn's text is the answer."""
    turns: List[int] = []
    start = -1
    for i in range(last_a, -1, -1):
        m = msgs[i]
        if not isinstance(m, dict):
            continue
        r = _role(m)
        if r in _USER and not _is_tool_result(m):
            start = i
            break
        if r in _ASSISTANT or r in _CALL_ROLES:
            turns.append(i)
    if len(turns) < 2:
        return None
    turns.reverse()
    parts: List[str] = []
    final_text: Optional[str] = None
    for i in turns:
        m = msgs[i]
        if _role(m) in _CALL_ROLES:
            think, text = None, None
        else:
            think, text = _message(m)
        calls = _tool_calls(m)
        if i == last_a and not calls:
            final_text = text
            text = None
        block = [x for x in (think, text) if isinstance(x, str) and x.strip()]
        block += [f"{TOOL_CALL_MARK} {c}" for c in calls]
        if block:
            parts.append("\n".join(block))
    return "\n\n".join(parts), final_text, start


def _role(msg: dict) -> Optional[str]:
    r = msg.get("role")
    if r is None:
        r = msg.get("from")
    return r.lower() if isinstance(r, str) else None


def _is_message_list(v: Any) -> bool:
    return (isinstance(v, list) and len(v) > 0 and isinstance(v[0], dict)
            and ("role" in v[0] or "from" in v[0]))


def _conversation(msgs: list, out: Dict[str, Any], prompt_only: bool = False) -> None:
    """Prompt = last user message before the final assistant message; output = that
    assistant message (its reasoning too), or, when the model took several turns since that
    request (an agent calling tools), the whole episode (:func:`_episode`).  ``prompt_only``:
    the list is a request (the output is elsewhere), so the prompt is simply the last user
    message."""
    last_a = -1
    for i in range(len(msgs) - 1, -1, -1):
        if prompt_only:
            break
        m = msgs[i]
        if isinstance(m, dict) and (_role(m) in _ASSISTANT or _role(m) in _CALL_ROLES):
            last_a = i
            break
    ep = _episode(msgs, last_a) if last_a >= 0 else None
    if ep is not None:
        reasoning, final_text, start = ep
        if start >= 0:
            out.setdefault("prompt", _message(msgs[start])[1])
        out.setdefault("_reasoning", reasoning)
        out.setdefault("_text", final_text)
        return
    end = last_a if last_a >= 0 else len(msgs)
    for i in range(end - 1, -1, -1):
        m = msgs[i]
        if isinstance(m, dict) and _role(m) in _USER:
            _, txt = _message(m)
            out.setdefault("prompt", txt)
            break
    if last_a >= 0:
        r, txt = _message(msgs[last_a])
        out.setdefault("_reasoning", r)
        out.setdefault("_text", txt)


def _usage(u: Any, out: Dict[str, Any]) -> None:
    if not isinstance(u, dict):
        return
    for k in ("completion_tokens", "output_tokens", "outputTokens"):
        if k in u:
            out.setdefault("output_tokens", u[k])
            break
    for k in ("prompt_tokens", "input_tokens", "inputTokens"):
        if k in u:
            out.setdefault("input_tokens", u[k])
            break
    for k in ("completion_tokens_details", "output_tokens_details"):
        d = u.get(k)
        if isinstance(d, dict) and "reasoning_tokens" in d:
            out.setdefault("reasoning_tokens", d["reasoning_tokens"])
            break
    t = u.get("tokens")  # Cohere v2: usage.tokens (usage.billed_units aside)
    if isinstance(t, dict):
        for _, f, v in _counts(t, (("output_tokens", "output_tokens"),
                                   ("input_tokens", "input_tokens"))):
            out.setdefault(f, v)


def _swe_agent(rec: dict, steps: list, out: Dict[str, Any], used: set) -> None:
    """A SWE-agent trajectory read as an agent episode: each step's thought and its action
    as ``[tool call] action``, observations left out (the environment's, not the model's);
    the submitted patch is the answer; an exit for cost or context is a cut at the budget;
    the prompt is the first user message of ``history``."""
    parts = []
    for s in steps:
        thought = next((s[k] for k in ("thought", "reasoning", "response")
                        if isinstance(s.get(k), str)), "").strip()
        action = s.get("action")
        action = f"{TOOL_CALL_MARK} {action.strip()}" if isinstance(action, str) and \
            action.strip() else ""
        block = "\n".join(x for x in (thought, action) if x)
        if block:
            parts.append(block)
    out["_reasoning"] = "\n\n".join(parts)
    used.add("trajectory")
    info = rec.get("info")
    if isinstance(info, dict):
        if isinstance(info.get("submission"), str):
            out["_text"] = info["submission"]
        status = info.get("exit_status")
        if isinstance(status, str):
            out.setdefault("finish_reason", "length" if "exit_cost" in status or
                           "exit_context" in status else
                           "stop" if status == "submitted" else status)
        stats = info.get("model_stats")
        if isinstance(stats, dict):
            for _, f, v in _counts(stats, (("tokens_received", "output_tokens"),
                                           ("tokens_sent", "input_tokens"))):
                out.setdefault(f, v)
        used.add("info")
    hist = rec.get("history")
    if isinstance(hist, list):
        for m in hist:
            # the demonstration SWE-agent shows first is not this instance's issue
            if isinstance(m, dict) and m.get("role") == "user" and not m.get("is_demo") and \
                    m.get("message_type") != "demonstration":
                _, text = _message(m)
                if text is not None:
                    out.setdefault("prompt", text)
                    used.add("history")
                break


def _count(v: Any) -> Optional[int]:
    """``v`` if it is a token count (a non-negative int, not a bool), else None."""
    return v if type(v) is int and v >= 0 else None


def _counts(d: Mapping[str, Any], names: Sequence[Tuple[str, str]]
            ) -> List[Tuple[str, str, int]]:
    """``(key, canonical field, count)`` for each ``(key, field)`` of ``names`` whose value in
    ``d`` is a token count (:func:`_count`); others are left alone."""
    return [(k, f, d[k]) for k, f in names if _count(d.get(k)) is not None]


def _gemini_parts(parts: Any) -> Tuple[Optional[str], Optional[str]]:
    thinking: List[str] = []
    texts: List[str] = []
    for p in parts if isinstance(parts, list) else ():
        if isinstance(p, dict) and isinstance(p.get("text"), str):
            (thinking if p.get("thought") is True else texts).append(p["text"])
    return ("".join(thinking) if thinking else None, "".join(texts) if texts else None)


def _ollama_counts(obj: dict, out: Dict[str, Any]) -> None:
    """Ollama's ``done_reason``, ``eval_count`` (output tokens) and ``prompt_eval_count``."""
    if obj.get("done_reason") is not None:
        out.setdefault("finish_reason", obj["done_reason"])
    if obj.get("eval_count") is not None:
        out.setdefault("output_tokens", obj["eval_count"])
    if obj.get("prompt_eval_count") is not None:
        out.setdefault("input_tokens", obj["prompt_eval_count"])


def _completion_object(obj: dict, out: Dict[str, Any]) -> bool:
    """An API response object (OpenAI chat / Responses, Anthropic message, Gemini
    generateContent).  Fills ``out`` with ``_reasoning``/``_text`` and canonical raw values;
    True if recognised."""
    cands = obj.get("candidates")
    if isinstance(cands, list) and cands and isinstance(cands[0], dict):
        c0 = cands[0]
        content = c0.get("content")
        r, txt = _gemini_parts(content.get("parts") if isinstance(content, dict) else None)
        out.setdefault("_reasoning", r)
        out.setdefault("_text", txt)
        if c0.get("finishReason") is not None:
            out.setdefault("finish_reason", c0["finishReason"])
        um = obj.get("usageMetadata")
        if isinstance(um, dict):
            cand = um.get("candidatesTokenCount")
            th = um.get("thoughtsTokenCount")
            th_int = isinstance(th, int) and not isinstance(th, bool)
            if isinstance(cand, int) and not isinstance(cand, bool):
                out.setdefault("output_tokens", cand + (cast(int, th) if th_int else 0))
            elif cand is None and th_int:
                # a response cut while thinking has no candidatesTokenCount: all of its
                # output tokens were thoughts
                out.setdefault("output_tokens", th)
            if th is not None:
                out.setdefault("reasoning_tokens", th)
            if um.get("promptTokenCount") is not None:
                out.setdefault("input_tokens", um["promptTokenCount"])
        if obj.get("modelVersion") is not None:
            out.setdefault("model", obj["modelVersion"])
        return True
    choices = obj.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        c0 = choices[0]
        msg = c0.get("message")
        if isinstance(msg, dict):
            r, txt = _message(msg)
        else:  # legacy completions
            r, txt = None, c0.get("text") if isinstance(c0.get("text"), str) else None
        out.setdefault("_reasoning", r)
        out.setdefault("_text", txt)
        if c0.get("finish_reason") is not None:
            out.setdefault("finish_reason", c0["finish_reason"])
        _usage(obj.get("usage"), out)
        if obj.get("model") is not None:
            out.setdefault("model", obj["model"])
        return True
    if isinstance(obj.get("output"), dict) and isinstance(obj["output"].get("message"), dict):
        # Bedrock Converse: output.message.content blocks, stopReason, usage in camelCase
        r, txt = _message(obj["output"]["message"])
        out.setdefault("_reasoning", r)
        out.setdefault("_text", txt)
        if obj.get("stopReason") is not None:
            out.setdefault("finish_reason", obj["stopReason"])
        _usage(obj.get("usage"), out)
        return True
    if isinstance(obj.get("message"), dict) and ("done_reason" in obj or "eval_count" in obj):
        # Ollama /api/chat: message.content and message.thinking, done_reason, eval_count
        r, txt = _message(obj["message"])
        out.setdefault("_reasoning", r)
        out.setdefault("_text", txt)
        _ollama_counts(obj, out)
        return True
    content = obj.get("content")
    output = obj.get("output")
    blocks = content if isinstance(content, list) and not _is_message_list(content) else (
        output if isinstance(output, list) and output and isinstance(output[0], dict)
        and "type" in output[0] else None)
    if blocks is not None:
        r, txt = _blocks(blocks)
        out.setdefault("_reasoning", r)
        out.setdefault("_text", txt)
        sr = obj.get("stop_reason")
        if sr is None and obj.get("status") == "incomplete":
            det = obj.get("incomplete_details")
            sr = det.get("reason") if isinstance(det, dict) else None
        if sr is not None:
            out.setdefault("finish_reason", sr)
        _usage(obj.get("usage"), out)
        if obj.get("model") is not None:
            out.setdefault("model", obj["model"])
        return True
    return False


def _request(req: dict, out: Dict[str, Any]) -> None:
    msgs = req.get("messages")
    if _is_message_list(msgs):
        _conversation(cast(list, msgs), out, prompt_only=True)
    inp = req.get("input")
    if isinstance(inp, str):
        out.setdefault("prompt", inp)
    elif _is_message_list(inp):
        _conversation(cast(list, inp), out, prompt_only=True)
    contents = req.get("contents")  # Gemini
    if isinstance(contents, list):
        for c in reversed(contents):
            if isinstance(c, dict) and c.get("role", "user") == "user":
                _, txt = _gemini_parts(c.get("parts"))
                out.setdefault("prompt", txt)
                break
    gen = req.get("generationConfig")
    if isinstance(gen, dict) and gen.get("maxOutputTokens") is not None:
        out.setdefault("budget", gen["maxOutputTokens"])
    if isinstance(req.get("prompt"), str):
        out.setdefault("prompt", req["prompt"])
    for k in ("max_completion_tokens", "max_output_tokens", "max_tokens"):
        if req.get(k) is not None:
            out.setdefault("budget", req[k])
            break
    if req.get("model") is not None:
        out.setdefault("model", req["model"])


def _detect(rec: dict, skip: frozenset, out: Dict[str, Any], used: set) -> None:
    """Schema detection on the keys of ``rec`` not in ``skip``; raw values into ``out``
    (``setdefault``: earlier wins), used top-level keys into ``used``."""
    def avail(k: str) -> bool:
        return k in rec and k not in skip

    # chat completion at the top level (OpenAI / Anthropic / Responses API / Gemini)
    if avail("choices") or avail("candidates") or (
            avail("content") and isinstance(rec["content"], list)
                            and not _is_message_list(rec["content"])) or (
            avail("output") and isinstance(rec["output"], list) and rec["output"]
            and isinstance(rec["output"][0], dict) and "type" in rec["output"][0]):
        view = {k: rec[k] for k in ("choices", "candidates", "content", "output",
                                    "stop_reason", "status", "incomplete_details", "usage",
                                    "usageMetadata", "model", "modelVersion") if avail(k)}
        if _completion_object(view, out):
            used.update(view)
    # Ollama chat (message + done_reason/eval_count) and Bedrock Converse (output.message)
    if (avail("message") and isinstance(rec["message"], dict)
            and ("done_reason" in rec or "eval_count" in rec)) or (
            avail("output") and isinstance(rec["output"], dict)
            and isinstance(rec["output"].get("message"), dict)):
        view = {k: rec[k] for k in ("message", "done_reason", "eval_count", "prompt_eval_count",
                                    "output", "stopReason", "usage") if avail(k)}
        if _completion_object(view, out):
            used.update(view)
    # request + response wrapper
    if avail("response") and isinstance(rec["response"], dict):
        if _completion_object(rec["response"], out):
            used.add("response")
    if avail("request") and isinstance(rec["request"], dict):
        _request(rec["request"], out)
        used.add("request")
    # batch API results: OpenAI Batch (response.body), Anthropic Message Batches
    # (result.message), Bedrock batch inference (modelInput / modelOutput)
    def nothing_yet() -> bool:
        return out.get("_text") is None and out.get("_reasoning") is None

    resp = rec["response"] if avail("response") else None
    if isinstance(resp, dict) and isinstance(resp.get("body"), dict) and nothing_yet() and \
            _completion_object(resp["body"], out):
        used.add("response")
    res = rec["result"] if avail("result") else None
    if isinstance(res, dict) and isinstance(res.get("message"), dict) and nothing_yet() and \
            _completion_object(res["message"], out):
        used.add("result")
    if avail("modelOutput") and isinstance(rec["modelOutput"], dict) and nothing_yet() and \
            _completion_object(rec["modelOutput"], out):
        used.add("modelOutput")
        if isinstance(rec.get("modelInput"), dict) and "modelInput" not in skip:
            _request(rec["modelInput"], out)
            used.add("modelInput")
    # messages lists
    for k in ("messages", "conversations", "conversation"):
        if avail(k) and _is_message_list(rec[k]):
            _conversation(rec[k], out)
            used.add(k)
            break
    # TRL-style prompt/completion message lists
    for k in ("prompt", "input"):  # "input": Llama-Nemotron post-training data
        if avail(k) and _is_message_list(rec[k]) and (k == "prompt" or out.get("prompt") is None):
            tmp: Dict[str, Any] = {}
            _conversation(rec[k], tmp, prompt_only=True)
            out["prompt"] = tmp.get("prompt")
            used.add(k)
    # a plain output text
    if out.get("_text") is None and out.get("_reasoning") is None:
        for k in _TEXT_KEYS:
            if not avail(k):
                continue
            v = rec[k]
            if isinstance(v, str):
                out["_text"] = v
            elif _is_message_list(v):
                _conversation(v, out)
            elif isinstance(v, list) and v and isinstance(v[0], str):
                j = _join_strings(v)
                if j is None:
                    continue
                out["_text"] = j
            else:
                continue
            used.add(k)
            break
    # Ollama /api/generate: "response" text, a top-level "thinking", done_reason, eval_count
    ollama = [k for k in ("done_reason", "eval_count", "prompt_eval_count") if avail(k)]
    if ollama:
        if avail("thinking") and isinstance(rec["thinking"], str):
            out.setdefault("_reasoning", rec["thinking"])
            ollama.append("thinking")
        _ollama_counts({k: rec[k] for k in ollama}, out)
        used.update(ollama)
    # one assistant message at the top level with its finish_reason (Cohere v2 chat)
    if avail("message") and isinstance(rec["message"], dict) and "finish_reason" in rec and \
            rec["message"].get("role") in _ASSISTANT and nothing_yet():
        r, txt = _message(rec["message"])
        if r is not None or txt is not None:
            out["_reasoning"], out["_text"] = r, txt
            used.add("message")
    # Alibaba DashScope: output.choices (or output.text) and output.finish_reason
    if avail("output") and isinstance(rec["output"], dict) and nothing_yet():
        o = rec["output"]
        if _completion_object({k: o[k] for k in ("choices",) if k in o}, out) or \
                isinstance(o.get("text"), str):
            if isinstance(o.get("text"), str):
                out.setdefault("_text", o["text"])
            if isinstance(o.get("finish_reason"), str):
                out.setdefault("finish_reason", o["finish_reason"])
            used.add("output")
    # the serving engines' own fields are read only when well-typed: a record that merely has
    # a key of the same name stays as it was (its value passed through)
    # Hugging Face TGI /generate: details.finish_reason, details.generated_tokens
    det = rec.get("details") if avail("details") else None
    if isinstance(det, dict) and isinstance(det.get("finish_reason"), str):
        out.setdefault("finish_reason", det["finish_reason"])
        if _count(det.get("generated_tokens")) is not None:
            out.setdefault("output_tokens", det["generated_tokens"])
        used.add("details")
    # SGLang /generate: meta_info.finish_reason {"type": ...}, completion_tokens
    mi = rec["meta_info"] if avail("meta_info") else None
    if isinstance(mi, dict):
        fr = mi.get("finish_reason")
        fr = fr.get("type") if isinstance(fr, dict) else fr
        counts = _counts(mi, (("completion_tokens", "output_tokens"),
                              ("prompt_tokens", "input_tokens")))
        if isinstance(fr, str) or counts:
            if isinstance(fr, str):
                out.setdefault("finish_reason", fr)
            for _, f, v in counts:
                out.setdefault(f, v)
            used.add("meta_info")
    # lm-evaluation-harness --log_samples: resps [[text]] (several samples of one request
    # are flattened into a samples list by build_traces), the prompt and max_gen_toks in
    # arguments.gen_args_0
    rs = rec["resps"] if avail("resps") else None
    if isinstance(rs, list) and rs and isinstance(rs[0], (list, str)):
        if len(rs) == 1 and isinstance(rs[0], list) and len(rs[0]) == 1 and \
                isinstance(rs[0][0], str) and nothing_yet():
            out["_text"] = rs[0][0]
            used.add("resps")
        ga = rec.get("arguments")
        ga = ga.get("gen_args_0") if isinstance(ga, dict) else None
        if isinstance(ga, dict) and isinstance(ga.get("arg_0"), str):
            out.setdefault("prompt", ga["arg_0"])
            gen = ga.get("arg_1")
            if isinstance(gen, dict) and isinstance(gen.get("max_gen_toks"), int):
                out.setdefault("budget", gen["max_gen_toks"])
            used.add("arguments")
    # SWE-agent .traj: trajectory steps (thought, action, observation), info
    tj = rec["trajectory"] if avail("trajectory") else None
    if isinstance(tj, list) and tj and all(isinstance(s, dict) for s in tj) and \
            any(isinstance(s.get("action"), str) for s in tj) and nothing_yet() and \
            (isinstance(rec.get("info"), dict) or isinstance(rec.get("history"), list)) and \
            not any(k in rec for k in _OTHER_OUTPUTS):
        _swe_agent(rec, tj, out, used)
    # llama.cpp server /completion: stopped_limit (cut at n_predict), tokens_predicted
    if avail("stopped_limit") or avail("tokens_predicted"):
        flags = [k for k in ("stopped_limit", "stopped_eos", "stopped_word")
                 if avail(k) and isinstance(rec[k], bool)]
        if rec.get("stopped_limit") is True and "stopped_limit" in flags:
            out.setdefault("finish_reason", "length")
        elif any(rec[k] is True for k in flags):
            out.setdefault("finish_reason", "stop")
        used.update(flags)
        for k, f, v in _counts({k: rec[k] for k in ("tokens_predicted", "tokens_evaluated")
                                if avail(k)}, (("tokens_predicted", "output_tokens"),
                                               ("tokens_evaluated", "input_tokens"))):
            out.setdefault(f, v)
            used.add(k)
    if avail("usage"):
        _usage(rec["usage"], out)
        used.add("usage")
    if avail("stop_reason") and isinstance(rec["stop_reason"], str) \
            and rec["stop_reason"] in ("end_turn", "max_tokens", "stop_sequence", "tool_use"):
        out.setdefault("finish_reason", rec["stop_reason"])
        used.add("stop_reason")


# --------------------------------------------------------------------------------------------
# record -> Trace


_base = source_name  # ids name a file by its base name


def _too_long(f: str, n: int, lim: int) -> str:
    # ReadError puts "field 'F': " in front
    return (f"{n:,} characters, more than max-text-chars ({lim:,}); not analysed (raise the "
            f"limit with --max-text-chars N or max-text-chars in the config)")


#: names datasets give the question and the reference answer, read when the record has no
#: canonical field and nothing detected fills it (``answer`` stays the model's answer)
_DATASET_NAMES = (
    ("prompt", ("question", "problem", "instruction", "query", "input", "origin_prompt")),
    ("answer", ("final_answer", "predicted_answer")),
    ("model", ("generator", "model_name", "generation_model")),
    ("id", ("custom_id", "recordId")),  # batch API results: the caller's own key
    ("budget", ("max_tokens", "max_new_tokens", "max_completion_tokens", "max_output_tokens")),
    ("reference", ("ground_truth", "gold", "gold_answer", "expected_answer",
                   "ground_truth_answer", "reference_answer", "correct_answer", "target",
                   "ground_truth_solution", "gold_standard_solution")),
)


def build_trace(rec: Any, plan: _Plan, source: str, line: int,
                base: Optional[str] = None) -> Union[Trace, ReadError]:
    """One decoded record -> a :class:`Trace`, or a :class:`ReadError` naming the field.

    For callers that keep one result per record (``analyze``, ``analyze_batch``): a record
    holding several samples is a ``ReadError`` here (:func:`build_traces` reads each)."""
    items = build_traces(rec, plan, source, line, base)
    if len(items) == 1:
        return items[0]
    flat, nested = flat_samples(rec, plan)  # several traces: rec was a dict
    key = _sample_key(flat, plan) or "samples"
    path = f"{key}.0.0" if nested else f"{key}.0"
    return ReadError(source, line, f"the record holds {len(items)} samples; this reader takes "
                     f"one trace per record: read the file with read_traces (one trace per "
                     f"sample), or map one sample (output={path})", key)


def build_traces(rec: Any, plan: _Plan, source: str, line: int,
                 base: Optional[str] = None, col: Optional[int] = None
                 ) -> List[Union[Trace, ReadError]]:
    """One decoded record -> its traces: one :class:`Trace`, or one per sample when the
    record holds a list of samples (:data:`SAMPLE_KEYS`), or a :class:`ReadError` naming the
    field (a whole record, or one sample of it).  ``col`` (1-based) is given for a record
    that starts on the line where an earlier one ended (a JSON array written on one line):
    its default id is then ``<file>:<line>:<col>``, so ids stay unique."""
    if not isinstance(rec, dict):
        return [ReadError(source, line, f"expected a JSON object, got {_show(rec)}")]
    rec = flat_samples(rec, plan)[0]
    vals: Dict[str, Any] = {}
    out_text: Any = None
    out_from_map = False
    for target, ptext, path, whole in plan.maps:
        if len(path) == 1:
            v = rec.get(path[0][0])
        else:
            v = get_path(rec, path)
            if v is None and whole is not None:
                v = rec.get(whole)
        if target == OUTPUT_TARGET:
            out_text = v
            out_from_map = True
        else:
            vals[target] = v
    used: set = set()
    answer_key: Any = None
    # canonical top-level keys (prompt as a message list is left to detection)
    for f in plan.canon:
        if f in rec:
            v = rec[f]
            if f == "prompt" and type(v) is list and _is_message_list(v):
                continue
            if f == "reasoning" and type(v) is str and v.strip().lower() in _TOGGLES and \
                    not _TEXT_SOURCES.isdisjoint(rec):
                # Llama-Nemotron post-training data: "reasoning": "on" is the mode of the
                # system prompt, not the reasoning (which is in "output")
                continue
            if f == "correct" and type(v) is str and _OPTION_KEY.fullmatch(v) and \
                    "correct" not in plan.mapped:
                # AQuA-RAT / MathQA: "correct": "C" is the answer key, not a verdict
                if "reference" not in plan.mapped:
                    answer_key = v.strip()
                continue
            vals[f] = v
            used.add(f)
    det: Dict[str, Any] = {}
    if not plan.detect_keys.isdisjoint(rec):
        _detect(rec, plan.consumed, det, used)
        for f, v in det.items():
            if f[0] != "_" and f not in plan.mapped and vals.get(f) is None:
                vals[f] = v
    for f, keys in _DATASET_NAMES:
        if f not in plan.mapped and vals.get(f) is None:
            for k in keys:
                v = rec.get(k)
                if v is not None and k not in plan.consumed and (
                        type(v) is int if f == "budget" else type(v) in (str, int, float)):
                    vals[f] = v
                    used.add(k)
                    break
    if answer_key is not None and vals.get("reference") is None:
        vals["reference"] = answer_key
        used.add("correct")
    # the reasoning under a name of its own beside the output ("thinking" + "output",
    # "question" + "cot" + "final_answer"): the output text, if any, is then the answer
    if not out_from_map and "reasoning" not in plan.mapped and vals.get("reasoning") is None \
            and det.get("_reasoning") is None:
        _reasoning_alias(rec, plan, det, used)
    # a solution written as a list of steps (ProcessBench, PRM800K-style step lists)
    steps = rec.get("steps")
    if type(steps) is list and steps and "steps" not in plan.consumed and \
            "reasoning" not in plan.mapped and not out_from_map and \
            vals.get("reasoning") is None and det.get("_text") is None and \
            det.get("_reasoning") is None and all(type(x) is str for x in steps):
        vals["reasoning"] = "\n".join(steps)
        used.add("steps")
    if not out_from_map and "reasoning" not in plan.mapped and vals.get("reasoning") is None:
        if det.get("_text") is None:
            # beside a reasoning of its own name (GeneralThought's model_reasoning), the
            # model's output text is the answer
            _model_output(rec, plan, vals, det, used)
        if vals.get("reasoning") is None and _no_text_but_chat(det, used):
            skey = _sample_key(rec, plan)
            if skey is not None:
                return _sample_traces(rec, plan, source, line, base, skey, vals, det, used,
                                      col)
    return [_finish(rec, plan, source, line, base, vals, det, used, out_text, out_from_map,
                    col=col)]


#: top-level names that hold the model's reasoning in datasets and exports (Ollama's and
#: Magistral's "thinking", vLLM's "reasoning_content", CoT datasets' "cot"), read when
#: nothing else gave one; ``rationale`` only when the record holds no other output text,
#: since beside one it is usually the dataset's own worked solution (AQuA-RAT)
REASONING_ALIASES = ("reasoning_content", "thinking", "thought", "thoughts", "reasoning_text",
                     "reasoning_trace", "chain_of_thought", "cot", "think", "scratchpad",
                     "model_reasoning", "thinking_trajectories")
#: read only when the record holds no other output text: beside one it is usually the
#: dataset's own worked solution (AQuA-RAT).  Not "solution": MATH-style records keep the gold
#: solution there, also beside a model's answer whose reasoning is hidden (o-series runs)
_WEAK_REASONING_ALIASES = ("rationale",)
#: values of a "reasoning" field that switch a mode rather than hold reasoning (beside an
#: output that holds it)
_TOGGLES = frozenset(("on", "off"))


def _reasoning_alias(rec: dict, plan: _Plan, det: Dict[str, Any], used: set) -> None:
    text = det.get("_text")
    weak = text is None and not any(k in rec for k in _MODEL_OUTPUT_KEYS)
    for k in REASONING_ALIASES + (_WEAK_REASONING_ALIASES if weak else ()):
        v = rec.get(k)
        if v is None or k in plan.consumed:
            continue
        if type(v) is list and v and all(type(x) is str for x in v):
            v = "\n".join(v)
        if type(v) is not str or not v.strip():
            continue
        if isinstance(text, str) and _split_output(text, plan.splitter) is not None:
            return  # the output carries its own thinking part ("<think>...</think>answer")
        det["_reasoning"] = v
        used.add(k)
        return
    if text is None and not any(k in rec for k in _MODEL_OUTPUT_KEYS) and \
            _sample_key(rec, plan) is None:
        # not beside the model's own output or its samples: there a "<x>_reasoning" is the
        # dataset's (gold_reasoning, teacher_cot)
        _prefixed_reasoning(rec, plan, det, used)


#: a reasoning field named after its model ("deepseek_reasoning", "r1_thinking",
#: "deepseek_thinking_trajectory"); the prefix before the match names the model
_PREFIXED_REASONING = re.compile(
    r"_(?:reasoning|thinking|thinking_trajectory|thoughts?|chain_of_thought|cot)\Z")
#: prefixes that name the dataset's own worked solution, not a model's
_GOLD_PREFIX = re.compile(r"(?:^|_)(?:gold|golden|reference|ref|expected|target|teacher|"
                          r"ground_truth|gt|human|oracle|correct|original|solution)\Z",
                          re.IGNORECASE)


def _prefixed_fields(rec: dict, plan: _Plan) -> List[Tuple[str, Any]]:
    """The fields named after a model's reasoning, with their match: texts of two words or
    more (not a setting such as "use_reasoning": "on"), not gold or reference ones."""
    out = []
    for k, v in rec.items():
        if not isinstance(k, str) or type(v) is not str or len(v.split(None, 1)) < 2 or \
                k in plan.consumed:
            continue
        m = _PREFIXED_REASONING.search(k)
        if m is not None and m.start() > 0 and not _GOLD_PREFIX.search(k[:m.start()]):
            out.append((k, m))
    return out


#: the same model's output beside it ("deepseek_solution", "deepseek_attempt")
_PREFIXED_OUTPUT = ("solution", "attempt", "answer", "response", "output", "completion")


def _prefixed_reasoning(rec: dict, plan: _Plan, det: Dict[str, Any], used: set) -> None:
    """OpenThoughts' deepseek_reasoning + deepseek_solution, s1K-1.1's
    deepseek_thinking_trajectory + deepseek_attempt: read when exactly one field of the
    record is named so (two models' traces in one record are left to --field)."""
    hits = _prefixed_fields(rec, plan)
    if len(hits) != 1:
        return
    k, m = hits[0]
    det["_reasoning"] = rec[k]
    used.add(k)
    if "answer" in rec:
        return  # the record's own answer stays the answer; the model's stays in extra
    for name in _PREFIXED_OUTPUT:
        o = k[:m.start()] + "_" + name
        v = rec.get(o)
        if type(v) is str and o not in plan.consumed:
            det["_text"] = v
            used.add(o)
            return


#: names datasets give the model's output when they keep their own fields beside it
#: (MiP-Overthinking's model_answer, MR-GSM8K's model_output_steps, Hugging Face pipelines'
#: generated_text); read only when nothing else holds the output
_MODEL_OUTPUT_KEYS = ("model_output", "model_response", "model_answer", "model_completion",
                      "model_generation", "model_output_steps", "generated_text", "output_text",
                      "generated_solution", "llm_response", "llm_output", "prediction")


def _model_output(rec: dict, plan: _Plan, vals: Dict[str, Any], det: Dict[str, Any],
                  used: set) -> None:
    if _sample_key(rec, plan) is not None:
        return  # a prediction beside sampled outputs is extracted from them: read the samples
    for k in _MODEL_OUTPUT_KEYS:
        v = rec.get(k)
        if k in plan.consumed or v is None:
            continue
        if type(v) is list and v and all(type(x) is str for x in v):
            if det.get("_reasoning") is not None:
                continue
            vals["reasoning"] = "\n".join(v)  # a solution written as a list of steps
        elif type(v) is str:
            det["_text"] = v
        else:
            continue
        used.add(k)
        # a dataset that prefixes the model's fields keeps its own unprefixed: a plain
        # "answer" beside model_* is the gold answer, not the model's
        if k.startswith("model_") and _plain_answer(vals, used, plan) and \
                vals.get("reference") is None and "reference" not in plan.mapped:
            vals["reference"] = vals.pop("answer")
        return


def _plain_answer(vals: Dict[str, Any], used: set, plan: _Plan) -> bool:
    """Whether ``vals`` holds an ``answer`` read from the record's own top-level key (not
    mapped): beside the model's output under another name it is the dataset's gold answer."""
    return "answer" in used and "answer" not in plan.mapped and vals.get("answer") is not None


_CHAT_KEYS = frozenset(("messages", "conversations", "conversation"))
_TEXT_SOURCES = frozenset(_TEXT_KEYS + ("choices", "candidates", "message", "thinking"))


def _no_text_but_chat(det: Dict[str, Any], used: set) -> bool:
    """Whether detection found no output text, or only the assistant turn of a chat list:
    next to a samples list that turn repeats one of the samples (OpenR1-Math's
    ``messages``), so the samples are read and the chat gives the prompt only."""
    if det.get("_text") is None and det.get("_reasoning") is None:
        return True
    return not _CHAT_KEYS.isdisjoint(used) and _TEXT_SOURCES.isdisjoint(used)


def _finish(rec: dict, plan: _Plan, source: str, line: int, base: Optional[str],
            vals: Dict[str, Any], det: Dict[str, Any], used: set, out_text: Any,
            out_from_map: bool, sample: Optional[Tuple[int, int]] = None,
            sample_extra: Optional[Dict[str, Any]] = None, col: Optional[int] = None
            ) -> Union[Trace, ReadError]:
    """Type checks, the reasoning / answer split, limits, id and extra of one trace."""
    # type checks (text first: the split needs strings)
    out: Dict[str, Any] = {}
    f = OUTPUT_TARGET
    try:
        for f, v in vals.items():
            if v is None:
                continue
            tv = type(v)
            if tv is str and f in _STR_FIELDS:
                out[f] = v
            elif tv is int and f in _INT_SET and 0 <= v <= _INT_MAX:
                out[f] = v
            else:
                out[f] = _coerce(f, v)
        f = OUTPUT_TARGET
        if out_from_map and out_text is not None and type(out_text) is not str:
            out_text = _coerce(OUTPUT_TARGET, out_text)
    except _FieldTypeError as e:
        msg = str(e)
        if f in plan.where:
            msg += f" (mapped from {plan.where[f]!r})"
        return ReadError(source, line, msg, f, sample)
    # reasoning / answer split
    unclosed = False
    reasoning = out.get("reasoning")
    if not out_from_map and "reasoning" not in plan.mapped and reasoning is None:
        r = det.get("_reasoning")
        if isinstance(r, str):
            reasoning = r
    if not out_from_map:
        t = det.get("_text")
        out_text = t if isinstance(t, str) else None
    answer = out.get("answer")
    if reasoning is None and answer is None and (
            out_text is None or "reasoning" in plan.mapped) and \
            "reasoning" not in plan.constants and "answer" not in plan.constants:
        # nothing the model wrote: analysing it would call an unread record "concise"
        return ReadError(source, line, _no_text(rec, plan))
    if reasoning is not None:
        s = _split_output(reasoning, plan.splitter)
        if s is not None:
            reasoning, a2, unclosed = s
            if answer is None and "answer" not in plan.mapped:
                answer = a2
        if answer is None and "answer" not in plan.mapped and out_text is not None:
            answer = out_text.strip() or None
    elif out_text is not None and "reasoning" not in plan.mapped:
        s = _split_output(out_text, plan.splitter)
        if s is not None:
            reasoning, a2, unclosed = s
            if answer is None and "answer" not in plan.mapped:
                answer = a2
        else:
            # no thinking part: what the model wrote is its visible chain of thought (a chat
            # model's worked answer, or a thinking block whose opening tag was in the chat
            # template and which was cut before its closing tag), so the detectors read it;
            # the final answer is taken from its end unless the record gives one
            reasoning = out_text
    out["reasoning"] = reasoning
    out["answer"] = answer
    lim = plan.max_text_chars
    if lim is not None:
        for f in ("prompt", "reasoning", "answer"):
            v = out.get(f)
            if v is not None and len(v) > lim:
                return ReadError(source, line, _too_long(f, len(v), lim), f, sample)
    fr = out.get("finish_reason")
    if fr is not None:
        out["finish_reason"] = normalize_finish_reason(fr)
    tid = out.pop("id", None)
    if tid is None:
        tid = f"{base if base is not None else _base(source)}:{line}"
        if col is not None:
            tid = f"{tid}:{col}"
    if sample is not None:
        # samples of one record answer one question: that makes them a task group
        if out.get("task") is None and "task" not in plan.mapped:
            out["task"] = tid
        if out.get("sample") is None and "sample" not in plan.mapped:
            out["sample"] = sample[0]
        tid = f"{tid}#{sample[0]}"
    out.update(plan.constants)
    out.pop("id", None)
    if "id" in plan.constants:
        tid = plan.constants["id"] if sample is None else f"{plan.constants['id']}#{sample[0]}"
    consumed = plan.consumed
    if used:
        extra = {k: v for k, v in rec.items() if k not in used and k not in consumed}
    else:
        extra = {k: v for k, v in rec.items() if k not in consumed}
    if sample_extra:
        extra.update(sample_extra)
    return Trace(id=tid, thinking_unclosed=unclosed, source=source, line=line, extra=extra,
                 sample_of=sample, **out)


def _no_text(rec: dict, plan: _Plan) -> str:
    failed = _api_error(rec)
    if failed is not None:
        return f"the request failed: {failed}"
    keys = [k for k in rec if not k.startswith("_")] or list(rec)
    shown = ", ".join(repr(k) for k in keys[:12])
    if len(keys) > 12:
        shown += f" and {len(keys) - 12} more"
    msg = "no reasoning or response text found"
    missing = [f"{t}={plan.where[t]}" for t in (OUTPUT_TARGET, "reasoning", "answer")
               if t in plan.where]
    if missing:
        msg += f" (the mapped field is missing: --field {', --field '.join(missing)})"
    empty = [k for k in SAMPLE_KEYS if rec.get(k) == []]
    if empty:
        msg += f" ('{empty[0]}' holds no samples)"
    wrong = [k for k in _TEXT_KEYS + REASONING_ALIASES
             if k in rec and rec[k] is not None and not isinstance(rec[k], (str, list, dict))]
    if wrong:
        # {"response": 5}: the field is there, of the wrong type
        return f"field {wrong[0]!r}: expected a text, got {_show(rec[wrong[0]])}"
    several = [k for k, _ in _prefixed_fields(rec, plan)]
    if len(several) > 1:
        return (f"{msg}: the record holds the reasoning of several models "
                f"({', '.join(several[:6])}); pick one with --field reasoning=FIELD (and "
                "--field answer=FIELD), once per model")
    return (msg + f"; the record has {shown or 'no fields'}; name the field that holds the "
            "model's output with --field output=FIELD (a raw text, split at <think>) or "
            "--field reasoning=FIELD (and --field answer=FIELD)")


def _api_error(rec: dict) -> Optional[str]:
    """The error of a batch API result with no output (OpenAI Batch's ``error``, an
    Anthropic batch ``result`` that is not ``succeeded``, a ``response`` with an error
    status), shortly, or None."""
    err = rec.get("error")
    res = rec.get("result")
    if err is None and isinstance(res, dict) and res.get("type") in (
            "errored", "canceled", "expired"):
        err = res.get("error") or res["type"]
    resp = rec.get("response")
    if err is None and isinstance(resp, dict) and isinstance(resp.get("status_code"), int) \
            and resp["status_code"] >= 400:
        body = resp.get("body")
        err = (body.get("error") if isinstance(body, dict) else None) or \
            f"status {resp['status_code']}"
    if isinstance(err, dict):
        inner: Dict[str, Any] = err["error"] if isinstance(err.get("error"), dict) else err
        parts = [str(inner[k]) for k in ("type", "code", "message") if inner.get(k)]
        return ": ".join(parts)[:300] if parts else None
    return err[:300] if isinstance(err, str) and err.strip() else None


# --------------------------------------------------------------------------------------------
# records holding several samples (OpenR1-Math's "generations", vLLM's "outputs", ...)

#: List-of-samples fields: a record with no text of its own but one of these (a list of
#: strings, or of choice / message objects) is read as one trace per element.
SAMPLE_KEYS = ("generations", "responses", "completions", "outputs", "samples", "resps")
#: fields read after detection that hold an output or a reasoning: beside any of them a
#: "trajectory" is not SWE-agent's
_OTHER_OUTPUTS = frozenset(REASONING_ALIASES + _MODEL_OUTPUT_KEYS + SAMPLE_KEYS + _TEXT_KEYS +
                           ("steps", "reasoning", "messages", "conversations", "choices"))

#: Lists next to the samples with one value per sample: record key -> the canonical field
#: of each sample's trace (``None``: kept under its own name in the trace's extra, one value
#: per trace).  Any other field is shared by all samples.
PER_SAMPLE_KEYS: Dict[str, Optional[str]] = {
    "finish_reasons": "finish_reason", "finish_reason": "finish_reason",
    "stop_reasons": "finish_reason",
    "output_tokens": "output_tokens", "reasoning_tokens": "reasoning_tokens",
    "correct": "correct", "correctness": "correct", "correctness_math_verify": "correct",
    "correctness_llama": None, "is_reasoning_complete": None,
}


def _sample_parts(x: Any) -> Optional[Tuple[Optional[str], Optional[str], Dict[str, Any]]]:
    """(reasoning, text, canonical raw values) of one sample: a string, an OpenAI-style choice
    (``message`` or legacy ``text``), a vLLM output (``text``) or a chat message; ``None``
    when it holds no text."""
    if type(x) is str:
        return None, x, {}
    if not isinstance(x, dict):
        return None
    msg = x.get("message")
    r, t = _message(msg if isinstance(msg, dict) else x)
    if t is None and isinstance(x.get("text"), str):
        t = x["text"]
    if r is None and t is None:
        return None
    vals: Dict[str, Any] = {}
    fr = x.get("finish_reason", x.get("stop_reason"))
    if fr is not None:
        vals["finish_reason"] = fr
    _usage(x.get("usage"), vals)
    return r, t, vals


def _sample_key(rec: dict, plan: _Plan) -> Optional[str]:
    """The key of the record's samples list: the first of :data:`SAMPLE_KEYS` holding a
    list with a sample in it (its other elements must be samples too, or it is an error)."""
    for k in SAMPLE_KEYS:
        v = rec.get(k)
        if type(v) is list and v and k not in plan.consumed and \
                any(_sample_parts(x) is not None for x in v):
            return k
    return None


def flat_samples(rec: dict, plan: _Plan) -> Tuple[dict, Optional[str]]:
    """``rec`` with the samples list that lm-evaluation-harness nests in a list of one
    request (``"resps": [[s1, s2, ...]]``) taken out of it, and the key so flattened (None
    when there was none): the reader and ``filter``'s trimming both see the flat list."""
    rs = rec.get("resps")
    if type(rs) is list and len(rs) == 1 and type(rs[0]) is list and len(rs[0]) > 1 and \
            "resps" not in plan.consumed:
        return dict(rec, resps=rs[0]), "resps"
    return rec, None


def sample_fields(rec: dict, plan: _Plan) -> List[str]:
    """The keys of ``rec`` that hold one value per sample, in record order: its samples list
    (:func:`_sample_key`) and every :data:`PER_SAMPLE_KEYS` list of the same length.  Cutting
    a record down to some of its samples (``filter``) trims exactly these, at the same
    positions, so that the values beside each sample stay its own.  Empty when the record
    holds no samples list."""
    skey = _sample_key(rec, plan)
    if skey is None:
        return []
    n = len(rec[skey])
    return [k for k in rec if k == skey or (k in PER_SAMPLE_KEYS and type(rec[k]) is list
                                            and len(rec[k]) == n)]


def _sample_traces(rec: dict, plan: _Plan, source: str, line: int, base: Optional[str],
                   skey: str, vals: Dict[str, Any], det: Dict[str, Any], used: set,
                   col: Optional[int] = None) -> List[Union[Trace, ReadError]]:
    samples = rec[skey]
    n = len(samples)
    parts = []
    for k, x in enumerate(samples):
        p = _sample_parts(x)
        if p is None:
            return [ReadError(source, line, f"sample {k} of {n} is {_show(x)}: expected a "
                              "text or a message / choice object holding one",
                              f"{skey}.{k}")]
        parts.append(p)
    aligned: List[Tuple[str, Optional[str], list]] = []
    shared = dict(vals)
    used = used | {skey}
    for key, target in PER_SAMPLE_KEYS.items():
        v = rec.get(key)
        if type(v) is not list or key in plan.consumed or (target in plan.mapped):
            continue
        if len(v) != n:
            return [ReadError(source, line, f"{len(v)} values for the {n} samples in "
                              f"'{skey}': a per-sample list needs one value per sample", key)]
        if target is not None and any(t == target for _, t, _ in aligned):
            continue  # an earlier name already gives this field
        aligned.append((key, target, v))
        used.add(key)
        if target is not None:
            shared.pop(target, None)
    # next to samples, "answer" is the dataset's gold answer (OpenR1-Math), not a sample's
    if _plain_answer(shared, used, plan):
        gold = shared.pop("answer")
        if shared.get("reference") is None and "reference" not in plan.mapped:
            shared["reference"] = gold
        else:
            used.discard("answer")
    # a chat "messages" list next to the samples repeats one of them: it gives the prompt only
    sdet = {k: v for k, v in det.items() if k[0] != "_"}
    out: List[Union[Trace, ReadError]] = []
    for k, (r, t, own) in enumerate(parts):
        sv = dict(shared)
        extra: Dict[str, Any] = {}
        for key, target, v in aligned:
            if target is None:
                extra[key] = v[k]
            else:
                sv[target] = v[k]
        for f, v in own.items():
            if f not in plan.mapped:
                sv[f] = v
        sdet["_reasoning"], sdet["_text"] = r, t
        out.append(_finish(rec, plan, source, line, base, sv, sdet, used, None, False,
                           (k, n), extra, col))
    return out
