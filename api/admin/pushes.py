"""消息推送: where pushes stand, failed ones with WeChat's error, sending them again (admins)."""

from __future__ import annotations

from flask.views import MethodView

from api.admin.fields import Dict, Integer, List, LocalDateTime, Nested, Schema, String, at_least
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from models import Role
from services import operations

blp = Blueprint("admin_pushes", __name__, url_prefix="/pushes", description="消息推送")


class TemplateQuotaSchema(Schema):
    """Residents who can still be sent a template's message."""

    template_id = String()
    residents = Integer()
    remaining = Integer(metadata={"description": "剩余可发送次数合计"})


class PushStatusSchema(Schema):
    """How many outbox messages and deliveries are in each status, and the quotas left."""

    outbox = Dict(keys=String(), values=Integer(), metadata={"example": {"queued": 12}})
    deliveries = Dict(keys=String(), values=Integer(), metadata={"example": {"sent": 830}})
    subscriptions = List(Nested(TemplateQuotaSchema))


class FailedDeliverySchema(Schema):
    """A delivery that failed, with WeChat's last answer (openid masked)."""

    id = Integer()
    topic = String(metadata={"example": "new_matches"})
    template_id = String(allow_none=True)
    attempts = Integer()
    errcode = Integer(allow_none=True, metadata={"example": 47003})
    error = String(allow_none=True, metadata={"example": "argument invalid!"})
    created_at = LocalDateTime()
    openid = String(metadata={"example": "o-al…lice"})


class FailedQuerySchema(Schema):
    """How many to list."""

    limit = Integer(strict=False, validate=at_least(1, 500), load_default=50)


class RetrySchema(Schema):
    """Which failed deliveries to send again (none given: all of them)."""

    ids = List(Integer(validate=at_least(1)), metadata={"example": [301, 302]})


class RetriedSchema(Schema):
    """How many deliveries were queued again."""

    retried = Integer()


@blp.route("/status")
class PushStatus(MethodView):
    """Where pushes stand."""

    @staff_required(blp, Role.ADMIN)
    @blp.response(200, PushStatusSchema)
    def get(self):
        """Count outbox messages and deliveries by status, and the subscription quotas left."""
        counts = operations.status_counts(session=db.session)
        return {**counts, "subscriptions": operations.subscription_counts(session=db.session)}


@blp.route("/failed")
class FailedPushes(MethodView):
    """Failed deliveries."""

    @staff_required(blp, Role.ADMIN)
    @blp.arguments(FailedQuerySchema, location="query")
    @blp.response(200, FailedDeliverySchema(many=True))
    def get(self, args: dict):
        """List the newest failed deliveries with WeChat's last error."""
        return operations.failed(session=db.session, limit=args["limit"])


@blp.route("/retry")
class RetryPushes(MethodView):
    """Sending failed deliveries again."""

    @staff_required(blp, Role.ADMIN)
    @blp.arguments(RetrySchema)
    @blp.response(200, RetriedSchema)
    def post(self, data: dict):
        """Queue failed deliveries again (attempts start over); audited."""
        retried = operations.retry(session=db.session, actor=current_actor(), ids=data.get("ids"))
        return {"retried": retried}
