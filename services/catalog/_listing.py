"""The public catalog: published policies and live items, by keyword and filters, and their pages.

Anyone may read it (no login). A logged-in resident also sees, on a detail page, how each of
their subjects stands on each item, with the rules' full explanation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from models import (
    Claim,
    Department,
    Policy,
    PolicyCategory,
    PolicyItem,
    PolicyStatus,
    Subject,
)
from rules import Facts, FactType, ItemRules, ParamMissing
from rules.eligibility import Eligibility
from services.catalog import _search as search
from services.errors import NotFound
from services.matching import compiled_versions
from services.residents import shown_name


@dataclass(frozen=True)
class Filters:
    """What a list is narrowed to; None means any."""

    keyword: str | None = None
    department_id: int | None = None
    category: str | None = None
    subject_type: str | None = None
    mode: str | None = None
    open_now: bool | None = None
    district: str | None = None

    @property
    def on_items(self) -> bool:
        """Tell whether a filter needs a policy's items (not only the policy)."""
        return any(
            value is not None
            for value in (self.subject_type, self.mode, self.open_now, self.district)
        )


def district_facts(facts: Facts) -> list[str]:
    """Return the facts of a kind that hold an administrative division (户籍, 注册地 …)."""
    return [
        fact.name
        for fact in facts.values()
        if fact.type is FactType.CODE and fact.code_table == "division" and not fact.derived
    ]


def open_for(rules: ItemRules, district: str, today: date) -> bool:
    """Tell whether someone of this district may qualify: the rule, given only the district,
    is not already failed (the same evaluator as matching decides, not a second reading)."""
    facts = dict.fromkeys(district_facts(rules.facts), district)
    try:
        return rules.verdict(facts, today) != Eligibility.INELIGIBLE
    except ParamMissing:  # no standard in force today: nobody can qualify now
        return False


def _live_items_query(filters: Filters, now: datetime):
    query = (
        select(
            PolicyItem.id,
            PolicyItem.policy_id,
            PolicyItem.current_version_id,
            PolicyItem.subject_type,
        )
        .join(Policy, Policy.id == PolicyItem.policy_id)
        .where(
            PolicyItem.status == PolicyStatus.PUBLISHED,
            Policy.status == PolicyStatus.PUBLISHED,
            PolicyItem.current_version_id.is_not(None),
        )
    )
    if filters.department_id is not None:
        query = query.where(Policy.department_id == filters.department_id)
    if filters.category:
        query = query.where(_in_category(filters.category))
    if filters.subject_type:
        query = query.where(PolicyItem.subject_type == filters.subject_type)
    if filters.mode:
        query = query.where(PolicyItem.mode == filters.mode)
    if filters.open_now is not None:
        is_open = (PolicyItem.apply_from.is_(None) | (PolicyItem.apply_from <= now)) & (
            PolicyItem.apply_until.is_(None) | (PolicyItem.apply_until >= now)
        )
        query = query.where(is_open if filters.open_now else ~is_open)
    return query


def _in_category(category: str):
    return exists().where(
        PolicyCategory.policy_id == Policy.id, PolicyCategory.category == category
    )


def _candidate_items(session: Session, filters: Filters, now: datetime, today: date) -> list:
    rows = list(session.execute(_live_items_query(filters, now)))
    if filters.district:
        compiled = compiled_versions(session, {r.current_version_id: r.subject_type for r in rows})
        rows = [
            r
            for r in rows
            if r.current_version_id in compiled
            and open_for(compiled[r.current_version_id], filters.district, today)
        ]
    return rows


def _ranked(ids: Iterable[int], ranking: dict[int, tuple[int, int]] | None) -> list[int]:
    """Order ids by relevance (words found, weight) with a keyword, else newest first."""
    if ranking is None:
        return sorted(set(ids), reverse=True)
    return sorted(
        (i for i in set(ids) if i in ranking),
        key=lambda i: (-ranking[i][0], -ranking[i][1], -i),
    )


def list_items(
    *,
    session: Session,
    filters: Filters,
    now: datetime,
    today: date,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of live items matching the filters, best first, and how many match."""
    rows = _candidate_items(session, filters, now, today)
    ranking = search.scores(session, filters.keyword, items=True) if filters.keyword else None
    ordered = _ranked((r.id for r in rows), ranking)
    chosen = ordered[(page - 1) * page_size : page * page_size]
    return item_cards(session, chosen, now), len(ordered)


def list_policies(
    *,
    session: Session,
    filters: Filters,
    now: datetime,
    today: date,
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of published policies matching the filters, best first, and the count.

    Filters on items (subject type, mode, open now, district) keep the policies that have at
    least one live item passing them.
    """
    if filters.on_items:
        ids = {r.policy_id for r in _candidate_items(session, filters, now, today)}
    else:
        query = select(Policy.id).where(Policy.status == PolicyStatus.PUBLISHED)
        if filters.department_id is not None:
            query = query.where(Policy.department_id == filters.department_id)
        if filters.category:
            query = query.where(_in_category(filters.category))
        ids = set(session.scalars(query))
    ranking = search.scores(session, filters.keyword, items=False) if filters.keyword else None
    ordered = _ranked(ids, ranking)
    chosen = ordered[(page - 1) * page_size : page * page_size]
    return policy_cards(session, chosen), len(ordered)


def _departments(session: Session, ids: Iterable[int]) -> dict[int, Department]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(wanted)))}


def _department(department: Department | None) -> dict[str, Any] | None:
    if department is None:
        return None
    return {"id": department.id, "name": department.name, "short_name": department.short_name}


def _is_open(item: PolicyItem, now: datetime) -> bool:
    return (item.apply_from is None or item.apply_from <= now) and (
        item.apply_until is None or item.apply_until >= now
    )


def item_cards(session: Session, ids: list[int], now: datetime) -> list[dict[str, Any]]:
    """Return the list entries of these items, in the given order."""
    if not ids:
        return []
    items = {
        item.id: item
        for item in session.scalars(
            select(PolicyItem)
            .where(PolicyItem.id.in_(ids))
            .options(selectinload(PolicyItem.policy).selectinload(Policy.categories))
        )
    }
    departments = _departments(session, (i.policy.department_id for i in items.values()))
    compiled = compiled_versions(
        session,
        {i.current_version_id: i.subject_type for i in items.values() if i.current_version_id},
    )
    return [
        _item_card(items[i], departments, compiled.get(items[i].current_version_id or 0), now)
        for i in ids
        if i in items
    ]


def _item_card(
    item: PolicyItem,
    departments: dict[int, Department],
    rules: ItemRules | None,
    now: datetime,
) -> dict[str, Any]:
    policy = item.policy
    return {
        "id": item.id,
        "code": item.code,
        "name": item.name,
        "benefit": item.benefit,
        "subject_type": item.subject_type,
        "mode": item.mode,
        "apply_from": item.apply_from,
        "apply_until": item.apply_until,
        "open_now": _is_open(item, now),
        "amount_period": None if rules is None or rules.amount is None else rules.amount.period,
        "policy": {"id": policy.id, "title": policy.title, "doc_number": policy.doc_number},
        "department": _department(departments.get(policy.department_id)),
        "categories": [c.category for c in policy.categories],
    }


def policy_cards(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """Return the list entries of these policies, in the given order."""
    if not ids:
        return []
    policies = {p.id: p for p in session.scalars(select(Policy).where(Policy.id.in_(ids)))}
    departments = _departments(session, (p.department_id for p in policies.values()))
    counts: dict[int, int] = {}
    for policy_id in session.scalars(
        select(PolicyItem.policy_id).where(
            PolicyItem.policy_id.in_(ids), PolicyItem.status == PolicyStatus.PUBLISHED
        )
    ):
        counts[policy_id] = counts.get(policy_id, 0) + 1
    return [_policy_card(policies[i], departments, counts.get(i, 0)) for i in ids if i in policies]


def _policy_card(
    policy: Policy, departments: dict[int, Department], item_count: int
) -> dict[str, Any]:
    return {
        "id": policy.id,
        "code": policy.code,
        "title": policy.title,
        "doc_number": policy.doc_number,
        "summary": policy.summary,
        "issued_on": policy.issued_on,
        "effective_from": policy.effective_from,
        "effective_to": policy.effective_to,
        "published_at": policy.published_at,
        "department": _department(departments.get(policy.department_id)),
        "categories": [c.category for c in policy.categories],
        "item_count": item_count,
    }


def policy_detail(
    *, session: Session, policy_id: int, subject_ids: list[int], now: datetime, today: date
) -> dict[str, Any]:
    """Return a published policy's page: texts, 解读, source, live items (and my standing)."""
    policy = session.get(Policy, policy_id)
    if policy is None or policy.status != PolicyStatus.PUBLISHED:
        raise NotFound("政策不存在或已下线")
    item_ids = list(
        session.scalars(
            select(PolicyItem.id)
            .where(PolicyItem.policy_id == policy.id, PolicyItem.status == PolicyStatus.PUBLISHED)
            .order_by(PolicyItem.id)
        )
    )
    items = item_cards(session, item_ids, now)
    subjects = _subjects(session, subject_ids)
    for card in items:
        card["mine"] = _standings(session, card, subjects, today)
    card = _policy_card(policy, _departments(session, [policy.department_id]), len(items))
    return {
        **card,
        "body": policy.body,
        "interpretation": policy.interpretation,
        "source_url": policy.source_url,
        "items": items,
    }


def item_detail(
    *, session: Session, item_id: int, subject_ids: list[int], now: datetime, today: date
) -> dict[str, Any]:
    """Return a live item's page: materials, window, amount, guide (and my standing)."""
    item = session.get(PolicyItem, item_id)
    if (
        item is None
        or item.status != PolicyStatus.PUBLISHED
        or item.policy.status != PolicyStatus.PUBLISHED
        or item.current_version is None
    ):
        raise NotFound("政策事项不存在或已下线")
    card = item_cards(session, [item.id], now)[0]
    version = item.current_version
    card.update(
        guide_text=item.guide_text,
        contact=item.contact,
        promised_days=item.promised_days,
        materials=list(version.materials or []),
        mine=_standings(session, card, _subjects(session, subject_ids), today),
    )
    return card


def _subjects(session: Session, subject_ids: list[int]) -> list:
    if not subject_ids:
        return []
    rows = session.execute(
        select(Subject.id, Subject.kind, Subject.name, Subject.facts).where(
            Subject.id.in_(subject_ids)
        )
    )
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in subject_ids if i in by_id]


def _standings(
    session: Session, card: dict[str, Any], subjects: list, today: date
) -> list[dict[str, Any]]:
    """Evaluate the item for each of the caller's subjects of its kind, with the explanation."""
    mine = [s for s in subjects if s.kind == card["subject_type"]]
    if not mine:
        return []
    version_id = session.scalar(
        select(PolicyItem.current_version_id).where(PolicyItem.id == card["id"])
    )
    # None (no such item, or no current version) finds no rules: compiled_versions returns {}
    compiled = compiled_versions(session, {version_id: card["subject_type"]}).get(version_id)  # type: ignore[dict-item, arg-type]
    if compiled is None:
        return []
    try:
        standings = [standing_of(compiled, subject, today) for subject in mine]
    except ParamMissing:  # no standard in force today: there is nothing to explain
        return []
    # a subject's claim in progress (or paid) on this item: 一键办理 would be refused (409)
    from services.claims import ACTIVE

    claims = {
        row.subject_id: {"id": row.id, "status": row.status}
        for row in session.execute(
            select(Claim.id, Claim.status, Claim.subject_id).where(
                Claim.item_id == card["id"],
                Claim.subject_id.in_([s.id for s in mine]),
                Claim.status.in_(ACTIVE),
            )
        )
    }
    from services.supplements import pending_for

    declared = pending_for(session, [s.id for s in mine], card["id"])
    for standing in standings:
        standing["claim"] = claims.get(standing["subject_id"])
        standing["supplements"] = declared.get(standing["subject_id"], [])
    return standings


def standing_of(rules: ItemRules, subject: Any, today: date) -> dict[str, Any]:
    """Return one subject's verdict on an item with the full explanation (Chinese)."""
    evaluation = rules.evaluate(subject.facts or {}, today, explain=True)
    labels = rules.facts
    return {
        "subject_id": subject.id,
        "subject_kind": subject.kind,
        "subject_name": shown_name(subject.kind, subject.name),
        "verdict": evaluation.verdict.word,
        "summary": evaluation.summary,
        "missing": [
            {"fact": name, "label": labels[name].label if name in labels else name}
            for name in evaluation.missing
        ],
        "explanation": None if evaluation.explanation is None else evaluation.explanation.to_dict(),
        "amount": None if evaluation.amount is None else evaluation.amount.to_dict(),
    }
