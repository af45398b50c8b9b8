"""The audit log over HTTP: admins read who did what, filtered; nobody else reads it."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests import factories

URL = "/api/v1/admin/audit"
FACT = {"subject_type": "person", "key": "grant_count", "label": "已领补贴次数", "type": "integer"}


def test_admins_read_the_audit_log_newest_first_and_filtered(
    client: FlaskClient, session: Session
) -> None:
    factories.staff(session, "boss", "admin")
    factories.staff(session, "datamgr", "catalog")
    admin, manager = factories.login(client, "boss"), factories.login(client, "datamgr")
    made = client.post("/api/v1/admin/facts", json=FACT, headers=manager)
    changed = client.patch(
        f"/api/v1/admin/facts/{made.json['id']}", json={"unit": "次"}, headers=manager
    )
    assert changed.status_code == 200
    everything = client.get(URL, headers=admin)
    assert everything.status_code == 200
    assert json.loads(everything.headers["X-Pagination"])["total"] >= 4  # staff made, fact x2
    facts = client.get(URL, query_string={"action": "fact."}, headers=admin).json
    assert [entry["action"] for entry in facts] == ["fact.update", "fact.create"]
    assert facts[0]["actor_name"] == "datamgr同志" and facts[0]["after"] == {"unit": "次"}
    assert facts[0]["object_id"] == str(made.json["id"]) and facts[0]["at"].endswith("+08:00")
    by_object = client.get(
        URL,
        query_string={"object_type": "fact_definitions", "object_id": str(made.json["id"])},
        headers=admin,
    ).json
    assert len(by_object) == 2
    nobody = client.get(URL, query_string={"actor": "没有这个人"}, headers=admin).json
    assert nobody == []
    future = client.get(URL, query_string={"since": "2199-01-01T00:00:00+08:00"}, headers=admin)
    assert future.status_code == 200 and future.json == []
    assert client.get(URL, headers=manager).status_code == 403
    assert client.get(URL).status_code == 401
