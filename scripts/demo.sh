#!/usr/bin/env bash
# Set up tracelint in .venv and score the bundled example traces.
set -euo pipefail
. "$(dirname "$0")/setup_env.sh"
echo "== tracelint score examples/traces.jsonl -o out/scores.jsonl"
mkdir -p out
# exit code 1 means "some trace is degenerate-looping" (the examples contain loops on purpose)
tracelint score examples/traces.jsonl -o out/scores.jsonl || [ $? -eq 1 ]
echo
echo "per-trace results: out/scores.jsonl; one rule's documentation: tracelint rule REP001"
