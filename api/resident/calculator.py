"""政策计算器."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask.views import MethodView

from api.admin.fields import Date, Dict, Integer, List, Nested, Schema, String, one_of
from api.blueprint import Blueprint
from api.extensions import db
from api.resident.catalog_schemas import VERDICTS, AmountResultSchema, UndecidedFactSchema
from api.resident_auth import _resident_from_request
from models import ItemMode, SubjectKind
from models.clock import local_now
from services import residents

blp = Blueprint(
    "resident_calculator",
    __name__,
    url_prefix="/calculator",
    description="政策计算器",
)


class CalculatorRequestSchema(Schema):
    """Either a typed-in profile {subject_type, facts}, or {subject_id, overrides} for one of
    my subjects ("what if": overrides replace stored facts, null removes one)."""

    subject_type = String(validate=one_of(SubjectKind), metadata={"example": "enterprise"})
    facts = Dict(
        keys=String(),
        metadata={
            "description": "指标（见指标目录）；年龄等推算指标也可直接填写",
            "example": {"registered_district": "371502", "employees": 40, "new_graduate_hires": 3},
        },
    )
    subject_id = Integer(metadata={"description": "我的办事主体（需登录）", "example": 12})
    overrides = Dict(
        keys=String(),
        metadata={"description": "假设的指标取值", "example": {"new_graduate_hires": 5}},
    )
    as_of = Date(
        metadata={"description": "按哪一天的政策标准计算，默认今天", "example": "2026-11-27"}
    )

    @ma.validates_schema
    def one_way(self, data: dict, **_: object) -> None:
        """Take exactly one of the two forms."""
        if "subject_id" in data:
            if "subject_type" in data or "facts" in data:
                message = "按我的主体试算时只填 subject_id 和 overrides"
                raise ma.ValidationError(message, "subject_id")
        elif "subject_type" not in data:
            raise ma.ValidationError("请填写 subject_type（或 subject_id）", "subject_type")
        elif "overrides" in data:
            raise ma.ValidationError("overrides 只用于我的主体，请写在 facts 中", "overrides")


class CalculatorItemRefSchema(Schema):
    """The item evaluated."""

    id = Integer(metadata={"example": 40})
    code = String(metadata={"example": "LC-RS-2025-02-01"})
    name = String(metadata={"example": "吸纳高校毕业生就业补贴"})
    mode = String(validate=one_of(ItemMode), metadata={"example": "one_tap"})


class CalculatorPolicyRefSchema(Schema):
    """The item's policy."""

    id = Integer(metadata={"example": 9})
    title = String(metadata={"example": "聊城市促进高校毕业生就业若干措施"})


class CalculatorItemSchema(Schema):
    """One live item's verdict and amount for the profile."""

    item = Nested(CalculatorItemRefSchema)
    policy = Nested(CalculatorPolicyRefSchema, allow_none=True)
    verdict = String(validate=one_of(VERDICTS), metadata={"example": "eligible"})
    summary = String(metadata={"example": "符合：注册地东昌府区、本年新招用高校毕业生 3 人"})
    missing = List(Nested(UndecidedFactSchema))
    near_miss = String(
        allow_none=True,
        metadata={"description": "不符合且只差一个条件时，差的那一项", "example": "年满80周岁"},
    )
    amount = Nested(AmountResultSchema, allow_none=True)
    baseline_verdict = String(
        allow_none=True,
        validate=one_of(VERDICTS),
        metadata={"description": "不加假设时的结论（按我的主体试算时）", "example": "ineligible"},
    )


class NotEvaluatedSchema(Schema):
    """A live item that cannot be evaluated as of the date asked, and why."""

    item = Nested(CalculatorItemRefSchema)
    policy = Nested(CalculatorPolicyRefSchema, allow_none=True)
    reason = String(
        metadata={
            "example": "2027-03-01 不在申请期内（2026-02-01 至 2026-12-31），该日不能享受此事项"
        }
    )


class CalculationSchema(Schema):
    """Every live item of the subject's kind, and the totals over the next 12 months."""

    subject_type = String(validate=one_of(SubjectKind), metadata={"example": "enterprise"})
    subject_id = Integer(allow_none=True)
    as_of = Date(metadata={"example": "2026-11-27"})
    items = List(Nested(CalculatorItemSchema))
    not_evaluated = List(
        Nested(NotEvaluatedSchema),
        metadata={"description": "该日不在申请期内、或该日尚无适用标准的事项，不计入合计"},
    )
    eligible_count = Integer(metadata={"example": 2})
    unknown_count = Integer(metadata={"example": 1})
    total_fen = Integer(metadata={"description": "符合事项未来 12 个月合计", "example": 450000})
    possible_fen = Integer(
        metadata={"description": "还差一项的事项补全后可能再得", "example": 100000}
    )


@blp.route("")
class Calculator(MethodView):
    """政策计算器."""

    @blp.doc(security=[{}, {"residentToken": []}])
    @blp.arguments(CalculatorRequestSchema)
    @blp.response(200, CalculationSchema)
    @blp.alt_response(401, description="按我的主体试算需登录，或令牌无效")
    @blp.alt_response(404, description="不是我的办事主体")
    def post(self, data: dict):
        """Work out every live item's verdict and amount for typed-in facts (anonymous), or for
        one of my subjects with "what if" overrides; facts are checked against the catalog."""
        user_id = None
        if request.headers.get("Authorization"):
            user_id = _resident_from_request().user_id
        return residents.calculate(
            session=db.session,
            as_of=data.pop("as_of", None) or local_now().date(),
            wechat_user_id=user_id,
            **data,
        )
