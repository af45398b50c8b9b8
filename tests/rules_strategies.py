"""Hypothesis strategies: valid rule, amount and params documents, and messy profiles."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

from hypothesis import strategies as st

from rules import BUILTIN, Catalog
from rules.catalog import NUMERIC, Fact, FactType, fact_from_document
from rules.language import COMPARE, allowed_ops

# The facts the strategies draw from: the built-in ones and some a city would add at run time
# (services.facts reads its rows the same way), a classification among them, so the parity
# tests cover catalogs that are data.
RUNTIME = [
    {"subject_type": "person", "key": "hardship_tags", "label": "困难情形", "type": "tags",
     "choices": [["poverty_alleviated", "脱贫人口"], ["student_loan", "国家助学贷款"],
                 ["zero_employment", "零就业家庭"]]},
    {"subject_type": "person", "key": "benefit_share", "label": "补贴比例", "type": "percent",
     "minimum": 0, "maximum": 100},
    {"subject_type": "person", "key": "support_level", "label": "帮扶等级", "type": "enum",
     "ordered": True, "choices": [["none", "无需帮扶"], ["watch", "关注"], ["help", "帮扶"]],
     "derivation": {"case": [
         {"when": {"fact": "hardship_tags", "op": "has_any", "value": ["zero_employment"]},
          "value": "help"},
         {"when": {"all": [{"fact": "age_band", "op": "==", "value": "senior"},
                           {"fact": "benefit_share", "op": "<", "value": 50}]}, "value": "watch"},
     ], "else": "none"}},
    {"subject_type": "enterprise", "key": "insured_headcount", "label": "参保人数",
     "type": "integer", "minimum": 0},
    {"subject_type": "enterprise", "key": "certified_year", "label": "认定年份", "type": "year",
     "minimum": 2000, "maximum": 2100},
    {"subject_type": "enterprise", "key": "insured_band", "label": "参保规模", "type": "integer",
     "derivation": {"case": [
         {"when": {"fact": "insured_headcount", "op": "<=", "value": 30}, "value": 1},
         {"when": {"fact": "enterprise_size", "op": "<=", "value": "medium"}, "value": 2},
     ]}},
]  # fmt: skip
CATALOG = Catalog(
    [*BUILTIN, *(fact_from_document({"status": "active", **doc}, revision=1) for doc in RUNTIME)],
    version=2,
)
SPECIAL_DAYS = [date(2024, 2, 29), date(2025, 2, 28), date(2025, 3, 1), date(2028, 2, 29)]
AS_OF = st.one_of(st.dates(date(2023, 1, 1), date(2029, 12, 31)), st.sampled_from(SPECIAL_DAYS))
INT_RANGES = {
    "age": (0, 100),
    "graduation_year": (2012, 2030),
    "years_since_graduation": (-3, 15),
    "social_insurance_months": (0, 80),
    "years_since_founding": (-1, 25),
    "employees": (0, 60),
    "new_graduate_hires": (0, 12),
    "unemployment_insurance_months": (0, 60),
    "insured_headcount": (0, 60),
    "certified_year": (2018, 2028),
    "insured_band": (0, 3),
}
CODES = {
    "industry_code": ["C", "C34", "C3451", "C3484", "I", "I65", "I6510", "F5212", "A0112"],
    "default": ["37", "3715", "371502", "371503", "371523", "3701", "370102", "410902"],
}
MALFORMED = {
    FactType.INTEGER: ["12", 1.5, True, -1, 10**6],
    FactType.MONEY: [-100, 2.5, "300", False],
    FactType.DECIMAL: ["1.5", True, 101.0, -0.5, 10**400],
    FactType.PERCENT: ["1.5", True, 101.0, -0.5, 10**400],
    FactType.YEAR: ["2024", 2024.5, True, 1800, 99999],
    FactType.BOOLEAN: [1, 0, "true"],
    FactType.DATE: ["2024-02-30", "2023-02-29", "2024-2-3", 20240101, "0000-01-01", "x"],
    FactType.ENUM: ["nope", 1, ""],
    FactType.TAGS: ["dibao", ["dibao", "bad"], [1], {"a": 1}],
    FactType.CODE: ["37150a", "", "3715-02", 371502, "ABCDEFGHIJKLM"],
}
_names = count()
ORDERED = (*NUMERIC, FactType.YEAR, FactType.DATE)  # the types two facts compare by order


def integers(fact: Fact) -> st.SearchStrategy[int]:
    """Integers (or fen) that the fact allows, near the values rules use."""
    if fact.type is FactType.MONEY:
        return st.integers(0, 40).map(lambda n: n * 500)
    low, high = INT_RANGES.get(fact.name, (fact.minimum or 0, fact.maximum or 30))
    low = max(low, fact.minimum) if fact.minimum is not None else low
    high = min(high, fact.maximum) if fact.maximum is not None else high
    return st.integers(int(low), int(high))


def days_near(as_of: date) -> st.SearchStrategy[date]:
    """Dates around as_of: anniversaries (Feb 29, month ends), windows, anything."""

    def anniversary(years: int, months: int, shift: int) -> date:
        total = as_of.year * 12 + as_of.month - 1 - years * 12 - months
        year, month = divmod(total, 12)
        for day in range(as_of.day, 27, -1):
            try:
                return date(year, month + 1, day) + timedelta(days=shift)
            except ValueError:
                continue
        return date(year, month + 1, 28) + timedelta(days=shift)

    return st.one_of(
        st.builds(anniversary, st.integers(-2, 90), st.integers(0, 11), st.integers(-1, 1)),
        st.integers(-800, 30).map(lambda d: as_of + timedelta(days=d)),
        st.dates(date(1930, 1, 1), date(2031, 12, 31)),
    )


def scalar(fact: Fact, as_of: date) -> st.SearchStrategy[Any]:
    """One valid value of a fact, as JSON."""
    kind = fact.type
    if kind in (FactType.INTEGER, FactType.MONEY, FactType.YEAR):
        return integers(fact)
    if kind in (FactType.DECIMAL, FactType.PERCENT):
        return st.integers(0, 40).map(lambda n: n * 2.5)
    if kind is FactType.BOOLEAN:
        return st.booleans()
    if kind is FactType.DATE:
        return days_near(as_of).map(date.isoformat)
    if kind is FactType.ENUM:
        return st.sampled_from(fact.values)
    if kind is FactType.TAGS:
        return st.lists(st.sampled_from(fact.values), max_size=3)
    return st.sampled_from(CODES.get(fact.name, CODES["default"]))


def param(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict]:
    """A parameter always in force, with later dated changes (some ending)."""
    later = st.tuples(st.dates(date(2023, 1, 1), date(2030, 1, 1)), values, st.booleans())

    def build(first: Any, changes: list) -> dict:
        entries = [{"from": "2000-01-01", "value": first}]
        for start, value, ends in changes:
            entry = {"from": start.isoformat(), "value": value}
            if ends:
                entry["until"] = (start + timedelta(days=400)).isoformat()
            entries.append(entry)
        return {"label": "参数", "values": entries}

    return st.builds(build, values, st.lists(later, max_size=2))


@st.composite
def condition(draw: st.DrawFn, kind: str, as_of: date, params: dict) -> dict:
    """One valid condition: against a value, a parameter, another fact, or presence."""
    facts = list(CATALOG.of(kind).values())
    fact_type = draw(st.sampled_from(sorted({fact.type for fact in facts})))
    fact = draw(st.sampled_from([fact for fact in facts if fact.type is fact_type]))
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return {"fact": fact.name, "op": draw(st.sampled_from(["exists", "missing", "has"]))}
    if shape == 1:
        ordered = fact.type in ORDERED
        op = draw(st.sampled_from(COMPARE if ordered else ("==", "!=")))
        return draw(condition_on(kind, fact, op, as_of, params, other=True))
    op = draw(
        st.sampled_from([op for op in allowed_ops(fact) if op not in ("exists", "missing", "has")])
    )
    return draw(condition_on(kind, fact, op, as_of, params))


@st.composite
def condition_on(
    draw: st.DrawFn, kind: str, fact: Fact, op: str, as_of: date, params: dict, other: bool = False
) -> dict:
    """A valid condition of a given fact and operator (against another fact if `other`)."""
    doc: dict[str, Any] = {"fact": fact.name, "op": op}
    if other:
        pairs = [
            f
            for f in CATALOG.of(kind).values()
            if f.type is fact.type and f.choices == fact.choices
        ]
        doc["other"] = draw(st.sampled_from(pairs)).name
        return doc
    if op in ("exists", "missing", "has"):
        return doc
    if op in ("years_since", "months_since") and draw(st.booleans()):
        doc["on"] = draw(days_near(as_of)).isoformat()
    value = draw(value_of(fact, op, as_of))
    if (
        op in ("<", "<=", ">", ">=", "==", "!=", "before", "after", "in", "not_in")
        and draw(st.integers(0, 4)) == 0
        and fact.type in (FactType.INTEGER, FactType.DATE, FactType.MONEY, FactType.ENUM)
    ):
        name = f"p{next(_names)}"
        params[name] = draw(param(value_of(fact, op, as_of)))
        value = {"param": name}
    if op == "between" and fact.type is not FactType.ENUM and draw(st.integers(0, 3)) == 0:
        name = f"p{next(_names)}"
        params[name] = {"label": "下限", "values": [{"from": "2000-01-01", "value": value[0]}]}
        value = [{"param": name}, value[1]]
    doc["value"] = value
    return doc


def value_of(fact: Fact, op: str, as_of: date) -> st.SearchStrategy[Any]:
    """A valid value for fact and op."""
    if op == "within_last":
        return st.builds(
            lambda unit, n: {unit: n},
            st.sampled_from(["days", "months", "years"]),
            st.integers(1, 40),
        )
    if op in ("before", "after"):
        return days_near(as_of).map(date.isoformat)
    if op == "in_year":
        return st.integers(-3, 1)
    if op in ("years_since", "months_since"):
        top = 90 if op == "years_since" and fact.name == "birth_date" else 40
        return st.builds(lambda c, n: {c: n}, st.sampled_from(COMPARE), st.integers(0, top))
    if op in ("in", "not_in", "has_any", "has_all", "has_none"):
        one = st.sampled_from(fact.values) if fact.choices else scalar(fact, as_of)
        return st.lists(one, min_size=1, max_size=3)
    if op == "between":
        rank = (lambda v: fact.values.index(v)) if fact.type is FactType.ENUM else (lambda v: v)
        pair = st.lists(scalar(fact, as_of), min_size=2, max_size=2)
        return pair.map(lambda p: sorted(p, key=rank))
    return scalar(fact, as_of)


@st.composite
def rule(draw: st.DrawFn, pool: list[dict], depth: int = 0) -> dict:
    """A rule over a pool of conditions (so rules share conditions), nested all/any/not."""
    choice = draw(st.integers(0, 9 if depth < 2 else 0))
    if choice <= 4:
        return dict(draw(st.sampled_from(pool)))
    if choice == 5:
        return {"not": draw(rule(pool, depth + 1))}
    op = "all" if choice <= 7 else "any"
    return {op: draw(st.lists(rule(pool, depth + 1), min_size=1, max_size=4))}


@st.composite
def amount(
    draw: st.DrawFn, kind: str, params: dict, top: bool = True, pool: list | None = None
) -> dict:
    """A valid amount formula of any kind; with a pool of conditions, conditional ones too."""
    facts = list(CATALOG.of(kind).values())
    fen = st.integers(0, 5000)
    shapes = ["fixed", "per_unit", "rate", "tiers", "sum" if top else "fixed"]
    if pool and top:
        shapes += ["choose", "choose"]
    shape = draw(st.sampled_from(shapes))
    doc: dict[str, Any] = {"kind": shape}
    if top:
        doc["period"] = draw(st.sampled_from(["once", "monthly", "yearly"]))
    if shape == "fixed":
        doc["fen"] = draw(fen)
        if draw(st.booleans()):
            name = f"p{next(_names)}"
            params[name] = draw(param(fen))
            doc["fen"] = {"param": name}
    elif shape == "per_unit":
        doc["fact"] = draw(st.sampled_from([f for f in facts if f.type is FactType.INTEGER])).name
        doc["unit_fen"] = draw(fen)
        if draw(st.booleans()):
            doc["max_units"] = draw(st.integers(1, 6))
    elif shape == "rate":
        doc["base"] = draw(st.sampled_from([f for f in facts if f.type is FactType.MONEY])).name
        doc["rate"] = draw(
            st.sampled_from(["0.6", "0.05", "1", "0.333", "0.125", "2.5", "0.0001", "2/3", "1/7"])
        )
        if draw(st.booleans()):
            doc["round"] = draw(st.sampled_from(["half_up", "floor", "ceiling"]))
        if draw(st.booleans()):
            doc["to"] = draw(st.sampled_from(["fen", "yuan"]))
        bounds = sorted(draw(st.lists(st.integers(0, 9000), min_size=2, max_size=2)))
        if draw(st.booleans()):
            doc["floor_fen"] = bounds[0]
        if draw(st.booleans()):
            doc["cap_fen"] = bounds[1]
    elif shape == "tiers":
        numeric = (FactType.INTEGER, FactType.MONEY, FactType.DECIMAL)
        fact = draw(st.sampled_from([f for f in facts if f.type in numeric]))
        doc["fact"] = fact.name
        doc["tiers"] = draw(st.lists(tier(fact), min_size=1, max_size=3))
    elif shape == "choose":
        assert pool
        count = draw(st.integers(1, 3))
        doc["branches"] = [
            {
                "when": draw(rule(pool, 1)),
                "amount": draw(amount(kind, params, top=False, pool=pool)),
            }
            for _ in range(count)
        ]
        if draw(st.booleans()):
            doc["otherwise"] = draw(amount(kind, params, top=False))
    else:
        doc["parts"] = draw(
            st.lists(amount(kind, params, top=False, pool=pool), min_size=1, max_size=3)
        )
    return doc


@st.composite
def tier(draw: st.DrawFn, fact: Fact) -> dict:
    """One tier with optional bounds (integers, or halves for a fractional bound)."""
    values = scalar(fact, date(2026, 1, 1)) if fact.type is not FactType.DECIMAL else None
    bound = values if values is not None else st.integers(0, 40).map(lambda n: n * 2.5)
    low, high = sorted(draw(st.lists(bound, min_size=2, max_size=2)))
    doc: dict[str, Any] = {"fen": draw(st.integers(0, 3000))}
    if draw(st.booleans()):  # a fractional bound, but money bounds are fen: integers
        fraction = 0.5 if fact.type is not FactType.MONEY and draw(st.booleans()) else 0
        doc["min"] = low + fraction
    if draw(st.booleans()):
        doc["max"] = high
    if "min" in doc and "max" in doc and doc["min"] > doc["max"]:
        doc["min"] = doc["max"]
    return doc


@st.composite
def profile(draw: st.DrawFn, kind: str, as_of: date) -> dict:
    """A profile where any fact may be absent, null, valid or malformed; derived ones given."""
    facts: dict[str, Any] = {}
    for fact in CATALOG.of(kind).values():
        shape = draw(st.integers(0, 30 if fact.derived else 9))
        if shape == 0:
            facts[fact.name] = None
        elif shape == 1:
            facts[fact.name] = draw(st.sampled_from(MALFORMED[fact.type]))
        elif shape <= (4 if not fact.derived else 2):
            continue
        elif shape <= 9:
            facts[fact.name] = draw(scalar(fact, as_of))
    return facts
