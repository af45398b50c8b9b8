"""Managing the catalog (数据管理员 and admins): add a fact, change what may change, activate,
deprecate. Every change is checked against what already uses the fact, raises the catalog's
version in the same transaction and is audited (docs/catalog.md, "The facts catalog")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import FactCatalog, FactDefinition, FactStatus
from models.clock import utcnow
from rules import Catalog, FactType
from rules.catalog import CODE_TABLES, SUBJECT_KINDS, fact_from_document
from rules.classify import check_cases
from rules.derivations import OPS, read_derivation
from services import audit
from services.audit import Actor
from services.errors import Conflict, InvalidInput, NotFound
from services.facts._current import current, document_of, forget

KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
CHOICE = re.compile(r"^[a-z0-9][a-z0-9_]{0,31}$")
RESERVED_KEYS = {
    "id_number",
    "uscc",
    "name",
    "phone",
    "facts",
    "legal_representative_name",
    "legal_representative_id_number",
}
MAX_TAGS = 64  # a tag set is a 64-bit mask in the columns
MAX_CHOICES = 120  # an enum is an int8 rank
MAX_DERIVED_DEPTH = 4
NUMERIC_TYPES = {FactType.INTEGER, FactType.DECIMAL, FactType.MONEY, FactType.PERCENT}
RANGED_TYPES = {*NUMERIC_TYPES, FactType.YEAR}
# What only a draft may change: the rest of the service reads values by them.
FIXED_ONCE_USED = ("subject_type", "key", "type", "scale", "ordered", "code_table", "derivation")
EDITABLE = (
    "label",
    "description",
    "unit",
    "minimum",
    "maximum",
    "choices",
    "sensitive",
    "source_field",
    *FIXED_ONCE_USED,
)
TRANSITIONS = {
    FactStatus.DRAFT: {FactStatus.ACTIVE},
    FactStatus.ACTIVE: {FactStatus.DEPRECATED},
    FactStatus.DEPRECATED: {FactStatus.ACTIVE},
}
DERIVED_RESULT = {
    "years_since": {FactType.INTEGER},
    "months_since": {FactType.INTEGER},
    "years_since_year": {FactType.INTEGER},
    "divide": {FactType.INTEGER, FactType.MONEY},
    "case": {FactType.ENUM, FactType.INTEGER, FactType.BOOLEAN},
}
DERIVED_INPUTS = {
    "years_since": {FactType.DATE},
    "months_since": {FactType.DATE},
    "years_since_year": {FactType.INTEGER, FactType.YEAR},
    "divide": NUMERIC_TYPES,
}


def list_facts(
    *, session: Session, subject_type: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Return every fact (drafts and deprecated ones too), in catalog order."""
    query = select(FactDefinition).order_by(FactDefinition.position, FactDefinition.id)
    if subject_type is not None:
        query = query.where(FactDefinition.subject_type == subject_type)
    if status is not None:
        query = query.where(FactDefinition.status == status)
    return [describe(row) for row in session.scalars(query)]


def get_fact(*, session: Session, fact_id: int) -> dict[str, Any]:
    """Return one fact with what uses it."""
    row = _row(session, fact_id)
    return {**describe(row), "used_by": used_by(session, row)}


def describe(row: FactDefinition) -> dict[str, Any]:
    """Return a fact as the admin API shows it."""
    return {
        "id": row.id,
        **document_of(row),
        "revision": row.revision,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def create_fact(*, session: Session, actor: Actor, document: Mapping[str, Any]) -> dict[str, Any]:
    """Add a fact (a draft unless its status says active)."""
    status = document.get("status", FactStatus.DRAFT)
    if status not in (FactStatus.DRAFT, FactStatus.ACTIVE):
        raise InvalidInput(
            "新指标的状态应为 draft 或 active", errors={"status": ["只能是 draft 或 active"]}
        )
    values = {
        "description": "",
        "unit": "",
        "choices": [],
        "ordered": False,
        "sensitive": False,
        "source_field": "",
        **{name: document[name] for name in (*EDITABLE, "status") if name in document},
    }
    for required in ("subject_type", "key", "label", "type"):
        if values.get(required) in (None, ""):
            raise InvalidInput("指标信息不完整", errors={required: ["必填"]})
    values["choices"] = _choices_list(values["choices"])
    _check(session, values, row=None)
    last = session.scalar(select(func.coalesce(func.max(FactDefinition.position), -1)))
    position = int(last if last is not None else -1) + 1
    row = FactDefinition(**values, position=position, revision=1, updated_by_id=actor.id)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"指标「{values['key']}」已存在") from None
    _changed(session)
    audit.record(session, actor, "fact.create", row, after=document_of(row))
    session.commit()
    forget(session)
    return describe(row)


def update_fact(
    *, session: Session, actor: Actor, fact_id: int, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Change a fact: what is fixed once used only on a draft; a vocabulary only grows; a status
    only along draft → active ⇄ deprecated."""
    row = _row(session, fact_id, lock=True)
    before = document_of(row)
    status = changes.get("status", row.status)
    values = {**before, **{k: v for k, v in changes.items() if k in EDITABLE}}
    if "choices" in changes:
        values["choices"] = _choices_list(changes["choices"])
    if row.status != FactStatus.DRAFT:
        fixed = [name for name in FIXED_ONCE_USED if values[name] != before[name]]
        if fixed:
            raise Conflict(
                f"指标「{row.label}」已启用，{'、'.join(fixed)} 不能再改；如需改变，请新增一个指标",
                errors={name: ["已启用的指标不能修改此项"] for name in fixed},
            )
        kept = [list(choice) for choice in before["choices"]]
        if values["choices"][: len(kept)] and [c[0] for c in values["choices"][: len(kept)]] != [
            c[0] for c in kept
        ]:
            raise Conflict(
                f"「{row.label}」的可选值只能在末尾新增，已有的值不能删除或调换顺序",
                errors={"choices": ["已有的值须原样保留在前面"]},
            )
        if len(values["choices"]) < len(kept):
            raise Conflict(
                f"「{row.label}」的可选值只能新增，不能删除",
                errors={"choices": ["已有的值须原样保留在前面"]},
            )
    if status != row.status:
        if status not in TRANSITIONS.get(FactStatus(row.status), set()):
            raise Conflict(
                f"指标状态不能从 {row.status} 改为 {status}",
                errors={
                    "status": [f"可改为：{'、'.join(TRANSITIONS[FactStatus(row.status)]) or '无'}"]
                },
            )
        if status == FactStatus.DEPRECATED:
            users = used_by(session, row)
            if users["items"] or users["derived_facts"]:
                shown = "、".join(
                    [f"{item['code']} {item['name']}" for item in users["items"]]
                    + [f"指标「{fact['label']}」" for fact in users["derived_facts"]]
                )
                raise Conflict(
                    f"指标「{row.label}」仍在使用，不能停用：{shown}",
                    errors={"status": [f"使用中：{shown}"]},
                )
    values["status"] = status
    _check(session, values, row=row)
    if values == before:
        return describe(row)
    if (values["subject_type"], values["key"]) != (before["subject_type"], before["key"]):
        taken = session.scalar(
            select(FactDefinition.id).where(
                FactDefinition.subject_type == values["subject_type"],
                FactDefinition.key == values["key"],
            )
        )
        if taken is not None:
            raise Conflict(f"指标「{values['key']}」已存在", errors={"key": ["已被使用"]})
    for name, value in values.items():
        setattr(row, name, value)
    row.revision += 1
    row.updated_by_id = actor.id
    row.updated_at = utcnow()
    _changed(session)
    after = document_of(row)
    audit.record(
        session,
        actor,
        "fact.status" if status != before["status"] else "fact.update",
        row,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    session.commit()
    forget(session)
    return describe(row)


def delete_fact(*, session: Session, actor: Actor, fact_id: int) -> None:
    """Delete a draft (a fact that was ever active is deprecated instead)."""
    row = _row(session, fact_id, lock=True)
    if row.status != FactStatus.DRAFT:
        raise Conflict(f"指标「{row.label}」已启用过，不能删除，可以停用")
    audit.record(session, actor, "fact.delete", row, before=document_of(row))
    session.delete(row)
    _changed(session)
    session.commit()
    forget(session)


def used_by(session: Session, row: FactDefinition) -> dict[str, list[dict[str, Any]]]:
    """Return the live items whose rule or amount names the fact, and the derived facts that
    are computed from it."""
    from services.matching import live_items  # matching reads the catalog: import when asked

    items = [
        {"id": item.id, "code": item.code, "name": item.name}
        for item in live_items(session, row.subject_type)
        if row.key in item.rules.facts_named()
    ]
    derived = [
        {"id": other.id, "key": other.key, "label": other.label}
        for other in session.scalars(
            select(FactDefinition).where(
                FactDefinition.subject_type == row.subject_type,
                FactDefinition.status != FactStatus.DEPRECATED,
                FactDefinition.derivation.is_not(None),
            )
        )
        if other.derivation and row.key in read_derivation(other.derivation).inputs
    ]
    return {"items": items, "derived_facts": derived}


def _row(session: Session, fact_id: int, *, lock: bool = False) -> FactDefinition:
    query = select(FactDefinition).where(FactDefinition.id == fact_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound("指标不存在")
    return row


def _changed(session: Session) -> None:
    """Raise the catalog's version (the row lock also orders concurrent changes)."""
    session.execute(
        update(FactCatalog)
        .where(FactCatalog.id == 1)
        .values(version=FactCatalog.version + 1, changed_at=utcnow())
    )


def _choices_list(raw: Any) -> list:
    """Accept [[value, 中文名], …] or [{"value", "label"}, …]; return the first form."""
    if not isinstance(raw, list):
        raise InvalidInput("可选值应为列表", errors={"choices": ["应为列表"]})
    out = []
    for index, item in enumerate(raw):
        if isinstance(item, Mapping) and set(item) == {"value", "label"}:
            item = [item["value"], item["label"]]
        if not (isinstance(item, list | tuple) and len(item) == 2):
            raise InvalidInput(
                "可选值有误", errors={f"choices[{index}]": ['应为 {"value": …, "label": …}']}
            )
        out.append([item[0], item[1]])
    return out


def _check(session: Session, values: dict[str, Any], *, row: FactDefinition | None) -> None:
    """Raise InvalidInput with every problem of a fact's values, by field."""
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind, key, kind_type = values["subject_type"], values["key"], values["type"]
    if kind not in SUBJECT_KINDS:
        fail("subject_type", "应为 person 或 enterprise")
    if not isinstance(key, str) or not KEY.match(key):
        fail("key", "应为小写字母开头，由小写字母、数字、下划线组成，2–64 位")
    elif key in RESERVED_KEYS:
        fail("key", f"「{key}」是档案的固定字段，不能作为指标名")
    try:
        fact_type = FactType(kind_type)
    except ValueError:
        fail("type", f"类型应为 {'、'.join(FactType)} 之一")
        fact_type = None
    label = values["label"]
    if not isinstance(label, str) or not 1 <= len(label.strip()) <= 64:
        fail("label", "中文名应为 1–64 个字")
    choices = values["choices"]
    if fact_type in (FactType.ENUM, FactType.TAGS):
        _check_choices(choices, fact_type, fail)
    elif choices:
        fail("choices", "只有 enum 和 tags 类型有可选值")
    if values["ordered"] and fact_type is not FactType.ENUM:
        fail("ordered", "只有 enum 类型可以有先后（等级）")
    table = values.get("code_table")
    if fact_type is FactType.CODE and table not in CODE_TABLES:
        fail("code_table", f"编码类指标应指明编码表：{'、'.join(CODE_TABLES)}")
    elif fact_type is not FactType.CODE and table:
        fail("code_table", "只有 code 类型有编码表")
    _check_range(values, fact_type, fail)
    if values.get("scale") is not None and (
        fact_type not in (FactType.DECIMAL, FactType.PERCENT) or not 0 <= values["scale"] <= 6
    ):
        fail("scale", "小数位数只用于 decimal 和 percent 类型，取 0–6")
    if not errors and values.get("derivation"):
        _check_derivation(session, values, fact_type, row, fail)
    if not errors and (row is None or label != row.label):
        taken = session.scalar(
            select(FactDefinition.key).where(
                FactDefinition.subject_type == kind,
                FactDefinition.label == label,
                FactDefinition.id != (row.id if row is not None else -1),
            )
        )
        if taken:
            fail("label", f"中文名「{label}」已被指标「{taken}」使用")
    if errors:
        raise InvalidInput("指标信息有误，未保存", errors=errors)


def _check_choices(choices: list, fact_type: FactType, fail: Any) -> None:
    if not choices:
        fail("choices", "enum 和 tags 类型至少需要一个可选值")
        return
    limit = MAX_TAGS if fact_type is FactType.TAGS else MAX_CHOICES
    if len(choices) > limit:
        fail("choices", f"可选值最多 {limit} 个")
    seen_values, seen_labels = set(), set()
    for index, (value, label) in enumerate(choices):
        if not isinstance(value, str) or not CHOICE.match(value):
            fail(
                f"choices[{index}]",
                "值应为小写字母或数字开头，由小写字母、数字、下划线组成，最长 32 位",
            )
        if not isinstance(label, str) or not 1 <= len(label.strip()) <= 64:
            fail(f"choices[{index}]", "每个可选值需要 1–64 个字的中文名")
        if value in seen_values or label in seen_labels:
            fail(f"choices[{index}]", f"可选值「{value}」（{label}）重复")
        seen_values.add(value)
        seen_labels.add(label)


def _check_range(values: dict[str, Any], fact_type: FactType | None, fail: Any) -> None:
    low, high = values.get("minimum"), values.get("maximum")
    if (low is not None or high is not None) and fact_type not in RANGED_TYPES:
        fail("minimum", "只有数值类指标（integer、decimal、money、percent、year）有取值范围")
        return
    for name, bound in (("minimum", low), ("maximum", high)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)):
            fail(name, "应为数字")
            return
    if low is not None and high is not None and low > high:
        fail("maximum", "上限不能小于下限")


def _check_derivation(
    session: Session,
    values: dict[str, Any],
    fact_type: FactType | None,
    row: FactDefinition | None,
    fail: Any,
) -> None:
    try:
        derivation = read_derivation(values["derivation"])
    except ValueError as exc:
        fail("derivation", str(exc))
        return
    if fact_type not in DERIVED_RESULT[derivation.op]:
        wanted = "、".join(DERIVED_RESULT[derivation.op])
        fail("type", f"推算方式 {derivation.op} 的结果类型应为 {wanted}")
    catalog = current(session)
    facts = catalog.of(values["subject_type"])
    for name in derivation.inputs:
        source = facts.get(name)
        if source is None:
            fail("derivation", f"未知的指标「{name}」（推算只能用已启用的同类指标）")
        elif derivation.op != "case" and source.type not in DERIVED_INPUTS[derivation.op]:
            wanted = "、".join(DERIVED_INPUTS[derivation.op])
            fail("derivation", f"「{source.label}」是 {source.type}，{derivation.op} 需要 {wanted}")
    if derivation.op != "case" and len(derivation.inputs) != OPS[derivation.op]:
        fail("derivation", f"{derivation.op} 需要 {OPS[derivation.op]} 个指标")
    others = [fact for fact in catalog if not (row is not None and fact.name == row.key)]
    try:
        candidate = fact_from_document({**values, "status": FactStatus.ACTIVE})
        built = Catalog([*others, candidate], catalog.version)
    except ValueError as exc:
        fail("derivation", str(exc))
        return
    if _depth(built, values["subject_type"], values["key"]) > MAX_DERIVED_DEPTH:
        fail("derivation", f"推算层级过深（最多 {MAX_DERIVED_DEPTH} 层）")
    if derivation.op == "case":
        kind_facts = built.of(values["subject_type"])
        for problem in check_cases(kind_facts, kind_facts[values["key"]]):
            fail("derivation", f"{problem.path.removeprefix('$derivation.')}：{problem.message}")


def _depth(catalog: Catalog, kind: str, name: str) -> int:
    fact = catalog.find(kind, name)
    if fact is None or fact.derivation is None:
        return 0
    return 1 + max(_depth(catalog, kind, source) for source in fact.derivation.inputs)
