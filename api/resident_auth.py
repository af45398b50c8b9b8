"""Who the resident is: our own short-lived access token (never WeChat's openid from a request).

`POST /api/v1/auth/wechat` (api/resident/login.py) issues it; every resident endpoint is
decorated with `resident_required(blp)` and reads `current_resident()`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask_smorest import Blueprint
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import parse, parse_many
from sqlalchemy import select

from api.auth import client_ip
from api.errors import error_body
from api.extensions import db, limiter, redis_store, settings_of
from api.request_budget import RequestBudget
from models import ResidentSession, WeChatUser
from models.clock import utcnow
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


class Resident:
    """The logged-in WeChat user: the id from the signed token; the openid read when asked for."""

    __slots__ = ("user_id", "_openid")

    def __init__(self, user_id: int, openid: str | None = None) -> None:
        self.user_id = user_id
        self._openid = openid

    @property
    def openid(self) -> str:
        """Return the user's openid (one read, the first time a view asks)."""
        if self._openid is None:
            user = db.session.get(WeChatUser, self.user_id)
            if user is None or user.status != "active":
                raise Unauthorized("请重新登录")
            self._openid = user.openid
        return self._openid


def _serializer() -> URLSafeTimedSerializer:
    """Return the app's token serializer (built once per app and secret)."""
    secret = current_app.config["SECRET_KEY"]
    held = current_app.extensions.get("kx.resident_tokens")
    if held is None or held[0] != secret:
        held = (secret, URLSafeTimedSerializer(secret, salt="kx-resident"))
        current_app.extensions["kx.resident_tokens"] = held
    return held[1]


def issue_resident_token(user: WeChatUser, session_id: int | None = None) -> str:
    """Return a signed access token for this WeChat user (valid RESIDENT_TOKEN_SECONDS), naming
    its refresh session: logging out ends both."""
    claims: dict[str, int] = {"u": user.id}
    if session_id is not None:
        claims["s"] = session_id
    return _serializer().dumps(claims)


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
    if user_id <= 0 or user_id in _blocked_users():
        raise Unauthorized("请重新登录")
    if "s" in claims and int(claims["s"]) in _ended_sessions():
        raise Unauthorized("已退出登录，请重新登录")
    return Resident(user_id)


BLOCKED_REFRESH_SECONDS = 10.0
# a range read of ix_wechat_users_status on MariaDB: a handful of rows among a city's users
BLOCKED_USERS = select(WeChatUser.id).where(WeChatUser.status != "active")


def _blocked_users() -> frozenset[int]:
    """Return the ids of users who may not use their tokens (not active), read again every
    BLOCKED_REFRESH_SECONDS per process.

    The token is ours and signed, so it names a user we issued it to (users are disabled, never
    deleted); what it cannot say is that staff disabled the user since. Instead of reading the
    user on every request, each process keeps the short list of users who are not active: a
    disabled user is refused within BLOCKED_REFRESH_SECONDS (their refresh token at once).
    """
    held: tuple[float, frozenset[int]] | None = current_app.extensions.get("kx.blocked_residents")
    now = time.monotonic()
    if held is not None and now - held[0] < BLOCKED_REFRESH_SECONDS:
        return held[1]
    # Its own short transaction, not the request's session: on SQLite a transaction holds the
    # write lock, and a view may call WeChat or the identity service before it writes.
    with db.database.engine.connect() as connection:
        blocked = frozenset(connection.scalars(BLOCKED_USERS))
    current_app.extensions["kx.blocked_residents"] = (now, blocked)
    return blocked


def _ended_sessions() -> frozenset[int]:
    """Return the refresh sessions ended (logged out, or revoked after a theft) within an access
    token's lifetime, read again every BLOCKED_REFRESH_SECONDS per process (the process that
    logs a resident out forgets its copy at once: forget_ended_sessions)."""
    held: tuple[float, frozenset[int]] | None = current_app.extensions.get("kx.ended_sessions")
    now = time.monotonic()
    if held is not None and now - held[0] < BLOCKED_REFRESH_SECONDS:
        return held[1]
    since = utcnow() - timedelta(seconds=RESIDENT_TOKEN_SECONDS + 60)
    with db.database.engine.connect() as connection:
        ended = frozenset(
            connection.scalars(
                select(ResidentSession.id).where(
                    ResidentSession.revoked_at >= since, ResidentSession.replaced_by_id.is_(None)
                )
            )
        )
    current_app.extensions["kx.ended_sessions"] = (now, ended)
    return ended


def forget_ended_sessions() -> None:
    """Read the ended sessions again on the next request (after a logout here)."""
    current_app.extensions.pop("kx.ended_sessions", None)


def optional_resident() -> Resident | None:
    """The resident of this request when it carries a token (refused when the token is not
    valid), or None for an anonymous request."""
    if not request.headers.get("Authorization"):
        return None
    return _resident_from_request()


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


class RequestsExhausted(TooManyRequests):
    """The resident used up KX_RESIDENT_RATE_LIMIT."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("请求过于频繁，请稍后再试")
        self.retry_after = retry_after


def _budget() -> RequestBudget:
    """Return this process's budget of resident requests (built on the first request)."""
    budget = current_app.extensions.get("kx.resident_budget")
    if budget is None:
        settings = settings_of()
        budget = current_app.extensions.setdefault(
            "kx.resident_budget",
            RequestBudget(
                parse_many(settings.resident_rate_limit),
                redis=redis_store.client,
                prefix=f"{settings.redis_prefix}:resident",
            ),
        )
    return budget


def _spend_request() -> None:
    """Count this request against the resident's KX_RESIDENT_RATE_LIMIT; raise 429 past it.

    One budget per resident across every resident endpoint, in fixed windows, so that a stolen
    token cannot hammer the service. Counted per process and added to Redis (when configured)
    in batches, at most one flush interval late for requests through other processes
    (api/request_budget.py): a Redis call per request cost more than the rest of the check.
    """
    if not limiter.enabled:
        return
    retry_after = _budget().spend(f"user:{current_resident().user_id}")
    if retry_after is not None:
        raise RequestsExhausted(retry_after)


def resident_required(blp: Blueprint) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a logged-in resident, within their rate limit; documents 401 and 429."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.resident = _resident_from_request()
            try:
                _spend_request()
            except RequestsExhausted as error:
                return answer_with_retry_after(error)
            return view(*args, **kwargs)

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
