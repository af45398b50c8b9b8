"""The publishing API over HTTP with real logins: policies, items, versions, scoping, audit."""

from __future__ import annotations

import json

from openapi_spec_validator import validate
from sqlalchemy import func, select

from models import AuditEntry, ChangeEvent, PolicyItem, PolicyItemVersion
from rules.codes import DIVISIONS
from services.demo import seed_demo
from tests import factories

API = "/api/v1/admin"
RULE = {
    "all": [
        {"fact": "hukou_district", "op": "in", "value": ["3715"], "label": "本市户籍"},
        {"fact": "age", "op": ">=", "value": 80, "label": "年满80周岁"},
    ]
}
AMOUNT = {"kind": "fixed", "fen": 10000, "period": "monthly"}
CASES = [
    {
        "name": "东昌府区82岁老人",
        "as_of": "2026-11-27",
        "facts": {"hukou_district": "371502", "birth_date": "1944-05-01"},
        "expect": {"verdict": "eligible", "amount_fen": 10000},
    },
    {
        "name": "60岁不符合",
        "as_of": "2026-11-27",
        "facts": {"hukou_district": "371502", "birth_date": "1966-05-01"},
        "expect": {"verdict": "ineligible"},
    },
]


def policy_body(department_id: int, code: str = "LC-MZ-2026-09", **extra: object) -> dict:
    """Return a valid new policy."""
    return {
        "code": code,
        "department_id": department_id,
        "title": "聊城市高龄津贴发放管理办法",
        "doc_number": "聊民发〔2026〕9号",
        "summary": "年满80周岁的本市户籍老人按月领取高龄津贴。",
        "body": "第一条 ……",
        "interpretation": "一、谁能领？……",
        "source_url": "https://demo.kuaixiang.invalid/zcwj/1.html",
        "issued_on": "2026-01-10",
        "effective_from": "2026-02-01",
        "effective_to": "2030-01-31",
        "categories": ["养老服务", "社会保障"],
        **extra,
    }


def item_body(**extra: object) -> dict:
    """Return a valid new item with its rule, amount and cases."""
    return {
        "name": "高龄津贴",
        "subject_type": "person",
        "mode": "auto_grant",
        "benefit": "每人每月100元",
        "apply_from": "2026-02-01T00:00:00+08:00",
        "apply_until": "2026-12-31T23:59:59+08:00",
        "guide_text": "免申即享，无需申请。",
        "contact": "市民政局 0635-8452202",
        "promised_days": 30,
        "rule": RULE,
        "amount": AMOUNT,
        "cases": CASES,
        **extra,
    }


def publisher(client, session, username: str = "pub", department: str = "MZ"):  # type: ignore[no-untyped-def]
    """Create a publisher of a department; return their headers and the department id."""
    factories.staff(session, username, f"publisher:{department}")
    return factories.login(client, username), factories.department(session, department).id


def draft_policy_with_item(client, headers: dict, department_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Create a draft policy with one draft item through the API; return their ids."""
    created = client.post(f"{API}/policies", json=policy_body(department_id), headers=headers)
    assert created.status_code == 201, created.json
    policy_id = created.json["id"]
    item = client.post(f"{API}/policies/{policy_id}/items", json=item_body(), headers=headers)
    assert item.status_code == 201, item.json
    return policy_id, item.json["id"]


def events(session) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """Return the item change events as (item id, reason), in order."""
    rows = session.execute(select(ChangeEvent.item_id, ChangeEvent.reason).order_by(ChangeEvent.id))
    found = [tuple(row) for row in rows]
    session.rollback()  # end the read: the next one sees what the app commits meanwhile
    return found


def test_the_whole_workflow_from_draft_to_a_second_version_and_withdrawal(client, session) -> None:
    headers, department_id = publisher(client, session)
    policy_id, item_id = draft_policy_with_item(client, headers, department_id)
    item = client.get(f"{API}/items/{item_id}", headers=headers).json
    assert item["status"] == "draft" and item["current_version"] is None
    assert item["draft_version"]["version"] == 1 and item["draft_version"]["rule"] == RULE
    assert item["apply_from"] == "2026-02-01T00:00:00+08:00"
    assert item["code"] == "LC-MZ-2026-09-01"

    early = client.post(f"{API}/items/{item_id}/publish", headers=headers)
    assert early.status_code == 409 and "请先发布政策" in early.json["message"]

    published = client.post(f"{API}/policies/{policy_id}/publish", headers=headers)
    assert published.status_code == 200, published.json
    assert published.json["status"] == "published"
    assert published.json["items"][0]["status"] == "published"
    assert events(session) == [(item_id, "publish")]

    draft = client.put(
        f"{API}/items/{item_id}/draft",
        json={"amount": {"kind": "fixed", "fen": 12000, "period": "monthly"}, "note": "提标"},
        headers=headers,
    )
    assert draft.status_code == 200, draft.json
    assert draft.json["version"] == 2 and draft.json["status"] == "draft"
    assert draft.json["rule"] == RULE  # kept from the current version
    shown = client.get(f"{API}/items/{item_id}", headers=headers).json
    assert shown["current_version"]["version"] == 1 and shown["draft_version"]["version"] == 2

    failing = client.post(f"{API}/items/{item_id}/publish", headers=headers)
    assert failing.status_code == 422
    assert "东昌府区82岁老人" in failing.json["errors"]["$cases[0]"][0]
    cases = [dict(CASES[0], expect={"verdict": "eligible", "amount_fen": 12000}), CASES[1]]
    client.put(f"{API}/items/{item_id}/draft", json={"cases": cases}, headers=headers)
    again = client.post(f"{API}/items/{item_id}/publish", headers=headers)
    assert again.status_code == 200, again.json
    assert again.json["current_version"]["version"] == 2 and again.json["draft_version"] is None

    history = client.get(f"{API}/items/{item_id}/versions", headers=headers).json
    assert [(v["version"], v["status"]) for v in history] == [(2, "published"), (1, "superseded")]
    assert history[1]["amount"] == AMOUNT
    stored = session.get(PolicyItem, item_id)
    assert stored is not None and stored.current_version_id == history[0]["id"]
    session.rollback()

    withdrawn = client.post(f"{API}/items/{item_id}/withdraw", headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    assert events(session) == [(item_id, "publish"), (item_id, "version"), (item_id, "withdraw")]
    closed = client.post(f"{API}/policies/{policy_id}/withdraw", headers=headers)
    assert closed.status_code == 200 and closed.json["status"] == "withdrawn"
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-9:] == [
        "policy.create",
        "item.create",
        "item.publish",
        "policy.publish",
        "item.draft",
        "item.draft",
        "item.version",
        "item.withdraw",
        "policy.withdraw",
    ]


def test_an_invalid_rule_is_refused_by_path_and_never_stored(client, session) -> None:
    headers, department_id = publisher(client, session)
    policy_id, item_id = draft_policy_with_item(client, headers, department_id)
    before_versions = [
        (v.version, json.dumps(v.rule)) for v in session.scalars(select(PolicyItemVersion))
    ]
    before_audit = session.scalar(select(func.count()).select_from(AuditEntry))
    session.rollback()
    bad = {"all": [{"fact": "no_such_fact", "op": "==", "value": 1}, {"fact": "age", "op": "?"}]}
    refused = client.put(f"{API}/items/{item_id}/draft", json={"rule": bad}, headers=headers)
    assert refused.status_code == 422
    assert set(refused.json["errors"]) == {"$.all[0].fact", "$.all[1].op"}
    assert "no_such_fact" in refused.json["errors"]["$.all[0].fact"][0]
    new_item = client.post(
        f"{API}/policies/{policy_id}/items", json=item_body(rule=bad), headers=headers
    )
    assert new_item.status_code == 422 and "$.all[0].fact" in new_item.json["errors"]
    after_versions = [
        (v.version, json.dumps(v.rule)) for v in session.scalars(select(PolicyItemVersion))
    ]
    assert after_versions == before_versions
    assert session.scalar(select(func.count()).select_from(PolicyItem)) == 1
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before_audit


def test_publishing_a_policy_names_each_failing_case_of_each_item(client, session) -> None:
    headers, department_id = publisher(client, session)
    policy_id, item_id = draft_policy_with_item(client, headers, department_id)
    wrong = [dict(CASES[0], expect={"verdict": "eligible", "amount_fen": 20000})]
    client.put(f"{API}/items/{item_id}/draft", json={"cases": wrong}, headers=headers)
    refused = client.post(f"{API}/policies/{policy_id}/publish", headers=headers)
    assert refused.status_code == 422
    (message,) = refused.json["errors"]["items[LC-MZ-2026-09-01].$cases[0]"]
    assert message.startswith("案例「东昌府区82岁老人」：金额应为 20000 分")
    shown = client.get(f"{API}/policies/{policy_id}", headers=headers).json
    assert shown["status"] == "draft" and events(session) == []


def test_fields_are_checked_with_chinese_field_level_messages(client, session) -> None:
    headers, department_id = publisher(client, session)
    body = policy_body(department_id, categories=["不存在"], source_url="ftp:/x", colour="红")
    del body["title"]
    response = client.post(f"{API}/policies", json=body, headers=headers)
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    assert errors["title"] == ["必填"] and errors["colour"] == ["不认识的字段"]
    assert errors["categories"]["0"][0].startswith("应为以下之一：就业创业")
    assert errors["source_url"] == ["应为以 http:// 或 https:// 开头的网址"]
    dates = policy_body(department_id, effective_from="2027-01-01", effective_to="2026-01-01")
    reversed_dates = client.post(f"{API}/policies", json=dates, headers=headers)
    assert reversed_dates.status_code == 422
    assert reversed_dates.json["errors"] == {"effective_to": ["有效期截止日不能早于生效日"]}


def test_a_published_policy_takes_text_corrections_only_and_each_is_audited(
    client, session
) -> None:
    headers, department_id = publisher(client, session)
    policy_id, _ = draft_policy_with_item(client, headers, department_id)
    client.post(f"{API}/policies/{policy_id}/publish", headers=headers)
    fixed = client.patch(
        f"{API}/policies/{policy_id}", json={"title": "聊城市高龄津贴管理办法"}, headers=headers
    )
    assert fixed.status_code == 200 and fixed.json["title"] == "聊城市高龄津贴管理办法"
    dates = client.patch(
        f"{API}/policies/{policy_id}", json={"effective_to": "2031-01-01"}, headers=headers
    )
    assert dates.status_code == 409 and "effective_to" in dates.json["errors"]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "policy.update")).one()
    assert entry.before["title"] == "聊城市高龄津贴发放管理办法"
    assert entry.after["title"] == "聊城市高龄津贴管理办法"
    assert entry.actor_name == "pub同志" and entry.object_id == str(policy_id)


def test_other_departments_are_invisible_and_reviewers_only_read(client, session) -> None:
    headers, department_id = publisher(client, session)
    policy_id, item_id = draft_policy_with_item(client, headers, department_id)
    other, other_department = publisher(client, session, "rs_pub", "RS")
    factories.staff(session, "reviewer", "reviewer:MZ")
    reviewer = factories.login(client, "reviewer")
    _, key = factories.staff(session, "platform", "data_platform", machine=True)

    for method, url in [
        ("get", f"/policies/{policy_id}"),
        ("patch", f"/policies/{policy_id}"),
        ("post", f"/policies/{policy_id}/publish"),
        ("get", f"/policies/{policy_id}/items"),
        ("get", f"/items/{item_id}"),
        ("put", f"/items/{item_id}/draft"),
        ("get", f"/items/{item_id}/versions"),
        ("post", f"/items/{item_id}/dry-run"),
    ]:
        response = getattr(client, method)(f"{API}{url}", json={}, headers=other)
        assert response.status_code == 404, (method, url, response.json)
    assert client.get(f"{API}/policies", headers=other).json == []
    foreign = client.post(f"{API}/policies", json=policy_body(department_id), headers=other)
    assert foreign.status_code == 403

    assert client.get(f"{API}/policies/{policy_id}", headers=reviewer).status_code == 200
    assert len(client.get(f"{API}/policies", headers=reviewer).json) == 1
    for method, url in [
        ("patch", f"/policies/{policy_id}"),
        ("post", f"/policies/{policy_id}/publish"),
        ("put", f"/items/{item_id}/draft"),
        ("post", f"/items/{item_id}/withdraw"),
        ("post", "/departments"),
    ]:
        response = getattr(client, method)(f"{API}{url}", json={}, headers=reviewer)
        assert response.status_code == 403, (method, url)
    platform = {"X-API-Key": key}
    assert client.get(f"{API}/policies", headers=platform).status_code == 403
    assert client.get(f"{API}/departments", headers=platform).status_code == 403
    assert other_department != department_id


def test_the_policy_list_filters_and_pages(client, session) -> None:
    headers, department_id = publisher(client, session)
    for number in range(25):
        category = "住房" if number % 5 == 0 else "就业创业"
        body = policy_body(
            department_id,
            code=f"P-{number:02d}",
            title=f"第{number}号补贴办法",
            categories=[category],
        )
        assert client.post(f"{API}/policies", json=body, headers=headers).status_code == 201
    page = client.get(f"{API}/policies?page=2&page_size=10", headers=headers)
    assert page.status_code == 200 and len(page.json) == 10
    assert json.loads(page.headers["X-Pagination"])["total"] == 25
    assert [p["code"] for p in page.json][0] == "P-14"  # newest first
    housing = client.get(f"{API}/policies?category=住房", headers=headers).json
    assert sorted(p["code"] for p in housing) == ["P-00", "P-05", "P-10", "P-15", "P-20"]
    found = client.get(f"{API}/policies?keyword=第7号&status=draft", headers=headers).json
    assert [p["code"] for p in found] == ["P-07"]
    assert client.get(f"{API}/policies?status=published", headers=headers).json == []
    bad = client.get(f"{API}/policies?status=nope", headers=headers)
    assert bad.status_code == 422


def test_admins_keep_the_departments_everyone_reads(client, session) -> None:
    headers, _ = publisher(client, session)
    factories.staff(session, "root", "admin")
    admin = factories.login(client, "root")
    body = {"code": "LC-JY", "name": "聊城市教育局", "short_name": "市教育局"}
    assert client.post(f"{API}/departments", json=body, headers=headers).status_code == 403
    created = client.post(f"{API}/departments", json=body, headers=admin)
    assert created.status_code == 201, created.json
    duplicate = client.post(f"{API}/departments", json=body, headers=admin)
    assert duplicate.status_code == 409 and set(duplicate.json["errors"]) == {"code", "name"}
    renamed = client.patch(
        f"{API}/departments/{created.json['id']}", json={"phone": "0635-1234567"}, headers=admin
    )
    assert renamed.status_code == 200 and renamed.json["phone"] == "0635-1234567"
    listed = client.get(f"{API}/departments", headers=headers).json
    assert "LC-JY" in [d["code"] for d in listed]


def test_item_times_are_stored_in_utc_and_shown_in_shanghai(client, session) -> None:
    headers, department_id = publisher(client, session)
    _, item_id = draft_policy_with_item(client, headers, department_id)
    changed = client.patch(
        f"{API}/items/{item_id}",
        json={"apply_until": "2026-06-30T15:59:59Z", "apply_from": "2026-03-01T08:00:00"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["apply_until"] == "2026-06-30T23:59:59+08:00"
    assert changed.json["apply_from"] == "2026-03-01T08:00:00+08:00"  # no offset: Shanghai
    stored = session.get(PolicyItem, item_id)
    assert stored is not None and stored.apply_from.isoformat() == "2026-03-01T00:00:00+00:00"
    session.rollback()
    backwards = client.patch(
        f"{API}/items/{item_id}", json={"apply_until": "2026-01-01T00:00:00+08:00"}, headers=headers
    )
    assert backwards.status_code == 422 and "apply_until" in backwards.json["errors"]


def test_the_openapi_document_lists_the_publishing_endpoints(client) -> None:
    document = client.get("/openapi.json").json
    validate(document)
    for path in (
        "/api/v1/admin/policies",
        "/api/v1/admin/policies/{policy_id}/publish",
        "/api/v1/admin/policies/{policy_id}/items",
        "/api/v1/admin/items/{item_id}/draft",
        "/api/v1/admin/items/{item_id}/versions",
        "/api/v1/admin/items/{item_id}/dry-run",
        "/api/v1/admin/departments/{department_id}",
    ):
        assert path in document["paths"], path
    summary = document["paths"]["/api/v1/admin/items/{item_id}/publish"]["post"]["summary"]
    assert summary.startswith("Publish the draft")


def test_dry_run_over_http_with_and_without_a_draft_rule(client, session) -> None:
    seed_demo(session=session, persons=150, enterprises=0)
    factories.staff(session, "root", "admin")
    admin = factories.login(client, "root")
    item_id = session.scalar(select(PolicyItem.id).where(PolicyItem.code == "LC-MZ-2025-01-01"))
    session.rollback()
    plain = client.post(f"{API}/items/{item_id}/dry-run", headers=admin)
    assert plain.status_code == 200, plain.json
    counts = plain.json
    assert (
        counts["subjects"] == 150 == counts["eligible"] + counts["unknown"] + counts["ineligible"]
    )
    assert counts["source"] == "current" and counts["districts"][0]["name"] in DIVISIONS.values()
    tried = client.post(
        f"{API}/items/{item_id}/dry-run",
        json={"rule": {"fact": "age", "op": ">=", "value": 18}, "as_of": "2026-11-27"},
        headers=admin,
    )
    assert tried.status_code == 200 and tried.json["eligible"] > counts["eligible"]
    assert tried.json["as_of"] == "2026-11-27" and tried.json["source"] == "body"
    invalid = client.post(
        f"{API}/items/{item_id}/dry-run",
        json={"rule": {"all": [{"fact": "age", "op": ">=", "value": "八十"}]}},
        headers=admin,
    )
    assert invalid.status_code == 422 and list(invalid.json["errors"]) == ["$.all[0].value"]
    enterprise_item = session.scalar(
        select(PolicyItem.id).where(PolicyItem.subject_type == "enterprise").limit(1)
    )
    session.rollback()
    nobody = client.post(f"{API}/items/{enterprise_item}/dry-run", json={}, headers=admin).json
    assert (nobody["subjects"], nobody["eligible"], nobody["districts"]) == (0, 0, [])


def test_cases_run_on_unsaved_content_and_say_what_differs(client, session) -> None:  # type: ignore[no-untyped-def]
    headers, department_id = publisher(client, session)
    _, item_id = draft_policy_with_item(client, headers, department_id)
    url = f"{API}/items/{item_id}/cases/run"
    saved = client.post(url, headers=headers)
    assert saved.status_code == 200 and (saved.json["passed"], saved.json["failed"]) == (2, 0)
    stricter = {"all": [RULE["all"][0], {"fact": "age", "op": ">=", "value": 90}]}
    tried = client.post(url, json={"rule": stricter}, headers=headers)
    assert tried.status_code == 200 and tried.json["failed"] == 1
    [failing] = [result for result in tried.json["results"] if not result["passed"]]
    assert failing["name"] == "东昌府区82岁老人" and "年龄 ≥ 90 周岁" in failing["message"]
    broken = client.post(url, json={"rule": {"fact": "shoe", "op": "=="}}, headers=headers)
    assert broken.status_code == 200 and "$.fact" in broken.json["errors"]
    draft = client.get(f"{API}/items/{item_id}", headers=headers).json["draft_version"]
    assert draft["rule"] == RULE  # nothing was saved


def test_staff_read_the_policy_categories(client, session) -> None:  # type: ignore[no-untyped-def]
    headers, _ = publisher(client, session)
    answer = client.get(f"{API}/policies/categories", headers=headers)
    assert answer.status_code == 200 and "养老服务" in answer.json["categories"]
