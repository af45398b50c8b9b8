"""Derived facts (智能归类): a fact computed from other facts as of the evaluation date.

A derivation is JSON in the catalog, `{"years_since": "birth_date"}` (年龄), and is evaluated the
same way on one profile (rules/profile.py) and on columns (rules/columns_derived.py):

| op | inputs | value |
| --- | --- | --- |
| years_since | a date | whole years from the date to the evaluation date (周岁) |
| months_since | a date | whole months from the date to the evaluation date, never negative |
| years_since_year | a year (integer) | evaluation year minus the year |
| divide | two numbers | the first over the second, rounded down; unknown when the second is 0 |
| case | conditions | the value of the first case whose condition (a rule) holds, else `else` |

A case derivation classifies (智能归类): `{"case": [{"when": <rule>, "value": "small"}, …],
"else": "micro"}`. Its cases are tried in order; the first that holds gives the value; one that
cannot be decided (a fact it needs is missing) leaves the value unknown; when none holds, the
value is `else` (unknown without one). rules/classify.py evaluates it.

A value given outright in a profile (an override in the calculator) wins over the derivation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

OPS: dict[str, int] = {"years_since": 1, "months_since": 1, "years_since_year": 1, "divide": 2}
MAX_CASES = 100
OP_WORDS = {
    "years_since": "距今整年数",
    "months_since": "距今整月数",
    "years_since_year": "距今年数",
    "divide": "相除（向下取整）",
    "case": "分情形归类",
}


@dataclass(frozen=True)
class Derivation:
    """How a derived fact is computed: an operation over other facts of the same subject."""

    op: str
    inputs: tuple[str, ...]
    # case: (rule document, value) in order, and the value when none holds (None: unknown);
    # JSON documents, so not part of the hash
    cases: tuple[tuple[Any, Any], ...] = field(default=(), hash=False)
    otherwise: Any = field(default=None, hash=False)

    def to_document(self) -> dict[str, Any]:
        """Return the derivation as the catalog stores it."""
        if self.op == "case":
            doc: dict[str, Any] = {
                "case": [{"when": when, "value": value} for when, value in self.cases]
            }
            if self.otherwise is not None:
                doc["else"] = self.otherwise
            return doc
        return {self.op: self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)}


def read_derivation(doc: Any) -> Derivation:
    """Read a derivation document, or raise ValueError with a Chinese message (inputs are
    checked against the catalog by rules.catalog.Catalog)."""
    if isinstance(doc, dict) and "case" in doc:
        return _read_case(doc)
    if not isinstance(doc, dict) or len(doc) != 1 or next(iter(doc)) not in OPS:
        shown = "、".join([*OPS, "case"])
        raise ValueError(f"推算方式应为只含一个键的对象，键取 {shown} 之一")
    op, raw = next(iter(doc.items()))
    inputs = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, list) else ()
    if len(inputs) != OPS[op] or not all(isinstance(name, str) and name for name in inputs):
        raise ValueError(f"推算方式 {op} 需要 {OPS[op]} 个指标名")
    return Derivation(op, inputs)


def _read_case(doc: dict) -> Derivation:
    unknown = set(doc) - {"case", "else"}
    if unknown:
        raise ValueError(f"分情形归类不认识的字段：{'、'.join(sorted(unknown))}")
    cases = doc["case"]
    if not isinstance(cases, list) or not 1 <= len(cases) <= MAX_CASES:
        raise ValueError(f"case 应为 1–{MAX_CASES} 种情形的列表：[{{when, value}}, …]")
    read = []
    for index, case in enumerate(cases):
        if not isinstance(case, dict) or set(case) != {"when", "value"}:
            raise ValueError(f"case[{index}] 应为 {{when: 条件, value: 取值}}")
        if not isinstance(case["when"], dict) or case["value"] is None:
            raise ValueError(f"case[{index}] 的 when 应为条件对象，value 不能为空")
        read.append((case["when"], case["value"]))
    names: list[str] = []
    _named(cases, names)
    return Derivation("case", tuple(dict.fromkeys(names)), tuple(read), doc.get("else"))


def _named(doc: Any, names: list[str]) -> None:
    """Collect the fact names a rule document reads (its fact and other keys)."""
    if isinstance(doc, list):
        for item in doc:
            _named(item, names)
    elif isinstance(doc, dict):
        for key in ("fact", "other"):
            if isinstance(doc.get(key), str):
                names.append(doc[key])
        for key, value in doc.items():
            if key not in ("fact", "other", "value"):
                _named(value, names)


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
