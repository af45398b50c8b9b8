"""What the inbox and subscription endpoints take and give."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from api.admin.fields import (
    Boolean,
    Dict,
    Integer,
    List,
    LocalDateTime,
    Nested,
    Schema,
    String,
    length,
    one_of,
)
from notify.messages import TOPICS
from services.residents import PUSH_STATES
from services.subscriptions import RESULTS, SCENES, TEMPLATE_ID_MAX

TEMPLATE_ID = String(metadata={"example": "kx-tmpl-claim-status"})


class SceneQuerySchema(Schema):
    """Which page asks."""

    scene = String(
        load_default="home",
        validate=one_of(SCENES),
        metadata={
            "description": (
                "home 首页；after_claim 提交申请后；grants 免申即享页；supplement 补充信息后"
            ),
            "example": "after_claim",
        },
    )


class TemplateStateSchema(Schema):
    """A subscribe template and how many more sends the user has allowed."""

    template_id = TEMPLATE_ID
    topic = String(
        data_key="kind",  # the API's name for a message's topic
        allow_none=True,
        metadata={"enum": list(TOPICS), "description": "消息类别；仅配置为长期订阅的模板可为空"},
    )
    title = String(metadata={"example": "办事进度通知"})
    long_term = Boolean(metadata={"description": "长期订阅（开/关）；否则为一次性订阅（计次）"})
    remaining = Integer(
        metadata={"description": "还可推送的次数；长期订阅开为 1、关为 0", "example": 2}
    )


class SubscribeRequestsSchema(Schema):
    """The wx.requestSubscribeMessage calls a page should make, most needed first."""

    scene = String(metadata={"example": "after_claim"})
    groups = List(
        List(Nested(TemplateStateSchema)),
        metadata={
            "description": (
                "每组为一次 wx.requestSubscribeMessage 的 tmplIds：至多 3 个，一次性与长期订阅"
                "不混用；按需要程度排序，点击时请求第一组，remaining 足够的可不再请求"
            )
        },
    )


class SubscribeResultsSchema(Schema):
    """What wx.requestSubscribeMessage answered on success."""

    results = Dict(
        required=True,
        keys=String(validate=length(minimum=1, maximum=TEMPLATE_ID_MAX)),
        values=String(validate=one_of(sorted(RESULTS))),
        metadata={"example": {"kx-tmpl-claim-status": "accept", "kx-tmpl-payout-done": "reject"}},
    )
    errMsg = String(  # noqa: N815 - WeChat's own name, as the page receives it
        validate=length(maximum=200), metadata={"example": "requestSubscribeMessage:ok"}
    )

    @ma.pre_load
    def lift_err_msg(self, data: Any, **_: Any) -> Any:
        """Accept the popup's whole answer as `results`: its errMsg is not a template."""
        results = data.get("results") if isinstance(data, dict) else None
        if isinstance(results, dict) and "errMsg" in results:
            results = dict(results)
            data = {"errMsg": results.pop("errMsg")} | data | {"results": results}
        return data


class SubscribeRecordedSchema(Schema):
    """The templates the answer touched, with what the user has now."""

    templates = List(Nested(TemplateStateSchema))


class MessageQuerySchema(Schema):
    """Filters of the inbox."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    unread_only = Boolean(load_default=False, metadata={"description": "只看未读"})


class MessageSchema(Schema):
    """A message in my inbox."""

    id = Integer(metadata={"example": 1024})
    topic = String(data_key="kind", metadata={"enum": list(TOPICS), "example": "claim_status"})
    title = String(metadata={"example": "申请进度更新"})
    body = String(metadata={"example": "您申请的「高龄津贴」已通过审核。"})
    page = String(
        allow_none=True,
        metadata={"description": "点击打开的小程序页面", "example": "pages/claim/claim?id=7"},
    )
    created_at = LocalDateTime(metadata={"example": "2026-11-27T09:30:00+08:00"})
    read = Boolean()
    read_at = LocalDateTime(allow_none=True)
    push = String(
        metadata={
            "enum": list(PUSH_STATES),
            "description": (
                "微信推送：sent 已推送；pending 推送中；waiting 待订阅（需允许此类消息）；"
                "failed 推送失败；expired 已过期未推送；none 不推送（仅站内）"
            ),
            "example": "sent",
        }
    )


class UnreadSchema(Schema):
    """How many messages are unread."""

    unread = Integer(metadata={"example": 3})


class MarkedSchema(Schema):
    """How many messages were marked read."""

    marked = Integer(metadata={"example": 3})
