"""Convert every trace file of ../shared/realdata to one canonical JSONL file (for the benchmarks).

Each file is read with the reader options of its layout (``SOURCES`` in
tests/test_realdata_load.py, the one table of them; docs/realdata.md shows the same options as
command lines), and every trace is written as one JSON object with the canonical field names
(``id``, ``model``, ``prompt``, ``reasoning``, ``answer``, ``reference``, token counts, ...),
so that ``tracelint score FILE`` needs no options and every peer sees the same texts.

The output goes to a cache directory, never into the repository (the data is not ours to
copy): ``$TRACELINT_BENCH_CACHE``, else ``$XDG_CACHE_HOME/tracelint-bench``, else
``~/.cache/tracelint-bench``.  It is rebuilt only when missing or older than this script.

    python benchmarks/convert_realdata.py              # prints the path it wrote
    python benchmarks/convert_realdata.py --out /tmp/realdata.jsonl

What a canonical record cannot carry: ``thinking_unclosed`` (an opening delimiter without
its closing one) is derived by the reader's split of a raw output and is not an input field,
so the TRN rule that uses it cannot fire on the converted file.  Everything else is kept.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Dict, Iterator, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

CANON = ("id", "model", "prompt", "reasoning", "answer", "reference", "correct",
         "finish_reason", "output_tokens", "reasoning_tokens", "input_tokens", "budget",
         "workload", "task", "sample")


def realdata_dir() -> Path:
    env = os.environ.get("TRACELINT_REALDATA")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "realdata",
                                                 Path("/work/shared/realdata")]:
        if cand.is_dir():
            return cand
    raise FileNotFoundError("../shared/realdata not found (set TRACELINT_REALDATA)")


def cache_dir() -> Path:
    env = os.environ.get("TRACELINT_BENCH_CACHE")
    if env:
        d = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = Path(base) / "tracelint-bench"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _sources():
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from test_realdata_load import SOURCES  # the one table of reader options
    finally:
        sys.path.pop(0)
    return SOURCES


def canonical_records(data: Optional[Path] = None) -> Iterator[Dict]:
    """Every trace of the real data as a canonical dict, in a fixed order (layout name, then
    file name, then line).  Records the reader cannot read are an error: the load tests say
    there are none."""
    from tracelint.io import read_traces
    from tracelint.model import ReadError
    data = data or realdata_dir()
    sources = _sources()
    for name in sorted(sources):
        src = sources[name]
        for path in sorted(data.glob(src.glob)):
            for t in read_traces([str(path)], src.options()):
                if isinstance(t, ReadError):
                    raise RuntimeError(t.describe())
                rec = {"id": f"{path.stem}:{t.line}"}
                for f in CANON[1:]:
                    v = getattr(t, f)
                    if v is not None:
                        rec[f] = v
                yield rec


def convert(out: Optional[Path] = None, force: bool = False) -> Path:
    out = out or cache_dir() / "realdata.jsonl"
    if out.exists() and not force and out.stat().st_mtime >= Path(__file__).stat().st_mtime:
        return out
    tmp = out.with_suffix(".tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for rec in canonical_records():
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    os.replace(tmp, out)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="output file (default: the cache directory)")
    ap.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = ap.parse_args(argv)
    path = convert(args.out, args.force)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
