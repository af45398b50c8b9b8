"""The items matching runs against: published, in a published policy, compiled once per version."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Policy, PolicyItem, PolicyItemVersion, PolicyStatus
from rules import ItemRules, RuleInvalid, compile_item

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
    """Return the compiled rules of item versions (by id), compiling the ones not cached."""
    _compiled: dict[int, ItemRules] = session.info.setdefault("cache", {}).setdefault(
        "compiled_versions", {}
    )
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
                    subject_kind=kinds[version.id],
                    rule=version.rule,
                    amount=version.amount,
                    params=version.params,
                )
            except RuleInvalid as exc:  # published versions are validated; say so loudly if not
                log.error("item version %s has an invalid rule and is skipped: %s", version.id, exc)
    return {version_id: _compiled[version_id] for version_id in kinds if version_id in _compiled}
