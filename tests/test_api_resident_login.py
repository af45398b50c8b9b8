"""Resident login with WeChat (against the emulator), refresh rotation and reuse, logout."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.resident_auth import BLOCKED_USERS
from models import ResidentSession, WeChatUser, vault_of
from models.clock import frozen, utcnow
from notify.emulator import EmulatorServer
from services import operations
from services.residents._auth import SESSION_KEY_CONTEXT
from tests.resident_factories import bind
from tests.resident_identities import add_person, bearer, id_number, login

LOGIN = "/api/v1/auth/wechat"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
JSCODE = "/sns/jscode2session"


def test_login_creates_the_user_and_answers_our_tokens(
    client: FlaskClient, wx: EmulatorServer, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code = wx.mint_login_code("openid-alice", unionid="union-alice")
    answer = client.post(LOGIN, json={"code": code})
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 2 * 3600
    assert body["refresh_expires_in"] == 30 * 24 * 3600 and len(body["refresh_token"]) >= 43
    assert body["user"] == {"id": body["user"]["id"], "phone_masked": None, "subject_count": 0}

    user = session.scalar(select(WeChatUser).where(WeChatUser.openid == "openid-alice"))
    assert user is not None and user.unionid == "union-alice" and user.last_login_at is not None
    session_key = vault_of(session).decrypt(user.session_key_enc, context=SESSION_KEY_CONTEXT)
    assert len(session_key) == 24  # 16 bytes, base64, as WeChat issues it
    assert session_key not in answer.get_data(as_text=True)
    assert session_key not in caplog.text and code not in caplog.text
    stored = session.scalar(
        select(ResidentSession).where(ResidentSession.wechat_user_id == user.id)
    )
    assert stored is not None and body["refresh_token"].encode() not in stored.token_hash

    me = client.get("/api/v1/me", headers=bearer(body))
    assert me.status_code == 200 and me.json["id"] == user.id
    assert "session_key" not in json.dumps(me.json)
    # WeChat was asked once, directly, without fetching an access token
    assert len(wx.requests(JSCODE)) == 1 and wx.token_fetches() == 0


def test_second_login_finds_the_same_user_and_replaces_the_session_key(
    client: FlaskClient, wx: EmulatorServer, session: Session
) -> None:
    first = login(client, wx, "openid-bob")
    user = session.scalar(select(WeChatUser).where(WeChatUser.openid == "openid-bob"))
    old_key = user.session_key_enc
    second = login(client, wx, "openid-bob")
    session.rollback()  # a fresh read: end the snapshot and forget loaded rows
    assert second["user"]["id"] == first["user"]["id"]
    assert session.scalar(select(func.count()).select_from(WeChatUser)) == 1
    assert session.get(WeChatUser, first["user"]["id"]).session_key_enc != old_key
    assert second["refresh_token"] != first["refresh_token"]
    bind(
        session,
        session.get(WeChatUser, first["user"]["id"]),
        add_person(session, "张三", id_number()).id,
    )
    assert login(client, wx, "openid-bob")["user"]["subject_count"] == 1


def test_a_code_works_once(client: FlaskClient, wx: EmulatorServer) -> None:
    code = wx.mint_login_code("openid-carol")
    assert client.post(LOGIN, json={"code": code}).status_code == 200
    again = client.post(LOGIN, json={"code": code})
    assert again.status_code == 401 and again.json["message"] == "请重新登录"


@pytest.mark.parametrize(
    ("fault", "status", "message", "retry_after"),
    [
        ({"errcode": 40029}, 401, "请重新登录", None),
        ({"errcode": 45011}, 429, "操作过于频繁，请一分钟后再试", "60"),
        ({"errcode": 40226}, 403, "账号存在风险，暂时无法登录", None),
        ({"errcode": -1}, 503, "微信服务繁忙，请稍后重试", "10"),
        ({"status": 502}, 503, "微信服务繁忙，请稍后重试", "10"),
        ({"errcode": 40013}, 502, "微信登录服务异常，请稍后再试", None),
    ],
)
def test_wechat_errors_map_to_answers(
    client: FlaskClient,
    wx: EmulatorServer,
    session: Session,
    fault: dict,
    status: int,
    message: str,
    retry_after: str | None,
) -> None:
    wx.inject(JSCODE, times=1, **fault)
    answer = client.post(LOGIN, json={"code": wx.mint_login_code("openid-dave")})
    assert answer.status_code == status
    assert answer.json["code"] == status and answer.json["message"] == message
    if retry_after:  # the limiter may raise it to the end of its own window, never lower it
        assert int(answer.headers["Retry-After"]) >= int(retry_after) - 1
    assert session.scalar(select(func.count()).select_from(WeChatUser)) == 0


def test_a_risk_blocked_user_is_refused(client: FlaskClient, wx: EmulatorServer) -> None:
    wx.configure(blocked_openids=["openid-risky"])
    answer = client.post(LOGIN, json={"code": wx.mint_login_code("openid-risky")})
    assert answer.status_code == 403 and answer.json["message"] == "账号存在风险，暂时无法登录"


def test_wechat_not_answering_in_time_is_a_503(client: FlaskClient, wx: EmulatorServer) -> None:
    wx.inject(JSCODE, hang=True, hang_seconds=5, times=1)
    answer = client.post(LOGIN, json={"code": wx.mint_login_code("openid-erin")})
    assert answer.status_code == 503 and int(answer.headers["Retry-After"]) >= 9


def test_login_needs_a_code(client: FlaskClient, wx: EmulatorServer) -> None:
    assert client.post(LOGIN, json={}).status_code == 422
    assert client.post(LOGIN, json={"code": ""}).status_code == 422
    assert wx.requests(JSCODE) == []


def test_login_is_rate_limited_per_address(client: FlaskClient, wx: EmulatorServer) -> None:
    codes = [client.post(LOGIN, json={"code": f"bad-{n}"}).status_code for n in range(20)]
    assert codes == [401] * 20
    blocked = client.post(LOGIN, json={"code": wx.mint_login_code("openid-frank")})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert blocked.json["message"] == "请求过于频繁，请稍后再试"
    assert len(wx.requests(JSCODE)) == 20
    other = client.post(
        LOGIN,
        json={"code": wx.mint_login_code("openid-frank")},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert other.status_code == 200


def test_refresh_rotates_the_token(
    client: FlaskClient, wx: EmulatorServer, session: Session
) -> None:
    first = login(client, wx, "openid-gina")
    renewed = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert renewed.status_code == 200, renewed.json
    assert renewed.json["refresh_token"] != first["refresh_token"]
    assert renewed.json["user"]["id"] == first["user"]["id"]
    assert client.get("/api/v1/me", headers=bearer(renewed.json)).status_code == 200
    rows = session.scalars(select(ResidentSession).order_by(ResidentSession.id)).all()
    assert len(rows) == 2
    assert rows[0].revoked_at is not None and rows[0].replaced_by_id == rows[1].id
    assert rows[1].revoked_at is None
    again = client.post(REFRESH, json={"refresh_token": renewed.json["refresh_token"]})
    assert again.status_code == 200


def test_replaying_a_rotated_token_revokes_every_session_of_the_user(
    client: FlaskClient, wx: EmulatorServer, session: Session
) -> None:
    stolen = login(client, wx, "openid-hank")
    other_device = login(client, wx, "openid-hank")
    bystander = login(client, wx, "openid-ivy")
    thief = client.post(REFRESH, json={"refresh_token": stolen["refresh_token"]}).json
    replay = client.post(REFRESH, json={"refresh_token": stolen["refresh_token"]})
    assert replay.status_code == 401 and replay.json["message"] == "登录已失效，请重新登录"
    for tokens in (thief, other_device):
        answer = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
        assert answer.status_code == 401
    live = session.scalars(
        select(ResidentSession).where(
            ResidentSession.wechat_user_id == stolen["user"]["id"],
            ResidentSession.revoked_at.is_(None),
        )
    ).all()
    assert live == []
    assert (
        client.post(REFRESH, json={"refresh_token": bystander["refresh_token"]}).status_code == 200
    )


def test_expired_and_unknown_refresh_tokens_are_refused(
    client: FlaskClient, wx: EmulatorServer
) -> None:
    tokens = login(client, wx, "openid-jack")
    with frozen(utcnow() + timedelta(days=31)):
        late = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert late.status_code == 401 and late.json["message"] == "登录已过期，请重新登录"
    unknown = client.post(REFRESH, json={"refresh_token": "not-a-token"})
    assert unknown.status_code == 401 and unknown.json["message"] == "登录凭证无效，请重新登录"


def test_logout_revokes_only_that_refresh_token(client: FlaskClient, wx: EmulatorServer) -> None:
    phone = login(client, wx, "openid-kate")
    tablet = login(client, wx, "openid-kate")
    assert client.post(LOGOUT, json={"refresh_token": phone["refresh_token"]}).status_code == 204
    assert client.post(LOGOUT, json={"refresh_token": phone["refresh_token"]}).status_code == 204
    refused = client.post(REFRESH, json={"refresh_token": phone["refresh_token"]})
    assert refused.status_code == 401
    assert client.post(REFRESH, json={"refresh_token": tablet["refresh_token"]}).status_code == 200


def test_logging_out_ends_the_access_token_too(client: FlaskClient, wx: EmulatorServer) -> None:
    phone = login(client, wx, "openid-mona")
    tablet = login(client, wx, "openid-mona")
    bearer = {"Authorization": f"Bearer {phone['access_token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    assert client.post(LOGOUT, json={"refresh_token": phone["refresh_token"]}).status_code == 204
    after = client.get("/api/v1/me", headers=bearer)
    assert after.status_code == 401 and after.json["message"] == "已退出登录，请重新登录"
    other = {"Authorization": f"Bearer {tablet['access_token']}"}
    assert client.get("/api/v1/me", headers=other).status_code == 200  # only that login ended
    renewed = client.post(REFRESH, json={"refresh_token": tablet["refresh_token"]}).json
    renewed_bearer = {"Authorization": f"Bearer {renewed['access_token']}"}
    assert client.get("/api/v1/me", headers=renewed_bearer).status_code == 200
    assert client.get("/api/v1/me", headers=other).status_code == 200  # rotation is not a logout


def test_refresh_of_a_disabled_user_is_refused(
    client: FlaskClient, wx: EmulatorServer, session: Session
) -> None:
    tokens = login(client, wx, "openid-liam")
    user = session.get(WeChatUser, tokens["user"]["id"])
    user.status = "disabled"
    session.commit()
    assert client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    answer = client.post(LOGIN, json={"code": wx.mint_login_code("openid-liam")})
    assert answer.status_code == 403


def test_the_users_not_active_are_read_through_the_status_index(database) -> None:  # type: ignore[no-untyped-def]
    if database.dialect != "mysql":
        pytest.skip("SQLite scans its (small, embedded) index whole for !=")
    statement = BLOCKED_USERS.compile(dialect=database.engine.dialect)
    with database.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN {statement}", statement.params).mappings().one()
    assert plan["key"] == "ix_wechat_users_status" and plan["type"] == "range"


def test_housekeeping_forgets_expired_sessions_only(
    client: FlaskClient, wx: EmulatorServer, database
) -> None:  # type: ignore[no-untyped-def]
    with frozen(utcnow() - timedelta(days=40)):  # refresh tokens last 30 days
        login(client, wx, "openid-gone")
    with frozen(utcnow() - timedelta(days=10)):
        rotated = login(client, wx, "openid-rotating")
        fresh = client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]}).json
    current = login(client, wx, "openid-here")
    with database.session() as session:
        assert operations.purge_resident_sessions(session=session) == {
            "resident_sessions_deleted": 1
        }
        assert session.scalar(select(func.count()).select_from(ResidentSession)) == 3
    assert client.post(REFRESH, json={"refresh_token": current["refresh_token"]}).status_code == 200
    # the rotated token is still known: using it again is reuse, and ends that user's sessions
    reused = client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert reused.status_code == 401
    assert client.post(REFRESH, json={"refresh_token": fresh["refresh_token"]}).status_code == 401
