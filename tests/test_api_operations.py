"""Operating behind a proxy and with a log collector: KX_PROXY_COUNT makes limits, audit entries
and access logs name the client the proxy forwarded; KX_LOG_FORMAT=json writes one JSON object a
line with the request id."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import create_app
from api.config import ConfigError, Settings
from api.extensions import limiter
from models import AuditEntry
from models.context import JsonFormatter, request_id
from tests import factories


@pytest.fixture
def build(settings: Settings) -> Iterator[Callable[..., tuple[Flask, FlaskClient]]]:
    """Apps on the test's database with some settings changed."""
    apps: list[Flask] = []

    def make(**changes: object) -> tuple[Flask, FlaskClient]:
        app = create_app(settings.with_overrides(**changes))
        app.testing = True
        if settings.redis_url is None:
            limiter.reset()
        apps.append(app)
        return app, app.test_client()

    yield make
    for app in apps:
        app.extensions["kx.db"].dispose()


def _logins(client: FlaskClient, address: str, times: int) -> list[int]:
    headers = {"X-Forwarded-For": address}
    return [
        client.post(
            "/api/v1/auth/wechat", json={"code": "no-such-code"}, headers=headers
        ).status_code
        for _ in range(times)
    ]


def test_behind_one_proxy_two_residents_have_their_own_limits(build) -> None:  # type: ignore[no-untyped-def]
    _, client = build(proxy_count=1)
    first = _logins(client, "203.0.113.7", 21)
    assert 429 not in first[:20] and first[20] == 429  # 20 a minute per client address
    assert _logins(client, "203.0.113.8", 1) != [429]  # another resident, the same proxy


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(build) -> None:  # type: ignore[no-untyped-def]
    _, client = build(proxy_count=0)
    assert _logins(client, "203.0.113.7", 21)[20] == 429
    # a header anyone can send does not buy a fresh limit
    assert _logins(client, "203.0.113.8", 1) == [429]


def test_audit_entries_and_access_logs_carry_the_forwarded_address(  # type: ignore[no-untyped-def]
    build, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    _, client = build(proxy_count=1)
    factories.staff(session, "ops-admin", "admin")
    head = {**factories.login(client, "ops-admin"), "X-Forwarded-For": "198.51.100.9"}
    with caplog.at_level(logging.INFO, logger="kuaixiang.access"):
        assert client.post("/api/v1/admin/auth/logout", headers=head).status_code == 204
    session.rollback()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.logout")).one()
    assert entry.ip == "198.51.100.9"
    assert any("addr=198.51.100.9" in r.getMessage() for r in caplog.records)


def test_json_logs_are_one_object_a_line_with_the_request_id(build) -> None:  # type: ignore[no-untyped-def]
    build(log_format="json")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_kuaixiang", False)]
    assert ours and isinstance(ours[0].formatter, JsonFormatter)
    token = request_id.set("rid-json-0001")
    try:
        record = logging.getLogger("kuaixiang.access").makeRecord(
            "kuaixiang.access", logging.INFO, __file__, 1, "GET %s 200", ("/healthz",), None
        )
        line = ours[0].format(record)
    finally:
        request_id.reset(token)
        build(log_format="text")
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["rid"] == "rid-json-0001" and entry["message"] == "GET /healthz 200"
    assert entry["level"] == "INFO" and entry["time"].endswith("+00:00")


def test_proxy_and_log_settings_are_checked() -> None:
    base = {"KX_DATA_KEY": "A" * 43 + "="}
    with pytest.raises(ConfigError, match="KX_PROXY_COUNT"):
        Settings.from_env({**base, "KX_PROXY_COUNT": "many"})
    with pytest.raises(ConfigError, match="KX_LOG_FORMAT"):
        Settings.from_env({**base, "KX_LOG_FORMAT": "xml"})
    assert Settings.from_env({**base, "KX_PROXY_COUNT": "2"}).proxy_count == 2
