"""Who may read and write which department's policies and items.

A publisher reads and writes their own department's policies, a reviewer reads them, an admin
does everything; nobody else (the data platform's key included) sees any. An object the caller
may not read is reported as missing (NotFound), so its existence is not revealed; Forbidden is
kept for what the caller can see but may not do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Policy, PolicyItem, PolicyItemVersion, Role, VersionStatus
from services.audit import Actor, snapshot
from services.errors import Forbidden, NotFound

READERS = (Role.PUBLISHER, Role.REVIEWER)


def can_read(actor: Actor, department_id: int) -> bool:
    """Tell whether the actor may read the department's policies and items."""
    return any(actor.has_role(role, department_id) for role in READERS)


def can_write(actor: Actor, department_id: int) -> bool:
    """Tell whether the actor may write the department's policies and items."""
    return actor.has_role(Role.PUBLISHER, department_id)


def readable_departments(actor: Actor) -> set[int] | None:
    """Return the departments whose policies the actor may read; None means every one."""
    scopes = [actor.departments(role) for role in READERS]
    if any(scope is None for scope in scopes):
        return None
    return set().union(*scopes)  # type: ignore[arg-type]


def check_write(actor: Actor, department_id: int, message: str) -> None:
    """Raise Forbidden unless the actor may write the department's policies."""
    if not can_write(actor, department_id):
        raise Forbidden(message)


def policy_for(
    session: Session, actor: Actor, policy_id: int, *, write: bool = False, lock: bool = False
) -> Policy:
    """Return a policy the actor may read (and write), or raise NotFound / Forbidden."""
    policy = session.get(Policy, policy_id, with_for_update=lock or None)
    if policy is None or not can_read(actor, policy.department_id):
        raise NotFound("政策不存在")
    if write:
        check_write(actor, policy.department_id, "只有本部门的发布人员可以修改此政策")
    return policy


def item_for(
    session: Session, actor: Actor, item_id: int, *, write: bool = False, lock: bool = False
) -> PolicyItem:
    """Return an item the actor may read (and write), or raise NotFound / Forbidden."""
    item = session.get(PolicyItem, item_id, with_for_update=lock or None)
    if item is None or not can_read(actor, item.policy.department_id):
        raise NotFound("政策事项不存在")
    if write:
        check_write(actor, item.policy.department_id, "只有本部门的发布人员可以修改此事项")
    return item


def draft_of(session: Session, item_id: int) -> PolicyItemVersion | None:
    """Return the item's draft version, if it has one."""
    return session.scalar(
        select(PolicyItemVersion).where(
            PolicyItemVersion.item_id == item_id,
            PolicyItemVersion.status == VersionStatus.DRAFT,
        )
    )


def describe_policy(policy: Policy) -> dict:
    """Return what the audit log keeps of a policy: its columns and categories."""
    return {**snapshot(policy), "categories": sorted(c.category for c in policy.categories)}


def staff_id(actor: Actor) -> int | None:
    """Return the staff user id of the actor, for created_by columns."""
    return actor.id if actor.kind == "staff" else None


@dataclass(frozen=True)
class ItemDetail:
    """An item with its current (published) and draft versions; reads through to the item."""

    item: PolicyItem
    current: PolicyItemVersion | None
    draft: PolicyItemVersion | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.item, name)


def detail_of(session: Session, item: PolicyItem) -> ItemDetail:
    """Return the item with its current and draft versions."""
    current = (
        None
        if item.current_version_id is None
        else session.get(PolicyItemVersion, item.current_version_id)
    )
    return ItemDetail(item, current, draft_of(session, item.id))
