"""The shared access token: wechatpy storage (Redis or in-process), a TTL margin, a refresh lock.

No HTTP here: the fetch function comes from notify.wechat, the one module that talks to WeChat.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from models.clock import utcnow

TOKEN_MARGIN = 300  # seconds: a stored token expires this much before WeChat's expires_in
MIN_TOKEN_TTL = 60
_POLL_SECONDS = 0.05
_RELEASE_LOCK = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"
)


def token_storage(redis: Any, prefix: str) -> SessionStorage:
    """Return wechatpy's RedisStorage under `{prefix}:wechatpy`, or MemoryStorage without Redis."""
    if redis is None:
        return MemoryStorage()
    return RedisStorage(redis, prefix=f"{prefix}:wechatpy")


def token_ttl(expires_in: int) -> int:
    """Return how long to keep a token WeChat says lives `expires_in` seconds."""
    return max(int(expires_in) - TOKEN_MARGIN, MIN_TOKEN_TTL)


class TokenCache:
    """One access token per appid for every thread and process; one refresh at a time."""

    def __init__(
        self,
        *,
        storage: SessionStorage,
        key: str,
        redis: Any,
        fetch: Callable[[], tuple[str, int]],
        lock_seconds: int,
    ) -> None:
        self.storage = storage
        self.key = key
        self._redis = redis
        self._fetch = fetch
        self._lock_seconds = lock_seconds
        self._lock_key = f"{storage.key_name(key)}:lock" if redis is not None else ""
        # a redis Script; None without Redis, when _refresh_under_redis_lock is never called
        self._release: Any = redis.register_script(_RELEASE_LOCK) if redis is not None else None
        self._thread_lock = threading.Lock()
        self._memory_expires_at: float | None = None
        self.last: str | None = None  # the last token seen, so error text can be scrubbed of it

    def current(self) -> str:
        """Return the stored token, fetching one when none is stored or it has expired."""
        return self.stored() or self.refresh(stale=None)

    def stored(self) -> str | None:
        """Return the stored token if it is still within its TTL."""
        token = self.storage.get(self.key)
        if token and self._redis is None and self._memory_expires_at is not None:
            if utcnow().timestamp() >= self._memory_expires_at:  # MemoryStorage ignores TTLs
                return None
        self.last = token or self.last
        return token or None

    def store(self, token: str, expires_in: int) -> None:
        """Keep `token` for expires_in minus the margin."""
        ttl = token_ttl(expires_in)
        self.last = token
        self.storage.set(self.key, token, ttl)
        self._memory_expires_at = utcnow().timestamp() + ttl

    def refresh(self, stale: str | None) -> str:
        """Replace `stale` (None: nothing usable stored) unless another worker already did."""
        with self._thread_lock:
            token = self.stored()
            if token and token != stale:
                return token
            if stale is not None and token == stale:
                self.storage.delete(self.key)
            if self._redis is None:
                return self._fetch_and_store()
            return self._refresh_under_redis_lock(stale)

    def _refresh_under_redis_lock(self, stale: str | None) -> str:
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + self._lock_seconds
        while True:
            if self._redis.set(self._lock_key, owner, nx=True, ex=self._lock_seconds):
                try:
                    token = self.stored()  # another process may have finished just before us
                    return token if token and token != stale else self._fetch_and_store()
                finally:
                    self._release(keys=[self._lock_key], args=[owner])
            time.sleep(_POLL_SECONDS)
            token = self.stored()
            if token and token != stale:
                return token
            if time.monotonic() > deadline:  # the holder died mid-fetch: fetch ourselves
                return self._fetch_and_store()

    def _fetch_and_store(self) -> str:
        token, expires_in = self._fetch()
        self.store(token, expires_in)
        return token
