"""Settings come from KX_* variables; bad values name the variable."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path

import chinese_calendar
import pytest

from api import create_app
from api.config import VARIABLES, ConfigError, Settings, new_data_key
from models.clock import frozen, is_workday, set_holiday_schedules
from services.claims import warn_about_calendar

KEY = new_data_key()


def settings_from(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"KX_INSTANCE_DIR": str(tmp_path), "KX_DATA_KEY": KEY, **env})


def test_embedded_defaults(tmp_path: Path) -> None:
    settings = settings_from(tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'kuaixiang.db'}"
    assert settings.redis_url is None
    assert settings.scheduler == "inprocess"
    assert settings.wechat_emulator is True
    assert len(settings.data_key) == 32


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KX_DATA_KEY", "too-short"),
        ("KX_DATABASE_URL", "postgres://x/y"),
        ("KX_DATABASE_URL", "not a url"),
        ("KX_REDIS_URL", "http://127.0.0.1:6379"),
        ("KX_WECHAT_API_BASE", "api.weixin.qq.com"),
        ("KX_WECHAT_TIMEOUT", "-1"),
        ("KX_MINIPROGRAM_STATE", "production"),
        ("KX_SCHEDULER", "sometimes"),
        ("KX_WECHAT_AES_KEY", "short"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, **{variable: value})
    assert caught.value.variable == variable
    assert str(caught.value).startswith(variable)


def test_missing_data_key_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="KX_DATA_KEY"):
        Settings.from_env({"KX_INSTANCE_DIR": str(tmp_path)})


def test_data_key_file_in_instance_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "data.key").write_text(KEY + "\n")
    settings = Settings.from_env({"KX_INSTANCE_DIR": str(tmp_path)})
    assert len(settings.data_key) == 32


def test_readme_lists_every_variable_with_its_default() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    rows = {
        m.group(1): m.group(2) for m in re.finditer(r"^\| `(KX_\w+)` \| ([^|]*) \|", readme, re.M)
    }
    for name, default, _meaning in VARIABLES:
        assert name in rows, f"{name} missing from the README's configuration table"
        assert default in rows[name], f"{name}: README default differs from api/config.py"
    assert set(rows) == {name for name, _, _ in VARIABLES}


def test_secret_key_is_the_same_in_every_process_unless_set(tmp_path: Path) -> None:
    first, second = settings_from(tmp_path), settings_from(tmp_path)
    assert first.secret_key == second.secret_key
    assert first.secret_key != settings_from(tmp_path, KX_DATA_KEY=new_data_key()).secret_key
    assert settings_from(tmp_path, KX_SECRET_KEY="explicit").secret_key == "explicit"


def test_the_start_warns_when_the_working_day_calendar_lacks_a_year_within_reach(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kuaixiang run` and `kuaixiang scheduler` call it once as they start."""
    monkeypatch.setattr(chinese_calendar, "is_workday", _knows_until(2026))
    with (
        caplog.at_level(logging.WARNING, logger="services.claims._deadlines"),
        frozen(datetime(2026, 6, 1, tzinfo=UTC)),
    ):
        warn_about_calendar()  # a promise made in June 2026 may run into 2027
    warned = [r.getMessage() for r in caplog.records if "chinesecalendar" in r.getMessage()]
    caplog.clear()
    monkeypatch.setattr(chinese_calendar, "is_workday", _knows_until(2027))
    with (
        caplog.at_level(logging.WARNING, logger="services.claims._deadlines"),
        frozen(datetime(2026, 6, 1, tzinfo=UTC)),
    ):
        warn_about_calendar()
    again = [r.getMessage() for r in caplog.records if "chinesecalendar" in r.getMessage()]

    assert len(warned) == 1 and "2027" in warned[0] and "Monday to Friday" in warned[0]
    assert again == []


def _knows_until(last_year: int):  # type: ignore[no-untyped-def]
    def is_workday(day):  # type: ignore[no-untyped-def]
        if day.year > last_year:
            raise NotImplementedError(f"no available data for year {day.year}")
        return day.weekday() < 5

    return is_workday


def test_the_holiday_schedule_comes_from_the_instance_folder_or_the_named_file(
    tmp_path: Path,
) -> None:
    assert settings_from(tmp_path).holiday_schedules == {}
    (tmp_path / "holidays.toml").write_text('[2031]\nholidays = ["2031-01-27"]\n', "utf-8")
    holidays, workdays = settings_from(tmp_path).holiday_schedules[2031]
    assert holidays == {date(2031, 1, 27)} and workdays == frozenset()
    app = create_app(settings_from(tmp_path))  # the process counts by it from now on
    try:
        assert not is_workday(date(2031, 1, 27)) and is_workday(date(2031, 1, 28))
    finally:
        app.extensions["kx.db"].dispose()
        set_holiday_schedules({})

    with pytest.raises(ConfigError, match="KX_HOLIDAYS_FILE: .*does not exist"):
        settings_from(tmp_path, KX_HOLIDAYS_FILE=str(tmp_path / "missing.toml"))
    broken = tmp_path / "broken.toml"
    broken.write_text('[2031]\nholidays = ["2031-13-01"]\n', "utf-8")
    with pytest.raises(ConfigError, match=r"KX_HOLIDAYS_FILE: .*broken.toml: .*is no day"):
        settings_from(tmp_path, KX_HOLIDAYS_FILE=str(broken))
