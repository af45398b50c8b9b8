"""Schema fields whose validation messages are Chinese, and times shown in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import marshmallow as ma

from models.clock import SHANGHAI
from rules.values import (
    DATE_RANGE_MESSAGE,
    EARLIEST_DATE,
    LATEST_DATE,
    UNSTORABLE_TEXT_MESSAGE,
    storable_text,
)

# typed as marshmallow's error_messages (marshmallow.types.ErrorMessages)
COMMON: dict[str, str | list[Any] | dict[Any, Any]] = {
    "required": "必填",
    "null": "不能为空",
    "validator_failed": "取值无效",
}


class Schema(ma.Schema):
    """A schema that refuses unknown fields in Chinese."""

    error_messages = {"unknown": "不认识的字段", "type": "应为 JSON 对象"}


class String(ma.fields.String):
    """Text that can be stored (no NUL, no lone surrogate: api.input_guard refuses them first)."""

    default_error_messages = {
        **COMMON,
        "invalid": "应为文字",
        "invalid_utf8": "应为 UTF-8 文字",
        "unstorable": UNSTORABLE_TEXT_MESSAGE,
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not storable_text(text):
            raise self.make_error("unstorable")
        return text


# What a BIGINT column holds: a larger number would fail in the database (SQLite: a 500).
INT64 = ma.validate.Range(min=-(2**63), max=2**63 - 1, error="数值过大")


class Integer(ma.fields.Integer):
    """A whole number that fits a 64-bit column."""

    default_error_messages = {**COMMON, "invalid": "应为整数", "too_large": "数值过大"}

    def __init__(self, *, strict: bool = True, **kwargs: Any) -> None:
        validate = kwargs.pop("validate", None)
        if validate is None:
            validate = []
        elif callable(validate):
            validate = [validate]
        super().__init__(strict=strict, validate=[*validate, INT64], **kwargs)


class Number(ma.fields.Float):
    """A finite number."""

    default_error_messages = {**COMMON, "invalid": "应为数字", "special": "应为有限的数字"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, **kwargs)


class Boolean(ma.fields.Boolean):
    """true or false."""

    default_error_messages = {**COMMON, "invalid": "应为 true 或 false"}


class Date(ma.fields.Date):
    """A YYYY-MM-DD date within the service's range (rules.values.EARLIEST_DATE … LATEST_DATE)."""

    default_error_messages = {
        **COMMON,
        "invalid": "应为 YYYY-MM-DD 日期",
        "format": "日期格式有误",
        "range": DATE_RANGE_MESSAGE,
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            raise self.make_error("range")
        return day


class LocalDateTime(ma.fields.AwareDateTime):
    """An ISO-8601 time: read with its offset (none means Asia/Shanghai), shown in Shanghai."""

    default_error_messages = {
        **COMMON,
        "invalid": "应为 ISO-8601 时间，如 2026-01-01T09:00:00+08:00",
        "invalid_awareness": "时间应带时区",
        "format": "时间格式有误",
        "range": DATE_RANGE_MESSAGE,
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=SHANGHAI, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        moment = super()._deserialize(value, attr, data, **kwargs)
        # Compared on the calendar date as written: converting year 1 to UTC would overflow.
        if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
            raise self.make_error("range")
        return moment

    def _serialize(self, value: dt.datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return value.astimezone(SHANGHAI).isoformat()


class List(ma.fields.List):
    """A JSON array."""

    default_error_messages = {**COMMON, "invalid": "应为列表"}


class Dict(ma.fields.Dict):
    """A JSON object."""

    default_error_messages = {**COMMON, "invalid": "应为 JSON 对象"}


class Nested(ma.fields.Nested):
    """An object of another schema."""

    default_error_messages = {**COMMON, "type": "应为 JSON 对象"}


def length(*, minimum: int | None = None, maximum: int | None = None) -> ma.validate.Length:
    """Check a text's or list's length, saying the bound in Chinese."""
    if minimum and maximum:
        error = f"长度应在 {minimum} 到 {maximum} 之间"
    elif maximum:
        error = f"长度不能超过 {maximum}"
    else:
        error = f"至少需要 {minimum} 个" if minimum and minimum > 1 else "不能为空"
    return ma.validate.Length(min=minimum, max=maximum, error=error)


def one_of(choices: Iterable[str]) -> ma.validate.OneOf:
    """Check a value is one of the choices, listing them in Chinese."""
    listed = list(choices)
    return ma.validate.OneOf(listed, error=f"应为以下之一：{'、'.join(listed)}")


def at_least(minimum: int, maximum: int | None = None) -> ma.validate.Range:
    """Check a number's bounds."""
    error = f"应不小于 {minimum}" + ("" if maximum is None else f"且不大于 {maximum}")
    return ma.validate.Range(min=minimum, max=maximum, error=error)


def pattern(regex: str, error: str) -> ma.validate.Regexp:
    """Check a text against a regular expression."""
    return ma.validate.Regexp(regex, error=error)
