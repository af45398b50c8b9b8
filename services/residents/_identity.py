"""The identity-verification seam: is this resident who they say they are, for this subject?

A `Provider` answers two questions with a `Verification`:
- `verify_person(name, id_number)`: do this name and 身份证号 belong together?
- `verify_enterprise(uscc, relation, name, id_number)`: is this person the enterprise's legal
  representative (or an authorised agent)?

`local` (the embedded default) answers from the imported profiles; `province` asks the
province's unified identity service over HTTP (the contract is in docs/resident-api.md). Inputs
reach a provider already checked (check digits, normalised): see `checked_person`.
"""

from __future__ import annotations

import hmac
import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Relation, Subject, SubjectKind, vault_of
from rules.identifiers import check_id_number, check_uscc
from services.errors import InvalidInput, Unavailable
from services.profiles import NAME_MAX, identity_hash, representative_hash

log = logging.getLogger(__name__)

LOCAL = "local"
PROVINCE = "province"
PROVIDERS = (LOCAL, PROVINCE)
RETRY_AFTER_SECONDS = 30
NEEDS_PROVINCE = "需通过省统一身份认证"
_DOTS = "·•‧・．.﹒"  # the middle dot of minority names, as people type it


@dataclass(frozen=True)
class Verification:
    """A provider's answer: `match`, and a short reason for logs (never shown to residents)."""

    match: bool
    reason: str = ""


class Provider(Protocol):
    """What every identity provider answers; `name` is stored as the binding's verified_by."""

    name: str

    def verify_person(self, name: str, id_number: str) -> Verification:
        """Tell whether the name and 身份证号 belong to one person."""
        ...

    def verify_enterprise(
        self, uscc: str, relation: str, name: str, id_number: str
    ) -> Verification:
        """Tell whether the person (name, 身份证号) holds `relation` to the enterprise."""
        ...


class NeedsProvince(InvalidInput):
    """The configured provider cannot decide this question; only the province's service can."""

    def __init__(self, reason: str) -> None:
        message = f"{reason}，{NEEDS_PROVINCE}，当前暂未开通，请到政务服务大厅办理"
        super().__init__(message, errors={"relation": [message]})


class IdentityUnavailable(Unavailable):
    """The province's identity service did not answer usably; retrying later may work."""

    retry_after = RETRY_AFTER_SECONDS

    def __init__(self) -> None:
        super().__init__("身份核验服务暂时不可用，请稍后再试")


@dataclass(frozen=True)
class IdentityConfig:
    """Which provider to use, and where the province's service is."""

    provider: str = LOCAL
    url: str | None = None
    key: str = field(default="", repr=False)
    timeout: float = 5.0


def provider_for(config: IdentityConfig, *, session: Session) -> Provider:
    """Return the configured provider (the local one reads profiles through `session`)."""
    if config.provider == PROVINCE:
        if not config.url:
            raise ValueError("the province provider needs a URL")
        return ProvinceProvider(url=config.url, key=config.key, timeout=config.timeout)
    return LocalProvider(session)


def checked_person(name: str, id_number: str) -> tuple[str, str]:
    """Return the name and 身份证号 normalised, or raise InvalidInput naming the fields."""
    errors: dict[str, list[str]] = {}
    clean = normalised_name(name)
    if not clean or len(clean) > NAME_MAX:
        errors["name"] = [f"姓名不能为空，且不超过{NAME_MAX}个字"]
    try:
        number = check_id_number(id_number)
    except ValueError as exc:
        errors["id_number"] = [str(exc)]
        number = ""
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    return clean, number


def checked_uscc(uscc: str) -> str:
    """Return the 统一社会信用代码 normalised, or raise InvalidInput on the uscc field."""
    try:
        return check_uscc(uscc)
    except ValueError as exc:
        raise InvalidInput(str(exc), errors={"uscc": [str(exc)]}) from None


def normalised_name(name: str) -> str:
    """Return a name as compared: NFKC, no spaces, one kind of middle dot."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(text.split())
    return "".join("·" if char in _DOTS else char for char in text)


def find_subject(session: Session, *, kind: str, identifier: str) -> Subject | None:
    """Return the imported subject with this 身份证号 (person) or 统一社会信用代码 (enterprise)."""
    hashed = identity_hash(vault_of(session), kind=kind, identifier=identifier)
    return session.scalar(
        select(Subject).where(Subject.identity_hash == hashed, Subject.kind == kind)
    )


class LocalProvider:
    """Answers from the imported profiles (一人一档 / 一企一档): the embedded default.

    A person matches when a person profile with that 身份证号 carries that name. A legal
    representative matches when the enterprise profile carries the representative the data
    platform sent: that name, and the look-up hash of that 身份证号. An enterprise imported
    without one, and an agent's authorisation (never in a profile), need the province.
    """

    name = LOCAL

    def __init__(self, session: Session) -> None:
        self.session = session

    def verify_person(self, name: str, id_number: str) -> Verification:
        """Match the name against the person profile with this 身份证号."""
        subject = find_subject(self.session, kind=SubjectKind.PERSON, identifier=id_number)
        if subject is None or normalised_name(subject.name) != normalised_name(name):
            return Verification(False, "no profile with this name and number")
        return Verification(True, "profile matches")

    def verify_enterprise(
        self, uscc: str, relation: str, name: str, id_number: str
    ) -> Verification:
        """Match a legal representative against the enterprise profile; refuse agents.

        Any mismatch (name, number, or both) is the same Verification: the answer does not tell
        which part was wrong.
        """
        if relation == Relation.AGENT:
            raise NeedsProvince("委托代理人的授权无法在本地核验")
        subject = find_subject(self.session, kind=SubjectKind.ENTERPRISE, identifier=uscc)
        if subject is None:
            return Verification(False, "not the representative in the profile")
        if subject.representative_hash is None or subject.representative_name is None:
            raise NeedsProvince("企业档案中没有法定代表人信息，无法在本地核验")
        given = representative_hash(vault_of(self.session), id_number)
        same_number = hmac.compare_digest(given, subject.representative_hash)
        same_name = normalised_name(subject.representative_name) == normalised_name(name)
        if not (same_number and same_name):
            return Verification(False, "not the representative in the profile")
        return Verification(True, "profile matches")


class ProvinceProvider:
    """Asks the province's unified identity service: POST {url}/verify/person|enterprise."""

    name = PROVINCE

    def __init__(self, *, url: str, key: str, timeout: float) -> None:
        self.url = url.rstrip("/")
        self._key = key
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ProvinceProvider(url={self.url!r})"

    def verify_person(self, name: str, id_number: str) -> Verification:
        """Ask whether the name and 身份证号 belong together."""
        return self._ask("/verify/person", {"name": name, "id_number": id_number})

    def verify_enterprise(
        self, uscc: str, relation: str, name: str, id_number: str
    ) -> Verification:
        """Ask whether the person holds `relation` (legal_representative, agent) to the uscc."""
        body = {"uscc": uscc, "relation": relation, "name": name, "id_number": id_number}
        return self._ask("/verify/enterprise", body)

    def _ask(self, path: str, body: dict[str, str]) -> Verification:
        # Log the path and the outcome only: never a name or a number.
        try:
            answer = requests.post(
                f"{self.url}{path}",
                json=body,
                headers={"Authorization": f"Bearer {self._key}", "Accept": "application/json"},
                timeout=(self.timeout, self.timeout),
            )
        except requests.RequestException as exc:
            log.warning("identity %s failed: %s", path, type(exc).__name__)
            raise IdentityUnavailable() from None
        verdict = _verdict(answer)
        if verdict is None:
            log.warning("identity %s answered HTTP %s unusably", path, answer.status_code)
            raise IdentityUnavailable()
        log.info("identity %s match=%s", path, verdict.match)
        return verdict


def _verdict(answer: requests.Response) -> Verification | None:
    if answer.status_code != 200:
        return None
    try:
        data: Any = answer.json()
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("match"), bool):
        return None
    return Verification(data["match"], str(data.get("reason") or "")[:200])
