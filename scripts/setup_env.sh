# Sourced by demo.sh and test.sh: create .venv (once) and install tracelint into it from this
# checkout, building the Cython core.  Re-running is cheap: pip skips what is installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e ".[test]"
