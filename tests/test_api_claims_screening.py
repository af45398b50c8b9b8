"""Resident free text staff will read passes WeChat's content check (msgSecCheck v2, here the
emulator): a risky answer or reason is a 422 naming the field with nothing written; text WeChat
cannot check (the user not seen for two hours: 61010) goes through."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from models import Claim
from notify.emulator import EmulatorServer
from tests.claim_factories import claim_world, ready_claim, submit, upload_all


def seen(wx: EmulatorServer, openid: str) -> None:
    """The resident opened the mini-program just now (wx.login), as WeChat would know."""
    import requests

    code = wx.mint_login_code(openid)
    params = {
        "appid": wx.appid,
        "secret": wx.secret,
        "js_code": code,
        "grant_type": "authorization_code",
    }
    requests.get(f"{wx.url}/sns/jscode2session", params=params, timeout=2)


def count(session) -> int:  # type: ignore[no-untyped-def]
    session.commit()
    return session.scalar(select(func.count()).select_from(Claim))


def test_a_risky_answer_is_refused_and_nothing_is_written(  # type: ignore[no-untyped-def]
    app, client, session, database, wx: EmulatorServer
) -> None:
    world = claim_world(app, session, database)
    seen(wx, world.users[0].openid)
    head = world.headers(0)
    body = {
        "item_id": world.item_id,
        "subject_id": world.subjects[0],
        "material_ids": upload_all(client, head),
        "form": {"联系电话": "13800001234", "备注": "可以有偿代开发票"},
    }
    refused = submit(client, head, body)
    assert refused.status_code == 422
    assert refused.json["message"] == "内容可能含有违规信息，请修改后再提交"
    assert refused.json["errors"] == {"form.备注": ["含有不宜提交的内容，请修改"]}
    assert count(session) == 0
    checked = [r["json"]["content"] for r in wx.requests("/wxa/msg_sec_check")]
    assert checked == ["可以有偿代开发票"]  # the phone number is not sent to WeChat
    body["form"]["备注"] = "营业执照地址已变更"
    assert submit(client, head, body).status_code == 201
    assert count(session) == 1


def test_a_withdrawal_reason_is_checked_too(  # type: ignore[no-untyped-def]
    app, client, session, database, wx: EmulatorServer
) -> None:
    world = claim_world(app, session, database)
    seen(wx, world.users[0].openid)
    claim = ready_claim(client, world)
    url = f"/api/v1/claims/{claim['id']}/withdraw"
    refused = client.post(url, json={"reason": "赌博赢了不需要了"}, headers=world.headers(0))
    assert refused.status_code == 422 and "reason" in refused.json["errors"]
    assert (
        client.get(f"/api/v1/claims/{claim['id']}", headers=world.headers(0)).json["status"]
        == "submitted"
    )


def test_text_wechat_cannot_check_goes_through(  # type: ignore[no-untyped-def]
    app, client, session, database, wx: EmulatorServer, caplog
) -> None:
    world = claim_world(app, session, database)
    wx.grant(world.users[0].openid, "kx-tmpl-claim-status")  # known to WeChat, not seen lately
    head = world.headers(0)
    body = {
        "item_id": world.item_id,
        "subject_id": world.subjects[0],
        "material_ids": upload_all(client, head),
        "form": {"备注": "营业执照地址已变更"},
    }
    with caplog.at_level(logging.WARNING, logger="services.claims._screening"):
        assert submit(client, head, body).status_code == 201
    assert [r["errcode"] for r in wx.requests("/wxa/msg_sec_check")] == [61010]
    assert "let through" in caplog.text
