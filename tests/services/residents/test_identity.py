"""The identity-verification seam: input checks, the local provider over imported profiles, the
province provider over real HTTP, and their configuration."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from api.config import ConfigError, Settings, new_data_key
from services.errors import InvalidInput
from services.residents import IdentityConfig, provider_for
from services.residents._identity import (
    IdentityUnavailable,
    LocalProvider,
    NeedsProvince,
    ProvinceProvider,
    Verification,
    checked_person,
    checked_uscc,
    normalised_name,
)
from tests.identity_server import KEY, IdentityService, serving
from tests.resident_identities import add_enterprise, add_person, id_number, uscc

ZHANG = id_number("19900101", 123)
LI = id_number("19850315", 2)


def test_names_compare_without_spaces_and_with_any_middle_dot() -> None:
    assert normalised_name(" 张 三 ") == "张三"
    assert normalised_name("买买提•艾力") == normalised_name("买买提·艾力") == "买买提·艾力"
    assert normalised_name("ＡＢＣ") == "ABC"  # full-width letters, as some keyboards type them


def test_checked_person_normalises_or_names_the_fields() -> None:
    assert checked_person(" 张三", ZHANG.lower()) == ("张三", ZHANG.upper())
    with pytest.raises(InvalidInput) as caught:
        checked_person("", "12345")
    assert set(caught.value.errors) == {"name", "id_number"}
    assert caught.value.errors["id_number"] == ["身份证号应为18位"]


def test_checked_uscc_reports_the_check_digit() -> None:
    code = uscc("MA3C4L7X1")
    assert checked_uscc(code.lower()) == code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as caught:
        checked_uscc(wrong)
    assert caught.value.errors == {"uscc": ["统一社会信用代码校验位不正确"]}


def test_local_provider_matches_the_imported_profile(session: Session) -> None:
    add_person(session, "张三", ZHANG)
    provider = provider_for(IdentityConfig(), session=session)
    assert isinstance(provider, LocalProvider) and provider.name == "local"
    assert provider.verify_person("张三", ZHANG).match
    assert not provider.verify_person("张四", ZHANG).match
    assert not provider.verify_person("张三", id_number("19991231", 7)).match
    # the same answer, whether the number is ours or not
    assert provider.verify_person("张四", ZHANG) == provider.verify_person(
        "张三", id_number("19991231", 7)
    )


@pytest.mark.parametrize("relation", ["legal_representative", "agent"])
def test_local_provider_cannot_vouch_without_a_representative_or_for_agents(
    session: Session, relation: str
) -> None:
    code, known = uscc("MA3C4L7X1"), uscc("MA3C4L7X2")
    add_enterprise(session, "聊城市某某科技有限公司", code)
    add_enterprise(session, "聊城市另一科技有限公司", known, representative=("王五", ZHANG))
    with pytest.raises(NeedsProvince) as caught:
        LocalProvider(session).verify_enterprise(code, relation, "王五", ZHANG)
    assert caught.value.status == 422 and "需通过省统一身份认证" in caught.value.message
    if relation == "agent":  # an agent's authorisation is never in a profile
        with pytest.raises(NeedsProvince):
            LocalProvider(session).verify_enterprise(known, relation, "王五", ZHANG)


def test_local_provider_matches_the_imported_legal_representative(session: Session) -> None:
    code, other = uscc("MA3C4L7X1"), uscc("MA3C4L7X2")
    add_enterprise(session, "聊城市某某科技有限公司", code, representative=("买买提·艾力", ZHANG))
    add_enterprise(session, "聊城市另一科技有限公司", other, representative=("李四", LI))
    provider = provider_for(IdentityConfig(), session=session)
    relation = "legal_representative"
    assert provider.verify_enterprise(code, relation, "买买提•艾力", ZHANG) == Verification(
        True, "profile matches"
    )
    wrong_number = provider.verify_enterprise(code, relation, "买买提·艾力", LI)
    wrong_name = provider.verify_enterprise(code, relation, "买买提", ZHANG)
    other_firm = provider.verify_enterprise(other, relation, "买买提·艾力", ZHANG)
    unknown = provider.verify_enterprise(uscc("MA3C4L7X3"), relation, "买买提·艾力", ZHANG)
    # one answer for every mismatch: it never says which part was wrong
    assert wrong_number == wrong_name == other_firm == unknown
    assert not wrong_number.match


@pytest.fixture
def province() -> tuple[IdentityService, str]:
    service = IdentityService()
    with serving(service) as url:
        yield service, url


def test_province_provider_speaks_the_contract(province: tuple[IdentityService, str]) -> None:
    service, url = province
    service.persons.add(("张三", ZHANG))
    service.enterprises.add(("91371500MA3C4L7X1P", "agent", "张三", ZHANG))
    provider = provider_for(IdentityConfig("province", url + "/", KEY, 2.0), session=None)  # type: ignore[arg-type]
    assert isinstance(provider, ProvinceProvider) and provider.name == "province"
    assert provider.verify_person("张三", ZHANG) == Verification(True, "一致")
    assert provider.verify_person("李四", ZHANG) == Verification(False, "不一致")
    assert provider.verify_enterprise("91371500MA3C4L7X1P", "agent", "张三", ZHANG).match
    assert not provider.verify_enterprise(
        "91371500MA3C4L7X1P", "legal_representative", "张三", ZHANG
    ).match
    assert {r["authorization"] for r in service.received} == {f"Bearer {KEY}"}
    assert KEY not in repr(provider)


@pytest.mark.parametrize(
    "trouble",
    [{"status": 503}, {"status": 404}, {"garbage": True}, {"key": "rotated"}, {"delay": 1.0}],
)
def test_province_provider_trouble_is_unavailable(
    province: tuple[IdentityService, str], trouble: dict, caplog: pytest.LogCaptureFixture
) -> None:
    service, url = province
    for name, value in trouble.items():
        setattr(service, name, value)
    provider = ProvinceProvider(url=url, key=KEY, timeout=0.3)
    with pytest.raises(IdentityUnavailable) as caught:
        provider.verify_person("张三", ZHANG)
    assert caught.value.status == 503 and caught.value.retry_after == 30
    assert ZHANG not in caplog.text and "张三" not in caplog.text


def test_province_provider_unreachable_is_unavailable() -> None:
    with serving(IdentityService()) as url:
        pass
    with pytest.raises(IdentityUnavailable):
        ProvinceProvider(url=url, key=KEY, timeout=1.0).verify_person("张三", ZHANG)


def test_province_provider_is_safe_to_share_between_threads(
    province: tuple[IdentityService, str],
) -> None:
    service, url = province
    service.persons.add(("张三", ZHANG))
    provider = ProvinceProvider(url=url, key=KEY, timeout=2.0)
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(provider.verify_person("张三", ZHANG).match))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 8


def _settings(tmp_path: Path, **env: str) -> Settings:
    base = {"KX_INSTANCE_DIR": str(tmp_path), "KX_DATA_KEY": new_data_key()}
    return Settings.from_env(base | env)


def test_identity_settings(tmp_path: Path) -> None:
    defaults = _settings(tmp_path)
    assert defaults.identity_provider == "local" and defaults.identity_url is None
    assert defaults.resident_rate_limit == "120/minute"
    province = _settings(
        tmp_path,
        KX_IDENTITY_PROVIDER="province",
        KX_IDENTITY_URL="https://id.example.gov.cn/api/",
        KX_IDENTITY_KEY="secret",
        KX_IDENTITY_TIMEOUT="3",
    )
    assert province.identity_url == "https://id.example.gov.cn/api"
    assert province.identity_timeout == 3.0 and "secret" not in repr(province)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"KX_IDENTITY_PROVIDER": "national"}, "KX_IDENTITY_PROVIDER"),
        ({"KX_IDENTITY_PROVIDER": "province", "KX_IDENTITY_KEY": "k"}, "KX_IDENTITY_URL"),
        (
            {"KX_IDENTITY_PROVIDER": "province", "KX_IDENTITY_URL": "http://127.0.0.1:1"},
            "KX_IDENTITY_KEY",
        ),
        ({"KX_IDENTITY_URL": "ftp://id"}, "KX_IDENTITY_URL"),
        ({"KX_IDENTITY_TIMEOUT": "0"}, "KX_IDENTITY_TIMEOUT"),
        ({"KX_RESIDENT_RATE_LIMIT": "lots"}, "KX_RESIDENT_RATE_LIMIT"),
    ],
)
def test_bad_identity_settings_name_their_variable(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        _settings(tmp_path, **env)
    assert caught.value.variable == variable
