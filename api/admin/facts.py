"""The facts catalog (指标目录): read by any staff member, managed by admins and 数据管理员."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from api.admin.fields import (
    COMMON,
    Boolean,
    Dict,
    Integer,
    List,
    LocalDateTime,
    Nested,
    Number,
    Schema,
    String,
    length,
    one_of,
)
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from models import FactStatus, Role, SubjectKind
from rules import FactType
from rules.catalog import CODE_TABLES
from services import facts

blp = Blueprint("admin_facts", __name__, url_prefix="/facts", description="指标目录（管理）")

READERS = (Role.ADMIN, Role.CATALOG, Role.PUBLISHER, Role.REVIEWER)
MANAGERS = (Role.ADMIN, Role.CATALOG)


class FactChangesSchema(Schema):
    """What may be written of a fact; the service says which fields a fact in use keeps."""

    label = String(validate=length(minimum=1, maximum=64), metadata={"example": "参保人数"})
    description = String(validate=length(maximum=2000))
    unit = String(validate=length(maximum=16), metadata={"example": "人"})
    minimum = Number(allow_none=True, metadata={"example": 0})
    maximum = Number(allow_none=True)
    choices = List(
        ma.fields.Raw(error_messages=COMMON),
        metadata={
            "description": "enum / tags 的可选值，按顺序；已启用的指标只能在末尾新增",
            "example": [{"value": "large", "label": "大型"}, {"value": "medium", "label": "中型"}],
        },
    )
    sensitive = Boolean(metadata={"description": "敏感：解释中只显示“已核验”，不显示取值"})
    source_field = String(validate=length(maximum=128), metadata={"example": "SB_CBRS"})
    subject_type = String(validate=one_of(SubjectKind))
    key = String(validate=length(minimum=2, maximum=64), metadata={"example": "insured_headcount"})
    type = String(validate=one_of(FactType))
    scale = Integer(allow_none=True)
    ordered = Boolean()
    code_table = String(allow_none=True, validate=one_of(CODE_TABLES))
    derivation = Dict(
        allow_none=True,
        metadata={
            "description": '推算指标的推算方式，如 {"years_since": "birth_date"}',
            "example": None,
        },
    )
    status = String(validate=one_of(FactStatus))


class FactCreateSchema(FactChangesSchema):
    """A new fact (a draft unless status is active)."""

    subject_type = String(required=True, validate=one_of(SubjectKind))
    key = String(
        required=True,
        validate=length(minimum=2, maximum=64),
        metadata={"example": "insured_headcount"},
    )
    label = String(
        required=True, validate=length(minimum=1, maximum=64), metadata={"example": "参保人数"}
    )
    type = String(required=True, validate=one_of(FactType), metadata={"example": "integer"})


class FactSchema(Schema):
    """A fact as staff see it."""

    id = Integer()
    subject_type = String()
    key = String()
    label = String()
    description = String()
    type = String()
    scale = Integer(allow_none=True)
    unit = String()
    minimum = Number(allow_none=True)
    maximum = Number(allow_none=True)
    choices = List(List(String()))
    ordered = Boolean()
    code_table = String(allow_none=True)
    derivation = Dict(allow_none=True)
    sensitive = Boolean()
    source_field = String()
    status = String()
    revision = Integer()
    created_at = LocalDateTime()
    updated_at = LocalDateTime()


class UsedItemSchema(Schema):
    """A live item whose rule or amount names the fact."""

    id = Integer()
    code = String()
    name = String()


class UsedFactSchema(Schema):
    """A derived fact computed from the fact."""

    id = Integer()
    key = String()
    label = String()


class UsersSchema(Schema):
    """What uses a fact."""

    items = List(Nested(UsedItemSchema))
    derived_facts = List(Nested(UsedFactSchema))


class FactDetailSchema(FactSchema):
    """A fact with what uses it."""

    used_by = Nested(UsersSchema)


class FactQuerySchema(Schema):
    """Filters of the list."""

    subject_type = String(validate=one_of(SubjectKind))
    status = String(validate=one_of(FactStatus))


@blp.route("")
class Facts(MethodView):
    """Every fact, drafts and deprecated ones included."""

    @staff_required(blp, *READERS)
    @blp.arguments(FactQuerySchema, location="query")
    @blp.response(200, FactSchema(many=True))
    def get(self, args: dict):
        """List the facts, in catalog order."""
        return facts.list_facts(session=db.session, **args)

    @staff_required(blp, *MANAGERS)
    @blp.arguments(FactCreateSchema)
    @blp.response(201, FactSchema)
    @blp.alt_response(409, description="同名指标已存在")
    def post(self, data: dict):
        """Add a fact (admin, 数据管理员). It is a draft, unless status says active."""
        return facts.create_fact(session=db.session, actor=current_actor(), document=data)


@blp.route("/<int:fact_id>")
class FactById(MethodView):
    """One fact."""

    @staff_required(blp, *READERS)
    @blp.response(200, FactDetailSchema)
    @blp.alt_response(404, description="指标不存在")
    def get(self, fact_id: int):
        """Show a fact and the live items and derived facts that use it."""
        return facts.get_fact(session=db.session, fact_id=fact_id)

    @staff_required(blp, *MANAGERS)
    @blp.arguments(FactChangesSchema)
    @blp.response(200, FactSchema)
    @blp.alt_response(404, description="指标不存在")
    @blp.alt_response(409, description="已启用的指标不能这样修改，或仍在使用不能停用")
    def patch(self, changes: dict, fact_id: int):
        """Change a fact. Once active, its key, type and derivation stay; a vocabulary only
        grows at its end; status goes draft → active ⇄ deprecated (not while live items or
        derived facts use it)."""
        return facts.update_fact(
            session=db.session, actor=current_actor(), fact_id=fact_id, changes=changes
        )

    @staff_required(blp, *MANAGERS)
    @blp.response(204)
    @blp.alt_response(404, description="指标不存在")
    @blp.alt_response(409, description="启用过的指标不能删除")
    def delete(self, fact_id: int):
        """Delete a draft."""
        facts.delete_fact(session=db.session, actor=current_actor(), fact_id=fact_id)
