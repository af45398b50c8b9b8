"""The mini-program (miniprogram_stub/): its offline jest suite and its contract with the API.

`make test` runs pytest only, so the jest suite (miniprogram-simulate rendering every page with a
stubbed `wx`) runs from here: `npm ci` from the committed package-lock.json when node_modules is
missing or stale, then jest once, reported as one pytest test per jest file. Without node/npm
these tests skip and say why.

The contract: every request the mini-program can make is listed in utils/endpoints.js (pages
reach the API only through utils/api.js, which refuses fields not listed there); each entry must
be in the OpenAPI document of create_app with its method, query parameters, body fields,
multipart fields and headers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from api import create_app
from api.config import Settings
from models import Database, PolicyItem, Subject, SubjectBinding
from models.pii import Vault
from services import matching, supplements
from services.profiles import ID_NUMBER_CONTEXT
from tests.conftest import TEST_DATA_KEY
from tests.processes import free_port, healthy, wait_until

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "miniprogram_stub"
JEST_FILES = sorted(path.name for path in (MINI / "tests").glob("*.test.js"))
API_PREFIX = "/api/v1"
NODE, NPM = shutil.which("node"), shutil.which("npm")
NO_NODE = "node and npm are needed for the mini-program tests (install Node.js 18 or newer)"
KUAIXIANG = str(Path(sys.executable).parent / "kuaixiang")


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=MINI, capture_output=True, text=True, timeout=timeout, check=False
    )


def _installed() -> None:
    """Run `npm ci` unless node_modules already holds this package-lock.json."""
    digest = hashlib.sha256((MINI / "package-lock.json").read_bytes()).hexdigest()
    stamp = MINI / "node_modules" / ".kx-package-lock.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    done = _run([NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error"], timeout=900)
    if done.returncode != 0:
        pytest.fail(f"npm ci failed in miniprogram_stub/:\n{done.stdout}\n{done.stderr}")
    stamp.write_text(digest)


@pytest.fixture(scope="module")
def jest_results() -> Iterator[dict[str, Any]]:
    """Install the pinned packages and run the jest suite once; return its JSON report."""
    if not (NODE and NPM):
        pytest.skip(NO_NODE)
    _installed()
    with tempfile.TemporaryDirectory(prefix="kx-jest-") as folder:
        report = Path(folder) / "jest.json"
        jest = str(MINI / "node_modules" / ".bin" / "jest")
        done = _run([jest, "--ci", "--json", f"--outputFile={report}"], timeout=600)
        if not report.exists():
            pytest.fail(f"jest did not run:\n{done.stdout}\n{done.stderr}")
        results = json.loads(report.read_text())
    results["_log"] = done.stderr
    yield results


@pytest.mark.parametrize("jest_file", JEST_FILES)
def test_jest_file_passes(jest_results: dict[str, Any], jest_file: str) -> None:
    suites = [s for s in jest_results["testResults"] if Path(s["name"]).name == jest_file]
    assert suites, f"jest did not run {jest_file}:\n{jest_results['_log']}"
    suite = suites[0]
    failed = [
        f"{' › '.join(case['ancestorTitles'] + [case['title']])}\n"
        + "\n".join(case["failureMessages"])
        for case in suite["assertionResults"]
        if case["status"] != "passed"
    ]
    assert suite["status"] == "passed" and not failed, (
        "\n\n".join(failed) or suite.get("message") or jest_results["_log"]
    )
    assert suite["assertionResults"], f"{jest_file} has no tests"


# --- the contract -------------------------------------------------------------------------


def _endpoints() -> dict[str, dict[str, Any]]:
    """Read utils/endpoints.js through node (it is a CommonJS module)."""
    if not NODE:
        return {}
    done = subprocess.run(
        [NODE, "-e", "process.stdout.write(JSON.stringify(require('./utils/endpoints.js')))"],
        cwd=MINI,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


ENDPOINTS = _endpoints()


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The OpenAPI document of create_app (no database is touched)."""
    folder = tmp_path_factory.mktemp("openapi")
    app = create_app(
        Settings(
            instance_dir=folder,
            database_url=f"sqlite:///{folder / 'unused.db'}",
            data_key=TEST_DATA_KEY,
            secret_key="openapi-only",
            scheduler="off",
            log_level="WARNING",
        )
    )
    return app.test_client().get("/openapi.json").get_json()


def _resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _shape(path: str) -> str:
    """A path with its parameters' names left out: /claims/{claim_id} -> /claims/{}."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def _operation(document: dict[str, Any], method: str, path: str) -> tuple[dict, list[dict]]:
    wanted = _shape(API_PREFIX + path)
    for documented, item in document["paths"].items():
        if _shape(documented) == wanted and method.lower() in item:
            operation = item[method.lower()]
            parameters = [
                _resolve(document, p)
                for p in item.get("parameters", []) + operation.get("parameters", [])
            ]
            return operation, parameters
    return {}, []


def _body_fields(document: dict[str, Any], operation: dict, content_type: str) -> set[str]:
    content = operation.get("requestBody", {}).get("content", {})
    if content_type not in content:
        return set()
    schema = _resolve(document, content[content_type].get("schema", {}))
    return set(schema.get("properties", {}))


def test_the_stub_lists_its_requests() -> None:
    if not NODE:
        pytest.skip(NO_NODE)
    assert len(ENDPOINTS) >= 30
    assert {"login", "refresh", "matches", "submitClaim", "uploadMaterial"} <= set(ENDPOINTS)


NAMES = sorted(ENDPOINTS) or [pytest.param("-", marks=pytest.mark.skip(reason=NO_NODE))]


@pytest.mark.parametrize("name", NAMES)
def test_request_is_in_the_openapi_document(openapi: dict[str, Any], name: str) -> None:
    spec = ENDPOINTS[name]
    operation, parameters = _operation(openapi, spec["method"], spec["path"])
    assert operation, f"{name}: {spec['method']} {API_PREFIX}{spec['path']} is not documented"
    documented = {(p["in"], p["name"]) for p in parameters}
    for field in spec.get("query", []):
        assert ("query", field) in documented, f"{name}: query parameter {field} is not documented"
    for header in spec.get("headers", []):
        assert ("header", header) in documented, f"{name}: header {header} is not documented"
    if spec.get("body"):
        fields = _body_fields(openapi, operation, "application/json")
        missing = set(spec["body"]) - fields
        assert not missing, f"{name}: body fields {sorted(missing)} are not documented"
    if spec.get("multipart"):
        fields = _body_fields(openapi, operation, "multipart/form-data")
        missing = set(spec["multipart"]) - fields
        assert not missing, f"{name}: multipart fields {sorted(missing)} are not documented"
    if spec.get("paginated"):
        assert {("query", "page"), ("query", "page_size")} <= documented, f"{name}: not paginated"
    if spec.get("auth") is not False and not spec["path"].startswith(("/policies", "/items")):
        assert operation.get("security"), f"{name}: expected the resident token to be required"


# --- end to end: the mini-program's own request code against `kuaixiang run` ---------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Start `kuaixiang run` (SQLite, demo data, emulator, scheduler) in an empty folder."""
    if not NODE:
        pytest.skip(NO_NODE)
    instance = tmp_path_factory.mktemp("e2e-instance")
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
        wait_until(lambda: healthy(base), 120, lambda: f"not serving:\n{log.read_text()}")
        yield {"base": base, "wx": f"http://127.0.0.1:{wx_port}", "env": env, "log": log}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


# values tried for a missing fact, by type: one of them must make the person eligible
TRIED: dict[str, tuple[Any, ...]] = {
    "boolean": (True, False),
    "integer": (0, 1, 2, 3, 5, 12, 36),
    "year": (2025, 2024, 2026),
}


def _declarable(served: dict[str, Any]) -> dict[str, Any] | None:
    """A demo person nobody has bound, undecided for an open 一键办理 item for want of one stored
    fact that a value of its own makes them eligible for: the name and 身份证号 to bind, the
    item, the fact and that value (what the resident declares in 补充信息)."""
    answer = requests.get(
        f"{served['base']}{API_PREFIX}/items",
        params={"mode": "one_tap", "open_now": "true", "subject_type": "person", "page_size": 100},
        timeout=10,
    )
    open_items = [item["id"] for item in answer.json()]
    settings = Settings.from_env(served["env"])
    database = Database(settings.database_url, vault=Vault(settings.data_key))
    try:
        with database.session() as session:
            bound = set(session.scalars(select(SubjectBinding.subject_id)))
            today = matching.today_local()
            persons = session.scalars(
                select(Subject).where(Subject.kind == "person").order_by(Subject.id)
            ).all()
            for item_id in open_items:
                version = session.get(PolicyItem, item_id).current_version_id
                rules = matching.compiled_versions(session, {version: "person"})[version]
                for subject in persons:
                    facts = subject.facts or {}
                    if subject.id in bound or rules.verdict(facts, today).word != "unknown":
                        continue
                    missing = supplements.declarable_facts(session, subject, item_id)
                    if len(missing) != 1:
                        continue
                    (fact,) = missing.values()
                    values = TRIED.get(fact.type.value, tuple(fact.values))
                    for value in values:
                        if rules.verdict({**facts, fact.name: value}, today).word == "eligible":
                            number = database.vault.decrypt(  # type: ignore[union-attr]
                                subject.id_number_enc, context=ID_NUMBER_CONTEXT
                            )
                            return {
                                "name": subject.name,
                                "id_number": number,
                                "item_id": item_id,
                                "fact": fact.name,
                                "value": value,
                            }
    finally:
        database.dispose()
    return None


def _staff_token(served: dict[str, Any], username: str = "demo-admin") -> str:
    """Log in as a demo staff account, with the password `kuaixiang run` printed once."""
    printed = served["log"].read_text()
    password = re.search(rf"^\s+{username}\s+密码 (\S+)", printed, re.MULTILINE).group(1)
    login = requests.post(
        f"{served['base']}{API_PREFIX}/admin/auth/login",
        json={"username": username, "password": password},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    return login.json()["access_token"]


def test_a_resident_journey_through_the_mini_program_code(
    served: dict[str, Any], tmp_path: Path
) -> None:
    """login → consent → bind → 补充信息 → reviewed → matched → claim with a photo → paid →
    rating → delete account, with the mini-program's own request code (a refresh on the way)
    and the department acting in between through the admin API."""
    candidate = wait_until(
        lambda: _declarable(served),
        180,
        lambda: "no demo person is undecided for an open one_tap item for want of one fact",
    )
    (tmp_path / "id.pdf").write_bytes(PDF)
    (tmp_path / "id.png").write_bytes(PNG)
    flow = {
        "api": f"{served['base']}{API_PREFIX}",
        "emulator": served["wx"],
        "openid": "o-miniprogram-e2e",
        "staff": _staff_token(served),
        "files": {"pdf": str(tmp_path / "id.pdf"), "png": str(tmp_path / "id.png")},
        **candidate,
    }
    done = subprocess.run(
        [NODE, "e2e/flow.js", json.dumps(flow, ensure_ascii=False)],
        cwd=MINI,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, (
        f"{done.stderr}\n--- server log ---\n{served['log'].read_text()[-4000:]}"
    )
    report = json.loads(done.stdout)
    assert report["logged_in"]["subjects"] == 0
    assert report["bind_refused"] == {
        "status": 422,
        "field": "请先阅读并同意《身份证号收集使用说明》",
    }
    assert report["consent"] == {"purpose": "id_number", "current": True}
    assert report["bound"]["identifier"] != candidate["id_number"]  # masked
    assert report["before"]["verdict"] == "unknown"
    assert report["before"]["missing"] == [candidate["fact"]]
    assert report["declared"]["status"] == "pending"
    assert report["reviewed"] == {"status": "approved"}
    assert report["after"] == {"verdict": "eligible", "missing": []}
    assert report["matches"]["card"]["verdict"] == "eligible"
    claim = report["claim"]
    assert claim["status"] == "submitted" and claim["again"] == claim["id"] and claim["refreshed"]
    assert report["photo"] is True  # at least one material went as a photo
    assert report["paid"]["status"] == "paid" and report["paid"]["can_rate"] is True
    assert report["paid"]["timeline"][-1] == "paid"
    assert report["rated"] == {"score": 5, "can_rate": False}
    assert report["deleted"] == {"old_token": 401, "new_account_subjects": 0}
    assert report["not_found"]["status"] == 404
    assert report["toasts"] == []
