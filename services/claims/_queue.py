"""The reviewers' queue: claims of their departments, how long each has waited, its materials.

Days waiting count calendar days from the (last complete) submission to now while the department
still has to decide (submitted, reviewing), else to the decision. A claim is overdue when it is
still waiting at its `due_at`: the end of its item's promised working days (工作日, holidays and
make-up days as models.clock.is_workday knows them), counted from that submission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Claim, ClaimMaterial, Policy, PolicyItem, Subject
from models.clock import utcnow
from rules.identifiers import mask_name
from services import audit
from services.audit import Actor
from services.claims._materials import claim_file, materials_of
from services.claims._review import overdue_clause, scope, visible_claim
from services.claims._steps import WAITING
from services.storage import Storage

ORDERS = ("waiting", "due")  # longest waiting first; soonest due first


@dataclass(frozen=True)
class QueuedClaim:
    """A claim as a reviewer sees it; reads through to the claim."""

    claim: Claim
    item_name: str
    item_code: str
    department_id: int
    subject_kind: str
    subject_name: str
    now: datetime
    materials: list[ClaimMaterial] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.claim, name)

    @property
    def waiting_days(self) -> int:
        """Return the whole days the claim has waited (or waited until it was decided)."""
        claim = self.claim
        end = self.now if claim.status in WAITING else (claim.decided_at or claim.updated_at)
        return max((end - claim.submitted_at).days, 0)

    @property
    def overdue(self) -> bool:
        """Tell whether the claim still waits after its promised working days ran out."""
        due = self.claim.due_at
        return self.claim.status in WAITING and due is not None and self.now >= due

    @property
    def timeline(self) -> list:
        """Return the claim's events, oldest first."""
        return list(self.claim.events)


_COLUMNS = (
    Claim,
    PolicyItem.name,
    PolicyItem.code,
    Policy.department_id,
    Subject.kind,
    Subject.name,
)


def _base() -> Any:
    return (
        select(*_COLUMNS)
        .join(PolicyItem, PolicyItem.id == Claim.item_id)
        .join(Policy, Policy.id == PolicyItem.policy_id)
        .join(Subject, Subject.id == Claim.subject_id)
    )


def list_claims(
    *,
    session: Session,
    actor: Actor,
    department_id: int | None = None,
    status: str | None = None,
    item_id: int | None = None,
    subject_id: int | None = None,
    overdue: bool | None = None,
    min_days: int | None = None,
    order: str = "waiting",
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[QueuedClaim], int]:
    """Return one page of the claims the actor reviews and the count: longest waiting first,
    or (order "due") the soonest due first, those of items that promise no time last."""
    now = utcnow()
    query = _base()
    allowed = scope(actor)
    if allowed is not None:
        query = query.where(Policy.department_id.in_(allowed or {-1}))
    if department_id is not None:
        query = query.where(Policy.department_id == department_id)
    if status:
        query = query.where(Claim.status == status)
    if item_id is not None:
        query = query.where(Claim.item_id == item_id)
    if subject_id is not None:
        query = query.where(Claim.subject_id == subject_id)
    if min_days is not None:
        query = query.where(Claim.submitted_at <= now - timedelta(days=min_days))
    if overdue is True:
        query = query.where(overdue_clause(now))
    elif overdue is False:
        query = query.where(~overdue_clause(now))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset = (page - 1) * page_size
    if offset >= total:  # past the end: a huge page number must not reach OFFSET
        return [], total
    ordering = (
        (Claim.due_at.is_(None), Claim.due_at, Claim.id)
        if order == "due"
        else (Claim.submitted_at, Claim.id)
    )
    rows = session.execute(query.order_by(*ordering).offset(offset).limit(page_size)).all()
    return [_queued(row, now) for row in rows], total


def get_claim(*, session: Session, actor: Actor, claim_id: int) -> QueuedClaim:
    """Return a claim the actor reviews, with its materials and timeline."""
    visible_claim(session, actor, claim_id)
    row = session.execute(_base().where(Claim.id == claim_id)).one()
    queued = _queued(row, utcnow())
    return QueuedClaim(**{**queued.__dict__, "materials": materials_of(session, claim_id)})


def material_file(
    *, session: Session, actor: Actor, storage: Storage, claim_id: int, material_id: int
) -> tuple[ClaimMaterial, bytes]:
    """Return a claim's material and its bytes; the download is audited (personal documents)."""
    visible_claim(session, actor, claim_id)
    material, data = claim_file(session, storage, claim_id, material_id, not_found="材料不存在")
    audit.record(
        session,
        actor,
        "claim_material.download",
        material,
        after={"claim_id": claim_id, "name": material.name, "sha256": material.sha256},
    )
    session.commit()
    return material, data


def _queued(row: Any, now: datetime) -> QueuedClaim:
    claim, item_name, item_code, department_id, kind, name = row
    return QueuedClaim(
        claim=claim,
        item_name=item_name,
        item_code=item_code,
        department_id=department_id,
        subject_kind=kind,
        subject_name=mask_name(name),
        now=now,
    )
