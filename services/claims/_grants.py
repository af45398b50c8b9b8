"""免申即享 grants: the resident confirms (giving a payout account when money is paid) or declines;
a reviewer of the item's department registers the payout.

A grant's life: granted -> confirmed -> paid, or declined (before it is paid). A grant carrying
an amount is paid into a bank card the resident gives at confirmation: checked (length, Luhn),
stored encrypted (AES-GCM, bound to `grant.payout_account`) and shown only as its last 4 digits.
The payout counts against the item's places and budget like an approved claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Grant, GrantStatus, Policy, PolicyItem, Subject, vault_of
from models.clock import utcnow
from notify import outbox
from rules.identifiers import mask_bank_card, mask_name
from services import audit
from services.audit import Actor
from services.claims._review import check_caps, scope
from services.claims._steps import begin_fresh, payout_message
from services.errors import Conflict, InvalidInput, NotFound
from services.residents import bound_subject_ids, require_consent

ACCOUNT_CONTEXT = "grant.payout_account"
_CARD = re.compile(r"\d{12,19}")
_SEPARATORS = re.compile(r"[\s-]")


@dataclass(frozen=True)
class GrantView:
    """A grant with its item's name and its payout account masked; reads through to the grant."""

    grant: Grant
    item_name: str
    benefit: str
    payout_account: str | None
    department_id: int | None = None
    subject_name: str | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.grant, name)

    @property
    def needs_account(self) -> bool:
        """Tell whether money is paid out, so a bank card must be given at confirmation."""
        return needs_account(self.grant)


def needs_account(grant: Grant) -> bool:
    """Tell whether a grant pays money (an amount above zero) into the resident's card."""
    return bool(grant.amount_fen and grant.amount_fen > 0)


def check_bank_card(text: str) -> str:
    """Return the card number without spaces, or raise InvalidInput (length, Luhn check digit)."""
    number = _SEPARATORS.sub("", text or "")
    if not _CARD.fullmatch(number):
        raise InvalidInput("银行卡号应为12到19位数字", errors={"bank_card": ["应为12到19位数字"]})
    if not luhn_ok(number):
        raise InvalidInput("银行卡号有误，请核对", errors={"bank_card": ["校验位不正确"]})
    return number


def luhn_ok(number: str) -> bool:
    """Tell whether a digit string passes the Luhn (mod 10) check."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def list_my_grants(
    *,
    session: Session,
    wechat_user_id: int,
    status: str | None = None,
    subject_id: int | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[GrantView], int]:
    """Return one page of my subjects' grants, newest first, and how many there are."""
    subjects = bound_subject_ids(session, wechat_user_id)
    if subject_id is not None:
        subjects = [s for s in subjects if s == subject_id]
    query = select(Grant).where(Grant.subject_id.in_(subjects or [-1]))
    if status:
        query = query.where(Grant.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset = (page - 1) * page_size
    if offset >= total:  # past the end: a huge page number must not reach OFFSET
        return [], total
    rows = session.scalars(query.order_by(Grant.id.desc()).offset(offset).limit(page_size))
    return [_view(session, grant) for grant in rows], total


def get_my_grant(*, session: Session, wechat_user_id: int, grant_id: int) -> GrantView:
    """Return one of my subjects' grants."""
    return _view(session, _mine(session, wechat_user_id, grant_id))


def confirm_grant(
    *, session: Session, wechat_user_id: int, grant_id: int, bank_card: str | None = None
) -> GrantView:
    """Acknowledge a grant (again, to change the card, until it is paid)."""
    grant = _mine(session, wechat_user_id, grant_id)
    if bank_card is not None:
        require_consent(session, wechat_user_id, "bank_card", "bank_card")
    number = None if bank_card is None else check_bank_card(bank_card)
    begin_fresh(session)
    try:
        grant = _locked(session, grant.id)
        if grant.status not in (GrantStatus.GRANTED, GrantStatus.CONFIRMED):
            raise Conflict(_state_message(grant), errors={"status": [grant.status]})
        if number is not None:
            grant.payout_account_enc = vault_of(session).encrypt(number, context=ACCOUNT_CONTEXT)
        if needs_account(grant) and grant.payout_account_enc is None:
            raise InvalidInput(
                "请填写用于发放的本人银行卡号", errors={"bank_card": ["发放资金需要银行卡号"]}
            )
        if grant.status == GrantStatus.GRANTED:
            grant.status = GrantStatus.CONFIRMED
            grant.confirmed_at = utcnow()
            grant.confirmed_by_id = wechat_user_id
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _view(session, grant)


def decline_grant(*, session: Session, wechat_user_id: int, grant_id: int) -> GrantView:
    """Decline a grant that is not paid yet (declining twice changes nothing)."""
    grant = _mine(session, wechat_user_id, grant_id)
    begin_fresh(session)
    try:
        grant = _locked(session, grant.id)
        if grant.status == GrantStatus.PAID:
            raise Conflict(_state_message(grant), errors={"status": [grant.status]})
        if grant.status != GrantStatus.DECLINED:
            grant.status = GrantStatus.DECLINED
            grant.confirmed_by_id = wechat_user_id
            grant.confirmed_at = utcnow()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _view(session, grant)


def list_grants(
    *,
    session: Session,
    actor: Actor,
    department_id: int | None = None,
    status: str | None = None,
    item_id: int | None = None,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[GrantView], int]:
    """Return one page of the grants of the actor's departments, oldest first, and the count."""
    query = (
        select(Grant)
        .join(PolicyItem, PolicyItem.id == Grant.item_id)
        .join(Policy, Policy.id == PolicyItem.policy_id)
    )
    allowed = scope(actor)
    if allowed is not None:
        query = query.where(Policy.department_id.in_(allowed or {-1}))
    if department_id is not None:
        query = query.where(Policy.department_id == department_id)
    if status:
        query = query.where(Grant.status == status)
    if item_id is not None:
        query = query.where(Grant.item_id == item_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset = (page - 1) * page_size
    if offset >= total:  # past the end: a huge page number must not reach OFFSET
        return [], total
    rows = session.scalars(query.order_by(Grant.id).offset(offset).limit(page_size)).all()
    return [_view(session, grant, staff=True) for grant in rows], total


def pay_grant(
    *,
    session: Session,
    actor: Actor,
    grant_id: int,
    payment_ref: str,
    paid_fen: int | None = None,
) -> GrantView:
    """Register the payout of a confirmed grant, within the item's places and budget."""
    grant = session.get(Grant, grant_id)
    allowed = scope(actor)
    if grant is None or (allowed is not None and _department(session, grant) not in allowed):
        raise NotFound("待遇不存在")
    begin_fresh(session)
    try:
        item = session.get(PolicyItem, grant.item_id, with_for_update=True, populate_existing=True)
        assert item is not None  # a grant's item (a foreign key; items are never deleted)
        grant = _locked(session, grant_id)
        if grant.status != GrantStatus.CONFIRMED:
            raise Conflict(
                "待遇须经本人确认后才能发放，已发放或已放弃的不能再发放",
                errors={"status": [grant.status]},
            )
        fen = grant.amount_fen if paid_fen is None else paid_fen
        if fen is None:
            raise InvalidInput("请填写发放金额", errors={"paid_fen": ["金额未知，必须填写"]})
        if grant.amount_fen is not None and fen != grant.amount_fen:
            raise InvalidInput(
                "发放金额应与待遇金额一致", errors={"paid_fen": [f"应为 {grant.amount_fen}"]}
            )
        check_caps(session, item, fen)
        before = audit.snapshot(grant)
        now = utcnow()
        grant.amount_fen = fen
        grant.status = GrantStatus.PAID
        grant.payment_ref = payment_ref
        grant.paid_at = now
        outbox.add(session, payout_message(grant, item.name, now), now=now)
        audit.record(session, actor, "grant.pay", grant, before=before, after=audit.snapshot(grant))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return _view(session, grant, staff=True)


def _mine(session: Session, wechat_user_id: int, grant_id: int) -> Grant:
    grant = session.get(Grant, grant_id)
    if grant is None or grant.subject_id not in bound_subject_ids(session, wechat_user_id):
        raise NotFound("待遇不存在")
    return grant


def _locked(session: Session, grant_id: int) -> Grant:
    grant = session.get(Grant, grant_id, with_for_update=True, populate_existing=True)
    if grant is None:
        raise NotFound("待遇不存在")
    return grant


def _department(session: Session, grant: Grant) -> int:
    return session.execute(
        select(Policy.department_id)
        .join(PolicyItem, PolicyItem.policy_id == Policy.id)
        .where(PolicyItem.id == grant.item_id)
    ).scalar_one()


def _view(session: Session, grant: Grant, *, staff: bool = False) -> GrantView:
    item = session.get(PolicyItem, grant.item_id)
    account = None
    if grant.payout_account_enc is not None:
        number = vault_of(session).decrypt(grant.payout_account_enc, context=ACCOUNT_CONTEXT)
        account = mask_bank_card(number)
    extra: dict[str, Any] = {}
    if staff:
        subject = session.get(Subject, grant.subject_id)
        extra = {
            "department_id": _department(session, grant),
            "subject_name": mask_name(subject.name) if subject else None,
        }
    return GrantView(
        grant, item.name if item else "", item.benefit if item else "", account, **extra
    )


def _state_message(grant: Grant) -> str:
    words: dict[str, str] = {GrantStatus.PAID: "已发放", GrantStatus.DECLINED: "已放弃"}
    return f"该待遇{words.get(grant.status, '当前状态')}，不能再操作"
