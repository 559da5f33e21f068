"""Plain-text input: a ``.txt``, ``.md`` or ``.log`` file is one trace.

The whole file (UTF-8, a leading BOM dropped, compressed or not) is the model's output, read
as the ``output`` field of a record: split at ``<think>`` or the other thinking delimiters
when it has them, else all of it is the reasoning.  The record is line 1 of the file, so its
id is ``<file name>:1``.  A file longer than ``max_text_chars`` is a read error, found
without reading much more of it than the limit.
"""
from __future__ import annotations

import codecs
from typing import Iterator, List, Union

from tracelint.io.jsonl import _BOM, _CHUNK, open_binary
from tracelint.io.schema import _Plan, _base, build_traces
from tracelint.model import ReadError, Trace

Item = Union[Trace, ReadError]

#: Extensions read as one plain-text trace (after any compression suffix).
TEXT_EXTS = (".txt", ".md", ".log")


def _load_text(path: str, plan: _Plan) -> Union[str, ReadError]:
    """The text of the plain-text file ``path``, or the ReadError saying why it has none."""
    lim = plan.max_text_chars
    dec = codecs.getincrementaldecoder("utf-8")()
    parts: List[str] = []
    chars = 0
    first = True
    fh = open_binary(path)
    try:
        while True:
            data = fh.read(_CHUNK)
            if first and data.startswith(_BOM):
                data = data[3:]
            first = False
            part = dec.decode(data, final=not data)
            parts.append(part)
            chars += len(part)
            if lim is not None and chars > lim:
                # stop reading: the file is too long whatever follows
                return ReadError(path, 1, f"the file holds more than max-text-chars "
                                          f"({lim:,}) characters; not analysed (raise the "
                                          f"limit with --max-text-chars N or max-text-chars "
                                          f"in the config)")
            if not data:
                return "".join(parts)
    except UnicodeDecodeError as e:
        return ReadError(path, 1, f"not valid UTF-8 ({e.reason} at byte "
                                  f"{sum(len(p.encode('utf-8')) for p in parts) + e.start})")
    except (OSError, EOFError) as e:
        return ReadError(path, 1, f"read failed: {e}")
    finally:
        fh.close()


def read_text_record(path: str, plan: _Plan) -> Union[dict, ReadError]:
    """The record the plain-text file ``path`` stands for, ``{"output": <its text>}``, or the
    ReadError saying why it has none."""
    text = _load_text(path, plan)
    return text if isinstance(text, ReadError) else {"output": text}


def read_text_file(path: str, plan: _Plan) -> Iterator[Item]:
    """The one item of the plain-text file ``path``."""
    rec = read_text_record(path, plan)
    if isinstance(rec, ReadError):
        yield rec
        return
    yield from build_traces(rec, plan, path, 1, _base(path))


__all__ = ["read_text_file", "read_text_record", "TEXT_EXTS"]
