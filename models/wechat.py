"""WeChat users and the subjects they may act for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, Hash32, IdMixin, Sealed
from models.clock import utcnow


class Relation(StrEnum):
    """Why a WeChat user may act for a subject."""

    SELF = "self"
    LEGAL_REPRESENTATIVE = "legal_representative"
    AGENT = "agent"


class WeChatUser(IdMixin, Base):
    """A mini-program user, known by openid; the session_key never leaves the server."""

    __tablename__ = "wechat_users"
    __table_args__ = (UniqueConstraint("appid", "openid"),)

    appid: Mapped[str] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(64))
    unionid: Mapped[str | None] = mapped_column(String(64))
    session_key_enc: Mapped[bytes | None] = mapped_column(Sealed)
    phone_enc: Mapped[bytes | None] = mapped_column(Sealed)
    phone_hash: Mapped[bytes | None] = mapped_column(Hash32, index=True)
    # indexed: every worker reads the users who are not active every few seconds
    # (api/resident_auth.py), a handful among a city's users
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class SubjectBinding(IdMixin, Base):
    """A WeChat user's right to act for a subject: as itself, its legal representative or agent."""

    __tablename__ = "subject_bindings"
    __table_args__ = (UniqueConstraint("wechat_user_id", "subject_id"),)

    wechat_user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("wechat_users.id", ondelete="CASCADE")
    )
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subjects.id"), index=True)
    relation: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="active")
    verified_by: Mapped[str] = mapped_column(String(40))
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResidentSession(IdMixin, Base):
    """A resident's refresh token (kept as its hash): rotated on use, revoked on logout."""

    __tablename__ = "resident_sessions"

    wechat_user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("wechat_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[bytes] = mapped_column(Hash32, unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    replaced_by_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]


class ResidentConsent(IdMixin, Base):
    """A resident's consent to one purpose (隐私保护指引, 身份证号, 银行卡) at one text version.

    Consenting again to a newer text adds a row; withdrawing stamps the row. The row stays after
    the account is deleted: it proves what was agreed, and names nobody once the account is gone.
    """

    __tablename__ = "resident_consents"
    __table_args__ = (UniqueConstraint("wechat_user_id", "purpose", "version"),)

    wechat_user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("wechat_users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(24))
    version: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
