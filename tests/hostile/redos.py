"""ReDoS probe (issue 7, "no hang"): every regular expression of the tracelint package, run on
adversarial strings built from the pattern itself, must take time linear in the length of the
string.

Collection (:func:`collect`):

* compiled patterns (``re`` and ``regex``) bound at module level — directly or inside a
  tuple, list, set or dict — or as class attributes, in every module of the package;
* pattern literals in the source: every call ``re.X(...)`` / ``regex.X(...)`` (``compile``,
  ``search``, ``match``, ``fullmatch``, ``findall``, ``finditer``, ``sub``, ``subn``,
  ``split``) whose pattern argument evaluates from constants and module-level names (so the
  patterns compiled inside functions are found too).  Patterns built at run time from data
  (``re.escape`` of a user delimiter) cannot be collected; :func:`collect` lists them as
  ``dynamic``.

Adversarial strings (:func:`families`): ``unit * n + tail`` for every unit in a pool made of
each literal character of the pattern, a representative of each character class it uses, a
sample of the body of each of its repeats (``(?:\\d+,)*`` -> ``0,``), each pair of adjacent
literal characters, and common characters (letters, digits, space, newline, punctuation,
backslash, braces, non-ASCII); tails ``\\x00`` and ``"\\n!"`` (a near-match that fails at
the end).  The pattern is applied as the code applies it (:attr:`Probe.method`): ``match`` /
``fullmatch`` when every use in the source is anchored, else a scan with ``finditer`` over the
whole string (a search that fails at every start position included).

Growth (:func:`growth`): not an absolute time.  Process CPU time at ``n`` and ``4 n``
characters gives the exponent ``log(t(4n) / t(n)) / log 4``: about 1 for a linear pattern,
2 for a quadratic one, far more for an exponential one.  A ladder at tiny sizes (8, 14, 20
units) comes first, so that an exponential pattern is seen before it can hang the probe; then
a quick look at 512, 2,048 and 8,192 characters; only a family that looks super-linear there
is timed carefully (minimum of several runs, sizes chosen so that the larger run takes a few
milliseconds, at most 131,072 characters), twice, and fails only if both exponents exceed
:data:`MAX_EXPONENT` (1.5).  Load on the machine slows runs down, it does not make a
super-linear pattern look linear.
"""
from __future__ import annotations

import ast
import importlib
import math
import os
import pkgutil
import re
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

try:
    import re._parser as sre_parse  # Python >= 3.11
    import re._constants as sre_c
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse  # type: ignore
    import sre_constants as sre_c  # type: ignore

import regex

RE_PATTERN = type(re.compile(""))
REGEX_PATTERN = type(regex.compile(""))
CALLS = {"compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "subn",
         "split"}
MODULE_ALIASES = {"re": re, "_re": re, "regex": regex}

COMMON = list(" \t\naAzZ09.,-_\\{}()[]$*#=:;/%^\"'!?+<>|&@~`é中\u00a0\u2003\x00")
MAX_UNITS = int(os.environ.get("TRACELINT_REDOS_UNITS", "80"))
TAILS = ("\x00", "\n!")


@dataclass
class Probe:
    where: str                 # "module.NAME" or "path:line"
    pattern: Any               # the compiled pattern
    sources: List[str] = field(default_factory=list)
    #: how the code applies it: "scan" (search, findall, finditer, sub, split, or unknown:
    #: a compiled pattern), "match" or "fullmatch" (anchored at the start of the string)
    method: str = "scan"

    @property
    def id(self) -> str:
        return self.where


def _walk_modules(pkg_name: str = "tracelint"):
    pkg = importlib.import_module(pkg_name)
    yield pkg_name, pkg
    for info in pkgutil.walk_packages(pkg.__path__, pkg_name + "."):
        if info.name.endswith(".__main__"):  # runs the command line when imported
            continue
        try:
            mod = importlib.import_module(info.name)
        except ImportError:  # an optional extra (datatrove) that is not installed
            continue
        yield info.name, mod


def _patterns_in(value: Any, depth: int = 0):
    if isinstance(value, (RE_PATTERN, REGEX_PATTERN)):
        yield value
    elif depth < 2 and isinstance(value, (tuple, list, set, frozenset)):
        for v in value:
            yield from _patterns_in(v, depth + 1)
    elif depth < 2 and isinstance(value, dict):
        for v in value.values():
            yield from _patterns_in(v, depth + 1)


def _key(p, method: str = "scan") -> Tuple[str, str, int, str]:
    return (type(p).__module__, p.pattern if isinstance(p.pattern, str) else repr(p.pattern),
            p.flags, method)


def _eval_const(node: ast.AST, namespace: Dict[str, Any]) -> Any:
    """The value of an expression made of constants, module-level names and operators;
    raises ``ValueError`` for anything else (a call, a local variable)."""
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Call, ast.Lambda, ast.Await, ast.Yield, ast.NamedExpr)):
            if not (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
                    and isinstance(sub.func.value, ast.Name)
                    and sub.func.value.id in ("re", "regex") and sub.func.attr == "escape"
                    and all(isinstance(a, ast.Constant) for a in sub.args)):
                raise ValueError("not a constant expression")
        if isinstance(sub, ast.Name) and sub.id not in namespace:
            raise ValueError(f"{sub.id} is not a module-level name")
    code = compile(ast.Expression(node), "<pattern>", "eval")
    return eval(code, dict(namespace))  # noqa: S307 - our own source, constants only


def _uses(mod) -> Dict[str, set]:
    """For each module-level name: the methods called on it in the module's source
    (``_NUM.match(s)`` -> {"match"}); a name passed anywhere else gets "other"."""
    path = getattr(mod, "__file__", None)
    if not path or not path.endswith(".py"):
        return {}
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    out: Dict[str, set] = {}
    calls = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name):
            out.setdefault(node.func.value.id, set()).add(node.func.attr)
            calls.add(id(node.func.value))
    for node in ast.walk(tree):  # any other use (passed on, stored, returned): unknown
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and \
                id(node) not in calls:
            out.setdefault(node.id, set()).add("other")
    return out


def collect(pkg_name: str = "tracelint") -> Tuple[List[Probe], List[str]]:
    """(probes, dynamic): every distinct pattern of the package, and where a pattern is built
    from run-time data (not collectable)."""
    found: Dict[Tuple[str, str, int], Probe] = {}
    dynamic: List[str] = []
    base = os.path.dirname(list(importlib.import_module(pkg_name).__path__)[0])

    bound = set()

    def add(p, where, method="scan"):
        bound.add(_key(p)[:3])
        k = _key(p, method)
        if k in found:
            found[k].sources.append(where)
        else:
            found[k] = Probe(where, p, [where], method)

    for name, mod in _walk_modules(pkg_name):
        ns = vars(mod)
        uses = _uses(mod)
        for attr, value in list(ns.items()):
            for p in _patterns_in(value):
                used = uses.get(attr)
                anchored = bool(used) and used <= {"match", "fullmatch"} and p is value
                add(p, f"{name}.{attr}", "match" if anchored else "scan")
            if isinstance(value, type) and value.__module__ == name:
                for cattr, cvalue in vars(value).items():
                    for p in _patterns_in(cvalue):
                        add(p, f"{name}.{attr}.{cattr}")
        path = getattr(mod, "__file__", None)
        if not path or not path.endswith(".py"):
            continue
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
        rel = os.path.relpath(path, base)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in MODULE_ALIASES and node.func.attr in CALLS
                    and node.args):
                continue
            lib = MODULE_ALIASES[node.func.value.id]
            if ns.get(node.func.value.id, lib) is not lib:
                continue  # a module-level name that is something else
            if node.func.value.id not in ns and node.func.value.id != lib.__name__:
                continue  # "_re" not bound at module level: not known to be re
            where = f"{rel}:{node.lineno}"
            flags_node = None
            flag_pos = 1 if node.func.attr == "compile" else (
                3 if node.func.attr in ("sub", "subn", "split") else 2)
            if len(node.args) > flag_pos:
                flags_node = node.args[flag_pos]
            for kw in node.keywords:
                if kw.arg == "flags":
                    flags_node = kw.value
            env = {"re": re, "regex": regex, **ns}  # "import re" inside a function too
            try:
                pat = _eval_const(node.args[0], env)
                flags = _eval_const(flags_node, env) if flags_node is not None else 0
            except ValueError:
                dynamic.append(where)
                continue
            if isinstance(pat, (RE_PATTERN, REGEX_PATTERN)):
                continue  # a compiled pattern passed on: collected where it is bound
            compiled = lib.compile(pat, flags)
            if node.func.attr == "compile" and _key(compiled)[:3] in bound:
                continue  # bound at module level: collected there, with how it is used
            method = node.func.attr if node.func.attr in ("match", "fullmatch") else "scan"
            add(compiled, where, method)
    return sorted(found.values(), key=lambda p: p.where), sorted(set(dynamic))


# ------------------------------------------------------------------------------------------
# adversarial strings

_CAT_REP = {
    sre_c.CATEGORY_DIGIT: "0", sre_c.CATEGORY_NOT_DIGIT: "a", sre_c.CATEGORY_SPACE: " ",
    sre_c.CATEGORY_NOT_SPACE: "a", sre_c.CATEGORY_WORD: "a", sre_c.CATEGORY_NOT_WORD: "!",
    sre_c.CATEGORY_LINEBREAK: "\n", sre_c.CATEGORY_NOT_LINEBREAK: "a",
}


def _class_rep(items) -> str:
    negate = any(op is sre_c.NEGATE for op, _ in items)
    members = []
    for op, av in items:
        if op is sre_c.LITERAL:
            members.append(chr(av))
        elif op is sre_c.RANGE:
            members.append(chr(av[0]))
        elif op is sre_c.CATEGORY:
            members.append(_CAT_REP.get(av, "a"))
    if not negate:
        return members[0] if members else "a"
    for c in "a0 !x\x00":
        if c not in members:
            return c
    return "\x01"


def _sample(items) -> str:
    """A short string the parsed sub-pattern ``items`` matches (best effort: look-arounds
    and back-references are skipped)."""
    out = []
    for op, av in items:
        if op is sre_c.LITERAL:
            out.append(chr(av))
        elif op is sre_c.NOT_LITERAL:
            out.append("a" if av != ord("a") else "b")
        elif op is sre_c.ANY:
            out.append("a")
        elif op is sre_c.IN:
            out.append(_class_rep(av))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT",
                                                                  None)):
            lo, _, body = av
            out.append(_sample(body) * max(lo, 1))
        elif op is sre_c.SUBPATTERN:
            out.append(_sample(av[-1]))
        elif op is getattr(sre_c, "ATOMIC_GROUP", None):
            out.append(_sample(av))
        elif op is sre_c.BRANCH:
            out.append(_sample(av[1][0]))
    return "".join(out)


def _walk(items, visit):
    for op, av in items:
        visit(op, av)
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT",
                                                                None)):
            _walk(av[2], visit)
        elif op is sre_c.SUBPATTERN:
            _walk(av[-1], visit)
        elif op is getattr(sre_c, "ATOMIC_GROUP", None):
            _walk(av, visit)
        elif op is sre_c.BRANCH:
            for alt in av[1]:
                _walk(alt, visit)
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            _walk(av[1], visit)


def units(pattern) -> List[str]:
    """The pool of repeated units for ``pattern`` (see the module docstring)."""
    pool: List[str] = list(COMMON)
    src = pattern.pattern
    if isinstance(src, str):
        try:
            tree = sre_parse.parse(src, pattern.flags & ~regex.VERSION1
                                   if isinstance(pattern, REGEX_PATTERN) else pattern.flags)
        except Exception:  # a regex-only syntax (\p{..}, set operations): text only
            tree = None
        if tree is not None:
            lits: List[str] = []

            def visit(op, av):
                if op is sre_c.LITERAL:
                    lits.append(chr(av))
                elif op is sre_c.IN:
                    pool.append(_class_rep(av))
                    for o, a in av:
                        if o is sre_c.LITERAL:
                            lits.append(chr(a))
                        elif o is sre_c.RANGE:
                            lits.extend((chr(a[0]), chr(a[1])))
                elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
                    s = _sample(av[2])
                    if s:
                        pool.append(s)
                elif op is sre_c.BRANCH:
                    for alt in av[1]:
                        s = _sample(alt)
                        if s:
                            pool.append(s)
            _walk(list(tree), visit)
            pool.extend(lits)
            pool.extend(a + b for a, b in zip(lits, lits[1:]))
        else:
            pool.extend(c for c in src if not c.isspace())
    seen, out = set(), []
    for u in pool:
        if u and u not in seen and len(u) <= 16:
            seen.add(u)
            out.append(u)
    return out[:MAX_UNITS]


def families(pattern) -> List[Tuple[str, str]]:
    return [(u, t) for u in units(pattern) for t in TAILS]


# ------------------------------------------------------------------------------------------
# timing (process CPU time: other processes on the machine slow a run down less than they
# stretch its wall-clock time)

_clock = time.process_time


def _scan(pattern, s: str, method: str = "scan") -> None:
    if method == "match":
        pattern.match(s)
    elif method == "fullmatch":
        pattern.fullmatch(s)
    else:
        for _ in pattern.finditer(s):
            pass


def _text(unit: str, tail: str, chars: int) -> str:
    return unit * max(1, -(-chars // len(unit))) + tail


def _time(pattern, unit: str, tail: str, chars: int, repeat: int, method: str = "scan"
          ) -> float:
    s = _text(unit, tail, chars)
    best = math.inf
    for _ in range(repeat):
        t0 = _clock()
        _scan(pattern, s, method)
        best = min(best, _clock() - t0)
    return best


@dataclass
class Growth:
    unit: str
    tail: str
    chars: int      # the smaller size; the larger one is 4 times as long
    t_n: float
    t_4n: float

    @property
    def exponent(self) -> float:
        return math.log(max(self.t_4n, 1e-9) / max(self.t_n, 1e-9)) / math.log(4)

    def __str__(self) -> str:
        return (f"n^{self.exponent:.2f} on {self.unit!r} * n + {self.tail!r}: "
                f"{self.t_n * 1e3:.2f} ms at {self.chars:,} characters, "
                f"{self.t_4n * 1e3:.2f} ms at {4 * self.chars:,}")


QUICK_CHARS = int(os.environ.get("TRACELINT_REDOS_CHARS", "2048"))
MAX_EXPONENT = 1.5


def growth(pattern, unit: str, tail: str, method: str = "scan") -> Optional[Growth]:
    """None when the string family is harmless, else the growth measured between ``n`` and
    ``4 n`` characters (see the module docstring)."""
    # tiny sizes first: an exponential pattern shows here, before it can hang the probe
    sizes = [8 * len(unit), 14 * len(unit), 20 * len(unit)]
    tiny = [_time(pattern, unit, tail, n, 3, method=method) for n in sizes]
    if tiny[-1] > 1e-3 and tiny[-1] > 20 * tiny[0]:
        # exponent over a 2.5x size step, stated as the 4x ratio it implies
        return Growth(unit, tail, sizes[0], tiny[0],
                      tiny[0] * (tiny[-1] / tiny[0]) ** (math.log(4) / math.log(2.5)))
    # a quick look at n and 4 n; only a family that looks super-linear is timed carefully
    # (a slow one already at n / 4 characters goes straight to the careful timing)
    n = QUICK_CHARS // 4
    t = _time(pattern, unit, tail, n, 1, method=method)
    if t < 5e-3:
        n = QUICK_CHARS
        t = _time(pattern, unit, tail, n, 2, method=method)
        if t < 5e-3:
            quick = Growth(unit, tail, n, t,
                           _time(pattern, unit, tail, 4 * n, 1, method=method))
            if quick.exponent <= MAX_EXPONENT - 0.2 or quick.t_4n < 2e-4:
                return None
            n, t = 4 * n, quick.t_4n
    while t > 0.05 and n > 256:   # keep the larger run short
        n //= 2
        t = _time(pattern, unit, tail, n, 1, method=method)
    # and long enough to time, up to 131,072 characters: beyond that, the regex engine's
    # backtracking stack outgrows the allocator's small blocks and one size step costs a
    # one-time jump (measured: 4.8 ms at 262,144 characters, 43 ms at 524,288, 78 ms at
    # 1,048,576 for a linear pattern), which a 4x ratio across it would call quadratic
    while t < 8e-3 and n < 1 << 17:
        n *= 2
        t = _time(pattern, unit, tail, n, 1, method=method)
    lo = max(n // 4, 1)
    return Growth(unit, tail, lo, _time(pattern, unit, tail, lo, 5, method=method),
                  _time(pattern, unit, tail, lo * 4, 3, method=method))


def worst(pattern, method: str = "scan") -> Optional[Growth]:
    """The first string family on which ``pattern`` grows faster than
    ``n ** MAX_EXPONENT`` — measured twice, both times above the limit, so that one noisy
    timing does not fail a linear pattern — or None."""
    for unit, tail in families(pattern):
        g = growth(pattern, unit, tail, method)
        if g is not None and g.exponent > MAX_EXPONENT:
            g2 = growth(pattern, unit, tail, method)  # confirm
            if g2 is not None and g2.exponent > MAX_EXPONENT:
                return g if g.exponent < g2.exponent else g2
    return None


if __name__ == "__main__":  # pragma: no cover - a report of every pattern
    import sys
    probes, dyn = collect()
    print(f"{len(probes)} distinct patterns; dynamic (not collectable): {', '.join(dyn)}")
    t0 = time.perf_counter()
    for p in probes:
        t1 = time.perf_counter()
        w = worst(p.pattern, p.method)
        dt = time.perf_counter() - t1
        status = "ok" if w is None else f"SUPER-LINEAR {w}"
        print(f"{p.where:45s} {p.method:9s} {len(families(p.pattern)):4d} families "
              f"{dt:6.2f}s  {status}", flush=True)
    print(f"total {time.perf_counter() - t0:.1f}s", file=sys.stderr)
