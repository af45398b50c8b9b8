"""一键办理 for residents: submit a claim once per idempotency key, follow, withdraw, resubmit it.

A resident sees the claims of the subjects bound to them (whoever of them applied); any other
claim is NotFound. A subject holds at most one active claim (not withdrawn or rejected) per item.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from models import ActorKind, Claim, ClaimMaterial, ClaimRating, ClaimStatus, PolicyItem, Subject
from models.clock import to_local, utcnow, workday_deadline
from services.claims import _materials as materials
from services.claims._checks import claimable_item, prefill, require_eligible
from services.claims._contact import fingerprint as fingerprint_of
from services.claims._contact import seal_answers
from services.claims._steps import ACTIVE, begin_fresh, check_move, first_step, move
from services.errors import Conflict, InvalidInput, NotFound
from services.matching import today_local
from services.residents import account_phone, bound_subject_ids, require_bound

# a claim has ended, and its service may be rated (好差评)
RATEABLE = (ClaimStatus.PAID, ClaimStatus.REJECTED, ClaimStatus.WITHDRAWN)


@dataclass(frozen=True)
class ClaimView:
    """A claim with its item's name and its materials; reads through to the claim."""

    claim: Claim
    item_name: str
    materials: list[ClaimMaterial]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.claim, name)

    @property
    def timeline(self) -> list:
        """Return the claim's events, oldest first."""
        return list(self.claim.events)

    @property
    def rating(self) -> ClaimRating | None:
        """Return the resident's rating of the service (好差评), once given; read once a view.

        Not functools.cached_property: on Python 3.11 its lock is one for every instance of the
        class, so a thread waiting here for SQLite's write lock held up every other claim's
        answer, including the thread holding that lock (a 30 s deadlock under twenty taps)."""
        if "_rating" not in self.__dict__:
            session = object_session(self.claim)
            found = None
            if session is not None:
                found = session.scalar(
                    select(ClaimRating).where(ClaimRating.claim_id == self.claim.id)
                )
            self.__dict__["_rating"] = found  # a frozen dataclass: its __dict__ still takes it
        return self.__dict__["_rating"]

    @property
    def can_rate(self) -> bool:
        """Tell whether the claim has ended and is not rated yet."""
        return self.claim.status in RATEABLE and self.rating is None


def submit_claim(
    *,
    session: Session,
    wechat_user_id: int,
    idempotency_key: str,
    item_id: int,
    subject_id: int,
    form: dict[str, str] | None = None,
    material_ids: list[int] | None = None,
    use_account_phone: bool = False,
) -> tuple[ClaimView, bool]:
    """Submit a claim; the same key again returns the same claim. Returns (claim, created).

    With `use_account_phone` the form's 联系电话 (`phone`) is the number the resident gave
    through WeChat's getPhoneNumber button, so it is never typed."""
    if use_account_phone:
        phone = account_phone(session, wechat_user_id)
        if phone is None:
            message = "尚未授权手机号，请先点「使用微信手机号」"
            raise InvalidInput(message, errors={"use_account_phone": [message]})
        form = {**(form or {}), "phone": phone}
    fingerprint = _fingerprint(session, item_id, subject_id, form or {}, material_ids or [])
    require_bound(session, wechat_user_id, subject_id)
    begin_fresh(session)
    try:
        session.get(Subject, subject_id, with_for_update=True, populate_existing=True)
        found = _by_key(session, wechat_user_id, idempotency_key)
        if found is not None:
            session.rollback()
            return _replayed(session, found, fingerprint), False
        view = _create(
            session,
            wechat_user_id=wechat_user_id,
            idempotency_key=idempotency_key,
            item_id=item_id,
            subject_id=subject_id,
            form=form or {},
            material_ids=material_ids or [],
            fingerprint=fingerprint,
        )
        session.commit()
        return view, True
    except IntegrityError:
        # The same key raced in for another subject and committed first.
        session.rollback()
        found = _by_key(session, wechat_user_id, idempotency_key)
        if found is None:
            raise
        return _replayed(session, found, fingerprint), False
    except BaseException:
        session.rollback()
        raise


def _create(
    session: Session,
    *,
    wechat_user_id: int,
    idempotency_key: str,
    item_id: int,
    subject_id: int,
    form: dict[str, str],
    material_ids: list[int],
    fingerprint: str,
) -> ClaimView:
    subject = session.get(Subject, subject_id)
    assert subject is not None  # bound (require_bound), and subjects are never deleted
    now = utcnow()
    item, rules = claimable_item(session, item_id, subject, now)
    evaluation = require_eligible(rules, subject, today_local())
    _require_no_active(session, subject_id, item_id)
    files = materials.unattached(session, wechat_user_id, material_ids)
    version_id = item.current_version_id
    assert version_id is not None  # claimable_item returns live items only
    materials.check_names(
        session, version_id, [(m.name, m.content_type) for m in files], "material_ids"
    )
    materials.check_required(session, version_id, [m.name for m in files])
    claim = Claim(
        claim_no=f"tmp-{secrets.token_hex(12)}",
        subject_id=subject_id,
        item_id=item.id,
        item_version_id=version_id,
        applicant_id=wechat_user_id,
        idempotency_key=idempotency_key,
        expected_fen=None if evaluation.amount is None else evaluation.amount.fen,
        submitted_at=now,
        promised_days=item.promised_days,
        due_at=due_at(item.promised_days, now),
        created_at=now,
        updated_at=now,
    )
    claim.form = {
        **prefill(subject, rules, today_local()),
        "answers": seal_answers(session, claim, form),
        "fingerprint": fingerprint,
    }
    session.add(claim)
    session.flush()
    claim.claim_no = claim_number(claim.id, now)
    for material in files:
        material.claim_id = claim.id
    first_step(session, claim, item_name=item.name, applicant_id=wechat_user_id, now=now)
    return ClaimView(claim, item.name, files)


def claim_number(claim_id: int, now: datetime) -> str:
    """Return the number people quote: KX, the local day, the id (ASCII, at most 32 characters)."""
    return f"KX{to_local(now):%Y%m%d}{claim_id:08d}"


def list_my_claims(
    *,
    session: Session,
    wechat_user_id: int,
    status: str | None = None,
    subject_id: int | None = None,
    item_id: int | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[ClaimView], int]:
    """Return one page of the claims of my subjects, newest first, and how many there are."""
    subjects = bound_subject_ids(session, wechat_user_id)
    if subject_id is not None:
        subjects = [s for s in subjects if s == subject_id]
    query = select(Claim).where(Claim.subject_id.in_(subjects or [-1]))
    if status:
        query = query.where(Claim.status == status)
    if item_id is not None:
        query = query.where(Claim.item_id == item_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset = (page - 1) * page_size
    if offset >= total:  # past the end: a huge page number must not reach OFFSET
        return [], total
    rows = list(session.scalars(query.order_by(Claim.id.desc()).offset(offset).limit(page_size)))
    names = item_names(session, {c.item_id for c in rows})
    return [ClaimView(c, names.get(c.item_id, ""), []) for c in rows], total


def rate_claim(
    *, session: Session, wechat_user_id: int, claim_id: int, score: int, comment: str | None = None
) -> ClaimView:
    """Rate the service of my claim once it has ended (好差评); once per claim."""
    claim = _mine(session, wechat_user_id, claim_id)
    if claim.status not in RATEABLE:
        raise Conflict("办理结束后才能评价", errors={"status": [claim.status]})
    if not 1 <= score <= 5:
        raise InvalidInput("评价应为 1 到 5", errors={"score": ["应为 1 到 5"]})
    try:
        session.add(
            ClaimRating(
                claim_id=claim.id,
                item_id=claim.item_id,
                score=score,
                comment=(comment or "").strip() or None,
            )
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("已评价过该申请", errors={"score": ["已评价"]}) from None
    return _view(session, claim)


def get_my_claim(*, session: Session, wechat_user_id: int, claim_id: int) -> ClaimView:
    """Return one of my claims with its materials and timeline."""
    return _view(session, _mine(session, wechat_user_id, claim_id))


def withdraw_claim(
    *, session: Session, wechat_user_id: int, claim_id: int, reason: str | None = None
) -> ClaimView:
    """Withdraw my claim; possible until the review ends (approved or rejected)."""
    _mine(session, wechat_user_id, claim_id)
    begin_fresh(session)
    try:
        claim = _locked(session, claim_id)
        target = check_move(claim, "withdraw")
        move(
            session,
            claim,
            target,
            item_name=item_names(session, {claim.item_id})[claim.item_id],
            actor_kind=ActorKind.RESIDENT,
            actor_id=wechat_user_id,
            note=reason,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _view(session, claim)


def resubmit_claim(
    *,
    session: Session,
    wechat_user_id: int,
    claim_id: int,
    material_ids: list[int] | None = None,
    form: dict[str, str] | None = None,
) -> ClaimView:
    """Send a returned claim back with the materials asked for (补正): it is submitted again."""
    _mine(session, wechat_user_id, claim_id)
    begin_fresh(session)
    try:
        claim = _locked(session, claim_id)
        target = check_move(claim, "resubmit")
        files = materials.unattached(session, wechat_user_id, material_ids or [])
        version_id = claim.item_version_id
        materials.check_names(
            session, version_id, [(m.name, m.content_type) for m in files], "material_ids"
        )
        have = [m.name for m in materials.materials_of(session, claim.id)]
        materials.check_required(session, version_id, have + [m.name for m in files])
        for material in files:
            material.claim_id = claim.id
        now = utcnow()
        if form is not None:
            answers = seal_answers(session, claim, form, keep_phone=True)
            claim.form = {**claim.form, "answers": answers}
        claim.submitted_at = now  # the promised days count from the complete submission
        item = session.get(PolicyItem, claim.item_id)
        assert item is not None  # a claim's item is never deleted (foreign key)
        claim.promised_days = item.promised_days
        claim.due_at = due_at(item.promised_days, now)
        move(
            session,
            claim,
            target,
            item_name=item.name,
            actor_kind=ActorKind.RESIDENT,
            actor_id=wechat_user_id,
            now=now,
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _view(session, claim)


def due_at(promised_days: int | None, submitted_at: datetime) -> datetime | None:
    """Return when an item's promised working days (承诺时限) from a submission run out."""
    return None if promised_days is None else workday_deadline(submitted_at, promised_days)


def item_names(session: Session, item_ids: set[int]) -> dict[int, str]:
    """Return {item id: name}."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(PolicyItem.id, PolicyItem.name).where(PolicyItem.id.in_(item_ids))
    )
    return {row.id: row.name for row in rows}


def _mine(session: Session, wechat_user_id: int, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None or claim.subject_id not in bound_subject_ids(session, wechat_user_id):
        raise NotFound("申请不存在")
    return claim


def _locked(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id, with_for_update=True, populate_existing=True)
    if claim is None:
        raise NotFound("申请不存在")
    return claim


def _view(session: Session, claim: Claim) -> ClaimView:
    name = item_names(session, {claim.item_id}).get(claim.item_id, "")
    return ClaimView(claim, name, materials.materials_of(session, claim.id))


def _by_key(session: Session, wechat_user_id: int, key: str) -> Claim | None:
    return session.scalar(
        select(Claim)
        .where(Claim.applicant_id == wechat_user_id, Claim.idempotency_key == key)
        .execution_options(populate_existing=True)
    )


def _replayed(session: Session, claim: Claim, fingerprint: str) -> ClaimView:
    if (claim.form or {}).get("fingerprint") != fingerprint:
        raise Conflict(
            "该 Idempotency-Key 已用于另一份申请，请换一个",
            errors={"Idempotency-Key": ["同一个键只能用于同一份申请"]},
        )
    return _view(session, claim)


def _require_no_active(session: Session, subject_id: int, item_id: int) -> None:
    active = session.scalar(
        select(Claim.claim_no).where(
            Claim.subject_id == subject_id, Claim.item_id == item_id, Claim.status.in_(ACTIVE)
        )
    )
    if active is not None:
        raise Conflict(
            f"该事项已有办理中的申请（{active}）", errors={"item_id": [f"已有申请 {active}"]}
        )


def _fingerprint(
    session: Session, item_id: int, subject_id: int, form: dict, material_ids: list[int]
) -> str:
    document = {
        "item_id": item_id,
        "subject_id": subject_id,
        "form": form,
        "material_ids": sorted(set(material_ids)),
    }
    return fingerprint_of(session, document)
