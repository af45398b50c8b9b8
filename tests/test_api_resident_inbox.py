"""Resident inbox and subscriptions: which templates a page asks for, what the popup answered
(counted once with WeChat's own event of the same tap), my messages, read state, push state."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import xmltodict
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from wechatpy.crypto import WeChatCrypto

from api import create_app
from api.config import Settings
from api.extensions import dispatcher_for
from models import MessageDelivery, MessageStatus, OutboxMessage, WeChatUser
from notify import messages, outbox
from notify.emulator import EmulatorServer
from notify.outbox import Message
from services.subscriptions import _quotas as subscriptions
from tests import push_factories as pf
from tests.resident_factories import headers

T = messages.DEFAULT_TEMPLATE_IDS
NEW, GRANT, CLAIM, DEADLINE, PAYOUT = (T[topic] for topic in messages.TOPICS)
TEMPLATES = "/api/v1/me/subscriptions/templates"
SUBSCRIPTIONS = "/api/v1/me/subscriptions"
MESSAGES = "/api/v1/me/messages"
T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def auth(app: Flask, session: Session, user_id: int) -> dict[str, str]:
    """Return the Authorization header of this WeChat user."""
    found = headers(app, session.get(WeChatUser, user_id))
    session.commit()  # end the read: on SQLite an old snapshot cannot write after the app did
    return found


@pytest.fixture
def alice(session: Session, settings: Settings) -> tuple[int, int]:
    """A resident bound to herself: (subject id, WeChat user id)."""
    return pf.resident(session, "o-alice-0001", appid=settings.wechat_appid, name="李娜")


@pytest.fixture
def as_alice(app: Flask, session: Session, alice: tuple[int, int]) -> dict[str, str]:
    return auth(app, session, alice[1])


def ids(group: list[dict]) -> list[str]:
    return [template["template_id"] for template in group]


# --- which templates a page asks for -------------------------------------------------------------


def test_a_scene_asks_at_most_three_templates_a_call_most_needed_first(client, as_alice) -> None:
    home = client.get(TEMPLATES, headers=as_alice)
    after_claim = client.get(TEMPLATES, query_string={"scene": "after_claim"}, headers=as_alice)

    assert home.status_code == 200, home.json
    assert home.json["scene"] == "home"
    assert [ids(g) for g in home.json["groups"]] == [[NEW, GRANT, DEADLINE], [CLAIM, PAYOUT]]
    assert [ids(g) for g in after_claim.json["groups"]] == [[CLAIM, PAYOUT, DEADLINE], [NEW, GRANT]]
    first = after_claim.json["groups"][0][0]
    assert first == {
        "template_id": CLAIM,
        "kind": "claim_status",
        "title": "办事进度通知",
        "long_term": False,
        "remaining": 0,
    }


@pytest.fixture
def long_term_client(settings: Settings) -> Iterator[FlaskClient]:
    """A client of the app with claim_status and payout_done as long-term templates."""
    app = create_app(settings.with_overrides(wechat_long_term_templates=(CLAIM, PAYOUT)))
    app.testing = True
    yield app.test_client()
    app.extensions["kx.db"].dispose()


def test_long_term_and_one_time_templates_are_never_asked_together(
    long_term_client, as_alice
) -> None:
    got = {
        scene: long_term_client.get(TEMPLATES, query_string={"scene": scene}, headers=as_alice)
        for scene in ("home", "after_claim", "grants")
    }

    assert [ids(g) for g in got["after_claim"].json["groups"]] == [
        [CLAIM, PAYOUT],
        [DEADLINE, NEW, GRANT],
    ]
    assert [ids(g) for g in got["home"].json["groups"]] == [[NEW, GRANT, DEADLINE], [CLAIM, PAYOUT]]
    assert [ids(g) for g in got["grants"].json["groups"]] == [
        [GRANT, NEW, DEADLINE],
        [PAYOUT, CLAIM],
    ]
    for response in got.values():
        for group in response.json["groups"]:
            assert 1 <= len(group) <= 3
            assert len({template["long_term"] for template in group}) == 1


def test_an_unknown_scene_is_refused(client, as_alice) -> None:
    response = client.get(TEMPLATES, query_string={"scene": "checkout"}, headers=as_alice)

    assert response.status_code == 422
    assert "scene" in response.json["errors"]["query"]


def test_templates_need_a_logged_in_resident(client) -> None:
    assert client.get(TEMPLATES).status_code == 401
    assert client.post(SUBSCRIPTIONS, json={"results": {NEW: "accept"}}).status_code == 401
    assert client.get(MESSAGES).status_code == 401


# --- what the popup answered ---------------------------------------------------------------------


def test_the_answer_counts_accepts_and_shows_what_is_left(client, as_alice) -> None:
    answer = {"errMsg": "requestSubscribeMessage:ok", NEW: "accept", GRANT: "reject"}

    first = client.post(SUBSCRIPTIONS, json={"results": answer}, headers=as_alice)
    client.post(SUBSCRIPTIONS, json={"results": {NEW: "accept"}}, headers=as_alice)
    home = client.get(TEMPLATES, headers=as_alice)

    assert first.status_code == 200, first.json
    assert first.json["templates"] == [
        {
            "template_id": GRANT,
            "kind": "grant_made",
            "title": "免申即享办理通知",
            "long_term": False,
            "remaining": 0,
        },
        {
            "template_id": NEW,
            "kind": "new_matches",
            "title": "政策匹配提醒",
            "long_term": False,
            "remaining": 1,
        },
    ]
    remaining = {t["template_id"]: t["remaining"] for g in home.json["groups"] for t in g}
    assert remaining[NEW] == 2
    assert remaining[GRANT] == 0


def test_a_long_term_template_is_on_after_accept_and_off_after_reject(
    long_term_client, as_alice
) -> None:
    on = long_term_client.post(SUBSCRIPTIONS, json={"results": {CLAIM: "accept"}}, headers=as_alice)
    again = long_term_client.post(
        SUBSCRIPTIONS, json={"results": {CLAIM: "accept"}}, headers=as_alice
    )
    off = long_term_client.post(
        SUBSCRIPTIONS, json={"results": {CLAIM: "reject"}}, headers=as_alice
    )

    assert [t["remaining"] for t in on.json["templates"]] == [1]
    assert on.json["templates"][0]["long_term"] is True
    assert [t["remaining"] for t in again.json["templates"]] == [1]
    assert [t["remaining"] for t in off.json["templates"]] == [0]


def test_unknown_templates_are_refused_and_nothing_is_recorded(
    client, session, as_alice, alice
) -> None:
    response = client.post(
        SUBSCRIPTIONS,
        json={"results": {NEW: "accept", "tmpl-from-another-app": "accept"}},
        headers=as_alice,
    )

    assert response.status_code == 422
    assert set(response.json) == {"code", "status", "message", "errors"}
    assert list(response.json["errors"]["results"]) == ["tmpl-from-another-app"]
    left = subscriptions.remaining(session, wechat_user_id=alice[1], template_id=NEW)
    assert left == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"results": {NEW: "maybe"}},
        {"results": [NEW]},
        {"results": {"": "accept"}},
        {"results": {NEW: "accept"}, "extra": 1},
    ],
)
def test_malformed_answers_are_refused(client, as_alice, body) -> None:
    response = client.post(SUBSCRIPTIONS, json=body, headers=as_alice)

    assert response.status_code == 422
    assert response.json["errors"]


# The same tap, as WeChat reports it to the message-push callback (secure mode).
TIMESTAMP, NONCE = "1795852800", "n0nce-42"


def popup_event(
    client: FlaskClient, settings: Settings, openid: str, template_id: str, create_time: int
) -> None:
    """POST WeChat's subscribe_msg_popup_event for one accept to our callback."""
    plaintext = json.dumps(
        {
            "ToUserName": "gh_0123456789ab",
            "FromUserName": openid,
            "CreateTime": str(create_time),
            "MsgType": "event",
            "Event": "subscribe_msg_popup_event",
            "List": {"TemplateId": template_id, "SubscribeStatusString": "accept"},
        }
    )
    crypto = WeChatCrypto(settings.wechat_token, settings.wechat_aes_key, settings.wechat_appid)
    encrypted = xmltodict.parse(crypto.encrypt_message(plaintext, NONCE, TIMESTAMP))["xml"][
        "Encrypt"
    ]

    def sign(*parts: str) -> str:
        return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()

    response = client.post(
        "/api/v1/wechat/callback",
        query_string={
            "signature": sign(settings.wechat_token, TIMESTAMP, NONCE),
            "timestamp": TIMESTAMP,
            "nonce": NONCE,
            "encrypt_type": "aes",
            "msg_signature": sign(settings.wechat_token, TIMESTAMP, NONCE, encrypted),
        },
        json={"ToUserName": "gh_0123456789ab", "Encrypt": encrypted},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_one_tap_reported_by_the_page_and_by_wechat_counts_once(
    client, settings, session, as_alice, alice
) -> None:
    def left() -> int:
        session.commit()  # a fresh snapshot
        return subscriptions.remaining(session, wechat_user_id=alice[1], template_id=CLAIM)

    # first tap: the page reports first, then WeChat's event
    page = client.post(SUBSCRIPTIONS, json={"results": {CLAIM: "accept"}}, headers=as_alice)
    popup_event(client, settings, "o-alice-0001", CLAIM, create_time=1795852800)
    after_first = left()
    # second tap: WeChat's event first, then the page
    popup_event(client, settings, "o-alice-0001", CLAIM, create_time=1795852860)
    page_again = client.post(SUBSCRIPTIONS, json={"results": {CLAIM: "accept"}}, headers=as_alice)

    assert page.json["templates"][0]["remaining"] == 1
    assert after_first == 1
    assert page_again.json["templates"][0]["remaining"] == 2
    assert left() == 2


# --- the inbox -----------------------------------------------------------------------------------


def message(
    session: Session,
    *,
    subject_id: int | None = None,
    user_id: int | None = None,
    minute: int = 0,
    topic: str = messages.CLAIM_STATUS,
    title: str = "申请进度更新",
    status: str = MessageStatus.PENDING,
) -> int:
    """Write an outbox message created `minute` minutes after T0; return its id."""
    message = Message(
        topic=topic,
        dedupe_key=f"{topic}:{subject_id}:{user_id}:{minute}:{title}",
        subject_id=subject_id,
        wechat_user_id=user_id,
        title=title,
        body=f"{title}的内容",
        page="pages/messages/messages?from=push",
    )
    row = outbox.add(session, message, now=T0 + timedelta(minutes=minute))
    row.status = status  # as the dispatcher leaves it
    session.commit()
    return row.id


@pytest.fixture
def bob(session: Session, settings: Settings) -> tuple[int, int]:
    return pf.resident(session, "o-bob-00002", appid=settings.wechat_appid, name="王强")


def test_the_inbox_lists_only_my_messages_newest_first(client, session, as_alice, alice, bob):
    subject, me = alice
    bob_subject, bob_id = bob
    older = message(session, subject_id=subject, minute=1, title="审核中")
    to_me = message(session, user_id=me, minute=3, title="绑定成功")
    newer = message(session, subject_id=subject, minute=2, title="已通过")
    message(session, subject_id=bob_subject, minute=4, title="王强的消息")
    message(session, user_id=bob_id, minute=5, title="给王强")
    # about my subject but addressed to another user who also acts for it: theirs only
    message(session, subject_id=subject, user_id=bob_id, minute=6, title="给王强的代办消息")

    response = client.get(MESSAGES, headers=as_alice)

    assert response.status_code == 200, response.json
    assert [m["id"] for m in response.json] == [to_me, newer, older]
    first = response.json[0]
    assert first == {
        "id": to_me,
        "kind": "claim_status",
        "title": "绑定成功",
        "body": "绑定成功的内容",
        "page": "pages/messages/messages?from=push",
        "created_at": "2026-11-27T09:03:00+08:00",
        "read": False,
        "read_at": None,
        "push": "pending",
    }
    assert json.loads(response.headers["X-Pagination"])["total"] == 3


def test_the_inbox_is_paginated(client, session, as_alice, alice) -> None:
    made = [message(session, subject_id=alice[0], minute=n, title=f"第{n}条") for n in range(23)]

    pages_seen = [
        client.get(MESSAGES, query_string={"page": n, "page_size": 10}, headers=as_alice)
        for n in (1, 2, 3)
    ]

    assert [len(p.json) for p in pages_seen] == [10, 10, 3]
    assert [m["id"] for p in pages_seen for m in p.json] == made[::-1]
    meta = json.loads(pages_seen[1].headers["X-Pagination"])
    assert meta["total"] == 23 and meta["total_pages"] == 3 and meta["page"] == 2
    far = client.get(MESSAGES, query_string={"page": 10**30}, headers=as_alice)
    assert far.status_code == 200 and far.json == []


def test_reading_one_message_and_then_all(client, session, as_alice, alice) -> None:
    first, second, third = (message(session, subject_id=alice[0], minute=n) for n in range(3))

    assert client.get(f"{MESSAGES}/unread-count", headers=as_alice).json == {"unread": 3}
    read = client.post(f"{MESSAGES}/{second}/read", headers=as_alice)
    read_again = client.post(f"{MESSAGES}/{second}/read", headers=as_alice)
    unread_list = client.get(MESSAGES, query_string={"unread_only": "true"}, headers=as_alice)
    count_after_one = client.get(f"{MESSAGES}/unread-count", headers=as_alice).json
    everything = client.post(f"{MESSAGES}/read-all", headers=as_alice)
    nothing_left = client.post(f"{MESSAGES}/read-all", headers=as_alice)

    assert read.status_code == 200, read.json
    assert read.json["id"] == second and read.json["read"] is True
    assert read.json["read_at"].endswith("+08:00")
    assert read_again.json["read_at"] == read.json["read_at"]
    assert [m["id"] for m in unread_list.json] == [third, first]
    assert count_after_one == {"unread": 2}
    assert everything.json == {"marked": 2}
    assert nothing_left.json == {"marked": 0}
    assert client.get(f"{MESSAGES}/unread-count", headers=as_alice).json == {"unread": 0}
    assert all(m["read"] for m in client.get(MESSAGES, headers=as_alice).json)


def test_another_residents_message_is_not_found(client, session, as_alice, alice, bob) -> None:
    bobs = message(session, subject_id=bob[0], minute=1)
    to_bob = message(session, user_id=bob[1], minute=2)
    message(session, subject_id=alice[0], minute=3)

    for message_id in (bobs, to_bob, 999999):
        response = client.post(f"{MESSAGES}/{message_id}/read", headers=as_alice)
        assert response.status_code == 404
        assert response.json["message"] == "未找到该消息"
    # an id no BIGINT holds matches no route (it never reaches the database)
    assert client.post(f"{MESSAGES}/{10**30}/read", headers=as_alice).status_code == 404
    read_all = client.post(f"{MESSAGES}/read-all", headers=as_alice)

    assert read_all.json == {"marked": 1}
    session.commit()
    assert session.get(OutboxMessage, bobs).read_at is None
    assert session.get(OutboxMessage, to_bob).read_at is None


def test_a_subjects_message_seen_by_two_users_is_read_for_both(
    app, client, session, settings, as_alice, alice
) -> None:
    """Documented choice: a message several bound users see is one shared message."""
    agent = pf.bind(session, alice[0], "o-agent-0003", appid=settings.wechat_appid)
    shared = message(session, subject_id=alice[0], minute=1)
    as_agent = auth(app, session, agent)

    client.post(f"{MESSAGES}/{shared}/read", headers=as_agent)

    assert client.get(MESSAGES, headers=as_alice).json[0]["read"] is True
    assert client.get(f"{MESSAGES}/unread-count", headers=as_alice).json == {"unread": 0}


def test_push_state_is_mine(client, session, as_alice, alice) -> None:
    subject, me = alice
    states = {}
    for minute, status in enumerate(
        [MessageStatus.SENT, MessageStatus.WAITING, MessageStatus.FAILED, MessageStatus.EXPIRED]
    ):
        message_id = message(session, subject_id=subject, minute=minute, status="queued")
        session.add(MessageDelivery(message_id=message_id, wechat_user_id=me, topic="claim_status"))
        session.commit()
        session.execute(
            MessageDelivery.__table__.update()
            .where(MessageDelivery.message_id == message_id)
            .values(status=status)
        )
        session.commit()
        states[message_id] = status
    not_fanned_out = message(session, subject_id=subject, minute=10)
    bound_after_fan_out = message(session, subject_id=subject, minute=11, status="queued")
    never_pushed = message(session, subject_id=subject, minute=12, topic="note")

    got = {m["id"]: m["push"] for m in client.get(MESSAGES, headers=as_alice).json}

    assert {got[message_id] for message_id in states} == {"sent", "waiting", "failed", "expired"}
    assert all(got[message_id] == states[message_id] for message_id in states)
    assert got[not_fanned_out] == "pending"
    assert got[bound_after_fan_out] == "none"
    assert got[never_pushed] == "none"


def test_push_state_follows_the_dispatcher(app, client, session, wx: EmulatorServer) -> None:
    wx.mint_login_code("o-carol-004")
    subject, me = pf.resident(session, "o-carol-004", appid=wx.appid, name="赵敏")
    as_carol = auth(app, session, me)
    client.post(SUBSCRIPTIONS, json={"results": {NEW: "accept"}}, headers=as_carol)
    wx.grant("o-carol-004", NEW)
    matched = pf.new_match(session, subject, "城乡居民基本养老保险补贴", 48000)
    status = message(session, subject_id=subject, minute=1)  # claim_status: nothing allowed

    dispatcher_for(app).run()
    got = {m["id"]: m["push"] for m in client.get(MESSAGES, headers=as_carol).json}

    assert got == {matched: "sent", status: "waiting"}
    session.commit()
    delivery = session.scalar(select(MessageDelivery).where(MessageDelivery.message_id == matched))
    assert delivery.status == MessageStatus.SENT
