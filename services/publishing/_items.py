"""Policy items: create (with a first draft version), read, list and edit their attributes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ItemMode, PolicyItem, PolicyItemVersion, PolicyStatus, VersionStatus
from services import audit, catalog
from services.audit import Actor
from services.errors import Conflict, InvalidInput
from services.publishing._access import ItemDetail, detail_of, item_for, policy_for, staff_id
from services.publishing._content import CONTENT, merged_content, validate_content

ATTRIBUTES = (
    "name",
    "benefit",
    "apply_from",
    "apply_until",
    "promised_days",
    "budget_fen",
    "max_grants",
    "guide_text",
    "contact",
)
# Who the item is for and how it is obtained are fixed once it has been published.
DRAFT_ONLY = ("subject_type", "mode")
CLOSED = (PolicyStatus.WITHDRAWN, PolicyStatus.EXPIRED)


def list_items(*, session: Session, actor: Actor, policy_id: int) -> list[PolicyItem]:
    """Return a readable policy's items in creation order."""
    policy = policy_for(session, actor, policy_id)
    return list(
        session.scalars(
            select(PolicyItem).where(PolicyItem.policy_id == policy.id).order_by(PolicyItem.id)
        )
    )


def get_item(*, session: Session, actor: Actor, item_id: int) -> ItemDetail:
    """Return a readable item with its current and draft versions."""
    return detail_of(session, item_for(session, actor, item_id))


def create_item(
    *,
    session: Session,
    actor: Actor,
    policy_id: int,
    name: str,
    subject_type: str,
    mode: str,
    code: str | None = None,
    **fields: Any,
) -> ItemDetail:
    """Create a draft item under a policy; its content (rule, amount …) is draft version 1.

    `fields` are the item's attributes (ATTRIBUTES) and content documents (CONTENT).
    """
    policy = policy_for(session, actor, policy_id, write=True, lock=True)
    if policy.status in CLOSED:
        raise Conflict("已撤回或已失效的政策不能新增事项")
    content = {key: fields[key] for key in CONTENT if key in fields}
    attributes = {key: value for key, value in fields.items() if key not in CONTENT}
    unknown = set(attributes) - set(ATTRIBUTES)
    if unknown:
        raise TypeError(f"unknown item fields: {sorted(unknown)}")
    _check_window(attributes.get("apply_from"), attributes.get("apply_until"))
    _check_mode(mode)
    document = merged_content(None, content)
    document = validate_content(session, subject_type, document)
    code = code or _next_code(session, policy.code, policy.id)
    if session.scalar(select(PolicyItem.id).where(PolicyItem.code == code)) is not None:
        raise Conflict(f"事项代码「{code}」已存在", errors={"code": ["事项代码已存在"]})
    item = PolicyItem(
        code=code,
        policy_id=policy.id,
        name=name,
        subject_type=subject_type,
        mode=mode,
        status=PolicyStatus.DRAFT,
        **attributes,
    )
    session.add(item)
    session.flush()
    draft = PolicyItemVersion(
        item_id=item.id,
        version=1,
        status=VersionStatus.DRAFT,
        created_by_id=staff_id(actor),
        **document,
    )
    session.add(draft)
    session.flush()
    after = {**audit.snapshot(item), "draft": audit.snapshot(draft)}
    audit.record(session, actor, "item.create", item, after=after)
    session.commit()
    return ItemDetail(item, None, draft)


def update_item(
    *, session: Session, actor: Actor, item_id: int, changes: Mapping[str, Any]
) -> ItemDetail:
    """Edit an item's attributes in place (audited); its content changes through drafts."""
    item = item_for(session, actor, item_id, write=True, lock=True)
    if item.status in CLOSED:
        raise Conflict("已撤回或已失效的事项不能修改")
    fixed = {key: ["事项发布后不能修改此项"] for key in DRAFT_ONLY if key in changes}
    if fixed and item.status != PolicyStatus.DRAFT:
        raise Conflict("事项发布后不能修改申请主体和办理方式", errors=fixed)
    _check_mode(changes.get("mode", item.mode))
    _check_window(
        changes.get("apply_from", item.apply_from), changes.get("apply_until", item.apply_until)
    )
    detail = detail_of(session, item)
    subject_type = changes.get("subject_type", item.subject_type)
    if subject_type != item.subject_type and detail.draft is not None:
        validate_content(session, subject_type, merged_content(detail.draft, {}))
    before = audit.snapshot(item)
    for key in (*ATTRIBUTES, *DRAFT_ONLY):
        if key in changes:
            setattr(item, key, changes[key])
    session.flush()
    after = audit.snapshot(item)
    if after != before:
        audit.record(session, actor, "item.update", item, before=before, after=after)
        catalog.index_policy(session, item.policy_id)
    session.commit()
    return detail


def _check_window(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput("申请时间有误", errors={"apply_until": ["截止时间不能早于开始时间"]})


def _check_mode(mode: str) -> None:
    if mode not in set(ItemMode):
        raise InvalidInput("办理方式有误", errors={"mode": ["应为 auto_grant、one_tap 或 guide"]})


def _next_code(session: Session, policy_code: str, policy_id: int) -> str:
    """Return the first free code of the form <policy code>-NN."""
    taken = set(session.scalars(select(PolicyItem.code).where(PolicyItem.policy_id == policy_id)))
    number = len(taken) + 1
    while True:
        code = f"{policy_code}-{number:02d}"
        if (
            code not in taken
            and session.scalar(select(PolicyItem.id).where(PolicyItem.code == code)) is None
        ):
            return code
        number += 1
