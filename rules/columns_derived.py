"""Derived facts over columns, as of the evaluation date: the formulas of rules/profile.py."""

from __future__ import annotations

from datetime import date

import numpy as np

from rules.columns import Column, Columns, civil

DERIVED = (
    "age",
    "social_insurance_months",
    "years_since_graduation",
    "years_since_founding",
    "per_capita_income_fen",
)


def derive_column(columns: Columns, name: str, as_of: date) -> Column:
    """Return a derived fact for every subject; a value given outright in a profile wins."""
    fact = columns.facts[name]
    if name == "age":
        values, present = _full_years(columns.column("birth_date"), as_of)
    elif name == "years_since_founding":
        values, present = _full_years(columns.column("founded_on"), as_of)
    elif name == "social_insurance_months":
        values, present = _full_months(columns.column("social_insurance_since"), as_of)
    elif name == "years_since_graduation":
        year = columns.column("graduation_year")
        values, present = as_of.year - year.values, year.present
    elif name == "per_capita_income_fen":
        income, size = columns.column("household_income_fen"), columns.column("household_size")
        present = income.present & size.present & (size.values != 0)
        values = income.values // np.where(present, size.values, 1)  # floor, as `//` does
    else:
        raise KeyError(f"no derivation for {name}")
    values = np.where(present, values, 0)
    given = columns.stored(name)
    if given is not None and given.given is not None:  # an override of a derived fact
        values = np.where(given.given, given.values, values)
        present = np.where(given.given, given.present, present)
    return Column(fact, values, present)


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
