"""Loop-detection quality on the hand-labelled real traces (tests/data/labels_*.jsonl).

The labels hold only keys (source file, line, field) and the label a person gave after
reading the trace; the texts are read from ../shared/realdata with the reader options of
tests/test_realdata_load.py (the same as docs/realdata.md).

    python tests/label_quality.py          # prints recall, false alarms and every miss
    python tests/label_quality.py --ignore REP006   # the same without a rule (before/after)
"""
from __future__ import annotations

import fnmatch
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from test_realdata_load import REALDATA, SOURCES  # noqa: E402

from tracelint.analysis import analyze  # noqa: E402
from tracelint.config import Config  # noqa: E402
from tracelint.io import read_traces  # noqa: E402
from tracelint.model import ReadError  # noqa: E402

LABEL_FILES = [HERE / "data" / f"labels_{name}.jsonl" for name in ("reasoning", "chat", "pool")]
#: Real traces read blind after a rule change picked them out (field ``selected`` says how):
#: the evidence for that change's threshold.  Chosen by a rule, so they are kept out of the
#: recall and false-alarm figures, which they would flatter; reported on their own.
CANDIDATES_FILE = HERE / "data" / "candidates_read.jsonl"
#: Normal-run (not missing-premise) traces read blind as a precision check of the label:
#: traces the detector flagged that no label file held, and unflagged traces of the same
#: files and about the same length as controls (field ``selected``).  Half chosen by the
#: detector, so also kept out of the headline figures.  No ``field``: the layout's own.
READINGS_FILE = HERE / "data" / "normal_run_readings.jsonl"
#: Long traces a candidate rule (the same prompt passage quoted six or more times) would have
#: flagged, with unflagged controls of the same files and length, read blind; the rule was
#: not adopted (its flags read as loops no more often than the controls).
REREADING_FILE = HERE / "data" / "rereading_readings.jsonl"
#: Short traces (2,500-6,000 characters) that a lower length floor of REP001's diffuse rule
#: would have flagged, with unflagged controls of the same files and length, read blind; not
#: adopted (6 of its 18 flags read as loops, 2 of the 10 controls).
SHORT_DIFFUSE_FILE = HERE / "data" / "short_diffuse_readings.jsonl"
#: A random draw, chosen by nothing the detector computes: 96 traces of 5,000+ reasoning
#: characters from the reasoning models' files, none of them in another file here (72
#: missing-premise runs, 24 normal runs), read blind.  The one sample of the shared data not
#: picked by a rule or a labeller's eye; reported on its own because its readers call loops
#: more readily than the labels do (RELABEL_FILE).
RANDOM_FILE = HERE / "data" / "random_readings.jsonl"
#: 24 traces of the label files (12 labelled loops, 12 others, 5,000+ characters, drawn at
#: random) re-read blind by the readers of RANDOM_FILE, to compare the two sets of readers.
RELABEL_FILE = HERE / "data" / "relabel_readings.jsonl"
LOOP = "degenerate-looping"


def load_labels(files: Optional[List[Path]] = None) -> List[dict]:
    """Every label, with ``set`` = the label file it comes from (reasoning, chat, pool)."""
    out = []
    for f in files or LABEL_FILES:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    lab = json.loads(line)
                    lab["set"] = f.stem[len("labels_"):] if f.stem.startswith("labels_") else f.stem
                    out.append(lab)
    return out


def _source_for(rel: str, field: Optional[str]):
    hits = [s for s in SOURCES.values() if fnmatch.fnmatch(rel, s.glob)]
    for s in hits if field else ():
        if field in s.fields.values() or field.replace(".", "\\.") in s.fields.values() or (
                field == "output" and s.fields.get("reasoning") == "output.0"):
            return s
    return hits[0] if hits else None


def load_trace(label: dict):
    """The Trace a label refers to, read with the layout's reader options."""
    rel, field = label["source"], label.get("field")
    src = _source_for(rel, field)
    if src is None:
        raise LookupError(f"no reader layout for {rel}")
    opts = src.options()
    if field and field not in src.fields.values() and field != "output":
        # the label names a different text field of the same file (e.g. a chat model's
        # answer to the normal question in a MiP file): map it
        opts.field_map["reasoning"] = field.replace(".", "\\.")
    for item in read_traces([str(REALDATA / rel)], opts):
        if item.line == label["line"]:
            if isinstance(item, ReadError):
                raise ValueError(item.describe())
            return item
    raise LookupError(f"{rel}:{label['line']} not found")


def evaluate(config: Optional[Config] = None, files: Optional[List[Path]] = None
             ) -> Dict[str, object]:
    cfg = config or Config()
    rows = []
    for lab in load_labels(files):
        trace = load_trace(lab)
        res = analyze(trace, cfg)
        rows.append({"key": f"{lab['source']}:{lab['line']}", "set": lab["set"],
                     "gold": lab["label"],
                     "hard": lab.get("hard", False), "pred": res.label,
                     "loop_repeats": res.metrics.get("loop_repeats"),
                     "loop_repeat_units": res.metrics.get("loop_repeat_units"),
                     "topic_recurrence": res.metrics.get("topic_recurrence"),
                     "why": lab.get("why", "")})
    loops = [r for r in rows if r["gold"] == LOOP]
    others = [r for r in rows if r["gold"] != LOOP]
    caught = [r for r in loops if r["pred"] == LOOP]
    false_alarms = [r for r in others if r["pred"] == LOOP]
    return {"n": len(rows), "loops": len(loops), "others": len(others),
            "recall": len(caught) / len(loops) if loops else 1.0,
            "false_alarm_rate": len(false_alarms) / len(others) if others else 0.0,
            "misses": [r for r in loops if r["pred"] != LOOP],
            "false_alarms": false_alarms, "rows": rows}


def main(argv: List[str]) -> int:
    ignore = []
    if argv[:1] == ["--ignore"] and len(argv) == 2:
        ignore = argv[1].split(",")
    elif argv:
        print("usage: python tests/label_quality.py [--ignore CODE[,CODE...]]", file=sys.stderr)
        return 2
    res = evaluate(Config(ignore=ignore))
    print(f"{res['n']} labelled traces: {res['loops']} loops, {res['others']} not loops"
          + (f" (rules ignored: {', '.join(ignore)})" if ignore else ""))
    print(f"loops labelled degenerate-looping: {res['recall']:.1%}")
    print(f"non-loops labelled degenerate-looping: {res['false_alarm_rate']:.1%}")
    for name in ("reasoning", "chat", "pool"):
        rs = [r for r in res["rows"] if r["set"] == name]
        lp = [r for r in rs if r["gold"] == LOOP]
        ot = [r for r in rs if r["gold"] != LOOP]
        hit = sum(r["pred"] == LOOP for r in lp)
        fa = sum(r["pred"] == LOOP for r in ot)
        print(f"  labels_{name}: loops found {hit}/{len(lp)}, false alarms {fa}/{len(ot)}")
    for title, path in (("rule candidates read blind", CANDIDATES_FILE),
                        ("normal-run traces read blind", READINGS_FILE),
                        ("re-reading candidates and controls read blind", REREADING_FILE),
                        ("short diffuse-loop candidates and controls read blind",
                         SHORT_DIFFUSE_FILE),
                        ("random long traces read blind", RANDOM_FILE),
                        ("labelled traces re-read blind", RELABEL_FILE)):
        cand = evaluate(Config(ignore=ignore), [path])
        print(f"\n{title} ({path.name}, not in the figures above): "
              f"{cand['loops']} loops, {cand['recall']:.1%} labelled degenerate-looping; "
              f"{cand['others']} others, {cand['false_alarm_rate']:.1%}")
        for r in cand["misses"] + cand["false_alarms"]:
            print(f"  {r['key']}{' (hard)' if r['hard'] else ''}: predicted {r['pred']}")
    for title, key in (("misses", "misses"), ("false alarms", "false_alarms")):
        print(f"\n{title} ({len(res[key])}):")
        for r in res[key]:
            print(f"  {r['key']}{' (hard)' if r['hard'] else ''}: predicted {r['pred']}, "
                  f"densest stretch {r['loop_repeats']} repeats / {r['loop_repeat_units']} units, "
                  f"topic recurrence {r['topic_recurrence']}"
                  f"\n      label: {r['why'][:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
