"""Claims (一键办理) with their event timeline, and grants (免申即享)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigId, IdMixin, Sealed
from models.clock import utcnow


class ClaimStatus(StrEnum):
    """A claim's life: submitted -> reviewing -> approved -> paid, or it stops early."""

    SUBMITTED = "submitted"
    REVIEWING = "reviewing"
    RETURNED = "returned"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class GrantStatus(StrEnum):
    """A grant's life: granted -> confirmed -> paid, or declined."""

    GRANTED = "granted"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    PAID = "paid"


class ActorKind(StrEnum):
    """Who caused an event."""

    RESIDENT = "resident"
    STAFF = "staff"
    SYSTEM = "system"
    DATA_PLATFORM = "data_platform"


class Claim(IdMixin, Base):
    """A subject's application for one item version, submitted by a WeChat user."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("applicant_id", "idempotency_key"),
        Index("ix_claims_item_id_status", "item_id", "status"),
    )

    claim_no: Mapped[str] = mapped_column(String(32), unique=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), index=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("policy_items.id"))
    item_version_id: Mapped[int] = mapped_column(BigId, ForeignKey("policy_item_versions.id"))
    applicant_id: Mapped[int] = mapped_column(BigId, ForeignKey("wechat_users.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=ClaimStatus.SUBMITTED)
    expected_fen: Mapped[int | None] = mapped_column(BigInteger)
    approved_fen: Mapped[int | None] = mapped_column(BigInteger)
    paid_fen: Mapped[int | None] = mapped_column(BigInteger)
    payment_ref: Mapped[str | None] = mapped_column(String(64))
    # the answers as staff and the resident read them; a 联系电话 among them is kept masked there
    # and sealed here (services/claims/_contact.py)
    form: Mapped[dict] = mapped_column(default=dict)
    contact_phone_enc: Mapped[bytes | None] = mapped_column(Sealed)
    reason: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the item's promised working days (承诺时限) when the claim was last completely submitted,
    # and when they run out (models.clock.workday_deadline); None for an item that promises
    # none (docs/claims.md, Reviewers)
    promised_days: Mapped[int | None]
    due_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    events: Mapped[list[ClaimEvent]] = relationship(
        order_by="ClaimEvent.id", cascade="all, delete-orphan"
    )


class ClaimEvent(IdMixin, Base):
    """One transition of a claim: from, to, who, when and why."""

    __tablename__ = "claim_events"

    claim_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("claims.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigId)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClaimMaterial(IdMixin, Base):
    """A file uploaded for a claim (营业执照, 毕业证 …), kept through the storage seam."""

    __tablename__ = "claim_materials"

    claim_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("claims.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[int] = mapped_column(BigId, ForeignKey("wechat_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # which required material this is
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    # a material may instead prove a self-declared fact (补充信息)
    supplement_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("fact_supplements.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Grant(IdMixin, Base):
    """A benefit granted without application (免申即享), once per subject and item version."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("subject_id", "item_version_id"),)

    # The unique key (subject_id, item_version_id) serves look-ups by subject too.
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"))
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("policy_items.id"), index=True)
    item_version_id: Mapped[int] = mapped_column(BigId, ForeignKey("policy_item_versions.id"))
    status: Mapped[str] = mapped_column(String(16), default=GrantStatus.GRANTED)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    payout_account_enc: Mapped[bytes | None] = mapped_column(Sealed)
    confirmed_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wechat_users.id"))
    payment_ref: Mapped[str | None] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]


class ClaimRating(IdMixin, Base):
    """The resident's rating of the service (好差评) once a claim has ended, one per claim."""

    __tablename__ = "claim_ratings"

    claim_id: Mapped[int] = mapped_column(BigId, ForeignKey("claims.id"), unique=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("policy_items.id"), index=True)
    score: Mapped[int]  # 1 非常不满意 … 5 非常满意
    comment: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
