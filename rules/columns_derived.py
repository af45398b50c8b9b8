"""Derived facts over columns, as of the evaluation date: the formulas of rules/profile.py."""

from __future__ import annotations

from datetime import date

import numpy as np

from rules.columns import Column, Columns, civil


def derive_column(columns: Columns, name: str, as_of: date) -> Column:
    """Return a derived fact for every subject; a value given outright in a profile wins."""
    fact = columns.facts[name]
    derivation = fact.derivation
    if derivation is None:
        raise KeyError(f"{name} is not derived")
    if derivation.op == "case":
        from rules.classify import case_column  # classify runs the engine, which derives

        return _given(columns, name, case_column(columns, fact, as_of))
    op, inputs = derivation.op, [_input(columns, source, as_of) for source in derivation.inputs]
    if op == "years_since":
        values, present = _full_years(inputs[0], as_of)
    elif op == "months_since":
        values, present = _full_months(inputs[0], as_of)
    elif op == "years_since_year":
        values, present = as_of.year - inputs[0].values, inputs[0].present
    elif op == "divide":
        top, bottom = inputs
        present = top.present & bottom.present & (bottom.values != 0)
        values = top.values // np.where(present, bottom.values, 1)  # floor, as `//` does
    else:
        raise KeyError(f"no derivation {op}")
    return _given(columns, name, Column(fact, np.where(present, values, 0), present))


def _given(columns: Columns, name: str, derived: Column) -> Column:
    """Put the values given outright in profiles (an override of a derived fact) over it."""
    given = columns.stored(name)
    if given is None or given.given is None:
        return derived
    values = np.where(given.given, given.values, derived.values)
    present = np.where(given.given, given.present, derived.present)
    return Column(derived.fact, values, present)


def _input(columns: Columns, name: str, as_of: date) -> Column:
    """Return an input's column: stored, or itself derived."""
    if columns.facts[name].derived:
        return derive_column(columns, name, as_of)
    return columns.column(name)


def _full_years(born: Column, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Whole years from each date to as_of (周岁): by (month, day), as full_years does."""
    year, month, day = civil(born.values)
    later = (month > as_of.month) | ((month == as_of.month) & (day > as_of.day))
    return (as_of.year - year - later).astype(np.int32), born.present


def _full_months(since: Column, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Whole months from each date to as_of, never negative, as full_months does."""
    year, month, day = civil(since.values)
    months = (as_of.year - year) * 12 + as_of.month - month - (as_of.day < day)
    return np.maximum(months, 0).astype(np.int32), since.present
