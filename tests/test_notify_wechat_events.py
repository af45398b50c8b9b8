"""WeChat's message push from the emulator, over real HTTP into the served app: a tap's popup
event pairs with the mini-program's report, a push's sent event marks it delivered — no
hand-built callback anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from api.config import Settings
from models import MessageStatus, WeChatEvent, WeChatUser
from models.clock import frozen, utcnow
from notify.emulator import EmulatorServer
from tests import push_factories as pf
from tests.resident_factories import headers
from tests.test_notify_dispatcher import dispatcher

LONG_TERM = "kx-tmpl-long-term-demo"


@pytest.fixture
def settings(settings: Settings) -> Iterator[Settings]:
    """The suite's settings with one long-term template configured, and WeChat's answer awaited
    1 s (a lost answer is then found out quickly, a busy machine's token fetch still fits)."""
    yield settings.with_overrides(wechat_long_term_templates=(LONG_TERM,), wechat_timeout=1.0)


def test_a_tap_a_push_and_its_sent_event_complete_the_cycle(  # type: ignore[no-untyped-def]
    app, settings, session, client, wx: EmulatorServer, live_server: str
) -> None:
    wx.configure(
        callback_url=f"{live_server}/api/v1/wechat/callback",
        push_token=settings.wechat_token,
        push_aes_key=settings.wechat_aes_key,
    )
    subject_id, user_id = pf.resident(session, "o-alice", appid=wx.appid)
    user = session.get(WeChatUser, user_id)

    # One tap: the mini-program reports the choice, and WeChat posts its popup event
    reported = client.post(
        "/api/v1/me/subscriptions", json={"results": {pf.NEW: "accept"}}, headers=headers(app, user)
    )
    assert reported.status_code == 200, reported.json
    assert wx.popup("o-alice", {pf.NEW: "accept"}) == {pf.NEW: 1}
    assert wx.wait_for_events()
    pushes = [r for r in wx.requests("callback") if r.get("event")]
    assert [(r["event"], r["answer"]) for r in pushes] == [("subscribe_msg_popup_event", "success")]
    assert pf.quota_left(session, user_id) == 1  # the two reports of one tap count once

    # A push spends it; WeChat's sent event then marks the delivery delivered
    pf.new_match(session, subject_id, "高龄津贴", 10000)
    assert dispatcher(app, settings).run()["sent"] == 1
    assert pf.quota_left(session, user_id) == 0
    assert wx.wait_for_events()
    events = [r["event"] for r in wx.requests("callback") if r.get("event")]
    assert events == ["subscribe_msg_popup_event", "subscribe_msg_sent_event"]
    (delivery,) = pf.deliveries(session)
    assert delivery.status == MessageStatus.SENT and delivery.delivered is True
    assert delivery.wx_msgid == str(wx.messages()[0]["msgid"])
    session.commit()
    assert session.scalar(select(func.count()).select_from(WeChatEvent)) == 2


def test_a_reject_in_the_popup_turns_a_long_term_template_off(  # type: ignore[no-untyped-def]
    app, settings, session, wx: EmulatorServer, live_server: str
) -> None:
    long_term = LONG_TERM
    wx.configure(
        callback_url=f"{live_server}/api/v1/wechat/callback",
        push_token=settings.wechat_token,
        push_aes_key=settings.wechat_aes_key,
        templates=[
            *wx.configure()["templates"],
            {
                "priTmplId": long_term,
                "title": "资金到账通知",
                "content": "事项:{{thing1.DATA}}",
                "type": 3,
            },
        ],
    )
    _, user_id = pf.resident(session, "o-bob", appid=wx.appid)
    pf.give_quota(session, user_id, 1, long_term, long_term=True)
    wx.popup("o-bob", {long_term: "reject"})
    assert wx.wait_for_events()
    assert pf.quota_left(session, user_id, long_term) == 0
    assert wx.quota("o-bob", long_term) == 0


def test_events_are_not_applied_twice_when_wechat_posts_again(  # type: ignore[no-untyped-def]
    app, settings, session, wx: EmulatorServer, live_server: str
) -> None:
    wx.configure(
        callback_url=f"{live_server}/api/v1/wechat/callback",
        push_token=settings.wechat_token,
        push_aes_key="x" * 43,  # the wrong EncodingAESKey: the app refuses, WeChat tries 3 times
    )
    _, user_id = pf.resident(session, "o-carol", appid=wx.appid)
    wx.popup("o-carol", {pf.NEW: "accept"})
    assert wx.wait_for_events()
    tries = [r for r in wx.requests("callback") if r.get("event")]
    assert [r["attempt"] for r in tries] == [1, 2, 3]
    assert all(r["status"] in (400, 403) for r in tries)  # refused, never "success"
    assert pf.quota_left(session, user_id) == 0  # forged or garbled: nothing counted


@pytest.mark.parametrize(
    ("event_after", "counted"),
    [(0.1, "uncertain_confirmed"), (2.0, "uncertain")],
    ids=["event-before-our-timeout", "event-after-it"],
)
def test_a_push_whose_answer_was_lost_is_settled_by_its_sent_event(  # type: ignore[no-untyped-def]
    app, settings, session, wx: EmulatorServer, live_server: str, event_after, counted
) -> None:
    wx.configure(
        callback_url=f"{live_server}/api/v1/wechat/callback",
        push_token=settings.wechat_token,
        push_aes_key=settings.wechat_aes_key,
        push_delay=event_after,  # the app's read timeout is 1 s (settings above)
    )
    subject_id, user_id = pf.resident(session, "o-dave", appid=wx.appid)
    pf.give_quota(session, user_id, 1)
    wx.grant("o-dave", pf.NEW)
    wx.inject("/cgi-bin/message/subscribe/send", times=1, lose_answer=True, hang_seconds=2.5)
    pf.new_match(session, subject_id, "高龄津贴", 10000)
    slow = settings
    wx_token = app.extensions["kx.wechat"].access_token()  # fetched before: only the send hangs
    assert wx_token

    assert dispatcher(app, slow).run()[counted] == 1  # delivered, but its answer was lost
    assert wx.wait_for_events()
    (row,) = pf.deliveries(session)
    (delivered,) = wx.messages()
    assert (row.status, row.delivered) == (MessageStatus.SENT, True)
    assert row.wx_msgid == str(delivered["msgid"]) and not row.quota_held
    with frozen(utcnow() + timedelta(hours=1)):  # long after the window: nothing to send again
        assert "sent" not in dispatcher(app, slow).run()
    assert len(wx.messages()) == 1
