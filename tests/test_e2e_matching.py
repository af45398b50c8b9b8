"""End to end through the admin API: import profiles, publish an item, and see the matches the
item's own YAML cases predict — with grants and messages; then a profile change and a withdrawal.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import Grant, OutboxMessage, Subject, SubjectBinding, SubjectMatches, WeChatUser
from rules.identifiers import id_number_check_char
from services import matching
from services.demo._content import load_policies
from services.matching import AMOUNT_KNOWN, ENDED, unpack
from tests import factories

TODAY = date(2026, 11, 27)
VERDICT = {"eligible": 1, "unknown": 2}


def elderly_allowance() -> dict:
    """The demo's 高龄津贴 item (免申即享), with its rule, amount, params and cases."""
    for policy in load_policies():
        for item in policy["items"]:
            if item["name"] == "高龄津贴":
                return item
    raise AssertionError("the demo data has no 高龄津贴 item")


def id_number(index: int) -> str:
    first17 = f"37150219500101{index:03d}"
    return first17 + id_number_check_char(first17)


def run_matching(session, database) -> dict:  # type: ignore[no-untyped-def]
    session.commit()
    counts = matching.process_changes(database, today=TODAY)
    session.expire_all()
    return counts


def standing(session, number: str) -> dict[int, tuple]:  # type: ignore[no-untyped-def]
    """The stored entries of the subject with this 身份证号: {item: (verdict, fen, ended)}."""
    vault = session.info["vault"]
    subject = session.scalar(
        select(Subject).where(
            Subject.identity_hash == vault.lookup_hash(number, context="person.id_number")
        )
    )
    row = session.get(SubjectMatches, subject.id)
    return {
        int(e["item_id"]): (
            int(e["verdict"]),
            int(e["amount_fen"]) if e["flags"] & AMOUNT_KNOWN else None,
            bool(e["flags"] & ENDED),
        )
        for e in unpack(row.entries if row else None)
    }


def test_import_publish_match_change_and_withdraw(client, session, database) -> None:
    department = factories.department(session, "MZ", "聊城市民政局")
    factories.staff(session, "pub", "publisher:MZ")
    _, key = factories.staff(session, "platform", "data_platform", machine=True)
    publisher = factories.login(client, "pub")
    platform = {"X-API-Key": key}
    item_doc = elderly_allowance()
    cases = [c for c in item_doc["cases"] if str(c.get("as_of", TODAY)) == TODAY.isoformat()]
    assert len(cases) >= 3

    # 1. the data platform imports one resident per case
    rows = [
        {"id_number": id_number(i), "name": f"测试居民{i}", "facts": case["facts"]}
        for i, case in enumerate(cases)
    ]
    imported = client.post(
        "/api/v1/admin/profiles/imports",
        headers=platform,
        json={"kind": "person", "batch_id": "e2e-1", "rows": rows},
    )
    assert imported.status_code == 200, imported.json
    user = WeChatUser(appid="wx", openid="o-e2e")
    session.add(user)
    session.flush()
    for subject in session.scalars(select(Subject)):
        session.add(
            SubjectBinding(
                wechat_user_id=user.id, subject_id=subject.id, relation="self", verified_by="test"
            )
        )
    session.commit()

    # 2. the department publishes the item through the API
    policy = client.post(
        "/api/v1/admin/policies",
        headers=publisher,
        json={
            "code": "E2E-MZ-01",
            "department_id": department.id,
            "title": "高龄津贴测试政策",
            "categories": ["养老服务"],
        },
    )
    assert policy.status_code == 201, policy.json
    fields = ("name", "subject_type", "mode", "benefit", "rule", "amount", "params", "cases")
    item = client.post(
        f"/api/v1/admin/policies/{policy.json['id']}/items",
        headers=publisher,
        json={key: item_doc[key] for key in fields},
    )
    assert item.status_code == 201, item.json
    published = client.post(
        f"/api/v1/admin/policies/{policy.json['id']}/publish", headers=publisher
    )
    assert published.status_code == 200, published.json
    item_id = item.json["id"]

    # 3. matching stores exactly what each case expects
    run_matching(session, database)
    eligible = []
    for i, case in enumerate(cases):
        expect = case["expect"]
        stored = standing(session, id_number(i)).get(item_id)
        if expect["verdict"] == "ineligible":
            assert stored is None, case["name"]
            continue
        assert stored is not None and stored[0] == VERDICT[expect["verdict"]], case["name"]
        if "amount_fen" in expect:
            assert stored[1] == expect["amount_fen"], case["name"]
        if expect["verdict"] == "eligible":
            eligible.append(i)
    assert eligible, "the cases should include an eligible resident"
    grants = session.scalars(select(Grant).where(Grant.item_id == item_id)).all()
    assert len(grants) == len(eligible)
    messages = session.scalars(
        select(OutboxMessage).where(OutboxMessage.topic == "grant_made")
    ).all()
    assert len(messages) == len(eligible) and all("高龄津贴" in m.body for m in messages)

    # 4. one profile changes: its matches follow
    refused = next(i for i, c in enumerate(cases) if c["expect"]["verdict"] == "ineligible")
    changed = client.put(
        f"/api/v1/admin/profiles/persons/{id_number(refused)}",
        headers=platform,
        json={
            "name": f"测试居民{refused}",
            "mode": "merge",
            "facts": {"hukou_district": "371502", "birth_date": "1940-03-01"},
        },
    )
    assert changed.status_code == 200, changed.json
    run_matching(session, database)
    assert standing(session, id_number(refused))[item_id][0] == 1
    assert (
        len(session.scalars(select(Grant).where(Grant.item_id == item_id)).all())
        == len(eligible) + 1
    )

    # 5. the item is withdrawn: every match ends, and stays as history
    withdrawn = client.post(f"/api/v1/admin/items/{item_id}/withdraw", headers=publisher)
    assert withdrawn.status_code == 200, withdrawn.json
    run_matching(session, database)
    for i in [*eligible, refused]:
        verdict, _, ended = standing(session, id_number(i))[item_id]
        assert ended, cases[i]["name"] if i < len(cases) else i
