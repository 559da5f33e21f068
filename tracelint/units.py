"""Text -> deterministic units (words, numbers, single CJK characters, single punctuation
marks), as integer ids with character offsets, so every finding maps back to a span.

The split is defined by :data:`tracelint.ngram.UNIT_PATTERN` (a ``regex`` pattern); the
compiled core implements the same split in one pass over code points (proven equal by the
property tests).  Ids are assigned in order of first appearance in a vocabulary that callers
may share between texts (the prompt and the reasoning of one trace), so equal units in both
texts get equal ids.  Words are compared lower-cased; other units as written.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import numpy as np

from . import ngram

KIND_WORD, KIND_NUMBER, KIND_CJK, KIND_OTHER = 0, 1, 2, 3
#: the unit kinds that carry prose: words and CJK characters (numbers and symbols do not)
PROSE_KINDS = (KIND_WORD, KIND_CJK)

#: Vocabulary key under which all numbers are collapsed (cannot collide with a real unit:
#: units never contain a NUL character followed by text).
NUMBER_KEY = "\x00<num>"


@dataclass(frozen=True)
class Units:
    """Units of one text: ``ids`` (int32), ``starts``/``ends`` (int64 char offsets, end
    exclusive) and ``kinds`` (uint8: 0 word, 1 number, 2 CJK, 3 other)."""

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    kinds: np.ndarray

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def char_span(self, i: int, j: int) -> Tuple[int, int]:
        """Character span covering units ``i .. j-1`` (``j > i``)."""
        if j <= i:
            n = self.ids.shape[0]
            p = int(self.starts[i]) if i < n else (int(self.ends[-1]) if n else 0)
            return p, p
        return int(self.starts[i]), int(self.ends[j - 1])

    def numbers_collapsed(self, vocab: Dict[str, int]) -> np.ndarray:
        """Ids with every number unit replaced by one shared id, so that text differing only
        in its numbers (``Step 7: ...`` / ``Step 8: ...``) compares equal."""
        num_id = vocab.setdefault(NUMBER_KEY, len(vocab))
        out = self.ids.copy()
        out[self.kinds == KIND_NUMBER] = num_id
        return out


def member(ids: np.ndarray, wanted) -> np.ndarray:
    """Boolean mask of ``ids`` that are in ``wanted`` (a few ids): a lookup table, since
    ``np.isin`` sorts and costs tens of microseconds per call on short traces."""
    wanted = [w for w in wanted if w is not None]
    if not wanted or ids.shape[0] == 0:
        return np.zeros(ids.shape[0], dtype=bool)
    size = max(int(ids.max()), max(wanted)) + 1
    lut = np.zeros(size, dtype=bool)
    lut[wanted] = True
    return lut[ids]


def encode(text: str, vocab: Optional[Dict[str, int]] = None) -> Units:
    """Split ``text`` into units; ``vocab`` (updated in place) maps unit keys to ids."""
    if vocab is None:
        vocab = {}
    ids, starts, ends, kinds = ngram.encode_units(text, vocab)
    return Units(ids, starts, ends, kinds)
