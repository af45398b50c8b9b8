"""What the emulated WeChat remembers: clock, tokens, codes, users, quotas, logs, settings."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from notify.development import DEV_AES_KEY, DEV_TOKEN
from notify.emulator.faults import FaultBook

TOKEN_OVERLAP = 300  # seconds an old token keeps working after a new one is issued
MASKED_FIELDS = ("secret", "access_token")
SET_SETTINGS = ("valid_pages", "long_term_templates", "blocked_openids")
SEEN_FOR = 7200  # msgSecCheck needs the user to have opened the mini-program this recently


def development_templates() -> dict[str, dict[str, Any]]:
    """The account's templates by id, as gettemplate lists them: the development ids with our
    default keys (notify.templates), so the embedded default sends what the account holds."""
    from notify.templates import DEFAULT_TEMPLATE_IDS, template_entry

    return {tid: template_entry(topic, tid) for topic, tid in DEFAULT_TEMPLATE_IDS.items()}


@dataclass
class Code:
    """A login or phone code: single use, short-lived."""

    openid: str | None
    issued_at: float
    unionid: str | None = None
    phone_number: str = ""
    country_code: str = "86"


@dataclass
class EmulatorSettings:
    """Knobs a test or an operator may turn; reset() restores these defaults."""

    token_ttl: int = 7200
    code_ttl: int = 300
    valid_pages: set[str] | None = None  # None: accept any page
    # the account's subscribe templates by id (gettemplate's entries); sends to others are 40037
    templates: dict[str, dict[str, Any]] = field(default_factory=development_templates)
    long_term_templates: set[str] = field(default_factory=set)
    risky_words: list[str] = field(default_factory=lambda: ["赌博", "代开发票"])
    review_words: list[str] = field(default_factory=lambda: ["加微信"])
    blocked_openids: set[str] = field(default_factory=set)
    watermark_appid: str | None = None  # None: the emulator's own appid
    # message push (消息推送): where popup and sent events go, signed and encrypted with these
    callback_url: str | None = None  # None: no events are posted
    push_token: str = DEV_TOKEN
    push_aes_key: str = DEV_AES_KEY
    push_delay: float = 0.2  # seconds between what happened and its event


class EmulatorState:
    """The emulator's memory; every method is safe to call from any thread."""

    def __init__(self, *, appid: str, secret: str) -> None:
        self.appid = appid
        self.secret = secret
        self.lock = threading.RLock()
        self.faults = FaultBook()
        self.epoch = 0  # bumped by reset(): a call begun before a reset leaves no trace after it
        self.reset()
        from notify.emulator.events import EventPusher

        self.pusher = EventPusher(self)

    def reset(self) -> None:
        """Forget everything: tokens, codes, quotas, faults, logs, settings and the clock offset."""
        with self.lock:
            self.epoch += 1
            self.faults.clear()
            self.settings = EmulatorSettings()
            self.clock_offset = 0.0
            self.tokens: dict[str, float] = {}  # token -> expires at (emulator clock)
            self.stable: str | None = None
            self.classic: str | None = None
            self.login_codes: dict[str, Code] = {}
            self.used_codes: set[str] = set()  # WeChat tells a reused code (40163) from a bad one
            self.last_seen: dict[str, float] = {}  # openid -> its last login (emulator clock)
            self.phone_codes: dict[str, Code] = {}
            self.users: set[str] = set()
            self.quotas: Counter[tuple[str, str]] = Counter()
            self.long_term: dict[tuple[str, str], bool] = {}
            self.log: list[dict[str, Any]] = []
            self.delivered: list[dict[str, Any]] = []
            self.next_msgid = 3_000_000_001

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change settings (see EmulatorSettings) and return them all."""
        with self.lock:
            for name, value in changes.items():
                if not hasattr(self.settings, name):
                    raise ValueError(f"unknown emulator setting {name!r}")
                if name in SET_SETTINGS and value is not None:
                    value = {str(v).lstrip("/") if name == "valid_pages" else str(v) for v in value}
                if name == "long_term_templates" and value is None:
                    value = set()
                if name == "templates":
                    value = _templates(value)
                setattr(self.settings, name, value)
            return self.describe_settings()

    def describe_settings(self) -> dict[str, Any]:
        """Return the settings as JSON-ready data."""
        return {
            name: sorted(value)
            if isinstance(value, set)
            else list(value.values())
            if name == "templates"
            else value
            for name, value in vars(self.settings).items()
        }

    def now(self) -> float:
        """Return the emulator's time: the wall clock plus whatever tests advanced it by."""
        return time.time() + self.clock_offset

    def advance(self, seconds: float) -> float:
        """Move the emulator's clock forward and return the new time."""
        with self.lock:
            self.clock_offset += seconds
            return self.now()

    # access tokens

    def issue_classic_token(self) -> tuple[str, int]:
        """Issue a cgi-bin/token token; the previous one keeps working for 5 more minutes."""
        with self.lock:
            now = self.now()
            if self.classic in self.tokens:
                self.tokens[self.classic] = min(self.tokens[self.classic], now + TOKEN_OVERLAP)
            self.classic = self._new_token(now)
            return self.classic, self.settings.token_ttl

    def issue_stable_token(self, force_refresh: bool) -> tuple[str, int]:
        """Issue a stable token: the same one while it has more than 5 minutes left."""
        with self.lock:
            now = self.now()
            if force_refresh and self.stable:
                self.tokens.pop(self.stable, None)
                self.stable = None
            expires_at = self.tokens.get(self.stable or "", 0.0)
            if expires_at - now > TOKEN_OVERLAP:
                return str(self.stable), int(expires_at - now)
            self.stable = self._new_token(now)
            return self.stable, self.settings.token_ttl

    def token_error(self, token: str | None) -> int:
        """Return 0 for a valid token, else 41001 missing, 42001 expired or 40001 invalid."""
        with self.lock:
            if not token:
                return 41001
            if token not in self.tokens:
                return 40001
            return 42001 if self.tokens[token] <= self.now() else 0

    def invalidate_tokens(self) -> None:
        """Make every issued token invalid (as after a leak and a forced refresh elsewhere)."""
        with self.lock:
            self.tokens.clear()
            self.stable = self.classic = None

    def _new_token(self, now: float) -> str:
        token = f"emu_{secrets.token_urlsafe(60)}"
        self.tokens[token] = now + self.settings.token_ttl
        return token

    # codes and users

    def mint_login_code(self, openid: str, unionid: str | None = None) -> str:
        """Return the code wx.login would give `openid`'s phone."""
        with self.lock:
            code = secrets.token_hex(16)
            self.login_codes[code] = Code(openid=openid, issued_at=self.now(), unionid=unionid)
            self.users.add(openid)
            return code

    def mint_phone_code(
        self, phone_number: str, country_code: str = "86", openid: str | None = None
    ) -> str:
        """Return the code a getPhoneNumber button would give for `phone_number`."""
        with self.lock:
            code = secrets.token_hex(16)
            self.phone_codes[code] = Code(
                openid=openid,
                issued_at=self.now(),
                phone_number=phone_number,
                country_code=country_code,
            )
            return code

    def redeem(self, codes: dict[str, Code], code: str) -> Code | None:
        """Use up a code; None when unknown, already used or older than code_ttl."""
        with self.lock:
            entry = codes.pop(code, None)
            if entry is None or self.now() - entry.issued_at > self.settings.code_ttl:
                return None
            self.used_codes.add(code)
            if entry.openid and codes is self.login_codes:
                self.last_seen[entry.openid] = self.now()
            return entry

    def visit(self, openid: str) -> None:
        """Record that the user opened the mini-program now (as wx.login does)."""
        with self.lock:
            self.users.add(openid)
            self.last_seen[openid] = self.now()

    def seen_lately(self, openid: str) -> bool:
        """Tell whether the user logged in within SEEN_FOR seconds (msgSecCheck needs it)."""
        with self.lock:
            return self.now() - self.last_seen.get(openid, float("-inf")) <= SEEN_FOR

    @staticmethod
    def new_session_key() -> str:
        """Return a fresh session_key: 16 random bytes, base64."""
        return base64.b64encode(secrets.token_bytes(16)).decode()

    # subscriptions

    def grant(self, openid: str, template_id: str, count: int = 1) -> int:
        """Record that the user tapped allow `count` times; return what may be sent now."""
        with self.lock:
            self.users.add(openid)
            if self.is_long_term(template_id):
                self.long_term[(openid, template_id)] = True
            else:
                self.quotas[(openid, template_id)] += count
            return self.quota(openid, template_id)

    def is_long_term(self, template_id: str) -> bool:
        """Tell whether a template is long-term (type 3, or listed in long_term_templates)."""
        template = self.settings.templates.get(template_id) or {}
        return template.get("type") == 3 or template_id in self.settings.long_term_templates

    def popup(self, openid: str, results: dict[str, str]) -> dict[str, int]:
        """One tap on a subscribe popup: apply each template's choice, then post WeChat's popup
        event to the callback; return the sends left per template."""
        from notify.emulator.events import popup_event

        with self.lock:
            for template_id, status in results.items():
                if status.startswith("accept"):
                    self.grant(openid, template_id)
                elif self.is_long_term(template_id):
                    self.revoke(openid, template_id)
            left = {template_id: self.quota(openid, template_id) for template_id in results}
            event = popup_event(openid, results, self.now())
        self.pusher.push(event)
        return left

    def revoke(self, openid: str, template_id: str) -> None:
        """Record that the user switched the template off (拒收)."""
        with self.lock:
            self.long_term[(openid, template_id)] = False
            self.quotas[(openid, template_id)] = 0

    def quota(self, openid: str, template_id: str) -> int:
        """Return the sends left: the one-time count, or 1/0 for a long-term template."""
        with self.lock:
            if self.is_long_term(template_id):
                return int(self.long_term.get((openid, template_id), False))
            return self.quotas[(openid, template_id)]

    def consume(self, openid: str, template_id: str) -> bool:
        """Use one send right; False when there is none (WeChat answers 43101)."""
        with self.lock:
            if self.is_long_term(template_id):
                return self.long_term.get((openid, template_id), False)
            if self.quotas[(openid, template_id)] <= 0:
                return False
            self.quotas[(openid, template_id)] -= 1
            return True

    def deliver(self, message: dict[str, Any]) -> int:
        """Keep a delivered message, post its sent event (a moment later), return its msgid."""
        from notify.emulator.events import sent_event

        with self.lock:
            msgid = self.next_msgid
            self.next_msgid += 1
            self.delivered.append({"msgid": msgid, "time": self.now(), **message})
            event = sent_event(message["touser"], message["template_id"], msgid, self.now())
        self.pusher.push(event)
        return msgid

    # the request log

    def record(self, entry: dict[str, Any]) -> None:
        """Keep one received request, with secrets and tokens masked."""
        for part in ("query", "json"):
            if isinstance(entry.get(part), dict):
                entry[part] = {
                    k: "***" if k in MASKED_FIELDS else v for k, v in entry[part].items()
                }
        with self.lock:
            self.log.append({"time": self.now(), **entry})

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        """Return the requests received, oldest first, optionally for one path."""
        with self.lock:
            return [dict(e) for e in self.log if path is None or e["path"] == path]

    def messages(self) -> list[dict[str, Any]]:
        """Return the subscribe messages delivered, oldest first."""
        with self.lock:
            return [dict(m) for m in self.delivered]


def _templates(value: Any) -> dict[str, dict[str, Any]]:
    """Accept the account's templates as gettemplate's list (or None: the development ones)."""
    if value is None:
        return development_templates()
    entries = list(value.values()) if isinstance(value, dict) else list(value)
    found = {}
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("priTmplId"):
            raise ValueError("each template needs priTmplId, title, content and type")
        found[str(entry["priTmplId"])] = {
            "priTmplId": str(entry["priTmplId"]),
            "title": str(entry.get("title") or ""),
            "content": str(entry.get("content") or ""),
            "example": str(entry.get("example") or ""),
            "type": int(entry.get("type") or 2),
        }
    return found
