"""``python -m tracelint``: the same command line as the ``tracelint`` script."""
import sys

from tracelint.cli import main

sys.exit(main())
