"""一键办理：申请、材料、进度."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from flask_smorest.pagination import PaginationParameters
from werkzeug.datastructures import CombinedMultiDict

from api.blueprint import Blueprint
from api.extensions import db, wechat
from api.input_guard import BodyParser
from api.resident.claim_schemas import (
    ClaimCreateSchema,
    ClaimIdempotencyKeySchema,
    ClaimMaterialSchema,
    ClaimMaterialUploadSchema,
    ClaimQuerySchema,
    ClaimRatingSchema,
    ClaimResubmitSchema,
    ClaimWithdrawSchema,
    ResidentClaimSchema,
    ResidentClaimSummarySchema,
)
from api.resident_auth import current_resident, resident_required
from api.storage import material_download, material_download_doc, storage
from services import claims


class FormAndFilesParser(BodyParser):
    """Read a multipart upload's text fields and files as one set of arguments."""

    def load_files(self, req, schema):
        """Return the files and the form fields together."""
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class ClaimsBlueprint(Blueprint):
    """A blueprint whose `files` arguments also carry the form fields of the same upload."""

    ARGUMENTS_PARSER = FormAndFilesParser()


blp = ClaimsBlueprint(
    "resident_claims",
    __name__,
    url_prefix="/claims",
    description="一键办理：申请、材料、进度",
)


@blp.route("")
class Claims(MethodView):
    """My claims."""

    @resident_required(blp)
    @blp.arguments(ClaimQuerySchema, location="query")
    @blp.response(200, ResidentClaimSummarySchema(many=True))
    @blp.paginate()
    def get(self, filters: dict, pagination_parameters: PaginationParameters):
        """List the claims of my subjects, newest first (status, subject, item)."""
        rows, total = claims.list_my_claims(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        pagination_parameters.item_count = total
        return rows

    @resident_required(blp)
    @blp.arguments(ClaimIdempotencyKeySchema, location="headers")
    @blp.arguments(ClaimCreateSchema)
    @blp.response(201, ResidentClaimSchema)
    @blp.alt_response(
        200, schema=ResidentClaimSchema, description="同一 Idempotency-Key 的重复提交：原申请"
    )
    @blp.alt_response(404, description="办事主体未绑定，或事项不存在")
    @blp.alt_response(409, description="已有办理中的申请，或 Idempotency-Key 已用于另一份申请")
    @blp.alt_response(
        422,
        description=(
            "缺少或不合规的 Idempotency-Key、不符合条件（errors.eligibility 列出原因）、"
            "事项不可申请或缺少材料"
        ),
    )
    def post(self, headers: dict, data: dict):
        """Submit a claim in one tap: eligibility re-checked, the form filled from the profile;
        free text answers pass WeChat's content check first (422 when risky)."""
        screen(claims.form_texts(data.get("form")))
        view, created = claims.submit_claim(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            idempotency_key=headers["idempotency_key"],
            **data,
        )
        return view, 201 if created else 200


@blp.route("/materials")
class Materials(MethodView):
    """Uploading materials."""

    @resident_required(blp)
    @blp.arguments(ClaimMaterialUploadSchema, location="files")
    @blp.response(201, ClaimMaterialSchema)
    @blp.alt_response(404, description="申请不存在")
    @blp.alt_response(409, description="申请当前不能补充材料")
    @blp.alt_response(413, description="文件超过 10 MB")
    @blp.alt_response(422, description="文件类型不支持（按内容判断），或不是本事项要求的材料")
    def post(self, data: dict):
        """Upload one material (PDF, JPG, PNG or xlsx, up to 10 MB), before or after submitting."""
        upload = data["file"]
        if not hasattr(upload, "read"):
            abort(422, message="请以文件上传", errors={"file": ["应为文件"]})
        return claims.upload_material(
            session=db.session,
            storage=storage(),
            wechat_user_id=current_resident().user_id,
            name=data["name"],
            filename=upload.filename or "",
            data=upload.read(claims.MAX_BYTES + 1),
            claim_id=data.get("claim_id"),
        )


@blp.route("/<int:claim_id>")
class ClaimById(MethodView):
    """One of my claims."""

    @resident_required(blp)
    @blp.response(200, ResidentClaimSchema)
    @blp.alt_response(404, description="申请不存在")
    def get(self, claim_id: int):
        """Show a claim with its form, materials and timeline."""
        return claims.get_my_claim(
            session=db.session, wechat_user_id=current_resident().user_id, claim_id=claim_id
        )


@blp.route("/<int:claim_id>/materials/<int:material_id>")
class MyMaterialFile(MethodView):
    """One material of one of my claims."""

    @resident_required(blp)
    @blp.doc(responses=material_download_doc("文件内容"))
    @blp.alt_response(404, description="申请或材料不存在")
    def get(self, claim_id: int, material_id: int):
        """Download a material I gave with my claim."""
        material, data = claims.my_material_file(
            session=db.session,
            storage=storage(),
            wechat_user_id=current_resident().user_id,
            claim_id=claim_id,
            material_id=material_id,
        )
        return material_download(material, data)


@blp.route("/<int:claim_id>/withdraw")
class WithdrawClaim(MethodView):
    """Withdrawing a claim."""

    @resident_required(blp)
    @blp.arguments(ClaimWithdrawSchema, required=False)
    @blp.response(200, ResidentClaimSchema)
    @blp.alt_response(404, description="申请不存在")
    @blp.alt_response(409, description="审核已结束（已通过、未通过、已发放）或已撤回")
    def post(self, data: dict, claim_id: int):
        """Withdraw my claim, until its review ends (the reason passes WeChat's content check)."""
        screen({"reason": data.get("reason")})
        return claims.withdraw_claim(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            claim_id=claim_id,
            reason=data.get("reason"),
        )


@blp.route("/<int:claim_id>/resubmit")
class ResubmitClaim(MethodView):
    """Resubmitting a returned claim (补正)."""

    @resident_required(blp)
    @blp.arguments(ClaimResubmitSchema, required=False)
    @blp.response(200, ResidentClaimSchema)
    @blp.alt_response(404, description="申请不存在")
    @blp.alt_response(409, description="申请不是待补正状态")
    @blp.alt_response(422, description="仍缺少必需的材料，或材料不符合要求")
    def post(self, data: dict, claim_id: int):
        """Add the materials asked for and submit the claim again."""
        screen(claims.form_texts(data.get("form")))
        return claims.resubmit_claim(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            claim_id=claim_id,
            material_ids=data.get("material_ids"),
            form=data.get("form"),
        )


@blp.route("/<int:claim_id>/rating")
class RateClaim(MethodView):
    """Rating the service of a claim (好差评)."""

    @resident_required(blp)
    @blp.arguments(ClaimRatingSchema)
    @blp.response(200, ResidentClaimSchema)
    @blp.alt_response(404, description="申请不存在")
    @blp.alt_response(409, description="办理尚未结束，或已评价")
    def post(self, data: dict, claim_id: int):
        """Rate how my claim was served, once it has ended (paid, rejected or withdrawn); once
        per claim. The comment passes WeChat's content check; staff see the ratings by item."""
        screen({"comment": data.get("comment")})
        return claims.rate_claim(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            claim_id=claim_id,
            score=data["score"],
            comment=data.get("comment"),
        )


def screen(texts: dict) -> None:
    """Run the resident's free text through WeChat's content check (services.claims)."""
    claims.screen_texts(
        session=db.session,
        checker=wechat.gateway,
        wechat_user_id=current_resident().user_id,
        texts=texts,
    )
