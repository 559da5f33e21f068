"""Every rule documents itself, and docs/rules/ is generated from those docstrings."""
import subprocess
import sys
from pathlib import Path

from tracelint.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]


def test_every_rule_has_the_sections():
    codes, names = set(), set()
    for r in all_rules():
        assert r.code not in codes and r.name not in names, r.code
        codes.add(r.code)
        names.add(r.name)
        doc = r.doc()
        assert r.name and r.summary(), r.code
        for section in ("What", "Why", "Flagged example", "OK example"):
            assert section in doc, f"{r.code}: no '{section}' in its docstring"


def test_docs_rules_are_in_sync():
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
