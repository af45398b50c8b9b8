"""智能咨询: the synonym lexicon staff keep, and the questions residents asked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, IdMixin
from models.clock import utcnow


class AskSynonym(IdMixin, Base):
    """A residents' phrase and the policy words it means (老人钱 → 高龄津贴); overrides the built-in
    entry of the same phrase, or switches it off (`enabled` false)."""

    __tablename__ = "ask_synonyms"

    phrase: Mapped[str] = mapped_column(String(40), unique=True)
    words: Mapped[list] = mapped_column(default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AskQuestion(IdMixin, Base):
    """A question asked, as answered: for staff to find what is not answered or not liked.
    Long digit runs (a 身份证号, a phone) are masked before it is kept."""

    __tablename__ = "ask_questions"
    __table_args__ = (Index("ix_ask_questions_answered_created_at", "answered", "created_at"),)

    question: Mapped[str] = mapped_column(String(500))
    intent: Mapped[str] = mapped_column(String(16))
    answered: Mapped[bool] = mapped_column(default=False)
    item_ids: Mapped[list] = mapped_column(default=list)
    confidence: Mapped[float] = mapped_column(default=0.0)
    feedback: Mapped[str | None] = mapped_column(String(8))  # useful / useless
    comment: Mapped[str | None] = mapped_column(String(500))
    wechat_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("wechat_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
