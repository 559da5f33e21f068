"""Deterministic JSONL output and atomic output files."""
from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import signal
import stat
import sys
import threading
from typing import IO, Any, Iterable, Iterator, Optional, Union, cast

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


def json_clean(o: Any) -> Any:
    """Copy of ``o`` with NaN / +-inf turned into ``None`` (and numpy values into Python)."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: json_clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [json_clean(v) for v in o]
    if isinstance(o, (str, int, bool)) or o is None:
        return o
    try:
        return json_clean(_default(o))
    except TypeError:
        return o


def dumps_line(obj: dict) -> str:
    """The exact text :func:`write_jsonl_line` writes (with the trailing newline)."""
    try:
        s = json.dumps(obj, ensure_ascii=False, sort_keys=False, separators=(",", ":"),
                       allow_nan=False, default=_default)
    except ValueError:  # NaN / inf somewhere
        s = json.dumps(json_clean(obj), ensure_ascii=False, sort_keys=False,
                       separators=(",", ":"), allow_nan=False, default=_default)
    return s + "\n"


def _ascii_line(obj: dict) -> str:
    return json.dumps(json_clean(obj), ensure_ascii=True, sort_keys=False, separators=(",", ":"),
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


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM arrives while an atomic output is open, so that
    the ``with`` blocks unwind (temporary files removed, earlier outputs left as they were)
    exactly as for Ctrl-C.  ``exit_code`` is ``128 + signal number`` (143), the shell's
    convention for a process ended by that signal."""

    def __init__(self, signum: int):
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum
        self.exit_code = 128 + signum


# [depth of defer_signals() blocks, signal number that arrived meanwhile or None]
_DEFER: list = [0, None]


@contextlib.contextmanager
def defer_signals() -> Iterator[None]:
    """Hold a SIGTERM that arrives inside the block (while several finished outputs are
    renamed into place) until the block ends, then raise :class:`Terminated`: a set of
    outputs is either all replaced or none.  Ctrl-C (SIGINT) is held the same way while a
    :func:`_terminate_raises` handler is installed for it."""
    _DEFER[0] += 1
    signum = None
    try:
        yield
    finally:
        _DEFER[0] -= 1
        if _DEFER[0] == 0:  # taken here, so a block that raised leaves no stale signal behind
            signum, _DEFER[1] = _DEFER[1], None
    if signum is not None:  # reached only when the block succeeded
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)


@contextlib.contextmanager
def _terminate_raises() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` in the main thread instead of
    ending the process on the spot (which would leave the temporary file behind), and SIGINT
    raises ``KeyboardInterrupt`` as usual; inside :func:`defer_signals` both wait for the end
    of that block.  Only for a signal whose disposition is the default one (a host
    application's own handler is kept) and only in the main thread (the only one that can
    install handlers).  A worker process forked meanwhile inherits the handlers: there a
    signal restores the default disposition and acts as by default."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    defaults = {signal.SIGTERM: signal.SIG_DFL, signal.SIGINT: signal.default_int_handler}
    pid = os.getpid()

    def handler(signum, frame):
        if os.getpid() != pid:  # a forked worker
            signal.signal(signum, defaults[signum] if signum == signal.SIGINT
                          else signal.SIG_DFL)
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            os.kill(os.getpid(), signum)
            return
        if _DEFER[0]:
            _DEFER[1] = _DEFER[1] or signum
            return
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(signum)

    installed = {}
    for signum, default in defaults.items():
        try:
            if signal.getsignal(signum) is default:
                installed[signum] = signal.signal(signum, handler)
        except (ValueError, OSError):  # pragma: no cover - not available here
            pass
    try:
        yield
    finally:
        for signum, prev in installed.items():
            if signal.getsignal(signum) is handler:
                signal.signal(signum, prev)


@contextlib.contextmanager
def open_output(path: PathLike, inputs: Iterable[PathLike] = (), binary: bool = False,
                errors: str = "strict") -> Iterator[IO]:
    """Open ``path`` for writing, atomically.

    Writes go to a temporary file in the same directory, which replaces ``path`` only when the
    ``with`` block ends without an exception (otherwise it is removed and ``path`` is left as
    it was).  While it is open, SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``)
    instead of killing the process, so an interrupted run removes its temporary file too; the
    data is flushed to disk (``fsync``) before the rename, so a crash of the machine leaves
    the old file or the complete new one.  ``"-"`` yields ``sys.stdout`` (not atomic).  The
    text stream is UTF-8 with ``"\\n"`` newlines (``errors`` as for :func:`open`);
    ``binary=True`` yields a binary stream.

    Raises :class:`tracelint.io.OutputError` (a subclass of ``InputError``) when ``path``
    resolves to one of ``inputs`` (symlinks and hard links included), is a directory, or its
    directory does not exist or is not writable.
    """
    p = os.fspath(path)
    if p == "-":
        yield sys.stdout.buffer if binary else sys.stdout
        return
    d = check_output(p, inputs)
    try:
        st = os.stat(p)  # follows symlinks
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        # /dev/null, /dev/stdout, a FIFO, a process substitution (/dev/fd/63): written
        # straight through; a temporary file renamed over it would replace the node itself
        yield from _direct(p, binary, errors)
        return
    if os.path.islink(p):
        # a symlink to a file: the file it points to is replaced, the link stays
        p = os.path.realpath(p)
        d = os.path.dirname(p)
    with _terminate_raises():
        yield from _atomic(p, d, binary, errors)


def _direct(p: str, binary: bool, errors: str) -> Iterator[IO]:
    try:
        fh = open(p, "wb") if binary else open(p, "w", encoding="utf-8", newline="",
                                                errors=errors)
    except OSError as e:
        raise OutputError(f"cannot write {p!r}: {e.strerror or e}") from None
    with fh:
        yield fh


def check_output(path: PathLike, inputs: Iterable[PathLike] = ()) -> str:
    """The checks :func:`open_output` makes before it writes anything (``path`` is not one of
    ``inputs``, not a directory, its directory exists), for a command that wants to fail
    before a long run rather than after it.  Returns the directory; raises
    :class:`tracelint.io.OutputError`."""
    p = os.fspath(path)
    for inp in inputs:
        ip = os.fspath(inp)
        if ip != "-" and _same_file(p, ip):
            raise OutputError(f"refusing to write {p!r}: it is also an input ({ip!r})")
    if os.path.isdir(p):
        raise OutputError(f"cannot write {p!r}: it is a directory")
    d = os.path.dirname(os.path.abspath(p))
    if not os.path.isdir(d):
        raise OutputError(f"cannot write {p!r}: directory {d!r} does not exist")
    return d


_DISK_ERRNOS = frozenset(getattr(errno, n) for n in ("ENOSPC", "EDQUOT", "EFBIG", "EIO")
                         if hasattr(errno, n))


def _atomic(p: str, d: str, binary: bool, errors: str) -> Iterator[IO]:
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
    fh: Optional[IO] = None
    try:
        if binary:
            fh = os.fdopen(fd, "wb")
        else:
            fh = os.fdopen(fd, "w", encoding="utf-8", newline="", errors=errors)
        try:
            yield fh
            fh.flush()
            with contextlib.suppress(OSError):
                os.fsync(fh.fileno())
            fh.close()
        except OSError as e:
            if e.errno not in _DISK_ERRNOS:
                raise
            # a full disk: name the file (the temporary one is removed below)
            raise OutputError(f"cannot write {p!r}: {e.strerror or e}") from None
        # keep the mode of a file being replaced
        try:
            st = os.stat(p)
            os.chmod(tmp, st.st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, p)
        tmp = None
    finally:
        if fh is None:
            os.close(fd)
        elif not fh.closed:
            with contextlib.suppress(OSError):  # flushing again on a full disk fails again
                fh.close()
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def compression_of(path: PathLike) -> Optional[str]:
    """``gz``, ``bz2``, ``xz`` or ``zst`` when ``path`` names a compressed output (matched
    without case: the suffixes the readers decompress), else None."""
    from tracelint.io.jsonl import COMPRESSED
    low = os.fspath(path).lower()
    for suf in COMPRESSED:
        if low.endswith(suf):
            return suf[1:]
    return None


class _ZstdFrames(io.RawIOBase):
    """A zstd writer made of whole frames of up to 1 MiB of input each (pyarrow, a
    dependency, has the codec; zstd decoders read concatenated frames).  A frame is cut
    only by size and at close, never by a flush, so the bytes depend on the data alone;
    closing it does not close the stream under it."""

    FRAME = 1 << 20

    def __init__(self, fh: IO[bytes]) -> None:
        import pyarrow as pa
        self._fh = fh
        self._codec = pa.Codec("zstd")
        self._buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self._buf += b
        while len(self._buf) >= self.FRAME:
            self._frame(bytes(self._buf[:self.FRAME]))
            del self._buf[:self.FRAME]
        return len(b)

    def _frame(self, data: bytes) -> None:
        self._fh.write(self._codec.compress(data, asbytes=True))

    def close(self) -> None:
        if not self.closed:
            if self._buf:
                self._frame(bytes(self._buf))
                self._buf.clear()
        super().close()


def compressor(fh: IO[bytes], path: PathLike) -> Optional[IO[bytes]]:
    """A compressing writer over the binary stream ``fh`` for an output named ``path``
    (:func:`compression_of`), or None for a plain one.  Reproducible bytes (gzip's header
    holds no time); closing the writer finishes the compressed stream and leaves ``fh``
    open."""
    kind = compression_of(path)
    if kind == "gz":
        import gzip
        return gzip.GzipFile(filename="", fileobj=fh, mode="wb", mtime=0)  # type: ignore[return-value]
    if kind == "bz2":
        import bz2
        return bz2.BZ2File(fh, "wb")  # type: ignore[return-value]
    if kind == "xz":
        import lzma
        return lzma.LZMAFile(fh, "wb")  # type: ignore[return-value]
    if kind == "zst":
        return io.BufferedWriter(_ZstdFrames(fh))  # type: ignore[return-value]
    return None


@contextlib.contextmanager
def open_text_output(path: PathLike, inputs: Iterable[PathLike] = (),
                     errors: str = "strict") -> Iterator[IO]:
    """:func:`open_output` as a UTF-8 text stream, compressed when ``path`` names a
    compressed file (:func:`compression_of`)."""
    if os.fspath(path) == "-" or compression_of(path) is None:
        with open_output(path, inputs, errors=errors) as fh:
            yield fh
        return
    with open_output(path, inputs, binary=True) as raw:
        text = io.TextIOWrapper(cast(IO[bytes], compressor(raw, path)), encoding="utf-8",
                                newline="", errors=errors)
        try:
            yield text
        finally:
            text.close()  # finishes the compressed stream; the file under it stays open


__all__ = ["write_jsonl_line", "dumps_line", "open_output", "check_output", "defer_signals",
           "Terminated", "compressor", "compression_of", "open_text_output"]
