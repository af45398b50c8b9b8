"""What a new match causes, in the matcher's transaction: grants (免申即享) and outbox messages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Grant, GrantStatus, ItemMode, MessageStatus, OutboxMessage, SubjectBinding
from rules.wording import yuan
from services.bulk import write_rows
from services.live_items import LiveItem

HOME_PAGE = "pages/index/index"
GRANTS_PAGE = "pages/grants/grants"
GRANT_COLUMNS = ("subject_id", "item_id", "item_version_id", "status", "amount_fen", "granted_at")
OUTBOX_COLUMNS = (
    "kind",
    "dedupe_key",
    "subject_id",
    "title",
    "body",
    "data",
    "page",
    "urgent",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)


def bound_subjects(session: Session, subject_ids: Iterable[int] | None = None) -> set[int]:
    """Return which subjects have someone to tell: an active binding to a WeChat user."""
    query = select(SubjectBinding.subject_id).where(SubjectBinding.status == "active").distinct()
    if subject_ids is not None:
        ids = list(subject_ids)
        found: set[int] = set()
        for start in range(0, len(ids), 1000):
            found.update(
                session.scalars(
                    query.where(SubjectBinding.subject_id.in_(ids[start : start + 1000]))
                )
            )
        return found
    return set(session.scalars(query))


def write_effects(
    session: Session,
    newly: Mapping[int, list[tuple[LiveItem, int | None]]],
    *,
    bound: set[int],
    today: date,
    now: datetime,
) -> dict[str, int]:
    """Write grants for auto-grant items and one message per kind for each bound subject."""
    grants, messages = [], []
    for subject_id, found in newly.items():
        automatic = [(item, fen) for item, fen in found if item.mode == ItemMode.AUTO_GRANT]
        others = [(item, fen) for item, fen in found if item.mode != ItemMode.AUTO_GRANT]
        grants.extend(
            (subject_id, item.id, item.version_id, GrantStatus.GRANTED, fen, now)
            for item, fen in automatic
        )
        if subject_id not in bound:
            continue
        if automatic:
            messages.append(_message("grant_made", subject_id, automatic, today, now))
        if others:
            messages.append(_message("new_matches", subject_id, others, today, now))
    write_rows(session, Grant.__table__, GRANT_COLUMNS, grants, mode="ignore")
    write_rows(session, OutboxMessage.__table__, OUTBOX_COLUMNS, messages, mode="ignore")
    return {"grants": len(grants), "messages": len(messages)}


def _message(
    kind: str, subject_id: int, found: list[tuple[LiveItem, int | None]], today: date, now: datetime
) -> tuple:
    items = sorted(found, key=lambda pair: pair[0].id)
    key = ",".join(f"{item.id}:{item.version_id}" for item, _ in items)
    dedupe = (
        f"{kind}:{subject_id}:{today.isoformat()}:{hashlib.sha1(key.encode()).hexdigest()[:16]}"
    )
    total = sum(fen or 0 for _, fen in items)
    count = len(items)
    if kind == "grant_made":
        title = "免申即享：已为您办理"
        body = (
            f"「{items[0][0].name}」"
            + (f"等 {count} 项待遇" if count > 1 else "")
            + "已为您自动办理"
        )
        page = GRANTS_PAGE
    else:
        title = "您有新的政策可享"
        body = f"您有 {count} 项新政策可享" + (f"，预计 {yuan(total)}" if total else "")
        page = HOME_PAGE
    data = {
        "items": [
            {
                "item_id": item.id,
                "version_id": item.version_id,
                "name": item.name,
                "amount_fen": fen,
            }
            for item, fen in items
        ],
        "total_fen": total,
    }
    return (
        kind,
        dedupe,
        subject_id,
        title,
        body,
        _json(data),
        page,
        False,
        MessageStatus.PENDING,
        0,
        now,
        now,
    )


def _json(data: dict) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
