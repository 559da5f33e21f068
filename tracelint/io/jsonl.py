"""JSON Lines input, streamed.

One JSON object per line; lines are numbered from 1; a blank line is skipped but counted; a
line that does not parse yields a :class:`~tracelint.model.ReadError` and reading goes on.
Lines are decoded with ``json.loads`` on the raw bytes (no text-layer decoding).

A ``.json`` file whose first non-blank character is ``[`` is read as a JSON array, streamed
element by element; the "line" of an element is the line on which it starts.  A file whose
first non-blank line is a lone ``{`` holds pretty-printed objects (``json.dump(indent=2)``,
``jq .``), one after another: each is a record, streamed the same way.  A ``.json`` file
holding one object whose first key is a list of records under a wrapper name
(:data:`WRAPPER_KEYS`: ``{"data": [...]}``, ``{"rows": [...], "total": 2}``, as APIs and
exports write them) is read as that list, streamed the same way; the object's other keys
are checked for syntax and not read.  A ``.json`` object of records keyed by their index
(``{"0": {...}, "1": {...}}``, OpenCompass's predictions) is read as its values.  ``.gz``, ``.bz2``, ``.xz`` and ``.zst`` files are
decompressed on the fly.
"""
from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import re
from typing import IO, Any, Iterator, Optional, Tuple, Union

from tracelint.io.schema import InputError, _Plan, build_traces, _base
from tracelint.model import ReadError, Trace

Item = Union[Trace, ReadError]

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 20


#: The deepest nesting of arrays and objects a record may have.  One limit, checked before a
#: record is parsed, so that whether it parses does not depend on how deep the call stack
#: already is (the main process of ``--jobs 1``, a forked or spawned worker, a schema pass):
#: below it the parser never runs out of stack, above it the record is an error everywhere.
MAX_JSON_DEPTH = 400


class TooDeep(ValueError):
    """A JSON text nested deeper than :data:`MAX_JSON_DEPTH`."""


def check_depth(text: str, value: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise :class:`TooDeep` when ``value`` (parsed from the JSON ``text``) nests arrays and
    objects deeper than ``limit``.  Walked without recursion, and only when ``text`` holds
    more brackets than ``limit`` (the common case costs two counts)."""
    if text.count("[") + text.count("{") <= limit:
        return
    todo = [(value, 1)]
    while todo:
        v, d = todo.pop()
        if isinstance(v, dict):
            v = v.values()
        elif not isinstance(v, list):
            continue
        if d > limit:
            raise TooDeep(f"nested deeper than {limit} levels")
        todo.extend((x, d + 1) for x in v if isinstance(x, (dict, list)))


def parse_line(raw: bytes) -> Any:
    """The JSON value of one line: UTF-8 (json.loads of bytes would guess UTF-16 or UTF-32
    per line), at most :data:`MAX_JSON_DEPTH` deep.  Raises ValueError (JSONDecodeError,
    UnicodeDecodeError, :class:`TooDeep`)."""
    # an encoded surrogate passes, as json.loads lets it, and reads as that lone surrogate
    text = raw.decode("utf-8", "surrogatepass")
    try:
        value = json.loads(text)
    except RecursionError:
        # the limit is far below the stack any process has, so this is past it too
        raise TooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    check_depth(text, value)
    return value


def _reason(e: BaseException) -> str:
    if isinstance(e, TooDeep):
        return f"invalid JSON: {e}"
    if isinstance(e, json.JSONDecodeError):
        return f"invalid JSON: {e.msg} (column {e.colno})"
    if isinstance(e, UnicodeDecodeError):
        return f"not valid UTF-8 ({e.reason} at byte {e.start})"
    if isinstance(e, RecursionError):
        return "invalid JSON: nested too deeply"
    return f"invalid JSON: {e}"


def iter_jsonl_lines(fh: IO[bytes], plan: _Plan, source: str) -> Iterator[Item]:
    """Yield one item per non-blank line of the binary stream ``fh``."""
    base = _base(source)
    loads = parse_line
    lineno = 0
    try:
        for raw in fh:
            lineno += 1
            if lineno == 1 and raw.startswith(_BOM):
                raw = raw[3:]
            try:
                rec = loads(raw)
            except ValueError as e:  # parse_line turns a RecursionError into TooDeep
                if raw.isspace() or not raw:
                    continue
                yield ReadError(source, lineno, _reason(e))
                continue
            yield from build_traces(rec, plan, source, lineno, base)
    except (OSError, EOFError) as e:  # e.g. a truncated or corrupt .gz
        yield ReadError(source, lineno + 1, f"read failed: {e}")


def content_start(head: bytes) -> bytes:
    """The first bytes of a file without its UTF-8 byte order mark and leading white space."""
    return (head[3:] if head.startswith(_BOM) else head).lstrip()


#: Keys under which a whole JSON document holds its list of records (objects), read when such
#: a key comes first in the document's one object.  Names a single trace's record would not
#: open with: not the samples lists of :data:`tracelint.io.schema.SAMPLE_KEYS` ("samples",
#: "outputs", ...), chat lists ("messages", "conversations"), few-shot "examples" or
#: retrieved "results", which belong to one record.
WRAPPER_KEYS = ("data", "rows", "records", "instances", "traces", "predictions")
#: the wrapper's opening up to its list, which holds objects (or nothing); group 1 is the '['
_WRAPPER = re.compile(r'\{\s*"(?:%s)"\s*:\s*(\[)\s*[{\]]' % "|".join(WRAPPER_KEYS))
#: one object of records keyed by their index, "0" first (OpenCompass predictions)
_KEYED = re.compile(r'\{\s*"0"\s*:\s*\{')


def json_layout(head: bytes) -> str:
    """How a JSON input is laid out, from its first bytes: ``"array"`` (the first non-blank
    character is ``[``), ``"wrapped"`` (one object whose first key is a list of records
    under a :data:`WRAPPER_KEYS` name), ``"keyed"`` (one object of records keyed by their
    index, ``{"0": {...}, "1": {...}}``), ``"values"`` (the first non-blank line is a lone
    ``{``: pretty-printed objects one after another) or ``"lines"`` (JSON Lines)."""
    body = content_start(head)
    if body[:1] == b"[":
        return "array"
    start = body[:512].decode("utf-8", "replace") if body[:1] == b"{" else ""
    for name, rx in (("wrapped", _WRAPPER), ("keyed", _KEYED)):
        if start and rx.match(start):
            if name == "keyed" and not _keyed_next(body):
                continue
            first, sep, rest = body.partition(b"\n")
            if not (sep and rest.strip() and _is_object(first)):
                return name
            # the first line is a whole record and more follow: JSON Lines whose first
            # record opens so (Hugging Face's to_json writes JSON Lines as .json)
    if body[:1] == b"{" and body[1:].lstrip(b" \t\r")[:1] == b"\n":
        return "values"
    return "lines"


def _keyed_next(body: bytes) -> bool:
    """Whether the member after ``"0"`` is ``"1"`` (or the object ends there), as far as the
    head shows: a single record that opens with a "0" key is not a keyed file."""
    text = body.decode("utf-8", "replace")
    m = _KEYED.match(text)
    if m is None:
        return False
    try:
        _, end = json.JSONDecoder().raw_decode(text, m.end() - 1)
    except (ValueError, RecursionError):
        return True  # the first record goes past the head: nothing says otherwise
    return _KEYED_NEXT.match(text, end) is not None


_KEYED_NEXT = re.compile(r'\s*(?:\}|,\s*"1"\s*:)')


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


#: names under which a file starting with '[' (or a wrapper object) is one JSON document,
#: not lines
_DOCUMENT_EXTS = (".json", ".txt", ".md", ".log")


def file_layout(path: str, fh: IO[bytes]) -> str:
    """:func:`json_layout` of the JSON input ``path`` open as ``fh`` (peeked, not consumed).
    Only a regular file is sniffed (the reader and ``--jobs``, which opens it again to
    decide, must see the same; a pipe cannot be read twice): a pipe is JSON Lines, and so is
    a ``.jsonl`` (or unnamed) file whose first record is an array."""
    if not _is_regular(path):
        return "lines"
    # OSError / EOFError (a corrupt .bz2, .zst) propagate: a stream that failed once is not
    # read again (pyarrow's zstd stream returned garbage after its error)
    # what the buffer holds (up to 1 MiB): a wrapper's first line is judged whole
    layout = json_layout(fh.peek(4096))  # type: ignore[attr-defined]
    if layout in ("wrapped", "keyed") and \
            not plain_name(path).lower().endswith(_DOCUMENT_EXTS):
        return "lines"  # a JSON Lines record that opens so
    if layout == "array" and not plain_name(path).lower().endswith(_DOCUMENT_EXTS):
        return "lines"
    return layout


def iter_json_array(fh: IO[bytes], plan: _Plan, source: str, head: bytes = b""
                    ) -> Iterator[Item]:
    """Stream the elements of a JSON array without loading the file.  ``head`` holds bytes
    already read from ``fh``.  A syntax error ends the file with one ReadError (an array
    cannot be re-synchronised)."""
    return _items(iter_json_records(fh, source, "array", head), plan, source)


def iter_json_values(fh: IO[bytes], plan: _Plan, source: str, head: bytes = b""
                     ) -> Iterator[Item]:
    """Stream JSON values written one after another (pretty-printed objects), each a record,
    without loading the file.  A syntax error ends the file with one ReadError (the next
    record cannot be found)."""
    return _items(iter_json_records(fh, source, "values", head), plan, source)


def _items(records, plan: _Plan, source: str) -> Iterator[Item]:
    base = _base(source)
    for r in records:
        if isinstance(r, ReadError):
            yield r
            continue
        for item in build_traces(r[1], plan, source, r[0], base, r[2]):
            if r[2] is not None and isinstance(item, ReadError):
                item.col = r[2]  # ids stay unique for errors too
            yield item


def iter_json_records(fh: IO[bytes], source: str, layout: str, head: bytes = b""
                      ) -> Iterator[Union[Tuple[int, Any, Optional[int]], ReadError]]:
    """``(line, record, col)`` for each element of a JSON array (``layout="array"``), of the
    list a wrapper object holds (``"wrapped"``) or each of the values written one after
    another (``"values"``), streamed, then a ReadError if the file breaks off or has a
    syntax error (which ends it).  ``line`` is where the record
    starts; ``col`` is None, or the 1-based column where it starts when an earlier record
    ended on that line (``[{...}, {...}]`` on one line), which tells the records apart."""
    array = layout in ("array", "wrapped")
    dec = json.JSONDecoder()
    udec = codecs.getincrementaldecoder("utf-8")()
    try:
        buf = udec.decode(head)
    except UnicodeDecodeError as e:
        yield ReadError(source, 1, _reason(e))
        return
    bom = True  # a byte order mark may still start the first text read
    eof = False
    pos = 0
    line = 1           # line number at ``pos``
    off0 = 0           # offset in the text of buf[0]
    nl = -1            # offset in the text of the last newline passed
    ended = 0          # the line the previous record ended on (0: none yet)
    chunk = _CHUNK

    def drop_bom() -> None:
        nonlocal buf, bom
        if bom and buf:
            bom = False
            if buf[0] == "\ufeff":
                buf = buf[1:]

    drop_bom()

    def more() -> bool:
        nonlocal buf, eof, chunk, pos, off0
        if eof:
            return False
        data = fh.read(chunk)
        if not data:
            eof = True
            buf += udec.decode(b"", final=True)
            return True
        buf = buf[pos:] + udec.decode(data)
        drop_bom()
        off0 += pos
        pos = 0
        chunk = min(chunk * 2, 64 * _CHUNK)
        return True

    def skip_ws() -> bool:
        """Advance over whitespace (reading more as needed); False at end of input."""
        nonlocal pos, line, nl
        while True:
            n = len(buf)
            while pos < n and buf[pos] in " \t\r\n":
                if buf[pos] == "\n":
                    line += 1
                    nl = off0 + pos
                pos += 1
            if pos < n:
                return True
            if not more():
                return False

    def value() -> Tuple[Any, int]:
        """The JSON value at ``pos`` and where it ends, reading more as needed; ValueError
        (or RecursionError) when it does not parse."""
        while True:
            try:
                v, end = dec.raw_decode(buf, pos)
                if end < len(buf) or eof:
                    check_depth(buf[pos:end], v)
                    return v, end
            except ValueError:
                if eof:
                    raise
            more()

    def advance(end: int) -> None:
        """Move ``pos`` to ``end``, counting the lines passed."""
        nonlocal pos, line, nl
        k = buf.rfind("\n", pos, end)
        if k >= 0:
            line += buf.count("\n", pos, end)
            nl = off0 + k
        pos = end

    def take(end: int, rec: Any) -> Tuple[int, Any, Optional[int]]:
        """``(line, rec, col)`` for the value at ``pos`` ending at ``end``; moves past it."""
        nonlocal ended
        start_line = line
        col = off0 + pos - nl if start_line == ended else None
        advance(end)
        ended = line
        return start_line, rec, col

    def members(after_first: bool) -> Iterator[Union[Tuple[int, Any, Optional[int]], str]]:
        """The members of the object being read, from ``pos`` to its closing brace and the
        end of the input: ``(line, value, col)`` for each value, then an error message (a
        str) if the syntax breaks, which ends it."""
        nonlocal pos
        first = not after_first
        while True:
            if not skip_ws():
                yield "the object is not closed"
                return
            if buf[pos] == "}":
                pos += 1
                if skip_ws():
                    yield "extra data after the object"
                return
            if not first:
                if buf[pos] != ",":
                    yield "expected ',' or '}'"
                    return
                pos += 1
            first = False
            try:
                if not skip_ws():
                    raise ValueError("the object is not closed")
                key, end = value()
                if not isinstance(key, str):
                    raise ValueError("expected a key")
                advance(end)
                if not skip_ws() or buf[pos] != ":":
                    raise ValueError("expected ':'")
                pos += 1
                if not skip_ws():
                    raise ValueError("the object is not closed")
                v, end = value()
            except (ValueError, RecursionError) as e:
                at = getattr(e, "pos", None)
                if isinstance(at, int) and pos <= at <= len(buf):
                    advance(at)  # the error's own line
                yield getattr(e, "msg", None) or str(e) or type(e).__name__
                return
            yield take(end, v)

    try:
        if layout == "keyed":
            if not skip_ws() or buf[pos] != "{":
                yield ReadError(source, line, "expected a JSON object")
                return
            pos += 1
            for item in members(False):
                yield ReadError(source, line, f"invalid JSON: {item}") \
                    if isinstance(item, str) else item
            return
        if layout == "wrapped":
            m = None
            while skip_ws():
                m = _WRAPPER.match(buf, pos)
                if m is not None or len(buf) - pos >= 1 << 16 or not more():
                    break
            if m is None:
                yield ReadError(source, line, "expected an object holding a list of records")
                return
            advance(m.start(1))  # at the '['
        if array:
            if not skip_ws() or buf[pos] != "[":
                yield ReadError(source, line, "expected a JSON array")
                return
            pos += 1
        first = True
        while True:
            if not skip_ws():
                if array:
                    yield ReadError(source, line, "invalid JSON: the array is not closed")
                return
            if array and buf[pos] == "]":
                pos += 1
                break
            if array and not first:
                if buf[pos] != ",":
                    yield ReadError(source, line, "invalid JSON: expected ',' or ']' "
                                    "between array elements" + _STOPPED)
                    return
                pos += 1
                if not skip_ws():
                    yield ReadError(source, line, "invalid JSON: the array is not closed")
                    return
            first = False
            try:
                rec, end = value()
            except (ValueError, RecursionError) as e:
                # a JSON document cannot be resynchronised after a syntax error: say that
                # whatever follows is not in any output
                yield ReadError(source, line, _reason(e) + _STOPPED)
                return
            yield take(end, rec)
        if layout == "wrapped":
            # the wrapper's other keys ("total", "next"), one by one: syntax only
            for item in members(True):
                if isinstance(item, str):
                    yield ReadError(source, line,
                                    f"invalid JSON after the list of records: {item}")
        elif array and skip_ws():
            yield ReadError(source, line, "invalid JSON: extra data after the array")
    except UnicodeDecodeError as e:
        yield ReadError(source, line, _reason(e))


_STOPPED = "; reading stopped here: the rest of the file was not read"


def _is_regular(path: str) -> bool:
    import os
    import stat
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


#: compressed-file suffixes read on the fly
COMPRESSED = (".gz", ".bz2", ".xz", ".zst")


def compressed(path: str) -> bool:
    return path.lower().endswith(COMPRESSED)


def plain_name(path: str) -> str:
    """``path`` without its compression suffix: what says its format (``a.json.zst``)."""
    low = path.lower()
    for suf in COMPRESSED:
        if low.endswith(suf):
            return path[:-len(suf)]
    return path


class _Decompressing(io.RawIOBase):
    """A decompressing stream whose every failure is an OSError (lzma and pyarrow raise
    their own types), which the readers turn into a "read failed" line."""

    #: decompressed bytes asked for at a time: a failing read loses what it had decoded,
    #: so a corrupt or cut stream loses at most this much before the break
    PIECE = 16384

    def __init__(self, inner) -> None:
        self._inner = inner
        self._read = getattr(inner, "read1", None) or inner.read
        self._failed: Optional[OSError] = None

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._failed is not None:
            raise self._failed
        want = len(b)
        got = 0
        while got < want:
            try:
                data = self._read(min(self.PIECE, want - got))
            except Exception as e:  # OSError, LZMAError, EOFError, ArrowInvalid: a corrupt stream
                err = e if isinstance(e, OSError) else OSError(f"decompression failed: {e}")
                if got == 0:
                    raise err from None
                self._failed = err  # deliver what came before the break first
                break
            if not data:
                break
            n = len(data)
            b[got:got + n] = data
            got += n
        return got

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def _decompressor(path: str):
    low = path.lower()
    if low.endswith(".gz"):
        return gzip.open(path, "rb")
    if low.endswith(".bz2"):
        import bz2
        return bz2.open(path, "rb")
    if low.endswith(".xz"):
        import lzma
        return lzma.open(path, "rb")
    import pyarrow as pa  # .zst: pyarrow (a dependency) carries zstd
    try:
        return pa.input_stream(path, compression="zstd")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise OSError(str(e)) from None


def open_binary(path: str) -> IO[bytes]:
    """Open ``path`` for reading bytes (``.gz``, ``.bz2``, ``.xz``, ``.zst`` decompressed),
    raising InputError."""
    try:
        if compressed(path):
            if not os.path.isfile(path):
                open(path, "rb").close()  # the same errors as a plain file: missing, a directory
            return io.BufferedReader(_Decompressing(_decompressor(path)), _CHUNK)  # type: ignore[return-value]
        return open(path, "rb", buffering=_CHUNK)
    except IsADirectoryError:
        raise InputError(f"cannot read {path!r}: it is a directory") from None
    except FileNotFoundError:
        raise InputError(f"cannot read {path!r}: no such file") from None
    except PermissionError:
        raise InputError(f"cannot read {path!r}: permission denied") from None
    except OSError as e:
        raise InputError(f"cannot read {path!r}: {e.strerror or e}") from None


def read_json_file(path: str, plan: _Plan, stdin: Optional[IO[bytes]] = None
                   ) -> Iterator[Item]:
    """Items of one JSON Lines (or ``.json`` array) file; ``path == "-"`` reads ``stdin``."""
    if path == "-":
        import sys
        fh = stdin if stdin is not None else sys.stdin.buffer
        yield from iter_jsonl_lines(fh, plan, "-")
        return
    fh = open_binary(path)
    try:
        try:
            layout = file_layout(path, fh)
        except (OSError, EOFError) as e:
            yield ReadError(path, 1, f"read failed: {e}")
            return
        if layout == "lines":
            yield from iter_jsonl_lines(fh, plan, path)
        else:
            yield from _items(iter_json_records(fh, path, layout), plan, path)
    finally:
        fh.close()


__all__ = ["iter_jsonl_lines", "iter_json_array", "iter_json_values", "iter_json_records",
           "json_layout", "file_layout", "WRAPPER_KEYS",
           "read_json_file", "open_binary"]
