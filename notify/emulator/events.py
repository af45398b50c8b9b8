"""WeChat's message push, emulated: subscribe events posted to the configured callback URL.

WeChat tells the server what happened on its side: a resident's choice in a subscribe popup
(`subscribe_msg_popup_event`) and the fate of each subscribe message sent
(`subscribe_msg_sent_event`, with its MsgID). It posts them in secure mode — JSON body
`{ToUserName, Encrypt}`, `signature`, `timestamp`, `nonce`, `encrypt_type=aes` and
`msg_signature` in the query, the event encrypted with the account's EncodingAESKey — and posts
again (three tries in all) until the server answers `success`. The events arrive a moment after
what caused them (a sent event after the send's answer), from other threads, as WeChat's do.

Nothing is posted unless `callback_url` is set (EmulatorSettings).
"""

from __future__ import annotations

import hashlib
import json
import queue
import secrets
import threading
import time
from typing import Any

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto

TRIES = 3
WORKERS = 8  # WeChat posts events concurrently: one slow answer does not hold the others
GH_ID = "gh_emulator00001"  # the account's original id (ToUserName)


def popup_event(openid: str, results: dict[str, str], now: float) -> dict[str, Any]:
    """The popup event of one tap: each template shown and what the user chose."""
    items = [
        {"TemplateId": template_id, "SubscribeStatusString": status, "PopupScene": "0"}
        for template_id, status in results.items()
    ]
    return _event(openid, "subscribe_msg_popup_event", items, now)


def sent_event(openid: str, template_id: str, msgid: int, now: float) -> dict[str, Any]:
    """The sent event of one delivered message."""
    item = {
        "TemplateId": template_id,
        "MsgID": str(msgid),
        "ErrorCode": "0",
        "ErrorStatus": "success",
    }
    return _event(openid, "subscribe_msg_sent_event", [item], now)


def _event(openid: str, name: str, items: list[dict[str, str]], now: float) -> dict[str, Any]:
    return {
        "ToUserName": GH_ID,
        "FromUserName": openid,
        "CreateTime": str(int(now)),
        "MsgType": "event",
        "Event": name,
        "List": items[0] if len(items) == 1 else items,  # WeChat's own quirk: one is an object
    }


class EventPusher:
    """Posts events to the callback from a few threads, each `push_delay` seconds after what
    caused it (events of one user may overtake each other, as WeChat's may)."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.queue: queue.Queue[tuple[float, int, dict[str, Any]]] = queue.Queue()
        self.threads = [
            threading.Thread(target=self._run, name=f"wx-emulator-push-{n}", daemon=True)
            for n in range(WORKERS)
        ]
        for thread in self.threads:
            thread.start()

    def push(self, event: dict[str, Any]) -> None:
        """Queue an event (nothing happens when no callback URL is configured)."""
        if self.state.settings.callback_url:
            due = time.monotonic() + self.state.settings.push_delay
            self.queue.put((due, self.state.epoch, event))

    def wait_idle(self, timeout: float = 10) -> bool:
        """Wait until every queued event was posted (tests); True when it was."""
        with self.queue.all_tasks_done:  # the queue's own condition, notified by task_done
            return self.queue.all_tasks_done.wait_for(
                lambda: self.queue.unfinished_tasks == 0, timeout
            )

    def _run(self) -> None:
        while True:
            due, epoch, event = self.queue.get()
            try:
                time.sleep(max(due - time.monotonic(), 0.0))  # each event its own delay
                if epoch == self.state.epoch:  # not an event of a test that has ended
                    self._post(event)
            except Exception as exc:  # noqa: BLE001 - a push that fails is logged, never fatal
                self.state.record({"method": "PUSH", "path": "callback", "error": repr(exc)})
            finally:
                self.queue.task_done()

    def _post(self, event: dict[str, Any]) -> None:
        settings = self.state.settings
        crypto = WeChatCrypto(settings.push_token, settings.push_aes_key, self.state.appid)
        timestamp, nonce = str(int(self.state.now())), secrets.token_hex(8)
        plaintext = json.dumps(event, ensure_ascii=False)
        encrypted = xmltodict.parse(crypto.encrypt_message(plaintext, nonce, timestamp))["xml"][
            "Encrypt"
        ]
        params = {
            "signature": _sha1(settings.push_token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": event["FromUserName"],
            "encrypt_type": "aes",
            "msg_signature": _sha1(settings.push_token, timestamp, nonce, encrypted),
        }
        body = {"ToUserName": GH_ID, "Encrypt": encrypted}
        answer = None
        for attempt in range(1, TRIES + 1):
            try:
                response = requests.post(settings.callback_url, params=params, json=body, timeout=5)
                answer = response.text.strip()
                status = response.status_code
            except requests.RequestException as exc:
                answer, status = repr(exc), None
            self.state.record(
                {
                    "method": "PUSH",
                    "path": "callback",
                    "event": event["Event"],
                    "openid": event["FromUserName"],
                    "status": status,
                    "answer": answer[:100],
                    "attempt": attempt,
                }
            )
            if answer == "success":
                return


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()
