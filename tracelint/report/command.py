"""``tracelint report``: read -> analyse -> aggregate -> write (tables, JSON, HTML).

Registered by ``tracelint.cli.make_parser`` through :func:`add_parser`.
"""
from __future__ import annotations

import json
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence

from ..aggregate import stats
from ..aggregate.cost import PriceError
from ..model import Trace, TraceResult

EXIT_CLEAN, EXIT_UNREADABLE, EXIT_ERROR = 0, 1, 2


def add_parser(subparsers, add_input_options: Callable) -> None:
    p = subparsers.add_parser(
        "report", help="efficiency decomposition, cost and budget per group; tables, JSON, HTML",
        description="Efficiency decomposition (C, A|C, A, L, E), bottlenecks, ranking "
                    "divergence, cost per solved task and budget behaviour per group "
                    "(docs/report.md).")
    add_input_options(p)
    p.add_argument("--by", default="model", metavar="FIELDS",
                   help="group by these fields, comma-separated (canonical names or dotted "
                        "paths into the record; default: model)")
    p.add_argument("--json", dest="json_out", metavar="PATH", help="write the figures as JSON here")
    p.add_argument("--html", dest="html_out", metavar="PATH", help="write the HTML report here")
    p.add_argument("--prices", metavar="PATH", help="price file (TOML, USD per million tokens)")
    p.add_argument("--workload-field", metavar="F",
                   help="per-trace workload: a canonical field or a dotted path into the record "
                        "(default: the canonical 'workload' field)")
    p.add_argument("--bootstrap", type=int, default=stats.N_BOOT, metavar="N",
                   help=f"bootstrap resamples for the CIs (default {stats.N_BOOT}; 0: none)")
    p.add_argument("--seed", type=int, default=stats.SEED, metavar="N",
                   help="bootstrap seed (the report is deterministic for a given seed)")
    p.add_argument("--sc-k", default="2,3,4", metavar="K[,K...]",
                   help="self-consistency early stop: stop once K samples agree (default 2,3,4)")
    p.add_argument("--browser-per-group", type=int, default=10, metavar="N",
                   help="HTML: traces per group in the trace browser (default 10)")
    p.add_argument("--browser-chars", type=int, default=8000, metavar="N",
                   help="HTML: characters of a trace kept for the browser (default 8000)")
    p.add_argument("--title", default="tracelint report", help="HTML: page title")
    p.add_argument("-q", "--quiet", action="store_true", help="no tables on stdout")
    p.set_defaults(func=cmd_report)


def make_analyzer(cfg) -> Callable[[Trace], TraceResult]:
    """``analyze`` with the config (token counts a record lacks come from ``cfg.tokenizer``
    when one is named: tracelint/tokens.py)."""
    from ..analysis import analyze
    return lambda trace: analyze(trace, cfg)


def _names(names: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _notes(rep: Dict[str, Any], collected, extra: Sequence[str] = ()) -> List[str]:
    notes = list(extra)
    if collected.read_errors:
        notes.append(f"{len(collected.read_errors)} records could not be read and are not in "
                     f"the figures (first: {collected.read_errors[0]})")
    if collected.analysis_errors:
        notes.append(f"{len(collected.analysis_errors)} records failed in the analysis and are "
                     f"not in the figures (first: {collected.analysis_errors[0]})")
    unk = sum(g["unknown_correctness"] for g in rep["groups"])
    if unk:
        notes.append(f"correctness unknown for {unk:,} completed traces (no 'correct' field and "
                     "no answer-vs-reference result): left out of A|C, which A and E take from "
                     "the completed traces of known correctness; C and L count every trace")
    priced = [g for g in rep["groups"] if g.get("cost_per_attempt") is not None]
    est_in = [g["group"] for g in priced if g.get("input_token_source") in ("estimate", "mixed")]
    if est_in:
        notes.append("input tokens are estimated from the prompt text (no input_tokens field) in "
                     "the cost figures of: " + _names(est_in))
    no_in = [g["group"] for g in priced if g.get("input_tokens_missing")]
    if no_in:
        notes.append("input tokens unknown (no input_tokens field and no prompt) for some traces; "
                     "their cost counts output tokens only: " + _names(no_in))
    no_text = [g["group"] for g in rep["groups"] if g["label_shares"] is None]
    if no_text:
        notes.append("no reasoning text (trace-quality figures not available): " + _names(no_text))
    est = [g["group"] for g in rep["groups"] if g["token_sources"].get("estimate")]
    if est:
        notes.append("token counts are estimates (ceil(chars/4) + CJK characters) for: " + _names(est))
    if any(g["n_workload"] for g in rep["groups"]):
        notes.append("kappa: OLS slope of ln(T/W) on ln W; VO = sum T / sum W")
    return notes


def _field_notes(rows, by: Sequence[str], workload_field: Optional[str]) -> List[str]:
    """Notes for a --by or --workload-field that no record has (a misspelled path puts every
    trace in one "(none)" group, or gives no workload, without any other sign)."""
    from ..aggregate.rows import NONE_KEY
    if not rows:
        return []
    notes = [f"no record has a value for --by field {f!r}: every trace is in its (none) group"
             for i, f in enumerate(by) if all(r.group[i] == NONE_KEY for r in rows)]
    if workload_field and all(r.workload is None for r in rows):
        notes.append(f"no record has a numeric value for --workload-field {workload_field!r}: "
                     "no VO or kappa")
    return notes


def build_report(collected, *, by: Sequence[str], prices=None, price_note=None, seed: int,
                 n_boot: int, sc_ks: Sequence[int], meta: Dict[str, Any],
                 extra_notes: Sequence[str] = ()) -> Dict[str, Any]:
    """The JSON-able report dict from collected rows (figures + meta + notes)."""
    from ..aggregate import summarize
    from ..io.writers import json_clean
    rep = summarize(collected.rows, by=by, prices=prices, seed=seed, n_boot=n_boot, sc_ks=sc_ks)
    rep["prices"] = None if prices is None else {
        "file": meta.get("prices_file"), **(price_note or {})}
    rep["meta"] = {**meta, "read_errors": len(collected.read_errors),
                   "analysis_errors": len(collected.analysis_errors)}
    rep["notes"] = _notes(rep, collected, extra_notes)
    return json_clean(rep)  # an overflow on absurd input is null, never inf: valid JSON


def workload_points(rows) -> Dict[str, List[Any]]:
    from ..aggregate.rows import group_name
    out: Dict[str, List[Any]] = {}
    for r in rows:
        if r.workload is not None and r.workload > 0 and r.tokens > 0:
            out.setdefault(group_name(r.group), []).append((float(r.workload), float(r.tokens), r.id))
    return out


def write_outputs(rep: Dict[str, Any], collected, *, json_out: Optional[str],
                  html_out: Optional[str], title: str = "tracelint report",
                  inputs: Sequence[str] = ()) -> None:
    """Write the JSON and / or HTML report, each atomically (a temporary file renamed into
    place when both are complete; an interrupted run leaves the previous files as they
    were).  An output path that is one of ``inputs`` is refused (``OutputError``)."""
    from contextlib import ExitStack

    from ..io.writers import defer_signals, open_output
    from .html import render_html
    # errors="backslashreplace": trace text may hold lone surrogates (from JSON "\ud800"
    # escapes), which UTF-8 cannot encode; they are written as the same \udXXX escape
    # (valid inside JSON and JavaScript strings, plain text in HTML) instead of crashing.
    with ExitStack() as stack:
        if json_out:
            fh = stack.enter_context(open_output(json_out, inputs=inputs,
                                                 errors="backslashreplace"))
            json.dump(rep, fh, ensure_ascii=False, indent=1, allow_nan=False)
            fh.write("\n")
        if html_out:
            fh = stack.enter_context(open_output(html_out, inputs=inputs,
                                                 errors="backslashreplace"))
            fh.write(render_html(rep, browser=collected.browser,
                                 workload_points=workload_points(collected.rows),
                                 rule_counts=collected.rule_counts, title=title))
        with defer_signals():
            stack.close()


def cmd_report(args) -> int:
    from .. import __version__
    from ..cli import UsageError, build_config
    from ..io import read_traces
    from .collect import collect
    from .prices import fill_from_database, load_prices
    from .text import render_text

    cfg = build_config(args)
    by = [f.strip() for f in args.by.split(",") if f.strip()]
    if not by:
        raise UsageError("--by needs at least one field")
    try:
        sc_ks = sorted({int(k) for k in args.sc_k.split(",") if k.strip()})
    except ValueError:
        raise UsageError(f"--sc-k expects integers, got {args.sc_k!r}") from None
    if any(k < 2 for k in sc_ks):
        raise UsageError("--sc-k values must be at least 2")
    if args.bootstrap < 0:
        raise UsageError("--bootstrap must be >= 0")
    if args.browser_chars < 1 or args.browser_per_group < 0:
        raise UsageError("--browser-chars must be at least 1 and --browser-per-group at least 0")
    from ..io import parse_path
    from ..io.fieldmap import FieldSpecError
    for f in by + ([args.workload_field] if args.workload_field else []):
        try:
            parse_path(f)
        except FieldSpecError as exc:
            raise UsageError(f"field {f!r}: {exc}") from None
    outs = [p for p in (args.json_out, args.html_out) if p]
    if len(outs) == 2 and outs[0] == outs[1]:
        raise UsageError(f"--json and --html name the same file ({outs[0]}); one would replace "
                         "the other")
    prices = None
    try:
        if args.prices:
            prices = load_prices(args.prices)
    except PriceError as exc:
        raise UsageError(str(exc)) from None
    from ..io.writers import check_output
    for path in (args.json_out, args.html_out):
        if path and path != "-":
            check_output(path, args.files)  # before the analysis, not after it
    from ..verbosity import with_group_baseline
    cfg = with_group_baseline(cfg, args.files)
    analyzer = make_analyzer(cfg)
    items = read_traces(args.files, cfg.reader_options())
    collected = collect(items, analyzer, by=by, workload_field=args.workload_field,
                        per_group=args.browser_per_group if args.html_out else 0,
                        max_chars=args.browser_chars)
    note = None
    if args.prices:
        prices, note = fill_from_database(prices, {r.model for r in collected.rows})
    meta = {"tracelint_version": __version__, "inputs": list(args.files), "by": by,
            "workload_field": args.workload_field, "prices_file": args.prices,
            "tokenizer": args.tokenizer, "browser_per_group": args.browser_per_group,
            "sc_k": sc_ks}
    rep = build_report(collected, by=by, prices=prices, price_note=note, seed=args.seed,
                       n_boot=args.bootstrap, sc_ks=sc_ks, meta=meta,
                       extra_notes=_field_notes(collected.rows, by, args.workload_field))
    write_outputs(rep, collected, json_out=args.json_out, html_out=args.html_out,
                  title=args.title, inputs=args.files)
    # an output on stdout is the whole of stdout: the tables would make it unparseable
    if not args.quiet and "-" not in outs:
        sys.stdout.write(render_text(rep))
        for what, path in (("JSON", args.json_out), ("HTML", args.html_out)):
            if path:
                sys.stdout.write(f"{what} report: {path}\n")
    return EXIT_UNREADABLE if collected.read_errors or collected.analysis_errors else EXIT_CLEAN
