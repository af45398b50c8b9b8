"""Message building, pure: an outbox message's topic and content -> a WeChat subscribe message.

Each topic says a few fields (notify.templates.FIELDS: the item, the amount, the time …); the
configuration maps each to a key of the topic's template, and each value is fitted to the key's
type, WeChat's value rules (docs wechat.md §2.3): `thing` at most 20 characters, `phrase` at most
5 Chinese characters, `amount` a currency symbol and at most 10 digits (`¥4800.00`), `date`/`time`
as people write them, `character_string` at most 32 visible ASCII characters. Values are cut
safely (by code point, with an ellipsis) and are never empty. Several messages of a bundling topic
for one user go out as one push, since every push costs the user one subscription.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from models.clock import to_local
from notify.templates import (
    CLAIM_STATUS,
    DEADLINE_NEAR,
    DEFAULT_KEYS,
    DEFAULT_TEMPLATE_IDS,
    FIELDS,
    GRANT_MADE,
    NEW_MATCHES,
    PAYOUT_DONE,
    TEMPLATE_TITLES,
    TOPICS,
    key_type,
)

__all__ = [
    "BUNDLED_TOPICS",
    "CLAIM_STATUS",
    "DEADLINE_NEAR",
    "DEFAULT_TEMPLATE_IDS",
    "GRANT_MADE",
    "NEW_MATCHES",
    "PAYOUT_DONE",
    "TEMPLATE_TITLES",
    "TOPICS",
    "Content",
    "Money",
    "WxMessage",
    "build",
    "fit",
    "template_for",
]

MAX_THING = 20
MAX_PHRASE = 5
MAX_STRING = 32
ELLIPSIS = "…"

# Kinds whose pending messages for one user are sent as one push ("您有 3 项新政策可享").
BUNDLED_TOPICS = frozenset({NEW_MATCHES, GRANT_MADE})

CLAIM_STATUS_WORDS: dict[str, str] = {
    "submitted": "已提交",
    "reviewing": "审核中",
    "returned": "需补正",
    "approved": "已通过",
    "paid": "已发放",
    "rejected": "未通过",
    "withdrawn": "已撤回",
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]")


@dataclass(frozen=True)
class WxMessage:
    """What subscribeMessage.send needs besides the user: template, data fields, page."""

    template_id: str
    data: dict[str, dict[str, str]]
    page: str | None
    topic: str


@dataclass(frozen=True)
class Content:
    """The part of an outbox message a push is built from."""

    topic: str
    title: str
    body: str
    data: Mapping[str, Any] = field(default_factory=dict)
    page: str | None = None
    created_at: datetime | None = None


# value fitting


def clean(text: Any) -> str:
    """Return text on one line: control and zero-width characters dropped, spaces collapsed."""
    folded = unicodedata.normalize("NFC", str(text if text is not None else ""))
    return _SPACES.sub(" ", _CONTROL.sub("", folded)).strip()


def thing(text: Any, fallback: str = "政策快享") -> str:
    """Return a `thing` value: at most 20 characters, cut with an ellipsis, never empty."""
    value = clean(text) or fallback
    if len(value) > MAX_THING:
        value = value[: MAX_THING - 1].rstrip() + ELLIPSIS
    return value


def phrase(text: Any, fallback: str = "有更新") -> str:
    """Return a `phrase` value: Chinese characters only, at most 5, never empty."""
    value = "".join(_CHINESE.findall(clean(text)))[:MAX_PHRASE]
    return value or fallback


def character_string(text: Any, fallback: str = "-") -> str:
    """Return a `character_string` value: visible ASCII only, at most 32 characters."""
    value = "".join(_VISIBLE_ASCII.findall(clean(text)))[:MAX_STRING]
    return value or fallback


MAX_AMOUNT_DIGITS = 10


def amount(fen: int) -> str:
    """Return an `amount` value from fen: 480000 -> '¥4800.00' (one currency symbol, at most 10
    digits, no separators; WeChat refuses '4800.00元')."""
    whole, cents = divmod(abs(int(fen)), 100)
    if len(str(whole)) + 2 > MAX_AMOUNT_DIGITS:
        raise ValueError(f"{fen} fen has more than {MAX_AMOUNT_DIGITS} digits")
    return f"¥{whole}.{cents:02d}"


def money_text(fen: int | None, prefix: str = "预计") -> str:
    """Return an amount for a `thing` field: '预计4,800元', or what to say without one."""
    if not fen or fen <= 0:
        return "金额以审核结果为准"
    whole, cents = divmod(int(fen), 100)
    shown = f"{whole:,}" + (f".{cents:02d}" if cents else "")
    return f"{prefix}{shown}元"


def date_value(day: date | datetime) -> str:
    """Return a `date` value as people write it: 2026年11月27日 (Asia/Shanghai for datetimes)."""
    if isinstance(day, datetime):
        day = to_local(day).date()
    return f"{day.year}年{day.month}月{day.day}日"


def time_value(moment: datetime) -> str:
    """Return a `time` value: 2026年11月27日 09:05, Asia/Shanghai."""
    local = to_local(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


# building


def _names(contents: Sequence[Content]) -> list[str]:
    names: list[str] = []
    for content in contents:
        for item in content.data.get("items") or []:
            name = clean(item.get("name"))
            if name and name not in names:
                names.append(name)
    return names


def _count(contents: Sequence[Content]) -> int:
    return sum(int(c.data.get("count") or len(c.data.get("items") or []) or 1) for c in contents)


def _total(contents: Sequence[Content]) -> int:
    return sum(int(c.data.get("total_fen") or 0) for c in contents)


def _subject(names: list[str], count: int, noun: str) -> str:
    """Name what a bundle is about: the item itself, or '「稳岗返还」等3项' cut to fit."""
    if not names:
        return f"{count}项{noun}"
    if count <= 1:
        return names[0]
    suffix = f"等{count}项{noun}"
    room = MAX_THING - len(suffix)
    first = names[0] if len(names[0]) <= room else names[0][: max(room - 1, 1)] + ELLIPSIS
    return first + suffix


def _hint(count: int) -> str:
    return f"您有{count}项新政策可享，点击查看" if count > 1 else "点击查看，一键办理"


@dataclass(frozen=True)
class Money:
    """An amount a field says: fen (None or 0: not known yet) and the words before it."""

    fen: int | None
    prefix: str = "预计"


def _new_matches(contents: Sequence[Content], now: datetime) -> dict[str, Any]:
    count = _count(contents)
    return {
        "item": _subject(_names(contents), count, "政策"),
        "amount": Money(_total(contents)),
        "hint": _hint(count),
        "time": now,
    }


def _grant_made(contents: Sequence[Content], now: datetime) -> dict[str, Any]:
    count = _count(contents)
    return {
        "item": _subject(_names(contents), count, "待遇"),
        "amount": Money(_total(contents), prefix=""),
        "status": "已办理",
        "time": now,
    }


def _claim_status(contents: Sequence[Content], now: datetime) -> dict[str, Any]:
    data = contents[-1].data
    status = str(data.get("status") or "")
    return {
        "claim_no": data.get("claim_no"),
        "item": data.get("item_name") or contents[-1].title,
        # a claim's status in words, or the words its message brings (补充信息: 已通过, 未通过)
        "status": data.get("status_text") or CLAIM_STATUS_WORDS.get(status, status),
        "note": data.get("reason") or contents[-1].body or "点击查看办理进度",
    }


def _deadline_near(contents: Sequence[Content], now: datetime) -> dict[str, Any]:
    content = contents[-1]
    names = _names([content])
    deadline = content.data.get("deadline")
    return {
        "item": names[0] if names else content.title,
        "deadline": date.fromisoformat(deadline) if deadline else to_local(now).date(),
        "amount": Money(_total([content]), prefix="预计可享"),
    }


def _payout_done(contents: Sequence[Content], now: datetime) -> dict[str, Any]:
    data = contents[-1].data
    paid_at = data.get("paid_at")
    return {
        "item": data.get("item_name") or contents[-1].title,
        "amount": Money(int(data.get("amount_fen") or data.get("paid_fen") or 0), prefix=""),
        "paid_on": datetime.fromisoformat(paid_at) if paid_at else now,
    }


_BUILDERS = {
    NEW_MATCHES: _new_matches,
    GRANT_MADE: _grant_made,
    CLAIM_STATUS: _claim_status,
    DEADLINE_NEAR: _deadline_near,
    PAYOUT_DONE: _payout_done,
}


def fit(value: Any, kind: str) -> str:
    """Write a field's value as a key of type `kind` (thing, phrase, amount, date …) accepts."""
    if isinstance(value, Money):
        if kind == "amount":
            return amount(value.fen or 0)
        return thing(money_text(value.fen, prefix=value.prefix or "预计"))
    if isinstance(value, datetime):
        if kind == "time":
            return time_value(value)
        return date_value(value) if kind == "date" else thing(time_value(value))
    if isinstance(value, date):
        return date_value(value) if kind == "date" else thing(date_value(value))
    if kind == "phrase":
        return phrase(value)
    if kind == "character_string":
        return character_string(value)
    return thing(value)


def template_for(topic: str, template_ids: Mapping[str, str]) -> str:
    """Return the configured template id for a topic (KeyError for a topic we do not push)."""
    if topic not in _BUILDERS:
        raise KeyError(f"no template for message topic {topic!r}")
    return template_ids.get(topic) or DEFAULT_TEMPLATE_IDS[topic]


def build(
    contents: Sequence[Content],
    *,
    template_ids: Mapping[str, str],
    now: datetime,
    template_keys: Mapping[str, Mapping[str, str]] | None = None,
) -> WxMessage:
    """Build one push for `contents` (one message, or a bundle of one bundling topic), each
    field under its configured key (notify.templates; the defaults when none) and fitted to it.

    The page is the first message's deep link (a bundle of new matches opens the home page).
    """
    if not contents:
        raise ValueError("nothing to build a message from")
    topic = contents[0].topic
    if any(c.topic != topic for c in contents):
        raise ValueError("a bundle holds messages of one topic")
    if len(contents) > 1 and topic not in BUNDLED_TOPICS:
        raise ValueError(f"{topic} messages are not bundled")
    values = _BUILDERS[topic](contents, now)
    keys = (template_keys or {}).get(topic) or DEFAULT_KEYS[topic]
    data = {}
    for said in FIELDS[topic]:
        key = keys[said.name]
        data[key] = {"value": fit(values[said.name], key_type(key) or "thing")}
    return WxMessage(
        template_id=template_for(topic, template_ids),
        data=data,
        page=contents[0].page,
        topic=topic,
    )
