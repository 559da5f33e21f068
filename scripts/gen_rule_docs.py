"""Write docs/rules/: one page per rule, generated from the rule classes' docstrings (the
docstring is the documentation; this only lays it out).  ``--check`` exits 1 when the pages
are out of date (a test runs it)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracelint.rules import all_rules  # noqa: E402

OUT = ROOT / "docs" / "rules"


def pages() -> dict:
    out = {}
    index = ["# Rules", "", "| code | name | detector | default | summary |", "|---|---|---|---|---|"]
    for r in all_rules():
        body = [f"# {r.code} — {r.name}", "", f"Detector: `{r.detector}`. "
                f"Enabled by default: {'yes' if r.default_enabled else 'no'}.", ""]
        if r.options:
            body.append("Defaults: " + ", ".join(f"`{k} = {v!r}`" for k, v in r.options.items()))
            body.append("")
        body.append(r.doc())
        body.append("")
        body.append(f"Configure in `pyproject.toml`: `[tool.tracelint.rules.{r.code}]`; "
                    f"print this page with `tracelint rule {r.code}`.")
        out[f"{r.code}.md"] = "\n".join(body) + "\n"
        index.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.detector} | "
                     f"{'on' if r.default_enabled else 'off'} | {r.summary()} |")
    out["README.md"] = "\n".join(index) + "\n"
    return out


def main(argv) -> int:
    want = pages()
    if "--check" in argv:
        stale = [n for n, t in want.items() if not (OUT / n).exists() or (OUT / n).read_text() != t]
        extra = [p.name for p in OUT.glob("*.md") if p.name not in want] if OUT.exists() else []
        if stale or extra:
            print(f"docs/rules out of date: {stale + extra}; run python scripts/gen_rule_docs.py")
            return 1
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for p in OUT.glob("*.md"):
        if p.name not in want:
            p.unlink()
    for name, text in want.items():
        (OUT / name).write_text(text)
    print(f"wrote {len(want)} pages to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
