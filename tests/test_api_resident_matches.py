"""我的政策 (GET /me/matches) and 红利预期 (GET /me/summary) over the hand-made world."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import Claim, Grant
from models.clock import frozen
from tests import resident_world
from tests.resident_factories import headers
from tests.resident_world import NOW

URL = "/api/v1/me/matches"


@pytest.fixture
def world(session, database):  # type: ignore[no-untyped-def]
    """The hand-made world, with the clock at NOW."""
    with frozen(NOW):
        built = resident_world.build(session, database)
        yield built


def _claim(session, world, item: str, status: str, **fields) -> Claim:  # type: ignore[no-untyped-def]
    claim = Claim(
        claim_no=f"KX{item}{status}{len(fields)}",
        subject_id=world.enterprise if item in "CDF" else world.person,
        item_id=world.items[item],
        item_version_id=world.versions[item],
        applicant_id=world.user.id,
        idempotency_key=f"{item}-{status}",
        status=status,
        **fields,
    )
    session.add(claim)
    session.commit()
    return claim


def test_my_matches_cover_both_my_subjects_most_urgent_first(client, app, world) -> None:
    answer = client.get(URL, headers=headers(app, world.user))
    assert answer.status_code == 200, answer.json
    names = [(m["item"]["name"], m["subject"]["id"], m["verdict"]) for m in answer.json]
    # eligible first (C before A: A is already granted, 免申即享), then unknown by deadline
    assert names == [
        ("吸纳高校毕业生就业补贴", world.enterprise, "eligible"),
        ("高龄津贴", world.person, "eligible"),
        ("科技型企业研发补助", world.enterprise, "unknown"),
        ("退役军人高龄慰问金", world.person, "unknown"),
    ]
    graduates, aged, research, veteran = answer.json
    assert graduates["amount_fen"] == 300000 and graduates["period"] == "once"
    assert graduates["annual_fen"] == 300000
    assert graduates["apply_until"] == "2026-12-10T23:59:59+08:00"
    assert graduates["mode"] == "one_tap" and graduates["acted"] is False
    assert graduates["subject"] == {
        "id": world.enterprise,
        "kind": "enterprise",
        "name": "聊城市东昌府区示例科技有限公司",
    }
    assert graduates["policy"]["title"] == "聊城市促进高校毕业生就业若干措施"
    assert graduates["department"]["short_name"] == "市人社局"
    assert graduates["reason"].startswith("符合：")
    assert aged["subject"]["name"] == "张**"  # a person's name is masked
    assert (aged["amount_fen"], aged["period"], aged["annual_fen"]) == (10000, "monthly", 120000)
    assert aged["grant"]["status"] == "granted" and aged["acted"] is True
    assert aged["apply_until"] is None
    assert research["reason"] == "还差：请补充 研发投入占营业收入比例"
    assert research["amount_fen"] == 200000
    assert veteran["reason"] == "还差：请补充 退役军人"
    assert "张三丰" not in answer.get_data(as_text=True)


def test_my_matches_are_paginated(client, app, world) -> None:
    first = client.get(URL, query_string={"page_size": 3}, headers=headers(app, world.user))
    second = client.get(
        URL, query_string={"page_size": 3, "page": 2}, headers=headers(app, world.user)
    )
    assert [m["item"]["name"] for m in first.json] == [
        "吸纳高校毕业生就业补贴",
        "高龄津贴",
        "科技型企业研发补助",
    ]
    assert [m["item"]["name"] for m in second.json] == ["退役军人高龄慰问金"]
    assert json.loads(first.headers["X-Pagination"])["total"] == 4
    assert json.loads(second.headers["X-Pagination"])["page"] == 2


def test_a_claim_moves_an_item_after_those_not_yet_acted_on(client, app, session, world) -> None:
    _claim(session, world, "C", "submitted", expected_fen=300000)
    answer = client.get(URL, headers=headers(app, world.user))
    graduates = next(m for m in answer.json if m["item"]["code"] == "C")
    assert graduates["claim"]["status"] == "submitted" and graduates["acted"] is True
    # both eligible entries are acted on now: the deadline decides
    assert [m["item"]["code"] for m in answer.json] == ["C", "A", "F", "B"]
    _claim(session, world, "C", "rejected")  # a later rejected claim replaces it as the latest
    answer = client.get(URL, headers=headers(app, world.user))
    graduates = next(m for m in answer.json if m["item"]["code"] == "C")
    assert graduates["claim"]["status"] == "rejected" and graduates["acted"] is False


def test_a_second_read_with_the_etag_is_304_until_something_changes(
    client, app, session, world
) -> None:
    auth = headers(app, world.user)
    first = client.get(URL, headers=auth)
    etag = first.headers["ETag"]
    assert etag
    again = client.get(URL, headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    other_page = client.get(
        URL, query_string={"page_size": 2}, headers={**auth, "If-None-Match": etag}
    )
    assert other_page.status_code == 200
    _claim(session, world, "C", "submitted", expected_fen=300000)
    changed = client.get(URL, headers={**auth, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_another_users_subject_never_appears(client, app, world) -> None:
    mine = client.get(URL, headers=headers(app, world.user)).json
    theirs = client.get(URL, headers=headers(app, world.other_user)).json
    assert world.other_person not in {m["subject"]["id"] for m in mine}
    assert {m["subject"]["id"] for m in theirs} == {world.other_person}
    assert [m["item"]["code"] for m in theirs] == ["A", "B"]


def test_my_matches_need_a_login(client, world) -> None:
    answer = client.get(URL)
    assert answer.status_code == 401
    assert answer.json["message"] == "请先登录"
    assert client.get("/api/v1/me/summary").status_code == 401


def test_the_summary_adds_up_by_hand(client, app, session, world) -> None:
    auth = headers(app, world.user)
    before = client.get("/api/v1/me/summary", headers=auth)
    assert before.status_code == 200
    # eligible: A 100 元/月 (1,200 元 a year) + C 1,500 元 × 2 = 4,200 元
    assert before.json == {
        "year": 2026,
        "subjects": 2,
        "eligible_count": 2,
        "unknown_count": 2,
        "expected_fen": 420000,
        "claimed_count": 0,
        "claimed_fen": 0,
        "received_count": 0,
        "received_fen": 0,
    }
    _claim(session, world, "C", "submitted", expected_fen=300000)
    _claim(session, world, "F", "approved", expected_fen=200000, approved_fen=150000)
    _claim(session, world, "D", "rejected", expected_fen=1000000)
    _claim(
        session,
        world,
        "B",
        "paid",
        expected_fen=50000,
        paid_fen=50000,
        paid_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    _claim(
        session,
        world,
        "A",
        "paid",
        paid_fen=70000,
        paid_at=datetime(2025, 12, 31, 15, 0, tzinfo=UTC),  # 2025-12-31 23:00 in Shanghai
    )
    grant = session.scalar(select(Grant).where(Grant.subject_id == world.person))
    grant.status, grant.paid_at = "paid", datetime(2026, 11, 1, tzinfo=UTC)
    session.commit()
    after = client.get("/api/v1/me/summary", headers=auth).json
    assert after["claimed_count"] == 2
    assert after["claimed_fen"] == 300000 + 150000  # the approved amount once decided
    assert after["received_count"] == 2
    assert after["received_fen"] == 50000 + 10000  # last year's payment is not this year's
    assert after["expected_fen"] == 420000
