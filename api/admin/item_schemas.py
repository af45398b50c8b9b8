"""What the item and item-version endpoints take and give."""

from __future__ import annotations

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
from models import ItemMode, SubjectKind

FILE_TYPES = ("jpg", "jpeg", "png", "pdf", "ofd", "doc", "docx", "xls", "xlsx")
RULE_EXAMPLE = {
    "all": [
        {"fact": "hukou_district", "op": "in", "value": ["3715"], "label": "本市户籍"},
        {"fact": "age", "op": ">=", "value": {"param": "min_age"}, "label": "年满80周岁"},
    ]
}
AMOUNT_EXAMPLE = {"kind": "fixed", "fen": 10000, "period": "monthly"}
PARAMS_EXAMPLE = {
    "min_age": {
        "label": "起始年龄",
        "unit": "周岁",
        "values": [{"from": "2025-04-01", "value": 80, "ref": "聊民发〔2025〕8号"}],
    }
}
CASES_EXAMPLE = [
    {
        "name": "东昌府区82岁老人，每月100元",
        "as_of": "2026-11-27",
        "facts": {"hukou_district": "371502", "birth_date": "1944-05-01"},
        "expect": {"verdict": "eligible", "amount_fen": 10000},
    }
]


class MaterialSchema(Schema):
    """One document a one-tap claim needs."""

    name = String(
        required=True, validate=length(minimum=1, maximum=100), metadata={"example": "残疾人证"}
    )
    required = Boolean(load_default=True, metadata={"example": True})
    types = List(
        String(validate=one_of(FILE_TYPES)),
        required=True,
        validate=length(minimum=1),
        metadata={"example": ["jpg", "png", "pdf"]},
    )


class ContentSchema(Schema):
    """A version's content: rule, amount, params, cases (docs/rules.md) and materials."""

    rule = Dict(metadata={"example": RULE_EXAMPLE})
    amount = Dict(metadata={"example": AMOUNT_EXAMPLE})
    params = Dict(metadata={"example": PARAMS_EXAMPLE})
    cases = List(Dict(), metadata={"example": CASES_EXAMPLE})
    materials = List(Nested(MaterialSchema))
    note = String(validate=length(maximum=500), metadata={"example": "调整80周岁以上标准"})


class ItemUpdateSchema(Schema):
    """An item's attributes (who it is for and how it is obtained only while a draft)."""

    name = String(validate=length(minimum=1, maximum=200), metadata={"example": "高龄津贴"})
    subject_type = String(validate=one_of(SubjectKind), metadata={"example": "person"})
    mode = String(validate=one_of(ItemMode), metadata={"example": "auto_grant"})
    benefit = String(validate=length(maximum=200), metadata={"example": "每人每月100元"})
    apply_from = LocalDateTime(allow_none=True, metadata={"example": "2026-01-01T00:00:00+08:00"})
    apply_until = LocalDateTime(allow_none=True, metadata={"example": "2026-12-31T23:59:59+08:00"})
    promised_days = Integer(allow_none=True, validate=at_least(1, 365), metadata={"example": 30})
    budget_fen = Integer(allow_none=True, validate=at_least(0), metadata={"example": 50000000})
    max_grants = Integer(allow_none=True, validate=at_least(1), metadata={"example": 5000})
    guide_text = String(metadata={"example": "本事项免申即享，无需申请。"})
    contact = String(
        allow_none=True, validate=length(maximum=200), metadata={"example": "市民政局 0635-8452202"}
    )


class ItemCreateSchema(ItemUpdateSchema, ContentSchema):
    """A new draft item under a policy, with the content of its first version."""

    code = String(
        validate=pattern(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", "事项代码应为字母、数字、- 或 _"),
        metadata={"example": "LC-MZ-2025-01-01", "description": "省略时按政策代码编号"},
    )
    name = String(
        required=True, validate=length(minimum=1, maximum=200), metadata={"example": "高龄津贴"}
    )
    subject_type = String(
        required=True, validate=one_of(SubjectKind), metadata={"example": "person"}
    )
    mode = String(required=True, validate=one_of(ItemMode), metadata={"example": "auto_grant"})


class VersionSchema(ContentSchema):
    """One version of an item's content."""

    id = Integer(metadata={"example": 41})
    item_id = Integer(metadata={"example": 17})
    version = Integer(metadata={"example": 2})
    status = String(metadata={"example": "published"})
    created_by_id = Integer(allow_none=True)
    created_at = LocalDateTime()
    published_at = LocalDateTime(allow_none=True)


class ItemSchema(ItemUpdateSchema):
    """An item's attributes and state."""

    id = Integer(metadata={"example": 17})
    code = String(metadata={"example": "LC-MZ-2025-01-01"})
    policy_id = Integer(metadata={"example": 12})
    status = String(metadata={"example": "published"})
    current_version_id = Integer(allow_none=True, metadata={"example": 41})
    published_at = LocalDateTime(allow_none=True)
    withdrawn_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class ItemDetailSchema(ItemSchema):
    """An item with its current (published) and draft versions."""

    current_version = Nested(VersionSchema, attribute="current", allow_none=True)
    draft_version = Nested(VersionSchema, attribute="draft", allow_none=True)
