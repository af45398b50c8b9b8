"""Send rights per user and template, as the dispatcher spends them (docs wechat.md §2.4).

One-time templates are counted: a send takes one right before it goes out (an atomic
conditional UPDATE, so two dispatchers cannot spend the same right), a failed send gives it
back, WeChat's 43101 sets the count to 0. Long-term templates are on or off. How rights are
gained (accepts from the mini-program and from WeChat's events) is services.subscriptions.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import SubscriptionQuota
from models.notify import QuotaKind

ACCEPT = "accept"
REJECT = "reject"


def _row(wechat_user_id: int, template_id: str):  # type: ignore[no-untyped-def]
    return (
        SubscriptionQuota.wechat_user_id == wechat_user_id,
        SubscriptionQuota.template_id == template_id,
    )


def take(session: Session, *, wechat_user_id: int, template_id: str, long_term: bool) -> bool:
    """Reserve one send right; False when the user has none for this template."""
    if long_term:
        status = session.scalar(
            select(SubscriptionQuota.status).where(*_row(wechat_user_id, template_id))
        )
        return status == ACCEPT
    taken = session.execute(
        update(SubscriptionQuota)
        .where(*_row(wechat_user_id, template_id), SubscriptionQuota.remaining > 0)
        .values(remaining=SubscriptionQuota.remaining - 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return taken == 1


def give_back(session: Session, *, wechat_user_id: int, template_id: str, long_term: bool) -> None:
    """Undo a take: the send did not happen."""
    if long_term:
        return
    session.execute(
        update(SubscriptionQuota)
        .where(*_row(wechat_user_id, template_id))
        .values(remaining=SubscriptionQuota.remaining + 1)
        .execution_options(synchronize_session=False)
    )


def refused(session: Session, *, wechat_user_id: int, template_id: str, long_term: bool) -> None:
    """WeChat answered 43101: the user has no right left (or switched the template off)."""
    values = {"status": REJECT} if long_term else {"remaining": 0}
    session.execute(
        update(SubscriptionQuota)
        .where(*_row(wechat_user_id, template_id))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def remaining(session: Session, *, wechat_user_id: int, template_id: str) -> int:
    """Return the sends left: the one-time count, or 1/0 for a long-term template."""
    row = session.execute(
        select(SubscriptionQuota.kind, SubscriptionQuota.remaining, SubscriptionQuota.status).where(
            *_row(wechat_user_id, template_id)
        )
    ).first()
    if row is None:
        return 0
    if row.kind == QuotaKind.LONG_TERM:
        return int(row.status == ACCEPT)
    return int(row.remaining)
