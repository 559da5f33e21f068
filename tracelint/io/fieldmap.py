"""Field maps: ``--field CANON=PATH`` and ``--set CANON=VALUE``.

A *path* names a value inside a JSON record:

* segments are separated by dots: ``usage.completion_tokens``;
* a segment that is an integer indexes a list (``choices.0.message.content``); a negative
  integer counts from the end (``messages.-1.content``); on an object the same segment is an
  ordinary key, so ``{"0": ...}`` works too;
* a backslash escapes the next character, so ``a\\.b`` is the single key ``a.b`` and ``a\\\\b``
  is ``a\\b``;
* anything else is part of the key, spaces and parentheses included:
  ``deepseek-reasoner (question)``.

A path that does not exist in a record (missing key, index out of range, or a value that is
not a container) yields ``None``: the field is simply absent for that record, never an error.
One convenience: when a dotted path is not found and the record has a top-level key spelled
exactly like the whole path (``gpt-3.5-turbo (question)`` written without ``\\.``), that key
is used.
"""
from __future__ import annotations

from typing import Any, Sequence, Tuple

from tracelint.model import CANONICAL_FIELDS

#: Extra field-map target besides the canonical fields: a raw generated text that is split
#: into ``reasoning`` and ``answer`` (``<think>`` delimiters, JSON-wrapped chain of thought).
OUTPUT_TARGET = "output"

#: Everything ``--field`` accepts on the left of ``=``.
MAP_TARGETS = tuple(CANONICAL_FIELDS) + (OUTPUT_TARGET,)

Path = Tuple[Tuple[str, Any], ...]  # ((key, int-or-None), ...)


class InputError(Exception):
    """An input that cannot be read at all (missing, a directory, no permission, not the
    format its extension says), or reader options that cannot be used.  The message names the
    path or the option.  The CLI exits 2 on it."""


class FieldSpecError(InputError, ValueError):
    """Bad reader options: a ``--field`` / ``--set`` spec, a path, a constant or a delimiter.
    Both a ``ValueError`` and an :class:`InputError` (so the CLI reports it and exits 2)."""


def parse_path(path: str) -> Path:
    """Split a dotted path into segments.

    Each segment is returned as ``(key, index)``, where ``index`` is the integer value of the
    segment when it is written as an (optionally negative) integer and was not escaped, else
    ``None``.  Raises :class:`FieldSpecError` on an empty path, an empty segment or a
    trailing backslash.
    """
    if not isinstance(path, str):
        raise FieldSpecError(f"a field path must be a string, got {type(path).__name__}")
    if path == "":
        raise FieldSpecError("empty field path")
    if "\\" not in path:
        parts = path.split(".")
        escaped = [False] * len(parts)
    else:
        parts, escaped = [], []
        cur: list = []
        esc_here = False
        i, n = 0, len(path)
        while i < n:
            ch = path[i]
            if ch == "\\":
                if i + 1 >= n:
                    raise FieldSpecError(f"field path {path!r} ends with a lone backslash")
                cur.append(path[i + 1])
                esc_here = True
                i += 2
                continue
            if ch == ".":
                parts.append("".join(cur))
                escaped.append(esc_here)
                cur, esc_here = [], False
            else:
                cur.append(ch)
            i += 1
        parts.append("".join(cur))
        escaped.append(esc_here)
    out = []
    for part, esc in zip(parts, escaped):
        if part == "":
            raise FieldSpecError(
                f"field path {path!r} has an empty segment (a leading, trailing or doubled "
                "dot); escape a literal dot in a key as '\\.'")
        idx = None
        if not esc:
            body = part[1:] if part[0] == "-" else part
            if body.isdigit() and body.isascii():
                idx = int(part)
        out.append((part, idx))
    return tuple(out)


def get_path(record: Any, path: Path) -> Any:
    """The value at ``path`` inside ``record``, or ``None`` when any step is missing."""
    cur = record
    for key, idx in path:
        if isinstance(cur, dict):
            cur = cur.get(key)
            if cur is None:
                return None
        elif isinstance(cur, list) and idx is not None:
            try:
                cur = cur[idx]
            except IndexError:
                return None
        else:
            return None
    return cur


def format_path(segments: Sequence[str]) -> str:
    """Inverse of :func:`parse_path` for plain keys (escapes backslashes and dots)."""
    return ".".join(s.replace("\\", "\\\\").replace(".", "\\.") for s in segments)


def _split_spec(spec: str, what: str, valid: Sequence[str]) -> Tuple[str, str]:
    if not isinstance(spec, str):
        raise FieldSpecError(f"{what} spec must be a string, got {type(spec).__name__}")
    name, sep, rest = spec.partition("=")
    name = name.strip()
    if not sep:
        raise FieldSpecError(f"bad {what} spec {spec!r}: expected FIELD=... "
                             f"(e.g. reasoning=model_answer)")
    if not name:
        raise FieldSpecError(f"bad {what} spec {spec!r}: the field name before '=' is empty")
    if name not in valid:
        raise FieldSpecError(f"bad {what} spec {spec!r}: unknown field {name!r}; "
                             f"valid fields: {', '.join(valid)}")
    return name, rest


def parse_field_spec(spec: str) -> Tuple[str, str]:
    """Parse ``"reasoning=path.to.field"`` into ``("reasoning", "path.to.field")``.

    The field must be a canonical field or ``output`` (a raw text to split into reasoning and
    answer).  The path is validated with :func:`parse_path`; everything after the first ``=``
    belongs to the path.  Raises :class:`FieldSpecError` (a ``ValueError``) with a message
    that quotes the spec.
    """
    name, path = _split_spec(spec, "--field", MAP_TARGETS)
    try:
        parse_path(path)
    except FieldSpecError as e:
        raise FieldSpecError(f"bad --field spec {spec!r}: {e}") from None
    return name, path


def parse_set_spec(spec: str) -> Tuple[str, str]:
    """Parse ``"model=DeepSeek-R1"`` into ``("model", "DeepSeek-R1")``.

    The value stays a string here; :class:`tracelint.io.ReaderOptions` coerces it with the
    field's type rules (``budget=8192`` becomes an integer, ``correct=true`` a boolean).
    """
    return _split_spec(spec, "--set", CANONICAL_FIELDS)
