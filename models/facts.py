"""The facts catalog (指标目录) as data: one row per fact, and the catalog's version.

A fact's key, subject type and type never change once stored profiles or published items use
it; services/facts decides that. `fact_catalog.version` rises with every change, in the same
transaction, so each process can tell with one small read whether its copy is current.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Double, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, IdMixin
from models.clock import utcnow


class FactStatus(StrEnum):
    """A draft is being written (rules and imports do not see it); an active fact is used;
    a deprecated one keeps working where it is used, and no new rule may use it."""

    DRAFT = "draft"
    ACTIVE = "active"
    DEPRECATED = "deprecated"


class FactDefinition(IdMixin, Base):
    """One fact of a person or an enterprise: what it is called, its type and its limits."""

    __tablename__ = "fact_definitions"
    __table_args__ = (UniqueConstraint("subject_type", "key"),)

    subject_type: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16))
    scale: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16), default="")
    minimum: Mapped[float | None] = mapped_column(Double)
    maximum: Mapped[float | None] = mapped_column(Double)
    # [[value, 中文名], …] of an enum, level or tag set, in order (a level compares by it).
    choices: Mapped[list] = mapped_column(default=list)
    ordered: Mapped[bool] = mapped_column(Boolean, default=False)
    code_table: Mapped[str | None] = mapped_column(String(16))
    derivation: Mapped[dict | None] = mapped_column()
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    source_field: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[str] = mapped_column(String(16), default=FactStatus.DRAFT)
    position: Mapped[int] = mapped_column(Integer, default=0)  # catalog order within a kind
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_users.id"))


class FactCatalog(Base):
    """The catalog's version: one row, raised by every change of any fact."""

    __tablename__ = "fact_catalog"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
