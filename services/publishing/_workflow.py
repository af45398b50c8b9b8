"""A policy's workflow: draft -> published -> withdrawn, or expired once its end date passes.

Publishing a policy publishes, in the same transaction, every one of its draft items; it is
refused unless there is at least one and each passes its checks. Withdrawing or expiring a
policy takes its items down with it (docs/publishing.md). An item whose application window has
ended is expired on its own (`expire_items`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import PolicyItem, PolicyStatus
from models.clock import local_now, utcnow
from models.policy import Policy
from services import audit, catalog
from services.audit import SYSTEM, Actor
from services.errors import Conflict, InvalidInput
from services.publishing._access import describe_policy, draft_of, policy_for
from services.publishing._content import publish_problems
from services.publishing._lifecycle import go_live, take_down


def publish_policy(
    *, session: Session, actor: Actor, policy_id: int, today: date | None = None
) -> Policy:
    """Publish a draft policy together with its draft items, or refuse with every problem."""
    policy = policy_for(session, actor, policy_id, write=True, lock=True)
    if policy.status != PolicyStatus.DRAFT:
        raise Conflict("只有草稿状态的政策可以发布")
    today = today or local_now().date()
    items = _items(session, policy.id, PolicyStatus.DRAFT)
    drafts = [(item, draft_of(session, item.id)) for item in items]
    pairs = [(item, draft) for item, draft in drafts if draft is not None]
    if not pairs:
        raise InvalidInput("政策至少需要一个可发布的事项", errors={"items": ["没有草稿事项"]})
    errors = {
        f"items[{item.code}].{path}": messages
        for item, draft in pairs
        for path, messages in publish_problems(session, item, draft, today).items()
    }
    if errors:
        raise InvalidInput("部分事项未通过检查，政策未发布", errors=errors)
    now = utcnow()
    before = describe_policy(policy)
    policy.status = PolicyStatus.PUBLISHED
    policy.published_at = now
    for item, draft in pairs:
        go_live(session, actor, item, draft, now)
    audit.record(
        session, actor, "policy.publish", policy, before=before, after=describe_policy(policy)
    )
    session.commit()
    return policy


def withdraw_policy(*, session: Session, actor: Actor, policy_id: int) -> Policy:
    """Withdraw a published policy and every item of it that is not already closed."""
    policy = policy_for(session, actor, policy_id, write=True, lock=True)
    if policy.status != PolicyStatus.PUBLISHED:
        raise Conflict("只有已发布的政策可以撤回")
    now = utcnow()
    before = describe_policy(policy)
    policy.status = PolicyStatus.WITHDRAWN
    policy.withdrawn_at = now
    for item in _items(session, policy.id, PolicyStatus.PUBLISHED, PolicyStatus.DRAFT):
        take_down(session, actor, item, PolicyStatus.WITHDRAWN, now)
    catalog.index_policy(session, policy.id)
    audit.record(
        session, actor, "policy.withdraw", policy, before=before, after=describe_policy(policy)
    )
    session.commit()
    return policy


def expire_policies(*, session: Session, today: date, actor: Actor = SYSTEM) -> dict[str, int]:
    """Expire every published policy whose effective_to is before `today`, with its items.

    Safe to run twice: an expired policy is no longer published. One transaction per policy.
    """
    due = list(
        session.scalars(
            select(Policy.id).where(
                Policy.status == PolicyStatus.PUBLISHED, Policy.effective_to < today
            )
        )
    )
    counts = {"policies_expired": 0, "items_expired": 0}
    now = utcnow()
    for policy_id in due:
        policy = session.get(Policy, policy_id, with_for_update=True)
        if policy is None or policy.status != PolicyStatus.PUBLISHED:
            continue
        before = describe_policy(policy)
        policy.status = PolicyStatus.EXPIRED
        for item in _items(session, policy.id, PolicyStatus.PUBLISHED, PolicyStatus.DRAFT):
            take_down(session, actor, item, PolicyStatus.EXPIRED, now)
            counts["items_expired"] += 1
        catalog.index_policy(session, policy.id)
        audit.record(
            session, actor, "policy.expire", policy, before=before, after=describe_policy(policy)
        )
        session.commit()
        counts["policies_expired"] += 1
    return counts


def expire_items(*, session: Session, now: datetime, actor: Actor = SYSTEM) -> dict[str, int]:
    """Expire every published item whose application window (apply_until) ended before `now`.

    Each gets a change event (lifecycle.take_down), so the matcher ends its matches. Safe to run
    twice: an expired item is no longer published. One transaction per item.
    """
    due = list(
        session.scalars(
            select(PolicyItem.id)
            .where(
                PolicyItem.status == PolicyStatus.PUBLISHED,
                PolicyItem.apply_until.is_not(None),
                PolicyItem.apply_until < now,
            )
            .order_by(PolicyItem.id)
        )
    )
    session.commit()  # end the read: each item is locked and taken down in its own transaction
    expired = 0
    for item_id in due:
        item = session.get(PolicyItem, item_id, with_for_update=True, populate_existing=True)
        if item is None or item.status != PolicyStatus.PUBLISHED:
            session.rollback()
            continue
        if item.apply_until is None or item.apply_until >= now:  # reopened meanwhile
            session.rollback()
            continue
        take_down(session, actor, item, PolicyStatus.EXPIRED, utcnow())
        session.commit()
        expired += 1
    return {"items_expired": expired}


def _items(session: Session, policy_id: int, *statuses: str) -> list[PolicyItem]:
    """Return the policy's items in these states, locked, in id order."""
    return list(
        session.scalars(
            select(PolicyItem)
            .where(PolicyItem.policy_id == policy_id, PolicyItem.status.in_(statuses))
            .order_by(PolicyItem.id)
            .with_for_update()
        )
    )
