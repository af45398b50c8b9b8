"""Demo staff accounts: an admin, a publisher and a reviewer of 市民政局 (whose items the
showcase's 王秀英 claims), and a 数据管理员 of the facts catalog, so a newcomer can log in to the
admin API at once.

Made only on a database with no staff yet, each with a random password returned once for the
caller to show; `kuaixiang staff password` sets a new one when it is lost.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import StaffUser
from services import staff as staff_service
from services.audit import SYSTEM

DEPARTMENT = "LC-MZ"
ACCOUNTS = (
    ("demo-admin", "演示管理员", "admin", None, "管理员"),
    ("demo-publisher", "演示发布员", "publisher", DEPARTMENT, "政策发布 · 聊城市民政局"),
    ("demo-reviewer", "演示审核员", "reviewer", DEPARTMENT, "申请审核 · 聊城市民政局"),
    ("demo-data", "演示数据管理员", "catalog", None, "指标目录 · 新增和维护指标"),
)


@dataclass(frozen=True)
class DemoAccount:
    """A demo staff account and its password, shown once."""

    username: str
    password: str
    duty: str


def create_demo_staff(*, session: Session) -> list[DemoAccount]:
    """Create the demo staff accounts when no staff user exists; return them with passwords."""
    if session.scalar(select(StaffUser.id).limit(1)) is not None:
        return []
    made = []
    for username, display_name, role, department, duty in ACCOUNTS:
        password = secrets.token_urlsafe(9)  # 12 characters
        staff_service.create_staff(
            session=session,
            actor=SYSTEM,
            username=username,
            display_name=display_name,
            roles=[(role, department)],
            password=password,
        )
        made.append(DemoAccount(username, password, duty))
    return made
