"""一键办理 over HTTP: submit once per key, eligibility and materials checked, follow, withdraw."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Claim, ClaimMaterial, OutboxMessage, PolicyItem
from models.clock import utcnow, workday_deadline
from tests import factories
from tests.claim_factories import (
    DEPARTMENT,
    JPEG,
    MATERIALS,
    PDF,
    PNG,
    claim_world,
    item_id,
    ready_claim,
    submit,
    upload,
    upload_all,
)

API = "/api/v1/claims"


def _claims(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Claim)) or 0


def test_a_claim_is_prefilled_from_the_profile_and_told_to_the_resident(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database)
    claim = ready_claim(client, world)

    assert claim["status"] == "submitted" and claim["status_text"] == "已提交"
    assert claim["claim_no"].startswith("KX") and len(claim["claim_no"]) <= 32
    assert claim["item_name"] == "一次性创业补贴" and claim["expected_fen"] == 1_000_000
    form = claim["form"]
    assert "*" in form["applicant"]["name"] and form["applicant"]["kind"] == "person"
    assert form["applicant"]["district_code"]
    facts = {fact["fact"]: fact for fact in form["facts"]}
    assert facts["hukou_district"]["label"] == "户籍"
    assert facts["disability_level"]["value"] in ("***", None)  # sensitive: never shown
    assert "fingerprint" not in form
    assert sorted(m["name"] for m in claim["materials"]) == sorted(m[0] for m in MATERIALS)
    assert [(e["from_status"], e["to_status"]) for e in claim["timeline"]] == [(None, "submitted")]

    message = session.scalar(select(OutboxMessage).where(OutboxMessage.claim_id == claim["id"]))
    assert message is not None and message.topic == "claim_status"
    event_id = session.get(Claim, claim["id"]).events[0].id  # type: ignore[union-attr]
    assert message.dedupe_key == f"claim:{claim['id']}:submitted:{event_id}"
    assert message.data == {
        "claim_no": claim["claim_no"],
        "item_name": "一次性创业补贴",
        "status": "submitted",
        "reason": None,
    }
    assert message.page == f"pages/claim/claim?id={claim['id']}&from=push"
    assert message.subject_id == world.subjects[0]

    shown = client.get(f"{API}/{claim['id']}", headers=world.headers())
    assert shown.status_code == 200 and shown.json["form"] == form


def test_a_double_tap_with_the_same_key_makes_one_claim(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database)
    head = world.headers()
    body = {
        "item_id": world.item_id,
        "subject_id": world.subjects[0],
        "material_ids": upload_all(client, head),
        "form": {"联系电话": "13800001234"},
    }
    first = submit(client, head, body, "double-tap-0001")
    again = submit(client, head, body, "double-tap-0001")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"]
    assert again.json["form"]["answers"] == {"联系电话": "138****1234"}  # sealed, shown masked
    assert _claims(session) == 1

    changed = submit(client, head, {**body, "form": {"联系电话": "13900001234"}}, "double-tap-0001")
    assert changed.status_code == 409
    assert "Idempotency-Key" in changed.json["errors"]

    other_key = submit(client, head, body, "double-tap-0002")
    assert other_key.status_code == 409  # the subject already holds an active claim on the item
    assert _claims(session) == 1


def test_the_idempotency_key_is_required_and_checked(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    body = {"item_id": world.item_id, "subject_id": world.subjects[0]}

    missing = client.post(API, json=body, headers=world.headers())
    short = submit(client, world.headers(), body, "short")
    odd = submit(client, world.headers(), body, "spaces are not allowed")

    assert missing.status_code == short.status_code == odd.status_code == 422
    assert "Idempotency-Key" in missing.json["errors"]["headers"]
    assert _claims(session) == 0


def test_a_subject_that_does_not_qualify_is_refused_with_the_reasons(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    body = {
        "item_id": world.item_id,
        "subject_id": world.other_subject,
        "material_ids": upload_all(client, world.headers()),
    }

    response = submit(client, world.headers(), body)

    assert response.status_code == 422
    assert response.json["message"].startswith("暂不符合申请条件")
    reasons = response.json["errors"]["eligibility"]
    assert reasons and all(r.startswith(("不符合", "待补充", "以下条件")) for r in reasons)
    assert _claims(session) == 0


def test_items_that_cannot_be_claimed_online_are_refused(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    head, subject = world.headers(), world.subjects[0]
    auto_grant = item_id(session, "LC-MZ-2025-01-01")
    guide = item_id(session, "LC-RS-2025-02-03")
    enterprise_item = item_id(session, "LC-RS-2025-02-02")

    for item, words in ((auto_grant, "免申即享"), (guide, "办理指引"), (enterprise_item, "企业")):
        response = submit(client, head, {"item_id": item, "subject_id": subject}, f"k-item-{item}")
        assert response.status_code == 422 and words in response.json["message"]
    assert submit(client, head, {"item_id": 999999, "subject_id": subject}).status_code == 404

    row = session.get(PolicyItem, world.item_id)
    row.apply_until = utcnow() - timedelta(days=1)  # type: ignore[union-attr]
    session.commit()
    closed = submit(client, head, {"item_id": world.item_id, "subject_id": subject}, "k-closed-1")
    assert closed.status_code == 422 and closed.json["message"] == "申请已截止"
    assert _claims(session) == 0


def test_missing_required_materials_are_named(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    head = world.headers()
    licence = upload(client, head, "营业执照", PDF, "执照.pdf").json["id"]
    body = {"item_id": world.item_id, "subject_id": world.subjects[0], "material_ids": [licence]}

    response = submit(client, head, body)

    assert response.status_code == 422
    assert response.json["errors"]["material_ids"] == [
        "缺少材料：经营场所照片",
        "缺少材料：本人银行卡或社会保障卡",
    ]
    assert _claims(session) == 0
    assert session.get(ClaimMaterial, licence).claim_id is None  # type: ignore[union-attr]


def test_a_material_is_named_with_the_extension_of_what_its_bytes_are(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    """A JPEG whose name says HTML (a polyglot) is kept, and given back, as a .jpg."""
    world = claim_world(app, session, database, residents=1)
    head = world.headers()
    named = {
        "poly.html": "poly.jpg",
        "门头.JPEG": "门头.jpeg",
        "../../etc/照片.jpg": "照片.jpg",
        "noextension": "noextension.jpg",
        ".html": "file.jpg",
        "a.b.svg": "a.b.jpg",
    }
    for sent, kept in named.items():
        response = upload(client, head, "经营场所照片", JPEG, sent)
        assert response.status_code == 201, response.json
        assert response.json["filename"] == kept
        session.rollback()  # a new read: the upload committed after this session's last one
        assert session.get(ClaimMaterial, response.json["id"]).filename == kept
    claim = ready_claim(client, world)
    photo = next(m for m in claim["materials"] if m["name"] == "经营场所照片")
    # a material kept before names were made to match is still downloaded under a matching name
    session.rollback()
    session.get(ClaimMaterial, photo["id"]).filename = "旧.html"
    session.commit()
    download = client.get(photo["download_url"], headers=head)
    assert download.status_code == 200 and download.mimetype == "image/jpeg"
    assert "filename*=UTF-8''%E6%97%A7.jpg" in download.headers["Content-Disposition"]
    assert ".html" not in download.headers["Content-Disposition"]


def test_materials_are_checked_by_content_and_size(
    app: Flask, client: FlaskClient, session: Session, database, settings
) -> None:
    world = claim_world(app, session, database, residents=1)
    head = world.headers()

    exe = upload(client, head, "营业执照", b"MZ\x90\x00" + b"\x00" * 100, "执照.pdf")
    html = upload(client, head, "营业执照", b"<html><script></script></html>", "a.png")
    empty = upload(client, head, "营业执照", b"", "a.pdf")
    big = upload(client, head, "营业执照", PDF + b"0" * (10 * 1024 * 1024), "big.pdf")
    disguised = upload(client, head, "营业执照", PNG, "执照.pdf")  # a PNG whatever its name

    assert exe.status_code == html.status_code == empty.status_code == 422
    assert "file" in exe.json["errors"]
    assert big.status_code == 413
    assert disguised.status_code == 201 and disguised.json["content_type"] == "image/png"
    stored = session.get(ClaimMaterial, disguised.json["id"])
    assert stored is not None and stored.size == len(PNG) and len(stored.sha256) == 64
    uploads = settings.instance_dir / "uploads"
    assert [p.read_bytes() for p in uploads.rglob("*") if p.is_file()] == [PNG]

    # 经营场所照片 takes jpg or png only: a PDF of it is refused when the claim names it
    photo_as_pdf = upload(client, head, "经营场所照片", PDF, "门头.pdf").json["id"]
    card = upload(client, head, "本人银行卡或社会保障卡", JPEG, "卡.jpg").json["id"]
    body = {
        "item_id": world.item_id,
        "subject_id": world.subjects[0],
        "material_ids": [disguised.json["id"], photo_as_pdf, card],
    }
    refused = submit(client, head, body)
    assert refused.status_code == 422
    assert refused.json["errors"]["material_ids"] == ["「经营场所照片」应为 jpg、png 文件"]


def test_another_users_claim_is_not_found_on_every_endpoint(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database)
    claim = ready_claim(client, world, 0)
    stranger = world.headers(1)
    path = f"{API}/{claim['id']}"

    assert client.get(path, headers=stranger).status_code == 404
    assert client.post(f"{path}/withdraw", json={}, headers=stranger).status_code == 404
    assert client.post(f"{path}/resubmit", json={}, headers=stranger).status_code == 404
    sneaked = upload(client, stranger, "营业执照", PDF, "a.pdf", claim_id=claim["id"])
    assert sneaked.status_code == 404
    assert client.get(API, headers=stranger).json == []
    body = {"item_id": world.item_id, "subject_id": world.subjects[0]}
    assert submit(client, stranger, body, "stranger-key-1").status_code == 404
    assert client.get(path, headers=world.headers(0)).status_code == 200


def test_a_claim_may_be_withdrawn_only_until_its_review_ends(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database)
    factories.staff(session, "reviewer-rs", f"reviewer:{DEPARTMENT}")
    staff = factories.login(client, "reviewer-rs")
    submitted = ready_claim(client, world, 0)
    approved = ready_claim(client, world, 1)
    for step in ("review", "approve"):
        url = f"/api/v1/admin/claims/{approved['id']}/{step}"
        assert client.post(url, json={}, headers=staff).status_code == 200

    withdrawn = client.post(
        f"{API}/{submitted['id']}/withdraw",
        json={"reason": "已到窗口办理"},
        headers=world.headers(0),
    )
    refused = client.post(f"{API}/{approved['id']}/withdraw", headers=world.headers(1))
    twice = client.post(f"{API}/{submitted['id']}/withdraw", headers=world.headers(0))

    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
    assert withdrawn.json["timeline"][-1]["note"] == "已到窗口办理"
    assert refused.status_code == 409 and twice.status_code == 409
    assert refused.json["message"] == "申请当前为「已通过」，不能撤回"
    kinds = session.scalars(
        select(OutboxMessage.data).where(OutboxMessage.claim_id == submitted["id"])
    ).all()
    assert [d["status"] for d in kinds] == ["submitted", "withdrawn"]
    again = ready_claim(client, world, 0, key="after-withdrawal-1")  # a withdrawn claim frees it
    assert again["id"] != submitted["id"]


def test_a_returned_claim_is_completed_and_submitted_again(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    factories.staff(session, "reviewer-rs", f"reviewer:{DEPARTMENT}")
    staff = factories.login(client, "reviewer-rs")
    claim = ready_claim(client, world)
    head = world.headers()
    path = f"{API}/{claim['id']}"

    early = client.post(f"{path}/resubmit", json={}, headers=head)
    returned = client.post(
        f"/api/v1/admin/claims/{claim['id']}/return",
        json={"reason": "门头照片不清晰"},
        headers=staff,
    )
    late_file = upload(client, head, "经营场所照片", PNG, "新门头.png", claim_id=claim["id"])
    stray = upload(client, head, "身份证", PNG, "x.png", claim_id=claim["id"])
    spare = upload(client, head, "经营场所照片", JPEG, "另一张.jpg").json["id"]
    row = session.get(Claim, claim["id"])  # submitted a month ago: its promised days ran out
    row.submitted_at -= timedelta(days=30)  # type: ignore[union-attr]
    row.due_at -= timedelta(days=30)  # type: ignore[union-attr,operator]
    session.commit()
    again = client.post(
        f"{path}/resubmit", json={"material_ids": [spare], "form": {"备注": "已重拍"}}, headers=head
    )

    assert early.status_code == 409
    assert returned.status_code == 200 and returned.json["reason"] == "门头照片不清晰"
    assert late_file.status_code == 201 and late_file.json["claim_id"] == claim["id"]
    assert stray.status_code == 422
    assert again.status_code == 200 and again.json["status"] == "submitted"
    assert again.json["form"]["answers"] == {"备注": "已重拍"}
    # the promised 20 working days count again from the complete submission
    resubmitted = datetime.fromisoformat(again.json["submitted_at"])
    assert resubmitted >= datetime.fromisoformat(claim["submitted_at"])
    assert datetime.fromisoformat(again.json["due_at"]) == workday_deadline(resubmitted, 20)
    assert len(again.json["materials"]) == 5
    steps = [(e["from_status"], e["to_status"]) for e in again.json["timeline"]]
    assert steps == [(None, "submitted"), ("submitted", "returned"), ("returned", "submitted")]
    messages = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.claim_id == claim["id"])
        .order_by(OutboxMessage.id)
    ).all()
    assert [m.data["status"] for m in messages] == ["submitted", "returned", "submitted"]
    assert messages[1].data["reason"] == "门头照片不清晰"
    assert len({m.dedupe_key for m in messages}) == 3


def test_my_claims_are_listed_newest_first_with_filters(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    head = world.headers()
    first = ready_claim(client, world)
    client.post(f"{API}/{first['id']}/withdraw", headers=head)
    second = ready_claim(client, world, key="second-claim-01")

    everything = client.get(API, headers=head)
    withdrawn = client.get(f"{API}?status=withdrawn", headers=head)
    paged = client.get(f"{API}?page=2&page_size=1", headers=head)
    bad = client.get(f"{API}?status=lost", headers=head)
    far = client.get(f"{API}?page={2**63}", headers=head)

    assert [c["id"] for c in everything.json] == [second["id"], first["id"]]
    assert [c["id"] for c in withdrawn.json] == [first["id"]]
    assert [c["id"] for c in paged.json] == [first["id"]]
    assert '"total": 2' in paged.headers["X-Pagination"]
    assert bad.status_code == 422
    assert far.status_code == 200 and far.json == []


def test_the_item_page_says_a_claim_is_in_progress_so_one_tap_is_not_offered_again(  # type: ignore[no-untyped-def]
    app, client, session, database
) -> None:
    world = claim_world(app, session, database, residents=2)
    claim = ready_claim(client, world, index=0)
    mine = client.get(f"/api/v1/items/{world.item_id}", headers=world.headers(0)).json["mine"]
    standing = next(s for s in mine if s["subject_id"] == world.subjects[0])
    assert standing["claim"] == {"id": claim["id"], "status": "submitted"}
    theirs = client.get(f"/api/v1/items/{world.item_id}", headers=world.headers(1)).json["mine"]
    assert [s["claim"] for s in theirs if s["subject_id"] == world.subjects[1]] == [None]


def test_an_ended_claim_is_rated_once_and_the_dashboard_counts_it(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=2)
    factories.staff(session, "reviewer-rate", f"reviewer:{DEPARTMENT}")
    staff = factories.login(client, "reviewer-rate")
    open_claim, ended = ready_claim(client, world, 0), ready_claim(client, world, 1)
    assert open_claim["can_rate"] is False and open_claim["rating"] is None
    early = client.post(
        f"{API}/{open_claim['id']}/rating", json={"score": 5}, headers=world.headers(0)
    )
    assert early.status_code == 409 and early.json["message"] == "办理结束后才能评价"

    pay = {"payment_ref": "PAY-RATE-1", "paid_fen": ended["expected_fen"] or 0}
    for step, body in (("review", {}), ("approve", {}), ("pay", pay)):
        answer = client.post(f"/api/v1/admin/claims/{ended['id']}/{step}", json=body, headers=staff)
        assert answer.status_code == 200, answer.json
    paid = client.get(f"{API}/{ended['id']}", headers=world.headers(1)).json
    assert paid["status"] == "paid" and paid["can_rate"] is True
    out_of_range = client.post(
        f"{API}/{ended['id']}/rating", json={"score": 6}, headers=world.headers(1)
    )
    assert out_of_range.status_code == 422 and "score" in out_of_range.json["errors"]["json"]
    theirs = client.post(f"{API}/{ended['id']}/rating", json={"score": 1}, headers=world.headers(0))
    assert theirs.status_code == 404
    rated = client.post(
        f"{API}/{ended['id']}/rating",
        json={"score": 4, "comment": "到账很快"},
        headers=world.headers(1),
    )
    assert rated.status_code == 200, rated.json
    assert rated.json["rating"]["score"] == 4 and rated.json["rating"]["comment"] == "到账很快"
    assert rated.json["can_rate"] is False
    twice = client.post(f"{API}/{ended['id']}/rating", json={"score": 1}, headers=world.headers(1))
    assert twice.status_code == 409

    dashboard = client.get("/api/v1/admin/dashboard", headers=staff)
    assert dashboard.status_code == 200, dashboard.json
    ratings = dashboard.json["ratings"]
    assert ratings["count"] == 1 and ratings["satisfied_permille"] == 1000
    assert {row["score"]: row["count"] for row in ratings["by_score"]} == {
        5: 0,
        4: 1,
        3: 0,
        2: 0,
        1: 0,
    }
