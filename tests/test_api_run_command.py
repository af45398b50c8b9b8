"""`kuaixiang run` from nothing: the embedded default serves, with demo data and the emulator."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from notify.wechat import WeChatGateway
from services.demo._showcase import load_showcase
from tests.processes import free_port, healthy, wait_until

KUAIXIANG = str(Path(sys.executable).parent / "kuaixiang")
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Start `kuaixiang run` in an empty instance folder; stop it with Ctrl-C afterwards."""
    instance = tmp_path_factory.mktemp("instance")
    api_port, wx_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KX_")}
    env.update(
        KX_INSTANCE_DIR=str(instance),
        KX_PORT=str(api_port),
        KX_WECHAT_API_BASE=f"http://127.0.0.1:{wx_port}",
    )
    log = instance / "run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [KUAIXIANG, "run"], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{api_port}"
    try:
        wait_until(
            lambda: process.poll() is not None or healthy(base),
            120,
            lambda: f"`kuaixiang run` did not serve:\n{log.read_text()}",
        )
    finally:
        if not healthy(base):
            process.kill()
    if process.poll() is not None:
        pytest.fail(f"`kuaixiang run` stopped:\n{log.read_text()}")
    yield {
        "env": env,
        "base": base,
        "wx": f"http://127.0.0.1:{wx_port}",
        "instance": instance,
        "process": process,
        "log": log,
    }
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_it_wrote_and_announced_a_development_key(served: dict) -> None:
    assert (served["instance"] / "data.key").exists()
    assert "data.key" in served["log"].read_text()


def test_probes_and_documents_answer(served: dict) -> None:
    base = served["base"]
    ready = requests.get(f"{base}/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    assert requests.get(f"{base}/openapi.json", timeout=5).json()["openapi"].startswith("3.")
    assert "swagger-ui" in requests.get(f"{base}/docs", timeout=5).text


def test_demo_policies_are_in_the_database(served: dict) -> None:
    with sqlite3.connect(served["instance"] / "kuaixiang.db") as connection:
        policies = connection.execute("SELECT count(*) FROM policies").fetchone()[0]
        items = connection.execute("SELECT count(*) FROM policy_items").fetchone()[0]
        persons = connection.execute(
            "SELECT count(*) FROM subjects WHERE kind = 'person'"
        ).fetchone()[0]
    assert policies >= 15 and items >= 40 and persons > 0


def test_the_in_process_scheduler_matches_the_demo_within_seconds(served: dict) -> None:
    deadline = time.monotonic() + 60
    matched = 0
    while time.monotonic() < deadline:
        with sqlite3.connect(served["instance"] / "kuaixiang.db", timeout=30) as connection:
            matched = connection.execute("SELECT count(*) FROM subject_matches").fetchone()[0]
            pending = connection.execute(
                "SELECT count(*) FROM change_events WHERE processed_at IS NULL"
            ).fetchone()[0]
        if matched and not pending:
            break
        time.sleep(0.5)
    assert matched > 0 and pending == 0, "the seeded demo was not matched by the scheduler"


def test_the_emulator_answers_jscode2session_through_wechatpy(served: dict) -> None:
    minted = requests.post(
        f"{served['wx']}/_emulator/login-code", json={"openid": "o-resident-1"}, timeout=5
    ).json()
    gateway = WeChatGateway(
        appid="wx0000000000000000",
        secret="emulator-secret",
        api_base=served["wx"],
        timeout=5,
        redis=None,
        redis_prefix="kx",
        miniprogram_state="formal",
    )
    session = gateway.code_to_session(minted["code"])
    assert session["openid"] == "o-resident-1" and session["session_key"]
    assert gateway.access_token()  # a token-bearing call works as well


def test_a_newcomer_follows_the_readme_as_staff_and_as_a_resident(served: dict) -> None:
    """README "Try it": the demo staff accounts printed once log in; a login code from
    `kuaixiang wx-login-code` logs a resident in; each demo identity of the README's table binds
    and shows the items its story promises."""
    base, printed = served["base"], served["log"].read_text()
    passwords = dict(re.findall(r"^\s+(demo-\w+)\s+密码 (\S+)", printed, re.MULTILINE))
    assert set(passwords) == {"demo-admin", "demo-publisher", "demo-reviewer", "demo-data"}
    tokens = {}
    for username, password in passwords.items():
        login = requests.post(
            f"{base}/api/v1/admin/auth/login",
            json={"username": username, "password": password},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        tokens[username] = {"Authorization": f"Bearer {login.json()['access_token']}"}
    reviewer, data_manager = tokens["demo-reviewer"], tokens["demo-data"]
    assert requests.get(f"{base}/api/v1/admin/claims", headers=reviewer, timeout=10).ok
    facts = requests.get(f"{base}/api/v1/admin/facts", headers=data_manager, timeout=10)
    assert facts.ok and {"age", "enterprise_size"} <= {fact["key"] for fact in facts.json()}

    readme = (PROJECT / "README.md").read_text()
    bodies = [json.loads(body) for body in re.findall(r"^\| [^|]+ \| `(\{.+?\})` \|", readme, re.M)]
    expected = {
        entry.get("id_number") or entry["uscc"]: set(entry["expect"])
        for entries in load_showcase().values()
        for entry in entries
    }
    assert len(bodies) == len(expected) == 3
    for number, body in enumerate(bodies):
        code = subprocess.run(
            [KUAIXIANG, "wx-login-code", "--openid", f"o-readme-{number}"],
            env={**served["env"]},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert code.returncode == 0, code.stderr
        login_code = re.search(r"\(single use, 5 minutes\): (\w+)", code.stdout).group(1)
        assert f'"code": "{login_code}"' in code.stdout  # the next command, ready to paste
        token = requests.post(
            f"{base}/api/v1/auth/wechat", json={"code": login_code}, timeout=10
        ).json()["access_token"]
        resident = {"Authorization": f"Bearer {token}"}
        consent = re.search(r'(\{"purpose": "id_number", "version": "[^"]+"\})', readme)
        agreed = requests.post(
            f"{base}/api/v1/me/consents",
            json=json.loads(consent.group(1)),
            headers=resident,
            timeout=10,
        )
        assert agreed.ok, agreed.text
        bound = requests.post(f"{base}/api/v1/me/subjects", json=body, headers=resident, timeout=10)
        assert bound.status_code == 200, bound.text
        wanted = expected[body.get("id_number") or body["uscc"]]
        deadline, eligible = time.monotonic() + 60, set()
        while time.monotonic() < deadline and not wanted <= eligible:
            matches = requests.get(
                f"{base}/api/v1/me/matches?page_size=100", headers=resident, timeout=10
            )
            eligible = {m["item"]["code"] for m in matches.json() if m["verdict"] == "eligible"}
            time.sleep(0.5)
        assert wanted <= eligible, (body, sorted(eligible))


def test_the_calendar_warning_is_said_once_per_start(served: dict) -> None:
    lines = served["log"].read_text().splitlines()
    assert len([line for line in lines if "working-day calendar" in line]) <= 1


def test_ctrl_c_stops_it_cleanly(served: dict) -> None:
    process = served["process"]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) in (0, -signal.SIGINT)
