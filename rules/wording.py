"""How conditions, values and amounts read in Chinese."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules.catalog import Fact, FactType
from rules.language import Condition, Group, Node

SYMBOLS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
DATE_WORDS = {"<": "早于", "<=": "不晚于", ">": "晚于", ">=": "不早于", "==": "为", "!=": "不为"}
RANK_WORDS = {"<": "低于", "<=": "及以下", ">": "高于", ">=": "及以上"}
WINDOW_WORDS = {"days": "天", "months": "个月", "years": "年"}
YEAR_WORDS = {0: "当年", -1: "上一年度", 1: "下一年度"}
MASK = "***"


def yuan(fen: int) -> str:
    """Show an amount in fen as yuan: 450000 -> '4,500 元', 12345 -> '123.45 元'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}{'' if cents == 0 else f'.{cents:02d}'} 元"


def show_date(day: date) -> str:
    """Show a date as people write it: 2026年11月27日."""
    return f"{day.year}年{day.month}月{day.day}日"


def show(fact: Fact, value: Any) -> str:
    """Show a typed value with its unit or label."""
    kind = fact.type
    if kind is FactType.MONEY:
        return yuan(value)
    if kind is FactType.INTEGER:
        return f"{value} {fact.unit}".strip()
    if kind is FactType.PERCENT:
        return f"{value:g}%"
    if kind is FactType.YEAR:
        return f"{value}年"
    if kind is FactType.DECIMAL:
        return f"{value:g}{fact.unit}" if fact.unit == "%" else f"{value:g} {fact.unit}".strip()
    if kind is FactType.BOOLEAN:
        return "是" if value else "否"
    if kind is FactType.DATE:
        return show_date(value)
    if kind is FactType.TAGS:
        return "、".join(fact.label_of(tag) for tag in _in_order(fact, value)) or "无"
    return fact.label_of(value)


def actual(fact: Fact, value: Any) -> str:
    """Say what a subject's fact is: '年龄 82 周岁', '户籍东昌府区'; sensitive values masked."""
    if value is None:
        return f"{fact.label}未登记"
    shown = MASK if fact.sensitive else show(fact, value)
    joiner = "" if fact.type in (FactType.ENUM, FactType.CODE, FactType.TAGS) else " "
    if fact.type is FactType.BOOLEAN:
        joiner = "："
    return f"{fact.label}{joiner}{shown}"


def requirement(condition: Condition, value: Any) -> str:
    """Say what a condition asks for; its own label when the publisher wrote one."""
    if condition.label:
        return condition.label
    fact, op, label = condition.fact, condition.op, condition.fact.label
    if op == "has":
        return f"有{label}"
    if op == "exists":
        return f"已登记{label}"
    if op == "missing":
        return f"未登记{label}"
    if condition.other is not None:
        if fact.type is FactType.DATE:
            return f"{label}{DATE_WORDS[op]}{condition.other.label}"
        return f"{label} {SYMBOLS[op]} {condition.other.label}"
    if op == "within_last":
        unit, count = value
        return f"{label}在近 {count} {WINDOW_WORDS[unit]}内"
    if op in ("before", "after"):
        return f"{label}{'早于' if op == 'before' else '晚于'} {show_date(value)}"
    if op == "in_year":
        return f"{label}在{YEAR_WORDS.get(value) or _years_away(value)}"
    if op in ("years_since", "months_since"):
        compare_to, count = value
        until = "至今" if condition.on is None else f"至{show_date(condition.on)}"
        unit = "周年" if op == "years_since" else "个月"
        return f"{label}{until} {SYMBOLS[compare_to]} {count} {unit}"
    if op == "between":
        low, high = value
        if fact.type is FactType.ENUM:
            return f"{label}在 {fact.label_of(low)} 至 {fact.label_of(high)} 之间"
        if fact.type is FactType.DATE:
            return f"{label}在 {show_date(low)} 至 {show_date(high)} 之间"
        return f"{label}在 {_bare(fact, low)}–{show(fact, high)} 之间"
    if op in ("in", "not_in"):
        return _membership(fact, op, value)
    if op in ("has_any", "has_all", "has_none"):
        names = [fact.label_of(tag) for tag in _in_order(fact, value)]
        joined = {"has_any": " 或 ", "has_all": " 和 ", "has_none": "、"}[op]
        verb = {"has_any": "含", "has_all": "同时含", "has_none": "不含"}[op]
        return f"{label}{verb} {joined.join(names)}"
    if fact.type is FactType.DATE:
        return f"{label}{DATE_WORDS[op]} {show_date(value)}"
    if fact.type is FactType.ENUM and op in RANK_WORDS:
        word = RANK_WORDS[op]
        return (
            f"{label}{fact.label_of(value)}{word}"
            if op in ("<=", ">=")
            else f"{label}{word}{fact.label_of(value)}"
        )
    if fact.type in (FactType.ENUM, FactType.CODE, FactType.BOOLEAN):
        verb = "为" if op == "==" else "不为"
        if fact.type is FactType.BOOLEAN:
            return f"{label}：{'是' if value == (op == '==') else '否'}"
        return f"{label}{verb} {show(fact, value)}"
    return f"{label} {SYMBOLS[op]} {show(fact, value)}"


def group_wording(group: Group, child_texts: list[str]) -> str:
    """Say what a group asks for."""
    if group.label:
        return group.label
    if group.op == "not":
        return f"不满足：{child_texts[0]}"
    if group.op == "any":
        return "满足其一：" + "；".join(child_texts)
    return "同时满足：" + "；".join(child_texts)


def node_wording(node: Node, bound_value: Any = None) -> str:
    """Say what any node asks for (values of conditions must already be bound)."""
    if isinstance(node, Condition):
        return requirement(node, node.value if bound_value is None else bound_value)
    return group_wording(node, [node_wording(child) for child in node.children])


def _membership(fact: Fact, op: str, value: Any) -> str:
    label = fact.label
    if fact.type is FactType.CODE:
        names = "、".join(fact.label_of(code) for code in value)
        return f"{label}{'在' if op == 'in' else '不在'} {names}"
    items = sorted(value, key=fact.rank) if fact.type is FactType.ENUM else sorted(value)
    names = "、".join(show(fact, item) for item in items)
    if op == "not_in":
        return f"{label}不为 {names}"
    return f"{label}为 {names}" + (" 之一" if len(items) > 1 else "")


def _years_away(offset: int) -> str:
    return f"{-offset} 年前那一年" if offset < 0 else f"{offset} 年后那一年"


def _bare(fact: Fact, value: Any) -> str:
    if fact.type is FactType.MONEY:
        return yuan(value).removesuffix(" 元")
    return f"{value:g}" if isinstance(value, float) else str(value)


def _in_order(fact: Fact, tags: Any) -> list[str]:
    order = {value: index for index, value in enumerate(fact.values)}
    return sorted(tags, key=lambda tag: order.get(tag, len(order)))
