"""Answers built from the items, never invented: the amount, conditions, materials, window and
department come from the structured item and the rule engine's own wording; facts the question
states are evaluated on the cited item ("按您说的情况…"), and a logged-in resident's bound subject
on their profile."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.clock import to_local
from services.ask._index import Entry

MODE_WORDS = {
    "auto_grant": "免申即享：符合条件的由部门比对数据后直接发放，无需申请。",
    "one_tap": "可在「政策快享」小程序里一键办理。",
    "guide": "需按办理指引到部门办理。",
}
VERDICT_WORDS = {"eligible": "符合", "ineligible": "暂不符合", "unknown": "还需要更多信息才能判断"}
PERIOD_WORDS = {"monthly": "每月", "yearly": "每年", "once": "一次性", "annual": "每年"}


def yuan(fen: int) -> str:
    """Fen as 元 the way people write it: 200元, 1.5万元 stays 15000元 (exact), 12.50元."""
    whole, cents = divmod(int(fen), 100)
    return f"{whole}元" if not cents else f"{whole}.{cents:02d}元"


def window_text(entry: Entry) -> str:
    """The application window in words."""
    start = to_local(entry.apply_from).date().isoformat() if entry.apply_from else ""
    end = to_local(entry.apply_until).date().isoformat() if entry.apply_until else ""
    if not start and not end:
        return "申请期：长期有效"
    return f"申请期：{start or '即日起'} 至 {end or '长期'}"


def materials_text(entry: Entry) -> str:
    """The materials, required first."""
    names = [m.get("name", "") for m in entry.materials if m.get("required", True)]
    optional = [m.get("name", "") for m in entry.materials if not m.get("required", True)]
    if not names and not optional:
        return "无需提交材料。" if entry.mode == "auto_grant" else "办理材料以部门要求为准。"
    text = "需要准备：" + "、".join(names) if names else ""
    if optional:
        text += ("；" if text else "") + "可选：" + "、".join(optional)
    return text + "。"


def evaluation_text(result: dict[str, Any], stated: str) -> str:
    """What the engine said for the facts given, in one sentence."""
    verdict = result["verdict"]
    amount = result.get("amount") or {}
    fen = amount.get("fen")
    money = ""
    if fen is not None:
        money = f"，{PERIOD_WORDS.get(amount.get('period', ''), '')}{yuan(fen)}"
    head = f"按{stated}：{VERDICT_WORDS.get(verdict, verdict)}{money}"
    missing = [m["label"] for m in result.get("missing") or []]
    if verdict == "unknown" and missing:
        head += f"（还需确认：{'、'.join(missing)}）"
    if verdict == "ineligible" and result.get("reasons"):
        head += f"（{result['reasons'][0]}）"
    return head + "。"


def compose(
    entry: Entry, intent: str, evaluation: dict[str, Any] | None, stated: str, today: date
) -> str:
    """The answer's text for the best item, by intent."""
    parts = [f"【{entry.name}】"]
    if evaluation is not None:
        parts.append(evaluation_text(evaluation, stated))
    if intent in ("amount", "general", "eligibility") and entry.benefit:
        parts.append(f"标准：{entry.benefit}。")
    if intent in ("eligibility", "general") and entry.conditions:
        parts.append(f"条件：{'、'.join(entry.conditions)}。")
    if intent == "materials":
        parts.append(materials_text(entry))
    if intent in ("process", "general", "materials", "eligibility"):
        parts.append(MODE_WORDS.get(entry.mode, ""))
        if intent == "process" and entry.guide_text:
            parts.append(entry.guide_text)
    if intent == "deadline":
        parts.append(window_text(entry) + "。")
        if entry.promised_days:
            parts.append(f"承诺 {entry.promised_days} 个工作日内办结。")
    if entry.contact:
        parts.append(f"咨询：{entry.contact}。")
    return "".join(p for p in parts if p)
