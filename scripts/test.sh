#!/usr/bin/env bash
# The test command of the README (and of CI): set up .venv, then run the whole suite with the
# compiled core, and again, with the pure-Python twin forced (TRACELINT_IMPLEMENTATION=python),
# every test whose result depends on the implementation: the kernels (which also compare the
# two directly), the detectors, the CLI and output determinism.  The rest (readers, report,
# pipelines, engines, large hostile inputs) does not touch the kernels differently and would
# only be slower.
set -euo pipefail
. "$(dirname "$0")/setup_env.sh"
python -c "import tracelint.ngram as n; assert n.IMPLEMENTATION == 'cython', 'compiled core not built'; print('compiled core: ok')"
python -m pytest -p no:cacheprovider tests
TRACELINT_IMPLEMENTATION=python python -m pytest -p no:cacheprovider -m "not realdata_quality" \
    tests/test_kernels.py tests/test_near_repeats.py tests/test_claims_kernels.py \
    tests/hostile/test_fuzz_kernels.py tests/hostile/test_determinism.py \
    tests/test_repetition.py tests/test_detectors_misc.py tests/test_cli.py \
    tests/test_grounding_claims.py tests/test_grounding_answer.py tests/test_grounding_detector.py
# Memory-safe core (issue 7): the kernels and the bounded kernel fuzz again, against a build
# with bounds checks and AddressSanitizer, in build/checked (about 90 s; docs/reliability.md).
timeout 900 bash scripts/checked_build.sh
