"""Build script: cythonizes src/_ngram.pyx into the extension module tracelint._ngram.

The compiled core is not optional by accident: if it fails to build, installation fails
loudly.  A pure-Python install (about 50x slower) must be asked for explicitly with
TRACELINT_PURE_PYTHON=1.  TRACELINT_CHECKED_BUILD=1 builds with bounds checking on.
"""
import os

from setuptools import setup

ext_modules = []
if os.environ.get("TRACELINT_PURE_PYTHON", "") not in ("1", "true", "yes"):
    import numpy
    from Cython.Build import cythonize
    from setuptools import Extension

    checked = os.environ.get("TRACELINT_CHECKED_BUILD", "") in ("1", "true", "yes")
    directives = {
        "language_level": 3,
        "boundscheck": checked,
        "wraparound": False,
        "initializedcheck": checked,
        "cdivision": True,
        "embedsignature": True,
    }
    ext_modules = cythonize(
        [
            Extension(
                "tracelint._ngram",
                ["src/_ngram.pyx"],
                include_dirs=[numpy.get_include()],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                extra_compile_args=["-O2"] if not checked else ["-O1", "-g"],
            )
        ],
        compiler_directives=directives,
    )

setup(ext_modules=ext_modules)
