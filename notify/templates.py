"""Subscribe-message templates as configuration: what each message says, and where it goes.

A template in the WeChat console (订阅消息 → 我的模板) is picked from the public library by whoever
runs the account; its keywords have fixed keys (`thing7`, `amount4`, `time12` …) whose prefix is
the value's type. Each of our message topics says a few *fields* (the item, the amount, the
time …); the configuration maps every field to one of the chosen template's keys, and each value
is fitted to that key's type when a push is built (an amount in an `amount` key is `¥4800.00`,
in a `thing` key `预计4,800元`).

`check()` compares the configuration with the account's templates (wxaapi/newtmpl/gettemplate)
and returns one line per mismatch: a push with a key its template lacks, or lacking one it has,
fails with 47003, so start-up stops instead (docs/notify.md, "Templates").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NEW_MATCHES = "new_matches"
GRANT_MADE = "grant_made"
CLAIM_STATUS = "claim_status"
DEADLINE_NEAR = "deadline_near"
PAYOUT_DONE = "payout_done"
TOPICS = (NEW_MATCHES, GRANT_MADE, CLAIM_STATUS, DEADLINE_NEAR, PAYOUT_DONE)

# the development templates (the emulator's account holds these); never valid in production
DEFAULT_TEMPLATE_IDS: dict[str, str] = {
    NEW_MATCHES: "kx-tmpl-new-matches",
    GRANT_MADE: "kx-tmpl-grant-made",
    CLAIM_STATUS: "kx-tmpl-claim-status",
    DEADLINE_NEAR: "kx-tmpl-deadline-near",
    PAYOUT_DONE: "kx-tmpl-payout-done",
}
# What each template shows, as registered in the public template library (for operators).
TEMPLATE_TITLES: dict[str, str] = {
    NEW_MATCHES: "政策匹配提醒",
    GRANT_MADE: "免申即享办理通知",
    CLAIM_STATUS: "办事进度通知",
    DEADLINE_NEAR: "申请截止提醒",
    PAYOUT_DONE: "资金到账通知",
}

# A field's kind says what value the builder gives it:
#   text  a name or sentence            money  fen (or None: unknown) and the words before it
#   word  a short status word           money_known  fen, always known
#   code  letters and digits            when  a moment (datetime)     day  a date
KINDS = ("text", "word", "code", "money", "money_known", "when", "day")
# the key types each kind can be written as (an unknown amount cannot go in an `amount` key)
FITS: dict[str, tuple[str, ...]] = {
    "text": ("thing",),
    "word": ("phrase", "thing"),
    "code": ("character_string", "thing"),
    "money": ("thing",),
    "money_known": ("amount", "thing"),
    "when": ("time", "date", "thing"),
    "day": ("date", "thing"),
}
KEY = re.compile(r"([a-z_]+?)(\d+)")
_CONTENT_KEY = re.compile(r"\{\{\s*([a-z_]+\d+)\.DATA\s*\}\}")


@dataclass(frozen=True)
class Field:
    """One thing a topic's message says."""

    name: str
    label: str
    kind: str
    default_key: str


FIELDS: dict[str, tuple[Field, ...]] = {
    NEW_MATCHES: (
        Field("item", "事项", "text", "thing1"),
        Field("amount", "预计金额", "money", "thing2"),
        Field("hint", "提示", "text", "thing3"),
        Field("time", "提醒时间", "when", "time4"),
    ),
    GRANT_MADE: (
        Field("item", "事项", "text", "thing1"),
        Field("amount", "金额", "money", "thing2"),
        Field("status", "办理状态", "word", "phrase3"),
        Field("time", "办理时间", "when", "time4"),
    ),
    CLAIM_STATUS: (
        Field("claim_no", "申请编号", "code", "character_string1"),
        Field("item", "事项", "text", "thing2"),
        Field("status", "状态", "word", "phrase3"),
        Field("note", "备注", "text", "thing4"),
    ),
    DEADLINE_NEAR: (
        Field("item", "事项", "text", "thing1"),
        Field("deadline", "截止日期", "day", "date2"),
        Field("amount", "预计可享", "money", "thing3"),
    ),
    PAYOUT_DONE: (
        Field("item", "事项", "text", "thing1"),
        Field("amount", "金额", "money_known", "amount2"),
        Field("paid_on", "到账日期", "day", "date3"),
    ),
}
DEFAULT_KEYS: dict[str, dict[str, str]] = {
    topic: {field.name: field.default_key for field in fields} for topic, fields in FIELDS.items()
}


class TemplateConfigError(ValueError):
    """The templates' configuration cannot work; the message names what to change."""


def key_type(key: str) -> str | None:
    """Return a keyword key's type: 'thing' for thing7, None when it is no key."""
    match = KEY.fullmatch(key)
    return match.group(1) if match else None


def problems_of(keys: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Return what is wrong with a configuration by itself: fields without a key, unknown
    fields, keys of a type the field cannot be written as, one key for two fields."""
    lines = []
    for topic, mapping in keys.items():
        if topic not in FIELDS:
            lines.append(f"{topic}：没有这种消息（可配：{'、'.join(TOPICS)}）")
            continue
        fields = {field.name: field for field in FIELDS[topic]}
        for name in mapping:
            if name not in fields:
                lines.append(f"{topic}.{name}：没有这个字段（可配：{'、'.join(fields)}）")
        for field in FIELDS[topic]:
            key = mapping.get(field.name)
            if not key:
                lines.append(f"{topic}.{field.name}：没有配置关键词（{field.label}）")
                continue
            kind = key_type(key)
            if kind not in FITS[field.kind]:
                allowed = "、".join(FITS[field.kind])
                lines.append(
                    f"{topic}.{field.name}：关键词 {key} 是 {kind or '无效'} 类，"
                    f"{field.label}只能填 {allowed} 类"
                )
        seen: dict[str, str] = {}
        for name, key in mapping.items():
            if key in seen.values():
                other = next(n for n, k in seen.items() if k == key)
                lines.append(f"{topic}.{name}：关键词 {key} 已用于 {other}")
            seen[name] = key
    return lines


def load_file(path: str | Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Read a templates file (TOML, one table per topic: `id` and `keys`); return the ids and
    keys it gives. Raise TemplateConfigError naming what is wrong."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise TemplateConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateConfigError(f"{path} is not TOML: {exc}") from None
    ids, keys = {}, {}
    for topic, table in document.items():
        if not isinstance(table, dict) or not isinstance(table.get("id"), str):
            raise TemplateConfigError(f'[{topic}] needs id = "模板ID" and a keys table')
        ids[topic] = table["id"].strip()
        mapping = table.get("keys")
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise TemplateConfigError(f'[{topic}] needs keys = {{ 字段 = "关键词" … }}')
        keys[topic] = {str(name): value.strip() for name, value in mapping.items()}
    return ids, keys


def template_entry(
    topic: str,
    template_id: str,
    keys: Mapping[str, str] | None = None,
    *,
    long_term: bool = False,
) -> dict[str, Any]:
    """A template as gettemplate lists it, holding a topic's fields under `keys` (ours by
    default): what the emulator's account holds."""
    mapping = keys or DEFAULT_KEYS[topic]
    labels = {said.name: said.label for said in FIELDS[topic]}
    content = "".join(f"{labels[name]}:{{{{{key}.DATA}}}}\n" for name, key in mapping.items())
    return {
        "priTmplId": template_id,
        "title": TEMPLATE_TITLES[topic],
        "content": content,
        "example": "",
        "type": 3 if long_term else 2,
    }


def template_keys_of(content: str) -> list[str]:
    """Return a template's keys from its content: '事项:{{thing1.DATA}}\\n…' -> ['thing1', …]."""
    return _CONTENT_KEY.findall(content or "")


def check(
    ids: Mapping[str, str],
    keys: Mapping[str, Mapping[str, str]],
    account: Iterable[Mapping[str, Any]],
    *,
    long_term: Iterable[str] = (),
) -> list[str]:
    """Compare the configuration with the account's templates (gettemplate's `data`: priTmplId,
    title, content, type 2 one-time / 3 long-term); return one line per mismatch."""
    held = {str(t.get("priTmplId")): t for t in account}
    long_term = set(long_term)
    lines = problems_of(keys)
    for topic in TOPICS:
        template_id = ids.get(topic) or DEFAULT_TEMPLATE_IDS[topic]
        template = held.get(template_id)
        if template is None:
            missing = f"{topic}：模板 {template_id} 不在本小程序的「我的模板」中"
            lines.append(f"{missing}（发送会得到 40037）")
            continue
        title = template.get("title") or template_id
        present = template_keys_of(str(template.get("content") or ""))
        mapping = keys.get(topic) or DEFAULT_KEYS[topic]
        for name, key in mapping.items():
            if key not in present:
                has = "、".join(present)
                lines.append(f"{topic}.{name}：关键词 {key} 不在模板「{title}」中（模板有 {has}）")
        for key in present:
            if key not in mapping.values():
                unfilled = f"{topic}：模板「{title}」的关键词 {key} 没有对应的字段"
                lines.append(f"{unfilled}（每个关键词都要填，否则 47003）")
        is_long = template.get("type") == 3
        if is_long != (template_id in long_term):
            where = "是长期订阅模板，请列入" if is_long else "是一次性模板，请移出"
            lines.append(f"{topic}：模板「{title}」{where} KX_WECHAT_LONG_TERM_TEMPLATES")
    return lines
