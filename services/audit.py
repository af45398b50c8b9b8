"""Who acts, and the audit log of what they did: every staff write leaves an entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from models import AuditEntry, Role


@dataclass(frozen=True)
class Actor:
    """The person or machine on whose behalf a service runs."""

    kind: str  # staff, resident, data_platform, system
    id: int | None
    name: str
    roles: tuple[tuple[str, int | None], ...] = ()  # (role, department id or None = everywhere)
    request_id: str | None = None
    ip: str | None = None

    def has_role(self, role: str, department_id: int | None = None) -> bool:
        """Tell whether the actor holds `role` (in `department_id`, when given); admin holds all."""
        for held, department in self.roles:
            if held == Role.ADMIN:
                return True
            if held == role and (
                department is None or department_id is None or department == department_id
            ):
                return True
        return False

    def departments(self, role: str) -> set[int] | None:
        """Return the departments where the actor holds `role`; None means every department."""
        if any(held == Role.ADMIN or (held == role and dept is None) for held, dept in self.roles):
            return None
        return {dept for held, dept in self.roles if held == role and dept is not None}


SYSTEM = Actor(kind="system", id=None, name="system")


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj: object | None = None,
    *,
    object_type: str | None = None,
    object_id: object = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Add an audit entry to the session's transaction (the caller commits it with the change)."""
    if obj is not None:
        object_type = object_type or obj.__class__.__tablename__  # type: ignore[attr-defined]
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    entry = AuditEntry(
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id if object_id is not None else ""),
        before=before,
        after=after,
        request_id=actor.request_id,
        ip=actor.ip,
    )
    session.add(entry)
    return entry


def snapshot(obj: object, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return an object's column values as JSON-ready data, for before/after in the audit log."""
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attribute in state.mapper.column_attrs:
        name = attribute.key
        if name in exclude or name.endswith(("_enc", "_hash")) or name == "password_hash":
            continue
        out[name] = _plain(getattr(obj, name))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    return value


def list_entries(
    *,
    session: Session,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[AuditEntry], int]:
    """Return one page of the audit log, newest first, and the count: by action (a prefix:
    "fact." is every change of the facts catalog), object, who (name contains) and time."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if actor:
        query = query.where(AuditEntry.actor_name.contains(actor, autoescape=True))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return list(rows), total
