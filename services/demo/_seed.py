"""Load the demo: departments, published policies and items, and a synthetic population.

Safe to run twice: departments, policies and items are matched by code and subjects by identity
hash, and whatever is already there is skipped. Subjects go in with Core executemany in
batches, each its own transaction, so a city-sized run neither holds one huge transaction nor
starts over after an interruption.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.clock import SHANGHAI, utcnow
from models.db import vault_of
from models.matching import ChangeEvent, ChangeScope
from models.org import Department
from models.pii import Vault
from models.policy import (
    Policy,
    PolicyCategory,
    PolicyItem,
    PolicyItemVersion,
    PolicyStatus,
    VersionStatus,
)
from models.subject import Subject
from services import catalog
from services.demo import _content as content
from services.demo import _population as population
from services.demo import _prefetch as prefetch
from services.demo._showcase import import_showcase
from services.errors import InvalidInput
from services.profiles import insert_subject_rows, subject_row
from services.progress import Progress, silent

log = logging.getLogger(__name__)

DEFAULT_SEED = 20261127
BATCH_SIZE = 5_000
SOURCE = "demo"
VERSION_NOTE = "演示数据初始版本"


def is_empty(session: Session) -> bool:
    """Return True when the database has no departments (so nothing to build on yet)."""
    return session.scalar(select(Department.id).limit(1)) is None


def seed_demo(
    *,
    session: Session,
    persons: int = 2000,
    enterprises: int = 300,
    seed: int = DEFAULT_SEED,
    as_of: date = population.AS_OF,
    showcase: bool = False,
    progress: Progress = silent,
) -> dict[str, int]:
    """Insert what of the demo is missing and return how many of each kind were added; with
    `showcase`, also the fictional identities the README offers (services.demo.showcase)."""
    if persons < 0 or enterprises < 0:
        raise InvalidInput("演示人数和企业数不能为负数")
    now = utcnow()
    try:
        counts = _seed_content(session, now)
        session.commit()
        if counts["policies"] or counts["items"]:  # so that search finds the demo's policies
            catalog.rebuild_index(session)
        prepare = partial(_row, vault_of(session), now)
        for kind, count in (("person", persons), ("enterprise", enterprises)):
            rows = prefetch.batches(
                kind, seed=seed, count=count, as_of=as_of, size=BATCH_SIZE, prepare=prepare
            )
            step = partial(progress, "演示个人" if kind == "person" else "演示企业", total=count)
            counts[f"{kind}s"] = _seed_subjects(session, rows, kind=kind, progress=step)
        if showcase:
            counts["showcase"] = import_showcase(session=session)
        if any(counts.values()):  # let the matcher match the new content and people
            session.add(ChangeEvent(scope=ChangeScope.FULL, reason="seed-demo"))
            session.commit()
    except BaseException:
        session.rollback()
        raise
    log.info("demo seeded: %s", counts)
    return counts


def _seed_content(session: Session, now: datetime) -> dict[str, int]:
    """Add the departments, policies and items whose codes are not in the database yet."""
    counts = {"departments": 0, "policies": 0, "items": 0}
    departments = dict(session.execute(select(Department.code, Department.id)).all())
    for entry in content.load_departments():
        if entry["code"] not in departments:
            department = Department(**entry, created_at=now)
            session.add(department)
            session.flush()
            departments[entry["code"]] = department.id
            counts["departments"] += 1
    policies = {p.code: p for p in session.scalars(select(Policy))}
    items = set(session.scalars(select(PolicyItem.code)))
    for document in content.load_policies():
        policy = policies.get(document["code"])
        if policy is None:
            policy = _new_policy(document, departments[document["department"]], now)
            session.add(policy)
            session.flush()
            counts["policies"] += 1
        for entry in document["items"]:
            if entry["code"] not in items:
                _add_item(session, policy, entry, now)
                counts["items"] += 1
    return counts


def _new_policy(document: dict[str, Any], department_id: int, now: datetime) -> Policy:
    return Policy(
        code=document["code"],
        department_id=department_id,
        title=document["title"],
        doc_number=document["doc_number"],
        summary=document["summary"].strip(),
        body=document["body"].strip(),
        interpretation=document["interpretation"].strip(),
        source_url=document["source_url"],
        issued_on=document["issued_on"],
        effective_from=document["effective_from"],
        effective_to=document["effective_to"],
        status=PolicyStatus.PUBLISHED,
        published_at=now,
        created_at=now,
        updated_at=now,
        categories=[PolicyCategory(category=category) for category in document["categories"]],
    )


def _add_item(session: Session, policy: Policy, entry: dict[str, Any], now: datetime) -> None:
    """Add one published item with its published version 1."""
    window = entry["apply_window"] or {}
    item = PolicyItem(
        code=entry["code"],
        policy_id=policy.id,
        name=entry["name"],
        subject_type=entry["subject_type"],
        mode=entry["mode"],
        status=PolicyStatus.PUBLISHED,
        benefit=entry["benefit"],
        apply_from=_local_start(window.get("from")),
        apply_until=_local_end(window.get("until")),
        promised_days=entry["promised_days"],
        guide_text=entry["guide_text"].strip(),
        contact=entry["contact"],
        published_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    version = PolicyItemVersion(
        item_id=item.id,
        version=1,
        status=VersionStatus.PUBLISHED,
        rule=entry["rule"],
        amount=entry["amount"],
        params=entry["params"],
        materials=entry["materials"],
        cases=entry["cases"],
        note=VERSION_NOTE,
        created_at=now,
        published_at=now,
    )
    session.add(version)
    session.flush()
    item.current_version_id = version.id


def _local_start(day: date | None) -> datetime | None:
    """Return 00:00 of `day` in Asia/Shanghai, as an aware datetime."""
    return None if day is None else datetime.combine(day, time.min, tzinfo=SHANGHAI)


def _local_end(day: date | None) -> datetime | None:
    """Return 23:59:59 of `day` in Asia/Shanghai: an application window includes its last day."""
    return None if day is None else datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


def _seed_subjects(
    session: Session,
    batches: Iterable[list[dict[str, Any]]],
    *,
    kind: str,
    progress: Callable[..., None],
) -> int:
    """Insert the rows whose identity is not stored yet, a batch a transaction; return how many."""
    # With no subject of this kind stored, the generator's own uniqueness is enough.
    check = session.scalar(select(Subject.id).where(Subject.kind == kind).limit(1)) is not None
    inserted = drawn = 0
    for rows in batches:
        drawn += len(rows)
        if check:
            hashes = [row["identity_hash"] for row in rows]
            stored = set(
                session.scalars(
                    select(Subject.identity_hash).where(Subject.identity_hash.in_(hashes))
                )
            )
            rows = [row for row in rows if row["identity_hash"] not in stored]
        insert_subject_rows(session, rows)
        session.commit()
        inserted += len(rows)
        progress(done=drawn)
    return inserted


def _row(vault: Vault, now: datetime, record: dict[str, Any]) -> dict[str, Any]:
    """Return the subjects row of one drawn person or enterprise."""
    row = subject_row(vault=vault, source=SOURCE, facts_as_json=True, **record)
    row["created_at"] = row["updated_at"] = now
    return row
