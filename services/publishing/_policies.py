"""Policies: create, read, list and edit (drafts freely, published ones' texts only)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from models import Department, Policy, PolicyCategory, PolicyStatus
from services import audit, catalog
from services.audit import Actor
from services.errors import Conflict, InvalidInput
from services.publishing._access import (
    check_write,
    describe_policy,
    policy_for,
    readable_departments,
    staff_id,
)

TEXTS = ("title", "doc_number", "summary", "body", "interpretation", "source_url")
DATES = ("issued_on", "effective_from", "effective_to")
# A published policy's texts may be corrected (audited); its dates and categories may not.
EDITABLE = {PolicyStatus.DRAFT: (*TEXTS, *DATES, "categories"), PolicyStatus.PUBLISHED: TEXTS}


def list_policies(
    *,
    session: Session,
    actor: Actor,
    department_id: int | None = None,
    status: str | None = None,
    category: str | None = None,
    keyword: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[Policy], int]:
    """Return one page of the policies the actor may read, newest first, and how many match."""
    query = select(Policy)
    scope = readable_departments(actor)
    if scope is not None:
        query = query.where(Policy.department_id.in_(scope))
    if department_id is not None:
        query = query.where(Policy.department_id == department_id)
    if status:
        query = query.where(Policy.status == status)
    if category:
        query = query.where(
            exists().where(
                PolicyCategory.policy_id == Policy.id, PolicyCategory.category == category
            )
        )
    if keyword:
        query = query.where(Policy.title.contains(keyword, autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if (page - 1) * page_size >= total:  # past the end: a huge page must not reach the database
        return [], total
    rows = session.scalars(
        query.order_by(Policy.id.desc()).offset((page - 1) * page_size).limit(page_size)
    )
    return list(rows), total


def get_policy(*, session: Session, actor: Actor, policy_id: int) -> Policy:
    """Return a policy the actor may read."""
    return policy_for(session, actor, policy_id)


def create_policy(
    *,
    session: Session,
    actor: Actor,
    code: str,
    department_id: int,
    title: str,
    categories: list[str],
    doc_number: str | None = None,
    summary: str = "",
    body: str = "",
    interpretation: str = "",
    source_url: str | None = None,
    issued_on: date | None = None,
    effective_from: date | None = None,
    effective_to: date | None = None,
) -> Policy:
    """Create a draft policy in a department where the actor publishes."""
    if session.get(Department, department_id) is None:
        raise InvalidInput("部门不存在", errors={"department_id": ["部门不存在"]})
    check_write(actor, department_id, "只能在本部门创建政策")
    if session.scalar(select(Policy.id).where(Policy.code == code)) is not None:
        raise Conflict(f"政策代码「{code}」已存在", errors={"code": ["政策代码已存在"]})
    _check_dates(effective_from, effective_to)
    policy = Policy(
        code=code,
        department_id=department_id,
        title=title,
        doc_number=doc_number,
        summary=summary,
        body=body,
        interpretation=interpretation,
        source_url=source_url,
        issued_on=issued_on,
        effective_from=effective_from,
        effective_to=effective_to,
        status=PolicyStatus.DRAFT,
        created_by_id=staff_id(actor),
        categories=[PolicyCategory(category=c) for c in dict.fromkeys(categories)],
    )
    session.add(policy)
    session.flush()
    audit.record(session, actor, "policy.create", policy, after=describe_policy(policy))
    session.commit()
    return policy


def update_policy(
    *, session: Session, actor: Actor, policy_id: int, changes: Mapping[str, Any]
) -> Policy:
    """Edit a draft policy, or correct a published policy's texts; every change is audited."""
    policy = policy_for(session, actor, policy_id, write=True, lock=True)
    editable = EDITABLE.get(PolicyStatus(policy.status), ())
    if not editable:
        raise Conflict("已撤回或已失效的政策不能修改")
    refused = {key: ["已发布的政策不能修改此项"] for key in changes if key not in editable}
    if refused:
        raise Conflict("已发布的政策只能更正文字内容", errors=refused)
    _check_dates(
        changes.get("effective_from", policy.effective_from),
        changes.get("effective_to", policy.effective_to),
    )
    before = describe_policy(policy)
    for key, value in changes.items():
        if key == "categories":
            wanted = list(dict.fromkeys(value))
            kept = [c for c in policy.categories if c.category in wanted]
            held = {c.category for c in kept}
            policy.categories = kept + [PolicyCategory(category=c) for c in wanted if c not in held]
        else:
            setattr(policy, key, value)
    session.flush()
    after = describe_policy(policy)
    if after != before:
        audit.record(session, actor, "policy.update", policy, before=before, after=after)
        catalog.index_policy(session, policy.id)
    session.commit()
    return policy


def _check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput("有效期有误", errors={"effective_to": ["有效期截止日不能早于生效日"]})
