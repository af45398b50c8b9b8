"""Deleting a resident's account (注销账号): the account goes, and with it what identifies them.

What goes: the WeChat identity (openid and unionid replaced, so a later login is a new account),
the phone number, the WeChat session key, every binding to a subject, every login (access tokens
are refused at once), every subscription right and every push not yet sent, the bank card of a
grant not yet paid, the 联系电话 sealed on their claims (the masked one stays). What stays,
because the law keeps records of public money: claims and grants with their events and payouts,
which point at an account that now names nobody. The subjects (一人一档) are the data platform's
and stay. The audit log records the deletion.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from models import (
    Claim,
    Grant,
    GrantStatus,
    MessageDelivery,
    MessageStatus,
    ResidentSession,
    SubjectBinding,
    SubscriptionQuota,
    WeChatUser,
)
from models.clock import utcnow
from services.audit import Actor, record
from services.errors import NotFound
from services.residents._consent import forget_consents

DELETED = "deleted"
UNSENT = (MessageStatus.PENDING, MessageStatus.WAITING)


def delete_account(*, session: Session, actor: Actor, wechat_user_id: int) -> None:
    """Delete the caller's account and erase its personal data (see the module); commit."""
    user = session.get(WeChatUser, wechat_user_id, with_for_update=True)
    if user is None or user.status == DELETED:
        raise NotFound("账号不存在")
    now = utcnow()
    user.status = DELETED
    user.openid = f"deleted:{user.id}"  # (appid, openid) stays unique; a new login is a new user
    user.unionid = None
    user.session_key_enc = None
    user.phone_enc = None
    user.phone_hash = None
    session.execute(
        update(SubjectBinding)
        .where(SubjectBinding.wechat_user_id == user.id, SubjectBinding.status == "active")
        .values(status="revoked", revoked_at=now)
    )
    session.execute(
        update(ResidentSession)
        .where(ResidentSession.wechat_user_id == user.id, ResidentSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.execute(delete(SubscriptionQuota).where(SubscriptionQuota.wechat_user_id == user.id))
    session.execute(
        update(MessageDelivery)
        .where(MessageDelivery.wechat_user_id == user.id, MessageDelivery.status.in_(UNSENT))
        .values(status=MessageStatus.EXPIRED, quota_held=False)
    )
    session.execute(
        update(Grant)
        .where(
            Grant.confirmed_by_id == user.id,
            Grant.status != GrantStatus.PAID,
            Grant.payout_account_enc.is_not(None),
        )
        .values(payout_account_enc=None)
    )
    session.execute(
        update(Claim)
        .where(Claim.applicant_id == user.id, Claim.contact_phone_enc.is_not(None))
        .values(contact_phone_enc=None)
    )
    forget_consents(session, user.id)
    # the log says that the account went, not who it was (no openid, no phone)
    record(session, actor, "account.delete", user, before=None, after={"status": DELETED})
    session.commit()
