"""Builders for the claim and grant tests: the demo world, eligible subjects, files, a ready claim.

The demo's 一次性创业补贴 (LC-RS-2025-02-01, 人社局, one_tap, 10,000 元, promised 20 days) asks
for three materials: 营业执照 (jpg, png, pdf), 经营场所照片 and 本人银行卡或社会保障卡 (jpg, png).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Database, PolicyItem, Subject, WeChatUser
from services.matching import compiled_versions, today_local
from tests.resident_factories import bind, demo_world, headers, wechat_user

ITEM = "LC-RS-2025-02-01"
DEPARTMENT = "LC-RS"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
MATERIALS = (("营业执照", PDF, "执照.pdf"), ("经营场所照片", JPEG, "门头.jpg"))
MATERIALS += (("本人银行卡或社会保障卡", PNG, "银行卡.png"),)


@dataclass
class ClaimWorld:
    """The demo matched, the item under test, and residents bound to eligible subjects."""

    app: Flask
    item_id: int
    subjects: list[int]  # eligible for the item, each bound to users[i]
    users: list[WeChatUser]
    other_subject: int  # not eligible for the item, bound to users[0]

    def headers(self, index: int = 0) -> dict[str, str]:
        """Return the Authorization header of users[index]."""
        return headers(self.app, self.users[index])


def item_id(session: Session, code: str = ITEM) -> int:
    """Return the id of the demo item with this code."""
    return session.scalar(select(PolicyItem.id).where(PolicyItem.code == code))  # type: ignore[return-value]


def eligible_now(session: Session, item: int, count: int) -> list[int]:
    """Return `count` subjects eligible for the item today, cloning eligible ones when too few."""
    row = session.get(PolicyItem, item)
    rules = compiled_versions(session, {row.current_version_id: row.subject_type})[  # type: ignore[union-attr]
        row.current_version_id  # type: ignore[union-attr]
    ]
    subjects = session.scalars(
        select(Subject).where(Subject.kind == row.subject_type).order_by(Subject.id)  # type: ignore[union-attr]
    ).all()
    found = [s for s in subjects if rules.verdict(s.facts or {}, today_local()).word == "eligible"]
    assert found, f"no subject of the demo is eligible for item {item}"
    ids = [s.id for s in found[:count]]
    while len(ids) < count:
        model = found[len(ids) % len(found)]
        clone = Subject(
            kind=model.kind,
            identity_hash=os.urandom(32),
            name=f"测试{len(ids)}号",
            district_code=model.district_code,
            facts=dict(model.facts),
        )
        session.add(clone)
        session.commit()
        ids.append(clone.id)
    session.commit()
    return ids


def ineligible(session: Session, item: int) -> int:
    """Return a subject of the item's kind that is not eligible for it today."""
    row = session.get(PolicyItem, item)
    rules = compiled_versions(session, {row.current_version_id: row.subject_type})[  # type: ignore[union-attr]
        row.current_version_id  # type: ignore[union-attr]
    ]
    for subject in session.scalars(
        select(Subject).where(Subject.kind == row.subject_type).order_by(Subject.id)  # type: ignore[union-attr]
    ):
        if rules.verdict(subject.facts or {}, today_local()).word == "ineligible":
            session.commit()
            return subject.id
    raise AssertionError("every subject is eligible")


def claim_world(
    app: Flask, session: Session, database: Database, *, residents: int = 2, code: str = ITEM
) -> ClaimWorld:
    """Seed and match the demo; bind `residents` users each to one eligible subject."""
    demo_world(session, database)
    item = item_id(session, code)
    subjects = eligible_now(session, item, residents)
    users = [wechat_user(session, f"openid-claims-{i}") for i in range(residents)]
    for user, subject in zip(users, subjects, strict=True):
        bind(session, user, subject)
    other = ineligible(session, item)
    bind(session, users[0], other)
    return ClaimWorld(app, item, subjects, users, other)


def upload(
    client: FlaskClient,
    head: dict[str, str],
    name: str,
    data: bytes,
    filename: str,
    claim_id: int | None = None,
) -> Any:
    """Upload one material; return the response."""
    import io

    form: dict[str, Any] = {"name": name, "file": (io.BytesIO(data), filename)}
    if claim_id is not None:
        form["claim_id"] = str(claim_id)
    return client.post(
        "/api/v1/claims/materials", data=form, headers=head, content_type="multipart/form-data"
    )


def upload_all(
    client: FlaskClient, head: dict[str, str], materials: tuple = MATERIALS
) -> list[int]:
    """Upload the materials; return their ids."""
    ids = []
    for name, data, filename in materials:
        response = upload(client, head, name, data, filename)
        assert response.status_code == 201, response.json
        ids.append(response.json["id"])
    return ids


def submit(
    client: FlaskClient,
    head: dict[str, str],
    body: dict[str, Any],
    key: str = "claim-key-0001",
) -> Any:
    """POST /claims with an Idempotency-Key."""
    return client.post("/api/v1/claims", json=body, headers={**head, "Idempotency-Key": key})


def ready_claim(client: FlaskClient, world: ClaimWorld, index: int = 0, key: str | None = None):  # type: ignore[no-untyped-def]
    """Upload the materials and submit a claim for subjects[index]; return the claim JSON."""
    head = world.headers(index)
    body = {
        "item_id": world.item_id,
        "subject_id": world.subjects[index],
        "material_ids": upload_all(client, head),
    }
    response = submit(client, head, body, key or f"ready-claim-{index:04d}")
    assert response.status_code == 201, response.json
    return response.json
