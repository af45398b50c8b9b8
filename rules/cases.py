"""Run an item's cases: examples with expected results, checked against the compiled item.

Pure: no database, no Flask, no clock. A case without `as_of` is evaluated on the default date
the caller passes. Publishing is refused while a case fails (docs/rules.md, "Cases").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rules.catalog import Catalog, unknown_fact
from rules.eligibility import Eligibility
from rules.errors import RuleError, RuleInvalid
from rules.evaluate import Explained
from rules.item import Evaluation, ItemRules, compile_item
from rules.values import coerce, parse_date

CASE_KEYS = frozenset({"name", "as_of", "facts", "expect"})
EXPECT_KEYS = ("verdict", "amount_fen", "annual_fen", "missing", "summary_contains")
VERDICT_WORDS = {member.word: member.chinese for member in Eligibility}


def _fen_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


def _texts(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    )


# What each expect key must hold, and how to say it when it does not.
EXPECT_SHAPES = (
    ("amount_fen", _fen_or_none, "应为整数（分）或 null", "must be integer fen or null"),
    ("annual_fen", _fen_or_none, "应为整数（分）或 null", "must be integer fen or null"),
    ("missing", lambda v: isinstance(v, list) and _texts(v), "应为指标名列表", "must be a list"),
    ("summary_contains", _texts, "应为文字或文字列表", "must be text or a list of texts"),
)
# expect key, attribute of the evaluator's amount, and how each language names it
AMOUNT_FIELDS = (
    ("amount_fen", "fen", "金额", "amount"),
    ("annual_fen", "annual_fen", "未来12个月金额", "annual amount"),
)


@dataclass(frozen=True)
class Difference:
    """One way a case's outcome differs from what it expects, said in Chinese and English."""

    field: str
    expected: Any
    actual: Any
    zh: str
    en: str

    def to_dict(self) -> dict[str, Any]:
        """Return the difference as JSON-ready values."""
        return {
            "field": self.field,
            "expected": self.expected,
            "actual": self.actual,
            "message": self.zh,
            "message_en": self.en,
        }


@dataclass(frozen=True)
class CaseResult:
    """A case's outcome: passed, or what differed, with what the evaluator said."""

    index: int
    name: str
    as_of: date | None
    differences: tuple[Difference, ...] = ()
    verdict: str | None = None
    summary: str = ""
    explanation: dict[str, Any] | None = None
    trace: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Tell whether the outcome matched every expectation."""
        return not self.differences

    @property
    def message(self) -> str:
        """Say in Chinese what differed ("通过" when nothing did)."""
        return "；".join(d.zh for d in self.differences) or "通过"

    @property
    def message_en(self) -> str:
        """Say in English what differed ("passed" when nothing did)."""
        return "; ".join(d.en for d in self.differences) or "passed"

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready values."""
        return {
            "index": self.index,
            "name": self.name,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "passed": self.passed,
            "message": self.message,
            "message_en": self.message_en,
            "differences": [d.to_dict() for d in self.differences],
            "verdict": self.verdict,
            "summary": self.summary,
            "explanation": self.explanation,
            "trace": list(self.trace),
        }


@dataclass(frozen=True)
class ItemReport:
    """An item's validation errors (it did not compile) or the results of its cases."""

    errors: tuple[RuleError, ...] = ()
    results: tuple[CaseResult, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> list[CaseResult]:
        """Return the cases that did not pass."""
        return [result for result in self.results if not result.passed]

    @property
    def ok(self) -> bool:
        """Tell whether the item compiled and every case passed."""
        return not self.errors and not self.failed


def run_cases(
    item: ItemRules, cases: Sequence[Mapping[str, Any]], *, default_as_of: date
) -> list[CaseResult]:
    """Evaluate every case on the compiled item and compare with what it expects."""
    return [_run_case(item, index, case, default_as_of) for index, case in enumerate(cases)]


def run_item(document: Mapping[str, Any], *, catalog: Catalog, default_as_of: date) -> ItemReport:
    """Compile one item document (subject_type, rule, amount, params, cases) and run its cases.

    The item is validated for every date its cases use, so a parameter without a value on one
    of them is reported as an error of the item, not as a failing case.
    """
    cases = document.get("cases") or []
    days = tuple(sorted({day for day in (_case_date(c, default_as_of) for c in cases) if day}))
    try:
        item = compile_item(
            catalog=catalog,
            subject_kind=document.get("subject_type", ""),
            rule=document.get("rule"),
            amount=document.get("amount"),
            params=document.get("params"),
            check_dates=days,
        )
    except RuleInvalid as exc:
        return ItemReport(errors=tuple(exc.errors))
    return ItemReport(results=tuple(run_cases(item, cases, default_as_of=default_as_of)))


def _case_date(case: Any, default_as_of: date) -> date | None:
    if not isinstance(case, Mapping) or case.get("as_of") is None:
        return default_as_of
    try:
        return parse_date(case["as_of"])
    except ValueError:
        return None


def _run_case(item: ItemRules, index: int, case: Any, default_as_of: date) -> CaseResult:
    name = str(case.get("name") or "") if isinstance(case, Mapping) else ""
    name = name or f"#{index + 1}"
    as_of = _case_date(case, default_as_of)
    problems = _case_problems(item, case)
    if as_of is None:
        problems.append(
            Difference(
                "as_of",
                "YYYY-MM-DD",
                case.get("as_of"),
                "as_of 应写作 YYYY-MM-DD 日期",
                "as_of must be a YYYY-MM-DD date",
            )
        )
    if problems:
        return CaseResult(index, name, as_of, tuple(problems))
    assert as_of is not None  # a missing date is one of the problems
    try:
        evaluation = item.evaluate(case.get("facts") or {}, as_of, explain=True)
    except Exception as exc:  # noqa: BLE001 - an evaluator error is this case's failure
        error = Difference(
            "error", None, repr(exc), f"评估出错：{exc}", f"evaluation raised {exc!r}"
        )
        return CaseResult(index, name, as_of, (error,))
    return CaseResult(
        index,
        name,
        as_of,
        tuple(_compare(case["expect"], evaluation)),
        verdict=evaluation.verdict.word,
        summary=evaluation.summary,
        explanation=None if evaluation.explanation is None else evaluation.explanation.to_dict(),
        trace=tuple(evaluation.amount.trace) if evaluation.amount is not None else (),
    )


def _case_problems(item: ItemRules, case: Any) -> list[Difference]:
    """Return what makes a case unusable: unknown keys or facts, malformed values, no expect."""
    if not isinstance(case, Mapping):
        return [Difference("case", "object", case, "案例应为对象", "a case must be an object")]
    problems = _unknown_keys("case", case, CASE_KEYS, "案例")
    facts = case.get("facts", {})
    if not isinstance(facts, Mapping):
        problems.append(
            Difference("facts", "object", facts, "facts 应为对象", "facts must be an object")
        )
        facts = {}
    for name, raw in facts.items():
        fact = item.facts.get(name)
        if fact is None:
            problems.append(
                Difference(
                    "facts", None, name, unknown_fact(item.facts, name), f"unknown fact {name!r}"
                )
            )
            continue
        try:
            if raw is not None:
                coerce(fact, raw)
        except ValueError as exc:
            problems.append(Difference("facts", None, raw, str(exc), f"bad value of {name!r}"))
    expect = case.get("expect")
    if not isinstance(expect, Mapping) or not expect:
        zh, en = "案例缺少期望结果 expect", "a case needs a non-empty expect"
        return [*problems, Difference("expect", "object", expect, zh, en)]
    problems += _unknown_keys("expect", expect, set(EXPECT_KEYS), "expect ")
    if "verdict" in expect and expect["verdict"] not in VERDICT_WORDS:
        zh = "verdict 应为 eligible、ineligible 或 unknown"
        en = "verdict must be eligible, ineligible or unknown"
        problems.append(Difference("verdict", list(VERDICT_WORDS), expect["verdict"], zh, en))
    for key, fits, zh, en in EXPECT_SHAPES:
        if key in expect and not fits(expect[key]):
            problems.append(Difference(key, None, expect[key], f"{key} {zh}", f"{key} {en}"))
    return problems


def _unknown_keys(
    field_: str, document: Mapping[str, Any], known: set[str] | frozenset[str], noun: str
) -> list[Difference]:
    unknown = sorted(set(document) - known)
    if not unknown:
        return []
    zh = f"{noun}有不认识的字段：{'、'.join(unknown)}"
    en = f"unknown {field_} keys: {', '.join(unknown)}"
    return [Difference(field_, sorted(known), unknown, zh, en)]


def _compare(expect: Mapping[str, Any], evaluation: Evaluation) -> list[Difference]:
    """Return every difference between what a case expects and what the evaluator said."""
    differences = []
    amount = evaluation.amount
    # a verdict word when present (_case_problems); `got` is then each amount field in turn
    want: Any = expect.get("verdict")
    got: Any = evaluation.verdict.word
    if "verdict" in expect and want != got:
        zh = f"判定应为「{VERDICT_WORDS[want]}」，实际为「{VERDICT_WORDS.get(got, got)}」"
        zh += _deciding(evaluation)
        differences.append(
            Difference("verdict", want, got, zh, f"verdict: expected {want}, got {got}")
        )
    for key, attribute, noun, noun_en in AMOUNT_FIELDS:
        got = None if amount is None else getattr(amount, attribute)
        if key in expect and expect[key] != got:
            zh = f"{noun}应为 {_fen(expect[key])}，实际为 {_fen(got)}"
            en = f"{noun_en}: expected {expect[key]} fen, got {got} fen"
            differences.append(Difference(key, expect[key], got, zh, en))
    if "missing" in expect:
        # What would decide it: the rule's missing facts and those the amount still needs.
        absent = set(evaluation.missing) | set(amount.missing if amount is not None else ())
        wanted = set(expect["missing"] or ())
        if wanted != absent:
            zh = f"缺少的指标应为 {_names(wanted)}，实际为 {_names(absent)}"
            en = f"missing: expected {sorted(wanted)}, got {sorted(absent)}"
            differences.append(Difference("missing", sorted(wanted), sorted(absent), zh, en))
    texts = expect.get("summary_contains", [])
    for text in [texts] if isinstance(texts, str) else list(texts):
        if text not in evaluation.summary:
            zh = f"说明应包含「{text}」，实际为「{evaluation.summary}」"
            en = f"summary: expected to contain {text!r}, got {evaluation.summary!r}"
            differences.append(Difference("summary", text, evaluation.summary, zh, en))
    return differences


def _deciding(evaluation: Evaluation) -> str:
    """Say which conditions made the verdict what it is: the failed ones of a 不符合, the
    undecided ones of a 不确定, the ones that held for a 符合."""
    tree = evaluation.explanation
    if tree is None:
        return ""
    leaves = [leaf for leaf in _leaves(tree) if leaf.status == evaluation.verdict]
    if not leaves:
        return ""
    word = {
        Eligibility.INELIGIBLE: "不满足",
        Eligibility.UNKNOWN: "无法判断",
        Eligibility.ELIGIBLE: "满足",
    }
    shown = "；".join(
        f"{leaf.text}（{leaf.actual}）" if leaf.actual else leaf.text for leaf in leaves[:4]
    )
    more = f" 等 {len(leaves)} 项" if len(leaves) > 4 else ""
    return f"。{word[evaluation.verdict]}：{shown}{more}"


def _leaves(node: Explained) -> list[Explained]:
    if not node.children:
        return [node]
    return [leaf for child in node.children for leaf in _leaves(child)]


def _fen(value: Any) -> str:
    if value is None:
        return "无金额"
    if isinstance(value, int) and not isinstance(value, bool):
        whole, cents = divmod(value, 100)
        return f"{value} 分（{whole}{'' if cents == 0 else f'.{cents:02d}'} 元）"
    return repr(value)


def _names(names: set[str]) -> str:
    return "、".join(sorted(names)) if names else "（无）"
