"""Policies: list, create, read, edit, publish and withdraw; and the items under a policy."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from api.admin.fields import List, Schema, String
from api.admin.item_schemas import ItemCreateSchema, ItemDetailSchema, ItemSchema
from api.admin.policy_schemas import (
    PolicyCreateSchema,
    PolicyQuerySchema,
    PolicySchema,
    PolicySummarySchema,
    PolicyUpdateSchema,
)
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from models import CATEGORIES, Role
from services import publishing

blp = Blueprint("admin_policies", __name__, url_prefix="/policies", description="政策")

READERS = (Role.ADMIN, Role.PUBLISHER, Role.REVIEWER)
WRITERS = (Role.ADMIN, Role.PUBLISHER)


@blp.route("")
class Policies(MethodView):
    """The policies the caller may read."""

    @staff_required(blp, *READERS)
    @blp.arguments(PolicyQuerySchema, location="query")
    @blp.response(200, PolicySummarySchema(many=True))
    @blp.paginate()
    def get(self, filters: dict, pagination_parameters: PaginationParameters):
        """List policies, newest first (department, status, category, keyword in title)."""
        rows, total = publishing.list_policies(
            session=db.session,
            actor=current_actor(),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        pagination_parameters.item_count = total
        return rows

    @staff_required(blp, *WRITERS)
    @blp.arguments(PolicyCreateSchema)
    @blp.response(201, PolicySchema)
    @blp.alt_response(409, description="政策代码已存在")
    def post(self, data: dict):
        """Create a draft policy in my department."""
        return publishing.create_policy(session=db.session, actor=current_actor(), **data)


class CategoriesSchema(Schema):
    """Every category."""

    categories = List(String(), metadata={"example": ["就业创业", "养老服务"]})


@blp.route("/categories")
class Categories(MethodView):
    """The categories a policy is filed under (政策分类)."""

    @staff_required(blp, *READERS)
    @blp.response(200, CategoriesSchema)
    def get(self):
        """List the categories, in the order the catalog shows them."""
        return {"categories": list(CATEGORIES)}


@blp.route("/<int:policy_id>")
class PolicyById(MethodView):
    """One policy."""

    @staff_required(blp, *READERS)
    @blp.response(200, PolicySchema)
    @blp.alt_response(404, description="政策不存在")
    def get(self, policy_id: int):
        """Show a policy with its items."""
        return publishing.get_policy(session=db.session, actor=current_actor(), policy_id=policy_id)

    @staff_required(blp, *WRITERS)
    @blp.arguments(PolicyUpdateSchema)
    @blp.response(200, PolicySchema)
    @blp.alt_response(404, description="政策不存在")
    @blp.alt_response(409, description="政策状态不允许修改此项")
    def patch(self, changes: dict, policy_id: int):
        """Edit a draft policy, or correct a published policy's texts."""
        return publishing.update_policy(
            session=db.session, actor=current_actor(), policy_id=policy_id, changes=changes
        )


@blp.route("/<int:policy_id>/publish")
class PublishPolicy(MethodView):
    """Publishing a draft policy with its draft items."""

    @staff_required(blp, *WRITERS)
    @blp.response(200, PolicySchema)
    @blp.alt_response(404, description="政策不存在")
    @blp.alt_response(409, description="政策不是草稿")
    @blp.alt_response(422, description="没有可发布的事项，或事项未通过检查（errors 按事项和路径）")
    def post(self, policy_id: int):
        """Publish a draft policy and every draft item of it."""
        return publishing.publish_policy(
            session=db.session, actor=current_actor(), policy_id=policy_id
        )


@blp.route("/<int:policy_id>/withdraw")
class WithdrawPolicy(MethodView):
    """Withdrawing a published policy."""

    @staff_required(blp, *WRITERS)
    @blp.response(200, PolicySchema)
    @blp.alt_response(404, description="政策不存在")
    @blp.alt_response(409, description="政策未发布")
    def post(self, policy_id: int):
        """Withdraw a published policy and its items."""
        return publishing.withdraw_policy(
            session=db.session, actor=current_actor(), policy_id=policy_id
        )


@blp.route("/<int:policy_id>/items")
class PolicyItems(MethodView):
    """The items of a policy."""

    @staff_required(blp, *READERS)
    @blp.response(200, ItemSchema(many=True))
    @blp.alt_response(404, description="政策不存在")
    def get(self, policy_id: int):
        """List a policy's items."""
        return publishing.list_items(session=db.session, actor=current_actor(), policy_id=policy_id)

    @staff_required(blp, *WRITERS)
    @blp.arguments(ItemCreateSchema)
    @blp.response(201, ItemDetailSchema)
    @blp.alt_response(404, description="政策不存在")
    @blp.alt_response(409, description="政策已撤回或失效，或事项代码已存在")
    def post(self, data: dict, policy_id: int):
        """Create a draft item with its first draft version; an invalid rule is refused."""
        return publishing.create_item(
            session=db.session, actor=current_actor(), policy_id=policy_id, **data
        )
