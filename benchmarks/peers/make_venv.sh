#!/usr/bin/env bash
# A separate virtual environment with tracelint (compiled core) and the benchmark peers, for
# when installing the peers next to the project's own environment is not wanted or conflicts.
#
#   bash benchmarks/peers/make_venv.sh [VENV]      # default: $TRACELINT_BENCH_CACHE/venv-bench
#   VENV/bin/python benchmarks/run.py              # then run the suite with it
#
# The peers are the `bench` extra of pyproject.toml (datatrove, spaCy, pydivsufsort); rapidfuzz
# is a runtime dependency already.  datatrove's GopherRepetitionFilter splits English words with
# spaCy's blank "en" pipeline, which needs no model download, so the suite runs offline.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${TRACELINT_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracelint-bench}"
VENV="${1:-$CACHE/venv-bench}"
PY="${PYTHON:-python3}"

"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip "setuptools>=77" wheel "Cython>=3.0" "numpy>=1.24"
"$VENV/bin/python" -m pip install -q --no-build-isolation -e "$ROOT[bench]"
"$VENV/bin/python" - <<'PY'
import importlib.util
for mod in ("tracelint", "datatrove", "spacy", "pydivsufsort", "rapidfuzz"):
    print(f"{mod:14s}", "ok" if importlib.util.find_spec(mod) else "MISSING")
from tracelint import ngram
print("tracelint core:", ngram.IMPLEMENTATION)
PY
echo "run the suite with: $VENV/bin/python $ROOT/benchmarks/run.py"
