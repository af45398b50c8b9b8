"""Stored matches (packed per subject), change events that drive re-matching, and leases."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, IdMixin
from models.clock import utcnow
from models.subject import Blob


class ChangeScope(StrEnum):
    """What a change event asks to re-match: one subject, one item, or everything."""

    SUBJECT = "subject"
    ITEM = "item"
    FULL = "full"


class SubjectMatches(Base):
    """A subject's standing on every item it matches or matched, packed into one row.

    `entries` is an array of fixed-width records (services/matching/_store.py: layout, format byte):
    item, item version, verdict, amount, first-eligible day, last-change day, ended flag. One row
    per subject, not per pair, because a city has tens of millions of pairs and a row per pair
    cannot be written in the time a full match has (docs/matching.md).
    """

    __tablename__ = "subject_matches"

    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(16))
    entries: Mapped[bytes] = mapped_column(Blob)
    # A 63-bit hash of the active entries: a full reconcile compares digests, not entries.
    digest: Mapped[int] = mapped_column(BigInteger)
    # The profile change the row was computed from; an older computation never overwrites it.
    profile_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Lease(Base):
    """A named lock with an expiry, held by one process at a time (matching, scheduled jobs)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(100))
    expires_at: Mapped[datetime | None]
    acquired_at: Mapped[datetime | None]


class ChangeEvent(IdMixin, Base):
    """Something to re-match: a subject's profile, an item's version, or everything.

    The id is the change sequence: consumers take pending events in id order.
    """

    __tablename__ = "change_events"
    __table_args__ = (Index("ix_change_events_processed_at_id", "processed_at", "id"),)

    scope: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subjects.id"))
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("policy_items.id"))
    reason: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
