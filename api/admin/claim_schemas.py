"""What the reviewer endpoints (claims, grants) take and give."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from api.admin.fields import (
    Boolean,
    Integer,
    List,
    LocalDateTime,
    Nested,
    Schema,
    String,
    at_least,
    length,
    one_of,
)
from api.resident.claim_schemas import ClaimFormSchema, ClaimMaterialSchema, StatusText
from models import ClaimStatus, GrantStatus
from services.claims import ACTIONS, ORDERS

REASON = String(
    required=True,
    validate=length(minimum=1, maximum=500),
    metadata={"example": "经营场所照片不清晰，请重新拍摄上传"},
)
PAYMENT_REF = String(
    validate=length(minimum=1, maximum=64), metadata={"example": "CZ-ZF-20261127-000123"}
)
FEN = Integer(validate=at_least(0), metadata={"example": 1000000})


class AdminClaimQuerySchema(Schema):
    """Filters of the reviewers' claim list."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    department_id = Integer(strict=False, metadata={"example": 9})
    status = String(validate=one_of(ClaimStatus), metadata={"example": "submitted"})
    item_id = Integer(strict=False, metadata={"example": 27})
    subject_id = Integer(strict=False, metadata={"example": 1042})
    overdue = Boolean(metadata={"description": "只看超过承诺时限仍未办结的", "example": True})
    min_days = Integer(
        strict=False,
        validate=at_least(0, 3650),
        metadata={"description": "至少已等待的天数", "example": 10},
    )
    order = String(
        validate=one_of(ORDERS),
        metadata={
            "description": "waiting 等待最久的在前（默认）；"
            "due 承诺时限最先届满的在前，未承诺时限的在后",
            "example": "due",
        },
    )


class AdminClaimEventSchema(Schema):
    """One step of a claim's timeline, with who made it."""

    id = Integer(metadata={"example": 301})
    from_status = String(allow_none=True, metadata={"example": "submitted"})
    to_status = String(metadata={"example": "reviewing"})
    actor_kind = String(metadata={"example": "staff"})
    actor_id = Integer(allow_none=True, metadata={"example": 7})
    note = String(allow_none=True)
    created_at = LocalDateTime(metadata={"example": "2026-11-27T10:05:00+08:00"})


class AdminClaimSummarySchema(Schema):
    """A claim in the reviewers' list."""

    id = Integer(metadata={"example": 88})
    claim_no = String(metadata={"example": "KX2026112700000088"})
    status = String(metadata={"example": "submitted"})
    status_text = StatusText()
    item_id = Integer(metadata={"example": 27})
    item_code = String(metadata={"example": "LC-RS-2025-02-01"})
    item_name = String(metadata={"example": "一次性创业补贴"})
    department_id = Integer(metadata={"example": 9})
    subject_id = Integer(metadata={"example": 1042})
    subject_kind = String(metadata={"example": "person"})
    subject_name = String(metadata={"example": "张*"})
    expected_fen = Integer(allow_none=True, metadata={"example": 1000000})
    approved_fen = Integer(allow_none=True)
    paid_fen = Integer(allow_none=True)
    payment_ref = String(allow_none=True)
    reason = String(allow_none=True)
    promised_days = Integer(
        allow_none=True,
        metadata={"description": "提交时承诺的办结时限（工作日）", "example": 20},
    )
    waiting_days = Integer(metadata={"example": 3})
    overdue = Boolean(metadata={"example": False})
    due_at = LocalDateTime(
        allow_none=True,
        metadata={
            "description": "承诺时限届满时刻（自最近一次完整提交起按工作日计，最后一个工作日"
            "次日零时，北京时间）；事项未承诺时限时为空",
            "example": "2026-12-23T00:00:00+08:00",
        },
    )
    submitted_at = LocalDateTime(metadata={"example": "2026-11-24T10:02:00+08:00"})
    decided_at = LocalDateTime(allow_none=True)
    paid_at = LocalDateTime(allow_none=True)
    updated_at = LocalDateTime(metadata={"example": "2026-11-24T10:02:00+08:00"})


class AdminClaimMaterialSchema(ClaimMaterialSchema):
    """A material, with the address that downloads it."""

    download_url = ma.fields.Function(
        lambda m: f"/api/v1/admin/claims/{m.claim_id}/materials/{m.id}",
        metadata={"type": "string", "example": "/api/v1/admin/claims/88/materials/31"},
    )


class AdminClaimSchema(AdminClaimSummarySchema):
    """A claim with its form, materials and timeline."""

    item_version_id = Integer(metadata={"example": 27})
    applicant_id = Integer(metadata={"example": 12})
    form = Nested(ClaimFormSchema)
    materials = List(Nested(AdminClaimMaterialSchema))
    timeline = List(Nested(AdminClaimEventSchema))


class ClaimContactSchema(Schema):
    """An applicant's 联系电话 in full (read for a call; audited)."""

    claim_id = Integer(metadata={"example": 88})
    phone = String(metadata={"example": "13800001234"})


class ClaimApproveSchema(Schema):
    """The amount approved (default: the amount the rule computed at submission)."""

    approved_fen = FEN


class ClaimReasonSchema(Schema):
    """Why (shown to the resident)."""

    reason = REASON


class ClaimPaySchema(Schema):
    """The payout: amount paid (at most the approved one) and the payment's reference."""

    paid_fen = Integer(required=True, validate=at_least(0), metadata={"example": 1000000})
    payment_ref = String(
        required=True,
        validate=length(minimum=1, maximum=64),
        metadata={"example": "CZ-ZF-20261127-000123"},
    )


class ClaimBulkSchema(Schema):
    """One action on many claims; each claim is its own transaction."""

    ids = List(
        Integer(validate=at_least(1)),
        required=True,
        validate=length(minimum=1, maximum=100),
        metadata={"example": [88, 89, 90]},
    )
    action = String(required=True, validate=one_of(ACTIONS), metadata={"example": "review"})
    approved_fen = FEN
    paid_fen = FEN
    payment_ref = PAYMENT_REF
    reason = String(validate=length(minimum=1, maximum=500))

    @ma.validates_schema
    def _needs(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("action") in ("reject", "return") and not data.get("reason"):
            raise ma.ValidationError("驳回和退回补正须填写原因", field_name="reason")
        if data.get("action") == "pay" and not data.get("payment_ref"):
            raise ma.ValidationError("登记发放须填写支付凭证号", field_name="payment_ref")


class ClaimBulkOutcomeSchema(Schema):
    """What happened to one claim of a bulk action."""

    id = Integer(metadata={"example": 88})
    ok = Boolean(metadata={"example": True})
    status = String(allow_none=True, metadata={"example": "reviewing"})
    code = Integer(metadata={"example": 200})
    message = String(metadata={"example": "成功"})


class ClaimBulkResultSchema(Schema):
    """Every claim's outcome, in the order given."""

    results = List(Nested(ClaimBulkOutcomeSchema))


class AdminGrantQuerySchema(Schema):
    """Filters of the reviewers' grant list."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    department_id = Integer(strict=False, metadata={"example": 3})
    status = String(validate=one_of(GrantStatus), metadata={"example": "confirmed"})
    item_id = Integer(strict=False, metadata={"example": 18})


class AdminGrantSchema(Schema):
    """A grant as reviewers see it (bank card masked)."""

    id = Integer(metadata={"example": 5})
    subject_id = Integer(metadata={"example": 1042})
    subject_name = String(allow_none=True, metadata={"example": "王*"})
    item_id = Integer(metadata={"example": 18})
    item_name = String(metadata={"example": "高龄津贴"})
    department_id = Integer(allow_none=True, metadata={"example": 3})
    status = String(metadata={"example": "confirmed"})
    amount_fen = Integer(allow_none=True, metadata={"example": 10000})
    needs_account = Boolean(metadata={"example": True})
    payout_account = String(allow_none=True, metadata={"example": "***************0006"})
    payment_ref = String(allow_none=True)
    granted_at = LocalDateTime(metadata={"example": "2026-11-27T02:00:00+08:00"})
    confirmed_at = LocalDateTime(allow_none=True)
    paid_at = LocalDateTime(allow_none=True)


class GrantPaySchema(Schema):
    """The payout of a grant: the reference, and the amount when the grant has none."""

    payment_ref = String(
        required=True,
        validate=length(minimum=1, maximum=64),
        metadata={"example": "CZ-ZF-20261127-000124"},
    )
    paid_fen = FEN
