"""Stored matches (subject x item) and the change events that drive re-matching."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, IdMixin
from models.clock import utcnow


class Verdict(StrEnum):
    """Three-valued eligibility; only eligible and unknown matches are stored."""

    ELIGIBLE = "eligible"
    UNKNOWN = "unknown"
    INELIGIBLE = "ineligible"


class MatchStatus(StrEnum):
    """An active match is current; an ended one is kept for history."""

    ACTIVE = "active"
    ENDED = "ended"


class ChangeKind(StrEnum):
    """What changed and so must be re-matched."""

    SUBJECT = "subject"
    ITEM = "item"
    FULL = "full"


class Match(IdMixin, Base):
    """A subject's standing on one item, from the item version it was computed with."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("subject_id", "item_id"),
        Index("ix_matches_item_id_status", "item_id", "status"),
    )

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"))
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("policy_items.id"))
    item_version_id: Mapped[int] = mapped_column(BigId, ForeignKey("policy_item_versions.id"))
    verdict: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=MatchStatus.ACTIVE)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    annual_fen: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[str] = mapped_column(String(500), default="")
    missing_facts: Mapped[list] = mapped_column(default=list)
    first_eligible_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChangeEvent(IdMixin, Base):
    """Something to re-match: a subject's profile, an item's version, or everything.

    The id is the change sequence: consumers take pending events in id order.
    """

    __tablename__ = "change_events"
    __table_args__ = (Index("ix_change_events_processed_at_id", "processed_at", "id"),)

    kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subjects.id"))
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("policy_items.id"))
    reason: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
