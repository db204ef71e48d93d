"""The KRX calendar across Chuseok 2026, a weekend and the late-opening days."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hantu.adapters.krx_calendar import SEOUL, KrxCalendar, _ask_holidays
from hantu.errors import ConfigError
from hantu.service_layer.calendar_ports import MarketCalendar

CALENDAR: MarketCalendar = KrxCalendar()


def _kst(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL)


def test_chuseok_and_weekend_are_closed() -> None:
    for day in (
        date(2026, 9, 24),
        date(2026, 9, 25),
        date(2026, 9, 26),
        date(2026, 10, 3),
        date(2026, 10, 5),
    ):
        assert not CALENDAR.is_trading_day(day), day
    assert CALENDAR.is_trading_day(date(2026, 9, 23))
    assert CALENDAR.is_trading_day(date(2026, 10, 2))


def test_next_open_skips_chuseok() -> None:
    after_close = _kst(2026, 9, 23, 15, 30)
    assert CALENDAR.next_open(after_close) == _kst(2026, 9, 28, 9, 0)
    assert CALENDAR.next_open(_kst(2026, 10, 2, 16, 0)) == _kst(2026, 10, 6, 9, 0)


def test_next_close_while_open_and_open_window() -> None:
    assert CALENDAR.next_close(_kst(2026, 9, 23, 10, 0)) == _kst(2026, 9, 23, 15, 30)
    assert CALENDAR.is_open(_kst(2026, 9, 23, 15, 29))
    assert not CALENDAR.is_open(_kst(2026, 9, 23, 15, 30))
    assert not CALENDAR.is_open(_kst(2026, 9, 25, 11, 0))


def test_first_trading_day_and_csat_open_late() -> None:
    first = CALENDAR.session(date(2026, 1, 2))
    assert first is not None
    assert first.opens_at == _kst(2026, 1, 2, 10, 0)
    assert first.closes_at == _kst(2026, 1, 2, 15, 30)
    csat = KrxCalendar(csat_days=[date(2026, 11, 19)]).session(date(2026, 11, 19))
    assert csat is not None
    assert (csat.opens_at, csat.closes_at) == (
        _kst(2026, 11, 19, 10, 0),
        _kst(2026, 11, 19, 16, 30),
    )
    assert CALENDAR.next_open(_kst(2025, 12, 30, 16, 0)) == _kst(2026, 1, 2, 10, 0)


def test_the_days_off_asked_of_a_child_process_are_the_holidays_packages_own() -> None:
    import holidays  # here, in the test process, to compare with what the child answered

    asked = _ask_holidays((2026, 2027))
    for year in (2026, 2027):
        expected = frozenset(holidays.financial_holidays("XKRX", years=year).keys())
        assert asked[year] == expected
    assert date(2026, 9, 25) in asked[2026]  # 추석


def test_an_unknown_year_range_is_a_config_error_naming_the_calendar() -> None:
    with pytest.raises(ConfigError, match="XKRX calendar"):
        _ask_holidays(("not-a-year",))  # type: ignore[arg-type]
