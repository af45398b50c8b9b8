"""Who the resident is: our own short-lived access token (never WeChat's openid from a request).

`POST /api/v1/auth/wechat` (api/resident/login.py) issues it; every resident endpoint is
decorated with `resident_required(blp)` and reads `current_resident()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_smorest import Blueprint
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from api.extensions import db
from models import WeChatUser
from services.errors import Unauthorized

RESIDENT_TOKEN_SECONDS = 2 * 3600
RESIDENT_SCHEME = {
    "residentToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "POST /api/v1/auth/wechat（小程序 wx.login 的 code 换取）",
    }
}


@dataclass(frozen=True)
class Resident:
    """The logged-in WeChat user."""

    user_id: int
    openid: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kx-resident")


def issue_resident_token(user: WeChatUser) -> str:
    """Return a signed access token for this WeChat user (valid RESIDENT_TOKEN_SECONDS)."""
    return _serializer().dumps({"u": user.id})


def _resident_from_request() -> Resident:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized("请先登录")
    try:
        claims = _serializer().loads(header[7:].strip(), max_age=RESIDENT_TOKEN_SECONDS)
    except SignatureExpired:
        raise Unauthorized("登录已过期，请重新登录") from None
    except BadSignature:
        raise Unauthorized("登录凭证无效，请重新登录") from None
    user = db.session.get(WeChatUser, int(claims.get("u", 0)))
    if user is None or user.status != "active":
        raise Unauthorized("请重新登录")
    return Resident(user_id=user.id, openid=user.openid)


def current_resident() -> Resident:
    """Return the resident of this request (set by resident_required)."""
    return g.resident


def resident_required(blp: Blueprint) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a logged-in resident; documents the bearer scheme and the 401 answer."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.resident = _resident_from_request()
            return view(*args, **kwargs)

        documented = blp.doc(security=[{"residentToken": []}])(wrapper)
        return blp.alt_response(401, description="未登录或登录已失效")(documented)

    return decorator
