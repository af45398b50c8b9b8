"""Six real policies, written as their texts say, through the HTTP API alone: a 数据管理员 adds
the facts they need, the data platform imports profiles carrying them, a publisher publishes one
item per policy with cases, and the calculator and a dry-run give what the texts promise."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories
from tests.test_api_admin_publishing import API, item_body, policy_body

WAN = 1_000_000  # 1 万元 in fen
DAY = "2026-12-04"
NEW_FACTS = [
    {"subject_type": "enterprise", "key": "insured_headcount", "label": "参保人数",
     "type": "integer", "unit": "人", "minimum": 0},
    {"subject_type": "enterprise", "key": "serious_dishonesty", "label": "严重失信主体",
     "type": "boolean", "description": "列入严重失信主体名单"},
    {"subject_type": "enterprise", "key": "high_tech_certified_on", "label": "高企认定日期",
     "type": "date"},
    {"subject_type": "enterprise", "key": "high_tech_certification", "label": "高企认定类型",
     "type": "enum", "choices": [{"value": "first", "label": "首次认定"},
                                 {"value": "renewal", "label": "重新认定"}]},
    {"subject_type": "person", "key": "centralized_support", "label": "集中供养",
     "type": "boolean", "sensitive": True},
    {"subject_type": "person", "key": "graduation_date", "label": "毕业日期", "type": "date"},
    {"subject_type": "person", "key": "social_insurance_paid_this_year_fen",
     "label": "本年度已缴社保费", "type": "money", "minimum": 0},
]  # fmt: skip
HARDSHIP = [{"value": "poverty_alleviated", "label": "脱贫人口"},
            {"value": "student_loan", "label": "国家助学贷款"}]  # fmt: skip


def case(name: str, facts: dict, **expect: Any) -> dict:
    return {"name": name, "as_of": DAY, "facts": facts, "expect": expect}


PAID = {"unemployment_insurance_paid_fen": 10 * WAN}
SMALL_FIRM = {
    "industry_code": "C3484",
    "employees": 25,
    "revenue_fen": 1200 * WAN,
    "insured_headcount": 20,
    "layoff_rate": 10,
    "serious_dishonesty": False,
    **PAID,
}
LARGE_FIRM = {
    "industry_code": "C3484",
    "employees": 1200,
    "revenue_fen": 50000 * WAN,
    "insured_headcount": 1100,
    "layoff_rate": 3,
    "serious_dishonesty": False,
    **PAID,
}
CERTIFIED = {"high_tech_certified_on": "2026-03-01", "enterprise_tags": ["high_tech"]}
ITEMS = {
    "稳岗返还": {
        "subject_type": "enterprise",
        "rule": {"all": [
            {"any": [
                {"all": [{"fact": "insured_headcount", "op": "<=", "value": 30},
                         {"fact": "layoff_rate", "op": "<=", "value": 20}],
                 "label": "参保30人及以下，裁员率不高于20%"},
                {"all": [{"fact": "insured_headcount", "op": ">", "value": 30},
                         {"fact": "layoff_rate", "op": "<=", "value": "5.5%"}],
                 "label": "参保30人以上，裁员率不高于5.5%"},
            ]},
            {"fact": "serious_dishonesty", "op": "!=", "value": True,
             "label": "未列入严重失信主体名单"},
            {"fact": "unemployment_insurance_paid_fen", "op": ">", "value": 0},
        ]},
        "amount": {"kind": "choose", "branches": [{
            "when": {"fact": "enterprise_size", "op": "in", "value": ["medium", "small", "micro"]},
            "amount": {"kind": "rate", "base": "unemployment_insurance_paid_fen", "rate": "0.6"},
            "label": "中小微企业返还60%",
        }], "otherwise": {"kind": "rate", "base": "unemployment_insurance_paid_fen",
                          "rate": "0.3"}},
        "cases": [
            case("小型企业，参保20人，裁员率10%", SMALL_FIRM,
                 verdict="eligible", amount_fen=6 * WAN),
            case("大型企业，参保1100人，裁员率3%", LARGE_FIRM,
                 verdict="eligible", amount_fen=3 * WAN),
            case("大型企业裁员率6%", {**LARGE_FIRM, "layoff_rate": 6}, verdict="ineligible"),
            case("严重失信", {**SMALL_FIRM, "serious_dishonesty": True}, verdict="ineligible"),
        ],
    },
    "残疾人护理补贴": {
        "subject_type": "person",
        "rule": {"all": [
            {"fact": "hukou_district", "op": "in", "value": ["聊城市"]},
            {"fact": "disability_level", "op": "in", "value": [1, 2], "label": "一、二级重度残疾"},
            {"fact": "centralized_support", "op": "!=", "value": True, "label": "未集中供养"},
        ]},
        "amount": {"kind": "tiers", "fact": "disability_level", "period": "monthly",
                   "tiers": [{"min": 1, "max": 1, "fen": 10000},
                             {"min": 2, "max": 2, "fen": 8000}]},
        "cases": [
            case("一级，居家", {"hukou_district": "371502", "disability_level": 1,
                              "centralized_support": False}, verdict="eligible", amount_fen=10000),
            case("二级，居家", {"hukou_district": "371502", "disability_level": 2,
                              "centralized_support": False}, verdict="eligible", amount_fen=8000),
            case("一级，集中供养", {"hukou_district": "371502", "disability_level": 1,
                                "centralized_support": True}, verdict="ineligible"),
            case("三级", {"hukou_district": "371502", "disability_level": 3,
                        "centralized_support": False}, verdict="ineligible"),
        ],
    },
    "求职创业补贴": {
        "subject_type": "person",
        "rule": {"all": [
            {"fact": "graduation_date", "op": "in_year", "value": 0, "label": "毕业年度内"},
            {"any": [
                {"fact": "assistance_tags", "op": "has_any",
                 "value": ["dibao", "tekun", "low_income", "poverty_alleviated", "student_loan"]},
                {"fact": "disability_level", "op": "has", "label": "持有残疾人证"},
            ]},
        ]},
        "amount": {"kind": "fixed", "fen": 150000},
        "cases": [
            case("今年毕业，国家助学贷款", {"graduation_date": "2026-06-30",
                                      "assistance_tags": ["student_loan"]},
                 verdict="eligible", amount_fen=150000),
            case("去年毕业", {"graduation_date": "2025-06-30", "assistance_tags": ["dibao"]},
                 verdict="ineligible"),
            case("今年毕业，困难情况不明", {"graduation_date": "2026-06-30", "assistance_tags": []},
                 verdict="unknown", missing=["disability_level"]),
        ],
    },
    "高企认定奖励": {
        "subject_type": "enterprise",
        "rule": {"all": [
            {"fact": "high_tech_certified_on", "op": "within_last", "value": {"months": 12}},
            {"fact": "enterprise_tags", "op": "has_any", "value": ["high_tech"]},
        ]},
        "amount": {"kind": "choose", "branches": [{
            "when": {"fact": "high_tech_certification", "op": "==", "value": "first"},
            "amount": {"kind": "fixed", "fen": 20 * WAN}, "label": "首次认定",
        }], "otherwise": {"kind": "fixed", "fen": 10 * WAN}},
        "cases": [
            case("首次认定", {**CERTIFIED, "high_tech_certification": "first"},
                 verdict="eligible", amount_fen=20 * WAN),
            case("重新认定", {**CERTIFIED, "high_tech_certification": "renewal"},
                 verdict="eligible", amount_fen=10 * WAN),
            case("两年前认定", {**CERTIFIED, "high_tech_certified_on": "2024-10-01",
                           "high_tech_certification": "first"}, verdict="ineligible"),
        ],
    },
    "灵活就业社保补贴": {
        "subject_type": "person",
        "rule": {"fact": "employment_status", "op": "==", "value": "flexible"},
        "amount": {"kind": "rate", "base": "social_insurance_paid_this_year_fen", "rate": "2/3",
                   "round": "floor", "to": "yuan", "cap_fen": 600000, "period": "yearly"},
        "cases": [
            case("缴费1,000.99元", {"employment_status": "flexible",
                                   "social_insurance_paid_this_year_fen": 100099},
                 verdict="eligible", amount_fen=66700),
            case("缴费12,345.67元，封顶", {"employment_status": "flexible",
                                      "social_insurance_paid_this_year_fen": 1234567},
                 verdict="eligible", amount_fen=600000),
        ],
    },
    "专精特新奖励": {
        "subject_type": "enterprise",
        "rule": {"fact": "enterprise_tags", "op": "has_any",
                 "value": ["little_giant", "specialized"]},
        "amount": {"kind": "choose", "branches": [{
            "when": {"fact": "enterprise_tags", "op": "has_any", "value": ["little_giant"]},
            "amount": {"kind": "fixed", "fen": 500 * WAN}, "label": "国家级专精特新“小巨人”",
        }], "otherwise": {"kind": "fixed", "fen": 200 * WAN}},
        "cases": [
            case("小巨人", {"enterprise_tags": ["little_giant", "specialized"]},
                 verdict="eligible", amount_fen=500 * WAN),
            case("专精特新", {"enterprise_tags": ["specialized"]},
                 verdict="eligible", amount_fen=200 * WAN),
            case("都不是", {"enterprise_tags": ["high_tech"]}, verdict="ineligible"),
        ],
    },
}  # fmt: skip
FIRM = "91371502MA3D7K2P4X"
PERSON = "371502200206060318"


def test_six_real_policies_each_become_one_item(client: FlaskClient, session: Session) -> None:
    factories.staff(session, "datamgr", "catalog")
    manager = factories.login(client, "datamgr")
    for fact in NEW_FACTS:
        made = client.post(f"{API}/facts", json={**fact, "status": "active"}, headers=manager)
        assert made.status_code == 201, made.json
    tags = next(
        fact
        for fact in client.get(f"{API}/facts", headers=manager).json
        if fact["key"] == "assistance_tags"
    )
    grown = [{"value": v, "label": label} for v, label in tags["choices"]] + HARDSHIP
    patched = client.patch(f"{API}/facts/{tags['id']}", json={"choices": grown}, headers=manager)
    assert patched.status_code == 200, patched.json

    _, key = factories.staff(session, "platform", "data_platform", machine=True)
    platform = {"X-API-Key": key}
    firm = {"uscc": FIRM, "name": "聊城市演示精密机械有限公司", "facts": SMALL_FIRM}
    person = {
        "id_number": PERSON,
        "name": "刘志强",
        "facts": {"graduation_date": "2026-06-30", "assistance_tags": ["poverty_alleviated"]},
    }
    for kind, row in (("enterprise", firm), ("person", person)):
        body = {"kind": kind, "batch_id": f"shapes-{kind}", "rows": [row]}
        imported = client.post(f"{API}/profiles/imports", json=body, headers=platform)
        assert imported.status_code == 200, imported.json

    factories.staff(session, "pub", "publisher:RS")
    publisher = factories.login(client, "pub")
    department_id = factories.department(session, "RS").id
    session.rollback()
    policy = client.post(f"{API}/policies", json=policy_body(department_id), headers=publisher)
    assert policy.status_code == 201, policy.json
    ids = {}
    for name, item in ITEMS.items():
        made = client.post(
            f"{API}/policies/{policy.json['id']}/items",
            json=item_body(name=name, **item),
            headers=publisher,
        )
        assert made.status_code == 201, (name, made.json)
        ids[name] = made.json["id"]
    stored = client.get(f"{API}/items/{ids['残疾人护理补贴']}", headers=publisher).json
    district = stored["draft_version"]["rule"]["all"][0]["value"]
    assert district == ["3715"]  # written as 聊城市, stored as its code
    published = client.post(f"{API}/policies/{policy.json['id']}/publish", headers=publisher)
    assert published.status_code == 200, published.json
    assert {item["status"] for item in published.json["items"]} == {"published"}

    def calculate(kind: str, facts: dict) -> dict[str, dict]:
        answer = client.post(
            "/api/v1/calculator", json={"subject_type": kind, "facts": facts, "as_of": DAY}
        )
        assert answer.status_code == 200, answer.json
        return {row["item"]["name"]: row for row in answer.json["items"]}

    firm_rows = calculate("enterprise", SMALL_FIRM)
    assert firm_rows["稳岗返还"]["amount"]["fen"] == 6 * WAN
    assert firm_rows["稳岗返还"]["amount"]["trace"][0] == "适用情形：中小微企业返还60%"
    large = calculate("enterprise", LARGE_FIRM)["稳岗返还"]
    assert large["amount"]["fen"] == 3 * WAN
    giant = calculate("enterprise", {"enterprise_tags": ["little_giant"]})["专精特新奖励"]
    assert (giant["verdict"], giant["amount"]["fen"]) == ("eligible", 500 * WAN)
    flexible = calculate(
        "person", {"employment_status": "flexible", "social_insurance_paid_this_year_fen": 100099}
    )["灵活就业社保补贴"]
    assert flexible["amount"]["fen"] == 66700
    assert "（向下取整到元）" in flexible["amount"]["trace"][0]

    tried = client.post(
        f"{API}/items/{ids['求职创业补贴']}/dry-run", json={"as_of": DAY}, headers=publisher
    )
    assert tried.status_code == 200, tried.json
    assert tried.json["eligible"] == 1  # the imported graduate: 脱贫人口, graduated this year
    kept = client.post(
        f"{API}/items/{ids['稳岗返还']}/dry-run", json={"as_of": DAY}, headers=publisher
    )
    assert kept.status_code == 200 and kept.json["eligible"] == 1
