"""The storage backends of the suite: embedded (SQLite, no Redis) and servers (MariaDB + Redis).

The server variant runs when both answer; otherwise every test of that variant is skipped with
the reason, and the run's summary says so.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url

from models import Base, migrate
from models.db import make_engine

MYSQL_URL = os.environ.get("KX_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("KX_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
RUN_ID = uuid.uuid4().hex[:8]


def server_unavailable_reason() -> str | None:
    """Return why the MariaDB + Redis variant cannot run, or None when it can."""
    problems = []
    try:
        engine = make_engine(MYSQL_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect is a reason to skip
        problems.append(f"MariaDB not reachable at {_safe(MYSQL_URL)} ({_first_line(exc)})")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - as above
        problems.append(f"Redis not reachable at {REDIS_URL} ({_first_line(exc)})")
    return "; ".join(problems) or None


@dataclass
class SqliteStorage:
    """A migrated template file, copied for each test."""

    template: Path
    name: str = "sqlite"
    redis_url: str | None = None

    def fresh_url(self, folder: Path) -> str:
        """Copy the template into `folder` and return its URL."""
        target = folder / "kuaixiang.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def clean(self) -> None:
        """Nothing to do: each test has its own file."""

    def close(self) -> None:
        """Nothing to do: pytest removes the folder."""


@dataclass
class MariadbStorage:
    """One database created for this run, emptied after each test, dropped at the end."""

    url: str
    database: str
    redis_url: str
    name: str = "mariadb"
    _engine: object = field(default=None, repr=False)
    # What the migrations wrote (the facts catalog): put back after each test's rows are gone.
    seeded: dict[str, list[dict]] = field(default_factory=dict, repr=False)

    def fresh_url(self, folder: Path) -> str:
        """Return the run's database URL (emptied by clean() after each test)."""
        return self.url

    def clean(self) -> None:
        """Delete every row of every table, children first."""
        engine = self._engine or make_engine(self.url)
        self._engine = engine
        with engine.begin() as connection:
            connection.execute(text("SET FOREIGN_KEY_CHECKS=0"))
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
            for table in Base.metadata.sorted_tables:
                if self.seeded.get(table.name):
                    connection.execute(table.insert(), self.seeded[table.name])
            connection.execute(text("SET FOREIGN_KEY_CHECKS=1"))

    def close(self) -> None:
        """Drop the run's database."""
        if self._engine is not None:
            self._engine.dispose()
        server = make_engine(str(make_url(MYSQL_URL)))
        with server.begin() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{self.database}`"))
        server.dispose()


def create_sqlite_storage(folder: Path) -> SqliteStorage:
    """Migrate an empty SQLite file once; tests copy it."""
    template = folder / "template.db"
    url = f"sqlite:///{template}"
    migrate.upgrade(url)
    engine = make_engine(url)
    raw = engine.raw_connection()  # fold the WAL into the main file before copying (no txn)
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    engine.dispose()
    return SqliteStorage(template=template)


def create_mariadb_storage() -> MariadbStorage:
    """Create a fresh database for this run on the test server and migrate it."""
    name = f"kxtest_{RUN_ID}"
    server = make_engine(MYSQL_URL)
    with server.begin() as connection:
        connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    server.dispose()
    url = make_url(MYSQL_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        seeded = {
            table.name: [dict(row._mapping) for row in connection.execute(table.select())]
            for table in Base.metadata.sorted_tables
        }
    engine.dispose()
    return MariadbStorage(
        url=url,
        database=name,
        redis_url=REDIS_URL,
        seeded={name: rows for name, rows in seeded.items() if rows},
    )


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:160]
