"""The claim segmenter's fast paths (``_SegState.run``) decide exactly as ``_SegState.step``.

``run`` takes some tokens itself (a number where an operand is expected, a binary operator
after one, a prose word before any side) and hands every other token to ``step``; a
segmenter that hands every token to ``step`` is the reference.  Texts are drawn from the
pieces the fast paths must tell apart (prose words, single letters, pi, function words, calls,
names with an index, numbers, operators, anchors, units, LaTeX).
"""
from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tracelint.grounding import claims as C
from tracelint.grounding import parser as P


class _StepOnly(C._SegState):
    """The segmenter without fast paths: ``step`` reads every token."""

    def run(self):
        i, n = 0, len(self.toks)
        while i < n:
            i = self.step(i, n)
        self.close()


def _state(chunks):
    return [(ch.annotation, ch.after_word, list(ch.rels),
             [(sg.status, sg.approx, sg.ellipsis, list(sg.jux), list(sg.units), list(sg.lps),
               sg.last_ok, sg.unit_run, sg.first, dict(sg.numunit), dict(sg.numword),
               sg.bullet, [(t.k, t.s, t.e, t.t, t.v, t.sp, t.nd, t.f) for t in sg.toks])
              for sg in ch.segs])
            for ch in chunks]


def _both(text: str):
    def toks():
        ts = P.tokenize(text)
        C._merge_numbers(text, ts)
        return ts
    fast = C._SegState(toks())
    fast.run()
    slow = _StepOnly(toks())
    slow.run()
    return _state(fast.chunks), _state(slow.chunks)


_PIECES = ["so", "the", "total", "is", "a", "i", "x", "n", "pi", "\u03c0", "sin", "sqrt", "log",
           "of", "times", "dozen", "km", "hours", "D7", "f(", "f (", "(", ")", "3", "12", "2.5",
           "1 250", "2 1/2", "=", "\u2248", "approximately", "+", "-", "*", "/", "^", "%",
           "\\frac{1}{2}", "\\text{km}", "\\text{Tri}", "<<", ">>", "\n", ".", ",", ":", "$",
           "I0", "year2", "by", "divided", "\u2295", "\u25a1", "\\otimes"]
texts = st.lists(st.sampled_from(_PIECES), max_size=18).map(" ".join) | \
    st.lists(st.sampled_from(_PIECES), max_size=18).map("".join)


@settings(deadline=None, max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("so the total is 3 + 4 = 7 hours")
@example("Then sin 30 = 0.5 and f(2) = 4, a x = 3")
@example("pi 3 = 9.42, so year2 = 5")
def test_fast_paths_match_step(text):
    fast, slow = _both(text)
    assert fast == slow


def test_prose_word_closes_only_where_no_operand_can_start():
    # the fast path closes at "the" but leaves "sin" (a function word) to step
    fast, slow = _both("the sin 30 = 0.5")
    assert fast == slow
    assert fast and fast[0][2] == ["="]
    assert [t[3] for t in fast[0][3][0][-1]] == ["sin", "30"]
