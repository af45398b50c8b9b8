"""The one clock: everything that needs "now" asks here, so tests can set it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return _now()


def local_now() -> datetime:
    """Return the current time in Asia/Shanghai, for people and for cron-like decisions."""
    return _now().astimezone(SHANGHAI)


def to_local(moment: datetime) -> datetime:
    """Convert an aware datetime to Asia/Shanghai."""
    return moment.astimezone(SHANGHAI)


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    """Make utcnow() return `moment` inside the block (tests and replays)."""
    global _now
    if moment.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    previous = _now
    _now = lambda: moment  # noqa: E731
    try:
        yield
    finally:
        _now = previous
