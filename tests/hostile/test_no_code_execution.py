"""No code execution (issue 7): nothing in the package evaluates, unpickles or imports
anything derived from its input.  Checked on the source (every module of ``tracelint``):

* no call of ``eval``, ``exec``, ``compile`` (the built-in), ``__import__``, ``sympify``,
  ``parse_expr``, ``literal_eval``, ``os.system``, ``os.popen``; no ``shell=True``;
* no import of ``pickle``, ``cPickle``, ``marshal``, ``shelve``, ``dill``, ``yaml``,
  ``subprocess``, ``numexpr``;
* ``importlib.import_module`` only on names built from constants of the package (the command
  modules in cli.py, the detector modules in rules.py and analysis.py), never on data.

The HTML report's escaping of trace text is tested in headless Chromium by
tests/test_report_html.py::test_hostile_trace_shows_as_text.
"""
from __future__ import annotations

import ast
import os

import tracelint

PKG = os.path.dirname(tracelint.__file__)
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "sympify", "parse_expr",
                   "literal_eval", "system", "popen"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "yaml",
                     "subprocess", "numexpr"}
ALLOWED_COMPILE = {"re", "regex", "_re"}  # re.compile(...) is an attribute call, allowed


def sources():
    for d, _, files in os.walk(PKG):
        for f in sorted(files):
            if f.endswith(".py"):
                p = os.path.join(d, f)
                yield os.path.relpath(p, os.path.dirname(PKG)), ast.parse(
                    open(p, encoding="utf-8").read(), p)


def _constant_tuples(tree: ast.Module) -> set:
    consts = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Tuple, ast.List)) \
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                        for e in node.value.elts):
            consts |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return consts


def _constant_name_args(call: ast.Call, tree: ast.Module, package_consts=()) -> bool:
    """The argument of import_module is a constant, or an f-string / concatenation whose
    names are loop variables over module-level tuples / lists of string constants (of this
    module, or of the package: ``package_consts``)."""
    consts = _constant_tuples(tree) | set(package_consts)
    loop_vars = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)):
            it = node.iter
            if (isinstance(it, ast.Name) and it.id in consts) or (
                    isinstance(it, (ast.Tuple, ast.List)) and all(
                        isinstance(e, ast.Constant) for e in it.elts)):
                if isinstance(node.target, ast.Name):
                    loop_vars.add(node.target.id)
    names = {n.id for n in ast.walk(call.args[0]) if isinstance(n, ast.Name)}
    return bool(call.args) and names <= loop_vars


def test_nothing_evaluates_unpickles_or_imports_input():
    problems = []
    imports = []
    trees = list(sources())
    package_consts = set().union(*(_constant_tuples(t) for _, t in trees))
    for rel, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else (
                    f.attr if isinstance(f, ast.Attribute) else None)
                if name in FORBIDDEN_CALLS and not (
                        name == "compile" and isinstance(f, ast.Attribute)
                        and isinstance(f.value, ast.Name) and f.value.id in ALLOWED_COMPILE):
                    problems.append(f"{rel}:{node.lineno}: {name}()")
                for kw in node.keywords:
                    if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant)
                                                  and kw.value.value is False):
                        problems.append(f"{rel}:{node.lineno}: shell=")
                if name == "import_module":
                    imports.append(rel)
                    if not _constant_name_args(node, tree, package_consts):
                        problems.append(f"{rel}:{node.lineno}: import_module of a "
                                        f"non-constant name")
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] in FORBIDDEN_MODULES:
                        problems.append(f"{rel}:{node.lineno}: import {a.name}")
            elif isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.split(".")[0] in FORBIDDEN_MODULES and node.level == 0:
                problems.append(f"{rel}:{node.lineno}: from {node.module} import")
    assert problems == [], problems
    assert imports, "the import_module check found no call at all"


def test_the_check_catches_what_it_forbids():
    tree = ast.parse("import importlib\n"
                     "def f(rec):\n"
                     "    return importlib.import_module(rec['module'])\n")
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call))
    assert not _constant_name_args(call, tree)
    tree = ast.parse("import importlib\nMODS = ('a', 'b')\n"
                     "X = [importlib.import_module(f'pkg.{m}') for m in MODS]\n")
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call)
                and getattr(n.func, "attr", "") == "import_module")
    assert _constant_name_args(call, tree)
