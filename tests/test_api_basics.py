"""The cross-cutting HTTP behaviour: probes, error shape, request ids, OpenAPI."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from openapi_spec_validator import validate

from models.db import make_engine

ERROR_KEYS = {"code", "status", "message", "errors"}


def test_healthz_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_readyz_checks_database_and_redis(client: FlaskClient, settings) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == "ok"
    expected_redis = "ok" if settings.redis_url else "not configured"
    assert response.json["checks"]["redis"] == expected_redis


def test_readyz_names_the_database_when_it_is_gone(app, client: FlaskClient) -> None:
    database = app.extensions["kx.db"]
    database.engine.dispose()
    database.engine = make_engine("mysql+pymysql://nobody@127.0.0.1:1/none")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert set(response.json) == ERROR_KEYS
    assert "database" in response.json["errors"]
    assert "database" in response.json["message"]


def test_unknown_url_gets_the_error_shape_in_chinese(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert set(response.json) == ERROR_KEYS
    assert response.json["message"] == "未找到请求的内容"


def test_a_body_that_is_not_json_gets_400_in_chinese(client: FlaskClient) -> None:
    response = client.post("/api/v1/auth/wechat", data="{", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json) == ERROR_KEYS
    assert response.json["errors"] == {"json": ["请求体不是有效的 JSON"]}


def test_bad_page_arguments_are_said_in_chinese(client: FlaskClient) -> None:
    """flask-smorest's own pagination schema writes marshmallow's English defaults."""
    said = {
        "page=abc": {"page": ["应为整数"]},
        "page=0": {"page": ["应不小于 1"]},
        "page_size=1000": {"page_size": ["应不小于 1且不大于 100"]},
    }
    for query, errors in said.items():
        response = client.get(f"/api/v1/items?{query}")
        assert response.status_code == 422, query
        assert response.json["errors"] == {"query": errors}, query


def test_wrong_method_gets_405_in_the_error_shape(client: FlaskClient) -> None:
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert set(response.json) == ERROR_KEYS
    assert "GET" in response.headers["Allow"]


def test_every_response_carries_a_request_id(client: FlaskClient) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/nope").headers["X-Request-ID"]
    assert first and second and first != second


def test_a_sane_incoming_request_id_is_kept(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "gateway-12345678"})
    assert response.headers["X-Request-ID"] == "gateway-12345678"
    hostile = client.get("/healthz", headers={"X-Request-ID": "<script>" + "a" * 100})
    assert hostile.headers["X-Request-ID"].isalnum()


def test_openapi_document_is_valid_openapi_3(client: FlaskClient) -> None:
    document = client.get("/openapi.json").json
    assert document["openapi"].startswith("3.")
    validate(document)  # raises with the offending path when the document is not valid
    assert "/healthz" in document["paths"] and "/readyz" in document["paths"]


def test_docs_page_loads_assets_from_this_server(client: FlaskClient) -> None:
    page = client.get("/docs").get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_log_lines_written_while_serving_carry_the_request_id(client: FlaskClient, caplog) -> None:
    caplog.set_level("INFO", logger="kuaixiang.access")
    response = client.get("/healthz", headers={"X-Request-ID": "trace-abcdef12"})
    assert response.status_code == 200
    lines = [r for r in caplog.records if r.name == "kuaixiang.access"]
    assert lines and all(r.request_id == "trace-abcdef12" for r in lines)
    assert "GET /healthz 200" in lines[-1].getMessage()


def test_access_log_names_the_route_not_the_path(client: FlaskClient, caplog) -> None:
    caplog.set_level("INFO", logger="kuaixiang.access")
    client.put("/api/v1/admin/profiles/persons/371502199001011234", json={})
    lines = [r.getMessage() for r in caplog.records if r.name == "kuaixiang.access"]
    assert lines and "371502199001011234" not in " ".join(lines)
    assert "/api/v1/admin/profiles/persons/<" in lines[-1]


def test_the_pagination_header_is_documented_as_the_json_text_it_is(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    header = spec["components"]["headers"]["PAGINATION"]
    assert "schema" not in header
    schema_ref = header["content"]["application/json"]["schema"]["$ref"]
    fields = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]["properties"]
    response = client.get("/api/v1/items?page_size=1")
    sent = json.loads(response.headers["X-Pagination"])
    assert set(sent) <= set(fields) and sent["total"] >= 0
