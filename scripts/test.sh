#!/usr/bin/env bash
# The test command of the README (and of CI): set up .venv, then run the whole suite with the
# compiled core, and again with the pure-Python twin forced (TRACELINT_IMPLEMENTATION=python),
# skipping the slow real-data quality checks the second time (they test the detectors, not
# the kernels, and ran already).
set -euo pipefail
. "$(dirname "$0")/setup_env.sh"
python -c "import tracelint.ngram as n; assert n.IMPLEMENTATION == 'cython', 'compiled core not built'; print('compiled core: ok')"
python -m pytest -p no:cacheprovider tests
TRACELINT_IMPLEMENTATION=python python -m pytest -p no:cacheprovider -m "not realdata_quality" tests
