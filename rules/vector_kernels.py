"""One condition as a test over encoded value arrays (whole columns or gathered subsets)."""

from __future__ import annotations

import operator
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from rules.catalog import Fact, FactType
from rules.columns import Column, to_days
from rules.evaluate import window_start
from rules.language import Condition

Test = Callable[..., np.ndarray]
OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_MAX_RANGES = 4  # more ranges than this: one lookup-table gather instead of many compares


@dataclass(frozen=True)
class Kernel:
    """What a condition reads (one or two facts) and how it tests their values."""

    facts: tuple[str, ...]
    test: Test | None  # None for exists / missing, which look only at presence
    op: str


def compile_kernel(condition: Condition, as_of: date, column: Callable[[str], Column]) -> Kernel:
    """Return the kernel of a bound condition; `column` gives the evaluation columns."""
    name, op = condition.fact.name, condition.op
    if op in ("exists", "missing", "has"):
        return Kernel((name,), None, op)
    if condition.other is not None:
        other = condition.other.name
        return Kernel((name, other), _pair_test(op, column(name), column(other)), op)
    return Kernel((name,), _value_test(condition, as_of, column(name)), op)


def compare(values: np.ndarray, op: str, bound: Any) -> np.ndarray:
    """Compare an array with a scalar; an integer bound beyond the array's dtype is resolved."""
    if values.dtype.kind in "iu" and isinstance(bound, int | np.integer):
        info = np.iinfo(values.dtype)
        if bound > info.max or bound < info.min:
            truth = op in ("!=", "<", "<=") if bound > info.max else op in ("!=", ">", ">=")
            return np.full(len(values), truth)
        bound = values.dtype.type(bound)
    return OPS[op](values, bound)


def in_ranges(values: np.ndarray, ranges: list[tuple[int, int]]) -> np.ndarray:
    """Tell which values fall in any of the half-open ranges [low, high)."""
    if not ranges:
        return np.zeros(len(values), bool)
    low, high = ranges[0]
    hit = compare(values, ">=", low) & compare(values, "<", high)
    for low, high in ranges[1:]:
        hit |= compare(values, ">=", low) & compare(values, "<", high)
    return hit


def merge_ranges(points: Iterable[int]) -> list[tuple[int, int]]:
    """Return sorted integers as half-open ranges of consecutive runs."""
    ranges: list[tuple[int, int]] = []
    for point in sorted(set(points)):
        if ranges and ranges[-1][1] == point:
            ranges[-1] = (ranges[-1][0], point + 1)
        else:
            ranges.append((point, point + 1))
    return ranges


def _membership(ranges: list[tuple[int, int]], domain: int | None) -> Test:
    """Return a test for membership of ranges: compares, or one table gather when many."""
    if len(ranges) <= _MAX_RANGES:
        return lambda v: in_ranges(v, ranges)
    if domain is not None:  # enum ranks and code indices: a table over the whole domain
        table = np.zeros(domain + 1, bool)
        for low, high in ranges:
            table[max(low, 0) : max(min(high, domain), 0)] = True
        return lambda v: table.take(v)
    points = np.array([p for low, high in ranges for p in range(low, high)], np.int64)
    return lambda v: np.isin(v, points)


def code_ranges(dictionary: tuple[str, ...], prefixes: Iterable[str]) -> list[tuple[int, int]]:
    """Return the dictionary ranges of codes starting with any prefix (sorted dictionary)."""
    points: list[int] = []
    for prefix in prefixes:
        low = bisect_left(dictionary, prefix)
        high = bisect_left(dictionary, prefix + "\U0010ffff")
        points.extend(range(low, high))
    return merge_ranges(points)


def _encode(fact: Fact, value: Any) -> Any:
    """Return a condition value in the column encoding (dates as days, enums by rank)."""
    if fact.type is FactType.DATE:
        return to_days(value)
    if fact.type is FactType.ENUM:
        return fact.rank(value)
    return value


def _value_test(condition: Condition, as_of: date, column: Column) -> Test:
    fact, op, value = condition.fact, condition.op, condition.value
    if op == "between":
        low, high = _encode(fact, value[0]), _encode(fact, value[1])
        return lambda v: compare(v, ">=", low) & compare(v, "<=", high)
    if op == "within_last":
        start, end = to_days(window_start(as_of, *value)), to_days(as_of)
        return lambda v: compare(v, ">", start) & compare(v, "<=", end)
    if op in ("before", "after"):
        return _compare_test("<" if op == "before" else ">", to_days(value))
    if op == "in_year":
        year = as_of.year + value
        if fact.type is FactType.YEAR:
            return _compare_test("==", year)
        start, end = to_days(date(year, 1, 1)), to_days(date(year + 1, 1, 1))
        return lambda v: compare(v, ">=", start) & compare(v, "<", end)
    if op in ("years_since", "months_since"):
        return _since_test(condition, as_of)
    if op in ("has_any", "has_all", "has_none"):
        mask = sum(1 << fact.rank(tag) for tag in value)
        if op == "has_all":
            return lambda v: (v & v.dtype.type(mask)) == v.dtype.type(mask)
        hit = op == "has_any"
        return lambda v: ((v & v.dtype.type(mask)) != 0) == hit
    if fact.type is FactType.CODE:  # in / not_in by prefix, == / != exactly
        if op in ("in", "not_in"):
            ranges = code_ranges(column.dictionary, value)
        else:
            ranges = _exact(column.dictionary, value)
        test = _membership(ranges, len(column.dictionary))
        return test if op in ("in", "==") else _negated(test)
    if op in ("in", "not_in"):
        domain = len(fact.values) if fact.type is FactType.ENUM else None
        test = _membership(merge_ranges(_encode(fact, item) for item in value), domain)
        return test if op == "in" else _negated(test)
    if fact.type is FactType.BOOLEAN:
        keep = (op == "==") == bool(value)
        return (lambda v: v.copy()) if keep else (lambda v: ~v)
    return _compare_test(op, _encode(fact, value))


FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


def _since_test(condition: Condition, as_of: date) -> Test:
    """Whole years or months from each date to a day, compared with a count, as date bounds:
    at least n whole years (months) have passed exactly when the date is on or before the day
    n years (months) back, clamped to the month's end (rules.derivations.full_years)."""
    compare_to, count = condition.value
    on = condition.on or as_of
    if condition.fact.type is FactType.YEAR:  # on.year - v compared with count
        return _compare_test(FLIPPED[compare_to], on.year - count)
    unit = "years" if condition.op == "years_since" else "months"

    def at_least(n: int) -> Test:
        if unit == "months" and n <= 0:  # whole months are never negative
            return lambda v: np.ones(len(v), bool)
        bound = to_days(window_start(on, unit, n))
        return lambda v: compare(v, "<=", bound)

    if compare_to == ">=":
        return at_least(count)
    if compare_to == ">":
        return at_least(count + 1)
    if compare_to == "<":
        return _negated(at_least(count))
    if compare_to == "<=":
        return _negated(at_least(count + 1))
    low, high = at_least(count), at_least(count + 1)
    if compare_to == "==":
        return lambda v: low(v) & ~high(v)
    return lambda v: ~low(v) | high(v)


def _exact(dictionary: tuple[str, ...], code: str) -> list[tuple[int, int]]:
    position = bisect_left(dictionary, code)
    found = position < len(dictionary) and dictionary[position] == code
    return [(position, position + 1)] if found else []


def _compare_test(op: str, bound: Any) -> Test:
    return lambda v: compare(v, op, bound)


def _negated(test: Test) -> Test:
    return lambda v: ~test(v)


def _pair_test(op: str, left: Column, right: Column) -> Test:
    """Compare two facts of one type; codes are first mapped into the left dictionary."""
    compare_arrays = OPS[op]
    if left.fact.type is not FactType.CODE or left.dictionary == right.dictionary:
        return compare_arrays
    position = {code: index for index, code in enumerate(left.dictionary)}
    remap = np.array([position.get(code, -1) for code in right.dictionary] + [-1], np.int32)
    return lambda a, b: compare_arrays(a, remap.take(b))
