"""Vectorized evaluation: bound rules and amounts over Columns, equal to the scalar evaluator.

`evaluate_items(items, columns, as_of)` is what the matcher stores: per item, the eligible and
the unknown subjects (indices into the Columns) and their amounts. `verdicts()` gives one rule's
verdict per subject (rules.eligibility.Eligibility's numbers: 0 ineligible, 1 eligible, 2 unknown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from rules.amounts import Formula
from rules.columns import Columns
from rules.eligibility import Eligibility
from rules.item import ItemRules
from rules.language import Node
from rules.vector_amounts import Amounts, evaluate_amounts
from rules.vector_engine import DENSE_FRACTION, Engine

__all__ = ["Amounts", "ItemMatches", "amounts", "evaluate_items", "verdicts"]


@dataclass(frozen=True)
class ItemMatches:
    """One item's eligible and unknown subjects (ascending int32 indices) and their amounts."""

    eligible: np.ndarray
    unknown: np.ndarray
    eligible_amounts: Amounts | None  # None when the item gives no money
    unknown_amounts: Amounts | None

    def verdicts(self, size: int) -> np.ndarray:
        """Return the verdict of every subject as int8: 0 ineligible, 1 eligible, 2 unknown."""
        out = np.zeros(size, np.int8)
        out[self.eligible] = Eligibility.ELIGIBLE
        out[self.unknown] = Eligibility.UNKNOWN
        return out


def evaluate_items(
    items: Sequence[ItemRules],
    columns: Columns,
    as_of: date,
    *,
    dense_fraction: float = DENSE_FRACTION,
) -> list[ItemMatches]:
    """Evaluate every item over every subject as of a date, sharing work between the items."""
    for item in items:
        if item.kind != columns.kind:
            raise ValueError(f"事项面向 {item.kind}，数据为 {columns.kind}")
    bound = [item.at(as_of) for item in items]
    engine = Engine(columns, as_of, dense_fraction=dense_fraction)
    engine.plan(b.rule for b in bound)
    results = []
    for each in bound:
        eligible, unknown = engine.match(each.rule)
        results.append(
            ItemMatches(
                eligible.astype(np.int32),
                unknown.astype(np.int32),
                _amounts(each.amount, engine, eligible),
                _amounts(each.amount, engine, unknown),
            )
        )
    return results


def verdicts(
    rule: Node | None, columns: Columns, as_of: date, *, dense_fraction: float = DENSE_FRACTION
) -> np.ndarray:
    """Return one bound rule's verdict per subject as int8 (0 ineligible, 1 eligible, 2 unknown)."""
    engine = Engine(columns, as_of, dense_fraction=dense_fraction)
    eligible, unknown = engine.match(rule)
    out = np.zeros(columns.size, np.int8)
    out[eligible] = Eligibility.ELIGIBLE
    out[unknown] = Eligibility.UNKNOWN
    return out


def amounts(formula: Formula, columns: Columns, as_of: date, idx: np.ndarray) -> Amounts:
    """Work out a bound amount formula for the subjects at idx."""
    return evaluate_amounts(formula, Engine(columns, as_of), np.asarray(idx, np.intp))


def _amounts(formula: Formula | None, engine: Engine, idx: np.ndarray) -> Amounts | None:
    return None if formula is None else evaluate_amounts(formula, engine, idx)
