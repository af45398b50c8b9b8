"""The outbox: the one writer of outbox rows (`models.OutboxMessage`).

A change that someone should hear about (a new match, a grant, a claim's step, a closing
deadline) writes its `Message` here in the same transaction as the change itself; the dispatcher
(notify/dispatcher.py) sends it later. Each message carries a dedupe key, so writing it twice
(a job run again, a retried request) leaves one row.

`add` writes one message through the ORM (the caller may need the row); `add_many` writes many
at once for the matcher and the reminders, through models.bulk (LOAD DATA on MariaDB), skipping
keys already there. Both write the same columns from the same named fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

import orjson
from sqlalchemy.orm import Session

from models import MessageStatus, OutboxMessage
from models.base import table_of
from models.bulk import write_rows


@dataclass(frozen=True, slots=True)
class Message:
    """One message to the WeChat users of a subject (or to one user), as the outbox keeps it."""

    topic: str  # notify.messages.TOPICS: which template it is sent with
    dedupe_key: str  # one row per key, whatever writes it how often
    title: str
    body: str
    page: str | None  # the mini-program page it opens (notify.pages)
    data: Mapping[str, Any] = field(default_factory=dict)  # the template's values
    subject_id: int | None = None
    wechat_user_id: int | None = None
    item_id: int | None = None
    claim_id: int | None = None
    urgent: bool = False  # sent in quiet hours too
    expires_at: datetime | None = None  # not sent after this (a deadline that passed)


_FIELDS = tuple(f.name for f in fields(Message))
# Every new row starts pending, untried, due now.
_STATE = ("status", "attempts", "next_attempt_at", "created_at")
COLUMNS = (*_FIELDS, *_STATE)


def add(session: Session, message: Message, *, now: datetime) -> OutboxMessage:
    """Add one message to the session, pending from `now`; return its row."""
    values = {name: getattr(message, name) for name in _FIELDS}
    values["data"] = dict(message.data)
    row = OutboxMessage(
        **values, status=MessageStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now
    )
    session.add(row)
    return row


def add_many(session: Session, messages: Iterable[Message], *, now: datetime) -> int:
    """Write messages in the session's transaction, skipping those whose dedupe key is already
    in the outbox; return how many were handed to the database."""
    state = (MessageStatus.PENDING, 0, now, now)
    rows = [(*_values(message), *state) for message in messages]
    if rows:
        write_rows(session, table_of(OutboxMessage), COLUMNS, rows, mode="ignore")
    return len(rows)


_GET = attrgetter(*_FIELDS)
_DATA = _FIELDS.index("data")


def _values(message: Message) -> list:
    values = list(_GET(message))
    data = values[_DATA]
    values[_DATA] = orjson.dumps(data if type(data) is dict else dict(data)).decode()
    return values
