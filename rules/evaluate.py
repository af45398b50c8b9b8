"""Three-valued evaluation of a rule on one profile: fast, or with an explanation tree."""

from __future__ import annotations

import calendar
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, overload

from rules.catalog import Fact, FactType
from rules.derivations import full_months, full_years
from rules.eligibility import Eligibility
from rules.language import Condition, Group, Node, normalize
from rules.params import Params
from rules.profile import Profile
from rules.wording import actual, group_wording, requirement

INELIGIBLE, ELIGIBLE, UNKNOWN = Eligibility.INELIGIBLE, Eligibility.ELIGIBLE, Eligibility.UNKNOWN
# A condition's standing as an explanation shows it (the mini-program's icons).
STATUS = {ELIGIBLE: "pass", INELIGIBLE: "fail", UNKNOWN: "unknown"}
_COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "before": operator.lt,
    "after": operator.gt,
}

Check = Callable[[Profile], Eligibility]


@overload
def bind(node: Node, params: Params, as_of: date) -> Node: ...
@overload
def bind(node: None, params: Params, as_of: date) -> None: ...
@overload
def bind(node: Node | None, params: Params, as_of: date) -> Node | None: ...


def bind(node: Node | None, params: Params, as_of: date) -> Node | None:
    """Return the tree with every parameter replaced by its value on as_of."""
    if node is None:
        return None
    if isinstance(node, Group):
        return replace(node, children=tuple(bind(child, params, as_of) for child in node.children))
    if not node.has_refs:
        return node
    resolved = params.resolve(node.value, as_of)
    return replace(node, value=normalize(node.fact, node.op, _listed(resolved)), has_refs=False)


def _listed(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def window_start(as_of: date, unit: str, count: int) -> date:
    """Return the day before which a date is outside 'within the last count units'."""
    if unit == "days":
        return as_of - timedelta(days=count)
    months = count * (12 if unit == "years" else 1)
    year, month = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
    day = min(as_of.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def key_of(fact: Fact) -> Callable[[Any], Any]:
    """Return how values of a fact are ordered (ordered enums by their rank)."""
    return fact.rank if fact.type is FactType.ENUM else (lambda value: value)


def compile_condition(condition: Condition, as_of: date) -> Check:
    """Return a function profile -> ELIGIBLE/INELIGIBLE/UNKNOWN for one bound condition."""
    name, op = condition.fact.name, condition.op
    if op == "has":
        return lambda p: UNKNOWN if p.get(name) is None else ELIGIBLE
    if op == "exists":
        return lambda p: INELIGIBLE if p.get(name) is None else ELIGIBLE
    if op == "missing":
        return lambda p: ELIGIBLE if p.get(name) is None else INELIGIBLE
    key = key_of(condition.fact)
    if condition.other is not None:
        other, compare = condition.other.name, _COMPARE[op]

        def two(p: Profile) -> Eligibility:
            left, right = p.get(name), p.get(other)
            if left is None or right is None:
                return UNKNOWN
            return ELIGIBLE if compare(key(left), key(right)) else INELIGIBLE

        return two
    test = _value_test(condition, as_of, key)

    def one(p: Profile) -> Eligibility:
        current = p.get(name)
        if current is None:
            return UNKNOWN
        return ELIGIBLE if test(current) else INELIGIBLE

    return one


def _value_test(
    condition: Condition, as_of: date, key: Callable[[Any], Any]
) -> Callable[[Any], bool]:
    op, value = condition.op, condition.value
    if op == "between":
        low, high = key(value[0]), key(value[1])
        return lambda v: low <= key(v) <= high
    if op == "within_last":
        start = window_start(as_of, *value)
        return lambda v: start < v <= as_of
    if op == "in_year":
        year = as_of.year + value
        if condition.fact.type is FactType.YEAR:
            return lambda v: v == year
        return lambda v: v.year == year
    if op in ("years_since", "months_since"):
        compare_to, count = _COMPARE[value[0]], value[1]
        on = condition.on or as_of
        if condition.fact.type is FactType.YEAR:
            return lambda v: compare_to(on.year - v, count)
        since = full_years if op == "years_since" else full_months
        return lambda v: compare_to(since(v, on), count)
    if op in ("in", "not_in"):
        if condition.fact.type is FactType.CODE:
            prefixes = tuple(value)
            hit = lambda v: v.startswith(prefixes)  # noqa: E731
        else:
            hit = value.__contains__
        return hit if op == "in" else (lambda v: not hit(v))
    if op == "has_any":
        return lambda v: not v.isdisjoint(value)
    if op == "has_all":
        return lambda v: value <= v
    if op == "has_none":
        return lambda v: v.isdisjoint(value)
    compare, bound = _COMPARE[op], key(value)
    return lambda v: compare(key(v), bound)


def group_check(op: str, checks: list[Check]) -> Check:
    """Return the evaluator of a group (all / any / not) from its children's."""
    if op == "not":
        inner = checks[0]
        return lambda p: (ELIGIBLE, INELIGIBLE, UNKNOWN)[inner(p)]  # not: the first two swap
    decisive = INELIGIBLE if op == "all" else ELIGIBLE
    otherwise = ELIGIBLE if op == "all" else INELIGIBLE

    def group(p: Profile) -> Eligibility:
        result = otherwise
        for check in checks:
            outcome = check(p)
            if outcome == decisive:
                return decisive
            if outcome == UNKNOWN:
                result = UNKNOWN
        return result

    return group


@dataclass
class Explained:
    """One node's outcome: its status, what it asks, the value it used, and why."""

    status: Eligibility
    text: str
    actual: str | None = None
    fact: str | None = None
    sensitive: bool = False
    op: str = ""
    custom: bool = False  # the publisher wrote this node's wording
    children: list[Explained] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the tree as JSON-ready dicts."""
        out: dict[str, Any] = {"status": STATUS[self.status], "text": self.text}
        if self.fact is not None:
            out.update(fact=self.fact, actual=self.actual)
        if self.children:
            out["op"] = self.op
            out["children"] = [child.to_dict() for child in self.children]
        if self.missing:
            out["missing"] = self.missing
        return out


@dataclass(frozen=True)
class Step:
    """A bound node ready to explain: its check and its wording, which no profile changes."""

    node: Node
    check: Check
    text: str
    children: tuple[Step, ...] = ()


def plan(node: Node, as_of: date) -> Step:
    """Return a bound tree with every node's check compiled and its wording written once, so
    that explaining it for a profile only evaluates and reads the profile's values."""
    if isinstance(node, Condition):
        return Step(node, compile_condition(node, as_of), requirement(node, node.value))
    children = tuple(plan(child, as_of) for child in node.children)
    check = group_check(node.op, [child.check for child in children])
    return Step(node, check, group_wording(node, [child.text for child in children]), children)


def explain(step: Step, profile: Profile) -> Explained:
    """Evaluate a bound tree's plan and say, for every node, what happened."""
    node = step.node
    if isinstance(node, Condition):
        status = step.check(profile)
        value = profile.get(node.fact.name)
        missing = _missing_inputs(node, profile) if status == UNKNOWN else []
        return Explained(
            status,
            step.text,
            _actual(node.fact, value, profile),
            fact=node.fact.name,
            sensitive=node.fact.sensitive,
            op=node.op,
            missing=missing,
        )
    children = [explain(child, profile) for child in step.children]
    status = _combine(node.op, [child.status for child in children])
    missing = []
    if status == UNKNOWN:
        for child in children:
            if child.status == UNKNOWN:
                missing.extend(name for name in child.missing if name not in missing)
    return Explained(
        status,
        step.text,
        op=node.op,
        custom=node.label is not None,
        children=children,
        missing=missing,
    )


def _actual(fact: Fact, value: Any, profile: Profile) -> str:
    """What a subject's fact is; for a classification (企业规模), with what it was classified by:
    "企业规模小型（从业人数 45 人，上年营业收入 1,200 万元，所属行业制造业）"."""
    shown = actual(fact, value)
    if fact.derivation is None or fact.derivation.op != "case" or fact.sensitive:
        return shown
    inputs = [
        actual(profile.facts[name], profile.get(name))
        for name in fact.derivation.inputs
        if name in profile.facts and profile.get(name) is not None
    ]
    return f"{shown}（{'，'.join(inputs)}）" if inputs else shown


def _combine(op: str, statuses: list[Eligibility]) -> Eligibility:
    if op == "not":
        return (ELIGIBLE, INELIGIBLE, UNKNOWN)[statuses[0]]
    decisive = INELIGIBLE if op == "all" else ELIGIBLE
    if decisive in statuses:
        return decisive
    return UNKNOWN if UNKNOWN in statuses else (ELIGIBLE if op == "all" else INELIGIBLE)


def _missing_inputs(condition: Condition, profile: Profile) -> list[str]:
    """Return the stored facts whose absence leaves a condition undecided."""
    names: list[str] = []
    for fact in (condition.fact, condition.other):
        if fact is None or profile.get(fact.name) is not None:
            continue
        inputs = fact.derived_from or (fact.name,)
        names.extend(name for name in inputs if profile.get(name) is None)
        if fact.derived and not any(profile.get(name) is None for name in inputs):
            names.append(fact.name)  # inputs present but unusable, e.g. household_size 0
    return names or [condition.fact.name]
