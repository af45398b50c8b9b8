"""Who is calling: staff bearer tokens, the data platform's API key, and the role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_smorest import Blueprint
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from api.extensions import db
from models import StaffUser
from services import staff as staff_service
from services.audit import Actor
from services.errors import Forbidden, Unauthorized

STAFF_TOKEN_SECONDS = 8 * 3600
SECURITY_SCHEMES = {
    "staffToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "POST /api/v1/admin/auth/login",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "数据平台的 API 密钥（kuaixiang staff create --machine）",
    },
}


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def issue_staff_token(staff: StaffUser) -> str:
    """Return a signed token naming the staff user and their current token version."""
    return _serializer("kx-staff").dumps({"s": staff.id, "v": staff.token_version})


def client_ip() -> str | None:
    """Return the caller's address: the client's behind KX_PROXY_COUNT trusted proxies."""
    return request.remote_addr


def _staff_from_request() -> StaffUser:
    header = request.headers.get("Authorization", "")
    session = db.session
    if header.startswith("Bearer "):
        try:
            claims = _serializer("kx-staff").loads(header[7:].strip(), max_age=STAFF_TOKEN_SECONDS)
        except SignatureExpired:
            raise Unauthorized("登录已过期，请重新登录") from None
        except BadSignature:
            raise Unauthorized("登录凭证无效") from None
        return staff_service.staff_for_token(
            session=session, staff_id=claims["s"], version=claims["v"]
        )
    key = request.headers.get("X-API-Key")
    if key:
        return staff_service.staff_for_api_key(session=session, key=key)
    raise Unauthorized("请先登录")


def current_actor() -> Actor:
    """Return the staff actor of this request (set by staff_required)."""
    return g.actor


def staff_required(
    blp: Blueprint, *roles: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a logged-in staff user (or the data platform's key) holding one of `roles`."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            staff = _staff_from_request()
            actor = staff_service.actor_of(staff, request_id=g.get("request_id"), ip=client_ip())
            if roles and not any(actor.has_role(role) for role in roles):
                raise Forbidden("无权进行此操作")
            g.actor = actor
            return view(*args, **kwargs)

        documented = blp.doc(security=[{"staffToken": []}, {"apiKey": []}])(wrapper)
        documented = blp.alt_response(401, description="未登录或登录已失效")(documented)
        return blp.alt_response(403, description="无权进行此操作")(documented)

    return decorator
