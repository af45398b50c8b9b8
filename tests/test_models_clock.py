"""Working days (工作日) as promised time limits count them: holidays, make-up days, time zones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import chinese_calendar
import pytest

from models.clock import (
    SHANGHAI,
    HolidayFileError,
    is_workday,
    parse_holiday_schedules,
    set_holiday_schedules,
    unknown_workday_years,
    workday_deadline,
)


def _local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_national_day_is_a_holiday_and_its_make_up_saturday_a_working_day() -> None:
    # 2026 国庆：10月1日至7日放假，9月20日（周日）、10月10日（周六）上班
    assert not is_workday(date(2026, 10, 1)) and not is_workday(date(2026, 10, 7))
    assert is_workday(date(2026, 9, 20)) and is_workday(date(2026, 10, 10))
    assert not is_workday(date(2026, 11, 28))  # an ordinary Saturday


def test_five_working_days_from_the_eve_of_national_day_run_past_the_holiday() -> None:
    # counted from the next working day: 10/8, 10/9, 10/10 (make-up Saturday), 10/12, 10/13
    due = workday_deadline(_local(2026, 9, 30, 10, 0), 5)
    assert due == _local(2026, 10, 14) and due.tzinfo == UTC


def test_a_friday_evening_submission_loses_no_day_to_the_weekend() -> None:
    assert workday_deadline(_local(2026, 11, 27, 20, 30), 1) == _local(2026, 12, 1)
    assert workday_deadline(_local(2026, 11, 28, 9, 0), 1) == _local(2026, 12, 1)  # Saturday


def test_the_day_counted_from_is_the_day_in_shanghai_not_in_utc() -> None:
    # 2026-11-26 17:30 UTC is Friday 01:30 in Shanghai: the next working day is Monday
    assert workday_deadline(datetime(2026, 11, 26, 17, 30, tzinfo=UTC), 1) == _local(2026, 12, 1)
    # 2026-11-26 15:30 UTC is still Thursday 23:30 there: Friday is the next working day
    assert workday_deadline(datetime(2026, 11, 26, 15, 30, tzinfo=UTC), 1) == _local(2026, 11, 28)


def _calendar_ends_with(monkeypatch: pytest.MonkeyPatch, last_year: int) -> None:
    """Make chinese_calendar know no year after `last_year` (as when a schedule is not out)."""
    known = chinese_calendar.is_workday

    def is_workday(day: date) -> bool:
        if day.year > last_year:
            raise NotImplementedError(f"no available data for year {day.year}")
        return known(day)

    monkeypatch.setattr(chinese_calendar, "is_workday", is_workday)


def test_a_year_the_holiday_calendar_does_not_know_counts_monday_to_friday(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _calendar_ends_with(monkeypatch, 2025)
    # 2026-10-01 (National Day) counts as a working day, 2026-10-10 (a make-up Saturday) not
    assert is_workday(date(2026, 10, 1)) and not is_workday(date(2026, 10, 10))
    assert workday_deadline(_local(2026, 9, 30, 10, 0), 5) == _local(2026, 10, 8)


def test_years_the_calendar_does_not_know_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    _calendar_ends_with(monkeypatch, 2026)
    assert unknown_workday_years(date(2026, 1, 1), date(2026, 12, 31)) == []
    assert unknown_workday_years(date(2026, 11, 27), date(2028, 5, 1)) == [2027, 2028]


# 2031: a year chinese_calendar will not know for years; the schedule as a notice would give it
SCHEDULE_2031 = """
[2031]
holidays = ["2031-01-01", "2031-01-22..2031-01-28"]  # 元旦; 春节 (Wednesday to Tuesday)
workdays = ["2031-01-19", "2031-02-08"]  # 调休: a Sunday and a Saturday
"""


@pytest.fixture
def schedule_2031() -> Iterator[None]:
    set_holiday_schedules(parse_holiday_schedules(SCHEDULE_2031))
    yield
    set_holiday_schedules({})


def test_an_operators_schedule_decides_a_year_the_package_does_not_know(schedule_2031) -> None:  # type: ignore[no-untyped-def]
    assert not is_workday(date(2031, 1, 1)) and not is_workday(date(2031, 1, 27))  # a Monday off
    assert is_workday(date(2031, 1, 19)) and is_workday(date(2031, 2, 8))  # make-up weekend days
    assert is_workday(date(2031, 1, 29)) and not is_workday(date(2031, 2, 1))  # as usual
    assert unknown_workday_years(date(2030, 12, 1), date(2031, 6, 1)) == [2030]
    # 3 working days from Tuesday 2031-01-21: past the Spring Festival, to 1/29, 1/30, 1/31
    assert workday_deadline(_local(2031, 1, 21, 10, 0), 3) == _local(2031, 2, 1)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[2031]\nholidays = ["2031-02-30"]', "'2031-02-30' is no day"),
        ('[2031]\nholidays = ["2030-12-31..2031-01-02"]', "not a span of days in 2031"),
        ('[2031]\nholidays = ["2031-01-01"]\nworkdays = ["2031-01-01"]', "both a holiday"),
        ("[2031]\nrestdays = []", "only holidays and workdays"),
        ("[next]\nholidays = []", "a table per year"),
        ("[2031\n", "not TOML"),
    ],
)
def test_a_schedule_that_cannot_be_read_says_where(text: str, said: str) -> None:
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_schedules(text)
    assert said in str(caught.value)
