"""The chunked snapshot gives exactly the subjects and facts the rows hold."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select, update

from models import ChangeEvent, ChangeScope, ProfileChunk, Subject
from rules import BUILTIN
from rules.values import coerce
from services import profiles
from services.demo import seed_demo


def from_rows(session, kind):  # type: ignore[no-untyped-def]
    """What each subject's stored facts are, read straight from the rows and typed."""
    facts = {f.name: f for f in BUILTIN.stored(kind)}
    out = {}
    for subject in session.scalars(
        select(Subject).where(Subject.kind == kind).order_by(Subject.id)
    ):
        typed = {}
        for name, raw in subject.facts.items():
            try:
                typed[name] = None if raw is None else coerce(facts[name], raw)
            except ValueError:
                typed[name] = None
        out[subject.id] = ({k: v for k, v in typed.items() if v is not None}, subject.district_code)
    return out


def from_snapshot(snap):  # type: ignore[no-untyped-def]
    facts = {f.name: f for f in BUILTIN.stored(snap.kind)}
    out = {}
    for position, subject_id in enumerate(snap.subject_ids.tolist()):
        row = snap.columns.row(position)
        out[subject_id] = (
            {k: coerce(facts[k], v) for k, v in row.items()},
            snap.district_codes[position],
        )
    return out


@pytest.mark.parametrize("kind", ["person", "enterprise"])
def test_chunks_patched_with_later_changes_equal_the_rows(session, kind) -> None:
    seed_demo(session=session, persons=400, enterprises=80)
    assert profiles.build_chunks(session, kind) >= 1
    assert session.scalar(select(ProfileChunk.id).limit(1)) is not None
    subject = session.scalars(select(Subject).where(Subject.kind == kind)).first()
    changed = dict(subject.facts)
    changed["area"] = "gaoxin"
    event = ChangeEvent(scope=ChangeScope.SUBJECT, subject_id=subject.id, reason="test")
    session.add(event)
    session.flush()
    subject.facts, subject.profile_seq = changed, event.id
    session.commit()
    snap = profiles.load_snapshot(session, kind)
    assert from_snapshot(snap) == from_rows(session, kind)
    assert np.all(np.diff(snap.subject_ids) > 0)
    narrow = profiles.load_snapshot(session, kind, {"area"})
    assert narrow.columns.names == ("area",) or set(narrow.columns.names) == {"area"}


def test_without_chunks_everything_comes_from_the_rows(session) -> None:
    seed_demo(session=session, persons=50, enterprises=0)
    snap = profiles.load_snapshot(session, "person")
    assert from_snapshot(snap) == from_rows(session, "person")


def test_compaction_job_builds_missing_and_stale_chunks_only(session, database) -> None:
    from jobs.registry import job_named
    from jobs.runner import run_job

    seed_demo(session=session, persons=120, enterprises=10)
    session.commit()
    work = job_named("compact_profiles").work
    first = run_job(database, "compact_profiles", work, trigger="manual")
    assert first.counts == {"person_chunks_built": 1, "enterprise_chunks_built": 1}
    again = run_job(database, "compact_profiles", work, trigger="manual")
    assert again.counts == {}


def test_a_chunk_of_an_unknown_encoding_is_refused_not_misread(session) -> None:  # type: ignore[no-untyped-def]
    seed_demo(session=session, persons=30, enterprises=0)
    assert profiles.build_chunks(session, "person") >= 1
    session.execute(update(ProfileChunk).values(encoding="npz2"))
    session.commit()
    with pytest.raises(ValueError, match="unknown encoding 'npz2'"):
        profiles.load_snapshot(session, "person")


def test_a_fact_added_after_the_chunks_were_built_reads_from_the_chunks(session) -> None:  # type: ignore[no-untyped-def]
    """Chunks built before a fact existed have no part for it: the snapshot still uses them
    (the fact absent there) and patches in the subjects given the fact since."""
    from services import facts
    from services.audit import SYSTEM
    from services.profiles._snapshot import _from_chunks

    seed_demo(session=session, persons=120, enterprises=0)
    zhang = "371502199001011234"
    record = {"name": "张三", "facts": {"gender": "male"}}
    profiles.upsert_profile(
        session=session, actor=SYSTEM, kind="person", identifier=zhang, record=record
    )
    assert profiles.build_chunks(session, "person") >= 1
    facts.create_fact(
        session=session,
        actor=SYSTEM,
        document={"subject_type": "person", "key": "grant_count", "label": "已领补贴次数",
                  "type": "integer", "minimum": 0, "status": "active"},
    )  # fmt: skip
    profiles.upsert_profile(
        session=session,
        actor=SYSTEM,
        kind="person",
        identifier=zhang,
        record={"facts": {"grant_count": 3}},
        mode="merge",
    )
    catalog = facts.current(session).of("person")
    base, _ = _from_chunks(session, catalog, {"grant_count", "area"})
    assert base is not None and not base.arrays["grant_count"][1].any()
    snap = profiles.load_snapshot(session, "person", {"grant_count"})
    given = [
        int(snap.columns.column("grant_count").values[i])
        for i in range(len(snap))
        if snap.columns.column("grant_count").present[i]
    ]
    assert given == [3]
