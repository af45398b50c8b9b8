"""Binding identities: a WeChat user proves who they are and may then act for a subject.

A person binds themself (relation `self`); an enterprise is bound by its legal representative or
an agent. The identity is checked by a provider of residents._identity; the subject must be one of
the imported profiles. Every binding and unbinding is in the audit log (actor kind `resident`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Relation, Subject, SubjectBinding, SubjectKind, vault_of
from models.clock import utcnow
from rules.identifiers import mask_id_number, mask_name
from services.audit import Actor, record, snapshot
from services.errors import InvalidInput, NotFound
from services.profiles import ID_NUMBER_CONTEXT
from services.residents._consent import require_consent
from services.residents._identity import Provider, checked_person, checked_uscc, find_subject

NOT_FOUND = "未找到该身份的档案，请确认信息或稍后再试"
PERSON_MISMATCH = "姓名与身份证号不匹配，或暂无该身份的档案"
REPRESENTATIVE_MISMATCH = "未能核验该人员与企业的关系，请确认法定代表人或经办人信息"
ENTERPRISE_RELATIONS = (Relation.LEGAL_REPRESENTATIVE, Relation.AGENT)


def bind_person(
    *,
    session: Session,
    actor: Actor,
    wechat_user_id: int,
    provider: Provider,
    name: str,
    id_number: str,
) -> dict[str, Any]:
    """Bind the caller to their own person profile once the provider confirms the identity.

    A number we hold no profile for and a wrong name get the same answer, so the answer does
    not tell whether a 身份证号 is in our profiles. Nothing is read before the resident
    consents to the collection of their 身份证号 (residents._consent).
    """
    require_consent(session, wechat_user_id, "id_number", "id_number")
    name, id_number = checked_person(name, id_number)
    mismatch = InvalidInput(
        NOT_FOUND, errors={"name": [PERSON_MISMATCH], "id_number": [PERSON_MISMATCH]}
    )
    subject = find_subject(session, kind=SubjectKind.PERSON, identifier=id_number)
    if subject is None:
        raise mismatch
    session.commit()  # the provider may call out over HTTP: hold no transaction meanwhile
    if not provider.verify_person(name, id_number).match:
        raise mismatch
    return _bind(session, actor, wechat_user_id, subject.id, Relation.SELF, provider.name)


def bind_enterprise(
    *,
    session: Session,
    actor: Actor,
    wechat_user_id: int,
    provider: Provider,
    uscc: str,
    relation: str,
    representative: dict[str, str],
) -> dict[str, Any]:
    """Bind the caller to an enterprise as its legal representative or agent, once verified."""
    require_consent(session, wechat_user_id, "id_number", "representative")
    if relation not in ENTERPRISE_RELATIONS:
        message = "relation 应为 legal_representative 或 agent"
        raise InvalidInput(message, errors={"relation": [message]})
    uscc = checked_uscc(uscc)
    try:
        name, id_number = checked_person(
            representative.get("name", ""), representative.get("id_number", "")
        )
    except InvalidInput as problem:
        raise InvalidInput(problem.message, errors={"representative": problem.errors}) from None
    subject = find_subject(session, kind=SubjectKind.ENTERPRISE, identifier=uscc)
    if subject is None:  # a 统一社会信用代码 is public: saying we hold no profile reveals nothing
        raise InvalidInput(NOT_FOUND, errors={"uscc": ["暂无该企业的档案"]})
    session.commit()
    if not provider.verify_enterprise(uscc, relation, name, id_number).match:
        errors = {"name": [REPRESENTATIVE_MISMATCH], "id_number": [REPRESENTATIVE_MISMATCH]}
        raise InvalidInput(REPRESENTATIVE_MISMATCH, errors={"representative": errors})
    return _bind(session, actor, wechat_user_id, subject.id, relation, provider.name)


def list_bindings(*, session: Session, wechat_user_id: int) -> list[dict[str, Any]]:
    """Return the caller's active bindings with each subject masked, in binding order."""
    rows = session.execute(
        select(SubjectBinding, Subject)
        .join(Subject, Subject.id == SubjectBinding.subject_id)
        .where(SubjectBinding.wechat_user_id == wechat_user_id, SubjectBinding.status == "active")
        .order_by(SubjectBinding.id)
    )
    return [describe(session, binding, subject) for binding, subject in rows]


def unbind(*, session: Session, actor: Actor, wechat_user_id: int, subject_id: int) -> None:
    """Revoke the caller's binding to a subject; NotFound when the caller holds none."""
    binding = session.scalar(
        select(SubjectBinding).where(
            SubjectBinding.wechat_user_id == wechat_user_id,
            SubjectBinding.subject_id == subject_id,
            SubjectBinding.status == "active",
        )
    )
    if binding is None:
        raise NotFound("未找到该办事主体")
    before = snapshot(binding)
    binding.status = "revoked"
    binding.revoked_at = utcnow()
    record(session, actor, "binding.revoke", binding, before=before, after=snapshot(binding))
    session.commit()


def describe(session: Session, binding: SubjectBinding, subject: Subject) -> dict[str, Any]:
    """Return a bound subject as a resident may see it: identifiers and person names masked."""
    return {
        "subject_id": subject.id,
        "kind": subject.kind,
        "name": masked_subject_name(subject),
        "identifier": masked_subject_identifier(session, subject),
        "relation": binding.relation,
        "verified_by": binding.verified_by,
        "bound_at": binding.verified_at,
    }


def masked_subject_name(subject: Subject) -> str:
    """Mask a person's name (张*); an enterprise's registered name is public and shown whole."""
    return mask_name(subject.name) if subject.kind == SubjectKind.PERSON else subject.name


def masked_subject_identifier(session: Session, subject: Subject) -> str:
    """Return a person's 身份证号 masked, or an enterprise's public 统一社会信用代码."""
    if subject.kind != SubjectKind.PERSON:
        return subject.uscc or ""
    if subject.id_number_enc is None:
        return ""
    number = vault_of(session).decrypt(subject.id_number_enc, context=ID_NUMBER_CONTEXT)
    return mask_id_number(number)


def _bind(
    session: Session,
    actor: Actor,
    wechat_user_id: int,
    subject_id: int,
    relation: str,
    verified_by: str,
) -> dict[str, Any]:
    """Create, renew or keep the binding; idempotent for an active binding of the same kind."""
    binding = _binding_of(session, wechat_user_id, subject_id)
    if binding is None:
        binding = SubjectBinding(
            wechat_user_id=wechat_user_id,
            subject_id=subject_id,
            relation=str(relation),
            verified_by=verified_by,
        )
        try:
            with session.begin_nested():
                session.add(binding)
        except IntegrityError:  # the same request, twice at once: the other one bound it
            binding = _binding_of(session, wechat_user_id, subject_id)
            if binding is None:
                raise
        else:
            record(session, actor, "binding.create", binding, after=snapshot(binding))
    if binding.status != "active" or binding.relation != relation:
        before = snapshot(binding)
        binding.status = "active"
        binding.relation = str(relation)
        binding.verified_by = verified_by
        binding.verified_at = utcnow()
        binding.revoked_at = None
        record(session, actor, "binding.renew", binding, before=before, after=snapshot(binding))
    session.commit()
    subject = session.get(Subject, subject_id)
    assert subject is not None
    return describe(session, binding, subject)


def _binding_of(session: Session, wechat_user_id: int, subject_id: int) -> SubjectBinding | None:
    return session.scalar(
        select(SubjectBinding).where(
            SubjectBinding.wechat_user_id == wechat_user_id,
            SubjectBinding.subject_id == subject_id,
        )
    )
