"""Fixtures: app, client, session, runner, the WeChat emulator, on each storage backend.

Every test that asks for `settings`, `app`, `client`, `database` or `session` runs twice:
[sqlite] on a migrated SQLite file with in-process stores, and [mariadb] on MariaDB with Redis.
"""

from __future__ import annotations

import base64
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from api import create_app
from api.config import Settings
from api.extensions import limiter
from models.db import Database
from notify.emulator import EmulatorServer
from tests import backends
from tests.browser import page  # noqa: F401 - the Playwright page fixture

TEST_DATA_KEY = base64.urlsafe_b64decode(b"a2F4aWFuZy10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=")
_outcomes: Counter[tuple[str, str]] = Counter()
_skip_reason: dict[str, str] = {}


@pytest.fixture(scope="session", params=["sqlite", "mariadb"])
def storage(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The storage backend, set up once per run: a migrated SQLite template or MariaDB database."""
    if request.param == "sqlite":
        store = backends.create_sqlite_storage(tmp_path_factory.mktemp("sqlite-template"))
    else:
        reason = backends.server_unavailable_reason()
        if reason and os.environ.get("KX_TEST_REQUIRE_SERVERS") == "1":  # .ci/run: no skipping
            pytest.fail(f"MariaDB/Redis required (KX_TEST_REQUIRE_SERVERS=1): {reason}")
        if reason:
            _skip_reason["mariadb"] = reason
            pytest.skip(f"MariaDB/Redis variant skipped: {reason}")
        store = backends.create_mariadb_storage()
    yield store
    store.close()


@pytest.fixture(scope="session")
def wx_server() -> Iterator[EmulatorServer]:
    """The WeChat emulator on a free port, started once per run."""
    server = EmulatorServer().start()
    yield server
    server.stop()


@pytest.fixture
def wx(wx_server: EmulatorServer) -> EmulatorServer:
    """The WeChat emulator, reset for this test (tokens, codes, quotas, faults, logs, clock)."""
    wx_server.reset()
    return wx_server


@pytest.fixture
def settings(storage, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Settings for one test: its own database state, Redis prefix and instance folder."""
    url = storage.fresh_url(tmp_path)
    prefix = f"kxtest:{backends.RUN_ID}:{abs(hash(request.node.nodeid)) % 10**10}"
    emulator = request.getfixturevalue("wx") if "wx" in request.fixturenames else None
    values = {
        "instance_dir": tmp_path,
        "database_url": url,
        "data_key": TEST_DATA_KEY,
        "secret_key": "test-secret-key",
        "redis_url": storage.redis_url,
        "redis_prefix": prefix,
        "scheduler": "off",
        "quiet_hours": "00:00-00:00",  # tests that need quiet hours set them; CI runs at any hour
        "log_level": "INFO",
    }
    if emulator is not None:
        values.update(
            wechat_api_base=emulator.url,
            wechat_appid=emulator.appid,
            wechat_secret=emulator.secret,
            wechat_timeout=2.0,
        )
    yield Settings(**values)
    storage.clean()
    if storage.redis_url:
        client = redis.Redis.from_url(storage.redis_url)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """The Flask app for one test."""
    flask_app = create_app(settings)
    flask_app.testing = True
    if settings.redis_url is None:  # in-memory rate limits outlive an app; each test starts clean
        limiter.reset()
    yield flask_app
    flask_app.extensions["kx.db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner bound to the app."""
    return app.test_cli_runner()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app over real HTTP on a free port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def database(app: Flask) -> Database:
    """The app's Database (engine, session factory, vault)."""
    return app.extensions["kx.db"]


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session on the test's database, closed afterwards.

    On SQLite it begins its transactions DEFERRED, so that reading in a test does not hold the
    write lock against the app and the services under test (which begin IMMEDIATE).
    """
    bind = database.engine.execution_options(sqlite_begin="DEFERRED")
    with database.sessionmaker(bind=bind) as db_session:
        yield db_session


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    """Tag each report with its storage backend (it travels to pytest-xdist's controller)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)  # a fixture may look (tests/browser.py: page)
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("storage") if callspec else None
    if backend:
        report.user_properties.append(("storage", backend))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count outcomes per backend for the summary (here, or on xdist's controller)."""
    backend = dict(report.user_properties).get("storage")
    if not backend:
        return
    if report.when == "call" or (report.when == "setup" and report.skipped):
        _outcomes[(backend, report.outcome)] += 1
    if report.when == "setup" and report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if reason.startswith("Skipped: MariaDB/Redis variant skipped: "):
            _skip_reason[backend] = reason.removeprefix("Skipped: MariaDB/Redis variant skipped: ")


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Say plainly which storage variants ran and which were skipped, and why."""
    write = terminalreporter.write_line
    terminalreporter.section("kuaixiang storage backends")
    for backend, label in (("sqlite", "SQLite (embedded)"), ("mariadb", "MariaDB + Redis")):
        counts = {k[1]: v for k, v in _outcomes.items() if k[0] == backend}
        if not counts:
            write(f"{label}: no storage tests selected")
            continue
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        write(f"{label}: {summary}")
        if backend in _skip_reason:
            write(f"  SKIPPED because {_skip_reason[backend]}")
