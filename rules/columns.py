"""Many subjects of one kind as columns: per fact, encoded values and a present mask.

Encodings (missing is never zero: `present` says which values count):
integer and money int64, decimal float64, boolean bool, date int32 days since 1970-01-01,
enum int8 rank in catalog order (ordered enums compare by it), tags uint64 bitmask in catalog
order, code int32 index into a sorted tuple of distinct strings (a prefix is then a range).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from rules.catalog import NUMERIC, Fact, Facts, FactType
from rules.values import coerce

EPOCH = date(1970, 1, 1).toordinal()
FIRST_DAY, LAST_DAY = date.min.toordinal() - EPOCH, date.max.toordinal() - EPOCH
DTYPES: dict[FactType, type] = {
    FactType.INTEGER: np.int64,
    FactType.MONEY: np.int64,
    FactType.DECIMAL: np.float64,
    FactType.PERCENT: np.float64,
    FactType.YEAR: np.int64,
    FactType.BOOLEAN: np.bool_,
    FactType.DATE: np.int32,
    FactType.ENUM: np.int8,
    FactType.TAGS: np.uint64,
    FactType.CODE: np.int32,
}
_CODE = re.compile(r"^[0-9A-Z]{1,12}$")
_INT64 = (-(2**63), 2**63 - 1)


def to_days(day: date) -> int:
    """Return a date as days since 1970-01-01."""
    return day.toordinal() - EPOCH


def from_days(days: int) -> date:
    """Return the date that is `days` after 1970-01-01."""
    return date.fromordinal(int(days) + EPOCH)


@dataclass(frozen=True, eq=False)
class Column:
    """One fact over many subjects: encoded values, where they are present, a code dictionary."""

    fact: Fact
    values: np.ndarray
    present: np.ndarray
    dictionary: tuple[str, ...] = ()
    given: np.ndarray | None = None  # a derived fact given outright: where it was (even if bad)

    def take(self, indices: np.ndarray) -> Column:
        """Return the column for the subjects at `indices`, in that order."""
        given = None if self.given is None else self.given.take(indices)
        return Column(
            self.fact, self.values.take(indices), self.present.take(indices), self.dictionary, given
        )


class Columns:
    """A columnar snapshot of many subjects of one kind."""

    def __init__(self, facts: Facts, size: int, columns: Mapping[str, Column]) -> None:
        self.kind = facts.kind
        self.size = size
        self.facts = facts
        self._columns = dict(columns)
        for name, column in self._columns.items():
            if len(column.values) != size or len(column.present) != size:
                raise ValueError(f"column {name} holds {len(column.values)} values, not {size}")

    def __len__(self) -> int:
        return self.size

    @property
    def names(self) -> tuple[str, ...]:
        """Return the names of the facts held (stored facts and given derived ones)."""
        return tuple(self._columns)

    def stored(self, name: str) -> Column | None:
        """Return the column held for a fact, or None when no subject has it."""
        return self._columns.get(name)

    def column(self, name: str) -> Column:
        """Return a stored fact's column; all missing when no subject has the fact."""
        found = self._columns.get(name)
        if found is not None:
            return found
        fact = self.facts[name]
        empty: np.ndarray = np.zeros(self.size, DTYPES[fact.type])
        return Column(fact, empty, np.zeros(self.size, bool))

    def take(self, indices: np.ndarray) -> Columns:
        """Return the subjects at `indices`, in that order."""
        indices = np.asarray(indices, np.intp)
        taken = {name: column.take(indices) for name, column in self._columns.items()}
        return Columns(self.facts, len(indices), taken)

    def row(self, index: int) -> dict[str, Any]:
        """Return one subject's facts as a profile would hold them (present values only)."""
        return {
            name: decode(column, index)
            for name, column in self._columns.items()
            if column.present[index]
        }

    @classmethod
    def from_profiles(cls, facts: Facts, profiles: Sequence[Mapping[str, Any]]) -> Columns:
        """Encode fact dicts, coercing each value as rules/profile.py does: malformed is missing."""
        columns = {}
        for fact in facts.values():
            raws = [profile.get(fact.name) for profile in profiles]
            given = np.fromiter((raw is not None for raw in raws), bool, len(raws))
            if fact.derived and not given.any():
                continue  # derived facts are computed, unless some profile gives them outright
            typed = [None if raw is None else _coerced(fact, raw) for raw in raws]
            column = _encode(fact, typed)
            if fact.derived:
                column = Column(fact, column.values, column.present, given=given)
            columns[fact.name] = column
        return cls(facts, len(profiles), columns)

    @classmethod
    def from_arrays(
        cls, facts: Facts, arrays: Mapping[str, Sequence[Any]], size: int | None = None
    ) -> Columns:
        """Take ready arrays: name -> (values, present) or, for codes, (values, present, dict)."""
        columns = {}
        for name, spec in arrays.items():
            fact = facts.get(name)
            if fact is None or fact.derived:
                raise ValueError(f"「{name}」不是{facts.kind}的存储指标")
            values, present, *rest = spec
            columns[name] = _canonical(fact, np.asarray(values), np.asarray(present), *rest)
        if size is None:
            size = len(next(iter(columns.values())).values) if columns else 0
        return cls(facts, size, columns)


def _coerced(fact: Fact, raw: Any) -> Any:
    try:
        return coerce(fact, raw)
    except ValueError:
        return None


def _encode(fact: Fact, typed: list[Any]) -> Column:
    """Encode typed values (None = missing) of one fact."""
    kind = fact.type
    if kind in (FactType.INTEGER, FactType.MONEY, FactType.YEAR):
        # Beyond int64 cannot be encoded; such a value counts as malformed (missing).
        typed = [v if v is None or _INT64[0] <= v <= _INT64[1] else None for v in typed]
    present = np.fromiter((value is not None for value in typed), bool, len(typed))
    dictionary: tuple[str, ...] = ()
    if kind is FactType.DATE:
        raw: list[Any] = [0 if v is None else to_days(v) for v in typed]
    elif kind is FactType.ENUM:
        ranks = {value: rank for rank, value in enumerate(fact.values)}
        raw = [0 if v is None else ranks[v] for v in typed]
    elif kind is FactType.TAGS:
        bits = {value: 1 << rank for rank, value in enumerate(fact.values)}
        raw = [0 if v is None else sum(bits[tag] for tag in v) for v in typed]
    elif kind is FactType.CODE:
        dictionary = tuple(sorted({v for v in typed if v is not None}))
        positions = {code: index for index, code in enumerate(dictionary)}
        raw = [0 if v is None else positions[v] for v in typed]
    else:
        raw = [0 if v is None else v for v in typed]
    values: np.ndarray = np.array(raw, DTYPES[kind]) if raw else np.zeros(0, DTYPES[kind])
    return Column(fact, values, present, dictionary)


def _canonical(
    fact: Fact, values: np.ndarray, present: np.ndarray, dictionary: Sequence[str] = ()
) -> Column:
    """Cast ready arrays to the fact's encoding; values it cannot hold become missing."""
    kind, dtype = fact.type, DTYPES[fact.type]
    if values.shape != present.shape or values.ndim != 1:
        raise ValueError(f"「{fact.label}」的 values 与 present 长度不同")
    fractional = kind in (FactType.DECIMAL, FactType.PERCENT)
    accepted = "b" if kind is FactType.BOOLEAN else "iuf" if fractional else "iu"
    if values.dtype.kind not in accepted and len(values):
        raise ValueError(f"「{fact.label}」应为 {np.dtype(dtype).name}，收到 {values.dtype}")
    present = present.astype(bool)
    if kind is FactType.CODE:
        values, present, dictionary = _sorted_codes(values, present, dictionary)
    # Check in a wide type before narrowing: an enum rank of 300 must not wrap to 44.
    small = kind in (FactType.ENUM, FactType.DATE, FactType.CODE)
    wide: np.ndarray = values.astype(np.int64 if small else np.float64 if fractional else dtype)
    ok = np.ones(len(values), bool)
    if kind is FactType.ENUM:
        ok = (wide >= 0) & (wide < len(fact.values))
    elif kind is FactType.TAGS:
        ok = wide >> np.uint64(len(fact.values)) == 0
    elif kind is FactType.DATE:
        ok = (wide >= FIRST_DAY) & (wide <= LAST_DAY)
    elif kind in (*NUMERIC, FactType.YEAR):
        if fact.minimum is not None:
            ok &= ~(wide < fact.minimum)  # NaN passes, as in rules/values.py
        if fact.maximum is not None:
            ok &= ~(wide > fact.maximum)
    present = present & ok
    values = np.where(present, wide, 0).astype(dtype)
    return Column(fact, values, present, tuple(dictionary))


def _sorted_codes(
    values: np.ndarray, present: np.ndarray, dictionary: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Re-index codes into a sorted dictionary of distinct valid codes (so a prefix is a range)."""
    entries = list(dictionary)
    valid = sorted({code for code in entries if isinstance(code, str) and _CODE.match(code)})
    position = {code: index for index, code in enumerate(valid)}
    remap = np.array([position.get(code, -1) for code in entries] + [-1], np.int32)
    values = values.astype(np.int64)
    inside = (values >= 0) & (values < len(entries))
    mapped = remap.take(np.where(inside, values, len(entries)))
    return np.where(mapped >= 0, mapped, 0), present & (mapped >= 0), tuple(valid)


def decode(column: Column, index: int) -> Any:
    """Return the JSON value of one present entry."""
    fact, value = column.fact, column.values[index]
    kind = fact.type
    if kind is FactType.DATE:
        return from_days(value).isoformat()
    if kind is FactType.ENUM:
        return fact.values[int(value)]
    if kind is FactType.TAGS:
        return [tag for rank, tag in enumerate(fact.values) if int(value) >> rank & 1]
    if kind is FactType.CODE:
        return column.dictionary[int(value)]
    if kind is FactType.BOOLEAN:
        return bool(value)
    return float(value) if kind in (FactType.DECIMAL, FactType.PERCENT) else int(value)


def civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (year, month, day) of day numbers, in integer arithmetic (proleptic Gregorian)."""
    z = days.astype(np.int64) + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day
