"""补充信息：为待补充信息的事项申报缺少的信息，附证明材料，由事项所属部门审核."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from api.admin.fields import Integer, LocalDateTime, Schema, String, at_least, length, one_of
from api.blueprint import Blueprint
from api.extensions import db, wechat
from api.resident.claim_schemas import MATERIAL_IDS
from api.resident_auth import current_resident, resident_actor, resident_required
from models import SupplementStatus
from services import claims, supplements

blp = Blueprint(
    "resident_supplements",
    __name__,
    url_prefix="/me/supplements",
    description="补充信息：申报缺少的信息，部门审核后进入档案",
)


class SupplementCreateSchema(Schema):
    """One missing fact, its value and the materials that prove it."""

    subject_id = Integer(required=True, validate=at_least(1), metadata={"example": 1042})
    item_id = Integer(
        required=True,
        validate=at_least(1),
        metadata={"description": "需要这项信息的事项（其部门审核）", "example": 27},
    )
    fact = String(
        required=True,
        validate=length(minimum=1, maximum=64),
        metadata={"example": "disability_level"},
    )
    value = ma.fields.Raw(
        required=True,
        metadata={"description": "取值，类型见指标目录（日期为 YYYY-MM-DD）", "example": "二级"},
    )
    material_ids = MATERIAL_IDS
    note = String(validate=length(maximum=200), metadata={"example": "残疾证去年换发"})


class SupplementSchema(Schema):
    """A declaration and what became of it."""

    id = Integer(metadata={"example": 7})
    reference = String(
        metadata={"description": "编号（审核结果通知中的申请编号）", "example": "BC00000007"}
    )
    subject_id = Integer(metadata={"example": 1042})
    item_id = Integer(metadata={"example": 27})
    item_name = String(metadata={"example": "残疾人两项补贴"})
    fact = String(metadata={"example": "disability_level"})
    label = String(metadata={"example": "残疾等级"})
    value = ma.fields.Raw(metadata={"example": "二级"})
    note = String(allow_none=True)
    status = String(validate=one_of(SupplementStatus), metadata={"example": "pending"})
    reason = String(allow_none=True, metadata={"description": "退回原因"})
    created_at = LocalDateTime()
    reviewed_at = LocalDateTime(allow_none=True)


class SupplementQuerySchema(Schema):
    """Filters."""

    subject_id = Integer(strict=False, metadata={"example": 1042})


@blp.route("")
class Supplements(MethodView):
    """My declarations."""

    @resident_required(blp)
    @blp.arguments(SupplementQuerySchema, location="query")
    @blp.response(200, SupplementSchema(many=True))
    def get(self, args: dict):
        """List the declarations for my subjects, newest first (at most 200)."""
        return supplements.my_supplements(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            subject_id=args.get("subject_id"),
        )

    @resident_required(blp)
    @blp.arguments(SupplementCreateSchema)
    @blp.response(201, SupplementSchema)
    @blp.alt_response(404, description="未绑定该办事主体，或事项不存在")
    @blp.alt_response(409, description="档案中已有该信息，或已提交待审核")
    @blp.alt_response(422, description="不是该事项需要的信息、取值不对，或缺少材料")
    def post(self, data: dict):
        """Declare a fact my subject's profile lacks for an item, with materials (uploaded
        first with POST /claims/materials); the item's department reviews it. The note passes
        WeChat's content check."""
        claims.screen_texts(
            session=db.session,
            checker=wechat.gateway,
            wechat_user_id=current_resident().user_id,
            texts={"note": data.get("note")},
        )
        return supplements.declare_fact(
            session=db.session,
            actor=resident_actor(),
            wechat_user_id=current_resident().user_id,
            subject_id=data["subject_id"],
            item_id=data["item_id"],
            fact=data["fact"],
            value=data["value"],
            material_ids=data.get("material_ids") or [],
            note=data.get("note"),
        )
