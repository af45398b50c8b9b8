"""免申即享：确认或放弃."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from api.admin.fields import Boolean, Integer, LocalDateTime, Schema, String, length, one_of
from api.blueprint import Blueprint
from api.extensions import db
from api.resident_auth import current_resident, resident_required
from models import GrantStatus
from services import claims

blp = Blueprint(
    "resident_grants",
    __name__,
    url_prefix="/me/grants",
    description="免申即享：确认或放弃",
)


class ResidentGrantQuerySchema(Schema):
    """Filters of my grants."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    status = String(validate=one_of(GrantStatus), metadata={"example": "granted"})
    subject_id = Integer(strict=False, metadata={"example": 1042})


class GrantConfirmSchema(Schema):
    """The bank card the money is paid into (needed when the grant carries an amount)."""

    bank_card = String(
        validate=length(minimum=12, maximum=30),
        metadata={
            "description": "本人银行卡号（校验 Luhn），加密保存，只显示后4位",
            "example": "6222 0202 0000 0000 006",
        },
    )


class ResidentGrantSchema(Schema):
    """A grant of one of my subjects."""

    id = Integer(metadata={"example": 5})
    subject_id = Integer(metadata={"example": 1042})
    item_id = Integer(metadata={"example": 18})
    item_name = String(metadata={"example": "高龄津贴"})
    benefit = String(metadata={"example": "80至89周岁每人每月100元"})
    status = String(metadata={"example": "granted"})
    amount_fen = Integer(allow_none=True, metadata={"example": 10000})
    needs_account = Boolean(metadata={"example": True})
    payout_account = String(allow_none=True, metadata={"example": "***************0006"})
    granted_at = LocalDateTime(metadata={"example": "2026-11-27T02:00:00+08:00"})
    confirmed_at = LocalDateTime(allow_none=True)
    paid_at = LocalDateTime(allow_none=True)


@blp.route("")
class MyGrants(MethodView):
    """My grants."""

    @resident_required(blp)
    @blp.arguments(ResidentGrantQuerySchema, location="query")
    @blp.response(200, ResidentGrantSchema(many=True))
    @blp.paginate()
    def get(self, filters: dict, pagination_parameters: PaginationParameters):
        """List the grants (免申即享) of my subjects, newest first."""
        rows, total = claims.list_my_grants(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/<int:grant_id>/confirm")
class ConfirmGrant(MethodView):
    """Confirming a grant."""

    @resident_required(blp)
    @blp.arguments(GrantConfirmSchema, required=False)
    @blp.response(200, ResidentGrantSchema)
    @blp.alt_response(404, description="待遇不存在")
    @blp.alt_response(409, description="已发放或已放弃")
    @blp.alt_response(422, description="需要银行卡号，或卡号有误")
    def post(self, data: dict, grant_id: int):
        """Acknowledge a grant, giving the bank card it is paid into when money is paid."""
        return claims.confirm_grant(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            grant_id=grant_id,
            bank_card=data.get("bank_card"),
        )


@blp.route("/<int:grant_id>/decline")
class DeclineGrant(MethodView):
    """Declining a grant."""

    @resident_required(blp)
    @blp.response(200, ResidentGrantSchema)
    @blp.alt_response(404, description="待遇不存在")
    @blp.alt_response(409, description="已发放")
    def post(self, grant_id: int):
        """Decline a grant that is not paid yet."""
        return claims.decline_grant(
            session=db.session, wechat_user_id=current_resident().user_id, grant_id=grant_id
        )
