"""Outbox messages (also the resident's inbox), delivery attempts and subscription quotas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, IdMixin
from models.clock import utcnow


class MessageStatus(StrEnum):
    """Where a message is on its way to WeChat."""

    PENDING = "pending"  # an outbox message not yet fanned out; a delivery due at next_attempt_at
    QUEUED = "queued"  # an outbox message whose deliveries exist (one per bound WeChat user)
    WAITING = "waiting"  # a delivery with no subscription quota: it waits for one or expires
    SENDING = "sending"
    # sent, but WeChat's answer never came (a read timeout): its sent event, or a window, says
    UNCERTAIN = "uncertain"
    SENT = "sent"
    FAILED = "failed"
    EXPIRED = "expired"


class SubscriptionType(StrEnum):
    """One-time subscriptions are counted; long-term ones are on or off."""

    ONE_TIME = "one_time"
    LONG_TERM = "long_term"


class OutboxMessage(IdMixin, Base):
    """A message written in the same transaction as its cause, sent later by the dispatcher."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_messages_subject_id_created_at", "subject_id", "created_at"),
    )

    # what the message is about (notify.messages.TOPICS), which picks its template
    topic: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(190), unique=True)
    subject_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subjects.id"))
    wechat_user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("wechat_users.id"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("policy_items.id"))
    claim_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("claims.id"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(default=dict)
    page: Mapped[str | None] = mapped_column(String(200))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    wx_msgid: Mapped[str | None] = mapped_column(String(64), index=True)
    last_error: Mapped[str | None] = mapped_column(String(255))
    read_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageDelivery(IdMixin, Base):
    """One outbox message on its way to one WeChat user bound to its subject."""

    __tablename__ = "message_deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "wechat_user_id"),
        Index("ix_message_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("outbox_messages.id", ondelete="CASCADE")
    )
    wechat_user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("wechat_users.id", ondelete="CASCADE"), index=True
    )
    topic: Mapped[str] = mapped_column(String(40), default="")
    template_id: Mapped[str | None] = mapped_column(String(64))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    # One subscription quota was taken for this delivery's push and not yet spent or given back.
    quota_held: Mapped[bool] = mapped_column(Boolean, default=False)
    # When several messages go out as one bundled push, each points at the delivery that sent it.
    sent_with_id: Mapped[int | None] = mapped_column(BigId)
    sent_at: Mapped[datetime | None]
    wx_msgid: Mapped[str | None] = mapped_column(String(64), index=True)
    last_errcode: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(255))
    delivered: Mapped[bool | None] = mapped_column(Boolean)  # from subscribe_msg_sent_event
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WeChatEvent(IdMixin, Base):
    """A message-push event WeChat sent us, kept once (WeChat retries) and for the record."""

    __tablename__ = "wechat_events"

    dedupe_key: Mapped[str] = mapped_column(String(190), unique=True)
    event: Mapped[str] = mapped_column(String(64))
    openid: Mapped[str | None] = mapped_column(String(64), index=True)
    payload: Mapped[dict] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryAttempt(IdMixin, Base):
    """One call to WeChat for one message: its outcome, error code and msgid."""

    __tablename__ = "delivery_attempts"

    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    delivery_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("message_deliveries.id", ondelete="CASCADE"), index=True
    )
    bundled: Mapped[int] = mapped_column(Integer, default=1)  # deliveries this one push carried
    wechat_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wechat_users.id"))
    template_id: Mapped[str] = mapped_column(String(64))
    attempt_no: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    errcode: Mapped[int | None] = mapped_column(Integer)
    errmsg: Mapped[str | None] = mapped_column(String(255))
    wx_msgid: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class SubscriptionQuota(IdMixin, Base):
    """How many more messages of one template a user has allowed."""

    __tablename__ = "subscription_quotas"
    __table_args__ = (UniqueConstraint("wechat_user_id", "template_id"),)

    wechat_user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("wechat_users.id", ondelete="CASCADE")
    )
    template_id: Mapped[str] = mapped_column(String(64))
    subscription_type: Mapped[str] = mapped_column(String(16), default=SubscriptionType.ONE_TIME)
    remaining: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="accept")
    # One tap is reported twice (by the mini-program and by WeChat's popup event): an accept from
    # one source that the other has not yet reported is "unpaired" and the other's report of it
    # is not counted again (see services.subscriptions).
    client_unpaired: Mapped[int] = mapped_column(Integer, default=0)
    event_unpaired: Mapped[int] = mapped_column(Integer, default=0)
    unpaired_since: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
