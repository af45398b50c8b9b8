"""Who the resident is: our own short-lived access token (never WeChat's openid from a request).

`POST /api/v1/auth/wechat` (api/resident/login.py) issues it; every resident endpoint is
decorated with `resident_required(blp)` and reads `current_resident()`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask_smorest import Blueprint
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import parse

from api.auth import client_ip
from api.errors import error_body
from api.extensions import db, limiter, settings_of
from models import WeChatUser
from services.audit import Actor
from services.errors import DomainError, TooManyRequests, Unauthorized, Unavailable

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
    user_id = int(claims.get("u", 0))
    openid = _active_openid(user_id)
    if openid is None:
        raise Unauthorized("请重新登录")
    return Resident(user_id=user_id, openid=openid)


USER_CACHE_SECONDS = 30.0
_USER_CACHE_SIZE = 50_000


def _active_openid(user_id: int) -> str | None:
    """Return the openid of an active user, from a per-process cache of USER_CACHE_SECONDS.

    Every resident request needs this; reading the user each time costs a round trip (and, on
    SQLite, a transaction). A user disabled by staff is refused within USER_CACHE_SECONDS (their
    refresh token at once).
    """
    cache: dict[int, tuple[str | None, float]] = current_app.extensions.setdefault(
        "kx.resident_users", {}
    )
    now = time.monotonic()
    hit = cache.get(user_id)
    if hit is not None and now - hit[1] < USER_CACHE_SECONDS:
        return hit[0]
    user = db.session.get(WeChatUser, user_id)
    openid = user.openid if user is not None and user.status == "active" else None
    # End the read transaction: on SQLite it holds the write lock, and a view may call WeChat
    # or the identity service before it writes.
    db.session.commit()
    if len(cache) >= _USER_CACHE_SIZE:
        cache.clear()
    cache[user_id] = (openid, now)
    return openid


def current_resident() -> Resident:
    """Return the resident of this request (set by resident_required)."""
    return g.resident


def resident_actor() -> Actor:
    """Return the audit-log actor of this request's resident (never their openid)."""
    resident = current_resident()
    return Actor(
        kind="resident",
        id=resident.user_id,
        name=f"wechat_user:{resident.user_id}",
        request_id=g.get("request_id"),
        ip=client_ip(),
    )


def resident_key() -> str:
    """Return the rate-limit key of this request's resident (their user id)."""
    return f"resident:{current_resident().user_id}"


def _resident_rate() -> str:
    return settings_of().resident_rate_limit


# One budget per resident across every resident endpoint (KX_RESIDENT_RATE_LIMIT), counted in
# the limiter's storage (Redis when configured), so a stolen token cannot hammer the service.
_per_resident = limiter.shared_limit(_resident_rate, scope="resident", key_func=resident_key)


def resident_required(blp: Blueprint) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a logged-in resident, within their rate limit; documents 401 and 429."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        limited = _per_resident(view)

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.resident = _resident_from_request()
            return limited(*args, **kwargs)

        documented = blp.doc(security=[{"residentToken": []}])(wrapper)
        documented = blp.alt_response(429, description="请求过于频繁，请稍后再试")(documented)
        return blp.alt_response(401, description="未登录或登录已失效")(documented)

    return decorator


class AttemptsExhausted(TooManyRequests):
    """The resident used up the attempts this action allows in its window."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("尝试次数过多，请稍后再试")
        self.retry_after = retry_after


def spend_attempt(limit: str, action: str) -> None:
    """Count one `action` of this request's resident against `limit`; raise 429 past it.

    Counted in the limiter's storage, but not as a route limit: flask-limiter would put this
    window's reset (up to an hour) in the Retry-After of every answer of the route.
    """
    if not limiter.enabled:
        return
    item = parse(limit)
    keys = (current_app.config.get("RATELIMIT_KEY_PREFIX", ""), action, resident_key())
    if limiter.limiter.hit(item, *keys):
        return
    reset_at = limiter.limiter.get_window_stats(item, *keys).reset_time
    raise AttemptsExhausted(max(1, int(reset_at - time.time()) + 1))


def answer_with_retry_after(error: DomainError) -> tuple[Response, int, dict[str, str]]:
    """Answer a domain error in the one shape, with Retry-After when the error names one."""
    seconds = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(seconds)} if seconds else {}
    return jsonify(error_body(error.status, error.message, error.errors)), error.status, headers


def send_retry_after(blp: Blueprint) -> None:
    """Make the blueprint's 429 and 503 answers say when to retry (WeChat, identity service)."""
    blp.register_error_handler(TooManyRequests, answer_with_retry_after)
    blp.register_error_handler(Unavailable, answer_with_retry_after)
