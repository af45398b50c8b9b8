"""Amount formulas (政策计算器): integer fen, one rounding rule, a trace people can read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, overload

from rules.catalog import NUMERIC, Fact, FactType, unknown_fact
from rules.eligibility import Eligibility
from rules.errors import RuleError
from rules.evaluate import Step, bind, explain, plan
from rules.language import Node, Parser
from rules.params import Params, Ref, is_ref
from rules.profile import Profile
from rules.wording import show, yuan

PERIODS = {"once": ("一次性", 1), "monthly": ("按月", 12), "yearly": ("按年", 1)}
KINDS = ("fixed", "per_unit", "rate", "tiers", "sum", "choose")
_FIELDS = {
    "fixed": {"fen"},
    "per_unit": {"fact", "unit_fen", "max_units"},
    "rate": {"base", "rate", "floor_fen", "cap_fen", "round", "to"},
    "tiers": {"fact", "tiers"},
    "sum": {"parts"},
    "choose": {"branches", "otherwise"},
}
ROUNDING = {"half_up": "四舍五入", "floor": "向下取整", "ceiling": "向上取整"}
ROUND_TO = {"fen": ("分", 1), "yuan": ("元", 100)}
_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*([1-9]\d*)\s*$")


@dataclass(frozen=True)
class Tier:
    """One band of a tiered amount: bounds included, either may be open."""

    low: Any
    high: Any
    fen: Any


@dataclass(frozen=True)
class Formula:
    """A parsed amount formula; numbers may be Refs until bound to a date."""

    kind: str
    period: str = "once"
    fen: Any = None
    fact: Fact | None = None
    unit_fen: Any = None
    max_units: Any = None
    rate: Any = None
    floor_fen: Any = None
    cap_fen: Any = None
    tiers: tuple[Tier, ...] = ()
    parts: tuple[Formula, ...] = ()
    rounding: str = "half_up"  # a rate's result: half_up, floor (向下取整) or ceiling
    to: str = "fen"  # ... to the fen or to the yuan
    branches: tuple[Branch, ...] = ()
    otherwise: Formula | None = None


@dataclass(frozen=True)
class Branch:
    """One case of a conditional amount: when its condition holds, its formula applies."""

    when: Node
    formula: Formula
    label: str | None = None
    step: Step | None = None  # the condition compiled for one date (set by bind_amount)


@dataclass
class AmountResult:
    """How much, per period, over the next 12 months, and how it was worked out."""

    fen: int | None
    period: str
    annual_fen: int | None
    trace: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready values."""
        return {
            "fen": self.fen,
            "period": self.period,
            "annual_fen": self.annual_fen,
            "trace": self.trace,
            "missing": self.missing,
        }


def round_half_up(numerator: int, denominator: int) -> int:
    """Divide and round half up (away from zero for halves), exactly, in integers."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))


def rate_fraction(rate: Any) -> tuple[int, int]:
    """Return a rate ("0.6", 0.6 or "2/3") as an exact (numerator, denominator)."""
    if isinstance(rate, str):
        fraction = _FRACTION.match(rate)
        if fraction:
            return int(fraction[1]), int(fraction[2])
    return Decimal(str(rate)).as_integer_ratio()


def round_to(numerator: int, denominator: int, rounding: str, unit: int) -> int:
    """Return numerator / denominator fen rounded to a multiple of unit fen, exactly."""
    scaled = denominator * unit
    if rounding == "floor":
        return numerator // scaled * unit
    if rounding == "ceiling":
        return -(-numerator // scaled) * unit
    return round_half_up(numerator, scaled) * unit


def parse_amount(doc: Any, parser: Parser) -> Formula | None:
    """Read an amount document with the rule's parser (a conditional amount's conditions are
    rules); None for {} (the item gives no money)."""
    if doc in (None, {}):
        return None
    return _Reader(parser).formula(doc, "$amount", top=True)


class _Reader:
    def __init__(self, parser: Parser) -> None:
        self.parser = parser
        self.facts = parser.facts
        self.params, self.errors = parser.params, parser.errors

    def fail(self, path: str, message: str) -> None:
        self.errors.append(RuleError(path, message))

    def formula(self, doc: Any, path: str, *, top: bool) -> Formula | None:
        if not isinstance(doc, dict) or doc.get("kind") not in KINDS:
            self.fail(path, f"金额公式应为对象，kind 取 {'、'.join(KINDS)} 之一")
            return None
        kind = doc["kind"]
        unknown = set(doc) - _FIELDS[kind] - {"kind", "period", "label"}
        if unknown:
            self.fail(path, f"不认识的字段：{'、'.join(sorted(unknown))}")
        period = doc.get("period", "once")
        if period not in PERIODS:
            self.fail(f"{path}.period", "period 应为 once、monthly 或 yearly")
            period = "once"
        if not top and "period" in doc:
            self.fail(f"{path}.period", "合计中的各部分不单独设周期，周期写在最外层")
        missing = {
            "fixed": ["fen"],
            "per_unit": ["fact", "unit_fen"],
            "rate": ["base", "rate"],
            "tiers": ["fact", "tiers"],
            "sum": ["parts"],
            "choose": ["branches"],
        }[kind]
        for name in missing:
            if name not in doc:
                self.fail(path, f"{kind} 公式缺少 {name}")
        if any(name not in doc for name in missing):
            return None
        return getattr(self, f"_{kind}")(doc, path, period)

    def money(self, raw: Any, path: str) -> Any:
        if is_ref(raw):
            return self.ref(raw, path)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            self.fail(path, "金额应为非负整数（单位：分）")
        return raw

    def ref(self, raw: dict, path: str) -> Ref:
        if raw["param"] not in self.params:
            self.fail(path, f"未定义的参数「{raw['param']}」")
        return Ref(raw["param"])

    def fact(self, name: Any, path: str, types: tuple[FactType, ...]) -> Fact | None:
        fact = self.facts.get(name) if isinstance(name, str) else None
        if fact is None:
            self.fail(path, unknown_fact(self.facts, name))
        elif fact.type not in types:
            self.fail(path, f"指标「{fact.label}」不能用于此金额公式")
            return None
        return fact

    def _fixed(self, doc: dict, path: str, period: str) -> Formula:
        return Formula("fixed", period, fen=self.money(doc["fen"], f"{path}.fen"))

    def _per_unit(self, doc: dict, path: str, period: str) -> Formula:
        fact = self.fact(doc["fact"], f"{path}.fact", (FactType.INTEGER,))
        cap = doc.get("max_units")
        if (
            cap is not None
            and not is_ref(cap)
            and (isinstance(cap, bool) or not isinstance(cap, int) or cap <= 0)
        ):
            self.fail(f"{path}.max_units", "max_units 应为正整数")
        cap = self.ref(cap, f"{path}.max_units") if is_ref(cap) else cap
        return Formula(
            "per_unit",
            period,
            fact=fact,
            unit_fen=self.money(doc["unit_fen"], f"{path}.unit_fen"),
            max_units=cap,
        )

    def _rate(self, doc: dict, path: str, period: str) -> Formula:
        fact = self.fact(doc["base"], f"{path}.base", (FactType.MONEY,))
        rate = doc["rate"]
        if is_ref(rate):
            rate = self.ref(rate, f"{path}.rate")
        else:
            try:
                if _is_rate(rate) is not None:
                    raise InvalidOperation
            except InvalidOperation:
                self.fail(f"{path}.rate", 'rate 应为非负小数或分数，如 "0.6"、"2/3"')
        floor = self.money(doc["floor_fen"], f"{path}.floor_fen") if "floor_fen" in doc else None
        cap = self.money(doc["cap_fen"], f"{path}.cap_fen") if "cap_fen" in doc else None
        if isinstance(floor, int) and isinstance(cap, int) and floor > cap:
            self.fail(path, "floor_fen 不能大于 cap_fen")
        rounding, to = doc.get("round", "half_up"), doc.get("to", "fen")
        if rounding not in ROUNDING:
            self.fail(f"{path}.round", f"round 应为 {'、'.join(ROUNDING)} 之一")
        if to not in ROUND_TO:
            self.fail(f"{path}.to", "to 应为 fen（到分）或 yuan（到元）")
        return Formula(
            "rate",
            period,
            fact=fact,
            rate=rate,
            floor_fen=floor,
            cap_fen=cap,
            rounding=rounding,
            to=to,
        )

    def _tiers(self, doc: dict, path: str, period: str) -> Formula:
        fact = self.fact(doc["fact"], f"{path}.fact", (*NUMERIC, FactType.ENUM))
        if fact is not None and fact.type is FactType.ENUM and not fact.ordered:
            self.fail(f"{path}.fact", f"「{fact.label}」没有先后顺序，不能分档")
            fact = None
        tiers = []
        if not isinstance(doc["tiers"], list) or not doc["tiers"]:
            self.fail(f"{path}.tiers", "tiers 应为非空列表")
            return Formula("tiers", period, fact=fact)
        for i, tier in enumerate(doc["tiers"]):
            where = f"{path}.tiers[{i}]"
            if not isinstance(tier, dict) or "fen" not in tier or set(tier) - {"min", "max", "fen"}:
                self.fail(where, "每一档应为 {min?, max?, fen}")
                continue
            low = self.bound(fact, tier.get("min"), f"{where}.min")
            high = self.bound(fact, tier.get("max"), f"{where}.max")
            if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
                self.fail(where, "min 不能大于 max")
            tiers.append(Tier(low=low, high=high, fen=self.money(tier["fen"], f"{where}.fen")))
        return Formula("tiers", period, fact=fact, tiers=tuple(tiers))

    def bound(self, fact: Fact | None, raw: Any, path: str) -> Any:
        """Return a tier bound: a number, a Ref, or an ordered enum value as its rank."""
        if raw is None or fact is None:
            return None
        if is_ref(raw):
            if fact.type is FactType.ENUM:
                self.fail(path, "按等级分档时，档位请直接写等级，不用参数")
            return self.ref(raw, path)
        if fact.type is FactType.ENUM:
            if raw not in fact.values:
                self.fail(path, f"「{raw}」不是「{fact.label}」的可选值")
                return None
            return fact.rank(raw)
        whole = fact.type in (FactType.INTEGER, FactType.MONEY)
        if isinstance(raw, bool) or not isinstance(raw, int if whole else int | float):
            self.fail(
                path,
                "档位应为整数" + ("（单位：分）" if fact.type is FactType.MONEY else "")
                if whole
                else "档位应为数字",
            )
            return None
        return raw

    def _choose(self, doc: dict, path: str, period: str) -> Formula:
        branches = doc["branches"]
        if not isinstance(branches, list) or not branches:
            self.fail(f"{path}.branches", "branches 应为非空列表：[{when, amount, label?}, …]")
            return Formula("choose", period)
        parsed = []
        for i, branch in enumerate(branches):
            where = f"{path}.branches[{i}]"
            if not isinstance(branch, dict) or {"when", "amount"} - set(branch):
                self.fail(where, "每种情形应为 {when: 条件, amount: 金额公式, label?: 说明}")
                continue
            unknown = set(branch) - {"when", "amount", "label"}
            if unknown:
                self.fail(where, f"不认识的字段：{'、'.join(sorted(unknown))}")
            label = branch.get("label")
            if label is not None and (not isinstance(label, str) or not label.strip()):
                self.fail(f"{where}.label", "label 应为非空的中文说明")
                label = None
            when = self.parser.node(branch["when"], f"{where}.when", 1)
            formula = self.formula(branch["amount"], f"{where}.amount", top=False)
            if when is not None and formula is not None:
                parsed.append(Branch(when, formula, label))
        otherwise = None
        if doc.get("otherwise") is not None:
            otherwise = self.formula(doc["otherwise"], f"{path}.otherwise", top=False)
        return Formula("choose", period, branches=tuple(parsed), otherwise=otherwise)

    def _sum(self, doc: dict, path: str, period: str) -> Formula:
        if not isinstance(doc["parts"], list) or not doc["parts"]:
            self.fail(f"{path}.parts", "parts 应为非空列表")
            return Formula("sum", period)
        parts = [
            self.formula(part, f"{path}.parts[{i}]", top=False)
            for i, part in enumerate(doc["parts"])
        ]
        return Formula("sum", period, parts=tuple(part for part in parts if part is not None))


def amount_conditions(formula: Formula | None) -> list[Node]:
    """Return the conditions of a formula's cases, nested ones too."""
    if formula is None:
        return []
    found = [branch.when for branch in formula.branches]
    for part in sub_formulas(formula):
        found += amount_conditions(part)
    return found


def sub_formulas(formula: Formula) -> tuple[Formula, ...]:
    """Return the formulas inside one: a sum's parts, a choice's cases and otherwise."""
    inner = (*formula.parts, *(branch.formula for branch in formula.branches))
    return inner if formula.otherwise is None else (*inner, formula.otherwise)


def check_param_values(formula: Formula | None, params: Params, errors: list[RuleError]) -> None:
    """Check every dated value of the parameters an amount uses fits where it is used."""
    if formula is None:
        return
    whole = formula.fact is None or formula.fact.type not in (FactType.DECIMAL, FactType.PERCENT)
    uses = [
        (formula.fen, _is_fen),
        (formula.unit_fen, _is_fen),
        (formula.floor_fen, _is_fen),
        (formula.cap_fen, _is_fen),
        (formula.max_units, _is_count),
        (formula.rate, _is_rate),
    ]
    for tier in formula.tiers:
        uses += [
            (tier.fen, _is_fen),
            (tier.low, _is_whole if whole else _is_number),
            (tier.high, _is_whole if whole else _is_number),
        ]
    for value, check in uses:
        if isinstance(value, Ref) and value.name in params:
            for index, entry in enumerate(params.by_name[value.name].entries):
                problem = check(entry.value)
                if problem:
                    errors.append(RuleError(f"$params.{value.name}.values[{index}].value", problem))
    for part in sub_formulas(formula):
        check_param_values(part, params, errors)


def _is_fen(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else f"金额应为非负整数（单位：分），收到 {value!r}"


def _is_count(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return None if ok else f"应为正整数，收到 {value!r}"


def _is_whole(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool)
    return None if ok else f"档位应为整数，收到 {value!r}"


def _is_number(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return None if ok else f"档位应为数字，收到 {value!r}"


def _is_rate(value: Any) -> str | None:
    try:
        ok = not isinstance(value, bool) and rate_fraction(value)[0] >= 0
    except (InvalidOperation, ValueError, OverflowError):
        ok = False
    return None if ok else f'比例应为非负小数或分数，如 "0.6"、"2/3"，收到 {value!r}'


@overload
def bind_amount(formula: Formula, params: Params, as_of: date) -> Formula: ...
@overload
def bind_amount(formula: None, params: Params, as_of: date) -> None: ...
@overload
def bind_amount(formula: Formula | None, params: Params, as_of: date) -> Formula | None: ...


def bind_amount(formula: Formula | None, params: Params, as_of: date) -> Formula | None:
    """Return the formula with every parameter replaced by its value on as_of."""
    if formula is None:
        return None
    resolve = lambda value: params.resolve(value, as_of)  # noqa: E731
    return replace(
        formula,
        fen=resolve(formula.fen),
        unit_fen=resolve(formula.unit_fen),
        max_units=resolve(formula.max_units),
        rate=resolve(formula.rate),
        floor_fen=resolve(formula.floor_fen),
        cap_fen=resolve(formula.cap_fen),
        tiers=tuple(Tier(resolve(t.low), resolve(t.high), resolve(t.fen)) for t in formula.tiers),
        parts=tuple(bind_amount(part, params, as_of) for part in formula.parts),
        branches=tuple(_bind_branch(branch, params, as_of) for branch in formula.branches),
        otherwise=bind_amount(formula.otherwise, params, as_of),
    )


def _bind_branch(branch: Branch, params: Params, as_of: date) -> Branch:
    when = bind(branch.when, params, as_of)
    return Branch(when, bind_amount(branch.formula, params, as_of), branch.label, plan(when, as_of))


def evaluate_amount(formula: Formula, profile: Profile) -> AmountResult:
    """Work out a bound formula for one profile."""
    fen, trace, missing = _value(formula, profile)
    label, times = PERIODS[formula.period]
    annual = None if fen is None else fen * times
    if annual is not None and formula.period == "monthly":  # None exactly when fen is
        trace.append(f"按月发放，未来 12 个月预计 {yuan(annual)}")
    elif fen is not None and formula.period == "yearly":
        trace.append(f"按年发放，每年 {yuan(fen)}")
    return AmountResult(fen, formula.period, annual, trace, missing)


def _value(formula: Formula, profile: Profile) -> tuple[int | None, list[str], list[str]]:
    kind = formula.kind
    if kind == "fixed":
        return formula.fen, [f"定额 {yuan(formula.fen)}"], []
    if kind == "choose":
        return _chosen(formula, profile)
    if kind == "sum":
        total: int | None = 0
        trace: list[str] = []
        missing: list[str] = []
        for part in formula.parts:
            fen, lines, absent = _value(part, profile)
            trace.extend(lines)
            missing.extend(absent)
            total = None if fen is None or total is None else total + fen
        if total is not None:
            trace.append(f"合计 {yuan(total)}")
        return total, trace, missing
    assert formula.fact is not None
    value = profile.get(formula.fact.name)
    if value is None:
        absent = [n for n in formula.fact.derived_from if profile.get(n) is None]
        return None, [f"{formula.fact.label}未登记，暂无法计算金额"], absent or [formula.fact.name]
    if kind == "per_unit":
        units = value if formula.max_units is None else min(value, formula.max_units)
        units = max(units, 0)
        capped = "" if units == value else f"（按上限 {formula.max_units} {formula.fact.unit}计）"
        fen = formula.unit_fen * units
        return (
            fen,
            [f"{yuan(formula.unit_fen)} × {units} {formula.fact.unit} = {yuan(fen)}{capped}"],
            [],
        )
    if kind == "rate":
        numerator, denominator = rate_fraction(formula.rate)
        fen = round_to(value * numerator, denominator, formula.rounding, ROUND_TO[formula.to][1])
        trace = [
            f"{formula.fact.label} {yuan(value)} × {_percent(formula.rate)} = {yuan(fen)}"
            + _rounded(formula)
        ]
        if formula.floor_fen is not None and fen < formula.floor_fen:
            fen = formula.floor_fen
            trace.append(f"低于下限，按 {yuan(fen)} 计")
        if formula.cap_fen is not None and fen > formula.cap_fen:
            fen = formula.cap_fen
            trace.append(f"超过上限，按 {yuan(fen)} 计")
        return fen, trace, []
    position = formula.fact.rank(value) if formula.fact.type is FactType.ENUM else value
    for tier in formula.tiers:
        if (tier.low is None or position >= tier.low) and (
            tier.high is None or position <= tier.high
        ):
            band = _band(formula.fact, tier)
            shown = show(formula.fact, value)
            return tier.fen, [f"{formula.fact.label} {shown}，适用 {band} 档：{yuan(tier.fen)}"], []
    return 0, [f"{formula.fact.label} {show(formula.fact, value)}，不在任何档内：0 元"], []


def _chosen(formula: Formula, profile: Profile) -> tuple[int | None, list[str], list[str]]:
    """The first case whose condition holds; undecided while an earlier one is unknown."""
    for branch in formula.branches:
        assert branch.step is not None  # bound
        status = branch.step.check(profile)
        label = branch.label or branch.step.text
        if status == Eligibility.ELIGIBLE:
            fen, lines, missing = _value(branch.formula, profile)
            return fen, [f"适用情形：{label}", *lines], missing
        if status == Eligibility.UNKNOWN:
            missing = explain(branch.step, profile).missing
            return None, [f"是否属于「{label}」尚不确定，暂无法计算金额"], missing
    if formula.otherwise is None:
        return 0, ["不属于任何情形：0 元"], []
    fen, lines, missing = _value(formula.otherwise, profile)
    return fen, ["不属于以上情形，按其他情形计", *lines], missing


def _rounded(formula: Formula) -> str:
    if formula.rounding == "half_up" and formula.to == "fen":
        return ""
    return f"（{ROUNDING[formula.rounding]}到{ROUND_TO[formula.to][0]}）"


def _percent(rate: Any) -> str:
    if isinstance(rate, str) and _FRACTION.match(rate):
        numerator, denominator = rate_fraction(rate)
        return f"{numerator}/{denominator}"
    return f"{Decimal(str(rate)) * 100:f}".rstrip("0").rstrip(".") + "%"


def _band(fact: Fact, tier: Tier) -> str:
    def shown(bound: Any) -> str:
        return (
            fact.label_of(fact.values[bound]) if fact.type is FactType.ENUM else show(fact, bound)
        )

    low = None if tier.low is None else shown(tier.low)
    high = None if tier.high is None else shown(tier.high)
    if low is not None and tier.low == tier.high:
        return low
    if low is not None and high is not None:
        if fact.type is FactType.ENUM:
            return f"{low}至{high}"
        suffix = " 元" if fact.type is FactType.MONEY else f" {fact.unit}"
        return f"{low.removesuffix(suffix)}–{high}"
    if low is not None:
        return f"{low}及以上"
    return f"{high}及以下"
