"""MariaDB connections are pinged only after sitting idle; one the server dropped is replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from models import Database
from models.db import PING_AFTER_IDLE_SECONDS


def _own_database(database: Database) -> Database:
    """A Database of its own on the same server, with a pool of one connection."""
    if database.dialect != "mysql":
        pytest.skip("SQLite has no server to drop connections")
    own = Database(database.url)
    own.engine.pool.dispose()
    return own


def test_a_connection_dropped_while_idle_is_replaced(database: Database) -> None:
    own = _own_database(database)
    killer = Database(database.url)
    try:
        with own.engine.connect() as connection:
            first = connection.execute(text("SELECT CONNECTION_ID()")).scalar()
        with killer.engine.connect() as connection:
            connection.execute(text(f"KILL CONNECTION {int(first)}"))
        # as if it had sat idle longer than PING_AFTER_IDLE_SECONDS
        for record in list(own.engine.pool._pool.queue):  # type: ignore[attr-defined]
            record.info["kx_idle_since"] -= PING_AFTER_IDLE_SECONDS + 1
        with own.engine.connect() as connection:
            again = connection.execute(text("SELECT CONNECTION_ID()")).scalar()
        assert again != first
    finally:
        own.dispose()
        killer.dispose()


def test_a_connection_used_just_now_is_not_pinged(database: Database) -> None:
    own = _own_database(database)
    pings: list[int] = []
    try:
        with own.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        raw = own.engine.pool._pool.queue[0].dbapi_connection  # type: ignore[attr-defined]
        original = raw.ping
        raw.ping = lambda *args: pings.append(1) or original(*args)
        for _ in range(3):
            with own.engine.connect() as connection:
                assert connection.execute(text("SELECT 1")).scalar() == 1
        assert pings == []
        own.engine.pool._pool.queue[0].info["kx_idle_since"] -= PING_AFTER_IDLE_SECONDS + 1  # type: ignore[attr-defined]
        with own.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert pings == [1]
    finally:
        own.dispose()
