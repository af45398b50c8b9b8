"""Reviewers: the grants (免申即享) of their departments, and their payouts.

As for claims, a grant of another department answers 404; a staff user who is neither reviewer
nor admin gets 403.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from api.admin.claim_schemas import AdminGrantQuerySchema, AdminGrantSchema, GrantPaySchema
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from models import Role
from services import claims

blp = Blueprint("admin_grants", __name__, url_prefix="/grants", description="免申即享兑现")

REVIEWERS = (Role.ADMIN, Role.REVIEWER)


@blp.route("")
class Grants(MethodView):
    """The grants the caller reviews."""

    @staff_required(blp, *REVIEWERS)
    @blp.arguments(AdminGrantQuerySchema, location="query")
    @blp.response(200, AdminGrantSchema(many=True))
    @blp.paginate()
    def get(self, filters: dict, pagination_parameters: PaginationParameters):
        """List grants, oldest first (department, status, item)."""
        rows, total = claims.list_grants(
            session=db.session,
            actor=current_actor(),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/<int:grant_id>/pay")
class PayGrant(MethodView):
    """Registering a grant's payout."""

    @staff_required(blp, *REVIEWERS)
    @blp.arguments(GrantPaySchema)
    @blp.response(200, AdminGrantSchema)
    @blp.alt_response(404, description="待遇不存在")
    @blp.alt_response(409, description="未经本人确认、已发放或已放弃，或事项名额已满、预算不足")
    def post(self, data: dict, grant_id: int):
        """Register the payout of a confirmed grant (writes a payout_done message)."""
        return claims.pay_grant(
            session=db.session, actor=current_actor(), grant_id=grant_id, **data
        )
