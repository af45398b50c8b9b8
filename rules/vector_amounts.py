"""Amount formulas over arrays: the integer arithmetic of rules/amounts.py, subject by subject."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from rules.amounts import PERIODS, ROUND_TO, Formula, rate_fraction, round_to
from rules.columns import Column
from rules.language import Node
from rules.vector_kernels import compare
from rules.vector_masks import Subset


class Evaluator(Protocol):
    """What amounts need of the engine: a fact's column, a condition over some subjects."""

    def column(self, name: str) -> Column: ...

    def subset(self, node: Node, at: Subset) -> tuple[np.ndarray, np.ndarray]: ...


_LIMIT = 2**63


@dataclass(frozen=True)
class Amounts:
    """Amounts of some subjects: fen per period (0 where unknown) and where it is known."""

    fen: np.ndarray
    known: np.ndarray
    period: str

    @property
    def annual_fen(self) -> np.ndarray:
        """Return the expected value over the next 12 months (monthly × 12)."""
        return self.fen * PERIODS[self.period][1]


def evaluate_amounts(formula: Formula, engine: Evaluator, idx: np.ndarray) -> Amounts:
    """Work out a bound formula for the subjects at idx (ascending)."""
    fen, known = _value(formula, engine, idx)
    return Amounts(fen, known, formula.period)


def _value(formula: Formula, engine: Evaluator, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    count, kind = len(idx), formula.kind
    if kind == "fixed":
        return np.full(count, _fen(formula.fen), np.int64), np.ones(count, bool)
    if kind == "sum":
        total, known = np.zeros(count, np.int64), np.ones(count, bool)
        for part in formula.parts:
            fen, part_known = _value(part, engine, idx)
            total += fen
            known &= part_known
        return np.where(known, total, 0), known
    if kind == "choose":
        return _chosen(formula, engine, idx)
    assert formula.fact is not None
    source = engine.column(formula.fact.name)
    known = source.present.take(idx)
    values = source.values.take(idx)
    if kind == "per_unit":
        fen = _per_unit(formula, values.astype(np.int64))
    elif kind == "rate":
        fen = _rate(formula, values.astype(np.int64))
    else:
        fen = _tiers(formula, values)
    return np.where(known, fen, 0), known


def _chosen(formula: Formula, engine: Evaluator, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first case whose condition holds; unknown where an earlier case is undecided."""
    fen, known = np.zeros(len(idx), np.int64), np.ones(len(idx), bool)
    open_ = np.ones(len(idx), bool)  # not yet decided by an earlier case
    for branch in formula.branches:
        if not open_.any():
            break
        at = np.flatnonzero(open_)
        passed, unknown = engine.subset(branch.when, Subset(idx[at]))
        chosen = at[passed]
        if len(chosen):
            part_fen, part_known = _value(branch.formula, engine, idx[chosen])
            fen[chosen], known[chosen] = part_fen, part_known
        known[at[unknown]] = False
        open_[at[passed | unknown]] = False
    rest = np.flatnonzero(open_)
    if formula.otherwise is not None and len(rest):
        fen[rest], known[rest] = _value(formula.otherwise, engine, idx[rest])
    return np.where(known, fen, 0), known


def _fen(value: Any) -> int:
    """Return an amount parameter that must be integer fen, or raise TypeError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"金额应为整数（单位：分），收到 {value!r}")
    return value


def _per_unit(formula: Formula, units: np.ndarray) -> np.ndarray:
    if formula.max_units is not None:
        units = np.minimum(units, min(_fen(formula.max_units), _LIMIT - 1))
    units = np.maximum(units, 0)
    unit_fen = _fen(formula.unit_fen)
    if len(units) and int(units.max()) * abs(unit_fen) >= _LIMIT:
        raise OverflowError("金额超出 int64 分的范围")
    return units * np.int64(unit_fen)


def _rate(formula: Formula, base: np.ndarray) -> np.ndarray:
    """base × rate rounded as the formula says (half up, away from zero, by default), exactly,
    then floor and cap."""
    numerator, denominator = rate_fraction(formula.rate)
    if formula.rounding != "half_up" or formula.to != "fen":
        return _limits(formula, _rounded(formula, base, numerator, denominator))
    sign = np.sign(base) * (1 if numerator >= 0 else -1)
    magnitude, multiplier = np.abs(base), abs(numerator)
    largest = int(magnitude.max()) if len(magnitude) else 0
    if (largest // denominator + 1) * multiplier < _LIMIT and 2 * denominator * multiplier < _LIMIT:
        # |base| = q·d + r, so round(|base|·m / d) = q·m + round(r·m / d), all within int64.
        whole, rest = np.divmod(magnitude, denominator)
        rounded = (2 * rest * multiplier + denominator) // (2 * denominator)
        fen = sign * (whole * multiplier + rounded)
    else:
        exact = [(2 * int(v) * multiplier + denominator) // (2 * denominator) for v in magnitude]
        if exact and max(exact) >= _LIMIT:
            raise OverflowError("金额超出 int64 分的范围")
        fen = sign * np.array(exact, np.int64)
    return _limits(formula, fen)


def _rounded(formula: Formula, base: np.ndarray, numerator: int, denominator: int) -> np.ndarray:
    """base × numerator / denominator rounded to the unit (floor, ceiling or half up), exactly:
    as rules.amounts.round_to does, in int64 where it fits, else in Python integers."""
    unit = ROUND_TO[formula.to][1]
    scaled = denominator * unit
    largest = int(np.abs(base).max()) if len(base) else 0
    if (largest + 1) * (abs(numerator) + 1) * 4 < _LIMIT and 4 * scaled < _LIMIT:
        product = base * np.int64(numerator)
        if formula.rounding == "floor":
            return product // scaled * unit
        if formula.rounding == "ceiling":
            return -(-product // scaled) * unit
        sign = np.where(product < 0, -1, 1)
        return sign * ((2 * np.abs(product) + scaled) // (2 * scaled)) * unit
    exact = [round_to(int(v) * numerator, denominator, formula.rounding, unit) for v in base]
    if exact and max(abs(v) for v in exact) >= _LIMIT:
        raise OverflowError("金额超出 int64 分的范围")
    return np.array(exact, np.int64)


def _limits(formula: Formula, fen: np.ndarray) -> np.ndarray:
    if formula.floor_fen is not None:
        fen = np.maximum(fen, _fen(formula.floor_fen))
    if formula.cap_fen is not None:
        fen = np.minimum(fen, _fen(formula.cap_fen))
    return fen


def _tiers(formula: Formula, values: np.ndarray) -> np.ndarray:
    """The first tier whose bounds (included) hold; none: 0."""
    whole = values.dtype.kind in "iu"
    values = values.astype(np.int64 if whole else np.float64)
    chosen, fens = [], []
    for tier in formula.tiers:
        hit = np.ones(len(values), bool)
        if tier.low is not None:
            hit &= _holds(values, ">=", tier.low, whole)
        if tier.high is not None:
            hit &= _holds(values, "<=", tier.high, whole)
        chosen.append(hit)
        fens.append(_fen(tier.fen))
    if not chosen:
        return np.zeros(len(values), np.int64)
    return np.select(chosen, fens, 0).astype(np.int64)


def _holds(values: np.ndarray, op: str, bound: Any, whole: bool) -> np.ndarray:
    """values >= / <= bound, exact for integers against a fractional bound too."""
    if whole and isinstance(bound, float):
        if math.isnan(bound):
            return np.zeros(len(values), bool)
        if math.isinf(bound):
            return np.full(len(values), (bound < 0) == (op == ">="))
        bound = math.ceil(bound) if op == ">=" else math.floor(bound)
    return compare(values, op, bound)
