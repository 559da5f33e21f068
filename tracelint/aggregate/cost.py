"""Cost per attempt, expected cost per solved task, and "false economy" pairs.

Pure functions; no I/O (the price file is read by ``tracelint.report.prices``).  Prices are
USD per million tokens, input and output.

* cost of one attempt = (input_tokens * input_price + tokens * output_price) / 1e6, where
  ``tokens`` is the trace's output token count (reasoning included) and ``input_tokens`` the
  record's prompt tokens (else the documented estimate from the prompt text; a record with
  neither is priced on its output alone and counted in ``input_tokens_missing``);
* ``cost_per_attempt`` = the mean cost of the group's attempts;
* ``cost_per_solved`` = cost_per_attempt / accuracy (null when nothing was solved or the
  accuracy is unknown); both over every attempt, as A = C * A|C is (tracelint.aggregate.efficiency);
* a *false economy* pair (X, Y): X's list prices are no higher than Y's, input and output, and
  at least one is lower (X is unambiguously cheaper per token) — but X costs more per solved
  task than Y.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from .rows import TraceRow


class PriceError(ValueError):
    """A price table that cannot be used (wrong types, negative prices, alias loops)."""


@dataclass(frozen=True)
class Price:
    input: float   # USD per million input tokens
    output: float  # USD per million output tokens
    source: str = "prices file"

    def cheaper_than(self, other: "Price") -> bool:
        return (self.input <= other.input and self.output <= other.output
                and (self.input < other.input or self.output < other.output))


@dataclass
class PriceTable:
    models: Dict[str, Price] = field(default_factory=dict)
    aliases: Dict[str, str] = field(default_factory=dict)

    def lookup(self, model: Optional[str]) -> Optional[Price]:
        """The price of ``model``: exact name, alias, then the same without case and without
        a ``provider/`` prefix."""
        if not model:
            return None
        cands = [model, model.split("/", 1)[-1]]
        for c in cands:
            if c in self.models:
                return self.models[c]
            if c in self.aliases and self.aliases[c] in self.models:
                return self.models[self.aliases[c]]
        low = {k.lower(): v for k, v in self.models.items()}
        alow = {k.lower(): v for k, v in self.aliases.items()}
        for c in cands:
            c = c.lower()
            if c in low:
                return low[c]
            if c in alow and alow[c] in self.models:
                return self.models[alow[c]]
        return None


def _usd(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise PriceError(f"{where}: expected a non-negative number of USD per million tokens, got {v!r}")
    return float(v)


def parse_prices(data: Mapping[str, Any], source: str = "prices file") -> PriceTable:
    """A :class:`PriceTable` from the parsed TOML of a price file::

        [models."gpt-4o"]
        input = 2.50            # USD per million input tokens
        output = 10.00          # USD per million output tokens
        aliases = ["gpt-4o-2024-08-06", "openai/gpt-4o-2024-08-06"]

        [aliases]               # optional, alias = model
        "4o" = "gpt-4o"
    """
    table = PriceTable()
    models = data.get("models", {})
    if not isinstance(models, Mapping):
        raise PriceError(f"{source}: [models] must be a table")
    unknown = set(data) - {"models", "aliases"}
    if unknown:
        raise PriceError(f"{source}: unknown top-level key(s) {sorted(unknown)}; "
                         "prices go under [models.\"NAME\"]")
    for name, spec in models.items():
        where = f"{source}: models.{name}"
        if not isinstance(spec, Mapping):
            raise PriceError(f"{where} must be a table with input and output")
        extra = set(spec) - {"input", "output", "aliases"}
        if extra:
            raise PriceError(f"{where}: unknown key(s) {sorted(extra)}")
        if "input" not in spec or "output" not in spec:
            raise PriceError(f"{where}: needs both input and output (USD per million tokens)")
        table.models[str(name)] = Price(_usd(spec["input"], where + ".input"),
                                        _usd(spec["output"], where + ".output"), source)
        al = spec.get("aliases", [])
        if isinstance(al, str):
            al = [al]
        if not isinstance(al, list) or not all(isinstance(a, str) for a in al):
            raise PriceError(f"{where}.aliases must be a list of strings")
        for a in al:
            table.aliases[a] = str(name)
    aliases = data.get("aliases", {})
    if not isinstance(aliases, Mapping):
        raise PriceError(f"{source}: [aliases] must be a table of alias = model")
    for a, target in aliases.items():
        if not isinstance(target, str):
            raise PriceError(f"{source}: aliases.{a} must name a model")
        table.aliases[str(a)] = target
    for a, target in table.aliases.items():
        if target not in table.models:
            raise PriceError(f"{source}: alias {a!r} points to {target!r}, which has no price")
    return table


def attempt_cost(row: TraceRow, price: Price) -> float:
    """USD of one attempt."""
    inp = row.input_tokens or 0
    return (inp * price.input + row.tokens * price.output) / 1e6


def group_cost(rows: Sequence[TraceRow], table: Optional[PriceTable],
               accuracy: Optional[float]) -> Dict[str, Any]:
    """Cost figures of one group (every attempt counts, whatever its correctness)."""
    out: Dict[str, Any] = {"cost_per_attempt": None, "cost_per_solved": None, "price": None,
                           "unpriced_models": [], "input_tokens_missing": 0,
                           "input_token_source": None, "solves_nothing": accuracy == 0}
    if table is None or not rows:
        return out
    costs = []
    unpriced = set()
    prices = {}
    for r in rows:
        p = table.lookup(r.model)
        if p is None:
            unpriced.add(r.model or "(no model)")
            continue
        prices[r.model] = p
        costs.append(attempt_cost(r, p))
    out["unpriced_models"] = sorted(unpriced)
    out["input_tokens_missing"] = sum(1 for r in rows if r.input_tokens is None)
    srcs = sorted({r.input_token_source for r in rows if r.input_tokens is not None})
    out["input_token_source"] = srcs[0] if len(srcs) == 1 else ("mixed" if srcs else "none")
    if len(prices) == 1:
        p = next(iter(prices.values()))
        out["price"] = {"input": p.input, "output": p.output, "source": p.source}
    if unpriced or not costs:
        return out
    total = math.fsum(costs)
    if not math.isfinite(total):
        return out  # prices or counts too large for a float: no figure rather than inf
    out["cost_per_attempt"] = total / len(costs)
    if accuracy:
        out["cost_per_solved"] = out["cost_per_attempt"] / accuracy
    return out


def false_economy(groups: Mapping[Any, Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Pairs (cheaper, dearer): ``cheaper`` has lower list prices per token than ``dearer``
    but a higher cost per solved task.  ``groups`` maps a group key to its cost figures
    (:func:`group_cost`); a group solving nothing counts as infinitely dear per solved task, and
    a group whose accuracy is unknown (no trace of known correctness) takes no part."""
    items = []
    for k in sorted(groups):
        g = groups[k]
        if g.get("price") is None or g.get("cost_per_attempt") is None:
            continue
        p = g["price"]
        cps = g.get("cost_per_solved")
        if cps is None and not g.get("solves_nothing"):
            continue  # correctness unknown: no evidence either way
        items.append((k, Price(p["input"], p["output"]), math.inf if cps is None else cps))
    out = []
    for kx, px, cx in items:
        for ky, py, cy in items:
            if kx != ky and px.cheaper_than(py) and cx > cy:
                out.append({"cheaper_per_token": kx, "dearer_per_token": ky,
                            "cost_per_solved_cheaper": None if math.isinf(cx) else cx,
                            "cost_per_solved_dearer": cy,
                            "ratio": None if math.isinf(cx) else cx / cy if cy else None})
    return out
