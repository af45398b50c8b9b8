"""Staff login and who-am-I."""

from __future__ import annotations

import marshmallow as ma
from flask import g
from flask.views import MethodView

from api.admin.fields import Schema, String, length
from api.auth import STAFF_TOKEN_SECONDS, current_actor, issue_staff_token, staff_required
from api.blueprint import Blueprint
from api.extensions import db, limiter
from api.input_guard import json_body
from services import staff as staff_service

blp = Blueprint("admin_auth", __name__, url_prefix="/auth", description="工作人员登录")


class LoginSchema(Schema):
    """Username and password."""

    username = String(required=True, validate=length(minimum=1, maximum=64))
    password = String(required=True, load_only=True, validate=length(maximum=200))


class RoleSchema(ma.Schema):
    """One role held, in one department or everywhere."""

    role = ma.fields.String()
    department_id = ma.fields.Integer(allow_none=True)


class StaffSchema(ma.Schema):
    """A staff user as the API shows it."""

    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()
    kind = ma.fields.String()
    is_active = ma.fields.Boolean()
    roles = ma.fields.List(ma.fields.Nested(RoleSchema))


class TokenSchema(ma.Schema):
    """A bearer token for the admin API."""

    access_token = ma.fields.String()
    token_type = ma.fields.String(metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(metadata={"example": STAFF_TOKEN_SECONDS})
    staff = ma.fields.Nested(StaffSchema)


@blp.route("/login")
class Login(MethodView):
    """Exchange a username and password for a token."""

    decorators = [
        limiter.limit("10 per minute", methods=["POST"]),
        limiter.limit("30 per hour", methods=["POST"], key_func=lambda: _username()),
    ]

    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="用户名或密码错误")
    @blp.alt_response(429, description="尝试过于频繁")
    def post(self, credentials: dict):
        """Log in with username and password."""
        staff = staff_service.authenticate(session=db.session, **credentials)
        return {
            "access_token": issue_staff_token(staff),
            "token_type": "Bearer",
            "expires_in": STAFF_TOKEN_SECONDS,
            "staff": staff_service.describe(staff),
        }


@blp.route("/logout")
class Logout(MethodView):
    """End every session of the caller."""

    @staff_required(blp)
    @blp.response(204)
    def post(self) -> None:
        """Invalidate all of my tokens."""
        staff_service.logout_everywhere(
            session=db.session, actor=current_actor(), staff_id=g.actor.id
        )


@blp.route("/me")
class Me(MethodView):
    """The logged-in staff user."""

    @staff_required(blp)
    @blp.response(200, StaffSchema)
    def get(self):
        """Show who I am and what roles I hold."""
        from models import StaffUser

        staff = db.session.get(StaffUser, g.actor.id)
        assert staff is not None  # staff_required loaded it into this session
        return staff_service.describe(staff)


def _username() -> str:
    body = json_body()
    if not isinstance(body, dict):
        body = {}
    return f"login:{str(body.get('username', ''))[:64]}"
