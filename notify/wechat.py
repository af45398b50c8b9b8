"""The one module that talks to WeChat: wechatpy behind a small gateway (see docs wechat.md §8).

Stable tokens shared through Redis with a TTL margin and a refresh lock, explicit timeouts, one
bounded refresh-and-retry on token errors, and errors classified so callers can decide.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from notify.wechat_errors import (
    PERMANENT_ERRORS,
    RETRYABLE_ERRORS,
    TOKEN_ERRORS,
    WeChatError,
    WeChatUnavailable,
    install_query_redaction,
    is_permanent,
    is_retryable,
)
from notify.wechat_token import TokenCache, token_storage

__all__ = [
    "PERMANENT_ERRORS",
    "RETRYABLE_ERRORS",
    "TOKEN_ERRORS",
    "WeChatError",
    "WeChatGateway",
    "WeChatUnavailable",
    "is_permanent",
    "is_retryable",
]

log = logging.getLogger(__name__)
# calls WeChat carries out once and cannot be asked about: a timeout after sending is ambiguous
ACTS_ONCE = frozenset({"/cgi-bin/message/subscribe/send"})


class _Client(WeChatClient):
    """wechatpy's client aimed at api_base: stable tokens, timeouts, errors made ours."""

    def __init__(
        self, *, appid: str, secret: str, api_base: str, timeout: float, redis: Any, prefix: str
    ) -> None:
        super().__init__(
            appid,
            secret,
            session=token_storage(redis, prefix),
            timeout=(timeout, timeout),
            auto_retry=False,
        )
        self.API_BASE_URL = f"{api_base}/cgi-bin/"
        self.wxa.API_BASE_URL = f"{api_base}/"
        self.api_base = api_base
        self.tokens = TokenCache(
            storage=self.session,
            key=self.access_token_key,
            redis=redis,
            fetch=self.request_stable_token,
            lock_seconds=int(2 * timeout) + 2,
        )

    @property
    def access_token(self) -> str:
        """Return the shared token (wechatpy's own property has no margin and no lock)."""
        return self.tokens.current()

    def fetch_access_token(self) -> dict[str, Any]:
        """POST cgi-bin/stable_token in normal mode, with a timeout, and store the token."""
        token, expires_in = self.request_stable_token()
        self.tokens.store(token, expires_in)
        return {"expires_in": expires_in}

    def request_stable_token(self) -> tuple[str, int]:
        """Ask cgi-bin/stable_token (force_refresh false) and return (token, expires_in)."""
        path = "/cgi-bin/stable_token"
        body = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
            "force_refresh": False,
        }
        result = self.attempt(
            path, lambda: self._http.post(self._url(path), json=body, timeout=self.timeout)
        )
        if not result.get("access_token"):
            raise WeChatUnavailable(path, "answer has no access_token")
        return str(result["access_token"]), int(result.get("expires_in") or 7200)

    def get_direct(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """GET api_base+path with plain requests: no access token is fetched or sent."""
        return self.attempt(
            path, lambda: self._http.get(self._url(path), params=params, timeout=self.timeout)
        )

    def post_with_token(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST through wechatpy (auto_retry off) with `token`; one attempt."""
        return self.attempt(
            path,
            lambda: self.post(
                path.lstrip("/"),
                api_base_url=self.wxa.API_BASE_URL,
                params={"access_token": token},
                data=body,
            ),
        )

    def get_with_token(self, path: str, token: str) -> dict[str, Any]:
        """GET api_base+path with `token`; one attempt."""
        return self.attempt(
            path,
            lambda: self._http.get(
                self._url(path), params={"access_token": token}, timeout=self.timeout
            ),
        )

    def attempt(self, path: str, send: Callable[[], Any]) -> dict[str, Any]:
        """Run one exchange; turn every failure into a WeChatError; log path and errcode."""
        started = time.monotonic()
        try:
            with self._translated(path):
                result = self._checked(path, send())
        except WeChatError as exc:
            log.warning(
                "wechat %s errcode=%s %s ms=%d", path, exc.errcode, exc.errmsg, _ms(started)
            )
            raise
        log.info("wechat %s errcode=0 ms=%d", path, _ms(started))
        return result

    @contextmanager
    def _translated(self, path: str) -> Iterator[None]:
        try:
            yield
        except requests.ConnectTimeout:
            raise WeChatUnavailable(path, "connect timed out") from None  # nothing left
        except (requests.ReadTimeout, requests.exceptions.ChunkedEncodingError):
            # sent, but no (whole) answer: WeChat may have done it. That matters only for a call
            # that does something once (a send); a token or a lookup is simply asked again.
            raise WeChatUnavailable(path, "timed out", ambiguous=path in ACTS_ONCE) from None
        except requests.Timeout:
            raise WeChatUnavailable(path, "timed out") from None
        except requests.RequestException as exc:
            raise WeChatUnavailable(path, f"connection failed ({type(exc).__name__})") from None
        except WeChatClientException as exc:
            if exc.errcode is None:
                status = getattr(exc.response, "status_code", None)
                raise WeChatUnavailable(path, f"HTTP {status}", status=status) from None
            raise WeChatError(int(exc.errcode), self._redact(exc.errmsg), path=path) from None

    def _checked(self, path: str, answer: Any) -> dict[str, Any]:
        if isinstance(answer, requests.Response):
            if answer.status_code >= 400:
                status = answer.status_code
                raise WeChatUnavailable(path, f"HTTP {status}", status=status)
            try:
                answer = answer.json()
            except ValueError:
                answer = None
        if not isinstance(answer, dict):
            raise WeChatUnavailable(path, "answer is not a JSON object")
        errcode = int(answer.get("errcode") or 0)
        if errcode:
            raise WeChatError(errcode, self._redact(answer.get("errmsg")), path=path)
        return answer

    def _redact(self, text: Any) -> str:
        cleaned = str(text if text is not None else "")[:300]
        for secret in (self.secret, self.tokens.last):
            if secret:
                cleaned = cleaned.replace(str(secret), "***")
        return cleaned

    def _url(self, path: str) -> str:
        return f"{self.api_base}{path}"


class WeChatGateway:
    """The only door to WeChat: login, phone number, subscribe messages, content check."""

    def __init__(
        self,
        *,
        appid: str,
        secret: str,
        api_base: str,
        timeout: float,
        redis: Any,
        redis_prefix: str,
        miniprogram_state: str,
        lang: str = "zh_CN",
    ) -> None:
        install_query_redaction()
        self.appid = appid
        self.api_base = api_base.rstrip("/")
        self.miniprogram_state = miniprogram_state
        self.lang = lang
        self._client = _Client(
            appid=appid,
            secret=secret,
            api_base=self.api_base,
            timeout=timeout,
            redis=redis,
            prefix=redis_prefix,
        )

    def __repr__(self) -> str:
        return f"WeChatGateway(appid={self.appid!r}, api_base={self.api_base!r})"

    def access_token(self) -> str:
        """Return the shared access token (fetched through stable_token when needed)."""
        return self._client.access_token

    def code_to_session(self, js_code: str) -> dict[str, str | None]:
        """Exchange a wx.login code for openid, session_key and unionid (no access token needed)."""
        path = "/sns/jscode2session"
        params = {
            "appid": self.appid,
            "secret": self._client.secret,
            "js_code": js_code,
            "grant_type": "authorization_code",
        }
        result = self._client.get_direct(path, params)
        if not result.get("openid") or not result.get("session_key"):
            raise WeChatUnavailable(path, "answer has no openid or session_key")
        return {
            "openid": result["openid"],
            "session_key": result["session_key"],
            "unionid": result.get("unionid"),
        }

    def get_phone_number(self, code: str, openid: str | None = None) -> dict[str, str]:
        """Exchange a getPhoneNumber button code for the number, checking the watermark appid."""
        path = "/wxa/business/getuserphonenumber"
        body = {"code": code, **({"openid": openid} if openid else {})}
        info = self._call(path, body).get("phone_info") or {}
        if (info.get("watermark") or {}).get("appid") != self.appid:
            reason = "phone_info watermark is for another appid"
            raise WeChatError(None, reason, path=path, permanent=True)
        return {
            "phone_number": str(info.get("phoneNumber", "")),
            "pure_phone_number": str(info.get("purePhoneNumber", "")),
            "country_code": str(info.get("countryCode", "")),
        }

    def send_subscribe_message(
        self,
        *,
        openid: str,
        template_id: str,
        data: dict[str, Any],
        page: str | None,
        lang: str | None = None,
    ) -> str:
        """Send one subscribe message and return WeChat's msgid."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": data,
            "miniprogram_state": self.miniprogram_state,
            "lang": lang or self.lang,
        }
        if page:
            body["page"] = page
        result = self._call("/cgi-bin/message/subscribe/send", body)
        return str(result.get("msgid", ""))

    def msg_sec_check(self, *, openid: str, content: str, scene: int = 2) -> dict[str, Any]:
        """Check resident text with msgSecCheck v2; decide on `suggest`, not on errcode."""
        body = {"version": 2, "openid": openid, "scene": scene, "content": content}
        result = self._call("/wxa/msg_sec_check", body)
        verdict = result.get("result") or {}
        return {
            "suggest": verdict.get("suggest", "review"),
            "label": int(verdict.get("label") or 0),
            "trace_id": result.get("trace_id"),
        }

    def get_templates(self) -> list[dict[str, Any]]:
        """Return the account's subscribe templates (wxaapi/newtmpl/gettemplate): priTmplId,
        title, content ('事项:{{thing1.DATA}}…'), example, type (2 one-time, 3 long-term)."""
        path = "/wxaapi/newtmpl/gettemplate"
        token = self._client.access_token
        try:
            result = self._client.get_with_token(path, token)
        except WeChatError as exc:
            if not exc.token_invalid:
                raise
            result = self._client.get_with_token(path, self._client.tokens.refresh(stale=token))
        return list(result.get("data") or [])

    def widen_pool(self, size: int) -> None:
        """Keep up to `size` connections open, for that many concurrent sends.

        Proxy settings are read from the environment once, here, instead of on every request
        (requests would otherwise look for proxies and a .netrc file per call).
        """
        http = self._client._http
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=max(size, 10))
        for scheme in ("http://", "https://"):
            http.mount(scheme, adapter)
        if http.trust_env:
            http.proxies.update(requests.utils.get_environ_proxies(self.api_base))
            http.trust_env = False

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client._http.close()

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with the shared token; on a token error refresh once and retry once, then raise."""
        token = self._client.access_token
        try:
            return self._client.post_with_token(path, token, body)
        except WeChatError as exc:
            if not exc.token_invalid:
                raise
        fresh = self._client.tokens.refresh(stale=token)
        return self._client.post_with_token(path, fresh, body)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
