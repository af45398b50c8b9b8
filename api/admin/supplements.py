"""Reviewers: self-declared facts (补充信息) for their departments' items, their materials, and
the decision. Another department's declaration answers 404, as its claims do."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from api.admin.claim_schemas import ClaimReasonSchema
from api.admin.fields import Integer, List, LocalDateTime, Nested, Schema, String, one_of
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from api.storage import material_download, material_download_doc, storage
from models import Role, SupplementStatus
from services import supplements

blp = Blueprint(
    "admin_supplements", __name__, url_prefix="/supplements", description="补充信息审核"
)

REVIEWERS = (Role.ADMIN, Role.REVIEWER)


class SupplementQuerySchema(Schema):
    """Filters."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    status = String(validate=one_of(SupplementStatus), metadata={"example": "pending"})
    item_id = Integer(strict=False, metadata={"example": 27})


class SupplementMaterialSchema(Schema):
    """One material of a declaration."""

    id = Integer(metadata={"example": 31})
    name = String(metadata={"example": "残疾人证"})
    filename = String(metadata={"example": "残疾人证.jpg"})
    content_type = String(metadata={"example": "image/jpeg"})
    size = Integer(metadata={"example": 182044})
    download_url = String(metadata={"example": "/api/v1/admin/supplements/7/materials/31"})


class AdminSupplementSummarySchema(Schema):
    """A declaration as its reviewer sees it: the subject masked, the value declared, the
    profile's value now."""

    id = Integer(metadata={"example": 7})
    reference = String(
        metadata={"description": "编号（居民收到的通知中的申请编号）", "example": "BC00000007"}
    )
    subject_id = Integer(metadata={"example": 1042})
    subject_kind = String(metadata={"example": "person"})
    subject_name = String(metadata={"example": "张*"})
    item_id = Integer(metadata={"example": 27})
    item_name = String(metadata={"example": "残疾人两项补贴"})
    department_id = Integer(metadata={"example": 3})
    fact = String(metadata={"example": "disability_level"})
    label = String(metadata={"example": "残疾等级"})
    fact_type = String(allow_none=True, metadata={"example": "enum"})
    unit = String(metadata={"example": ""})
    value = ma.fields.Raw(metadata={"example": "二级"})
    current_value = ma.fields.Raw(allow_none=True, metadata={"description": "档案中的现值"})
    note = String(allow_none=True)
    status = String(validate=one_of(SupplementStatus), metadata={"example": "pending"})
    reason = String(allow_none=True)
    reviewer_id = Integer(allow_none=True)
    created_at = LocalDateTime()
    reviewed_at = LocalDateTime(allow_none=True)


class AdminSupplementSchema(AdminSupplementSummarySchema):
    """A declaration with its materials."""

    materials = List(Nested(SupplementMaterialSchema))


@blp.route("")
class Supplements(MethodView):
    """The declarations the caller reviews."""

    @staff_required(blp, *REVIEWERS)
    @blp.arguments(SupplementQuerySchema, location="query")
    @blp.response(200, AdminSupplementSummarySchema(many=True))
    @blp.paginate()
    def get(self, filters: dict, pagination_parameters: PaginationParameters):
        """List declarations, longest waiting first (status, item)."""
        rows, total = supplements.list_supplements(
            session=db.session,
            actor=current_actor(),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/<int:supplement_id>")
class SupplementById(MethodView):
    """One declaration."""

    @staff_required(blp, *REVIEWERS)
    @blp.response(200, AdminSupplementSchema)
    @blp.alt_response(404, description="补充信息不存在")
    def get(self, supplement_id: int):
        """Show a declaration with its materials."""
        return supplements.get_supplement(
            session=db.session, actor=current_actor(), supplement_id=supplement_id
        )


@blp.route("/<int:supplement_id>/materials/<int:material_id>")
class SupplementFile(MethodView):
    """One material's file."""

    @staff_required(blp, *REVIEWERS)
    @blp.doc(responses=material_download_doc("文件内容（下载记入审计日志）"))
    @blp.alt_response(404, description="补充信息或材料不存在")
    def get(self, supplement_id: int, material_id: int):
        """Download a declaration's material (audited)."""
        material, data = supplements.supplement_file(
            session=db.session,
            actor=current_actor(),
            storage=storage(),
            supplement_id=supplement_id,
            material_id=material_id,
        )
        return material_download(material, data)


@blp.route("/<int:supplement_id>/approve")
class ApproveSupplement(MethodView):
    """Approving a declaration."""

    @staff_required(blp, *REVIEWERS)
    @blp.response(200, AdminSupplementSchema)
    @blp.alt_response(404, description="补充信息不存在")
    @blp.alt_response(409, description="已审核，或档案中已有该信息")
    def post(self, supplement_id: int):
        """Approve: the value enters the profile and the subject is matched again at once."""
        return supplements.approve_supplement(
            session=db.session, actor=current_actor(), supplement_id=supplement_id
        )


@blp.route("/<int:supplement_id>/reject")
class RejectSupplement(MethodView):
    """Refusing a declaration."""

    @staff_required(blp, *REVIEWERS)
    @blp.arguments(ClaimReasonSchema)
    @blp.response(200, AdminSupplementSchema)
    @blp.alt_response(404, description="补充信息不存在")
    @blp.alt_response(409, description="已审核")
    def post(self, data: dict, supplement_id: int):
        """Refuse, saying why (the resident sees the reason and may declare again)."""
        return supplements.reject_supplement(
            session=db.session,
            actor=current_actor(),
            supplement_id=supplement_id,
            reason=data["reason"],
        )
