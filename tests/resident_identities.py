"""Helpers for login and identity tests: valid identifiers, imported profiles, a WeChat login."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import Subject, vault_of
from notify.emulator import EmulatorServer
from rules.identifiers import id_number_check_char, uscc_check_char
from services.profiles import subject_row


def id_number(birth: str = "19900101", sequence: int = 123, region: str = "371502") -> str:
    """Return a valid 身份证号 (check character computed)."""
    first17 = f"{region}{birth}{sequence:03d}"
    return first17 + id_number_check_char(first17)


def uscc(body: str = "MA3C4L7X1", head: str = "91371500") -> str:
    """Return a valid 统一社会信用代码 (check character computed)."""
    first17 = head + body
    return first17 + uscc_check_char(first17)


def add_person(session: Session, name: str, number: str) -> Subject:
    """Import a person profile (as the data platform would) and return it."""
    row = subject_row(
        vault=vault_of(session), kind="person", identifier=number, name=name, facts={}
    )
    subject = Subject(**row)
    session.add(subject)
    session.commit()
    return subject


def add_enterprise(
    session: Session, name: str, code: str, representative: tuple[str, str] | None = None
) -> Subject:
    """Import an enterprise profile, with its legal representative (name, 身份证号) if given."""
    row = subject_row(
        vault=vault_of(session),
        kind="enterprise",
        identifier=code,
        name=name,
        facts={},
        representative=representative,
    )
    subject = Subject(**row)
    session.add(subject)
    session.commit()
    return subject


def login(client: FlaskClient, wx: EmulatorServer, openid: str) -> dict[str, Any]:
    """Log in through the API with a code the emulator minted; return the token answer."""
    answer = client.post("/api/v1/auth/wechat", json={"code": wx.mint_login_code(openid)})
    assert answer.status_code == 200, answer.json
    return answer.json


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    """Return the Authorization header of a token answer."""
    return {"Authorization": f"Bearer {tokens['access_token']}"}
