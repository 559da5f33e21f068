"""Ray Data adapter: a callable class for ``Dataset.map_batches``.

>>> import ray
>>> from tracelint.pipeline.ray import TraceScorer
>>> ds = ray.data.read_parquet("traces.parquet")
>>> scored = ds.map_batches(TraceScorer, batch_format="pyarrow", concurrency=4,
...                         fn_constructor_kwargs={"text": "response"})
>>> kept = scored.filter(expr="tracelint_keep")      # or .filter(lambda r: r["tracelint_keep"])

Ray builds one ``TraceScorer`` per actor, so the set-up (detector imports, reader plan,
config) is paid once per actor, not per batch.  Each batch comes back with the columns of
:func:`tracelint.pipeline.arrow.score_fields` appended; rows are scored exactly as
:func:`tracelint.analyze_batch` (and so :func:`tracelint.analyze`) scores them.  This module
does not import Ray: it only needs ``pyarrow``.  Install Ray with ``pip install
"tracelint[ray]"``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from .arrow import BatchScorer


class TraceScorer:
    """``ds.map_batches(TraceScorer, batch_format="pyarrow", concurrency=N,
    fn_constructor_kwargs={...})``.

    Constructor keywords are those of :func:`tracelint.analyze_batch`: ``text=`` (raw output
    column), ``prompt=``, ``reasoning=``, ... (column of a canonical field), ``config=`` (a
    :class:`tracelint.config.Config`, or a path to a ``tracelint.toml`` / ``pyproject.toml``
    read on the worker), ``reject_on=``, ``result_json=``."""

    def __init__(self, *, text: Optional[str] = None, config: Any = None,
                 reject_on: Optional[Sequence[str]] = None, result_json: bool = False,
                 **columns: str):
        if isinstance(config, str):
            from .command import load_config
            cfg, file_reject_on = load_config(config)
            if reject_on is None:
                reject_on = file_reject_on
            config = cfg
        self.scorer = BatchScorer(text=text, config=config, reject_on=reject_on,
                                  result_json=result_json, **columns)

    def __call__(self, batch):
        """A ``pyarrow.Table`` (``batch_format="pyarrow"``) with the score columns
        appended.  A pandas DataFrame or a dict of numpy arrays is converted to Arrow first
        and returned as a ``pyarrow.Table``."""
        import pyarrow as pa
        if not isinstance(batch, (pa.Table, pa.RecordBatch)):
            if isinstance(batch, dict):
                batch = pa.table({k: pa.array(list(v)) for k, v in batch.items()})
            else:
                batch = pa.Table.from_pandas(batch, preserve_index=False)
        return self.scorer(batch)


__all__ = ["TraceScorer"]
