"""政策计算器: every live item's verdict and amount for a profile, typed in or "what if" changed.

The same evaluator as matching (matching live_items -> ItemRules.evaluate): the calculator
never has its own reading of a rule or a formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Policy, PolicyItem, Subject
from models.clock import SHANGHAI
from rules import Explained, Facts, ParamMissing
from rules.catalog import unknown_fact
from rules.eligibility import Eligibility
from services.errors import InvalidInput, NotFound, Unauthorized
from services.facts import current as current_catalog
from services.matching import ItemFacts, live_item_facts, live_items
from services.profiles import normalised_value
from services.residents._access import require_bound

ORDER = {Eligibility.ELIGIBLE: 0, Eligibility.UNKNOWN: 1, Eligibility.INELIGIBLE: 2}
MAX_FACTS = 100


def checked_facts(
    catalog: Facts, given: Mapping[str, Any], *, field: str, nulls: bool
) -> dict[str, Any]:
    """Return the facts checked against the catalog, or raise InvalidInput per field.

    Derived facts (年龄 …) may be given directly: someone trying the calculator knows their
    age sooner than they type their birth date. With `nulls`, null means "as if missing".
    """
    errors: dict[str, list[str]] = {}
    facts: dict[str, Any] = {}
    if len(given) > MAX_FACTS:
        raise InvalidInput("指标过多", errors={field: [f"最多 {MAX_FACTS} 项"]})
    for name, raw in given.items():
        fact = catalog.get(name)
        key = f"{field}.{name}"
        if fact is None:
            errors[key] = [unknown_fact(catalog, name)]
        elif raw is None:
            if nulls:
                facts[name] = None
            else:
                errors[key] = ["不能为空"]
        else:
            try:
                facts[name] = normalised_value(fact, raw)
            except ValueError as exc:
                errors[key] = [str(exc)]
    if errors:
        raise InvalidInput("指标有误，请检查后重试", errors=errors)
    return facts


def failing_conditions(node: Explained) -> list[Explained]:
    """Return the conditions that make a failed rule fail (a custom-worded group counts as one)."""
    if node.status != Eligibility.INELIGIBLE:
        return []
    if node.children and node.op == "all" and not node.custom:
        return [found for child in node.children for found in failing_conditions(child)]
    return [node]


def calculate(
    *,
    session: Session,
    as_of: date,
    subject_type: str | None = None,
    facts: Mapping[str, Any] | None = None,
    subject_id: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    wechat_user_id: int | None = None,
) -> dict[str, Any]:
    """Evaluate every live item of a kind for typed-in facts, or for one of my subjects with
    "what if" overrides; return each verdict, amount and trace, and the totals."""
    baseline: Mapping[str, Any] | None = None
    if subject_id is not None:
        if wechat_user_id is None:
            raise Unauthorized("请先登录后再用自己的档案试算")
        require_bound(session, wechat_user_id, subject_id)
        subject = session.get(Subject, subject_id)
        if subject is None:
            raise NotFound("未找到该办事主体")
        kind = subject.kind
        catalog = current_catalog(session).of(kind)
        baseline = subject.facts or {}
        given = checked_facts(catalog, overrides or {}, field="overrides", nulls=True)
        stored, changes = baseline, given
    else:
        assert subject_type is not None
        kind = subject_type
        catalog = current_catalog(session).of(kind)
        stored = checked_facts(catalog, facts or {}, field="facts", nulls=False)
        changes = None
    items = live_items(session, kind)
    titles = _policies(session, [item.id for item in items])
    windows = live_item_facts(session, {item.id for item in items}) if items else {}
    results: list[dict[str, Any]] = []
    not_evaluated: list[dict[str, Any]] = []
    for item in items:
        shown = {"id": item.id, "code": item.code, "name": item.name, "mode": item.mode}
        closed = _outside_window(windows.get(item.id), as_of)
        if closed:
            not_evaluated.append({"item": shown, "policy": titles.get(item.id), "reason": closed})
            continue
        try:
            evaluation = item.rules.evaluate(stored, as_of, explain=True, overrides=changes or None)
        except ParamMissing as exc:  # the item has no standard for that day
            reason = f"{as_of.isoformat()} 尚无适用的标准（{exc}），无法按该日计算"
            not_evaluated.append({"item": shown, "policy": titles.get(item.id), "reason": reason})
            continue
        failing = (
            failing_conditions(evaluation.explanation)
            if evaluation.verdict == Eligibility.INELIGIBLE and evaluation.explanation is not None
            else []
        )
        amount = evaluation.amount
        results.append(
            {
                "item": shown,
                "policy": titles.get(item.id),
                "verdict": evaluation.verdict,  # said as its word below, after _totals
                "summary": evaluation.summary,
                "missing": [_labelled(catalog, name) for name in evaluation.missing],
                "near_miss": failing[0].text if len(failing) == 1 else None,
                "amount": None if amount is None else amount.to_dict(),
                "baseline_verdict": None
                if baseline is None
                else item.rules.verdict(baseline, as_of).word,
            }
        )
    results.sort(
        key=lambda r: (
            ORDER[r["verdict"]],
            -((r["amount"] or {}).get("annual_fen") or 0),
            r["item"]["id"],
        )
    )
    totals = _totals(results)
    for result in results:
        result["verdict"] = result["verdict"].word
    return {
        "subject_type": kind,
        "subject_id": subject_id,
        "as_of": as_of,
        "items": results,
        "not_evaluated": not_evaluated,
        **totals,
    }


def _outside_window(item: ItemFacts | None, as_of: date) -> str | None:
    """Say why an item is not open for applications on as_of (Shanghai dates), or None."""
    if item is None:
        return None
    opens = item.apply_from.astimezone(SHANGHAI).date() if item.apply_from else None
    closes = item.apply_until.astimezone(SHANGHAI).date() if item.apply_until else None
    if (opens is None or opens <= as_of) and (closes is None or as_of <= closes):
        return None
    window = f"{opens or '不限'} 至 {closes or '不限'}"
    return f"{as_of.isoformat()} 不在申请期内（{window}），该日不能享受此事项"


def _totals(results: list[dict[str, Any]]) -> dict[str, int]:
    def yearly(verdict: Eligibility) -> int:
        return sum(
            (r["amount"] or {}).get("annual_fen") or 0 for r in results if r["verdict"] == verdict
        )

    return {
        "eligible_count": sum(r["verdict"] == Eligibility.ELIGIBLE for r in results),
        "unknown_count": sum(r["verdict"] == Eligibility.UNKNOWN for r in results),
        "total_fen": yearly(Eligibility.ELIGIBLE),
        "possible_fen": yearly(Eligibility.UNKNOWN),
    }


def _labelled(catalog: Facts, name: str) -> dict[str, str]:
    fact = catalog.get(name)
    return {"fact": name, "label": fact.label if fact else name}


def _policies(session: Session, item_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not item_ids:
        return {}
    rows = session.execute(
        select(PolicyItem.id, Policy.id.label("policy_id"), Policy.title)
        .join(Policy, Policy.id == PolicyItem.policy_id)
        .where(PolicyItem.id.in_(item_ids))
    )
    return {row.id: {"id": row.policy_id, "title": row.title} for row in rows}
