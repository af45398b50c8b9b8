"""审计日志: who did what, to which object, when, with the values before and after (admins)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from api.admin.fields import Dict, Integer, LocalDateTime, Schema, String, length
from api.auth import staff_required
from api.blueprint import Blueprint
from api.extensions import db
from models import Role
from services import audit

blp = Blueprint("admin_audit", __name__, url_prefix="/audit", description="审计日志")


class AuditQuerySchema(Schema):
    """Filters of the audit log."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    action = String(
        validate=length(maximum=64),
        metadata={"description": "操作，按前缀：fact. 为指标目录的全部变更", "example": "fact."},
    )
    object_type = String(validate=length(maximum=40), metadata={"example": "fact_definitions"})
    object_id = String(validate=length(maximum=64), metadata={"example": "42"})
    actor = String(validate=length(maximum=100), metadata={"description": "操作人（名称包含）"})
    since = LocalDateTime(
        metadata={"description": "起（含）", "example": "2026-12-01T00:00:00+08:00"}
    )
    until = LocalDateTime(metadata={"description": "止（不含）"})


class AuditEntrySchema(Schema):
    """One entry of the audit log."""

    id = Integer()
    at = LocalDateTime()
    actor_kind = String(metadata={"example": "staff"})
    actor_name = String(metadata={"example": "演示数据管理员"})
    action = String(metadata={"example": "fact.create"})
    object_type = String(metadata={"example": "fact_definitions"})
    object_id = String(metadata={"example": "42"})
    before = Dict(allow_none=True)
    after = Dict(allow_none=True)
    request_id = String(allow_none=True)
    ip = String(allow_none=True)


@blp.route("")
class AuditLog(MethodView):
    """The audit log."""

    @staff_required(blp, Role.ADMIN)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True))
    @blp.paginate()
    def get(self, filters: dict, pagination_parameters: PaginationParameters):
        """List entries, newest first (admin)."""
        rows, total = audit.list_entries(
            session=db.session,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        pagination_parameters.item_count = total
        return rows
