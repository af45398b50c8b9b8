"""Parameters with effective dates: the numbers rules and amounts use, and when each applies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeGuard

from rules.errors import RuleError
from rules.values import parse_date


@dataclass(frozen=True)
class Ref:
    """A reference to a parameter in a rule or an amount: {"param": name}."""

    name: str


@dataclass(frozen=True)
class Entry:
    """One value of a parameter and the dates it applies (until is included)."""

    start: date
    until: date | None
    value: Any
    ref: str


@dataclass(frozen=True)
class Param:
    """A named number (or date, or list) whose value depends on the date."""

    name: str
    label: str
    unit: str
    entries: tuple[Entry, ...]

    def entry_at(self, as_of: date) -> int | None:
        """Return the index of the entry in force on as_of, or None."""
        found = None
        for index, entry in enumerate(self.entries):
            if entry.start <= as_of and (entry.until is None or as_of <= entry.until):
                if found is None or entry.start >= self.entries[found].start:
                    found = index
        return found


class ParamMissing(Exception):
    """A parameter has no value on the evaluation date."""

    def __init__(self, name: str, as_of: date) -> None:
        super().__init__(f"参数「{name}」在 {as_of.isoformat()} 没有适用的取值")
        self.name = name
        self.as_of = as_of


class Params:
    """The parameters of one item version."""

    def __init__(self, params: dict[str, Param]) -> None:
        self.by_name = params

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def value_at(self, name: str, as_of: date) -> Any:
        """Return the parameter's value on as_of, or raise ParamMissing."""
        param = self.by_name[name]
        index = param.entry_at(as_of)
        if index is None:
            raise ParamMissing(name, as_of)
        return param.entries[index].value

    def epoch(self, as_of: date) -> tuple[int | None, ...]:
        """Return which entry of each parameter is in force: equal epochs, equal values."""
        return tuple(param.entry_at(as_of) for param in self.by_name.values())

    def resolve(self, value: Any, as_of: date) -> Any:
        """Replace Refs (also inside lists) with their values on as_of."""
        if isinstance(value, Ref):
            return self.value_at(value.name, as_of)
        if isinstance(value, tuple):
            return tuple(self.resolve(item, as_of) for item in value)
        return value


def is_ref(doc: Any) -> TypeGuard[dict[str, Any]]:
    """Tell whether a JSON value is a parameter reference."""
    return isinstance(doc, dict) and set(doc) == {"param"}


def parse_params(doc: Any, errors: list[RuleError]) -> Params:
    """Read the params document, appending any problem to errors."""
    params: dict[str, Param] = {}
    if doc in (None, {}):
        return Params(params)
    if not isinstance(doc, dict):
        errors.append(RuleError("$params", "参数应为对象：参数名 → {label, unit, values}"))
        return Params(params)
    for name, spec in doc.items():
        path = f"$params.{name}"
        if not isinstance(spec, dict) or not isinstance(spec.get("values"), list):
            errors.append(RuleError(path, f"参数「{name}」应包含 values 列表"))
            continue
        unknown = set(spec) - {"label", "unit", "values"}
        if unknown:
            errors.append(
                RuleError(path, f"参数「{name}」有不认识的字段：{'、'.join(sorted(unknown))}")
            )
        entries = [
            _entry(item, f"{path}.values[{i}]", errors) for i, item in enumerate(spec["values"])
        ]
        if not spec["values"]:
            errors.append(RuleError(f"{path}.values", f"参数「{name}」至少需要一个取值"))
        params[name] = Param(
            name=name,
            label=str(spec.get("label") or name),
            unit=str(spec.get("unit") or ""),
            entries=tuple(entry for entry in entries if entry is not None),
        )
    return Params(params)


def _entry(item: Any, path: str, errors: list[RuleError]) -> Entry | None:
    if not isinstance(item, dict) or "from" not in item or "value" not in item:
        errors.append(RuleError(path, "每个取值应写明 from（起始日期）和 value"))
        return None
    unknown = set(item) - {"from", "until", "value", "ref"}
    if unknown:
        errors.append(RuleError(path, f"不认识的字段：{'、'.join(sorted(unknown))}"))
    try:
        start = parse_date(item["from"])
        until = parse_date(item["until"]) if item.get("until") is not None else None
    except ValueError as exc:
        errors.append(RuleError(path, str(exc)))
        return None
    if until is not None and until < start:
        errors.append(RuleError(path, "until 不能早于 from"))
    value = item["value"]
    if isinstance(value, list):
        value = tuple(value)
    return Entry(start=start, until=until, value=value, ref=str(item.get("ref") or ""))
