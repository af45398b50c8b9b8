"""The WeChat emulator through plain HTTP: its answers, controls, faults, clock and log."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from notify.emulator import EmulatorServer

SEND = "/cgi-bin/message/subscribe/send"
TEMPLATE = "tmpl-policy-match"


@pytest.fixture(autouse=True)
def account(wx: EmulatorServer) -> None:
    """The account holds TEMPLATE, one `thing1` keyword, beside the development templates."""
    hold(wx, "thing1")


def hold(wx: EmulatorServer, *keys: str, template_id: str = TEMPLATE, kind: int = 2) -> None:
    """Let the account hold a template with these keyword keys (as 我的模板 lists it)."""
    content = "".join(f"项目{n}:{{{{{key}.DATA}}}}\n" for n, key in enumerate(keys, 1))
    entry = {"priTmplId": template_id, "title": "政策匹配提醒", "content": content, "type": kind}
    wx.configure(templates=[*wx.configure()["templates"], entry])


def control(wx: EmulatorServer, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a control call and return its JSON."""
    response = requests.post(f"{wx.url}/_emulator/{path}", json=body or {}, timeout=2)
    assert response.status_code == 200, response.text
    return response.json()


def stable_token(wx: EmulatorServer, **changes: Any) -> dict[str, Any]:
    """Ask for a stable token the way WeChat documents it."""
    body = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
    body.update(changes)
    return requests.post(f"{wx.url}/cgi-bin/stable_token", json=body, timeout=2).json()


def jscode2session(wx: EmulatorServer, code: str, **changes: str) -> dict[str, Any]:
    """Exchange a login code over plain HTTP."""
    params = {
        "appid": wx.appid,
        "secret": wx.secret,
        "js_code": code,
        "grant_type": "authorization_code",
    }
    params.update(changes)
    return requests.get(f"{wx.url}/sns/jscode2session", params=params, timeout=2).json()


def send(wx: EmulatorServer, token: str, **changes: Any) -> requests.Response:
    """POST a subscribe message with `token`."""
    body = {"touser": "o-alice", "template_id": TEMPLATE, "data": {"thing1": {"value": "贴息"}}}
    body.update(changes)
    return requests.post(f"{wx.url}{SEND}", params={"access_token": token}, json=body, timeout=2)


# WeChat's own answers


def test_wrong_appid_or_secret_get_wechats_codes_with_http_200(wx: EmulatorServer) -> None:
    response = requests.get(
        f"{wx.url}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": "wx-other", "secret": wx.secret},
        timeout=2,
    )
    assert response.status_code == 200
    assert response.json()["errcode"] == 40013
    assert response.json()["errmsg"].startswith("invalid appid rid: ")
    assert stable_token(wx, secret="nope")["errcode"] == 40125


def test_stable_token_repeats_until_forced_or_near_expiry(wx: EmulatorServer) -> None:
    first = stable_token(wx)
    assert first["expires_in"] == 7200
    assert stable_token(wx)["access_token"] == first["access_token"]
    wx.advance_clock(7200 - 299)
    renewed = stable_token(wx)["access_token"]
    assert renewed != first["access_token"]
    wx.grant("o-alice", TEMPLATE, count=3)
    assert send(wx, first["access_token"]).json()["errcode"] == 0  # overlap: both work
    forced = stable_token(wx, force_refresh=True)["access_token"]
    assert send(wx, renewed).json()["errcode"] == 40001
    assert send(wx, forced).json()["errcode"] == 0
    wx.advance_clock(300)
    assert send(wx, first["access_token"]).json()["errcode"] == 42001


def test_classic_token_replaces_the_previous_one_after_five_minutes(wx: EmulatorServer) -> None:
    params = {"grant_type": "client_credential", "appid": wx.appid, "secret": wx.secret}
    old = requests.get(f"{wx.url}/cgi-bin/token", params=params, timeout=2).json()
    new = requests.get(f"{wx.url}/cgi-bin/token", params=params, timeout=2).json()
    assert old["access_token"] != new["access_token"]
    wx.grant("o-alice", TEMPLATE, count=2)
    assert send(wx, old["access_token"]).json()["errcode"] == 0
    wx.advance_clock(301)
    assert send(wx, old["access_token"]).json()["errcode"] == 42001
    assert send(wx, new["access_token"]).json()["errcode"] == 0


def test_login_codes_are_single_use(wx: EmulatorServer) -> None:
    code = control(wx, "login-code", {"openid": "o-alice"})["code"]
    answer = jscode2session(wx, code)
    assert answer["openid"] == "o-alice" and "errcode" not in answer
    reused = jscode2session(wx, code)  # WeChat tells a reused code from a wrong one
    assert reused["errcode"] == 40163 and reused["errmsg"].startswith("code been used")
    assert jscode2session(wx, "never-issued")["errcode"] == 40029


def test_login_codes_expire_after_five_minutes(wx: EmulatorServer) -> None:
    fresh, stale = wx.mint_login_code("o-alice"), wx.mint_login_code("o-alice")
    wx.advance_clock(299)
    assert jscode2session(wx, fresh)["openid"] == "o-alice"
    control(wx, "clock", {"advance": 2})
    assert jscode2session(wx, stale)["errcode"] == 40029


def test_a_risk_blocked_user_gets_40226(wx: EmulatorServer) -> None:
    wx.configure(blocked_openids=["o-risky"])
    assert jscode2session(wx, wx.mint_login_code("o-risky"))["errcode"] == 40226


def test_phone_codes_are_bound_single_use_and_expire(wx: EmulatorServer) -> None:
    token = stable_token(wx)["access_token"]
    url = f"{wx.url}/wxa/business/getuserphonenumber?access_token={token}"
    code = control(wx, "phone-code", {"phone_number": "13800138000", "openid": "o-alice"})["code"]
    other_user = requests.post(url, json={"code": code, "openid": "o-bob"}, timeout=2)
    assert other_user.json()["errcode"] == 40029
    code = wx.mint_phone_code("13800138000", openid="o-alice")
    info = requests.post(url, json={"code": code}, timeout=2).json()["phone_info"]
    assert info["purePhoneNumber"] == "13800138000" and info["watermark"]["appid"] == wx.appid
    assert requests.post(url, json={"code": code}, timeout=2).json()["errcode"] == 40029
    late = wx.mint_phone_code("13800138000")
    wx.advance_clock(301)
    assert requests.post(url, json={"code": late}, timeout=2).json()["errcode"] == 40029


def test_quota_is_granted_by_control_calls_and_spent_by_sends(wx: EmulatorServer) -> None:
    token = stable_token(wx)["access_token"]
    granted = control(wx, "subscriptions", {"openid": "o-alice", "template_id": TEMPLATE})
    assert granted["remaining"] == 1
    assert send(wx, token).json()["errcode"] == 0
    refused = send(wx, token).json()
    assert refused["errcode"] == 43101
    assert refused["errmsg"].startswith("user refuse to accept the msg")
    left = requests.get(
        f"{wx.url}/_emulator/subscriptions",
        params={"openid": "o-alice", "template_id": TEMPLATE},
        timeout=2,
    ).json()
    assert left["remaining"] == 0


@pytest.mark.parametrize(
    ("key", "good", "bad"),
    [
        ("thing1", "二十个字以内的事项名称", "二" * 21),
        ("phrase2", "已通过", "已通过审核了"),
        ("number3", "3000.50", "3,000"),
        ("letter4", "abc", "abc1"),
        ("character_string5", "KX-2024-0001", "编号1"),
        ("amount6", "¥3000.00元", "3000.00元"),  # one currency symbol first, always
        ("amount6", "¥1234567890", "¥12345678901"),  # at most 10 digits
        ("amount6", "¥12345678.90", "¥3000.001"),
        ("date7", "2024年10月1日 15:01", "2024年10月"),
        ("time8", "15:01 ~ 16:30", "3pm"),
        ("name9", "张三", "张三1"),
        ("phone_number10", "0571-87654321", "tel:123"),
        ("car_number11", "浙AD12345", "浙AD123456"),
        ("symbol12", "※", "ab"),
    ],
)
def test_value_limits_per_key_type(wx: EmulatorServer, key: str, good: str, bad: str) -> None:
    hold(wx, key)
    token = stable_token(wx)["access_token"]
    wx.grant("o-alice", TEMPLATE, count=2)
    assert send(wx, token, data={key: {"value": good}}).json()["errcode"] == 0
    refused = send(wx, token, data={key: {"value": bad}}).json()
    assert refused["errcode"] == 47003
    assert refused["errmsg"].startswith(f"argument invalid! data.{key}.value invalid")


def test_a_template_is_filled_key_for_key_like_wechat_checks(wx: EmulatorServer) -> None:
    hold(wx, "thing7", "amount4", "time12")
    token = stable_token(wx)["access_token"]
    wx.grant("o-alice", TEMPLATE, count=5)
    full = {"thing7": {"value": "高龄津贴"}, "amount4": {"value": "¥100.00"}}
    full["time12"] = {"value": "2026年12月4日 09:30"}
    assert send(wx, token, data=full).json()["errcode"] == 0
    lacking = send(wx, token, data={k: v for k, v in full.items() if k != "amount4"}).json()
    assert lacking["errcode"] == 47003
    assert lacking["errmsg"].startswith("argument invalid! data.amount4.value is empty")
    ours = send(wx, token, data={**full, "thing1": {"value": "多的"}}).json()  # not its key
    assert ours["errcode"] == 47003 and "data.thing1" in ours["errmsg"]
    listed = requests.get(
        f"{wx.url}/wxaapi/newtmpl/gettemplate", params={"access_token": token}, timeout=2
    ).json()
    mine = next(t for t in listed["data"] if t["priTmplId"] == TEMPLATE)
    assert "{{amount4.DATA}}" in mine["content"] and mine["type"] == 2
    assert {"kx-tmpl-new-matches", "kx-tmpl-payout-done"} <= {
        t["priTmplId"] for t in listed["data"]
    }


def test_unknown_template_and_bad_page_are_refused(wx: EmulatorServer) -> None:
    token = stable_token(wx)["access_token"]
    wx.grant("o-alice", TEMPLATE)
    control(wx, "config", {"valid_pages": ["pages/index/index"]})
    assert send(wx, token, template_id="other").json()["errcode"] == 40037
    assert send(wx, token, page="pages/gone/gone").json()["errcode"] == 41030
    assert send(wx, token, page="/pages/index/index?from=push").json()["errcode"] == 0


def test_msg_sec_check_answers_v2_and_refuses_v1(wx: EmulatorServer) -> None:
    token = stable_token(wx)["access_token"]
    jscode2session(wx, wx.mint_login_code("o-alice"))
    url = f"{wx.url}/wxa/msg_sec_check?access_token={token}"
    assert requests.post(url, json={"content": "你好"}, timeout=2).json()["errcode"] != 0
    body = {"version": 2, "openid": "o-alice", "scene": 2, "content": "有偿代开发票"}
    risky = requests.post(url, json=body, timeout=2).json()
    assert risky["errcode"] == 0
    assert risky["result"] == {"suggest": "risky", "label": 20006}
    assert risky["detail"][0]["keyword"] == "代开发票"
    wx.configure(risky_words=[])
    assert requests.post(url, json=body, timeout=2).json()["result"]["suggest"] == "pass"


def test_msg_sec_check_needs_the_user_seen_in_the_last_two_hours(wx: EmulatorServer) -> None:
    token = stable_token(wx)["access_token"]
    url = f"{wx.url}/wxa/msg_sec_check?access_token={token}"
    body = {"version": 2, "openid": "o-alice", "scene": 2, "content": "材料已补齐"}
    wx.grant("o-alice", TEMPLATE)  # known to WeChat, but never opened the mini-program
    assert requests.post(url, json=body, timeout=2).json()["errcode"] == 61010
    jscode2session(wx, wx.mint_login_code("o-alice"))
    assert requests.post(url, json=body, timeout=2).json()["errcode"] == 0
    wx.advance_clock(2 * 3600 + 1)
    url = f"{wx.url}/wxa/msg_sec_check?access_token={stable_token(wx)['access_token']}"
    assert requests.post(url, json=body, timeout=2).json()["errcode"] == 61010


def test_wrong_method_is_answered_like_wechat(wx: EmulatorServer) -> None:
    assert requests.get(f"{wx.url}/cgi-bin/stable_token", timeout=2).json()["errcode"] == 43002


# faults


def test_errcode_fault_for_the_next_n_calls(wx: EmulatorServer) -> None:
    control(wx, "faults", {"path": "/cgi-bin/stable_token", "errcode": -1, "times": 2})
    assert [stable_token(wx).get("errcode", 0) for _ in range(3)] == [-1, -1, 0]
    assert requests.get(f"{wx.url}/_emulator/faults", timeout=2).json()["faults"] == []


def test_http_status_fault_answers_html_like_a_proxy(wx: EmulatorServer) -> None:
    wx.inject("*", status=502, times=1)
    response = requests.post(f"{wx.url}/cgi-bin/stable_token", json={}, timeout=2)
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")


def test_latency_fault_delays_the_answer(wx: EmulatorServer) -> None:
    wx.inject("/cgi-bin/stable_token", latency_ms=150, times=1)
    started = time.monotonic()
    assert "access_token" in stable_token(wx)
    assert time.monotonic() - started >= 0.15


def test_hang_outlasts_the_client_timeout_until_reset(wx: EmulatorServer) -> None:
    wx.inject("/cgi-bin/stable_token", hang=True)
    with pytest.raises(requests.Timeout):
        requests.post(f"{wx.url}/cgi-bin/stable_token", json={}, timeout=0.3)
    control(wx, "reset")
    assert "access_token" in stable_token(wx)


def test_probability_faults_repeat_with_the_same_seed(wx: EmulatorServer) -> None:
    def pattern() -> list[int]:
        wx.reset()
        wx.inject("/cgi-bin/stable_token", errcode=45009, probability=0.5, seed=42)
        return [stable_token(wx).get("errcode", 0) for _ in range(12)]

    first = pattern()
    assert first == pattern()
    assert set(first) == {0, 45009}


def test_bad_control_calls_get_400_with_a_reason(wx: EmulatorServer) -> None:
    response = requests.post(f"{wx.url}/_emulator/faults", json={"path": "x", "oops": 1}, timeout=2)
    assert response.status_code == 400 and "oops" in response.json()["error"]
    response = requests.post(f"{wx.url}/_emulator/login-code", json={}, timeout=2)
    assert response.status_code == 400 and "openid" in response.json()["error"]


# the request log and reset


def test_request_log_shows_calls_with_secrets_masked(wx: EmulatorServer) -> None:
    code = wx.mint_login_code("o-alice")
    jscode2session(wx, code)
    token = stable_token(wx)["access_token"]
    send(wx, token)
    log = requests.get(f"{wx.url}/_emulator/requests", timeout=2).json()["requests"]
    assert [(e["method"], e["path"], e["errcode"]) for e in log] == [
        ("GET", "/sns/jscode2session", 0),
        ("POST", "/cgi-bin/stable_token", 0),
        ("POST", SEND, 43101),
    ]
    assert log[0]["query"]["secret"] == "***" and log[0]["query"]["js_code"] == code
    assert log[1]["json"]["secret"] == "***"
    assert log[2]["query"] == {"access_token": "***"} and log[2]["json"]["touser"] == "o-alice"
    assert all(isinstance(e["time"], float) for e in log)
    assert wx.secret not in str(log) and token not in str(log)


def test_reset_forgets_tokens_quotas_faults_log_and_settings(wx: EmulatorServer) -> None:
    token = stable_token(wx)["access_token"]
    wx.grant("o-alice", TEMPLATE)
    wx.inject(SEND, errcode=-1)
    wx.configure(valid_pages=["pages/index/index"])
    control(wx, "reset")
    assert wx.requests() == [] and wx.quota("o-alice", TEMPLATE) == 0
    assert send(wx, token).json()["errcode"] == 40001
    assert requests.get(f"{wx.url}/_emulator/config", timeout=2).json()["valid_pages"] is None
    assert requests.get(f"{wx.url}/_emulator/faults", timeout=2).json()["faults"] == []
