"""Policy items: read and edit, save the draft version, publish, withdraw, version history."""

from __future__ import annotations

from flask.views import MethodView

from api.admin.item_schemas import ContentSchema, ItemDetailSchema, ItemUpdateSchema, VersionSchema
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from models import Role
from services import publishing

blp = Blueprint("admin_items", __name__, url_prefix="/items", description="政策事项")

READERS = (Role.ADMIN, Role.PUBLISHER, Role.REVIEWER)
WRITERS = (Role.ADMIN, Role.PUBLISHER)


@blp.route("/<int:item_id>")
class ItemById(MethodView):
    """One item."""

    @staff_required(blp, *READERS)
    @blp.response(200, ItemDetailSchema)
    @blp.alt_response(404, description="政策事项不存在")
    def get(self, item_id: int):
        """Show an item with its current and draft versions."""
        return publishing.get_item(session=db.session, actor=current_actor(), item_id=item_id)

    @staff_required(blp, *WRITERS)
    @blp.arguments(ItemUpdateSchema)
    @blp.response(200, ItemDetailSchema)
    @blp.alt_response(404, description="政策事项不存在")
    @blp.alt_response(409, description="事项状态不允许修改此项")
    def patch(self, changes: dict, item_id: int):
        """Edit an item's attributes; its rule and amount change through the draft."""
        return publishing.update_item(
            session=db.session, actor=current_actor(), item_id=item_id, changes=changes
        )


@blp.route("/<int:item_id>/draft")
class ItemDraft(MethodView):
    """The item's draft version: where its content is edited before publishing."""

    @staff_required(blp, *WRITERS)
    @blp.arguments(ContentSchema)
    @blp.response(200, VersionSchema)
    @blp.alt_response(404, description="政策事项不存在")
    @blp.alt_response(409, description="事项已撤回或失效")
    @blp.alt_response(422, description="规则、金额或参数有误（errors 按 JSON 路径），未保存")
    def put(self, changes: dict, item_id: int):
        """Save the draft; omitted documents are kept from the draft or current version."""
        return publishing.save_draft(
            session=db.session, actor=current_actor(), item_id=item_id, changes=changes
        )

    @staff_required(blp, *WRITERS)
    @blp.response(204)
    @blp.alt_response(404, description="政策事项不存在")
    @blp.alt_response(409, description="没有草稿，或事项尚未发布")
    def delete(self, item_id: int) -> None:
        """Discard a published item's pending draft."""
        publishing.discard_draft(session=db.session, actor=current_actor(), item_id=item_id)


@blp.route("/<int:item_id>/versions")
class ItemVersions(MethodView):
    """The item's version history."""

    @staff_required(blp, *READERS)
    @blp.response(200, VersionSchema(many=True))
    @blp.alt_response(404, description="政策事项不存在")
    def get(self, item_id: int):
        """List every version of an item, newest first."""
        return publishing.item_versions(session=db.session, actor=current_actor(), item_id=item_id)


@blp.route("/<int:item_id>/publish")
class PublishItem(MethodView):
    """Publishing the item's draft version."""

    @staff_required(blp, *WRITERS)
    @blp.response(200, ItemDetailSchema)
    @blp.alt_response(404, description="政策事项不存在")
    @blp.alt_response(409, description="政策未发布、事项已关闭或没有草稿")
    @blp.alt_response(422, description="规则无效或案例未通过（errors 按 JSON 路径，逐个列出案例）")
    def post(self, item_id: int):
        """Publish the draft: the item goes live, or its current version is superseded."""
        return publishing.publish_item(session=db.session, actor=current_actor(), item_id=item_id)


@blp.route("/<int:item_id>/withdraw")
class WithdrawItem(MethodView):
    """Withdrawing an item."""

    @staff_required(blp, *WRITERS)
    @blp.response(200, ItemDetailSchema)
    @blp.alt_response(404, description="政策事项不存在")
    @blp.alt_response(409, description="事项已撤回或失效")
    def post(self, item_id: int):
        """Withdraw an item; its matches end."""
        return publishing.withdraw_item(session=db.session, actor=current_actor(), item_id=item_id)
