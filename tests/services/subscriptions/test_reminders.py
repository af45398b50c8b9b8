"""Deadline reminders and items expiring after their window, on items published and profiles
imported through the admin API (as in tests/test_e2e_matching.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from api.cli import cli
from models import (
    AuditEntry,
    ChangeEvent,
    Claim,
    ClaimStatus,
    ItemMode,
    MessageStatus,
    OutboxMessage,
    PolicyItem,
    PolicyStatus,
    Subject,
    SubjectBinding,
    WeChatUser,
)
from models.clock import SHANGHAI, frozen
from notify import pages
from services import matching, publishing, subscriptions
from tests import factories
from tests.test_e2e_matching import elderly_allowance, id_number, standing

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)  # the 09:00 run
TODAY = NOW.date()
CLOSES_SOON = datetime(2026, 11, 29, 23, 59, 59, tzinfo=SHANGHAI)  # within 3 days
CLOSES_LATER = datetime(2026, 12, 7, 23, 59, 59, tzinfo=SHANGHAI)
ELIGIBLE_FACTS = {"hukou_district": "371502", "birth_date": "1944-05-01"}  # 82: 100 元 a month
MATERIALS = [{"name": "身份证", "required": True, "types": ["jpg", "png"]}]


def item_body(name: str, mode: str, until: datetime | None) -> dict:
    """The demo's 高龄津贴 rule under another name, mode and application window."""
    doc = elderly_allowance()
    body = {k: doc[k] for k in ("subject_type", "benefit", "rule", "amount", "params", "cases")}
    body.update(name=name, mode=mode, materials=MATERIALS if mode == ItemMode.ONE_TAP else [])
    if until is not None:
        body["apply_until"] = until.isoformat()
    return body


def publish(client, headers, department_id: int, code: str, items: list[dict]) -> list[int]:  # type: ignore[no-untyped-def]
    policy = client.post(
        "/api/v1/admin/policies",
        headers=headers,
        json={
            "code": code,
            "department_id": department_id,
            "title": f"{code} 测试政策",
            "categories": ["养老服务"],
        },
    )
    assert policy.status_code == 201, policy.json
    ids = []
    for body in items:
        item = client.post(
            f"/api/v1/admin/policies/{policy.json['id']}/items", headers=headers, json=body
        )
        assert item.status_code == 201, item.json
        ids.append(item.json["id"])
    published = client.post(f"/api/v1/admin/policies/{policy.json['id']}/publish", headers=headers)
    assert published.status_code == 200, published.json
    return ids


def residents(client, session, count: int, *, bound: set[int]) -> list[int]:  # type: ignore[no-untyped-def]
    """Import `count` eligible residents through the API; bind those whose index is in `bound`;
    return their subject ids in index order."""
    _, key = factories.staff(session, "platform", "data_platform", machine=True)
    rows = [
        {"id_number": id_number(i), "name": f"测试居民{i}", "facts": ELIGIBLE_FACTS}
        for i in range(count)
    ]
    imported = client.post(
        "/api/v1/admin/profiles/imports",
        headers={"X-API-Key": key},
        json={"kind": "person", "batch_id": "reminders-1", "rows": rows},
    )
    assert imported.status_code == 200, imported.json
    vault = session.info["vault"]
    ids = [
        session.scalar(
            select(Subject.id).where(
                Subject.identity_hash == vault.lookup_hash(id_number(i), context="person.id_number")
            )
        )
        for i in range(count)
    ]
    user = WeChatUser(appid="wx", openid="o-reminders")
    session.add(user)
    session.flush()
    for index in sorted(bound):
        session.add(
            SubjectBinding(
                wechat_user_id=user.id, subject_id=ids[index], relation="self", verified_by="test"
            )
        )
    session.commit()
    return ids


def claim(session, subject_id: int, item_id: int, status: str) -> None:  # type: ignore[no-untyped-def]
    item = session.get(PolicyItem, item_id)
    user = session.scalar(select(WeChatUser))
    session.add(
        Claim(
            claim_no=f"C{subject_id}-{item_id}-{status}",
            subject_id=subject_id,
            item_id=item_id,
            item_version_id=item.current_version_id,
            applicant_id=user.id,
            idempotency_key=f"{subject_id}-{item_id}-{status}",
            status=status,
        )
    )
    session.commit()


def run_matching(session, database) -> dict:  # type: ignore[no-untyped-def]
    session.commit()
    counts = matching.process_changes(database, today=TODAY)
    session.expire_all()
    return counts


def setup(client, session):  # type: ignore[no-untyped-def]
    department = factories.department(session, "MZ", "聊城市民政局")
    factories.staff(session, "pub", "publisher:MZ")
    return department, factories.login(client, "pub")


def test_eligible_unclaimed_bound_residents_are_reminded_once(client, session, database) -> None:
    department, publisher = setup(client, session)
    # 0: bound, no claim -> reminded; 1: bound, an open claim -> not; 2: not bound -> not;
    # 3: bound, a withdrawn claim -> reminded (a withdrawn claim is no claim).
    subjects = residents(client, session, 4, bound={0, 1, 3})
    soon, later, auto, guide = publish(
        client,
        publisher,
        department.id,
        "REMIND-01",
        [
            item_body("高龄护理补贴", ItemMode.ONE_TAP, CLOSES_SOON),
            item_body("高龄营养补贴", ItemMode.ONE_TAP, CLOSES_LATER),
            item_body("高龄津贴（免申）", ItemMode.AUTO_GRANT, CLOSES_SOON),
            item_body("高龄体检指引", ItemMode.GUIDE, NOW + timedelta(hours=30)),
        ],
    )
    run_matching(session, database)
    assert standing(session, id_number(0))[soon][0] == 1  # the stored match is eligible
    claim(session, subjects[1], soon, ClaimStatus.SUBMITTED)
    claim(session, subjects[3], soon, ClaimStatus.WITHDRAWN)

    counts = subscriptions.remind_deadlines(database, now=NOW)
    assert counts["items_closing"] == 2  # the one_tap closing soon and the guide
    assert counts["claimed"] == 1 and counts["reminders"] == 5
    session.expire_all()
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "deadline_near"))
    sent = {(m.subject_id, m.item_id): m for m in messages}
    assert set(sent) == {
        (subjects[0], soon),
        (subjects[3], soon),
        (subjects[0], guide),
        (subjects[1], guide),  # its claim is on the other item
        (subjects[3], guide),
    }
    assert not {later, auto} & {item for _, item in sent}

    message = sent[(subjects[0], soon)]
    version_id = session.get(PolicyItem, soon).current_version_id
    assert message.dedupe_key == f"deadline_near:{subjects[0]}:{soon}:2026-11-29"
    assert message.title == "申请即将截止"
    assert message.body == "「高龄护理补贴」将于 11月29日 截止申请，预计可享 100 元"
    assert message.data == {
        "items": [
            {"item_id": soon, "version_id": version_id, "name": "高龄护理补贴", "amount_fen": 10000}
        ],
        "count": 1,
        "total_fen": 10000,
        "deadline": "2026-11-29",
    }
    assert message.page == pages.item(soon)
    assert message.urgent is False and message.status == MessageStatus.PENDING
    assert message.expires_at == CLOSES_SOON
    assert sent[(subjects[0], guide)].data["deadline"] == "2026-11-28"

    again = subscriptions.remind_deadlines(database, now=NOW + timedelta(minutes=5))
    assert again.get("reminders", 0) == 0 and again["already_reminded"] == 5
    session.expire_all()
    assert (
        len(
            session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.topic == "deadline_near")
            ).all()
        )
        == 5
    )


def test_nothing_closing_soon_means_no_work(client, session, database) -> None:
    department, publisher = setup(client, session)
    residents(client, session, 1, bound={0})
    publish(
        client,
        publisher,
        department.id,
        "REMIND-02",
        [item_body("高龄营养补贴", ItemMode.ONE_TAP, CLOSES_LATER)],
    )
    run_matching(session, database)
    assert subscriptions.remind_deadlines(database, now=NOW) == {}
    # Eight days on it closes within three days, and is reminded.
    assert subscriptions.remind_deadlines(database, now=NOW + timedelta(days=8))["reminders"] == 1


def test_an_item_past_its_window_expires_and_its_matches_end(client, session, database) -> None:
    department, publisher = setup(client, session)
    residents(client, session, 1, bound={0})
    closed, still_open = publish(
        client,
        publisher,
        department.id,
        "EXPIRE-01",
        [
            item_body("高龄护理补贴", ItemMode.ONE_TAP, NOW - timedelta(hours=1)),
            item_body("高龄营养补贴", ItemMode.ONE_TAP, CLOSES_SOON),
        ],
    )
    run_matching(session, database)
    assert not standing(session, id_number(0))[closed][2]  # active before expiry

    with frozen(NOW):
        assert publishing.expire_items(session=session, now=NOW) == {"items_expired": 1}
        assert publishing.expire_items(session=session, now=NOW) == {"items_expired": 0}
    session.expire_all()
    assert session.get(PolicyItem, closed).status == PolicyStatus.EXPIRED
    assert session.get(PolicyItem, still_open).status == PolicyStatus.PUBLISHED
    event = session.scalar(select(ChangeEvent).where(ChangeEvent.reason == "expire"))
    assert event is not None and event.item_id == closed
    audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "item.expire"))
    assert audit is not None and audit.actor_kind == "system"

    run_matching(session, database)
    after = standing(session, id_number(0))
    assert after[closed][2] is True  # ended, kept as history
    assert after[still_open][2] is False


def test_the_expire_items_job_expires_items_and_policies(client, session, database, app) -> None:
    department, publisher = setup(client, session)
    closed, _ = publish(
        client,
        publisher,
        department.id,
        "EXPIRE-02",
        [
            item_body("高龄护理补贴", ItemMode.ONE_TAP, NOW - timedelta(hours=1)),
            item_body("高龄营养补贴", ItemMode.ONE_TAP, CLOSES_SOON),
        ],
    )
    session.commit()
    with frozen(NOW):
        done = app.test_cli_runner().invoke(cli, ["jobs", "run", "expire_items"])
    assert done.exit_code == 0, done.output
    assert "expire_items: succeeded {'items_expired': 1}" in done.output
    session.expire_all()
    assert session.get(PolicyItem, closed).status == PolicyStatus.EXPIRED
