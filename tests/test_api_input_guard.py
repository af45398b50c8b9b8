"""Input no view can take gets a 4xx in the one error shape before any view runs (api.input_guard):
bodies nested too deep, text with a NUL or a lone surrogate, constants JSON does not have, dates
outside the service's range. Nothing is written and nothing is logged as an error."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.input_guard import MAX_DEPTH
from models import Policy
from tests import factories
from tests.claim_factories import claim_world, ready_claim, upload
from tests.resident_factories import headers, wechat_user

ERROR_KEYS = {"code", "status", "message", "errors"}
ANONYMOUS_JSON = (
    "/api/v1/auth/wechat",
    "/api/v1/auth/refresh",
    "/api/v1/admin/auth/login",
    "/api/v1/calculator",
)
TOO_DEEP = f"JSON 嵌套过深（最多 {MAX_DEPTH} 层）"
UNSTORABLE = "含有无法保存的特殊字符，请删除后重试"


def nested(depth: int) -> str:
    """Return a JSON array nested `depth` levels deep."""
    return "[" * depth + "]" * depth


def post_raw(client: FlaskClient, url: str, text: str, **kwargs):  # type: ignore[no-untyped-def]
    """POST `text` as a JSON body, byte for byte."""
    return client.post(url, data=text.encode(), content_type="application/json", **kwargs)


@pytest.mark.parametrize("url", ANONYMOUS_JSON)
def test_a_body_nested_a_thousand_deep_is_400_without_a_traceback(
    client: FlaskClient, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        for body in (nested(1000), '{"code": ' + nested(100_000) + "}"):
            response = post_raw(client, url, body)
            assert response.status_code == 400, response.json
            assert set(response.json) == ERROR_KEYS
            assert response.json["errors"] == {"json": [TOO_DEEP]}
            assert response.json["message"] == TOO_DEEP
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_depth_limit_is_where_it_says(client: FlaskClient) -> None:
    """MAX_DEPTH levels reach the schema (which says what is wrong); one more does not."""
    allowed = post_raw(client, "/api/v1/calculator", '{"facts": ' + nested(MAX_DEPTH - 1) + "}")
    assert allowed.status_code == 422
    assert "facts" in allowed.json["errors"]["json"]
    refused = post_raw(client, "/api/v1/calculator", '{"facts": ' + nested(MAX_DEPTH) + "}")
    assert refused.status_code == 400
    assert refused.json["errors"] == {"json": [TOO_DEEP]}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_constants_that_are_not_json_are_400(client: FlaskClient, constant: str) -> None:
    response = post_raw(
        client, "/api/v1/calculator", f'{{"subject_type": "person", "x": {constant}}}'
    )
    assert response.status_code == 400
    assert response.json["errors"] == {"json": ["请求体不是有效的 JSON"]}


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\u0000", "a\\ud83dz"])
def test_text_that_cannot_be_stored_is_422_naming_the_field(
    client: FlaskClient, escape: str
) -> None:
    body = f'{{"code": "x{escape}y"}}'
    response = post_raw(client, "/api/v1/auth/wechat", body)
    assert response.status_code == 422
    assert set(response.json) == ERROR_KEYS
    assert response.json["errors"] == {"json": {"code": [UNSTORABLE]}}
    assert response.json["message"] == UNSTORABLE


def test_a_surrogate_pair_is_ordinary_text(client: FlaskClient) -> None:
    """An emoji written as an escaped pair (as ensure_ascii encoders write it) is fine."""
    response = post_raw(client, "/api/v1/auth/wechat", '{"code": "\\ud83d\\ude00"}')
    assert response.status_code != 422 or "code" not in response.json["errors"].get("json", {})


def test_the_path_to_a_nested_bad_text_and_a_bad_key_are_named(client: FlaskClient) -> None:
    deep = post_raw(client, "/api/v1/calculator", '{"facts": {"tags": ["ok", "\\u0000"]}}')
    assert deep.status_code == 422
    assert deep.json["errors"] == {"json": {"facts": {"tags": {"1": [UNSTORABLE]}}}}
    key = post_raw(client, "/api/v1/calculator", '{"facts": {"a\\ud800": 1}}')
    assert key.status_code == 422
    assert key.json["errors"] == {"json": {"facts": {"a\\ud800": [UNSTORABLE]}}}


def test_a_nul_in_the_query_is_422(client: FlaskClient) -> None:
    response = client.get("/api/v1/items?q=%00")
    assert response.status_code == 422
    assert response.json["errors"] == {"query": {"q": [UNSTORABLE]}}


def test_a_policy_title_with_a_surrogate_is_refused_and_nothing_is_written(
    client: FlaskClient, session: Session
) -> None:
    factories.staff(session, "pub", "publisher:MZ")
    head = factories.login(client, "pub")
    department_id = factories.department(session, "MZ").id
    before = session.scalar(select(func.count()).select_from(Policy))
    for title in ("\\ud800", "标题\\u0000"):
        body = (
            f'{{"code": "LC-MZ-T1", "department_id": {department_id}, "title": "{title}", '
            '"categories": ["养老服务"]}'
        )
        response = post_raw(client, "/api/v1/admin/policies", body, headers=head)
        assert response.status_code == 422, response.json
        assert response.json["errors"] == {"json": {"title": [UNSTORABLE]}}
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Policy)) == before


def test_a_claim_form_and_a_withdraw_reason_with_a_surrogate_are_refused(
    app, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    claim = ready_claim(client, world)
    head = world.headers()
    reason = post_raw(
        client, f"/api/v1/claims/{claim['id']}/withdraw", '{"reason": "\\udc00"}', headers=head
    )
    assert reason.status_code == 422
    assert reason.json["errors"] == {"json": {"reason": [UNSTORABLE]}}
    assert client.get(f"/api/v1/claims/{claim['id']}", headers=head).json["status"] != "withdrawn"
    body = (
        f'{{"item_id": {world.item_id}, "subject_id": {world.subjects[0]}, '
        '"form": {"备注": "\\ud800"}}'
    )
    head = {**head, "Idempotency-Key": "claim-key-surrogate"}
    form = post_raw(client, "/api/v1/claims", body, headers=head)
    assert form.status_code == 422, form.json
    assert form.json["errors"] == {"json": {"form": {"备注": [UNSTORABLE]}}}


def test_a_nul_in_an_upload_form_field_is_422(app, client: FlaskClient, session: Session) -> None:
    head = headers(app, wechat_user(session, "openid-upload-nul"))
    response = upload(client, head, "营业\x00执照", b"%PDF-1.4\n", "a.pdf")
    assert response.status_code == 422
    assert response.json["errors"] == {"form": {"name": [UNSTORABLE]}}


@pytest.mark.parametrize("as_of", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
def test_dates_outside_the_range_are_422_on_the_calculator(client: FlaskClient, as_of: str) -> None:
    response = client.post(
        "/api/v1/calculator",
        json={"subject_type": "person", "facts": {"age": 85}, "as_of": as_of},
    )
    assert response.status_code == 422
    assert response.json["errors"] == {
        "json": {"as_of": ["日期应在 1900-01-01 至 2199-12-31 之间"]}
    }


def test_the_edges_of_the_range_are_accepted(client: FlaskClient) -> None:
    for as_of in ("1900-01-01", "2199-12-31"):
        response = client.post(
            "/api/v1/calculator",
            json={"subject_type": "person", "facts": {"age": 85}, "as_of": as_of},
        )
        assert response.status_code == 200, response.json


def test_a_time_in_year_one_is_422_not_an_overflow(client: FlaskClient, session: Session) -> None:
    factories.staff(session, "pub2", "publisher:MZ")
    head = factories.login(client, "pub2")
    department_id = factories.department(session, "MZ").id
    policy = client.post(
        "/api/v1/admin/policies",
        json={
            "code": "LC-MZ-T2",
            "department_id": department_id,
            "title": "测试政策",
            "categories": ["养老服务"],
        },
        headers=head,
    )
    assert policy.status_code == 201, policy.json
    item = client.post(
        f"/api/v1/admin/policies/{policy.json['id']}/items",
        json={
            "code": "LC-MZ-T2-01",
            "name": "测试事项",
            "subject_type": "person",
            "mode": "guide",
            "apply_from": "0001-01-01T00:00:00+08:00",
        },
        headers=head,
    )
    assert item.status_code == 422, item.json
    assert item.json["errors"]["json"]["apply_from"] == ["日期应在 1900-01-01 至 2199-12-31 之间"]


def test_an_all_zero_uscc_is_refused_in_chinese(app, client: FlaskClient, session: Session) -> None:
    """Its check digit passes (0 × anything), but no registration authority gives it."""
    head = headers(app, wechat_user(session, "openid-zero-uscc", consents=("id_number",)))
    response = client.post(
        "/api/v1/me/subjects",
        json={
            "kind": "enterprise",
            "uscc": "0" * 18,
            "relation": "legal_representative",
            "representative": {"name": "张三", "id_number": "371502199001011234"},
        },
        headers=head,
    )
    assert response.status_code == 422
    assert response.json["errors"] == {
        "uscc": ["统一社会信用代码前两位（登记管理部门和机构类别）不正确"]
    }
