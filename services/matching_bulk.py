"""Vectorized matching: one item against every subject, or every live item against a whole kind."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select, update

from models import Database, PolicyItem, SubjectMatches
from models.clock import utcnow
from rules.vectorized import evaluate_items
from services.bulk import write_rows
from services.live_items import LiveItem, compiled_versions, live_items
from services.match_effects import bound_subjects, write_effects
from services.match_store import (
    AMOUNT_KNOWN,
    ELIGIBLE,
    ENDED,
    ENTRY,
    Standing,
    day_number,
    digest,
    digests_by_group,
    entry_hashes,
    merge,
    pack,
    unpack,
)
from services.matching import match_subjects
from services.snapshot import Snapshot, facts_needed, load_snapshot

log = logging.getLogger(__name__)
BATCH = 2_000
ROW_COLUMNS = ("subject_id", "kind", "entries", "digest", "profile_seq", "checked_at", "updated_at")


@dataclass
class Fresh:
    """Every eligible or unknown (subject, item) pair of a run, sorted by subject then item."""

    position: np.ndarray  # into the snapshot
    item_id: np.ndarray
    version_id: np.ndarray
    verdict: np.ndarray
    amount_fen: np.ndarray
    known: np.ndarray

    def entries(self, today: date) -> np.ndarray:
        """Return the pairs as stored entries, first eligible today."""
        day = day_number(today)
        out = np.zeros(len(self.position), ENTRY)
        out["item_id"], out["version_id"], out["verdict"] = (
            self.item_id,
            self.version_id,
            self.verdict,
        )
        out["flags"] = np.where(self.known, AMOUNT_KNOWN, 0)
        out["amount_fen"] = np.where(self.known, self.amount_fen, 0)
        out["first_day"] = np.where(self.verdict == ELIGIBLE, day, 0)
        out["changed_day"] = day
        return out


def evaluate(items: list[LiveItem], snapshot: Snapshot, today: date) -> Fresh:
    """Evaluate items over the snapshot and gather their pairs, grouped by subject."""
    parts: list[tuple] = []
    for item, found in zip(
        items, evaluate_items([i.rules for i in items], snapshot.columns, today), strict=True
    ):
        for index, amounts, verdict in (
            (found.eligible, found.eligible_amounts, 1),
            (found.unknown, found.unknown_amounts, 2),
        ):
            count = len(index)
            if not count:
                continue
            fen = np.zeros(count, np.int64) if amounts is None else amounts.fen
            known = np.zeros(count, bool) if amounts is None else amounts.known
            parts.append(
                (
                    index,
                    np.full(count, item.id, np.int32),
                    np.full(count, item.version_id, np.int32),
                    np.full(count, verdict, np.int8),
                    fen,
                    known,
                )
            )
    if not parts:
        empty = np.zeros(0, np.int64)
        return Fresh(empty, empty, empty, empty.astype(np.int8), empty, empty.astype(bool))
    columns = [np.concatenate(column) for column in zip(*parts, strict=True)]
    order = np.argsort(columns[0], kind="stable")  # items were taken in id order
    return Fresh(*(column[order] for column in columns))


def reconcile(database: Database, kind: str, *, today: date) -> Counter:
    """Bring every stored match of a kind in line with every live item; write only differences."""
    counts: Counter = Counter()
    with database.session() as session:
        items = live_items(session, kind)
        snapshot = load_snapshot(session, kind, facts_needed(i.rules for i in items))
        stored = session.execute(
            select(
                SubjectMatches.subject_id, SubjectMatches.digest, SubjectMatches.profile_seq
            ).where(SubjectMatches.kind == kind)
        ).all()
    fresh = evaluate(items, snapshot, today)
    size = len(snapshot)
    starts = (
        np.flatnonzero(np.r_[True, fresh.position[1:] != fresh.position[:-1]])
        if len(fresh.position)
        else np.zeros(0, np.int64)
    )
    positions = fresh.position[starts]
    hashes = entry_hashes(
        fresh.item_id, fresh.version_id, fresh.verdict, fresh.amount_fen, fresh.known
    )
    new_digest = np.zeros(size, np.int64)
    new_digest[positions] = digests_by_group(hashes, starts)
    old_digest, has_row, old_seq = _stored(snapshot, stored)
    differ = new_digest != old_digest
    counts.update(pairs=len(fresh.position), subjects=size, differ=int(differ.sum()))
    ends = np.r_[starts[1:], len(fresh.position)]
    slices = {int(p): (int(a), int(b)) for p, a, b in zip(positions, starts, ends, strict=True)}
    entries = fresh.entries(today)
    scope = {item.id for item in items}
    by_id = {item.id: item for item in items}
    inserts = np.flatnonzero(differ & ~has_row)
    counts.update(_insert(database, snapshot, inserts, slices, entries, by_id, today))
    merges = np.flatnonzero(differ & has_row)
    counts.update(
        _merge_many(database, snapshot, merges, slices, entries, by_id, scope, old_seq, today)
    )
    _stamp(database, items)
    return counts


def _stored(snapshot: Snapshot, stored: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    size = len(snapshot)
    old_digest, has_row, old_seq = (
        np.zeros(size, np.int64),
        np.zeros(size, bool),
        np.zeros(size, np.int64),
    )
    if stored:
        ids = np.fromiter((row.subject_id for row in stored), np.int64, len(stored))
        at = np.searchsorted(snapshot.subject_ids, ids)
        ok = (
            (at < size) & (snapshot.subject_ids[np.minimum(at, size - 1)] == ids)
            if size
            else np.zeros(len(ids), bool)
        )
        old_digest[at[ok]] = np.fromiter((row.digest for row in stored), np.int64, len(stored))[ok]
        old_seq[at[ok]] = np.fromiter((row.profile_seq for row in stored), np.int64, len(stored))[
            ok
        ]
        has_row[at[ok]] = True
    return old_digest, has_row, old_seq


def _insert(
    database: Database,
    snapshot: Snapshot,
    positions: np.ndarray,
    slices: dict,
    entries: np.ndarray,
    by_id: dict[int, LiveItem],
    today: date,
) -> Counter:
    """Insert rows for subjects that have none yet: no read, every eligible pair is new."""
    counts: Counter = Counter()
    now = utcnow()
    blob = entries.tobytes()
    size = ENTRY.itemsize
    with database.session() as session:
        bound = bound_subjects(session)
        for start in range(0, len(positions), 50_000):
            rows, newly = [], {}
            for position in positions[start : start + 50_000].tolist():
                a, b = slices[position]
                subject_id = int(snapshot.subject_ids[position])
                chunk = entries[a:b]
                rows.append(
                    (
                        subject_id,
                        snapshot.kind,
                        blob[a * size : b * size],
                        digest(chunk),
                        int(snapshot.profile_seq[position]),
                        now,
                        now,
                    )
                )
                eligible = chunk[chunk["verdict"] == ELIGIBLE]
                if len(eligible):
                    newly[subject_id] = [
                        (
                            by_id[int(e["item_id"])],
                            int(e["amount_fen"]) if e["flags"] & AMOUNT_KNOWN else None,
                        )
                        for e in eligible
                    ]
            write_rows(session, SubjectMatches.__table__, ROW_COLUMNS, rows)
            counts.update(write_effects(session, newly, bound=bound, today=today, now=now))
            session.commit()
            counts["inserted"] += len(rows)
    return counts


def _merge_many(
    database: Database,
    snapshot: Snapshot,
    positions: np.ndarray,
    slices: dict,
    entries: np.ndarray,
    by_id: dict[int, LiveItem],
    scope: set[int],
    old_seq: np.ndarray,
    today: date,
) -> Counter:
    """Read, merge and rewrite the rows of subjects whose digest differs."""
    counts: Counter = Counter()
    now = utcnow()
    stale = []
    for start in range(0, len(positions), BATCH):
        chunk = positions[start : start + BATCH]
        with database.session() as session:
            ids = [int(snapshot.subject_ids[p]) for p in chunk.tolist()]
            rows = {
                r.subject_id: r
                for r in session.scalars(
                    select(SubjectMatches)
                    .where(SubjectMatches.subject_id.in_(ids))
                    .with_for_update()
                )
            }
            bound = bound_subjects(session, ids)
            newly = {}
            for position, subject_id in zip(chunk.tolist(), ids, strict=True):
                row = rows[subject_id]
                if row.profile_seq > int(snapshot.profile_seq[position]):
                    stale.append(subject_id)  # computed from an older profile: redo it one by one
                    continue
                a, b = slices.get(position, (0, 0))
                fresh = [
                    Standing(
                        int(e["item_id"]),
                        int(e["version_id"]),
                        int(e["verdict"]),
                        int(e["amount_fen"]) if e["flags"] & AMOUNT_KNOWN else None,
                    )
                    for e in entries[a:b]
                ]
                stored = unpack(row.entries)
                active = {int(e["item_id"]) for e in stored if not e["flags"] & ENDED}
                result = merge(stored, fresh, scope | active, today)
                if result.changed:
                    row.entries, row.digest = pack(result.entries), digest(result.entries)
                    row.profile_seq, row.checked_at = int(snapshot.profile_seq[position]), now
                    counts["merged"] += 1
                    amounts = {s.item_id: s.amount_fen for s in fresh}
                    if result.newly_eligible:
                        newly[subject_id] = [(by_id[i], amounts[i]) for i in result.newly_eligible]
            counts.update(write_effects(session, newly, bound=bound, today=today, now=now))
            session.commit()
    if stale:
        with database.session() as session:
            counts.update(match_subjects(session, stale, today=today))
            session.commit()
        counts["rematched_one_by_one"] += len(stale)
    return counts


def match_item(database: Database, item_id: int, *, today: date) -> Counter:
    """Match one item (published, re-versioned or withdrawn) against every subject of its kind."""
    with database.session() as session:
        item = session.get(PolicyItem, item_id)
        if item is None:
            return Counter(missing_items=1)
        kind, previous_version, matched_at = (
            item.subject_type,
            item.matched_version_id,
            item.matched_at,
        )
        live = next((i for i in live_items(session, kind) if i.id == item_id), None)
        previous = compiled_versions(session, {previous_version: kind}) if previous_version else {}
        wanted = set(live.rules.facts_used()) if live else set()
        for rules in previous.values():
            wanted |= rules.facts_used()
        snapshot = load_snapshot(session, kind, wanted)
    fresh = evaluate([live], snapshot, today) if live else evaluate([], snapshot, today)
    touched = set(fresh.position.tolist())
    for rules in previous.values():  # who may hold an entry from the version matched before
        for day in {today, (matched_at or utcnow()).date()}:
            (found,) = evaluate_items([rules], snapshot.columns, day)
            touched.update(found.eligible.tolist(), found.unknown.tolist())
    positions = np.array(sorted(touched), np.int64)
    starts = np.searchsorted(fresh.position, positions)
    ends = np.searchsorted(fresh.position, positions, side="right")
    slices = {int(p): (int(a), int(b)) for p, a, b in zip(positions, starts, ends, strict=True)}
    _, has_row, old_seq = _stored_for(database, snapshot, positions)
    counts = Counter(pairs=len(fresh.position), touched=len(positions))
    by_id = {live.id: live} if live else {}
    counts.update(
        _merge_or_insert(
            database,
            snapshot,
            positions,
            has_row,
            slices,
            fresh.entries(today),
            by_id,
            {item_id},
            old_seq,
            today,
        )
    )
    _stamp(database, [live] if live else [], withdrawn=[item_id] if live is None else [])
    return counts


def _stored_for(database: Database, snapshot: Snapshot, positions: np.ndarray):  # type: ignore[no-untyped-def]
    ids = [int(snapshot.subject_ids[p]) for p in positions.tolist()]
    stored = []
    with database.session() as session:
        for start in range(0, len(ids), 1000):
            stored.extend(
                session.execute(
                    select(
                        SubjectMatches.subject_id, SubjectMatches.digest, SubjectMatches.profile_seq
                    ).where(SubjectMatches.subject_id.in_(ids[start : start + 1000]))
                ).all()
            )
    return _stored(snapshot, stored)


def _merge_or_insert(
    database, snapshot, positions, has_row, slices, entries, by_id, scope, old_seq, today
):  # type: ignore[no-untyped-def]
    counts: Counter = Counter()
    new_positions = np.array(
        [p for p in positions.tolist() if not has_row[p] and slices[p][0] < slices[p][1]], np.int64
    )
    counts.update(_insert(database, snapshot, new_positions, slices, entries, by_id, today))
    existing = np.array([p for p in positions.tolist() if has_row[p]], np.int64)
    counts.update(
        _merge_many(database, snapshot, existing, slices, entries, by_id, scope, old_seq, today)
    )
    return counts


def _stamp(database: Database, items: list[LiveItem], withdrawn: list[int] = ()) -> None:  # type: ignore[assignment]
    now = utcnow()
    with database.session() as session:
        for item in items:
            session.execute(
                update(PolicyItem)
                .where(PolicyItem.id == item.id)
                .values(matched_version_id=item.version_id, matched_at=now)
            )
        for item_id in withdrawn:
            session.execute(
                update(PolicyItem)
                .where(PolicyItem.id == item_id)
                .values(matched_version_id=None, matched_at=now)
            )
        session.commit()
