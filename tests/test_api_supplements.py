"""补充信息: a resident supplies the fact an item cannot decide without, with a photo; the item's
department reviews it; on approval the profile has it (with its source) and the item is decided
at once. Also the consents before collecting the 身份证号 or a bank card."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEntry, ChangeEvent, FactSupplement, OutboxMessage, Subject
from models.clock import frozen
from notify.messages import Content, build
from notify.templates import DEFAULT_KEYS
from services.residents import CONSENT_TEXTS
from tests import factories, resident_world
from tests.claim_factories import JPEG, PDF, upload
from tests.resident_factories import headers, wechat_user
from tests.resident_world import NOW

API = "/api/v1/me/supplements"
ADMIN = "/api/v1/admin/supplements"


@pytest.fixture
def world(session, database):  # type: ignore[no-untyped-def]
    """The hand-made world (P 张三丰 is undecided for B: 退役军人 not recorded), clock at NOW."""
    with frozen(NOW):
        yield resident_world.build(session, database)


@pytest.fixture
def reviewers(session, client):  # type: ignore[no-untyped-def]
    """A reviewer of 民政局 (B's department) and one of 人社局."""
    factories.staff(session, "rev-mz", "reviewer:LC-MZ")
    factories.staff(session, "rev-rs", "reviewer:LC-RS")
    return factories.login(client, "rev-mz"), factories.login(client, "rev-rs")


def _standing(client, head, item_id):  # type: ignore[no-untyped-def]
    detail = client.get(f"/api/v1/items/{item_id}", headers=head)
    assert detail.status_code == 200, detail.json
    (mine,) = detail.json["mine"]
    return mine


def _photo(client, head) -> int:  # type: ignore[no-untyped-def]
    uploaded = upload(client, head, "退役证", JPEG, "退役证.jpg")
    assert uploaded.status_code == 201, uploaded.json
    return uploaded.json["id"]


def test_a_declared_fact_reviewed_and_approved_decides_the_item_at_once(
    app, client, session, world, reviewers
) -> None:
    mz, _ = reviewers
    head = headers(app, world.user)
    with frozen(NOW):
        before = _standing(client, head, world.items["B"])
        assert before["verdict"] == "unknown"
        assert [m["fact"] for m in before["missing"]] == ["veteran"]

        declared = client.post(
            API,
            json={
                "subject_id": world.person,
                "item_id": world.items["B"],
                "fact": "veteran",
                "value": True,
                "material_ids": [_photo(client, head)],
                "note": "1962年入伍，1968年退役",
            },
            headers=head,
        )
        assert declared.status_code == 201, declared.json
        assert declared.json["status"] == "pending" and declared.json["label"] == "退役军人"
        # the item's page says it is waiting for review, and the profile has nothing yet
        waiting = _standing(client, head, world.items["B"])
        assert waiting["verdict"] == "unknown"
        reference = f"BC{declared.json['id']:08d}"
        assert declared.json["reference"] == reference
        assert waiting["supplements"] == [
            {
                "id": declared.json["id"],
                "reference": reference,
                "fact": "veteran",
                "status": "pending",
                "reason": None,
            }
        ]

        queue = client.get(ADMIN, query_string={"status": "pending"}, headers=mz)
        assert queue.status_code == 200 and [r["id"] for r in queue.json] == [declared.json["id"]]
        shown = client.get(f"{ADMIN}/{declared.json['id']}", headers=mz).json
        assert shown["subject_name"] == "张**" and shown["value"] is True
        assert shown["current_value"] is None and shown["item_name"] == "退役军人高龄慰问金"
        (material,) = shown["materials"]
        photo = client.get(f"{ADMIN}/{shown['id']}/materials/{material['id']}", headers=mz)
        assert photo.status_code == 200 and photo.data == JPEG

        approved = client.post(f"{ADMIN}/{shown['id']}/approve", headers=mz)
        assert approved.status_code == 200, approved.json
        assert approved.json["status"] == "approved" and approved.json["current_value"] is True

        # matched again at once: the item is decided, with its amount, on 我的政策 too
        after = _standing(client, head, world.items["B"])
        assert after["verdict"] == "eligible" and after["missing"] == []
        cards = client.get("/api/v1/me/matches", headers=head).json
        card = next(c for c in cards if c["item"]["id"] == world.items["B"])
        assert card["verdict"] == "eligible" and card["amount_fen"] == 50000

    session.rollback()  # a new transaction: what the requests committed
    subject = session.get(Subject, world.person)
    assert subject.facts["veteran"] is True
    reason = session.scalar(
        select(ChangeEvent.reason)
        .where(ChangeEvent.subject_id == world.person)
        .order_by(ChangeEvent.id.desc())
    )
    assert reason == f"supplement:{shown['id']}"  # the value's source
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    for action in ("supplement.declare", "supplement_material.download", "supplement.approve"):
        assert action in actions
    assert client.post(f"{ADMIN}/{shown['id']}/approve", headers=mz).status_code == 409

    # the residents of the subject are told, as an 办事进度通知 opening the item
    pushed = _pushed(session, shown["id"])
    assert pushed["claim_no"] == {"value": reference}
    assert pushed["status"] == {"value": "已通过"}
    assert pushed["item"] == {"value": "退役军人高龄慰问金"}


def _pushed(session, supplement_id: int) -> dict:  # type: ignore[no-untyped-def]
    """The push the decision's outbox message makes, by field name (notify.messages.build)."""
    session.rollback()
    (row,) = session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"supplement:{supplement_id}:%"))
    ).all()
    assert row.topic == "claim_status" and row.page == f"pages/item/item?id={row.item_id}&from=push"
    assert row.subject_id is not None and row.wechat_user_id is None  # every bound resident
    content = Content(topic=row.topic, title=row.title, body=row.body, data=row.data, page=row.page)
    built = build([content], template_ids={}, now=NOW)
    keys = DEFAULT_KEYS["claim_status"]
    return {name: built.data[key] for name, key in keys.items()}


def test_a_refused_declaration_says_why_and_another_may_follow(
    app, client, session, world, reviewers
) -> None:
    mz, rs = reviewers
    head = headers(app, world.user)
    body = {"subject_id": world.person, "item_id": world.items["B"], "fact": "veteran"}
    with frozen(NOW):
        first = client.post(
            API, json={**body, "value": True, "material_ids": [_photo(client, head)]}, headers=head
        ).json
        again = client.post(
            API, json={**body, "value": True, "material_ids": [_photo(client, head)]}, headers=head
        )
        assert again.status_code == 409 and again.json["message"] == "「退役军人」已提交，正在审核"
        # another department does not see it, nor may it decide it
        assert client.get(ADMIN, headers=rs).json == []
        assert client.post(f"{ADMIN}/{first['id']}/approve", headers=rs).status_code == 404
        no_reason = client.post(f"{ADMIN}/{first['id']}/reject", json={}, headers=mz)
        assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]["json"]
        refused = client.post(
            f"{ADMIN}/{first['id']}/reject", json={"reason": "退役证照片不清晰"}, headers=mz
        )
        assert refused.status_code == 200 and refused.json["status"] == "rejected"
        mine = client.get(API, headers=head).json
        assert mine[0]["status"] == "rejected" and mine[0]["reason"] == "退役证照片不清晰"
        assert _standing(client, head, world.items["B"])["verdict"] == "unknown"
        pushed = _pushed(session, first["id"])
        assert pushed["status"] == {"value": "未通过"}
        assert pushed["note"] == {"value": "退役证照片不清晰"}
        retried = client.post(
            API, json={**body, "value": True, "material_ids": [_photo(client, head)]}, headers=head
        )
        assert retried.status_code == 201, retried.json


def test_what_cannot_be_declared_is_refused_and_nothing_is_written(
    app, client, session, world
) -> None:
    head = headers(app, world.user)
    stranger = headers(app, world.other_user)
    with frozen(NOW):
        photo = _photo(client, head)
        base = {"subject_id": world.person, "item_id": world.items["B"], "material_ids": [photo]}
        cases = [
            # a fact the profile has (birth date) and one the item does not read
            ({**base, "fact": "birth_date", "value": "1950-01-01"}, 409, "fact"),
            ({**base, "fact": "disability_level", "value": "一级"}, 422, "fact"),
            ({**base, "fact": "veteran", "value": "也许"}, 422, "value"),
            ({**base, "fact": "veteran", "value": True, "material_ids": []}, 422, "material_ids"),
        ]
        for body, status, field in cases:
            answer = client.post(API, json=body, headers=head)
            assert answer.status_code == status, (body, answer.json)
            assert field in answer.json["errors"], answer.json
        # another resident's subject, or my photo used by someone else: not found / refused
        theirs = client.post(API, json={**base, "fact": "veteran", "value": True}, headers=stranger)
        assert theirs.status_code == 404
        pdf = upload(client, stranger, "退役证", PDF, "证.pdf").json["id"]
        other = {**base, "fact": "veteran", "value": True, "material_ids": [pdf]}
        assert client.post(API, json=other, headers=head).status_code == 422
    assert session.scalar(select(FactSupplement.id)) is None


def test_consent_is_recorded_with_its_version_and_can_be_withdrawn(app, client, session) -> None:
    user = wechat_user(session, "openid-consent")
    head = headers(app, user)
    texts = client.get("/api/v1/privacy")
    assert texts.status_code == 200 and texts.headers.get("ETag")
    assert texts.json["guide"]["title"] == "政策快享隐私保护指引"
    purposes = {c["purpose"]: c for c in texts.json["consents"]}
    assert set(purposes) == {"privacy", "id_number", "bank_card"}
    assert "身份证号" in purposes["id_number"]["text"]

    listed = client.get("/api/v1/me/consents", headers=head).json
    assert {c["purpose"]: c["current"] for c in listed} == {
        "privacy": False,
        "id_number": False,
        "bank_card": False,
    }
    stale = client.post(
        "/api/v1/me/consents", json={"purpose": "bank_card", "version": "2020-01-01"}, headers=head
    )
    assert stale.status_code == 422 and "version" in stale.json["errors"]
    version = CONSENT_TEXTS["bank_card"]["version"]
    agreed = client.post(
        "/api/v1/me/consents", json={"purpose": "bank_card", "version": version}, headers=head
    )
    assert agreed.status_code == 200 and agreed.json["version"] == version
    assert agreed.json["granted_at"] and agreed.json["current"]
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "consent.grant")).all()
    assert entry.after == {"purpose": "bank_card", "version": version}

    assert client.delete("/api/v1/me/consents/bank_card", headers=head).status_code == 204
    listed = {c["purpose"]: c for c in client.get("/api/v1/me/consents", headers=head).json}
    assert listed["bank_card"]["current"] is False and listed["bank_card"]["withdrawn_at"]
    assert client.delete("/api/v1/me/consents/phone", headers=head).status_code == 422
