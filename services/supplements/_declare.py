"""The resident's side of 补充信息: declare a missing fact with materials; see what became of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import FactSupplement, Policy, PolicyItem, Subject, SupplementStatus
from rules.catalog import Fact
from services.audit import Actor, record
from services.claims import unattached
from services.errors import Conflict, InvalidInput, NotFound
from services.facts import current as current_catalog
from services.matching import compiled_versions
from services.profiles import normalised_value
from services.residents import bound_subject_ids, require_bound

MAX_MATERIALS = 5


def declarable_facts(session: Session, subject: Subject, item_id: int) -> dict[str, Fact]:
    """Return the stored facts the item's current rule reads that the subject's profile lacks
    (what a resident may declare for it), by name."""
    version_id = session.scalar(
        select(PolicyItem.current_version_id).where(PolicyItem.id == item_id)
    )
    compiled = (
        compiled_versions(session, {version_id: subject.kind}).get(version_id)
        if version_id is not None
        else None
    )
    if compiled is None:
        return {}
    facts = subject.facts or {}
    return {
        name: compiled.facts[name]
        for name in sorted(compiled.facts_used())
        if name in compiled.facts and facts.get(name) is None
    }


def declare_fact(
    *,
    session: Session,
    actor: Actor,
    wechat_user_id: int,
    subject_id: int,
    item_id: int,
    fact: str,
    value: Any,
    material_ids: list[int],
    note: str | None = None,
) -> dict[str, Any]:
    """Declare one missing fact of a subject bound to me for an item, with its materials;
    commit. Refused when the item does not read the fact, the profile already has it, a
    declaration of it waits for review, or the value is not one the fact takes."""
    require_bound(session, wechat_user_id, subject_id)
    subject = session.get(Subject, subject_id)
    item = session.get(PolicyItem, item_id)
    if subject is None or item is None or item.subject_type != subject.kind:
        raise NotFound("事项不存在")
    known = current_catalog(session).find(subject.kind, fact)
    declarable = declarable_facts(session, subject, item_id)
    if fact not in declarable:
        if known is not None and (subject.facts or {}).get(fact) is not None:
            raise Conflict(
                f"档案中已有「{known.label}」，无需补充；如有误请联系办理部门",
                errors={"fact": ["档案中已有该信息"]},
            )
        message = "该信息不是本事项需要补充的信息"
        raise InvalidInput(message, errors={"fact": [message]})
    definition = declarable[fact]
    try:
        stored = normalised_value(definition, value)
    except ValueError as problem:
        raise InvalidInput(str(problem), errors={"value": [str(problem)]}) from None
    if not material_ids:
        message = "请上传证明材料（照片或文件）"
        raise InvalidInput(message, errors={"material_ids": [message]})
    if len(material_ids) > MAX_MATERIALS:
        message = f"最多上传 {MAX_MATERIALS} 份材料"
        raise InvalidInput(message, errors={"material_ids": [message]})
    waiting = session.scalar(
        select(FactSupplement.id).where(
            FactSupplement.subject_id == subject_id,
            FactSupplement.fact == fact,
            FactSupplement.status == SupplementStatus.PENDING,
        )
    )
    if waiting is not None:
        raise Conflict(
            f"「{definition.label}」已提交，正在审核", errors={"fact": ["已提交，等待审核"]}
        )
    try:
        materials = unattached(session, wechat_user_id, material_ids)
        department_id = session.scalar(
            select(Policy.department_id).where(Policy.id == item.policy_id)
        )
        supplement = FactSupplement(
            subject_id=subject_id,
            item_id=item_id,
            department_id=department_id,
            fact=fact,
            value={"value": stored},
            note=note,
            declared_by_id=wechat_user_id,
            status=SupplementStatus.PENDING,
        )
        session.add(supplement)
        session.flush()
        for material in materials:
            material.supplement_id = supplement.id
        record(
            session,
            actor,
            "supplement.declare",
            supplement,
            after={"fact": fact, "item_id": item_id, "materials": len(materials)},
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return described(session, supplement, definition)


def my_supplements(
    *, session: Session, wechat_user_id: int, subject_id: int | None = None
) -> list[dict[str, Any]]:
    """Return the declarations for the subjects bound to me, newest first."""
    subjects = bound_subject_ids(session, wechat_user_id)
    if subject_id is not None:
        subjects = [s for s in subjects if s == subject_id]
    rows = session.scalars(
        select(FactSupplement)
        .where(FactSupplement.subject_id.in_(subjects))
        .order_by(FactSupplement.id.desc())
        .limit(200)
    ).all()
    # the items into the session's identity map at once: described()'s session.get reads none
    session.scalars(select(PolicyItem).where(PolicyItem.id.in_({r.item_id for r in rows}))).all()
    return [described(session, row) for row in rows]


def pending_for(session: Session, subject_ids: list[int], item_id: int) -> dict[int, list[dict]]:
    """Return, per subject, its declarations for this item (waiting, approved or returned)."""
    found: dict[int, list[dict]] = {}
    if not subject_ids:
        return found
    for row in session.scalars(
        select(FactSupplement)
        .where(
            FactSupplement.subject_id.in_(subject_ids),
            FactSupplement.item_id == item_id,
        )
        .order_by(FactSupplement.id)
    ):
        found.setdefault(row.subject_id, []).append(
            {
                "id": row.id,
                "reference": reference(row),
                "fact": row.fact,
                "status": row.status,
                "reason": row.reason,
            }
        )
    return found


def reference(supplement: FactSupplement) -> str:
    """Return the number a declaration is quoted by (in its push, on the phone): BC and the id."""
    return f"BC{supplement.id:08d}"


def described(
    session: Session, supplement: FactSupplement, definition: Fact | None = None
) -> dict[str, Any]:
    """Return a declaration as its resident sees it."""
    item = session.get(PolicyItem, supplement.item_id)
    if definition is None:
        kind = item.subject_type if item is not None else "person"
        definition = current_catalog(session).of(kind).get(supplement.fact)
    return {
        "id": supplement.id,
        "reference": reference(supplement),
        "subject_id": supplement.subject_id,
        "item_id": supplement.item_id,
        "item_name": item.name if item is not None else "",
        "fact": supplement.fact,
        "label": definition.label if definition is not None else supplement.fact,
        "value": (supplement.value or {}).get("value"),
        "note": supplement.note,
        "status": supplement.status,
        "reason": supplement.reason,
        "created_at": supplement.created_at,
        "reviewed_at": supplement.reviewed_at,
    }
