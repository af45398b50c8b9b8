"""Departments: listed by any staff member, created and edited by an admin."""

from __future__ import annotations

from flask.views import MethodView

from api.admin.fields import Integer, Schema, String, length, pattern
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from models import Role
from services import publishing

blp = Blueprint("admin_departments", __name__, url_prefix="/departments", description="部门")

STAFF = (Role.ADMIN, Role.PUBLISHER, Role.REVIEWER)
CODE = pattern(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", "部门代码应为字母、数字、- 或 _，最长 32 位")


class DepartmentUpdateSchema(Schema):
    """The department fields an admin may change."""

    code = String(validate=CODE, metadata={"example": "LC-MZ"})
    name = String(validate=length(minimum=1, maximum=100), metadata={"example": "聊城市民政局"})
    short_name = String(validate=length(minimum=1, maximum=40), metadata={"example": "市民政局"})
    phone = String(
        allow_none=True, validate=length(maximum=40), metadata={"example": "0635-8452202"}
    )
    address = String(allow_none=True, validate=length(maximum=200))


class DepartmentCreateSchema(DepartmentUpdateSchema):
    """A new department."""

    code = String(required=True, validate=CODE, metadata={"example": "LC-MZ"})
    name = String(
        required=True, validate=length(minimum=1, maximum=100), metadata={"example": "聊城市民政局"}
    )
    short_name = String(
        required=True, validate=length(minimum=1, maximum=40), metadata={"example": "市民政局"}
    )


class DepartmentSchema(DepartmentUpdateSchema):
    """A department as the API shows it."""

    id = Integer(metadata={"example": 3})


@blp.route("")
class Departments(MethodView):
    """Every department."""

    @staff_required(blp, *STAFF)
    @blp.response(200, DepartmentSchema(many=True))
    def get(self):
        """List the departments."""
        return publishing.list_departments(session=db.session)

    @staff_required(blp, Role.ADMIN)
    @blp.arguments(DepartmentCreateSchema)
    @blp.response(201, DepartmentSchema)
    @blp.alt_response(409, description="部门代码或名称已存在")
    def post(self, data: dict):
        """Create a department (admin)."""
        return publishing.create_department(session=db.session, actor=current_actor(), **data)


@blp.route("/<int:department_id>")
class DepartmentById(MethodView):
    """One department."""

    @staff_required(blp, Role.ADMIN)
    @blp.arguments(DepartmentUpdateSchema)
    @blp.response(200, DepartmentSchema)
    @blp.alt_response(404, description="部门不存在")
    @blp.alt_response(409, description="部门代码或名称已存在")
    def patch(self, changes: dict, department_id: int):
        """Change a department's code, names or contact details (admin)."""
        return publishing.update_department(
            session=db.session, actor=current_actor(), department_id=department_id, changes=changes
        )
