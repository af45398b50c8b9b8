"""An item's rule, amount and params, validated once and evaluated as of any date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from rules.amounts import (
    AmountResult,
    Formula,
    amount_conditions,
    bind_amount,
    check_param_values,
    evaluate_amount,
    parse_amount,
    sub_formulas,
)
from rules.catalog import SUBJECT_KINDS, Catalog, Fact, Facts
from rules.eligibility import Eligibility
from rules.errors import RuleError, RuleInvalid
from rules.evaluate import Check, Explained, Step, bind, explain, plan
from rules.language import DATE_RELATIVE, Condition, Group, Node, Parser, normalize
from rules.params import ParamMissing, Params, Ref, parse_params
from rules.profile import Profile
from rules.summary import summarize

ELIGIBLE, INELIGIBLE, UNKNOWN = Eligibility.ELIGIBLE, Eligibility.INELIGIBLE, Eligibility.UNKNOWN


@dataclass
class Evaluation:
    """One subject's standing on one item as of a date."""

    verdict: Eligibility
    missing: list[str]
    summary: str
    explanation: Explained | None
    amount: AmountResult | None

    def to_dict(self) -> dict[str, Any]:
        """Return the evaluation as JSON-ready values."""
        return {
            "verdict": self.verdict.word,
            "missing": self.missing,
            "summary": self.summary,
            "explanation": None if self.explanation is None else self.explanation.to_dict(),
            "amount": None if self.amount is None else self.amount.to_dict(),
        }


@dataclass(frozen=True)
class Bound:
    """The rule and amount with parameter values of one date range, ready to run."""

    rule: Node | None
    amount: Formula | None
    plan: Step | None  # the rule's checks compiled and wording written (None: no rule)

    @property
    def check(self) -> Check | None:
        """Return the rule's fast evaluator (no explanation); None when there is no rule."""
        return None if self.plan is None else self.plan.check


class ItemRules:
    """A compiled item: validated rule, amount formula and dated params."""

    def __init__(
        self, facts: Facts, rule: Node | None, amount: Formula | None, params: Params
    ) -> None:
        self.kind = facts.kind
        self.rule = rule
        self.amount = amount
        self.params = params
        self.facts = facts
        self._windows = any(_uses_window(node) for node in [rule, *amount_conditions(amount)])
        self._cache: dict[tuple, Bound] = {}

    def at(self, as_of: date) -> Bound:
        """Return the rule and amount bound to the parameters in force on as_of (cached)."""
        # A bound tree depends on which parameter values are in force, and on the day itself
        # only when a condition counts back from it (within_last).
        key = (self.params.epoch(as_of), as_of if self._windows else None)
        bound = self._cache.get(key)
        if bound is None:
            rule = bind(self.rule, self.params, as_of)
            steps = None if rule is None else plan(rule, as_of)
            bound = Bound(rule, bind_amount(self.amount, self.params, as_of), steps)
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = bound
        return bound

    def facts_named(self) -> set[str]:
        """Return the facts the rule and amount name themselves (derived ones as such)."""
        return {fact.name for fact in self._facts()}

    def _facts(self) -> set[Fact]:
        conditions = [
            condition
            for node in [self.rule, *amount_conditions(self.amount)]
            for condition in _conditions(node)
        ]
        used = {c.fact for c in conditions} | {c.other for c in conditions if c.other is not None}
        return used | _amount_facts(self.amount)

    def facts_used(self) -> set[str]:
        """Return the stored facts the rule and amount read (derived facts by their inputs)."""
        names: set[str] = set()
        for fact in self._facts():
            names.update(fact.derived_from or (fact.name,))
        return names

    def standing(self, profile: Profile) -> tuple[Eligibility, int | None]:
        """Return (eligibility, amount in fen or None) for a profile; no explanation."""
        bound = self.at(profile.as_of)
        status = ELIGIBLE if bound.check is None else bound.check(profile)
        if status == INELIGIBLE or bound.amount is None:
            return status, None
        return status, evaluate_amount(bound.amount, profile).fen

    def verdict(self, facts: Mapping[str, Any], as_of: date) -> Eligibility:
        """Return the eligibility only: the fast path, no explanation."""
        bound = self.at(as_of)
        if bound.check is None:
            return ELIGIBLE
        return bound.check(Profile(self.facts, facts, as_of))

    def summary(self, facts: Mapping[str, Any], as_of: date) -> str:
        """Return only the one-line reason (符合 / 不符合 / 还差) of evaluate(), without the
        amount: what a list of matches shows on each card."""
        bound = self.at(as_of)
        if bound.rule is None:
            return summarize(None, self.facts)
        return summarize(_explain(bound.plan, Profile(self.facts, facts, as_of)), self.facts)

    def evaluate(
        self,
        facts: Mapping[str, Any],
        as_of: date,
        *,
        explain: bool = True,
        overrides: Mapping[str, Any] | None = None,
    ) -> Evaluation:
        """Evaluate one subject as of a date; overrides are "what if" facts."""
        bound = self.at(as_of)
        profile = Profile(self.facts, facts, as_of, overrides)
        tree: Explained | None = None
        if bound.rule is None:
            status, summary = ELIGIBLE, summarize(None, self.facts)
        else:
            if explain:
                tree = _explain(bound.plan, profile)
                status = tree.status
            else:
                assert bound.check is not None  # a rule always has its plan (at())
                status = bound.check(profile)
                if status == UNKNOWN:  # the missing facts come from the explanation
                    tree = _explain(bound.plan, profile)
            summary = summarize(tree, self.facts) if tree is not None else ""
        missing = tree.missing if tree is not None and status == UNKNOWN else []
        amount = None
        if bound.amount is not None and status in (ELIGIBLE, UNKNOWN):
            amount = evaluate_amount(bound.amount, profile)
        return Evaluation(
            Eligibility(status), list(missing), summary, tree if explain else None, amount
        )


def _explain(steps: Step | None, profile: Profile) -> Explained:
    assert steps is not None  # a bound rule always has its plan
    return explain(steps, profile)


def _uses_window(node: Node | None) -> bool:
    if node is None:
        return False
    if isinstance(node, Group):
        return any(_uses_window(child) for child in node.children)
    return node.op in DATE_RELATIVE and node.on is None


def compile_item(
    *,
    catalog: Catalog,
    subject_kind: str,
    rule: Any,
    amount: Any = None,
    params: Any = None,
    check_dates: tuple[date, ...] = (),
) -> ItemRules:
    """Validate and compile an item, or raise RuleInvalid with every problem found."""
    errors: list[RuleError] = []
    if subject_kind not in SUBJECT_KINDS:
        raise RuleInvalid([RuleError("$subject_type", "申请主体应为 person 或 enterprise")])
    parsed_params = parse_params(params, errors)
    facts = catalog.of(subject_kind)
    parser = Parser(facts, parsed_params, errors, catalog=catalog)
    tree = parser.parse(rule)
    formula = parse_amount(amount, parser)
    if not errors:
        _check_param_values(
            [tree, *amount_conditions(formula)], parser.param_uses, parsed_params, errors
        )
        check_param_values(formula, parsed_params, errors)
    item = ItemRules(facts, tree, formula, parsed_params)
    if not errors:
        used = dict.fromkeys([name for name, _ in parser.param_uses] + _amount_refs(formula))
        for day in check_dates:
            for name in used:
                try:
                    parsed_params.value_at(name, day)
                except ParamMissing as exc:
                    errors.append(RuleError(f"$params.{name}", str(exc)))
    if errors:
        raise RuleInvalid(errors)
    return item


def validate_item(
    *, catalog: Catalog, subject_kind: str, rule: Any, amount: Any = None, params: Any = None
) -> list[RuleError]:
    """Return the problems of an item (empty when it is valid)."""
    try:
        compile_item(
            catalog=catalog, subject_kind=subject_kind, rule=rule, amount=amount, params=params
        )
    except RuleInvalid as exc:
        return exc.errors
    return []


def _check_param_values(
    trees: list[Node | None], uses: list[tuple[str, str]], params: Params, errors: list[RuleError]
) -> None:
    """Check that every dated value of a parameter fits each condition that uses it."""
    conditions = {c.path: c for tree in trees for c in _conditions(tree)}
    for name, path in uses:
        condition = conditions[path]
        for index, entry in enumerate(params.by_name[name].entries):
            chosen = Params(
                {**params.by_name, name: replace(params.by_name[name], entries=(entry,))}
            )
            try:
                value = chosen.resolve(condition.value, entry.start)
                normalize(
                    condition.fact, condition.op, list(value) if isinstance(value, tuple) else value
                )
            except ParamMissing:
                continue
            except ValueError as exc:
                errors.append(RuleError(f"$params.{name}.values[{index}].value", str(exc)))


def _amount_facts(formula: Formula | None) -> set:
    if formula is None:
        return set()
    found = {formula.fact} if formula.fact is not None else set()
    for part in sub_formulas(formula):
        found |= _amount_facts(part)
    return found


def _amount_refs(formula: Formula | None) -> list[str]:
    """Return the names of the parameters an amount formula uses."""
    if formula is None:
        return []
    values = [
        formula.fen,
        formula.unit_fen,
        formula.max_units,
        formula.rate,
        formula.floor_fen,
        formula.cap_fen,
        *(v for t in formula.tiers for v in (t.low, t.high, t.fen)),
    ]
    names = [value.name for value in values if isinstance(value, Ref)]
    return names + [name for part in sub_formulas(formula) for name in _amount_refs(part)]


def _conditions(node: Node | None) -> list[Condition]:
    if node is None:
        return []
    if isinstance(node, Condition):
        return [node]
    return [c for child in node.children for c in _conditions(child)]
