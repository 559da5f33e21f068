"""Output files of ``tracelint filter``: JSON Lines (optionally gzipped) or columnar (Parquet,
Arrow IPC), chosen by extension, each written atomically through
:func:`tracelint.io.writers.open_output`.

Columnar outputs need one schema up front: it is the union of the inputs' schemas (Parquet /
Arrow: read from the file; JSON: inferred from the records in a first pass), with
``tracelint_reasons`` (``list<string>``) appended for the rejected output.  Rows are written
in row groups of exactly :data:`ROW_GROUP_ROWS` rows (the last one shorter), so the bytes
do not depend on how the input was cut into batches.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Sequence

ROW_GROUP_ROWS = 4096

PARQUET_EXTS = (".parquet", ".pq")
ARROW_EXTS = (".arrow", ".feather", ".ipc")

REASONS_FIELD = "tracelint_reasons"


def output_format(path: str) -> str:
    """``"parquet"``, ``"arrow"`` or ``"jsonl"`` for an output path, by its extension."""
    low = path.lower()
    if low.endswith(PARQUET_EXTS):
        return "parquet"
    if low.endswith(ARROW_EXTS):
        return "arrow"
    return "jsonl"


def error_schema():
    import pyarrow as pa
    return pa.schema([("source", pa.string()), ("line", pa.int64()), ("error", pa.string()),
                      ("raw", pa.string())])


#: Columns a rejected record holding several samples gets beside ``tracelint_reasons``: the
#: reasons of each sample it still holds (aligned with its samples list) and the positions
#: those samples had in the input record; null for a record of one trace.
SAMPLE_REASONS_FIELD = "tracelint_sample_reasons"
SAMPLE_INDEX_FIELD = "tracelint_sample_index"


def has_samples(schema) -> bool:
    """Whether ``schema`` has a top-level list column named like a samples list
    (:data:`tracelint.io.schema.SAMPLE_KEYS`): its records may be split by sample."""
    import pyarrow as pa
    from ..io.schema import SAMPLE_KEYS
    return any(f.name in SAMPLE_KEYS and (pa.types.is_list(f.type) or
                                          pa.types.is_large_list(f.type)) for f in schema)


def reject_schema(schema):
    """``schema`` with ``tracelint_reasons: list<string>`` at the end (replacing a column of
    that name), and, when it has a samples list (:func:`has_samples`),
    ``tracelint_sample_reasons: list<list<string>>`` and ``tracelint_sample_index:
    list<int64>`` after it."""
    import pyarrow as pa
    added = [(REASONS_FIELD, pa.list_(pa.string()))]
    if has_samples(schema):
        added += [(SAMPLE_REASONS_FIELD, pa.list_(pa.list_(pa.string()))),
                  (SAMPLE_INDEX_FIELD, pa.list_(pa.int64()))]
    for name, typ in added:
        if name in schema.names:
            schema = schema.remove(schema.get_field_index(name))
    for name, typ in added:
        schema = schema.append(pa.field(name, typ))
    return schema


class SchemaError(Exception):
    """The inputs do not fit one Arrow schema."""


def _unify(schemas: List[Any]):
    import pyarrow as pa
    if not schemas:
        return pa.schema([])
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        raise SchemaError(str(e)) from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8(v: Any) -> Any:
    """``v`` with every string that UTF-8 cannot encode (a lone surrogate: an emoji cut in
    half, a ``\\ud83d`` escape, a non-UTF-8 byte kept by ``surrogateescape``) made
    encodable, each such code point replaced by U+FFFD, in nested lists and dicts."""
    if isinstance(v, str):
        try:
            v.encode("utf-8")
            return v
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", v)
    if isinstance(v, dict):
        return {k: _utf8(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_utf8(x) for x in v]
    return v


def _from_pylist(make, rows: List[Dict[str, Any]], **kw):
    """``make(rows, **kw)`` (Arrow's ``from_pylist``); Arrow strings are UTF-8, so a row
    with a lone surrogate is written with U+FFFD in its place (JSON Lines outputs keep the
    ``\\uXXXX`` escape) rather than failing the whole output."""
    try:
        return make(rows, **kw)
    except UnicodeEncodeError:
        return make([_utf8(r) for r in rows], **kw)


def infer_schema(paths: Sequence[str], kinds: Sequence[str], cfg, group: int = 1024):
    """The union of the schemas of all inputs (JSON inputs: inferred from every record that
    reads as a trace; unreadable records go to the errors output and are not looked at)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from ..io.jsonl import open_binary
    from ..io.schema import build_traces, compile_options
    from ..model import ReadError, Trace
    from .parallel import _array_raw_records, _open_columnar
    plan = compile_options(cfg.reader_options())
    schemas: List[Any] = []

    def add(rows: List[Dict[str, Any]], where: str) -> None:
        # from_pylist takes its columns from the first row: records with other keys lost
        # theirs; every key of the group, in order of first appearance, is a column
        keys = list(dict.fromkeys(k for r in rows for k in r))
        rows = [{k: r.get(k) for k in keys} for r in rows]
        try:
            schemas.append(_from_pylist(pa.Table.from_pylist, rows).schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError,
                OverflowError) as e:
            raise SchemaError(f"{where}: {e}") from None

    for p, kind in zip(paths, kinds):
        if kind == "parquet":
            schemas.append(pq.read_schema(p))
        elif kind == "arrow":
            reader, _, close = _open_columnar(p, "arrow")
            try:
                schemas.append(reader.schema)
            finally:
                close()
        else:
            if kind == "array":
                recs: Iterable = enumerate(_array_raw_records(p), 1)
            elif kind == "text":
                from ..io.text import read_text_record
                rec = read_text_record(p, plan)
                recs = [] if isinstance(rec, ReadError) else [(1, rec)]
            else:
                recs = _jsonl_records(p, open_binary)
            rows: List[Dict[str, Any]] = []
            for line, rec in recs:
                # a record of several samples counts when any sample reads (its parts are
                # written with its keys)
                if isinstance(rec, dict) and any(
                        isinstance(t, Trace) for t in build_traces(rec, plan, p, line, p)):
                    rows.append(rec)
                    if len(rows) >= group:
                        add(rows, p)
                        rows = []
            if rows:
                add(rows, p)
    return _unify(schemas)


def _jsonl_records(path: str, open_binary):
    from ..io.jsonl import parse_line
    if path == "-":
        raise SchemaError("a columnar output needs its schema before reading, so it cannot "
                          "take stdin ('-') as input; write JSON Lines instead")
    fh = open_binary(path)
    try:
        for i, raw in enumerate(fh, 1):
            if i == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield i, parse_line(raw)
            except ValueError:
                continue
    except (OSError, EOFError):
        return
    finally:
        fh.close()


def align(batch, schema):
    """``batch`` (a RecordBatch) with exactly the columns of ``schema``: missing ones null,
    each cast to the schema's type."""
    import pyarrow as pa
    if batch.schema.equals(schema, check_metadata=False):
        return pa.RecordBatch.from_arrays(batch.columns, schema=schema)
    n = batch.num_rows
    names = batch.schema.names
    cols = []
    for f in schema:
        if f.name in names:
            col = batch.column(names.index(f.name))
            cols.append(col if col.type.equals(f.type) else col.cast(f.type))
        else:
            cols.append(pa.nulls(n, f.type))
    return pa.RecordBatch.from_arrays(cols, schema=schema)


class JsonlSink:
    """JSON lines to a binary stream, compressed when the path ends in ``.gz``, ``.bz2``,
    ``.xz`` or ``.zst`` (:func:`tracelint.io.writers.compressor`: reproducible bytes)."""

    def __init__(self, fh, path: str):
        from ..io.writers import compressor
        self._comp = compressor(fh, path)  # .gz, .bz2, .xz, .zst (any case); None: plain
        self.fh = self._comp if self._comp is not None else fh
        self.count = 0

    def write(self, data: bytes) -> None:
        self.fh.write(data)
        self.count += 1

    def write_obj(self, obj: Dict[str, Any]) -> None:
        from .parallel import line_bytes
        self.write(line_bytes(obj))

    def close(self) -> None:
        if self._comp is not None:
            self._comp.close()

    def abort(self) -> None:
        """Release the compressor of an output that is being thrown away (its temporary
        file is removed next); nothing is raised."""
        if self._comp is not None and not self._comp.closed:
            try:
                self._comp.close()
            except Exception:  # the file under it may be closed already
                pass


class ArrowSink:
    """Rows to a Parquet or Arrow IPC file, in row groups of ``ROW_GROUP_ROWS`` rows."""

    def __init__(self, fh, fmt: str, schema, row_group_rows: int = ROW_GROUP_ROWS):
        import pyarrow as pa
        import pyarrow.ipc as ipc
        import pyarrow.parquet as pq
        self.schema = schema
        self.fmt = fmt
        self.rows = row_group_rows
        self.pending: List[Any] = []
        self.npending = 0
        self.count = 0
        self.closed = False
        try:
            if fmt == "parquet":
                self.writer = pq.ParquetWriter(fh, schema)
            else:
                self.writer = ipc.new_file(fh, schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
            # an empty object field ("metadata": {}) is a struct with no child, which
            # Parquet cannot hold
            raise SchemaError(f"the records cannot be written as {fmt}: {e}") from None
        self._pa = pa

    def add_batch(self, batch) -> None:
        if batch.num_rows == 0:
            return
        self.pending.append(batch)
        self.npending += batch.num_rows
        self.count += batch.num_rows
        while self.npending >= self.rows:
            self._flush(self.rows)

    def add_rows(self, rows: List[Dict[str, Any]]) -> None:
        if not rows:
            return
        pa = self._pa
        try:
            batch = _from_pylist(pa.RecordBatch.from_pylist, rows, schema=self.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError,
                OverflowError) as e:
            raise SchemaError(str(e)) from None
        self.add_batch(batch)

    def _flush(self, n: int) -> None:
        pa = self._pa
        table = pa.Table.from_batches(self.pending, schema=self.schema)
        head, rest = table.slice(0, n), table.slice(n)
        self._write(head)
        self.pending = rest.to_batches() if rest.num_rows else []
        self.npending = rest.num_rows

    def _write(self, table) -> None:
        table = table.combine_chunks()
        if self.fmt == "parquet":
            self.writer.write_table(table, row_group_size=self.rows)
        else:
            self.writer.write_table(table, max_chunksize=self.rows)

    def close(self) -> None:
        if self.npending:
            self._flush(self.npending)
        self.writer.close()
        self.closed = True

    def abort(self) -> None:
        """Close the writer of an output that is being thrown away (an interrupted or failed
        run; its temporary file is removed next) without writing the pending rows, so that
        it does not try to write to a closed file when it is garbage-collected."""
        if not self.closed:
            self.closed = True
            self.pending = []
            self.npending = 0
            try:
                self.writer.close()
            except Exception:
                pass


__all__ = ["output_format", "infer_schema", "reject_schema", "has_samples",
           "SAMPLE_REASONS_FIELD", "SAMPLE_INDEX_FIELD", "error_schema", "align",
           "JsonlSink", "ArrowSink", "SchemaError", "ROW_GROUP_ROWS", "REASONS_FIELD"]
