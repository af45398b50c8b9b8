"""A columnar snapshot of every subject of one kind: what vectorized matching and dry-runs read.

Stored facts come from `profile_chunks` (docs/profile-storage.md): per fact, the encoded arrays
of 65,536 subject ids at a time, so a whole-city pass reads a few hundred blobs, not a million
JSON documents. Subjects changed after a chunk was built are patched in from `subjects.facts`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from models import CHUNK_SIZE, ProfileChunk, Subject
from models.clock import utcnow
from rules.catalog import Facts, FactType
from rules.columns import Columns
from rules.item import ItemRules
from services.facts import current as current_catalog

MEMBERS, SEQ, DISTRICT = "__members__", "__seq__", "__district__"
ENCODING = "npz1"


@dataclass(frozen=True)
class Snapshot:
    """Every subject of a kind: ids, profile sequence, district, and the facts as columns."""

    kind: str
    subject_ids: np.ndarray  # int64, position -> subject id, ascending
    profile_seq: np.ndarray  # int64, the change each subject's facts are from
    district_codes: np.ndarray  # object (str or None): residence / registered district
    columns: Columns

    def __len__(self) -> int:
        return len(self.subject_ids)


def facts_needed(items: Iterable[ItemRules]) -> set[str]:
    """Return the stored facts the items' rules and amounts read (derived facts' inputs too)."""
    return set().union(*(item.facts_used() for item in items))


@dataclass
class _Part:
    """Subjects and their stored facts as arrays; per fact (values, present, dictionary)."""

    ids: np.ndarray
    seq: np.ndarray
    district: np.ndarray  # object
    arrays: dict[str, tuple]


def load_snapshot(session: Session, kind: str, facts: Iterable[str] | None = None) -> Snapshot:
    """Load every subject of `kind` with the given stored facts (default: all of them)."""
    catalog = current_catalog(session).of(kind)
    names = {f.name for f in catalog.stored()}
    wanted = names if facts is None else names & set(facts)
    base, through = _from_chunks(session, catalog, wanted)
    patch = _patch(session, catalog, wanted, through)
    part = _combine(base, patch, wanted)
    return Snapshot(
        kind,
        part.ids,
        part.seq,
        part.district,
        Columns.from_arrays(catalog, part.arrays, size=len(part.ids)),
    )


def _from_chunks(
    session: Session, catalog: Facts, wanted: set[str]
) -> tuple[_Part | None, dict[int, tuple[int, datetime]]]:
    kind = catalog.kind
    rows = session.execute(
        select(
            ProfileChunk.fact,
            ProfileChunk.chunk_no,
            ProfileChunk.encoding,
            ProfileChunk.values,
            ProfileChunk.present,
            ProfileChunk.through_seq,
            ProfileChunk.built_at,
        )
        .where(ProfileChunk.kind == kind, ProfileChunk.fact.in_([*wanted, MEMBERS, SEQ, DISTRICT]))
        .order_by(ProfileChunk.chunk_no)
    ).all()
    by_fact: dict[str, dict[int, tuple]] = {}
    through: dict[int, tuple[int, datetime]] = {}
    for row in rows:
        values = _read_values(row.encoding, row.values)
        by_fact.setdefault(row.fact, {})[row.chunk_no] = (values, row.present)
        through[row.chunk_no] = (row.through_seq, row.built_at)
    chunks = sorted(by_fact.get(MEMBERS, {}))
    if not chunks or any(set(by_fact.get(name, {})) != set(chunks) for name in (SEQ, DISTRICT)):
        return None, {}  # no complete set of chunks: everything comes from the rows
    for name in wanted:
        # A chunk built before a fact was added to the catalog has no part for it: no subject
        # had it then (imports refuse facts the catalog lacks), and whoever got it since was
        # written after the chunk, so the patch reads them from their rows.
        held = by_fact.setdefault(name, {})
        for chunk_no in chunks:
            if chunk_no not in held:
                empty: np.ndarray = np.zeros(CHUNK_SIZE, _dtype(catalog[name].type))
                held[chunk_no] = ((empty, ()), bytes(CHUNK_SIZE // 8))
    members = np.concatenate([_bits(by_fact[MEMBERS][c][1]) for c in chunks])
    ids = np.concatenate([np.arange(c * CHUNK_SIZE, (c + 1) * CHUNK_SIZE) for c in chunks])[members]
    arrays = {name: _joined(by_fact[name], chunks, members) for name in wanted}
    seq = _joined(by_fact[SEQ], chunks, members)[0].astype(np.int64)
    codes, present, dictionary = _joined(by_fact[DISTRICT], chunks, members)
    district = np.array(
        [
            dictionary[v] if p else None
            for v, p in zip(codes.tolist(), present.tolist(), strict=True)
        ],
        dtype=object,
    )
    return _Part(ids.astype(np.int64), seq, district, arrays), through


def _joined(chunks: dict[int, tuple], order: list[int], members: np.ndarray) -> tuple:
    """Concatenate one fact's chunks (merging code dictionaries) and keep the members."""
    dictionaries = [chunks[c][0][1] for c in order]
    if any(len(d) for d in dictionaries):
        union = np.array(sorted(set().union(*map(set, dictionaries))), dtype=str)
        parts = [
            np.searchsorted(union, d).astype(np.int32)[chunks[c][0][0]]
            if len(d)
            else chunks[c][0][0]
            for c, d in zip(order, dictionaries, strict=True)
        ]
        values, dictionary = np.concatenate(parts), tuple(union.tolist())
    else:
        values, dictionary = np.concatenate([chunks[c][0][0] for c in order]), ()
    present = np.concatenate([_bits(chunks[c][1]) for c in order])
    return values[members], present[members], dictionary


def _patch(
    session: Session, catalog: Facts, wanted: set[str], through: dict[int, tuple[int, datetime]]
) -> _Part:
    """Read the subjects the chunks do not cover, or cover from an older profile.

    build_chunks reads with a shared lock, so no profile write is in flight while a chunk is
    built: every subject whose sequence is at most the chunk's is in the chunk as it is now.
    Two index-friendly reads: newer profiles by profile_seq, uncovered id ranges by primary key.
    """
    kind = catalog.kind
    columns = (Subject.id, Subject.profile_seq, Subject.district_code, Subject.facts)
    if not through:
        rows = session.execute(select(*columns).where(Subject.kind == kind).order_by(Subject.id))
        return _part_from_rows(catalog, rows.all(), wanted)
    oldest = min(seq for seq, _ in through.values())
    # profile_seq alone in the WHERE clause, so the planner takes its index (kind is checked here).
    newer = session.execute(
        select(Subject.kind, *columns).where(Subject.profile_seq > oldest)
    ).all()
    found = {
        row.id: row
        for row in newer
        if row.kind == kind
        and (
            row.id // CHUNK_SIZE not in through
            or row.profile_seq > through[row.id // CHUNK_SIZE][0]
        )
    }
    top = session.scalar(select(func.max(Subject.id))) or 0
    uncovered = [c for c in range(top // CHUNK_SIZE + 1) if c not in through]
    for chunk_no in uncovered:
        start = chunk_no * CHUNK_SIZE
        for row in session.execute(
            select(*columns).where(
                Subject.kind == kind, Subject.id >= start, Subject.id < start + CHUNK_SIZE
            )
        ):
            found[row.id] = row
    return _part_from_rows(catalog, [found[key] for key in sorted(found)], wanted)


def _part_from_rows(catalog: Facts, rows: Sequence[Any], wanted: set[str]) -> _Part:
    profiles = []
    for row in rows:
        document = row.facts if isinstance(row.facts, dict) else json.loads(row.facts)
        profiles.append({name: value for name, value in document.items() if name in wanted})
    columns = Columns.from_profiles(catalog, profiles)
    arrays: dict[str, tuple] = {}
    for name in wanted:
        column = columns.stored(name)
        if column is None:
            fact = catalog[name]
            arrays[name] = (np.zeros(len(rows), _dtype(fact.type)), np.zeros(len(rows), bool), ())
        else:
            arrays[name] = (column.values, column.present, column.dictionary)
    return _Part(
        np.fromiter((r.id for r in rows), np.int64, len(rows)),
        np.fromiter((r.profile_seq for r in rows), np.int64, len(rows)),
        np.array([r.district_code for r in rows], dtype=object),
        arrays,
    )


def _combine(base: _Part | None, patch: _Part, wanted: set[str]) -> _Part:
    """Put the patch over the base: patched ids replace, new ids join, order by id."""
    if base is None or len(base.ids) == 0:
        return patch
    if len(patch.ids) == 0:
        return base
    keep = ~np.isin(base.ids, patch.ids)
    ids = np.concatenate([base.ids[keep], patch.ids])
    order = np.argsort(ids, kind="stable")
    arrays = {}
    for name in wanted:
        b_values, b_present, b_dict = base.arrays[name]
        p_values, p_present, p_dict = patch.arrays[name]
        dictionary: tuple = ()
        if b_dict or p_dict:
            union = np.array(sorted(set(b_dict) | set(p_dict)), dtype=str)
            b_values = (
                np.searchsorted(union, np.array(b_dict, dtype=str)).astype(np.int32)[b_values]
                if b_dict
                else b_values
            )
            p_values = (
                np.searchsorted(union, np.array(p_dict, dtype=str)).astype(np.int32)[p_values]
                if p_dict
                else p_values
            )
            dictionary = tuple(union.tolist())
        values = np.concatenate([b_values[keep], p_values.astype(b_values.dtype)])[order]
        present = np.concatenate([b_present[keep], p_present])[order]
        arrays[name] = (values, present, dictionary)
    return _Part(
        ids[order],
        np.concatenate([base.seq[keep], patch.seq])[order],
        np.concatenate([base.district[keep], patch.district])[order],
        arrays,
    )


def build_chunks(
    session: Session, kind: str, *, only_stale: bool = False, stale_share: float = 0.05
) -> int:
    """(Re)build the column chunks of a kind from subjects.facts; return how many were built."""
    low, high = session.execute(
        select(func.min(Subject.id), func.max(Subject.id)).where(Subject.kind == kind)
    ).one()
    if low is None:
        return 0
    built = 0
    catalog = current_catalog(session).of(kind)
    names = {f.name for f in catalog.stored()}
    for chunk_no in range(low // CHUNK_SIZE, high // CHUNK_SIZE + 1):
        if only_stale and not _stale(session, kind, chunk_no, stale_share):
            continue
        start = chunk_no * CHUNK_SIZE
        rows = session.execute(
            select(Subject.id, Subject.profile_seq, Subject.district_code, Subject.facts)
            .where(Subject.kind == kind, Subject.id >= start, Subject.id < start + CHUNK_SIZE)
            .order_by(Subject.id)
            # A shared lock waits for profile writes in flight in this range and holds new ones
            # off until the chunk is committed, so its through_seq leaves nothing unseen.
            .with_for_update(read=True)
        ).all()
        part = _part_from_rows(catalog, rows, names)
        offsets = part.ids - start
        through = int(part.seq.max()) if len(part.seq) else 0
        session.execute(
            delete(ProfileChunk).where(ProfileChunk.kind == kind, ProfileChunk.chunk_no == chunk_no)
        )
        districts = part.district.tolist()
        dictionary = tuple(sorted({d for d in districts if d}))
        position = {code: i for i, code in enumerate(dictionary)}
        meta = {
            MEMBERS: (np.zeros(len(offsets), np.int8), np.ones(len(offsets), bool), ()),
            SEQ: (part.seq, np.ones(len(offsets), bool), ()),
            DISTRICT: (
                np.array([position.get(d, 0) for d in districts], np.int32),
                np.array([d is not None for d in districts], bool),
                dictionary,
            ),
        }
        now = utcnow()
        for name, (values, present, codes) in {**part.arrays, **meta}.items():
            dense_values = np.zeros(CHUNK_SIZE, values.dtype)
            dense_present = np.zeros(CHUNK_SIZE, bool)
            dense_values[offsets] = values
            dense_present[offsets] = present if name != MEMBERS else True
            session.add(
                ProfileChunk(
                    kind=kind,
                    fact=name,
                    chunk_no=chunk_no,
                    encoding=ENCODING,
                    values=_write_values(dense_values, codes),
                    present=np.packbits(dense_present).tobytes(),
                    through_seq=through,
                    built_at=now,
                )
            )
        session.commit()
        built += 1
    return built


def _stale(session: Session, kind: str, chunk_no: int, share: float) -> bool:
    through = session.scalar(
        select(func.min(ProfileChunk.through_seq)).where(
            ProfileChunk.kind == kind, ProfileChunk.chunk_no == chunk_no
        )
    )
    start = chunk_no * CHUNK_SIZE
    in_range = and_(Subject.kind == kind, Subject.id >= start, Subject.id < start + CHUNK_SIZE)
    if through is None:
        return bool(session.scalar(select(func.count()).where(in_range)))
    newer = session.scalar(select(func.count()).where(in_range, Subject.profile_seq > through))
    assert newer is not None  # COUNT answers a row
    return newer > share * CHUNK_SIZE


def _write_values(values: np.ndarray, dictionary: tuple) -> bytes:
    out = io.BytesIO()
    np.savez(out, values=values, dictionary=np.array(dictionary, dtype=str))
    return out.getvalue()


def _read_values(encoding: str, blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Return a chunk's values and dictionary; a chunk of another encoding is refused (a newer
    layout must be read here before anything writes it)."""
    if encoding != ENCODING:
        raise ValueError(f"a profile chunk of an unknown encoding {encoding!r}")
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return data["values"], data["dictionary"]


def _bits(blob: bytes) -> np.ndarray:
    return np.unpackbits(np.frombuffer(blob, np.uint8), count=CHUNK_SIZE).astype(bool)


def _dtype(kind: FactType) -> type:
    from rules.columns import DTYPES

    return DTYPES[kind]
