"""政策与事项：条件查询、详情."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from api.blueprint import Blueprint
from api.extensions import db
from api.resident.catalog_schemas import (
    CatalogItemDetailSchema,
    CatalogItemSchema,
    CatalogPolicyDetailSchema,
    CatalogPolicySchema,
    CatalogQuerySchema,
)
from api.resident_auth import _resident_from_request
from models.clock import local_now, utcnow
from services import catalog
from services.residents import bound_subject_ids

blp = Blueprint(
    "resident_catalog",
    __name__,
    url_prefix="",
    description="政策与事项：条件查询、详情",
)
OPTIONAL_LOGIN: list[dict[str, list[str]]] = [{}, {"residentToken": []}]


def _filters(args: dict) -> catalog.Filters:
    return catalog.Filters(keyword=args.pop("q", None), **args)


def _my_subjects() -> list[int]:
    """Return the caller's subjects when a resident token is sent (optional login)."""
    if not request.headers.get("Authorization"):
        return []
    resident = _resident_from_request()
    return bound_subject_ids(db.session, resident.user_id)


@blp.route("/policies")
class Policies(MethodView):
    """Published policies."""

    @blp.arguments(CatalogQuerySchema, location="query")
    @blp.response(200, CatalogPolicySchema(many=True))
    @blp.paginate()
    def get(self, args: dict, pagination_parameters: PaginationParameters):
        """Search published policies by keyword (Chinese words) and filters; no login needed."""
        rows, total = catalog.list_policies(
            session=db.session,
            filters=_filters(args),
            now=utcnow(),
            today=local_now().date(),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/policies/<int:policy_id>")
class PolicyById(MethodView):
    """One published policy."""

    @blp.doc(security=OPTIONAL_LOGIN)
    @blp.response(200, CatalogPolicyDetailSchema)
    @blp.alt_response(401, description="带了无效或过期的令牌（不带令牌可匿名查看）")
    @blp.alt_response(404, description="政策不存在或已下线")
    def get(self, policy_id: int):
        """Show a policy: text, 解读, source, live items; logged in: how my subjects stand."""
        return catalog.policy_detail(
            session=db.session,
            policy_id=policy_id,
            subject_ids=_my_subjects(),
            now=utcnow(),
            today=local_now().date(),
        )


@blp.route("/items")
class Items(MethodView):
    """Live policy items."""

    @blp.arguments(CatalogQuerySchema, location="query")
    @blp.response(200, CatalogItemSchema(many=True))
    @blp.paginate()
    def get(self, args: dict, pagination_parameters: PaginationParameters):
        """Search live items by keyword (Chinese words) and filters; no login needed."""
        rows, total = catalog.list_items(
            session=db.session,
            filters=_filters(args),
            now=utcnow(),
            today=local_now().date(),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/items/<int:item_id>")
class ItemById(MethodView):
    """One live item."""

    @blp.doc(security=OPTIONAL_LOGIN)
    @blp.response(200, CatalogItemDetailSchema)
    @blp.alt_response(401, description="带了无效或过期的令牌（不带令牌可匿名查看）")
    @blp.alt_response(404, description="政策事项不存在或已下线")
    def get(self, item_id: int):
        """Show an item: materials, window, amount, guide; logged in: my subjects' explanation."""
        return catalog.item_detail(
            session=db.session,
            item_id=item_id,
            subject_ids=_my_subjects(),
            now=utcnow(),
            today=local_now().date(),
        )
