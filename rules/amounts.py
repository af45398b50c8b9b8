"""Amount formulas (政策计算器): integer fen, one rounding rule, a trace people can read."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, overload

from rules.catalog import NUMERIC, Fact, Facts, FactType, unknown_fact
from rules.errors import RuleError
from rules.params import Params, Ref, is_ref
from rules.profile import Profile
from rules.wording import show, yuan

PERIODS = {"once": ("一次性", 1), "monthly": ("按月", 12), "yearly": ("按年", 1)}
KINDS = ("fixed", "per_unit", "rate", "tiers", "sum")
_FIELDS = {
    "fixed": {"fen"},
    "per_unit": {"fact", "unit_fen", "max_units"},
    "rate": {"base", "rate", "floor_fen", "cap_fen"},
    "tiers": {"fact", "tiers"},
    "sum": {"parts"},
}


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
    """Return a decimal rate as an exact (numerator, denominator)."""
    return Decimal(str(rate)).as_integer_ratio()


def parse_amount(doc: Any, facts: Facts, params: Params, errors: list[RuleError]) -> Formula | None:
    """Read an amount document; None for {} (the item gives no money)."""
    if doc in (None, {}):
        return None
    return _Reader(facts, params, errors).formula(doc, "$amount", top=True)


class _Reader:
    def __init__(self, facts: Facts, params: Params, errors: list[RuleError]) -> None:
        self.facts, self.params, self.errors = facts, params, errors

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
                if isinstance(rate, bool) or Decimal(str(rate)) < 0:
                    raise InvalidOperation
            except InvalidOperation:
                self.fail(f"{path}.rate", 'rate 应为非负小数，如 "0.6"')
        floor = self.money(doc["floor_fen"], f"{path}.floor_fen") if "floor_fen" in doc else None
        cap = self.money(doc["cap_fen"], f"{path}.cap_fen") if "cap_fen" in doc else None
        if isinstance(floor, int) and isinstance(cap, int) and floor > cap:
            self.fail(path, "floor_fen 不能大于 cap_fen")
        return Formula("rate", period, fact=fact, rate=rate, floor_fen=floor, cap_fen=cap)

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

    def _sum(self, doc: dict, path: str, period: str) -> Formula:
        if not isinstance(doc["parts"], list) or not doc["parts"]:
            self.fail(f"{path}.parts", "parts 应为非空列表")
            return Formula("sum", period)
        parts = [
            self.formula(part, f"{path}.parts[{i}]", top=False)
            for i, part in enumerate(doc["parts"])
        ]
        return Formula("sum", period, parts=tuple(part for part in parts if part is not None))


def check_param_values(formula: Formula | None, params: Params, errors: list[RuleError]) -> None:
    """Check every dated value of the parameters an amount uses fits where it is used."""
    if formula is None:
        return
    whole = formula.fact is None or formula.fact.type is not FactType.DECIMAL
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
    for part in formula.parts:
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
        ok = not isinstance(value, bool) and Decimal(str(value)) >= 0
    except InvalidOperation:
        ok = False
    return None if ok else f'比例应为非负小数，如 "0.6"，收到 {value!r}'


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
    )


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
        fen = round_half_up(value * numerator, denominator)
        trace = [f"{formula.fact.label} {yuan(value)} × {_percent(formula.rate)} = {yuan(fen)}"]
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


def _percent(rate: Any) -> str:
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
