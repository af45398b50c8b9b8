"""Validation a publisher can act on: JSON paths and Chinese messages."""

from __future__ import annotations

from datetime import date

import pytest

from rules import BUILTIN, RuleInvalid, compile_item, validate_item
from rules.language import canonical_document


def errors_of(rule, kind="person", **extra):  # type: ignore[no-untyped-def]
    return {
        (e.path, e.message)
        for e in validate_item(catalog=BUILTIN, subject_kind=kind, rule=rule, **extra)
    }


def messages(rule, kind="person", **extra) -> list[str]:  # type: ignore[no-untyped-def]
    return [m for _, m in sorted(errors_of(rule, kind, **extra))]


def test_a_valid_rule_has_no_errors() -> None:
    rule = {
        "all": [
            {"fact": "hukou_district", "op": "in", "value": ["3715"]},
            {"fact": "age", "op": "between", "value": [16, 60]},
            {
                "any": [
                    {"fact": "assistance_tags", "op": "has_any", "value": ["dibao", "tekun"]},
                    {"not": {"fact": "owns_home_in_city", "op": "==", "value": True}},
                ]
            },
            {"fact": "business_registered_on", "op": "within_last", "value": {"years": 3}},
            {"fact": "education", "op": ">=", "value": "college"},
            {"fact": "disability_level", "op": "exists"},
        ]
    }
    assert errors_of(rule) == set()


def test_the_empty_rule_is_valid_and_means_everyone() -> None:
    assert errors_of({}) == set()


def test_unknown_fact_names_the_path() -> None:
    assert errors_of({"all": [{"fact": "shoe_size", "op": ">", "value": 40}]}) == {
        ("$.all[0].fact", "未知的指标「shoe_size」（指标目录：GET /api/v1/facts）")
    }


@pytest.mark.parametrize(
    ("written", "meant"),
    [("hukou", "hukou_district"), ("户籍地", "hukou_district"), ("eduction", "education")],
)
def test_an_unknown_fact_suggests_the_one_probably_meant(written: str, meant: str) -> None:
    [(path, message)] = errors_of({"fact": written, "op": "exists"})
    label = BUILTIN.find("person", meant).label  # type: ignore[union-attr]
    assert path == "$.fact" and f"您是否要找「{label}」（{meant}）" in message


def test_a_fact_written_by_its_chinese_name_is_told_its_key() -> None:
    [(_, message)] = errors_of({"fact": "户籍", "op": "exists"})
    assert "请写 hukou_district" in message


def test_a_fact_of_the_other_subject_kind_says_so() -> None:
    assert messages({"fact": "employees", "op": ">", "value": 10}) == [
        "指标「从业人数」适用于企业，本事项面向个人"
    ]


def test_an_operator_the_type_does_not_allow() -> None:
    ((path, message),) = errors_of({"fact": "age", "op": "has_any", "value": [1]})
    assert path == "$.op" and message.startswith("指标「年龄」不支持运算「has_any」")


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ({"fact": "age", "op": ">=", "value": "八十"}, "「年龄」的取值应为整数"),
        ({"fact": "household_income_fen", "op": ">", "value": 1.5}, "单位：分"),
        ({"fact": "birth_date", "op": "<", "value": "2024-02-30"}, "不是有效日期"),
        ({"fact": "employment_status", "op": "==", "value": "jobless"}, "不是「就业状态」的可选值"),
        ({"fact": "assistance_tags", "op": "has_any", "value": []}, "非空列表"),
        ({"fact": "hukou_district", "op": "in", "value": ["聊城"]}, "编码"),
        ({"fact": "age", "op": "between", "value": [60, 16]}, "下限不能大于上限"),
        (
            {"fact": "social_insurance_since", "op": "within_last", "value": {"weeks": 2}},
            "within_last",
        ),
        ({"fact": "veteran", "op": "==", "value": "yes"}, "true 或 false"),
        ({"fact": "age", "op": ">=", "value": 200}, "不能大于 150"),
    ],
)
def test_a_value_of_the_wrong_type_or_outside_the_choices(condition: dict, fragment: str) -> None:
    found = errors_of({"all": [condition]})
    assert len(found) == 1
    ((path, message),) = found
    assert path == "$.all[0].value" and fragment in message


def test_an_empty_group_is_refused() -> None:
    assert errors_of({"all": [{"any": []}]}) == {("$.all[0].any", "条件组 any 不能为空")}


def test_contradictory_bounds_on_one_fact() -> None:
    found = errors_of(
        {
            "all": [
                {"fact": "age", "op": ">=", "value": 60},
                {"fact": "age", "op": "<", "value": 18},
            ]
        }
    )
    assert found == {("$", "「年龄」的条件互相矛盾：≥ 60 且 < 18")}


def test_bounds_that_touch_are_not_contradictory_unless_one_excludes() -> None:
    assert (
        errors_of(
            {
                "all": [
                    {"fact": "age", "op": ">=", "value": 60},
                    {"fact": "age", "op": "<=", "value": 60},
                ]
            }
        )
        == set()
    )
    assert (
        errors_of(
            {
                "all": [
                    {"fact": "age", "op": ">", "value": 60},
                    {"fact": "age", "op": "<=", "value": 60},
                ]
            }
        )
        != set()
    )


def test_the_same_bounds_under_any_are_not_contradictory() -> None:
    assert (
        errors_of(
            {
                "any": [
                    {"fact": "age", "op": ">=", "value": 60},
                    {"fact": "age", "op": "<", "value": 18},
                ]
            }
        )
        == set()
    )


def test_depth_and_size_limits() -> None:
    deep: dict = {"fact": "age", "op": ">", "value": 1}
    for _ in range(9):
        deep = {"not": deep}
    assert any("嵌套过深" in m for m in messages(deep))
    wide = {"any": [{"fact": "age", "op": "==", "value": n % 100} for n in range(201)]}
    assert any("规则条件过多" in m for m in messages(wide))


def test_unknown_keys_and_shapes() -> None:
    assert ("$.all[0]", "不认识的字段：valeu") in errors_of(
        {"all": [{"fact": "age", "op": ">", "value": 1, "valeu": 2}]}
    )
    assert messages({"all": {"fact": "age"}}) == ["条件组 all 不能为空"]
    assert messages([1, 2]) == ["规则的每一部分都应是对象（all / any / not 或一个条件）"]


def test_two_facts_must_have_the_same_type() -> None:
    assert (
        errors_of(
            {"fact": "tax_paid_fen", "op": ">", "other": "unemployment_insurance_paid_fen"},
            kind="enterprise",
        )
        == set()
    )
    found = messages({"fact": "employees", "op": ">", "other": "revenue_fen"}, kind="enterprise")
    assert found and "类型不同" in found[0]


def test_params_must_exist_and_fit_the_fact_on_every_date() -> None:
    assert messages({"fact": "age", "op": ">=", "value": {"param": "nope"}}) == [
        "未定义的参数「nope」"
    ]
    params = {
        "min_age": {
            "values": [{"from": "2024-01-01", "value": 80}, {"from": "2027-01-01", "value": "八十"}]
        }
    }
    found = errors_of({"fact": "age", "op": ">=", "value": {"param": "min_age"}}, params=params)
    assert {path for path, _ in found} == {"$params.min_age.values[1].value"}


def test_compile_item_raises_with_every_error() -> None:
    with pytest.raises(RuleInvalid) as caught:
        compile_item(
            catalog=BUILTIN,
            subject_kind="person",
            rule={"all": [{"fact": "x", "op": "==", "value": 1}, {"fact": "age"}]},
        )
    assert len(caught.value.errors) == 2
    assert set(caught.value.by_path()) == {"$.all[0].fact", "$.all[1].op"}


def test_within_last_has_a_sane_upper_bound() -> None:
    found = errors_of(
        {"fact": "founded_on", "op": "within_last", "value": {"years": 5000}}, kind="enterprise"
    )
    assert {path for path, _ in found} == {"$.value"}


def test_a_fraction_for_a_percent_fact_names_the_unit() -> None:
    [(path, message)] = errors_of(
        {"fact": "layoff_rate", "op": "<=", "value": 0.055}, kind="enterprise"
    )
    assert path == "$.value" and "以 % 计" in message and "请写 5.5" in message
    assert (
        errors_of({"fact": "layoff_rate", "op": "<=", "value": "0.5%"}, kind="enterprise") == set()
    )
    assert errors_of({"fact": "layoff_rate", "op": "<=", "value": 5.5}, kind="enterprise") == set()


def test_has_is_unknown_where_exists_fails() -> None:
    """ "Holds a disability certificate": an unrecorded level is 不知道 with `has`, while
    `exists` asks only whether the profile records it."""
    has = compile_item(
        catalog=BUILTIN, subject_kind="person", rule={"fact": "disability_level", "op": "has"}
    )
    exists = compile_item(
        catalog=BUILTIN, subject_kind="person", rule={"fact": "disability_level", "op": "exists"}
    )
    today = date(2026, 12, 4)
    assert has.verdict({}, today).word == "unknown"
    assert exists.verdict({}, today).word == "ineligible"
    assert has.verdict({"disability_level": 1}, today).word == "eligible"
    assert has.evaluate({}, today).missing == ["disability_level"]


@pytest.mark.parametrize(
    ("rule", "facts", "word"),
    [
        (
            {"fact": "graduation_year", "op": "in_year", "value": 0},
            {"graduation_year": 2026},
            "eligible",
        ),
        (
            {"fact": "graduation_year", "op": "in_year", "value": -1},
            {"graduation_year": 2026},
            "ineligible",
        ),
        (
            {"fact": "business_registered_on", "op": "in_year", "value": 0},
            {"business_registered_on": "2026-01-01"},
            "eligible",
        ),
        (
            {"fact": "birth_date", "op": "years_since", "value": {">=": 60}, "on": "2026-12-31"},
            {"birth_date": "1966-12-31"},
            "eligible",
        ),
        (
            {"fact": "birth_date", "op": "years_since", "value": {">=": 60}},
            {"birth_date": "1966-12-31"},
            "ineligible",
        ),
        (
            {"fact": "social_insurance_since", "op": "months_since", "value": {">=": 6}},
            {"social_insurance_since": "2026-06-04"},
            "eligible",
        ),
        (
            {"fact": "graduation_year", "op": "years_since", "value": {"<=": 2}},
            {"graduation_year": 2024},
            "eligible",
        ),
    ],
)
def test_the_date_logic_of_real_texts(rule: dict, facts: dict, word: str) -> None:
    item = compile_item(catalog=BUILTIN, subject_kind="person", rule=rule)
    assert item.verdict(facts, date(2026, 12, 4)).word == word


def test_date_logic_is_checked() -> None:
    assert errors_of({"fact": "birth_date", "op": "years_since", "value": 60}) == {
        ("$.value", 'years_since 需要一个比较，如 {">=": 60}')
    }
    assert {
        path for path, _ in errors_of({"fact": "age", "op": ">=", "value": 1, "on": "2026-01-01"})
    } == {"$.on"}


def test_a_tag_both_required_and_excluded_is_refused() -> None:
    rule = {
        "all": [
            {"fact": "assistance_tags", "op": "has_any", "value": ["dibao"]},
            {"fact": "assistance_tags", "op": "has_none", "value": ["dibao", "tekun"]},
        ]
    }
    assert errors_of(rule) == {("$", "「救助身份」的条件互相矛盾：既要求含又要求不含 低保对象")}
    rule["all"][0]["value"] = ["dibao", "low_income"]  # 低收入人口 may still hold
    assert errors_of(rule) == set()


def test_districts_and_industries_may_be_written_by_name() -> None:
    rule = {
        "all": [
            {"fact": "registered_district", "op": "in", "value": ["东昌府区", "聊城市"]},
            {"fact": "industry_code", "op": "in", "value": ["制造业"]},
        ]
    }
    item = compile_item(catalog=BUILTIN, subject_kind="enterprise", rule=rule)
    today = date(2026, 12, 4)
    firm = {"registered_district": "371526", "industry_code": "C3484"}
    assert item.verdict(firm, today).word == "eligible"
    stored = canonical_document(rule, BUILTIN.of("enterprise"))
    assert stored["all"][0]["value"] == ["371502", "3715"] and stored["all"][1]["value"] == ["C"]
    assert errors_of({"fact": "hukou_district", "op": "==", "value": "火星区"}) != set()
