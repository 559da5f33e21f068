"""Plain-text input: a ``.txt``, ``.md`` or ``.log`` file is one trace.

The whole file (UTF-8, a leading BOM dropped, compressed or not) is the model's output, read
as the ``output`` field of a record: split at ``<think>`` or the other thinking delimiters
when it has them, else all of it is the reasoning.  The record is line 1 of the file, so its
id is ``<file name>:1``.  A file longer than ``max_text_chars`` is a read error, found
without reading more than four bytes a character of the limit.
"""
from __future__ import annotations

from typing import Iterator, Union

from tracelint.io.jsonl import _BOM, open_binary
from tracelint.io.schema import _Plan, _base, build_traces
from tracelint.model import ReadError, Trace

Item = Union[Trace, ReadError]

#: Extensions read as one plain-text trace (after any compression suffix).
TEXT_EXTS = (".txt", ".md", ".log")


def load_text(path: str, plan: _Plan) -> Union[str, ReadError]:
    """The text of the plain-text file ``path``, or the ReadError saying why it has none."""
    lim = plan.max_text_chars
    fh = open_binary(path)
    try:
        # UTF-8 takes at most 4 bytes a character: reading 4 * limit + 1 bytes is enough to
        # know the text is too long, without holding a huge file in memory
        raw = fh.read() if lim is None else fh.read(4 * lim + 1)
    except (OSError, EOFError) as e:
        return ReadError(path, 1, f"read failed: {e}")
    finally:
        fh.close()
    if lim is not None and len(raw) > 4 * lim:  # so more than ``lim`` characters
        return ReadError(path, 1, f"the file holds more than max-text-chars ({lim:,}) "
                                  f"characters; not analysed (raise the limit with "
                                  f"--max-text-chars N or max-text-chars in the config)")
    if raw.startswith(_BOM):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return ReadError(path, 1, f"not valid UTF-8 ({e.reason} at byte {e.start})")


def text_record(text: str) -> dict:
    """The record a plain-text file stands for."""
    return {"output": text}


def read_text_file(path: str, plan: _Plan) -> Iterator[Item]:
    """The one item of the plain-text file ``path``."""
    text = load_text(path, plan)
    if isinstance(text, ReadError):
        yield text
        return
    yield from build_traces(text_record(text), plan, path, 1, _base(path))


__all__ = ["read_text_file", "load_text", "text_record", "TEXT_EXTS"]
