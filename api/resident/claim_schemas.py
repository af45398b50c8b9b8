"""What the resident claim endpoints take and give."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from api.admin.fields import (
    Boolean,
    Dict,
    Integer,
    List,
    LocalDateTime,
    Nested,
    Schema,
    String,
    at_least,
    length,
    one_of,
    pattern,
)
from models import ClaimStatus
from notify.messages import CLAIM_STATUS_WORDS

ANSWERS = Dict(
    keys=String(validate=length(minimum=1, maximum=50)),
    values=String(validate=length(maximum=500)),
    validate=length(maximum=30),
    metadata={
        "description": "申请人填写的内容；联系电话（phone）须为手机号，加密保存，回显为脱敏号码",
        "example": {"phone": "13800001234", "note": "营业执照地址已变更"},
    },
)
MATERIAL_IDS = List(
    Integer(validate=at_least(1)),
    validate=length(maximum=20),
    metadata={"example": [31, 32, 33]},
)


class ClaimIdempotencyKeySchema(Schema):
    """The header that makes a retried submission return the claim it already made."""

    class Meta:
        unknown = ma.EXCLUDE  # every other header

    idempotency_key = String(
        required=True,
        data_key="Idempotency-Key",
        validate=[
            length(minimum=8, maximum=64),
            pattern(r"^[A-Za-z0-9_.:-]+$", "只能由字母、数字和 _ . : - 组成"),
        ],
        metadata={
            "description": "客户端为每次“提交”生成的随机键（8–64 位）；重试时原样带上",
            "example": "3f0c9a4e-claim-20261127",
        },
    )


class ClaimCreateSchema(Schema):
    """A claim: which item, for which of my subjects, extra answers and uploaded materials."""

    item_id = Integer(required=True, validate=at_least(1), metadata={"example": 27})
    subject_id = Integer(required=True, validate=at_least(1), metadata={"example": 1042})
    form = ANSWERS
    material_ids = MATERIAL_IDS
    use_account_phone = Boolean(
        metadata={
            "description": "联系电话用微信授权的手机号（POST /me/phone），不必填写 form.phone"
        }
    )


class ClaimQuerySchema(Schema):
    """Filters of my claims."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    status = String(validate=one_of(ClaimStatus), metadata={"example": "reviewing"})
    subject_id = Integer(strict=False, metadata={"example": 1042})
    item_id = Integer(strict=False, metadata={"example": 27})


class ClaimWithdrawSchema(Schema):
    """Why I withdraw (optional)."""

    reason = String(validate=length(maximum=200), metadata={"example": "已通过窗口办理"})


class ClaimResubmitSchema(Schema):
    """What I add when a claim was returned for correction (补正)."""

    material_ids = MATERIAL_IDS
    form = ANSWERS


class ClaimMaterialUploadSchema(Schema):
    """One file (multipart/form-data): the file, which material it is, optionally its claim."""

    file = ma.fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "PDF、JPG、PNG 或 xlsx，≤10 MB",
        },
    )
    name = String(
        required=True, validate=length(minimum=1, maximum=100), metadata={"example": "营业执照"}
    )
    claim_id = Integer(
        strict=False,
        validate=at_least(1),
        metadata={"description": "已提交或待补正的申请；不填则先上传、提交时引用", "example": 88},
    )


class ClaimMaterialSchema(Schema):
    """An uploaded material."""

    id = Integer(metadata={"example": 31})
    claim_id = Integer(allow_none=True, metadata={"example": 88})
    name = String(metadata={"example": "营业执照"})
    filename = String(metadata={"example": "营业执照.pdf"})
    content_type = String(metadata={"example": "application/pdf"})
    size = Integer(metadata={"example": 183422})
    sha256 = String(
        metadata={"example": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
    )
    created_at = LocalDateTime(metadata={"example": "2026-11-27T10:02:00+08:00"})
    download_url = ma.fields.Function(
        lambda m: None if m.claim_id is None else f"/api/v1/claims/{m.claim_id}/materials/{m.id}",
        allow_none=True,
        metadata={
            "type": "string",
            "nullable": True,
            "description": "下载本人提交的材料；尚未随申请提交的为 null",
            "example": "/api/v1/claims/88/materials/31",
        },
    )


class StatusText(ma.fields.Function):
    """The status as people read it (已提交, 审核中 …)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            lambda obj: CLAIM_STATUS_WORDS.get(obj.status, obj.status),
            metadata={"type": "string", "example": "审核中"},
            **kwargs,
        )


class ClaimEventSchema(Schema):
    """One step of a claim's timeline."""

    from_status = String(allow_none=True, metadata={"example": "submitted"})
    to_status = String(metadata={"example": "reviewing"})
    actor_kind = String(metadata={"example": "staff"})
    note = String(allow_none=True, metadata={"example": "请补充经营场所照片"})
    created_at = LocalDateTime(metadata={"example": "2026-11-27T10:05:00+08:00"})


class ClaimFormFactSchema(Schema):
    """One fact of the profile the item's rule uses (sensitive values shown as ***)."""

    fact = String(metadata={"example": "hukou_district"})
    label = String(metadata={"example": "户籍"})
    value = String(allow_none=True, metadata={"example": "东昌府区"})


class ClaimApplicantSchema(Schema):
    """Who applies, as the profile says (name masked)."""

    kind = String(metadata={"example": "person"})
    name = String(metadata={"example": "张*"})
    district_code = String(allow_none=True, metadata={"example": "371502"})
    district = String(allow_none=True, metadata={"example": "东昌府区"})


class ClaimFormSchema(Schema):
    """The form as submitted: pre-filled from the profile, with my answers."""

    applicant = Nested(ClaimApplicantSchema)
    facts = List(Nested(ClaimFormFactSchema))
    answers = Dict(
        keys=String(),
        values=String(),
        metadata={
            "description": "我填写的内容；联系电话脱敏显示",
            "example": {"phone": "138****1234", "note": "营业执照地址已变更"},
        },
    )


class ResidentClaimSummarySchema(Schema):
    """A claim in my list."""

    id = Integer(metadata={"example": 88})
    claim_no = String(metadata={"example": "KX2026112700000088"})
    subject_id = Integer(metadata={"example": 1042})
    item_id = Integer(metadata={"example": 27})
    item_name = String(metadata={"example": "一次性创业补贴"})
    status = String(metadata={"example": "reviewing"})
    status_text = StatusText()
    expected_fen = Integer(allow_none=True, metadata={"example": 1000000})
    approved_fen = Integer(allow_none=True)
    paid_fen = Integer(allow_none=True)
    reason = String(allow_none=True)
    submitted_at = LocalDateTime(metadata={"example": "2026-11-27T10:02:00+08:00"})
    due_at = LocalDateTime(
        allow_none=True,
        metadata={
            "description": "承诺时限届满时刻（自最近一次完整提交起按工作日计，最后一个工作日"
            "次日零时，北京时间）；事项未承诺时限时为空",
            "example": "2026-12-26T00:00:00+08:00",
        },
    )
    decided_at = LocalDateTime(allow_none=True)
    paid_at = LocalDateTime(allow_none=True)
    updated_at = LocalDateTime(metadata={"example": "2026-11-27T10:05:00+08:00"})


class ClaimRatingSchema(Schema):
    """好差评: how the service of a claim was, once it ended."""

    score = Integer(
        required=True,
        validate=at_least(1, 5),
        metadata={"description": "5 非常满意，4 满意，3 基本满意，2 不满意，1 非常不满意"},
    )
    comment = String(validate=length(maximum=200), metadata={"example": "办理很快，不用跑腿"})
    created_at = LocalDateTime(dump_only=True)


class ResidentClaimSchema(ResidentClaimSummarySchema):
    """A claim with its form, materials and timeline."""

    rating = Nested(ClaimRatingSchema, allow_none=True, metadata={"description": "我的评价"})
    can_rate = Boolean(metadata={"description": "办理已结束且尚未评价"})

    item_version_id = Integer(metadata={"example": 27})
    form = Nested(ClaimFormSchema)
    materials = List(Nested(ClaimMaterialSchema))
    timeline = List(Nested(ClaimEventSchema))
