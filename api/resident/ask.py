"""智能咨询：问政策，答案出自已发布的事项，并注明依据."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from api.admin.fields import Boolean, Integer, List, Nested, Number, Schema, String, length
from api.blueprint import Blueprint
from api.extensions import db, limiter, settings_of
from api.resident_auth import optional_resident
from models.clock import to_local, utcnow
from services import ask

ASK_LIMIT = "30 per minute"  # per client address: a person types slower than this

blp = Blueprint(
    "resident_ask",
    __name__,
    url_prefix="/ask",
    description="智能咨询：答案出自已发布的事项，注明依据；答不了时给出热线",
)


class AskSchema(Schema):
    """A question, in the resident's own words."""

    question = String(
        required=True,
        validate=length(minimum=1, maximum=ask.MAX_QUESTION),
        metadata={"example": "我爸今年九十一了每个月能拿多少"},
    )


class EvaluationSchema(Schema):
    """The best item evaluated on the question's facts, or on my own profile."""

    verdict = String(metadata={"enum": ["eligible", "unknown", "ineligible"]})
    summary = String()
    amount = ma.fields.Dict(allow_none=True)
    missing = List(ma.fields.Dict())
    reasons = List(String())
    subject_name = String(
        metadata={
            "description": "按档案评估时：哪位的档案（个人姓名脱敏）；绑定多位时取最符合的一位",
            "example": "王**",
        }
    )


class CitedItemSchema(Schema):
    """An item the answer rests on, with the clause quoted."""

    id = Integer(metadata={"example": 1})
    code = String(metadata={"example": "LC-MZ-2025-01-01"})
    name = String(metadata={"example": "高龄津贴"})
    benefit = String()
    mode = String(metadata={"enum": ["auto_grant", "one_tap", "guide"]})
    department = String(metadata={"example": "聊城市民政局"})
    policy_title = String(metadata={"example": "聊城市高龄津贴发放管理办法"})
    doc_number = String(metadata={"example": "聊民发〔2025〕8号"})
    clause = String(metadata={"description": "政策原文中最相关的条款"})
    page = String(metadata={"example": "/pages/item/item?id=1", "description": "小程序页面"})
    mine = Nested(
        EvaluationSchema,
        allow_none=True,
        metadata={"description": "登录且按档案答复时：该事项按我的档案（最符合的一位）"},
    )


class StatedFactSchema(Schema):
    """A fact the question states."""

    fact = String(metadata={"example": "age"})
    label = String(metadata={"example": "年龄"})
    value = ma.fields.Raw(metadata={"example": 91})


class AnswerSchema(Schema):
    """The answer."""

    id = Integer(metadata={"description": "问题编号：反馈有用/没用、留言用"})
    question = String()
    intent = String(metadata={"enum": list(ask.INTENTS)})
    answered = Boolean(metadata={"description": "false：没有找到能回答的事项"})
    answer = String(metadata={"example": "【高龄津贴】按您说的情况（91 周岁）：还需要更多信息…"})
    confidence = Number(metadata={"description": "0–1；未回答为 0"})
    items = List(Nested(CitedItemSchema), metadata={"description": "依据的事项，最多 3 项"})
    facts = List(Nested(StatedFactSchema), metadata={"description": "从问题中识别出的情况"})
    evaluation = Nested(EvaluationSchema, allow_none=True)
    personal = Nested(
        EvaluationSchema, allow_none=True, metadata={"description": "登录后：按您的档案"}
    )
    hotline = String(metadata={"example": "12345"})
    built_answer = String(
        metadata={"description": "启用语言模型时：由事项生成的原答复（answer 为润色后的）"}
    )
    model_refused = String(
        allow_none=True,
        metadata={"description": "启用语言模型时：未采用其改写的原因；null 表示已采用"},
    )


class FeedbackSchema(Schema):
    """有用 / 没用, or the question left for staff."""

    useful = Boolean(allow_none=True)
    comment = String(validate=length(maximum=200), metadata={"example": "想问的是农村低保"})


@blp.route("")
class Ask(MethodView):
    """Asking."""

    decorators = [limiter.limit(ASK_LIMIT, methods=["POST"])]

    @blp.arguments(AskSchema)
    @blp.response(200, AnswerSchema)
    @blp.alt_response(401, description="带了登录凭证但已失效")
    @blp.alt_response(429, description="提问过于频繁")
    @blp.doc(security=[{}, {"residentToken": []}])
    def post(self, data: dict):
        """Answer a question (anonymous, or logged in: the cited item is then evaluated on my
        own subject). Never an amount or a condition the items do not give."""
        resident = optional_resident()
        settings = settings_of()
        model = (
            ask.ModelConfig(
                url=settings.llm_url,
                model=settings.llm_model,
                key=settings.llm_key,
                timeout=settings.llm_timeout,
            )
            if settings.llm_url
            else None
        )
        return ask.ask(
            session=db.session,
            question=data["question"],
            today=to_local(utcnow()).date(),
            wechat_user_id=resident.user_id if resident else None,
            model=model,
        )


@blp.route("/<int:question_id>/feedback")
class Feedback(MethodView):
    """Feedback on an answer."""

    decorators = [limiter.limit(ASK_LIMIT, methods=["POST"])]

    @blp.arguments(FeedbackSchema)
    @blp.response(204)
    @blp.alt_response(404, description="问题不存在")
    def post(self, data: dict, question_id: int) -> None:
        """Say whether the answer helped, or leave the question for staff."""
        ask.feedback(
            session=db.session,
            question_id=question_id,
            useful=data.get("useful"),
            comment=data.get("comment"),
        )
