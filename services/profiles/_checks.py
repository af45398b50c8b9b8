"""Checking one profile record: its identifier, name, phone and every fact against the catalog.

Identifiers, names and phones are checked by profiles._subjects (the one place that knows how);
facts by rules.values.coerce, then normalised to the JSON the catalog expects (dates as
"YYYY-MM-DD", tags as a list in catalog order, money as integer fen). An enterprise's legal
representative is checked here too (name, 身份证号 with its check digit) and kept as its name and
the 身份证号's look-up hash only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from models.pii import Vault
from rules.catalog import Fact, Facts, FactType, unknown_fact
from rules.identifiers import mask_id_number
from rules.values import coerce
from services.errors import InvalidInput
from services.profiles._formats import IDENTITY_FIELD, IDENTITY_LABEL, RECORD_FIELDS, RawRow
from services.profiles._subjects import (
    REPRESENTATIVE_ID_NUMBER,
    REPRESENTATIVE_NAME,
    checked_name,
    checked_phone,
    checked_representative_name,
    identity_hash,
    representative_hash,
)

MODES = ("replace", "merge")
KEEP = "keep"  # merge mode: the phone (or representative) was not given: the stored one stays
# Integers beyond this are not exact in JSON readers that use doubles (and MariaDB's JSON).
LARGEST_INTEGER = 2**53 - 1
_REMEMBERED = 200_000
_NORMALISED: dict[tuple[str, str, int, type, Any], Any] = {}


@dataclass(slots=True)
class CheckedRow:
    """A record that passed every check, its facts normalised."""

    line: int
    identifier: str
    identity_hash: bytes
    name: str | None  # None: not given (merge mode keeps the stored name)
    phone: str | None  # normalised, None for no phone, KEEP to keep the stored one
    facts: dict[str, Any]  # given facts, normalised, without nulls
    deleted: tuple[str, ...]  # merge mode: facts given as null
    # An enterprise's legal representative as (name, look-up hash of the 身份证号); None for
    # none, KEEP to keep the stored one.
    representative: tuple[str, bytes] | str | None = None


@dataclass(slots=True)
class RejectedRow:
    """A record that failed: its line, its identifier masked, and why, per field."""

    line: int
    identifier: str
    errors: dict[str, list[str]]

    def as_dict(self) -> dict[str, Any]:
        """Return the report entry of this row."""
        return {"line": self.line, "identifier": self.identifier, "errors": self.errors}


def masked_identifier(kind: str, identifier: object) -> str:
    """Return an identifier as a report may show it: 身份证号 masked, 统一社会信用代码 as is."""
    if not isinstance(identifier, str):
        return ""
    text = identifier.strip()[:32]
    return mask_id_number(text) if kind == "person" else text.upper()


def check_row(raw: RawRow, *, facts: Facts, mode: str, vault: Vault) -> CheckedRow | RejectedRow:
    """Check one record against the facts of its kind in `mode`; return it normalised or
    rejected with reasons."""
    kind = facts.kind
    if raw.errors:  # unreadable (not JSON, not UTF-8, wrong number of cells): nothing to check
        return RejectedRow(raw.line, "", dict(raw.errors))
    record = raw.record
    id_field = IDENTITY_FIELD[kind]
    errors: dict[str, list[str]] = {}
    known = RECORD_FIELDS[kind]
    for key in record:
        if key != id_field and key != "facts" and key not in known:
            errors.setdefault(key, []).append(f"未知的字段「{key}」")
    identifier = record.get(id_field)
    hashed = _identity(errors, id_field, kind, identifier, vault)
    name = _name(errors, record, mode)
    phone = _phone(errors, record, mode)
    values, deleted = _facts(errors, record, facts, mode)
    representative = _representative(errors, record, kind, mode, vault)
    if errors or hashed is None:
        return RejectedRow(raw.line, masked_identifier(kind, identifier), errors)
    assert isinstance(identifier, str)
    return CheckedRow(raw.line, identifier, hashed, name, phone, values, deleted, representative)


def normalised_value(fact: Fact, raw: Any) -> Any:
    """Return the value as stored in subjects.facts, or raise ValueError in Chinese.

    Remembered per fact and value: a city's profiles repeat the same codes, dates and
    choices, and checking each again costs more than the rest of an import row.
    """
    listed = isinstance(raw, list)  # a tag set, remembered as a tuple, handed out as a new list
    key = (fact.kind, fact.name, fact.revision, raw.__class__, tuple(raw) if listed else raw)
    try:
        value = _NORMALISED[key]
    except KeyError:
        if len(_NORMALISED) >= _REMEMBERED:
            _NORMALISED.clear()
        value = _normalise(fact, raw)
        _NORMALISED[key] = tuple(value) if listed else value
    except TypeError:  # a dict, a list of lists: checked, not remembered
        return _normalise(fact, raw)
    return list(value) if listed else value


def _normalise(fact: Fact, raw: Any) -> Any:
    value = coerce(fact, raw)
    kind = fact.type
    if kind is FactType.DATE:
        return value.isoformat()
    if kind is FactType.TAGS:
        return [choice for choice in fact.values if choice in value]
    if kind in (FactType.DECIMAL, FactType.PERCENT) and not math.isfinite(value):
        raise ValueError(f"「{fact.label}」的取值应为有限的数字，收到 {raw!r}")
    if fact.scale is not None and kind in (FactType.DECIMAL, FactType.PERCENT):
        if round(value, fact.scale) != value:
            raise ValueError(f"「{fact.label}」最多保留 {fact.scale} 位小数，收到 {raw!r}")
    if kind in (FactType.INTEGER, FactType.MONEY) and abs(value) > LARGEST_INTEGER:
        raise ValueError(f"「{fact.label}」的取值过大，收到 {raw!r}")
    return value


def _identity(
    errors: dict[str, list[str]], field: str, kind: str, identifier: object, vault: Vault
) -> bytes | None:
    if not isinstance(identifier, str) or not identifier.strip():
        errors.setdefault(field, []).append(f"缺少{IDENTITY_LABEL[kind]}")
        return None
    try:
        return identity_hash(vault, kind=kind, identifier=identifier)
    except InvalidInput as problem:
        errors.setdefault(field, []).extend(problem.errors.get("identifier", [problem.message]))
        return None


def _name(errors: dict[str, list[str]], record: dict[str, Any], mode: str) -> str | None:
    name = record.get("name")
    if name is None:
        if mode == "replace":
            errors.setdefault("name", []).append("缺少名称（整档替换时必须给出）")
        return None
    if not isinstance(name, str):
        errors.setdefault("name", []).append("名称应为文字")
        return None
    try:
        return checked_name(name)
    except InvalidInput as problem:
        errors.setdefault("name", []).extend(problem.errors["name"])
        return None


def _phone(errors: dict[str, list[str]], record: dict[str, Any], mode: str) -> str | None:
    if "phone" not in record:
        return KEEP if mode == "merge" else None
    phone = record["phone"]
    if phone is None or phone == "":
        return None
    if not isinstance(phone, str):
        errors.setdefault("phone", []).append('手机号码应为文字，例如 "13812345678"')
        return None
    try:
        return checked_phone(phone)
    except InvalidInput as problem:
        errors.setdefault("phone", []).extend(problem.errors["phone"])
        return None


def _representative(
    errors: dict[str, list[str]], record: dict[str, Any], kind: str, mode: str, vault: Vault
) -> tuple[str, bytes] | str | None:
    """Check an enterprise's legal representative: both fields, or neither, or both null."""
    if kind != "enterprise":
        return None  # a person's record naming these fields is refused as unknown fields
    if REPRESENTATIVE_NAME not in record and REPRESENTATIVE_ID_NUMBER not in record:
        return KEEP if mode == "merge" else None
    name, number = record.get(REPRESENTATIVE_NAME), record.get(REPRESENTATIVE_ID_NUMBER)
    if name in (None, "") and number in (None, ""):
        return None
    found: dict[str, list[str]] = {}
    for field, value in ((REPRESENTATIVE_NAME, name), (REPRESENTATIVE_ID_NUMBER, number)):
        if value in (None, ""):
            found[field] = ["法定代表人的姓名和身份证号应同时给出"]
        elif not isinstance(value, str):
            found[field] = ["应为文字"]
    checked, digest = "", b""
    # nothing found means both are text: the isinstance checks only tell mypy so
    if not found and isinstance(name, str) and isinstance(number, str):
        try:
            checked = checked_representative_name(name)
        except InvalidInput as problem:
            found.update(problem.errors)
        try:
            digest = representative_hash(vault, number)
        except InvalidInput as problem:
            found.update(problem.errors)
    for field, messages in found.items():
        errors.setdefault(field, []).extend(messages)
    return None if found else (checked, digest)


def _facts(
    errors: dict[str, list[str]], record: dict[str, Any], catalog: Facts, mode: str
) -> tuple[dict[str, Any], tuple[str, ...]]:
    given = record.get("facts")
    if given is None:
        if mode == "replace":
            errors.setdefault("facts", []).append("缺少 facts（整档替换时必须给出全部指标）")
        return {}, ()
    if not isinstance(given, dict):
        errors.setdefault("facts", []).append("facts 应为一个 JSON 对象")
        return {}, ()
    facts: dict[str, Any] = {}
    deleted: list[str] = []
    remembered = _NORMALISED
    kind = catalog.kind
    for name, raw in given.items():
        fact = catalog.get(name)
        try:  # the common case: a value of a known fact already checked in this process
            if fact is None:
                raise KeyError(name)
            facts[name] = remembered[(kind, name, fact.revision, raw.__class__, raw)]
        except (KeyError, TypeError):
            _check_fact(errors, facts, deleted, catalog, name, raw, mode)
    return facts, tuple(deleted)


def _check_fact(
    errors: dict[str, list[str]],
    facts: dict[str, Any],
    deleted: list[str],
    catalog: Facts,
    name: str,
    raw: Any,
    mode: str,
) -> None:
    """Check one given fact: put its value in facts, its name in deleted, or its error in errors."""
    fact = catalog.get(name)
    key = f"facts.{name}"
    if fact is None:
        errors.setdefault(key, []).append(unknown_fact(catalog, name))
    elif fact.derived:
        sources = "、".join(catalog[source].label for source in fact.derived_from)
        errors.setdefault(key, []).append(f"「{fact.label}」由{sources}推算，不能导入")
    elif raw is None:
        if mode == "merge":
            deleted.append(name)
    else:
        try:
            facts[name] = normalised_value(fact, raw)
        except ValueError as exc:
            errors.setdefault(key, []).append(str(exc))
