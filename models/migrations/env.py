"""Alembic environment: runs against the URL or connection models.migrate hands it."""

from __future__ import annotations

from alembic import context

import models  # noqa: F401  (registers every table on Base.metadata)
from models.base import Base
from models.db import make_engine
from models.migrate import compare_type

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=compare_type,
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite can roll schema changes back: all revisions of a run, and the check of the
        # references after them (_run), are one transaction there
        transactional_ddl=connection.dialect.name == "sqlite" or None,
    )


def run_migrations_offline() -> None:
    """Emit SQL for the URL's dialect without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:
    """Run the migrations on a connection; on SQLite with its foreign keys off meanwhile.

    Batch mode rebuilds a SQLite table (a copy, DROP TABLE of the old one, a rename): with
    foreign keys on, dropping a table that rows refer to fails, or deletes what cascades from
    it (Alembic's batch docs). The pragma works only outside a transaction, so it is set on the
    driver's connection before one begins; the references are checked at the end of the
    migrations' transaction, so that a run that leaves a row referring to nothing is rolled back
    whole.
    """
    sqlite = connection.dialect.name == "sqlite"
    driver = connection.connection.dbapi_connection if sqlite else None
    if driver is not None:
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"rows refer to rows that are gone: {broken[:10]}")
    finally:
        if driver is not None:
            driver.execute("PRAGMA foreign_keys=ON")


def run_migrations_online() -> None:
    """Run migrations on the given connection, or on a fresh engine for the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None  # models.migrate sets it
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
