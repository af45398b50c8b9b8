"""Small builders of rows that many tests need."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Department, StaffUser
from services import staff as staff_service
from services.audit import SYSTEM

PASSWORD = "correct-horse-battery"


def department(session: Session, code: str = "MZ", name: str = "聊城市民政局") -> Department:
    """Return the department with this code, creating it."""
    found = session.scalar(select(Department).where(Department.code == code))
    if found is None:
        found = Department(code=code, name=name, short_name=name[3:] or name)
        session.add(found)
    session.commit()  # end the transaction: on SQLite an open one blocks every other connection
    return found


def staff(
    session: Session, username: str, *roles: str, machine: bool = False
) -> tuple[StaffUser, str | None]:
    """Create a staff user with roles like "admin" or "publisher:MZ"; return it and its API key."""
    for role in roles:
        if ":" in role:
            department(session, role.split(":", 1)[1], f"部门{role.split(':', 1)[1]}")
    parsed = [(r.split(":", 1)[0], r.split(":", 1)[1] if ":" in r else None) for r in roles]
    return staff_service.create_staff(
        session=session,
        actor=SYSTEM,
        username=username,
        display_name=f"{username}同志",
        roles=parsed,
        password=None if machine else PASSWORD,
        machine=machine,
    )


def login(client, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Log in through the API and return the Authorization header."""
    response = client.post(
        "/api/v1/admin/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def profile_records(kind: str, count: int, *, seed: int = 1) -> list[dict[str, Any]]:
    """Return synthetic persons or enterprises shaped as profile import rows (JSON Lines)."""
    from random import Random

    from services.demo import _population as population

    draw = population.persons if kind == "person" else population.enterprises
    identity = "id_number" if kind == "person" else "uscc"
    records = []
    for drawn in draw(Random(f"{kind}:{seed}"), count):
        facts = dict(drawn["facts"])
        if facts.get("graduation_year", 1950) < 1950:  # the demo draws a few below the catalog
            facts["graduation_year"] = 1950
        record = {identity: drawn["identifier"], "name": drawn["name"], "facts": facts}
        if drawn["phone"]:
            record["phone"] = drawn["phone"]
        records.append(record)
    return records


def jsonl(records: list[dict[str, Any]]) -> bytes:
    """Return records as JSON Lines."""
    import json

    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)
