"""Configuration: which rules run and with which options.

Read from ``[tool.tracelint]`` in pyproject.toml or from tracelint.toml (top-level keys);
CLI flags override.  Keys:

* ``select`` / ``ignore``: lists of rule codes or code prefixes (``"REP"``, ``"NUM001"``).
  ``select`` replaces the default set; ``extend-select`` adds to it.
* ``[tool.tracelint.rules.CODE]``: option overrides for one rule (names as in ``tracelint rule CODE``).
* ``fail-on``: labels, flags or codes that make ``score`` exit 1.
* ``reject-on``: labels, flags or codes that ``filter`` and ``check`` reject.
* ``field``: canonical field -> dotted path map for the readers; ``set``: constants.
* ``think-open`` / ``think-close``: thinking delimiters.
* ``verbose-tokens``: the absolute verbosity threshold of the label (default 2000 tokens).
* ``verbose-basis``: ``"group"`` (default: relative to the traces of the same ``task`` where the
  input holds a large enough group, see tracelint/verbosity.py) or ``"absolute"``;
  ``verbose-group-ratio`` (2.0) and ``verbose-group-min`` (5) tune the group basis.
* ``tokenizer``: a Hugging Face ``tokenizer.json`` (or a directory holding one) that counts
  the tokens of a trace whose record reports none (else they are estimated; tracelint/tokens.py).
* ``max-text-chars``: the longest prompt, reasoning or answer text a record may have (default
  64,000,000 characters); a longer one makes the record an error naming the file, line and
  field instead of being analysed (docs/reliability.md: memory grows with the text).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

try:  # Python 3.11+
    import tomllib as _toml
except ModuleNotFoundError:  # pragma: no cover - 3.9/3.10
    import tomli as _toml  # type: ignore


#: Default of ``max-text-chars`` (tracelint.io.schema.DEFAULT_MAX_TEXT_CHARS, kept equal).
DEFAULT_MAX_TEXT_CHARS = 64_000_000


class ConfigError(Exception):
    """A configuration problem; the CLI reports it and exits 2."""


@dataclass
class Config:
    select: Optional[List[str]] = None
    extend_select: List[str] = field(default_factory=list)
    ignore: List[str] = field(default_factory=list)
    rule_options: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    fail_on: List[str] = field(default_factory=list)
    #: What ``filter``/``check`` reject (None: their default).
    reject_on: Optional[List[str]] = None
    field_map: Dict[str, str] = field(default_factory=dict)
    constants: Dict[str, Any] = field(default_factory=dict)
    think_open: str = "<think>"
    think_close: str = "</think>"
    #: Reasoning longer than this many tokens (reported, or estimated) is "verbose".
    verbose_tokens: int = 2000
    #: "group" (relative to the task group where one exists) or "absolute".
    verbose_basis: str = "group"
    #: Group basis: verbose at this multiple of the group's median tokens per work unit ...
    verbose_group_ratio: float = 2.0
    #: ... in a group of at least this many traces of the input.
    verbose_group_min: int = 5
    #: Set by a first pass over the inputs (tracelint.verbosity.with_group_baseline).
    group_baseline: Any = field(default=None, repr=False, compare=False)
    #: Longest text field (prompt, reasoning, answer) analysed, in characters.
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    #: A real tokenizer for token counts a record does not report (tracelint/tokens.py).
    tokenizer: Optional[str] = None
    source: Optional[str] = None
    _cache: Dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def reader_options(self):
        """The :class:`tracelint.io.ReaderOptions` this config implies."""
        from .io import ReaderOptions
        return ReaderOptions(field_map=dict(self.field_map), constants=dict(self.constants),
                             think_open=self.think_open, think_close=self.think_close,
                             max_text_chars=self.max_text_chars)

    def enabled(self, code: str) -> bool:
        """Whether rule ``code`` runs under this config."""
        key = ("enabled", code)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._enabled(code)
        return hit

    def _enabled(self, code: str) -> bool:
        from .rules import get_rule
        rule = get_rule(code)
        if any(code.startswith(p) for p in self.ignore):
            return False
        if self.select is not None:
            chosen = any(code.startswith(p) for p in self.select)
        else:
            chosen = rule.default_enabled
        return chosen or any(code.startswith(p) for p in self.extend_select)

    def option(self, code: str, name: str) -> Any:
        """Option ``name`` of rule ``code``: the configured value, else the rule default."""
        key = (code, name)
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = self._option(code, name)
            return value

    def _option(self, code: str, name: str) -> Any:
        from .rules import get_rule
        rule = get_rule(code)
        if name not in rule.options:
            raise KeyError(f"rule {code} has no option {name!r}")
        return self.rule_options.get(code, {}).get(name, rule.options[name])


def _as_list(value: Any, key: str, where: str) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{where}: '{key}' must be a string or a list of strings")


def _int_at_least(value: Any, least: int, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        what = "a positive integer" if least == 1 else f"an integer >= {least}"
        raise ConfigError(f"{where}: '{key}' must be {what}")
    return value


def from_mapping(data: Dict[str, Any], where: str = "<config>") -> Config:
    """Build a Config from the ``[tool.tracelint]`` table; unknown keys are an error."""
    from .rules import all_rules
    known_codes = {r.code: r for r in all_rules()}
    cfg = Config(source=where)
    for key, value in data.items():
        k = key.replace("_", "-")
        if k == "select":
            cfg.select = _as_list(value, key, where)
        elif k == "extend-select":
            cfg.extend_select = _as_list(value, key, where)
        elif k == "ignore":
            cfg.ignore = _as_list(value, key, where)
        elif k == "fail-on":
            cfg.fail_on = _as_list(value, key, where)
        elif k == "reject-on":
            cfg.reject_on = _as_list(value, key, where)
        elif k == "think-open":
            cfg.think_open = str(value)
        elif k == "think-close":
            cfg.think_close = str(value)
        elif k == "verbose-tokens":
            cfg.verbose_tokens = _int_at_least(value, 1, key, where)
        elif k == "verbose-basis":
            if value not in ("group", "absolute"):
                raise ConfigError(f"{where}: 'verbose-basis' must be \"group\" or \"absolute\"")
            cfg.verbose_basis = value
        elif k == "verbose-group-ratio":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ConfigError(f"{where}: 'verbose-group-ratio' must be a positive number")
            cfg.verbose_group_ratio = float(value)
        elif k == "verbose-group-min":
            cfg.verbose_group_min = _int_at_least(value, 2, key, where)
        elif k == "max-text-chars":
            cfg.max_text_chars = _int_at_least(value, 1, key, where)
        elif k == "tokenizer":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where}: 'tokenizer' must be a path (a tokenizer.json)")
            cfg.tokenizer = value
        elif k in ("field", "set"):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: '{key}' must be a table")
            target = cfg.field_map if k == "field" else cfg.constants
            target.update({str(a): b for a, b in value.items()})
        elif k == "rules":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: 'rules' must be a table of rule codes")
            for code, opts in value.items():
                rule = known_codes.get(code)
                if rule is None:
                    raise ConfigError(f"{where}: unknown rule code {code!r} in [rules]")
                if not isinstance(opts, dict):
                    raise ConfigError(f"{where}: rules.{code} must be a table")
                for name, v in opts.items():
                    if name not in rule.options:
                        raise ConfigError(
                            f"{where}: rule {code} has no option {name!r} "
                            f"(options: {', '.join(sorted(rule.options)) or 'none'})")
                    default = rule.options[name]
                    if isinstance(default, bool) != isinstance(v, bool) or (
                            isinstance(default, (int, float)) and not isinstance(v, (int, float))
                    ) or (isinstance(default, (str, list)) and not isinstance(v, type(default))):
                        raise ConfigError(
                            f"{where}: rules.{code}.{name} must be {type(default).__name__}")
                    check = rule.option_checks.get(name)
                    if check is not None and not check[0](v):
                        raise ConfigError(f"{where}: rules.{code}.{name} must be {check[1]}")
                    cfg.rule_options.setdefault(code, {})[name] = v
        else:
            raise ConfigError(f"{where}: unknown key {key!r}")
    for lst in (cfg.select or [], cfg.extend_select, cfg.ignore):
        for p in lst:
            if not any(c.startswith(p) for c in known_codes):
                raise ConfigError(f"{where}: {p!r} matches no rule code")
    return cfg


def load(path: Optional[str] = None, start: Optional[str] = None) -> Config:
    """Load config from ``path``, else the nearest tracelint.toml or pyproject.toml with a
    ``[tool.tracelint]`` table, searching upward from ``start`` (default: cwd)."""
    if path is not None:
        return _load_file(path)
    d = os.path.abspath(start or os.getcwd())
    while True:
        for name in ("tracelint.toml", "pyproject.toml"):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                cfg = _load_file(p, optional_table=(name == "pyproject.toml"))
                if cfg is not None:
                    return cfg
        parent = os.path.dirname(d)
        if parent == d:
            return Config()
        d = parent


def _load_file(path: str, optional_table: bool = False):
    try:
        with open(path, "rb") as fh:
            data = _toml.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except _toml.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.endswith("pyproject.toml"):
        table = data.get("tool", {}).get("tracelint")
        if table is None:
            return None if optional_table else Config(source=path)
    else:
        table = data.get("tool", {}).get("tracelint", data)
    return from_mapping(table, where=path)
