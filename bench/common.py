"""What every benchmark needs: scratch databases, timing, peak memory."""

from __future__ import annotations

import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from models import Database, migrate
from models.db import make_engine
from models.pii import Vault

MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
BENCH_KEY = bytes(range(32))


@contextmanager
def scratch_database(kind: str, mysql_url: str = MYSQL_URL) -> Iterator[Database]:
    """Yield a migrated, empty database of `kind` (sqlite or mysql), removed afterwards."""
    with _scratch_url(kind, mysql_url) as url:
        migrate.upgrade(url)
        database = Database(url, vault=Vault(BENCH_KEY))
        try:
            yield database
        finally:
            database.dispose()


@contextmanager
def _scratch_url(kind: str, mysql_url: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"kxbench_{uuid.uuid4().hex[:8]}"
    server = make_engine(mysql_url)
    with server.begin() as connection:
        connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield make_url(mysql_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.begin() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """Yield a list that holds the elapsed seconds once the block ends."""
    elapsed: list[float] = []
    started = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.append(time.perf_counter() - started)


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(name: str, value: object) -> None:
    """Print one figure as `name: value`."""
    if isinstance(value, float):
        value = f"{value:.3f}" if value < 100 else f"{value:.0f}"
    print(f"{name}: {value}", flush=True)
