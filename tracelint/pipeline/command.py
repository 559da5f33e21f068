"""``tracelint filter`` and ``tracelint check`` (registered by ``tracelint.cli.make_parser``).

filter: every input record lands in exactly one of three outputs — kept, rejected (the
original record plus ``tracelint_reasons``) or errors (records that could not be read, with
their file, line and reason); a record holding several samples is split by sample, every
sample landing in exactly one output (docs/pipelines.md).  check: the same decision, nothing written; one
``file:line: CODE message`` line per reason of each rejected record, exit 1 if any.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from contextlib import ExitStack
from typing import Any, Dict, List, Optional, Sequence

from .core import DEFAULT_REJECT_ON, RejectOnError, split_items, validate_reject_on

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


# ------------------------------------------------------------------------------------------
# configuration: [tool.tracelint] plus the command line


def load_config(config_path: Optional[str] = None):
    """``(Config, reject_on or None)`` from the nearest config file (or ``config_path``)."""
    from ..config import load
    cfg = load(config_path)
    return cfg, (list(cfg.reject_on) if cfg.reject_on is not None else None)


def build_config(args):
    """Config and reject-on list for ``args``: config file, then the command-line flags
    (the same flags and precedence as ``tracelint score``)."""
    from ..cli import UsageError, build_config as score_config
    from ..rules import all_rules
    cfg = score_config(args)
    codes = [r.code for r in all_rules()]
    reject_on = list(cfg.reject_on) if cfg.reject_on is not None else None
    if getattr(args, "reject_on", None) is not None:
        reject_on = split_items(args.reject_on)
    if reject_on is None:
        reject_on = list(DEFAULT_REJECT_ON)
    try:
        warnings = validate_reject_on(reject_on, codes)
    except RejectOnError as e:
        raise UsageError(str(e)) from None
    for w in warnings:
        sys.stderr.write(f"tracelint: warning: {w}\n")
    if getattr(args, "jobs", 1) < 1:
        raise UsageError("--jobs must be at least 1")
    if getattr(args, "batch_size", 1) < 1:
        raise UsageError("--batch-size must be at least 1")
    return cfg, reject_on


# ------------------------------------------------------------------------------------------
# filter


def default_errors_path(reject: str) -> str:
    """Where unreadable records go when ``--errors`` is not given: next to the rejected
    output, ``rejected.jsonl`` -> ``rejected.errors.jsonl``."""
    if reject == "-":
        return "tracelint-errors.jsonl"
    d, name = os.path.split(reject)
    for ext in (".jsonl.gz", ".jsonl", ".ndjson", ".json", ".parquet", ".pq", ".arrow",
                ".feather", ".ipc"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
            break
    return os.path.join(d, name + ".errors.jsonl")


class _Output:
    """One output file, opened lazily (the errors file only when an error occurs)."""

    def __init__(self, stack: ExitStack, path: str, inputs: Sequence[str], schema=None):
        from .outputs import output_format
        self.stack = stack
        self.path = path
        self.inputs = inputs
        self.fmt = output_format(path)
        self.schema = schema
        self.sink: Any = None

    def open(self):
        if self.sink is None:
            from ..io.writers import open_output
            from .outputs import ArrowSink, JsonlSink
            if self.fmt != "jsonl" and self.path == "-":
                from ..cli import UsageError
                raise UsageError("'-' (stdout) can only take JSON Lines")
            fh = self.stack.enter_context(open_output(self.path, inputs=self.inputs,
                                                      binary=True))
            if self.fmt == "jsonl":
                self.sink = JsonlSink(fh, self.path)
            else:
                self.sink = ArrowSink(fh, self.fmt, self.schema)
            # runs before the temporary file is closed and removed (the stack unwinds in
            # reverse): a writer left open would write its footer to a closed file later
            self.stack.callback(self.sink.abort)
        return self.sink

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()


def cmd_filter(args) -> int:
    from ..cli import UsageError
    from ..io import OutputError
    from .outputs import SchemaError, align, error_schema, infer_schema, output_format, \
        reject_schema
    from .parallel import (ERROR, KEEP, REJECT, SPLIT, Progress, input_kind, input_sizes,
                           iter_decisions)
    import pyarrow as pa
    cfg, reject_on = build_config(args)
    files = list(args.files)
    errors_path = args.errors or default_errors_path(args.reject)
    outs = [("--keep", args.keep), ("--reject", args.reject), ("--errors", errors_path)]
    for i, (na, a) in enumerate(outs):
        for nb, b in outs[i + 1:]:
            if a != "-" and os.path.abspath(a) == os.path.abspath(b):
                raise UsageError(f"{na} and {nb} name the same file {a!r}")
    if sum(1 for _, p in outs if p == "-") > 1:
        raise UsageError("only one output can be '-' (stdout)")
    from ..io.writers import check_output
    for _, p in outs:  # all three now (the errors output is opened only when needed)
        if p != "-":
            check_output(p, files)
    keep_fmt, rej_fmt = output_format(args.keep), output_format(args.reject)
    columnar = keep_fmt != "jsonl" or rej_fmt != "jsonl"
    # check inputs (raises InputError) and learn their kinds
    from .parallel import iter_chunks
    iter_chunks(files, cfg, args.batch_size)
    kinds = [input_kind(p) for p in files]
    schema = None
    if columnar:
        # the schema pass reads JSON inputs once before the real pass: a FIFO (or the
        # /dev/fd/N of a process substitution) can be read only once, and the second pass
        # would wait forever for a writer that is gone — refuse it up front
        from .parallel import is_regular_file
        for p, kind in zip(files, kinds):
            if kind in ("jsonl", "array", "text") and p != "-" and not is_regular_file(p):
                raise UsageError(f"a Parquet/Arrow output of JSON input reads the input "
                                 f"twice, and {p!r} is not a regular file (it can be read "
                                 f"only once); write JSON Lines, or save the input to a "
                                 f"file first")
        try:
            schema = infer_schema(files, kinds, cfg)
        except SchemaError as e:
            raise OutputError(f"cannot write a columnar output: the inputs do not fit one "
                              f"Arrow schema ({e}); write JSON Lines (.jsonl) instead") from None
    counts: Counter = Counter()
    reasons: Counter = Counter()
    progress = Progress(input_sizes(files), enabled=not args.quiet)
    with ExitStack() as stack:
        keep = _Output(stack, args.keep, files, schema)
        rej = _Output(stack, args.reject, files,
                      reject_schema(schema) if schema is not None else None)
        err = _Output(stack, errors_path, files, error_schema())
        try:
            keep.open()
            rej.open()
            if args.errors:
                err.open()
            for ch, decs in iter_decisions(
                    files, cfg, "filter", reject_on, jobs=args.jobs,
                    batch_size=args.batch_size,
                    keep_format="columnar" if keep_fmt != "jsonl" else "jsonl",
                    reject_format="columnar" if rej_fmt != "jsonl" else "jsonl",
                    progress=progress):
                _write_chunk(ch, decs, keep, rej, err, counts, reasons, schema, pa, align,
                             KEEP, REJECT, ERROR)
            for o in (keep, rej, err):
                o.close()
            # every output complete: rename them all into place; a signal arriving now
            # waits until all are renamed (kept, rejected and errors always belong together)
            from ..io.writers import defer_signals
            with defer_signals():
                stack.close()
        except SchemaError as e:
            # raised through the ExitStack: the temporary files are removed, no output appears
            raise OutputError(f"cannot write a columnar output: {e}") from None
        finally:
            progress.close()
    total = counts[KEEP] + counts[REJECT] + counts[ERROR] + counts[SPLIT]
    if not args.quiet:
        # an output on stdout is the whole of stdout: the summary goes to stderr then
        out = sys.stderr if "-" in (args.keep, args.reject, errors_path) else sys.stdout
        if counts["traces"] == total:  # one trace per record: records are the unit
            out.write(f"records: {total}   kept: {counts[KEEP]}   rejected: {counts[REJECT]}"
                      f"   unreadable: {counts[ERROR]}\n")
        else:
            # multi-sample records: kept / rejected / unreadable count traces (a sample, or
            # a record of one trace; an unreadable record is one), so that they add up to
            # the traces, and the records cut in two are said apart
            out.write(f"records: {total} ({counts['traces']} traces)   "
                      f"kept: {counts['kept_traces']}   "
                      f"rejected: {counts['rejected_traces']}   "
                      f"unreadable: {counts['error_traces']}   (counted in traces; "
                      f"records split between kept and rejected: {counts[SPLIT]})\n")
        if reasons:
            w = max(len(r) for r in reasons)
            unit = "record" if counts["traces"] == total else "trace"
            out.write(f"rejected by reason (a {unit} can have several):\n")
            for r, c in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
                out.write(f"  {r:<{w}}  {c:>8}\n")
        dest = [f"kept -> {args.keep}", f"rejected -> {args.reject}"]
        if err.sink is not None:
            dest.append(f"unreadable -> {errors_path}")
        out.write("; ".join(dest) + "\n")
    return EXIT_CLEAN


def _write_chunk(ch, decs, keep, rej, err, counts, reasons, schema, pa, align,
                 KEEP, REJECT, ERROR) -> None:
    from .parallel import SPLIT
    keep_rows: List[Dict[str, Any]] = []
    rej_rows: List[Dict[str, Any]] = []
    keep_sink = keep.sink
    rej_sink = rej.sink
    rows_input = ch.kind == "rows" and ch.batch is not None and (keep.fmt != "jsonl"
                                                                 or rej.fmt != "jsonl")
    done = 0  # rows of a Parquet / Arrow batch written so far (a split record cuts the batch)

    def flush(upto: int) -> None:
        # rows gathered for the columnar outputs, then the batch's own rows before ``upto``
        nonlocal done
        if keep_rows:
            keep_sink.add_rows(keep_rows)
            keep_rows.clear()
        if rej_rows:
            rej_sink.add_rows(rej_rows)
            rej_rows.clear()
        if rows_input and upto > done:
            _write_batch(ch.batch.slice(done, upto - done), decs[done:upto], keep, rej,
                         schema, pa, align, KEEP, REJECT)
        done = max(done, upto)

    for i, d in enumerate(decs):
        counts[d.status] += 1
        # per trace: a record of n samples adds n, spread over kept and rejected
        if d.traces > 1:
            counts["traces"] += d.traces
            counts["kept_traces"] += d.kept_traces
            counts["rejected_traces"] += d.rejected_traces
        else:
            counts["traces"] += 1
            counts["kept_traces"] += d.status == KEEP
            counts["rejected_traces"] += d.status == REJECT
            counts["error_traces"] += d.status == ERROR
        if d.status == SPLIT:
            for rs in d.sample_reasons:
                reasons.update(rs)
            if rows_input:
                flush(i)  # the batch's rows before this one first: outputs keep input order
                done = i + 1
            if keep.fmt == "jsonl":
                keep_sink.write(d.keep_line)
            else:
                keep_rows.append(d.keep_row)
            if rej.fmt == "jsonl":
                rej_sink.write(d.out_line)
            else:
                rej_rows.append(d.row)
            continue
        if d.status == ERROR:
            e = err.open()
            if err.fmt == "jsonl":
                e.write_obj(d.error)
            else:
                e.add_rows([d.error])
            continue
        if d.status == REJECT:
            for rs in (d.sample_reasons if d.sample_reasons is not None else [d.reasons]):
                reasons.update(rs)
        target, sink = (keep, keep_sink) if d.status == KEEP else (rej, rej_sink)
        if target.fmt == "jsonl":
            if d.out_line is not None:
                sink.write(d.out_line)
            else:  # a JSON line kept as it was read
                raw = ch.items[i][1]
                sink.write(raw if raw.endswith(b"\n") else raw + b"\n")
        elif ch.kind != "rows":
            (keep_rows if d.status == KEEP else rej_rows).append(d.row)
    flush(ch.batch.num_rows if rows_input else 0)


def _write_batch(batch, decs, keep, rej, schema, pa, align, KEEP, REJECT) -> None:
    """Rows of a Parquet / Arrow batch (none of them a split record) to the columnar
    outputs: the kept ones as they are, the rejected ones with their reasons (and, for a
    record of several samples, each sample's reasons and position)."""
    from .outputs import REASONS_FIELD, SAMPLE_INDEX_FIELD, SAMPLE_REASONS_FIELD
    statuses = [d.status for d in decs]
    batch = align(batch, schema)
    if keep.fmt != "jsonl":
        keep.sink.add_batch(batch.filter(pa.array([s == KEEP for s in statuses])))
    if rej.fmt != "jsonl":
        sel = batch.filter(pa.array([s == REJECT for s in statuses]))
        out = rej.sink.schema
        gone = [n for n in (REASONS_FIELD, SAMPLE_REASONS_FIELD, SAMPLE_INDEX_FIELD)
                if n in sel.schema.names]
        if gone:
            sel = sel.drop_columns(gone)
        dropped = [d for d in decs if d.status == REJECT]
        sel = sel.append_column(REASONS_FIELD, pa.array([list(d.reasons) for d in dropped],
                                                        type=pa.list_(pa.string())))
        if SAMPLE_REASONS_FIELD in out.names:
            multi = [d.traces > 1 and d.sample_reasons is not None for d in dropped]
            sel = sel.append_column(SAMPLE_REASONS_FIELD, pa.array(
                [[list(r) for r in d.sample_reasons] if m else None
                 for d, m in zip(dropped, multi)], type=out.field(SAMPLE_REASONS_FIELD).type))
            sel = sel.append_column(SAMPLE_INDEX_FIELD, pa.array(
                [list(range(d.traces)) if m else None for d, m in zip(dropped, multi)],
                type=out.field(SAMPLE_INDEX_FIELD).type))
        rej.sink.add_batch(pa.RecordBatch.from_arrays(sel.columns, schema=out))


# ------------------------------------------------------------------------------------------
# check


def cmd_check(args) -> int:
    from .parallel import ERROR, REJECT, Progress, input_sizes, iter_decisions
    cfg, reject_on = build_config(args)
    files = list(args.files)
    progress = Progress(input_sizes(files), enabled=not args.quiet)
    counts: Counter = Counter()
    traces = 0
    out = sys.stdout
    try:
        for _, decs in iter_decisions(files, cfg, "check", reject_on, jobs=args.jobs,
                                      batch_size=args.batch_size, progress=progress):
            for d in decs:
                counts[d.status] += 1
                traces += d.traces
                if d.messages:
                    out.write("\n".join(d.messages) + "\n")
    finally:
        progress.close()
    bad = counts[REJECT] + counts[ERROR]
    total = sum(counts.values())
    if not args.quiet:
        of = f" ({traces} traces)" if traces != total else ""
        sys.stderr.write(f"tracelint check: {total} records{of}, {counts[REJECT]} would be "
                         f"rejected, {counts[ERROR]} unreadable "
                         f"(reject-on: {', '.join(reject_on)})\n")
    return EXIT_FINDINGS if bad else EXIT_CLEAN


# ------------------------------------------------------------------------------------------
# argparse


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reject-on", action="append", metavar="ITEMS",
                   help="labels, flags or rule codes (prefixes) that reject a trace; "
                        "comma-separated, repeatable (default: config 'reject-on', else "
                        + ",".join(DEFAULT_REJECT_ON) + ")")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="worker processes (default 1); output is the same for any N")
    p.add_argument("--batch-size", type=int, default=256, metavar="N",
                   help="records per batch handed to a worker (default 256)")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary, no progress")


def add_parser(subparsers, add_input_options) -> None:
    fp = subparsers.add_parser(
        "filter", help="split traces into kept, rejected and unreadable outputs",
        description="Every input record lands in exactly one output: --keep, --reject "
                    "(the original record plus tracelint_reasons) or --errors (records "
                    "that could not be read, with line and reason).  A record holding "
                    "several samples is split by sample: the record with its passing samples "
                    "to --keep, with its failing ones (and tracelint_sample_reasons, "
                    "tracelint_sample_index) to --reject.  The "
                    "format of each output follows its extension: .parquet/.pq, "
                    ".arrow/.feather, else JSON Lines (.gz compressed).")
    add_input_options(fp)
    fp.add_argument("--keep", required=True, metavar="PATH", help="kept records")
    fp.add_argument("--reject", required=True, metavar="PATH",
                    help="rejected records, each with tracelint_reasons")
    fp.add_argument("--errors", metavar="PATH",
                    help="unreadable records (default: REJECT's name with .errors.jsonl, "
                         "written only when there are any)")
    _add_common(fp)
    fp.set_defaults(func=cmd_filter)
    cp = subparsers.add_parser(
        "check", help="pre-commit form of filter: report traces that would be rejected",
        description="Writes nothing; prints 'file:line: CODE message' for every reason of "
                    "every record that filter would reject (E000 for unreadable records) "
                    "and exits 1 if there is any.")
    add_input_options(cp)
    _add_common(cp)
    cp.set_defaults(func=cmd_check)


__all__ = ["add_parser", "cmd_filter", "cmd_check", "build_config", "load_config",
           "default_errors_path"]
