"""An item's versions: save and discard the draft, publish it, list the history, withdraw.

A published version is never edited: changes go into the item's one draft version, and
publishing the draft makes it current and supersedes the previous one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import PolicyItemVersion, PolicyStatus, VersionStatus
from models.clock import local_now, utcnow
from services import audit
from services.audit import Actor
from services.errors import Conflict
from services.publishing._access import ItemDetail, detail_of, draft_of, item_for, staff_id
from services.publishing._content import check_publishable, merged_content, validate_content
from services.publishing._items import CLOSED
from services.publishing._lifecycle import go_live, take_down


def item_versions(*, session: Session, actor: Actor, item_id: int) -> list[PolicyItemVersion]:
    """Return every version of a readable item, newest first."""
    item = item_for(session, actor, item_id)
    return list(
        session.scalars(
            select(PolicyItemVersion)
            .where(PolicyItemVersion.item_id == item.id)
            .order_by(PolicyItemVersion.version.desc())
        )
    )


def save_draft(
    *, session: Session, actor: Actor, item_id: int, changes: Mapping[str, Any]
) -> PolicyItemVersion:
    """Save content into the item's draft, starting one from the current version if needed.

    The content is validated first, so an invalid rule is never stored.
    """
    item = item_for(session, actor, item_id, write=True, lock=True)
    if item.status in CLOSED:
        raise Conflict("已撤回或已失效的事项不能修改")
    detail = detail_of(session, item)
    content = merged_content(detail.draft or detail.current, changes)
    content = validate_content(session, item.subject_type, content)
    draft = detail.draft
    before = None if draft is None else audit.snapshot(draft)
    if draft is None:
        latest = session.scalar(
            select(func.max(PolicyItemVersion.version)).where(PolicyItemVersion.item_id == item.id)
        )
        draft = PolicyItemVersion(
            item_id=item.id,
            version=(latest or 0) + 1,
            status=VersionStatus.DRAFT,
            created_by_id=staff_id(actor),
        )
        session.add(draft)
    for key, value in content.items():
        setattr(draft, key, value)
    session.flush()
    after = audit.snapshot(draft)
    if after != before:
        audit.record(session, actor, "item.draft", draft, before=before, after=after)
    session.commit()
    return draft


def discard_draft(*, session: Session, actor: Actor, item_id: int) -> None:
    """Delete a published item's pending draft (a never-published item keeps its only one)."""
    item = item_for(session, actor, item_id, write=True, lock=True)
    draft = draft_of(session, item.id)
    if draft is None:
        raise Conflict("该事项没有草稿版本")
    if item.current_version_id is None:
        raise Conflict("事项尚未发布，草稿不能丢弃；不需要的事项请撤回")
    audit.record(session, actor, "item.draft_discard", draft, before=audit.snapshot(draft))
    session.delete(draft)
    session.commit()


def publish_item(
    *, session: Session, actor: Actor, item_id: int, today: date | None = None
) -> ItemDetail:
    """Publish the item's draft version: first publication, or a new version of a live item.

    Refused while the item's policy is not published, and while the draft's rule is invalid or
    one of its cases fails (InvalidInput, every problem keyed by JSON path).
    """
    item = item_for(session, actor, item_id, write=True, lock=True)
    if item.policy.status != PolicyStatus.PUBLISHED:
        raise Conflict("政策尚未发布（或已撤回、失效），不能单独发布事项；请先发布政策")
    if item.status in CLOSED:
        raise Conflict("已撤回或已失效的事项不能发布")
    draft = draft_of(session, item.id)
    if draft is None:
        raise Conflict("该事项没有待发布的草稿版本")
    check_publishable(session, item, draft, today or local_now().date())
    go_live(session, actor, item, draft, utcnow())
    session.commit()
    return detail_of(session, item)


def withdraw_item(*, session: Session, actor: Actor, item_id: int) -> ItemDetail:
    """Withdraw an item: a live one stops matching; a never-published one is abandoned."""
    item = item_for(session, actor, item_id, write=True, lock=True)
    if item.status in CLOSED:
        raise Conflict("事项已撤回或已失效")
    take_down(session, actor, item, PolicyStatus.WITHDRAWN, utcnow())
    session.commit()
    return detail_of(session, item)
