"""Grounding: explicit numeric claims checked by exact arithmetic, numbers that come from
nowhere, and the final answer against a reference.

* :mod:`.parser` - tokenizer, safe iterative parser and bounded exact evaluator (no ``eval``);
* :mod:`.claims` - claim extraction (``expr = value``, chains, ``<<48/2=24>>``, LaTeX) and
  checking;
* :mod:`.numbers` - numbers in free text (prompt grounding, number words);
* :mod:`.equations` - equation chains solved for one unknown (NUM003);
* :mod:`.answer` - final-answer extraction and answer/reference comparison;
* :mod:`.surds` - exact normal form of rationals, square roots and pi, which decides most
  answer comparisons without sympy.

The rules that report on these live in :mod:`tracelint.detectors.grounding`.
"""
