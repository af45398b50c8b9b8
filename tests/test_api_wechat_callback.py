"""The message-push callback: URL verification and encrypted subscribe events, really encrypted."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import xmltodict
from flask.testing import FlaskClient
from sqlalchemy import func, select
from wechatpy.crypto import WeChatCrypto

from api.config import Settings
from models import (
    Database,
    MessageDelivery,
    MessageStatus,
    SubscriptionQuota,
    WeChatEvent,
    WeChatUser,
)
from models.clock import utcnow
from notify import outbox
from notify.outbox import Message
from services.subscriptions import _quotas as subscriptions

URL = "/api/v1/wechat/callback"
ONCE = "tmpl-once-policy-match"
OTHER = "tmpl-once-claim-status"
LONG = "tmpl-long-term-payout"
OPENID = "o-alice-openid"
TIMESTAMP, NONCE = "1795852800", "n0nce-42"


@pytest.fixture
def settings(settings: Settings) -> Iterator[Settings]:
    """The suite's settings with one long-term template configured."""
    yield settings.with_overrides(wechat_long_term_templates=(LONG,))


@pytest.fixture
def user(database: Database, settings: Settings) -> int:
    with database.session() as session:
        row = WeChatUser(appid=settings.wechat_appid, openid=OPENID)
        session.add(row)
        session.commit()
        return row.id


def sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def encrypt(settings: Settings, plaintext: str, *, appid: str | None = None) -> str:
    """Encrypt as WeChat does (wechatpy's own encrypt_message) and return the Encrypt field."""
    crypto = WeChatCrypto(
        settings.wechat_token, settings.wechat_aes_key, appid or settings.wechat_appid
    )
    return xmltodict.parse(crypto.encrypt_message(plaintext, NONCE, TIMESTAMP))["xml"]["Encrypt"]


def push(
    client: FlaskClient,
    settings: Settings,
    plaintext: str,
    *,
    body: str = "json",
    appid: str | None = None,
    msg_signature: str | None = None,
    query: dict | None = None,
):  # type: ignore[no-untyped-def]
    """POST one push in secure mode, its body JSON or XML."""
    encrypted = encrypt(settings, plaintext, appid=appid)
    params = {
        "signature": sha1(settings.wechat_token, TIMESTAMP, NONCE),
        "timestamp": TIMESTAMP,
        "nonce": NONCE,
        "encrypt_type": "aes",
        "msg_signature": msg_signature or sha1(settings.wechat_token, TIMESTAMP, NONCE, encrypted),
    }
    params.update(query or {})
    if body == "json":
        return client.post(
            URL, query_string=params, json={"ToUserName": "gh_0123456789ab", "Encrypt": encrypted}
        )
    xml = (
        "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    return client.post(URL, query_string=params, data=xml, content_type="text/xml")


def popup_json(items: list[dict], *, create_time: str = "1795852800") -> str:
    payload = {
        "ToUserName": "gh_0123456789ab",
        "FromUserName": OPENID,
        "CreateTime": create_time,
        "MsgType": "event",
        "Event": "subscribe_msg_popup_event",
        "List": items[0] if len(items) == 1 else items,  # WeChat's own quirk
    }
    return json.dumps(payload)


def accept(template_id: str, status: str = "accept") -> dict:
    return {"TemplateId": template_id, "SubscribeStatusString": status, "PopupScene": "0"}


def quota(database: Database, user: int, template_id: str) -> int:
    with database.session() as session:
        return subscriptions.remaining(
            session, wechat_user_id=user, template_id=template_id, long_term=template_id == LONG
        )


def count(database: Database, model) -> int:  # type: ignore[no-untyped-def]
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def assert_error_shape(response, code: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == code
    assert set(response.json) == {"code", "status", "message", "errors"}
    assert response.json["code"] == code


# --- GET: URL verification -----------------------------------------------------------------------


def test_get_with_a_good_signature_echoes_echostr(client: FlaskClient, settings: Settings) -> None:
    query = {
        "signature": sha1(settings.wechat_token, TIMESTAMP, NONCE),
        "timestamp": TIMESTAMP,
        "nonce": NONCE,
        "echostr": "5831920374650912837",
    }
    response = client.get(URL, query_string=query)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "5831920374650912837"


def test_get_with_a_bad_signature_is_forbidden(client: FlaskClient, settings: Settings) -> None:
    query = {
        "signature": sha1("another-token", TIMESTAMP, NONCE),
        "timestamp": TIMESTAMP,
        "nonce": NONCE,
        "echostr": "5831920374650912837",
    }
    response = client.get(URL, query_string=query)
    assert_error_shape(response, 403)
    assert "5831920374650912837" not in response.get_data(as_text=True)
    # not even a non-ASCII signature makes it stumble
    assert client.get(URL, query_string=query | {"signature": "签名"}).status_code == 403


def test_the_callback_is_documented(client: FlaskClient) -> None:
    document = client.get("/openapi.json").json
    operations = document["paths"][URL]
    assert set(operations) >= {"get", "post"}
    assert "text/plain" in operations["post"]["responses"]["200"]["content"]
    tag = next(t for t in document["tags"] if t["name"] == operations["post"]["tags"][0])
    assert "微信" in tag["description"]


# --- POST: events --------------------------------------------------------------------------------


def test_popup_event_with_one_item_as_an_object_counts_the_accept(
    client: FlaskClient, settings: Settings, database: Database, user: int
) -> None:
    response = push(client, settings, popup_json([accept(ONCE)]))
    assert response.status_code == 200
    assert response.mimetype == "text/plain" and response.get_data(as_text=True) == "success"
    assert quota(database, user, ONCE) == 1


def test_popup_event_with_two_items_as_an_array(
    client: FlaskClient, settings: Settings, database: Database, user: int
) -> None:
    response = push(client, settings, popup_json([accept(ONCE), accept(LONG)]))
    assert response.status_code == 200
    assert quota(database, user, ONCE) == 1
    assert quota(database, user, LONG) == 1


def test_xml_body_and_xml_plaintext_with_items_under_the_event_element(
    client: FlaskClient, settings: Settings, database: Database, user: int
) -> None:
    plaintext = (
        "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        "<CreateTime>1795852800</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[subscribe_msg_popup_event]]></Event>"
        "<SubscribeMsgPopupEvent>"
        f"<List><TemplateId><![CDATA[{ONCE}]]></TemplateId>"
        "<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>"
        "<PopupScene>0</PopupScene></List>"
        f"<List><TemplateId><![CDATA[{OTHER}]]></TemplateId>"
        "<SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString>"
        "<PopupScene>0</PopupScene></List>"
        f"<List><TemplateId><![CDATA[{LONG}]]></TemplateId>"
        "<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString>"
        "<PopupScene>0</PopupScene></List>"
        "</SubscribeMsgPopupEvent></xml>"
    )
    response = push(client, settings, plaintext, body="xml")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (quota(database, user, ONCE), quota(database, user, OTHER)) == (1, 0)
    assert quota(database, user, LONG) == 1


def test_the_same_push_twice_counts_once(
    client: FlaskClient, settings: Settings, database: Database, user: int
) -> None:
    plaintext = popup_json([accept(ONCE)])
    assert push(client, settings, plaintext).status_code == 200
    assert push(client, settings, plaintext, body="xml").status_code == 200  # a retry
    assert quota(database, user, ONCE) == 1
    assert count(database, WeChatEvent) == 1
    # a later tap is a new push
    assert (
        push(client, settings, popup_json([accept(ONCE)], create_time="1795852900")).status_code
        == 200
    )
    assert quota(database, user, ONCE) == 2


def test_the_clients_report_and_the_event_of_one_tap_count_once(
    client: FlaskClient, settings: Settings, database: Database, user: int
) -> None:
    with database.session() as session:
        subscriptions.record_results(
            session,
            wechat_user_id=user,
            results={ONCE: "accept"},
            source="client",
            long_term_templates=(LONG,),
            now=datetime.now(UTC),
        )
        session.commit()
    assert push(client, settings, popup_json([accept(ONCE)])).status_code == 200
    assert quota(database, user, ONCE) == 1


def test_change_event_reject_opts_out(
    client: FlaskClient, settings: Settings, database: Database, user: int
) -> None:
    push(client, settings, popup_json([accept(ONCE)]))
    push(client, settings, popup_json([accept(ONCE)], create_time="1795852900"))
    assert quota(database, user, ONCE) == 2
    change = {
        "ToUserName": "gh_0123456789ab",
        "FromUserName": OPENID,
        "CreateTime": 1795853000,
        "MsgType": "event",
        "Event": "subscribe_msg_change_event",
        "List": {"TemplateId": ONCE, "SubscribeStatusString": "reject"},
    }
    assert push(client, settings, json.dumps(change)).status_code == 200
    assert quota(database, user, ONCE) == 0
    with database.session() as session:
        assert session.scalar(select(SubscriptionQuota.status)) == "reject"


def test_sent_event_records_the_delivery_result(
    client: FlaskClient, settings: Settings, database: Database, user: int
) -> None:
    with database.session() as session:
        messages = [
            outbox.add(session, Message("new_matches", f"m{n}", "新的政策", "", None), now=utcnow())
            for n in (1, 2)
        ]
        session.flush()
        rows = [
            MessageDelivery(
                message_id=message.id,
                wechat_user_id=user,
                template_id=ONCE,
                status=MessageStatus.SENT,
                wx_msgid=msgid,
            )
            for message, msgid in zip(
                messages, ("1864323726461255680", "1864323726461255681"), strict=True
            )
        ]
        session.add_all(rows)
        session.commit()
        ok_id, lost_id = rows[0].id, rows[1].id

    def sent(msgid: str, code) -> str:  # type: ignore[no-untyped-def]
        status = "success" if str(code) == "0" else "fail"
        return json.dumps(
            {
                "ToUserName": "gh_0123456789ab",
                "FromUserName": OPENID,
                "CreateTime": "1795853100",
                "MsgType": "event",
                "Event": "subscribe_msg_sent_event",
                "List": {
                    "TemplateId": ONCE,
                    "MsgID": msgid,
                    "ErrorCode": code,
                    "ErrorStatus": status,
                },
            }
        )

    assert push(client, settings, sent("1864323726461255680", "0")).status_code == 200
    assert push(client, settings, sent("1864323726461255681", 10001)).status_code == 200
    with database.session() as session:
        ok, lost = session.get(MessageDelivery, ok_id), session.get(MessageDelivery, lost_id)
        assert (ok.delivered, ok.last_errcode) == (True, None)
        assert (lost.delivered, lost.last_errcode) == (False, 10001)


def test_an_unknown_openid_is_recorded_and_nothing_else(
    client: FlaskClient, settings: Settings, database: Database
) -> None:
    assert push(client, settings, popup_json([accept(ONCE)])).status_code == 200
    assert count(database, WeChatEvent) == 1
    assert count(database, SubscriptionQuota) == 0


# --- POST: refused -------------------------------------------------------------------------------


def test_a_bad_msg_signature_is_forbidden_and_changes_nothing(
    client: FlaskClient, settings: Settings, database: Database, user: int
) -> None:
    response = push(client, settings, popup_json([accept(ONCE)]), msg_signature="0" * 40)
    assert_error_shape(response, 403)
    assert response.json["message"] == "消息签名校验失败"
    assert count(database, WeChatEvent) == 0
    assert quota(database, user, ONCE) == 0


def test_a_bad_url_signature_is_forbidden(
    client: FlaskClient, settings: Settings, database: Database, user: int
) -> None:
    response = push(client, settings, popup_json([accept(ONCE)]), query={"signature": "0" * 40})
    assert_error_shape(response, 403)
    assert count(database, WeChatEvent) == 0


def test_a_push_for_another_appid_is_forbidden(
    client: FlaskClient, settings: Settings, database: Database, user: int
) -> None:
    response = push(client, settings, popup_json([accept(ONCE)]), appid="wx1111111111111111")
    assert_error_shape(response, 403)
    assert response.json["message"] == "消息不属于本小程序"
    assert count(database, WeChatEvent) == 0
    assert quota(database, user, ONCE) == 0


def test_plaintext_mode_is_refused(
    client: FlaskClient, settings: Settings, database: Database
) -> None:
    response = client.post(
        URL,
        query_string={
            "signature": sha1(settings.wechat_token, TIMESTAMP, NONCE),
            "timestamp": TIMESTAMP,
            "nonce": NONCE,
        },
        data=popup_json([accept(ONCE)]),
        content_type="application/json",
    )
    assert_error_shape(response, 400)
    assert count(database, WeChatEvent) == 0


def test_an_undecryptable_or_malformed_body_is_a_bad_request(
    client: FlaskClient, settings: Settings, database: Database
) -> None:
    token = settings.wechat_token
    base = {
        "signature": sha1(token, TIMESTAMP, NONCE),
        "timestamp": TIMESTAMP,
        "nonce": NONCE,
        "encrypt_type": "aes",
    }
    garbage = "bm90IGEgY2lwaGVydGV4dA=="  # base64, but not a multiple of the AES block
    signed = base | {"msg_signature": sha1(token, TIMESTAMP, NONCE, garbage)}
    assert_error_shape(client.post(URL, query_string=signed, json={"Encrypt": garbage}), 400)
    assert_error_shape(client.post(URL, query_string=signed, data="not json or xml"), 400)
    assert_error_shape(client.post(URL, query_string=signed, json={"ToUserName": "x"}), 400)
    # well encrypted, but the plaintext is neither a JSON object nor <xml>
    response = push(client, settings, "[1, 2, 3]")
    assert_error_shape(response, 400)
    assert count(database, WeChatEvent) == 0
