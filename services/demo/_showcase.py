"""The demo's showcase identities: a few fictional residents and an enterprise a newcomer binds
in the mini-program to see matches, grants and claims (README, "Try it").

They are read from data/showcase.yaml and imported through the profile import itself
(services.profiles), so every fact passes the checks a data platform's row does; a second run
finds the batches already applied and changes nothing.
"""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ImportBatch
from services import profiles
from services.audit import SYSTEM
from services.demo._content import data_files
from services.errors import InvalidInput
from services.profiles import read_json_rows

BATCH_IDS = {"person": "demo-showcase-persons", "enterprise": "demo-showcase-enterprises"}
_RECORD_KEYS = {
    "person": ("id_number", "name", "facts"),
    "enterprise": (
        "uscc",
        "name",
        "facts",
        "legal_representative_name",
        "legal_representative_id_number",
    ),
}


def load_showcase() -> dict[str, list[dict[str, Any]]]:
    """Return the showcase entries by kind: the profile record, its story and expected items."""
    document = yaml.safe_load((data_files() / "showcase.yaml").read_text(encoding="utf-8"))
    return {"person": document["persons"], "enterprise": document["enterprises"]}


def import_showcase(*, session: Session) -> int:
    """Import the showcase profiles (once); return how many were inserted."""
    inserted = 0
    for kind, entries in load_showcase().items():
        if session.scalar(select(ImportBatch.id).where(ImportBatch.batch_id == BATCH_IDS[kind])):
            continue  # imported by an earlier run (or rejected: said then)
        records = [
            {key: entry[key] for key in _RECORD_KEYS[kind] if key in entry} for entry in entries
        ]
        report = profiles.import_profiles(
            session=session,
            actor=SYSTEM,
            kind=kind,
            batch_id=BATCH_IDS[kind],
            rows=read_json_rows(records),
            source="demo",
        )
        if report["status"] != profiles.APPLIED:
            raise InvalidInput("演示身份未通过档案检查", errors={"showcase": [str(report)]})
        inserted += report["inserted"]
    return inserted
