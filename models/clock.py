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


# The State Council's schedule (国务院办公厅关于部分节假日安排的通知) for years an operator gave it
# in KX_HOLIDAYS_FILE: year -> (holidays, make-up working days). It wins over chinese_calendar,
# so a year is right from the day the notice is out, before the package knows it.
_schedules: dict[int, tuple[frozenset[date], frozenset[date]]] = {}


class HolidayFileError(ValueError):
    """A holiday schedule that cannot be read; the message names the entry."""


def set_holiday_schedules(schedules: dict[int, tuple[frozenset[date], frozenset[date]]]) -> None:
    """Use these years' schedules from now on in this process (an empty dict: none)."""
    global _schedules
    _schedules = dict(schedules)


def parse_holiday_schedules(text: str) -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    """Read a schedule file (TOML): a table per year with `holidays` and `workdays` (调休上班),
    each a list of days ("2027-02-06") or ranges ("2027-02-06..2027-02-12")."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HolidayFileError(f"not TOML: {exc}") from None
    schedules = {}
    for key, table in data.items():
        if not (key.isdigit() and len(key) == 4) or not isinstance(table, dict):
            raise HolidayFileError(f"[{key}]: a table per year, such as [2027]")
        unknown = set(table) - {"holidays", "workdays"}
        if unknown:
            raise HolidayFileError(f"[{key}]: only holidays and workdays, not {sorted(unknown)}")
        year = int(key)
        days = {name: _days(year, name, table.get(name, [])) for name in ("holidays", "workdays")}
        both = days["holidays"] & days["workdays"]
        if both:
            raise HolidayFileError(f"[{key}]: {min(both)} is both a holiday and a workday")
        schedules[year] = (frozenset(days["holidays"]), frozenset(days["workdays"]))
    return schedules


def _days(year: int, name: str, entries: object) -> set[date]:
    if not isinstance(entries, list):
        raise HolidayFileError(f"[{year}] {name}: a list of days")
    found: set[date] = set()
    for entry in entries:
        text = str(entry)
        first, _, last = text.partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if last else start
        except ValueError:
            raise HolidayFileError(f"[{year}] {name}: {text!r} is no day (2027-02-06)") from None
        if start.year != year or end.year != year or end < start or (end - start).days > 31:
            raise HolidayFileError(f"[{year}] {name}: {text!r} is not a span of days in {year}")
        found.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return found


def is_workday(day: date) -> bool:
    """Tell whether a day is a working day in mainland China: the State Council's holidays and
    their make-up working days (调休), from the operator's schedule for the year if there is one,
    else as chinese_calendar knows them; for a year neither knows (the notice is published each
    November for the next year), Monday to Friday."""
    schedule = _schedules.get(day.year)
    if schedule is not None:
        holidays, workdays = schedule
        return day in workdays or (day.weekday() < 5 and day not in holidays)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def unknown_workday_years(first: date, last: date) -> list[int]:
    """Return the years from `first` to `last` whose holidays neither the operator's schedule
    nor chinese_calendar knows: is_workday() counts Monday to Friday there, so a holiday would
    count as a working day until the schedule is given (KX_HOLIDAYS_FILE) or the package
    upgraded."""
    unknown = []
    for year in range(first.year, last.year + 1):
        if year in _schedules:
            continue
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
