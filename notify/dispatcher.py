"""The dispatcher: outbox messages -> one delivery per bound WeChat user -> subscribe messages.

Each step is its own short transaction and none is open across a WeChat call:

1. fan out: a pending outbox message gets a delivery for each WeChat user bound to its subject
   (unique per message and user, so a re-run adds nothing), and becomes `queued`;
2. claim: due deliveries are locked for this dispatcher (`FOR UPDATE SKIP LOCKED` on MariaDB;
   on SQLite every transaction begins IMMEDIATE, so claims are serialized), grouped into pushes
   (several new-match messages for one user are one push), held back in quiet hours, and given
   one subscription right each, or set `waiting` when the user has none;
3. send: pushes go out concurrently through the gateway, paced by a token bucket;
4. record: each outcome is written with its attempt (errcode, errmsg, msgid): sent; `waiting`
   on 43101; failed on other final errors or when attempts run out; otherwise back to pending
   with exponential backoff and jitter.

A dispatcher that dies leaves its claims `sending` until their lease runs out; then any
dispatcher takes them again. A push that was in flight at the death may so be sent twice: at
most the number of pushes in flight, `concurrency * 2` (docs/notify.md).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy import case, insert, literal, select, update
from sqlalchemy.orm import Session

from models import (
    Database,
    DeliveryAttempt,
    MessageDelivery,
    MessageStatus,
    OutboxMessage,
    SubjectBinding,
    WeChatEvent,
    WeChatUser,
)
from models.base import table_of
from models.clock import utcnow
from models.db import cursor_result
from notify import messages, quotas
from notify.rate import TokenBucket
from notify.timing import backoff, quiet_until
from notify.wechat import WeChatError, WeChatGateway

log = logging.getLogger(__name__)

REFUSED = 43101
DELIVERY_COLUMNS = (
    "message_id",
    "wechat_user_id",
    "topic",
    "template_id",
    "urgent",
    "status",
    "attempts",
    "next_attempt_at",
    "expires_at",
    "quota_held",
    "created_at",
)


@dataclass(frozen=True)
class DispatchSettings:
    """How the dispatcher behaves; Settings.dispatch() builds it from KX_* variables."""

    template_ids: Mapping[str, str] = field(default_factory=dict)
    template_keys: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    long_term_templates: frozenset[str] = frozenset()
    concurrency: int = 32
    batch: int = 200
    lease_seconds: float = 120.0
    max_attempts: int = 6
    backoff_base: float = 5.0
    backoff_cap: float = 1800.0
    quiet_start: clock_time = clock_time(22, 0)
    quiet_end: clock_time = clock_time(8, 0)
    quiet_spread_seconds: float = 900.0
    expiry_days: int = 30
    fan_out_batch: int = 500
    # how long an ambiguous send waits for WeChat's sent event before it is settled
    uncertain_seconds: float = 600.0


@dataclass
class Push:
    """One subscribe message to one user, carrying one or more deliveries."""

    delivery_ids: list[int]
    wechat_user_id: int
    openid: str
    template_id: str
    long_term: bool
    attempts: int
    message: messages.WxMessage
    message_id: int

    @property
    def leader_id(self) -> int:
        """Return the delivery that holds the subscription right and the attempt record."""
        return self.delivery_ids[0]


@dataclass
class Outcome:
    """What WeChat said to one push."""

    push: Push
    result: str  # sent | refused | failed | retry | uncertain
    started_at: datetime
    finished_at: datetime
    msgid: str | None = None
    errcode: int | None = None
    errmsg: str | None = None


def _for_update(query: Any, session: Session) -> Any:
    if session.get_bind().dialect.name in ("mysql", "mariadb"):
        return query.with_for_update(skip_locked=True)
    return query  # SQLite: the transaction began IMMEDIATE and holds the write lock


def _insert_ignore(model: Any) -> Any:
    """INSERT that skips rows whose unique key exists (a re-run or a second dispatcher)."""
    return (
        insert(model)
        .prefix_with("IGNORE", dialect="mysql")
        .prefix_with("IGNORE", dialect="mariadb")
        .prefix_with("OR IGNORE", dialect="sqlite")
    )


def dispatcher_name() -> str:
    """Return a name unique to this dispatcher: host, pid and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def update_rows(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Update deliveries by id with few statements: one per set of columns, CASE where they differ.

    (An executemany of UPDATEs costs one round trip per row on MariaDB.)
    """
    by_columns: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    table = table_of(MessageDelivery)
    for columns, group in by_columns.items():
        for start in range(0, len(group), 500):
            chunk = group[start : start + 500]
            ids = [row["id"] for row in chunk]
            values: dict[str, Any] = {}
            for name in columns:
                if name == "id":
                    continue
                distinct = {row[name] for row in chunk}
                if len(distinct) == 1:
                    values[name] = chunk[0][name]
                else:
                    column = table.c[name]
                    values[name] = case(
                        {row["id"]: literal(row[name], column.type) for row in chunk},
                        value=table.c.id,
                    )
            session.execute(update(table).where(table.c.id.in_(ids)).values(**values))


def fan_out(database: Database, settings: DispatchSettings) -> int:
    """Give each pending outbox message its deliveries; return how many messages were done."""
    done = 0
    while True:
        with database.session() as session:
            now = utcnow()
            rows = session.execute(
                _for_update(
                    select(
                        OutboxMessage.id,
                        OutboxMessage.topic,
                        OutboxMessage.subject_id,
                        OutboxMessage.wechat_user_id,
                        OutboxMessage.urgent,
                        OutboxMessage.expires_at,
                        OutboxMessage.created_at,
                    )
                    .where(OutboxMessage.status == MessageStatus.PENDING)
                    .order_by(OutboxMessage.id)
                    .limit(settings.fan_out_batch),
                    session,
                )
            ).all()
            if not rows:
                return done
            users_of = _bound_users(session, {r.subject_id for r in rows if r.subject_id})
            deliveries = []
            for row in rows:
                try:
                    template_id = messages.template_for(row.topic, settings.template_ids)
                except KeyError:
                    continue  # a topic we do not push: it is in the inbox only
                users = {row.wechat_user_id} if row.wechat_user_id else users_of[row.subject_id]
                expires = row.expires_at or row.created_at + timedelta(days=settings.expiry_days)
                deliveries += [
                    (row.id, user, row.topic, template_id, row.urgent)
                    + (MessageStatus.PENDING, 0, now, expires, False, now)
                    for user in sorted(users)
                ]
            if deliveries:
                session.execute(
                    _insert_ignore(MessageDelivery),
                    [dict(zip(DELIVERY_COLUMNS, row, strict=True)) for row in deliveries],
                )
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([r.id for r in rows]))
                .values(status=MessageStatus.QUEUED)
            )
            session.commit()
            done += len(rows)


def _bound_users(session: Session, subject_ids: set[int]) -> defaultdict[int, set[int]]:
    users: defaultdict[int, set[int]] = defaultdict(set)
    ids = sorted(subject_ids)
    for start in range(0, len(ids), 1000):
        found = session.execute(
            select(SubjectBinding.subject_id, SubjectBinding.wechat_user_id).where(
                SubjectBinding.subject_id.in_(ids[start : start + 1000]),
                SubjectBinding.status == "active",
            )
        )
        for subject_id, user_id in found:
            users[subject_id].add(user_id)
    return users


# Ambiguous sends (docs/notify.md): a push whose request left but whose answer never came may
# have been delivered. It is not retried blindly: it waits `uncertain_seconds` for WeChat's sent
# event, which settles it as sent (services.subscriptions matches the event to it by user and
# template). WeChat posts that event seconds after delivering, three times over, so silence for
# the whole window means the push was not delivered: it is sent again (a duplicate needs both the
# answer and every try of the event lost). Messages about money or the resident's own claim go
# back to the front of the queue; reminders after them.
MONEY_TOPICS = frozenset({"payout_done", "grant_made", "claim_status"})


SENT_EVENT = "subscribe_msg_sent_event"


def _reported_meanwhile(session: Session, push: Push, since: datetime) -> str | None:
    """The MsgID of a sent event for this user and template that came while the ambiguous push
    waited for its answer (and belongs to no other delivery), or None."""
    rows = session.scalars(
        select(WeChatEvent.payload).where(
            WeChatEvent.openid == push.openid,
            WeChatEvent.event == SENT_EVENT,
            WeChatEvent.received_at >= since - timedelta(seconds=5),
        )
    ).all()
    found = []
    for payload in rows:
        items = payload.get("List") if isinstance(payload, dict) else None
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, dict) and str(item.get("TemplateId")) == push.template_id:
                if str(item.get("ErrorCode", "0")) == "0" and item.get("MsgID"):
                    found.append(str(item["MsgID"])[:64])
    if not found:
        return None
    taken = set(
        session.scalars(select(MessageDelivery.wx_msgid).where(MessageDelivery.wx_msgid.in_(found)))
    )
    return next((msgid for msgid in found if msgid not in taken), None)


def settle_uncertain(database: Database) -> int:
    """Send again the ambiguous pushes whose window passed without a sent event; return how
    many deliveries went back to the queue."""
    D = MessageDelivery  # noqa: N806 - a table alias
    with database.session() as session:
        now = utcnow()
        settled = 0
        for topics, due in (
            (D.topic.in_(MONEY_TOPICS), now - timedelta(minutes=1)),
            (D.topic.not_in(MONEY_TOPICS), now),
        ):
            settled += int(
                cursor_result(
                    session.execute(
                        update(D)
                        .where(
                            D.status == MessageStatus.UNCERTAIN, D.next_attempt_at <= now, topics
                        )
                        .values(
                            status=MessageStatus.PENDING, next_attempt_at=due, sent_with_id=None
                        )
                        .execution_options(synchronize_session=False)
                    )
                ).rowcount
                or 0
            )
        session.commit()
    return settled


def expire(database: Database) -> int:
    """Mark deliveries that were not sent before their message expired; return how many."""
    with database.session() as session:
        count = cursor_result(
            session.execute(
                update(MessageDelivery)
                .where(
                    MessageDelivery.status.in_([MessageStatus.PENDING, MessageStatus.WAITING]),
                    MessageDelivery.expires_at < utcnow(),
                )
                .values(status=MessageStatus.EXPIRED, quota_held=False)
            )
        ).rowcount
        session.commit()
        return int(count or 0)


class Dispatcher:
    """Sends what is due: call run() from a job, a loop or a benchmark."""

    def __init__(
        self,
        database: Database,
        gateway: WeChatGateway,
        settings: DispatchSettings,
        *,
        limiter: TokenBucket | None = None,
        name: str | None = None,
    ) -> None:
        self.database = database
        self.gateway = gateway
        self.settings = settings
        self.limiter = limiter
        self.name = name or dispatcher_name()
        self.stopping = threading.Event()
        self._pool = ThreadPoolExecutor(settings.concurrency, thread_name_prefix="kx-send")
        self._rng = random.Random()
        gateway.widen_pool(settings.concurrency)

    def close(self) -> None:
        """Stop the send threads (after the pushes in flight)."""
        self._pool.shutdown(wait=True)

    def stop(self) -> None:
        """Ask run() to stop claiming and return once the pushes in flight are recorded."""
        self.stopping.set()

    def run(self, *, max_seconds: float | None = None) -> dict[str, int]:
        """Fan out, then claim, send and record until nothing is due; return counts."""
        counts: Counter[str] = Counter()
        counts["fanned_out"] += fan_out(self.database, self.settings)
        counts["expired"] += expire(self.database)
        counts["uncertain_resent"] += settle_uncertain(self.database)
        ends = None if max_seconds is None else time.monotonic() + max_seconds
        in_flight: set[Future[Outcome]] = set()
        finished: list[Outcome] = []
        last_record = time.monotonic()
        exhausted = False
        depth = self.settings.concurrency * 2
        while True:
            late = ends is not None and time.monotonic() > ends
            unrecorded = len(in_flight) + len(finished)  # claimed and not yet written back
            if not (exhausted or late or self.stopping.is_set()) and unrecorded < depth:
                room = min(self.settings.batch, depth - unrecorded)
                pushes = self.claim(room, counts)
                exhausted = not pushes
                in_flight.update(self._pool.submit(self._send, push) for push in pushes)
            if in_flight:
                done, in_flight = wait(in_flight, timeout=0.05, return_when=FIRST_COMPLETED)
                finished += [future.result() for future in done]
            quiet_for = time.monotonic() - last_record
            if finished and (len(finished) >= depth // 2 or quiet_for > 0.25 or not in_flight):
                self.record(finished, counts)
                finished, last_record = [], time.monotonic()
            if not in_flight and not finished and (exhausted or late or self.stopping.is_set()):
                return {key: value for key, value in counts.items() if value}

    # claim

    def claim(self, limit: int, counts: Counter[str] | None = None) -> list[Push]:
        """Lock up to `limit` due deliveries for this dispatcher and return them as pushes."""
        counts = Counter() if counts is None else counts
        with self.database.session() as session:
            now = utcnow()
            rows = self._due(session, now, limit)
            if not rows:
                session.rollback()
                return []
            quiet = quiet_until(now, self.settings.quiet_start, self.settings.quiet_end)
            if quiet is not None:
                held_back = [r for r in rows if not r.urgent]
                rows = [r for r in rows if r.urgent]
                self._hold_back(session, held_back, quiet)
                counts["held_quiet_hours"] += len(held_back)
            pushes = self._group(session, rows, now, counts)
            session.commit()
            return pushes

    def _due(self, session: Session, now: datetime, limit: int) -> list[Any]:
        columns = (
            MessageDelivery.id,
            MessageDelivery.message_id,
            MessageDelivery.wechat_user_id,
            MessageDelivery.topic,
            MessageDelivery.template_id,
            MessageDelivery.urgent,
            MessageDelivery.attempts,
            MessageDelivery.quota_held,
        )
        due = (
            select(*columns)
            .where(
                MessageDelivery.status == MessageStatus.PENDING,
                MessageDelivery.next_attempt_at <= now,
            )
            .order_by(MessageDelivery.next_attempt_at, MessageDelivery.id)
            .limit(limit)
        )
        rows = list(session.execute(_for_update(due, session)))
        if len(rows) < limit:  # claims whose dispatcher died: their lease ran out
            stale = (
                select(*columns)
                .where(
                    MessageDelivery.status == MessageStatus.SENDING,
                    MessageDelivery.locked_until < now,
                )
                .order_by(MessageDelivery.locked_until)
                .limit(limit - len(rows))
            )
            rows += list(session.execute(_for_update(stale, session)))
        return rows

    def _hold_back(self, session: Session, rows: Sequence[Any], until: datetime) -> None:
        """Move non-urgent deliveries to the end of quiet hours, spread over a few minutes."""
        spread = self.settings.quiet_spread_seconds
        values = [
            {
                "id": row.id,
                "status": MessageStatus.PENDING,
                "next_attempt_at": until + timedelta(seconds=self._rng.uniform(0, spread)),
                "locked_by": None,
                "locked_until": None,
            }
            for row in rows
        ]
        update_rows(session, values)

    def _group(
        self, session: Session, rows: Sequence[Any], now: datetime, counts: Counter[str]
    ) -> list[Push]:
        groups: dict[tuple[Any, ...], list[Any]] = {}
        for row in sorted(rows, key=lambda r: (r.wechat_user_id, r.template_id or "", r.id)):
            key: tuple[Any, ...] = (row.wechat_user_id, row.template_id)
            if row.topic not in messages.BUNDLED_TOPICS:
                key += (row.id,)
            groups.setdefault(key, []).append(row)
        user_ids = sorted({row.wechat_user_id for row in rows})
        openids = dict(
            session.execute(
                select(WeChatUser.id, WeChatUser.openid).where(WeChatUser.id.in_(user_ids))
            ).all()
        )
        contents = self._contents(session, {row.message_id for row in rows})
        lease = now + timedelta(seconds=self.settings.lease_seconds)
        keys = list(groups.items())  # sorted by user and template: locks are taken in one order
        need = [
            (user_id, template_id, template_id in self.settings.long_term_templates)
            for (user_id, template_id, *_), group in keys
            if not any(row.quota_held for row in group)
        ]
        granted = iter(quotas.take_many(session, need))
        pushes, changes = [], []
        for (user_id, template_id, *_), group in keys:
            long_term = template_id in self.settings.long_term_templates
            held = any(row.quota_held for row in group)
            if not held and not next(granted):
                changes += [
                    {"id": r.id, "status": MessageStatus.WAITING, "quota_held": False}
                    | {"locked_by": None, "locked_until": None}
                    for r in group
                ]
                counts["waiting_for_quota"] += len(group)
                continue
            changes += [
                {"id": r.id, "status": MessageStatus.SENDING, "quota_held": i == 0}
                | {"locked_by": self.name, "locked_until": lease}
                for i, r in enumerate(group)
            ]
            ordered = sorted(group, key=lambda r: contents[r.message_id].created_at or now)
            pushes.append(
                Push(
                    delivery_ids=[r.id for r in group],
                    wechat_user_id=user_id,
                    openid=openids[user_id],
                    template_id=template_id,
                    long_term=long_term,
                    attempts=max(r.attempts for r in group),
                    message=messages.build(
                        [contents[r.message_id] for r in ordered],
                        template_ids=self.settings.template_ids,
                        template_keys=self.settings.template_keys,
                        now=now,
                    ),
                    message_id=group[0].message_id,
                )
            )
        update_rows(session, changes)
        counts["claimed"] += sum(len(p.delivery_ids) for p in pushes)
        return pushes

    @staticmethod
    def _contents(session: Session, message_ids: set[int]) -> dict[int, messages.Content]:
        rows = session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.topic,
                OutboxMessage.title,
                OutboxMessage.body,
                OutboxMessage.data,
                OutboxMessage.page,
                OutboxMessage.created_at,
            ).where(OutboxMessage.id.in_(sorted(message_ids)))
        )
        return {
            row.id: messages.Content(
                topic=row.topic,
                title=row.title,
                body=row.body,
                data=row.data or {},
                page=row.page,
                created_at=row.created_at,
            )
            for row in rows
        }

    # send

    def _send(self, push: Push) -> Outcome:
        if self.limiter is not None:
            self.limiter.acquire()
        started = utcnow()
        message = push.message
        try:
            msgid = self.gateway.send_subscribe_message(
                openid=push.openid,
                template_id=push.template_id,
                data=message.data,
                page=message.page,
            )
        except WeChatError as exc:
            if getattr(exc, "ambiguous", False):
                result = "uncertain"  # the request left; WeChat may have delivered it
            elif exc.errcode == REFUSED:
                result = "refused"
            elif exc.permanent:
                result = "failed"
            else:
                result = "retry"
            return Outcome(push, result, started, utcnow(), errcode=exc.errcode, errmsg=exc.errmsg)
        except Exception as exc:  # noqa: BLE001 - a bug must not lose the push: retry, and log
            log.exception("sending push for deliveries %s failed", push.delivery_ids)
            return Outcome(push, "retry", started, utcnow(), errmsg=f"{type(exc).__name__}")
        return Outcome(push, "sent", started, utcnow(), msgid=msgid)

    # record

    def record(self, outcomes: Sequence[Outcome], counts: Counter[str] | None = None) -> None:
        """Write what WeChat said, for the deliveries this dispatcher still holds."""
        counts = Counter() if counts is None else counts
        with self.database.session() as session:
            now = utcnow()
            ids = [i for outcome in outcomes for i in outcome.push.delivery_ids]
            mine = set(
                session.scalars(
                    select(MessageDelivery.id).where(
                        MessageDelivery.id.in_(ids),
                        MessageDelivery.locked_by == self.name,
                        MessageDelivery.status == MessageStatus.SENDING,
                    )
                )
            )
            changes: list[dict[str, Any]] = []
            attempts: list[dict[str, Any]] = []
            for outcome in outcomes:
                push = outcome.push
                if push.leader_id not in mine:
                    counts["lease_lost"] += len(push.delivery_ids)
                    continue
                changes += self._outcome_changes(session, outcome, mine, now, counts)
                attempts.append(
                    {
                        "message_id": push.message_id,
                        "delivery_id": push.leader_id,
                        "bundled": len(push.delivery_ids),
                        "wechat_user_id": push.wechat_user_id,
                        "template_id": push.template_id,
                        "attempt_no": push.attempts + 1,
                        "outcome": outcome.result,
                        "errcode": outcome.errcode,
                        "errmsg": (outcome.errmsg or "")[:255] or None,
                        "wx_msgid": outcome.msgid,
                        "started_at": outcome.started_at,
                        "finished_at": outcome.finished_at,
                    }
                )
            update_rows(session, changes)
            if attempts:
                session.execute(insert(DeliveryAttempt), attempts)
            session.commit()

    def _outcome_changes(
        self, session: Session, outcome: Outcome, mine: set[int], now: datetime, counts: Counter
    ) -> list[dict[str, Any]]:
        push = outcome.push
        ids = [i for i in push.delivery_ids if i in mine]
        attempts = push.attempts + 1
        base = {
            "attempts": attempts,
            "locked_by": None,
            "locked_until": None,
            "last_errcode": outcome.errcode,
            "last_error": (outcome.errmsg or "")[:255] or None,
        }
        quota: dict[str, Any] = {
            "wechat_user_id": push.wechat_user_id,
            "template_id": push.template_id,
            "long_term": push.long_term,
        }
        if outcome.result == "uncertain":  # its sent event may have come already
            msgid = _reported_meanwhile(session, push, outcome.started_at)
            if msgid is not None:
                counts["uncertain_confirmed"] += len(ids)
                outcome = Outcome(push, "sent", outcome.started_at, outcome.finished_at, msgid)
                base = base | {"delivered": True, "last_errcode": None, "last_error": None}
        if outcome.result == "sent":
            counts["sent"] += len(ids)
            counts["pushes"] += 1
            return [
                base
                | {"id": i, "status": MessageStatus.SENT, "quota_held": False}
                | {"sent_at": outcome.finished_at, "wx_msgid": outcome.msgid}
                | {"sent_with_id": None if i == push.leader_id else push.leader_id}
                for i in ids
            ]
        if outcome.result == "uncertain":  # not retried blindly: see settle_uncertain
            counts["uncertain"] += len(ids)
            window = now + timedelta(seconds=self.settings.uncertain_seconds)
            return [
                base
                | {"id": i, "status": MessageStatus.UNCERTAIN, "next_attempt_at": window}
                | {"quota_held": i == push.leader_id}
                | {"sent_with_id": None if i == push.leader_id else push.leader_id}
                for i in ids
            ]
        if outcome.result == "refused":
            quotas.refused(session, **quota)
            counts["waiting_for_quota"] += len(ids)
            waiting = {"status": MessageStatus.WAITING, "quota_held": False}
            return [base | {"id": i} | waiting for i in ids]
        if outcome.result == "retry" and attempts < self.settings.max_attempts:
            settings = self.settings
            delay = backoff(
                attempts, base=settings.backoff_base, cap=settings.backoff_cap, rng=self._rng
            )
            counts["retry_later"] += len(ids)
            due = now + timedelta(seconds=delay)
            return [
                base
                | {"id": i, "status": MessageStatus.PENDING, "next_attempt_at": due}
                | {"quota_held": i == push.leader_id}
                for i in ids
            ]
        quotas.give_back(session, **quota)
        counts["failed"] += len(ids)
        return [base | {"id": i, "status": MessageStatus.FAILED, "quota_held": False} for i in ids]


def make_dispatcher(
    database: Database,
    gateway: WeChatGateway,
    settings: DispatchSettings,
    *,
    rate: float,
    redis: Any = None,
    redis_prefix: str = "kx",
    name: str | None = None,
) -> Dispatcher:
    """Return a dispatcher paced at `rate` pushes/s, shared through Redis when given."""
    burst = max(int(rate), 1)
    limiter = TokenBucket(rate, burst, redis=redis, key=f"{redis_prefix}:send-bucket")
    return Dispatcher(database, gateway, settings, limiter=limiter, name=name)
