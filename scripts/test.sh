#!/usr/bin/env bash
# The test command of the README: the whole suite with the compiled core, then the suite
# again with the pure-Python twin forced (TRACELINT_IMPLEMENTATION=python), skipping the
# slow real-data quality tests the second time (they test detectors, not kernels).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pytest -q -p no:cacheprovider tests
TRACELINT_IMPLEMENTATION=python python -m pytest -q -p no:cacheprovider -m "not realdata_quality" tests
