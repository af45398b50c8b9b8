"""The one clock: everything that needs "now" asks here, so tests can set it; and the working
days (工作日) that promised time limits count in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

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


def is_workday(day: date) -> bool:
    """Tell whether a day is a working day in mainland China: the State Council's holidays and
    their make-up working days (调休) as chinese_calendar knows them; for a year it does not
    know yet (published each November for the next year), Monday to Friday."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def unknown_workday_years(first: date, last: date) -> list[int]:
    """Return the years from `first` to `last` whose holidays chinese_calendar does not know:
    is_workday() counts Monday to Friday there, so a holiday would count as a working day until
    the package is upgraded."""
    unknown = []
    for year in range(first.year, last.year + 1):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            unknown.append(year)
    return unknown


def workday_deadline(start: datetime, days: int) -> datetime:
    """Return when a time limit of `days` working days from `start` runs out, in UTC.

    Counted as government offices count 承诺时限: from the working day after the day of
    `start` (Asia/Shanghai), so that a claim submitted on Friday evening or during a holiday
    loses none of its days, to the end of the last working day (midnight after it).
    """
    day = start.astimezone(SHANGHAI).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        counted += is_workday(day)
    return datetime.combine(day + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
