"""Evaluating one subject: three-valued verdicts, the explanation tree, the summary, what-if."""

from __future__ import annotations

from datetime import date

import pytest

from rules import BUILTIN, compile_item

TODAY = date(2026, 11, 27)

ELDERLY = compile_item(
    catalog=BUILTIN,
    subject_kind="person",
    rule={
        "all": [
            {"fact": "hukou_district", "op": "in", "value": ["371502", "371503"]},
            {"fact": "age", "op": ">=", "value": 80},
        ]
    },
)


def test_eligible_summary_names_the_values_that_qualify() -> None:
    result = ELDERLY.evaluate({"hukou_district": "371502", "birth_date": "1944-05-01"}, TODAY)
    assert result.verdict.word == "eligible"
    assert result.summary == "符合：户籍东昌府区、年龄 82 周岁"
    assert result.missing == []


def test_ineligible_summary_says_what_is_needed() -> None:
    result = ELDERLY.evaluate({"hukou_district": "371502", "birth_date": "1981-01-01"}, TODAY)
    assert result.verdict.word == "ineligible"
    assert result.summary == "不符合：年龄 45 周岁，需年龄 ≥ 80 周岁"


def test_a_missing_fact_is_unknown_not_no_and_the_summary_asks_for_it() -> None:
    result = ELDERLY.evaluate({"hukou_district": "371502"}, TODAY)
    assert result.verdict.word == "unknown"
    assert result.missing == ["birth_date"]
    assert result.summary == "还差：请补充 出生日期"


def test_a_failing_condition_decides_even_when_another_is_missing() -> None:
    result = ELDERLY.evaluate({"hukou_district": "370102"}, TODAY)
    assert result.verdict.word == "ineligible"
    assert result.summary == "不符合：户籍济南市（370102），需户籍在 东昌府区、茌平区"


def test_the_explanation_tree_covers_every_condition() -> None:
    tree = ELDERLY.evaluate({"hukou_district": "371502"}, TODAY).explanation.to_dict()
    assert tree["status"] == "unknown" and tree["op"] == "all"
    first, second = tree["children"]
    assert first == {
        "status": "pass",
        "text": "户籍在 东昌府区、茌平区",
        "fact": "hukou_district",
        "actual": "户籍东昌府区",
    }
    assert second["status"] == "unknown" and second["missing"] == ["birth_date"]
    assert second["text"] == "年龄 ≥ 80 周岁" and second["actual"] == "年龄未登记"


def test_kleene_logic_of_any_and_not() -> None:
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="person",
        rule={
            "any": [
                {"fact": "veteran", "op": "==", "value": True},
                {"not": {"fact": "owns_home_in_city", "op": "==", "value": True}},
            ]
        },
    )
    assert item.verdict({"veteran": True}, TODAY).word == "eligible"
    assert item.verdict({"veteran": False}, TODAY).word == "unknown"
    assert item.verdict({"veteran": False, "owns_home_in_city": True}, TODAY).word == "ineligible"
    assert item.verdict({"veteran": False, "owns_home_in_city": False}, TODAY).word == "eligible"
    assert item.verdict({}, TODAY).word == "unknown"


def test_an_any_that_fails_lists_the_alternatives() -> None:
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="person",
        rule={
            "any": [
                {"fact": "assistance_tags", "op": "has_any", "value": ["dibao", "tekun"]},
                {"fact": "disability_level", "op": "<=", "value": 2},
            ]
        },
    )
    result = item.evaluate({"assistance_tags": [], "disability_level": 4}, TODAY)
    assert result.verdict.word == "ineligible"
    assert result.summary == (
        "不符合：以下条件需满足其一：救助身份含 低保对象 或 特困人员 / 残疾等级 ≤ 2 级"
    )


def test_sensitive_values_are_masked_in_explanations() -> None:
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="person",
        rule={
            "all": [
                {"fact": "household_income_fen", "op": "<", "value": 3_000_000},
                {"fact": "disability_level", "op": "exists"},
            ]
        },
    )
    result = item.evaluate({"household_income_fen": 2_100_000, "disability_level": 2}, TODAY)
    tree = result.explanation.to_dict()
    assert tree["children"][0]["actual"] == "家庭年收入 ***"
    assert "21,000" not in str(result.to_dict())
    assert result.summary == "符合：家庭年收入 < 30,000 元、已登记残疾等级"


def test_custom_wording_replaces_the_generated_one() -> None:
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="person",
        rule={"fact": "age", "op": ">=", "value": 80, "label": "年满80周岁"},
    )
    assert item.evaluate({"birth_date": "1990-01-01"}, TODAY).summary == (
        "不符合：年龄 36 周岁，需年满80周岁"
    )


@pytest.mark.parametrize(
    ("condition", "facts", "verdict", "text"),
    [
        (
            {"fact": "business_registered_on", "op": "within_last", "value": {"years": 3}},
            {"business_registered_on": "2023-11-28"},
            "eligible",
            "创业登记日期在近 3 年内",
        ),
        (
            {"fact": "business_registered_on", "op": "within_last", "value": {"years": 3}},
            {"business_registered_on": "2023-11-27"},
            "ineligible",
            "创业登记日期在近 3 年内",
        ),
        (
            {"fact": "first_home_purchase_date", "op": "after", "value": "2025-01-01"},
            {"first_home_purchase_date": "2025-01-01"},
            "ineligible",
            "首套住房购买日期晚于 2025年1月1日",
        ),
        (
            {"fact": "education", "op": ">=", "value": "college"},
            {"education": "bachelor"},
            "eligible",
            "学历大专及以上",
        ),
        (
            {"fact": "education", "op": ">=", "value": "college"},
            {"education": "vocational"},
            "ineligible",
            "学历大专及以上",
        ),
        (
            {"fact": "assistance_tags", "op": "has_all", "value": ["dibao", "orphan"]},
            {"assistance_tags": ["dibao"]},
            "ineligible",
            "救助身份同时含 低保对象 和 孤儿",
        ),
        (
            {"fact": "assistance_tags", "op": "has_none", "value": ["tekun"]},
            {"assistance_tags": ["dibao"]},
            "eligible",
            "救助身份不含 特困人员",
        ),
        (
            {"fact": "employment_status", "op": "in", "value": ["unemployed", "flexible"]},
            {"employment_status": "flexible"},
            "eligible",
            "就业状态为 失业、灵活就业 之一",
        ),
        (
            {"fact": "residence_district", "op": "not_in", "value": ["3715"]},
            {"residence_district": "371522"},
            "ineligible",
            "居住地不在 聊城市",
        ),
        ({"fact": "disability_level", "op": "missing"}, {}, "eligible", "未登记残疾等级"),
        (
            {"fact": "social_insurance_months", "op": ">=", "value": 12},
            {"social_insurance_since": "2025-11-28"},
            "ineligible",
            "参保月数 ≥ 12 个月",
        ),
        (
            {"fact": "per_capita_income_fen", "op": "<", "value": 1_000_000},
            {"household_income_fen": 2_999_999, "household_size": 3},
            "eligible",
            "家庭人均年收入 < 10,000 元",
        ),
    ],
)
def test_each_operator_decides_and_reads_well(condition, facts, verdict, text) -> None:  # type: ignore[no-untyped-def]
    item = compile_item(catalog=BUILTIN, subject_kind="person", rule=condition)
    result = item.evaluate(facts, TODAY)
    assert result.verdict.word == verdict
    assert result.explanation.text == text


def test_comparing_two_facts() -> None:
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="enterprise",
        rule={"fact": "tax_paid_fen", "op": ">", "other": "unemployment_insurance_paid_fen"},
    )
    assert (
        item.verdict({"tax_paid_fen": 10, "unemployment_insurance_paid_fen": 5}, TODAY).word
        == "eligible"
    )
    assert item.verdict({"tax_paid_fen": 10}, TODAY).word == "unknown"
    assert item.evaluate({"tax_paid_fen": 10}, TODAY).missing == ["unemployment_insurance_paid_fen"]


def test_malformed_stored_values_count_as_missing() -> None:
    assert (
        ELDERLY.verdict({"hukou_district": "371502", "birth_date": "1944-13-01"}, TODAY).word
        == "unknown"
    )
    assert (
        ELDERLY.verdict({"hukou_district": 371502, "birth_date": "1944-01-01"}, TODAY).word
        == "unknown"
    )


def test_what_if_overrides_facts_without_touching_the_profile() -> None:
    profile = {"hukou_district": "371502", "birth_date": "1950-01-01"}
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="enterprise",
        rule={"fact": "new_graduate_hires", "op": ">=", "value": 1},
        amount={"kind": "per_unit", "fact": "new_graduate_hires", "unit_fen": 150000},
    )
    facts = {"new_graduate_hires": 0}
    assert item.evaluate(facts, TODAY).verdict.word == "ineligible"
    what_if = item.evaluate(facts, TODAY, overrides={"new_graduate_hires": 3})
    assert what_if.verdict.word == "eligible" and what_if.amount.fen == 450000
    assert facts == {"new_graduate_hires": 0}
    assert (
        ELDERLY.evaluate(profile, TODAY, overrides={"hukou_district": "370102"}).verdict.word
        == "ineligible"
    )


def test_the_empty_rule_admits_everyone_of_the_kind() -> None:
    item = compile_item(catalog=BUILTIN, subject_kind="person", rule={})
    result = item.evaluate({}, TODAY)
    assert result.verdict.word == "eligible" and result.summary.startswith("符合")


def test_fast_path_agrees_with_the_explained_one() -> None:
    for facts in (
        {"hukou_district": "371502", "birth_date": "1944-05-01"},
        {"hukou_district": "371502"},
        {"hukou_district": "370102"},
        {},
    ):
        fast = ELDERLY.evaluate(facts, TODAY, explain=False)
        full = ELDERLY.evaluate(facts, TODAY)
        assert (fast.verdict, fast.missing) == (full.verdict, full.missing)
        assert fast.explanation is None


def test_a_labelled_group_that_fails_is_summarized_by_its_label() -> None:
    item = compile_item(
        catalog=BUILTIN,
        subject_kind="enterprise",
        rule={
            "any": [
                {"fact": "enterprise_tags", "op": "has_any", "value": ["small_micro"]},
                {"fact": "industry_code", "op": "in", "value": ["A"]},
            ],
            "label": "小微企业或农业经营主体",
        },
    )
    result = item.evaluate({"enterprise_tags": [], "industry_code": "C3411"}, TODAY)
    assert result.summary == "不符合：需小微企业或农业经营主体"
