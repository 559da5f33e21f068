"""Price sources for ``tracelint report --prices``: a TOML price file, and — only when the
``genai-prices`` package happens to be installed — its database for models the file does not
price.  The package is optional and never required; its version is recorded in the report."""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Tuple

try:  # Python 3.11+
    import tomllib as _toml
except ModuleNotFoundError:  # pragma: no cover - 3.9/3.10
    import tomli as _toml  # type: ignore

from ..aggregate.cost import Price, PriceError, PriceTable, parse_prices


def load_prices(path: str) -> PriceTable:
    """Read and validate a price file (format: docs/report.md, "Prices")."""
    try:
        with open(path, "rb") as fh:
            data = _toml.load(fh)
    except FileNotFoundError:
        raise PriceError(f"cannot read price file {path!r}: no such file") from None
    except _toml.TOMLDecodeError as exc:
        raise PriceError(f"price file {path!r} is not valid TOML: {exc}") from None
    return parse_prices(data, source=path)


def genai_prices_version() -> Optional[str]:
    try:
        import genai_prices  # noqa: F401
    except Exception:
        return None
    try:
        from importlib.metadata import version
        return version("genai-prices")
    except Exception:
        return "unknown"


def _genai_price(model: str) -> Optional[Price]:
    """USD per million input / output tokens of ``model`` from genai-prices, or ``None``."""
    try:
        from genai_prices import Usage, calc_price
    except Exception:
        return None
    name = model.split("/", 1)[-1]
    try:
        pin = calc_price(Usage(input_tokens=1_000_000, output_tokens=0), model_ref=name)
        pout = calc_price(Usage(input_tokens=0, output_tokens=1_000_000), model_ref=name)
        return Price(float(pin.total_price), float(pout.total_price),
                     f"genai-prices {genai_prices_version()}")
    except Exception:
        return None


def fill_from_database(table: Optional[PriceTable], models: Iterable[Optional[str]]
                       ) -> Tuple[Optional[PriceTable], Dict[str, Any]]:
    """Price the models ``table`` lacks from genai-prices when it is installed.  Returns the
    (possibly new) table and a note for the report: which database, which version, which
    models it priced."""
    version = genai_prices_version()
    note: Dict[str, Any] = {"database": None, "database_version": None,
                            "priced_from_database": []}
    if version is None:
        return table, note
    note["database"] = "genai-prices"
    note["database_version"] = version
    if table is None:
        table = PriceTable()
    for m in sorted({m for m in models if m}):
        if table.lookup(m) is None:
            p = _genai_price(m)
            if p is not None:
                table.models[m] = p
                note["priced_from_database"].append(m)
    return table, note
