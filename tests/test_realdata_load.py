"""Every file layout under ../shared/realdata loads with field maps + constants only.

``SOURCES`` is the one table of reader options per layout; docs/realdata.md shows the same
options as ``tracelint score`` command lines and ``test_doc_matches_table`` keeps the two in
step.  The data is read in place (never copied into the repo); the tests are skipped when it
is absent.
"""
from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

import pytest

from tracelint.io import ReaderOptions, read_traces
from tracelint.model import ReadError, Trace

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
if not REALDATA.is_dir():  # a checkout next to ../shared via a symlinked tests dir
    REALDATA = Path(__file__).parents[2] / "shared" / "realdata"
DOC = Path(__file__).resolve().parents[1] / "docs" / "realdata.md"
SAMPLE = 20

needs_data = pytest.mark.skipif(not REALDATA.is_dir(),
                                reason=f"real data not found at {REALDATA}")


class Source(NamedTuple):
    glob: str                       # relative to realdata/
    fields: Dict[str, str]          # --field CANON=PATH
    sets: Dict[str, str]            # --set CANON=VALUE
    think_open: Optional[str] = None   # --think-open (None: default "<think>")
    think_close: Optional[str] = None  # --think-close (None: default "</think>")
    has_reasoning: bool = True      # the source carries the trace text
    has_tokens: bool = False        # the source carries token counts

    def options(self) -> ReaderOptions:
        kw = {}
        if self.think_open is not None:
            kw["think_open"] = self.think_open
        if self.think_close is not None:
            kw["think_close"] = self.think_close
        return ReaderOptions(field_map=dict(self.fields), constants=dict(self.sets), **kw)


# MiP-Overthinking: <dataset>__<normal|MiP>__<model>.jsonl.  The prompt is `question` in the
# normal runs and `insufficient_question` in the missing-premise runs; `answer` is the reference.
MIP_OPEN = {  # file model -> (model name, think_open, think_close, --set budget)
    # model_answer = reasoning + '</think>' + answer; '<think>' was in the prompt
    "DSQ": ("DeepSeek-R1-Distill-Qwen-32B", "", None, "32768"),
    "QwQ": ("QwQ-32B", "", None, "32768"),
    # s1.1 writes 'think\n<reasoning>\nanswer\n<answer>'
    "s1.1": ("s1.1", "think\n", "\nanswer\n", "32768"),
    # LIMO and the chat models: no delimiters, the whole text is the trace
    "Limo": ("LIMO", None, None, "32768"),
    "Gemma227": ("Gemma-2-27B", None, None, "32768"),
    "Qwen32": ("Qwen2.5-32B-Instruct", None, None, "32768"),
    "phi3": ("Phi-3", None, None, "32768"),
}
MIP_API = {  # file model -> (key prefix in the record, model name, --set budget)
    # reasoning_content + '</think>' + content.  No budget: the API's max_tokens=8192 limited
    # the final answer only, not the chain of thought.
    "deepseekR1": ("deepseek-reasoner", "DeepSeek-R1", None),
    "gpt4o": ("gpt-4o", "gpt-4o", None),
    "gpt3_5": ("gpt-3.5-turbo", "gpt-3.5-turbo", None),
    "gemini1_5": ("gemini-1.5-flash", "gemini-1.5-flash", None),
    "gemini2": ("gemini-2.0-flash", "gemini-2.0-flash", None),
}
MIP_OSERIES = {  # visible answer only + token counts
    "o1": ("o1", "o1"),
    "o1mini_medium": ("o1-mini", "o1-mini"),
    "o3mini_medium": ("o3-mini", "o3-mini"),
}
MIP_RUNS = {  # condition -> (prompt field, file models present)
    "normal": ("question", ["DSQ", "QwQ", "s1.1", "Limo", "Gemma227", "Qwen32", "phi3",
                            "deepseekR1", "gpt4o", "gpt3_5", "gemini1_5", "gemini2",
                            "o1", "o1mini_medium", "o3mini_medium"]),
    "MiP": ("insufficient_question", ["DSQ", "QwQ", "s1.1", "Gemma227", "Qwen32", "phi3",
                                      "deepseekR1", "gpt4o", "gpt3_5", "gemini1_5",
                                      "o1", "o1mini_medium", "o3mini_medium"]),
}


def _mip_sources() -> Dict[str, Source]:
    out: Dict[str, Source] = {}
    for cond, (prompt, models) in MIP_RUNS.items():
        for fm in models:
            glob = f"mip_overthinking/*__{cond}__{fm}.jsonl"
            if fm in MIP_OPEN:
                name, topen, tclose, budget = MIP_OPEN[fm]
                out[f"mip-{cond}-{fm}"] = Source(
                    glob, {"reasoning": "model_answer", "prompt": prompt, "reference": "answer"},
                    {"model": name, "budget": budget}, topen, tclose)
            elif fm in MIP_API:
                key, name, budget = MIP_API[fm]
                sets = {"model": name}
                if budget:
                    sets["budget"] = budget
                # a dot in the key is escaped: gpt-3\.5-turbo (question)
                out[f"mip-{cond}-{fm}"] = Source(
                    glob, {"reasoning": f"{key} ({prompt})".replace(".", "\\."),
                           "prompt": prompt, "reference": "answer"}, sets)
            else:
                key, name = MIP_OSERIES[fm]
                out[f"mip-{cond}-{fm}"] = Source(
                    glob, {"answer": f"{key} ({prompt})", "prompt": prompt,
                           "reference": "answer",
                           "output_tokens": f"{key} ({prompt}) all_token_count",
                           "reasoning_tokens": f"{key} ({prompt}) thinking_token_count"},
                    {"model": name}, has_reasoning=False, has_tokens=True)
    return out


#: The table: layout name -> options.  docs/realdata.md mirrors it.
SOURCES: Dict[str, Source] = {
    **_mip_sources(),
    # ZeroEval: the prompt is the templated chat turn, the output a JSON {"reasoning", "answer"}
    "zeroeval-gsm": Source(
        "zeroeval_gsm8k/gsm__*.jsonl",
        {"reasoning": "output.0", "prompt": "chat_history.0", "reference": "answer",
         "model": "generator", "budget": "configs.max_tokens", "task": "id"}, {}),
    # MR-GSM8K: a list of "Step k: ..." strings, joined with newlines
    "mr-gsm8k": Source(
        "mr_gsm8k/*.jsonl",
        {"reasoning": "model_output_steps", "prompt": "question",
         "reference": "ground_truth_answer", "id": "uuid"},
        {"model": "MR-GSM8K-solutions"}),
}

#: Files whose records carry no prompt at all (the README: the open-model runs on formula,
#: SVAMP-MiP and MATH-normal stored only the output; the questions are in inputs/ by position).
NO_PROMPT = {
    "formula__MiP__DSQ.jsonl", "formula__MiP__Gemma227.jsonl", "formula__MiP__QwQ.jsonl",
    "formula__MiP__Qwen32.jsonl", "formula__MiP__phi3.jsonl", "formula__MiP__s1.1.jsonl",
    "svamp__MiP__DSQ.jsonl", "svamp__MiP__Gemma227.jsonl", "svamp__MiP__Qwen32.jsonl",
    "math__normal__DSQ.jsonl", "math__normal__Gemma227.jsonl", "math__normal__Limo.jsonl",
    "math__normal__QwQ.jsonl", "math__normal__Qwen32.jsonl",
}
#: formula has no reference answer.
NO_REFERENCE_PREFIX = "formula__"
#: Not traces: the question files of MiP-Overthinking.
NOT_TRACES = "mip_overthinking/inputs/*"


def _files(src: Source) -> List[Path]:
    return sorted(REALDATA.glob(src.glob))


def _all_data_files() -> List[str]:
    return sorted(str(p.relative_to(REALDATA)) for p in REALDATA.rglob("*.jsonl")
                  if not fnmatch.fnmatch(str(p.relative_to(REALDATA)), NOT_TRACES))


@needs_data
def test_every_file_has_exactly_one_layout() -> None:
    for rel in _all_data_files():
        hits = [k for k, s in SOURCES.items() if fnmatch.fnmatch(rel, s.glob)]
        assert len(hits) == 1, f"{rel}: matched by {hits or 'no layout'}"
    for name, src in SOURCES.items():
        assert _files(src), f"layout {name}: no file matches {src.glob}"


@needs_data
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_sample_loads(name: str) -> None:
    src = SOURCES[name]
    opts = src.options()
    for path in _files(src):
        n = 0
        for item in read_traces([str(path)], opts):
            assert not isinstance(item, ReadError), item.describe()
            assert isinstance(item, Trace)
            where = f"{path.name}:{item.line}"
            assert item.model, where
            if src.has_reasoning:
                assert item.reasoning and item.reasoning.strip(), f"{where}: no reasoning"
            if path.name not in NO_PROMPT:
                assert item.prompt and item.prompt.strip(), f"{where}: no prompt"
            if not path.name.startswith(NO_REFERENCE_PREFIX):
                assert item.reference, f"{where}: no reference"
            if src.has_tokens:
                assert item.output_tokens is not None and item.output_tokens > 0, where
                assert item.reasoning_tokens is not None, where
                assert item.reasoning_tokens <= item.output_tokens, where
            n += 1
            if n >= SAMPLE:
                break
        assert n > 0, f"{path}: no records"


@needs_data
def test_all_records_read_without_errors() -> None:
    """Whole files, every layout: not one ReadError (it is fast: ~60 MB)."""
    for name, src in SOURCES.items():
        opts = src.options()
        for path in _files(src):
            errors = [i.describe() for i in read_traces([str(path)], opts)
                      if isinstance(i, ReadError)]
            assert not errors, errors[:3]


# ---------------------------------------------------------------------------------------
# docs/realdata.md mirrors SOURCES

_ANSI_C = re.compile(r"\$'((?:[^'\\]|\\.)*)'")


def _shell_split(cmd: str) -> List[str]:
    """shlex.split plus bash's $'...' quoting (used for delimiters with newlines)."""
    def dequote(m: "re.Match[str]") -> str:
        s = m.group(1).encode("latin-1", "backslashreplace").decode("unicode_escape")
        return shlex.quote(s)
    return shlex.split(_ANSI_C.sub(dequote, cmd))


def _doc_commands() -> List[str]:
    cmds = []
    text = DOC.read_text(encoding="utf-8")
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("tracelint score "):
            cmd = line
            while cmd.endswith("\\"):
                i += 1
                cmd = cmd[:-1] + " " + lines[i].strip()
            cmds.append(cmd)
        i += 1
    return cmds


def _parse_command(cmd: str) -> tuple:
    argv = _shell_split(cmd)
    assert argv[:2] == ["tracelint", "score"], cmd
    paths, fields, sets = [], {}, {}
    topen = tclose = None
    it = iter(argv[2:])
    for a in it:
        if a == "--field":
            k, _, v = next(it).partition("=")
            fields[k] = v
        elif a == "--set":
            k, _, v = next(it).partition("=")
            sets[k] = v
        elif a == "--think-open":
            topen = next(it)
        elif a == "--think-close":
            tclose = next(it)
        elif a.startswith("-"):
            raise AssertionError(f"unexpected option {a} in: {cmd}")
        else:
            paths.append(a)
    assert len(paths) == 1, cmd
    glob = paths[0].split("realdata/", 1)[-1]
    return glob, fields, sets, topen, tclose


def test_doc_matches_table() -> None:
    assert DOC.is_file(), f"{DOC} is missing"
    seen = {}
    for cmd in _doc_commands():
        glob, fields, sets, topen, tclose = _parse_command(cmd)
        hits = [k for k, s in SOURCES.items() if s.glob == glob]
        assert hits, f"docs/realdata.md: no layout in the table for {glob}: {cmd}"
        src = SOURCES[hits[0]]
        assert fields == src.fields, f"{hits[0]}: --field options differ: {cmd}"
        assert sets == {k: v for k, v in src.sets.items() if v is not None}, \
            f"{hits[0]}: --set options differ: {cmd}"
        assert topen == src.think_open, f"{hits[0]}: --think-open differs: {cmd}"
        assert tclose == src.think_close, f"{hits[0]}: --think-close differs: {cmd}"
        assert hits[0] not in seen, f"{hits[0]} documented twice"
        seen[hits[0]] = cmd
    missing = sorted(set(SOURCES) - set(seen))
    assert not missing, f"docs/realdata.md lacks commands for: {missing}"
