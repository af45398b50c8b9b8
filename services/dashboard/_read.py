"""The 驾驶舱's answer: the latest snapshot of the matches, and live counts of what followed."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Claim,
    ClaimStatus,
    DashboardSnapshot,
    Grant,
    GrantStatus,
    MessageDelivery,
    MessageStatus,
)
from models.clock import SHANGHAI, utcnow

MONTHS = 12
OPEN = (ClaimStatus.SUBMITTED, ClaimStatus.REVIEWING)


def overview(*, session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Return the figures of the latest snapshot and the live funnel, grants, overdue claims and
    payouts by month (Asia/Shanghai)."""
    now = now or utcnow()
    snapshot = session.scalars(
        select(DashboardSnapshot).order_by(DashboardSnapshot.id.desc()).limit(1)
    ).first()
    figures = snapshot.figures if snapshot is not None else {}
    claims = dict(session.execute(select(Claim.status, func.count()).group_by(Claim.status)).all())
    grants = dict(session.execute(select(Grant.status, func.count()).group_by(Grant.status)).all())
    notified = session.scalar(
        select(func.count())
        .select_from(MessageDelivery)
        .where(MessageDelivery.topic == "new_matches", MessageDelivery.status == MessageStatus.SENT)
    )
    overdue = session.scalar(
        select(func.count())
        .select_from(Claim)
        .where(Claim.status.in_(OPEN), Claim.due_at.is_not(None), Claim.due_at < now)
    )
    claimed = sum(count for status, count in claims.items() if status != ClaimStatus.WITHDRAWN)
    return {
        "built_at": None if snapshot is None else snapshot.built_at,
        "subjects": 0 if snapshot is None else snapshot.subjects,
        "by_district": figures.get("by_district", []),
        "by_item": figures.get("by_item", []),
        "by_department": figures.get("by_department", []),
        "matched_subjects": figures.get("matched_subjects", 0),
        "annual_fen": figures.get("annual_fen", 0),
        "funnel": [
            {"stage": "matched", "label": "符合条件", "count": figures.get("eligible_pairs", 0)},
            {"stage": "notified", "label": "已推送提醒", "count": notified or 0},
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
        "paid_by_month": _paid_by_month(session, now),
    }


def _paid_by_month(session: Session, now: datetime) -> list[dict[str, Any]]:
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
    paid = [
        *session.execute(
            select(Claim.paid_at, Claim.paid_fen).where(
                Claim.status == ClaimStatus.PAID, Claim.paid_at >= since
            )
        ),
        *session.execute(
            select(Grant.paid_at, Grant.amount_fen).where(
                Grant.status == GrantStatus.PAID, Grant.paid_at >= since
            )
        ),
    ]
    for at, fen in paid:
        if at is not None:
            totals[at.astimezone(SHANGHAI).strftime("%Y-%m")] += fen or 0
    return [{"month": month, "paid_fen": totals.get(month, 0)} for month in months]
