"""The policy calculator: formulas, rounding, periods, traces, and standards that change by date."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import BUILTIN, RuleInvalid, compile_item, validate_item
from rules.amounts import round_half_up

TODAY = date(2026, 11, 27)


def amount(doc, facts, kind="person", rule=None, params=None, as_of=TODAY):  # type: ignore[no-untyped-def]
    item = compile_item(
        catalog=BUILTIN, subject_kind=kind, rule=rule or {}, amount=doc, params=params
    )
    return item.evaluate(facts, as_of).amount


def test_fixed_once() -> None:
    result = amount({"kind": "fixed", "fen": 300000}, {})
    assert (result.fen, result.period, result.annual_fen) == (300000, "once", 300000)
    assert result.trace == ["定额 3,000 元"]


def test_per_unit_with_its_trace_and_cap() -> None:
    doc = {"kind": "per_unit", "fact": "new_graduate_hires", "unit_fen": 150000, "max_units": 5}
    result = amount(doc, {"new_graduate_hires": 3}, kind="enterprise")
    assert result.fen == 450000
    assert result.trace == ["1,500 元 × 3 人 = 4,500 元"]
    capped = amount(doc, {"new_graduate_hires": 9}, kind="enterprise")
    assert capped.fen == 750000 and "按上限 5 人计" in capped.trace[0]


def test_rate_rounds_half_up_and_applies_floor_and_cap() -> None:
    doc = {
        "kind": "rate",
        "base": "unemployment_insurance_paid_fen",
        "rate": "0.6",
        "floor_fen": 100,
        "cap_fen": 50_000_000,
    }
    result = amount(doc, {"unemployment_insurance_paid_fen": 1_234_567}, kind="enterprise")
    assert result.fen == 740740  # 740,740.2 -> 740,740
    assert result.trace == ["上年失业保险缴费额 12,345.67 元 × 60% = 7,407.40 元"]
    half = amount(doc, {"unemployment_insurance_paid_fen": 1_234_575}, kind="enterprise")
    assert half.fen == 740745  # 740,745.0 exactly
    odd = amount({**doc, "rate": "0.5"}, {"unemployment_insurance_paid_fen": 3}, kind="enterprise")
    assert odd.fen == 100  # 1.5 -> 2 by half up, then the floor of 100
    assert (
        amount(doc, {"unemployment_insurance_paid_fen": 10**11}, kind="enterprise").fen
        == 50_000_000
    )


def test_tiers_monthly_with_the_yearly_expectation() -> None:
    doc = {
        "kind": "tiers",
        "fact": "age",
        "period": "monthly",
        "tiers": [
            {"min": 80, "max": 89, "fen": 10000},
            {"min": 90, "max": 99, "fen": 20000},
            {"min": 100, "fen": 50000},
        ],
    }
    result = amount(doc, {"birth_date": "1934-11-27"})
    assert (result.fen, result.annual_fen) == (20000, 240000)
    assert result.trace == [
        "年龄 92 周岁，适用 90–99 周岁 档：200 元",
        "按月发放，未来 12 个月预计 2,400 元",
    ]
    assert amount(doc, {"birth_date": "1920-01-01"}).fen == 50000
    assert amount(doc, {"birth_date": "1990-01-01"}).fen == 0


def test_sum_of_parts() -> None:
    doc = {
        "kind": "sum",
        "period": "monthly",
        "parts": [
            {"kind": "fixed", "fen": 8000},
            {"kind": "tiers", "fact": "disability_level", "tiers": [{"max": 2, "fen": 10000}]},
        ],
    }
    result = amount(doc, {"disability_level": 1})
    assert result.fen == 18000 and result.trace[-2:] == [
        "合计 180 元",
        "按月发放，未来 12 个月预计 2,160 元",
    ]


def test_an_amount_whose_fact_is_missing_is_unknown() -> None:
    doc = {"kind": "per_unit", "fact": "new_graduate_hires", "unit_fen": 150000}
    result = amount(doc, {}, kind="enterprise")
    assert result.fen is None and result.annual_fen is None
    assert result.missing == ["new_graduate_hires"]


def test_eligible_with_zero_is_not_the_same_as_not_eligible() -> None:
    rule = {"fact": "new_graduate_hires", "op": ">=", "value": 0}
    doc = {"kind": "per_unit", "fact": "new_graduate_hires", "unit_fen": 150000}
    zero = compile_item(catalog=BUILTIN, subject_kind="enterprise", rule=rule, amount=doc).evaluate(
        {"new_graduate_hires": 0}, TODAY
    )
    assert zero.verdict.word == "eligible" and zero.amount.fen == 0
    refused = compile_item(
        catalog=BUILTIN,
        subject_kind="enterprise",
        rule={"fact": "new_graduate_hires", "op": ">=", "value": 1},
        amount=doc,
    ).evaluate({"new_graduate_hires": 0}, TODAY)
    assert refused.verdict.word == "ineligible" and refused.amount is None


def test_a_change_of_standard_is_published_ahead_and_applies_from_its_date() -> None:
    params = {
        "min_age": {
            "label": "起始年龄",
            "values": [
                {"from": "2024-01-01", "value": 80},
                {"from": "2027-01-01", "value": 75, "ref": "聊民发〔2026〕21号"},
            ],
        },
        "monthly": {
            "values": [
                {"from": "2024-01-01", "value": 10000},
                {"from": "2027-01-01", "value": 12000},
            ]
        },
    }
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="person",
        rule={"fact": "age", "op": ">=", "value": {"param": "min_age"}},
        amount={"kind": "fixed", "fen": {"param": "monthly"}, "period": "monthly"},
        params=params,
    )
    facts = {"birth_date": "1950-06-01"}  # 76 in both years
    before = item.evaluate(facts, date(2026, 12, 31))
    after = item.evaluate(facts, date(2027, 1, 1))
    assert before.verdict.word == "ineligible" and "≥ 80" in before.summary
    assert after.verdict.word == "eligible" and after.amount.fen == 12000


def test_a_date_without_a_value_for_a_used_param_is_reported() -> None:
    params = {"monthly": {"values": [{"from": "2026-01-01", "value": 1}]}}
    with pytest.raises(RuleInvalid) as caught:
        compile_item(
            catalog=BUILTIN,
            subject_kind="person",
            rule={},
            params=params,
            amount={"kind": "fixed", "fen": {"param": "monthly"}},
            check_dates=(date(2025, 6, 1),),
        )
    assert [e.path for e in caught.value.errors] == ["$params.monthly"]
    assert "2025-06-01 没有适用的取值" in caught.value.errors[0].message


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ({"kind": "bonus", "fen": 1}, "$amount"),
        ({"kind": "fixed", "fen": 1.5}, "$amount.fen"),
        ({"kind": "fixed", "fen": -1}, "$amount.fen"),
        ({"kind": "rate", "base": "employees", "rate": "0.6"}, "$amount.base"),
        ({"kind": "rate", "base": "tax_paid_fen", "rate": "六成"}, "$amount.rate"),
        (
            {"kind": "tiers", "fact": "employees", "tiers": [{"min": 10, "max": 5, "fen": 1}]},
            "$amount.tiers[0]",
        ),
        ({"kind": "fixed", "fen": 1, "period": "weekly"}, "$amount.period"),
        ({"kind": "per_unit", "fact": "employees"}, "$amount"),
    ],
)
def test_invalid_amounts_name_the_path(doc: dict, path: str) -> None:
    errors = validate_item(catalog=BUILTIN, subject_kind="enterprise", rule={}, amount=doc)
    assert path in {e.path for e in errors}


@given(
    st.integers(min_value=-(10**12), max_value=10**12), st.integers(min_value=1, max_value=10**6)
)
def test_round_half_up_matches_decimal(numerator: int, denominator: int) -> None:
    from decimal import ROUND_HALF_UP, Decimal

    expected = (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    assert round_half_up(numerator, denominator) == int(expected)


def test_every_param_missing_on_a_checked_date_is_reported() -> None:
    params = {
        "a": {"values": [{"from": "2026-01-01", "value": 1}]},
        "b": {"values": [{"from": "2026-01-01", "value": 80}]},
    }
    with pytest.raises(RuleInvalid) as caught:
        compile_item(
            catalog=BUILTIN,
            subject_kind="person",
            params=params,
            rule={"fact": "age", "op": ">=", "value": {"param": "b"}},
            amount={"kind": "fixed", "fen": {"param": "a"}},
            check_dates=(date(2025, 6, 1),),
        )
    assert sorted(e.path for e in caught.value.errors) == ["$params.a", "$params.b"]


def test_money_tiers_read_in_yuan() -> None:
    doc = {
        "kind": "tiers",
        "fact": "revenue_fen",
        "tiers": [{"max": 99_999_999, "fen": 0}, {"min": 100_000_000, "fen": 500_000}],
    }
    result = amount(doc, {"revenue_fen": 200_000_000}, kind="enterprise")
    assert result.trace == ["上年营业收入 2,000,000 元，适用 1,000,000 元及以上 档：5,000 元"]


@pytest.mark.parametrize(
    ("doc", "bad"),
    [
        ({"kind": "fixed", "fen": {"param": "x"}}, "abc"),
        ({"kind": "fixed", "fen": {"param": "x"}}, 1.5),
        ({"kind": "fixed", "fen": {"param": "x"}}, -100),
        ({"kind": "rate", "base": "tax_paid_fen", "rate": {"param": "x"}}, "六成"),
        (
            {"kind": "tiers", "fact": "employees", "tiers": [{"min": {"param": "x"}, "fen": 1}]},
            "十",
        ),
        ({"kind": "per_unit", "fact": "employees", "unit_fen": 1, "max_units": {"param": "x"}}, 0),
    ],
)
def test_param_values_used_in_amounts_are_checked(doc: dict, bad: object) -> None:
    params = {"x": {"values": [{"from": "2026-01-01", "value": bad}]}}
    errors = validate_item(
        catalog=BUILTIN, subject_kind="enterprise", rule={}, amount=doc, params=params
    )
    assert [e.path for e in errors] == ["$params.x.values[0].value"]


def test_money_tier_bounds_must_be_whole_fen() -> None:
    doc = {"kind": "tiers", "fact": "revenue_fen", "tiers": [{"min": 0.5, "fen": 1}]}
    errors = validate_item(catalog=BUILTIN, subject_kind="enterprise", rule={}, amount=doc)
    assert [e.path for e in errors] == ["$amount.tiers[0].min"]


def test_tiers_by_an_ordered_level() -> None:
    doc = {
        "kind": "tiers",
        "fact": "education",
        "tiers": [
            {"min": "bachelor", "max": "bachelor", "fen": 60000},
            {"min": "master", "fen": 100000},
        ],
    }
    assert amount(doc, {"education": "doctor"}).trace == [
        "学历 博士研究生，适用 硕士研究生及以上 档：1,000 元"
    ]
    assert amount(doc, {"education": "bachelor"}).fen == 60000
    assert amount(doc, {"education": "college"}).fen == 0
    unordered = validate_item(
        catalog=BUILTIN,
        subject_kind="person",
        rule={},
        amount={"kind": "tiers", "fact": "gender", "tiers": [{"min": "male", "fen": 1}]},
    )
    assert [e.path for e in unordered] == ["$amount.fact"]


def test_two_thirds_floored_to_the_yuan_and_capped() -> None:
    """灵活就业社保补贴: 2/3 of what was paid, 向下取整到元, at most 6,000 元."""
    doc = {
        "kind": "rate",
        "base": "household_income_fen",
        "rate": "2/3",
        "round": "floor",
        "to": "yuan",
        "cap_fen": 600000,
    }
    result = amount(doc, {"household_income_fen": 1234567})  # 12,345.67 元 × 2/3 = 8,230.45 元
    assert result.fen == 600000 and "超过上限" in result.trace[-1]
    small = amount(doc, {"household_income_fen": 100099})  # 1,000.99 元 × 2/3 = 667.33 元
    assert small.fen == 66700
    assert small.trace[0] == "家庭年收入 1,000.99 元 × 2/3 = 667 元（向下取整到元）"
    up = amount({**doc, "round": "ceiling"}, {"household_income_fen": 100099})
    assert up.fen == 66800


@pytest.mark.parametrize(
    ("rounding", "to", "expected"),
    [
        ("half_up", "fen", 333),
        ("floor", "fen", 333),
        ("ceiling", "fen", 334),
        ("floor", "yuan", 300),
    ],
)
def test_each_rounding_mode(rounding: str, to: str, expected: int) -> None:
    doc = {
        "kind": "rate",
        "base": "household_income_fen",
        "rate": "1/3",
        "round": rounding,
        "to": to,
    }
    assert amount(doc, {"household_income_fen": 1000}).fen == expected


CHOOSE = {
    "kind": "choose",
    "branches": [
        {
            "when": {"fact": "enterprise_tags", "op": "has_any", "value": ["small_micro"]},
            "amount": {"kind": "rate", "base": "unemployment_insurance_paid_fen", "rate": "0.6"},
            "label": "中小微企业",
        }
    ],
    "otherwise": {"kind": "rate", "base": "unemployment_insurance_paid_fen", "rate": "0.3"},
}


def test_one_item_two_amounts_and_the_trace_names_the_case() -> None:
    """稳岗返还: 60% of last year's unemployment insurance for 中小微企业, else 30%."""
    paid = {"unemployment_insurance_paid_fen": 1000000}
    small = amount(CHOOSE, {**paid, "enterprise_tags": ["small_micro"]}, kind="enterprise")
    assert small.fen == 600000 and small.trace[0] == "适用情形：中小微企业"
    large = amount(CHOOSE, {**paid, "enterprise_tags": ["above_scale"]}, kind="enterprise")
    assert large.fen == 300000 and large.trace[0] == "不属于以上情形，按其他情形计"
    unsure = amount(CHOOSE, paid, kind="enterprise")
    assert unsure.fen is None and unsure.missing == ["enterprise_tags"]
    assert "是否属于「中小微企业」尚不确定" in unsure.trace[0]


def test_a_case_without_otherwise_gives_nothing_outside_its_cases() -> None:
    doc = {key: value for key, value in CHOOSE.items() if key != "otherwise"}
    result = amount(
        doc, {"enterprise_tags": [], "unemployment_insurance_paid_fen": 1}, kind="enterprise"
    )
    assert result.fen == 0 and result.trace == ["不属于任何情形：0 元"]


def test_conditional_amounts_are_checked_by_path() -> None:
    doc = {
        "kind": "choose",
        "branches": [{"when": {"fact": "shoe_size", "op": "exists"}, "amount": {"kind": "fixed"}}],
    }
    paths = {
        e.path
        for e in validate_item(catalog=BUILTIN, subject_kind="enterprise", rule={}, amount=doc)
    }
    assert paths == {"$amount.branches[0].when.fact", "$amount.branches[0].amount"}
    bad_rate = {"kind": "rate", "base": "household_income_fen", "rate": "2/0", "round": "down"}
    paths = {
        e.path
        for e in validate_item(catalog=BUILTIN, subject_kind="person", rule={}, amount=bad_rate)
    }
    assert paths == {"$amount.rate", "$amount.round"}
