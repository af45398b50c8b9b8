"""Departments, staff users and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigId, Hash32, IdMixin
from models.clock import utcnow


class Role(StrEnum):
    """What a staff user may do; publisher and reviewer are scoped to a department."""

    ADMIN = "admin"
    PUBLISHER = "publisher"
    REVIEWER = "reviewer"
    DATA_PLATFORM = "data_platform"
    CATALOG = "catalog"  # 数据管理员: manages the facts catalog, everywhere


class AccountType(StrEnum):
    """A person who logs in with a password, or a machine client with an API key."""

    HUMAN = "human"
    MACHINE = "machine"


class Department(IdMixin, Base):
    """A government department that publishes policies (人社局, 民政局 …)."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffUser(IdMixin, Base):
    """A department employee or the data platform's machine client."""

    __tablename__ = "staff_users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    account_type: Mapped[str] = mapped_column(String(16), default=AccountType.HUMAN)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    api_key_hash: Mapped[bytes | None] = mapped_column(Hash32, unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised on logout, password change or deactivation: tokens carrying an older one stop working.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", lazy="selectin"
    )


class StaffRole(IdMixin, Base):
    """One role a staff user holds, in one department or (admin, data platform) everywhere."""

    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("staff_id", "role", "department_id"),)

    staff_id: Mapped[int] = mapped_column(BigId, ForeignKey("staff_users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"))

    staff: Mapped[StaffUser] = relationship(back_populates="roles")
