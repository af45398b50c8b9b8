"""Synthetic residents as Columns and synthetic person items shaped like the demo ones."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np

from rules import BUILTIN, Catalog, ItemRules, compile_item
from rules.catalog import FactType, fact_from_document
from rules.columns import Column, Columns, to_days
from services.demo import _tables as tables
from services.demo._population import persons

POOL = 50_000
DISTRICTS = list(tables.DISTRICT_NAMES)
PLACES = ["3715"] * 6 + DISTRICTS + ["37"]
Doc = dict[str, Any]


def population(size: int, seed: int, as_of: date) -> Columns:
    """Residents drawn by services/demo/_population.py, resampled to `size`, dates jittered."""
    drawn = [
        person["facts"] for person in persons(random.Random(seed), min(size, POOL), as_of=as_of)
    ]
    pool = Columns.from_profiles(BUILTIN.of("person"), drawn)
    rng = np.random.default_rng(seed)
    picked = pool.take(rng.integers(0, pool.size, size)) if size > pool.size else pool
    shift = rng.integers(-180, 181, picked.size).astype(np.int32)  # one shift per person
    columns = {}
    for name in picked.names:
        column = picked.column(name)
        if column.fact.type is FactType.DATE:
            values = np.where(column.present, column.values + shift, 0).astype(np.int32)
            column = Column(column.fact, values, column.present)
        columns[name] = column
    return Columns(BUILTIN.of("person"), picked.size, columns)


def items(count: int, seed: int) -> list[ItemRules]:
    """Compile `count` synthetic items: 2–6 conditions, nested any/not, some dated params."""
    return [
        compile_item(
            catalog=BUILTIN, subject_kind="person", rule=rule, amount=amount, params=params
        )
        for rule, amount, params in item_documents(count, seed)
    ]


def item_documents(count: int, seed: int) -> list[tuple[Doc, Doc, Doc]]:
    """Return `count` synthetic items as (rule, amount, params) documents."""
    return [(rule, amount, params) for rule, amount, params, _ in shaped_items(count, seed)]


def shaped_items(count: int, seed: int) -> list[tuple[Doc, Doc, Doc, str]]:
    """Return `count` synthetic items as (rule, amount, params, template name)."""
    rng = random.Random(seed)
    out: list[tuple[Doc, Doc, Doc, str]] = []
    while len(out) < count:
        params: Doc = {}
        [template] = rng.choices(TEMPLATES, WEIGHTS)
        rule, amount = template(rng, params)
        out.append((rule, amount, params, template.__name__.strip("_")))
    return out


def _param(rng: random.Random, params: Doc, value: Any, later: Any = None) -> Doc:
    """Put a parameter (sometimes with a new value next year) and return its reference."""
    name = f"p{len(params)}"
    values = [{"from": "2020-01-01", "value": value}]
    if later is not None and rng.random() < 0.5:
        values.append({"from": "2027-01-01", "value": later})
    params[name] = {"label": name, "values": values}
    return {"param": name}


def _c(fact: str, op: str, value: Any = None) -> Doc:
    return {"fact": fact, "op": op} if value is None else {"fact": fact, "op": op, "value": value}


def _place(rng: random.Random, fact: str = "hukou_district") -> Doc:
    return _c(fact, "in", [rng.choice(PLACES)])


def _tags(rng: random.Random) -> list[str]:
    return rng.sample(["dibao", "tekun", "low_income", "orphan"], rng.randint(1, 3))


def _fixed(rng: random.Random, params: Doc, period: str = "once") -> Doc:
    fen = rng.choice([5000, 10000, 20000, 30000, 50000, 100000, 300000])
    return {"kind": "fixed", "period": period, "fen": _param(rng, params, fen, fen + 2000)}


def _elderly(rng: random.Random, params: Doc) -> tuple[Doc, Doc]:
    low = rng.choice([60, 65, 70, 75, 80, 85, 90, 100])
    parts = [_place(rng), _c("age", ">=", _param(rng, params, low, low - 5))]
    if rng.random() < 0.4:
        parts.append(_c("assistance_tags", "has_any", _tags(rng)))
    tiers = [{"min": low, "max": low + 9, "fen": 10000}, {"min": low + 10, "fen": 20000}]
    return {"all": parts}, {"kind": "tiers", "fact": "age", "period": "monthly", "tiers": tiers}


def _disability(rng: random.Random, params: Doc) -> tuple[Doc, Doc]:
    either = {
        "any": [
            _c("disability_level", "<=", rng.choice([1, 2, 3])),
            _c("assistance_tags", "has_any", ["dibao"]),
        ]
    }
    parts = [_place(rng), _c("disability_level", "exists"), either]
    if rng.random() < 0.5:
        parts.append(_c("age", "between", rng.choice([[16, 59], [18, 60], [0, 17]])))
    tiers = [{"min": 1, "max": 2, "fen": 20000}, {"min": 3, "max": 4, "fen": 10000}]
    return {"all": parts}, {
        "kind": "tiers",
        "fact": "disability_level",
        "period": "monthly",
        "tiers": tiers,
    }


def _assistance(rng: random.Random, params: Doc) -> tuple[Doc, Doc]:
    parts = [_place(rng), _c("assistance_tags", "has_any", _tags(rng))]
    if rng.random() < 0.5:
        line = rng.choice([1_176_000, 1_500_000, 1_800_000, 2_400_000])
        parts.append(_c("per_capita_income_fen", "<", _param(rng, params, line, line + 60_000)))
    if rng.random() < 0.3:
        parts.append({"not": _c("employment_status", "==", "employed")})
    return {"all": parts}, _fixed(rng, params, "yearly")


def _workers(rng: random.Random, params: Doc) -> tuple[Doc, Doc]:
    months = rng.choice([6, 12, 24, 36])
    parts = [
        _c("employment_status", "in", rng.sample(["employed", "flexible", "self_employed"], 2)),
        _c("unemployment_insurance_months", ">=", _param(rng, params, months, months)),
    ]
    if rng.random() < 0.7:
        parts.append(_c("skill_certificate", "exists"))
        parts.append(
            _c("skill_certificate", ">=", rng.choice(["junior", "intermediate", "senior"]))
        )
        parts.append(_c("skill_certificate_date", "within_last", {"years": rng.choice([1, 2])}))
    return {"all": parts}, _fixed(rng, params)


def _graduates(rng: random.Random, params: Doc) -> tuple[Doc, Doc]:
    parts = [
        _c("graduation_year", "exists"),
        _c("education", ">=", rng.choice(["vocational", "college", "bachelor", "master"])),
        _c("years_since_graduation", "between", [0, rng.choice([2, 3, 5])]),
        _c("age", "<=", _param(rng, params, rng.choice([35, 40, 45]))),
    ]
    if rng.random() < 0.5:
        parts.append(_c("social_insurance_since", ">=", rng.choice(["2023-01-01", "2024-07-01"])))
    if rng.random() < 0.5:
        parts.append(_place(rng, "residence_district"))
    return {"all": parts}, _fixed(rng, params, "monthly")


def _housing(rng: random.Random, params: Doc) -> tuple[Doc, Doc]:
    if rng.random() < 0.5:
        window = {"months": rng.choice([6, 12])}
        parts = [
            _c("first_home_purchase_date", "exists"),
            _c("first_home_purchase_date", "within_last", window),
            _c("first_home_purchase_date", "between", ["2025-04-01", "2026-12-31"]),
        ]
    else:
        poor = [
            _c("assistance_tags", "has_any", _tags(rng)),
            _c("per_capita_income_fen", "<", 1_500_000),
        ]
        parts = [
            _place(rng, "residence_district"),
            _c("owns_home_in_city", "==", False),
            {"any": poor},
        ]
    return {"all": parts}, _fixed(rng, params)


def _founders(rng: random.Random, params: Doc) -> tuple[Doc, Doc]:
    who = [
        _c("veteran", "==", True),
        _c("employment_status", "==", "unemployed"),
        _c("disability_level", "exists"),
    ]
    parts = [
        _c("business_registered_on", "exists"),
        _c("business_registered_on", "within_last", {"years": rng.choice([1, 2, 3, 5])}),
        {"any": rng.sample(who, rng.randint(1, 3))},
    ]
    if rng.random() < 0.6:
        parts.append(_place(rng))
    return {"all": parts}, _fixed(rng, params)


def _working_age(rng: random.Random, params: Doc) -> tuple[Doc, Doc]:
    men = {"all": [_c("gender", "==", "male"), _c("age", "between", [16, 59])]}
    women = {
        "all": [_c("gender", "==", "female"), _c("age", "between", [16, rng.choice([49, 54])])]
    }
    parts = [
        _place(rng),
        {"any": [men, women]},
        {"not": _c("employment_status", "in", ["retired", "student"])},
    ]
    return {"all": parts}, {
        "kind": "per_unit",
        "fact": "household_size",
        "unit_fen": 5000,
        "max_units": 4,
    }


def _broad(rng: random.Random, params: Doc) -> tuple[Doc, Doc]:
    parts = [_place(rng), _c("age", ">=", rng.choice([16, 18]))]
    if rng.random() < 0.5:
        parts.append(_c("veteran", "==", True))
    return {"all": parts}, {}


TEMPLATES: list[Callable[[random.Random, Doc], tuple[Doc, Doc]]] = [
    _elderly,
    _disability,
    _assistance,
    _workers,
    _graduates,
    _housing,
    _founders,
    _working_age,
    _broad,
]
# Broad items (most adults of the city) are few, as in the demo data: there the average person
# item matches about 6% of residents, the median one about 4%.
WEIGHTS = [4, 4, 4, 4, 4, 4, 4, 2, 2]


# The catalog mix of bench.rules: facts a city added at run time (through /api/v1/admin/facts,
# as rules.catalog.fact_from_document reads them), one of them a classification, and items
# whose conditions use them (a quarter), use derived facts (a tenth or more: 年龄, 年龄段 …)
# and whose amounts depend on a condition (a third).
RUNTIME_FACTS: list[Doc] = [
    {"key": "centralized_support", "label": "集中供养", "type": "boolean"},
    {"key": "paid_this_year_fen", "label": "本年度已缴社保费", "type": "money", "minimum": 0},
    {"key": "graduation_date", "label": "毕业日期", "type": "date"},
    {
        "key": "hardship_tags",
        "label": "困难情形",
        "type": "tags",
        "choices": [
            ["poverty_alleviated", "脱贫人口"],
            ["student_loan", "国家助学贷款"],
            ["zero_employment", "零就业家庭"],
            ["serious_illness", "重病患者"],
        ],
    },
    {
        "key": "community_grade",
        "label": "社区评定等级",
        "type": "enum",
        "ordered": True,
        "choices": [["c", "三级"], ["b", "二级"], ["a", "一级"]],
    },
    {
        "key": "support_level",
        "label": "帮扶等级",
        "type": "enum",
        "ordered": True,
        "choices": [["none", "无需帮扶"], ["watch", "关注"], ["help", "帮扶"]],
        "derivation": {
            "case": [
                {
                    "when": {
                        "fact": "hardship_tags",
                        "op": "has_any",
                        "value": ["serious_illness"],
                    },
                    "value": "help",
                },
                {
                    "when": {"fact": "per_capita_income_fen", "op": "<", "value": 1_500_000},
                    "value": "help",
                },
                {"when": {"fact": "age_band", "op": "==", "value": "senior"}, "value": "watch"},
            ],
            "else": "none",
        },
    },
]


def runtime_catalog() -> Catalog:
    """Return the built-in facts and the runtime-defined ones, as services.facts would load."""
    added = [
        fact_from_document({"subject_type": "person", "status": "active", **doc}, revision=1)
        for doc in RUNTIME_FACTS
    ]
    return Catalog([*BUILTIN, *added], version=2)


def with_runtime_facts(columns: Columns, catalog: Catalog, seed: int) -> Columns:
    """Return the population with the runtime facts' values drawn (some missing)."""
    facts = catalog.of("person")
    rng = np.random.default_rng(seed + 1)
    size = columns.size
    held = {name: Column(facts[name], c.values, c.present, c.dictionary, c.given)
            for name in columns.names for c in [columns.column(name)]}  # fmt: skip

    def present(share: float) -> np.ndarray:
        return rng.random(size) < share

    held["centralized_support"] = Column(
        facts["centralized_support"], rng.random(size) < 0.02, present(0.9)
    )
    held["paid_this_year_fen"] = Column(
        facts["paid_this_year_fen"], rng.integers(0, 2_000_000, size).astype(np.int64), present(0.7)
    )
    days = rng.integers(to_days(date(2015, 1, 1)), to_days(date(2027, 1, 1)), size).astype(np.int32)
    held["graduation_date"] = Column(facts["graduation_date"], days, present(0.3))
    tags = (rng.random((size, 4)) < [0.03, 0.02, 0.01, 0.02]) @ np.array([1, 2, 4, 8])
    held["hardship_tags"] = Column(facts["hardship_tags"], tags.astype(np.uint64), present(0.8))
    held["community_grade"] = Column(
        facts["community_grade"], rng.integers(0, 3, size).astype(np.int8), present(0.6)
    )
    return Columns(facts, size, held)  # fmt: skip


def mixed_documents(count: int, seed: int) -> tuple[list[tuple[Doc, Doc, Doc]], dict[str, float]]:
    """Return items of the catalog mix and the shares of what they use."""
    rng = random.Random(seed + 7)
    out = []
    conditions = runtime = derived = conditional = 0
    for rule, amount, params in item_documents(count, seed):
        parts = rule["all"] if "all" in rule else [rule]
        if rng.random() < 0.85:
            parts.append(rng.choice(RUNTIME_CONDITIONS)(rng))
        if rng.random() < 0.45:
            parts.append(rng.choice(RUNTIME_CONDITIONS)(rng))
        if rng.random() < 0.2:
            parts.append(rng.choice(CLASSIFIED)(rng))
        rule = {"all": parts}
        if amount and rng.random() < 0.4:
            amount = {
                "kind": "choose",
                "period": amount.get("period", "once"),
                "branches": [
                    {
                        "when": rng.choice(RUNTIME_CONDITIONS + CLASSIFIED)(rng),
                        "amount": {"kind": "fixed", "fen": rng.choice([20000, 50000])},
                    }
                ],
                "otherwise": {k: v for k, v in amount.items() if k != "period"},
            }
            conditional += 1
        for name in _facts_named(rule):
            conditions += 1
            runtime += name in RUNTIME_KEYS
            derived += name in DERIVED_KEYS
        out.append((rule, amount, params))
    shares = {
        "runtime_fact_condition_share": runtime / conditions,
        "derived_fact_condition_share": derived / conditions,
        "conditional_amount_item_share": conditional / count,
    }
    return out, shares


RUNTIME_KEYS = {doc["key"] for doc in RUNTIME_FACTS}
DERIVED_KEYS = {"age", "age_band", "per_capita_income_fen", "social_insurance_months",
                "years_since_graduation", "support_level"}  # fmt: skip
RUNTIME_CONDITIONS: list[Callable[[random.Random], Doc]] = [
    lambda rng: _c("centralized_support", "!=", True),
    lambda rng: _c("paid_this_year_fen", ">=", rng.choice([0, 100_000, 300_000])),
    lambda rng: _c("graduation_date", "in_year", rng.choice([0, -1])),
    lambda rng: _c("hardship_tags", "has_none", ["zero_employment"]),
    lambda rng: _c("community_grade", ">=", rng.choice(["c", "b"])),
]
CLASSIFIED: list[Callable[[random.Random], Doc]] = [
    lambda rng: _c("age_band", "in", rng.sample(["youth", "middle", "senior"], 2)),
    lambda rng: _c("support_level", "<=", rng.choice(["watch", "help"])),
]


def _facts_named(doc: Any) -> list[str]:
    if isinstance(doc, list):
        return [name for item in doc for name in _facts_named(item)]
    if not isinstance(doc, dict):
        return []
    if "fact" in doc:
        return [doc["fact"]]
    return [name for key in ("all", "any", "not") if key in doc for name in _facts_named(doc[key])]
