"""Claims under concurrency, on SQLite and MariaDB: each thread has its own test client (its own
request, session and connection), and all of them start together at a barrier."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Claim, ClaimEvent, ClaimStatus, OutboxMessage, PolicyItem
from tests import factories
from tests.claim_factories import DEPARTMENT, claim_world, ready_claim, submit, upload_all

ADMIN = "/api/v1/admin/claims"


def _together(app: Flask, calls: list[Callable[[FlaskClient], Any]]) -> list[Any]:
    """Run each call in its own thread with its own test client, released at once."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        client = app.test_client()
        barrier.wait()
        try:
            results[index] = calls[index](client)
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_threads_with_the_same_key_make_one_claim(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    head = world.headers()
    body = {
        "item_id": world.item_id,
        "subject_id": world.subjects[0],
        "material_ids": upload_all(client, head),
    }

    answers = _together(app, [lambda c: submit(c, head, body, "same-key-20-threads")] * 20)

    assert all(not isinstance(a, Exception) for a in answers), answers
    assert Counter(a.status_code for a in answers) == {201: 1, 200: 19}
    assert len({a.json["id"] for a in answers}) == 1
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Claim)) == 1
    assert session.scalar(select(func.count()).select_from(ClaimEvent)) == 1
    messages = select(func.count()).where(OutboxMessage.topic == "claim_status")
    assert session.scalar(messages) == 1


def test_twenty_threads_with_different_keys_leave_one_active_claim(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    head = world.headers()
    ids = upload_all(client, head)
    body = {"item_id": world.item_id, "subject_id": world.subjects[0], "material_ids": ids}
    calls = [lambda c, i=i: submit(c, head, {**body}, f"different-key-{i:03d}") for i in range(20)]

    answers = _together(app, calls)

    assert all(not isinstance(a, Exception) for a in answers), answers
    assert Counter(a.status_code for a in answers) == {201: 1, 409: 19}  # the others find it
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Claim)) == 1


@pytest.mark.parametrize(
    ("cap", "value", "allowed"),
    [("max_grants", 2, 2), ("budget_fen", 3_500_000, 3)],
    ids=["max_grants", "budget"],
)
def test_concurrent_approvals_never_exceed_the_items_cap(
    app: Flask,
    client: FlaskClient,
    session: Session,
    database,
    cap: str,
    value: int,
    allowed: int,
) -> None:
    world = claim_world(app, session, database, residents=6)
    factories.staff(session, "reviewer-rs", f"reviewer:{DEPARTMENT}")
    staff = factories.login(client, "reviewer-rs")
    claims = [ready_claim(client, world, i)["id"] for i in range(6)]
    for claim_id in claims:
        assert client.post(f"{ADMIN}/{claim_id}/review", headers=staff).status_code == 200
    item = session.get(PolicyItem, world.item_id)
    setattr(item, cap, value)  # each claim approves 1,000,000 fen
    session.commit()

    calls = [lambda c, i=i: c.post(f"{ADMIN}/{i}/approve", headers=staff) for i in claims]
    answers = _together(app, calls)

    assert all(not isinstance(a, Exception) for a in answers), answers
    assert Counter(a.status_code for a in answers) == {200: allowed, 409: 6 - allowed}
    session.rollback()
    approved = select(func.count()).where(Claim.status == ClaimStatus.APPROVED)
    assert session.scalar(approved) == allowed
    told = select(func.count()).where(
        OutboxMessage.topic == "claim_status",
        OutboxMessage.data["status"].as_string() == "approved",
    )
    assert session.scalar(told) == allowed  # a refused approval wrote nothing
