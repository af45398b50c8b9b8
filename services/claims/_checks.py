"""What a submission is checked against: the item is live, one-tap, open; the subject qualifies.

Eligibility is decided exactly as matching decides it (the item's compiled current version over
the subject's current facts, as of today in Asia/Shanghai), not read from the stored matches,
which may be a few seconds behind a profile change.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from models import ItemMode, PolicyItem, PolicyStatus, Subject
from models.clock import to_local
from rules import Evaluation, Explained, ItemRules
from rules.codes import DIVISIONS
from rules.eligibility import Eligibility
from rules.identifiers import mask_name
from rules.profile import Profile
from rules.wording import MASK, show
from services.errors import InvalidInput, NotFound
from services.matching import compiled_versions

KIND_WORDS = {"person": "个人", "enterprise": "企业"}
MODE_REFUSALS: dict[str, str] = {
    ItemMode.AUTO_GRANT: "该事项为免申即享，无需申请，符合条件的将自动办理",
    ItemMode.GUIDE: "该事项暂不支持在线申请，请按办理指引办理",
}


def claimable_item(
    session: Session, item_id: int, subject: Subject, now: datetime
) -> tuple[PolicyItem, ItemRules]:
    """Return a live one-tap item open for applications, with its compiled rules, or raise."""
    item = session.get(PolicyItem, item_id)
    if item is None or item.status == PolicyStatus.DRAFT:
        raise NotFound("政策事项不存在")
    live = (
        item.status == PolicyStatus.PUBLISHED
        and item.policy.status == PolicyStatus.PUBLISHED
        and item.current_version_id is not None
    )
    if not live:
        raise _refuse("item_id", "该事项已停止办理")
    if item.mode != ItemMode.ONE_TAP:
        raise _refuse("item_id", MODE_REFUSALS.get(item.mode, "该事项不支持在线申请"))
    if item.subject_type != subject.kind:
        raise _refuse("subject_id", f"该事项只面向{KIND_WORDS.get(item.subject_type, '')}申请")
    if item.apply_from is not None and now < item.apply_from:
        day = to_local(item.apply_from).date()
        raise _refuse("item_id", f"尚未开始受理，{day.month}月{day.day}日起可以申请")
    if item.apply_until is not None and now > item.apply_until:
        raise _refuse("item_id", "申请已截止")
    assert item.current_version_id is not None  # `live` checked it
    rules = compiled_versions(session, {item.current_version_id: item.subject_type}).get(
        item.current_version_id
    )
    if rules is None:
        raise _refuse("item_id", "该事项暂不能在线申请")
    return item, rules


def require_eligible(rules: ItemRules, subject: Subject, today: date) -> Evaluation:
    """Return the evaluation of an eligible subject; otherwise refuse with the reasons."""
    evaluation = rules.evaluate(subject.facts or {}, today, explain=True)
    if evaluation.verdict == Eligibility.ELIGIBLE:
        return evaluation
    reasons = _reasons(evaluation.explanation) or [evaluation.summary]
    raise InvalidInput(f"暂不符合申请条件（{evaluation.summary}）", errors={"eligibility": reasons})


def prefill(subject: Subject, rules: ItemRules, today: date) -> dict[str, Any]:
    """Return the form as the profile fills it: who (name masked), where, and the rule's facts."""
    profile = Profile(rules.facts, subject.facts or {}, today)
    facts = []
    for name in sorted(rules.facts_used()):
        fact = rules.facts.get(name)
        if fact is None:
            continue
        value = profile.get(name)
        shown = None if value is None else (MASK if fact.sensitive else show(fact, value))
        facts.append({"fact": name, "label": fact.label, "value": shown})
    district = subject.district_code
    return {
        "applicant": {
            "kind": subject.kind,
            "name": mask_name(subject.name),
            "district_code": district,
            "district": DIVISIONS.get(district or "", district),
        },
        "facts": facts,
    }


def _reasons(node: Explained | None) -> list[str]:
    """Return each unmet condition: what it asks, and what the profile holds."""
    if node is None:
        return []
    if node.children and node.op in ("all", "any") and not node.custom:
        if node.op == "any" and node.status == Eligibility.INELIGIBLE:
            return ["以下条件需满足其一：" + " / ".join(child.text for child in node.children)]
        return [reason for child in node.children for reason in _reasons(child)]
    if node.status == Eligibility.INELIGIBLE:
        return [f"不符合：{node.text}" + (f"（{node.actual}）" if node.actual else "")]
    if node.status == Eligibility.UNKNOWN:
        return [f"待补充：{node.text}" + (f"（{node.actual}）" if node.actual else "")]
    return []


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors={field: [message]})
