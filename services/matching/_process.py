"""Matching: consume change events; re-match a changed subject against every live item.

Item and whole-kind runs (vectorized) are in services/matching/_bulk.py. Everything runs under the
`matching` lease, so two processes never write the same subject's row at once (docs/matching.md).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import ChangeEvent, ChangeScope, Database, Subject, SubjectMatches
from models.clock import local_now, utcnow
from rules.eligibility import Eligibility
from rules.profile import Profile
from services import operations
from services.matching._effects import NewPairs, subjects_with_readers, write_effects
from services.matching._live_items import LiveItem, live_items
from services.matching._store import ENDED, Standing, digest, merge, pack, unpack
from services.progress import Progress, silent

log = logging.getLogger(__name__)

LEASE = "matching"
LEASE_SECONDS = 600
SUBJECTS_PER_TRANSACTION = 200


def today_local() -> date:
    """Return today's date in Asia/Shanghai: eligibility is decided on the city's calendar."""
    return local_now().date()


def fresh_standings(
    items: list[LiveItem], facts: dict, today: date
) -> list[tuple[LiveItem, Standing]]:
    """Evaluate one profile against live items (of its kind, compiled against one catalog);
    keep eligible and unknown standings."""
    if not items:
        return []
    profile = Profile(items[0].rules.facts, facts, today)
    found = []
    for item in items:
        status, fen = item.rules.standing(profile)
        if status != Eligibility.INELIGIBLE:  # only eligible and unknown standings are kept
            found.append((item, Standing(item.id, item.version_id, status, fen)))
    return found


def match_subjects(session: Session, subject_ids: Iterable[int], *, today: date) -> Counter:
    """Re-match subjects against every live item of their kind; the caller commits."""
    counts: Counter = Counter()
    subjects = session.scalars(select(Subject).where(Subject.id.in_(list(subject_ids)))).all()
    items_by_kind = {kind: live_items(session, kind) for kind in {s.kind for s in subjects}}
    rows = {
        row.subject_id: row
        for row in session.scalars(
            select(SubjectMatches)
            .where(SubjectMatches.subject_id.in_([s.id for s in subjects]))
            .with_for_update()
        )
    }
    bound = subjects_with_readers(session, [s.id for s in subjects])
    newly: dict[int, list[tuple[int, int | None]]] = {}
    now = utcnow()
    for subject in subjects:
        items = items_by_kind[subject.kind]
        found = fresh_standings(items, subject.facts, today)
        row = rows.get(subject.id)
        stored = unpack(row.entries if row else None)
        active = {int(e["item_id"]) for e in stored if not e["flags"] & ENDED}
        result = merge(stored, [s for _, s in found], {i.id for i in items} | active, today)
        counts["subjects"] += 1
        if not result.changed:
            continue
        counts["changed"] += 1
        amounts = {standing.item_id: standing.amount_fen for _, standing in found}
        if result.newly_eligible:
            newly[subject.id] = [(item_id, amounts[item_id]) for item_id in result.newly_eligible]
        values = {
            "entries": pack(result.entries),
            "digest": digest(result.entries),
            "profile_seq": subject.profile_seq,
            "checked_at": now,
        }
        if row is None:
            session.add(SubjectMatches(subject_id=subject.id, kind=subject.kind, **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
    session.flush()
    by_id = {item.id: item for items in items_by_kind.values() for item in items}
    counts.update(
        write_effects(session, NewPairs.from_lists(newly), by_id, bound=bound, today=today, now=now)
    )
    return counts


def process_changes(
    database: Database,
    *,
    limit: int = 500,
    today: date | None = None,
    wait: float = 0,
    progress: Progress = silent,
) -> dict[str, int]:
    """Consume pending change events in order, under the matching lease; safe to run anywhere.
    A whole-kind pass (a `full` event) reports its stages to `progress`."""
    day = today or today_local()
    counts: Counter = Counter()
    with operations.held(database, LEASE, ttl=LEASE_SECONDS, wait=wait) as holder:
        if holder is None:
            return {"skipped_busy": 1}
        while True:
            with database.session() as session:
                events = session.scalars(
                    select(ChangeEvent)
                    .where(ChangeEvent.processed_at.is_(None))
                    .order_by(ChangeEvent.id)
                    .limit(limit)
                ).all()
                batch = [(e.id, e.scope, e.subject_id, e.item_id) for e in events]
            if not batch:
                break
            _process(database, batch, day, counts, progress)
            operations.renew(database, LEASE, holder, LEASE_SECONDS)
    return dict(counts)


def _process(
    database: Database, batch: list[tuple], day: date, counts: Counter, progress: Progress
) -> None:
    """Process one batch of events: whole-kind runs first, then items, then subjects."""
    from services.matching import _bulk as matching_bulk

    scopes = {scope for _, scope, _, _ in batch}
    if ChangeScope.FULL in scopes:
        for kind in ("person", "enterprise"):
            counts.update(matching_bulk.reconcile(database, kind, today=day, progress=progress))
        _done(database, [event_id for event_id, *_ in batch])
        counts["events"] += len(batch)
        return
    for event_id, scope, _, item_id in batch:
        if scope == ChangeScope.ITEM and item_id is not None:
            counts.update(matching_bulk.match_item(database, item_id, today=day))
            _done(database, [event_id])
            counts["events"] += 1
    subject_events = [(e, s) for e, scope, s, _ in batch if scope == ChangeScope.SUBJECT]
    for start in range(0, len(subject_events), SUBJECTS_PER_TRANSACTION):
        chunk = subject_events[start : start + SUBJECTS_PER_TRANSACTION]
        with database.session() as session:
            counts.update(match_subjects(session, {s for _, s in chunk if s}, today=day))
            _mark(session, [e for e, _ in chunk])
            session.commit()
        counts["events"] += len(chunk)


def _done(database: Database, event_ids: list[int]) -> None:
    with database.session() as session:
        _mark(session, event_ids)
        session.commit()


def _mark(session: Session, event_ids: list[int]) -> None:
    session.execute(
        update(ChangeEvent).where(ChangeEvent.id.in_(event_ids)).values(processed_at=utcnow())
    )
