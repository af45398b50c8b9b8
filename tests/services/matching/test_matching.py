"""Matching end to end in the service layer: full run, subject change, item change, effects."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import (
    ChangeEvent,
    ChangeScope,
    Grant,
    ItemMode,
    OutboxMessage,
    PolicyItem,
    PolicyStatus,
    Subject,
    SubjectBinding,
    SubjectMatches,
    WeChatUser,
)
from services import matching
from services.demo import seed_demo
from services.matching import ENDED, live_items, unpack

TODAY = date(2026, 11, 27)


@pytest.fixture
def seeded(session):  # type: ignore[no-untyped-def]
    seed_demo(session=session, persons=300, enterprises=60)
    return session


def change(session, scope, *, subject_id=None, item_id=None) -> int:  # type: ignore[no-untyped-def]
    event = ChangeEvent(scope=scope, subject_id=subject_id, item_id=item_id, reason="test")
    session.add(event)
    session.commit()
    return event.id


def run(session, database) -> dict:  # type: ignore[no-untyped-def]
    """Process pending changes; the test's own transaction ends first (SQLite serializes)."""
    session.commit()
    counts = matching.process_changes(database, today=TODAY)
    session.expire_all()
    return counts


def expected(session, subject: Subject) -> dict[int, tuple]:  # type: ignore[no-untyped-def]
    """What the scalar evaluator says, item by item: {item_id: (verdict, fen)}."""
    out = {}
    for item in live_items(session, subject.kind):
        result = item.rules.evaluate(subject.facts, TODAY, explain=False)
        if result.verdict.word != "ineligible":
            fen = None if result.amount is None else result.amount.fen
            out[item.id] = (int(result.verdict), fen)
    return out


def stored(session, subject_id: int) -> dict[int, tuple]:  # type: ignore[no-untyped-def]
    row = session.get(SubjectMatches, subject_id)
    entries = unpack(row.entries if row else None)
    return {
        int(e["item_id"]): (int(e["verdict"]), int(e["amount_fen"]) if e["flags"] & 2 else None)
        for e in entries
        if not e["flags"] & ENDED
    }


def test_a_full_run_stores_exactly_what_the_scalar_evaluator_says(seeded, database) -> None:
    change(seeded, ChangeScope.FULL)
    counts = run(seeded, database)
    assert counts["events"] == 2 and counts["pairs"] > 0  # seed-demo's full event and ours
    seeded.expire_all()
    subjects = seeded.scalars(select(Subject)).all()
    for subject in subjects:
        assert stored(seeded, subject.id) == expected(seeded, subject), subject.id
    again = run(seeded, database)
    assert again == {}  # nothing pending
    change(seeded, ChangeScope.FULL)
    rerun = run(seeded, database)
    assert rerun["differ"] == 0 and rerun.get("merged", 0) == 0 and rerun.get("inserted", 0) == 0


def test_a_changed_profile_is_rematched_alone(seeded, database) -> None:
    change(seeded, ChangeScope.FULL)
    run(seeded, database)
    subject = seeded.scalars(select(Subject).where(Subject.kind == "person")).first()
    facts = dict(subject.facts)
    facts.update(birth_date="1940-01-01", hukou_district="371502")
    subject.facts = facts
    event_id = change(seeded, ChangeScope.SUBJECT, subject_id=subject.id)
    subject.profile_seq = event_id
    seeded.commit()
    counts = run(seeded, database)
    assert counts["subjects"] == 1
    seeded.expire_all()
    assert stored(seeded, subject.id) == expected(seeded, seeded.get(Subject, subject.id))
    elderly = seeded.scalar(select(PolicyItem).where(PolicyItem.name.like("%高龄%")))
    assert stored(seeded, subject.id)[elderly.id][0] == 1


def test_a_withdrawn_item_ends_its_matches_and_keeps_them_as_history(seeded, database) -> None:
    change(seeded, ChangeScope.FULL)
    run(seeded, database)
    item = seeded.scalar(
        select(PolicyItem).where(
            PolicyItem.mode == ItemMode.ONE_TAP, PolicyItem.subject_type == "person"
        )
    )
    holders = [
        row.subject_id
        for row in seeded.scalars(select(SubjectMatches))
        if item.id in stored(seeded, row.subject_id)
    ]
    assert holders
    item.status = PolicyStatus.WITHDRAWN
    seeded.commit()
    change(seeded, ChangeScope.ITEM, item_id=item.id)
    run(seeded, database)
    seeded.expire_all()
    for subject_id in holders:
        assert item.id not in stored(seeded, subject_id)
        entries = unpack(seeded.get(SubjectMatches, subject_id).entries)
        assert any(e["item_id"] == item.id and e["flags"] & ENDED for e in entries)


def test_effects_grants_for_everyone_messages_for_bound_subjects(seeded, database) -> None:
    subjects = seeded.scalars(select(Subject).where(Subject.kind == "person")).all()
    user = WeChatUser(appid="wx", openid="o-1")
    seeded.add(user)
    seeded.flush()
    for subject in subjects[:50]:
        seeded.add(
            SubjectBinding(
                wechat_user_id=user.id, subject_id=subject.id, relation="self", verified_by="test"
            )
        )
    seeded.commit()
    change(seeded, ChangeScope.FULL)
    run(seeded, database)
    grants = seeded.scalar(select(func.count()).select_from(Grant))
    auto = {i.id for i in live_items(seeded) if i.mode == ItemMode.AUTO_GRANT}
    everyone = seeded.scalars(select(Subject)).all()
    expected_grants = sum(
        1
        for s in everyone
        for item_id, (verdict, _) in expected(seeded, s).items()
        if item_id in auto and verdict == 1
    )
    assert grants == expected_grants
    messages = seeded.scalars(select(OutboxMessage)).all()
    assert messages and {m.subject_id for m in messages} <= {s.id for s in subjects[:50]}
    assert all(m.title and m.body and m.dedupe_key for m in messages)
    change(seeded, ChangeScope.FULL)
    run(seeded, database)
    assert seeded.scalar(select(func.count()).select_from(OutboxMessage)) == len(messages)


def test_match_command_and_seed_event(runner, seeded) -> None:
    from api.cli import cli

    seeded.commit()
    pending = seeded.scalar(
        select(func.count()).select_from(ChangeEvent).where(ChangeEvent.processed_at.is_(None))
    )
    assert pending == 1  # seed-demo asked for a full match
    seeded.commit()
    result = runner.invoke(cli, args=["match"])
    assert result.exit_code == 0, result.output
    assert "inserted:" in result.output
    seeded.expire_all()
    assert seeded.scalar(select(func.count()).select_from(SubjectMatches)) > 0
    jobs = runner.invoke(cli, args=["jobs", "list"])
    assert "match_changes" in jobs.output and "full_reconcile" in jobs.output
