"""Reviewers over HTTP: the queue of their departments, every step to the payout, bulk actions."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEntry, Claim, ClaimEvent, OutboxMessage, PolicyItem
from models.clock import SHANGHAI, workday_deadline
from services import claims
from tests import factories
from tests.claim_factories import DEPARTMENT, PDF, claim_world, ready_claim, upload

API = "/api/v1/admin/claims"


def _reviewer(
    session: Session, client: FlaskClient, name: str = "reviewer-rs", dept: str = DEPARTMENT
):  # type: ignore[no-untyped-def]
    factories.staff(session, name, f"reviewer:{dept}")
    return factories.login(client, name)


def _messages(session: Session, claim_id: int) -> list[OutboxMessage]:
    session.rollback()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.claim_id == claim_id)
            .order_by(OutboxMessage.id)
        )
    )


def _audits(session: Session, claim_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "claims", AuditEntry.object_id == str(claim_id))
            .order_by(AuditEntry.id)
        )
    )


def test_every_step_to_the_payout_writes_its_event_message_and_audit_entry(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    staff = _reviewer(session, client)
    claim = ready_claim(client, world)
    path = f"{API}/{claim['id']}"

    reviewing = client.post(f"{path}/review", headers=staff)
    approved = client.post(f"{path}/approve", json={"approved_fen": 800_000}, headers=staff)
    too_much = client.post(
        f"{path}/pay", json={"paid_fen": 900_000, "payment_ref": "ZF-1"}, headers=staff
    )
    paid = client.post(
        f"{path}/pay", json={"paid_fen": 800_000, "payment_ref": "ZF-20261127-1"}, headers=staff
    )
    paid_again = client.post(
        f"{path}/pay", json={"paid_fen": 1, "payment_ref": "ZF-2"}, headers=staff
    )

    assert reviewing.status_code == 200 and reviewing.json["status"] == "reviewing"
    assert approved.status_code == 200 and approved.json["approved_fen"] == 800_000
    assert too_much.status_code == 422 and "paid_fen" in too_much.json["errors"]
    assert paid.status_code == 200 and paid.json["status"] == "paid"
    assert paid.json["paid_fen"] == 800_000 and paid.json["payment_ref"] == "ZF-20261127-1"
    assert paid_again.status_code == 409

    messages = _messages(session, claim["id"])
    events = session.scalars(
        select(ClaimEvent).where(ClaimEvent.claim_id == claim["id"]).order_by(ClaimEvent.id)
    ).all()
    assert [(e.from_status, e.to_status, e.actor_kind) for e in events] == [
        (None, "submitted", "resident"),
        ("submitted", "reviewing", "staff"),
        ("reviewing", "approved", "staff"),
        ("approved", "paid", "staff"),
    ]
    assert [m.topic for m in messages] == ["claim_status"] * 3 + ["payout_done"]
    assert [m.dedupe_key for m in messages] == [
        f"claim:{claim['id']}:{e.to_status}:{e.id}" for e in events
    ]
    payout = messages[-1]
    assert payout.data["item_name"] == "一次性创业补贴" and payout.data["amount_fen"] == 800_000
    assert payout.data["paid_at"].startswith(paid.json["paid_at"][:4])
    assert payout.page == f"pages/claim/claim?id={claim['id']}&from=push"
    assert all(m.subject_id == world.subjects[0] for m in messages)

    entries = _audits(session, claim["id"])
    assert [e.action for e in entries] == ["claim.review", "claim.approve", "claim.pay"]
    assert [(e.before["status"], e.after["status"]) for e in entries] == [
        ("submitted", "reviewing"),
        ("reviewing", "approved"),
        ("approved", "paid"),
    ]
    assert (
        entries[1].after["approved_fen"] == 800_000 and entries[0].actor_name == "reviewer-rs同志"
    )
    assert "form" not in entries[0].after

    detail = client.get(path, headers=staff).json
    assert [e["to_status"] for e in detail["timeline"]] == [
        "submitted",
        "reviewing",
        "approved",
        "paid",
    ]
    assert detail["timeline"][1]["actor_id"] is not None


def test_reject_and_return_tell_the_reason(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database)
    staff = _reviewer(session, client)
    first, second = ready_claim(client, world, 0), ready_claim(client, world, 1)

    no_reason = client.post(f"{API}/{first['id']}/reject", json={}, headers=staff)
    rejected = client.post(
        f"{API}/{first['id']}/reject", json={"reason": "非首次创业"}, headers=staff
    )
    returned = client.post(
        f"{API}/{second['id']}/return", json={"reason": "请补充执照"}, headers=staff
    )
    approve_rejected = client.post(f"{API}/{first['id']}/approve", headers=staff)

    assert no_reason.status_code == 422
    assert rejected.status_code == 200 and rejected.json["reason"] == "非首次创业"
    assert rejected.json["decided_at"] is not None
    assert returned.status_code == 200 and returned.json["status"] == "returned"
    assert approve_rejected.status_code == 409
    for claim, status, reason in (
        (first, "rejected", "非首次创业"),
        (second, "returned", "请补充执照"),
    ):
        last = _messages(session, claim["id"])[-1]
        assert last.data["status"] == status and last.data["reason"] == reason
        assert reason in last.body
        entry = _audits(session, claim["id"])[-1]
        assert entry.after["status"] == status and entry.after["reason"] == reason


def test_a_reviewer_of_another_department_gets_404_and_a_publisher_403(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    claim = ready_claim(client, world)
    other = _reviewer(session, client, "reviewer-mz", "LC-MZ")
    factories.staff(session, "publisher-rs", f"publisher:{DEPARTMENT}")
    publisher = factories.login(client, "publisher-rs")
    material = claim["materials"][0]["id"]
    path = f"{API}/{claim['id']}"

    for method, url, body in (
        ("get", path, None),
        ("get", f"{path}/materials/{material}", None),
        ("post", f"{path}/review", {}),
        ("post", f"{path}/approve", {}),
        ("post", f"{path}/reject", {"reason": "不予受理"}),
        ("post", f"{path}/return", {"reason": "补正"}),
        ("post", f"{path}/pay", {"paid_fen": 1, "payment_ref": "x"}),
    ):
        assert getattr(client, method)(url, json=body, headers=other).status_code == 404, url
        assert getattr(client, method)(url, json=body, headers=publisher).status_code == 403, url
    assert client.get(API, headers=other).json == []
    rs = factories.department(session, DEPARTMENT).id
    asked = client.get(f"{API}?department_id={rs}", headers=other)
    assert asked.status_code == 200 and asked.json == []  # a list never shows another's claims
    bulk = client.post(
        f"{API}/bulk", json={"ids": [claim["id"]], "action": "review"}, headers=other
    )
    assert bulk.json["results"] == [
        {"id": claim["id"], "ok": False, "status": None, "code": 404, "message": "申请不存在"}
    ]
    session.rollback()
    assert session.get(Claim, claim["id"]).status == "submitted"  # type: ignore[union-attr]


def test_the_queue_shows_days_waiting_and_flags_claims_past_their_working_days(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=3)
    staff = _reviewer(session, client)
    late, within, fresh = (ready_claim(client, world, i) for i in range(3))
    # The item promises 20 working days. 45 calendar days hold more than 20 of them whatever
    # the holidays; 24 hold at most 18 weekdays and 2 make-up days, so their time has not run
    # out (as calendar days it had).
    for claim, days in ((late, 45), (within, 24)):
        row = session.get(Claim, claim["id"])
        row.submitted_at -= timedelta(days=days)  # type: ignore[union-attr]
        row.due_at = workday_deadline(row.submitted_at, 20)  # type: ignore[union-attr]
    session.commit()

    queue = client.get(API, headers=staff)
    overdue = client.get(f"{API}?overdue=true", headers=staff)
    on_time = client.get(f"{API}?overdue=false", headers=staff)
    waiting_long = client.get(f"{API}?min_days=10", headers=staff)
    reviewing = client.get(f"{API}?status=reviewing", headers=staff)
    by_due = client.get(f"{API}?order=due", headers=staff)
    bad_order = client.get(f"{API}?order=newest", headers=staff)

    ids = [late["id"], within["id"], fresh["id"]]
    assert [c["id"] for c in queue.json] == ids  # longest waiting first
    first, second, third = queue.json
    assert first["waiting_days"] == 45 and first["promised_days"] == 20 and first["overdue"] is True
    assert first["subject_name"].count("*") >= 1 and first["item_code"] == "LC-RS-2025-02-01"
    assert second["waiting_days"] == 24 and second["overdue"] is False
    assert third["overdue"] is False and third["waiting_days"] == 0
    submitted = datetime.fromisoformat(fresh["submitted_at"])
    assert datetime.fromisoformat(third["due_at"]) == workday_deadline(submitted, 20)
    assert third["due_at"].endswith("T00:00:00+08:00")  # the end of a day in Shanghai
    assert [c["id"] for c in overdue.json] == [late["id"]]
    assert [c["id"] for c in on_time.json] == ids[1:]
    assert [c["id"] for c in waiting_long.json] == ids[:2]
    assert reviewing.json == []
    assert '"total": 3' in queue.headers["X-Pagination"]
    assert [c["id"] for c in by_due.json] == ids  # here the longest waiting are the soonest due
    assert bad_order.status_code == 422 and "order" in str(bad_order.json["errors"])


def test_the_queue_puts_the_soonest_due_first_when_asked(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=3)
    staff = _reviewer(session, client)
    early, late, unpromised = (ready_claim(client, world, i) for i in range(3))
    # the first submitted was promised 30 working days, the second 5: the second is due first
    first, second, third = (session.get(Claim, c["id"]) for c in (early, late, unpromised))
    first.submitted_at -= timedelta(days=2)  # type: ignore[union-attr]
    first.due_at = workday_deadline(first.submitted_at, 30)  # type: ignore[union-attr]
    second.due_at = workday_deadline(second.submitted_at, 5)  # type: ignore[union-attr]
    third.submitted_at -= timedelta(days=1)  # type: ignore[union-attr]
    third.due_at = None  # type: ignore[union-attr]
    session.commit()

    by_wait = client.get(API, headers=staff).json
    by_due = client.get(f"{API}?order=due", headers=staff).json

    assert [c["id"] for c in by_wait] == [early["id"], unpromised["id"], late["id"]]
    assert [c["id"] for c in by_due] == [late["id"], early["id"], unpromised["id"]]
    assert by_due[2]["due_at"] is None and by_due[2]["overdue"] is False


def test_materials_are_downloaded_by_staff_only_and_audited(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    staff = _reviewer(session, client)
    claim = ready_claim(client, world)
    licence = next(m for m in claim["materials"] if m["name"] == "营业执照")

    detail = client.get(f"{API}/{claim['id']}", headers=staff).json
    shown = next(m for m in detail["materials"] if m["id"] == licence["id"])
    response = client.get(shown["download_url"], headers=staff)
    resident = client.get(shown["download_url"], headers=world.headers())
    wrong_claim = client.get(f"{API}/{claim['id'] + 1}/materials/{licence['id']}", headers=staff)

    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert resident.status_code == 401 and wrong_claim.status_code == 404
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "claim_material.download"))
    assert entry is not None and entry.object_id == str(licence["id"])


def test_bulk_actions_run_each_claim_on_its_own(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=3)
    staff = _reviewer(session, client)
    claims = [ready_claim(client, world, i)["id"] for i in range(3)]
    client.post(f"{API}/{claims[2]}/reject", json={"reason": "重复申请"}, headers=staff)

    reviewed = client.post(
        f"{API}/bulk", json={"ids": [*claims, 999999], "action": "review"}, headers=staff
    )
    approved = client.post(
        f"{API}/bulk", json={"ids": claims[:2], "action": "approve"}, headers=staff
    )
    no_ref = client.post(f"{API}/bulk", json={"ids": claims[:2], "action": "pay"}, headers=staff)
    paid = client.post(
        f"{API}/bulk",
        json={"ids": claims[:2], "action": "pay", "payment_ref": "PL-1"},
        headers=staff,
    )

    assert [(r["id"], r["ok"], r["code"]) for r in reviewed.json["results"]] == [
        (claims[0], True, 200),
        (claims[1], True, 200),
        (claims[2], False, 409),
        (999999, False, 404),
    ]
    assert all(r["status"] == "approved" for r in approved.json["results"])
    assert no_ref.status_code == 422 and "payment_ref" in no_ref.json["errors"]["json"]
    assert [r["status"] for r in paid.json["results"]] == ["paid", "paid"]
    session.rollback()
    for claim_id in claims[:2]:
        row = session.get(Claim, claim_id)
        assert row.paid_fen == row.approved_fen == 1_000_000  # type: ignore[union-attr]
        assert [m.topic for m in _messages(session, claim_id)][-1] == "payout_done"


def test_the_budget_is_taken_at_approval(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=3)
    staff = _reviewer(session, client)
    item = session.get(PolicyItem, world.item_id)
    item.budget_fen = 2_500_000  # type: ignore[union-attr]
    session.commit()
    claims = [ready_claim(client, world, i)["id"] for i in range(3)]
    for claim_id in claims:
        client.post(f"{API}/{claim_id}/review", headers=staff)

    outcomes = [client.post(f"{API}/{c}/approve", headers=staff) for c in claims]
    smaller = client.post(
        f"{API}/{claims[2]}/approve", json={"approved_fen": 500_000}, headers=staff
    )

    assert [o.status_code for o in outcomes] == [200, 200, 409]
    assert "预算不足" in outcomes[2].json["message"]
    assert smaller.status_code == 200 and smaller.json["approved_fen"] == 500_000


def test_residents_download_their_own_materials_only(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=2)
    claim = ready_claim(client, world)
    licence = next(m for m in claim["materials"] if m["name"] == "营业执照")
    url = licence["download_url"]
    assert url == f"/api/v1/claims/{claim['id']}/materials/{licence['id']}"

    mine = client.get(url, headers=world.headers())
    assert mine.status_code == 200 and mine.data == PDF and mine.mimetype == "application/pdf"
    assert mine.headers["Cache-Control"] == "no-store"
    assert mine.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in mine.headers["Content-Disposition"]
    # another resident, another claim's path, a material not yet given with a claim: not found
    other = client.get(url, headers=world.headers(1))
    elsewhere = client.get(
        f"/api/v1/claims/{claim['id'] + 1}/materials/{licence['id']}", headers=world.headers()
    )
    loose = upload(client, world.headers(), "营业执照", PDF, "b.pdf").json
    unattached = client.get(
        f"/api/v1/claims/{claim['id']}/materials/{loose['id']}", headers=world.headers()
    )
    assert loose["download_url"] is None
    assert [r.status_code for r in (other, elsewhere, unattached)] == [404, 404, 404]
    assert other.json["message"] == "申请或材料不存在"


def test_deadlines_move_when_the_holiday_calendar_learns_a_year_and_promises_stay(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database)
    staff = _reviewer(session, client)
    waiting, decided = ready_claim(client, world, 0), ready_claim(client, world, 1)
    # Both were submitted on the eve of National Day 2026, promised 5 working days, while the
    # calendar did not know 2026 yet: counted Monday to Friday, they ran out on 10-08.
    before = datetime(2026, 10, 8, tzinfo=SHANGHAI)
    for claim in (waiting, decided):
        row = session.get(Claim, claim["id"])
        row.submitted_at = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)  # type: ignore[union-attr]
        row.promised_days, row.due_at = 5, before  # type: ignore[union-attr]
    session.get(Claim, decided["id"]).status = "approved"  # type: ignore[union-attr]
    session.get(PolicyItem, world.item_id).promised_days = 30  # type: ignore[union-attr]
    session.commit()

    moved = claims.refresh_due_dates(session=session)
    again = claims.refresh_due_dates(session=session)
    shown = client.get(f"{API}/{waiting['id']}", headers=staff).json
    session.expire_all()

    assert moved["due_dates_moved"] == 1 and again["due_dates_moved"] == 0
    # 10-08, 10-09, 10-10 (a make-up Saturday), 10-12, 10-13: due at the end of 10-13
    assert shown["due_at"] == "2026-10-14T00:00:00+08:00" and shown["overdue"] is True
    assert shown["promised_days"] == 5  # the promise made then, not the item's 30 of today
    assert session.get(Claim, decided["id"]).due_at == before  # type: ignore[union-attr]
