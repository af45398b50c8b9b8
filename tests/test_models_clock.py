"""Working days (工作日) as promised time limits count them: holidays, make-up days, time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime

import chinese_calendar
import pytest

from models.clock import SHANGHAI, is_workday, unknown_workday_years, workday_deadline


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
