"""Deadline reminders: tell a resident, once, that an item they can get closes within days.

Every live one_tap or guide item whose application window (`PolicyItem.apply_until`) closes
within three days gets, for every subject whose stored match on it is eligible, that has no open
claim on it (one not withdrawn or rejected) and that is bound to a WeChat user, one
`deadline_near` outbox message. The dedupe key (subject, item, deadline day) makes a second run
add nothing.

Item by item: items closing soon are few and each matches many subjects. An item is evaluated
over the profile snapshot (vectorized) to find who may hold it, and only those subjects' stored
rows are read to confirm; `subject_matches` is never scanned whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Claim,
    ClaimStatus,
    Database,
    ItemMode,
    OutboxMessage,
    Policy,
    PolicyItem,
    PolicyStatus,
    SubjectMatches,
)
from models.clock import to_local, utcnow
from notify import outbox, pages
from notify.outbox import Message
from rules.eligibility import Eligibility
from rules.vectorized import evaluate_items
from rules.wording import yuan
from services.matching import LiveItem, active_entry, compiled_versions, subjects_with_readers
from services.profiles import facts_needed, load_snapshot

TOPIC = "deadline_near"
TITLE = "申请即将截止"
REMIND_WITHIN = timedelta(days=3)
REMINDED_MODES = (ItemMode.ONE_TAP, ItemMode.GUIDE)  # 免申即享 needs no application
CLOSED_CLAIMS = (ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED)
BATCH = 1000


@dataclass(frozen=True)
class ClosingItem:
    """A live item whose application window closes soon."""

    item: LiveItem
    closes_at: datetime

    @property
    def deadline(self) -> date:
        """The last day to apply, on the city's calendar."""
        return to_local(self.closes_at).date()


def closing_items(
    session: Session, *, now: datetime, within: timedelta = REMIND_WITHIN
) -> list[ClosingItem]:
    """Return the live one_tap and guide items whose window is open and closes within `within`."""
    rows = session.execute(
        select(
            PolicyItem.id,
            PolicyItem.current_version_id,
            PolicyItem.subject_type,
            PolicyItem.mode,
            PolicyItem.code,
            PolicyItem.name,
            PolicyItem.apply_until,
        )
        .join(Policy, Policy.id == PolicyItem.policy_id)
        .where(
            PolicyItem.status == PolicyStatus.PUBLISHED,
            Policy.status == PolicyStatus.PUBLISHED,
            PolicyItem.current_version_id.is_not(None),
            PolicyItem.mode.in_(REMINDED_MODES),
            PolicyItem.apply_until > now,
            PolicyItem.apply_until <= now + within,
            (PolicyItem.apply_from.is_(None)) | (PolicyItem.apply_from <= now),
        )
        .order_by(PolicyItem.id)
    ).all()
    compiled = compiled_versions(session, {r.current_version_id: r.subject_type for r in rows})
    return [
        ClosingItem(
            LiveItem(
                r.id,
                r.current_version_id,
                r.subject_type,
                r.mode,
                r.code,
                r.name,
                compiled[r.current_version_id],
            ),
            r.apply_until,
        )
        for r in rows
        if r.current_version_id in compiled
    ]


def remind_deadlines(
    database: Database, *, now: datetime | None = None, within: timedelta = REMIND_WITHIN
) -> dict[str, int]:
    """Write a `deadline_near` message for each eligible, unclaimed, bound subject of each item
    closing within `within`; return counts (items, candidates, claimed, reminders, …)."""
    now = now or utcnow()
    with database.session() as session:
        closing = closing_items(session, now=now, within=within)
        if not closing:
            return {}
        bound = np.array(sorted(subjects_with_readers(session)), np.int64)
    counts: Counter = Counter(items_closing=len(closing))
    today = to_local(now).date()
    for kind in sorted({c.item.kind for c in closing}):
        of_kind = [c for c in closing if c.item.kind == kind]
        with database.session() as session:
            snapshot = load_snapshot(session, kind, facts_needed(c.item.rules for c in of_kind))
        found = evaluate_items([c.item.rules for c in of_kind], snapshot.columns, today)
        for closing_item, matches in zip(of_kind, found, strict=True):
            ids = snapshot.subject_ids[matches.eligible]
            ids = ids[np.isin(ids, bound)]
            counts.update(_remind(database, closing_item, ids.tolist(), now))
    return {name: value for name, value in counts.items() if value}


def _remind(
    database: Database, closing: ClosingItem, subject_ids: Sequence[int], now: datetime
) -> Counter:
    """Remind the given bound subjects of one item, confirming each stored match first."""
    counts: Counter = Counter(candidates=len(subject_ids))
    if not subject_ids:
        return counts
    item = closing.item
    with database.session() as session:
        claimed = set(
            session.scalars(
                select(Claim.subject_id).where(
                    Claim.item_id == item.id, Claim.status.not_in(CLOSED_CLAIMS)
                )
            )
        )
    waiting = [s for s in subject_ids if s not in claimed]
    counts["claimed"] = len(subject_ids) - len(waiting)
    for start in range(0, len(waiting), BATCH):
        chunk = waiting[start : start + BATCH]
        with database.session() as session:
            stored = session.execute(
                select(SubjectMatches.subject_id, SubjectMatches.entries).where(
                    SubjectMatches.subject_id.in_(chunk)
                )
            ).all()
            found = {}
            for subject_id, entries in stored:
                standing = active_entry(entries, item.id)
                if standing is not None and standing.verdict == Eligibility.ELIGIBLE:
                    found[subject_id] = standing.amount_fen
            keys = {s: dedupe_key(s, item.id, closing.deadline) for s in found}
            sent = set(
                session.scalars(
                    select(OutboxMessage.dedupe_key).where(
                        OutboxMessage.dedupe_key.in_(list(keys.values()))
                    )
                )
            )
            rows = [
                _message(closing, subject_id, fen, keys[subject_id])
                for subject_id, fen in sorted(found.items())
                if keys[subject_id] not in sent
            ]
            outbox.add_many(session, rows, now=now)
            session.commit()
        counts["not_eligible_stored"] += len(chunk) - len(found)
        counts["already_reminded"] += len(found) - len(rows)
        counts["reminders"] += len(rows)
    return counts


def dedupe_key(subject_id: int, item_id: int, deadline: date) -> str:
    """Return the key that makes one reminder per subject, item and deadline."""
    return f"{TOPIC}:{subject_id}:{item_id}:{deadline.isoformat()}"


def message_body(name: str, deadline: date, amount_fen: int | None) -> str:
    """「高龄津贴」将于 11月30日 截止申请，预计可享 1,200 元 (the amount only when known)."""
    body = f"「{name}」将于 {deadline.month}月{deadline.day}日 截止申请"
    return body + (f"，预计可享 {yuan(amount_fen)}" if amount_fen else "")


def _message(closing: ClosingItem, subject_id: int, amount_fen: int | None, key: str) -> Message:
    item, deadline = closing.item, closing.deadline
    data = {
        "items": [
            {
                "item_id": item.id,
                "version_id": item.version_id,
                "name": item.name,
                "amount_fen": amount_fen,
            }
        ],
        "count": 1,
        "total_fen": amount_fen or 0,
        "deadline": deadline.isoformat(),
    }
    return Message(
        topic=TOPIC,
        dedupe_key=key,
        subject_id=subject_id,
        item_id=item.id,
        title=TITLE,
        body=message_body(item.name, deadline, amount_fen),
        data=data,
        page=pages.item(item.id),
        expires_at=closing.closes_at,
    )
