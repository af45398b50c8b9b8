"""Vectorized matching: one item against every subject, or every live item against a whole kind."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy import select, update

from models import Database, PolicyItem, SubjectMatches
from models.base import table_of
from models.bulk import write_rows
from models.clock import utcnow
from rules.eligibility import Eligibility
from rules.vectorized import evaluate_items
from services.matching._effects import NewPairs, subjects_with_readers, write_effects
from services.matching._live_items import LiveItem, compiled_versions, live_items
from services.matching._process import match_subjects
from services.matching._store import (
    AMOUNT_KNOWN,
    ELIGIBLE,
    ENDED,
    ENTRY,
    Standing,
    day_number,
    digests_by_group,
    digests_of,
    entry_hashes,
    merge,
    merge_one,
    pack,
    unpack,
)
from services.profiles import Snapshot, facts_needed, load_snapshot
from services.progress import Progress, silent

log = logging.getLogger(__name__)
MERGE_BATCH = 2_000
INSERT_BATCH = 50_000
ROW_COLUMNS = ("subject_id", "kind", "entries", "digest", "profile_seq", "checked_at", "updated_at")


@dataclass
class Run:
    """Every eligible or unknown (subject, item) pair of one run, grouped by subject."""

    snapshot: Snapshot
    items: dict[int, LiveItem]
    today: date
    position: np.ndarray  # per pair: index into the snapshot (sorted)
    entries: np.ndarray  # per pair: the stored entry (ENTRY), items ascending within a subject
    starts: np.ndarray = field(init=False)  # per subject with pairs: first pair
    ends: np.ndarray = field(init=False)
    subjects: np.ndarray = field(init=False)  # per subject with pairs: its snapshot position
    digests: np.ndarray = field(init=False)  # per subject with pairs: digest of its entries
    now: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        if len(self.position):
            self.starts = np.flatnonzero(np.r_[True, self.position[1:] != self.position[:-1]])
        else:
            self.starts = np.zeros(0, np.int64)
        self.ends = np.r_[self.starts[1:], len(self.position)].astype(np.int64)
        self.subjects = self.position[self.starts] if len(self.starts) else self.starts
        e = self.entries
        hashes = entry_hashes(
            e["item_id"],
            e["version_id"],
            e["verdict"],
            e["amount_fen"],
            (e["flags"] & AMOUNT_KNOWN) != 0,
        )
        self.digests = digests_by_group(hashes, self.starts)

    def digest_of_all(self) -> np.ndarray:
        """Return the new digest of every snapshot subject (0: no active entries)."""
        out = np.zeros(len(self.snapshot), np.int64)
        out[self.subjects] = self.digests
        return out

    def group_of(self, positions: np.ndarray) -> np.ndarray:
        """Return each position's subject group, or -1 when it has no pairs."""
        at = np.searchsorted(self.subjects, positions)
        at = np.minimum(at, max(len(self.subjects) - 1, 0))
        found = (
            (len(self.subjects) > 0) & (self.subjects[at] == positions)
            if len(self.subjects)
            else np.zeros(len(positions), bool)
        )
        return np.where(found, at, -1)


def prepare(items: list[LiveItem], snapshot: Snapshot, today: date) -> Run:
    """Evaluate items over the snapshot and gather their pairs as stored entries."""
    day = day_number(today)
    parts = []
    for item, found in zip(
        items, evaluate_items([i.rules for i in items], snapshot.columns, today), strict=True
    ):
        for index, amounts, verdict in (
            (found.eligible, found.eligible_amounts, Eligibility.ELIGIBLE),
            (found.unknown, found.unknown_amounts, Eligibility.UNKNOWN),
        ):
            if not len(index):
                continue
            entries = np.zeros(len(index), ENTRY)
            entries["item_id"], entries["version_id"], entries["verdict"] = (
                item.id,
                item.version_id,
                verdict,
            )
            if amounts is not None:
                entries["flags"] = np.where(amounts.known, AMOUNT_KNOWN, 0)
                entries["amount_fen"] = np.where(amounts.known, amounts.fen, 0)
            entries["first_day"] = day if verdict == ELIGIBLE else 0
            entries["changed_day"] = day
            parts.append((index.astype(np.int32), entries))
    if parts:
        position = np.concatenate([p for p, _ in parts])
        order = np.argsort(position, kind="stable")  # items were taken in id order
        position = position[order]
        entries = np.concatenate([e for _, e in parts])
        parts.clear()  # let the per-item arrays go before the sorted copy is made
        entries = entries[order]
        del order
    else:
        position, entries = np.zeros(0, np.int64), np.zeros(0, ENTRY)
    return Run(snapshot, {item.id: item for item in items}, today, position, entries)


def reconcile(
    database: Database, kind: str, *, today: date, progress: Progress = silent
) -> Counter:
    """Bring every stored match of a kind in line with every live item; write only differences."""
    label = "个人" if kind == "person" else "企业"
    progress(f"{label}：读取画像", 0, 0)
    with database.session() as session:
        items = live_items(session, kind)
        snapshot = load_snapshot(session, kind, facts_needed(i.rules for i in items))
        stored = session.execute(
            select(
                SubjectMatches.subject_id, SubjectMatches.digest, SubjectMatches.profile_seq
            ).where(SubjectMatches.kind == kind)
        ).all()
        bound = subjects_with_readers(session)
    progress(f"{label}：{len(snapshot)} 个主体 × {len(items)} 个事项，计算中", 0, 0)
    run = prepare(items, snapshot, today)
    old_digest, has_row, old_seq = _stored(snapshot, stored)
    differ = run.digest_of_all() != old_digest
    counts = Counter(pairs=len(run.position), subjects=len(snapshot), differ=int(differ.sum()))
    inserts = run.group_of(np.flatnonzero(differ & ~has_row))
    inserts = inserts[inserts >= 0]
    merges = np.flatnonzero(differ & has_row)
    total = len(inserts) + len(merges)
    step = partial(progress, f"{label}：写入有变化的主体", total=total)
    counts.update(_insert(database, run, inserts, bound, step))
    counts.update(
        _merge(
            database,
            run,
            merges,
            set(run.items),
            old_seq,
            bound,
            lambda done, _: progress(f"{label}：写入有变化的主体", len(inserts) + done, total),
        )
    )
    _stamp(database, items)
    return counts


def match_item(database: Database, item_id: int, *, today: date) -> Counter:
    """Match one item (published, re-versioned or withdrawn) against every subject of its kind."""
    with database.session() as session:
        item = session.get(PolicyItem, item_id)
        if item is None:
            return Counter(missing_items=1)
        kind, previous_id, matched_at = item.subject_type, item.matched_version_id, item.matched_at
        live = next((i for i in live_items(session, kind) if i.id == item_id), None)
        previous = compiled_versions(session, {previous_id: kind}) if previous_id else {}
        wanted = set(live.rules.facts_used()) if live else set()
        for rules in previous.values():
            wanted |= rules.facts_used()
        snapshot = load_snapshot(session, kind, wanted)
    run = prepare([live] if live else [], snapshot, today)
    touched = {int(p) for p in run.subjects.tolist()}
    for rules in previous.values():  # who may hold an entry from the version matched before
        for day in {today, (matched_at or utcnow()).date()}:
            (found,) = evaluate_items([rules], snapshot.columns, day)
            touched.update(found.eligible.tolist(), found.unknown.tolist())
    positions = np.array(sorted(touched), np.int64)
    _, has_row, old_seq = _stored(snapshot, _rows_of(database, snapshot, positions))
    with database.session() as session:
        bound = subjects_with_readers(session, snapshot.subject_ids[positions].tolist())
    counts = Counter(pairs=len(run.position), touched=len(positions))
    groups = run.group_of(positions[~has_row[positions]])
    counts.update(_insert(database, run, groups[groups >= 0], bound))
    counts.update(_merge(database, run, positions[has_row[positions]], {item_id}, old_seq, bound))
    _stamp(database, [live] if live else [], withdrawn=[] if live else [item_id])
    return counts


def _stored(snapshot: Snapshot, stored: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spread stored (subject_id, digest, profile_seq) rows over snapshot positions."""
    size = len(snapshot)
    digests, has_row, seqs = (
        np.zeros(size, np.int64),
        np.zeros(size, bool),
        np.zeros(size, np.int64),
    )
    if stored and size:
        ids = np.fromiter((row.subject_id for row in stored), np.int64, len(stored))
        at = np.minimum(np.searchsorted(snapshot.subject_ids, ids), size - 1)
        ok = snapshot.subject_ids[at] == ids
        digests[at[ok]] = np.fromiter((row.digest for row in stored), np.int64, len(stored))[ok]
        seqs[at[ok]] = np.fromiter((row.profile_seq for row in stored), np.int64, len(stored))[ok]
        has_row[at[ok]] = True
    return digests, has_row, seqs


def _rows_of(database: Database, snapshot: Snapshot, positions: np.ndarray) -> list:
    ids = snapshot.subject_ids[positions].tolist()
    rows: list[Any] = []
    with database.session() as session:
        for start in range(0, len(ids), 1000):
            rows.extend(
                session.execute(
                    select(
                        SubjectMatches.subject_id, SubjectMatches.digest, SubjectMatches.profile_seq
                    ).where(SubjectMatches.subject_id.in_(ids[start : start + 1000]))
                ).all()
            )
    return rows


def _insert(
    database: Database,
    run: Run,
    groups: np.ndarray,
    bound: set[int],
    progress: Callable[..., None] | None = None,
) -> Counter:
    """Insert rows for subjects that have none: no read needed, every eligible pair is new."""
    counts: Counter = Counter()
    entries, kind, now = run.entries, run.snapshot.kind, run.now
    eligible = entries["verdict"] == ELIGIBLE
    known = (entries["flags"] & AMOUNT_KNOWN) != 0
    sizes = run.ends - run.starts
    for start in range(0, len(groups), INSERT_BATCH):
        chunk = groups[start : start + INSERT_BATCH]
        positions = run.subjects[chunk]
        subject_ids = run.snapshot.subject_ids[positions]
        rows = [
            (sid, kind, pack(entries[a:b]), d, q, now, now)
            for sid, a, b, d, q in zip(
                subject_ids.tolist(),
                run.starts[chunk].tolist(),
                run.ends[chunk].tolist(),
                run.digests[chunk].tolist(),
                run.snapshot.profile_seq[positions].tolist(),
                strict=True,
            )
        ]
        selected = np.zeros(len(run.starts), bool)
        selected[chunk] = True
        new = np.repeat(selected, sizes) & eligible
        pairs = NewPairs(
            run.snapshot.subject_ids[run.position[new]],
            run.entries["item_id"][new].astype(np.int64),
            np.where(known[new], run.entries["amount_fen"][new], -1),
        )
        with database.session() as session:
            write_rows(session, table_of(SubjectMatches), ROW_COLUMNS, rows)
            counts.update(
                write_effects(session, pairs, run.items, bound=bound, today=run.today, now=now)
            )
            session.commit()
        counts["inserted"] += len(rows)
        if progress is not None:
            progress(done=start + len(chunk))
    return counts


def _merge(
    database: Database,
    run: Run,
    positions: np.ndarray,
    scope: set[int],
    old_seq: np.ndarray,
    bound: set[int],
    progress: Callable[[int, int], None] | None = None,
) -> Counter:
    """Read, merge and rewrite the rows of subjects whose stored entries may differ.

    Only the matcher writes subject_matches, and it holds the matching lease: rows are read
    without locks and written back with one bulk replace per batch.
    """
    counts: Counter = Counter()
    stale: list[int] = []
    groups = run.group_of(positions)
    for start in range(0, len(positions), MERGE_BATCH):
        chunk = positions[start : start + MERGE_BATCH]
        chunk_groups = groups[start : start + MERGE_BATCH]
        ids = run.snapshot.subject_ids[chunk].tolist()
        newly: dict[int, list[tuple[int, int | None]]] = {}
        rows: list[list[Any]] = []
        with database.session() as session:
            stored_rows = {
                r.subject_id: r
                for r in session.execute(
                    select(
                        SubjectMatches.subject_id,
                        SubjectMatches.entries,
                        SubjectMatches.profile_seq,
                    ).where(SubjectMatches.subject_id.in_(ids))
                )
            }
            for position, group, subject_id in zip(
                chunk.tolist(), chunk_groups.tolist(), ids, strict=True
            ):
                row = stored_rows.get(subject_id)
                seq = int(run.snapshot.profile_seq[position])
                if row is None:
                    continue
                if row.profile_seq > seq:
                    stale.append(subject_id)  # computed from an older profile: redo it alone
                    continue
                fresh = [] if group < 0 else _standings(run, group)
                if len(scope) == 1:  # the item path: one entry at most changes
                    (only,) = scope
                    result = merge_one(
                        row.entries or b"", only, fresh[0] if fresh else None, run.today
                    )
                else:
                    stored = unpack(row.entries)
                    active = {int(e["item_id"]) for e in stored if not e["flags"] & ENDED}
                    result = merge(stored, fresh, scope | active, run.today)
                if not result.changed:
                    continue
                rows.append(
                    [subject_id, run.snapshot.kind, result.entries, 0, seq, run.now, run.now]
                )
                amounts = {s.item_id: s.amount_fen for s in fresh}
                if result.newly_eligible:
                    newly[subject_id] = [(i, amounts[i]) for i in result.newly_eligible]
            for new_row, value in zip(rows, digests_of([r[2] for r in rows]), strict=True):
                new_row[2], new_row[3] = pack(new_row[2]), value
            write_rows(session, table_of(SubjectMatches), ROW_COLUMNS, rows, mode="replace")
            counts.update(
                write_effects(
                    session,
                    NewPairs.from_lists(newly),
                    run.items,
                    bound=bound,
                    today=run.today,
                    now=run.now,
                )
            )
            session.commit()
        counts["merged"] += len(rows)
        if progress is not None:
            progress(start + len(chunk), len(positions))
    if stale:
        with database.session() as session:
            counts.update(match_subjects(session, stale, today=run.today))
            session.commit()
        counts["rematched_one_by_one"] += len(stale)
    return counts


def _standings(run: Run, group: int) -> list[Standing]:
    """Return one subject's fresh standings from the run's entries."""
    return [
        Standing(
            int(e["item_id"]),
            int(e["version_id"]),
            int(e["verdict"]),
            int(e["amount_fen"]) if e["flags"] & AMOUNT_KNOWN else None,
        )
        for e in run.entries[run.starts[group] : run.ends[group]]
    ]


def _stamp(database: Database, items: list[LiveItem], withdrawn: list[int] | None = None) -> None:
    now = utcnow()
    with database.session() as session:
        for item in items:
            session.execute(
                update(PolicyItem)
                .where(PolicyItem.id == item.id)
                .values(matched_version_id=item.version_id, matched_at=now)
            )
        for item_id in withdrawn or []:
            session.execute(
                update(PolicyItem)
                .where(PolicyItem.id == item_id)
                .values(matched_version_id=None, matched_at=now)
            )
        session.commit()
