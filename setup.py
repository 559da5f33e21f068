"""Build script: cythonizes src/_ngram.pyx into the extension module tracelint._ngram.

The compiled core is not optional by accident: if it fails to build, installation fails
loudly.  A pure-Python install (about 50x slower) must be asked for explicitly with
TRACELINT_PURE_PYTHON=1.  TRACELINT_CHECKED_BUILD=1 builds with bounds checking on (an
index out of range raises IndexError instead of reading or writing outside an array), and
TRACELINT_ASAN=1 adds AddressSanitizer (run it with libasan preloaded; scripts/checked_build.sh
does both, in a build directory of its own).
"""
import os

from setuptools import setup

ext_modules = []
if os.environ.get("TRACELINT_PURE_PYTHON", "") not in ("1", "true", "yes"):
    import numpy
    from Cython.Build import cythonize
    from setuptools import Extension

    checked = os.environ.get("TRACELINT_CHECKED_BUILD", "") in ("1", "true", "yes")
    asan = os.environ.get("TRACELINT_ASAN", "") in ("1", "true", "yes")
    compile_args = ["-O2"] if not checked else ["-O1", "-g"]
    link_args = []
    if asan:
        compile_args += ["-fsanitize=address", "-fno-omit-frame-pointer"]
        link_args += ["-fsanitize=address"]
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
                extra_compile_args=compile_args,
                extra_link_args=link_args,
            )
        ],
        compiler_directives=directives,
    )

setup(ext_modules=ext_modules)
