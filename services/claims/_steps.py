"""A claim's steps: which moves are allowed, and what each move writes in the same transaction.

Every move appends a ClaimEvent (from, to, who, when, note) and an outbox message for the
subject's WeChat users: `claim_status`, or `payout_done` when the claim is paid (docs/notify.md).
The message's dedupe key names the claim, the new status and the event, so a move is told once
and a claim that passes the same status twice (returned, then submitted again) is told twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from models import ActorKind, Claim, ClaimEvent, ClaimStatus, Grant
from models.clock import utcnow
from notify import outbox, pages
from notify.messages import CLAIM_STATUS, CLAIM_STATUS_WORDS, PAYOUT_DONE
from notify.outbox import Message
from rules.wording import yuan
from services.errors import Conflict

S = ClaimStatus
# A claim that is neither withdrawn nor rejected holds the subject's one claim on the item.
ACTIVE = (S.SUBMITTED, S.REVIEWING, S.RETURNED, S.APPROVED, S.PAID)
# What the department still has to decide: the promised time runs while a claim is here.
WAITING = (S.SUBMITTED, S.REVIEWING)
# The caps of an item (max_grants, budget_fen) count these.
COMMITTED = (S.APPROVED, S.PAID)

# action -> (statuses it may start from, the status it leads to, the verb people read)
MOVES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "review": ((S.SUBMITTED,), S.REVIEWING, "受理审核"),
    "approve": ((S.REVIEWING,), S.APPROVED, "审核通过"),
    "reject": ((S.SUBMITTED, S.REVIEWING), S.REJECTED, "驳回"),
    "return": ((S.SUBMITTED, S.REVIEWING), S.RETURNED, "退回补正"),
    "pay": ((S.APPROVED,), S.PAID, "登记发放"),
    # The resident may withdraw until the review ends (approved or rejected).
    "withdraw": ((S.SUBMITTED, S.REVIEWING, S.RETURNED), S.WITHDRAWN, "撤回"),
    "resubmit": ((S.RETURNED,), S.SUBMITTED, "重新提交"),
}

_BODIES: dict[str, str] = {
    S.SUBMITTED: "您申请的「{item}」已提交，申请编号 {no}",
    S.REVIEWING: "您申请的「{item}」已受理，正在审核",
    S.RETURNED: "您申请的「{item}」需补正材料：{reason}",
    S.APPROVED: "您申请的「{item}」已审核通过{amount}",
    S.REJECTED: "您申请的「{item}」未通过审核：{reason}",
    S.WITHDRAWN: "您已撤回「{item}」的申请",
}


def begin_fresh(session: Session) -> None:
    """End the transaction the request opened for reading, and begin one that sees every commit.

    A service that waits for a row lock (the item, the subject) must then read what the lock's
    previous holder committed. On MariaDB a REPEATABLE READ transaction reads from the snapshot
    of its first plain read (the login check, the scope check), so the transaction begins again,
    in READ COMMITTED: every statement reads the latest commit, whatever was read before, and no
    gap locks are taken (two submissions inserting claims side by side could otherwise deadlock).
    SQLite transactions begin IMMEDIATE and are serialized, so they see the latest commit anyway.
    """
    session.commit()
    if session.get_bind().dialect.name in ("mysql", "mariadb"):
        session.connection(execution_options={"isolation_level": "READ COMMITTED"})


def check_move(claim: Claim, action: str) -> str:
    """Return the status `action` leads to, or raise Conflict when the claim cannot make it."""
    starts, target, verb = MOVES[action]
    if claim.status not in starts:
        word = CLAIM_STATUS_WORDS.get(claim.status, claim.status)
        raise Conflict(
            f"申请当前为「{word}」，不能{verb}",
            errors={"status": [f"当前状态为 {claim.status}"]},
        )
    return target


def move(
    session: Session,
    claim: Claim,
    to_status: str,
    *,
    item_name: str,
    actor_kind: str,
    actor_id: int | None,
    note: str | None = None,
    now: datetime | None = None,
) -> ClaimEvent:
    """Move the claim to `to_status`: its event and its outbox message, not yet committed."""
    now = now or utcnow()
    event = ClaimEvent(
        claim_id=claim.id,
        from_status=claim.status,
        to_status=to_status,
        actor_kind=actor_kind,
        actor_id=actor_id,
        note=note,
        created_at=now,
    )
    claim.status = to_status
    claim.updated_at = now
    claim.events.append(event)
    session.flush()  # the event id goes into the message's dedupe key
    outbox.add(session, _message(claim, event, item_name, now), now=now)
    return event


def first_step(
    session: Session, claim: Claim, *, item_name: str, applicant_id: int, now: datetime
) -> ClaimEvent:
    """Record a new claim's submission (no status before it)."""
    claim.status = S.SUBMITTED
    event = ClaimEvent(
        claim_id=claim.id,
        from_status=None,
        to_status=S.SUBMITTED,
        actor_kind=ActorKind.RESIDENT,
        actor_id=applicant_id,
        created_at=now,
    )
    claim.events.append(event)
    session.flush()
    outbox.add(session, _message(claim, event, item_name, now), now=now)
    return event


def _message(claim: Claim, event: ClaimEvent, item_name: str, now: datetime) -> Message:
    dedupe = f"claim:{claim.id}:{event.to_status}:{event.id}"
    fen: int | None
    if event.to_status == S.PAID:
        fen = claim.paid_fen or 0
        paid_at = (claim.paid_at or now).isoformat()
        return Message(
            topic=PAYOUT_DONE,
            dedupe_key=dedupe,
            subject_id=claim.subject_id,
            item_id=claim.item_id,
            claim_id=claim.id,
            title="资金已发放",
            body=f"「{item_name}」{yuan(fen)}已发放，请注意查收",
            data={
                "claim_no": claim.claim_no,
                "item_name": item_name,
                "amount_fen": fen,
                "paid_at": paid_at,
            },
            page=pages.claim(claim.id),
        )
    fen = claim.approved_fen
    body = _BODIES[event.to_status].format(
        item=item_name,
        no=claim.claim_no,
        reason=event.note or "",
        amount="" if fen is None else f"，核定金额 {yuan(fen)}",
    )
    return Message(
        topic=CLAIM_STATUS,
        dedupe_key=dedupe,
        subject_id=claim.subject_id,
        item_id=claim.item_id,
        claim_id=claim.id,
        title=f"申请{CLAIM_STATUS_WORDS[event.to_status]}",
        body=body,
        data={
            "claim_no": claim.claim_no,
            "item_name": item_name,
            "status": event.to_status,
            "reason": event.note if event.to_status in (S.RETURNED, S.REJECTED) else None,
        },
        page=pages.claim(claim.id),
    )


def payout_message(grant: Grant, item_name: str, now: datetime) -> Message:
    """Return the payout_done message of a paid grant (免申即享)."""
    fen = grant.amount_fen or 0
    return Message(
        topic=PAYOUT_DONE,
        dedupe_key=f"grant:{grant.id}:paid",
        subject_id=grant.subject_id,
        item_id=grant.item_id,
        title="资金已发放",
        body=f"「{item_name}」{yuan(fen)}已发放，请注意查收",
        data={
            "item_name": item_name,
            "amount_fen": fen,
            "paid_at": (grant.paid_at or now).isoformat(),
        },
        page=pages.grants(),
    )
