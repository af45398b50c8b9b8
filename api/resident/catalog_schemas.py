"""What the public catalog (policies, items, their pages) and the explanations look like."""

from __future__ import annotations

import marshmallow as ma

from api.admin.fields import (
    Boolean,
    Date,
    Integer,
    List,
    LocalDateTime,
    Nested,
    Schema,
    String,
    length,
    one_of,
    pattern,
)
from models import CATEGORIES, ClaimStatus, ItemMode, SubjectKind

PERIODS = ("once", "monthly", "yearly")
VERDICTS = ("eligible", "ineligible", "unknown")


class CatalogQuerySchema(Schema):
    """Keyword and filters of the public lists."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    q = String(
        validate=length(minimum=1, maximum=50),
        metadata={"description": "关键词（中文分词检索）", "example": "高龄津贴"},
    )
    department_id = Integer(strict=False, metadata={"example": 2})
    category = String(validate=one_of(CATEGORIES), metadata={"example": "养老服务"})
    subject_type = String(validate=one_of(SubjectKind), metadata={"example": "person"})
    mode = String(validate=one_of(ItemMode), metadata={"example": "one_tap"})
    open_now = Boolean(
        metadata={"description": "true：当前在申请期内；false：不在申请期内", "example": True}
    )
    district = String(
        validate=pattern(r"^\d{2,12}$", "应为行政区划代码，如 371502"),
        metadata={"description": "行政区划代码：只列该地可申请的", "example": "371502"},
    )


class CatalogDepartmentSchema(Schema):
    """The department that published a policy."""

    id = Integer(metadata={"example": 2})
    name = String(metadata={"example": "聊城市民政局"})
    short_name = String(metadata={"example": "市民政局"})


class CatalogPolicyRefSchema(Schema):
    """The policy an item belongs to."""

    id = Integer(metadata={"example": 8})
    title = String(metadata={"example": "聊城市高龄津贴发放管理办法"})
    doc_number = String(allow_none=True, metadata={"example": "聊民发〔2025〕8号"})


class ExplanationNodeSchema(Schema):
    """One node of the explanation tree: what it asks, what the subject has, pass/fail/unknown."""

    status = String(validate=one_of(("pass", "fail", "unknown")), metadata={"example": "pass"})
    text = String(metadata={"example": "年满80周岁"})
    fact = String(metadata={"example": "age"})
    actual = String(allow_none=True, metadata={"example": "年龄 82 周岁"})
    op = String(metadata={"example": "all"})
    children = List(Nested(lambda: ExplanationNodeSchema()))
    missing = List(String(), metadata={"example": ["birth_date"]})


class AmountResultSchema(Schema):
    """How much, per period and over the next 12 months, and how it was worked out."""

    fen = Integer(allow_none=True, metadata={"example": 10000})
    period = String(validate=one_of(PERIODS), metadata={"example": "monthly"})
    annual_fen = Integer(allow_none=True, metadata={"example": 120000})
    trace = List(
        String(),
        metadata={
            "example": [
                "年龄 82 周岁，适用 80–89 周岁 档：100 元",
                "按月发放，未来 12 个月预计 1,200 元",
            ]
        },
    )
    missing = List(String(), metadata={"example": []})


class UndecidedFactSchema(Schema):
    """A fact whose absence leaves the verdict undecided."""

    fact = String(metadata={"example": "birth_date"})
    label = String(metadata={"example": "出生日期"})


class StandingClaimSchema(Schema):
    """My subject's claim on this item that is in progress or paid (一键办理 is then refused)."""

    id = Integer(metadata={"example": 41})
    status = String(validate=one_of(ClaimStatus), metadata={"example": "reviewing"})


class StandingSupplementSchema(Schema):
    """My declaration of a missing fact for this item (补充信息)."""

    id = Integer(metadata={"example": 7})
    reference = String(
        metadata={"description": "编号（审核结果通知中的申请编号）", "example": "BC00000007"}
    )
    fact = String(metadata={"example": "disability_level"})
    status = String(metadata={"enum": ["pending", "approved", "rejected"], "example": "pending"})
    reason = String(allow_none=True, metadata={"description": "退回原因"})


class MyStandingSchema(Schema):
    """How one of my subjects stands on an item, with the full explanation."""

    subject_id = Integer(metadata={"example": 12})
    subject_kind = String(validate=one_of(SubjectKind), metadata={"example": "person"})
    subject_name = String(metadata={"example": "张*"})
    verdict = String(validate=one_of(VERDICTS), metadata={"example": "eligible"})
    summary = String(metadata={"example": "符合：户籍东昌府区、年龄 82 周岁"})
    missing = List(Nested(UndecidedFactSchema))
    explanation = Nested(ExplanationNodeSchema, allow_none=True)
    amount = Nested(AmountResultSchema, allow_none=True)
    claim = Nested(
        StandingClaimSchema,
        allow_none=True,
        metadata={"description": "办理中（或已兑现）的申请；有则不能再次一键办理"},
    )
    supplements = List(
        Nested(StandingSupplementSchema),
        metadata={"description": "为本事项申报过的补充信息及审核结果"},
    )


class CatalogItemSchema(Schema):
    """An item in a list."""

    id = Integer(metadata={"example": 18})
    code = String(metadata={"example": "LC-MZ-2025-01-01"})
    name = String(metadata={"example": "高龄津贴"})
    benefit = String(metadata={"example": "80至89周岁每人每月100元"})
    subject_type = String(validate=one_of(SubjectKind), metadata={"example": "person"})
    mode = String(validate=one_of(ItemMode), metadata={"example": "auto_grant"})
    apply_from = LocalDateTime(allow_none=True)
    apply_until = LocalDateTime(allow_none=True, metadata={"example": "2026-12-31T23:59:59+08:00"})
    open_now = Boolean(metadata={"example": True})
    amount_period = String(
        allow_none=True, validate=one_of(PERIODS), metadata={"example": "monthly"}
    )
    policy = Nested(CatalogPolicyRefSchema)
    department = Nested(CatalogDepartmentSchema, allow_none=True)
    categories = List(String(), metadata={"example": ["养老服务", "社会保障"]})


class CatalogMaterialSchema(Schema):
    """A document a claim needs."""

    class Meta:
        unknown = ma.EXCLUDE

    name = String(metadata={"example": "老年人本人或代办人身份证"})
    required = Boolean(metadata={"example": True})
    types = List(String(), metadata={"example": ["jpg", "png", "pdf"]})


class CatalogPolicyItemSchema(CatalogItemSchema):
    """An item on its policy's page, with how each of my subjects stands (when logged in)."""

    mine = List(Nested(MyStandingSchema))


class CatalogItemDetailSchema(CatalogPolicyItemSchema):
    """An item's page: materials, window, amount description, guide text."""

    guide_text = String(metadata={"example": "本事项免申即享：……"})
    contact = String(allow_none=True, metadata={"example": "市民政局养老服务科 0635-8452202"})
    promised_days = Integer(allow_none=True, metadata={"example": 30})
    materials = List(Nested(CatalogMaterialSchema))


class CatalogPolicySchema(Schema):
    """A policy in a list."""

    id = Integer(metadata={"example": 8})
    code = String(metadata={"example": "LC-MZ-2025-01"})
    title = String(metadata={"example": "聊城市高龄津贴发放管理办法"})
    doc_number = String(allow_none=True, metadata={"example": "聊民发〔2025〕8号"})
    summary = String()
    issued_on = Date(allow_none=True, metadata={"example": "2025-03-10"})
    effective_from = Date(allow_none=True, metadata={"example": "2025-04-01"})
    effective_to = Date(allow_none=True, metadata={"example": "2030-03-31"})
    published_at = LocalDateTime(allow_none=True)
    department = Nested(CatalogDepartmentSchema, allow_none=True)
    categories = List(String(), metadata={"example": ["养老服务"]})
    item_count = Integer(metadata={"example": 3})


class CatalogPolicyDetailSchema(CatalogPolicySchema):
    """A policy's page: full text, 解读, source link and its live items."""

    body = String()
    interpretation = String(
        metadata={"example": "一、谁能领？户口在聊城、年满80周岁的老人都能领。"}
    )
    source_url = String(allow_none=True)
    items = List(Nested(CatalogPolicyItemSchema))
