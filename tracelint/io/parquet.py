"""Columnar inputs via pyarrow: Parquet (``.parquet``, ``.pq``) and Arrow IPC
(``.arrow``, ``.feather``, ``.ipc``), read in record batches.  The "line" of a row is its
1-based row number in the file.  Nested columns (structs, lists) arrive as dicts and lists,
so field paths such as ``choices.0.message.content`` work as for JSON.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Tuple, Union

from tracelint.io.schema import InputError, _Plan, _base, build_traces
from tracelint.model import ReadError, Trace

Item = Union[Trace, ReadError]

PARQUET_EXTS = (".parquet", ".pq")
ARROW_EXTS = (".arrow", ".feather", ".ipc")


def _rows(batches: Iterable, plan: _Plan, source: str) -> Iterator[Item]:
    base = _base(source)
    row = 0
    it = iter(batches)
    while True:
        try:
            batch = next(it)
        except StopIteration:
            return
        except Exception as e:  # pyarrow raises ArrowInvalid / OSError on corrupt data
            yield ReadError(source, row + 1, f"read failed: {e}")
            return
        for rec in batch.to_pylist():
            row += 1
            yield from build_traces(rec, plan, source, row, base)


def parquet_batches(pf, batch_size: int) -> Iterator[Tuple[Any, int, str]]:
    """``(batch, 0, "")`` for every record batch of the open ``ParquetFile`` ``pf``, and
    ``(None, n, message)`` for ``n`` rows that could not be decoded.

    Reading goes row group by row group: a corrupt page costs only the rest of its own row
    group (whose row count the footer gives), and reading resumes at the next one — so
    every row of the file is either delivered or counted as unreadable, never dropped."""
    md = pf.metadata
    for g in range(md.num_row_groups):
        left = md.row_group(g).num_rows
        it = pf.iter_batches(batch_size=batch_size, row_groups=[g])
        while left > 0:
            try:
                b = next(it)
            except StopIteration:
                break
            except Exception as e:  # pyarrow raises ArrowInvalid / OSError on corrupt data
                yield None, left, f"read failed (row group {g}): {e}"
                break
            left -= b.num_rows
            yield b, 0, ""


def open_parquet(path: str):
    """A ``pyarrow.parquet.ParquetFile``, or an :class:`InputError` naming the path."""
    import pyarrow.parquet as pq
    try:
        return pq.ParquetFile(path)
    except FileNotFoundError:
        raise InputError(f"cannot read {path!r}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {path!r}: it is a directory") from None
    except PermissionError:
        raise InputError(f"cannot read {path!r}: permission denied") from None
    except Exception as e:
        raise InputError(f"cannot read {path!r} as Parquet: {e}") from None


def read_parquet(path: str, plan: _Plan, batch_size: int = 1024) -> Iterator[Item]:
    pf = open_parquet(path)
    base = _base(path)
    row = 0
    try:
        for batch, bad, msg in parquet_batches(pf, batch_size):
            if batch is None:
                for _ in range(bad):  # one error per row that could not be decoded
                    row += 1
                    yield ReadError(path, row, msg)
                continue
            for rec in batch.to_pylist():
                row += 1
                yield from build_traces(rec, plan, path, row, base)
    finally:
        pf.close()


def read_arrow(path: str, plan: _Plan, batch_size: int = 1024) -> Iterator[Item]:
    """Arrow IPC file (random-access format, also Feather v2) or stream."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    try:
        source = pa.memory_map(path, "r")
    except FileNotFoundError:
        raise InputError(f"cannot read {path!r}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {path!r}: it is a directory") from None
    except PermissionError:
        raise InputError(f"cannot read {path!r}: permission denied") from None
    except Exception as e:
        raise InputError(f"cannot read {path!r}: {e}") from None
    try:
        try:
            reader = ipc.open_file(source)
            batches: Iterable = (reader.get_batch(i) for i in range(reader.num_record_batches))
        except Exception:
            source.seek(0)
            try:
                batches = ipc.open_stream(source)
            except Exception as e:
                raise InputError(f"cannot read {path!r} as Arrow IPC: {e}") from None
        yield from _rows(batches, plan, path)
    finally:
        source.close()
