"""An item version's content (rule, amount, params, cases, materials): checks before saving
and before publishing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models import ItemMode, PolicyItem, PolicyItemVersion
from rules import RuleInvalid, compile_item
from rules.cases import run_item
from rules.language import canonical_document
from services.errors import InvalidInput
from services.facts import current as current_catalog

CONTENT = ("rule", "amount", "params", "cases", "materials", "note")
EMPTY: dict[str, Any] = {
    "rule": {},
    "amount": {},
    "params": {},
    "cases": [],
    "materials": [],
    "note": "",
}


def merged_content(base: PolicyItemVersion | None, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return the content with `changes` applied over the base version (or empty documents)."""
    return {
        key: changes[key] if key in changes else (getattr(base, key) if base else EMPTY[key])
        for key in CONTENT
    }


def validate_content(
    session: Session, subject_type: str, content: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the content as it is stored (codes written by name as codes), or raise
    InvalidInput, errors keyed by JSON path, unless rule, amount and params compile."""
    catalog = current_catalog(session)
    try:
        compile_item(
            catalog=catalog,
            subject_kind=subject_type,
            rule=content.get("rule"),
            amount=content.get("amount"),
            params=content.get("params"),
        )
    except RuleInvalid as exc:
        raise InvalidInput("规则、金额或参数有误，未保存", errors=exc.by_path()) from None
    facts = catalog.of(subject_type)
    return {
        **content,
        **{
            key: canonical_document(content[key], facts)
            for key in ("rule", "amount")
            if key in content
        },
    }


def check_publishable(
    session: Session, item: PolicyItem, version: PolicyItemVersion, today: date
) -> None:
    """Raise InvalidInput listing every problem that keeps a version from being published."""
    errors = publish_problems(session, item, version, today)
    if errors:
        raise InvalidInput(_headline(errors), errors=errors)


def publish_problems(
    session: Session, item: PolicyItem, version: PolicyItemVersion, today: date
) -> dict[str, list[str]]:
    """Return, by JSON path, why a version cannot be published (empty when it can)."""
    document = {
        "subject_type": item.subject_type,
        "rule": version.rule,
        "amount": version.amount,
        "params": version.params,
        "cases": version.cases,
    }
    report = run_item(document, catalog=current_catalog(session), default_as_of=today)
    errors = RuleInvalid(list(report.errors)).by_path() if report.errors else {}
    if not version.cases:
        errors["$cases"] = ["发布前至少需要一个案例（示例和期望结果）"]
    for result in report.failed:
        errors[f"$cases[{result.index}]"] = [
            f"案例「{result.name}」：{difference.zh}" for difference in result.differences
        ]
    if item.mode == ItemMode.ONE_TAP and not version.materials:
        errors["$materials"] = ["一键办理事项应列出申请材料"]
    return errors


def _headline(errors: Mapping[str, list[str]]) -> str:
    """Say in one line why publishing was refused."""
    failed = [key for key in errors if key.startswith("$cases[")]
    if failed and len(failed) == len(errors):
        return f"有 {len(failed)} 个案例未通过，不能发布"
    return "事项内容有误，不能发布"
