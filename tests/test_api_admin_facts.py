"""The facts catalog as data: a 数据管理员 adds a fact over HTTP, the data platform imports it at
once, a publisher's rule uses it, and what would break a fact in use is refused."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEntry, FactCatalog, Subject
from services import facts as facts_service
from tests import factories
from tests.test_api_admin_publishing import API, draft_policy_with_item, item_body, publisher

FACTS = f"{API}/facts"
PUBLIC = "/api/v1/facts"
FIRM = "91371500MA3C4L7X1P"
HEADCOUNT = {
    "subject_type": "enterprise",
    "key": "insured_headcount",
    "label": "参保人数",
    "type": "integer",
    "unit": "人",
    "minimum": 0,
    "source_field": "SB_CBRS",
    "description": "上年末在本市参加失业保险的职工人数",
    "status": "active",
}
SIZES = [
    {"value": "large", "label": "大型"},
    {"value": "medium", "label": "中型"},
    {"value": "small", "label": "小型"},
    {"value": "micro", "label": "微型"},
]


def manager(client: FlaskClient, session: Session) -> dict[str, str]:
    """Log in a 数据管理员 (the catalog role)."""
    factories.staff(session, "datamgr", "catalog")
    return factories.login(client, "datamgr")


def platform(session: Session) -> dict[str, str]:
    _, key = factories.staff(session, "platform", "data_platform", machine=True)
    return {"X-API-Key": key}


def import_firm(client: FlaskClient, headers: dict, **facts: object):  # type: ignore[no-untyped-def]
    body = {
        "kind": "enterprise",
        "batch_id": "b-" + "-".join(sorted(facts)),
        "rows": [{"uscc": FIRM, "name": "聊城市某某科技有限公司", "facts": facts}],
    }
    return client.post(f"{API}/profiles/imports", json=body, headers=headers)


def test_a_new_fact_is_served_imported_and_usable_in_a_rule_without_a_restart(
    client: FlaskClient, session: Session
) -> None:
    headers = manager(client, session)
    data_platform = platform(session)
    refused = import_firm(client, data_platform, insured_headcount=45)
    assert refused.status_code == 422
    assert "未知的指标「insured_headcount」" in str(refused.json["errors"])

    created = client.post(FACTS, json=HEADCOUNT, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["status"] == "active" and created.json["revision"] == 1

    listed = client.get(PUBLIC, query_string={"subject_type": "enterprise"})
    assert listed.status_code == 200
    shown = {fact["key"]: fact for fact in listed.json}
    assert shown["insured_headcount"]["label"] == "参保人数"
    assert shown["insured_headcount"]["unit"] == "人"
    assert "source_field" not in shown["insured_headcount"]  # a platform detail, staff only
    assert shown["registered_district"]["codes"][0] == {"value": "37", "label": "山东省"}
    assert all(fact["subject_type"] == "enterprise" for fact in listed.json)
    again = client.get(
        PUBLIC,
        query_string={"subject_type": "enterprise"},
        headers={"If-None-Match": listed.headers["ETag"]},
    )
    assert again.status_code == 304

    imported = import_firm(client, data_platform, insured_headcount=45, employees=50)
    assert imported.status_code == 200, imported.json
    stored = session.scalar(select(Subject).where(Subject.kind == "enterprise"))
    assert stored is not None and stored.facts["insured_headcount"] == 45
    session.rollback()

    pub, department_id = publisher(client, session)
    rule = {"fact": "insured_headcount", "op": ">=", "value": 20}
    cases = [
        {"name": "参保45人", "facts": {"insured_headcount": 45}, "expect": {"verdict": "eligible"}},
        {"name": "参保5人", "facts": {"insured_headcount": 5}, "expect": {"verdict": "ineligible"}},
    ]
    policy_id, _ = draft_policy_with_item(client, pub, department_id)
    created_item = client.post(
        f"{API}/policies/{policy_id}/items",
        json=item_body(
            name="稳岗补贴", subject_type="enterprise", rule=rule, amount={}, cases=cases
        ),
        headers=pub,
    )
    assert created_item.status_code == 201, created_item.json
    tried = client.post(f"{API}/items/{created_item.json['id']}/dry-run", json={}, headers=pub)
    assert tried.status_code == 200, tried.json
    assert (tried.json["subjects"], tried.json["eligible"]) == (1, 1)


def test_the_admin_list_shows_drafts_and_the_public_one_does_not(
    client: FlaskClient, session: Session
) -> None:
    headers = manager(client, session)
    draft = client.post(FACTS, json={**HEADCOUNT, "status": "draft"}, headers=headers)
    assert draft.status_code == 201 and draft.json["status"] == "draft"
    listed = client.get(FACTS, query_string={"status": "draft"}, headers=headers)
    assert [fact["key"] for fact in listed.json] == ["insured_headcount"]
    public = client.get(PUBLIC).json
    assert "insured_headcount" not in {fact["key"] for fact in public}
    assert {"age", "employees"} <= {fact["key"] for fact in public}
    age = next(fact for fact in public if fact["key"] == "age")
    assert age["derived"] and age["derived_from"] == ["birth_date"]
    assert {">=", "between", "has"} <= set(age["ops"]) and "has_any" not in age["ops"]

    deleted = client.delete(f"{FACTS}/{draft.json['id']}", headers=headers)
    assert deleted.status_code == 204
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["fact.create", "fact.delete"]


def test_bad_facts_are_refused_by_field_in_chinese(client: FlaskClient, session: Session) -> None:
    headers = manager(client, session)
    bad = client.post(
        FACTS,
        json={
            **HEADCOUNT,
            "key": "Insured Headcount",
            "type": "enum",
            "choices": [{"value": "a", "label": "甲"}, {"value": "a", "label": "乙"}],
            "minimum": 5,
            "maximum": 1,
        },
        headers=headers,
    )
    assert bad.status_code == 422
    errors = bad.json["errors"]
    assert "小写字母" in errors["key"][0]
    assert "重复" in errors["choices[1]"][0]
    assert "数值类指标" in errors["minimum"][0]
    taken = client.post(
        FACTS, json={**HEADCOUNT, "key": "employees_x", "label": "从业人数"}, headers=headers
    )
    assert (
        taken.status_code == 422 and "已被指标「employees」使用" in taken.json["errors"]["label"][0]
    )
    cycle = client.post(
        FACTS,
        json={
            "subject_type": "person",
            "key": "months_age",
            "label": "出生月数",
            "type": "integer",
            "derivation": {"months_since": "age"},
        },
        headers=headers,
    )
    assert cycle.status_code == 422
    assert "需要 date" in cycle.json["errors"]["derivation"][0]


def test_only_admins_and_data_managers_change_the_catalog(
    client: FlaskClient, session: Session
) -> None:
    pub, _ = publisher(client, session)
    assert client.get(FACTS, headers=pub).status_code == 200  # publishers read it
    assert client.post(FACTS, json=HEADCOUNT, headers=pub).status_code == 403
    assert client.post(FACTS, json=HEADCOUNT).status_code == 401
    factories.staff(session, "boss", "admin")
    assert (
        client.post(FACTS, json=HEADCOUNT, headers=factories.login(client, "boss")).status_code
        == 201
    )


def test_a_fact_in_use_keeps_its_type_and_its_vocabulary_only_grows(
    client: FlaskClient, session: Session
) -> None:
    headers = manager(client, session)
    size = client.post(
        FACTS,
        json={
            "subject_type": "enterprise",
            "key": "scale_grade",
            "label": "规模等级",
            "type": "enum",
            "ordered": True,
            "choices": SIZES,
            "status": "active",
        },
        headers=headers,
    )
    assert size.status_code == 201, size.json
    url = f"{FACTS}/{size.json['id']}"
    retyped = client.patch(url, json={"type": "integer"}, headers=headers)
    assert retyped.status_code == 409 and "请新增一个指标" in retyped.json["message"]
    shrunk = client.patch(url, json={"choices": SIZES[:3]}, headers=headers)
    assert shrunk.status_code == 409 and "不能删除" in shrunk.json["message"]
    swapped = client.patch(url, json={"choices": [SIZES[1], SIZES[0], *SIZES[2:]]}, headers=headers)
    assert swapped.status_code == 409
    grown = client.patch(
        url, json={"choices": [*SIZES, {"value": "tiny", "label": "个体"}]}, headers=headers
    )
    assert grown.status_code == 200, grown.json
    assert grown.json["revision"] == 2 and grown.json["choices"][-1] == ["tiny", "个体"]
    version = session.scalar(select(FactCatalog.version))
    assert version is not None and version >= 3  # the migration's 1, the create, the change
    catalog = facts_service.current(session)
    session.rollback()
    assert catalog.find("enterprise", "scale_grade").values[-1] == "tiny"  # type: ignore[union-attr]
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "fact.update").order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None and entry.after["choices"][-1] == ["tiny", "个体"]
    assert set(entry.before) == {"choices"}


def test_a_fact_a_live_item_uses_cannot_be_deprecated(
    client: FlaskClient, session: Session
) -> None:
    headers = manager(client, session)
    pub, department_id = publisher(client, session)
    policy_id, _ = draft_policy_with_item(client, pub, department_id)  # its rule reads age
    published = client.post(f"{API}/policies/{policy_id}/publish", headers=pub)
    assert published.status_code == 200, published.json
    birth = next(f for f in client.get(FACTS, headers=headers).json if f["key"] == "birth_date")
    detail = client.get(f"{FACTS}/{birth['id']}", headers=headers).json
    assert detail["used_by"]["derived_facts"][0]["key"] == "age"
    age = next(f for f in client.get(FACTS, headers=headers).json if f["key"] == "age")
    refused = client.patch(f"{FACTS}/{age['id']}", json={"status": "deprecated"}, headers=headers)
    assert refused.status_code == 409
    assert "高龄津贴" in refused.json["message"]
    veteran = next(f for f in client.get(FACTS, headers=headers).json if f["key"] == "veteran")
    done = client.patch(f"{FACTS}/{veteran['id']}", json={"status": "deprecated"}, headers=headers)
    assert done.status_code == 200 and done.json["status"] == "deprecated"
    rule = {"fact": "veteran", "op": "==", "value": True}
    new_item = client.post(
        f"{API}/policies/{policy_id}/items", json=item_body(name="优抚", rule=rule), headers=pub
    )
    assert new_item.status_code == 422
    assert "已停用" in new_item.json["errors"]["$.fact"][0]


def test_a_decimal_keeps_its_scale_at_import(client: FlaskClient, session: Session) -> None:
    headers = manager(client, session)
    share = {
        "subject_type": "enterprise",
        "key": "export_share",
        "label": "出口占比",
        "type": "percent",
        "scale": 1,
        "minimum": 0,
        "maximum": 100,
        "status": "active",
    }
    assert client.post(FACTS, json=share, headers=headers).status_code == 201
    data_platform = platform(session)
    refused = import_firm(client, data_platform, export_share=12.25)
    assert refused.status_code == 422
    assert "最多保留 1 位小数" in str(refused.json["errors"])
    assert import_firm(client, data_platform, export_share=12.5).status_code == 200


def test_a_draft_renamed_onto_a_fact_that_exists_is_a_conflict(
    client: FlaskClient, session: Session
) -> None:
    headers = manager(client, session)
    draft = client.post(FACTS, json={**HEADCOUNT, "status": "draft"}, headers=headers)
    renamed = client.patch(
        f"{FACTS}/{draft.json['id']}", json={"key": "employees"}, headers=headers
    )
    assert renamed.status_code == 409 and renamed.json["errors"] == {"key": ["已被使用"]}
    retitled = client.patch(
        f"{FACTS}/{draft.json['id']}", json={"label": "参保职工数"}, headers=headers
    )
    assert retitled.status_code == 200 and retitled.json["label"] == "参保职工数"
