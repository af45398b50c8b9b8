"""Subjects (persons and enterprises), their profile facts, and the columnar fact snapshot.

See docs/profile-storage.md for why facts live in a JSON document per subject *and* in
per-fact column chunks.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, Hash32, IdMixin, Sealed
from models.clock import utcnow

# LONGBLOB on MariaDB: a chunk of 65,536 eight-byte values is 512 KiB, past BLOB's 64 KiB.
Blob = LargeBinary(length=2**32 - 1)

CHUNK_SIZE = 65_536


class Subject(IdMixin, Base):
    """A person or an enterprise, with its profile (一人一档 / 一企一档) as typed facts."""

    __tablename__ = "subjects"
    __table_args__ = (Index("ix_subjects_kind_district_code", "kind", "district_code"),)

    kind: Mapped[str] = mapped_column(String(16))
    # Keyed hash of the 身份证号 (persons) or 统一社会信用代码 (enterprises): exact look-up
    # without storing a person's number in clear.
    identity_hash: Mapped[bytes] = mapped_column(Hash32, unique=True)
    id_number_enc: Mapped[bytes | None] = mapped_column(Sealed)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone_enc: Mapped[bytes | None] = mapped_column(Sealed)
    # An enterprise's legal representative, when the data platform sends one: the name (public
    # in the business registry, masked in answers) and the keyed hash of the 身份证号 (the same
    # look-up hash a person's identity_hash is), never the number. Not a profile fact: rules
    # do not read it, so a change does not re-match.
    representative_name: Mapped[str | None] = mapped_column(String(100))
    representative_hash: Mapped[bytes | None] = mapped_column(Hash32)
    district_code: Mapped[str | None] = mapped_column(String(12))
    facts: Mapped[dict] = mapped_column(default=dict)
    facts_hash: Mapped[str] = mapped_column(String(64), default="")
    # Change sequence of the last profile change (change_events.id); the column snapshot
    # patches chunks with the subjects whose seq is newer than the chunk's.
    profile_seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    source: Mapped[str] = mapped_column(String(40), default="data_platform")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ImportBatch(IdMixin, Base):
    """One batch of profiles from the data platform; its batch id makes a retry a no-op."""

    __tablename__ = "import_batches"

    batch_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # jsonl, csv, api, cli
    status: Mapped[str] = mapped_column(String(16))  # applied, rejected
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict] = mapped_column(default=dict)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfileChunk(IdMixin, Base):
    """One fact's values for up to CHUNK_SIZE subjects of one kind, as packed arrays."""

    __tablename__ = "profile_chunks"
    __table_args__ = (UniqueConstraint("kind", "fact", "chunk_no"),)

    kind: Mapped[str] = mapped_column(String(16))
    fact: Mapped[str] = mapped_column(String(64))
    # Subjects with chunk_no * CHUNK_SIZE <= id < (chunk_no + 1) * CHUNK_SIZE.
    chunk_no: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(32))
    values: Mapped[bytes] = mapped_column(Blob)
    present: Mapped[bytes] = mapped_column(Blob)
    # Built from every profile change up to and including this change sequence.
    through_seq: Mapped[int] = mapped_column(BigInteger)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupplementStatus(StrEnum):
    """A self-declared fact's review: pending -> approved or rejected."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class FactSupplement(IdMixin, Base):
    """A fact a resident declared for a subject they act for (补充信息), with materials; reviewed
    by the department of the item that asked for it. On approval it enters the profile, and this
    row stays as the value's source."""

    __tablename__ = "fact_supplements"
    __table_args__ = (Index("ix_fact_supplements_department_id_status", "department_id", "status"),)

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), index=True)
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("policy_items.id"))
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"))
    fact: Mapped[str] = mapped_column(String(64))
    value: Mapped[dict] = mapped_column(default=dict)  # {"value": …}: any JSON value
    note: Mapped[str | None] = mapped_column(String(500))
    declared_by_id: Mapped[int] = mapped_column(BigId, ForeignKey("wechat_users.id"))
    status: Mapped[str] = mapped_column(String(16), default=SupplementStatus.PENDING)
    reviewer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_users.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
