"""Engine and session factory for SQLite and MariaDB/MySQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from models.pii import Vault

SQLITE_BUSY_TIMEOUT_MS = 30_000


class Database:
    """One engine and its session factory; sessions carry the personal-data vault."""

    def __init__(
        self, url: str, *, vault: Vault | None = None, echo: bool = False, fast_paths: bool = True
    ) -> None:
        self.url = url
        # The storage fast paths, or their plain SQLAlchemy versions (same results): see
        # fast_paths_of() and docs/conventions.md.
        self.fast_paths = fast_paths
        self.engine = make_engine(url, echo=echo)
        # For one-statement reads on hot paths (residents/_matches_read.py): on MariaDB a pool of
        # its own whose connections stay in autocommit, so that returning one sends no
        # ROLLBACK (a third of such a read's round trips); SQLite reads outside a transaction
        # on the main engine already.
        self.reads = (
            self.engine
            if self.engine.dialect.name == "sqlite"
            else make_engine(url, echo=echo, autocommit=True)
        )
        self.vault = vault
        # Sessions share `info` by reference: the vault, and caches that belong to this database
        # (compiled item versions are keyed by id, and ids are only unique within a database).
        self.sessionmaker = sessionmaker(
            self.engine,
            expire_on_commit=False,
            info={"vault": vault, "cache": {}, "reads": self.reads, "fast_paths": fast_paths},
        )

    @property
    def dialect(self) -> str:
        """Return 'sqlite' or 'mysql'."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that is closed (and rolled back if uncommitted) afterwards."""
        with self.sessionmaker() as session:
            yield session

    def ping(self) -> None:
        """Run a trivial query; raises when the database does not answer."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self.reads is not self.engine:
            self.reads.dispose()


def fast_paths_of(session: Session) -> bool:
    """Return whether this session's database takes the storage fast paths (KX_FAST_PATHS)."""
    return session.info.get("fast_paths", True)


def cursor_result(result: Result[Any]) -> CursorResult[Any]:
    """Return an INSERT, UPDATE or DELETE's result as the CursorResult it is: Session.execute
    is typed as returning a Result, which has no rowcount nor inserted_primary_key."""
    return cast(CursorResult[Any], result)


def vault_of(session: Session) -> Vault:
    """Return the vault the session was made with."""
    vault = session.info.get("vault")
    if vault is None:
        raise RuntimeError("this session has no vault; build Database(url, vault=Vault(key))")
    return vault


def make_engine(url: str, *, echo: bool = False, autocommit: bool = False) -> Engine:
    """Create an engine with the settings each backend needs; `autocommit` (MariaDB/MySQL):
    its connections run each statement on its own and are returned to the pool as they are."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        query = dict(parsed.query)
        query.setdefault("charset", "utf8mb4")
        parsed = parsed.set(query=query)
    options = (
        # nothing to roll back on check-in: no statement leaves a transaction open
        {"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None} if autocommit else {}
    )
    engine = create_engine(
        parsed,
        echo=echo,
        **options,
        # Not pool_pre_ping (a round trip on every check-out, a fifth of a small request's
        # database time): _ping_if_idle pings only a connection that sat idle, and pool_recycle
        # replaces connections long before MariaDB's wait_timeout (8 h) drops them.
        pool_recycle=3600,
        pool_size=10,
        max_overflow=20,
        # models/bulk.py loads city-sized writes with LOAD DATA LOCAL INFILE
        connect_args={"local_infile": True},
    )
    event.listen(engine, "checkout", _ping_if_idle)
    event.listen(engine, "checkin", _mark_idle)
    return engine


PING_AFTER_IDLE_SECONDS = 5.0


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """Ping a pooled connection on check-out when it sat idle PING_AFTER_IDLE_SECONDS or more.

    A connection the server dropped (restart, failover, timeout) while idle is found here and
    replaced: raising DisconnectionError makes the pool connect afresh and retry. A connection
    in use within the last seconds is not pinged; if the server went away in between, the
    statement fails once, SQLAlchemy sees the disconnect and replaces every pooled connection.
    """
    idle_since = record.info.get("kx_idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping(False)
    except Exception as exc:  # noqa: BLE001 - any failure means this connection is unusable
        raise DisconnectionError(str(exc)) from exc


def _mark_idle(_dbapi_connection, record) -> None:
    record.info["kx_idle_since"] = time.monotonic()


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
    # SAVEPOINT and SELECT inside a transaction behave as on MariaDB.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    # IMMEDIATE: take the write lock at the start. A deferred transaction that reads and then
    # writes fails at once (SQLITE_BUSY_SNAPSHOT) if another connection committed in between;
    # an immediate one waits for the busy timeout instead. SQLite serializes writers anyway.
    # An engine with execution_options(sqlite_begin="DEFERRED") opts out (tests' own session).
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")
