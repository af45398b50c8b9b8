"""登录：微信 code 换取访问令牌，刷新令牌."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api.admin.fields import Integer, Nested, Schema, String, length
from api.blueprint import Blueprint
from api.extensions import db, limiter, wechat
from api.resident_auth import (
    RESIDENT_TOKEN_SECONDS,
    forget_ended_sessions,
    issue_resident_token,
    send_retry_after,
)
from services import residents
from services.residents import REFRESH_TOKEN_SECONDS, LoginResult

LOGIN_LIMIT = "20 per minute"  # per client address: a code is single-use, retries are few
REFRESH_LIMIT = "60 per minute"

blp = Blueprint(
    "resident_login",
    __name__,
    url_prefix="/auth",
    description=(
        "登录：小程序 wx.login 的 code 换取访问令牌（2 小时）与刷新令牌（30 天，每次使用即轮换，"
        "重复使用已轮换的刷新令牌将注销该用户的全部登录）"
    ),
)
send_retry_after(blp)


class LoginCodeSchema(Schema):
    """The code wx.login gave the mini-program (single use, five minutes)."""

    code = String(
        required=True,
        validate=length(minimum=1, maximum=128),
        metadata={"example": "0a3Xk2ll2Hb8Yd4eXYnl2Y6Uc81Xk2lp"},
    )


class RefreshTokenSchema(Schema):
    """A refresh token from the last login or refresh."""

    refresh_token = String(required=True, validate=length(minimum=1, maximum=200))


class LoginUserSchema(Schema):
    """The logged-in WeChat user, in short."""

    id = Integer(metadata={"example": 42})
    phone_masked = String(allow_none=True, metadata={"example": "138****5678"})
    subject_count = Integer(metadata={"description": "绑定的办事主体数", "example": 1})


class ResidentTokenSchema(Schema):
    """Our own tokens: send `Authorization: Bearer <access_token>` to every resident endpoint."""

    access_token = String()
    token_type = String(metadata={"example": "Bearer"})
    expires_in = Integer(metadata={"example": RESIDENT_TOKEN_SECONDS})
    refresh_token = String()
    refresh_expires_in = Integer(metadata={"example": REFRESH_TOKEN_SECONDS})
    user = Nested(LoginUserSchema)


@blp.route("/wechat")
class WeChatLogin(MethodView):
    """Log in with WeChat."""

    decorators = [limiter.limit(LOGIN_LIMIT, methods=["POST"])]

    @blp.arguments(LoginCodeSchema)
    @blp.response(200, ResidentTokenSchema)
    @blp.alt_response(401, description="code 无效或已使用，请重新登录")
    @blp.alt_response(403, description="账号存在风险或已停用，暂时无法登录")
    @blp.alt_response(429, description="请求过于频繁（本服务或微信限流），见 Retry-After")
    @blp.alt_response(502, description="微信登录服务异常")
    @blp.alt_response(503, description="微信服务繁忙或不可达，见 Retry-After")
    def post(self, data: dict):
        """Exchange a wx.login code for an access token and a refresh token."""
        result = residents.login_with_code(
            session=db.session, gateway=wechat.gateway, code=data["code"]
        )
        return _tokens(result)


@blp.route("/refresh")
class Refresh(MethodView):
    """Renew the access token."""

    decorators = [limiter.limit(REFRESH_LIMIT, methods=["POST"])]

    @blp.arguments(RefreshTokenSchema)
    @blp.response(200, ResidentTokenSchema)
    @blp.alt_response(401, description="刷新令牌无效、已过期或已被使用，请重新登录")
    @blp.alt_response(429, description="请求过于频繁")
    def post(self, data: dict):
        """Trade a refresh token for new tokens; the old refresh token stops working."""
        return _tokens(residents.refresh(session=db.session, **data))


@blp.route("/logout")
class Logout(MethodView):
    """End a login."""

    decorators = [limiter.limit(REFRESH_LIMIT, methods=["POST"])]

    @blp.arguments(RefreshTokenSchema)
    @blp.response(204)
    @blp.alt_response(429, description="请求过于频繁")
    def post(self, data: dict) -> None:
        """Revoke a refresh token and the access tokens issued with it (refused at once here,
        within seconds on the other processes)."""
        residents.logout(session=db.session, **data)
        forget_ended_sessions()


def _tokens(result: LoginResult) -> dict[str, Any]:
    return {
        "access_token": issue_resident_token(result.user, result.session_id),
        "token_type": "Bearer",
        "expires_in": RESIDENT_TOKEN_SECONDS,
        "refresh_token": result.refresh_token,
        "refresh_expires_in": result.refresh_expires_in,
        "user": residents.describe_user(db.session, result.user),
    }
