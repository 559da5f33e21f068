"""The unit and n-gram kernels, from the compiled core when it is built.

``TRACELINT_IMPLEMENTATION`` picks the implementation:

* ``cython`` -- the compiled extension ``tracelint._ngram``; ImportError if it is not built;
* ``python`` -- the pure-Python twin ``tracelint._ngram_py`` (same results, ~50x slower);
* unset (or ``auto``) -- the compiled core if it imports, else the twin with a
  ``RuntimeWarning``.

:data:`IMPLEMENTATION` says which one is in use (``"cython"`` or ``"python"``).  Every
kernel and :data:`UNIT_PATTERN` are re-exported here; callers import from this module.
"""
from __future__ import annotations

import os
import warnings

__all__ = [
    "IMPLEMENTATION", "UNIT_PATTERN", "encode_units", "suffix_array", "lcp_array",
    "repeat_mask", "top_ngram", "prev_occurrence", "periodic_runs", "periodic_tail",
    "matching_spans", "near_repeats",
    "new_numbers",
    "claim_lex", "CLAIM_LEX_GROUPS", "json_string_decode", "claim_lhs_run", "claim_rhs_run",
    "gopher_stats", "novelty_shares", "segment_bounds", "best_stretch", "claim_recurrence",
    "near_copy_windows",
]

_BUILD_HINT = (
    "build it with `pip install -e . --no-build-isolation` "
    "(or `python setup.py build_ext --inplace`)"
)

_requested = os.environ.get("TRACELINT_IMPLEMENTATION", "").strip().lower()

if _requested == "cython":
    try:
        from . import _ngram as _impl
    except ImportError as exc:
        raise ImportError(
            "TRACELINT_IMPLEMENTATION=cython, but the compiled core tracelint._ngram cannot "
            f"be imported ({exc}); {_BUILD_HINT}, or set TRACELINT_IMPLEMENTATION=python"
        ) from exc
    IMPLEMENTATION = "cython"
elif _requested == "python":
    from . import _ngram_py as _impl  # type: ignore[no-redef]
    IMPLEMENTATION = "python"
elif _requested in ("", "auto"):
    try:
        from . import _ngram as _impl
        IMPLEMENTATION = "cython"
    except ImportError as exc:
        from . import _ngram_py as _impl  # type: ignore[no-redef]
        IMPLEMENTATION = "python"
        warnings.warn(
            f"tracelint: the compiled core tracelint._ngram is missing ({exc}); using the "
            f"pure-Python implementation, which is about 50x slower. To fix, {_BUILD_HINT}; "
            "set TRACELINT_IMPLEMENTATION=python to silence this warning.",
            RuntimeWarning,
            stacklevel=2,
        )
else:
    raise ImportError(
        f"TRACELINT_IMPLEMENTATION must be 'cython' or 'python' (or unset), "
        f"not {_requested!r}"
    )

UNIT_PATTERN = _impl.UNIT_PATTERN
encode_units = _impl.encode_units
suffix_array = _impl.suffix_array
lcp_array = _impl.lcp_array
repeat_mask = _impl.repeat_mask
top_ngram = _impl.top_ngram
prev_occurrence = _impl.prev_occurrence
periodic_runs = _impl.periodic_runs
periodic_tail = _impl.periodic_tail
matching_spans = _impl.matching_spans
near_repeats = _impl.near_repeats
new_numbers = _impl.new_numbers
claim_lex = _impl.claim_lex
CLAIM_LEX_GROUPS = _impl.CLAIM_LEX_GROUPS
json_string_decode = _impl.json_string_decode
claim_lhs_run = _impl.claim_lhs_run
claim_rhs_run = _impl.claim_rhs_run
gopher_stats = _impl.gopher_stats
novelty_shares = _impl.novelty_shares
segment_bounds = _impl.segment_bounds
best_stretch = _impl.best_stretch
claim_recurrence = _impl.claim_recurrence
near_copy_windows = _impl.near_copy_windows
