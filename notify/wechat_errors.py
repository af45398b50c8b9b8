"""WeChat's errors as one exception family (re-exported by notify.wechat), and log redaction.

Callers decide with `retryable` / `permanent` / `token_invalid` rather than on raw errcodes.
Messages carry path, errcode and errmsg only: never the secret, a token, a code or a session_key.
"""

from __future__ import annotations

import logging
import re

TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid, illegal, expired access token
RETRYABLE_ERRORS = frozenset({-1, 45009, 45011})  # busy, daily quota, minute quota
PERMANENT_ERRORS = frozenset(
    {
        40003,
        40013,
        40029,
        40037,
        40125,
        40129,
        40163,
        40164,
        40226,
        41030,
        43101,
        43104,
        47001,
        47003,
    }
)
_SECRET_QUERY = re.compile(r"((?:secret|access_token|js_code|code)=)[^&\s\"']+")


class WeChatError(Exception):
    """WeChat answered with a non-zero errcode; `retryable`/`permanent` tell callers what to do."""

    def __init__(
        self, errcode: int | None, errmsg: str, *, path: str = "", permanent: bool | None = None
    ) -> None:
        super().__init__(f"WeChat {path or '?'} errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path
        self._permanent = permanent

    @property
    def retryable(self) -> bool:
        """Tell whether the same call may succeed later (back off first)."""
        return self.errcode in RETRYABLE_ERRORS

    @property
    def permanent(self) -> bool:
        """Tell whether retrying is pointless (mark the item and alert instead)."""
        if self._permanent is not None:
            return self._permanent
        return self.errcode in PERMANENT_ERRORS

    @property
    def token_invalid(self) -> bool:
        """Tell whether the access token was rejected (refresh once, then give up)."""
        return self.errcode in TOKEN_ERRORS


class WeChatUnavailable(WeChatError):
    """WeChat was not reached, timed out, or answered HTTP errors or garbage (errcode None)."""

    def __init__(
        self, path: str, reason: str, *, status: int | None = None, ambiguous: bool = False
    ) -> None:
        super().__init__(None, reason, path=path, permanent=False)
        self.status = status
        # the request left and no answer came (a read timeout): WeChat may have acted on it
        self.ambiguous = ambiguous

    @property
    def retryable(self) -> bool:
        """Network trouble, HTTP 5xx and 429 are worth retrying; other HTTP 4xx are not."""
        return self.status is None or self.status >= 500 or self.status == 429


def is_retryable(exc: BaseException) -> bool:
    """Tell whether `exc` is a WeChat failure worth retrying with backoff."""
    return isinstance(exc, WeChatError) and exc.retryable


def is_permanent(exc: BaseException) -> bool:
    """Tell whether `exc` is a WeChat failure that no retry will fix."""
    return isinstance(exc, WeChatError) and exc.permanent


class _RedactQuery(logging.Filter):
    """Mask secret, access_token and codes in urllib3's debug lines (they carry request URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's arguments; never drop it."""
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET_QUERY.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def install_query_redaction() -> None:
    """Attach the redacting filter to urllib3's URL-logging loggers, once."""
    for name in ("urllib3.connectionpool", "urllib3.util.retry"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactQuery) for f in logger.filters):
            logger.addFilter(_RedactQuery())
