"""Updating many subjects: the fast path (a temporary table and one UPDATE … JOIN on MariaDB)
and the plain one (UPDATE by id, executemany) leave the same subjects."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Subject
from services.demo import seed_demo
from services.profiles._sql import SET_SEQ, UPDATE_PROFILE, update_subjects

STAMP = "2026-12-04 03:04:05.678901"  # naive UTC text, as _writes gives it
COLUMNS = ("id", "name", "phone_enc", "district_code", "facts", "facts_hash", "profile_seq")


def state(session: Session) -> list[tuple]:
    """Return what an update may change, subject by subject."""
    columns = [getattr(Subject, c) for c in COLUMNS]
    return [
        tuple(row)
        for row in session.execute(select(*columns, Subject.updated_at).order_by(Subject.id))
    ]


def changes(subjects: list[Subject]) -> list[dict]:
    """Rows as the profile writer builds them: new facts, name, phone, district, seq."""
    rows = []
    for n, subject in enumerate(subjects):
        facts = {**subject.facts, "household_size": n % 7 + 1}
        text = json.dumps(facts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        rows.append(
            {
                "b_id": subject.id,
                "name": f"{subject.name}\t改",
                "phone_enc": None if n % 2 else bytes([n % 256]) * 40,
                "district_code": "371581" if n % 3 else None,
                "facts": text,
                "facts_hash": hashlib.sha256(text.encode()).hexdigest(),
                "profile_seq": 1000 + n,
                "updated_at": STAMP,
            }
        )
    return rows


def test_the_fast_and_the_plain_update_leave_the_same_subjects(session: Session) -> None:
    seed_demo(session=session, persons=60, enterprises=0)
    session.commit()
    subjects = session.scalars(
        select(Subject).where(Subject.kind == "person").order_by(Subject.id)
    ).all()
    rows = changes(subjects[:50])
    seqs = [{"b_id": s.id, "profile_seq": 7, "updated_at": STAMP} for s in subjects[50:]]
    after = {}
    for fast in (True, False):
        session.info["fast_paths"] = fast
        try:
            update_subjects(session, UPDATE_PROFILE, rows)
            update_subjects(session, SET_SEQ, seqs)
            session.flush()
            after[fast] = state(session)
        finally:
            session.rollback()
            session.info.pop("fast_paths")
    assert after[True] == after[False]
    changed = {row[0]: row for row in after[True]}
    assert changed[subjects[0].id][1].endswith("\t改") and changed[subjects[55].id][6] == 7
