"""The items matching runs against: published, in a published policy, compiled once per version;
and what a match card shows of them, from a copy per process (live_item_facts)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Department, Policy, PolicyItem, PolicyItemVersion, PolicyStatus
from models.clock import SHANGHAI
from rules import ItemRules, RuleInvalid, compile_item
from services.facts import current as current_catalog

log = logging.getLogger(__name__)

# A published version never changes, so its compiled form is kept by version id, per database
# (session.info["cache"] is shared by every session of one Database).
_MAX_CACHED = 5_000


@dataclass(frozen=True)
class LiveItem:
    """A published item at its current version, ready to evaluate."""

    id: int
    version_id: int
    kind: str
    mode: str
    code: str
    name: str
    rules: ItemRules


def live_items(session: Session, kind: str | None = None) -> list[LiveItem]:
    """Return the live items (of one subject kind, or all), ordered by id."""
    query = (
        select(
            PolicyItem.id,
            PolicyItem.current_version_id,
            PolicyItem.subject_type,
            PolicyItem.mode,
            PolicyItem.code,
            PolicyItem.name,
        )
        .join(Policy, Policy.id == PolicyItem.policy_id)
        .where(
            PolicyItem.status == PolicyStatus.PUBLISHED,
            Policy.status == PolicyStatus.PUBLISHED,
            PolicyItem.current_version_id.is_not(None),
        )
        .order_by(PolicyItem.id)
    )
    if kind is not None:
        query = query.where(PolicyItem.subject_type == kind)
    rows = session.execute(query).all()
    compiled = compiled_versions(
        session, {row.current_version_id: row.subject_type for row in rows}
    )
    return [
        LiveItem(
            row.id,
            row.current_version_id,
            row.subject_type,
            row.mode,
            row.code,
            row.name,
            compiled[row.current_version_id],
        )
        for row in rows
        if row.current_version_id in compiled
    ]


def compiled_versions(session: Session, kinds: dict[int, str]) -> dict[int, ItemRules]:
    """Return the compiled rules of item versions (by id), compiling the ones not cached.

    Compiled against the catalog in force: a new catalog (a fact added, a vocabulary grown)
    starts a new cache, so every item is compiled again against the facts it now has.
    """
    catalog = current_catalog(session)
    cache = session.info.setdefault("cache", {})
    if cache.get("compiled_catalog") is not catalog:
        cache["compiled_catalog"], cache["compiled_versions"] = catalog, {}
    _compiled: dict[int, ItemRules] = cache["compiled_versions"]
    missing = [version_id for version_id in kinds if version_id not in _compiled]
    if missing:
        if len(_compiled) + len(missing) > _MAX_CACHED:
            _compiled.clear()
        versions = session.execute(
            select(
                PolicyItemVersion.id,
                PolicyItemVersion.rule,
                PolicyItemVersion.amount,
                PolicyItemVersion.params,
            ).where(PolicyItemVersion.id.in_(missing))
        ).all()
        for version in versions:
            try:
                _compiled[version.id] = compile_item(
                    catalog=catalog,
                    subject_kind=kinds[version.id],
                    rule=version.rule,
                    amount=version.amount,
                    params=version.params,
                )
            except RuleInvalid as exc:  # published versions are validated; say so loudly if not
                log.error("item version %s has an invalid rule and is skipped: %s", version.id, exc)
    return {version_id: _compiled[version_id] for version_id in kinds if version_id in _compiled}


ITEMS_TTL = 10.0  # seconds an item's name, window and policy title may be shown stale
# The row live_item_facts reads: ItemFacts' first ten fields (SQLAlchemy types a select() of
# ten columns as possibly longer, which star-unpacking into ItemFacts cannot take).
_ItemRow = tuple[int, str, str, str, datetime | None, datetime | None, int, str, int, str]


@dataclass(frozen=True)
class ItemFacts:
    """What a match card shows of its item."""

    id: int
    code: str
    name: str
    mode: str
    apply_from: datetime | None
    apply_until: datetime | None
    policy_id: int
    policy_title: str
    department_id: int
    department: str
    apply_from_text: str | None = None  # as a response shows it (Asia/Shanghai, ISO 8601)
    apply_until_text: str | None = None
    digest: str = ""  # of all the above, for ETags

    @cached_property
    def shown_item(self) -> dict[str, Any]:
        """The card's `item`, built once per copy of the item (cards share it: never change it)."""
        return {"id": self.id, "code": self.code, "name": self.name, "mode": self.mode}

    @cached_property
    def shown_policy(self) -> dict[str, Any]:
        """The card's `policy` (shared as above)."""
        return {"id": self.policy_id, "title": self.policy_title}

    @cached_property
    def shown_department(self) -> dict[str, Any]:
        """The card's `department` (shared as above)."""
        return {"id": self.department_id, "short_name": self.department}


def _shown_time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(SHANGHAI).isoformat()


def live_item_facts(session: Session, item_ids: set[int]) -> dict[int, ItemFacts]:
    """Return the live items among these ids, from a per-process copy of every live item.

    The copy is read again (one query for all live items: a city has hundreds) when it is older
    than ITEMS_TTL or lacks an item asked for, so a newly published item shows at once and an
    edit within seconds; an item taken down may show a few seconds longer, as its matches do
    until the matcher ends them.
    """
    cache = session.info.setdefault("cache", {})
    held: tuple[float, dict[int, ItemFacts]] | None = cache.get("match_item_facts")
    now = time.monotonic()
    if held is None or now - held[0] > ITEMS_TTL or not item_ids <= held[1].keys():
        rows: Iterable[_ItemRow] = session.execute(
            select(
                PolicyItem.id,
                PolicyItem.code,
                PolicyItem.name,
                PolicyItem.mode,
                PolicyItem.apply_from,
                PolicyItem.apply_until,
                Policy.id,
                Policy.title,
                Department.id,
                Department.short_name,
            )
            .join(Policy, Policy.id == PolicyItem.policy_id)
            .join(Department, Department.id == Policy.department_id)
            .where(
                PolicyItem.status == PolicyStatus.PUBLISHED,
                Policy.status == PolicyStatus.PUBLISHED,
            )
        )
        held = (
            now,
            {
                row[0]: ItemFacts(
                    *row,
                    _shown_time(row[4]),
                    _shown_time(row[5]),
                    hashlib.sha1(repr(tuple(row)).encode()).hexdigest()[:20],
                )
                for row in rows
            },
        )
        cache["match_item_facts"] = held
    return {i: held[1][i] for i in item_ids if i in held[1]}
