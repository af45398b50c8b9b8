"""Quota accounting end to end: a tap reported by the mini-program's popup event gives one right,
the waiting message goes out and spends it, WeChat's sent event marks it delivered."""

from __future__ import annotations

import json

from api.extensions import dispatcher_for
from models import MessageStatus
from notify.emulator import EmulatorServer
from tests import push_factories as pf
from tests.test_api_wechat_callback import push


def event(openid: str, name: str, items: list[dict], create_time: str) -> str:
    return json.dumps(
        {
            "ToUserName": "gh_0123456789ab",
            "FromUserName": openid,
            "CreateTime": create_time,
            "MsgType": "event",
            "Event": name,
            "List": items[0] if len(items) == 1 else items,
        }
    )


def test_accept_event_then_send_then_sent_event(app, client, settings, session, wx) -> None:
    wx: EmulatorServer
    subject_id, user_id = pf.resident(session, "o-e2e", appid=settings.wechat_appid)
    pf.new_match(session, subject_id, "困难群众临时救助", 50000)
    pf.new_match(session, subject_id, "残疾人两项补贴", 30000)

    assert "sent" not in dispatcher_for(app).run()  # no right yet: both wait
    assert {d.status for d in pf.deliveries(session)} == {MessageStatus.WAITING}

    wx.grant("o-e2e", pf.NEW)  # the user taps "allow" once, WeChat counts it …
    popup = [{"TemplateId": pf.NEW, "SubscribeStatusString": "accept", "PopupScene": "0"}]
    for _ in range(2):  # … and tells us (twice: WeChat retries a push): one right
        answer = push(client, settings, event("o-e2e", "subscribe_msg_popup_event", popup, "1"))
        assert answer.status_code == 200
    assert pf.quota_left(session, user_id) == 1
    assert {d.status for d in pf.deliveries(session)} == {MessageStatus.PENDING}  # woken

    counts = dispatcher_for(app).run()

    (pushed,) = wx.messages()  # one push for both, so one right was enough
    assert pushed["data"]["thing1"]["value"] == "困难群众临时救助等2项政策"
    assert counts["sent"] == 2 and pf.quota_left(session, user_id) == 0
    assert wx.quota("o-e2e", pf.NEW) == 0

    sent = [
        {
            "TemplateId": pf.NEW,
            "MsgID": str(pushed["msgid"]),
            "ErrorCode": "0",
            "ErrorStatus": "success",
        }
    ]
    answer = push(client, settings, event("o-e2e", "subscribe_msg_sent_event", sent, "2"))
    assert answer.status_code == 200
    assert [d.delivered for d in pf.deliveries(session)] == [True, True]

    change = [{"TemplateId": pf.NEW, "SubscribeStatusString": "reject"}]
    push(client, settings, event("o-e2e", "subscribe_msg_change_event", change, "3"))
    pf.new_match(session, subject_id, "高龄津贴", 10000)
    wx.grant("o-e2e", pf.NEW)  # even if WeChat would still take one, the user said 拒收
    assert "sent" not in dispatcher_for(app).run()
    assert len(wx.messages()) == 1
