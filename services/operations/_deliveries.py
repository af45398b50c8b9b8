"""What operators do with pushes: see where messages stand, list failed ones, send them again."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import MessageDelivery, MessageStatus, OutboxMessage, SubscriptionQuota, WeChatUser
from models.clock import utcnow
from services.audit import Actor, record


def status_counts(*, session: Session) -> dict[str, dict[str, int]]:
    """Return how many outbox messages and deliveries are in each status."""
    outbox = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    deliveries = session.execute(
        select(MessageDelivery.status, func.count()).group_by(MessageDelivery.status)
    ).all()
    return {"outbox": dict(outbox), "deliveries": dict(deliveries)}


def failed(*, session: Session, limit: int = 50) -> list[dict]:
    """Return the newest failed deliveries with their last error (openid masked)."""
    rows = session.execute(
        select(
            MessageDelivery.id,
            MessageDelivery.topic,
            MessageDelivery.template_id,
            MessageDelivery.attempts,
            MessageDelivery.last_errcode,
            MessageDelivery.last_error,
            MessageDelivery.created_at,
            WeChatUser.openid,
        )
        .join(WeChatUser, WeChatUser.id == MessageDelivery.wechat_user_id)
        .where(MessageDelivery.status == MessageStatus.FAILED)
        .order_by(MessageDelivery.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": row.id,
            "topic": row.topic,
            "template_id": row.template_id,
            "attempts": row.attempts,
            "errcode": row.last_errcode,
            "error": row.last_error,
            "created_at": row.created_at,
            "openid": mask_openid(row.openid),
        }
        for row in rows
    ]


def mask_openid(openid: str) -> str:
    """Show an openid as its first 4 and last 4 characters."""
    return f"{openid[:4]}…{openid[-4:]}" if len(openid) > 10 else "****"


def retry(*, session: Session, actor: Actor, ids: Sequence[int] | None) -> int:
    """Send failed deliveries again (all of them when ids is None): attempts start over.

    Commits, with one audit entry naming the deliveries.
    """
    query = select(MessageDelivery.id).where(MessageDelivery.status == MessageStatus.FAILED)
    if ids is not None:
        query = query.where(MessageDelivery.id.in_(list(ids)))
    chosen = list(session.scalars(query.with_for_update()))
    if chosen:
        session.execute(
            update(MessageDelivery)
            .where(MessageDelivery.id.in_(chosen))
            .values(
                status=MessageStatus.PENDING,
                attempts=0,
                next_attempt_at=utcnow(),
                locked_by=None,
                locked_until=None,
            )
        )
        record(
            session,
            actor,
            "delivery.retry",
            object_type="message_delivery",
            after={"delivery_ids": chosen},
        )
    session.commit()
    return len(chosen)


def subscription_counts(*, session: Session) -> list[dict]:
    """Return, per template, how many residents can still be sent a message and how many sends
    they have granted in all (one-time quotas add up; a long-term one counts as one)."""
    rows = session.execute(
        select(
            SubscriptionQuota.template_id,
            func.count(func.distinct(SubscriptionQuota.wechat_user_id)),
            func.coalesce(func.sum(SubscriptionQuota.remaining), 0),
        )
        .where(SubscriptionQuota.remaining > 0)
        .group_by(SubscriptionQuota.template_id)
        .order_by(SubscriptionQuota.template_id)
    ).all()
    return [{"template_id": t, "residents": int(n), "remaining": int(r)} for t, n, r in rows]
