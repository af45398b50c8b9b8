"""消息与订阅: the inbox (my messages, read state, push state) and subscribe-message requests."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from api.blueprint import Blueprint
from api.extensions import db, settings_of
from api.resident.inbox_schemas import (
    MarkedSchema,
    MessageQuerySchema,
    MessageSchema,
    SceneQuerySchema,
    SubscribeRecordedSchema,
    SubscribeRequestsSchema,
    SubscribeResultsSchema,
    UnreadSchema,
)
from api.resident_auth import current_resident, resident_required
from services import residents, subscriptions

blp = Blueprint(
    "resident_inbox",
    __name__,
    url_prefix="/me",
    description="消息与订阅",
)


@blp.route("/subscriptions/templates")
class SubscriptionTemplates(MethodView):
    """The subscribe templates a page asks for."""

    @resident_required(blp)
    @blp.arguments(SceneQuerySchema, location="query")
    @blp.response(200, SubscribeRequestsSchema)
    def get(self, query: dict):
        """List the wx.requestSubscribeMessage calls this page should make, with my counts."""
        settings = settings_of()
        groups = subscriptions.request_groups(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            scene=query["scene"],
            template_ids=settings.wechat_templates,
            long_term_templates=settings.wechat_long_term_templates,
        )
        return {"scene": query["scene"], "groups": groups}


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    """What I allowed in the subscribe popup."""

    @resident_required(blp)
    @blp.arguments(SubscribeResultsSchema)
    @blp.response(200, SubscribeRecordedSchema)
    def post(self, data: dict):
        """Record my answer to wx.requestSubscribeMessage; return what I have allowed now."""
        settings = settings_of()
        templates = subscriptions.record_client_results(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            results=data["results"],
            template_ids=settings.wechat_templates,
            long_term_templates=settings.wechat_long_term_templates,
        )
        return {"templates": templates}


@blp.route("/messages")
class Messages(MethodView):
    """My inbox."""

    @resident_required(blp)
    @blp.arguments(MessageQuerySchema, location="query")
    @blp.response(200, MessageSchema(many=True))
    @blp.paginate()
    def get(self, query: dict, pagination_parameters: PaginationParameters):
        """List my messages, newest first, with read and push state."""
        rows, total = residents.list_messages(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            unread_only=query["unread_only"],
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/messages/unread-count")
class UnreadCount(MethodView):
    """How many of my messages are unread."""

    @resident_required(blp)
    @blp.response(200, UnreadSchema)
    def get(self):
        """Count my unread messages."""
        count = residents.unread_count(
            session=db.session, wechat_user_id=current_resident().user_id
        )
        return {"unread": count}


@blp.route("/messages/<int:message_id>/read")
class ReadMessage(MethodView):
    """Reading one message."""

    @resident_required(blp)
    @blp.response(200, MessageSchema)
    @blp.alt_response(404, description="消息不存在或不属于我")
    def post(self, message_id: int):
        """Mark one of my messages read."""
        return residents.mark_read(
            session=db.session, wechat_user_id=current_resident().user_id, message_id=message_id
        )


@blp.route("/messages/read-all")
class ReadAllMessages(MethodView):
    """Reading every message."""

    @resident_required(blp)
    @blp.response(200, MarkedSchema)
    def post(self):
        """Mark all my messages read."""
        marked = residents.mark_all_read(
            session=db.session, wechat_user_id=current_resident().user_id
        )
        return {"marked": marked}
