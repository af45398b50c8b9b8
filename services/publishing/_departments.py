"""Departments: any staff member lists them, an admin creates and renames them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Department, Role
from services import audit
from services.audit import Actor
from services.errors import Conflict, Forbidden, NotFound

FIELDS = ("code", "name", "short_name", "phone", "address")
UNIQUE = {"code": "部门代码", "name": "部门名称"}


def list_departments(*, session: Session) -> list[Department]:
    """Return every department in code order."""
    return list(session.scalars(select(Department).order_by(Department.code)))


def create_department(
    *,
    session: Session,
    actor: Actor,
    code: str,
    name: str,
    short_name: str,
    phone: str | None = None,
    address: str | None = None,
) -> Department:
    """Create a department (admin only)."""
    _require_admin(actor)
    values = {"code": code, "name": name, "short_name": short_name}
    _check_unique(session, values, exclude_id=None)
    department = Department(**values, phone=phone, address=address)
    session.add(department)
    session.flush()
    audit.record(session, actor, "department.create", department, after=audit.snapshot(department))
    session.commit()
    return department


def update_department(
    *, session: Session, actor: Actor, department_id: int, changes: Mapping[str, Any]
) -> Department:
    """Change a department's code, names or contact details (admin only)."""
    _require_admin(actor)
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("部门不存在")
    _check_unique(session, changes, exclude_id=department.id)
    before = audit.snapshot(department)
    for key in FIELDS:
        if key in changes:
            setattr(department, key, changes[key])
    audit.record(
        session,
        actor,
        "department.update",
        department,
        before=before,
        after=audit.snapshot(department),
    )
    session.commit()
    return department


def _require_admin(actor: Actor) -> None:
    if not any(role == Role.ADMIN for role, _ in actor.roles):
        raise Forbidden("只有管理员可以维护部门")


def _check_unique(session: Session, values: Mapping[str, Any], *, exclude_id: int | None) -> None:
    """Raise Conflict when another department already has this code or name."""
    errors: dict[str, list[str]] = {}
    for key, noun in UNIQUE.items():
        if key not in values:
            continue
        query = select(Department.id).where(getattr(Department, key) == values[key])
        if exclude_id is not None:
            query = query.where(Department.id != exclude_id)
        if session.scalar(query) is not None:
            errors[key] = [f"{noun}「{values[key]}」已存在"]
    if errors:
        raise Conflict("部门代码或名称已被使用", errors=errors)
