"""The outbox, the one writer of outbox rows: one message and many write the same row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import MessageStatus, OutboxMessage
from notify import outbox
from notify.outbox import Message

NOW = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
# Columns a new row leaves to the dispatcher and the inbox.
SET_LATER = {"id", "locked_by", "locked_until", "sent_at", "wx_msgid", "last_error", "read_at"}


def sample(key: str) -> Message:
    """A message with every field set."""
    return Message(
        topic="deadline_near",
        dedupe_key=key,
        title="申请即将截止",
        body="「高龄津贴」将于 12月31日 截止申请",
        page="pages/item/item?id=1",
        data={"items": [{"item_id": 1, "name": "高龄津贴", "amount_fen": None}], "count": 1},
        subject_id=None,
        wechat_user_id=None,
        item_id=None,
        claim_id=None,
        urgent=True,
        expires_at=NOW + timedelta(days=3),
    )


def stored(session: Session, key: str) -> dict:
    """Return a row's columns but its id."""
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
    assert row is not None
    values = {c.name: getattr(row, c.name) for c in OutboxMessage.__table__.columns}
    values.pop("id")
    values.pop("dedupe_key")
    return values


def test_every_column_a_new_row_sets_is_written() -> None:
    """A column added to the table must be decided on here: written, or left for later."""
    columns = {c.name for c in OutboxMessage.__table__.columns}
    assert columns - set(outbox.COLUMNS) == SET_LATER
    assert set(outbox.COLUMNS) <= columns


def test_one_and_many_write_the_same_row(session: Session) -> None:
    outbox.add(session, sample("one"), now=NOW)
    session.commit()
    assert outbox.add_many(session, [sample("many")], now=NOW) == 1
    session.commit()
    one, many = stored(session, "one"), stored(session, "many")
    assert one == many
    assert one["status"] == MessageStatus.PENDING and one["attempts"] == 0
    assert one["data"]["items"][0]["name"] == "高龄津贴" and one["urgent"] is True


def test_a_dedupe_key_is_written_once_however_often(session: Session) -> None:
    messages = [sample(f"key-{n}") for n in range(3)]
    outbox.add_many(session, messages, now=NOW)
    outbox.add_many(session, [*messages, sample("key-3")], now=NOW)
    session.commit()
    count = session.scalar(select(func.count()).select_from(OutboxMessage))
    assert count == 4
