"""我的：绑定的身份（本人、企业）、手机号."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import ValidationError, validates_schema

from api.admin.fields import Integer, List, LocalDateTime, Nested, Schema, String, length, one_of
from api.blueprint import Blueprint
from api.extensions import db, settings_of, wechat
from api.resident_auth import (
    current_resident,
    forget_ended_sessions,
    resident_actor,
    resident_required,
    send_retry_after,
    spend_attempt,
)
from services import residents

BIND_LIMIT = "10 per hour"  # binding attempts per resident: against guessing names and numbers
RELATIONS = ("self", "legal_representative", "agent")

blp = Blueprint(
    "resident_me",
    __name__,
    url_prefix="/me",
    description="我的：绑定的身份（本人、企业）、手机号",
)
send_retry_after(blp)


class PhoneCodeSchema(Schema):
    """The code of a getPhoneNumber button (single use, five minutes)."""

    code = String(required=True, validate=length(minimum=1, maximum=128))


class PhoneSchema(Schema):
    """The phone number, masked."""

    phone_masked = String(metadata={"example": "138****5678"})


class BoundSubjectSchema(Schema):
    """A subject the resident may act for: person names and 身份证号 masked."""

    subject_id = Integer(metadata={"example": 1024})
    kind = String(metadata={"enum": ["person", "enterprise"], "example": "person"})
    name = String(
        metadata={"description": "个人姓名脱敏（张*）；企业名称为公开信息", "example": "张*"}
    )
    identifier = String(
        metadata={
            "description": "身份证号脱敏；企业为统一社会信用代码（公开信息）",
            "example": "3****************4",
        }
    )
    relation = String(metadata={"enum": list(RELATIONS), "example": "self"})
    verified_by = String(metadata={"description": "核验方：local 或 province", "example": "local"})
    bound_at = LocalDateTime()


class MeSchema(Schema):
    """The logged-in user."""

    id = Integer(metadata={"example": 42})
    phone_masked = String(allow_none=True, metadata={"example": "138****5678"})
    created_at = LocalDateTime()
    last_login_at = LocalDateTime(allow_none=True)
    subjects = List(Nested(BoundSubjectSchema))


class RepresentativeSchema(Schema):
    """The person acting for the enterprise."""

    name = String(required=True, validate=length(minimum=1, maximum=100))
    id_number = String(required=True, validate=length(minimum=1, maximum=32))


class BindSchema(Schema):
    """Who to bind: yourself (`person`) or an enterprise you represent (`enterprise`)."""

    kind = String(required=True, validate=one_of(["person", "enterprise"]))
    name = String(
        validate=length(minimum=1, maximum=100),
        metadata={"description": "person：本人姓名", "example": "张三"},
    )
    id_number = String(
        validate=length(minimum=1, maximum=32),
        metadata={"description": "person：本人身份证号", "example": "371502199001011234"},
    )
    uscc = String(
        validate=length(minimum=1, maximum=32),
        metadata={"description": "enterprise：统一社会信用代码", "example": "91371500MA3C4L7X1P"},
    )
    relation = String(
        validate=one_of(["legal_representative", "agent"]),
        metadata={"description": "enterprise：法定代表人或委托代理人"},
    )
    representative = Nested(RepresentativeSchema, metadata={"description": "enterprise：办理人"})

    @validates_schema
    def _fields_of_kind(self, data: dict, **_kwargs: object) -> None:
        needed = {
            "person": ("name", "id_number"),
            "enterprise": ("uscc", "relation", "representative"),
        }.get(data.get("kind", ""), ())
        missing = {name: ["必填"] for name in needed if name not in data}
        if missing:
            raise ValidationError(missing)


@blp.route("")
class Me(MethodView):
    """Me."""

    @resident_required(blp)
    @blp.response(200, MeSchema)
    def get(self):
        """Show my account: phone masked and the subjects I may act for."""
        return residents.describe_me(session=db.session, wechat_user_id=current_resident().user_id)

    @resident_required(blp)
    @blp.response(204)
    def delete(self) -> None:
        """Delete my account (注销账号): my WeChat identity, phone, bindings, logins,
        subscriptions and unsent pushes are erased; claims and grants stay, as the law keeps
        records of public money, naming nobody. Every token of mine stops working at once."""
        residents.delete_account(
            session=db.session,
            actor=resident_actor(),
            wechat_user_id=current_resident().user_id,
        )
        forget_ended_sessions()


@blp.route("/phone")
class Phone(MethodView):
    """My phone number."""

    @resident_required(blp)
    @blp.arguments(PhoneCodeSchema)
    @blp.response(200, PhoneSchema)
    @blp.alt_response(422, description="授权码无效或已使用，请重新授权")
    @blp.alt_response(502, description="微信接口异常")
    @blp.alt_response(503, description="微信服务繁忙或不可达，见 Retry-After")
    def post(self, data: dict):
        """Save my phone number from a getPhoneNumber code; answer it masked."""
        resident = current_resident()
        masked = residents.save_phone(
            session=db.session,
            gateway=wechat.gateway,
            wechat_user_id=resident.user_id,
            openid=resident.openid,
            code=data["code"],
        )
        return {"phone_masked": masked}


@blp.route("/subjects")
class Subjects(MethodView):
    """The subjects I may act for."""

    @resident_required(blp)
    @blp.response(200, BoundSubjectSchema(many=True))
    def get(self):
        """List the subjects bound to me, masked."""
        return residents.list_bindings(
            session=db.session, wechat_user_id=current_resident().user_id
        )

    @resident_required(blp)
    @blp.arguments(BindSchema)
    @blp.response(200, BoundSubjectSchema)
    @blp.alt_response(422, description="信息有误、未通过核验、未找到档案，或需通过省统一身份认证")
    @blp.alt_response(503, description="身份核验服务暂时不可用，见 Retry-After")
    def post(self, data: dict):
        """Bind myself or an enterprise I represent, once my identity is verified.

        Binding a subject already bound to me answers the same binding (idempotent).
        """
        spend_attempt(BIND_LIMIT, "bind")
        settings = settings_of()
        provider = residents.provider_for(
            residents.IdentityConfig(
                provider=settings.identity_provider,
                url=settings.identity_url,
                key=settings.identity_key,
                timeout=settings.identity_timeout,
            ),
            session=db.session,
        )
        common: dict[str, Any] = {
            "session": db.session,
            "actor": resident_actor(),
            "wechat_user_id": current_resident().user_id,
            "provider": provider,
        }
        if data["kind"] == "person":
            return residents.bind_person(**common, name=data["name"], id_number=data["id_number"])
        return residents.bind_enterprise(
            **common,
            uscc=data["uscc"],
            relation=data["relation"],
            representative=data["representative"],
        )


@blp.route("/subjects/<int:subject_id>")
class SubjectById(MethodView):
    """One subject bound to me."""

    @resident_required(blp)
    @blp.response(204)
    @blp.alt_response(404, description="未绑定该办事主体")
    def delete(self, subject_id: int) -> None:
        """Unbind a subject: I may no longer act for it."""
        residents.unbind(
            session=db.session,
            actor=resident_actor(),
            wechat_user_id=current_resident().user_id,
            subject_id=subject_id,
        )
