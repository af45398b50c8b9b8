"""One subject's facts, typed, with derived facts computed as of the evaluation date."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from rules.catalog import Fact, Facts
from rules.values import coerce

_MISSING = object()


def full_years(start: date, end: date) -> int:
    """Return the whole years from start to end (周岁)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def full_months(start: date, end: date) -> int:
    """Return the whole months from start to end, never negative."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


def derive(name: str, get: Any, as_of: date) -> Any:
    """Compute a derived fact from the getter of stored facts; None when an input is missing."""
    if name == "age":
        born = get("birth_date")
        return None if born is None else full_years(born, as_of)
    if name == "social_insurance_months":
        since = get("social_insurance_since")
        return None if since is None else full_months(since, as_of)
    if name == "years_since_graduation":
        year = get("graduation_year")
        return None if year is None else as_of.year - year
    if name == "years_since_founding":
        founded = get("founded_on")
        return None if founded is None else full_years(founded, as_of)
    if name == "per_capita_income_fen":
        income, size = get("household_income_fen"), get("household_size")
        return None if income is None or not size else income // size
    raise KeyError(f"no derivation for {name}")


class Profile:
    """Typed access to a subject's facts; a value that is absent, null or malformed is missing."""

    __slots__ = ("as_of", "facts", "_raw", "_typed")

    def __init__(
        self,
        facts: Facts,
        raw: Mapping[str, Any],
        as_of: date,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        self.facts = facts
        self.as_of = as_of
        self._raw = {**raw, **overrides} if overrides else raw
        self._typed: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        """Return the typed value of a fact, or None when it is missing."""
        value = self._typed.get(name, _MISSING)
        if value is _MISSING:
            value = self._load(name)
            self._typed[name] = value
        return value

    def _load(self, name: str) -> Any:
        fact = self.facts[name]
        if fact.derived:
            if name in self._raw and self._raw[name] is not None:  # an override of a derived fact
                return self._coerce(fact, self._raw[name])
            return derive(name, self.get, self.as_of)
        raw = self._raw.get(name)
        return None if raw is None else self._coerce(fact, raw)

    @staticmethod
    def _coerce(fact: Fact, raw: Any) -> Any:
        try:
            return coerce(fact, raw)
        except ValueError:
            return None
