"""tracelint: deterministic analysis of LLM reasoning traces.

>>> from tracelint import analyze
>>> result = analyze("<think>2 + 2 = 4</think>The answer is 4.")
>>> result.label
'concise'
"""
from .model import Finding, Trace, TraceResult, SCHEMA_VERSION

__version__ = "0.1.0"

__all__ = ["analyze", "analyze_many", "analyze_batch", "Finding", "Trace", "TraceResult",
           "SCHEMA_VERSION", "__version__"]


def __getattr__(name):
    # Lazy, so that importing the kernels or the readers does not load every detector.
    if name in ("analyze", "analyze_many"):
        from . import analysis
        return getattr(analysis, name)
    if name == "analyze_batch":
        from .pipeline.arrow import analyze_batch
        return analyze_batch
    raise AttributeError(f"module 'tracelint' has no attribute {name!r}")
