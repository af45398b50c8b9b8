"""My account: phone number from WeChat, binding identities with both providers, unbinding,
rate limits per resident."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import create_app
from api.config import Settings
from models import AuditEntry, ResidentConsent, SubjectBinding, WeChatUser, vault_of
from notify.emulator import EmulatorServer
from services.residents import CONSENT_TEXTS
from services.residents._auth import PHONE_CONTEXT
from tests.identity_server import KEY, IdentityService, serving
from tests.resident_factories import headers, wechat_user
from tests.resident_identities import add_enterprise, add_person, bearer, id_number, login, uscc

ME = "/api/v1/me"
SUBJECTS = "/api/v1/me/subjects"
PHONE = "/api/v1/me/phone"
CONSENTS = "/api/v1/me/consents"
ID_CONSENT = {"purpose": "id_number", "version": CONSENT_TEXTS["id_number"]["version"]}
NOT_FOUND = "未找到该身份的档案，请确认信息或稍后再试"
ZHANG = id_number("19900101", 123)
LI = id_number("19850315", 2)
ENTERPRISE = uscc("MA3C4L7X1")
BOSS = id_number("19700202", 31)
LED = uscc("MA3C4L7X2")  # an enterprise imported with its legal representative
OTHER = uscc("MA3C4L7X3")
LEGAL = "legal_representative"
ID = ("id_number",)


@pytest.fixture
def people(session: Session) -> dict[str, int]:
    """Imported profiles: two persons and an enterprise."""
    return {
        "zhang": add_person(session, "张三", ZHANG).id,
        "li": add_person(session, "欧阳娜娜", LI).id,
        "firm": add_enterprise(session, "聊城市某某科技有限公司", ENTERPRISE).id,
        "other": add_enterprise(session, "聊城市另一科技有限公司", OTHER, ("李四", LI)).id,
    }


@pytest.fixture
def client_with(settings: Settings) -> Iterator[Callable[..., tuple[Flask, FlaskClient]]]:
    """Build another app on the same database with some settings changed."""
    apps: list[Flask] = []

    def build(**changes: object) -> tuple[Flask, FlaskClient]:
        app = create_app(settings.with_overrides(**changes))
        app.testing = True
        apps.append(app)
        return app, app.test_client()

    yield build
    for app in apps:
        app.extensions["kx.db"].dispose()


@pytest.fixture
def province() -> Iterator[tuple[IdentityService, str]]:
    """The province's identity service stand-in, over real HTTP."""
    service = IdentityService()
    with serving(service) as url:
        yield service, url


def person(name: str, number: str) -> dict[str, str]:
    return {"kind": "person", "name": name, "id_number": number}


def enterprise(
    relation: str, name: str = "王五", number: str = BOSS, code: str = ENTERPRISE
) -> dict[str, object]:
    return {
        "kind": "enterprise",
        "uscc": code,
        "relation": relation,
        "representative": {"name": name, "id_number": number},
    }


def audit(session: Session, action: str) -> list[AuditEntry]:
    session.rollback()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# phone


def test_phone_number_is_stored_encrypted_and_answered_masked(
    client: FlaskClient, wx: EmulatorServer, session: Session
) -> None:
    tokens = login(client, wx, "openid-phone")
    code = wx.mint_phone_code("13812345678", openid="openid-phone")
    answer = client.post(PHONE, json={"code": code}, headers=bearer(tokens))
    assert answer.status_code == 200, answer.json
    assert answer.json == {"phone_masked": "138****5678"}
    user = session.get(WeChatUser, tokens["user"]["id"])
    vault = vault_of(session)
    assert vault.decrypt(user.phone_enc, context=PHONE_CONTEXT) == "13812345678"
    assert user.phone_hash == vault.lookup_hash("13812345678", context=PHONE_CONTEXT)
    me = client.get(ME, headers=bearer(tokens)).json
    assert me["phone_masked"] == "138****5678" and "13812345678" not in str(me)
    sent = wx.requests("/wxa/business/getuserphonenumber")[-1]["json"]
    assert sent["openid"] == "openid-phone"


def test_a_phone_code_of_someone_else_or_used_is_refused(
    client: FlaskClient, wx: EmulatorServer
) -> None:
    tokens = login(client, wx, "openid-mine")
    theirs = wx.mint_phone_code("13900001111", openid="openid-theirs")
    answer = client.post(PHONE, json={"code": theirs}, headers=bearer(tokens))
    assert answer.status_code == 422 and answer.json["errors"] == {
        "code": ["手机号授权已失效，请重新点击授权"]
    }
    used = wx.mint_phone_code("13900001111", openid="openid-mine")
    assert client.post(PHONE, json={"code": used}, headers=bearer(tokens)).status_code == 200
    assert client.post(PHONE, json={"code": used}, headers=bearer(tokens)).status_code == 422


@pytest.mark.parametrize(
    ("fault", "status"), [({"errcode": 45011}, 429), ({"errcode": -1}, 503), ({"status": 500}, 503)]
)
def test_phone_wechat_trouble_says_when_to_retry(
    client: FlaskClient, wx: EmulatorServer, fault: dict, status: int
) -> None:
    tokens = login(client, wx, "openid-busy")
    wx.inject("/wxa/business/getuserphonenumber", times=1, **fault)
    code = wx.mint_phone_code("13812345678", openid="openid-busy")
    answer = client.post(PHONE, json={"code": code}, headers=bearer(tokens))
    assert answer.status_code == status and int(answer.headers["Retry-After"]) > 0


def test_phone_from_another_mini_program_is_refused(
    client: FlaskClient, wx: EmulatorServer, session: Session
) -> None:
    tokens = login(client, wx, "openid-watermark")
    wx.configure(watermark_appid="wx-someone-else")
    code = wx.mint_phone_code("13812345678", openid="openid-watermark")
    answer = client.post(PHONE, json={"code": code}, headers=bearer(tokens))
    assert answer.status_code == 502
    assert session.get(WeChatUser, tokens["user"]["id"]).phone_enc is None


# me


def test_me_needs_a_login(client: FlaskClient) -> None:
    assert client.get(ME).status_code == 401
    assert client.get(ME, headers={"Authorization": "Bearer forged"}).status_code == 401


def test_me_lists_bound_subjects_masked(
    app: Flask, client: FlaskClient, session: Session, people: dict[str, int]
) -> None:
    user = wechat_user(session, "openid-me", consents=ID)
    auth = headers(app, user)
    assert client.post(SUBJECTS, json=person("欧阳娜娜", LI), headers=auth).status_code == 200
    me = client.get(ME, headers=auth).json
    assert me["id"] == user.id and me["phone_masked"] is None and me["created_at"]
    assert me["subjects"] == [
        {
            "subject_id": people["li"],
            "kind": "person",
            "name": "欧阳**",
            "identifier": LI[0] + "*" * 16 + LI[-1],
            "relation": "self",
            "verified_by": "local",
            "bound_at": me["subjects"][0]["bound_at"],
        }
    ]
    assert me["subjects"][0]["bound_at"].endswith("+08:00")


# binding with the local provider


def test_binding_myself_checks_the_profile_and_is_idempotent(
    app: Flask, client: FlaskClient, session: Session, people: dict[str, int]
) -> None:
    user = wechat_user(session, "openid-zhang", consents=ID)
    auth = headers(app, user)
    first = client.post(SUBJECTS, json=person(" 张三 ", ZHANG.lower()), headers=auth)
    assert first.status_code == 200, first.json
    assert first.json["subject_id"] == people["zhang"] and first.json["name"] == "张*"
    again = client.post(SUBJECTS, json=person("张三", ZHANG), headers=auth)
    assert again.status_code == 200 and again.json == first.json
    listed = client.get(SUBJECTS, headers=auth).json
    assert [row["subject_id"] for row in listed] == [people["zhang"]]
    entries = audit(session, "binding.create")
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor_kind, entry.actor_id, entry.object_type) == (
        "resident",
        user.id,
        "subject_bindings",
    )
    assert entry.after["relation"] == "self" and entry.after["verified_by"] == "local"


def test_a_wrong_name_and_an_unknown_number_answer_alike(
    app: Flask, client: FlaskClient, session: Session, people: dict[str, int]
) -> None:
    auth = headers(app, wechat_user(session, "openid-guess", consents=ID))
    wrong_name = client.post(SUBJECTS, json=person("张四", ZHANG), headers=auth)
    unknown = client.post(SUBJECTS, json=person("张三", id_number("19991231", 7)), headers=auth)
    assert wrong_name.status_code == unknown.status_code == 422
    assert wrong_name.json == unknown.json
    assert wrong_name.json["message"] == NOT_FOUND
    assert set(wrong_name.json["errors"]) == {"name", "id_number"}
    assert session.scalars(select(SubjectBinding)).all() == []


def test_a_bad_check_digit_is_a_field_error(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    auth = headers(app, wechat_user(session, "openid-typo", consents=ID))
    typo = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
    answer = client.post(SUBJECTS, json=person("张三", typo), headers=auth)
    assert answer.status_code == 422
    assert answer.json["errors"] == {"id_number": ["身份证号校验位不正确"]}
    missing = client.post(SUBJECTS, json={"kind": "person", "name": "张三"}, headers=auth)
    assert missing.status_code == 422 and "id_number" in missing.json["errors"]["json"]


@pytest.mark.parametrize("relation", ["legal_representative", "agent"])
def test_the_local_provider_sends_enterprises_to_the_province(
    app: Flask, client: FlaskClient, session: Session, people: dict[str, int], relation: str
) -> None:
    auth = headers(app, wechat_user(session, "openid-boss", consents=ID))
    answer = client.post(SUBJECTS, json=enterprise(relation), headers=auth)
    assert answer.status_code == 422
    assert "需通过省统一身份认证" in answer.json["message"]
    assert list(answer.json["errors"]) == ["relation"]


def test_the_local_provider_binds_the_imported_legal_representative(
    app: Flask, client: FlaskClient, session: Session, people: dict[str, int]
) -> None:
    led = add_enterprise(session, "聊城市某某机械有限公司", LED, representative=("王五", BOSS)).id
    auth = headers(app, wechat_user(session, "openid-led", consents=ID))
    wrong_number = client.post(SUBJECTS, json=enterprise(LEGAL, "王五", ZHANG, LED), headers=auth)
    wrong_name = client.post(SUBJECTS, json=enterprise(LEGAL, "王六", BOSS, LED), headers=auth)
    wrong_firm = client.post(SUBJECTS, json=enterprise(LEGAL, "王五", BOSS, OTHER), headers=auth)
    assert wrong_number.status_code == wrong_name.status_code == wrong_firm.status_code == 422
    # the same answer whatever part is wrong
    assert wrong_number.json == wrong_name.json == wrong_firm.json
    assert set(wrong_number.json["errors"]) == {"representative"}
    assert set(wrong_number.json["errors"]["representative"]) == {"name", "id_number"}

    bound = client.post(SUBJECTS, json=enterprise(LEGAL, " 王 五", BOSS.lower(), LED), headers=auth)
    assert bound.status_code == 200, bound.json
    assert bound.json == {
        "subject_id": led,
        "kind": "enterprise",
        "name": "聊城市某某机械有限公司",
        "identifier": LED,
        "relation": "legal_representative",
        "verified_by": "local",
        "bound_at": bound.json["bound_at"],
    }
    assert [s["subject_id"] for s in client.get(SUBJECTS, headers=auth).json] == [led]
    agent = client.post(SUBJECTS, json=enterprise("agent", "王五", BOSS, LED), headers=auth)
    assert agent.status_code == 422 and "需通过省统一身份认证" in agent.json["message"]
    created = audit(session, "binding.create")
    assert len(created) == 1 and BOSS not in str(created[0].after)


def test_an_enterprise_we_hold_no_profile_of_is_not_found(
    app: Flask, client: FlaskClient, session: Session, people: dict[str, int]
) -> None:
    auth = headers(app, wechat_user(session, "openid-nofirm", consents=ID))
    body = enterprise("legal_representative") | {"uscc": uscc("MA00000X1")}
    answer = client.post(SUBJECTS, json=body, headers=auth)
    assert answer.status_code == 422 and answer.json["message"] == NOT_FOUND
    assert list(answer.json["errors"]) == ["uscc"]


# binding with the province's identity service


def test_province_provider_binds_persons_and_enterprises(
    client_with: Callable[..., tuple[Flask, FlaskClient]],
    province: tuple[IdentityService, str],
    session: Session,
    people: dict[str, int],
) -> None:
    service, url = province
    service.persons.add(("张三", ZHANG))
    service.enterprises.add((ENTERPRISE, "legal_representative", "王五", BOSS))
    service.enterprises.add((ENTERPRISE, "agent", "赵六", ZHANG))
    app, client = client_with(identity_provider="province", identity_url=url, identity_key=KEY)
    boss = headers(app, wechat_user(session, "openid-boss", consents=ID))
    agent = headers(app, wechat_user(session, "openid-agent", consents=ID))

    me = client.post(SUBJECTS, json=person("张三", ZHANG), headers=agent)
    assert me.status_code == 200 and me.json["verified_by"] == "province"
    firm = client.post(SUBJECTS, json=enterprise("legal_representative"), headers=boss)
    assert firm.status_code == 200, firm.json
    assert firm.json == {
        "subject_id": people["firm"],
        "kind": "enterprise",
        "name": "聊城市某某科技有限公司",
        "identifier": ENTERPRISE,
        "relation": "legal_representative",
        "verified_by": "province",
        "bound_at": firm.json["bound_at"],
    }
    delegated = client.post(SUBJECTS, json=enterprise("agent", "赵六", ZHANG), headers=agent)
    assert delegated.status_code == 200 and delegated.json["relation"] == "agent"

    assert service.received[0] == {
        "path": "/verify/person",
        "authorization": f"Bearer {KEY}",
        "json": {"name": "张三", "id_number": ZHANG},
    }
    assert service.received[1]["json"] == {
        "uscc": ENTERPRISE,
        "relation": "legal_representative",
        "name": "王五",
        "id_number": BOSS,
    }


def test_province_provider_refusals(
    client_with: Callable[..., tuple[Flask, FlaskClient]],
    province: tuple[IdentityService, str],
    session: Session,
    people: dict[str, int],
) -> None:
    service, url = province
    app, client = client_with(identity_provider="province", identity_url=url, identity_key=KEY)
    auth = headers(app, wechat_user(session, "openid-nobody", consents=ID))
    refused = client.post(SUBJECTS, json=person("张三", ZHANG), headers=auth)
    assert refused.status_code == 422 and refused.json["message"] == NOT_FOUND
    not_ours = client.post(SUBJECTS, json=person("张三", id_number("19991231", 7)), headers=auth)
    assert not_ours.json == refused.json
    firm = client.post(SUBJECTS, json=enterprise("agent"), headers=auth)
    assert firm.status_code == 422
    assert set(firm.json["errors"]["representative"]) == {"name", "id_number"}
    # a number we hold no profile of is refused before asking the province
    assert [r["path"] for r in service.received] == ["/verify/person", "/verify/enterprise"]


@pytest.mark.parametrize(
    "trouble",
    [{"status": 500}, {"garbage": True}, {"key": "another-key"}, {"delay": 1.5}],
    ids=["http-500", "garbage", "wrong-key", "slow"],
)
def test_province_trouble_is_a_503_with_retry_after(
    client_with: Callable[..., tuple[Flask, FlaskClient]],
    province: tuple[IdentityService, str],
    session: Session,
    people: dict[str, int],
    trouble: dict,
) -> None:
    service, url = province
    service.persons.add(("张三", ZHANG))
    for name, value in trouble.items():
        setattr(service, name, value)
    app, client = client_with(
        identity_provider="province", identity_url=url, identity_key=KEY, identity_timeout=0.5
    )
    auth = headers(app, wechat_user(session, "openid-wait", consents=ID))
    answer = client.post(SUBJECTS, json=person("张三", ZHANG), headers=auth)
    assert answer.status_code == 503
    assert answer.json["message"] == "身份核验服务暂时不可用，请稍后再试"
    assert 29 <= int(answer.headers["Retry-After"]) <= 61  # ours, or the minute's window
    assert session.scalars(select(SubjectBinding)).all() == []


def test_province_not_listening_is_a_503(
    client_with: Callable[..., tuple[Flask, FlaskClient]], session: Session, people: dict[str, int]
) -> None:
    with serving(IdentityService()) as url:
        pass  # the port is free again: nothing listens there
    app, client = client_with(identity_provider="province", identity_url=url, identity_key=KEY)
    auth = headers(app, wechat_user(session, "openid-closed", consents=ID))
    assert client.post(SUBJECTS, json=person("张三", ZHANG), headers=auth).status_code == 503


# unbinding


def test_unbind_revokes_and_rebinding_renews(
    app: Flask, client: FlaskClient, session: Session, people: dict[str, int]
) -> None:
    user = wechat_user(session, "openid-unbind", consents=ID)
    auth = headers(app, user)
    client.post(SUBJECTS, json=person("张三", ZHANG), headers=auth)
    gone = client.delete(f"{SUBJECTS}/{people['zhang']}", headers=auth)
    assert gone.status_code == 204
    assert client.get(SUBJECTS, headers=auth).json == []
    assert client.delete(f"{SUBJECTS}/{people['zhang']}", headers=auth).status_code == 404
    [revoked] = audit(session, "binding.revoke")
    assert revoked.actor_kind == "resident" and revoked.before["status"] == "active"
    assert revoked.after["status"] == "revoked" and revoked.after["revoked_at"]
    again = client.post(SUBJECTS, json=person("张三", ZHANG), headers=auth)
    assert again.status_code == 200
    assert len(audit(session, "binding.renew")) == 1
    binding = session.scalar(select(SubjectBinding))
    assert binding.status == "active" and binding.revoked_at is None


def test_someone_elses_subject_cannot_be_unbound(
    app: Flask, client: FlaskClient, session: Session, people: dict[str, int]
) -> None:
    owner = headers(app, wechat_user(session, "openid-owner", consents=ID))
    other = headers(app, wechat_user(session, "openid-other", consents=ID))
    client.post(SUBJECTS, json=person("张三", ZHANG), headers=owner)
    answer = client.delete(f"{SUBJECTS}/{people['zhang']}", headers=other)
    assert answer.status_code == 404
    assert client.get(SUBJECTS, headers=other).json == []
    assert len(client.get(SUBJECTS, headers=owner).json) == 1
    assert client.delete(f"{SUBJECTS}/999999", headers=owner).status_code == 404


# rate limits


def test_binding_attempts_are_limited_per_resident(
    app: Flask, client: FlaskClient, session: Session, people: dict[str, int]
) -> None:
    guesser = headers(app, wechat_user(session, "openid-guesser", consents=ID))
    honest = headers(app, wechat_user(session, "openid-honest", consents=ID))
    guesses = [
        client.post(SUBJECTS, json=person(f"张{n}", ZHANG), headers=guesser).status_code
        for n in range(10)
    ]
    assert guesses == [422] * 10
    blocked = client.post(SUBJECTS, json=person("张三", ZHANG), headers=guesser)
    assert blocked.status_code == 429 and blocked.json["message"] == "尝试次数过多，请稍后再试"
    assert 3000 < int(blocked.headers["Retry-After"]) <= 3601  # the hour's window
    assert client.get(SUBJECTS, headers=guesser).status_code == 200  # only binding is limited
    assert client.post(SUBJECTS, json=person("张三", ZHANG), headers=honest).status_code == 200


def test_every_resident_endpoint_shares_one_limit_per_user(
    client_with: Callable[..., tuple[Flask, FlaskClient]], session: Session
) -> None:
    app, client = client_with(resident_rate_limit="3/minute")
    busy = headers(app, wechat_user(session, "openid-busy", consents=ID))
    calm = headers(app, wechat_user(session, "openid-calm", consents=ID))
    codes = [
        client.get(ME, headers=busy).status_code,
        client.get(SUBJECTS, headers=busy).status_code,
        client.get(ME, headers=busy).status_code,
    ]
    assert codes == [200, 200, 200]
    blocked = client.get(SUBJECTS, headers=busy)
    assert blocked.status_code == 429 and blocked.json["message"] == "请求过于频繁，请稍后再试"
    assert int(blocked.headers["Retry-After"]) > 0
    assert client.get(ME, headers=calm).status_code == 200


def test_deleting_my_account_erases_who_i_am_and_ends_every_login(  # type: ignore[no-untyped-def]
    client: FlaskClient, wx: EmulatorServer, session: Session, people: dict[str, int]
) -> None:
    tokens = login(client, wx, "openid-leaving")
    code = wx.mint_phone_code("13812345678", openid="openid-leaving")
    assert client.post(PHONE, json={"code": code}, headers=bearer(tokens)).status_code == 200
    agreed = client.post(CONSENTS, json=ID_CONSENT, headers=bearer(tokens))
    assert agreed.status_code == 200, agreed.json
    bound = client.post(SUBJECTS, json=person("张三", ZHANG), headers=bearer(tokens))
    assert bound.status_code == 200, bound.json
    other = login(client, wx, "openid-leaving")  # the same account on a second phone

    assert client.delete(ME, headers=bearer(tokens)).status_code == 204
    for held in (tokens, other):  # every login ends at once, not when its token expires
        assert client.get(ME, headers=bearer(held)).status_code == 401
        refreshed = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": held["refresh_token"]}
        )
        assert refreshed.status_code == 401
    session.expire_all()
    user = session.get(WeChatUser, tokens["user"]["id"])
    assert user.status == "deleted" and user.openid == f"deleted:{user.id}"
    assert (user.phone_enc, user.phone_hash, user.session_key_enc, user.unionid) == (
        None,
        None,
        None,
        None,
    )
    bindings = session.scalars(
        select(SubjectBinding.status).where(SubjectBinding.wechat_user_id == user.id)
    ).all()
    assert bindings == ["revoked"]
    consents = session.scalars(
        select(ResidentConsent).where(ResidentConsent.wechat_user_id == user.id)
    ).all()
    assert [c.purpose for c in consents] == ["id_number"] and consents[0].withdrawn_at is not None
    (entry,) = audit(session, "account.delete")
    assert entry.actor_id == user.id and "openid-leaving" not in str((entry.before, entry.after))

    # logging in again with WeChat is a new account, bound to nothing
    again = login(client, wx, "openid-leaving")
    assert again["user"]["id"] != user.id
    assert client.get(SUBJECTS, headers=bearer(again)).json == []
