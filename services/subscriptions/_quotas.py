"""Subscription quotas per WeChat user and template: counted (one-time) or on/off (long-term).

WeChat offers no API to read how many one-time sends a user has allowed, so we count: +1 per
accept, -1 per successful send, 0 when a send is answered 43101. Long-term templates (the
configured KX_WECHAT_LONG_TERM_TEMPLATES) are on after an accept and off after a reject.

One tap in wx.requestSubscribeMessage is reported twice: by the mini-program (source "client")
and by WeChat's subscribe_msg_popup_event (source "event"), in either order. Each tap must count
once, so an accept that only one source has reported is "unpaired": an accept from one source
first consumes an unpaired accept of the other source (already counted), otherwise it counts and
stays unpaired itself. Unpaired accepts older than PAIRING_WINDOW are forgotten before applying a
report (the other report never came), so a lost report costs at most one tap, never all later ones.

Every change is an atomic conditional UPDATE on the (user, template) row, created first with an
insert-or-ignore, so concurrent reports and sends are safe on MariaDB and on SQLite. The caller
commits. The updates bypass the ORM identity map: do not rely on SubscriptionQuota objects loaded
in the same session before these calls (read with remaining() or a fresh query).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Insert, and_, case, func, literal, null, or_, select, update
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import MessageDelivery, MessageStatus, SubscriptionQuota, SubscriptionType
from models.base import UTCDateTime
from models.db import cursor_result
from notify.quotas import give_back, refused, remaining, take
from services.errors import InvalidInput

__all__ = ["give_back", "opt_out", "record_results", "refused", "remaining", "take"]

Source = Literal["client", "event"]

ACCEPTS = frozenset({"accept", "acceptWithAudio", "acceptWithAlert"})
RESULTS = ACCEPTS | {"reject", "ban", "filter"}
ACCEPT, REJECT, BAN = "accept", "reject", "ban"
PAIRING_WINDOW = timedelta(minutes=10)
TEMPLATE_ID_MAX = 64  # subscription_quotas.template_id

Q = SubscriptionQuota
_NO_SYNC = {"synchronize_session": False}


def record_results(
    session: Session,
    *,
    wechat_user_id: int,
    results: Mapping[str, str],
    source: Source,
    long_term_templates: Collection[str],
    now: datetime,
) -> dict[str, int]:
    """Apply one popup's results {template_id: 'accept'|'reject'|'ban'|'filter'} from one source.

    Returns the remaining count per template touched (long-term: 1 when on, 0 when off). Keys that
    are not template results (the client's `errMsg`) and unknown result values are ignored. A
    template that gains quota wakes the user's deliveries waiting for it.
    """
    if source not in ("client", "event"):
        raise ValueError(f"source must be 'client' or 'event', not {source!r}")
    _check_aware(now)
    long_term = set(long_term_templates)
    wanted = {
        template_id: result
        for template_id, result in results.items()
        if template_id != "errMsg" and isinstance(result, str) and result in RESULTS
    }
    for template_id in wanted:  # all checked before any is applied
        _check_template_id(template_id)
    applied: dict[str, int] = {}
    # A fixed order, so two transactions touching the same rows lock them in the same order.
    for template_id, result in sorted(wanted.items()):
        if template_id in long_term:
            gained = _record_long_term(session, wechat_user_id, template_id, result, now)
            is_long_term = True
        else:
            gained = _record_one_time(session, wechat_user_id, template_id, result, source, now)
            is_long_term = False
        left = remaining(
            session,
            wechat_user_id=wechat_user_id,
            template_id=template_id,
            long_term=is_long_term,
        )
        applied[template_id] = left
        if gained and left > 0:
            _wake_waiting(session, wechat_user_id, template_id, now)
    return applied


def opt_out(session: Session, *, wechat_user_id: int, template_id: str, now: datetime) -> None:
    """The user refused this template (拒收, subscribe_msg_change_event): nothing more is sent.

    Unpaired counters are kept: a popup report still in flight for an earlier tap then pairs
    with its twin instead of counting again after the refusal.
    """
    _check_aware(now)
    _check_template_id(template_id)
    _ensure_row(session, wechat_user_id, template_id, SubscriptionType.ONE_TIME, now)
    session.execute(
        update(Q)
        .where(_key(wechat_user_id, template_id))
        .values(status=REJECT, remaining=0, updated_at=now)
        .execution_options(**_NO_SYNC)
    )


# --- internals ---------------------------------------------------------------------------------


def _record_one_time(
    session: Session, user: int, template_id: str, result: str, source: Source, now: datetime
) -> bool:
    """Apply one result for a one-time template; return whether it may have gained quota."""
    if result in ACCEPTS:
        _ensure_row(session, user, template_id, SubscriptionType.ONE_TIME, now)
        _forget_stale_unpaired(session, user, template_id, now)
        _pair_or_count(session, user, template_id, source, now)
        return True
    if result == BAN:  # the template is banned: record it, the count is unchanged
        _ensure_row(session, user, template_id, SubscriptionType.ONE_TIME, now)
        session.execute(
            update(Q)
            .where(_key(user, template_id))
            .values(status=BAN, updated_at=now)
            .execution_options(**_NO_SYNC)
        )
    # 'reject' and 'filter' leave accumulated one-time sends as they are
    return False


def _record_long_term(
    session: Session, user: int, template_id: str, result: str, now: datetime
) -> bool:
    """Apply one result for a long-term template: on or off; return whether it turned on."""
    if result == "filter":
        return False
    status = ACCEPT if result in ACCEPTS else result  # 'reject' or 'ban'
    _ensure_row(session, user, template_id, SubscriptionType.LONG_TERM, now)
    session.execute(
        update(Q)
        .where(_key(user, template_id))
        .values(
            subscription_type=SubscriptionType.LONG_TERM,
            status=status,
            remaining=1 if status == ACCEPT else 0,
            updated_at=now,
        )
        .execution_options(**_NO_SYNC)
    )
    return status == ACCEPT


def _forget_stale_unpaired(session: Session, user: int, template_id: str, now: datetime) -> None:
    session.execute(
        update(Q)
        .where(
            _key(user, template_id),
            Q.unpaired_since.is_not(None),
            Q.unpaired_since < now - PAIRING_WINDOW,
        )
        .values(client_unpaired=0, event_unpaired=0, unpaired_since=None)
        .execution_options(**_NO_SYNC)
    )


def _pair_or_count(
    session: Session, user: int, template_id: str, source: Source, now: datetime
) -> None:
    """One accept from `source`: consume the other source's unpaired accept, or count a new one.

    A single UPDATE, so concurrent reports of the same tap cannot both count. MariaDB evaluates SET
    assignments left to right, each seeing the columns assigned before it, while SQLite sees the
    old values throughout: the order below reads every column before it is assigned, so both
    agree.
    """
    own, other = (
        (Q.client_unpaired, Q.event_unpaired)
        if source == "client"
        else (Q.event_unpaired, Q.client_unpaired)
    )
    at = literal(now, UTCDateTime())
    counts = case((other > 0, 0), else_=1)
    session.execute(
        update(Q)
        .where(_key(user, template_id))
        .ordered_values(
            (
                Q.unpaired_since,
                case(
                    (and_(other == 1, own == 0), null()),  # the last unpaired one pairs
                    (and_(other == 0, own == 0), at),  # the first unpaired one
                    else_=func.coalesce(Q.unpaired_since, at),
                ),
            ),
            (Q.status, ACCEPT),
            (Q.subscription_type, SubscriptionType.ONE_TIME),
            (Q.updated_at, at),
            (Q.remaining, Q.remaining + counts),
            (own, own + counts),
            (other, case((other > 0, other - 1), else_=other)),
        )
        .execution_options(**_NO_SYNC)
    )


def _ensure_row(
    session: Session, user: int, template_id: str, subscription_type: str, now: datetime
) -> None:
    """Create the (user, template) row unless it exists, without failing when another does."""
    if session.scalar(select(Q.id).where(_key(user, template_id))) is not None:
        return
    values = {
        "wechat_user_id": user,
        "template_id": template_id,
        "subscription_type": subscription_type,
        "remaining": 0,
        "status": ACCEPT,
        "client_unpaired": 0,
        "event_unpaired": 0,
        "updated_at": now,
    }
    statement: Insert  # each dialect's own
    if session.connection().dialect.name in ("mysql", "mariadb"):
        # ON DUPLICATE KEY (a no-op update), not INSERT IGNORE: IGNORE would also turn a missing
        # user into a warning, and this takes the row lock a plain duplicate check would share.
        statement = mysql_insert(Q).values(values)
        statement = statement.on_duplicate_key_update(template_id=statement.inserted.template_id)
    else:
        statement = (
            sqlite_insert(Q)
            .values(values)
            .on_conflict_do_nothing(index_elements=["wechat_user_id", "template_id"])
        )
    session.execute(statement)


def _wake_waiting(session: Session, user: int, template_id: str, now: datetime) -> int:
    """Make this user's deliveries that wait for quota of this template due now."""
    D = MessageDelivery  # noqa: N806 - a table alias
    return cursor_result(
        session.execute(
            update(D)
            .where(
                D.wechat_user_id == user,
                D.template_id == template_id,
                D.status == MessageStatus.WAITING,
                or_(D.expires_at.is_(None), D.expires_at > now),
            )
            .values(status=MessageStatus.PENDING, next_attempt_at=now)
            .execution_options(**_NO_SYNC)
        )
    ).rowcount


def _key(user: int, template_id: str):
    return and_(Q.wechat_user_id == user, Q.template_id == template_id)


def _check_template_id(template_id: str) -> None:
    if not isinstance(template_id, str) or not 0 < len(template_id) <= TEMPLATE_ID_MAX:
        raise InvalidInput(
            "订阅消息模板编号无效", errors={"template_id": [f"应为 1–{TEMPLATE_ID_MAX} 个字符"]}
        )


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("naive datetime given; use models.clock.utcnow()")
