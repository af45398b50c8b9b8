"""The production layout, each role its own process, on MariaDB and Redis (docs/operations.md):
web (`kuaixiang serve`, two gunicorn workers), one scheduler without the jobs that have their own
roles, two dispatchers, one matcher. A publisher publishes one policy through the API; the matcher
matches it to a bound resident, a dispatcher pushes it, the WeChat emulator receives it, exactly
once; then every process stops cleanly on SIGTERM (exit 0)."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from notify.emulator import EmulatorServer
from tests import backends
from tests.processes import free_port, healthy, wait_until
from tests.test_api_admin_publishing import item_body, policy_body

KUAIXIANG = str(Path(sys.executable).parent / "kuaixiang")
PERSON = {
    "id_number": "371502194405010016",
    "name": "赵老汉",
    "facts": {"hukou_district": "371502", "birth_date": "1944-05-01"},
}


@pytest.fixture
def layout_env(tmp_path: Path, wx: EmulatorServer) -> Iterator[dict[str, str]]:
    """The environment of every role: a database of its own on the run's MariaDB, Redis."""
    reason = backends.server_unavailable_reason()
    if reason:
        if os.environ.get("KX_TEST_REQUIRE_SERVERS") == "1":
            pytest.fail(f"MariaDB/Redis required: {reason}")
        pytest.skip(f"the production layout needs MariaDB and Redis: {reason}")
    name = f"kxlayout_{uuid.uuid4().hex[:10]}"
    server = create_engine(backends.MYSQL_URL)
    with server.begin() as connection:
        connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    url = make_url(backends.MYSQL_URL).set(database=name).render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KX_")}
    env |= {
        "KX_DATABASE_URL": url,
        "KX_REDIS_URL": backends.REDIS_URL,
        "KX_REDIS_PREFIX": f"kxlayout:{name}",
        "KX_DATA_KEY": base64.b64encode(os.urandom(32)).decode(),
        "KX_SECRET_KEY": "layout-secret-key",
        "KX_WECHAT_API_BASE": wx.url,
        "KX_INSTANCE_DIR": str(tmp_path / "instance"),
        "KX_PORT": str(free_port()),
        "KX_LOG_LEVEL": "INFO",
        "KX_QUIET_HOURS": "00:00-00:00",  # never quiet: the test runs at any hour
    }
    try:
        yield env
    finally:
        with server.begin() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([KUAIXIANG, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"kuaixiang {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_each_role_in_its_own_process_publish_to_push_and_a_clean_stop(  # type: ignore[no-untyped-def]
    layout_env: dict[str, str], tmp_path: Path, wx: EmulatorServer
) -> None:
    env = layout_env
    _cli(env, "db", "upgrade")
    _cli(env, "staff", "create", "--username", "ops", "--display-name", "值班员", "--role", "admin",
         "--password", "layout-password-1")  # fmt: skip
    people = tmp_path / "people.jsonl"
    people.write_text(json.dumps(PERSON, ensure_ascii=False) + "\n")
    _cli(env, "import-profiles", str(people), "--kind", "person", "--batch-id", "layout-1")

    roles = {
        "web": ["serve", "--workers", "2"],
        "scheduler": ["scheduler", "--skip", "dispatch", "--skip", "match_changes"],
        "dispatcher-1": ["outbox", "dispatch", "--loop", "--interval", "0.5"],
        "dispatcher-2": ["outbox", "dispatch", "--loop", "--interval", "0.5"],
        "matcher": ["match", "--loop", "--interval", "1"],
    }
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in roles}
    processes = {
        name: subprocess.Popen(
            [KUAIXIANG, *args], env=env, stdout=logs[name], stderr=subprocess.STDOUT
        )
        for name, args in roles.items()
    }

    def log_of(name: str) -> str:
        if not logs[name].closed:
            logs[name].flush()
        return (tmp_path / f"{name}.log").read_text()[-3000:]

    def all_logs() -> str:
        return "\n".join(f"--- {name} ---\n{log_of(name)}" for name in roles)

    base = f"http://127.0.0.1:{env['KX_PORT']}/api/v1"
    try:
        wait_until(lambda: healthy(base[:-7]), 60, all_logs)
        # the resident: logs in, agrees, binds, and allows one 新政策 reminder
        login = requests.post(
            f"{base}/auth/wechat", json={"code": wx.mint_login_code("o-layout")}, timeout=10
        ).json()
        me = {"Authorization": f"Bearer {login['access_token']}"}
        texts = requests.get(f"{base}/privacy", timeout=10).json()
        version = next(c["version"] for c in texts["consents"] if c["purpose"] == "id_number")
        consent = {"purpose": "id_number", "version": version}
        assert requests.post(f"{base}/me/consents", json=consent, headers=me, timeout=10).ok
        person = {"kind": "person", "name": PERSON["name"], "id_number": PERSON["id_number"]}
        bound = requests.post(f"{base}/me/subjects", json=person, headers=me, timeout=10)
        assert bound.status_code == 200, bound.text
        templates = requests.get(
            f"{base}/me/subscriptions/templates", params={"scene": "home"}, headers=me, timeout=10
        ).json()
        ids = [t["template_id"] for group in templates["groups"] for t in group]
        for template_id in ids:
            wx.grant("o-layout", template_id)
        results = {"results": {template_id: "accept" for template_id in ids}}
        assert requests.post(f"{base}/me/subscriptions", json=results, headers=me, timeout=10).ok

        # the publisher: a department, a policy with one item, published
        staff = requests.post(
            f"{base}/admin/auth/login",
            json={"username": "ops", "password": "layout-password-1"},
            timeout=10,
        ).json()
        admin = {"Authorization": f"Bearer {staff['access_token']}"}
        department = requests.post(
            f"{base}/admin/departments",
            json={"code": "LC-MZ", "name": "聊城市民政局", "short_name": "市民政局"},
            headers=admin,
            timeout=10,
        )
        assert department.status_code == 201, department.text
        policy = requests.post(
            f"{base}/admin/policies",
            json=policy_body(department.json()["id"]),
            headers=admin,
            timeout=10,
        )
        assert policy.status_code == 201, policy.text
        item = requests.post(
            f"{base}/admin/policies/{policy.json()['id']}/items",
            json=item_body(),
            headers=admin,
            timeout=10,
        )
        assert item.status_code == 201, item.text
        published = requests.post(
            f"{base}/admin/policies/{policy.json()['id']}/publish", headers=admin, timeout=10
        )
        assert published.status_code == 200, published.text

        # the matcher matches it, a dispatcher pushes it, WeChat receives it
        (pushed,) = wait_until(wx.messages, 60, all_logs)
        assert pushed["touser"] == "o-layout"
        assert "高龄津贴" in json.dumps(pushed["data"], ensure_ascii=False)

        def settled() -> str | None:  # the delivery recorded as sent: no dispatcher takes it again
            text = requests.get(f"{base[:-7]}/metrics", timeout=10).text
            done = 'kx_deliveries{status="sent"} 1.0' in text and "kx_outbox_due 0.0" in text
            return text if done else None

        metrics = wait_until(settled, 30, all_logs)
        assert "kx_matcher_pending_changes 0.0" in metrics
        assert len(wx.messages()) == 1
        cards = requests.get(f"{base}/me/matches", headers=me, timeout=10).json()
        assert [c["item"]["name"] for c in cards] == ["高龄津贴"]
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in processes.items():
            try:
                codes[name] = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = "killed"
        for handle in logs.values():
            handle.close()
    assert codes == dict.fromkeys(roles, 0), all_logs()
    assert "scheduler stopped (SIGTERM)" in log_of("scheduler")
    assert "matcher stopped" in log_of("matcher")
