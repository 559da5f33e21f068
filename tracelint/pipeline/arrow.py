"""Arrow batch scoring: ``analyze_batch(table_or_batch)`` returns the input with score columns
appended — the building block of the Ray Data, datatrove and Spark adapters.

>>> import pyarrow as pa, tracelint
>>> t = pa.table({"prompt": ["2+2?"], "response": ["<think>2 + 2 = 4</think>The answer is 4."]})
>>> tracelint.analyze_batch(t).column("tracelint_label").to_pylist()
['concise']

Rows are read with the same rules as the file readers (``tracelint.io.iter_records``):
columns named like the canonical fields (``prompt``, ``reasoning``, ``answer``,
``finish_reason``, ``output_tokens``, ...) and the recognised schemas (``response`` /
``output`` text with ``<think>``, OpenAI / Anthropic objects, ``messages`` lists) need no
help; ``text="col"`` names a column holding the raw output to split into reasoning and
answer, and ``prompt="col"``, ``reasoning="col"`` ... name the column of any canonical field.

No global state: every call builds what it needs (a :class:`BatchScorer` keeps it for
reuse), and each row's columns equal what :func:`tracelint.analyze` gives for that row.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from ..config import Config
from ..model import CANONICAL_FIELDS
from .core import DEFAULT_REJECT_ON, reject_reasons, validate_reject_on

PREFIX = "tracelint_"

#: Metrics copied into their own columns: (column suffix, metric key, Arrow type name).
METRIC_COLUMNS = (
    ("repeat_coverage", "repeat_coverage", "float64"),
    ("repeat_segment_frac", "repeat_segment_frac", "float64"),
    ("copy_coverage", "copy_coverage", "float64"),
    ("claims_checked", "claims_checked", "int64"),
    ("claims_wrong", "claims_wrong", "int64"),
    ("answer_correct", "answer_correct", "bool"),
    ("reasoning_chars", "reasoning_chars", "int64"),
)


def _finding_type():
    import pyarrow as pa
    return pa.struct([("code", pa.string()), ("name", pa.string()), ("field", pa.string()),
                      ("start", pa.int64()), ("end", pa.int64()), ("message", pa.string())])


def score_fields(result_json: bool = False) -> List[Any]:
    """The appended columns, in order, as ``pyarrow.Field`` objects:

    * ``tracelint_label`` (string; null for an unreadable row), ``tracelint_flags``
      (list<string>), ``tracelint_keep`` (bool: no reject-on item matched and the row was
      readable), ``tracelint_reasons`` (list<string>: the matched reject-on items, ``error``
      for an unreadable row);
    * ``tracelint_truncated`` (bool), ``tracelint_tokens`` (int64) and
      ``tracelint_tokens_estimated`` (bool), then the metrics of :data:`METRIC_COLUMNS`;
    * ``tracelint_findings`` (list<struct<code, name, field, start, end, message>>;
      ``field`` is ``reasoning`` unless the finding is about another field);
    * ``tracelint_error`` (string: why the row could not be read, else null);
    * with ``result_json=True``, ``tracelint_result``: the row's full JSON line of
      ``tracelint score`` (docs/output.md), metrics included.
    """
    import pyarrow as pa
    types = {"float64": pa.float64(), "int64": pa.int64(), "bool": pa.bool_()}
    fs = [pa.field(PREFIX + "label", pa.string()),
          pa.field(PREFIX + "flags", pa.list_(pa.string())),
          pa.field(PREFIX + "keep", pa.bool_()),
          pa.field(PREFIX + "reasons", pa.list_(pa.string())),
          pa.field(PREFIX + "truncated", pa.bool_()),
          pa.field(PREFIX + "tokens", pa.int64()),
          pa.field(PREFIX + "tokens_estimated", pa.bool_())]
    fs += [pa.field(PREFIX + name, types[t]) for name, _, t in METRIC_COLUMNS]
    fs += [pa.field(PREFIX + "findings", pa.list_(_finding_type())),
           pa.field(PREFIX + "error", pa.string())]
    if result_json:
        fs.append(pa.field(PREFIX + "result", pa.string()))
    return fs


def output_schema(input_schema, result_json: bool = False):
    """The schema :func:`analyze_batch` returns for an input of ``input_schema``: its
    columns (minus any it replaces) followed by :func:`score_fields`."""
    import pyarrow as pa
    new = score_fields(result_json)
    names = {f.name for f in new}
    return pa.schema([f for f in input_schema if f.name not in names] + new,
                     metadata=input_schema.metadata)


_SPARK_TYPES = {"string": "STRING", "bool": "BOOLEAN", "int64": "BIGINT", "double": "DOUBLE"}


def _ddl_type(t) -> str:
    import pyarrow as pa
    if pa.types.is_list(t):
        return f"ARRAY<{_ddl_type(t.value_type)}>"
    if pa.types.is_struct(t):
        return "STRUCT<" + ", ".join(f"`{f.name}`: {_ddl_type(f.type)}" for f in t) + ">"
    return _SPARK_TYPES[str(t)]


def score_columns_ddl(result_json: bool = False) -> str:
    """The appended columns as a Spark DDL string (for ``mapInArrow``'s schema)."""
    return ", ".join(f"`{f.name}` {_ddl_type(f.type)}" for f in score_fields(result_json))


def _nan_to_none(v: Any) -> Any:
    if isinstance(v, float) and v != v:
        return None
    return v


class BatchScorer:
    """Scores Arrow tables / record batches; everything that can be prepared once (config,
    reader plan, detector imports) is prepared in the constructor.

    ``text``: the column holding the raw model output (split at ``<think>`` into reasoning
    and answer).  ``columns``: canonical field -> column name (``prompt="question"``,
    ``reference="gold"``...).  ``config``: a :class:`tracelint.config.Config` (default: the
    defaults; *not* read from any file).  ``reject_on``: what ``tracelint_keep`` rejects
    (default: ``degenerate-looping``, ``truncated``, ``arithmetic-errors``).
    ``result_json``: also append ``tracelint_result``."""

    def __init__(self, *, text: Optional[str] = None, config: Optional[Config] = None,
                 reject_on: Optional[Sequence[str]] = None, result_json: bool = False,
                 **columns: str):
        from ..analysis import analyze
        from ..io import ReaderOptions
        from ..io.schema import compile_options
        cfg = config if config is not None else Config()
        field_map: Dict[str, Any] = dict(cfg.field_map)
        for name, col in columns.items():
            if name not in CANONICAL_FIELDS:
                raise TypeError(f"unknown field {name!r}: expected text= or one of "
                                f"{', '.join(CANONICAL_FIELDS)}")
            if col is not None:
                field_map[name] = [str(col)]   # a key list: dots in column names are literal
        if text is not None:
            field_map["output"] = [str(text)]
        self.config = cfg
        self.plan = compile_options(ReaderOptions(
            field_map=field_map, constants=dict(cfg.constants), think_open=cfg.think_open,
            think_close=cfg.think_close, max_text_chars=cfg.max_text_chars))
        self.reject_on = tuple(reject_on) if reject_on is not None else DEFAULT_REJECT_ON
        validate_reject_on(self.reject_on)
        self.result_json = result_json
        self.fields = score_fields(result_json)
        self._analyze = analyze

    def score_rows(self, rows: Sequence[Mapping[str, Any]], source: str = "<batch>"
                   ) -> List[Dict[str, Any]]:
        """The ``tracelint score`` output dict of each row (error dicts for unreadable
        rows), in order; rows are numbered from 1 within the call."""
        from ..io.schema import build_trace
        from .parallel import result_dict
        out = []
        for i, rec in enumerate(rows, 1):
            item = build_trace(rec if isinstance(rec, dict) else dict(rec), self.plan,
                               source, i, source)
            d, _ = result_dict(item, self.config, self._analyze)
            d.pop("_where", None)
            out.append(d)
        return out

    def columns(self, results: Sequence[Dict[str, Any]]) -> Dict[str, List[Any]]:
        """Score columns (name -> Python values) for output dicts."""
        cols: Dict[str, List[Any]] = {f.name: [] for f in self.fields}
        P = PREFIX
        for d in results:
            reasons = reject_reasons(d, self.reject_on)
            err = d.get("error")
            if err is not None:
                prefix = f"{d.get('source')}:{d.get('line')}: "
                if err.startswith(prefix):
                    err = err[len(prefix):]
            cols[P + "keep"].append(not reasons)
            cols[P + "reasons"].append(reasons)
            cols[P + "error"].append(err)
            if err is not None:
                for k in (P + "label", P + "flags", P + "truncated", P + "tokens",
                          P + "tokens_estimated", P + "findings"):
                    cols[k].append(None)
                for name, _, _ in METRIC_COLUMNS:
                    cols[P + name].append(None)
            else:
                m = d.get("metrics") or {}
                tok = d.get("tokens") or {}
                cols[P + "label"].append(d["label"])
                cols[P + "flags"].append(list(d["flags"]))
                cols[P + "truncated"].append(bool(d["truncated"]))
                cols[P + "tokens"].append(tok.get("count"))
                cols[P + "tokens_estimated"].append(
                    None if "source" not in tok else tok["source"] == "estimate")
                for name, key, typ in METRIC_COLUMNS:
                    v = _nan_to_none(m.get(key))
                    if v is not None:
                        v = float(v) if typ == "float64" else (bool(v) if typ == "bool"
                                                               else int(v))
                    cols[P + name].append(v)
                cols[P + "findings"].append([
                    {"code": f["code"], "name": f["name"],
                     "field": f.get("field", "reasoning"), "start": f["start"],
                     "end": f["end"], "message": f["message"]} for f in d["findings"]])
            if self.result_json:
                from ..io.writers import dumps_line
                cols[P + "result"].append(dumps_line(d)[:-1])
        return cols

    def __call__(self, data):
        """``data`` (a ``pyarrow.Table`` or ``RecordBatch``) with the score columns appended
        (replacing columns of the same names); the same type comes back."""
        import pyarrow as pa
        if isinstance(data, pa.RecordBatch):
            is_batch = True
        elif isinstance(data, pa.Table):
            is_batch = False
        else:
            raise TypeError(f"analyze_batch() takes a pyarrow.Table or RecordBatch, not "
                            f"{type(data).__name__}")
        cols = self.columns(self.score_rows(data.to_pylist()))
        names = [f.name for f in self.fields]
        keep = [i for i, n in enumerate(data.schema.names) if n not in names]
        base_fields = [data.schema.field(i) for i in keep]
        arrays = [pa.array(cols[f.name], type=f.type) for f in self.fields]
        schema = pa.schema(base_fields + self.fields, metadata=data.schema.metadata)
        if is_batch:
            return pa.RecordBatch.from_arrays([data.column(i) for i in keep] + arrays,
                                              schema=schema)
        return pa.Table.from_arrays([data.column(i) for i in keep] + arrays, schema=schema)


def analyze_batch(data, *, text: Optional[str] = None, config: Optional[Config] = None,
                  reject_on: Optional[Sequence[str]] = None, result_json: bool = False,
                  **columns: str):
    """Score every row of ``data`` (a ``pyarrow.Table`` or ``RecordBatch``) and return it with
    the score columns of :func:`score_fields` appended (a Table for a Table, a RecordBatch for
    a RecordBatch).

    ``text="col"``: the raw output column to split into reasoning and answer; ``prompt=``,
    ``reasoning=``, ``answer=``, ``reference=``, ``finish_reason=``, ... (any canonical
    field): the column holding it.  Without them, columns named like the canonical fields
    and the recognised schemas are used, as by the file readers.  ``config``: a
    :class:`tracelint.config.Config`; ``reject_on``: what ``tracelint_keep`` rejects;
    ``result_json``: also append ``tracelint_result`` (the full JSON result line)."""
    return BatchScorer(text=text, config=config, reject_on=reject_on,
                       result_json=result_json, **columns)(data)


__all__ = ["analyze_batch", "BatchScorer", "score_fields", "output_schema",
           "score_columns_ddl", "METRIC_COLUMNS"]
