"""The resident's inbox: the outbox messages meant for a WeChat user, read state, push state.

A message is mine when it is addressed to me (`wechat_user_id`), or when it is addressed to no
one in particular and its subject is bound to me. A message addressed to another user stays
theirs even when I act for the same subject: the dispatcher pushes it to them only.

Read state is the message's own `read_at`. A message addressed to one user, or of a subject that
one user acts for (the common case), is read by that user alone. A subject's message seen by
several bound users (an enterprise's legal representative and its agent) is one shared message:
when one of them reads it, it is read for all of them, as in a shared mailbox. Keeping it per
user would need a `read_at` on `message_deliveries` (a migration); only this module would change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from models import MessageDelivery, MessageStatus, OutboxMessage
from models.clock import utcnow
from models.db import cursor_result
from notify.messages import TOPICS
from services.errors import NotFound
from services.residents._access import bound_subject_ids

M = OutboxMessage

# Where a message stands on its way to this user's WeChat (what the page shows beside it).
PUSH_SENT = "sent"  # pushed to WeChat
PUSH_PENDING = "pending"  # on its way (due, being sent, or retried after an error)
PUSH_WAITING = "waiting"  # waits for the user to allow this topic of message (订阅)
PUSH_FAILED = "failed"  # WeChat refused it; an operator may send it again
PUSH_EXPIRED = "expired"  # not sent before it went out of date
PUSH_NONE = "none"  # not pushed to this user: inbox only
PUSH_STATES = (PUSH_SENT, PUSH_PENDING, PUSH_WAITING, PUSH_FAILED, PUSH_EXPIRED, PUSH_NONE)

_DELIVERY_PUSH: dict[str, str] = {
    MessageStatus.PENDING: PUSH_PENDING,
    MessageStatus.SENDING: PUSH_PENDING,
    MessageStatus.WAITING: PUSH_WAITING,
    MessageStatus.SENT: PUSH_SENT,
    MessageStatus.FAILED: PUSH_FAILED,
    MessageStatus.EXPIRED: PUSH_EXPIRED,
}


@dataclass(frozen=True)
class InboxMessage:
    """One message as its reader sees it."""

    id: int
    topic: str
    title: str
    body: str
    page: str | None
    created_at: datetime
    read: bool
    read_at: datetime | None
    push: str


def list_messages(
    *, session: Session, wechat_user_id: int, page: int, page_size: int, unread_only: bool = False
) -> tuple[list[InboxMessage], int]:
    """Return one page of my messages, newest first, and how many there are in all."""
    mine = _mine(session, wechat_user_id)
    if unread_only:
        mine = and_(mine, M.read_at.is_(None))
    total = int(session.scalar(select(func.count()).select_from(M).where(mine)) or 0)
    offset = (page - 1) * page_size
    if offset >= total:  # past the end; a huge page number must not reach the database
        return [], total
    rows = list(
        session.scalars(
            select(M)
            .where(mine)
            .order_by(M.created_at.desc(), M.id.desc())
            .limit(page_size)
            .offset(offset)
        )
    )
    return _entries(session, wechat_user_id, rows), total


def unread_count(*, session: Session, wechat_user_id: int) -> int:
    """Return how many of my messages I have not read."""
    mine = and_(_mine(session, wechat_user_id), M.read_at.is_(None))
    return int(session.scalar(select(func.count()).select_from(M).where(mine)) or 0)


def mark_read(*, session: Session, wechat_user_id: int, message_id: int) -> InboxMessage:
    """Mark one of my messages read (again is harmless); 404 for any message not mine."""
    message = session.scalar(select(M).where(M.id == message_id, _mine(session, wechat_user_id)))
    if message is None:
        raise NotFound("未找到该消息")
    if message.read_at is None:
        message.read_at = utcnow()
        session.commit()
    return _entries(session, wechat_user_id, [message])[0]


def mark_all_read(*, session: Session, wechat_user_id: int) -> int:
    """Mark every unread message of mine read; return how many were marked."""
    ids = list(
        session.scalars(
            select(M.id).where(_mine(session, wechat_user_id), M.read_at.is_(None)).order_by(M.id)
        )
    )
    now = utcnow()
    marked = 0
    for start in range(0, len(ids), 1000):
        marked += cursor_result(
            session.execute(
                update(M)
                .where(M.id.in_(ids[start : start + 1000]), M.read_at.is_(None))
                .values(read_at=now)
                .execution_options(synchronize_session=False)
            )
        ).rowcount
    session.commit()
    return int(marked)


def _mine(session: Session, wechat_user_id: int) -> ColumnElement[bool]:
    subjects = bound_subject_ids(session, wechat_user_id)
    to_me = M.wechat_user_id == wechat_user_id
    if not subjects:
        return to_me
    return or_(to_me, and_(M.wechat_user_id.is_(None), M.subject_id.in_(subjects)))


def _entries(
    session: Session, wechat_user_id: int, rows: list[OutboxMessage]
) -> list[InboxMessage]:
    deliveries = dict(
        session.execute(
            select(MessageDelivery.message_id, MessageDelivery.status).where(
                MessageDelivery.wechat_user_id == wechat_user_id,
                MessageDelivery.message_id.in_([row.id for row in rows]),
            )
        ).all()
    )
    return [
        InboxMessage(
            id=row.id,
            topic=row.topic,
            title=row.title,
            body=row.body,
            page=row.page,
            created_at=row.created_at,
            read=row.read_at is not None,
            read_at=row.read_at,
            push=_push_state(row, deliveries.get(row.id)),
        )
        for row in rows
    ]


def _push_state(message: OutboxMessage, delivery_status: str | None) -> str:
    if delivery_status is not None:
        return _DELIVERY_PUSH.get(delivery_status, PUSH_PENDING)
    # No delivery for me: not fanned out yet (a topic we push), or not pushed to me at all.
    if message.status == MessageStatus.PENDING and message.topic in TOPICS:
        return PUSH_PENDING
    return PUSH_NONE
