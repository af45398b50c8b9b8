"""A columnar snapshot of every subject of one kind: what vectorized matching and dry-runs read.

This first version reads `subjects.facts` row by row; docs/matching.md describes the chunked
version that replaces it for city-sized data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Subject
from rules.catalog import facts_of
from rules.columns import Columns
from rules.item import ItemRules


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


def load_snapshot(session: Session, kind: str, facts: Iterable[str] | None = None) -> Snapshot:
    """Load every subject of `kind` with the given stored facts (default: all of them)."""
    wanted = set(facts) if facts is not None else set(facts_of(kind))
    rows = session.execute(
        select(Subject.id, Subject.profile_seq, Subject.district_code, Subject.facts)
        .where(Subject.kind == kind)
        .order_by(Subject.id)
    ).all()
    profiles = []
    for row in rows:
        facts_doc = row.facts if isinstance(row.facts, dict) else json.loads(row.facts)
        profiles.append({name: value for name, value in facts_doc.items() if name in wanted})
    return Snapshot(
        kind=kind,
        subject_ids=np.fromiter((row.id for row in rows), np.int64, len(rows)),
        profile_seq=np.fromiter((row.profile_seq for row in rows), np.int64, len(rows)),
        district_codes=np.array([row.district_code for row in rows], dtype=object),
        columns=Columns.from_profiles(kind, profiles),
    )
