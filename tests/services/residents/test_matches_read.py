"""The /me/matches read: the fast path (one prepared statement) and the plain one give the same."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from services.residents._matches_read import bound_subjects
from tests.claim_factories import claim_world, ready_claim


def read(session: Session, user_id: int, *, fast: bool):  # type: ignore[no-untyped-def]
    """Return bound_subjects as plain values, by the fast or the plain path."""
    session.info["fast_paths"] = fast
    try:
        subjects, latest = bound_subjects(session, user_id)
    finally:
        session.info.pop("fast_paths")
    shown = {
        subject_id: (s.id, s.kind, s.name, s.facts, s.profile_seq, s.entries.tobytes())
        for subject_id, s in subjects.items()
    }
    return list(subjects), shown, latest


def test_the_fast_and_the_plain_read_agree(app, client, session: Session, database) -> None:
    world = claim_world(app, session, database, residents=2)
    ready_claim(client, world, 0)
    ready_claim(client, world, 1, key="second-claim-key")
    session.rollback()
    packed = 0
    for number, user in enumerate(world.users):
        fast, plain = read(session, user.id, fast=True), read(session, user.id, fast=False)
        assert fast == plain
        order, subjects, latest = fast
        assert len(order) == (2 if number == 0 else 1)  # users[0] also has an ineligible one
        assert any(kind == "claim" for kind, *_ in latest)
        packed += sum(len(np.frombuffer(entries, np.uint8)) for *_, entries in subjects.values())
    assert packed  # stored matches were read and compared, not only empty rows
