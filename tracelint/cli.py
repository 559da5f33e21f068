"""Command line: ``tracelint score | rule``; ``report``, ``filter`` and ``check`` register
from their own layers (the CLI only wires readers, analysis and writers).

Exit codes (ruff's convention): 0 clean, 1 something at or above ``--fail-on`` (or a record
that could not be read), 2 usage, configuration or I/O error.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence

from . import __version__
from .config import Config, ConfigError, load as load_config
from .model import LABELS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
LABEL_RANK = {"concise": 0, "verbose-but-engaged": 1, "degenerate-looping": 2}


class UsageError(Exception):
    pass


def _kv(spec: str, what: str):
    if "=" not in spec:
        raise UsageError(f"{what} expects FIELD=VALUE, got {spec!r}")
    k, v = spec.split("=", 1)
    if not k:
        raise UsageError(f"{what} expects FIELD=VALUE, got {spec!r}")
    return k, v


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def _unescape(text: str) -> str:
    """``\\n``, ``\\t``, ``\\r`` and ``\\\\`` in a delimiter given on the command line;
    every other character (non-ASCII included) is kept as typed."""
    import re
    return re.sub(r"\\([ntr\\])", lambda m: _ESCAPES[m.group(1)], text)


def _split_codes(values: Optional[List[str]]) -> Optional[List[str]]:
    if values is None:
        return None
    out: List[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def build_config(args) -> Config:
    cfg = load_config(getattr(args, "config", None))
    if getattr(args, "select", None) is not None:
        cfg.select = _split_codes(args.select)
    if getattr(args, "ignore", None):
        cfg.ignore = cfg.ignore + (_split_codes(args.ignore) or [])
    for spec in getattr(args, "field", None) or []:
        k, v = _kv(spec, "--field")
        cfg.field_map[k] = v
    for spec in getattr(args, "set", None) or []:
        k, v = _kv(spec, "--set")
        cfg.constants[k] = v
    if getattr(args, "think_open", None) is not None:
        cfg.think_open = _unescape(args.think_open)
    if getattr(args, "think_close", None) is not None:
        cfg.think_close = _unescape(args.think_close)
    if getattr(args, "fail_on", None) is not None:
        cfg.fail_on = _split_codes(args.fail_on) or []
        if not cfg.fail_on:
            raise UsageError("--fail-on is empty: name a label, a flag or a rule code")
    if getattr(args, "verbose_tokens", None) is not None:
        cfg.verbose_tokens = args.verbose_tokens
    if getattr(args, "verbose_basis", None) is not None:
        cfg.verbose_basis = args.verbose_basis
    if getattr(args, "tokenizer", None) is not None:
        cfg.tokenizer = args.tokenizer
    if cfg.tokenizer:
        from .tokens import TokenizerError, load_tokenizer
        try:
            load_tokenizer(cfg.tokenizer)  # fail before reading any input
        except TokenizerError as e:
            raise UsageError(str(e)) from None
    if getattr(args, "max_text_chars", None) is not None:
        if args.max_text_chars < 1:
            raise UsageError("--max-text-chars must be at least 1")
        cfg.max_text_chars = args.max_text_chars
    from .rules import all_rules
    codes = [r.code for r in all_rules()]
    for p in (cfg.select or []) + cfg.ignore:
        if not any(c.startswith(p) for c in codes):
            raise UsageError(f"{p!r} matches no rule code (see 'tracelint rule --all')")
    if cfg.fail_on:
        # a CI gate on a misspelled item would never fail: every item must be something
        # tracelint can report
        from .pipeline.core import RejectOnError, validate_reject_on
        try:
            unknown = validate_reject_on(cfg.fail_on, codes)
        except RejectOnError as e:
            raise UsageError(str(e).replace("reject-on", "fail-on")) from None
        if unknown:
            raise UsageError("; ".join(unknown).replace("reject-on", "fail-on"))
    return cfg


def fails(result: Dict[str, Any], fail_on: Sequence[str]) -> bool:
    """Whether one output record is at or above any ``--fail-on`` item (label: at or above
    in the order concise < verbose-but-engaged < degenerate-looping; flag or rule code:
    present)."""
    if "error" in result:
        return True
    label_rank = LABEL_RANK.get(result.get("label") or "", -1)
    codes = {f["code"] for f in result.get("findings", [])}
    for item in fail_on:
        if item in LABEL_RANK:
            if label_rank >= LABEL_RANK[item]:
                return True
        elif item in result.get("flags", []) or item in codes or any(
                c.startswith(item) for c in codes):
            return True
    return False


class Progress:
    """Records/s and MB/s on stderr, only when stderr is a terminal."""

    def __init__(self, total_bytes: Optional[int], enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.total = total_bytes
        self.t0 = time.monotonic()
        self.last = 0.0
        self.n = 0
        self.nbytes = 0

    def update(self, nbytes: int) -> None:
        self.n += 1
        self.nbytes += nbytes
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        dt = max(now - self.t0, 1e-9)
        mbs = self.nbytes / dt / 1e6
        msg = f"\r{self.n} records  {self.n / dt:,.0f} rec/s  {mbs:.1f} MB/s"
        if self.total:
            frac = min(self.nbytes / self.total, 1.0)
            eta = (self.total - self.nbytes) / max(self.nbytes / dt, 1e-9)
            msg += f"  {frac:5.1%}  ETA {eta:,.0f}s"
        sys.stderr.write(msg + "   ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def iter_results(paths: Sequence[str], cfg: Config, progress: Optional[Progress] = None):
    """(output dict, in input order) for every input record, sequentially in this process;
    unreadable records become error dicts — nothing is dropped.  ``score --jobs N`` uses
    :func:`tracelint.pipeline.parallel.iter_results_parallel`, which yields the same dicts."""
    from .analysis import analyze
    from .io import read_traces
    from .pipeline.parallel import result_dict
    from .verbosity import with_group_baseline
    cfg = with_group_baseline(cfg, paths)
    for item in read_traces(paths, cfg.reader_options()):
        d, size = result_dict(item, cfg, analyze)
        if progress:
            progress.update(size)
        yield d


class Summary:
    """Counts of ``score``: ``total`` output lines (traces, unreadable ones included) of
    ``records`` input records; they differ when records hold several samples."""

    def __init__(self):
        self.total = 0
        self.records = 0
        self.errors = 0
        self.labels: Counter = Counter()
        self.flags: Counter = Counter()
        self.reasons: Counter = Counter()
        self.codes: Counter = Counter()
        self.by_model: Dict[str, Counter] = {}

    def add(self, d: Dict[str, Any], sample=None) -> None:
        """``sample``: ``(k, n)`` when ``d`` is sample ``k`` of a record's ``n``."""
        self.total += 1
        if sample is None or sample[0] == 0:
            self.records += 1
        if "error" in d:
            self.errors += 1
            return
        self.labels[d["label"]] += 1
        self.flags.update(d["flags"])
        self.reasons.update(d["truncation_reasons"])
        self.codes.update(f["code"] for f in d["findings"])
        m = d.get("model") or "(no model)"
        self.by_model.setdefault(m, Counter())[d["label"]] += 1

    def to_dict(self) -> Dict[str, Any]:
        return {"records": self.records, "traces": self.total, "errors": self.errors,
                "labels": {k: self.labels.get(k, 0) for k in LABELS},
                "flags": dict(sorted(self.flags.items())),
                "truncation_reasons": dict(sorted(self.reasons.items())),
                "rules": dict(sorted(self.codes.items())),
                "by_model": {m: {k: c.get(k, 0) for k in LABELS}
                             for m, c in sorted(self.by_model.items())}}

    def table(self) -> str:
        lines = []
        width = max([len(m) for m in self.by_model] + [len("model")])
        head = f"{'model':<{width}}  " + "  ".join(f"{k:>19}" for k in LABELS) + f"  {'total':>7}"
        lines.append(head)
        lines.append("-" * len(head))
        for m, c in sorted(self.by_model.items()):
            tot = sum(c.values())
            lines.append(f"{m:<{width}}  " + "  ".join(f"{c.get(k, 0):>19}" for k in LABELS)
                         + f"  {tot:>7}")
        tot = sum(self.labels.values())
        lines.append(f"{'all':<{width}}  " + "  ".join(f"{self.labels.get(k, 0):>19}" for k in LABELS)
                     + f"  {tot:>7}")
        lines.append("")
        traces = f" ({self.total} traces)" if self.total != self.records else ""
        lines.append(f"records: {self.records}{traces}   analysed: {self.total - self.errors}"
                     f"   unreadable: {self.errors}")
        if self.flags:
            lines.append("flags: " + ", ".join(f"{k} {v}" for k, v in sorted(self.flags.items())))
        if self.reasons:
            lines.append("truncation: " + ", ".join(f"{k} {v}" for k, v in sorted(self.reasons.items())))
        if self.codes:
            lines.append("rules: " + ", ".join(f"{k} {v}" for k, v in sorted(self.codes.items())))
        return "\n".join(lines)


def _text_lines(d: Dict[str, Any], where, sample=None) -> List[str]:
    if "error" in d:
        return [f"{d['error']}"]
    src, line = where
    loc = f"{src}:{line}" if src else d["id"]
    if src and sample is not None:
        loc += f": sample {sample[0]}"  # the form of a sample's read error
    flags = f" [{', '.join(d['flags'])}]" if d["flags"] else ""
    out = [f"{loc}: {d['label']}{flags}"]
    for f in d["findings"]:
        out.append(f"  {f['code']} {f['name']} @{f.get('field', 'reasoning')}[{f['start']}:{f['end']}]"
                   f" {f['message']}")
    return out


def _github_lines(d: Dict[str, Any], where) -> List[str]:
    src, line = where if where else (d.get("source"), d.get("line"))
    file = _gh_prop(str(src))
    if "error" in d:
        return [f"::error file={file},line={line}::{_gh_escape(d['error'])}"]
    out = []
    for f in d["findings"]:
        out.append(f"::warning file={file},line={line},title={_gh_prop(f['code'] + ' ' + f['name'])}::"
                   f"{_gh_escape(d['id'] + ': ' + f['message'])}")
    return out


def _gh_escape(s: str) -> str:
    """A workflow command's message: %, CR and LF escaped."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    """A workflow command's property value: also ':' and ',', which end a property."""
    return _gh_escape(s).replace(":", "%3A").replace(",", "%2C")


def _sarif_uri(src: Any) -> str:
    """A SARIF artifact location (a URI reference, SARIF 2.1.0 3.4.3): a relative path
    percent-encoded ("run #1.jsonl" -> "run%20%231.jsonl"), an absolute one as a file URI."""
    from pathlib import Path
    from urllib.parse import quote
    s = str(src or "")
    if not s or s == "-":
        return "stdin" if s == "-" else ""
    p = Path(s)
    if p.is_absolute():
        return p.as_uri()
    return quote(p.as_posix(), safe="/")


def _sarif(results: List[Dict[str, Any]], wheres: List[Any]) -> Dict[str, Any]:
    from .rules import all_rules
    rules = [{"id": r.code, "name": r.name, "shortDescription": {"text": r.summary()},
              "fullDescription": {"text": r.doc()}} for r in all_rules()]
    sarif_results = []
    for d, where in zip(results, wheres):
        src, line = where if where else (d.get("source"), d.get("line"))
        loc = {"physicalLocation": {"artifactLocation": {"uri": _sarif_uri(src)},
                                    "region": {"startLine": int(line or 1)}}}
        if "error" in d:
            sarif_results.append({"ruleId": "E000", "level": "error",
                                  "message": {"text": d["error"]}, "locations": [loc]})
            continue
        for f in d["findings"]:
            sarif_results.append({
                "ruleId": f["code"], "level": "warning",
                "message": {"text": f"{d['id']}: {f['message']}"},
                "locations": [loc],
                "properties": {"traceId": d["id"], "field": f.get("field", "reasoning"),
                               "charStart": f["start"], "charEnd": f["end"]}})
    return {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "tracelint", "version": __version__,
                                          "rules": rules}},
                      "results": sarif_results}]}


def cmd_score(args) -> int:
    from .io.writers import open_text_output, write_jsonl_line
    cfg = build_config(args)
    fail_on = cfg.fail_on or ["degenerate-looping"]
    fmt = args.format
    total_bytes = 0
    for p in args.files:
        if p != "-" and os.path.isfile(p):
            total_bytes += os.path.getsize(p)
    progress = Progress(total_bytes or None, enabled=not args.quiet)
    summary = Summary()
    failed = False
    collected: List[Dict[str, Any]] = []
    wheres: List[Any] = []
    out_ctx = open_text_output(args.output, inputs=args.files) if args.output else None
    out_fh = out_ctx.__enter__() if out_ctx else None
    stdout = sys.stdout
    ok = False
    try:
        from .pipeline.parallel import iter_results_parallel
        for d in iter_results_parallel(args.files, cfg, args.jobs, progress=progress):
            where = d.pop("_where", None) or (d.get("source"), d.get("line"))
            sample = d.pop("_sample", None)
            summary.add(d, sample)
            failed = failed or fails(d, fail_on)
            if out_fh is not None:
                write_jsonl_line(out_fh, d)
            if fmt == "jsonl" and out_fh is None:
                write_jsonl_line(stdout, d)
            elif fmt == "text":
                if "error" in d or d["findings"] or d["label"] != "concise" or args.verbose:
                    stdout.write("\n".join(_text_lines(d, where, sample)) + "\n")
            elif fmt == "github":
                for line in _github_lines(d, where):
                    stdout.write(line + "\n")
            elif fmt in ("json", "sarif"):
                collected.append(d)
                wheres.append(where)
        ok = True
    finally:
        progress.close()
        if out_ctx is not None:
            out_ctx.__exit__(None if ok else RuntimeError, None, None)
    if fmt == "json":
        json.dump({"schema_version": "1.0", "results": collected, "summary": summary.to_dict()},
                  stdout, ensure_ascii=False, indent=1)
        stdout.write("\n")
    elif fmt == "sarif":
        json.dump(_sarif(collected, wheres), stdout, ensure_ascii=False, indent=1)
        stdout.write("\n")
    if not args.quiet:
        # stdout holds a document in these formats (with -o too: json and sarif still go
        # to stdout); the summary must not follow it there
        stream = sys.stderr if fmt in ("json", "sarif") or (fmt == "jsonl" and out_fh is None) \
            else stdout
        if fmt != "github":
            stream.write("\n" + summary.table() + "\n")
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def cmd_rule(args) -> int:
    from .rules import all_rules, get_rule
    if args.all or not args.code:
        for r in all_rules():
            state = "" if r.default_enabled else "  (off by default)"
            print(f"{r.code}  {r.name:<24} {r.summary()}{state}")
        return EXIT_CLEAN
    try:
        r = get_rule(args.code.upper())
    except KeyError as exc:
        raise UsageError(str(exc.args[0]))
    print(f"# {r.code} ({r.name})\n")
    print(r.doc())
    print(f"\nDetector: {r.detector}. Enabled by default: {'yes' if r.default_enabled else 'no'}.")
    if r.options:
        print("Defaults: " + ", ".join(f"{k} = {v!r}" for k, v in r.options.items()))
    return EXIT_CLEAN


def _add_input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="JSONL, JSON, Parquet, Arrow or text files, or directories of them "
                        "('-' = stdin)")
    p.add_argument("--field", action="append", metavar="CANON=PATH",
                   help="map a canonical field to a dotted path in the records (repeatable)")
    p.add_argument("--set", action="append", metavar="CANON=VALUE",
                   help="set a canonical field to a constant, e.g. --set model=R1 (repeatable)")
    p.add_argument("--think-open", metavar="TEXT", help="opening thinking delimiter (default <think>)")
    p.add_argument("--think-close", metavar="TEXT", help="closing thinking delimiter (default </think>)")
    p.add_argument("--config", metavar="PATH", help="config file (default: nearest tracelint.toml or pyproject.toml)")
    p.add_argument("--select", action="append", metavar="CODES", help="only these rules (codes or prefixes)")
    p.add_argument("--ignore", action="append", metavar="CODES", help="skip these rules")
    p.add_argument("--verbose-tokens", type=int, metavar="N",
                   help="absolute verbosity threshold in tokens (used where no task group "
                        "decides; see --verbose-basis)")
    p.add_argument("--verbose-basis", choices=("group", "absolute"),
                   help="verbose relative to the traces of the same task where the input holds "
                        "5 or more (group, the default), or by --verbose-tokens alone")
    p.add_argument("--tokenizer", metavar="PATH",
                   help="count the tokens a record does not report with this Hugging Face "
                        "tokenizer.json (or a directory holding one) instead of estimating "
                        "them; needs the 'tokenizers' package")
    p.add_argument("--max-text-chars", type=int, metavar="N",
                   help="longer prompt/reasoning/answer: an error record, not analysed "
                        "(default 64000000)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracelint", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"tracelint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sc = sub.add_parser("score", help="label every trace and list its findings")
    _add_input_options(sc)
    sc.add_argument("-o", "--output", metavar="PATH", help="write per-trace results (JSONL) here")
    sc.add_argument("--format", choices=["text", "jsonl", "json", "github", "sarif"], default=None,
                    help="stdout format (default: text)")
    sc.add_argument("--fail-on", action="append", metavar="ITEMS",
                    help="labels, flags or codes that make the exit code 1 (default degenerate-looping)")
    sc.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                    help="worker processes; the output is the same for any N")
    sc.add_argument("-q", "--quiet", action="store_true", help="no summary, no progress")
    sc.add_argument("-v", "--verbose", action="store_true", help="text format: list concise traces too")
    sc.set_defaults(func=cmd_score)
    ru = sub.add_parser("rule", help="print a rule's documentation")
    ru.add_argument("code", nargs="?", help="rule code, e.g. REP001")
    ru.add_argument("--all", action="store_true", help="list every rule")
    ru.set_defaults(func=cmd_rule)
    # commands that live with their layer: each module has add_parser(subparsers)
    import importlib
    for mod in ("tracelint.pipeline.command", "tracelint.report.command"):
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name is None or not mod.startswith(exc.name):
                raise  # the module exists but something it imports is missing
            continue
        m.add_parser(sub, _add_input_options)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    if getattr(args, "format", "x") is None:
        args.format = "text"
    from .io import InputError
    from .pipeline.parallel import tune_gc
    tune_gc()
    # Trace text can hold lone surrogates (a JSON ``"\ud800"`` escape decodes to one) and
    # file names can hold undecodable bytes; neither can be encoded in UTF-8, so a strict
    # stdout would end the run with UnicodeEncodeError half-way through (text, github, json,
    # sarif, check lines, summary tables).  Write them as ``\udXXX`` instead — inside a
    # JSON string that is the same escape the input had, so json/sarif output stays valid.
    restore = _lenient_stdout()
    try:
        if getattr(args, "files", None):
            from .io import expand_inputs
            args.files = expand_inputs(args.files)  # a directory: its data files
        return args.func(args)
    except (UsageError, ConfigError, InputError) as exc:
        sys.stderr.write(f"tracelint: error: {exc}\n")
        return EXIT_ERROR
    except BrokenPipeError:
        # the reader went away ("| head"): stop quietly, as a filter in a pipe does; stdout
        # is pointed at /dev/null so that the interpreter's final flush does not fail again
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a writer killed by the pipe
    except OSError as exc:
        sys.stderr.write(f"tracelint: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt as exc:  # Ctrl-C: 130; SIGTERM (io.writers.Terminated): 143
        sys.stderr.write("tracelint: interrupted\n")
        return getattr(exc, "exit_code", 130)
    except Exception as exc:  # a bug: say so in one line, exit with the error code
        if os.environ.get("TRACELINT_DEBUG"):
            raise
        sys.stderr.write(f"tracelint: internal error: {type(exc).__name__}: {exc} "
                         "(set TRACELINT_DEBUG=1 for the traceback)\n")
        return EXIT_ERROR
    finally:
        restore()


def _lenient_stdout():
    """Set ``errors="backslashreplace"`` on ``sys.stdout``; returns a function that puts
    the previous setting back (``main`` may run in-process, e.g. under pytest)."""
    out = sys.stdout
    old = getattr(out, "errors", None)
    if old in (None, "backslashreplace") or not hasattr(out, "reconfigure"):
        return lambda: None
    try:
        out.reconfigure(errors="backslashreplace")
    except (ValueError, OSError, AttributeError):  # a stream that cannot be reconfigured
        return lambda: None

    def restore() -> None:
        try:
            out.reconfigure(errors=old)
        except (ValueError, OSError, AttributeError):
            pass
    return restore


if __name__ == "__main__":  # pragma: no cover
    # ``python -m tracelint.cli``: run the imported module's main, not this __main__ copy —
    # otherwise the commands registered from other modules raise tracelint.cli.UsageError,
    # which __main__.main does not know, and a usage error reads as an internal error
    from tracelint.cli import main as _main
    sys.exit(_main())
