"""What a mini-program page asks the user to allow (wx.requestSubscribeMessage) and their answer.

One call may hold at most 3 template ids (the older limit; the current one is 5, and 3 works
everywhere), and never one-time and long-term templates together (WeChat fails it, 20002). So a
scene's templates come as a list of requests, the most needed first; the page asks the first on a
tap and may ask the others on later taps. Each template carries the user's remaining count, so a
page can skip asking for what the user has plenty of.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from models.clock import utcnow
from notify.messages import (
    CLAIM_STATUS,
    DEADLINE_NEAR,
    DEFAULT_TEMPLATE_IDS,
    GRANT_MADE,
    NEW_MATCHES,
    PAYOUT_DONE,
    TEMPLATE_TITLES,
)
from services.errors import InvalidInput
from services.subscriptions import _quotas as subscriptions

MAX_PER_REQUEST = 3

# The topics each page asks for, most needed first.
SCENES: dict[str, tuple[str, ...]] = {
    "home": (NEW_MATCHES, GRANT_MADE, DEADLINE_NEAR, CLAIM_STATUS, PAYOUT_DONE),
    "after_claim": (CLAIM_STATUS, PAYOUT_DONE, DEADLINE_NEAR, NEW_MATCHES, GRANT_MADE),
    "grants": (GRANT_MADE, PAYOUT_DONE, NEW_MATCHES, DEADLINE_NEAR, CLAIM_STATUS),
    # 补充信息: the department's decision comes as an 办事进度通知, and an approval may make new
    # items eligible
    "supplement": (CLAIM_STATUS, NEW_MATCHES, GRANT_MADE, DEADLINE_NEAR, PAYOUT_DONE),
}


@dataclass(frozen=True)
class TemplateState:
    """A subscribe template, what it is for, and how many sends the user has allowed."""

    template_id: str
    topic: str | None
    title: str
    long_term: bool
    remaining: int


def request_groups(
    *,
    session: Session,
    wechat_user_id: int,
    scene: str,
    template_ids: Mapping[str, str],
    long_term_templates: Collection[str],
) -> list[list[TemplateState]]:
    """Return the wx.requestSubscribeMessage calls a scene's page should make, most needed first."""
    if scene not in SCENES:
        raise InvalidInput("未知的页面场景", errors={"scene": [f"应为 {'、'.join(SCENES)} 之一"]})
    long_term = set(long_term_templates)
    wanted: dict[str, str] = {}  # template id -> topic, in the scene's order
    for topic in SCENES[scene]:
        wanted.setdefault(template_ids.get(topic) or DEFAULT_TEMPLATE_IDS[topic], topic)
    states = [
        _state(session, wechat_user_id, template_id, topic, template_id in long_term)
        for template_id, topic in wanted.items()
    ]
    return plan(states)


def plan(states: list[TemplateState]) -> list[list[TemplateState]]:
    """Split templates (in order of need) into requests: ≤ 3 each, one-time and long-term apart.

    The requests come in the order of their most needed template.
    """
    groups: list[list[TemplateState]] = []
    for long_term in (True, False):
        of_type = [state for state in states if state.long_term is long_term]
        groups += [
            of_type[start : start + MAX_PER_REQUEST]
            for start in range(0, len(of_type), MAX_PER_REQUEST)
        ]
    position = {state.template_id: n for n, state in enumerate(states)}
    return sorted(groups, key=lambda group: position[group[0].template_id])


def record_client_results(
    *,
    session: Session,
    wechat_user_id: int,
    results: Mapping[str, str],
    template_ids: Mapping[str, str],
    long_term_templates: Collection[str],
) -> list[TemplateState]:
    """Record what the user chose in the popup, as the mini-program reports it; commit.

    WeChat's popup event reports the same tap: services.subscriptions pairs the two, so each
    accept counts once. Every template must be one we configured (else 422, nothing recorded).
    """
    topics = _topics_by_template(template_ids)
    long_term = set(long_term_templates)
    chosen = {tid: result for tid, result in results.items() if tid != "errMsg"}
    unknown = sorted(tid for tid in chosen if tid not in topics and tid not in long_term)
    if unknown:
        raise InvalidInput(
            "订阅消息模板未配置",
            errors={"results": {tid: ["不是本小程序配置的订阅消息模板"] for tid in unknown}},
        )
    subscriptions.record_results(
        session,
        wechat_user_id=wechat_user_id,
        results=chosen,
        source="client",
        long_term_templates=long_term,
        now=utcnow(),
    )
    session.commit()
    return [
        _state(session, wechat_user_id, tid, topics.get(tid), tid in long_term)
        for tid in sorted(chosen)
    ]


def _topics_by_template(template_ids: Mapping[str, str]) -> dict[str, str]:
    topics: dict[str, str] = {}
    for topic, default in DEFAULT_TEMPLATE_IDS.items():
        topics.setdefault(template_ids.get(topic) or default, topic)
    return topics


def _state(
    session: Session, wechat_user_id: int, template_id: str, topic: str | None, long_term: bool
) -> TemplateState:
    left = subscriptions.remaining(
        session, wechat_user_id=wechat_user_id, template_id=template_id, long_term=long_term
    )
    title = TEMPLATE_TITLES.get(topic, "长期订阅消息") if topic else "长期订阅消息"
    return TemplateState(template_id, topic, title, long_term, left)
