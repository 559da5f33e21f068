#!/usr/bin/env bash
# Set up tracelint in .venv and score the bundled example traces.
set -euo pipefail
. "$(dirname "$0")/setup_env.sh"
echo "== tracelint score examples/traces.jsonl -o out/scores.jsonl"
mkdir -p out
# exit code 1 means "some trace is degenerate-looping" (the examples contain loops on purpose);
# 2 would be an error
code=0
tracelint score examples/traces.jsonl -o out/scores.jsonl || code=$?
if [ "$code" -gt 1 ]; then
    echo "tracelint score failed (exit $code)" >&2
    exit "$code"
fi
echo
echo "== tracelint report examples/traces.jsonl --prices examples/prices.toml --html out/report.html --json out/report.json"
tracelint report examples/traces.jsonl --prices examples/prices.toml --html out/report.html --json out/report.json
echo
echo "per-trace results: out/scores.jsonl; report: out/report.html (open it in a browser), out/report.json"
echo "one rule's documentation: tracelint rule REP001"
