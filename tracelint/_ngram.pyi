"""Type stubs of the compiled core tracelint._ngram (src/_ngram.pyx).

The pure-Python twin tracelint._ngram_py has the same API; import from tracelint.ngram.
"""
from typing import Any, Dict, List, Tuple

import numpy as np
import numpy.typing as npt
import regex

__all__ = [
    "UNIT_PATTERN", "encode_units", "suffix_array", "lcp_array", "repeat_mask", "top_ngram",
    "prev_occurrence", "periodic_runs", "periodic_tail", "matching_spans", "near_repeats",
    "new_numbers",
]

#: Array-like of non-negative unit ids (converted to a contiguous int32 array).
_Units = npt.ArrayLike

UNIT_PATTERN: regex.Pattern[str]

def encode_units(
    text: str, vocab: Dict[str, int]
) -> Tuple[
    npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint8]
]: ...
def suffix_array(s: _Units) -> npt.NDArray[np.int32]: ...
def lcp_array(s: _Units, sa: _Units) -> npt.NDArray[np.int32]: ...
def repeat_mask(s: _Units, min_len: int) -> npt.NDArray[np.uint8]: ...
def top_ngram(s: _Units, n: int) -> Tuple[int, int, int]: ...
def prev_occurrence(s: _Units, n: int) -> npt.NDArray[np.int64]: ...
def periodic_runs(
    s: _Units, min_period: int, max_period: int, min_repeats: float, min_len: int
) -> npt.NDArray[np.int64]: ...
def periodic_tail(s: _Units, max_period: int) -> Tuple[int, float, int]: ...
def matching_spans(s: _Units, t: _Units, min_len: int) -> npt.NDArray[np.int64]: ...
def near_repeats(
    ids: _Units, bounds: npt.ArrayLike, active: npt.ArrayLike, lookback: int, keep: int,
    min_shared: float, max_candidates: int
) -> Tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
def new_numbers(
    ids: _Units, is_number: npt.ArrayLike, bounds: npt.ArrayLike, prev: npt.ArrayLike
) -> npt.NDArray[np.int32]: ...
def _class_table() -> npt.NDArray[np.uint8]: ...
def _as_units(s: Any, name: str = ...) -> npt.NDArray[np.int32]: ...
CLAIM_LEX_GROUPS: Tuple[str, ...]
def claim_lex(text: str, pos: int, hi: int) -> List[int]: ...
