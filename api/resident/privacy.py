"""隐私保护指引 and consents: the texts (public, versioned) and the resident's consents to them.

The 身份证号 is read only after consent `id_number` and a bank card only after `bank_card`
(each to the current text); otherwise the binding or the grant's confirmation answers 422
naming the field (docs/personal-data.md).
"""

from __future__ import annotations

from flask.views import MethodView

from api.admin.fields import Boolean, List, LocalDateTime, Nested, Schema, String, one_of
from api.blueprint import Blueprint
from api.extensions import db
from api.resident_auth import current_resident, resident_actor, resident_required
from services import residents

blp = Blueprint("resident_privacy", __name__, url_prefix="", description="隐私保护与授权同意")


class GuideSectionSchema(Schema):
    """One section of the guide."""

    heading = String(metadata={"example": "我们收集哪些信息、为了什么"})
    paragraphs = List(String())


class GuideSchema(Schema):
    """The 隐私保护指引."""

    title = String(metadata={"example": "政策快享隐私保护指引"})
    version = String(metadata={"example": "2026-12-01"})
    operator = String()
    sections = List(Nested(GuideSectionSchema))


class ConsentTextSchema(Schema):
    """What the resident reads before agreeing to one purpose."""

    purpose = String(validate=one_of(residents.PURPOSES), metadata={"example": "id_number"})
    title = String(metadata={"example": "身份证号收集使用说明"})
    version = String(metadata={"example": "2026-12-01"})
    text = String()


class PrivacySchema(Schema):
    """The guide and every consent text."""

    guide = Nested(GuideSchema)
    consents = List(Nested(ConsentTextSchema))


class ConsentGrantSchema(Schema):
    """Agreeing to the text of one purpose, at the version read."""

    purpose = String(required=True, validate=one_of(residents.PURPOSES))
    version = String(required=True, metadata={"example": "2026-12-01"})


class ConsentSchema(Schema):
    """My consent to one purpose."""

    purpose = String(metadata={"example": "id_number"})
    version = String(allow_none=True, metadata={"description": "同意的说明版本；未同意过为空"})
    current_version = String(metadata={"example": "2026-12-01"})
    granted_at = LocalDateTime(allow_none=True)
    withdrawn_at = LocalDateTime(allow_none=True)
    current = Boolean(metadata={"description": "同意了当前版本且未撤回"})


@blp.route("/privacy")
class Privacy(MethodView):
    """The texts."""

    @blp.etag
    @blp.response(200, PrivacySchema)
    def get(self):
        """Show the 隐私保护指引 and the consent texts with their versions (no login needed)."""
        return residents.consent_texts()


@blp.route("/me/consents")
class Consents(MethodView):
    """My consents."""

    @resident_required(blp)
    @blp.response(200, ConsentSchema(many=True))
    def get(self):
        """List my consent to each purpose, and whether it covers the current text."""
        return residents.list_consents(
            session=db.session, wechat_user_id=current_resident().user_id
        )

    @resident_required(blp)
    @blp.arguments(ConsentGrantSchema)
    @blp.response(200, ConsentSchema)
    @blp.alt_response(422, description="说明已更新：请重新阅读后再同意")
    def post(self, data: dict):
        """Agree to the text of one purpose (recorded with its version and the time)."""
        return residents.grant_consent(
            session=db.session,
            actor=resident_actor(),
            wechat_user_id=current_resident().user_id,
            purpose=data["purpose"],
            version=data["version"],
        )


@blp.route("/me/consents/<purpose>")
class ConsentByPurpose(MethodView):
    """One purpose."""

    @resident_required(blp)
    @blp.response(204)
    @blp.alt_response(422, description="没有这种授权用途")
    def delete(self, purpose: str) -> None:
        """Withdraw my consent to one purpose (撤回同意): nothing more is collected under it."""
        residents.withdraw_consent(
            session=db.session,
            actor=resident_actor(),
            wechat_user_id=current_resident().user_id,
            purpose=purpose,
        )
