"""A per-key request budget (e.g. 120 requests a minute per resident), counted in batches.

Every resident request is counted against the resident's budget (api/resident_auth.py). A
Redis round trip per request cost more CPU than the rest of the resident check together (0.3 ms
of 1.0 on our machines, bench.api), so each process counts locally and adds its counts to Redis
in one script call at most every `flush_seconds`:

- a request is allowed when what Redis last said for its key and window, plus what this process
  counted since, stays within the limit; so one process alone is exact, and requests through
  other processes are seen within one flush interval of theirs;
- the windows are fixed and aligned to the clock (the minute, the hour), the same in every
  process; a refused request is not counted and is told when its window ends (Retry-After);
- the flush happens in the request that finds it due (no thread), so a quiet process has
  nothing to flush; if Redis does not answer, the counts stay local, are flushed later, and
  requests go on being decided by what this process knows (logged, not refused).

What can get through beyond the limit: what other processes allowed for the same key since
their last flush, at most one flush interval of requests per process. Without Redis
(the embedded default) the budget is per process and exact.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from limits import RateLimitItem

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.05

# KEYS: the counters; ARGV: per key, the count to add and the seconds the counter is kept.
_ADD = """
local totals = {}
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[2 * i - 1])
  local total = redis.call('INCRBY', key, count)
  if total == count then redis.call('EXPIRE', key, ARGV[2 * i]) end
  totals[i] = total
end
return totals
"""


class _Slot:
    """One key in one window: Redis's total when last flushed, counts in flight, counts since."""

    __slots__ = ("known", "flushing", "pending")

    def __init__(self) -> None:
        self.known = 0
        self.flushing = 0
        self.pending = 0


class RequestBudget:
    """Count requests per key against `rates` (all must hold); shared through Redis if given."""

    def __init__(
        self,
        rates: Sequence[RateLimitItem],
        *,
        redis: Any = None,
        prefix: str = "",
        flush_seconds: float = FLUSH_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not rates:
            raise ValueError("a request budget needs at least one rate")
        self.rates = tuple(rates)
        self.prefix = prefix
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._script = redis.register_script(_ADD) if redis is not None else None
        self._lock = threading.Lock()
        # per rate and window (its number since the epoch), the slots by key
        self._windows: dict[tuple[int, int], dict[str, _Slot]] = {}
        self._dirty: dict[tuple[int, int, str], _Slot] = {}  # counted since the last flush
        self._flush_lock = threading.Lock()  # one flush at a time
        self._flushed_at = 0.0

    def spend(self, key: str) -> int | None:
        """Count one request for `key`; return None if allowed, else the seconds until the
        window that refused it ends (at least 1); a refused request is not counted."""
        now = self._clock()
        with self._lock:
            slots = []
            for index, rate in enumerate(self.rates):
                period = rate.get_expiry()
                window = int(now // period)
                keyed = self._windows.get((index, window))
                if keyed is None:
                    keyed = self._windows[(index, window)] = {}
                slot = keyed.get(key)
                if slot is None:
                    slot = keyed[key] = _Slot()
                if slot.known + slot.flushing + slot.pending >= rate.amount:
                    return max(1, int((window + 1) * period - now) + 1)
                slots.append((index, window, slot))
            for index, window, slot in slots:
                slot.pending += 1
                self._dirty[(index, window, key)] = slot
        if now - self._flushed_at >= self.flush_seconds and self._flush_lock.acquire(False):
            try:  # this request flushes; any other meanwhile goes on without waiting
                self._flush(now)
            finally:
                self._flush_lock.release()
        return None

    def _flush(self, now: float) -> None:
        """Add the counts not yet added to Redis (without Redis: to this process's totals) and
        forget the windows that ended; the caller holds _flush_lock."""
        with self._lock:
            batch, self._dirty = list(self._dirty.items()), {}
            for _, slot in batch:
                slot.flushing, slot.pending = slot.pending, 0
        totals: list[int] | None = None
        if self._script is not None and batch:
            keys, args = [], []
            for (index, window, key), slot in batch:
                rate = self.rates[index]
                keys.append(
                    f"{self.prefix}:budget:{rate.amount}-{rate.get_expiry()}:{key}:{window}"
                )
                args += [slot.flushing, rate.get_expiry() + 1]
            try:
                totals = [int(total) for total in self._script(keys=keys, args=args)]
            except Exception:  # noqa: BLE001 - Redis down or slow: keep the counts, flush later
                log.warning("request budget: Redis did not take %d counts; kept here", len(batch))
        with self._lock:
            for position, (slot_key, slot) in enumerate(batch):
                if totals is not None:
                    slot.known = totals[position]
                elif self._script is None:
                    slot.known += slot.flushing
                else:
                    slot.pending += slot.flushing
                    self._dirty[slot_key] = slot
                slot.flushing = 0
            ended = [
                (index, window)
                for index, window in self._windows
                if window < int(now // self.rates[index].get_expiry())
            ]
            for index, window in ended:
                for key in self._windows.pop((index, window)):
                    self._dirty.pop((index, window, key), None)
            self._flushed_at = now
