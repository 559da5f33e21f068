"""Readers and writers.

>>> from tracelint.io import read_traces, ReaderOptions
>>> opts = ReaderOptions(field_map={"reasoning": "model_answer"}, constants={"model": "QwQ"})
>>> for item in read_traces(["a.jsonl"], opts):   # Trace or ReadError, in input order
...     ...

Formats by extension: ``.parquet``/``.pq`` (Parquet), ``.arrow``/``.feather``/``.ipc``
(Arrow IPC); ``.txt``/``.md``/``.log`` (one trace: the whole file is the model's output,
unless it starts with ``{`` or ``[``: JSON written under such a name);
everything else — ``.jsonl``, ``.json``, ``.ndjson``, no extension — is JSON Lines (a
``.json`` file starting with ``[`` is streamed as a JSON array, and a file whose first line is
a lone ``{`` as pretty-printed objects one after another); a ``.gz``, ``.bz2``, ``.xz`` or
``.zst`` suffix is decompressed; ``-`` is JSON Lines on stdin.
"""
from __future__ import annotations

import os
from typing import IO, Any, Iterable, Iterator, List, Optional, Union

from tracelint.io.fieldmap import (
    MAP_TARGETS, OUTPUT_TARGET, FieldSpecError, get_path, parse_field_spec, parse_path,
    parse_set_spec,
)
from tracelint.io.jsonl import content_start, open_binary, plain_name, read_json_file
from tracelint.io.parquet import ARROW_EXTS, PARQUET_EXTS, read_arrow, read_parquet
from tracelint.io.schema import (
    SAMPLE_KEYS, InputError, OutputError, ReaderOptions, build_traces, compile_options,
    normalize_finish_reason, split_json_cot, split_output, split_think,
)
from tracelint.io.text import TEXT_EXTS, read_text_file
from tracelint.io.writers import dumps_line, open_output, write_jsonl_line
from tracelint.model import ReadError, Trace, register_sources

Item = Union[Trace, ReadError]
PathLike = Union[str, "os.PathLike[str]"]


def _check_path(p: str) -> None:
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError(f"cannot read {p!r}: no such file") from None
    except PermissionError:
        raise InputError(f"cannot read {p!r}: permission denied") from None
    except OSError as e:
        raise InputError(f"cannot read {p!r}: {e.strerror or e}") from None
    import stat
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"cannot read {p!r}: it is a directory")
    if not os.access(p, os.R_OK):
        raise InputError(f"cannot read {p!r}: permission denied")


#: what a directory given as input contributes: its data files (JSON, Parquet, Arrow, also
#: compressed), not its README or logs
DATA_EXTS = (".jsonl", ".json", ".ndjson") + PARQUET_EXTS + ARROW_EXTS


def expand_inputs(paths: Iterable[PathLike]) -> List[str]:
    """``paths`` with every directory replaced by the data files under it (``DATA_EXTS``,
    compressed or not; hidden and ``_``-prefixed names skipped, as Spark and Hugging Face
    leave ``_SUCCESS`` and ``.cache`` there), sorted by their path inside it, so the order
    is the same on every machine.  A directory with none raises :class:`InputError`."""
    out: List[str] = []
    for p in paths:
        p = os.fspath(p)
        if p == "-" or not os.path.isdir(p):
            out.append(p)
            continue
        found = []
        for root, dirs, files in os.walk(p):
            dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
            rel = os.path.relpath(root, p)
            for f in files:
                if not f.startswith((".", "_")) and plain_name(f.lower()).endswith(DATA_EXTS):
                    found.append(((f if rel == "." else f"{rel}/{f}").replace(os.sep, "/"),
                                  os.path.join(root, f)))
        if not found:
            raise InputError(f"cannot read {p!r}: a directory with no trace files "
                             f"({', '.join(DATA_EXTS)}, also compressed)")
        out.extend(full for _, full in sorted(found))
    register_sources(out)  # ids of the run's inputs that share a base name stay apart
    return out


def format_of(path: str) -> str:
    """``"parquet"``, ``"arrow"``, ``"text"`` or ``"jsonl"`` for a path, by its extension
    (a text file's after any compression suffix; one that starts with ``{`` or ``[`` is
    JSON)."""
    low = path.lower()
    if low.endswith(PARQUET_EXTS):
        return "parquet"
    if low.endswith(ARROW_EXTS):
        return "arrow"
    if plain_name(low).endswith(TEXT_EXTS) and not _json_inside(path):
        return "text"
    return "jsonl"


def _json_inside(path: str) -> bool:
    """Whether a file named as text starts like JSON (``{`` or ``[``): JSON Lines written to
    ``run.log`` are records, not one trace.  A file that cannot be read is left to the text
    reader, which reports it."""
    if not os.path.isfile(path):
        return False
    try:
        fh = open_binary(path)
    except InputError:
        return False
    try:
        head = fh.peek(64)[:64]  # type: ignore[attr-defined]
    except (OSError, EOFError):
        return False
    finally:
        fh.close()
    return content_start(head)[:1] in (b"{", b"[")


def read_traces(paths: Union[PathLike, Iterable[PathLike]],
                options: Optional[ReaderOptions] = None, *,
                stdin: Optional[IO[bytes]] = None) -> Iterator[Item]:
    """Stream :class:`Trace` / :class:`ReadError` items from ``paths``, in input order: one
    per record, or one per sample of a record holding several (``Trace.sample_of``).

    A directory stands for the data files under it (:func:`expand_inputs`).  Every path is
    checked before anything is read: a missing file, a directory without trace files or an
    unreadable file raises :class:`InputError` right away (``options`` errors raise
    ``ValueError``).  ``stdin`` replaces ``sys.stdin.buffer`` for ``-`` (for tests).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    plist = expand_inputs(paths)
    plan = compile_options(options)
    batch = options.batch_size if options is not None else 1024
    if plist.count("-") > 1:
        raise InputError("'-' (stdin) can be given only once")
    for p in plist:
        if p != "-":
            _check_path(p)
    return _read_all(plist, plan, batch, stdin)


def _read_all(plist: list, plan: Any, batch: int, stdin: Optional[IO[bytes]]
              ) -> Iterator[Item]:
    for p in plist:
        fmt = "jsonl" if p == "-" else format_of(p)
        if fmt == "parquet":
            yield from read_parquet(p, plan, batch)
        elif fmt == "arrow":
            yield from read_arrow(p, plan, batch)
        elif fmt == "text":
            yield from read_text_file(p, plan)
        else:
            yield from read_json_file(p, plan, stdin)


def iter_records(records: Iterable[Any], options: Optional[ReaderOptions] = None,
                 source: str = "<records>", first_line: int = 1) -> Iterator[Item]:
    """Map already-decoded records (dicts, e.g. ``RecordBatch.to_pylist()``) to traces with
    the same rules as :func:`read_traces`; records are numbered from ``first_line``."""
    plan = compile_options(options)
    for i, rec in enumerate(records, first_line):
        yield from build_traces(rec, plan, source, i, source)


__all__ = [
    "read_traces", "iter_records", "ReaderOptions", "InputError", "OutputError",
    "FieldSpecError", "parse_field_spec", "parse_set_spec", "parse_path", "get_path",
    "write_jsonl_line", "dumps_line", "open_output", "split_think", "split_json_cot",
    "split_output", "normalize_finish_reason", "format_of", "MAP_TARGETS", "OUTPUT_TARGET",
    "SAMPLE_KEYS", "expand_inputs", "DATA_EXTS",
]
