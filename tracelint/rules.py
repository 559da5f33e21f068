"""The rule registry: every rule of every detector, by code.

Rule codes are never reused.  A rule's documentation is its class docstring in its
detector module; ``tracelint rule CODE`` prints it and docs/rules/ is generated from it.
"""
from __future__ import annotations

import importlib
from typing import Dict, List, Type

from .detectors.base import Rule

#: Detector modules in the order they run.
DETECTOR_MODULES = ("completion", "repetition", "paraphrase", "prompt_copy", "grounding")

_REGISTRY: Dict[str, Type[Rule]] = {}


def _load() -> Dict[str, Type[Rule]]:
    if not _REGISTRY:
        for name in DETECTOR_MODULES:
            mod = importlib.import_module(f"tracelint.detectors.{name}")
            for obj in vars(mod).values():
                if isinstance(obj, type) and issubclass(obj, Rule) and obj.code:
                    if obj.code in _REGISTRY and _REGISTRY[obj.code] is not obj:
                        raise RuntimeError(f"duplicate rule code {obj.code}")
                    obj.detector = name
                    _REGISTRY[obj.code] = obj
    return _REGISTRY


def all_rules() -> List[Type[Rule]]:
    return sorted(_load().values(), key=lambda r: r.code)


def get_rule(code: str) -> Type[Rule]:
    rules = _load()
    try:
        return rules[code]
    except KeyError:
        raise KeyError(f"unknown rule code {code!r}") from None
