"""Policies, their items, and each item's version history."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigId, IdMixin
from models.clock import utcnow


class PolicyStatus(StrEnum):
    """A policy's or item's workflow state."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class ItemMode(StrEnum):
    """How a resident gets an item."""

    AUTO_GRANT = "auto_grant"  # 免申即享
    ONE_TAP = "one_tap"  # 一键办理
    GUIDE = "guide"  # 线下/指引


class SubjectKind(StrEnum):
    """Who an item is for, and what a subject is."""

    PERSON = "person"
    ENTERPRISE = "enterprise"


class VersionStatus(StrEnum):
    """A version is edited as a draft, then published; a newer publication supersedes it."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


CATEGORIES = (
    "就业创业",
    "社会保障",
    "养老服务",
    "助残",
    "社会救助",
    "科技创新",
    "企业扶持",
    "住房",
    "教育",
    "医疗保障",
    "人才",
)


class Policy(IdMixin, Base):
    """A published document: title, 文号, department, dates, full text and 解读."""

    __tablename__ = "policies"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    doc_number: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    interpretation: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str | None] = mapped_column(String(500))
    issued_on: Mapped[date | None] = mapped_column(Date)
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=PolicyStatus.DRAFT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_users.id"))
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    categories: Mapped[list[PolicyCategory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    items: Mapped[list[PolicyItem]] = relationship(back_populates="policy")


class PolicyCategory(Base):
    """One category (就业创业, 住房 …) a policy is filed under."""

    __tablename__ = "policy_categories"

    policy_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("policies.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class PolicyItem(IdMixin, Base):
    """The smallest unit someone can get: one benefit, one rule, one amount, one mode."""

    __tablename__ = "policy_items"
    __table_args__ = (Index("ix_policy_items_status_subject_type", "status", "subject_type"),)

    code: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[int] = mapped_column(BigId, ForeignKey("policies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    subject_type: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=PolicyStatus.DRAFT)
    benefit: Mapped[str] = mapped_column(String(200), default="")
    current_version_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("policy_item_versions.id", use_alter=True)
    )
    apply_from: Mapped[datetime | None]
    apply_until: Mapped[datetime | None]
    promised_days: Mapped[int | None] = mapped_column(Integer)
    budget_fen: Mapped[int | None] = mapped_column(BigInteger)
    max_grants: Mapped[int | None] = mapped_column(Integer)
    guide_text: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    # The version whose matches are stored, and when every subject was last matched against it.
    matched_version_id: Mapped[int | None] = mapped_column(BigId)
    matched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    policy: Mapped[Policy] = relationship(back_populates="items")
    current_version: Mapped[PolicyItemVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class PolicyItemVersion(IdMixin, Base):
    """An item's rule, amount formula, materials and test cases as of one version."""

    __tablename__ = "policy_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("policy_items.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.DRAFT)
    rule: Mapped[dict] = mapped_column(default=dict)
    amount: Mapped[dict] = mapped_column(default=dict)
    # Numbers the rule and amount use, each with dated values (docs/rules.md, "Params").
    params: Mapped[dict] = mapped_column(default=dict)
    materials: Mapped[list] = mapped_column(default=list)
    cases: Mapped[list] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]


class SearchTerm(Base):
    """One word of a policy's or item's text, segmented (Chinese has no spaces), for search."""

    __tablename__ = "search_terms"
    __table_args__ = (Index("ix_search_terms_term_policy_id", "term", "policy_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    term: Mapped[str] = mapped_column(String(64))
    policy_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("policies.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("policy_items.id", ondelete="CASCADE"), index=True
    )
    weight: Mapped[int] = mapped_column(Integer, default=1)  # title words count more
