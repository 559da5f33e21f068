"""tracelint against its peers, side by side on the same texts, in one run (issue 6).

    python benchmarks/run.py                  # full suite (~10-15 min on 2 cores), writes RESULTS.md
    python benchmarks/run.py --quick          # fewer runs and smaller subsets (~3 min)
    python benchmarks/run.py --input F.jsonl --quick --out /tmp/R.md   # any input (the smoke test)

Inputs: every trace of ../shared/realdata, converted to one canonical JSONL file by
benchmarks/convert_realdata.py (cached outside the repository); a stride subset of it for the
slow peers; synthetic inputs at 1x, 4x and 16x a base size, generated at run time from the
real traces, for the scaling figures (more traces, and longer traces).

Every measurement runs in its own subprocess (``--worker NAME``), so that its peak RSS is its
own.  Per-core figures come from process CPU time (user + system, children included), which
the other work on a shared machine disturbs far less than wall time; only the ``--jobs``
scaling is on wall time.  Each figure is the median of ``--repeats`` runs, with min and max.

The package is copied to a temporary directory before the first measurement and every run
imports that copy, so that edits made to the working tree while the suite runs cannot mix
into the figures; RESULTS.md names the commit and lists files under tracelint/ and src/ that
differed from it.

Peers that are not installed are reported as such and skipped (``pip install -e ".[bench]"``;
benchmarks/peers/ makes a separate venv when that conflicts with the project's environment).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: Gopher thresholds (Rae et al. 2021, Table A1; datatrove's defaults, tracelint's REP003).
GOPHER_TOP = {2: 0.20, 3: 0.18, 4: 0.16}
GOPHER_DUP = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}
#: `score` as a loop filter: the rule families of a repetition filter (repetition, prompt
#: copy, truncation), none of the grounding rules (claims, answers).
LOOP_ONLY = ("--select", "REP,CPY,TRN")
#: REP001's near-repeat search parameters (tracelint/detectors/repetition.py, _loop).
NEAR_LOOKBACK, NEAR_KEEP, NEAR_MIN_SHARED, NEAR_MAX_CAND, NEAR_SIM = 256, 8, 0.3, 4, 0.7

TARGETS = {
    "e2e": 30.0,         # MB/s per core, score, all default detectors
    "vs_datatrove": 40.0,
    "sa_vs_dss": 1.0,
    "rss_mb": 300.0,
    "scale_16x": 0.85,   # throughput at 16x >= 85% of 1x
    "jobs2": 1.7,
}


# ----------------------------------------------------------------------------------------
# workers: one measurement each, run in a subprocess; print one JSON object on stdout

def _load_texts(path: str) -> Tuple[List[str], List[str]]:
    """(ids, reasoning texts) of the traces with a non-empty reasoning, read with
    tracelint's own reader (default options: the canonical fields)."""
    from tracelint.io import ReaderOptions, read_traces
    from tracelint.model import ReadError
    ids, texts = [], []
    for t in read_traces([path], ReaderOptions()):
        if isinstance(t, ReadError) or not t.reasoning:
            continue
        ids.append(t.id)
        texts.append(t.reasoning)
    return ids, texts


def _timed(fn, repeats: int) -> Tuple[List[float], List[float]]:
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return cpu, wall


def _ws_tokenizer():
    from datatrove.utils.word_tokenizers import WordTokenizer

    class WhitespaceWords(WordTokenizer):
        """``str.split``: datatrove's own WhitespaceTokenizer still calls spaCy ("xx")."""

        def word_tokenize(self, text: str) -> List[str]:
            return text.split()

        def sent_tokenize(self, text: str) -> List[str]:  # not used by the Gopher filter
            return text.splitlines()

        def span_tokenize(self, text: str):  # not used by the Gopher filter
            raise NotImplementedError

    return WhitespaceWords()


def _datatrove_fractions(text: str, language) -> Dict[str, float]:
    """Every Gopher n-gram fraction of datatrove (the filter stops at the first threshold
    it exceeds, so it never computes them all)."""
    from datatrove.pipeline.filters.gopher_repetition_filter import (
        find_all_duplicate, find_top_duplicate, get_n_grams)
    from datatrove.utils.text import split_into_words
    words = split_into_words(text, language)
    out = {}
    for n in GOPHER_TOP:
        grams = get_n_grams(words, n)
        out[f"top{n}"] = find_top_duplicate(grams) / len(text) if grams else 0.0
    for n in GOPHER_DUP:
        out[f"dup{n}"] = find_all_duplicate(words, n) / len(text)
    return out


def worker_datatrove(path: str, repeats: int, tokenizer: str, fractions: bool) -> Dict[str, Any]:
    from datatrove.data import Document
    from datatrove.pipeline.filters.gopher_repetition_filter import GopherRepetitionFilter
    from datatrove.utils.text import split_into_parts
    ids, texts = _load_texts(path)
    lang = _ws_tokenizer() if tokenizer == "whitespace" else "eng"
    filt = GopherRepetitionFilter() if tokenizer == "spacy" else GopherRepetitionFilter(language=lang)
    docs = [Document(text=t, id=i) for i, t in zip(ids, texts)]
    if tokenizer == "spacy":  # spaCy's blank English pipeline is built lazily: not timed
        split_into_parts("warm up", mode="WORDS", language="eng")
    reasons: Dict[str, int] = {}

    def run():
        split_into_parts.cache_clear()  # datatrove memoises the last 5 texts' words
        reasons.clear()
        for d in docs:
            r = filt.filter(d)
            key = "keep" if r is True else r[1]
            reasons[key] = reasons.get(key, 0) + 1

    cpu, wall = _timed(run, repeats)
    out: Dict[str, Any] = {"cpu": cpu, "wall": wall, "decisions": dict(reasons)}
    if fractions:
        split_into_parts.cache_clear()
        out["fractions"] = {i: _datatrove_fractions(t, lang) for i, t in zip(ids, texts)}
    return out


def worker_tl_gopher(path: str, repeats: int) -> Dict[str, Any]:
    """tracelint's Gopher quantities alone (units, suffix array, LCP, coverage, top n-grams),
    as the repetition detector computes them."""
    from tracelint import ngram
    from tracelint.detectors.repetition import _repeat_cover
    _, texts = _load_texts(path)
    dup_ks = list(GOPHER_DUP)

    def run():
        for t in texts:
            ids = ngram.encode_units(t, {})[0]
            n = len(ids)
            if n:
                sa = ngram.suffix_array(ids)
                lcp = ngram.lcp_array(ids, sa)
                _repeat_cover(n, sa, lcp, dup_ks)
                for k in GOPHER_TOP:
                    ngram.top_ngram(ids, k)

    cpu, wall = _timed(run, repeats)
    return {"cpu": cpu, "wall": wall}


def _unit_arrays(path: str):
    from tracelint import ngram
    _, texts = _load_texts(path)
    return [ngram.encode_units(t, {})[0] for t in texts]


def worker_sa(path: str, repeats: int, impl: str) -> Dict[str, Any]:
    import numpy as np
    arrays = [a for a in _unit_arrays(path) if len(a)]
    if impl == "tracelint":
        from tracelint import ngram

        def run():
            for a in arrays:
                ngram.lcp_array(a, ngram.suffix_array(a))
    elif impl == "pydivsufsort-bytes":  # what it is usually given: the text's UTF-8 bytes
        from pydivsufsort import divsufsort, kasai
        _, texts = _load_texts(path)
        arrays = [np.frombuffer(bytearray(t.encode("utf-8", "surrogatepass")), dtype=np.uint8)
                  for t in texts]

        def run():
            for a in arrays:
                kasai(a, divsufsort(a))
    else:
        from pydivsufsort import divsufsort, kasai

        def run():
            for a in arrays:
                kasai(a, divsufsort(a))
    cpu, wall = _timed(run, repeats)
    out: Dict[str, Any] = {"cpu": cpu, "wall": wall, "units": int(sum(len(a) for a in arrays))}
    if impl == "pydivsufsort":  # same suffix array, same LCP (kasai's lcp[i] is tracelint's lcp[i+1])
        from tracelint import ngram
        same = True
        for a in arrays[:200]:
            sa = ngram.suffix_array(a)
            lcp = ngram.lcp_array(a, sa)
            sa2 = divsufsort(a)
            lcp2 = kasai(a, sa2)
            same &= bool(np.array_equal(sa, sa2) and np.array_equal(lcp[1:], lcp2[:-1]))
        out["identical_on_first_200"] = same
    return out


def _segments(path: str):
    """Per trace: (text, units, keys, bounds, active) exactly as REP001 builds them."""
    import numpy as np
    from tracelint.segments import segment
    from tracelint.units import encode
    out = []
    for t in _load_texts(path)[1]:
        vocab: Dict[str, int] = {}
        u = encode(t, vocab)
        if not len(u):
            continue
        bounds, neutral = segment(t, u, vocab)
        lens = np.diff(bounds)
        active = ((~neutral) & (lens >= 4)).astype(np.uint8)
        out.append((t, u, u.numbers_collapsed(vocab), bounds, active))
    return out


def worker_near(path: str, repeats: int, impl: str) -> Dict[str, Any]:
    segs = _segments(path)
    decided: List[List[bool]] = []
    if impl == "tracelint":
        from tracelint import ngram

        def run():
            decided.clear()
            for _, _, keys, bounds, active in segs:
                _, sim = ngram.near_repeats(keys, bounds, active, NEAR_LOOKBACK, NEAR_KEEP,
                                            NEAR_MIN_SHARED, NEAR_MAX_CAND)
                decided.append([bool(s >= NEAR_SIM) for s, a in zip(sim.tolist(), active.tolist()) if a])
    else:
        from rapidfuzz import fuzz, process
        strings = []
        for text, u, _, bounds, active in segs:
            b = bounds.tolist()
            strings.append([text[int(u.starts[b[k]]):int(u.ends[b[k + 1] - 1])]
                            for k in range(len(b) - 1) if active[k]])
        cutoff = NEAR_SIM * 100

        def run():
            decided.clear()
            for ss in strings:
                row = []
                for j, s in enumerate(ss):
                    hit = process.extractOne(s, ss[max(0, j - NEAR_LOOKBACK):j],
                                             scorer=fuzz.ratio, score_cutoff=cutoff) if j else None
                    row.append(hit is not None)
                decided.append(row)
    cpu, wall = _timed(run, repeats)
    flat = [x for row in decided for x in row]
    return {"cpu": cpu, "wall": wall, "segments": len(flat), "repeats": int(sum(flat)),
            "decisions": [int(x) for x in flat]}


def worker_noop(path: str, repeats: int) -> Dict[str, Any]:
    _load_texts(path)
    return {"cpu": [0.0], "wall": [0.0]}


def run_worker(args) -> int:
    import resource
    name, path, reps = args.worker, args.texts, args.repeats
    if name == "dt-spacy":
        out = worker_datatrove(path, reps, "spacy", args.fractions)
    elif name == "dt-ws":
        out = worker_datatrove(path, reps, "whitespace", False)
    elif name == "tl-gopher":
        out = worker_tl_gopher(path, reps)
    elif name in ("sa-tl", "sa-dss", "sa-dss-bytes"):
        out = worker_sa(path, reps, {"sa-tl": "tracelint", "sa-dss": "pydivsufsort",
                                     "sa-dss-bytes": "pydivsufsort-bytes"}[name])
    elif name in ("near-tl", "near-rf"):
        out = worker_near(path, reps, "tracelint" if name == "near-tl" else "rapidfuzz")
    elif name == "noop":
        out = worker_noop(path, reps)
    else:
        raise SystemExit(f"unknown worker {name}")
    out["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:  # the high-water mark of this process image (ru_maxrss includes the parent's, see run_measured)
        with open("/proc/self/status") as fh:
            out["hwm_kb"] = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:"))
    except (OSError, StopIteration):
        pass
    json.dump(out, sys.stdout)
    return 0


# ----------------------------------------------------------------------------------------
# the parent: subprocesses, figures, RESULTS.md

def tree_mem_kb(pid: int, with_pss: bool = True) -> Tuple[int, int, int]:
    """Memory of ``pid`` and all its descendants, in KB (Linux /proc): the sum of VmRSS, the
    sum of Pss (shared pages divided among the processes sharing them: forked workers share
    the parent's pages, which a sum of RSS counts twice) and the largest single VmHWM."""
    rss = pss = hwm = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("VmHWM:"):
                        hwm = max(hwm, int(line.split()[1]))
            try:
                if with_pss:  # the kernel walks the page tables for it: the costly read
                    with open(f"/proc/{p}/smaps_rollup") as fh:
                        for line in fh:
                            if line.startswith("Pss:"):
                                pss += int(line.split()[1])
                                break
            except OSError:
                pass
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return rss, pss, hwm


def run_measured(cmd: Sequence[str], env: Dict[str, str], stdout_path: Optional[str] = None,
                 cwd: Optional[str] = None) -> Dict[str, Any]:
    """Run ``cmd``; its wall time, CPU time (user + system of it and its reaped children,
    from wait4) and peak RSS (of the whole process tree, sampled every 20 ms from /proc,
    and ru_maxrss, the largest single process)."""
    out_fh = open(stdout_path, "wb") if stdout_path else subprocess.PIPE
    err_fh = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(cmd), env=env, stdout=out_fh, stderr=err_fh,
                            cwd=cwd or tempfile.gettempdir())
    peak = [0, 0, 0]
    done = threading.Event()
    have_proc = os.path.isdir("/proc/self/task")

    sampler_cpu = [0.0]

    def sample():
        # RSS every 20 ms, PSS every 100 ms (VmHWM keeps each process's exact peak RSS
        # anyway); the sampler's own CPU time is reported, since on 2 cores it competes
        # with a --jobs 2 run
        t = time.thread_time()
        i = 0
        while not done.is_set():
            peak[:] = [max(a, b) for a, b in zip(peak, tree_mem_kb(proc.pid, i % 5 == 0))]
            i += 1
            time.sleep(0.02)
        sampler_cpu[0] = time.thread_time() - t

    th = threading.Thread(target=sample, daemon=True)
    if have_proc:
        th.start()
    data = b""
    if out_fh is subprocess.PIPE:
        data = proc.stdout.read()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    if have_proc:
        th.join()
    if stdout_path:
        out_fh.close()
    err_fh.seek(0)
    err = err_fh.read().decode("utf-8", "replace")
    err_fh.close()
    # ru_maxrss is not used: a child started by (v)fork + exec inherits the high-water mark
    # of the parent's memory image, so it says more about this script than about the child
    return {"rc": proc.returncode, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
            "maxrss_kb": max(peak[0], peak[2]), "tree_rss_kb": peak[0], "tree_pss_kb": peak[1],
            "hwm_kb": peak[2], "sampler_cpu": sampler_cpu[0], "stdout": data, "stderr": err}


class Suite:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="tracelint-bench-"))
        self.log = print if not args.silent else (lambda *a, **k: None)
        self.pkg, self.measured = self._package(args.working_tree, args.commit)
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join([str(self.pkg)] + (
            [os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
        self.env.pop("TRACELINT_IMPLEMENTATION", None)
        self.env["PYTHONHASHSEED"] = "0"
        self.results: Dict[str, Any] = {}

    def _package(self, working_tree: bool, commit: str) -> Tuple[Path, str]:
        """A private copy of the package to import: the commit (HEAD), exported and built in
        a temporary directory (default), or the working tree as it is (its compiled core
        included) with ``--working-tree``."""
        dest = self.tmp / "pkg"
        if not working_tree:
            try:
                dest.mkdir()
                arch = subprocess.run(["git", "archive", commit or "HEAD"], cwd=ROOT, capture_output=True,
                                      check=True).stdout
                subprocess.run(["tar", "-x", "-C", str(dest)], input=arch, check=True)
                # setup.py defines the extension completely; the pyproject metadata is not
                # needed for an in-place build (and older setuptools reject its SPDX licence)
                (dest / "pyproject.toml").unlink()
                self.log("building the compiled core of HEAD in a temporary directory")
                r = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"],
                                   cwd=dest, capture_output=True, text=True)
                if r.returncode != 0:
                    raise RuntimeError(r.stdout[-2000:] + r.stderr[-2000:])
                return dest, "exported with `git archive` and built in a temporary directory"
            except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
                self.log(f"cannot build HEAD ({exc}); measuring the working tree")
                shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir()
        shutil.copytree(ROOT / "tracelint", dest / "tracelint",
                        ignore=shutil.ignore_patterns("__pycache__"))
        return dest, "the working tree as it was (copied before the first measurement)"

    # -- helpers -------------------------------------------------------------------------
    def worker(self, name: str, path: Path, repeats: int, *extra: str) -> Dict[str, Any]:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name,
               "--texts", str(path), "--repeats", str(repeats), *extra]
        r = run_measured(cmd, self.env)
        if r["rc"] != 0:
            raise RuntimeError(f"worker {name} failed:\n{r['stderr'][-3000:]}")
        out = json.loads(r["stdout"])
        out["peak_rss_kb"] = out.get("hwm_kb") or r["maxrss_kb"]
        return out

    def score(self, path: Path, jobs: int = 1, python_twin: bool = False,
              keep_output: Optional[Path] = None, extra: Sequence[str] = ()) -> Dict[str, Any]:
        env = dict(self.env)
        if python_twin:
            env["TRACELINT_IMPLEMENTATION"] = "python"
        cmd = [sys.executable, "-c", "import sys; from tracelint.cli import main; sys.exit(main())",
               "score", str(path), "-q", "--format", "jsonl", "--jobs", str(jobs), *extra]
        out = str(keep_output) if keep_output else os.devnull
        busy0 = _busy_seconds()
        r = run_measured(cmd, env, stdout_path=out)
        busy1 = _busy_seconds()
        # CPU time the whole machine spent during the run beyond this run's own: other work,
        # which takes a core away from a --jobs 2 run on a 2-core machine
        r["other_cpu"] = (None if busy0 is None or busy1 is None
                          else max(0.0, busy1 - busy0 - r["cpu"] - r["sampler_cpu"]))
        if r["rc"] not in (0, 1):
            raise RuntimeError(f"tracelint score failed ({r['rc']}):\n{r['stderr'][-3000:]}")
        return r

    def score_repeated(self, path: Path, repeats: int, jobs: int = 1, python_twin: bool = False,
                       keep_output: Optional[Path] = None, extra: Sequence[str] = ()
                       ) -> Dict[str, Any]:
        runs = [self.score(path, jobs, python_twin, keep_output if i == 0 else None, extra)
                for i in range(repeats)]
        return {"cpu": [r["cpu"] for r in runs], "wall": [r["wall"] for r in runs],
                "other_cpu": [r["other_cpu"] for r in runs],
                "sampler_cpu": [r["sampler_cpu"] for r in runs],
                "peak_rss_kb": max(r["maxrss_kb"] for r in runs),
                "peak_pss_kb": max(r["tree_pss_kb"] for r in runs)}

    # -- inputs ----------------------------------------------------------------------------
    def inputs(self) -> None:
        a = self.args
        if a.input:
            full = Path(a.input).resolve()
        else:
            sys.path.insert(0, str(HERE))
            from convert_realdata import convert
            full = convert()
        recs = [line for line in open(full, "rb") if line.strip()]
        texts = _stats_of(full, self.env)
        self.full, self.full_stats = full, texts
        self.log(f"input: {full} ({texts['traces']} traces, {texts['text_mb']:.1f} MB reasoning, "
                 f"{texts['file_mb']:.1f} MB file)")
        self.subset = self._stride(full, recs, a.subset_mb, "subset")
        self.twin_subset = self._stride(full, recs, a.twin_mb, "twin")
        self.scale = self._scaled(recs, a.scale_base_mb)
        a.scale_distinct = self.scale_distinct
        self.warmup = self.scale.pop("warmup")
        self.empty = self.tmp / "empty.jsonl"
        self.empty.write_text("")
        self.copies = self._copies(recs, a.memory_copies) if a.memory_copies > 1 else None
        del recs  # the parent stays small while it measures

    def _copies(self, recs: List[bytes], k: int) -> Path:
        """The whole input ``k`` times over, each copy under new ids: the memory figure at a
        size well past the point where every bounded cache has filled."""
        out = self.tmp / f"copies-{k}x.jsonl"
        with open(out, "w", encoding="utf-8") as fh:
            for c in range(k):
                for i, r in enumerate(recs):
                    try:
                        rec = json.loads(r)
                    except ValueError:
                        continue
                    if isinstance(rec, dict):
                        rec["id"] = f"{rec.get('id', i)}~copy{c}"
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return out

    def _stride(self, full: Path, recs: List[bytes], mb: float, name: str) -> Path:
        """Every k-th record, so the subset has about ``mb`` MB of file and the mix of the
        whole (sources, models, lengths)."""
        total = sum(len(r) for r in recs) / 1e6
        k = max(1, int(total / mb)) if mb > 0 else 1
        if k == 1:
            return full
        out = self.tmp / f"{name}.jsonl"
        with open(out, "wb") as fh:
            for r in recs[::k]:
                fh.write(r)
        return out

    def _scaled(self, recs: List[bytes], base_mb: float) -> Dict[str, Path]:
        """Synthetic inputs from the real traces (deterministic, shuffled with a fixed seed).
        ``traces-Kx``: K times as many traces as the base, all distinct real traces while the
        data has enough (else repeated under new ids, which favours caches); ``long-Kx``: as
        many traces as the base, each K distinct real reasoning texts joined by a blank line
        (K times longer traces).  Also ``warmup``: the first 10 traces, to measure the fixed
        cost of a ``score`` process (interpreter, imports, first use of every detector)."""
        import random
        rng = random.Random(6)
        pool = [json.loads(r) for r in recs if b'"reasoning"' in r]
        pool = [r for r in pool if r.get("reasoning")]
        rng.shuffle(pool)
        size, nbase = 0, 0  # base: about base_mb MB of file
        for rec in pool:
            if size >= base_mb * 1e6:
                break
            size += len(json.dumps(rec, ensure_ascii=False).encode())
            nbase += 1
        nbase = max(nbase, 1)
        self.scale_distinct = 16 * nbase <= len(pool)
        out: Dict[str, Path] = {}

        def write(name, rows):
            p = self.tmp / f"{name}.jsonl"
            with open(p, "w", encoding="utf-8") as fh:
                for r in rows:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            out[name] = p
        write("warmup", pool[:10])
        for k in (1, 4, 16):
            write(f"traces-{k}x", [dict(pool[i % len(pool)], id=f"syn{i}")
                                   for i in range(k * nbase)])
            rows = []
            for i in range(nbase):
                parts = [pool[(i * 16 + j) % len(pool)]["reasoning"] for j in range(k)]
                new = {kk: v for kk, v in pool[i % len(pool)].items()
                       if kk not in ("output_tokens", "reasoning_tokens")}
                new.update(id=f"long{k}-{i}", reasoning="\n\n".join(parts))
                rows.append(new)
            write(f"long-{k}x", rows)
        return out

    # -- the measurements ----------------------------------------------------------------
    def run_all(self) -> None:
        a = self.args
        R = self.results
        reps = a.repeats
        sub_stats = _stats_of(self.subset, self.env)
        twin_stats = _stats_of(self.twin_subset, self.env)
        R["sets"] = {"full": self.full_stats, "subset": sub_stats, "twin": twin_stats}
        R["sets"]["full"]["path"] = "realdata (all)" if not a.input else str(a.input)

        self.log("score: startup cost (empty input)")
        R["startup"] = self.score_repeated(self.empty, reps)
        self.log("score: fixed cost (10 traces)")
        R["warmup"] = self.score_repeated(self.warmup, reps)

        self.log("score --jobs 1 on all traces")
        R["e2e_j1"] = self.score_repeated(self.full, reps, 1, keep_output=self.tmp / "full_out.jsonl")
        self.log("score --jobs 2 on all traces")
        R["e2e_j2"] = self.score_repeated(self.full, reps, 2)

        self.log("score --jobs 1 on the subset")
        R["e2e_sub"] = self.score_repeated(self.subset, reps, keep_output=self.tmp / "sub_out.jsonl")
        self.log("score --jobs 1 on the subset, loop rules only (no grounding rules)")
        R["e2e_sub_loops"] = self.score_repeated(self.subset, reps, extra=LOOP_ONLY)

        R["peers"] = {}
        for name, label, mod in (("dt-spacy", "datatrove", "spacy"), ("dt-ws", "datatrove", None)):
            if not _installed(label) or (mod and not _installed(mod)):
                R["peers"][name] = {"missing": f"{label}{' + ' + mod if mod else ''} not installed"}
                continue
            self.log(f"{name} on the subset")
            extra = ["--fractions"] if name == "dt-spacy" else []
            R["peers"][name] = self.worker(name, self.subset, reps, *extra)
        self.log("tl-gopher on the subset")
        R["peers"]["tl-gopher"] = self.worker("tl-gopher", self.subset, reps)
        R["peers"]["noop-subset"] = self.worker("noop", self.subset, 1)

        self.log("suffix array + LCP on all unit arrays")
        R["peers"]["sa-tl"] = self.worker("sa-tl", self.full, reps)
        if _installed("pydivsufsort"):
            R["peers"]["sa-dss"] = self.worker("sa-dss", self.full, reps)
            R["peers"]["sa-dss-bytes"] = self.worker("sa-dss-bytes", self.full, reps)
        else:
            R["peers"]["sa-dss"] = {"missing": "pydivsufsort not installed"}
            R["peers"]["sa-dss-bytes"] = {"missing": "pydivsufsort not installed"}

        self.log("near-repeat search on the subset's segments")
        R["peers"]["near-tl"] = self.worker("near-tl", self.subset, reps)
        R["peers"]["near-rf"] = self.worker("near-rf", self.subset, reps)

        self.log("pure-Python twin vs compiled core on the twin subset")
        R["twin_py"] = self.score_repeated(self.twin_subset, max(1, min(reps, a.twin_repeats)),
                                           python_twin=True)
        R["twin_c"] = self.score_repeated(self.twin_subset, reps)

        self.log("scaling: synthetic 1x / 4x / 16x")
        R["scale"] = {}
        for key, path in self.scale.items():
            st = _stats_of(path, self.env)
            r = self.score_repeated(path, a.scale_repeats)
            r.update(st)
            R["scale"][key] = r
        if self.copies is not None:
            self.log(f"memory: score --jobs 1 on all traces {a.memory_copies} times over")
            r = self.score_repeated(self.copies, 1)
            r.update(_stats_of(self.copies, self.env))
            R["memory"] = r
        if a.profile:
            self.log("profile of score --jobs 1 on the subset (cProfile)")
            R["profile"] = self.profile(self.subset)

    def profile(self, path: Path) -> Dict[str, Any]:
        prof = self.tmp / "score.prof"
        code = ("import cProfile, sys; from tracelint.cli import main; "
                f"cProfile.run('main(sys.argv[1:])', {str(prof)!r})")
        r = run_measured([sys.executable, "-c", code, "score", str(path), "-q", "--format", "jsonl"],
                         self.env, stdout_path=os.devnull)
        if r["rc"] not in (0, 1) or not prof.exists():
            return {"error": r["stderr"][-2000:]}
        return _profile_summary(prof)


# ----------------------------------------------------------------------------------------
# figures

def _stats_of(path: Path, env) -> Dict[str, Any]:
    code = ("import json, sys; sys.path.insert(0, %r); from run import _load_texts; "
            "ids, t = _load_texts(%r); n = sum(1 for l in open(%r, 'rb') if l.strip()); "
            "print(json.dumps({'traces': n, 'texts': len(t), "
            "'text_bytes': sum(len(x.encode('utf-8', 'surrogatepass')) for x in t)}))"
            % (str(HERE), str(path), str(path)))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=tempfile.gettempdir()).stdout
    d = json.loads(out)
    d["file_bytes"] = os.path.getsize(path)
    d["text_mb"] = d["text_bytes"] / 1e6
    d["file_mb"] = d["file_bytes"] / 1e6
    return d


def _installed(mod: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(mod) is not None


def _med(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def _rate(size: float, times: Sequence[float]) -> Tuple[float, float, float]:
    """(median, min, max) of size / time."""
    rates = [size / max(t, 1e-9) for t in times]
    return statistics.median(rates), min(rates), max(rates)


def _fmt_rate(r: Tuple[float, float, float], digits: int = 2) -> str:
    med, lo, hi = r
    return f"{med:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def _ranks(xs: Sequence[float]) -> List[float]:
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> Optional[float]:
    if len(x) < 3:
        return None
    rx, ry = _ranks(x), _ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / (sxx * syy) ** 0.5


def _profile_summary(prof: Path) -> Dict[str, Any]:
    import pstats
    st = pstats.Stats(str(prof))
    total = st.total_tt
    groups = {  # cumulative time of the entry points that matter
        "grounding detector (claims, arithmetic, answers)": ("detectors/grounding.py", "detect"),
        "repetition detector": ("detectors/repetition.py", "detect"),
        "  repetition: REP001 loop search (segments, near_repeats)": ("detectors/repetition.py", "_loop"),
        "  repetition: claim recurrence + answer returns (REP004/5)": ("detectors/repetition.py", "_cycling"),
        "prompt-copy detector": ("detectors/prompt_copy.py", "detect"),
        "completion detector": ("detectors/completion.py", "detect"),
        "unit splitting (encode)": ("tracelint/units.py", "encode"),
        "reading input (read_traces)": ("io/__init__.py", "read_traces"),
        "writing JSONL": ("io/writers.py", "write_jsonl_line"),
    }
    cum = {}
    for (fname, _line, func), (cc, nc, tt, ct, callers) in st.stats.items():
        for label, (f, fn) in groups.items():
            if fname.endswith(f) and func == fn:
                cum[label] = cum.get(label, 0.0) + ct
    top = sorted(((tt, f"{Path(fn).name}:{ln}({func})") for (fn, ln, func), (cc, nc, tt, ct, _)
                  in st.stats.items()), reverse=True)[:12]
    return {"total": total, "groups": cum, "top_self": [(n, t) for t, n in top]}


def agreement(R: Dict[str, Any], sub_out: Path) -> Optional[Dict[str, Any]]:
    fr = R["peers"].get("dt-spacy", {}).get("fractions")
    if not fr:
        return None
    tl = {}
    with open(sub_out, encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if "metrics" in d:
                tl[d["id"]] = d["metrics"]
    ids = [i for i in fr if i in tl]
    out: Dict[str, Any] = {"n": len(ids), "quantities": {}}
    dec_dt, dec_tl = [], []
    for i in ids:
        m, f = tl[i], fr[i]
        dec_dt.append(any(f[f"top{n}"] > t for n, t in GOPHER_TOP.items())
                      or any(f[f"dup{n}"] > t for n, t in GOPHER_DUP.items()))
        dec_tl.append(any(m["top_ngram_frac"][str(n)] > t for n, t in GOPHER_TOP.items())
                      or any(m["dup_ngram_frac"][str(n)] > t for n, t in GOPHER_DUP.items()))
    for kind, table, key in (("top", GOPHER_TOP, "top_ngram_frac"), ("dup", GOPHER_DUP, "dup_ngram_frac")):
        for n, t in table.items():
            x = [fr[i][f"{kind}{n}"] for i in ids]
            y = [tl[i][key][str(n)] for i in ids]
            agree = sum((a > t) == (b > t) for a, b in zip(x, y)) / len(ids) if ids else 0.0
            out["quantities"][f"{key}[{n}]"] = {
                "rho": spearman(x, y), "agree": agree, "threshold": t,
                "dt_over": sum(a > t for a in x), "tl_over": sum(b > t for b in y),
                "dt_median": statistics.median(x) if x else 0.0,
                "tl_median": statistics.median(y) if y else 0.0}
    both = sum(a and b for a, b in zip(dec_dt, dec_tl))
    out["decision"] = {"agree": sum(a == b for a, b in zip(dec_dt, dec_tl)) / len(ids) if ids else 0.0,
                       "both_reject": both, "dt_only": sum(a and not b for a, b in zip(dec_dt, dec_tl)),
                       "tl_only": sum(b and not a for a, b in zip(dec_dt, dec_tl)),
                       "neither": sum(not a and not b for a, b in zip(dec_dt, dec_tl))}
    return out


def near_agreement(R: Dict[str, Any]) -> Optional[float]:
    a = R["peers"].get("near-tl", {}).get("decisions")
    b = R["peers"].get("near-rf", {}).get("decisions")
    if not a or not b or len(a) != len(b):
        return None
    return sum(x == y for x, y in zip(a, b)) / len(a)


def machine_info() -> Dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    try:
        versions["tracelint"] = re.search(r'__version__\s*=\s*"([^"]+)"', (
            ROOT / "tracelint" / "__init__.py").read_text()).group(1)
    except (OSError, AttributeError):
        versions["tracelint"] = "?"
    import importlib.metadata as md
    for dist in ("numpy", "Cython", "regex", "rapidfuzz", "datatrove", "spacy",
                 "pydivsufsort"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = "not installed"

    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout.rstrip()
        except (OSError, subprocess.CalledProcessError):
            return ""
    return {"nproc": os.cpu_count(), "cpu": cpu, "versions": versions,
            "date": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "commit": git("rev-parse", "HEAD"),
            "dirty": git("status", "--porcelain", "--", "tracelint", "src", "setup.py"),
            "platform": platform.platform()}


def render(R: Dict[str, Any], info: Dict[str, Any], args, load: Tuple[List[float], List[float]],
           agree: Optional[Dict[str, Any]], near_agree: Optional[float]) -> Tuple[str, Dict[str, Any]]:
    S = R["sets"]
    full, sub, twin = S["full"], S["subset"], S["twin"]
    L: List[str] = []
    verdicts: Dict[str, Any] = {}
    w = L.append
    w("# Benchmark results (issue 6)")
    w("")
    w("Written by `python benchmarks/run.py" + (" " + " ".join(args.argv) if args.argv else "") +
      "`; every figure below comes from that one run.")
    w("")
    dirty = [l[3:] for l in info["dirty"].splitlines() if l.strip()]
    if args.working_tree:
        w(f"* measured: {info['measured']}; commit `{info['commit']}`" + (
            "" if not dirty else " — **with uncommitted changes** in: " +
            ", ".join(f"`{d}`" for d in dirty)))
    else:
        w(f"* commit measured: `{info['commit']}` ({info['measured']}" + (
            "; uncommitted changes in the working tree were not measured" if dirty else "") + ")")
    w(f"* date: {info['date']}; machine: {info['nproc']} cores, {info['cpu']}; {info['platform']}")
    w("* versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    others = _other_cores(R)
    w(f"* load average (1 min) at start {load[0][0]:.2f}, at end {load[1][0]:.2f} (the suite's own "
      "runs included). Other work on the machine during the `score` runs (machine busy time "
      "minus the run's own CPU time and this script's memory sampler's, /proc/stat): " + (
          "not measured" if others is None else f"{others:.2f} cores on average") + ". Per-core "
      "figures use process CPU time (user + system), which other work disturbs much less than "
      "the wall time of the `--jobs` figures.")
    w(f"* runs per figure: {args.repeats} (median, with min–max); the scaling points "
      f"{args.scale_repeats} run each; the pure-Python twin {max(1, min(args.repeats, args.twin_repeats))}.")
    w("")
    w("## Inputs")
    w("")
    w("| set | traces | with reasoning | reasoning text MB | file MB | used for |")
    w("|---|---:|---:|---:|---:|---|")
    w(f"| all real traces (canonical JSONL) | {full['traces']} | {full['texts']} | {full['text_mb']:.2f} | "
      f"{full['file_mb']:.2f} | `score` end to end, `--jobs`, SA+LCP |")
    w(f"| stride subset (every k-th trace) | {sub['traces']} | {sub['texts']} | {sub['text_mb']:.2f} | "
      f"{sub['file_mb']:.2f} | datatrove, Gopher kernels, rapidfuzz vs near-repeat search, profile |")
    w(f"| smaller stride subset | {twin['traces']} | {twin['texts']} | {twin['text_mb']:.2f} | "
      f"{twin['file_mb']:.2f} | pure-Python twin vs compiled core |")
    w("")
    w("The slow peers run on the stride subset to keep the suite under ~15 minutes; tracelint is "
      "measured on the same subset for every ratio. MB is always MB (10^6 bytes) of UTF-8 "
      "*reasoning text* — the text every peer sees — unless a column says *file MB* (the "
      "canonical JSONL that `tracelint score` reads, with prompts, answers and JSON quoting). "
      "Peers see only traces with a non-empty reasoning; `score` reads every record.")
    w("")

    # ---- main table
    w("## Figures")
    w("")
    w("| what | texts | runs | CPU s median | MB/s per core median (min–max) | traces/s per core | peak RSS MB | tracelint ÷ peer |")
    w("|---|---|---:|---:|---:|---:|---:|---:|")

    def row(name, st, r, ratio="", use_texts=True, n_runs=None):
        if "missing" in r:
            w(f"| {name} | — | — | — | {r['missing']} | — | — | — |")
            return None
        mb = st["text_mb"]
        n = st["texts"] if use_texts else st["traces"]
        rate = _rate(mb, r["cpu"])
        tr = _rate(n, r["cpu"])
        w(f"| {name} | {st['_name']} | {n_runs or len(r['cpu'])} | {_med(r['cpu']):.2f} | {_fmt_rate(rate)} | "
          f"{tr[0]:,.0f} | {r['peak_rss_kb'] / 1024:.0f} | {ratio} |")
        return rate
    full["_name"], sub["_name"], twin["_name"] = "all", "subset", "twin subset"
    P = R["peers"]
    e2e = row("**tracelint score --jobs 1** (all default detectors)", full, R["e2e_j1"], use_texts=False)
    e2e_file = _rate(full["file_mb"], R["e2e_j1"]["cpu"])
    e2e_sub = row("tracelint score --jobs 1", sub, R["e2e_sub"], use_texts=False)
    loops_note = ""
    if "e2e_sub_loops" in R:
        loops_sub = row(f"tracelint score --jobs 1 `{' '.join(LOOP_ONLY)}` (repetition, prompt copy, "
                        f"truncation; no claim checking)", sub, R["e2e_sub_loops"], use_texts=False)
        if loops_sub and "cpu" in P["dt-spacy"]:
            loops_note = (f"Without the grounding rules (a loop filter, as datatrove's is), `score` "
                          f"runs at {_ratio(loops_sub, P['dt-spacy'], sub)} datatrove's "
                          f"GopherRepetitionFilter with defaults on the subset.")
    dt = row("datatrove GopherRepetitionFilter, defaults (spaCy words)", sub, P["dt-spacy"],
             _ratio(e2e_sub, P["dt-spacy"], sub))
    row("datatrove GopherRepetitionFilter, whitespace words (str.split)", sub, P["dt-ws"],
        _ratio(e2e_sub, P["dt-ws"], sub))
    tlg_note = ""
    if "cpu" in P["tl-gopher"]:
        tlg_rate = _rate(sub["text_mb"], P["tl-gopher"]["cpu"])
        parts = [f"{_ratio(tlg_rate, P[k], sub)} vs {lab}" for k, lab in
                 (("dt-spacy", "defaults"), ("dt-ws", "whitespace")) if "cpu" in P[k]]
        tlg_note = ", ".join(parts)
    row("tracelint Gopher quantities only (units, SA, LCP, coverage, top n-grams)", sub,
        P["tl-gopher"], tlg_note)
    sa_tl = row("tracelint suffix_array + lcp_array on unit ids", full, P["sa-tl"])
    row("pydivsufsort divsufsort + kasai on the same unit ids", full, P["sa-dss"],
        _ratio(sa_tl, P["sa-dss"], full))
    row("pydivsufsort divsufsort + kasai on the UTF-8 bytes instead (not the same input)", full,
        P["sa-dss-bytes"], _ratio(sa_tl, P["sa-dss-bytes"], full))
    near_tl = row("tracelint near_repeats (REP001 search) on segments", sub, P["near-tl"])
    row(f"rapidfuzz extractOne(fuzz.ratio, cutoff {NEAR_SIM * 100:.0f}) vs {NEAR_LOOKBACK} earlier segments",
        sub, P["near-rf"], _ratio(near_tl, P["near-rf"], sub))
    tw_c = row("tracelint score, compiled core", twin, R["twin_c"], use_texts=False)
    row("tracelint score, pure-Python twin (TRACELINT_IMPLEMENTATION=python)", twin, R["twin_py"],
        _ratio(tw_c, R["twin_py"], twin), use_texts=False)
    w("")
    st = R["startup"]
    w(f"`score` on the full set: {_fmt_rate(e2e_file)} *file* MB/s per core. Fixed cost of one "
      f"`tracelint score` process (interpreter, imports, an empty input): {_med(st['cpu']):.2f} s "
      f"CPU, included in every `score` figure above. Peak RSS of a worker that only loads the "
      f"subset's texts: {P['noop-subset']['peak_rss_kb'] / 1024:.0f} MB (included in the peer rows).")
    if loops_note:
        w(loops_note)
    if "sa-dss" in P and "identical_on_first_200" in P["sa-dss"]:
        w(f"Suffix arrays and LCP arrays of the two SA implementations are identical on the "
          f"first 200 arrays: {'yes' if P['sa-dss']['identical_on_first_200'] else '**no**'} "
          f"({P['sa-tl']['units']:,} units in all).")
    if "decisions" in P.get("dt-spacy", {}):
        d = P["dt-spacy"]["decisions"]
        w("datatrove's filter decisions on the subset (first failing check): " +
          ", ".join(f"{k} {v}" for k, v in sorted(d.items(), key=lambda kv: -kv[1])) + ".")
    if near_agree is not None:
        w(f"Near-repeat decisions (similarity ≥ {NEAR_SIM}) of rapidfuzz and tracelint agree on "
          f"{near_agree:.1%} of {P['near-tl']['segments']:,} segments (tracelint: "
          f"{P['near-tl']['repeats']:,} repeats, rapidfuzz: {P['near-rf']['repeats']:,}); tracelint "
          "compares unit ids with numbers collapsed, rapidfuzz the raw segment strings, and "
          "tracelint scores only candidates its bigram index finds.")
    w("")

    # ---- jobs
    j1, j2 = R["e2e_j1"], R["e2e_j2"]
    speedup = _med(j1["wall"]) / _med(j2["wall"])
    best = min(j1["wall"]) / min(j2["wall"])
    w("## `--jobs` (wall time, all real traces)")
    w("")
    w("| jobs | wall s median (min–max) | file MB/s | CPU s (all processes) | peak RSS MB (sum over the process tree) | peak PSS MB (process tree) |")
    w("|---:|---:|---:|---:|---:|---:|")
    for j, r in ((1, j1), (2, j2)):
        w(f"| {j} | {_med(r['wall']):.2f} ({min(r['wall']):.2f}–{max(r['wall']):.2f}) | "
          f"{full['file_mb'] / _med(r['wall']):.2f} | {_med(r['cpu']):.2f} | {r['peak_rss_kb'] / 1024:.0f} | "
          f"{r['peak_pss_kb'] / 1024:.0f} |")
    w("")
    other_j2 = _other_cores({"e2e_j2": j2})
    sampler_j2 = sum(j2["sampler_cpu"]) / max(sum(j2["wall"]), 1e-9) if "sampler_cpu" in j2 else None
    w(f"Speed-up of `--jobs 2` over `--jobs 1`: **{speedup:.2f}x** on the median wall times, "
      f"{best:.2f}x on the best of each (wall time). Other work on the machine during the "
      "`--jobs 2` runs: " + ("not measured" if other_j2 is None else f"{other_j2:.2f} cores on "
                             "average") + (
          f", and this script's memory sampler {sampler_j2:.2f} cores" if sampler_j2 is not None
          else "") + " (on a 2-core machine any other work takes the "
      "second core away from `--jobs 2` first).")
    w("")

    # ---- scaling
    sc = R["scale"]
    w("## Scaling (synthetic inputs from the real traces, `score --jobs 1`)")
    w("")
    w("`traces-Kx`: K times as many traces as the base (real traces drawn at random, new ids). "
      "`long-Kx`: as many traces as the base, each K real reasoning texts joined (K times longer).")
    w("")
    fixed = _med(R["warmup"]["cpu"])
    w(f"*net* subtracts the fixed cost of one `score` process ({fixed:.2f} s CPU: interpreter, "
      f"imports and the first use of every detector, measured on 10 traces; "
      f"{_med(R['startup']['cpu']):.2f} s of it on an empty input) so that the per-byte cost is "
      "compared; the target is judged on it. " + (
          "The traces of `traces-Kx` are all distinct." if getattr(args, "scale_distinct", True) else
          "**The input is too small for 16x distinct traces: `traces-Kx` repeats traces under "
          "new ids.**"))
    w("")
    w("| input | traces | reasoning MB | file MB | CPU s | MB/s per core | net MB/s per core | net vs 1x | peak RSS MB |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst_scale = None
    for axis in ("traces", "long"):
        base = None
        for k in (1, 4, 16):
            r = sc[f"{axis}-{k}x"]
            cpu = _med(r["cpu"])
            rate = r["text_mb"] / max(cpu, 1e-9)
            net = r["text_mb"] / max(cpu - fixed, 1e-9)
            base = base or net
            rel = net / base
            if k == 16:
                worst_scale = rel if worst_scale is None else min(worst_scale, rel)
            w(f"| {axis}-{k}x | {r['traces']} | {r['text_mb']:.2f} | {r['file_mb']:.2f} | "
              f"{cpu:.2f} | {rate:.2f} | {net:.2f} | {rel:.0%} | {r['peak_rss_kb'] / 1024:.0f} |")
    grow = [(a, sc[f"{a}-16x"]["peak_rss_kb"] / max(sc[f"{a}-1x"]["peak_rss_kb"], 1))
            for a in ("traces", "long")]
    mem = R.get("memory")
    # memory is judged flat when the whole input several times over peaks within 10% of the
    # whole input once: the caches (claims per span, number values) are bounded and fill
    # within the first tens of MB, which the small scaling inputs do not reach
    mem_growth = (mem["peak_rss_kb"] / max(R["e2e_j1"]["peak_rss_kb"], 1)) if mem else None
    flat = mem_growth <= 1.1 if mem_growth is not None else max(g for _, g in grow) <= 1.2
    w("Peak RSS from 1x to 16x: " + ", ".join(f"{a} x{g:.2f}" for a, g in grow) + ".")
    w("")
    if mem:
        w(f"## Memory at a larger input\n\nThe whole input {args.memory_copies} times over "
          f"({mem['traces']} traces, {mem['file_mb']:.0f} file MB, new ids), `score --jobs 1`, "
          f"one run: peak RSS **{mem['peak_rss_kb'] / 1024:.0f} MB**, against "
          f"{R['e2e_j1']['peak_rss_kb'] / 1024:.0f} MB on the whole input once (x{mem_growth:.2f}); "
          f"{_med(mem['cpu']):.1f} s CPU, {mem['file_mb'] / max(_med(mem['cpu']), 1e-9):.2f} file "
          "MB/s per core. " + (
              "Memory levels off: what grows in the scaling table above is the bounded caches "
              "filling (at most 40,000 checked spans and 100,000 number values), not anything "
              "kept per trace." if flat else
              "**Memory still grows with the input size**: something per trace is kept."))
        w("")
    else:
        w(("Flat: the input is streamed." if flat else
           "**It grows with the input size**, and no larger input was measured "
           "(`--memory-copies`), so the 300 MB target holds at the sizes measured only."))
        w("")

    # ---- agreement
    if agree:
        w("## Agreement of the Gopher quantities (datatrove with spaCy words vs tracelint on units)")
        w("")
        w(f"{agree['n']} traces of the subset. ρ: Spearman rank correlation of the two fractions "
          "across traces; *agree*: share of traces where both are on the same side of Gopher's "
          "threshold. The definitions differ (README, \"Gopher quantities, on units\"): datatrove "
          "counts characters of spaCy words, greedily skipping matched n-grams, and multiplies "
          "the top n-gram's length by its count; tracelint counts unit positions covered.")
        w("")
        w("| quantity | threshold | ρ | agree | over (datatrove) | over (tracelint) | median datatrove | median tracelint |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        for q, d in agree["quantities"].items():
            rho = "—" if d["rho"] is None else f"{d['rho']:.3f}"
            w(f"| {q} | {d['threshold']} | {rho} | {d['agree']:.1%} | {d['dt_over']} | {d['tl_over']} | "
              f"{d['dt_median']:.3f} | {d['tl_median']:.3f} |")
        dd = agree["decision"]
        w("")
        w(f"Gopher n-gram decision (any of the nine fractions over its threshold): the two agree on "
          f"**{dd['agree']:.1%}** of traces (both over {dd['both_reject']}, neither {dd['neither']}, "
          f"datatrove only {dd['dt_only']}, tracelint only {dd['tl_only']}).")
        w("")

    # ---- profile
    if R.get("profile") and "error" in R["profile"]:
        w("## Profile")
        w("")
        w("The cProfile run failed: `" + R["profile"]["error"].strip().splitlines()[-1] + "`")
        w("")
    if R.get("profile") and "groups" in R["profile"]:
        pr = R["profile"]
        w("## Where `score` spends its time (cProfile, `--jobs 1`, stride subset)")
        w("")
        w(f"Total profiled time {pr['total']:.1f} s (cProfile inflates Python-level call costs).")
        w("")
        w("| part (cumulative) | s | share |")
        w("|---|---:|---:|")
        for k, v in sorted(pr["groups"].items(), key=lambda kv: -kv[1]):
            w(f"| {k} | {v:.2f} | {v / pr['total']:.0%} |")
        w("")
        w("Top functions by own time: " + "; ".join(
            f"`{n}` {t:.2f} s ({t / pr['total']:.0%})" for n, t in pr["top_self"][:8]) + ".")
        w("")

    # ---- targets
    # one process (--jobs 1, every input size): its RSS; the --jobs 2 tree: its PSS, since
    # the forked workers share the parent's pages (the RSS sum is shown in the --jobs table)
    rss_max = max([R["e2e_j1"]["peak_rss_kb"], R["e2e_j2"]["peak_pss_kb"]] +
                  [r["peak_rss_kb"] for r in sc.values()] +
                  ([mem["peak_rss_kb"]] if mem else [])) / 1024
    rss_sum_j2 = R["e2e_j2"]["peak_rss_kb"] / 1024
    vs_dt = (e2e_sub[0] / dt[0]) if (e2e_sub and dt) else None
    sa_ratio = (sa_tl[0] / _rate(full["text_mb"], P["sa-dss"]["cpu"])[0]) if "cpu" in P.get("sa-dss", {}) else None
    verdicts = {
        "e2e": (e2e_file[0], e2e_file[0] >= TARGETS["e2e"]),
        "vs_datatrove": (vs_dt, vs_dt is not None and vs_dt >= TARGETS["vs_datatrove"]),
        "sa_vs_dss": (sa_ratio, sa_ratio is not None and sa_ratio >= TARGETS["sa_vs_dss"]),
        "rss_mb": (rss_max, rss_max <= TARGETS["rss_mb"] and flat),
        "scale_16x": (worst_scale, worst_scale is not None and worst_scale >= TARGETS["scale_16x"]),
        "jobs2": (speedup, speedup >= TARGETS["jobs2"]),
    }

    def mark(key):
        v, ok = verdicts[key]
        return "—" if v is None else ("**met**" if ok else "**not met**")
    w("## Targets (issue 6)")
    w("")
    w("| target | measured | verdict |")
    w("|---|---|---|")
    w(f"| ≥ 30 MB/s per core end to end (`score`, all default detectors, real traces) | "
      f"{e2e_file[0]:.2f} file MB/s ({e2e[0]:.2f} reasoning-text MB/s) | {mark('e2e')} |")
    w("| ≥ 40x datatrove `GopherRepetitionFilter` (defaults) on the same texts | "
      + (f"{vs_dt:.1f}x (`score` vs the filter, text MB/s per core, subset)" if vs_dt else "peer missing")
      + f" | {mark('vs_datatrove')} |")
    w("| SA + LCP ≥ pydivsufsort on the same unit arrays | "
      + (f"{sa_ratio:.2f}x" if sa_ratio else "peer missing") + f" | {mark('sa_vs_dss')} |")
    w(f"| peak RSS ≤ 300 MB whatever the input size | {rss_max:.0f} MB (largest over every `score` "
      f"run: RSS of the one process with `--jobs 1` at every size, PSS of the `--jobs 2` tree, "
      f"whose summed RSS is {rss_sum_j2:.0f} MB)" + (
          "; it grows with the input size (see Scaling), so this holds at the sizes measured only"
          if not flat else (f"; flat from the whole input to {args.memory_copies}x it" if mem
                            else "")) + f" | {mark('rss_mb')} |")
    w("| throughput at 16x within 15% of 1x | "
      + (f"{worst_scale:.0%} of 1x (net MB/s per core, the worse of the two axes)" if worst_scale else "—")
      + f" | {mark('scale_16x')} |")
    w(f"| `--jobs 2` ≥ 1.7x `--jobs 1` | {speedup:.2f}x median, {best:.2f}x best of runs (wall"
      + (f"; {other_j2:.2f} cores of other work meanwhile" if other_j2 is not None else "")
      + f") | {mark('jobs2')} |")
    w("")
    return "\n".join(L) + "\n", verdicts


def _ratio(tl_rate, peer: Dict[str, Any], st: Dict[str, Any]) -> str:
    if tl_rate is None or "cpu" not in peer:
        return ""
    peer_rate = _rate(st["text_mb"], peer["cpu"])[0]
    return f"{tl_rate[0] / max(peer_rate, 1e-12):.2f}x"


def _other_cores(R: Dict[str, Any]) -> Optional[float]:
    """Cores taken by other work, on average, over the ``score`` runs in ``R`` that measured
    it (CPU seconds of other work / wall seconds)."""
    other = wall = 0.0
    for r in R.values():
        if not isinstance(r, dict) or "other_cpu" not in r:
            continue
        for o, t in zip(r["other_cpu"], r["wall"]):
            if o is not None:
                other, wall = other + o, wall + t
    return other / wall if wall else None


def _busy_seconds() -> Optional[float]:
    """Busy CPU seconds of the whole machine since boot (all cores; /proc/stat), or None."""
    try:
        with open("/proc/stat") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = f[3] + (f[4] if len(f) > 4 else 0)  # idle + iowait
    busy = sum(f[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def _loadavg() -> List[float]:
    try:
        return list(os.getloadavg())
    except OSError:
        return [float("nan")] * 3


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", help="a trace file to use instead of the converted real data")
    ap.add_argument("--quick", action="store_true", help="2 runs, smaller subsets and scaling base")
    ap.add_argument("--repeats", type=int, help="runs per figure (default 3; --quick 2)")
    ap.add_argument("--subset-mb", type=float, help="file MB of the stride subset for the slow peers (default 5)")
    ap.add_argument("--twin-mb", type=float, help="file MB of the pure-Python twin's subset (default 1)")
    ap.add_argument("--twin-repeats", type=int, default=1, help="runs of the pure-Python twin (default 1)")
    ap.add_argument("--scale-base-mb", type=float, help="file MB of the 1x synthetic input (default 2)")
    ap.add_argument("--scale-repeats", type=int, default=1)
    ap.add_argument("--memory-copies", type=int,
                    help="peak RSS on the whole input this many times over (default 3; --quick 0: skipped)")
    ap.add_argument("--no-profile", dest="profile", action="store_false", help="skip the cProfile run")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"), help="where to write the results ('-': stdout only)")
    ap.add_argument("--working-tree", action="store_true",
                    help="measure the working tree as it is (default: HEAD, built in a temporary directory)")
    ap.add_argument("--json", help="also write every raw figure to this JSON file")
    ap.add_argument("--silent", action="store_true", help="no progress lines")
    # worker mode (internal)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--texts", help=argparse.SUPPRESS)
    ap.add_argument("--fractions", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        args.repeats = args.repeats or 1
        return run_worker(args)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    q = args.quick
    args.repeats = args.repeats or (2 if q else 3)
    args.subset_mb = args.subset_mb if args.subset_mb is not None else (2.0 if q else 5.0)
    args.twin_mb = args.twin_mb if args.twin_mb is not None else (0.3 if q else 1.0)
    args.scale_base_mb = args.scale_base_mb if args.scale_base_mb is not None else (0.5 if q else 2.0)
    args.memory_copies = args.memory_copies if args.memory_copies is not None else (0 if q else 3)

    t0 = time.perf_counter()
    load0 = _loadavg()
    info = machine_info()
    args.commit = info["commit"]
    suite = Suite(args)
    try:
        info["measured"] = suite.measured
        suite.inputs()
        suite.run_all()
        R = suite.results
        agree = agreement(R, suite.tmp / "sub_out.jsonl")
        near_agree = near_agreement(R)
        load1 = _loadavg()
        text, verdicts = render(R, info, args, (load0, load1), agree, near_agree)
        text += (f"Suite wall time: {time.perf_counter() - t0:.0f} s.\n")
        if args.json:
            raw = {k: v for k, v in R.items()}
            for p in raw.get("peers", {}).values():
                p.pop("fractions", None)
                p.pop("decisions", None) if isinstance(p.get("decisions"), list) else None
            Path(args.json).write_text(json.dumps({"info": info, "results": raw,
                                                   "verdicts": verdicts}, indent=1, default=str))
    finally:
        shutil.rmtree(suite.tmp, ignore_errors=True)
    if args.out != "-":
        Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
