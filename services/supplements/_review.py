"""The department's side of 补充信息: the declarations for its items, their materials, and the
decision. Approval writes the value into the profile (merge, with a change event) and matches
the subject again at once, so the resident sees the item decided when they next look; a
declaration of another department answers 404, as claims do."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    ClaimMaterial,
    FactSupplement,
    PolicyItem,
    Role,
    Subject,
    SupplementStatus,
)
from models.clock import utcnow
from notify import outbox, pages
from notify.messages import CLAIM_STATUS
from notify.outbox import Message
from rules.identifiers import mask_name
from services import audit, matching, profiles
from services.audit import Actor
from services.errors import Conflict, InvalidInput, NotFound
from services.facts import current as current_catalog
from services.storage import Storage
from services.supplements._declare import described, reference

log = logging.getLogger(__name__)
NOT_FOUND = "补充信息不存在"


def _scope(actor: Actor) -> set[int] | None:
    return actor.departments(Role.REVIEWER)


def _visible(session: Session, actor: Actor, supplement_id: int, *, lock: bool = False):
    query = select(FactSupplement).where(FactSupplement.id == supplement_id)
    if lock:
        query = query.with_for_update()
    supplement = session.scalars(query).one_or_none()
    allowed = _scope(actor)
    if supplement is None or (allowed is not None and supplement.department_id not in allowed):
        raise NotFound(NOT_FOUND)
    return supplement


def list_supplements(
    *,
    session: Session,
    actor: Actor,
    status: str | None = None,
    item_id: int | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """Return the declarations of the actor's departments, oldest waiting first; and the total."""
    query = select(FactSupplement)
    allowed = _scope(actor)
    if allowed is not None:
        query = query.where(FactSupplement.department_id.in_(allowed or {-1}))
    if status is not None:
        query = query.where(FactSupplement.status == status)
    if item_id is not None:
        query = query.where(FactSupplement.item_id == item_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset = (page - 1) * page_size
    if offset >= total:
        return [], total
    rows = session.scalars(
        query.order_by(FactSupplement.created_at, FactSupplement.id).offset(offset).limit(page_size)
    ).all()
    # into the session's identity map at once: _for_staff's session.get then reads no row
    session.scalars(select(Subject).where(Subject.id.in_({r.subject_id for r in rows}))).all()
    session.scalars(select(PolicyItem).where(PolicyItem.id.in_({r.item_id for r in rows}))).all()
    return [_for_staff(session, row, materials=False) for row in rows], total


def get_supplement(*, session: Session, actor: Actor, supplement_id: int) -> dict[str, Any]:
    """Return one declaration with its materials and the subject's current value."""
    return _for_staff(session, _visible(session, actor, supplement_id), materials=True)


def supplement_file(
    *, session: Session, actor: Actor, storage: Storage, supplement_id: int, material_id: int
) -> tuple[ClaimMaterial, bytes]:
    """Return a declaration's material and its bytes; the download is audited."""
    _visible(session, actor, supplement_id)
    material = session.get(ClaimMaterial, material_id)
    if material is None or material.supplement_id != supplement_id:
        raise NotFound("材料不存在")
    data = storage.get(material.storage_key)
    audit.record(
        session,
        actor,
        "supplement_material.download",
        material,
        after={"supplement_id": supplement_id, "sha256": material.sha256},
    )
    session.commit()
    return material, data


def approve_supplement(*, session: Session, actor: Actor, supplement_id: int) -> dict[str, Any]:
    """Approve a pending declaration: its value enters the profile; the subject is matched
    again at once (or by the matcher within seconds when another match of it is running)."""
    try:
        supplement = _visible(session, actor, supplement_id, lock=True)
        _pending(supplement)
        subject = session.get(Subject, supplement.subject_id, with_for_update=True)
        assert subject is not None
        if (subject.facts or {}).get(supplement.fact) is not None:
            raise Conflict(
                "档案中已有该信息（数据平台已更新），无需再补充，请退回",
                errors={"fact": ["档案中已有该信息"]},
            )
        value = (supplement.value or {}).get("value")
        profiles.add_facts(
            session, subject, {supplement.fact: value}, reason=f"supplement:{supplement.id}"
        )
        _decide(session, actor, supplement, SupplementStatus.APPROVED, None)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _match_now(session, supplement.subject_id)
    return _for_staff(session, supplement, materials=True)


def reject_supplement(
    *, session: Session, actor: Actor, supplement_id: int, reason: str
) -> dict[str, Any]:
    """Refuse a pending declaration, saying why (the resident sees the reason)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写退回原因", errors={"reason": ["必填"]})
    try:
        supplement = _visible(session, actor, supplement_id, lock=True)
        _pending(supplement)
        _decide(session, actor, supplement, SupplementStatus.REJECTED, reason)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _for_staff(session, supplement, materials=True)


def _pending(supplement: FactSupplement) -> None:
    if supplement.status != SupplementStatus.PENDING:
        raise Conflict("该补充信息已审核", errors={"status": [supplement.status]})


def _decide(
    session: Session, actor: Actor, supplement: FactSupplement, status: str, reason: str | None
) -> None:
    before = {"status": supplement.status}
    supplement.status = status
    supplement.reason = reason
    supplement.reviewer_id = actor.id
    now = utcnow()
    supplement.reviewed_at = now
    audit.record(
        session,
        actor,
        f"supplement.{'approve' if status == SupplementStatus.APPROVED else 'reject'}",
        supplement,
        before=before,
        after={"status": status, "fact": supplement.fact, "reason": reason},
    )
    outbox.add(session, _message(session, supplement), now=now)


def _message(session: Session, supplement: FactSupplement) -> Message:
    """The decision told to the subject's residents: an 办事进度通知 (the claim_status template)
    opening the item, where an approved fact shows as decided and a returned one says why."""
    item = session.get(PolicyItem, supplement.item_id)
    item_name = item.name if item is not None else ""
    label = described(session, supplement)["label"]
    approved = supplement.status == SupplementStatus.APPROVED
    body = (
        f"您补充的「{label}」已审核通过，已记入档案，请查看「{item_name}」"
        if approved
        else f"您补充的「{label}」未通过：{supplement.reason}"
    )
    return Message(
        topic=CLAIM_STATUS,
        dedupe_key=f"supplement:{supplement.id}:{supplement.status}",
        subject_id=supplement.subject_id,
        item_id=supplement.item_id,
        title="补充信息已通过" if approved else "补充信息未通过",
        body=body,
        data={
            "claim_no": reference(supplement),
            "item_name": item_name,
            "status": supplement.status,
            "status_text": "已通过" if approved else "未通过",
            "reason": None if approved else supplement.reason,
        },
        page=pages.item(supplement.item_id),
    )


def _match_now(session: Session, subject_id: int) -> None:
    """Match the subject again now; on a clash with the matcher, leave it to the matcher (the
    change event written with the fact makes it do so within seconds)."""
    try:
        matching.match_subjects(session, [subject_id], today=matching.today_local())
        session.commit()
    except IntegrityError:
        session.rollback()
        log.info("supplement: subject %s is matched by the matcher instead", subject_id)


def _for_staff(session: Session, supplement: FactSupplement, *, materials: bool) -> dict[str, Any]:
    answer = described(session, supplement)
    subject = session.get(Subject, supplement.subject_id)
    item = session.get(PolicyItem, supplement.item_id)
    fact = current_catalog(session).find(item.subject_type if item else "person", supplement.fact)
    answer.update(
        {
            "department_id": supplement.department_id,
            "subject_kind": subject.kind if subject else None,
            "subject_name": (
                mask_name(subject.name)
                if subject is not None and subject.kind == "person"
                else (subject.name if subject else "")
            ),
            "fact_type": fact.type.value if fact is not None else None,
            "unit": fact.unit if fact is not None else "",
            "current_value": (subject.facts or {}).get(supplement.fact) if subject else None,
            "reviewer_id": supplement.reviewer_id,
        }
    )
    if materials:
        answer["materials"] = [
            {
                "id": m.id,
                "name": m.name,
                "filename": m.filename,
                "content_type": m.content_type,
                "size": m.size,
                "download_url": f"/api/v1/admin/supplements/{supplement.id}/materials/{m.id}",
            }
            for m in session.scalars(
                select(ClaimMaterial)
                .where(ClaimMaterial.supplement_id == supplement.id)
                .order_by(ClaimMaterial.id)
            )
        ]
    return answer
