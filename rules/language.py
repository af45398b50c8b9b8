"""The rule language: JSON in, a validated tree of groups and conditions out (docs/rules.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from rules.catalog import NUMERIC, Catalog, Fact, Facts, FactType, unknown_fact
from rules.errors import RuleError
from rules.params import Params, Ref, is_ref
from rules.values import coerce, parse_date

MAX_DEPTH = 8
MAX_CONDITIONS = 200
KIND_NAMES = {"person": "个人", "enterprise": "企业"}

COMPARE = ("==", "!=", "<", "<=", ">", ">=")
ORDERING = ("<", "<=", ">", ">=", "between")
PRESENCE = ("exists", "missing", "has")
TAG_OPS = ("has_any", "has_all", "has_none")
SINCE = ("years_since", "months_since")
# Conditions whose outcome depends on the evaluation date itself (not only on the facts).
DATE_RELATIVE = ("within_last", "in_year", *SINCE)
SINCE_LIMITS = {"years_since": 200, "months_since": 2_400}
OPS: dict[FactType, tuple[str, ...]] = {
    FactType.INTEGER: (*COMPARE, "between", "in", "not_in"),
    FactType.DECIMAL: (*COMPARE, "between"),
    FactType.PERCENT: (*COMPARE, "between"),
    FactType.YEAR: (*COMPARE, "between", "in", "not_in", "in_year", "years_since"),
    FactType.MONEY: (*COMPARE, "between"),
    FactType.BOOLEAN: ("==", "!="),
    FactType.DATE: (*COMPARE, "between", "before", "after", "within_last", "in_year", *SINCE),
    FactType.ENUM: ("==", "!=", "in", "not_in"),
    FactType.TAGS: TAG_OPS,
    FactType.CODE: ("==", "!=", "in", "not_in"),
}
WINDOW_UNITS = ("days", "months", "years")
WINDOW_LIMITS = {"days": 36_600, "months": 1_200, "years": 100}


def allowed_ops(fact: Fact) -> tuple[str, ...]:
    """Return the operators a fact's type allows (ordered enums also compare)."""
    ops = OPS[fact.type]
    if fact.type is FactType.ENUM and fact.ordered:
        ops = (*ops, "<", "<=", ">", ">=", "between")
    return (*ops, *PRESENCE)


@dataclass(frozen=True)
class Condition:
    """A test of one fact: against a value, against another fact, or of its presence."""

    path: str
    fact: Fact
    op: str
    value: Any = None
    other: Fact | None = None
    label: str | None = None
    has_refs: bool = False
    on: date | None = (
        None  # years_since / months_since counted to this day, not the evaluation date
    )


@dataclass(frozen=True)
class Group:
    """all / any / not over child nodes."""

    path: str
    op: str
    children: tuple[Node, ...]
    label: str | None = None


Node = Condition | Group


def normalize(fact: Fact, op: str, raw: Any) -> Any:
    """Return the comparison value of a condition in its evaluated form, or raise ValueError."""
    if op in ("in", "not_in", *TAG_OPS):
        if not isinstance(raw, list | tuple) or not raw:
            raise ValueError(f"运算「{op}」需要一个非空列表")
        if fact.type is FactType.TAGS:
            return coerce(fact, list(raw))
        items = [coerce(fact, code_of(fact, item)) for item in raw]
        return tuple(items) if fact.type is FactType.CODE else frozenset(items)
    if op == "between":
        if not isinstance(raw, list | tuple) or len(raw) != 2:
            raise ValueError("between 需要 [下限, 上限] 两个值")
        low, high = (_scalar(fact, item) for item in raw)
        if _order(fact, low) > _order(fact, high):
            raise ValueError("between 的下限不能大于上限")
        return (low, high)
    if op == "within_last":
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in WINDOW_UNITS:
            raise ValueError('within_last 需要 {"days"|"months"|"years": N}')
        unit, count = next(iter(raw.items()))
        if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
            raise ValueError("within_last 的时长应为正整数")
        if count > WINDOW_LIMITS[unit]:
            raise ValueError(f"within_last 最长 {WINDOW_LIMITS[unit]} {unit}")
        return (unit, count)
    if op in ("before", "after"):
        return parse_date(raw)
    if op == "in_year":
        if isinstance(raw, bool) or not isinstance(raw, int) or not -100 <= raw <= 100:
            raise ValueError("in_year 的值是相对评估日所在年份的年数：0 为当年，-1 为上一年")
        return raw
    if op in SINCE:
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in COMPARE:
            raise ValueError(f'{op} 需要一个比较，如 {{">=": 60}}')
        compare, count = next(iter(raw.items()))
        limit = SINCE_LIMITS[op]
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= limit:
            raise ValueError(
                f"{op} 的{'年' if op == 'years_since' else '月'}数应为 0–{limit} 的整数"
            )
        return (compare, count)
    return _scalar(fact, raw)


def _scalar(fact: Fact, raw: Any) -> Any:
    if fact.type is FactType.DATE:
        return parse_date(raw)
    if fact.type is FactType.TAGS:
        raise ValueError("标签类指标请用 has_any / has_all / has_none")
    if fact.type is FactType.PERCENT:
        return _percent(fact, raw)
    return coerce(fact, code_of(fact, raw))


def code_of(fact: Fact, raw: Any) -> Any:
    """A code written by its Chinese name (东昌府区, 制造业) as its code (371502, C); the
    shortest code of a name several codes share (聊城市: 3715). Anything else as given."""
    if fact.type is not FactType.CODE or not isinstance(raw, str) or raw in fact.code_labels:
        return raw
    codes = [code for code, label in fact.code_labels.items() if label == raw.strip()]
    return min(codes, key=lambda code: (len(code), code)) if codes else raw


def canonical_document(doc: Any, facts: Facts) -> Any:
    """Return a rule or amount document with codes written by name replaced by their codes,
    as it is stored (a condition anywhere in it: in groups, in an amount's cases)."""
    if isinstance(doc, list):
        return [canonical_document(item, facts) for item in doc]
    if not isinstance(doc, dict):
        return doc
    out = {key: canonical_document(value, facts) for key, value in doc.items()}
    fact = facts.get(doc["fact"]) if isinstance(doc.get("fact"), str) else None
    if fact is not None and fact.type is FactType.CODE and "value" in doc:
        value = doc["value"]
        out["value"] = (
            [code_of(fact, item) for item in value]
            if isinstance(value, list)
            else code_of(fact, value)
        )
    return out


def _percent(fact: Fact, raw: Any) -> float:
    """A percent fact's value: 5.5 or "5.5%" is 5.5%; a bare fraction such as 0.055 is refused,
    since the publisher most likely meant 5.5% ("0.055%" says it was meant)."""
    if isinstance(raw, str) and raw.strip().endswith("%"):
        try:
            return coerce(fact, float(raw.strip()[:-1]))
        except ValueError:
            raise ValueError(f'「{raw}」不是有效的百分数，应写作 5.5 或 "5.5%"') from None
    value = coerce(fact, raw)
    if 0 < value < 1:
        raise ValueError(
            f"「{fact.label}」以 % 计：{raw} 表示 {raw}%。"
            f"若指 {value * 100:g}%，请写 {value * 100:g}；"
            f'确为 {raw}% 请写 "{raw}%"'
        )
    return value


def _order(fact: Fact, value: Any) -> Any:
    return fact.rank(value) if fact.type is FactType.ENUM else value


class Parser:
    """Reads one rule for one subject kind, collecting every problem it finds."""

    def __init__(
        self,
        facts: Facts,
        params: Params,
        errors: list[RuleError],
        *,
        catalog: Catalog | None = None,
    ) -> None:
        self.facts = facts
        self.catalog = catalog  # the other kinds' facts, to say a fact is of the other kind
        self.kind = facts.kind
        self.params = params
        self.errors = errors
        self.conditions = 0
        self.param_uses: list[tuple[str, str]] = []  # (param name, path of the condition)

    def parse(self, doc: Any) -> Node | None:
        """Return the rule's tree; None for the empty rule (everyone of the kind qualifies)."""
        if doc in (None, {}):
            return None
        node = self.node(doc, "$", 1)
        if self.conditions > MAX_CONDITIONS:
            self.fail("$", f"规则条件过多（{self.conditions} 个，最多 {MAX_CONDITIONS} 个）")
        return node

    def fail(self, path: str, message: str) -> None:
        """Record one problem."""
        self.errors.append(RuleError(path, message))

    def node(self, doc: Any, path: str, depth: int) -> Node | None:
        """Parse a group or a condition."""
        if depth > MAX_DEPTH:
            self.fail(path, f"规则嵌套过深（最多 {MAX_DEPTH} 层）")
            return None
        if not isinstance(doc, dict):
            self.fail(path, "规则的每一部分都应是对象（all / any / not 或一个条件）")
            return None
        label = doc.get("label")
        if label is not None and (not isinstance(label, str) or not label.strip()):
            self.fail(f"{path}.label", "label 应为非空的中文说明")
            label = None
        groups = [key for key in ("all", "any", "not") if key in doc]
        if len(groups) > 1:
            self.fail(path, "一个节点只能是 all、any、not 之一")
            return None
        if groups:
            return self.group(doc, groups[0], path, depth, label)
        if "fact" in doc:
            return self.condition(doc, path, label)
        self.fail(path, "缺少 all / any / not 或 fact")
        return None

    def group(self, doc: dict, op: str, path: str, depth: int, label: str | None) -> Group | None:
        """Parse all / any / not."""
        self._unknown_keys(doc, {op, "label"}, path)
        if op == "not":
            child = self.node(doc["not"], f"{path}.not", depth + 1)
            return None if child is None else Group(path, op, (child,), label)
        items = doc[op]
        if not isinstance(items, list) or not items:
            self.fail(f"{path}.{op}", f"条件组 {op} 不能为空")
            return None
        children = [self.node(item, f"{path}.{op}[{i}]", depth + 1) for i, item in enumerate(items)]
        parsed = tuple(child for child in children if child is not None)
        if op == "all":
            self.check_bounds(parsed, path)
            self.check_tags(parsed, path)
        return Group(path, op, parsed, label) if len(parsed) == len(children) else None

    def condition(self, doc: dict, path: str, label: str | None) -> Condition | None:
        """Parse one condition."""
        self.conditions += 1
        self._unknown_keys(doc, {"fact", "op", "value", "other", "label", "on"}, path)
        fact = self._fact(doc["fact"], f"{path}.fact")
        op = doc.get("op")
        if fact is None:
            return None
        if op is None:
            shown = "、".join(allowed_ops(fact))
            self.fail(f"{path}.op", f"缺少运算 op，「{fact.label}」可用：{shown}")
            return None
        if op not in allowed_ops(fact):
            shown = "、".join(allowed_ops(fact))
            self.fail(f"{path}.op", f"指标「{fact.label}」不支持运算「{op}」，可用：{shown}")
            return None
        if op in PRESENCE:
            if "value" in doc or "other" in doc:
                self.fail(path, f"运算「{op}」不需要 value 或 other")
            return Condition(path, fact, op, label=label)
        if "on" in doc:
            if op not in SINCE:
                self.fail(f"{path}.on", f"on 只用于 {'、'.join(SINCE)}")
                return None
            try:
                on = parse_date(doc["on"])
            except ValueError as exc:
                self.fail(f"{path}.on", str(exc))
                return None
            condition = self._with_value(doc.get("value"), path, fact, op, label)
            return None if condition is None else replace(condition, on=on)
        if "other" in doc:
            return self._two_facts(doc, path, fact, op, label)
        if "value" not in doc:
            self.fail(path, "缺少 value（或用 other 与另一指标比较）")
            return None
        return self._with_value(doc["value"], path, fact, op, label)

    def _with_value(
        self, raw: Any, path: str, fact: Fact, op: str, label: str | None
    ) -> Condition | None:
        refs = self._refs(raw, path, fact, op)
        if refs is None:
            return None
        if refs:
            return Condition(path, fact, op, value=_with_refs(raw), label=label, has_refs=True)
        try:
            return Condition(path, fact, op, value=normalize(fact, op, raw), label=label)
        except ValueError as exc:
            self.fail(f"{path}.value", str(exc))
            return None

    def _refs(self, raw: Any, path: str, fact: Fact, op: str) -> list[str] | None:
        names = []
        candidates = raw if isinstance(raw, list) and op in ("between",) else [raw]
        for candidate in candidates:
            if is_ref(candidate):
                names.append(candidate["param"])
        for name in names:
            if name not in self.params:
                self.fail(f"{path}.value", f"未定义的参数「{name}」")
                return None
            self.param_uses.append((name, path))
        return names

    def _two_facts(
        self, doc: dict, path: str, fact: Fact, op: str, label: str | None
    ) -> Condition | None:
        other = self._fact(doc["other"], f"{path}.other")
        if other is None:
            return None
        if "value" in doc:
            self.fail(path, "value 与 other 只能写一个")
        if op not in COMPARE or other.type is not fact.type or other.choices != fact.choices:
            self.fail(
                f"{path}.other", f"「{fact.label}」与「{other.label}」类型不同，不能用「{op}」比较"
            )
            return None
        if op not in ("==", "!=") and (fact.type not in (*NUMERIC, FactType.DATE, FactType.YEAR)):
            self.fail(f"{path}.op", f"「{fact.label}」不能比较大小")
            return None
        return Condition(path, fact, op, other=other, label=label)

    def _fact(self, name: Any, path: str) -> Fact | None:
        fact = self.facts.get(name) if isinstance(name, str) else None
        if fact is not None and fact.status == "deprecated":
            self.fail(path, f"指标「{fact.label}」（{fact.name}）已停用，新规则不能再用")
            return None
        if fact is not None:
            return fact
        for kind in KIND_NAMES if self.catalog is not None else ():
            assert self.catalog is not None
            elsewhere = self.catalog.find(kind, name) if isinstance(name, str) else None
            if kind != self.kind and elsewhere is not None:
                self.fail(
                    path,
                    f"指标「{elsewhere.label}」适用于{KIND_NAMES[kind]}，"
                    f"本事项面向{KIND_NAMES[self.kind]}",
                )
                return None
        self.fail(path, unknown_fact(self.facts, name))
        return None

    def _unknown_keys(self, doc: dict, allowed: set[str], path: str) -> None:
        unknown = sorted(set(doc) - allowed)
        if unknown:
            self.fail(path, f"不认识的字段：{'、'.join(unknown)}")

    def check_tags(self, children: tuple[Node, ...], path: str) -> None:
        """Refuse an all-group whose tag tests on one fact cannot all hold: a tag both required
        and excluded, or a choice among tags that are all excluded."""
        tests: dict[str, list[Condition]] = {}
        for child in children:
            if isinstance(child, Condition) and child.op in TAG_OPS and not child.has_refs:
                tests.setdefault(child.fact.name, []).append(child)
        for conditions in tests.values():
            excluded: set[str] = set().union(*(c.value for c in conditions if c.op == "has_none"))
            for condition in conditions:
                fact = condition.fact
                clash = (
                    condition.value & excluded
                    if condition.op == "has_all"
                    else condition.value
                    if condition.op == "has_any" and condition.value <= excluded
                    else set()
                )
                if clash:
                    names = "、".join(fact.label_of(tag) for tag in fact.values if tag in clash)
                    self.fail(path, f"「{fact.label}」的条件互相矛盾：既要求含又要求不含 {names}")
                    return

    def check_bounds(self, children: tuple[Node, ...], path: str) -> None:
        """Refuse an all-group whose literal bounds on one fact cannot all hold."""
        bounds: dict[str, list[tuple[Any, bool, Any, bool, str]]] = {}
        for child in children:
            if not isinstance(child, Condition) or child.has_refs or child.other is not None:
                continue
            fact = child.fact
            if fact.type not in (*NUMERIC, FactType.DATE, FactType.YEAR) and not fact.ordered:
                continue
            bound = _bound(child)
            if bound is not None:
                bounds.setdefault(fact.name, []).append(bound)
        for name, items in bounds.items():
            low = max(((b[0], not b[1]) for b in items if b[0] is not None), default=None)
            high = min(((b[2], b[3]) for b in items if b[2] is not None), default=None)
            if low is None or high is None:
                continue
            if low[0] > high[0] or (low[0] == high[0] and (low[1] or not high[1])):
                fact = next(
                    c.fact for c in children if isinstance(c, Condition) and c.fact.name == name
                )
                shown = " 且 ".join(b[4] for b in items)
                self.fail(path, f"「{fact.label}」的条件互相矛盾：{shown}")


def _bound(condition: Condition) -> tuple[Any, bool, Any, bool, str] | None:
    """Return (low, low_included, high, high_included, wording) of an ordering condition."""
    fact, op, value = condition.fact, condition.op, condition.value
    if op == "between":
        low, high = (_order(fact, v) for v in value)
        return (low, True, high, True, f"在 {_plain(value[0])}–{_plain(value[1])} 之间")
    if op in ("before", "after"):
        op = "<" if op == "before" else ">"
    if op not in ("==", "<", "<=", ">", ">="):
        return None
    v = _order(fact, value)
    shown = f"{SYMBOLS[op]} {_plain(value)}"
    return {
        "==": (v, True, v, True, shown),
        "<": (None, True, v, False, shown),
        "<=": (None, True, v, True, shown),
        ">": (v, False, None, True, shown),
        ">=": (v, True, None, True, shown),
    }[op]


SYMBOLS = {"==": "=", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def _plain(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _with_refs(raw: Any) -> Any:
    if is_ref(raw):
        return Ref(raw["param"])
    if isinstance(raw, list):
        return tuple(_with_refs(item) for item in raw)
    return raw
