"""The one line a resident reads first: 符合 / 不符合 / 还差."""

from __future__ import annotations

from rules.catalog import Fact
from rules.evaluate import ELIGIBLE, INELIGIBLE, Explained

MOST = 4


def summarize(root: Explained | None, facts: dict[str, Fact]) -> str:
    """Summarize an explanation; None (the empty rule) means everyone qualifies."""
    if root is None:
        return "符合：本事项对所有申请主体开放"
    if root.status == ELIGIBLE:
        return "符合：" + _join("、", _passed(root))
    if root.status == INELIGIBLE:
        return "不符合：" + _join("；", _failed(root))
    labels = [facts[name].label if name in facts else name for name in root.missing]
    return "还差：请补充 " + "、".join(labels)


def _join(separator: str, reasons: list[str]) -> str:
    unique = list(dict.fromkeys(reasons))
    shown = separator.join(unique[:MOST])
    return shown + ("等" if len(unique) > MOST else "")


def _passed(node: Explained) -> list[str]:
    """Reasons a passing node passed: the values that satisfied it."""
    if not node.children:
        if node.sensitive or node.actual is None or _presence(node):
            return [node.text]
        return [node.actual]
    if node.op == "all":
        return [reason for child in node.children for reason in _passed(child)]
    if node.op == "any":
        return _passed(next(child for child in node.children if child.status == ELIGIBLE))
    return [node.text]


def _failed(node: Explained) -> list[str]:
    """Reasons a failing node failed: what the subject has, and what is needed."""
    if not node.children:
        if node.sensitive or node.actual is None or _presence(node):
            return [f"需{node.text}"]
        return [f"{node.actual}，需{node.text}"]
    if node.op == "all":
        return [
            reason
            for child in node.children
            if child.status == INELIGIBLE
            for reason in _failed(child)
        ]
    if node.op == "any" and not node.custom:
        return ["以下条件需满足其一：" + " / ".join(child.text for child in node.children)]
    return [f"需{node.text}"]


def _presence(node: Explained) -> bool:
    return node.op in ("exists", "missing")


__all__ = ["summarize"]
