"""Derived facts (智能归类): a fact computed from other facts as of the evaluation date.

A derivation is JSON in the catalog, `{"years_since": "birth_date"}` (年龄), and is evaluated the
same way on one profile (rules/profile.py) and on columns (rules/columns_derived.py):

| op | inputs | value |
| --- | --- | --- |
| years_since | a date | whole years from the date to the evaluation date (周岁) |
| months_since | a date | whole months from the date to the evaluation date, never negative |
| years_since_year | a year (integer) | evaluation year minus the year |
| divide | two numbers | the first over the second, rounded down; unknown when the second is 0 |

A value given outright in a profile (an override in the calculator) wins over the derivation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

OPS: dict[str, int] = {"years_since": 1, "months_since": 1, "years_since_year": 1, "divide": 2}
OP_WORDS = {
    "years_since": "距今整年数",
    "months_since": "距今整月数",
    "years_since_year": "距今年数",
    "divide": "相除（向下取整）",
}


@dataclass(frozen=True)
class Derivation:
    """How a derived fact is computed: an operation over other facts of the same subject."""

    op: str
    inputs: tuple[str, ...]

    def to_document(self) -> dict[str, Any]:
        """Return the derivation as the catalog stores it."""
        return {self.op: self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)}


def read_derivation(doc: Any) -> Derivation:
    """Read a derivation document, or raise ValueError with a Chinese message (inputs are
    checked against the catalog by rules.catalog.Catalog)."""
    if not isinstance(doc, dict) or len(doc) != 1 or next(iter(doc)) not in OPS:
        shown = "、".join(OPS)
        raise ValueError(f"推算方式应为只含一个键的对象，键取 {shown} 之一")
    op, raw = next(iter(doc.items()))
    inputs = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, list) else ()
    if len(inputs) != OPS[op] or not all(isinstance(name, str) and name for name in inputs):
        raise ValueError(f"推算方式 {op} 需要 {OPS[op]} 个指标名")
    return Derivation(op, inputs)


def full_years(start: date, end: date) -> int:
    """Return the whole years from start to end (周岁)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def full_months(start: date, end: date) -> int:
    """Return the whole months from start to end, never negative."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


def derive(derivation: Derivation, get: Any, as_of: date) -> Any:
    """Compute a derived value from the getter of the inputs; None when an input is missing."""
    values = [get(name) for name in derivation.inputs]
    if any(value is None for value in values):
        return None
    op = derivation.op
    if op == "years_since":
        return full_years(values[0], as_of)
    if op == "months_since":
        return full_months(values[0], as_of)
    if op == "years_since_year":
        return as_of.year - values[0]
    if op == "divide":
        numerator, denominator = values
        return None if not denominator else numerator // denominator
    raise KeyError(op)
