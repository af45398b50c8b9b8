"""models.bulk: the fast path (LOAD DATA on MariaDB, a compiled executemany on SQLite) and the
plain one (SQLAlchemy's insert) write the same rows, in every mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import MessageStatus, OutboxMessage
from models.bulk import write_rows

NOW = datetime(2026, 12, 4, 2, 30, 15, 123456, tzinfo=UTC)
COLUMNS = ("topic", "dedupe_key", "title", "body", "data", "page", "urgent", "status")
COLUMNS += ("attempts", "next_attempt_at", "expires_at", "created_at")
# Text a tab-separated file must escape: tabs, newlines, backslashes, NUL-free Chinese, \N.
AWKWARD = ("第一行\n第二行", "a\tb", "C:\\路径\\N", "\\N", "", "引号\"'和百分号%")


def rows(prefix: str, count: int) -> list[tuple]:
    """Rows with every kind of value the outbox holds."""
    return [
        (
            "new_matches",
            f"{prefix}-{n}",
            AWKWARD[n % len(AWKWARD)],
            AWKWARD[(n + 1) % len(AWKWARD)],
            '{"items": [], "名": "值\\t"}',
            None if n % 3 else "pages/index/index",
            n % 2 == 0,
            MessageStatus.PENDING,
            n,
            NOW + timedelta(seconds=n),
            None if n % 2 else NOW + timedelta(days=n),
            NOW,
        )
        for n in range(count)
    ]


def stored(session: Session) -> list[tuple]:
    """Return every outbox row's written columns, keyed apart from the prefix."""
    found = session.execute(
        select(*(getattr(OutboxMessage, c) for c in COLUMNS)).order_by(OutboxMessage.dedupe_key)
    ).all()
    return [(row[0], row[1].split("-", 1)[1], *row[2:]) for row in found]


@pytest.mark.parametrize("mode", ["insert", "ignore", "replace"])
def test_the_fast_and_the_plain_path_write_the_same_rows(session: Session, mode: str) -> None:
    written = {}
    for fast in (True, False):
        session.info["fast_paths"] = fast
        try:
            write_rows(session, OutboxMessage.__table__, COLUMNS, rows("k", 40), mode=mode)
            if mode != "insert":  # writing them again: skipped, or written over
                write_rows(session, OutboxMessage.__table__, COLUMNS, rows("k", 40), mode=mode)
            session.commit()
            written[fast] = stored(session)
            session.execute(delete(OutboxMessage))
            session.commit()
        finally:
            session.info.pop("fast_paths")
    assert written[True] == written[False]
    assert len(written[True]) == 40
    assert {row[2] for row in written[True]} == set(AWKWARD)


def test_a_column_the_table_needs_cannot_be_left_out(session: Session) -> None:
    without_title = tuple(c for c in COLUMNS if c != "title")
    values = [
        tuple(v for c, v in zip(COLUMNS, row, strict=True) if c != "title") for row in rows("m", 1)
    ]
    with pytest.raises(ValueError, match="missing \\['title'\\]"):
        write_rows(session, OutboxMessage.__table__, without_title, values)
