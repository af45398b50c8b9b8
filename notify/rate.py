"""A token bucket for sends: shared by every process through Redis when configured.

`reserve()` takes one token and returns how long the caller must wait for it (the bucket may go
into debt, so a burst of callers queue up in order instead of polling). Redis keeps the bucket
in one hash, updated by a Lua script using the server's clock, so all dispatchers see one rate.
"""

from __future__ import annotations

import threading
import time
from typing import Any

_RESERVE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil then tokens, at = burst, t end
tokens = math.min(burst, tokens + (t - at) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(t))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
if tokens >= 0 then return '0' end
return tostring(-tokens / rate)
"""


class TokenBucket:
    """`rate` sends per second on average, at most `burst` at once."""

    def __init__(self, rate: float, burst: int, *, redis: Any = None, key: str = "") -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self.rate = float(rate)
        self.burst = int(burst)
        self._redis = redis
        self._key = key
        self._script = redis.register_script(_RESERVE) if redis is not None else None
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._at = time.monotonic()

    @property
    def shared(self) -> bool:
        """Tell whether the bucket lives in Redis (shared by every process)."""
        return self._redis is not None

    def reserve(self) -> float:
        """Take one token; return the seconds to wait before using it."""
        if self._script is not None:
            return float(self._script(keys=[self._key], args=[self.rate, self.burst]))
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate) - 1
            self._at = now
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> float:
        """Take one token, sleeping until it is ours; return the seconds slept."""
        wait = self.reserve()
        if wait > 0:
            time.sleep(wait)
        return wait
