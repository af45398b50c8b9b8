"""What a new match causes, in the matcher's transaction: grants (免申即享) and outbox messages.

Grants are for every subject (免申即享 needs no app); a message needs a reader, so it is written
only for subjects bound to a WeChat user. One message per subject and topic bundles its new items.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Grant, GrantStatus, ItemMode, SubjectBinding
from models.base import table_of
from models.bulk import write_rows
from notify import outbox, pages
from notify.outbox import Message
from rules.wording import yuan
from services.matching._live_items import LiveItem

ITEMS_IN_MESSAGE = 20
GRANT_COLUMNS = ("subject_id", "item_id", "item_version_id", "status", "amount_fen", "granted_at")


@dataclass(frozen=True)
class NewPairs:
    """Newly eligible (subject, item) pairs, sorted by subject; amount_fen < 0 means unknown."""

    subject_id: np.ndarray
    item_id: np.ndarray
    amount_fen: np.ndarray

    @classmethod
    def from_lists(cls, newly: Mapping[int, list[tuple[int, int | None]]]) -> NewPairs:
        """Build from {subject id: [(item id, fen or None)]}."""
        pairs = [(s, i, -1 if f is None else f) for s in sorted(newly) for i, f in newly[s]]
        columns = list(zip(*pairs, strict=True)) if pairs else [(), (), ()]
        return cls(*(np.array(c, np.int64) for c in columns))


def subjects_with_readers(session: Session, subject_ids: Iterable[int] | None = None) -> set[int]:
    """Return which subjects have someone to tell: an active binding to a WeChat user."""
    query = select(SubjectBinding.subject_id).where(SubjectBinding.status == "active").distinct()
    if subject_ids is None:
        return set(session.scalars(query))
    ids = list(subject_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        found.update(session.scalars(query.where(SubjectBinding.subject_id.in_(chunk))))
    return found


def write_effects(
    session: Session,
    pairs: NewPairs,
    items: Mapping[int, LiveItem],
    *,
    bound: set[int],
    today: date,
    now: datetime,
) -> dict[str, int]:
    """Write grants for auto-grant items and bundled messages for bound subjects."""
    if len(pairs.subject_id) == 0:
        return {}
    auto_ids = np.array(
        [i for i, item in items.items() if item.mode == ItemMode.AUTO_GRANT], np.int64
    )
    is_auto = np.isin(pairs.item_id, auto_ids)
    item_ids = np.fromiter(items, np.int64, len(items))
    version_of = np.fromiter((items[i].version_id for i in item_ids.tolist()), np.int64, len(items))
    order = np.argsort(item_ids)
    versions = version_of[order][np.searchsorted(item_ids[order], pairs.item_id)]
    grant_rows = [
        (s, i, v, GrantStatus.GRANTED, None if f < 0 else f, now)
        for s, i, v, f in zip(
            pairs.subject_id[is_auto].tolist(),
            pairs.item_id[is_auto].tolist(),
            versions[is_auto].tolist(),
            pairs.amount_fen[is_auto].tolist(),
            strict=True,
        )
    ]
    write_rows(session, table_of(Grant), GRANT_COLUMNS, grant_rows, mode="ignore")
    reached = np.isin(pairs.subject_id, np.fromiter(bound, np.int64, len(bound)))
    # A generator: each message's item dicts live only until the outbox has encoded them (a
    # city's worth alive at once made every garbage collection pass of the run slower).
    sent = outbox.add_many(session, _messages(pairs, items, reached, is_auto, today), now=now)
    return {"grants": len(grant_rows), "messages": sent}


def _messages(
    pairs: NewPairs,
    items: Mapping[int, LiveItem],
    reached: np.ndarray,
    is_auto: np.ndarray,
    today: date,
) -> Iterator[Message]:
    """Yield one message per reached subject and topic, bundling its new items."""
    for topic, mask in (("grant_made", reached & is_auto), ("new_matches", reached & ~is_auto)):
        subjects, items_of, amounts = (
            pairs.subject_id[mask],
            pairs.item_id[mask],
            pairs.amount_fen[mask],
        )
        if len(subjects) == 0:
            continue
        starts = np.flatnonzero(np.r_[True, subjects[1:] != subjects[:-1]])
        for a, b in zip(starts.tolist(), [*starts[1:].tolist(), len(subjects)], strict=True):
            found = [
                (items[i], None if f < 0 else f)
                for i, f in zip(items_of[a:b].tolist(), amounts[a:b].tolist(), strict=True)
            ]
            yield _message(topic, int(subjects[a]), found, today)


def _message(
    topic: str, subject_id: int, found: list[tuple[LiveItem, int | None]], today: date
) -> Message:
    items = sorted(found, key=lambda pair: pair[0].id)
    key = ",".join(f"{item.id}:{item.version_id}" for item, _ in items)
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    total, count = sum(fen or 0 for _, fen in items), len(items)
    if topic == "grant_made":
        title = "免申即享：已为您办理"
        more = f"等 {count} 项待遇" if count > 1 else ""
        body, page = f"「{items[0][0].name}」{more}已为您自动办理", pages.grants()
    else:
        title = "您有新的政策可享"
        body = f"您有 {count} 项新政策可享" + (f"，预计 {yuan(total)}" if total else "")
        page = pages.home()
    listed = [
        {"item_id": item.id, "version_id": item.version_id, "name": item.name, "amount_fen": fen}
        for item, fen in items[:ITEMS_IN_MESSAGE]
    ]
    return Message(
        topic=topic,
        dedupe_key=f"{topic}:{subject_id}:{today.isoformat()}:{digest}",
        subject_id=subject_id,
        title=title,
        body=body,
        data={"items": listed, "count": count, "total_fen": total},
        page=page,
    )
