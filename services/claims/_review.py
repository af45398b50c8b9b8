"""Reviewers: list the claims of their departments, move them on, and register payouts (兑现).

A reviewer acts on claims of items whose policy belongs to a department where they hold the
reviewer role (an admin everywhere). A claim outside that scope is NotFound, as in publishing:
its existence is not revealed. Every move is audited with the claim before and after.

Caps: an item's `max_grants` and `budget_fen` are taken at approval. The approval locks the item
row first (SELECT … FOR UPDATE on MariaDB; SQLite serializes every transaction), so approvals of
one item run one at a time and each counts what the previous ones committed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from models import ActorKind, Claim, Grant, GrantStatus, Policy, PolicyItem, Role
from models.clock import utcnow
from rules.wording import yuan
from services import audit
from services.audit import Actor
from services.claims._steps import COMMITTED, WAITING, begin_fresh, check_move, move
from services.errors import Conflict, DomainError, InvalidInput, NotFound

ACTIONS = ("review", "approve", "reject", "return", "pay")


def scope(actor: Actor) -> set[int] | None:
    """Return the departments whose claims the actor reviews; None means every department."""
    return actor.departments(Role.REVIEWER)


def department_of(session: Session, item_id: int) -> int:
    """Return the department of an item's policy."""
    return session.execute(
        select(Policy.department_id)
        .join(PolicyItem, PolicyItem.policy_id == Policy.id)
        .where(PolicyItem.id == item_id)
    ).scalar_one()


def visible_claim(session: Session, actor: Actor, claim_id: int) -> Claim:
    """Return a claim the actor reviews, or raise NotFound."""
    claim = session.get(Claim, claim_id)
    allowed = scope(actor)
    if claim is None or (
        allowed is not None and department_of(session, claim.item_id) not in allowed
    ):
        raise NotFound("申请不存在")
    return claim


def review_claim(*, session: Session, actor: Actor, claim_id: int, **_: Any) -> Claim:
    """Take a submitted claim into review."""
    return _act(session, actor, claim_id, "review", lambda claim, item: None)


def approve_claim(
    *, session: Session, actor: Actor, claim_id: int, approved_fen: int | None = None, **_: Any
) -> Claim:
    """Approve a claim under review, within the item's places and budget."""

    def apply(claim: Claim, item: PolicyItem) -> None:
        fen = claim.expected_fen if approved_fen is None else approved_fen
        check_caps(session, item, fen)
        claim.approved_fen = fen
        claim.decided_at = utcnow()

    return _act(session, actor, claim_id, "approve", apply, lock_item=True)


def reject_claim(*, session: Session, actor: Actor, claim_id: int, reason: str, **_: Any) -> Claim:
    """Reject a claim, saying why."""

    def apply(claim: Claim, item: PolicyItem) -> None:
        claim.reason = reason
        claim.decided_at = utcnow()

    return _act(session, actor, claim_id, "reject", apply, note=reason)


def return_claim(*, session: Session, actor: Actor, claim_id: int, reason: str, **_: Any) -> Claim:
    """Return a claim to the resident for correction (补正), saying what is needed."""

    def apply(claim: Claim, item: PolicyItem) -> None:
        claim.reason = reason

    return _act(session, actor, claim_id, "return", apply, note=reason)


def pay_claim(
    *,
    session: Session,
    actor: Actor,
    claim_id: int,
    payment_ref: str,
    paid_fen: int | None = None,
    **_: Any,
) -> Claim:
    """Register the payout of an approved claim: amount (at most the approved one) and reference."""

    def apply(claim: Claim, item: PolicyItem) -> None:
        fen = claim.approved_fen if paid_fen is None else paid_fen
        if fen is None:
            raise InvalidInput("请填写发放金额", errors={"paid_fen": ["核定金额未知，必须填写"]})
        if claim.approved_fen is not None and fen > claim.approved_fen:
            raise InvalidInput(
                f"发放金额不能超过核定金额 {yuan(claim.approved_fen)}",
                errors={"paid_fen": [f"应不大于 {claim.approved_fen}"]},
            )
        claim.paid_fen = fen
        claim.payment_ref = payment_ref
        claim.paid_at = utcnow()

    return _act(session, actor, claim_id, "pay", apply, lock_item=True)


DOERS: dict[str, Callable[..., Claim]] = {
    "review": review_claim,
    "approve": approve_claim,
    "reject": reject_claim,
    "return": return_claim,
    "pay": pay_claim,
}


def bulk(
    *, session: Session, actor: Actor, ids: list[int], action: str, **arguments: Any
) -> list[dict[str, Any]]:
    """Apply one action to many claims, each in its own transaction; report each outcome."""
    results = []
    for claim_id in dict.fromkeys(ids):
        try:
            claim = DOERS[action](session=session, actor=actor, claim_id=claim_id, **arguments)
        except DomainError as error:
            session.rollback()
            outcome = {"ok": False, "status": None, "code": error.status, "message": error.message}
            results.append({"id": claim_id, **outcome})
            continue
        results.append(
            {"id": claim_id, "ok": True, "status": claim.status, "code": 200, "message": "成功"}
        )
    return results


def check_caps(session: Session, item: PolicyItem, fen: int | None) -> None:
    """Refuse an approval that would exceed the item's places or budget (item row locked)."""
    if item.max_grants is None and item.budget_fen is None:
        return
    count, committed = commitments(session, item.id)
    if item.max_grants is not None and count + 1 > item.max_grants:
        raise Conflict(
            f"本事项名额已满（共 {item.max_grants} 个）",
            errors={"max_grants": [f"已核准 {count} 个"]},
        )
    if item.budget_fen is not None:
        if fen is None:
            raise InvalidInput(
                "本事项有预算上限，请填写核定金额", errors={"approved_fen": ["必须填写"]}
            )
        if committed + fen > item.budget_fen:
            left = max(item.budget_fen - committed, 0)
            raise Conflict(
                f"本事项预算不足：剩余 {yuan(left)}，本次需 {yuan(fen)}",
                errors={"budget_fen": [f"剩余 {left} 分"]},
            )


def commitments(session: Session, item_id: int) -> tuple[int, int]:
    """Return (places taken, fen committed): approved or paid claims, and paid grants."""
    claims = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(func.coalesce(Claim.paid_fen, Claim.approved_fen, 0)), 0),
        ).where(Claim.item_id == item_id, Claim.status.in_(COMMITTED))
    ).one()
    grants = session.execute(
        select(func.count(), func.coalesce(func.sum(func.coalesce(Grant.amount_fen, 0)), 0)).where(
            Grant.item_id == item_id, Grant.status == GrantStatus.PAID
        )
    ).one()
    return int(claims[0]) + int(grants[0]), int(claims[1]) + int(grants[1])


def _act(
    session: Session,
    actor: Actor,
    claim_id: int,
    action: str,
    apply: Callable[[Claim, PolicyItem], None],
    *,
    note: str | None = None,
    lock_item: bool = False,
) -> Claim:
    """Check scope, lock (item first, then claim), check the move, apply it, audit, commit."""
    item_id = visible_claim(session, actor, claim_id).item_id
    begin_fresh(session)
    try:
        item = session.get(
            PolicyItem, item_id, with_for_update=lock_item or None, populate_existing=lock_item
        )
        claim = session.get(Claim, claim_id, with_for_update=True, populate_existing=True)
        if claim is None or item is None:
            raise NotFound("申请不存在")
        target = check_move(claim, action)
        before = audit.snapshot(claim, exclude=("form",))
        apply(claim, item)
        move(
            session,
            claim,
            target,
            item_name=item.name,
            actor_kind=ActorKind.STAFF,
            actor_id=actor.id,
            note=note,
        )
        audit.record(
            session,
            actor,
            f"claim.{action}",
            claim,
            before=before,
            after=audit.snapshot(claim, exclude=("form",)),
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return claim


def overdue_clause(now: datetime) -> Any:
    """Return a condition true for claims still waiting after their promised working days."""
    return and_(Claim.status.in_(WAITING), Claim.due_at.is_not(None), Claim.due_at <= now)
