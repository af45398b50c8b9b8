"""WeChat message-push events (消息推送), decrypted: parsed, kept once, and applied.

The subscribe-message events change quotas (services.subscriptions) and deliveries:
subscribe_msg_popup_event (the user's choices in the popup, authoritative over the client's own
report), subscribe_msg_change_event (拒收 from a service-notification card) and
subscribe_msg_sent_event (the final delivery result of a send, joined on MsgID). WeChat retries a
push it did not see answered, so each event is recorded under a dedupe key and applied only once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from datetime import datetime
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import MessageDelivery, MessageStatus, WeChatEvent, WeChatUser
from services.subscriptions import _quotas as subscriptions

POPUP = "subscribe_msg_popup_event"
CHANGE = "subscribe_msg_change_event"
SENT = "subscribe_msg_sent_event"
SUBSCRIBE_EVENTS = (POPUP, CHANGE, SENT)
# In XML each event's items sit under its own element; in JSON "List" is at the top level.
CONTAINERS = ("SubscribeMsgPopupEvent", "SubscribeMsgChangeEvent", "SubscribeMsgSentEvent")


class MalformedPush(ValueError):
    """The decrypted push is neither a JSON object nor an <xml> document."""


def parse_push(plaintext: str) -> dict[str, Any]:
    """Parse a decrypted push, JSON or XML, into a dict of its fields."""
    text = plaintext.strip()
    try:
        if text.startswith("{"):
            parsed = json.loads(text)
        elif text.startswith("<"):
            # xmltodict never resolves entities (disable_entities is its default)
            parsed = xmltodict.parse(text, disable_entities=True).get("xml")
        else:
            raise MalformedPush("neither JSON nor XML")
    except (ValueError, ExpatError) as exc:
        raise MalformedPush(str(exc)) from None
    if not isinstance(parsed, dict):
        raise MalformedPush("not an object")
    return parsed


def event_name(event: dict[str, Any]) -> str:
    """Return the event's name (lower case), or its MsgType for a plain message."""
    return (_text(event.get("Event")) or _text(event.get("MsgType")) or "").lower()


def event_items(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the event's `List` items as a list of dicts, whatever shape they came in.

    JSON sends one item as a bare object and several as an array; XML (through xmltodict) gives
    a dict for one <List> and a list for several. Items are found at the top level or under the
    event's own element (SubscribeMsgPopupEvent …).
    """
    found: list[Any] = []
    sources = [event] + [event[name] for name in CONTAINERS if name in event]
    for source in sources:
        if isinstance(source, dict):
            found.extend(_as_list(source.get("List")))
        elif isinstance(source, list):  # a container given as the array of items itself
            for entry in source:
                if isinstance(entry, dict) and "List" in entry:
                    found.extend(_as_list(entry["List"]))
                else:
                    found.append(entry)
    return [item for item in found if isinstance(item, dict)]


def dedupe_key(event: dict[str, Any], items: list[dict[str, Any]] | None = None) -> str:
    """Return the key one push keeps under every retry: sender, time, event and items."""
    items = event_items(event) if items is None else items
    parts = [
        _text(event.get("FromUserName")),
        _text(event.get("CreateTime")),
        event_name(event),
        _text(event.get("MsgId") or event.get("MsgID")),
        sorted(
            f"{_text(item.get('TemplateId'))}/{_text(item.get('MsgID') or item.get('MsgId'))}"
            for item in items
        ),
    ]
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
    return f"wx:{digest}"


def handle_push(
    session: Session,
    *,
    event: dict[str, Any],
    appid: str,
    long_term_templates: Collection[str],
    now: datetime,
) -> dict[str, Any]:
    """Record one decrypted push once and apply it; return a summary without personal data.

    The summary: event name, item count, whether it was a duplicate (already recorded, nothing
    done), whether the sender is a known user of `appid`, and how many items changed something.
    The caller commits.
    """
    name = event_name(event)
    items = event_items(event)
    openid = _text(event.get("FromUserName")) or None
    summary: dict[str, Any] = {
        "event": name,
        "items": len(items),
        "duplicate": False,
        "known_user": False,
        "applied": 0,
    }
    record = WeChatEvent(
        dedupe_key=dedupe_key(event, items),
        event=name[:64],
        openid=openid[:64] if openid else None,
        # Plain messages (客服消息) may carry what a resident typed: keep only their kind.
        payload=event if name in SUBSCRIBE_EVENTS else {"MsgType": _text(event.get("MsgType"))},
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        summary["duplicate"] = True
        return summary
    if openid is None or name not in SUBSCRIBE_EVENTS:
        return summary
    user_id = session.scalar(
        select(WeChatUser.id).where(WeChatUser.appid == appid, WeChatUser.openid == openid)
    )
    if user_id is None:
        return summary
    summary["known_user"] = True
    if name == POPUP:
        summary["applied"] = _popup(session, user_id, items, long_term_templates, now)
    elif name == CHANGE:
        summary["applied"] = _change(session, user_id, items, now)
    else:
        summary["applied"] = _sent(session, user_id, items)
    return summary


def _popup(
    session: Session,
    user_id: int,
    items: list[dict[str, Any]],
    long_term_templates: Collection[str],
    now: datetime,
) -> int:
    results = {}
    for item in items:
        template_id = _text(item.get("TemplateId"))
        status = _text(item.get("SubscribeStatusString"))
        if _usable_template(template_id) and status:
            results[template_id] = status
    applied = subscriptions.record_results(
        session,
        wechat_user_id=user_id,
        results=results,
        source="event",
        long_term_templates=long_term_templates,
        now=now,
    )
    return len(applied)


def _change(session: Session, user_id: int, items: list[dict[str, Any]], now: datetime) -> int:
    applied = 0
    for item in items:
        template_id = _text(item.get("TemplateId"))
        # WeChat currently pushes only refusals (拒收) here
        if _usable_template(template_id) and _text(item.get("SubscribeStatusString")) == "reject":
            subscriptions.opt_out(session, wechat_user_id=user_id, template_id=template_id, now=now)
            applied += 1
    return applied


def _sent(session: Session, user_id: int, items: list[dict[str, Any]]) -> int:
    D = MessageDelivery  # noqa: N806 - a table alias
    applied = 0
    for item in items:
        msgid = _text(item.get("MsgID") or item.get("MsgId"))
        code = _int(item.get("ErrorCode"))
        if code is None and _text(item.get("ErrorStatus")).lower() == "success":
            code = 0
        if not msgid or code is None:
            continue
        sent_ids = session.scalars(
            select(D.id).where(D.wechat_user_id == user_id, D.wx_msgid == msgid[:64])
        ).all()
        values: dict[str, Any] = {"delivered": code == 0}
        if not sent_ids:  # an ambiguous send WeChat did make: the answer we never had
            sent_ids = _uncertain(session, user_id, _text(item.get("TemplateId")))
            values |= {"status": MessageStatus.SENT, "wx_msgid": msgid[:64], "quota_held": False}
        if not sent_ids:
            continue
        if code != 0:
            values["last_errcode"] = code
        # a bundled push also delivered (or lost) the deliveries it carried
        session.execute(
            update(D)
            .where(
                D.wechat_user_id == user_id,
                or_(D.id.in_(sent_ids), D.sent_with_id.in_(sent_ids)),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        applied += 1
    return applied


def _uncertain(session: Session, user_id: int, template_id: str) -> list[int]:
    """The oldest ambiguous push to this user with this template (its leader), if any."""
    D = MessageDelivery  # noqa: N806 - a table alias
    found = session.scalar(
        select(D.id)
        .where(
            D.wechat_user_id == user_id,
            D.template_id == template_id,
            D.status == MessageStatus.UNCERTAIN,
            D.sent_with_id.is_(None),
        )
        .order_by(D.id)
        .limit(1)
    )
    return [] if found is None else [found]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A field as text: JSON gives strings or numbers, XML (through xmltodict) strings."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _int(value: Any) -> int | None:
    text = _text(value)
    try:
        return int(text)
    except ValueError:
        return None


def _usable_template(template_id: str) -> bool:
    return 0 < len(template_id) <= subscriptions.TEMPLATE_ID_MAX
