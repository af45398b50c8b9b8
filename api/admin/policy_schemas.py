"""What the policy endpoints take and give."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from api.admin.fields import (
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
from api.admin.item_schemas import ItemSchema
from models import CATEGORIES, PolicyStatus

CODE = pattern(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,35}$", "政策代码应为字母、数字、- 或 _，最长 36 位")
URL = ma.validate.URL(relative=False, error="应为以 http:// 或 https:// 开头的网址")
CATEGORY = String(validate=one_of(CATEGORIES), metadata={"example": "养老服务"})


class PolicyUpdateSchema(Schema):
    """The fields of a policy that may be edited (a published one's texts only)."""

    title = String(
        validate=length(minimum=1, maximum=200), metadata={"example": "聊城市高龄津贴发放管理办法"}
    )
    doc_number = String(
        allow_none=True, validate=length(maximum=100), metadata={"example": "聊民发〔2025〕8号"}
    )
    summary = String(
        validate=length(maximum=500),
        metadata={"example": "本市户籍、年满80周岁的老年人按月领取高龄津贴，无需申请。"},
    )
    body = String(metadata={"example": "第一条 为弘扬中华民族敬老养老传统美德……"})
    interpretation = String(
        metadata={"example": "一、谁能领？户口在聊城、年满80周岁的老人都能领。"}
    )
    source_url = String(
        allow_none=True,
        validate=[length(maximum=500), URL],
        metadata={"example": "https://www.liaocheng.gov.cn/zcwj/LC-MZ-2025-01.html"},
    )
    issued_on = Date(allow_none=True, metadata={"example": "2025-03-10"})
    effective_from = Date(allow_none=True, metadata={"example": "2025-04-01"})
    effective_to = Date(allow_none=True, metadata={"example": "2030-03-31"})
    categories = List(CATEGORY, validate=length(minimum=1), metadata={"example": ["养老服务"]})


class PolicyCreateSchema(PolicyUpdateSchema):
    """A new draft policy."""

    code = String(required=True, validate=CODE, metadata={"example": "LC-MZ-2025-01"})
    department_id = Integer(required=True, metadata={"example": 3})
    title = String(
        required=True,
        validate=length(minimum=1, maximum=200),
        metadata={"example": "聊城市高龄津贴发放管理办法"},
    )
    categories = List(
        CATEGORY, required=True, validate=length(minimum=1), metadata={"example": ["养老服务"]}
    )


class PolicyQuerySchema(Schema):
    """Filters of the policy list."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    department_id = Integer(strict=False, metadata={"example": 3})
    status = String(validate=one_of(PolicyStatus), metadata={"example": "published"})
    category = String(validate=one_of(CATEGORIES), metadata={"example": "养老服务"})
    keyword = String(validate=length(maximum=50), metadata={"example": "津贴"})


class ItemsById(List):
    """A policy's items in the order they were created."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return super()._serialize(
            sorted(value or [], key=lambda item: item.id), attr, obj, **kwargs
        )


class CategorySchema(Schema):
    """One category a policy is filed under."""

    category = String()


class PolicySummarySchema(Schema):
    """A policy in a list: everything but the long texts."""

    id = Integer(metadata={"example": 12})
    code = String(metadata={"example": "LC-MZ-2025-01"})
    department_id = Integer(metadata={"example": 3})
    title = String(metadata={"example": "聊城市高龄津贴发放管理办法"})
    doc_number = String(allow_none=True, metadata={"example": "聊民发〔2025〕8号"})
    summary = String()
    source_url = String(allow_none=True)
    issued_on = Date(allow_none=True, metadata={"example": "2025-03-10"})
    effective_from = Date(allow_none=True, metadata={"example": "2025-04-01"})
    effective_to = Date(allow_none=True, metadata={"example": "2030-03-31"})
    status = String(metadata={"example": "draft"})
    categories = ma.fields.Pluck(
        CategorySchema, "category", many=True, metadata={"example": ["养老服务", "社会保障"]}
    )
    created_by_id = Integer(allow_none=True)
    published_at = LocalDateTime(allow_none=True, metadata={"example": "2025-03-20T09:00:00+08:00"})
    withdrawn_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime(metadata={"example": "2025-03-18T15:30:00+08:00"})
    updated_at = LocalDateTime(metadata={"example": "2025-03-20T09:00:00+08:00"})


class PolicySchema(PolicySummarySchema):
    """A policy with its full text, 解读 and items."""

    body = String()
    interpretation = String()
    items = ItemsById(Nested(ItemSchema))
