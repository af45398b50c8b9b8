"""Turning stored and written values into typed ones, per fact type; Chinese errors."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rules.catalog import Fact, FactType

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = re.compile(r"^[0-9A-Z]{1,12}$")

# The dates the service reckons with: birth dates from 1900 (GB 11643 numbers in use), policy
# windows and "as of" days well past any plan. Outside them date arithmetic (windows, ages,
# deadlines) can leave Python's year 1–9999, so they are refused wherever a date comes in.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
DATE_RANGE_MESSAGE = f"日期应在 {EARLIEST_DATE} 至 {LATEST_DATE} 之间"
_FIRST_YEAR, _LAST_YEAR = EARLIEST_DATE.year, LATEST_DATE.year  # the range is whole years
# Text no column can keep: NUL ends strings in C libraries and some drivers; a lone surrogate
# has no UTF-8 form, so MariaDB, SQLite and every hash of the text fail on it.
UNSTORABLE_TEXT_MESSAGE = "含有无法保存的特殊字符，请删除后重试"
# In JSON text, only these escapes can put such a character into the parsed value (a raw control
# character is not JSON, a raw surrogate not UTF-8): text without them needs no walk.
UNSTORABLE_ESCAPE = r"\\u(?:0000|[dD][89a-fA-F])"


def parse_date(raw: object) -> date:
    """Read a "YYYY-MM-DD" string (or a date) in the service's range, or raise ValueError.

    One function, no helpers: a profile's dates are read on every scalar evaluation.
    """
    if isinstance(raw, date):
        day = raw
    elif isinstance(raw, str) and _DATE.match(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"「{raw}」不是有效日期，应写作 YYYY-MM-DD") from None
    else:
        raise ValueError(f"「{raw}」不是有效日期，应写作 YYYY-MM-DD")
    if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        raise ValueError(f"「{raw}」超出范围：{DATE_RANGE_MESSAGE}")
    return day


def unstorable_path(value: Any) -> tuple | None:
    """Return the path (keys and indexes) to the first text of a JSON value that cannot be
    stored, or None when all can; a bad key's path ends with that key."""
    stack: list[tuple[Any, tuple]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if not storable_text(node):
                return path
        elif isinstance(node, dict):
            for key, child in node.items():
                if isinstance(key, str) and not storable_text(key):
                    return (*path, key)
                stack.append((child, (*path, key)))
        elif isinstance(node, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(node))
    return None


def storable_text(text: str) -> bool:
    """Return True when the text can be stored: no NUL, no lone surrogate."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def coerce(fact: Fact, raw: Any) -> Any:
    """Return the typed value of `raw` for `fact`, or raise ValueError with a Chinese message."""
    kind = fact.type
    if kind is FactType.INTEGER or kind is FactType.MONEY or kind is FactType.YEAR:
        if isinstance(raw, bool) or not isinstance(raw, int):
            noun = {FactType.MONEY: "整数（单位：分）", FactType.YEAR: "四位年份，如 2026"}
            raise ValueError(f"「{fact.label}」的取值应为{noun.get(kind, '整数')}，收到 {raw!r}")
        if kind is FactType.YEAR and not _FIRST_YEAR <= raw <= _LAST_YEAR:
            raise ValueError(
                f"「{fact.label}」应为 {_FIRST_YEAR}–{_LAST_YEAR} 之间的年份，收到 {raw}"
            )
        value: Any = raw
    elif kind is FactType.DECIMAL or kind is FactType.PERCENT:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError(f"「{fact.label}」的取值应为数字，收到 {raw!r}")
        try:
            value = float(raw)
        except OverflowError:  # an int beyond float: malformed, like any other bad value
            raise ValueError(f"「{fact.label}」的取值过大，无法作为数字") from None
    elif kind is FactType.BOOLEAN:
        if not isinstance(raw, bool):
            raise ValueError(f"「{fact.label}」的取值应为 true 或 false，收到 {raw!r}")
        return raw
    elif kind is FactType.DATE:
        try:
            return parse_date(raw)
        except ValueError as exc:
            raise ValueError(f"「{fact.label}」：{exc}") from None
    elif kind is FactType.ENUM:
        return _choice(fact, raw)
    elif kind is FactType.TAGS:
        if not isinstance(raw, list | tuple | set | frozenset):
            raise ValueError(f"「{fact.label}」的取值应为列表，收到 {raw!r}")
        return frozenset(_choice(fact, item) for item in raw)
    else:
        if not isinstance(raw, str) or not _CODE.match(raw):
            raise ValueError(f"「{fact.label}」的取值应为编码（数字或大写字母），收到 {raw!r}")
        return raw
    _check_range(fact, value)
    return value


def _choice(fact: Fact, raw: Any) -> str:
    if not isinstance(raw, str) or raw not in fact.values:
        allowed = "、".join(f"{value}（{label}）" for value, label in fact.choices)
        raise ValueError(f"「{raw}」不是「{fact.label}」的可选值，可选：{allowed}")
    return raw


def _check_range(fact: Fact, value: float) -> None:
    if fact.minimum is not None and value < fact.minimum:
        raise ValueError(f"「{fact.label}」不能小于 {fact.minimum:g}，收到 {value}")
    if fact.maximum is not None and value > fact.maximum:
        raise ValueError(f"「{fact.label}」不能大于 {fact.maximum:g}，收到 {value}")
