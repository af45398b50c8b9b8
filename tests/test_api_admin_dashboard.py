"""The 驾驶舱 over HTTP: the snapshot of the matches holds what the matcher stored, by district,
item and department; the live counts follow claims and grants; admins see the city, publishers
and reviewers their department's items only."""

from __future__ import annotations

from collections import Counter

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobs.registry import all_jobs
from jobs.runner import run_job
from models import Department, Grant, Policy, PolicyItem, Subject, SubjectMatches
from rules.eligibility import Eligibility
from services.matching import ENDED, unpack
from tests import factories
from tests.resident_factories import demo_world

URL = "/api/v1/admin/dashboard"


def test_the_dashboard_holds_the_stored_matches_and_the_live_counts(
    client: FlaskClient, session: Session, database
) -> None:  # type: ignore[no-untyped-def]
    demo_world(session, database, persons=120, enterprises=20)
    factories.staff(session, "boss", "admin")
    admin = factories.login(client, "boss")
    before = client.get(URL, headers=admin)
    assert before.status_code == 200 and before.json["built_at"] is None  # no snapshot yet
    assert before.json["grants"]["granted"] > 0  # the live part answers at once

    job = next(job for job in all_jobs() if job.name == "dashboard")
    ran = run_job(database, job.name, job.work, trigger="manual")
    assert ran is not None and ran.status == "succeeded", ran and ran.error
    figures = client.get(URL, headers=admin).json
    assert figures["built_at"].endswith("+08:00")

    expected: Counter = Counter()  # eligible pairs per item, read straight from the rows
    for (blob,) in session.execute(select(SubjectMatches.entries)):
        for entry in unpack(blob):
            if entry["verdict"] == Eligibility.ELIGIBLE and not entry["flags"] & ENDED:
                expected[int(entry["item_id"])] += 1
    by_item = {row["item_id"]: row["eligible"] for row in figures["by_item"]}
    assert {k: v for k, v in by_item.items() if v} == dict(expected)
    assert sum(row["eligible"] for row in figures["by_district"]) == sum(expected.values())
    assert figures["funnel"][0] == {
        "stage": "matched",
        "label": "符合条件",
        "count": sum(expected.values()),
    }
    # the city's districts by name, anywhere else (or unknown) together in one row, last
    districts = {row["code"] for row in figures["by_district"]} - {None}
    stored = set(session.scalars(select(Subject.district_code)))
    assert districts <= stored and all(code.startswith("3715") for code in districts)
    outside = [row for row in figures["by_district"] if row["code"] is None]
    assert any(not (code or "").startswith("3715") for code in stored)  # the demo has some
    assert outside and outside[0]["name"] == "市外或未登记"
    assert figures["by_district"][-1]["code"] is None
    elderly = session.scalar(select(PolicyItem.id).where(PolicyItem.code == "LC-MZ-2025-01-01"))
    row = next(row for row in figures["by_item"] if row["item_id"] == elderly)
    assert row["department"] == "市民政局" and row["annual_fen"] >= row["eligible"] * 120000
    assert len(figures["paid_by_month"]) == 12
    assert figures["department_id"] is None and len(figures["departments"]) >= 3

    # A publisher of 民政局 sees its items only: what the rows say of them, nothing else
    factories.staff(session, "pub", "publisher:LC-MZ")
    publisher = factories.login(client, "pub")
    mine = client.get(URL, headers=publisher).json
    civil = session.scalar(select(Department.id).where(Department.code == "LC-MZ"))
    assert mine["department_id"] == civil
    assert mine["departments"] == [{"id": civil, "name": "市民政局"}]
    theirs = set(
        session.scalars(select(PolicyItem.id).join(Policy).where(Policy.department_id == civil))
    )
    assert {row["item_id"] for row in mine["by_item"]} <= theirs
    subjects: set[int] = set()
    pairs = 0
    for subject_id, blob in session.execute(
        select(SubjectMatches.subject_id, SubjectMatches.entries)
    ):
        for entry in unpack(blob):
            if (
                entry["verdict"] == Eligibility.ELIGIBLE
                and not entry["flags"] & ENDED
                and int(entry["item_id"]) in theirs
            ):
                subjects.add(subject_id)
                pairs += 1
    assert pairs and mine["matched_subjects"] == len(subjects) < figures["matched_subjects"]
    assert sum(row["subjects"] for row in mine["by_district"]) == len(subjects)
    assert sum(row["eligible"] for row in mine["by_district"]) == pairs
    assert [stage["stage"] for stage in mine["funnel"]] == [
        "matched",
        "claimed",
        "approved",
        "paid",
    ]
    assert mine["funnel"][0]["count"] == pairs
    granted = session.scalar(
        select(func.count()).select_from(Grant).where(Grant.item_id.in_(theirs))
    )
    assert sum(mine["grants"].values()) == granted < sum(figures["grants"].values())
    chosen = client.get(URL, headers=admin, query_string={"department_id": civil}).json
    assert chosen.pop("departments") == figures["departments"]  # an admin may choose any
    assert chosen == {key: value for key, value in mine.items() if key != "departments"}

    # … and may not look at another department's
    other = session.scalar(select(Department.id).where(Department.code != "LC-MZ"))
    refused = client.get(URL, headers=publisher, query_string={"department_id": other})
    assert refused.status_code == 422 and "department_id" in refused.json["errors"]
    factories.staff(session, "data", "catalog")
    assert client.get(URL, headers=factories.login(client, "data")).status_code == 403
