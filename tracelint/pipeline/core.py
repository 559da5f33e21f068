"""Keep or reject: the decision every pipeline adapter shares.

A *reject-on* list names what makes a trace unfit for training data.  Each item is one of

* a **label** (``degenerate-looping``, ``verbose-but-engaged``, ``concise``) — the trace has
  exactly that label;
* a **flag** (``truncated``, ``arithmetic-errors``, ``prompt-copying``, ``wrong-answer``, ...)
  — the trace carries the flag;
* a **rule code or code prefix** (``REP001``, ``NUM``) — the trace has a finding of that rule
  (of a rule under that prefix).

A trace is rejected when any item matches; its *reasons* are the matching items in the order
of the list (for a code prefix, the codes found, in code order).  A record that could not be
read (or that an internal error stopped) is neither kept nor rejected: it is an *error*.

Nothing here reads files or holds state; the functions take the output dict of
:meth:`tracelint.TraceResult.to_dict` (the contract of docs/output.md).
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ..model import LABELS, LOOP_CODES

#: What ``filter``/``check`` reject when neither the command line nor the config says.
DEFAULT_REJECT_ON: Tuple[str, ...] = ("degenerate-looping", "truncated", "arithmetic-errors")

#: Flags the detectors set (a flag not listed here is accepted, with a warning).
KNOWN_FLAGS = ("truncated", "prompt-copying", "arithmetic-errors", "wrong-answer",
               "ungrounded-answer", "ungrounded-numbers", "no-answer")

#: Rule-code prefixes whose findings explain a label or a flag (used by ``check`` to print
#: the findings behind a reason).
REASON_CODES: Dict[str, Tuple[str, ...]] = {
    "degenerate-looping": LOOP_CODES,
    "truncated": ("TRN",),
    "arithmetic-errors": ("NUM",),
    "prompt-copying": ("CPY",),
    "wrong-answer": ("ANS",),
    "ungrounded-answer": ("ANS", "NUM"),
    "ungrounded-numbers": ("NUM",),
    "no-answer": ("ANS", "TRN004"),
}

#: The reason given to a record that could not be read or analysed.
ERROR_REASON = "error"

_CODE_RX = re.compile(r"^[A-Z]+[0-9]*$")


class RejectOnError(ValueError):
    """A reject-on item that is neither a label, a flag nor a known rule code (prefix)."""


def split_items(values: Optional[Iterable[str]]) -> Optional[List[str]]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]`` (``None`` stays ``None``)."""
    if values is None:
        return None
    out: List[str] = []
    for v in values:
        out.extend(x.strip() for x in str(v).split(",") if x.strip())
    return out


def validate_reject_on(items: Sequence[str], rule_codes: Optional[Sequence[str]] = None
                       ) -> List[str]:
    """Check a reject-on list; return the warnings (unknown flags).

    Raises :class:`RejectOnError` for an empty list or an upper-case item that matches no
    rule code (a typo such as ``REP01`` would otherwise silently reject nothing).
    """
    if not items:
        raise RejectOnError("the reject-on list is empty: nothing would be rejected")
    if rule_codes is None:
        from ..rules import all_rules
        rule_codes = [r.code for r in all_rules()]
    warnings = []
    for item in items:
        if item in LABELS or item in KNOWN_FLAGS:
            continue
        if _CODE_RX.match(item):
            if not any(c.startswith(item) for c in rule_codes):
                raise RejectOnError(f"reject-on: {item!r} matches no rule code "
                                    "(see 'tracelint rule --all')")
            continue
        if item.lower() != item or not re.match(r"^[a-z][a-z0-9-]*$", item):
            raise RejectOnError(f"reject-on: {item!r} is neither a label ({', '.join(LABELS)}), "
                                "a flag nor a rule code")
        warnings.append(f"reject-on: {item!r} is not a flag tracelint sets today "
                        f"(known: {', '.join(KNOWN_FLAGS)})")
    return warnings


def reject_reasons(result: Mapping[str, Any], reject_on: Sequence[str]) -> List[str]:
    """The reasons to reject one analysed trace (empty: keep).  An error record gets
    ``["error"]``."""
    if "error" in result:
        return [ERROR_REASON]
    label = result.get("label")
    flags = result.get("flags") or ()
    codes = None
    out: List[str] = []
    for item in reject_on:
        if item in LABELS:
            if label == item and item not in out:
                out.append(item)
        elif _CODE_RX.match(item):
            if codes is None:
                codes = sorted({f["code"] for f in result.get("findings") or ()})
            for c in codes:
                if c.startswith(item) and c not in out:
                    out.append(c)
        elif item in flags and item not in out:
            out.append(item)
    return out


def supporting_findings(result: Mapping[str, Any], reasons: Sequence[str]
                        ) -> List[Tuple[str, Optional[Dict[str, Any]]]]:
    """For ``check``: ``(reason, finding)`` pairs that explain each reason, in reason order.
    A reason that no finding explains (a label such as ``verbose-but-engaged``, an unknown
    flag) comes once with ``None``."""
    findings = list(result.get("findings") or ())
    out: List[Tuple[str, Optional[Dict[str, Any]]]] = []
    seen = set()
    for r in reasons:
        if _CODE_RX.match(r):
            prefixes: Tuple[str, ...] = (r,)
        else:
            prefixes = REASON_CODES.get(r, ())
        hit = False
        for i, f in enumerate(findings):
            if f["code"].startswith(prefixes) if prefixes else False:
                hit = True
                if i not in seen:
                    seen.add(i)
                    out.append((r, f))
        if not hit:
            out.append((r, None))
    return out


def check_lines(result: Mapping[str, Any], reasons: Sequence[str], source: str,
                line: Optional[int]) -> List[str]:
    """``file:line: CODE message`` lines for one rejected (or unreadable) record."""
    loc = f"{source}:{line if line is not None else 1}"
    if "error" in result:
        msg = str(result["error"])
        prefix = f"{source}:{line}: "
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
        return [f"{loc}: E000 {_one_line(msg)}"]
    tid = result.get("id")
    out = []
    for reason, f in supporting_findings(result, reasons):
        if f is None:
            label = result.get("label")
            what = f"label {label}" if reason == label else f"flag {reason}"
            out.append(f"{loc}: {reason} trace {tid}: {what}")
        else:
            out.append(f"{loc}: {f['code']} {_one_line(f['message'])} "
                       f"[{reason}; trace {tid}]")
    return out


def _one_line(s: str) -> str:
    return " ".join(s.split())


__all__ = ["DEFAULT_REJECT_ON", "KNOWN_FLAGS", "ERROR_REASON", "RejectOnError",
           "split_items", "validate_reject_on", "reject_reasons", "supporting_findings",
           "check_lines"]
