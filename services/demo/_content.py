"""Read the demo departments and policies from the YAML files shipped in services/demo/data."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from models.policy import CATEGORIES, ItemMode, SubjectKind

DEPARTMENT_KEYS = {"code", "name", "short_name", "phone", "address"}
POLICY_KEYS = {
    "code",
    "department",
    "title",
    "doc_number",
    "issued_on",
    "effective_from",
    "effective_to",
    "categories",
    "source_url",
    "summary",
    "body",
    "interpretation",
    "items",
}
ITEM_KEYS = {
    "code",
    "name",
    "subject_type",
    "mode",
    "benefit",
    "promised_days",
    "apply_window",
    "materials",
    "guide_text",
    "contact",
    "rule",
    "amount",
    "params",
    "cases",
}
MATERIAL_KEYS = {"name", "required", "types"}
CASE_KEYS = {"name", "facts", "expect"}  # and optionally as_of
# The documents stored as JSON in policy_item_versions, with the type each must have.
RULE_DOCUMENTS = {"rule": dict, "amount": dict, "params": dict, "cases": list}
# Column widths in models.policy, so a long text fails here and not in the database.
LIMITS = {"title": 200, "doc_number": 100, "summary": 500, "name": 200, "benefit": 200}


class ContentError(ValueError):
    """A demo data file is missing something or holds a value the models cannot take."""


def data_files() -> Traversable:
    """Return the data folder as an importlib.resources Traversable."""
    return resources.files("services.demo") / "data"


def load_departments() -> list[dict[str, Any]]:
    """Return the departments, each checked for its keys."""
    departments = yaml.safe_load((data_files() / "departments.yaml").read_text("utf-8"))
    problems = [
        f"departments.yaml {entry.get('code', '?')}: 缺少 {sorted(DEPARTMENT_KEYS - set(entry))}"
        for entry in departments
        if set(entry) != DEPARTMENT_KEYS
    ]
    if problems:
        raise ContentError("; ".join(problems))
    return departments


def load_policies() -> list[dict[str, Any]]:
    """Return every policy file's document, in code order, each checked."""
    folder = data_files() / "policies"
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".yaml"))
    policies = [yaml.safe_load((folder / name).read_text("utf-8")) for name in names]
    known = {department["code"] for department in load_departments()}
    problems = [problem for policy in policies for problem in policy_problems(policy, known)]
    codes = [item["code"] for policy in policies for item in policy.get("items", [])]
    problems += [
        f"事项代码重复：{code}" for code in sorted({c for c in codes if codes.count(c) > 1})
    ]
    if problems:
        raise ContentError("; ".join(problems))
    return policies


def read_items(path: Path | None = None) -> list[dict[str, Any]]:
    """Return the items of the demo policies, or of the policy YAML files at path (file or folder).

    Files under a path are only read, not checked like the demo: `kuaixiang rules test PATH`
    reports what is wrong with their rules and cases.
    """
    if path is None:
        return [item for policy in load_policies() for item in policy["items"]]
    files = sorted(path.rglob("*.y*ml")) if path.is_dir() else [path]
    if not files:
        raise ContentError(f"{path}: 没有 YAML 文件")
    items: list[dict[str, Any]] = []
    for file in files:
        try:
            document = yaml.safe_load(file.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ContentError(f"{file}: 无法读取：{exc}") from None
        if not isinstance(document, dict) or not isinstance(document.get("items"), list):
            raise ContentError(f"{file}: 不是政策文件（应有 items 列表）")
        items += [item for item in document["items"] if isinstance(item, dict)]
    return items


def policy_problems(policy: dict[str, Any], departments: set[str]) -> list[str]:
    """Return what is wrong with one policy document (empty when it is fine)."""
    code = policy.get("code", "?")
    problems = [f"{code}: 缺少 {key}" for key in sorted(POLICY_KEYS - set(policy))]
    if problems:
        return problems
    if policy["department"] not in departments:
        problems.append(f"{code}: 未知部门 {policy['department']}")
    if not policy["categories"] or set(policy["categories"]) - set(CATEGORIES):
        problems.append(f"{code}: 分类应取自 {CATEGORIES}")
    for key in ("issued_on", "effective_from"):
        if not isinstance(policy[key], date):
            problems.append(f"{code}: {key} 应为日期")
    problems += _too_long(code, policy)
    if not policy["items"]:
        problems.append(f"{code}: 没有事项")
    for item in policy["items"]:
        problems += item_problems(item, code)
    return problems


def item_problems(item: dict[str, Any], policy_code: str) -> list[str]:
    """Return what is wrong with one item of a policy."""
    code = item.get("code", "?")
    problems = [f"{code}: 缺少 {key}" for key in sorted(ITEM_KEYS - set(item))]
    if problems:
        return problems
    if not code.startswith(policy_code + "-"):
        problems.append(f"{code}: 事项代码应以政策代码 {policy_code} 开头")
    if item["subject_type"] not in set(SubjectKind):
        problems.append(f"{code}: subject_type 应为 person 或 enterprise")
    if item["mode"] not in set(ItemMode):
        problems.append(f"{code}: mode 应为 auto_grant、one_tap 或 guide")
    if item["mode"] == ItemMode.ONE_TAP and not item["materials"]:
        problems.append(f"{code}: 一键办理事项应列出申请材料")
    for material in item["materials"]:
        if set(material) != MATERIAL_KEYS or not material["types"]:
            problems.append(f"{code}: 材料应有 name、required、types")
    window = item["apply_window"]
    if window is not None and (
        set(window) != {"from", "until"} or window["from"] > window["until"]
    ):
        problems.append(f"{code}: apply_window 应为 {{from, until}} 且 from 不晚于 until")
    if not item["guide_text"] or not item["contact"]:
        problems.append(f"{code}: 应有办理指引和联系方式")
    problems += _rule_document_problems(code, item)
    return problems + _too_long(code, item)


def _rule_document_problems(code: str, item: dict[str, Any]) -> list[str]:
    """Check the shape of rule, amount, params and cases; rules.cases checks their meaning."""
    problems = [
        f"{code}: {key} 应为{'对象' if kind is dict else '列表'}"
        for key, kind in RULE_DOCUMENTS.items()
        if not isinstance(item[key], kind)
    ]
    if problems:
        return problems
    for index, case in enumerate(item["cases"]):
        if not isinstance(case, dict) or not CASE_KEYS <= set(case) <= CASE_KEYS | {"as_of"}:
            problems.append(f"{code}: 第 {index + 1} 个案例应有 name、facts、expect（可选 as_of）")
    try:
        json.dumps([item[key] for key in RULE_DOCUMENTS], allow_nan=False)
    except (TypeError, ValueError) as exc:
        # YAML reads an unquoted 2026-11-27 as a date, which the JSON columns cannot store.
        problems.append(f"{code}: 规则、金额、参数和案例应为 JSON 值（日期请加引号）：{exc}")
    return problems


def _too_long(code: str, document: dict[str, Any]) -> list[str]:
    return [
        f"{code}: {key} 超过 {limit} 字"
        for key, limit in LIMITS.items()
        if isinstance(document.get(key), str) and len(document[key]) > limit
    ]
