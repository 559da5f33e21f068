"""datatrove adapter: a filter block that drops degenerate reasoning traces.

>>> from datatrove.executor import LocalPipelineExecutor
>>> from datatrove.pipeline.readers import JsonlReader
>>> from datatrove.pipeline.writers import JsonlWriter
>>> from tracelint.pipeline.datatrove import TraceFilter
>>> LocalPipelineExecutor(pipeline=[
...     JsonlReader("traces/", text_key="response"),
...     TraceFilter(exclusion_writer=JsonlWriter("rejected/")),
...     JsonlWriter("kept/"),
... ], tasks=4).run()

A document's ``text`` is the raw model output (split at ``<think>`` into reasoning and
answer; ``text_field="reasoning"`` or ``"answer"`` says it is only that part); its metadata
supplies the other canonical fields by name (``prompt``, ``reference``, ``finish_reason``,
``output_tokens``, ``budget``, ...), or by the keys given as ``prompt="question"`` etc.

``filter`` returns ``True`` (keep) or ``(False, reason)`` where ``reason`` is the first
matching reject-on item, so datatrove counts ``dropped_<reason>`` and the exclusion writer
records ``filter_reason``.  Besides, every document gets ``tracelint_label``,
``tracelint_flags`` and ``tracelint_reasons`` in its metadata (``annotate=False`` turns this
off), and the block counts ``label_<label>`` and ``reason_<reason>`` for every reason (a
document can have several).  An unreadable document is dropped with reason ``error`` and
``tracelint_error`` in its metadata.  Install with ``pip install "tracelint[datatrove]"``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union, cast

from datatrove.pipeline.filters.base_filter import BaseFilter

from ..config import Config
from .arrow import BatchScorer
from .core import reject_reasons

_TEXT_KEY = "\x00tracelint_text"
_TEXT_FIELDS = ("output", "reasoning", "answer")


class TraceFilter(BaseFilter):
    """Keep or drop each document by tracelint's verdict (see the module docstring).

    ``reject_on``: labels, flags, rule codes (default ``degenerate-looping``, ``truncated``,
    ``arithmetic-errors``); ``config``: a :class:`tracelint.config.Config` or the path of a
    config file; ``text_field``: what ``doc.text`` is (``output``, ``reasoning`` or
    ``answer``); ``columns``: canonical field -> metadata key; ``exclusion_writer`` and
    ``batch_size`` as for every datatrove filter."""

    name = "tracelint"

    def __init__(self, *, reject_on: Optional[Sequence[str]] = None,
                 config: Union[Config, str, None] = None, text_field: str = "output",
                 annotate: bool = True, exclusion_writer=None, batch_size: int = 1,
                 **columns: str):
        super().__init__(exclusion_writer=exclusion_writer, batch_size=batch_size)
        if text_field not in _TEXT_FIELDS:
            raise ValueError(f"text_field must be one of {', '.join(_TEXT_FIELDS)}")
        if isinstance(config, str):
            from .command import load_config
            config, file_reject_on = load_config(config)
            if reject_on is None:
                reject_on = file_reject_on
        self.config = cast(Optional[Config], config)  # a path was loaded above
        self.reject_on = list(reject_on) if reject_on is not None else None
        self.text_field = text_field
        self.annotate = annotate
        self.columns = dict(columns)
        self._scorer: Optional[BatchScorer] = None
        self._make_scorer()  # validates the arguments now, not in a worker

    def _make_scorer(self) -> BatchScorer:
        if self._scorer is None:
            cols: Dict[str, Any] = dict(self.columns)
            if self.text_field == "output":
                self._scorer = BatchScorer(text=_TEXT_KEY, config=self.config,
                                           reject_on=self.reject_on, **cols)
            else:
                cols[self.text_field] = _TEXT_KEY
                self._scorer = BatchScorer(config=self.config, reject_on=self.reject_on,
                                           **cols)
        return self._scorer

    def __getstate__(self):  # the scorer is rebuilt in each worker, once
        state = dict(self.__dict__)
        state["_scorer"] = None
        return state

    def _verdicts(self, docs) -> List[Union[bool, Tuple[bool, str]]]:
        scorer = self._make_scorer()
        recs = []
        for doc in docs:
            rec = dict(doc.metadata)
            rec[_TEXT_KEY] = doc.text
            rec.setdefault("id", doc.id)
            recs.append(rec)
        out: List[Union[bool, Tuple[bool, str]]] = []
        for doc, d in zip(docs, scorer.score_rows(recs, source=self.name)):
            reasons = reject_reasons(d, scorer.reject_on)
            if "error" in d:
                msg = str(d["error"])
                prefix = f"{d.get('source')}:{d.get('line')}: "
                if msg.startswith(prefix):
                    msg = msg[len(prefix):]
                if self.annotate:
                    doc.metadata["tracelint_error"] = msg
            else:
                self.stat_update(f"label_{d['label']}")
                if self.annotate:
                    doc.metadata["tracelint_label"] = d["label"]
                    doc.metadata["tracelint_flags"] = list(d["flags"])
            if self.annotate:
                doc.metadata["tracelint_reasons"] = list(reasons)
            for r in reasons:
                self.stat_update(f"reason_{r}")
            out.append((False, reasons[0]) if reasons else True)
        return out

    def filter(self, doc) -> Union[bool, Tuple[bool, str]]:
        return self._verdicts([doc])[0]

    def filter_batch(self, batch) -> List[Union[bool, Tuple[bool, str]]]:
        return self._verdicts(list(batch))


__all__ = ["TraceFilter"]
