#!/usr/bin/env bash
# Memory-safe core (issue 7): build the compiled core in checked mode — Cython bounds and
# initialisation checks on, and AddressSanitizer when this machine's compiler has it — in a
# build directory of its own (build/checked: a copy of setup.py, src/ and tracelint/, so the
# generated src/_ngram.c and the in-place extension of the checkout are never touched), then
# run the kernel tests and the bounded kernel fuzz against that build.
#
#   bash scripts/checked_build.sh            # CI runs this (scripts/test.sh)
#   TRACELINT_ASAN=0 bash scripts/checked_build.sh     # bounds checks only
#
# ASan needs libasan loaded before the interpreter (CPython itself is not built with it):
# LD_PRELOAD=<gcc -print-file-name=libasan.so>, with detect_leaks=0 (CPython keeps memory
# until exit, which LeakSanitizer would report as leaks).  An out-of-bounds access in the
# kernels then ends the run with an ASan report and a non-zero exit code; with bounds checks
# it is an IndexError, which fails the test that hit it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PY=${PYTHON:-python}
D=${TRACELINT_CHECKED_DIR:-$ROOT/build/checked}
ASAN=${TRACELINT_ASAN:-auto}

rm -rf "$D"
mkdir -p "$D"
# setup.py defines the extension completely; pyproject.toml is left out because the venv's own
# setuptools (older than the >= 77 the build of the package asks for) rejects its SPDX licence
cp -r setup.py src tracelint "$D"/
find "$D/tracelint" \( -name '*.so' -o -name '__pycache__' \) -prune -exec rm -rf {} +
rm -f "$D/src/_ngram.c" "$D/src/_ngram.html"

LIBASAN=""
if [ "$ASAN" != "0" ]; then
    LIBASAN=$(${CC:-gcc} -print-file-name=libasan.so 2>/dev/null || true)
    if [ -z "$LIBASAN" ] || [ ! -e "$LIBASAN" ] || [ "$LIBASAN" = "libasan.so" ]; then
        [ "$ASAN" = "1" ] && { echo "checked build: no libasan for ${CC:-gcc}" >&2; exit 1; }
        echo "checked build: libasan not found; bounds checks only" >&2
        LIBASAN=""
    fi
fi

# the build needs Cython (pip builds the ordinary extension in an isolated environment, so a
# fresh .venv may not have it)
"$PY" -c "import Cython" 2>/dev/null || "$PY" -m pip install --quiet "Cython>=3.0"

t0=$(date +%s)
(cd "$D" && TRACELINT_CHECKED_BUILD=1 TRACELINT_ASAN=$([ -n "$LIBASAN" ] && echo 1 || echo 0) \
    "$PY" setup.py -q build_ext --inplace >"$D/build.log" 2>&1) || { tail -40 "$D/build.log"; exit 1; }
echo "checked build: compiled in $(( $(date +%s) - t0 )) s ($([ -n "$LIBASAN" ] && echo "bounds checks + AddressSanitizer" || echo "bounds checks"))"

RUN=(env TRACELINT_CHECKED_DIR="$D" TRACELINT_IMPLEMENTATION=cython)
if [ -n "$LIBASAN" ]; then
    RUN+=(LD_PRELOAD="$LIBASAN" ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:exitcode=86")
    # the extension is instrumented, and the preloaded runtime does catch an overflow
    so=$(ls "$D"/tracelint/_ngram*.so)
    nm -D "$so" | grep -q __asan_report || { echo "checked build: $so has no ASan checks" >&2; exit 1; }
    set +e
    "${RUN[@]}" "$PY" -c "import ctypes; libc = ctypes.CDLL(None); libc.malloc.restype = ctypes.c_void_p; ctypes.memset(libc.malloc(8), 0, 9)" 2>/dev/null
    rc=$?
    set -e
    [ "$rc" = 86 ] || { echo "checked build: ASan did not catch a heap overflow (exit $rc)" >&2; exit 1; }
fi
# The package is imported from $D before pytest starts, so every test uses the checked
# extension (checked below: a test run against the ordinary build would prove nothing).
"${RUN[@]}" "$PY" - "$@" <<'EOF'
import os, sys
d = os.environ["TRACELINT_CHECKED_DIR"]
sys.path.insert(0, d)
import tracelint._ngram as ext
import tracelint.ngram as ng
assert ext.__file__.startswith(d), f"not the checked build: {ext.__file__}"
assert ng.IMPLEMENTATION == "cython", ng.IMPLEMENTATION
print(f"checked build: testing {ext.__file__}", flush=True)
import pytest
# the kernels directly, the bounded fuzz, and every detector in process (their kernel calls on
# realistic and adversarial traces); the subprocess tests would not load the checked build
tests = ["tests/test_kernels.py", "tests/test_near_repeats.py", "tests/test_claims_kernels.py",
         "tests/hostile/test_fuzz_kernels.py", "tests/test_repetition.py",
         "tests/test_detectors_misc.py", "tests/test_paraphrase.py",
         "tests/test_grounding_detector.py", "tests/test_equations.py",
         "tests/hostile/test_grounding_adversarial.py"]
# left out to stay near 90 s: two tests whose time goes to the pure-Python twin (every code
# point through the twin's splitter; 10^5-unit inputs through the twin's matching_spans);
# the kernels they call are exercised by the other tests of the same files
skip = "not test_encode_units_every_code_point and not test_matching_spans_long"
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-x", "-k", skip, "-W",
                      "ignore::RuntimeWarning", *tests, *sys.argv[1:]]))
EOF
echo "checked build: done in $(( $(date +%s) - t0 )) s"
