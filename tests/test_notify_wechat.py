"""notify.wechat against the WeChat emulator over real HTTP: what a caller of the gateway sees."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta

import pytest
import redis
from flask import Flask

from api.config import Settings
from models.clock import frozen, utcnow
from notify.emulator import EmulatorServer
from notify.wechat import WeChatError, WeChatGateway, WeChatUnavailable, is_permanent, is_retryable
from tests.test_notify_emulator import hold

SEND = "/cgi-bin/message/subscribe/send"
STABLE = "/cgi-bin/stable_token"
TEMPLATE = "tmpl-policy-match"
DATA = {"thing1": {"value": "创业担保贷款贴息"}, "amount2": {"value": "¥3000.00"}}


def make_gateway(wx: EmulatorServer, *, timeout: float = 2.0, **overrides: object) -> WeChatGateway:
    """A gateway on the emulator with in-process token storage."""
    options: dict[str, object] = {
        "appid": wx.appid,
        "secret": wx.secret,
        "api_base": wx.url,
        "timeout": timeout,
        "redis": None,
        "redis_prefix": "kxtest",
        "miniprogram_state": "trial",
    }
    options.update(overrides)
    return WeChatGateway(**options)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def account(wx: EmulatorServer) -> None:
    """The account holds TEMPLATE with the keywords DATA fills; Alice opened the mini-program."""
    hold(wx, *DATA, template_id=TEMPLATE)
    wx.visit("o-alice")


@pytest.fixture
def gw(wx: EmulatorServer) -> WeChatGateway:
    """A fresh gateway on the reset emulator."""
    return make_gateway(wx)


def send(gateway: WeChatGateway, openid: str = "o-alice", **changes: object) -> str:
    """Send the standard test message."""
    options: dict[str, object] = {
        "openid": openid,
        "template_id": TEMPLATE,
        "data": DATA,
        "page": "pages/policy/detail?id=7",
    }
    options.update(changes)
    return gateway.send_subscribe_message(**options)  # type: ignore[arg-type]


# login and phone number


def test_login_code_gives_openid_and_unionid_without_any_token(
    wx: EmulatorServer, gw: WeChatGateway
) -> None:
    code = wx.mint_login_code("o-alice", unionid="u-alice")
    session = gw.code_to_session(code)
    assert session["openid"] == "o-alice"
    assert session["unionid"] == "u-alice"
    assert len(session["session_key"]) == 24
    assert wx.token_fetches() == 0
    (call,) = wx.requests("/sns/jscode2session")
    assert "access_token" not in call["query"]


def test_login_code_is_single_use(wx: EmulatorServer, gw: WeChatGateway) -> None:
    code = wx.mint_login_code("o-alice")
    gw.code_to_session(code)
    with pytest.raises(WeChatError) as caught:
        gw.code_to_session(code)
    assert caught.value.errcode == 40163  # WeChat: "code been used"
    assert caught.value.permanent and not caught.value.retryable


def test_login_works_while_token_fetches_are_refused(wx: EmulatorServer, gw: WeChatGateway) -> None:
    wx.inject(STABLE, errcode=40164)
    wx.inject("/cgi-bin/token", errcode=40164)
    assert gw.code_to_session(wx.mint_login_code("o-bob"))["openid"] == "o-bob"


def test_phone_code_gives_the_number_once(wx: EmulatorServer, gw: WeChatGateway) -> None:
    wx.mint_login_code("o-alice")
    code = wx.mint_phone_code("13800138000", openid="o-alice")
    assert gw.get_phone_number(code, openid="o-alice") == {
        "phone_number": "13800138000",
        "pure_phone_number": "13800138000",
        "country_code": "86",
    }
    with pytest.raises(WeChatError) as caught:
        gw.get_phone_number(code)
    assert caught.value.errcode == 40029


def test_phone_number_for_another_appid_is_refused(wx: EmulatorServer, gw: WeChatGateway) -> None:
    wx.configure(watermark_appid="wx1111111111111111")
    with pytest.raises(WeChatError) as caught:
        gw.get_phone_number(wx.mint_phone_code("13800138000"))
    assert caught.value.permanent
    assert "watermark" in str(caught.value)


# subscribe messages


def test_send_spends_one_quota_per_message_then_43101(
    wx: EmulatorServer, gw: WeChatGateway
) -> None:
    wx.grant("o-alice", TEMPLATE, count=2)
    first, second = send(gw), send(gw)
    assert first and second and first != second
    with pytest.raises(WeChatError) as caught:
        send(gw)
    assert caught.value.errcode == 43101 and is_permanent(caught.value)
    delivered = wx.messages()
    assert [m["msgid"] for m in delivered] == [int(first), int(second)]
    assert delivered[0]["miniprogram_state"] == "trial"
    assert delivered[0]["lang"] == "zh_CN"
    assert delivered[0]["page"] == "pages/policy/detail?id=7"
    assert delivered[0]["data"] == DATA


def test_send_without_any_acceptance_is_43101(wx: EmulatorServer, gw: WeChatGateway) -> None:
    wx.mint_login_code("o-alice")
    with pytest.raises(WeChatError) as caught:
        send(gw)
    assert caught.value.errcode == 43101
    assert wx.messages() == []


def test_long_term_template_sends_until_switched_off(wx: EmulatorServer, gw: WeChatGateway) -> None:
    wx.configure(long_term_templates=[TEMPLATE])
    wx.grant("o-alice", TEMPLATE)
    for _ in range(3):
        send(gw)
    wx.revoke("o-alice", TEMPLATE)
    with pytest.raises(WeChatError) as caught:
        send(gw)
    assert caught.value.errcode == 43101


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("thing1", "这是一个超过二十个字符的政策名称用于测试截断规则"),
        ("thing1", ""),
        ("phrase3", " 已通过"),
        ("phrase3", "passed"),
        ("number4", "12a"),
        ("character_string5", "A" * 33),
        ("amount2", "三千元"),
        ("date6", "下周一"),
        ("time7", "25:61"),
        ("name8", "欧阳娜娜娜娜娜娜娜娜娜"),
    ],
)
def test_a_value_beyond_wechat_limits_is_47003_naming_the_field(
    wx: EmulatorServer, gw: WeChatGateway, key: str, value: str
) -> None:
    hold(wx, *DATA, key, template_id=TEMPLATE)
    wx.grant("o-alice", TEMPLATE)
    with pytest.raises(WeChatError) as caught:
        send(gw, data={**DATA, key: {"value": value}})
    assert caught.value.errcode == 47003
    assert f"data.{key}.value invalid" in caught.value.errmsg
    assert wx.quota("o-alice", TEMPLATE) == 1


def test_a_page_missing_from_the_release_is_41030(wx: EmulatorServer, gw: WeChatGateway) -> None:
    wx.configure(valid_pages=["pages/index/index", "pages/policy/detail"])
    wx.grant("o-alice", TEMPLATE, count=2)
    send(gw)
    with pytest.raises(WeChatError) as caught:
        send(gw, page="pages/old/page")
    assert caught.value.errcode == 41030 and caught.value.permanent


def test_unknown_openid_is_40003(wx: EmulatorServer, gw: WeChatGateway) -> None:
    with pytest.raises(WeChatError) as caught:
        send(gw, openid="o-nobody")
    assert caught.value.errcode == 40003


# content security


@pytest.mark.parametrize(
    ("content", "suggest"),
    [("申请创业补贴，谢谢", "pass"), ("加微信详聊", "review"), ("代开发票，量大从优", "risky")],
)
def test_msg_sec_check_v2_decides_on_suggest(
    wx: EmulatorServer, gw: WeChatGateway, content: str, suggest: str
) -> None:
    wx.mint_login_code("o-alice")
    verdict = gw.msg_sec_check(openid="o-alice", content=content)
    assert verdict["suggest"] == suggest
    assert verdict["trace_id"]
    assert (verdict["label"] == 100) == (suggest == "pass")
    (call,) = wx.requests("/wxa/msg_sec_check")
    assert call["json"]["version"] == 2 and call["json"]["scene"] == 2


# the access token: one per appid, shared, refreshed once


def test_one_stable_token_serves_many_calls(app: Flask, wx: EmulatorServer) -> None:
    gateway = app.extensions["kx.wechat"]
    wx.grant("o-alice", TEMPLATE, count=3)
    for _ in range(3):
        send(gateway)
    gateway.msg_sec_check(openid="o-alice", content="你好")
    (fetch,) = wx.requests(STABLE)
    assert fetch["json"] == {
        "grant_type": "client_credential",
        "appid": wx.appid,
        "secret": "***",
        "force_refresh": False,
    }
    assert wx.requests("/cgi-bin/token") == []


def test_token_is_kept_for_expires_in_minus_five_minutes(
    app: Flask, wx: EmulatorServer, settings: Settings
) -> None:
    gateway = app.extensions["kx.wechat"]
    token = gateway.access_token()
    if settings.redis_url:
        client = app.extensions["kx.redis"]
        key = f"{settings.redis_prefix}:wechatpy:{wx.appid}_access_token"
        assert json.loads(client.get(key)) == token
        assert 6890 < client.ttl(key) <= 6900
        return
    with frozen(utcnow() + timedelta(seconds=6890)):
        gateway.access_token()
    assert wx.token_fetches() == 1
    with frozen(utcnow() + timedelta(seconds=6901)):
        gateway.access_token()
    assert wx.token_fetches() == 2


def test_gateways_sharing_redis_fetch_the_token_once(
    app: Flask, wx: EmulatorServer, settings: Settings
) -> None:
    wx.inject(STABLE, latency_ms=200)
    gateways = [app.extensions["kx.wechat"], _sibling(app, wx, settings)]
    tokens: list[str] = []
    threads = [
        threading.Thread(target=lambda g=g: tokens.append(g.access_token())) for g in gateways * 4
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert len(tokens) == 8
    assert wx.token_fetches() == (1 if settings.redis_url else len(gateways))
    assert len(set(tokens)) == 1  # stable_token answers the same token while it is valid


def _sibling(app: Flask, wx: EmulatorServer, settings: Settings) -> WeChatGateway:
    """Another worker's gateway: same Redis and prefix, its own client."""
    shared = redis.Redis.from_url(settings.redis_url) if settings.redis_url else None
    return make_gateway(wx, redis=shared, redis_prefix=settings.redis_prefix)


def test_a_revoked_token_is_refreshed_once_and_the_call_goes_through(
    app: Flask, wx: EmulatorServer
) -> None:
    gateway = app.extensions["kx.wechat"]
    wx.grant("o-alice", TEMPLATE, count=2)
    send(gateway)
    wx.invalidate_tokens()
    send(gateway)
    assert [c["errcode"] for c in wx.requests(SEND)] == [0, 40001, 0]
    assert wx.token_fetches() == 2


def test_a_persistent_40001_gives_up_after_one_refresh(app: Flask, wx: EmulatorServer) -> None:
    gateway = app.extensions["kx.wechat"]
    wx.grant("o-alice", TEMPLATE)
    wx.inject(SEND, errcode=40001)
    with pytest.raises(WeChatError) as caught:
        send(gateway)
    assert caught.value.errcode == 40001 and caught.value.token_invalid
    assert len(wx.requests(SEND)) == 2
    assert wx.token_fetches() == 2
    assert wx.quota("o-alice", TEMPLATE) == 1


def test_a_refused_token_fetch_surfaces_as_40164(wx: EmulatorServer, gw: WeChatGateway) -> None:
    wx.inject(STABLE, errcode=40164)
    with pytest.raises(WeChatError) as caught:
        gw.msg_sec_check(openid="o-alice", content="你好")
    assert caught.value.errcode == 40164
    assert caught.value.path == STABLE
    assert caught.value.permanent and not caught.value.retryable
    assert "not in whitelist" in str(caught.value)
    assert wx.token_fetches() == 1 and wx.requests("/wxa/msg_sec_check") == []


# failures a caller should retry later


@pytest.mark.parametrize("errcode", [-1, 45009, 45011])
def test_busy_and_quota_codes_are_retryable(
    wx: EmulatorServer, gw: WeChatGateway, errcode: int
) -> None:
    wx.grant("o-alice", TEMPLATE)
    wx.inject(SEND, errcode=errcode, times=1)
    with pytest.raises(WeChatError) as caught:
        send(gw)
    assert caught.value.errcode == errcode
    assert is_retryable(caught.value) and not is_permanent(caught.value)
    assert send(gw)  # the quota was not spent by the failed call


def test_http_502_is_retryable_with_no_errcode(wx: EmulatorServer, gw: WeChatGateway) -> None:
    wx.grant("o-alice", TEMPLATE)
    wx.inject(SEND, status=502, times=1)
    with pytest.raises(WeChatUnavailable) as caught:
        send(gw)
    assert caught.value.errcode is None and caught.value.status == 502
    assert caught.value.retryable
    wx.inject("/sns/jscode2session", status=503, times=1)
    with pytest.raises(WeChatUnavailable):
        gw.code_to_session(wx.mint_login_code("o-alice"))


def test_a_slow_answer_times_out_as_retryable(wx: EmulatorServer) -> None:
    gateway = make_gateway(wx, timeout=0.3)
    wx.grant("o-alice", TEMPLATE)
    gateway.access_token()
    wx.inject(SEND, latency_ms=900)  # the client gives up at 0.3 s; the test never waits 0.9 s
    started = time.monotonic()
    with pytest.raises(WeChatUnavailable) as caught:
        send(gateway)
    assert time.monotonic() - started < 0.8
    assert caught.value.retryable and "timed out" in str(caught.value)


def test_a_hanging_token_fetch_times_out(wx: EmulatorServer) -> None:
    gateway = make_gateway(wx, timeout=0.3)
    wx.inject(STABLE, hang=True)
    started = time.monotonic()
    with pytest.raises(WeChatUnavailable) as caught:
        gateway.access_token()
    assert time.monotonic() - started < 1.0
    assert caught.value.path == STABLE and caught.value.retryable


def test_an_unreachable_wechat_is_retryable(wx: EmulatorServer) -> None:
    closed = EmulatorServer()
    base = closed.url
    closed.stop()
    gateway = make_gateway(wx, api_base=base)
    with pytest.raises(WeChatUnavailable) as caught:
        gateway.code_to_session("any")
    assert caught.value.retryable


# secrets


def test_secrets_appear_in_no_log_record_and_no_error(
    wx: EmulatorServer, gw: WeChatGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    login_code = wx.mint_login_code("o-alice")
    session_key = gw.code_to_session(login_code)["session_key"]
    token = gw.access_token()
    wx.grant("o-alice", TEMPLATE)
    wx.inject(SEND, errcode=40001, times=1)
    send(gw)
    errors: list[str] = []
    for step in (
        lambda: gw.code_to_session(login_code),
        lambda: send(gw),
        lambda: make_gateway(wx, secret="wrong-secret").access_token(),
    ):
        with pytest.raises(WeChatError) as caught:
            step()
        errors += [str(caught.value), repr(caught.value), caught.value.errmsg]
    fresh_token = gw.access_token()
    texts = [r.getMessage() for r in caplog.records] + errors + [repr(gw)]
    assert any("jscode2session" in text for text in texts)  # the calls were logged
    for secret in (wx.secret, "wrong-secret", token, fresh_token, session_key, login_code):
        assert not [text for text in texts if secret in text], secret


def test_only_a_send_that_timed_out_is_ambiguous(wx: EmulatorServer) -> None:
    """A read timeout after a send leaves WeChat's side unknown; after a token fetch it does
    not matter (the token is simply asked for again)."""
    gateway = make_gateway(wx, timeout=0.5)
    wx.inject(STABLE, times=1, hang=True, hang_seconds=2)
    with pytest.raises(WeChatUnavailable) as token:
        gateway.access_token()
    assert not token.value.ambiguous
    wx.grant("o-alice", TEMPLATE)
    gateway.access_token()  # now fetched: only the send hangs below
    wx.inject(SEND, times=1, lose_answer=True, hang_seconds=2)
    with pytest.raises(WeChatUnavailable) as sent:
        send(gateway)
    assert sent.value.ambiguous and len(wx.messages()) == 1  # WeChat did deliver it
