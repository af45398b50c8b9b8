"""An item going live with a version, or being taken down: the state change, the change event
the matcher consumes and the audit entry, all in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models import (
    ChangeEvent,
    ChangeScope,
    PolicyItem,
    PolicyItemVersion,
    PolicyStatus,
    VersionStatus,
)
from services import audit, catalog
from services.audit import Actor


def go_live(
    session: Session, actor: Actor, item: PolicyItem, draft: PolicyItemVersion, now: datetime
) -> str:
    """Make the draft the item's current version; return the reason: "publish" or "version"."""
    before = audit.snapshot(item)
    if item.current_version_id is not None:
        previous = session.get(PolicyItemVersion, item.current_version_id)
        if previous is not None:
            previous.status = VersionStatus.SUPERSEDED
    draft.status = VersionStatus.PUBLISHED
    draft.published_at = now
    item.current_version_id = draft.id
    reason = "version"
    if item.status == PolicyStatus.DRAFT:
        item.status = PolicyStatus.PUBLISHED
        item.published_at = now
        reason = "publish"
    session.add(ChangeEvent(scope=ChangeScope.ITEM, item_id=item.id, reason=reason))
    catalog.index_policy(session, item.policy_id)
    after = {**audit.snapshot(item), "version": draft.version}
    audit.record(session, actor, f"item.{reason}", item, before=before, after=after)
    return reason


def take_down(
    session: Session, actor: Actor, item: PolicyItem, status: PolicyStatus, now: datetime
) -> None:
    """Withdraw or expire an item; a live one gets a change event so its matches end."""
    before = audit.snapshot(item)
    was_live = item.status == PolicyStatus.PUBLISHED
    item.status = status
    reason = "withdraw" if status == PolicyStatus.WITHDRAWN else "expire"
    if status == PolicyStatus.WITHDRAWN:
        item.withdrawn_at = now
    if was_live:
        session.add(ChangeEvent(scope=ChangeScope.ITEM, item_id=item.id, reason=reason))
        catalog.index_policy(session, item.policy_id)
    audit.record(session, actor, f"item.{reason}", item, before=before, after=audit.snapshot(item))
