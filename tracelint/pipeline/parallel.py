"""Streaming, optionally parallel scoring: read inputs in batches, analyse them in a process
pool, and hand the results back **in input order**.

The main process reads (JSON Lines as raw lines, Parquet / Arrow as record batches, JSON
arrays as records) and cuts the stream into *chunks* of at most ``batch_size`` records (and
about 1 MB of JSON Lines).  Each chunk is analysed by one worker (``jobs > 1``) or in the main
process (``jobs == 1``) with the same code, so a record's output depends only on the record
and on the group figures of the verbosity basis, which a first pass over the whole input
computes before any chunk (tracelint/verbosity.py): the bytes written are the same for every
``jobs`` and every ``batch_size``.  At most
``2 * jobs`` chunks are in flight, so memory stays bounded whatever the input size.

Public entry points:

* :func:`iter_results_parallel` — the per-trace output dicts of ``tracelint score``, the same
  as ``tracelint.cli.iter_results`` yields them (``_where`` included), for any ``jobs``;
* :func:`iter_decisions` — keep / reject / error (``filter``: or split by sample) per
  record with what ``filter`` and ``check`` need to write (used by :mod:`tracelint.pipeline.command`);
* :class:`Progress` — records/s, MB/s and ETA on stderr.
"""
from __future__ import annotations

import io
import json
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from ..config import Config
from ..verbosity import with_group_baseline
from ..model import ReadError, SCHEMA_VERSION
from ..model import source_name as _base
from .core import ERROR_REASON, check_lines, reject_reasons
from .outputs import REASONS_FIELD, SAMPLE_INDEX_FIELD, SAMPLE_REASONS_FIELD

#: Records per chunk when the caller does not say.
DEFAULT_BATCH_SIZE = 256
#: A JSON Lines chunk is cut once it holds this many bytes, whatever its record count.
#: (1 MB: a 10 MB input makes ten or more chunks, so that the last chunk of a --jobs run
#: does not leave the other workers idle for long.)
CHUNK_BYTES = 1 << 20

KEEP, REJECT, ERROR = 0, 1, 2
#: filter: a record holding several samples, some kept and some rejected
SPLIT = 3


# ------------------------------------------------------------------------------------------
# reading: chunks of raw input


@dataclass
class Chunk:
    """A run of consecutive records of one input.

    ``kind`` is ``"lines"`` (JSON Lines: ``items`` holds ``(lineno, raw bytes or None,
    read-error message or None)``), ``"rows"`` (Parquet / Arrow: ``batch`` holds the record
    batch, ``first_row`` the 1-based row number of its first row, ``tail_error`` a read
    failure after it, ``(first row, message)``, covering ``error_rows`` rows) or ``"items"``
    (JSON arrays: ``items`` holds ``(line, raw record or None, [Trace or ReadError, ...])``,
    one entry per record, its traces in the list)."""

    kind: str
    source: str
    base: str
    items: List[Any] = field(default_factory=list)
    batch: Any = None
    first_row: int = 1
    tail_error: Optional[Tuple[int, str]] = None
    error_rows: int = 1
    nbytes: int = 0

    def __len__(self) -> int:
        if self.kind == "rows":
            return (self.batch.num_rows if self.batch is not None else 0) + (
                self.error_rows if self.tail_error else 0)
        return len(self.items)


def is_regular_file(path: str) -> bool:
    """Whether ``path`` is a regular file (following symlinks) — one that can be read twice.
    FIFOs, ``/dev/stdin`` and the ``/dev/fd/N`` of a process substitution are not."""
    import stat
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _json_layout(path: str) -> str:
    """:func:`tracelint.io.jsonl.file_layout` of a JSON input, as its reader decides it."""
    from ..io.jsonl import file_layout, open_binary
    if not is_regular_file(path):
        return "lines"  # not opened: opening a FIFO would wait for a writer
    fh = open_binary(path)
    try:
        return file_layout(path, fh)
    except (OSError, EOFError):
        return "lines"  # the line reader opens it again and reports the failure
    finally:
        fh.close()


def input_kind(path: str) -> str:
    """``"jsonl"``, ``"array"`` (a ``.json`` file holding one JSON array, or a JSON file of
    pretty-printed objects one after another), ``"text"`` (one plain-text trace),
    ``"parquet"`` or ``"arrow"``, as the readers decide it."""
    if path == "-":
        return "jsonl"
    from ..io import format_of
    fmt = format_of(path)
    if fmt != "jsonl":
        return fmt
    return "jsonl" if _json_layout(path) == "lines" else "array"


def _jsonl_chunks(path: str, batch_size: int, stdin=None) -> Iterator[Chunk]:
    from ..io.jsonl import open_binary
    if path == "-":
        fh = stdin if stdin is not None else sys.stdin.buffer
        close = False
    else:
        fh = open_binary(path)
        close = True
    base = _base(path)
    cur = Chunk("lines", path, base)
    size = 0
    lineno = 0
    try:
        try:
            for raw in fh:
                lineno += 1
                n = len(raw)
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if raw.isspace() or not raw:
                    cur.nbytes += n
                    continue
                cur.items.append((lineno, raw, None))
                cur.nbytes += n
                size += n
                if len(cur.items) >= batch_size or size >= CHUNK_BYTES:
                    yield cur
                    cur = Chunk("lines", path, base)
                    size = 0
        except (OSError, EOFError) as e:  # e.g. a truncated or corrupt .gz
            cur.items.append((lineno + 1, None, f"read failed: {e}"))
        if cur.items or cur.nbytes:
            yield cur
    finally:
        if close:
            fh.close()


def _open_columnar(path: str, fmt: str):
    """(iterator of record batches, total rows or None, closer)."""
    from ..io import InputError
    if fmt == "parquet":
        from ..io.parquet import open_parquet
        pf = open_parquet(path)
        return pf, pf.metadata.num_rows, pf.close
    import pyarrow as pa
    import pyarrow.ipc as ipc
    try:
        src = pa.memory_map(path, "r")
    except Exception as e:
        raise InputError(f"cannot read {path!r}: {e}") from None
    try:
        reader = ipc.open_file(src)
        return reader, sum(reader.get_batch(i).num_rows
                           for i in range(reader.num_record_batches)), src.close
    except Exception:
        src.seek(0)
        try:
            return ipc.open_stream(src), None, src.close
        except Exception as e:
            src.close()
            raise InputError(f"cannot read {path!r} as Arrow IPC: {e}") from None


def _columnar_batches(reader, fmt: str, batch_size: int) -> Iterator[Any]:
    if fmt == "parquet":
        yield from reader.iter_batches(batch_size=batch_size)
        return
    import pyarrow.ipc as ipc
    if isinstance(reader, ipc.RecordBatchFileReader):
        batches: Iterable = (reader.get_batch(i) for i in range(reader.num_record_batches))
    else:
        batches = reader
    for b in batches:
        for off in range(0, b.num_rows, batch_size):
            yield b.slice(off, batch_size)


def _columnar_chunks(path: str, fmt: str, batch_size: int) -> Iterator[Chunk]:
    reader, total, close = _open_columnar(path, fmt)
    base = _base(path)
    try:
        fsize = os.path.getsize(path)
    except OSError:
        fsize = 0
    row = 0
    try:
        if fmt == "parquet":
            # row group by row group: a corrupt page costs the rest of its row group, each
            # of whose rows gets an error line, and reading goes on with the next group
            from ..io.parquet import parquet_batches
            for b, bad, msg in parquet_batches(reader, batch_size):
                while b is None and bad > 0:
                    k = min(bad, batch_size)
                    yield Chunk("rows", path, base, batch=None, first_row=row + 1,
                                tail_error=(row + 1, msg), error_rows=k)
                    row += k
                    bad -= k
                if b is not None and b.num_rows:
                    nbytes = (fsize * b.num_rows // total) if total else b.nbytes
                    yield Chunk("rows", path, base, batch=b, first_row=row + 1,
                                nbytes=nbytes)
                    row += b.num_rows
            return
        it = _columnar_batches(reader, fmt, batch_size)
        while True:
            try:
                b = next(it)
            except StopIteration:
                return
            except Exception as e:  # pyarrow raises ArrowInvalid / OSError on corrupt data
                yield Chunk("rows", path, base, batch=None, first_row=row + 1,
                            tail_error=(row + 1, f"read failed: {e}"))
                return
            if b.num_rows == 0:
                continue
            nbytes = (fsize * b.num_rows // total) if total else b.nbytes
            yield Chunk("rows", path, base, batch=b, first_row=row + 1, nbytes=nbytes)
            row += b.num_rows
    finally:
        close()


def _array_raw_records(path: str) -> List[Any]:
    """The records of a JSON array file (its elements) or of a file of pretty-printed JSON
    values (the values), up to the first syntax error: what the reader reads them from."""
    from ..io.jsonl import iter_json_records, open_binary
    out: List[Any] = []
    fh = open_binary(path)
    try:
        for r in iter_json_records(fh, path, _json_layout(path)):
            if not isinstance(r, ReadError):
                out.append(r[1])
    except (OSError, EOFError):  # the reader reports it; the records before it stand
        pass
    finally:
        fh.close()
    return out


def _array_chunks(path: str, options, batch_size: int, need_raw: bool) -> Iterator[Chunk]:
    from ..io import read_traces
    raws = _array_raw_records(path) if need_raw else []
    base = _base(path)
    cur = Chunk("items", path, base)
    try:
        total = os.path.getsize(path)
    except OSError:
        total = 0
    count = len(raws) or 1
    i = -1
    for item in read_traces([path], options):
        if item.sample_of is not None and item.sample_of[0] > 0:
            cur.items[-1][2].append(item)  # the other samples of the record just started
            continue
        if len(cur.items) >= batch_size:
            yield cur
            cur = Chunk("items", path, base)
        i += 1
        raw = raws[i] if i < len(raws) else None
        cur.items.append((item.line, raw, [item]))
        cur.nbytes += total // count if i < count else 0
    if cur.items:
        yield cur


def _text_chunk(path: str, options) -> Iterator[Chunk]:
    """The one record of a plain-text file, as an ``"items"`` chunk."""
    from ..io import compile_options
    from ..io.schema import build_traces
    from ..io.text import read_text_record
    plan = compile_options(options)
    rec = read_text_record(path, plan)
    cur = Chunk("items", path, _base(path))
    if isinstance(rec, ReadError):
        cur.items.append((1, None, [rec]))
    else:
        cur.items.append((1, rec, list(build_traces(rec, plan, path, 1, cur.base))))
    try:
        cur.nbytes = os.path.getsize(path)
    except OSError:
        pass
    yield cur


def iter_chunks(paths: Sequence[str], cfg: Config, batch_size: int = DEFAULT_BATCH_SIZE,
                need_raw: bool = True, stdin=None) -> Iterator[Chunk]:
    """Chunks of every input, in order.  Every path is checked first (a missing file, a
    directory, an unreadable file raise :class:`tracelint.io.InputError` before anything is
    read), as ``read_traces`` does."""
    from ..io import expand_inputs, read_traces
    if batch_size < 1:
        raise ValueError("batch_size must be a positive integer")
    plist = expand_inputs(paths)
    read_traces(plist, cfg.reader_options())  # validates paths and options, reads nothing
    kinds = [input_kind(p) for p in plist]
    return _chunks(plist, kinds, cfg, batch_size, need_raw, stdin)


def _chunks(plist, kinds, cfg, batch_size, need_raw, stdin) -> Iterator[Chunk]:
    for p, kind in zip(plist, kinds):
        if kind == "jsonl":
            yield from _jsonl_chunks(p, batch_size, stdin)
        elif kind == "array":
            yield from _array_chunks(p, cfg.reader_options(), batch_size, need_raw)
        elif kind == "text":
            yield from _text_chunk(p, cfg.reader_options())
        else:
            yield from _columnar_chunks(p, kind, batch_size)


def input_sizes(paths: Sequence[str]) -> Optional[int]:
    """Total bytes of the inputs when all are plain files (no stdin, nothing compressed)."""
    from ..io.jsonl import compressed
    total = 0
    for p in paths:
        if p == "-" or compressed(p) or not os.path.isfile(p):
            return None
        total += os.path.getsize(p)
    return total


# ------------------------------------------------------------------------------------------
# analysis of a chunk (runs in a worker, or in the main process when jobs == 1)


def jsonable(v: Any) -> Any:
    """A value read from Parquet / Arrow as JSON can hold it: dates and times in ISO 8601,
    decimals as strings, bytes as UTF-8 text (base64 when not UTF-8), durations in seconds."""
    import datetime
    import decimal
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        if v and isinstance(v[0], tuple) and len(v[0]) == 2 and all(
                isinstance(x, tuple) and len(x) == 2 for x in v):
            return {str(k): jsonable(x) for k, x in v}  # an Arrow map
        return [jsonable(x) for x in v]
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, datetime.timedelta):
        return v.total_seconds()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        b = bytes(v)
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            import base64
            return base64.b64encode(b).decode("ascii")
    if hasattr(v, "tolist"):
        return jsonable(v.tolist())
    return str(v)


def line_bytes(obj: Dict[str, Any]) -> bytes:
    """One JSON line as :func:`tracelint.io.write_jsonl_line` writes it, as bytes."""
    from ..io.writers import write_jsonl_line
    buf = io.BytesIO()
    write_jsonl_line(buf, obj)
    return buf.getvalue()


def _error_dict(item: ReadError) -> Dict[str, Any]:
    d = {"schema_version": SCHEMA_VERSION, "id": item.id, "error": item.describe(),
         "source": item.source, "line": item.line}
    if item.sample_of is not None:
        d["_sample"] = item.sample_of
    return d


def result_dict(item, cfg: Config, analyze) -> Tuple[Dict[str, Any], int]:
    """What ``tracelint.cli.iter_results`` yields for one reader item, and its size.  A
    sample of a multi-sample record also gets ``_sample``: ``(k, n)``, like ``_where`` a
    key for the caller (to count records), not written."""
    if isinstance(item, ReadError):
        return _error_dict(item), 0
    try:
        d = analyze(item, cfg).to_dict()
    except Exception as exc:  # a detector bug must not lose the record
        d = {"schema_version": SCHEMA_VERSION, "id": item.id,
             "error": f"{item.source}:{item.line}: internal error while analysing: "
                      f"{type(exc).__name__}: {exc}",
             "source": item.source, "line": item.line}
    size = len(item.reasoning or "") + len(item.answer or "")
    d["_where"] = (item.source, item.line)
    if item.sample_of is not None:
        d["_sample"] = item.sample_of
    return d, size


@dataclass
class Decision:
    """What filter / check need to know about one record."""

    status: int                    # KEEP, REJECT, ERROR or (filter) SPLIT
    reasons: Tuple[str, ...] = ()
    line: Optional[int] = None
    out_line: Optional[bytes] = None   # JSON line for a JSONL output (None: use the raw line;
                                       # SPLIT: the rejected part)
    row: Optional[Dict[str, Any]] = None  # record for a columnar output (lines / items only)
    error: Optional[Dict[str, Any]] = None  # errors-output record
    messages: Optional[List[str]] = None   # check: file:line: CODE message
    traces: int = 1                        # traces of the record (samples)
    # filter, a record holding several samples: how many went to kept and to rejected
    # (``status`` is SPLIT when both are non-zero), the kept part's JSON line when the
    # record was cut down, and each rejected sample's reasons (counted per sample)
    kept_traces: int = 0
    rejected_traces: int = 0
    keep_line: Optional[bytes] = None
    keep_row: Optional[Dict[str, Any]] = None   # the kept part's row (columnar output)
    sample_reasons: Optional[List[Tuple[str, ...]]] = None


class Processor:
    """Turns a chunk into per-record outputs.  ``mode``: ``"score"`` (result dicts and sizes),
    ``"filter"`` or ``"check"`` (:class:`Decision` objects).  ``keep_format`` and
    ``reject_format`` (``"jsonl"`` or ``"columnar"``) say what the filter outputs need."""

    def __init__(self, cfg: Config, mode: str, reject_on: Sequence[str] = (),
                 keep_format: str = "jsonl", reject_format: str = "jsonl"):
        from ..analysis import analyze
        from ..io.schema import compile_options
        self.cfg = cfg
        self.mode = mode
        self.reject_on = tuple(reject_on)
        self.keep_format = keep_format
        self.reject_format = reject_format
        self.plan = compile_options(cfg.reader_options())
        self.analyze = analyze

    # reader items with their raw records, as the readers would build them
    def _items(self, chunk: Chunk) -> Iterator[Tuple[int, Any, List[Any], Optional[bytes]]]:
        """(line, raw record or None, [Trace or ReadError, ...], raw line bytes or None):
        one entry per record, with its traces (several for a multi-sample record)."""
        from ..io.jsonl import _reason, parse_line
        from ..io.schema import build_traces
        src, base, plan = chunk.source, chunk.base, self.plan
        if chunk.kind == "lines":
            loads = parse_line
            for lineno, raw, err in chunk.items:
                if err is not None:
                    yield lineno, None, [ReadError(src, lineno, err)], None
                    continue
                try:
                    rec = loads(raw)
                except ValueError as e:  # parse_line turns a RecursionError into TooDeep
                    yield lineno, None, [ReadError(src, lineno, _reason(e))], raw
                    continue
                yield lineno, rec, build_traces(rec, plan, src, lineno, base), raw
        elif chunk.kind == "rows":
            if chunk.batch is not None:
                for i, rec in enumerate(chunk.batch.to_pylist(), chunk.first_row):
                    yield i, rec, build_traces(rec, plan, src, i, base), None
            if chunk.tail_error is not None:
                line, msg = chunk.tail_error
                for k in range(chunk.error_rows):
                    yield line + k, None, [ReadError(src, line + k, msg)], None
        else:
            for line, raw, items in chunk.items:
                yield line, raw, items, None

    def process(self, chunk: Chunk) -> List[Any]:
        if self.mode == "score":
            return [result_dict(item, self.cfg, self.analyze)
                    for _, _, items, _ in self._items(chunk) for item in items]
        out = []
        for line, rec, items, raw in self._items(chunk):
            if self.mode == "check":
                out.append(self._check(chunk, line, items))
                continue
            if len(items) > 1:
                out.append(self._split(chunk, line, rec, items))
                continue
            item = items[0]
            d, _ = result_dict(item, self.cfg, self.analyze)
            reasons = reject_reasons(d, self.reject_on)
            if "error" in d:
                out.append(Decision(ERROR, (ERROR_REASON,), line,
                                    error=self._error_record(chunk, line, item, d, rec, raw)))
                continue
            status = REJECT if reasons else KEEP
            fmt = self.reject_format if reasons else self.keep_format
            dec = Decision(status, tuple(reasons), line)
            if fmt == "jsonl":
                if reasons:
                    obj = dict(rec) if chunk.kind == "lines" else jsonable(rec)
                    obj["tracelint_reasons"] = list(reasons)
                    dec.out_line = line_bytes(obj)
                elif chunk.kind != "lines":
                    dec.out_line = line_bytes(jsonable(rec))
            elif chunk.kind != "rows":
                row = dict(rec)
                if reasons:
                    row["tracelint_reasons"] = list(reasons)
                dec.row = row
            out.append(dec)
        return out

    def _split(self, chunk: Chunk, line: int, rec: Any, items: List[Any]) -> Decision:
        """filter, a record holding several samples: its passing samples to kept, its
        failing ones to rejected, each part the record with its samples list and the
        per-sample lists beside it cut to those positions (a JSON line or, for a columnar
        output, a row; a record kept or rejected whole from a Parquet / Arrow input is
        written from its batch, as a record of one trace is).  An unreadable sample (a
        wrong-typed value, a text over the limit) fails with the reason ``error``; an
        unreadable record is never split (the reader gives it one error)."""
        from ..io.schema import flat_samples, sample_fields
        per: List[Tuple[str, ...]] = []
        for item in items:
            d, _ = result_dict(item, self.cfg, self.analyze)
            per.append(tuple(reject_reasons(d, self.reject_on)))
        bad = [k for k, rs in enumerate(per) if rs]
        good = [k for k, rs in enumerate(per) if not rs]
        union: List[str] = []
        for k in bad:
            union.extend(r for r in per[k] if r not in union)
        status = KEEP if not bad else REJECT if not good else SPLIT
        dec = Decision(status, tuple(union), line, traces=len(items),
                       kept_traces=len(good), rejected_traces=len(bad),
                       sample_reasons=[per[k] for k in bad])
        obj = dict(rec) if chunk.kind == "lines" else jsonable(rec)
        flat, nested = flat_samples(obj, self.plan)
        keys = sample_fields(flat, self.plan)
        if not keys or len(flat[keys[0]]) != len(items):
            # the reader and the trimming disagree on the samples: cutting would pair
            # samples with other samples' values, so stop rather than write wrong data
            raise RuntimeError(f"{chunk.source}:{line}: internal error: {len(items)} traces "
                               f"but samples list {keys[:1]} does not match")

        def part(src: Dict[str, Any], idx: List[int]) -> Dict[str, Any]:
            o = dict(src)  # same key order: a trimmed list stays where it was
            for key in keys:
                if key == nested:  # nested again as it was read: [[kept samples]]
                    o[key] = [[src[key][0][k] for k in idx]]
                else:
                    o[key] = [src[key][k] for k in idx]
            return o

        def rejected(src: Dict[str, Any]) -> Dict[str, Any]:
            r = part(src, bad) if good else dict(src)  # rejected whole: all still there
            r[REASONS_FIELD] = union
            r[SAMPLE_REASONS_FIELD] = [list(per[k]) for k in bad]
            r[SAMPLE_INDEX_FIELD] = bad
            return r

        # a columnar output takes the record's own values (Arrow types), JSON Lines its
        # JSON form; a record kept or rejected whole from a Parquet / Arrow input is written
        # from its batch, as a record of one trace is
        from_batch = chunk.kind == "rows" and status != SPLIT
        if good and self.keep_format == "jsonl":
            if bad:
                dec.keep_line = line_bytes(part(obj, good))
            elif chunk.kind != "lines":  # kept whole: a JSON line is copied as it was read
                dec.out_line = line_bytes(obj)
        elif good and not from_batch:
            if bad:
                dec.keep_row = part(rec, good)
            else:
                dec.row = dict(rec)
        if bad and self.reject_format == "jsonl":
            dec.out_line = line_bytes(rejected(obj))
        elif bad and not from_batch:
            dec.row = rejected(rec)
        return dec

    def _check(self, chunk: Chunk, line: int, items: List[Any]) -> Decision:
        """One decision for a record: rejected if any of its traces is (each rejected
        sample gives its own lines), an error if every trace is unreadable."""
        messages: List[str] = []
        reasons: List[str] = []
        errors = 0
        for item in items:
            d, _ = result_dict(item, self.cfg, self.analyze)
            rs = reject_reasons(d, self.reject_on)
            if rs == [ERROR_REASON] and "error" in d:
                errors += 1
            reasons.extend(r for r in rs if r not in reasons)
            if rs:
                messages.extend(check_lines(d, rs, chunk.source, line))
        if not reasons:
            return Decision(KEEP, (), line, traces=len(items))
        st = ERROR if errors == len(items) else REJECT
        return Decision(st, tuple(reasons), line, messages=messages, traces=len(items))

    @staticmethod
    def _error_record(chunk: Chunk, line: int, item, d: Dict[str, Any], rec,
                      raw: Optional[bytes]) -> Dict[str, Any]:
        if isinstance(item, ReadError):
            msg = f"field '{item.field}': {item.message}" if item.field else item.message
        else:
            msg = str(d["error"])
            prefix = f"{chunk.source}:{line}: "
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
        if raw is not None:
            text: Optional[str] = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
        elif rec is not None:
            text = json.dumps(jsonable(rec), ensure_ascii=False, separators=(",", ":"))
        else:
            text = None
        return {"source": chunk.source, "line": line, "error": msg, "raw": text}


_WORKER: Optional[Processor] = None

#: Collector thresholds for a process that analyses traces.  Analysis makes millions of
#: short-lived containers (tokens, Fractions, tuples) and little cyclic garbage, while the
#: caches of the grounding checks hold tens of thousands of long-lived ones; at the default
#: (700, 10, 10) the collector ran ~1,800 times over the real data and took ~2 s of 32 s CPU
#: re-walking those caches, at (50000, 20, 20) ~15 times and ~0.3 s, with the same peak RSS.
GC_THRESHOLDS = (50000, 20, 20)


def tune_gc() -> None:
    """Set :data:`GC_THRESHOLDS` in this process (the CLI and its worker processes; a
    library caller keeps its own)."""
    import gc
    gc.set_threshold(*GC_THRESHOLDS)


def _init_worker(args) -> None:
    global _WORKER
    # Ctrl-C reaches the whole process group; the parent alone decides what an interrupt
    # means (it cancels the pool and removes its temporary outputs).  A worker that took it
    # too would die printing a traceback, and which of the two acts first is a race.
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_gc()  # a spawned worker does not inherit the parent's thresholds
    _WORKER = Processor(*args)


def _work(chunk: Chunk) -> List[Any]:
    assert _WORKER is not None
    return _WORKER.process(chunk)


# ------------------------------------------------------------------------------------------
# the ordered pool


def _noop() -> None:
    return None


def start_method() -> str:
    """How worker processes start: ``TRACELINT_START_METHOD`` if set, else ``fork`` where the
    platform has it (Linux: fast, and no re-import of the caller's main module, so scripts
    need no ``if __name__ == "__main__"`` guard), else ``spawn``.  The pool is started before
    any input is read, so no reader thread exists when the workers fork."""
    import multiprocessing as mp
    env = os.environ.get("TRACELINT_START_METHOD")
    methods = mp.get_all_start_methods()
    if env:
        if env not in methods:
            raise ValueError(f"TRACELINT_START_METHOD={env!r}: not one of {', '.join(methods)}")
        return env
    return "fork" if "fork" in methods and sys.platform.startswith("linux") else "spawn"


def run_ordered(chunks: Iterable[Chunk], processor_args: tuple, jobs: int = 1
                ) -> Iterator[Tuple[Chunk, List[Any]]]:
    """``(chunk, processor output)`` for every chunk, in input order.  ``jobs > 1`` analyses
    up to ``2 * jobs`` chunks at a time in ``jobs`` worker processes, each of which builds
    its :class:`Processor` once (see :func:`start_method`)."""
    if jobs <= 1:
        proc = Processor(*processor_args)
        for ch in chunks:
            yield ch, proc.process(ch)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    import tracelint.analysis  # noqa: F401  (imported once, shared by forked workers)
    ctx = mp.get_context(start_method())
    ex = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(processor_args,))
    window: Deque[Tuple[Chunk, Any]] = deque()
    ok = False
    try:
        # start every worker before the first input byte is read
        for f in [ex.submit(_noop) for _ in range(jobs)]:
            f.result()
        for ch in chunks:
            window.append((ch, ex.submit(_work, ch)))
            if len(window) >= 2 * jobs:
                c, f = window.popleft()
                yield c, f.result()
        while window:
            c, f = window.popleft()
            yield c, f.result()
        ok = True
    finally:
        ex.shutdown(wait=ok, cancel_futures=not ok)


def iter_results_parallel(paths: Sequence[str], cfg: Config, jobs: int = 1,
                          batch_size: int = DEFAULT_BATCH_SIZE, progress=None, *,
                          stdin=None) -> Iterator[Dict[str, Any]]:
    """The output dicts of ``tracelint score`` for every input record, in input order — the
    same dicts as ``tracelint.cli.iter_results`` (the ``_where`` key included), whatever
    ``jobs`` and ``batch_size``.  ``progress`` is anything with ``update(nbytes)`` (called
    once per record with the size ``iter_results`` reports, like ``tracelint.cli.Progress``)
    or a :class:`Progress` of this module (called once per chunk)."""
    cfg = with_group_baseline(cfg, paths)  # the first pass, before any chunk
    chunks = iter_chunks(paths, cfg, batch_size, need_raw=False, stdin=stdin)
    per_chunk = isinstance(progress, Progress)
    for ch, results in run_ordered(chunks, (cfg, "score"), jobs):
        if per_chunk:
            progress.update(len(results), ch.nbytes)
        for d, size in results:
            if progress is not None and not per_chunk:
                progress.update(size)
            yield d


def iter_decisions(paths: Sequence[str], cfg: Config, mode: str, reject_on: Sequence[str],
                   jobs: int = 1, batch_size: int = DEFAULT_BATCH_SIZE,
                   keep_format: str = "jsonl", reject_format: str = "jsonl",
                   progress: Optional["Progress"] = None, *, stdin=None
                   ) -> Iterator[Tuple[Chunk, List[Decision]]]:
    """``(chunk, decisions)`` in input order for ``filter`` (``mode="filter"``) or ``check``."""
    cfg = with_group_baseline(cfg, paths)  # the first pass, before any chunk
    chunks = iter_chunks(paths, cfg, batch_size, need_raw=(mode == "filter"), stdin=stdin)
    args = (cfg, mode, tuple(reject_on), keep_format, reject_format)
    for ch, decs in run_ordered(chunks, args, jobs):
        if progress is not None:
            progress.update(len(decs), ch.nbytes)
        yield ch, decs


# ------------------------------------------------------------------------------------------
# progress


def _dur(s: float) -> str:
    s = int(round(s))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


class Progress:
    """A one-line progress display on stderr: records, records/s, MB/s of input, and — when
    the input size is known — percent done and ETA.  Shown only when ``enabled`` and stderr is
    a terminal (``force=True`` shows it anyway); redrawn at most five times a second."""

    def __init__(self, total_bytes: Optional[int], enabled: bool = True, *,
                 stream=None, force: bool = False, clock: Callable[[], float] = time.monotonic):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and (force or getattr(self.stream, "isatty", lambda: False)())
        self.total = total_bytes or None
        self.clock = clock
        self.t0 = clock()
        self.last = -1.0
        self.records = 0
        self.nbytes = 0
        self.shown = False

    def render(self, now: Optional[float] = None) -> str:
        now = self.clock() if now is None else now
        dt = max(now - self.t0, 1e-9)
        rate = self.nbytes / dt
        msg = (f"{self.records:,} records  {self.records / dt:,.0f} rec/s  "
               f"{rate / 1e6:,.1f} MB/s")
        if self.total:
            frac = min(self.nbytes / self.total, 1.0)
            msg += f"  {frac:6.1%}"
            if rate > 0:
                msg += f"  ETA {_dur(max(self.total - self.nbytes, 0) / rate)}"
        return msg

    def update(self, records: int, nbytes: int) -> None:
        self.records += records
        self.nbytes += nbytes
        if not self.enabled:
            return
        now = self.clock()
        if now - self.last < 0.2:
            return
        self.last = now
        self.stream.write("\r" + self.render(now) + "   ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r" + self.render() + "   \n")
            self.stream.flush()


__all__ = ["iter_results_parallel", "iter_decisions", "iter_chunks", "run_ordered",
           "Processor", "Decision", "Chunk", "Progress", "input_kind", "input_sizes",
           "jsonable", "line_bytes", "result_dict", "DEFAULT_BATCH_SIZE",
           "KEEP", "REJECT", "ERROR", "SPLIT"]
