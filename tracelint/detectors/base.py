"""What every detector shares: the rule class, the per-trace context and the output shape.

A detector module defines its rules as subclasses of :class:`Rule` (the class docstring *is*
the rule's documentation: what, why, a flagged example and an OK example) and one function
``detect(ctx, config) -> DetectorOutput``.  Detectors never read files.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field as _field
from typing import Any, Callable, ClassVar, Dict, List, Optional, Tuple

from ..model import Finding, Trace


class Rule:
    """Base class of all rules.  Subclasses set the class attributes below."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    #: Whether the rule runs when the config selects nothing explicitly.
    default_enabled: ClassVar[bool] = True
    #: Option name -> default value; overridable in [tool.tracelint.rules.CODE].
    options: ClassVar[Dict[str, Any]] = {}
    #: The detector that emits this rule ("repetition", "prompt_copy", ...).
    detector: ClassVar[str] = ""
    #: Option name -> (predicate, what a valid value is): checked when a config is loaded,
    #: so that a bad value is a config error (exit 2), not an error on every trace.
    option_checks: ClassVar[Dict[str, Tuple[Callable[[Any], bool], str]]] = {}

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().splitlines()[0] if cls.__doc__ else ""

    @classmethod
    def finding(cls, start: int, end: int, message: str, field: str = "reasoning",
                **data: Any) -> Finding:
        return Finding(code=cls.code, name=cls.name, start=int(start), end=int(end),
                       message=message, field=field, data=data)


@dataclass
class DetectorOutput:
    findings: List[Finding] = _field(default_factory=list)
    metrics: Dict[str, Any] = _field(default_factory=dict)
    flags: List[str] = _field(default_factory=list)


class TraceContext:
    """One trace plus analysis products computed once and shared by the detectors
    (unit arrays of the reasoning and of the prompt, in one vocabulary)."""

    def __init__(self, trace: Trace):
        self.trace = trace
        self.reasoning: str = trace.reasoning or ""
        self.prompt: str = trace.prompt or ""
        self._units: Optional[Any] = None
        self._prompt_units: Optional[Any] = None
        self._vocab: Dict[str, int] = {}
        #: Set by the completion detector, which runs first.
        self.truncation_reasons: List[str] = []

    @property
    def units(self):
        """Units of the reasoning text (tracelint.units.Units)."""
        if self._units is None:
            from ..units import encode
            self._units = encode(self.reasoning, self._vocab)
        return self._units

    @property
    def prompt_units(self):
        """Units of the prompt, in the same vocabulary as :attr:`units`."""
        if self._prompt_units is None:
            from ..units import encode
            _ = self.units  # reasoning first, so its ids do not depend on the prompt
            self._prompt_units = encode(self.prompt, self._vocab)
        return self._prompt_units
