"""Reviewers: the claims of their departments, their materials, and every step to the payout.

A claim of another department answers 404 on every endpoint (as policies do in publishing): a
reviewer does not learn it exists. A staff user without the reviewer or admin role gets 403.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from api.admin.claim_schemas import (
    AdminClaimQuerySchema,
    AdminClaimSchema,
    AdminClaimSummarySchema,
    ClaimApproveSchema,
    ClaimBulkResultSchema,
    ClaimBulkSchema,
    ClaimContactSchema,
    ClaimPaySchema,
    ClaimReasonSchema,
)
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from api.storage import material_download, material_download_doc, storage
from models import Role
from services import claims

blp = Blueprint("admin_claims", __name__, url_prefix="/claims", description="申请审核与兑现")

REVIEWERS = (Role.ADMIN, Role.REVIEWER)


@blp.route("")
class Claims(MethodView):
    """The claims the caller reviews."""

    @staff_required(blp, *REVIEWERS)
    @blp.arguments(AdminClaimQuerySchema, location="query")
    @blp.response(200, AdminClaimSummarySchema(many=True))
    @blp.paginate()
    def get(self, filters: dict, pagination_parameters: PaginationParameters):
        """List claims, longest waiting or soonest due first (department, status, item, overdue,
        days waiting)."""
        rows, total = claims.list_claims(
            session=db.session,
            actor=current_actor(),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/<int:claim_id>")
class ClaimById(MethodView):
    """One claim."""

    @staff_required(blp, *REVIEWERS)
    @blp.response(200, AdminClaimSchema)
    @blp.alt_response(404, description="申请不存在")
    def get(self, claim_id: int):
        """Show a claim with its form, materials and timeline."""
        return claims.get_claim(session=db.session, actor=current_actor(), claim_id=claim_id)


@blp.route("/<int:claim_id>/materials/<int:material_id>")
class MaterialFile(MethodView):
    """One material's file."""

    @staff_required(blp, *REVIEWERS)
    @blp.doc(responses=material_download_doc("文件内容（下载记入审计日志）"))
    @blp.alt_response(404, description="申请或材料不存在")
    def get(self, claim_id: int, material_id: int):
        """Download a claim's material (staff only; audited)."""
        material, data = claims.material_file(
            session=db.session,
            actor=current_actor(),
            storage=storage(),
            claim_id=claim_id,
            material_id=material_id,
        )
        return material_download(material, data)


@blp.route("/<int:claim_id>/contact")
class ClaimContact(MethodView):
    """The applicant's 联系电话, for a reviewer who has to call."""

    @staff_required(blp, *REVIEWERS)
    @blp.response(200, ClaimContactSchema)
    @blp.alt_response(404, description="申请不存在，或申请人未留联系电话")
    def get(self, claim_id: int):
        """Read the applicant's 联系电话 in full (the claim shows it masked); audited: the log
        says who read whose number and when."""
        contact = claims.contact_phone(session=db.session, actor=current_actor(), claim_id=claim_id)
        return contact, 200, {"Cache-Control": "no-store"}


@blp.route("/<int:claim_id>/review")
class ReviewClaim(MethodView):
    """Taking a claim into review."""

    @staff_required(blp, *REVIEWERS)
    @blp.response(200, AdminClaimSummarySchema)
    @blp.alt_response(404, description="申请不存在")
    @blp.alt_response(409, description="申请不是已提交状态")
    def post(self, claim_id: int):
        """Take a submitted claim into review (submitted -> reviewing)."""
        return claims.review_claim(session=db.session, actor=current_actor(), claim_id=claim_id)


@blp.route("/<int:claim_id>/approve")
class ApproveClaim(MethodView):
    """Approving a claim."""

    @staff_required(blp, *REVIEWERS)
    @blp.arguments(ClaimApproveSchema, required=False)
    @blp.response(200, AdminClaimSummarySchema)
    @blp.alt_response(404, description="申请不存在")
    @blp.alt_response(409, description="申请不在审核中，或事项名额已满、预算不足")
    def post(self, data: dict, claim_id: int):
        """Approve a claim under review; the item's places and budget are taken now."""
        return claims.approve_claim(
            session=db.session, actor=current_actor(), claim_id=claim_id, **data
        )


@blp.route("/<int:claim_id>/reject")
class RejectClaim(MethodView):
    """Rejecting a claim."""

    @staff_required(blp, *REVIEWERS)
    @blp.arguments(ClaimReasonSchema)
    @blp.response(200, AdminClaimSummarySchema)
    @blp.alt_response(404, description="申请不存在")
    @blp.alt_response(409, description="审核已结束")
    def post(self, data: dict, claim_id: int):
        """Reject a submitted or reviewed claim, saying why."""
        return claims.reject_claim(
            session=db.session, actor=current_actor(), claim_id=claim_id, **data
        )


@blp.route("/<int:claim_id>/return")
class ReturnClaim(MethodView):
    """Returning a claim for correction."""

    @staff_required(blp, *REVIEWERS)
    @blp.arguments(ClaimReasonSchema)
    @blp.response(200, AdminClaimSummarySchema)
    @blp.alt_response(404, description="申请不存在")
    @blp.alt_response(409, description="审核已结束")
    def post(self, data: dict, claim_id: int):
        """Return a claim to the resident for correction (补正), saying what is needed."""
        return claims.return_claim(
            session=db.session, actor=current_actor(), claim_id=claim_id, **data
        )


@blp.route("/<int:claim_id>/pay")
class PayClaim(MethodView):
    """Registering a payout."""

    @staff_required(blp, *REVIEWERS)
    @blp.arguments(ClaimPaySchema)
    @blp.response(200, AdminClaimSummarySchema)
    @blp.alt_response(404, description="申请不存在")
    @blp.alt_response(409, description="申请未通过审核或已发放")
    def post(self, data: dict, claim_id: int):
        """Register the payout (兑现) of an approved claim: amount and payment reference."""
        return claims.pay_claim(
            session=db.session, actor=current_actor(), claim_id=claim_id, **data
        )


@blp.route("/bulk")
class BulkClaims(MethodView):
    """One action on many claims."""

    @staff_required(blp, *REVIEWERS)
    @blp.arguments(ClaimBulkSchema)
    @blp.response(200, ClaimBulkResultSchema)
    def post(self, data: dict):
        """Apply one action to many claims, each in its own transaction, with a result per id."""
        ids, action = data.pop("ids"), data.pop("action")
        results = claims.bulk(
            session=db.session, actor=current_actor(), ids=ids, action=action, **data
        )
        return {"results": results}
