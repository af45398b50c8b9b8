"""What WeChat accepts and how it says no: error messages and subscribe-message value limits.

Limits follow the official 订阅消息参数值内容限制说明 table (docs/wechat.md §2.3); characters are
counted as code points, which is as strict as anything WeChat has been seen to do.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40129: "invalid scene",
    40163: "code been used",
    40164: "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist",
    40226: "code blocked",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    41030: "invalid page",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    43101: "user refuse to accept the msg",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
    61010: "user is not visited in the last 2 hours",
}

MINIPROGRAM_STATES = ("developer", "trial", "formal")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")
MAX_SEC_CHECK_CHARS = 2500

_DATE = r"\d{4}(?:年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2})"
_TIME = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?"
_DATE_VALUE = re.compile(rf"{_DATE}(?:\s*{_TIME})?")
_TIME_VALUE = re.compile(rf"(?:{_DATE}\s*)?{_TIME}")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LETTERS = re.compile(r"[A-Za-z]+")
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
_AMOUNT = re.compile(r"[¥￥$€£](\d+)(?:\.(\d{1,2}))?元?")  # a symbol, then ≤ 10 digits
_PHONE = re.compile(r"[0-9+\-() ]+")
_CHINESE_NAME = re.compile(r"[\u4e00-\u9fff·]{1,10}")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z .'-]{0,19}")
_PHRASE = re.compile(r"[\u4e00-\u9fff]{1,5}")
_KEY = re.compile(r"([a-z_]+?)(\d+)")


def _in_range(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        parts = [part.strip() for part in value.split("~")]
        return len(parts) <= 2 and all(pattern.fullmatch(part) for part in parts)

    return check


VALUE_RULES: dict[str, Callable[[str], bool]] = {
    "thing": lambda v: len(v) <= 20,
    "number": lambda v: len(v) <= 32 and bool(_NUMBER.fullmatch(v)),
    "letter": lambda v: len(v) <= 32 and bool(_LETTERS.fullmatch(v)),
    "symbol": lambda v: len(v) <= 5 and not any(c.isalnum() or c.isspace() for c in v),
    "character_string": lambda v: len(v) <= 32 and bool(_VISIBLE_ASCII.fullmatch(v)),
    "time": _in_range(_TIME_VALUE),
    "date": _in_range(_DATE_VALUE),
    "amount": lambda v: bool(
        (m := _AMOUNT.fullmatch(v)) and len(m.group(1)) + len(m.group(2) or "") <= 10
    ),
    "phone_number": lambda v: len(v) <= 17 and bool(_PHONE.fullmatch(v)),
    "car_number": lambda v: len(v) <= 8,
    "name": lambda v: bool(_CHINESE_NAME.fullmatch(v) or _LATIN_NAME.fullmatch(v)),
    "phrase": lambda v: bool(_PHRASE.fullmatch(v)),
    "enum": lambda v: True,  # the emulator does not know a template's enum values
}


def rid() -> str:
    """Return a request id in WeChat's style (it ends every errmsg)."""
    return "-".join(secrets.token_hex(4) for _ in range(3))


def error(errcode: int, errmsg: str | None = None) -> dict[str, Any]:
    """Return WeChat's error answer: errcode and errmsg ending with a rid."""
    text = errmsg or ERRMSG.get(errcode, "system error")
    return {"errcode": errcode, "errmsg": f"{text} rid: {rid()}"}


def data_problem(data: Any, keys: list[str] | None = None) -> str | None:
    """Return the 47003 errmsg for a message's data, or None when WeChat would accept it: every
    key of the template (`keys`, when known) filled, no other key, each value within its type."""
    if not isinstance(data, dict) or not data:
        return "argument invalid! data invalid"
    if keys is not None:
        missing = [key for key in keys if key not in data]
        if missing:
            return f"argument invalid! data.{missing[0]}.value is empty"
        extra = [key for key in data if key not in keys]
        if extra:
            return f"argument invalid! data.{extra[0]} invalid"
    for key, item in data.items():
        match = _KEY.fullmatch(str(key))
        rule = VALUE_RULES.get(match.group(1)) if match else None
        if rule is None:
            return f"argument invalid! data.{key} invalid"
        value = item.get("value") if isinstance(item, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip() or not rule(value):
            return f"argument invalid! data.{key}.value invalid"
    return None


def page_ok(page: Any, valid_pages: set[str] | None) -> bool:
    """Tell whether `page` (query string allowed) is a page of the released version."""
    if page is None or page == "":
        return True
    if not isinstance(page, str):
        return False
    path = page.split("?", 1)[0].lstrip("/")
    return valid_pages is None or path in valid_pages
