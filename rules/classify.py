"""Case derivations (智能归类): the value of the first case whose condition holds.

A case derivation's conditions are rules over the subject's other facts (rules/derivations.py).
They are read once per catalog (kept on its Facts) and compiled once per evaluation date, then
evaluated on one profile (case_value) or over columns (case_column), with the same outcome:
the first case that holds gives the value; an undecided case before it leaves the value
unknown; when none holds, the `else` value (unknown without one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from rules.catalog import Fact, Facts, FactType
from rules.eligibility import Eligibility
from rules.errors import RuleError, RuleInvalid
from rules.evaluate import Step, plan
from rules.language import Node, Parser
from rules.params import Params
from rules.values import coerce

if TYPE_CHECKING:
    from rules.columns import Column, Columns
    from rules.profile import Profile

_PLANS_KEPT = 16  # evaluation dates whose compiled cases are kept per fact


@dataclass
class Cases:
    """A case derivation read against one catalog: its conditions and typed values."""

    fact: Fact
    conditions: tuple[Node, ...]
    values: tuple[Any, ...]
    otherwise: Any
    plans: dict[date, tuple[Step, ...]]

    def steps(self, as_of: date) -> tuple[Step, ...]:
        """Return the conditions compiled for a date (kept for the last few dates)."""
        found = self.plans.get(as_of)
        if found is None:
            if len(self.plans) >= _PLANS_KEPT:
                self.plans.clear()
            found = self.plans[as_of] = tuple(plan(node, as_of) for node in self.conditions)
        return found


def read_cases(facts: Facts, fact: Fact) -> Cases:
    """Return a fact's cases read against its catalog (kept), or raise RuleInvalid."""
    kept: dict[str, Cases] = facts.__dict__.setdefault("_cases", {})
    found = kept.get(fact.name)
    if found is None:
        found = kept[fact.name] = _read(facts, fact)
    return found


def check_cases(facts: Facts, fact: Fact) -> list[RuleError]:
    """Return the problems of a case derivation (its conditions and values), by path."""
    try:
        _read(facts, fact)
    except RuleInvalid as exc:
        return exc.errors
    return []


def _read(facts: Facts, fact: Fact) -> Cases:
    assert fact.derivation is not None and fact.derivation.op == "case"
    errors: list[RuleError] = []
    parser = Parser(facts, Params({}), errors)
    conditions, values = [], []
    for index, (when, value) in enumerate(fact.derivation.cases):
        node = parser.node(when, f"$derivation.case[{index}].when", 1)
        conditions.append(node)
        values.append(_typed(fact, value, f"$derivation.case[{index}].value", errors))
    otherwise = fact.derivation.otherwise
    if otherwise is not None:
        otherwise = _typed(fact, otherwise, "$derivation.else", errors)
    if errors:
        raise RuleInvalid(errors)
    return Cases(
        fact,
        tuple(node for node in conditions if node is not None),
        tuple(values),
        otherwise,
        {},
    )


def _typed(fact: Fact, raw: Any, path: str, errors: list[RuleError]) -> Any:
    try:
        return coerce(fact, raw)
    except ValueError as exc:
        errors.append(RuleError(path, str(exc)))
        return None


def case_value(profile: Profile, fact: Fact) -> Any:
    """Return the fact's value for one profile, or None when it cannot be decided."""
    cases = read_cases(profile.facts, fact)
    for step, value in zip(cases.steps(profile.as_of), cases.values, strict=True):
        status = step.check(profile)
        if status == Eligibility.ELIGIBLE:
            return value
        if status == Eligibility.UNKNOWN:
            return None
    return cases.otherwise


def case_column(columns: Columns, fact: Fact, as_of: date) -> Column:
    """Return the fact's values over columns (encoded as its type), as case_value decides."""
    from rules.columns import DTYPES, Column, to_days
    from rules.vector_engine import Engine  # the engine derives columns through this module

    cases = read_cases(columns.facts, fact)
    engine = Engine(columns, as_of)
    values: np.ndarray = np.zeros(columns.size, DTYPES[fact.type])
    present = np.zeros(columns.size, bool)
    open_ = np.ones(columns.size, bool)
    for node, value in zip(cases.conditions, cases.values, strict=True):
        eligible, unknown = engine.match(node)
        chosen = eligible[open_[eligible]]
        values[chosen], present[chosen] = _encoded(fact, value, to_days), True
        open_[eligible] = False
        open_[unknown] = False
    if cases.otherwise is not None:
        values[open_], present[open_] = _encoded(fact, cases.otherwise, to_days), True
    return Column(fact, values, present)


def _encoded(fact: Fact, value: Any, to_days: Any) -> Any:
    if fact.type is FactType.ENUM:
        return fact.rank(value)
    if fact.type is FactType.DATE:
        return to_days(value)
    return value
