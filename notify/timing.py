"""When to send, pure: quiet hours in Asia/Shanghai and retry backoff with jitter."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from models.clock import SHANGHAI


def parse_hours(text: str) -> tuple[time, time]:
    """Parse 'HH:MM-HH:MM' (the window may wrap midnight); ValueError when malformed."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ValueError("quiet hours are written HH:MM-HH:MM, e.g. 22:00-08:00") from None
    return start, end


def quiet_until(now: datetime, start: time, end: time) -> datetime | None:
    """Return when quiet hours end (UTC) if `now` falls inside them, else None.

    The window is in Asia/Shanghai: 22:00-08:00 is quiet from 22:00 to 08:00 the next morning.
    An empty window (start == end) is never quiet.
    """
    if start == end:
        return None
    local = now.astimezone(SHANGHAI)
    clock = local.time().replace(tzinfo=None)
    wraps = start > end
    inside = (clock >= start or clock < end) if wraps else (start <= clock < end)
    if not inside:
        return None
    ends = datetime.combine(local.date(), end, tzinfo=SHANGHAI)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(now.tzinfo)


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Return seconds to wait before attempt `attempt + 1`: exponential, capped, half jittered.

    attempt 1 waits base/2..base, attempt 2 base..2*base, and so on up to cap/2..cap, so retries
    from many messages that failed together spread out instead of returning together.
    """
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
