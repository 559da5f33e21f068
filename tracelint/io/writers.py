"""Deterministic JSONL output and atomic output files."""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
from typing import IO, Any, Iterable, Iterator, Union

from tracelint.io.schema import OutputError

PathLike = Union[str, "os.PathLike[str]"]


def _default(o: Any) -> Any:
    # numpy scalars / arrays and sets, which producers may leave in metrics
    if hasattr(o, "tolist") and callable(o.tolist):
        return o.tolist()
    if hasattr(o, "item") and callable(o.item):
        return o.item()
    if isinstance(o, (set, frozenset)):
        return sorted(o, key=lambda x: (type(x).__name__, repr(x)))
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def _clean(o: Any) -> Any:
    """Copy of ``o`` with NaN / +-inf turned into ``None`` (and numpy values into Python)."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, (str, int, bool)) or o is None:
        return o
    try:
        return _clean(_default(o))
    except TypeError:
        return o


def dumps_line(obj: dict) -> str:
    """The exact text :func:`write_jsonl_line` writes (with the trailing newline)."""
    try:
        s = json.dumps(obj, ensure_ascii=False, sort_keys=False, separators=(",", ":"),
                       allow_nan=False, default=_default)
    except ValueError:  # NaN / inf somewhere
        s = json.dumps(_clean(obj), ensure_ascii=False, sort_keys=False,
                       separators=(",", ":"), allow_nan=False, default=_default)
    return s + "\n"


def _ascii_line(obj: dict) -> str:
    return json.dumps(_clean(obj), ensure_ascii=True, sort_keys=False, separators=(",", ":"),
                      allow_nan=False, default=_default) + "\n"


def write_jsonl_line(fh: IO, obj: dict) -> None:
    """Write ``obj`` as one JSON line: compact separators, keys in insertion order, non-ASCII
    kept, NaN/inf written as ``null``.  ``fh`` may be a binary or a text stream; on a binary
    stream the bytes are UTF-8.  A line that cannot be encoded (lone surrogates from the input,
    or a text stream whose encoding is not UTF-8) is written with ``\\uXXXX`` escapes instead,
    so every line stays valid JSON in valid UTF-8."""
    s = dumps_line(obj)
    if isinstance(fh, (io.RawIOBase, io.BufferedIOBase)) or (
            not isinstance(fh, io.TextIOBase) and "b" in getattr(fh, "mode", "")):
        try:
            b = s.encode("utf-8")
        except UnicodeEncodeError:
            b = _ascii_line(obj).encode("ascii")
        fh.write(b)
        return
    try:
        fh.write(s)
    except UnicodeEncodeError:
        fh.write(_ascii_line(obj))


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@contextlib.contextmanager
def open_output(path: PathLike, inputs: Iterable[PathLike] = (), binary: bool = False
                ) -> Iterator[IO]:
    """Open ``path`` for writing, atomically.

    Writes go to a temporary file in the same directory, which replaces ``path`` only when the
    ``with`` block ends without an exception (otherwise it is removed and ``path`` is left as
    it was).  ``"-"`` yields ``sys.stdout`` (not atomic).  The text stream is UTF-8 with
    ``"\\n"`` newlines; ``binary=True`` yields a binary stream.

    Raises :class:`tracelint.io.OutputError` (a subclass of ``InputError``) when ``path``
    resolves to one of ``inputs`` (symlinks and hard links included), is a directory, or its
    directory does not exist or is not writable.
    """
    p = os.fspath(path)
    if p == "-":
        yield sys.stdout.buffer if binary else sys.stdout
        return
    for inp in inputs:
        ip = os.fspath(inp)
        if ip != "-" and _same_file(p, ip):
            raise OutputError(f"refusing to write {p!r}: it is also an input ({ip!r})")
    if os.path.isdir(p):
        raise OutputError(f"cannot write {p!r}: it is a directory")
    d = os.path.dirname(os.path.abspath(p))
    if not os.path.isdir(d):
        raise OutputError(f"cannot write {p!r}: directory {d!r} does not exist")
    base = os.path.basename(p)
    tmp = None
    fd = -1
    for n in range(100):
        cand = os.path.join(d, f".{base}.{os.getpid()}.{n}.tmp")
        try:
            fd = os.open(cand, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except PermissionError:
            raise OutputError(f"cannot write {p!r}: permission denied in {d!r}") from None
        except OSError as e:
            raise OutputError(f"cannot write {p!r}: {e.strerror or e}") from None
        tmp = cand
        break
    if tmp is None:
        raise OutputError(f"cannot write {p!r}: could not create a temporary file in {d!r}")
    if binary:
        fh: IO = os.fdopen(fd, "wb")
    else:
        fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
    try:
        yield fh
        fh.flush()
        fh.close()
        # keep the mode of a file being replaced
        try:
            st = os.stat(p)
            os.chmod(tmp, st.st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, p)
        tmp = None
    finally:
        if not fh.closed:
            fh.close()
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


__all__ = ["write_jsonl_line", "dumps_line", "open_output"]
