"""A small world for resident API tests: demo policies matched over demo residents, WeChat users
bound to some of them, and the header a logged-in resident sends."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.resident_auth import issue_resident_token
from models import (
    Database,
    ResidentConsent,
    Subject,
    SubjectBinding,
    SubjectMatches,
    WeChatUser,
)
from rules.eligibility import Eligibility
from services import matching
from services.demo import seed_demo
from services.matching import ENDED, unpack
from services.residents import CONSENT_TEXTS

ELIGIBLE, UNKNOWN = Eligibility.ELIGIBLE, Eligibility.UNKNOWN


def demo_world(session: Session, database: Database, persons: int = 80, enterprises: int = 12):  # type: ignore[no-untyped-def]
    """Seed the demo (policies, items, residents, enterprises) and match everything."""
    counts = seed_demo(session=session, persons=persons, enterprises=enterprises)
    session.commit()
    matching.process_changes(database)
    session.expire_all()
    return counts


def wechat_user(
    session: Session,
    openid: str,
    appid: str = "wx0000000000000000",
    consents: tuple[str, ...] = (),
) -> WeChatUser:
    """Create a WeChat user (as a first login would), having agreed to the current texts of
    `consents` (id_number, bank_card: what the mini-program asks before collecting them)."""
    user = WeChatUser(appid=appid, openid=openid)
    session.add(user)
    session.flush()
    for purpose in consents:
        version = CONSENT_TEXTS[purpose]["version"]
        session.add(ResidentConsent(wechat_user_id=user.id, purpose=purpose, version=version))
    session.commit()
    return user


def bind(session: Session, user: WeChatUser, subject_id: int, relation: str = "self") -> None:
    """Let `user` act for the subject (as a verified binding would)."""
    session.add(
        SubjectBinding(
            wechat_user_id=user.id, subject_id=subject_id, relation=relation, verified_by="test"
        )
    )
    session.commit()


def headers(app: Flask, user: WeChatUser) -> dict[str, str]:
    """Return the Authorization header of this user logged in."""
    with app.test_request_context():
        return {"Authorization": f"Bearer {issue_resident_token(user)}"}


def subjects_with(session: Session, kind: str = "person", verdict: int = ELIGIBLE) -> list[int]:
    """Return subjects of `kind` having at least one live match with this verdict."""
    found = []
    rows = session.execute(
        select(SubjectMatches.subject_id, SubjectMatches.entries)
        .join(Subject, Subject.id == SubjectMatches.subject_id)
        .where(Subject.kind == kind)
        .order_by(SubjectMatches.subject_id)
    )
    for subject_id, entries in rows:
        if any(
            int(e["verdict"]) == verdict and not int(e["flags"]) & ENDED for e in unpack(entries)
        ):
            found.append(subject_id)
    return found
