"""Staff log in with a password, the data platform with an API key; both are audited."""

from __future__ import annotations

from sqlalchemy import select

from api.cli import cli
from models import AuditEntry
from services.audit import Actor
from tests import factories

LOGIN = "/api/v1/admin/auth/login"


def test_login_gives_a_token_that_shows_who_i_am(client, session) -> None:
    factories.staff(session, "zhang", "publisher:MZ")
    headers = factories.login(client, "zhang")
    me = client.get("/api/v1/admin/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json["username"] == "zhang" and me.json["roles"][0]["role"] == "publisher"


def test_wrong_password_and_unknown_user_get_the_same_answer(client, session) -> None:
    factories.staff(session, "zhang", "admin")
    wrong = client.post(LOGIN, json={"username": "zhang", "password": "nope-nope-nope"})
    unknown = client.post(LOGIN, json={"username": "nobody", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["message"] == unknown.json["message"] == "用户名或密码错误"


def test_missing_fields_get_field_level_errors(client) -> None:
    response = client.post(LOGIN, json={"username": "zhang"})
    assert response.status_code == 422
    assert set(response.json) == {"code", "status", "message", "errors"}
    assert "password" in str(response.json["errors"])
    assert response.json["errors"]["json"]["password"] == ["必填"]


def test_login_is_rate_limited(client, session) -> None:
    factories.staff(session, "zhang", "admin")
    codes = [
        client.post(LOGIN, json={"username": "zhang", "password": "wrong-wrong-wrong"}).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    blocked = client.post(LOGIN, json={"username": "zhang", "password": factories.PASSWORD})
    assert blocked.status_code == 429 and blocked.json["message"] == "请求过于频繁，请稍后再试"


def test_no_token_or_a_forged_one_is_refused(client, session) -> None:
    assert client.get("/api/v1/admin/auth/me").status_code == 401
    forged = client.get("/api/v1/admin/auth/me", headers={"Authorization": "Bearer abc.def"})
    assert forged.status_code == 401 and forged.json["message"] == "登录凭证无效"


def test_logout_ends_every_token(client, session) -> None:
    factories.staff(session, "zhang", "admin")
    headers = factories.login(client, "zhang")
    assert client.post("/api/v1/admin/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/admin/auth/me", headers=headers).status_code == 401


def test_the_data_platform_uses_its_api_key(client, session) -> None:
    _, key = factories.staff(session, "platform", "data_platform", machine=True)
    assert key and key.startswith("kx_")
    me = client.get("/api/v1/admin/auth/me", headers={"X-API-Key": key})
    assert me.status_code == 200 and me.json["kind"] == "machine"
    assert client.get("/api/v1/admin/auth/me", headers={"X-API-Key": key + "x"}).status_code == 401
    machine_login = client.post(LOGIN, json={"username": "platform", "password": "anything-at-all"})
    assert machine_login.status_code == 401


def test_creating_staff_is_audited_without_secrets(session) -> None:
    factories.staff(session, "zhang", "reviewer:RS")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "staff.create"))
    assert entry is not None and entry.after["username"] == "zhang"
    assert "password" not in str(entry.after) and factories.PASSWORD not in str(entry.after)


def test_roles_are_scoped_to_departments() -> None:
    publisher = Actor(kind="staff", id=1, name="x", roles=(("publisher", 7),))
    assert publisher.has_role("publisher", 7) and not publisher.has_role("publisher", 8)
    assert not publisher.has_role("reviewer", 7)
    assert publisher.departments("publisher") == {7}
    admin = Actor(kind="staff", id=2, name="y", roles=(("admin", None),))
    assert admin.has_role("reviewer", 8) and admin.departments("publisher") is None


def test_staff_create_command_bootstraps_an_admin(runner, session) -> None:
    result = runner.invoke(
        cli,
        args=[
            "staff",
            "create",
            "--username",
            "root",
            "--display-name",
            "管理员",
            "--role",
            "admin",
            "--password",
            "a-long-password",
        ],
    )
    assert result.exit_code == 0, result.output
    machine = runner.invoke(
        cli,
        args=[
            "staff",
            "create",
            "--username",
            "dp",
            "--display-name",
            "数据平台",
            "--role",
            "data_platform",
            "--machine",
        ],
    )
    assert "API key" in machine.output
    bad = runner.invoke(
        cli,
        args=[
            "staff",
            "create",
            "--username",
            "x",
            "--display-name",
            "x",
            "--role",
            "publisher",
            "--password",
            "a-long-password",
        ],
    )
    assert bad.exit_code != 0
