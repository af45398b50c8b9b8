"""驾驶舱: the figures of the city's dashboard (admins), or of a department's items."""

from __future__ import annotations

from flask.views import MethodView

from api.admin.fields import Dict, Integer, List, LocalDateTime, Nested, Number, Schema, String
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from models import Role
from services import dashboard

blp = Blueprint("admin_dashboard", __name__, url_prefix="/dashboard", description="驾驶舱")


class DistrictFiguresSchema(Schema):
    """One district: subjects with an eligible match, eligible and unknown pairs, 12-month sum."""

    code = String(allow_none=True, metadata={"example": "371502"})
    name = String(metadata={"example": "东昌府区"})
    subjects = Integer(metadata={"example": 5120})
    eligible = Integer(metadata={"example": 9876})
    unknown = Integer(metadata={"example": 640})  # type: ignore[assignment]
    annual_fen = Integer(metadata={"example": 1234560000})


class ItemFiguresSchema(Schema):
    """One item."""

    item_id = Integer()
    code = String(metadata={"example": "LC-MZ-2025-01-01"})
    name = String(metadata={"example": "高龄津贴"})
    mode = String()
    department_id = Integer()
    department = String(metadata={"example": "市民政局"})
    eligible = Integer()
    unknown = Integer()  # type: ignore[assignment]
    annual_fen = Integer()
    possible_annual_fen = Integer(metadata={"description": "待补充信息者补齐后可能再得（12 个月）"})


class DepartmentFiguresSchema(Schema):
    """One department."""

    department_id = Integer()
    department = String()
    items = Integer()
    eligible = Integer()
    annual_fen = Integer()


class StageSchema(Schema):
    """One stage of the funnel."""

    stage = String(metadata={"example": "claimed"})
    label = String(metadata={"example": "已申请"})
    count = Integer()


class MonthSchema(Schema):
    """What was paid in one month (Asia/Shanghai)."""

    month = String(metadata={"example": "2026-11"})
    paid_fen = Integer()


class DashboardQuerySchema(Schema):
    """Whose figures: the city's (admins, by default) or one department's items'."""

    department_id = Integer(
        strict=False,
        load_default=None,
        metadata={"description": "部门 id；发布、审核人员默认看本部门（只能看本部门）"},
    )


class DepartmentChoiceSchema(Schema):
    """A department the caller may look at."""

    id = Integer()
    name = String(metadata={"example": "市民政局"})


class ScoreCountSchema(Schema):
    """How many ratings gave one score."""

    score = Integer(metadata={"example": 5})
    count = Integer(metadata={"example": 12})


class RatedItemSchema(Schema):
    """An item's average rating."""

    item_id = Integer()
    item_name = String()
    count = Integer()
    average = Number(metadata={"example": 3.5})


class RatingsSchema(Schema):
    """好差评 of ended claims."""

    count = Integer(metadata={"example": 20})
    by_score = List(Nested(ScoreCountSchema), metadata={"description": "5 非常满意 … 1 非常不满意"})
    satisfied_permille = Integer(
        allow_none=True, metadata={"description": "满意率（4、5 分）千分比；无评价时为空"}
    )
    lowest_items = List(
        Nested(RatedItemSchema), metadata={"description": "评分最低的事项（至少 3 条评价）"}
    )


class DashboardSchema(Schema):
    """The 驾驶舱: the matches as of the latest snapshot, and live counts."""

    department_id = Integer(allow_none=True, metadata={"description": "null: 全市"})
    departments = List(Nested(DepartmentChoiceSchema), metadata={"description": "可查看的部门"})

    built_at = LocalDateTime(allow_none=True, metadata={"description": "匹配数据的统计时间"})
    subjects = Integer(metadata={"description": "统计时有匹配记录的主体数"})
    matched_subjects = Integer()
    annual_fen = Integer(metadata={"description": "符合事项未来 12 个月的预期红利（分）"})
    by_district = List(Nested(DistrictFiguresSchema))
    by_item = List(Nested(ItemFiguresSchema))
    by_department = List(Nested(DepartmentFiguresSchema))
    funnel = List(Nested(StageSchema))
    grants = Dict(keys=String(), values=Integer(), metadata={"example": {"granted": 40, "paid": 3}})
    overdue_claims = Integer()
    paid_by_month = List(Nested(MonthSchema))
    ratings = Nested(RatingsSchema)
    supplements = Dict(
        keys=String(),
        values=Integer(),
        metadata={"description": "补充信息按审核状态计数", "example": {"pending": 2}},
    )


@blp.route("")
class Dashboard(MethodView):
    """The 驾驶舱."""

    @staff_required(blp, Role.ADMIN, Role.PUBLISHER, Role.REVIEWER)
    @blp.arguments(DashboardQuerySchema, location="query")
    @blp.response(200, DashboardSchema)
    def get(self, query):
        """Show what the service brings to whom and where, and how claims and payouts go.

        Admins see the city, or one department with `department_id`; a publisher or reviewer
        sees their own department's items (funnel without 已推送提醒: a reminder names items of
        every department)."""
        department_id, choices = dashboard.scope(
            db.session, current_actor(), query["department_id"]
        )
        figures = dashboard.overview(session=db.session, department_id=department_id)
        return {**figures, "department_id": department_id, "departments": choices}
