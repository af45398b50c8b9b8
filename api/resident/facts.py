"""指标目录: the facts a rule may use, their types, units and allowed values (public).

What the mini-program's calculator and any form builder render from; the calculator's
`facts` and `overrides` take these keys.
"""

from __future__ import annotations

from flask.views import MethodView

from api.admin.fields import Boolean, Integer, List, Nested, Number, Schema, String, one_of
from api.blueprint import Blueprint
from api.extensions import db
from models import SubjectKind
from services import facts

blp = Blueprint("resident_facts", __name__, url_prefix="/facts", description="指标目录")


class ChoiceSchema(Schema):
    """One allowed value and its Chinese name."""

    value = String(metadata={"example": "small"})
    label = String(metadata={"example": "小型"})


class PublicFactSchema(Schema):
    """One fact as a form shows it."""

    key = String(metadata={"example": "employees"})
    subject_type = String(metadata={"example": "enterprise"})
    label = String(metadata={"example": "从业人数"})
    description = String()
    type = String(metadata={"example": "integer"})
    unit = String(metadata={"example": "人"})
    scale = Integer(allow_none=True, metadata={"description": "decimal 保留的小数位数"})
    minimum = Number(allow_none=True, metadata={"example": 0})
    maximum = Number(allow_none=True)
    choices = List(Nested(ChoiceSchema), metadata={"description": "enum / tags 的可选值，按顺序"})
    ordered = Boolean(metadata={"description": "可选值有先后（等级），可比较高低"})
    code_table = String(allow_none=True, metadata={"description": "division 或 industry"})
    codes = List(Nested(ChoiceSchema), metadata={"description": "编码类指标的编码表"})
    derived = Boolean(metadata={"description": "由其他指标推算（如年龄由出生日期推算）"})
    derived_from = List(String(), metadata={"example": ["birth_date"]})
    sensitive = Boolean(metadata={"description": "敏感指标：解释中不显示取值"})
    ops = List(
        String(),
        metadata={"description": "规则中可用的运算（docs/rules.md）", "example": [">=", "between"]},
    )


class FactsQuerySchema(Schema):
    """Filters."""

    subject_type = String(validate=one_of(SubjectKind), metadata={"example": "person"})


@blp.route("")
class PublicFacts(MethodView):
    """The facts catalog."""

    @blp.etag
    @blp.arguments(FactsQuerySchema, location="query")
    @blp.response(200, PublicFactSchema(many=True))
    def get(self, args: dict):
        """List the facts in use (active), in catalog order; answers 304 to If-None-Match
        while the catalog is unchanged."""
        return facts.public_facts(session=db.session, subject_type=args.get("subject_type"))
