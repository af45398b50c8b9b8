"""Send rights per user and template, as the dispatcher spends them (docs wechat.md §2.4).

One-time templates are counted: a send takes one right before it goes out (an atomic
conditional UPDATE, so two dispatchers cannot spend the same right), a failed send gives it
back, WeChat's 43101 sets the count to 0. Long-term templates are on or off. How rights are
gained (accepts from the mini-program and from WeChat's events) is services.subscriptions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from models import SubscriptionQuota
from models.notify import SubscriptionType

ACCEPT = "accept"
REJECT = "reject"
BAN = "ban"  # the template was banned (a requestSubscribeMessage result): nothing is sent


def _row(wechat_user_id: int, template_id: str):
    return (
        SubscriptionQuota.wechat_user_id == wechat_user_id,
        SubscriptionQuota.template_id == template_id,
    )


def take(session: Session, *, wechat_user_id: int, template_id: str, long_term: bool) -> bool:
    """Reserve one send right; False when the user has none for this template."""
    return take_many(session, [(wechat_user_id, template_id, long_term)])[0]


def take_many(session: Session, wanted: Sequence[tuple[int, str, bool]]) -> list[bool]:
    """Reserve one send right for each (user, template, long-term) in order; say which got one.

    One locked read and one UPDATE per distinct count, instead of one UPDATE per push: the rows
    are locked (FOR UPDATE on MariaDB; SQLite's transaction holds the write lock) until commit.
    """
    if not wanted:
        return []
    keys = sorted({(user, template) for user, template, _ in wanted})
    query = select(
        SubscriptionQuota.id,
        SubscriptionQuota.wechat_user_id,
        SubscriptionQuota.template_id,
        SubscriptionQuota.remaining,
        SubscriptionQuota.status,
    ).where(tuple_(SubscriptionQuota.wechat_user_id, SubscriptionQuota.template_id).in_(keys))
    if session.get_bind().dialect.name in ("mysql", "mariadb"):
        query = query.with_for_update()
    rows = {(r.wechat_user_id, r.template_id): r for r in session.execute(query)}
    left = {key: row.remaining for key, row in rows.items()}
    taken: Counter[int] = Counter()
    granted = []
    for user, template, long_term in wanted:
        row = rows.get((user, template))
        if row is None:
            granted.append(False)
        elif long_term:
            granted.append(row.status == ACCEPT)
        elif left[(user, template)] > 0 and row.status != BAN:
            left[(user, template)] -= 1
            taken[row.id] += 1
            granted.append(True)
        else:
            granted.append(False)
    by_count: dict[int, list[int]] = {}
    for row_id, count in taken.items():
        by_count.setdefault(count, []).append(row_id)
    for count, ids in by_count.items():
        session.execute(
            update(SubscriptionQuota)
            .where(SubscriptionQuota.id.in_(ids))
            .values(remaining=SubscriptionQuota.remaining - count)
            .execution_options(synchronize_session=False)
        )
    return granted


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
    values: dict[str, object] = {"remaining": 0} | ({"status": REJECT} if long_term else {})
    session.execute(
        update(SubscriptionQuota)
        .where(*_row(wechat_user_id, template_id))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def remaining(
    session: Session, *, wechat_user_id: int, template_id: str, long_term: bool | None = None
) -> int:
    """Return the sends left: the one-time count, or 1/0 for a long-term template.

    Whether the template is long-term comes from configuration (`long_term`) or, when not
    given, from the row.
    """
    row = session.execute(
        select(
            SubscriptionQuota.subscription_type,
            SubscriptionQuota.remaining,
            SubscriptionQuota.status,
        ).where(*_row(wechat_user_id, template_id))
    ).first()
    if row is None:
        return 0
    if long_term is None:
        long_term = row.subscription_type == SubscriptionType.LONG_TERM
    if long_term:
        return int(row.status == ACCEPT)
    return max(int(row.remaining), 0)
