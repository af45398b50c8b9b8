"""我的政策：可享事项、红利预期."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

import orjson
from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from werkzeug.datastructures import MultiDict

from api.admin.fields import Boolean, Integer, LocalDateTime, Nested, Schema, String, one_of
from api.blueprint import Blueprint
from api.extensions import db
from api.resident_auth import current_resident, resident_required
from models import ClaimStatus, GrantStatus, ItemMode, SubjectKind
from models.clock import local_now
from services import residents

blp = Blueprint(
    "resident_matches",
    __name__,
    url_prefix="/me",
    description="我的政策：可享事项、红利预期",
)


class MatchItemSchema(Schema):
    """The item matched."""

    id = Integer(metadata={"example": 18})
    code = String(metadata={"example": "LC-MZ-2025-01-01"})
    name = String(metadata={"example": "高龄津贴"})
    mode = String(validate=one_of(ItemMode), metadata={"example": "auto_grant"})


class MatchPolicySchema(Schema):
    """The policy of the item."""

    id = Integer(metadata={"example": 8})
    title = String(metadata={"example": "聊城市高龄津贴发放管理办法"})


class MatchDepartmentSchema(Schema):
    """The department that published it."""

    id = Integer(metadata={"example": 2})
    short_name = String(metadata={"example": "市民政局"})


class MatchSubjectSchema(Schema):
    """Which of my subjects (本人、企业) it is for; the name masked."""

    id = Integer(metadata={"example": 12})
    kind = String(validate=one_of(SubjectKind), metadata={"example": "person"})
    name = String(metadata={"example": "张*"})


class MatchClaimSchema(Schema):
    """The latest claim of this subject for the item."""

    id = Integer(metadata={"example": 5})
    claim_no = String(metadata={"example": "KX202611270001"})
    status = String(validate=one_of(ClaimStatus), metadata={"example": "reviewing"})


class MatchGrantSchema(Schema):
    """The grant (免申即享) of this subject for the item."""

    id = Integer(metadata={"example": 3})
    status = String(validate=one_of(GrantStatus), metadata={"example": "granted"})


class MatchSchema(Schema):
    """One item one of my subjects can get (eligible) or is one fact away from (unknown)."""

    item = Nested(MatchItemSchema)
    policy = Nested(MatchPolicySchema)
    department = Nested(MatchDepartmentSchema)
    subject = Nested(MatchSubjectSchema)
    verdict = String(
        validate=one_of(("eligible", "unknown")),
        metadata={"description": "eligible 符合；unknown 还差一项（补充信息后可判断）"},
    )
    amount_fen = Integer(
        allow_none=True, metadata={"description": "每期金额（分）", "example": 10000}
    )
    period = String(
        allow_none=True,
        validate=one_of(("once", "monthly", "yearly")),
        metadata={"example": "monthly"},
    )
    annual_fen = Integer(
        allow_none=True,
        metadata={"description": "未来 12 个月预计（按月 × 12）", "example": 120000},
    )
    apply_from = LocalDateTime(allow_none=True)
    apply_until = LocalDateTime(
        allow_none=True,
        metadata={"description": "申请截止（北京时间）", "example": "2026-12-31T23:59:59+08:00"},
    )
    mode = String(validate=one_of(ItemMode), metadata={"example": "auto_grant"})
    reason = String(metadata={"example": "符合：户籍东昌府区、年龄 82 周岁"})
    claim = Nested(MatchClaimSchema, allow_none=True)
    grant = Nested(MatchGrantSchema, allow_none=True)
    acted = Boolean(metadata={"description": "已申请（未被驳回或撤回）或已发放", "example": False})


class SummarySchema(Schema):
    """红利预期: the home page's numbers, all in fen."""

    year = Integer(metadata={"example": 2026})
    subjects = Integer(metadata={"description": "绑定的办事主体数", "example": 2})
    eligible_count = Integer(metadata={"example": 3})
    unknown_count = Integer(metadata={"description": "还差一项的事项数", "example": 1})
    expected_fen = Integer(
        metadata={"description": "可享事项未来 12 个月预计金额", "example": 1560000}
    )
    claimed_count = Integer(metadata={"example": 1})
    claimed_fen = Integer(
        metadata={"description": "已申请（提交至审核通过）的金额", "example": 300000}
    )
    received_count = Integer(metadata={"example": 1})
    received_fen = Integer(
        metadata={"description": "本年已到账（申请兑现和免申即享发放）", "example": 120000}
    )


def paginated(view: Callable[..., Any]) -> Callable[..., Any]:
    """`blp.paginate()` as documented (page, page_size ≤ 100, X-Pagination), with the common
    request (absent or plain numbers in range) read without building marshmallow schemas;
    anything else goes through flask-smorest's own parser and its 422."""
    documented = blp.paginate()(view)
    defaults = blp.DEFAULT_PAGINATION_PARAMETERS

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        page = _number(request.args, "page", defaults["page"])
        size = _number(request.args, "page_size", defaults["page_size"])
        if page is None or size is None or size > defaults["max_page_size"]:
            return documented(*args, **kwargs)
        params = PaginationParameters(page, size)
        answer = view(*args, pagination_parameters=params, **kwargs)
        answer.headers[blp.PAGINATION_HEADER_NAME] = json.dumps(
            pagination_metadata(page, size, params.item_count)
        )
        return answer

    wrapper._apidoc = documented._apidoc  # type: ignore[attr-defined]
    return wrapper


def _number(args: MultiDict, name: str, default: int) -> int | None:
    """Return a query argument that is absent (its default) or one plain number ≥ 1, else None."""
    values = args.getlist(name)
    if not values:
        return default
    if len(values) == 1 and values[0].isascii() and values[0].isdigit():
        number = int(values[0])
        return number if number >= 1 else None
    return None


def pagination_metadata(page: int, size: int, count: int) -> dict[str, int]:
    """Return X-Pagination as flask-smorest builds it (Blueprint._make_pagination_metadata)."""
    if count == 0:
        return {"total": 0, "total_pages": 0}
    last = (count - 1) // size + 1
    found = {"total": count, "total_pages": last, "first_page": 1, "last_page": last}
    if page <= last:
        found["page"] = page
        if page > 1:
            found["previous_page"] = page - 1
        if page < last:
            found["next_page"] = page + 1
    return found


@blp.route("/matches")
class MyMatches(MethodView):
    """精准送: what my subjects can get."""

    @resident_required(blp)
    @blp.etag
    @blp.response(200, MatchSchema(many=True))
    @paginated
    def get(self, pagination_parameters: PaginationParameters):
        """List what my subjects qualify for or are one fact away from, most valuable and
        urgent first; send If-None-Match to get 304 when nothing changed."""
        matches = residents.my_matches(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            today=local_now().date(),
        )
        page, size = pagination_parameters.page, pagination_parameters.page_size
        pagination_parameters.item_count = matches.total
        blp.set_etag(matches.fingerprint(page, size))  # 304 here, before any evaluation
        cards = residents.with_reasons(
            session=db.session, matches=matches, cards=matches.page(page, size)
        )
        # The cards are built JSON-ready (MatchSchema documents them; tests check the two
        # agree): dumping them through marshmallow cost more than the rest of the view, and
        # the json module a tenth of it; orjson writes what app.json would (compact, UTF-8,
        # keys sorted, a final newline) several times faster.
        sorted_keys = orjson.OPT_SORT_KEYS
        body = orjson.dumps([shown(card) for card in cards], option=sorted_keys) + b"\n"
        mimetype = cast(DefaultJSONProvider, current_app.json).mimetype  # Flask's default
        return current_app.response_class(body, mimetype=mimetype)


def shown(card: dict) -> dict:
    """Return a match card as MatchSchema shows it: without the service's private keys."""
    return {key: value for key, value in card.items() if key[0] != "_"}


@blp.route("/summary")
class MySummary(MethodView):
    """红利预期."""

    @resident_required(blp)
    @blp.response(200, SummarySchema)
    def get(self):
        """Show what my subjects can expect this year, have claimed and have received."""
        return residents.my_summary(
            session=db.session,
            wechat_user_id=current_resident().user_id,
            today=local_now().date(),
        )
