"""Dry-run: how many subjects an item's (draft) rule would find, for how much, and where."""

from __future__ import annotations

from flask.views import MethodView

from api.admin.fields import Boolean, Date, Dict, Integer, List, Nested, Schema, String
from api.admin.item_schemas import AMOUNT_EXAMPLE, PARAMS_EXAMPLE, RULE_EXAMPLE
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from models import Role
from services import publishing

blp = Blueprint("admin_dry_run", __name__, url_prefix="/items", description="试算")


class DryRunArgsSchema(Schema):
    """An unsaved rule, amount or params to try (default: the draft, else the current version)."""

    rule = Dict(metadata={"example": RULE_EXAMPLE})
    amount = Dict(metadata={"example": AMOUNT_EXAMPLE})
    params = Dict(metadata={"example": PARAMS_EXAMPLE})
    as_of = Date(metadata={"example": "2026-11-27", "description": "默认今天（北京时间）"})


class AmountTotalsSchema(Schema):
    """What the eligible subjects would get in total."""

    period = String(metadata={"example": "monthly"})
    total_fen = Integer(metadata={"example": 1520000, "description": "每期合计（分）"})
    annual_fen = Integer(metadata={"example": 18240000, "description": "未来12个月合计（分）"})
    eligible_amount_unknown = Integer(metadata={"description": "符合但金额缺指标的人数"})
    unknown_annual_fen = Integer(metadata={"description": "待补充信息者补齐后的12个月合计"})


class DistrictSchema(Schema):
    """Counts in one district (其他/外地 for codes outside the city's table)."""

    code = String(allow_none=True, metadata={"example": "371502"})
    name = String(metadata={"example": "东昌府区"})
    subjects = Integer(metadata={"example": 512})
    eligible = Integer(metadata={"example": 48})
    # a field named like Schema.unknown (the option), which marshmallow keeps apart
    unknown = Integer(metadata={"example": 6})  # type: ignore[assignment]
    ineligible = Integer(metadata={"example": 458})
    annual_fen = Integer(metadata={"example": 5760000})


class MissingFactSchema(Schema):
    """A fact the rule reads that many unknown subjects lack."""

    fact = String(metadata={"example": "birth_date"})
    label = String(metadata={"example": "出生日期"})
    subjects = Integer(metadata={"example": 6})


class SampleAmountSchema(Schema):
    """A sample subject's amount."""

    fen = Integer(allow_none=True, metadata={"example": 10000})
    period = String(metadata={"example": "monthly"})
    annual_fen = Integer(allow_none=True, metadata={"example": 120000})


class SampleSchema(Schema):
    """One real subject as the scalar evaluator explains it, masked."""

    subject_id = Integer(metadata={"example": 1024})
    name = String(metadata={"example": "张**"})
    verdict = String(metadata={"example": "eligible"})
    summary = String(metadata={"example": "符合：户籍东昌府区、年满80周岁"})
    missing = List(String())
    explanation = Dict(allow_none=True)
    amount = Nested(SampleAmountSchema, allow_none=True)


class DryRunSchema(Schema):
    """The dry-run's result."""

    item_id = Integer(metadata={"example": 17})
    subject_type = String(metadata={"example": "person"})
    as_of = Date(metadata={"example": "2026-11-27"})
    source = String(metadata={"example": "draft", "description": "body、draft 或 current"})
    version = Integer(allow_none=True, metadata={"example": 2})
    subjects = Integer(metadata={"example": 2000})
    eligible = Integer(metadata={"example": 152})
    # a field named like Schema.unknown (the option), which marshmallow keeps apart
    unknown = Integer(metadata={"example": 9})  # type: ignore[assignment]
    ineligible = Integer(metadata={"example": 1839})
    amount = Nested(AmountTotalsSchema, allow_none=True)
    districts = List(Nested(DistrictSchema))
    missing_facts = List(Nested(MissingFactSchema))
    samples = List(Nested(SampleSchema))


@blp.route("/<int:item_id>/dry-run")
class DryRun(MethodView):
    """Trying an item's rule on every subject of its kind."""

    @staff_required(blp, Role.ADMIN, Role.PUBLISHER, Role.REVIEWER)
    @blp.arguments(DryRunArgsSchema, required=False)
    @blp.response(200, DryRunSchema)
    @blp.alt_response(404, description="政策事项不存在")
    @blp.alt_response(422, description="规则、金额或参数有误（errors 按 JSON 路径）")
    def post(self, data: dict, item_id: int):
        """Count who would be eligible, unknown and not, for how much, by district."""
        as_of = data.pop("as_of", None)
        return publishing.dry_run(
            session=db.session, actor=current_actor(), item_id=item_id, changes=data, as_of=as_of
        )


class CaseRunArgsSchema(DryRunArgsSchema):
    """Unsaved content and cases to run (default: the draft's, else the current version's)."""

    cases = List(Dict(), metadata={"description": "案例：{name, as_of?, facts, expect}"})


class CaseResultSchema(Schema):
    """One case's outcome."""

    index = Integer(metadata={"example": 0})
    name = String(metadata={"example": "东昌府区82岁老人"})
    as_of = String(allow_none=True, metadata={"example": "2026-11-27"})
    passed = Boolean(metadata={"example": False})
    message = String(
        metadata={
            "example": "判定应为「符合」，实际为「不符合」。不满足：年满80周岁（年龄 75 周岁）"
        }
    )
    verdict = String(allow_none=True, metadata={"example": "ineligible"})
    summary = String(allow_none=True)
    trace = List(String())


class CaseReportSchema(Schema):
    """The content's problems by JSON path, or each case's result."""

    errors = Dict(metadata={"description": "规则、金额、参数或案例本身的问题（按 JSON 路径）"})
    results = List(Nested(CaseResultSchema))
    passed = Integer()
    failed = Integer()


@blp.route("/<int:item_id>/cases/run")
class RunCases(MethodView):
    """Running an item's cases, as publishing does."""

    @staff_required(blp, Role.ADMIN, Role.PUBLISHER, Role.REVIEWER)
    @blp.arguments(CaseRunArgsSchema, required=False)
    @blp.response(200, CaseReportSchema)
    @blp.alt_response(404, description="政策事项不存在")
    def post(self, data: dict, item_id: int):
        """Run the cases on the rule and amount (unsaved ones from the body), nothing saved."""
        as_of = data.pop("as_of", None)
        return publishing.run_cases(
            session=db.session, actor=current_actor(), item_id=item_id, changes=data, as_of=as_of
        )
