"""Rows the push tests need: residents bound to WeChat users, outbox messages, quotas."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    MessageDelivery,
    Subject,
    SubscriptionQuota,
)
from models.clock import utcnow
from notify import messages, outbox, pages
from notify.outbox import Message
from tests import resident_factories as rf

NEW = messages.DEFAULT_TEMPLATE_IDS[messages.NEW_MATCHES]


def resident(session: Session, openid: str, *, appid: str, name: str = "张三") -> tuple[int, int]:
    """Create a person subject bound to a new WeChat user; return (subject id, user id)."""
    subject = Subject(
        kind="person",
        identity_hash=hashlib.sha256(openid.encode()).digest(),
        name=name,
        district_code="371502",
    )
    session.add(subject)
    session.commit()
    user = rf.wechat_user(session, openid, appid)
    rf.bind(session, user, subject.id)
    return subject.id, user.id


def bind(session: Session, subject_id: int, openid: str, *, appid: str) -> int:
    """Bind one more WeChat user to a subject (an agent); return the user id."""
    user = rf.wechat_user(session, openid, appid)
    rf.bind(session, user, subject_id, relation="agent")
    return user.id


def new_match(
    session: Session,
    subject_id: int,
    name: str = "高校毕业生就业补贴",
    fen: int | None = 120000,
    *,
    topic: str = messages.NEW_MATCHES,
    urgent: bool = False,
    expires_at: datetime | None = None,
    key: str | None = None,
    **data: Any,
) -> int:
    """Write an outbox message about one item as the matcher would; return its id."""
    item = {"item_id": 1, "version_id": 1, "name": name, "amount_fen": fen}
    row = outbox.add(
        session,
        Message(
            topic=topic,
            dedupe_key=key or f"{topic}:{subject_id}:{name}:{utcnow().timestamp()}",
            subject_id=subject_id,
            title="您有新的政策可享",
            body=f"您有 1 项新政策可享：{name}",
            data={"items": [item], "count": 1, "total_fen": fen or 0} | data,
            page=pages.home(),
            urgent=urgent,
            expires_at=expires_at,
        ),
        now=utcnow(),
    )
    session.commit()
    return row.id


def give_quota(
    session: Session, user_id: int, count: int, template_id: str = NEW, *, long_term: bool = False
) -> None:
    """Record `count` accepted one-time subscriptions (or a long-term accept)."""
    found = session.scalar(
        select(SubscriptionQuota).where(
            SubscriptionQuota.wechat_user_id == user_id,
            SubscriptionQuota.template_id == template_id,
        )
    )
    if found is None:
        found = SubscriptionQuota(wechat_user_id=user_id, template_id=template_id, remaining=0)
        session.add(found)
    found.subscription_type = "long_term" if long_term else "one_time"
    found.remaining += count
    found.status = "accept"
    session.commit()


def quota_left(session: Session, user_id: int, template_id: str = NEW) -> int:
    """Return our count of sends left."""
    session.commit()  # end any read transaction: on SQLite it would still see its old snapshot
    session.expire_all()
    found = session.scalar(
        select(SubscriptionQuota.remaining).where(
            SubscriptionQuota.wechat_user_id == user_id,
            SubscriptionQuota.template_id == template_id,
        )
    )
    session.commit()
    return int(found or 0)


def deliveries(session: Session, **where: Any) -> list[MessageDelivery]:
    """Return deliveries (fresh from the database), oldest first."""
    session.commit()  # end any read transaction: on SQLite it would still see its old snapshot
    session.expire_all()
    query = select(MessageDelivery).order_by(MessageDelivery.id)
    for name, value in where.items():
        query = query.where(getattr(MessageDelivery, name) == value)
    found = list(session.scalars(query))
    session.commit()
    return found
