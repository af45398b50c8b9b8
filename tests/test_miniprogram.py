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
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api import create_app
from api.config import Settings
from tests.conftest import TEST_DATA_KEY

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "miniprogram_stub"
JEST_FILES = sorted(path.name for path in (MINI / "tests").glob("*.test.js"))
API_PREFIX = "/api/v1"
NODE, NPM = shutil.which("node"), shutil.which("npm")
NO_NODE = "node and npm are needed for the mini-program tests (install Node.js 18 or newer)"


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
