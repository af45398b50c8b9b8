"""The demo's few weeks of use: after `make run` on an empty database the console has claims in
every state (with a photo to preview), grants confirmed and paid, residents to push to and a
驾驶舱 — all made through the services, so the admin API shows them as a reviewer would see them."""

from __future__ import annotations

from collections import Counter

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.storage import storage
from models import AuditEntry, DashboardSnapshot, OutboxMessage, Subject, SubjectBinding
from notify.messages import DEFAULT_TEMPLATE_IDS
from services.demo import create_demo_staff, play_activity, seed_demo
from services.demo._showcase import load_showcase


def test_the_demo_plays_claims_grants_and_payouts_through_the_services(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:  # type: ignore[no-untyped-def]
    seed_demo(session=session, showcase=True)
    passwords = {a.username: a.password for a in create_demo_staff(session=session)}
    with app.app_context():
        counts = play_activity(
            database=database, storage=storage(), template_ids=DEFAULT_TEMPLATE_IDS
        )
    assert counts == {
        "claims": 9,
        "ratings": 2,
        "grants_confirmed": 4,
        "grants_paid": 2,
        "supplements": 1,
    }

    def login(username: str) -> dict[str, str]:
        answer = client.post(
            "/api/v1/admin/auth/login",
            json={"username": username, "password": passwords[username]},
        )
        return {"Authorization": f"Bearer {answer.json['access_token']}"}

    # The reviewer of 民政局 finds one claim to decide and one they returned (audited)
    reviewer = login("demo-reviewer")
    queue = client.get("/api/v1/admin/claims", headers=reviewer, query_string={"per_page": 50})
    states = Counter(claim["status"] for claim in queue.json)
    assert states == {"submitted": 1, "returned": 1}
    returned = next(claim for claim in queue.json if claim["status"] == "returned")
    detail = client.get(f"/api/v1/admin/claims/{returned['id']}", headers=reviewer).json
    photo = detail["materials"][0]
    assert photo["content_type"] == "image/png"
    picture = client.get(
        f"/api/v1/admin/claims/{returned['id']}/materials/{photo['id']}", headers=reviewer
    )
    assert picture.status_code == 200 and picture.data.startswith(b"\x89PNG")
    assert any("身份证照片不清晰" in (event.get("note") or "") for event in detail["timeline"])
    decided_by = session.scalars(
        select(AuditEntry.actor_name).where(AuditEntry.action.like("claim.%"))
    ).all()
    assert "演示审核员" in decided_by
    # and one resident's declared fact (补充信息) with its photo, waiting for them
    (declared,) = client.get("/api/v1/admin/supplements", headers=reviewer).json
    assert declared["status"] == "pending" and declared["item_name"]

    # The admin sees the 人社局 ones too, and grants confirmed and paid
    admin = login("demo-admin")
    every = client.get("/api/v1/admin/claims", headers=admin, query_string={"per_page": 50})
    assert len(every.json) == 9
    assert Counter(c["status"] for c in every.json) == {
        "submitted": 4,
        "reviewing": 1,
        "returned": 1,
        "approved": 1,
        "rejected": 1,
        "paid": 1,
    }
    grants = client.get("/api/v1/admin/grants", headers=admin, query_string={"status": "paid"}).json
    assert len(grants) == 2
    board = client.get("/api/v1/admin/dashboard", headers=admin).json
    assert board["built_at"] is not None and board["matched_subjects"] > 0
    assert {s["stage"]: s["count"] for s in board["funnel"]}["paid"] == 1
    assert sum(month["paid_fen"] for month in board["paid_by_month"]) > 0
    assert board["ratings"]["count"] == 2 and board["supplements"] == {"pending": 1}

    # Residents were told (claim status messages queued for their WeChat), and the showcase
    # identities are left for the newcomer to bind
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) > 0
    assert session.scalar(select(func.count()).select_from(DashboardSnapshot)) == 1
    showcase = {entry["name"] for entry in load_showcase()["person"]}
    bound = set(
        session.scalars(
            select(Subject.name).join(SubjectBinding, SubjectBinding.subject_id == Subject.id)
        )
    )
    assert len(bound) >= 12 and not (bound & showcase)  # 9 claimants, 4 grantees (names repeat)
