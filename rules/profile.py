"""One subject's facts, typed, with derived facts computed as of the evaluation date."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from rules.catalog import Fact, Facts
from rules.derivations import derive
from rules.values import coerce

_MISSING = object()


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
            assert fact.derivation is not None
            if fact.derivation.op == "case":
                from rules.classify import case_value  # classify evaluates rules on profiles

                return case_value(self, fact)
            return derive(fact.derivation, self.get, self.as_of)
        raw = self._raw.get(name)
        return None if raw is None else self._coerce(fact, raw)

    @staticmethod
    def _coerce(fact: Fact, raw: Any) -> Any:
        try:
            return coerce(fact, raw)
        except ValueError:
            return None
