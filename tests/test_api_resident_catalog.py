"""The public catalog: Chinese keyword search, filters, detail pages, my explanations."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from models import SearchTerm
from models.clock import frozen
from services import catalog
from services.demo import seed_demo
from tests import factories, resident_world
from tests.resident_factories import headers
from tests.resident_world import NOW


@pytest.fixture
def world(session, database):  # type: ignore[no-untyped-def]
    """The hand-made world, with the clock at NOW."""
    with frozen(NOW):
        yield resident_world.build(session, database)


def _names(answer) -> list[str]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.json
    return [row.get("name") or row.get("title") for row in answer.json]


def test_search_finds_the_demo_高龄津贴_by_either_word(client, session) -> None:
    seed_demo(session=session, persons=0, enterprises=0)  # the seeding path builds the index
    assert session.scalar(select(func.count()).select_from(SearchTerm)) > 1000
    for word in ("高龄", "津贴", "高龄津贴"):
        items = _names(client.get("/api/v1/items", query_string={"q": word}))
        assert "高龄津贴" in items, word
        policies = _names(client.get("/api/v1/policies", query_string={"q": word}))
        assert policies[0] == "聊城市高龄津贴发放管理办法", word
    # the item named by the query ranks first
    assert _names(client.get("/api/v1/items", query_string={"q": "高龄津贴"}))[0] == "高龄津贴"
    assert _names(client.get("/api/v1/items", query_string={"q": "火星移民"})) == []


def test_publishing_and_withdrawing_keep_the_index_current(client, session) -> None:
    factories.staff(session, "pub", "publisher:MZ")
    auth = factories.login(client, "pub")
    department = factories.department(session)
    policy = client.post(
        "/api/v1/admin/policies",
        json={
            "code": "LC-MZ-2026-09",
            "department_id": department.id,
            "title": "聊城市困难残疾人生活补贴办法",
            "summary": "困难残疾人按月领取生活补贴。",
            "categories": ["助残"],
        },
        headers=auth,
    ).json
    item = {
        "name": "困难残疾人生活补贴",
        "subject_type": "person",
        "mode": "one_tap",
        "rule": {"fact": "disability_level", "op": "<=", "value": 2},
        "amount": {"kind": "fixed", "fen": 8000, "period": "monthly"},
        "materials": [{"name": "残疾人证", "types": ["jpg"]}],
        "cases": [
            {
                "name": "一级残疾",
                "facts": {"disability_level": 1},
                "expect": {"verdict": "eligible", "amount_fen": 8000},
            }
        ],
    }
    created = client.post(f"/api/v1/admin/policies/{policy['id']}/items", json=item, headers=auth)
    assert created.status_code == 201, created.json
    assert _names(client.get("/api/v1/items", query_string={"q": "残疾人"})) == []  # a draft
    published = client.post(f"/api/v1/admin/policies/{policy['id']}/publish", headers=auth)
    assert published.status_code == 200, published.json
    assert _names(client.get("/api/v1/items", query_string={"q": "残疾人"})) == [
        "困难残疾人生活补贴"
    ]
    assert _names(client.get("/api/v1/policies", query_string={"q": "生活补贴"})) == [
        "聊城市困难残疾人生活补贴办法"
    ]
    renamed = client.patch(
        f"/api/v1/admin/policies/{policy['id']}",
        json={"title": "聊城市重度残疾人护理办法"},
        headers=auth,
    )
    assert renamed.status_code == 200, renamed.json
    assert _names(client.get("/api/v1/policies", query_string={"q": "护理"})) == [
        "聊城市重度残疾人护理办法"
    ]
    client.post(f"/api/v1/admin/policies/{policy['id']}/withdraw", headers=auth)
    assert _names(client.get("/api/v1/items", query_string={"q": "残疾人"})) == []
    assert session.scalar(select(func.count()).select_from(SearchTerm)) == 0
    session.commit()
    assert catalog.rebuild_index(session) == {"policies": 0, "terms": 0}


def test_filters_narrow_the_lists(client, world) -> None:
    items = "/api/v1/items"
    assert _names(client.get(items, query_string={"subject_type": "person"})) == [
        "退役军人高龄慰问金",
        "高龄津贴",
    ]
    assert _names(client.get(items, query_string={"mode": "auto_grant"})) == ["高龄津贴"]
    assert _names(client.get(items, query_string={"category": "养老服务"})) == [
        "退役军人高龄慰问金",
        "高龄津贴",
    ]
    with frozen(NOW):
        closing = client.get(items, query_string={"open_now": "true", "subject_type": "enterprise"})
    assert _names(closing) == ["科技型企业研发补助", "规模企业稳岗奖励", "吸纳高校毕业生就业补贴"]
    assert closing.json[0]["open_now"] is True
    assert closing.json[0]["apply_until"] == "2026-12-05T23:59:59+08:00"
    # 临清市 (371581) people can get A (本市户籍); an 外地 district cannot
    assert "高龄津贴" in _names(client.get(items, query_string={"district": "371581"}))
    outside = _names(client.get(items, query_string={"district": "370102"}))
    assert outside == ["规模企业稳岗奖励", "退役军人高龄慰问金"]  # no district condition
    labour = client.get(items, query_string={"q": "补贴"}).json[0]["department"]["id"]
    by_department = _names(client.get(items, query_string={"department_id": labour}))
    assert sorted(by_department) == [
        "吸纳高校毕业生就业补贴",
        "科技型企业研发补助",
        "规模企业稳岗奖励",
    ]
    policies = "/api/v1/policies"
    assert _names(client.get(policies, query_string={"mode": "auto_grant"})) == [
        "聊城市高龄津贴发放管理办法"
    ]
    assert _names(client.get(policies, query_string={"category": "就业创业"})) == [
        "聊城市促进高校毕业生就业若干措施"
    ]
    both = client.get(policies, query_string={"page_size": 1})
    assert json.loads(both.headers["X-Pagination"])["total"] == 2
    bad = client.get(items, query_string={"mode": "sometimes", "district": "东昌府"})
    assert bad.status_code == 422
    assert set(bad.json["errors"]["query"]) == {"mode", "district"}


def test_a_policy_page_has_its_texts_and_items(client, world) -> None:
    page = client.get(f"/api/v1/policies/{world.policies['aged']}")
    assert page.status_code == 200, page.json
    body = page.json
    assert body["title"] == "聊城市高龄津贴发放管理办法"
    assert body["interpretation"].startswith("一、谁能领")
    assert body["department"]["name"] == "聊城市民政局"
    assert [item["name"] for item in body["items"]] == ["高龄津贴", "退役军人高龄慰问金"]
    assert all(item["mine"] == [] for item in body["items"])  # anonymous
    assert client.get("/api/v1/policies/999999").status_code == 404


def test_an_item_page_explains_only_my_subjects(client, app, world) -> None:
    url = f"/api/v1/items/{world.items['A']}"
    anonymous = client.get(url)
    assert anonymous.status_code == 200
    assert anonymous.json["mine"] == []
    assert anonymous.json["materials"] == [
        {"name": "身份证", "required": True, "types": ["jpg", "pdf"]}
    ]
    assert anonymous.json["amount_period"] == "monthly"
    assert anonymous.json["guide_text"] == "高龄津贴的办理指南。"
    with frozen(NOW):
        mine = client.get(url, headers=headers(app, world.user)).json["mine"]
    assert [m["subject_id"] for m in mine] == [world.person]  # not the enterprise, not Q
    standing = mine[0]
    assert standing["verdict"] == "eligible"
    assert standing["subject_name"] == "张**"
    assert standing["summary"] == "符合：户籍东昌府区、年龄 82 周岁"
    tree = standing["explanation"]
    assert tree["op"] == "all" and tree["status"] == "pass"
    assert [(c["text"], c["status"]) for c in tree["children"]] == [
        ("本市户籍", "pass"),
        ("年满80周岁", "pass"),
    ]
    assert standing["amount"]["annual_fen"] == 120000
    with frozen(NOW):
        theirs = client.get(url, headers=headers(app, world.other_user)).json["mine"]
    assert [m["subject_id"] for m in theirs] == [world.other_person]
    with frozen(NOW):
        graduates = client.get(
            f"/api/v1/items/{world.items['F']}", headers=headers(app, world.user)
        ).json["mine"]
    assert graduates[0]["verdict"] == "unknown"
    assert graduates[0]["missing"] == [{"fact": "rd_ratio", "label": "研发投入占营业收入比例"}]
    policy = client.get(
        f"/api/v1/policies/{world.policies['jobs']}", headers=headers(app, world.user)
    ).json
    assert {m["subject_id"] for item in policy["items"] for m in item["mine"]} == {world.enterprise}


def test_a_bad_token_is_refused_and_taken_down_items_are_gone(client, world, session) -> None:
    url = f"/api/v1/items/{world.items['A']}"
    assert client.get(url, headers={"Authorization": "Bearer nonsense"}).status_code == 401
    from models import PolicyItem

    item = session.get(PolicyItem, world.items["A"])
    item.status = "withdrawn"
    session.commit()
    assert client.get(url).status_code == 404
    assert "高龄津贴" not in _names(client.get("/api/v1/items"))
