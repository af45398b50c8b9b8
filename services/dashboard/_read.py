"""The 驾驶舱's answer: the latest snapshot of the matches, and live counts of what followed."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Claim,
    ClaimRating,
    ClaimStatus,
    DashboardSnapshot,
    Department,
    FactSupplement,
    Grant,
    GrantStatus,
    MessageDelivery,
    MessageStatus,
    Policy,
    PolicyItem,
)
from models.clock import SHANGHAI, utcnow
from services.audit import Actor
from services.errors import Forbidden, InvalidInput
from services.publishing import readable_departments

MONTHS = 12
OPEN = (ClaimStatus.SUBMITTED, ClaimStatus.REVIEWING)


def scope(
    session: Session, actor: Actor, department_id: int | None
) -> tuple[int | None, list[dict[str, Any]]]:
    """Return the department the actor's 驾驶舱 shows (None: the city) and the departments it
    may choose from. Admins see the city or any department; a publisher or reviewer sees their
    departments' items only (the first, unless one is asked for)."""
    mine = readable_departments(actor)
    query = select(Department.id, Department.short_name).order_by(Department.id)
    if mine is not None:
        query = query.where(Department.id.in_(mine))
    choices = [{"id": row.id, "name": row.short_name} for row in session.execute(query)]
    if department_id is not None:
        if department_id not in {choice["id"] for choice in choices}:
            raise InvalidInput(
                "无权查看该部门的驾驶舱", errors={"department_id": ["不是您可查看的部门"]}
            )
        return department_id, choices
    if mine is None:
        return None, choices
    if not choices:
        raise Forbidden("无权查看驾驶舱")
    return choices[0]["id"], choices


def overview(
    *, session: Session, department_id: int | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Return the figures of the latest snapshot and the live funnel, grants, overdue claims and
    payouts by month (Asia/Shanghai): the city's, or one department's items' only.

    A department's funnel has no 已推送提醒 stage: one reminder names a resident's new items of
    every department, so it belongs to none."""
    now = now or utcnow()
    snapshot = session.scalars(
        select(DashboardSnapshot).order_by(DashboardSnapshot.id.desc()).limit(1)
    ).first()
    figures = snapshot.figures if snapshot is not None else {}
    if department_id is not None:
        figures = _of_department(figures, department_id)
    items = (
        None
        if department_id is None
        else select(PolicyItem.id)
        .join(Policy, Policy.id == PolicyItem.policy_id)
        .where(Policy.department_id == department_id)
    )

    def counted(query: Any, item: Any) -> Any:
        return query if items is None else query.where(item.in_(items))

    claims = dict(
        session.execute(
            counted(select(Claim.status, func.count()), Claim.item_id).group_by(Claim.status)
        ).all()
    )
    grants = dict(
        session.execute(
            counted(select(Grant.status, func.count()), Grant.item_id).group_by(Grant.status)
        ).all()
    )
    overdue = session.scalar(
        counted(
            select(func.count())
            .select_from(Claim)
            .where(Claim.status.in_(OPEN), Claim.due_at.is_not(None), Claim.due_at < now),
            Claim.item_id,
        )
    )
    claimed = sum(count for status, count in claims.items() if status != ClaimStatus.WITHDRAWN)
    stages = [{"stage": "matched", "label": "符合条件", "count": figures.get("eligible_pairs", 0)}]
    if department_id is None:
        notified = session.scalar(
            select(func.count())
            .select_from(MessageDelivery)
            .where(
                MessageDelivery.topic == "new_matches", MessageDelivery.status == MessageStatus.SENT
            )
        )
        stages.append({"stage": "notified", "label": "已推送提醒", "count": notified or 0})
    return {
        "built_at": None if snapshot is None else snapshot.built_at,
        "subjects": 0 if snapshot is None else snapshot.subjects,
        "by_district": figures.get("by_district", []),
        "by_item": figures.get("by_item", []),
        "by_department": figures.get("by_department", []),
        "matched_subjects": figures.get("matched_subjects", 0),
        "annual_fen": figures.get("annual_fen", 0),
        "funnel": [
            *stages,
            {"stage": "claimed", "label": "已申请", "count": claimed},
            {
                "stage": "approved",
                "label": "已通过",
                "count": claims.get(ClaimStatus.APPROVED, 0) + claims.get(ClaimStatus.PAID, 0),
            },
            {"stage": "paid", "label": "已兑现", "count": claims.get(ClaimStatus.PAID, 0)},
        ],
        "grants": {status.value: grants.get(status, 0) for status in GrantStatus},
        "overdue_claims": overdue or 0,
        "paid_by_month": _paid_by_month(session, now, items),
        "ratings": _ratings(session, items),
        "supplements": dict(
            session.execute(
                counted(
                    select(FactSupplement.status, func.count()), FactSupplement.item_id
                ).group_by(FactSupplement.status)
            ).all()
        ),
    }


def _ratings(session: Session, items: Any) -> dict[str, Any]:
    """The residents' ratings (好差评) of ended claims: how many of each score, the share
    satisfied (4 or 5) in per mille, and the lowest-rated items (at least 3 ratings)."""
    query = select(ClaimRating.score, func.count()).group_by(ClaimRating.score)
    by_item = (
        select(PolicyItem.id, PolicyItem.name, func.count(), func.avg(ClaimRating.score))
        .join(PolicyItem, PolicyItem.id == ClaimRating.item_id)
        .group_by(PolicyItem.id, PolicyItem.name)
        .having(func.count() >= 3)
    )
    if items is not None:
        query = query.where(ClaimRating.item_id.in_(items))
        by_item = by_item.where(ClaimRating.item_id.in_(items))
    counts = {int(score): count for score, count in session.execute(query)}
    total = sum(counts.values())
    satisfied = counts.get(4, 0) + counts.get(5, 0)
    worst = sorted(
        (
            {"item_id": i, "item_name": name, "count": n, "average": round(float(avg), 2)}
            for i, name, n, avg in session.execute(by_item)
        ),
        key=lambda row: (row["average"], -row["count"]),
    )[:5]
    return {
        "count": total,
        "by_score": [{"score": score, "count": counts.get(score, 0)} for score in range(5, 0, -1)],
        "satisfied_permille": round(1000 * satisfied / total) if total else None,
        "lowest_items": worst,
    }


def _of_department(figures: dict[str, Any], department_id: int) -> dict[str, Any]:
    """The snapshot's figures of one department's items."""
    mine = figures.get("departments", {}).get(str(department_id), {})
    by_item = [row for row in figures.get("by_item", []) if row["department_id"] == department_id]
    return {
        "by_district": mine.get("by_district", []),
        "by_item": by_item,
        "by_department": [
            row
            for row in figures.get("by_department", [])
            if row.get("department_id") == department_id
        ],
        "matched_subjects": mine.get("matched_subjects", 0),
        "eligible_pairs": sum(row["eligible"] for row in by_item),
        "annual_fen": sum(row["annual_fen"] for row in by_item),
    }


def _paid_by_month(session: Session, now: datetime, items: Any) -> list[dict[str, Any]]:
    """Claims and grants paid in each of the last 12 months (Asia/Shanghai), in fen."""
    local = now.astimezone(SHANGHAI)
    months = []
    year, month = local.year, local.month
    for _ in range(MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    since = now - timedelta(days=31 * MONTHS + 1)
    totals: dict[str, int] = defaultdict(int)
    claims = select(Claim.paid_at, Claim.paid_fen).where(
        Claim.status == ClaimStatus.PAID, Claim.paid_at >= since
    )
    grants = select(Grant.paid_at, Grant.amount_fen).where(
        Grant.status == GrantStatus.PAID, Grant.paid_at >= since
    )
    if items is not None:
        claims = claims.where(Claim.item_id.in_(items))
        grants = grants.where(Grant.item_id.in_(items))
    paid = [*session.execute(claims), *session.execute(grants)]
    for at, fen in paid:
        if at is not None:
            totals[at.astimezone(SHANGHAI).strftime("%Y-%m")] += fen or 0
    return [{"month": month, "paid_fen": totals.get(month, 0)} for month in months]
